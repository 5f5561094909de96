// ZLEmbedding: work in progress
