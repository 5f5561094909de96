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

/// What a finished fit reports (zl-train fit --report).
public struct FitReport: Sendable {
  public var method: String
  public var source: String
  public var target: String
  public var seed: UInt64
  public var threads: Int
  public var model: String
  public var threshold: ThresholdSection
  /// Held-out part and all target sessions (nil without target labels).
  public var inductive: DetectionMetrics?
  public var transductive: DetectionMetrics?
  public var heldOutSessions: Int
  public var adaptationSessions: Int
  public var unlabelledSessions: Int
  public var newTemplateLines: Int
  public var sourceValidation: DetectionMetrics
  public var settings: JSON
  public var data: [(String, String)]
  public var trainSeconds: Double
  public var totalSeconds: Double
  public var epochs: [EpochRecord]

  public var json: JSON {
    .object([
      ("tool", .string("zl-train \(zlVersion)")), ("method", .string(method)),
      ("source", .string(source)), ("target", .string(target)), ("seed", .integer(Int64(seed))),
      ("threads", .integer(Int64(threads))), ("model", .string(model)), ("threshold", .number(threshold.threshold)),
      ("threshold_method", .string(threshold.method)),
      ("test", .object([("inductive", inductive?.json ?? .null), ("transductive", transductive?.json ?? .null),
                        ("held_out_sessions", .integer(Int64(heldOutSessions))), ("adaptation_sessions", .integer(Int64(adaptationSessions))),
                        ("unlabelled_sessions", .integer(Int64(unlabelledSessions))),
                        ("new_template_lines", .integer(Int64(newTemplateLines)))])),
      ("source_validation", sourceValidation.json),
      ("settings", settings),
      ("data", .object(data.map { ($0.0, JSON.string($0.1)) })),
      ("train_seconds", .number(trainSeconds)), ("total_seconds", .number(totalSeconds)),
      ("epochs", .array(epochs.map { $0.json })),
    ])
  }
}

