// ZLTensor: work in progress
