// ZLScoring: work in progress
