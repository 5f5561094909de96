// Evaluation: a checkpoint scored on raw logs through ScoringPipeline (zl-score's code path), with
// session labels from a label file or inline alerts. Used by `zl-train eval` and by `fit`'s report.

import ZLBase
import ZLDrain
import ZLFormat
import ZLScoring

public struct Evaluation {
  public var keys: [String] = []
  public var scores: [Double] = []
  public var labels: [Bool?] = []
  public var threshold: Double
  public var lines = 0
  public var newTemplateLines = 0
  public var unlabelled: Int { labels.filter { $0 == nil }.count }
  public var unusedLabelKeys = 0

  /// Scores every session of `corpusLines` (or of the spec's files when nil).
  public static func run(model: ScoringModel, spec: SystemSpec, labelFile: LabelFile?, corpusLines: [[UInt8]]? = nil,
                         threshold: Double? = nil) throws -> Evaluation {
    let pipe = try naming("\(spec.role) sessions") {
      try ScoringPipeline(model: model, options: ScoringOptions(sessionRule: spec.session.rule, inlineLabelField: spec.inlineLabelField,
                                                                nodeField: spec.nodeField, threshold: threshold))
    }
    var ev = Evaluation(threshold: pipe.threshold)
    var scored: [ScoredSession] = []
    if let lines = corpusLines {
      for l in lines { scored += l.withUnsafeBufferPointer { pipe.process(line: $0) } }
    } else {
      for path in spec.files {
        let reader = try LineReader(path: path)
        while let out = try reader.next({ pipe.process(line: $0) }) { scored += out }
      }
    }
    scored += pipe.finish()
    ev.lines = pipe.frontEnd.lines
    ev.newTemplateLines = pipe.frontEnd.newTemplateLines
    for s in scored {
      ev.keys.append(s.session.key)
      ev.scores.append(Double(s.score))
      if spec.inlineLabelField != nil {
        ev.labels.append(s.session.inlineAnomaly)
      } else {
        ev.labels.append(labelFile?[s.session.labelKey])
      }
    }
    if let f = labelFile { ev.unusedLabelKeys = f.unmatchedKeys(seen: Set(scored.map { LabelFile.normalize($0.session.labelKey) })) }
    return ev
  }

  /// Metrics over labelled sessions whose key is in `keys` (all when nil).
  public func metrics(keys wanted: Set<String>?) -> DetectionMetrics {
    var s: [Double] = [], y: [Bool] = []
    for i in keys.indices {
      guard let l = labels[i] else { continue }
      if let w = wanted, !w.contains(keys[i]) { continue }
      s.append(scores[i])
      y.append(l)
    }
    return DetectionMetrics(scores: s, labels: y, threshold: threshold)
  }
}
