// ThresholdSection: the THRS section (zlck-v1.md §8.7) — which score decides, the threshold that
// flags a session as anomalous, and how it was chosen. The score is the network's probability
// (`p_anomaly`, the papers' methods) or the hybrid score (`hybrid`): the largest of the evidence of
// the session's severity, of the target-side detectors (TDET) and, if asked, of the network, each
// scaled so that 0.5 is its own label-free threshold (HybridScore).

import ZLFormat

/// How the hybrid score is made (THRS keys `hybrid.*`).
public struct HybridDecision: Equatable, Sendable {
  /// Lines at this severity level or above raise the alarm (2 warn, 3 error, 4 fatal); nil: severity
  /// does not decide (no level field, or the target's levels never reach error).
  public var alarmLevel: UInt8?
  /// How the network's probability takes part.
  public enum NetworkRole: String, CaseIterable, Sendable {
    /// Not at all (the network is not run).
    case none
    /// As one more piece of evidence (the score is the largest).
    case evidence
    /// Alone: the score is the network's probability (a network self-trained on the evidence).
    case decides
  }
  public var network: NetworkRole

  public init(alarmLevel: UInt8?, network: NetworkRole) {
    self.alarmLevel = alarmLevel
    self.network = network
  }
}

/// The decision threshold on the session score.
public struct ThresholdSection: Equatable, Sendable {
  public var threshold: Double
  public var method: String
  public var score: String
  /// Present when `score` is `hybrid`.
  public var hybrid: HybridDecision?

  public static let methods = ["default", "source-validation-f1", "manual", "hybrid"]
  public static let scores = ["p_anomaly", "hybrid"]

  public init(threshold: Double = 0.5, method: String = "default", score: String = "p_anomaly", hybrid: HybridDecision? = nil) {
    self.threshold = threshold
    self.method = method
    self.score = score
    self.hybrid = hybrid
  }

  public init(record: Record) throws {
    let f = RecordFields(record: record, section: "section THRS")
    score = try f.string("score")
    if !Self.scores.contains(score) { throw f.bad("score", "is '\(score)', expected p_anomaly or hybrid") }
    threshold = try f.double("threshold")
    if !(threshold >= 0 && threshold <= 1) { throw f.bad("threshold", "is \(threshold), expected 0-1") }
    method = try f.string("method")
    if !Self.methods.contains(method) { throw f.bad("method", "is '\(method)', expected one of \(Self.methods.joined(separator: ", "))") }
    if score == "hybrid" {
      let level = try f.uint("hybrid.alarm_level")
      if level != 0 && !(2...4).contains(level) { throw f.bad("hybrid.alarm_level", "is \(level), expected 2-4 or 0 (none)") }
      let role = try f.string("hybrid.network")
      guard let r = HybridDecision.NetworkRole(rawValue: role) else { throw f.bad("hybrid.network", "is '\(role)', expected none, evidence or decides") }
      hybrid = HybridDecision(alarmLevel: level == 0 ? nil : UInt8(level), network: r)
    } else {
      hybrid = nil
    }
  }

  public var record: Record {
    var pairs: [(String, Value)] = [("score", .string(score)), ("threshold", .double(threshold)), ("method", .string(method))]
    if let h = hybrid {
      pairs += [("hybrid.alarm_level", .uint(UInt64(h.alarmLevel ?? 0))), ("hybrid.network", .string(h.network.rawValue))]
    }
    return Record(pairs)
  }
}

/// The hybrid score of one session from its evidence; each piece is in [0, 1] with 0.5 at its own
/// threshold, and the score is their largest (a session is as anomalous as its strongest evidence).
public enum HybridScore {
  /// `n` lines at or above the alarm level: n / (n + 1) — 0 without one, 0.5 with one, nearer 1 with more.
  @inline(__always)
  public static func severity(alarmLines n: Int) -> Double { Double(n) / Double(n + 1) }

  /// SPE against the Q threshold: SPE / (SPE + Q).
  @inline(__always)
  public static func structure(spe: Double, q: Double) -> Double { spe > 0 ? spe / (spe + q) : 0 }

  /// The session's rarest template, held by a share `f` of the fitting sessions (0: never seen),
  /// against the rarity rate ρ: ρ / (f + ρ) — 1 for a template never seen, 0.5 at ρ.
  @inline(__always)
  public static func rarity(share f: Double, rate: Double) -> Double { rate / (f + rate) }
}
