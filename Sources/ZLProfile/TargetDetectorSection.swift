// TargetDetectorSection: the TDET section (zlck-v1.md §8.11) — label-free detectors fitted on the
// target system's own unlabelled sessions when the model was trained:
//   structure: a PCA of the sessions' TF-IDF-weighted event counts (Xu et al., SOSP 2009); a
//     session's squared prediction error (SPE) against the Jackson–Mudholkar Q threshold;
//   rarity: how many of the fitting sessions contained each template; a session holding a template
//     seen in fewer than `rarityRate` of them (or never) is rare.
// Each is present only when the fitting data could support it (enough sessions for the templates).

import ZLFormat

public struct TargetDetectorSection: Equatable, Sendable {
  /// The PCA residual detector.
  public struct Structure: Equatable, Sendable {
    /// Principal components kept (k ≥ 1).
    public var k: Int
    /// The template ids with a column of their own (ascending, a subset of `templates`); every other
    /// event counts in one last column, so there are d = columns.count + 1 columns.
    public var columns: [UInt32]
    /// Per column: IDF weight and mean (d each).
    public var idf: [Float]
    public var mean: [Float]
    /// Row-major [k, d]: orthonormal principal directions.
    public var components: [Float]
    /// The SPE threshold (Q statistic at `alpha`).
    public var q: Double
    public var alpha: Double

    public var width: Int { columns.count + 1 }

    public init(k: Int, idf: [Float], mean: [Float], components: [Float], q: Double, alpha: Double, columns: [UInt32]) {
      self.k = k
      self.columns = columns
      self.idf = idf
      self.mean = mean
      self.components = components
      self.q = q
      self.alpha = alpha
    }
  }

  /// Sessions the detectors were fitted on.
  public var sessions: Int
  /// Trained template ids, ascending: the columns of the structure detector and of `documentFrequency`.
  public var templates: [UInt32]
  /// Per template: fitting sessions that contained it.
  public var documentFrequency: [UInt32]
  public var structure: Structure?
  /// A session holding a template in fewer than this share of the fitting sessions is rare; nil: off.
  public var rarityRate: Double?

  public init(sessions: Int, templates: [UInt32], documentFrequency: [UInt32], structure: Structure?, rarityRate: Double?) {
    self.sessions = sessions
    self.templates = templates
    self.documentFrequency = documentFrequency
    self.structure = structure
    self.rarityRate = rarityRate
  }

  /// Validates a decoded TDET record (§8.11, keys in the listed order).
  public init(record: Record) throws {
    let f = RecordFields(record: record, section: "section TDET")
    let n = try f.uint("sessions")
    if n < 1 || n > 1 << 40 { throw f.bad("sessions", "is \(n), expected 1-2^40") }
    sessions = Int(n)
    templates = try f.uint32s("templates")
    for k in templates.indices.dropFirst() where templates[k] <= templates[k - 1] {
      throw CheckpointError(.notSorted, "section TDET: key 'templates' entry \(k) (\(templates[k])) is not greater than the previous")
    }
    documentFrequency = try f.uint32s("df")
    try f.sameLength("df", documentFrequency.count, as: "templates", templates.count)
    if let k = documentFrequency.firstIndex(where: { UInt64($0) > n }) {
      throw f.bad("df", "entry \(k) is \(documentFrequency[k]), more than the \(n) sessions")
    }
    let k = try f.uint("pca.k")
    if k == 0 {
      structure = nil
    } else {
      let columns = try f.uint32s("pca.columns")
      var at = 0
      for (j, c) in columns.enumerated() {
        if j > 0 && c <= columns[j - 1] {
          throw CheckpointError(.notSorted, "section TDET: key 'pca.columns' entry \(j) (\(c)) is not greater than the previous")
        }
        while at < templates.count && templates[at] < c { at += 1 }
        if at == templates.count || templates[at] != c {
          throw CheckpointError(.danglingReference, "section TDET: key 'pca.columns' entry \(j) names template \(c), which is not in 'templates'")
        }
      }
      let d = columns.count + 1
      if k > UInt64(d) { throw f.bad("pca.k", "is \(k), more than the \(d) columns") }
      let idf = try f.floats("pca.idf"), mean = try f.floats("pca.mean"), comps = try f.floats("pca.components")
      try f.sameLength("pca.idf", idf.count, as: "pca.columns + 1", d)
      try f.sameLength("pca.mean", mean.count, as: "pca.columns + 1", d)
      try f.sameLength("pca.components", comps.count, as: "pca.k × (pca.columns + 1)", Int(k) * d)
      for (name, a) in [("pca.idf", idf), ("pca.mean", mean), ("pca.components", comps)] {
        if let j = a.firstIndex(where: { !$0.isFinite || abs($0) > 1e6 }) { throw f.bad(name, "entry \(j) is \(a[j]), expected finite and at most 1e6 in size") }
      }
      let q = try f.double("pca.q")
      if !(q > 0 && q < 1e12) { throw f.bad("pca.q", "is \(q), expected > 0 and finite") }
      let alpha = try f.double("pca.alpha")
      if !(alpha > 0 && alpha < 1) { throw f.bad("pca.alpha", "is \(alpha), expected 0-1") }
      structure = Structure(k: Int(k), idf: idf, mean: mean, components: comps, q: q, alpha: alpha, columns: columns)
    }
    let rate = try f.double("rarity.rate")
    if !(rate >= 0 && rate < 1) { throw f.bad("rarity.rate", "is \(rate), expected 0 ≤ rate < 1 (0: off)") }
    rarityRate = rate > 0 ? rate : nil
  }

  public var record: Record {
    var pairs: [(String, Value)] = [("sessions", .uint(UInt64(sessions))), ("templates", .uint32s(templates)),
                                    ("df", .uint32s(documentFrequency)), ("pca.k", .uint(UInt64(structure?.k ?? 0)))]
    if let s = structure {
      pairs += [("pca.columns", .uint32s(s.columns)), ("pca.idf", .floats(s.idf)), ("pca.mean", .floats(s.mean)), ("pca.components", .floats(s.components)),
                ("pca.q", .double(s.q)), ("pca.alpha", .double(s.alpha))]
    }
    pairs.append(("rarity.rate", .double(rarityRate ?? 0)))
    return Record(pairs)
  }
}
