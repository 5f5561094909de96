// HybridScorer: the evidence of one session for the hybrid score (THRS `hybrid`): its lines at or
// above the alarm level (LEVL), its squared prediction error against the target's PCA and its
// rarest template (TDET), each put on [0, 1] with 0.5 at its own label-free threshold (HybridScore);
// the session's score is the largest piece, the network's probability among them when asked.

import ZLDrain
import ZLKernels
import ZLProfile

/// What decided a session's hybrid score (each in [0, 1]; 0.5 is that evidence's own threshold).
public struct Evidence: Sendable, Equatable {
  /// Lines at or above the alarm level: n / (n + 1).
  public var severity = 0.0
  /// SPE / (SPE + Q) of the structure detector.
  public var structure = 0.0
  /// ρ / (f + ρ) for the session's rarest template.
  public var rarity = 0.0
  /// The network's probability, when it takes part.
  public var network: Double? = nil

  public var score: Double { max(severity, structure, rarity, network ?? 0) }

  /// The evidence names and values, strongest first (for explanations).
  public var ranked: [(String, Double)] {
    var parts = [("severity", severity), ("structure", structure), ("rarity", rarity)]
    if let n = network { parts.append(("network", n)) }
    return parts.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
  }
}

public final class HybridScorer {
  let decision: HybridDecision
  let detectors: TargetDetectorSection?
  /// Template → PCA column; others go to the last column.
  private var column: [UInt32: Int32] = [:]
  /// Template → share of the fitting sessions that held it.
  private var share: [UInt32: Double] = [:]
  private var counts: [Float] = []
  private var scratch: [Float] = []

  public init(decision: HybridDecision, detectors: TargetDetectorSection?) {
    self.decision = decision
    self.detectors = detectors
    if let t = detectors {
      for (k, id) in t.templates.enumerated() { share[id] = Double(t.documentFrequency[k]) / Double(t.sessions) }
      if let s = t.structure {
        for (j, id) in s.columns.enumerated() { column[id] = Int32(j) }
        counts = [Float](repeating: 0, count: s.width)
        scratch = [Float](repeating: 0, count: s.width)
      }
    }
  }

  public func evidence(_ s: Session, network: Double?) -> Evidence {
    var e = Evidence()
    e.network = decision.network != .none ? network : nil
    if let alarm = decision.alarmLevel {
      var n = 0
      for l in s.levels where l.isKnown && l.rawValue >= alarm { n += 1 }
      if s.levels.isEmpty && s.maxLevel.isKnown && s.maxLevel.rawValue >= alarm { n = 1 }
      e.severity = HybridScore.severity(alarmLines: n)
    }
    guard let t = detectors else { return e }
    if let rate = t.rarityRate {
      var f = 1.0
      for id in s.events { f = min(f, share[id] ?? 0) }
      e.rarity = HybridScore.rarity(share: f, rate: rate)
    }
    if let st = t.structure {
      let d = st.width
      for j in 0..<d { counts[j] = 0 }
      for id in s.events { counts[Int(column[id] ?? Int32(d - 1))] += 1 }
      let spe = st.idf.withUnsafeBufferPointer { idf in
        st.mean.withUnsafeBufferPointer { mean in
          st.components.withUnsafeBufferPointer { comps in
            counts.withUnsafeBufferPointer { c in
              scratch.withUnsafeMutableBufferPointer { x in
                Kernels.pcaSPE(d: d, k: st.k, idf: idf.baseAddress!, mean: mean.baseAddress!, components: comps.baseAddress!,
                               counts: c.baseAddress!, scratch: x.baseAddress!)
              }
            }
          }
        }
      }
      e.structure = HybridScore.structure(spe: spe, q: st.q)
    }
    return e
  }
}
