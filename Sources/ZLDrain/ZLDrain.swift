// ZLDrain: work in progress
