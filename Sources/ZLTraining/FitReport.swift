// FitReport: what `zl-train fit` reports — per-epoch records, how the run ended, and the finished
// run's figures (held-out and transductive metrics scored through zl-score's code, source
// validation, settings, input digests, timings) as a typed value with its JSON form.

import ZLBase
import ZLProfile

public struct EpochRecord: Sendable {
  public var epoch: Int
  public var classification = 0.0, domain = 0.0, query = 0.0, domainAccuracy = 0.0
  public var sourceValidationLoss = 0.0, sourceValidationF1 = 0.0
  public var sequences = 0
  public var json: JSON {
    .object([
      ("epoch", .integer(Int64(epoch))), ("classification_loss", .number(classification)), ("domain_loss", .number(domain)),
      ("query_loss", .number(query)), ("domain_accuracy", .number(domainAccuracy)),
      ("source_validation_loss", .number(sourceValidationLoss)), ("source_validation_f1", .number(sourceValidationF1)),
      ("sequences", .integer(Int64(sequences))),
    ])
  }
  var values: [Double] { [Double(epoch), classification, domain, query, domainAccuracy, sourceValidationLoss, sourceValidationF1, Double(sequences)] }
  init(epoch: Int) { self.epoch = epoch }
  init(values v: [Double]) {
    epoch = Int(v[0]); classification = v[1]; domain = v[2]; query = v[3]; domainAccuracy = v[4]
    sourceValidationLoss = v[5]; sourceValidationF1 = v[6]; sequences = Int(v[7])
  }
}

/// How a fit ended: the finished run's report, or a stop after an epoch (resume state kept).
public enum FitOutcome: Sendable {
  case finished(FitReport)
  case stopped(afterEpoch: Int, resumePath: String)

  public var json: JSON {
    switch self {
    case .finished(let r): return r.json
    case .stopped(let e, let p): return .object([("stopped_after_epoch", .integer(Int64(e))), ("resume", .string(p))])
    }
  }
}

/// One split's figures: the model on the held-out part (inductive) and on every target session
/// (transductive), the label-free baselines on the same held-out sessions, and how it was trained.
public struct SplitResult: Sendable {
  public var seed: UInt64
  public var threshold: ThresholdSection
  public var inductive: DetectionMetrics?
  public var transductive: DetectionMetrics?
  /// Each baseline's metrics on the held-out part (nil: it could not be scored; see `missingBaselines`).
  public var baselines: [(String, DetectionMetrics?)]
  public var missingBaselines: [String: String]
  public var heldOutSessions: Int
  public var adaptationSessions: Int
  public var unlabelledSessions: Int
  public var newTemplateLines: Int
  /// The network's figures on the source's validation part (nil without a network).
  public var sourceValidation: DetectionMetrics?
  /// Why target-side detectors were left out.
  public var notes: [String]
  public var trainSeconds: Double
  public var epochs: [EpochRecord]
  /// Source sessions the front end made and those used (fewer with --max-sessions); nil without a network.
  public var sourceSessions: (total: Int, used: Int)? = nil
  /// The held-out sessions' curves, histogram and (bounded) scores; nil without labels.
  public var curves: HeldOutCurves? = nil

  public var json: JSON {
    .object([
      ("seed", .integer(Int64(seed))), ("threshold", .number(threshold.threshold)), ("threshold_method", .string(threshold.method)),
      ("test", .object([("inductive", inductive?.json ?? .null), ("transductive", transductive?.json ?? .null),
                        ("held_out_sessions", .integer(Int64(heldOutSessions))), ("adaptation_sessions", .integer(Int64(adaptationSessions))),
                        ("unlabelled_sessions", .integer(Int64(unlabelledSessions))),
                        ("new_template_lines", .integer(Int64(newTemplateLines)))])),
      ("held_out_curves", curves?.json ?? .null),
      ("baselines", .object(baselines.map { ($0.0, $0.1?.json ?? .object([("missing", .string(missingBaselines[$0.0] ?? "not scored"))])) })),
      ("source_validation", sourceValidation?.json ?? .null),
      ("source_sessions", sourceSessions.map { .object([("total", .integer(Int64($0.total))), ("used", .integer(Int64($0.used)))]) } ?? .null),
      ("notes", .array(notes.map { .string($0) })),
      ("train_seconds", .number(trainSeconds)),
      ("epochs", .array(epochs.map { $0.json })),
    ])
  }
}

