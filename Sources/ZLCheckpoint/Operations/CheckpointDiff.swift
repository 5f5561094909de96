// CheckpointDiff: `zl-pack diff A B` — compares two checkpoints section by section: records key
// by key, tensors name by name with the largest absolute difference, and layout-only changes
// (compression, alignment) that leave the content digest unchanged.

import ZLBase
import ZLFormat

public enum CheckpointDiff {
  /// Loads two files and describes their differences (see `lines(_:_:)`); errors name the file.
  public static func compare(_ pathA: String, _ pathB: String) throws -> (a: Container, b: Container, lines: [String]) {
    let a = try ContainerReader.load(path: pathA), b = try ContainerReader.load(path: pathB)
    if a.info.contentDigest != b.info.contentDigest {
      _ = try naming(pathA) { try Checkpoint.decode(a) }
      _ = try naming(pathB) { try Checkpoint.decode(b) }
    }
    return (a, b, try lines(a, b))
  }

  /// Lines describing the differences; empty when the content digests are equal.
  public static func lines(_ a: Container, _ b: Container) throws -> [String] {
    if a.info.contentDigest == b.info.contentDigest {
      var out: [String] = []
      if a.info.manifestDigest != b.info.manifestDigest {
        out.append("layout differs (compression or alignment), content identical: \(hexString(a.info.contentDigest))")
      }
      return out
    }
    let ca = try Checkpoint.decode(a), cb = try Checkpoint.decode(b)
    var out = ["content digest: \(hexString(a.info.contentDigest)) vs \(hexString(b.info.contentDigest))"]
    let types = Set(a.sections.map { $0.entry.type }).union(b.sections.map { $0.entry.type }).sorted()
    for t in types {
      let sa = a.section(t), sb = b.section(t)
      guard let x = sa else { out.append("section \(t): only in B"); continue }
      guard let y = sb else { out.append("section \(t): only in A"); continue }
      if x.entry.sha256 == y.entry.sha256 { continue }
      out.append("section \(t): differs")
      switch t {
      case .tensors: out += tensorLines(ca.tensors!, cb.tensors!)
      case .glove: out += tensorLines(ca.glove!.tensorSet, cb.glove!.tensorSet)
      case .metadata: out += recordLines(ca.metadata!, cb.metadata!)
      case .repro: out += recordLines(ca.repro!, cb.repro!)
      case .drain: out += recordLines(ca.drain!.record, cb.drain!.record)
      case .vocabulary: out += recordLines(ca.vocabulary!.record, cb.vocabulary!.record)
      case .session: out += recordLines(ca.session!.record, cb.session!.record)
      case .threshold: out += recordLines(ca.threshold!.record, cb.threshold!.record)
      default: out.append("  raw bytes differ (\(x.raw.count) vs \(y.raw.count) bytes)")
      }
    }
    return out
  }

  static func recordLines(_ a: Record, _ b: Record) -> [String] {
    var out: [String] = []
    for k in Set(a.keys).union(b.keys).sorted(by: { bytewiseLess($0.utf8, $1.utf8) }) {
      switch (a[k], b[k]) {
      case (nil, let y?): out.append("  key \(k): only in B (\(show(y)))")
      case (let x?, nil): out.append("  key \(k): only in A (\(show(x)))")
      case (let x?, let y?) where x != y: out.append("  key \(k): \(show(x)) -> \(show(y))")
      default: break
      }
    }
    return out
  }

  static func show(_ v: Value) -> String {
    switch v {
    case .string(let s): return "'" + (s.count > 60 ? String(s.prefix(60)) + "…" : s) + "'"
    default: return v.description
    }
  }

  static func tensorLines(_ a: TensorSet, _ b: TensorSet) -> [String] {
    var out: [String] = []
    let names = Set(a.tensors.map { $0.name }).union(b.tensors.map { $0.name }).sorted(by: { bytewiseLess($0.utf8, $1.utf8) })
    for n in names {
      guard let x = a[n] else { out.append("  tensor \(n): only in B"); continue }
      guard let y = b[n] else { out.append("  tensor \(n): only in A"); continue }
      if x == y { continue }
      if x.shape != y.shape { out.append("  tensor \(n): shape \(x.shape) vs \(y.shape)"); continue }
      let fx = x.floats(), fy = y.floats()
      var m = 0.0
      for k in fx.indices { m = max(m, abs(Double(fx[k]) - Double(fy[k]))) }
      let dt = x.dtype == y.dtype ? x.dtype.name : "\(x.dtype.name) vs \(y.dtype.name)"
      out.append("  tensor \(n): \(dt), max abs difference \(m)")
    }
    return out
  }
}
