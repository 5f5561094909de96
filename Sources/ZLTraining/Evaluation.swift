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

  /// Scores every session of `corpus` (or of the spec's files when nil), streaming the lines.
  /// - Parameters:
  ///   - sessions: the keys of the sessions evaluated (nil: every session; a sampled run's sample).
  ///   - baselineDetector: a PCA for the "PCA alone" baseline (nil: fitted here, without labels, on
  ///     the evaluated sessions themselves).
  public static func run(model: ScoringModel, spec: SystemSpec, labelFile: LabelFile?, corpus: Corpus? = nil,
                         sessions wanted: Set<String>? = nil, threshold: Double? = nil,
                         baselineDetector: TargetDetectorSection? = nil) throws -> Evaluation {
    let pipe = try naming("\(spec.role) sessions") {
      try ScoringPipeline(model: model, options: ScoringOptions(sessionRule: spec.session.rule, inlineLabelField: spec.inlineLabelField,
                                                                nodeField: spec.nodeField, threshold: threshold,
                                                                levelField: spec.levelField))
    }
    var ev = Evaluation(threshold: pipe.threshold)
    // Each session is reduced to what the metrics need as it is scored (key, score, label and the
    // baselines' scores), so memory follows the sessions' count, not their events.
    let hasLevels = pipe.frontEnd.levelField != nil
    var levelScores: [(String, Severity, [Double])] = hasLevels ? [("level_at_least_error", .error, []), ("level_at_least_fatal", .fatal, [])] : []
    let pcaScorer = baselineDetector.flatMap { d in
      d.structure == nil ? nil : HybridScorer(decision: HybridDecision(alarmLevel: nil, network: .none), detectors: d)
    }
    var pcaScores: [Double] = []
    var pcaSessions: [Session] = []
    var matchedKeys = Set<String>()
    func keep(_ out: [ScoredSession]) {
      for s in out {
        if let w = wanted, !w.contains(s.session.key) { continue }
        ev.keys.append(s.session.key)
        ev.scores.append(Double(s.score))
        if spec.inlineLabelField != nil {
          ev.labels.append(s.session.inlineAnomaly)
        } else {
          let y = labelFile?[s.session.labelKey]
          ev.labels.append(y)
          if y != nil { matchedKeys.insert(LabelFile.normalize(s.session.labelKey)) }
        }
        for k in levelScores.indices {
          levelScores[k].2.append(s.session.maxLevel.isKnown && s.session.maxLevel >= levelScores[k].1 ? 1 : 0)
        }
        if let p = pcaScorer {
          pcaScores.append(p.evidence(s.session, network: nil).structure)
        } else if baselineDetector == nil {
          pcaSessions.append(s.session)
        }
      }
    }
    if let corpus {
      try corpus.forEachLine(pass: "evaluation") { _, l in keep(pipe.process(line: l)) }
    } else {
      for path in spec.files {
        let reader = try LineReader(path: path)
        while let out = try reader.next({ pipe.process(line: $0) }) { keep(out) }
      }
    }
    pipe.finish { keep($0) }
    ev.lines = pipe.frontEnd.lines
    ev.newTemplateLines = pipe.frontEnd.newTemplateLines
    if let f = labelFile, spec.inlineLabelField == nil { ev.unusedLabelKeys = f.unmatchedKeys(seen: matchedKeys) }

    // The label-free baselines on the same sessions.
    ev.baselines.scores["flag_all"] = ev.keys.map { _ in 1 }
    if hasLevels {
      for (name, _, scores) in levelScores { ev.baselines.scores[name] = scores }
    } else {
      for name in ["level_at_least_error", "level_at_least_fatal"] { ev.baselines.missing[name] = "the log format has no level field" }
    }
    var pcaScored = pcaScorer != nil
    if baselineDetector == nil {
      // Fitted, without labels, on the evaluated sessions themselves.
      let fitted = TargetDetectors.fit(sessions: pcaSessions.map(\.events), templates: model.drain.templates.map(\.id), gate: false).section
      if fitted.structure != nil {
        let scorer = HybridScorer(decision: HybridDecision(alarmLevel: nil, network: .none), detectors: fitted)
        pcaScores = pcaSessions.map { scorer.evidence($0, network: nil).structure }
        pcaScored = true
      }
    }
    if pcaScored {
      ev.baselines.scores["pca"] = pcaScores
    } else {
      ev.baselines.missing["pca"] = "the sessions cannot support a PCA (one template, or every session alike)"
    }
    return ev
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

  /// The curves of labelled sessions whose key is in `keys` (nil: one label is missing).
  public func curves(keys wanted: Set<String>?) -> HeldOutCurves? {
    let idx = selected(wanted)
    return HeldOutCurves(scores: idx.map { scores[$0] }, labels: idx.map { labels[$0]! }, threshold: threshold)
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
