// zl-pack inspect: header and section table only (fast, no section bodies read); with --tensors,
// the whole file verified and every tensor and metadata key listed (like gguf-dump).

import ZLBase
import ZLCheckpoint
import ZLCommandLine
import ZLFormat

let inspectCommand = Command(
  name: "inspect", summary: "list the header and sections (reads only header, table and trailer)",
  usage: "inspect FILE [--tensors] [--json]",
  help: """
    options:
      --json      print the listing as JSON (the form Tools/zlck.py prints too)
      --tensors   also read and verify the whole file, and list the metadata (META) and every tensor
                  of TENS and GLOV: name, dtype, shape, min, max, mean and how many values are not finite

    Without --tensors, section bodies are not read or verified; use 'zl-pack verify' for that.
    """
) { args in
  let json = args.flag("--json")
  let tensors = args.flag("--tensors")
  let file = try args.finish(min: 1, max: 1, names: "FILE")[0]
  let out = StandardOutput()
  guard tensors else {
    let info = try ContainerReader.inspect(path: file)
    try out.write(json ? info.json.serialized(indent: 2) + "\n" : info.text)
    try out.flush()
    return .ok
  }
  let cp = try Checkpoint.load(path: file)
  let info = cp.info!
  var sets: [(String, TensorSet)] = []
  if let t = cp.tensors { sets.append(("TENS", t)) }
  if let g = cp.glove { sets.append(("GLOV", g.tensorSet)) }
  let stats = sets.flatMap { (section, set) in set.tensors.map { (section, $0, TensorStatistics($0)) } }
  if json {
    var doc = info.json.objectValue ?? []
    doc.append(("metadata", cp.metadata.map { $0.typedJSON } ?? .null))
    doc.append(("tensors", .array(stats.map { (section, t, s) in
      .object([("section", .string(section)), ("name", .string(t.name)), ("dtype", .string(t.dtype.name)),
               ("shape", .array(t.shape.map { .integer(Int64($0)) })), ("min", s.min.map { .number($0) } ?? .null),
               ("max", s.max.map { .number($0) } ?? .null), ("mean", s.mean.map { .number($0) } ?? .null),
               ("non_finite", .integer(Int64(s.nonFinite)))])
    })))
    try out.write(JSON.object(doc).serialized(indent: 2) + "\n")
  } else {
    try out.write(info.text)
    if let m = cp.metadata {
      try out.line("\nmetadata (META)")
      for k in m.keys { try out.line("  \(k) = \(m[k]!)") }
    }
    if !stats.isEmpty {
      try out.line("\ntensors")
      let rows = stats.map { (section, t, s) -> [String] in
        [section, t.name, t.dtype.name, "[" + t.shape.map(String.init).joined(separator: ", ") + "]",
         s.min.map { shortNumber($0) } ?? "-", s.max.map { shortNumber($0) } ?? "-", s.mean.map { shortNumber($0) } ?? "-", String(s.nonFinite)]
      }
      let header = ["section", "name", "dtype", "shape", "min", "max", "mean", "non-finite"]
      let widths = header.indices.map { c in max(header[c].count, rows.map { $0[c].count }.max() ?? 0) }
      for r in [header] + rows {
        try out.line(r.indices.map { c in r[c] + String(repeating: " ", count: widths[c] - r[c].count) }.joined(separator: "  ").trailingSpacesRemoved)
      }
    }
  }
  try out.flush()
  return .ok
}

/// Min, max and mean over a tensor's finite values, and how many are not finite.
struct TensorStatistics {
  var min: Double?, max: Double?, mean: Double?
  var nonFinite = 0
  init(_ t: Tensor) {
    var lo = Double.infinity, hi = -Double.infinity, sum = 0.0, n = 0
    if t.dtype.isFloating {
      for v in t.floats() {
        guard v.isFinite else { nonFinite += 1; continue }
        lo = Swift.min(lo, Double(v)); hi = Swift.max(hi, Double(v)); sum += Double(v); n += 1
      }
    } else {
      for v in t.int32s() { lo = Swift.min(lo, Double(v)); hi = Swift.max(hi, Double(v)); sum += Double(v); n += 1 }
    }
    if n > 0 { min = lo; max = hi; mean = sum / Double(n) }
  }
}

/// A number in at most 6 significant digits.
func shortNumber(_ x: Double) -> String {
  if x == 0 { return "0" }
  if abs(x) >= 1e-3 && abs(x) < 1e6 {
    var s = fixed(x, 6)
    while s.contains(".") && (s.hasSuffix("0") || s.hasSuffix(".")) { s.removeLast() }
    return s
  }
  return "\(Float(x))"
}

extension String {
  var trailingSpacesRemoved: String {
    var s = self
    while s.hasSuffix(" ") { s.removeLast() }
    return s
  }
}
