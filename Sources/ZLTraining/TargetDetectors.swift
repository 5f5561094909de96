// TargetDetectors: fitting the label-free detectors of the TDET section (zlck-v1.md §8.11) on the
// target's unlabelled adaptation sessions — the PCA residual of TF-IDF-weighted event counts with
// the Jackson–Mudholkar Q threshold (Xu et al., SOSP 2009; loglizer's construction), and template
// document frequencies for rarity. Each detector is fitted only when the sessions can support it;
// otherwise it is left out with a note saying why.

import Foundation
import ZLBase
import ZLProfile

public struct DetectorFit: Sendable {
  public var section: TargetDetectorSection
  /// Why a detector was left out (one line each), for the log and the report.
  public var notes: [String]
}

public enum TargetDetectors {
  /// Defaults shared by every system (no per-dataset tuning): the share of variance the principal
  /// subspace keeps, the Q statistic's false-alarm rate, the rarity rate, and the sample sizes the
  /// detectors need (≥ 10 sessions per PCA column; ≥ 10 expected sessions at the rarity rate).
  public static let variance = 0.95
  public static let alpha = 0.001
  public static let rarityRate = 0.01
  public static let sessionsPerColumn = 10
  /// Columns of the PCA at most (the most frequent templates; the others share the last column).
  public static let maxColumns = 512

  /// - Parameters:
  ///   - sessions: each adaptation session's event ids.
  ///   - templates: the trained template ids (ascending).
  /// - Parameter gate: leave out detectors the sessions are too few for (off: fit whatever can be
  ///   computed, as the "PCA alone" baseline is).
  public static func fit(sessions: [[UInt32]], templates: [UInt32], gate: Bool = true) -> DetectorFit {
    let n = sessions.count
    var notes: [String] = []
    var column: [UInt32: Int] = [:]
    for (k, t) in templates.enumerated() { column[t] = k }
    var df = [UInt32](repeating: 0, count: templates.count)
    for s in sessions {
      for e in Set(s) { if let k = column[e] { df[k] += 1 } }
    }
    let rarity: Double?
    if !gate || Double(n) * rarityRate >= 10 {
      rarity = rarityRate
    } else {
      rarity = nil
      notes.append("rarity detector off: \(n) target sessions are too few to call a template rare at \(fixed(100 * rarityRate, 0)) % (needs \(Int(10 / rarityRate)))")
    }
    let structure = fitStructure(sessions: sessions, templates: templates, df: df, gate: gate, notes: &notes)
    return DetectorFit(section: TargetDetectorSection(sessions: n, templates: templates, documentFrequency: df, structure: structure,
                                                      rarityRate: rarity),
                       notes: notes)
  }

