// Evaluation: a checkpoint scored on raw logs through ScoringPipeline (zl-score's code path), with
// session labels from a label file or inline alerts, and the label-free baselines scored on the
// same sessions (flag every session; highest level at least error; the PCA detector alone). Used by
// `zl-train eval` and by `fit`'s report.

import ZLBase
import ZLDrain
import ZLFormat
import ZLProfile
import ZLScoring

/// The label-free rules every report sets beside the model, as per-session scores (anomalous ≥ 0.5).
public struct Baselines: Sendable {
  public static let names = ["flag_all", "level_at_least_error", "level_at_least_fatal", "pca"]
  /// Per rule, per session.
  public var scores: [String: [Double]] = [:]
  /// Why a rule could not be scored (no level field, no PCA).
  public var missing: [String: String] = [:]
}

public struct Evaluation {
  public var keys: [String] = []
  public var scores: [Double] = []
  public var labels: [Bool?] = []
  public var threshold: Double
  public var lines = 0
  public var newTemplateLines = 0
  public var unlabelled: Int { labels.filter { $0 == nil }.count }
  public var unusedLabelKeys = 0
  public var baselines = Baselines()

  /// Scores every session of `corpusLines` (or of the spec's files when nil).
  /// - Parameter baselineDetector: a PCA for the "PCA alone" baseline (nil: fitted here, without
  ///   labels, on the evaluated sessions themselves).
  public static func run(model: ScoringModel, spec: SystemSpec, labelFile: LabelFile?, corpusLines: [[UInt8]]? = nil,
                         threshold: Double? = nil, baselineDetector: TargetDetectorSection? = nil) throws -> Evaluation {
    let pipe = try naming("\(spec.role) sessions") {
      try ScoringPipeline(model: model, options: ScoringOptions(sessionRule: spec.session.rule, inlineLabelField: spec.inlineLabelField,
                                                                nodeField: spec.nodeField, threshold: threshold,
                                                                levelField: spec.levelField))
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
    ev.baselines = baselines(scored.map(\.session), hasLevels: pipe.frontEnd.levelField != nil, model: model,
                             detector: baselineDetector)
    return ev
  }

  static func baselines(_ sessions: [Session], hasLevels: Bool, model: ScoringModel, detector: TargetDetectorSection?) -> Baselines {
    var b = Baselines()
    b.scores["flag_all"] = sessions.map { _ in 1 }
    for (name, level) in [("level_at_least_error", Severity.error), ("level_at_least_fatal", Severity.fatal)] {
      if hasLevels {
        b.scores[name] = sessions.map { $0.maxLevel.isKnown && $0.maxLevel >= level ? 1 : 0 }
      } else {
        b.missing[name] = "the log format has no level field"
      }
    }
    let pca = detector ?? TargetDetectors.fit(sessions: sessions.map(\.events), templates: model.drain.templates.map(\.id), gate: false).section
    if pca.structure != nil {
      let scorer = HybridScorer(decision: HybridDecision(alarmLevel: nil, network: .none), detectors: pca)
      b.scores["pca"] = sessions.map { scorer.evidence($0, network: nil).structure }
    } else {
      b.missing["pca"] = "the sessions cannot support a PCA (one template, or every session alike)"
    }
    return b
  }

  /// Indices of labelled sessions whose key is in `keys` (all when nil).
  func selected(_ wanted: Set<String>?) -> [Int] {
    keys.indices.filter { labels[$0] != nil && (wanted == nil || wanted!.contains(keys[$0])) }
  }

  /// Metrics over labelled sessions whose key is in `keys` (all when nil).
  public func metrics(keys wanted: Set<String>?) -> DetectionMetrics {
    let idx = selected(wanted)
    return DetectionMetrics(scores: idx.map { scores[$0] }, labels: idx.map { labels[$0]! }, threshold: threshold)
  }

  /// Each baseline's metrics on the same sessions (threshold 0.5).
  public func baselineMetrics(keys wanted: Set<String>?) -> [(String, DetectionMetrics?)] {
    let idx = selected(wanted)
    return Baselines.names.map { name in
      guard let s = baselines.scores[name] else { return (name, nil) }
      return (name, DetectionMetrics(scores: idx.map { s[$0] }, labels: idx.map { labels[$0]! }, threshold: 0.5))
    }
  }
}
