// ThresholdSection: the THRS section (zlck-v1.md §8.7) — the score threshold that flags a session
// as anomalous, and how it was chosen.

import ZLFormat

/// The decision threshold on the anomaly probability.
public struct ThresholdSection: Equatable, Sendable {
  public var threshold: Double
  public var method: String
  public var score: String

  public static let methods = ["default", "source-validation-f1", "manual"]

  public init(threshold: Double = 0.5, method: String = "default", score: String = "p_anomaly") {
    self.threshold = threshold
    self.method = method
    self.score = score
  }

  public init(record: Record) throws {
    let f = RecordFields(record: record, section: "section THRS")
    score = try f.string("score")
    if score != "p_anomaly" { throw f.bad("score", "is '\(score)', expected p_anomaly") }
    threshold = try f.double("threshold")
    if !(threshold >= 0 && threshold <= 1) { throw f.bad("threshold", "is \(threshold), expected 0-1") }
    method = try f.string("method")
    if !Self.methods.contains(method) { throw f.bad("method", "is '\(method)', expected one of \(Self.methods.joined(separator: ", "))") }
  }

  public var record: Record {
    Record([("score", .string(score)), ("threshold", .double(threshold)), ("method", .string(method))])
  }
}