/// Mean, standard deviation and the 95 % interval of the mean (Student's t) of per-split figures.
public struct Spread: Sendable {
  public var mean: Double
  public var sd: Double
  public var low: Double
  public var high: Double
  public var count: Int

  /// - Parameter bounds: the figure's range (percent 0...100, AUC 0...1): the interval is clipped to it.
  public init?(_ values: [Double], bounds: ClosedRange<Double> = -Double.infinity...Double.infinity) {
    guard !values.isEmpty else { return nil }
    let n = Double(values.count)
    let m = values.reduce(0, +) / n
    let s = values.count > 1 ? (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)).squareRoot() : 0
    let half = values.count > 1 ? Spread.t975(values.count - 1) * s / n.squareRoot() : 0
    mean = m
    sd = s
    low = max(bounds.lowerBound, m - half)
    high = min(bounds.upperBound, m + half)
    count = values.count
  }

  public var json: JSON {
    .object([("mean", .number(mean)), ("sd", .number(sd)), ("ci95", .array([.number(low), .number(high)])), ("splits", .integer(Int64(count)))])
  }

  /// Student's t 0.975 quantile for `df` degrees of freedom (table to 30, then the normal's).
  static func t975(_ df: Int) -> Double {
    let table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
    return df >= 1 && df <= 30 ? table[df - 1] : 1.96
  }
}

/// What a finished fit reports (zl-train fit --report).
public struct FitReport: Sendable {
  public var method: String
  /// The source's preset (nil when no source was used).
  public var source: String?
  public var target: String
  public var seed: UInt64
  public var threads: Int
  public var model: String
  /// One per split; the first is the written model's.
  public var splits: [SplitResult]
  public var settings: JSON
  public var data: [(String, String)]
  public var totalSeconds: Double
  /// --max-sessions, and the target's sessions before and after sampling.
  public var maxSessions: Int? = nil
  public var targetSessions = (total: 0, used: 0)

  /// The written model's split.
  public var first: SplitResult { splits[0] }

  /// Mean ± sd of a figure over the splits that have it.
  public func spread(_ figure: (DetectionMetrics) -> Double?, of metrics: (SplitResult) -> DetectionMetrics?,
                     bounds: ClosedRange<Double> = 0...100) -> Spread? {
    Spread(splits.compactMap { metrics($0).flatMap(figure) }, bounds: bounds)
  }

  public var summary: JSON {
    func figures(_ m: @escaping (SplitResult) -> DetectionMetrics?) -> JSON {
      .object([("f1", spread({ $0.f1 }, of: m)?.json ?? .null), ("precision", spread({ $0.precision }, of: m)?.json ?? .null),
               ("recall", spread({ $0.recall }, of: m)?.json ?? .null), ("roc_auc", spread({ $0.rocAUC }, of: m, bounds: 0...1)?.json ?? .null),
               ("pr_auc", spread({ $0.prAUC }, of: m, bounds: 0...1)?.json ?? .null)])
    }
    let names = first.baselines.map(\.0)
    return .object([
      ("model", figures { $0.inductive }),
      ("baselines", .object(names.map { name in (name, figures { s in s.baselines.first { $0.0 == name }?.1 }) })),
    ])
  }

  public var json: JSON {
    var members: [(String, JSON)] = [
      ("tool", .string("zl-train \(zlVersion)")), ("method", .string(method)),
      ("source", source.map { .string($0) } ?? .null), ("target", .string(target)), ("seed", .integer(Int64(seed))),
      ("threads", .integer(Int64(threads))), ("model", .string(model)),
    ]
    if case .object(let firstMembers) = first.json { members += firstMembers.filter { $0.0 != "seed" } }
    members.append(("sampling", .object([
      ("max_sessions", maxSessions.map { .integer(Int64($0)) } ?? .null),
      ("target_sessions", .object([("total", .integer(Int64(targetSessions.total))), ("used", .integer(Int64(targetSessions.used)))])),
      ("method", .string(maxSessions == nil ? "none" : "seeded reservoir per label (normal, anomalous, unlabelled), proportional shares")),
    ])))
    members += [("settings", settings), ("data", .object(data.map { ($0.0, JSON.string($0.1)) })),
                ("total_seconds", .number(totalSeconds))]
    if splits.count > 1 {
      members.append(("splits", .array(splits.map(\.json))))
      members.append(("summary", summary))
    }
    return .object(members)
  }
}
