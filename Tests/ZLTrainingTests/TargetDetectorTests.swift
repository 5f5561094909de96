// The target-side structure detector (TargetDetectors, zlck-v1.md §8.11) against an independent
// numpy/scipy computation (Formats/vectors/reference/pca-golden.json, made by
// Tools/reference/make_pca_golden.py): IDF, mean, the number of components, the Q threshold and
// the SPE of probe sessions. And the C kernel's SPE (what zl-score runs) against a plain Swift
// projection in Double, and the detector's refusals on data that cannot support it.

import Testing
import ZLBase
import ZLKernels
import ZLProfile
@testable import ZLTraining
import _ZLTestSupport

struct PCACase: CustomStringConvertible {
  let name: String
  let templates: [UInt32]
  let sessions: [[UInt32]]
  let probes: [[UInt32]]
  let k: Int
  let q: Double
  let idf: [Double]
  let mean: [Double]
  let probeSPE: [Double]
  var description: String { name }

  static let all: [PCACase] = {
    guard let doc = try? JSONParser().parse(readWholeFile(fixture("Formats/vectors/reference/pca-golden.json"))) else { return [] }
    func ids(_ j: JSON?) -> [UInt32] { (j?.arrayValue ?? []).map { UInt32($0.integerValue!) } }
    func nums(_ j: JSON?) -> [Double] { (j?.arrayValue ?? []).map { $0.doubleValue! } }
    return (doc["cases"]?.arrayValue ?? []).map { c in
      let e = c["expected"]!
      return PCACase(name: c["name"]!.stringValue!, templates: ids(c["templates"]), sessions: c["sessions"]!.arrayValue!.map(ids),
                     probes: c["probes"]!.arrayValue!.map(ids), k: Int(e["k"]!.integerValue!), q: e["q"]!.doubleValue!,
                     idf: nums(e["idf"]), mean: nums(e["mean"]), probeSPE: nums(e["probe_spe"]))
    }
  }()
}

/// SPE of a session against a fitted structure, in Double with an explicit projection (no C).
func referenceSPE(_ s: TargetDetectorSection.Structure, _ events: [UInt32]) -> Double {
  let d = s.width
  var column: [UInt32: Int] = [:]
  for (j, t) in s.columns.enumerated() { column[t] = j }
  var x = [Double](repeating: 0, count: d)
  for e in events { x[column[e] ?? d - 1] += 1 }
  for j in 0..<d { x[j] = x[j] * Double(s.idf[j]) - Double(s.mean[j]) }
  var r = x
  for i in 0..<s.k {
    var p = 0.0
    for j in 0..<d { p += Double(s.components[i * d + j]) * x[j] }
    for j in 0..<d { r[j] -= p * Double(s.components[i * d + j]) }
  }
  return r.reduce(0) { $0 + $1 * $1 }
}

func kernelSPE(_ s: TargetDetectorSection.Structure, _ events: [UInt32]) -> Double {
  var column: [UInt32: Int] = [:]
  for (j, t) in s.columns.enumerated() { column[t] = j }
  var counts = [Float](repeating: 0, count: s.width), scratch = counts
  for e in events { counts[column[e] ?? s.width - 1] += 1 }
  return Kernels.pcaSPE(d: s.width, k: s.k, idf: s.idf, mean: s.mean, components: s.components, counts: counts, scratch: &scratch)
}

@Test func goldenCasesArePresent() {
  #expect(PCACase.all.count == 2, "Formats/vectors/reference/pca-golden.json is missing or unreadable")
}

@Test(arguments: PCACase.all)
func structureMatchesNumpy(_ c: PCACase) throws {
  let fit = TargetDetectors.fit(sessions: c.sessions, templates: c.templates, gate: false)
  let s = try #require(fit.section.structure, "no structure detector: \(fit.notes)")
  #expect(s.k == c.k)
  #expect(s.columns == c.templates)
  for j in 0..<s.width {
    #expect(isClose(Double(s.idf[j]), c.idf[j], rtol: 1e-6, atol: 1e-6), "idf[\(j)]")
    #expect(isClose(Double(s.mean[j]), c.mean[j], rtol: 1e-6, atol: 1e-6), "mean[\(j)]")
  }
  #expect(isClose(s.q, c.q, rtol: 1e-6, atol: 0), "Q \(s.q) vs \(c.q)")
  // Components: orthonormal rows.
  for i in 0..<s.k {
    for l in i..<s.k {
      var dot = 0.0
      for j in 0..<s.width { dot += Double(s.components[i * s.width + j]) * Double(s.components[l * s.width + j]) }
      #expect(abs(dot - (i == l ? 1 : 0)) < 1e-5, "rows \(i), \(l): \(dot)")
    }
  }
  // SPE of the probes: the fit's (components stored in f32) against numpy's, and the C kernel
  // against the Double projection of the same stored numbers.
  for (p, want) in zip(c.probes, c.probeSPE) {
    let ref = referenceSPE(s, p), kernel = kernelSPE(s, p)
    #expect(isClose(ref, want, rtol: 1e-4, atol: 1e-4), "probe \(p.prefix(6))…: \(ref) vs numpy \(want)")
    #expect(isClose(kernel, ref, rtol: 1e-5, atol: 1e-5), "kernel \(kernel) vs Swift \(ref)")
  }
}

@Test func fittingSessionsMostlyStayUnderQ() throws {
  // α = 0.001: on data that follows the fitted structure, few fitting sessions exceed Q.
  for c in PCACase.all {
    let s = try #require(TargetDetectors.fit(sessions: c.sessions, templates: c.templates, gate: false).section.structure)
    let over = c.sessions.filter { kernelSPE(s, $0) > s.q }.count
    #expect(Double(over) < 0.1 * Double(c.sessions.count), "\(c.name): \(over) of \(c.sessions.count) over Q")
  }
}

@Test func detectorsTheDataCannotSupportAreLeftOutWithANote() {
  // Too few sessions for the templates (gated), every session alike, and a single template.
  let few = TargetDetectors.fit(sessions: Array(repeating: [1, 2, 3], count: 20), templates: [1, 2, 3])
  #expect(few.section.structure == nil && few.section.rarityRate == nil)
  #expect(few.notes.contains { $0.contains("structure detector (PCA) off") && $0.contains("needs 10 sessions per template") })
  #expect(few.notes.contains { $0.contains("rarity detector off") })
  let alike = TargetDetectors.fit(sessions: Array(repeating: [1, 2, 2], count: 2000), templates: [1, 2])
  #expect(alike.section.structure == nil && alike.notes.contains { $0.contains("same event counts") })
  #expect(alike.section.rarityRate != nil)
  let one = TargetDetectors.fit(sessions: (0..<500).map { Array(repeating: UInt32(7), count: 1 + $0 % 5) }, templates: [7])
  // One template and the "other" column: a valid but tiny PCA or a note; never a non-finite number.
  if let s = one.section.structure {
    #expect(s.q.isFinite && s.q > 0 && (s.idf + s.mean + s.components).allSatisfy(\.isFinite))
  } else {
    #expect(!one.notes.isEmpty)
  }
  let empty = TargetDetectors.fit(sessions: [], templates: [])
  #expect(empty.section.structure == nil && empty.section.rarityRate == nil)
}