  static func fitStructure(sessions: [[UInt32]], templates: [UInt32], df: [UInt32], gate: Bool,
                           notes: inout [String]) -> TargetDetectorSection.Structure? {
    let n = sessions.count
    // Columns: the templates (all, or the most frequent maxColumns - 1), then one for every other event.
    let order = templates.indices.sorted { df[$0] != df[$1] ? df[$0] > df[$1] : $0 < $1 }
    let kept = Set(order.prefix(maxColumns - 1))
    var column: [UInt32: Int] = [:]
    var c = 0
    for (k, t) in templates.enumerated() where kept.contains(k) {
      column[t] = c
      c += 1
    }
    let d = c + 1
    if gate && n < sessionsPerColumn * d {
      notes.append("structure detector (PCA) off: \(n) target sessions for \(d - 1) templates (needs \(sessionsPerColumn) sessions per template)")
      return nil
    }
    // TF-IDF-weighted counts, centred.
    var x = [Double](repeating: 0, count: n * d)
    for (r, s) in sessions.enumerated() { for e in s { x[r * d + (column[e] ?? d - 1)] += 1 } }
    var dfc = [Double](repeating: 0, count: d)
    for r in 0..<n { for j in 0..<d where x[r * d + j] > 0 { dfc[j] += 1 } }
    let idf = dfc.map { log((Double(n) + 1) / ($0 + 1)) + 1 }
    var mean = [Double](repeating: 0, count: d)
    for r in 0..<n {
      for j in 0..<d {
        x[r * d + j] *= idf[j]
        mean[j] += x[r * d + j]
      }
    }
    for j in 0..<d { mean[j] /= Double(n) }
    var cov = [Double](repeating: 0, count: d * d)
    for r in 0..<n {
      for i in 0..<d {
        let a = x[r * d + i] - mean[i]
        if a == 0 { continue }
        for j in i..<d { cov[i * d + j] += a * (x[r * d + j] - mean[j]) }
      }
    }
    for i in 0..<d {
      for j in i..<d {
        cov[i * d + j] /= Double(max(n - 1, 1))
        cov[j * d + i] = cov[i * d + j]
      }
    }
    let (values, vectors) = SymmetricEigen.decompose(cov, n: d)
    let lambda = values.map { max($0, 0) }
    let total = lambda.reduce(0, +)
    if !(total > 0) {
      notes.append("structure detector (PCA) off: every target session has the same event counts")
      return nil
    }
    var k = 0, acc = 0.0
    while k < d && acc / total < variance {
      acc += lambda[k]
      k += 1
    }
    let residual = Array(lambda[k...])
    let phi1 = residual.reduce(0, +), phi2 = residual.reduce(0) { $0 + $1 * $1 }, phi3 = residual.reduce(0) { $0 + $1 * $1 * $1 }
    if !(phi1 > 0 && phi2 > 0) {
      notes.append("structure detector (PCA) off: the principal components explain all the variance (no residual to measure)")
      return nil
    }
    let h0 = 1 - 2 * phi1 * phi3 / (3 * phi2 * phi2)
    let ca = normalQuantile(1 - alpha)
    let base = ca * (2 * phi2 * h0 * h0).squareRoot() / phi1 + 1 + phi2 * h0 * (h0 - 1) / (phi1 * phi1)
    let q = phi1 * pow(base, 1 / h0)
    if !(q.isFinite && q > 0) {
      notes.append("structure detector (PCA) off: the Q threshold is not finite (degenerate residual spectrum)")
      return nil
    }
    // Columns of kept templates in `templates` order; merged ones fall into the last column at scoring.
    var comps = [Float](repeating: 0, count: k * d)
    for i in 0..<k { for j in 0..<d { comps[i * d + j] = Float(vectors[i][j]) } }
    let mapped = templates.filter { column[$0] != nil }
    if mapped.count != templates.count {
      notes.append("structure detector (PCA): \(templates.count - mapped.count) rare templates share one column (at most \(maxColumns) columns)")
    }
    return TargetDetectorSection.Structure(k: k, idf: idf.map(Float.init), mean: mean.map(Float.init), components: comps, q: q, alpha: alpha,
                                           columns: mapped)
  }

  /// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
  static func normalQuantile(_ p: Double) -> Double {
    let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
    let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    let lo = 0.02425, hi = 1 - lo
    if p < lo {
      let q = (-2 * log(p)).squareRoot()
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    if p > hi {
      let q = (-2 * log(1 - p)).squareRoot()
      return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    let q = p - 0.5, r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  }
}

/// Eigenvalues and eigenvectors of a symmetric matrix by cyclic Jacobi rotations (deterministic:
/// a fixed sweep order, in Double).
enum SymmetricEigen {
  /// - Parameter a: n × n, row-major, symmetric.
  /// - Returns: eigenvalues in descending order and the matching unit eigenvectors.
  static func decompose(_ m: [Double], n: Int) -> (values: [Double], vectors: [[Double]]) {
    var a = m
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    let scale = a.reduce(0) { $0 + $1 * $1 }
    for _ in 0..<100 {
      var off = 0.0
      for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off += a[p * n + q] * a[p * n + q] } }
      if off <= 1e-30 * max(scale, 1e-300) { break }
      for p in 0..<n {
        for q in (p + 1)..<max(p + 1, n) {
          let apq = a[p * n + q]
          if apq == 0 { continue }
          let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
          let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot(), s = t * c
          for k in 0..<n {
            let akp = a[k * n + p], akq = a[k * n + q]
            a[k * n + p] = c * akp - s * akq
            a[k * n + q] = s * akp + c * akq
          }
          for k in 0..<n {
            let apk = a[p * n + k], aqk = a[q * n + k]
            a[p * n + k] = c * apk - s * aqk
            a[q * n + k] = s * apk + c * aqk
          }
          for k in 0..<n {
            let vkp = v[k * n + p], vkq = v[k * n + q]
            v[k * n + p] = c * vkp - s * vkq
            v[k * n + q] = s * vkp + c * vkq
          }
        }
      }
    }
    let order = (0..<n).sorted { a[$0 * n + $0] != a[$1 * n + $1] ? a[$0 * n + $0] > a[$1 * n + $1] : $0 < $1 }
    return (order.map { a[$0 * n + $0] }, order.map { i in (0..<n).map { v[$0 * n + i] } })
  }
}
