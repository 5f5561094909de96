// ZLModel: work in progress
