// Session-level detection metrics (ARCHITECTURE.md #11): anomaly is the positive class; precision,
// recall and F1 in percent (0 when undefined, as the reference reports); ROC-AUC by the rank
// statistic with ties averaged; PR-AUC as average precision (step-wise, ties grouped).

import ZLBase

public struct DetectionMetrics: Sendable, Equatable {
  public var tp = 0, fp = 0, tn = 0, fn = 0
  public var precision = 0.0, recall = 0.0, f1 = 0.0
  public var rocAUC: Double? = nil
  public var prAUC: Double? = nil
  public var sessions: Int { tp + fp + tn + fn }

  public init() {}

  /// Metrics of scores against labels (true = anomalous) at `threshold` (anomalous when score ≥ t).
  public init(scores: [Double], labels: [Bool], threshold: Double) {
    precondition(scores.count == labels.count)
    for (s, y) in zip(scores, labels) {
      let p = s >= threshold
      switch (p, y) {
      case (true, true): tp += 1
      case (true, false): fp += 1
      case (false, false): tn += 1
      case (false, true): fn += 1
      }
    }
    precision = tp + fp > 0 ? 100 * Double(tp) / Double(tp + fp) : 0
    recall = tp + fn > 0 ? 100 * Double(tp) / Double(tp + fn) : 0
    f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
    let pos = labels.filter { $0 }.count, neg = labels.count - pos
    if pos > 0 && neg > 0 {
      rocAUC = DetectionMetrics.rocAUC(scores, labels, pos: pos, neg: neg)
      prAUC = DetectionMetrics.averagePrecision(scores, labels, pos: pos)
    }
  }

  static func rocAUC(_ s: [Double], _ y: [Bool], pos: Int, neg: Int) -> Double {
    let order = s.indices.sorted { s[$0] < s[$1] }
    var rankSum = 0.0
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && s[order[j + 1]] == s[order[i]] { j += 1 }
      let avg = Double(i + j) / 2 + 1
      for k in i...j where y[order[k]] { rankSum += avg }
      i = j + 1
    }
    return (rankSum - Double(pos) * Double(pos + 1) / 2) / (Double(pos) * Double(neg))
  }

  static func averagePrecision(_ s: [Double], _ y: [Bool], pos: Int) -> Double {
    let order = s.indices.sorted { s[$0] > s[$1] }
    var tp = 0, seen = 0
    var ap = 0.0, lastRecall = 0.0
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && s[order[j + 1]] == s[order[i]] { j += 1 }
      for k in i...j {
        seen += 1
        if y[order[k]] { tp += 1 }
      }
      let r = Double(tp) / Double(pos), p = Double(tp) / Double(seen)
      ap += (r - lastRecall) * p
      lastRecall = r
      i = j + 1
    }
    return ap
  }

  public var json: JSON {
    .object([
      ("precision", .number(precision)), ("recall", .number(recall)), ("f1", .number(f1)),
      ("roc_auc", rocAUC.map { .number($0) } ?? .null), ("pr_auc", prAUC.map { .number($0) } ?? .null),
      ("tp", .integer(Int64(tp))), ("fp", .integer(Int64(fp))), ("tn", .integer(Int64(tn))), ("fn", .integer(Int64(fn))),
      ("sessions", .integer(Int64(sessions))),
    ])
  }

  /// The threshold in (0, 1) that maximises F1 on these scores (ties: the higher threshold).
  public static func bestF1Threshold(scores: [Double], labels: [Bool]) -> Double {
    var candidates = Set(scores.filter { $0 > 0 && $0 < 1 })
    candidates.insert(0.5)
    var best = (f1: -1.0, t: 0.5)
    for t in candidates.sorted() {
      let m = DetectionMetrics(scores: scores, labels: labels, threshold: t)
      if m.f1 >= best.f1 { best = (m.f1, t) }
    }
    return best.t
  }
}
