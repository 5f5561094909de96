// HeldOutCurves: what the report keeps of the held-out sessions' scores so that curves can be drawn
// later without the logs — the ROC and precision–recall curves (exact vertices, ties grouped, thinned
// to a bounded count), the operating point at the model's threshold, a score histogram by label, and
// the scores themselves (exact up to a bound per label, else evenly spaced order statistics). Every
// part is bounded, so a report's size does not grow with the sessions' count.

import ZLBase

public struct HeldOutCurves: Sendable, Equatable {
  /// Most vertices kept per curve, and most scores kept per label.
  public static let maxPoints = 201
  public static let maxScores = 500
  public static let bins = 20

  /// (false-positive rate, true-positive rate), from (0, 0) to (1, 1).
  public var roc: [(Double, Double)]
  /// (recall, precision), in order of falling threshold.
  public var pr: [(Double, Double)]
  public var threshold: Double
  public var operating: (fpr: Double, tpr: Double, precision: Double, recall: Double)
  /// Histogram of scores over [0, 1] in `bins` equal bins (scores outside are clipped into the end bins).
  public var anomalousHistogram: [Int]
  public var normalHistogram: [Int]
  public var anomalousScores: (count: Int, values: [Double])
  public var normalScores: (count: Int, values: [Double])

  public static func == (a: HeldOutCurves, b: HeldOutCurves) -> Bool { a.json == b.json }

  /// The curves as a report holds them (read back by `ReportRun`).
  init(roc: [(Double, Double)], pr: [(Double, Double)], threshold: Double, operating: (fpr: Double, tpr: Double, precision: Double, recall: Double),
       anomalousHistogram: [Int], normalHistogram: [Int], anomalousScores: (count: Int, values: [Double]), normalScores: (count: Int, values: [Double])) {
    self.roc = roc; self.pr = pr; self.threshold = threshold; self.operating = operating
    self.anomalousHistogram = anomalousHistogram; self.normalHistogram = normalHistogram
    self.anomalousScores = anomalousScores; self.normalScores = normalScores
  }

  /// Nil unless both labels are present (no curve can be drawn otherwise).
  public init?(scores: [Double], labels: [Bool], threshold: Double) {
    let pos = labels.filter { $0 }.count, neg = labels.count - pos
    guard pos > 0 && neg > 0, scores.count == labels.count else { return nil }
    self.threshold = threshold
    // Vertices at each distinct score, highest first.
    let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    var roc: [(Double, Double)] = [(0, 0)], pr: [(Double, Double)] = []
    var tp = 0, fp = 0, i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
      for k in i...j { if labels[order[k]] { tp += 1 } else { fp += 1 } }
      roc.append((Double(fp) / Double(neg), Double(tp) / Double(pos)))
      pr.append((Double(tp) / Double(pos), Double(tp) / Double(tp + fp)))
      i = j + 1
    }
    self.roc = HeldOutCurves.thin(roc)
    self.pr = HeldOutCurves.thin(pr)
    let m = DetectionMetrics(scores: scores, labels: labels, threshold: threshold)
    operating = (Double(m.fp) / Double(neg), Double(m.tp) / Double(pos), m.precision / 100, m.recall / 100)
    var ah = [Int](repeating: 0, count: HeldOutCurves.bins), nh = ah
    for (s, y) in zip(scores, labels) {
      let b = s.isFinite ? min(max(Int((s * Double(HeldOutCurves.bins)).rounded(.down)), 0), HeldOutCurves.bins - 1) : 0
      if y { ah[b] += 1 } else { nh[b] += 1 }
    }
    anomalousHistogram = ah
    normalHistogram = nh
    anomalousScores = (pos, HeldOutCurves.sample(zip(scores, labels).filter { $0.1 }.map(\.0)))
    normalScores = (neg, HeldOutCurves.sample(zip(scores, labels).filter { !$0.1 }.map(\.0)))
  }

  /// At most `maxPoints` vertices: evenly spaced ones, the first and the last always kept.
  static func thin(_ p: [(Double, Double)]) -> [(Double, Double)] {
    guard p.count > maxPoints else { return p }
    return (0..<maxPoints).map { p[Int((Double($0) * Double(p.count - 1) / Double(maxPoints - 1)).rounded())] }
  }

  /// The scores sorted; more than `maxScores` become that many evenly spaced order statistics.
  static func sample(_ s: [Double]) -> [Double] {
    let sorted = s.sorted()
    let kept = sorted.count <= maxScores ? sorted
      : (0..<maxScores).map { sorted[Int((Double($0) * Double(sorted.count - 1) / Double(maxScores - 1)).rounded())] }
    return kept.map(round6)
  }

  static func round6(_ x: Double) -> Double { x.isFinite ? (x * 1e6).rounded() / 1e6 : 0 }

  public var json: JSON {
    func points(_ p: [(Double, Double)]) -> JSON { .array(p.map { .array([.number(Self.round6($0.0)), .number(Self.round6($0.1))]) }) }
    func scores(_ s: (count: Int, values: [Double])) -> JSON {
      .object([("count", .integer(Int64(s.count))), ("exact", .bool(s.count == s.values.count)), ("values", .array(s.values.map { .number($0) }))])
    }
    return .object([
      ("roc", points(roc)), ("pr", points(pr)),
      ("operating_point", .object([("threshold", .number(threshold)), ("fpr", .number(Self.round6(operating.fpr))),
                                   ("tpr", .number(Self.round6(operating.tpr))), ("precision", .number(Self.round6(operating.precision))),
                                   ("recall", .number(Self.round6(operating.recall)))])),
      ("histogram", .object([("low", .number(0)), ("high", .number(1)), ("bins", .integer(Int64(Self.bins))),
                             ("anomalous", .array(anomalousHistogram.map { .integer(Int64($0)) })),
                             ("normal", .array(normalHistogram.map { .integer(Int64($0)) }))])),
      ("scores", .object([("anomalous", scores(anomalousScores)), ("normal", scores(normalScores))])),
    ])
  }
}
