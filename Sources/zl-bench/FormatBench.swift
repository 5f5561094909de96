// zl-bench format: write / inspect / verified-load throughput of a large checkpoint.

import ZLBase
import ZLCheckpoint
import ZLCommandLine
import ZLFormat

let formatBenchCommand = Command(
  name: "format", summary: "time writing, inspecting and loading a large checkpoint",
  usage: "format [--size-mb N] [--dir DIR] [--repeat R]",
  help: """
    Builds a checkpoint of about N MB (default 50): f32 tensors (uncompressed, the default policy) plus
    a 4 MB record section (zlib level 6), and times: the atomic write (deflate, CRC, SHA-256, fsync);
    inspect (header and table only); a full verified load (CRC, inflate, SHA-256, decode). Also times
    a write with every section zlib-compressed, and SHA-256 and CRC-32 alone.
    """
) { args in
  let sizeMB = try args.int("--size-mb", in: 1...4096) ?? 50
  let dir = try args.option("--dir") ?? "/tmp"
  let repeats = try args.int("--repeat", in: 1...100) ?? 3
  _ = try args.finish(max: 0)
  var rng: UInt64 = 0x1234_5678
  func next() -> Float {
    rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Float(Int32(truncatingIfNeeded: rng >> 32)) / Float(Int32.max) * 0.1
  }
  let recordBytes = 4 << 20
  let tensorFloats = (sizeMB << 20) / 4 - recordBytes / 4
  var tensors: [Tensor] = []
  var remaining = max(1024, tensorFloats)
  var k = 0
  while remaining > 0 {
    let n = min(remaining, 1 << 20)
    tensors.append(Tensor(name: "w\(k)", shape: [n], floats: (0..<n).map { _ in next() }))
    remaining -= n
    k += 1
  }
  var words: [String] = []
  var textBytes = 0
  while textBytes < recordBytes {
    let w = "word\(words.count)_\(words.count % 97)"
    words.append(w)
    textBytes += w.utf8.count + 4
  }
  var cp = Checkpoint()
  cp.metadata = Record([("general.architecture", .string("bench")), ("bench.words", .strings(words))])
  cp.tensors = TensorSet(tensors)
  let path = dir + "/zl-bench-format.zlck"
  func best(_ body: () throws -> Void) rethrows -> Double {
    var t = Double.infinity
    for _ in 0..<repeats {
      let t0 = monotonicSeconds()
      try body()
      t = min(t, monotonicSeconds() - t0)
    }
    return t
  }
  var info: ContainerInfo? = nil
  let writeSeconds = try best { info = try cp.write(to: path) }
  let raw = Double(info!.entries.reduce(0) { $0 + $1.rawLength })
  let fileBytes = Double(info!.fileLength)
  var inspectSeconds = Double.infinity
  for _ in 0..<20 {
    let t0 = monotonicSeconds()
    _ = try ContainerReader.inspect(path: path)
    inspectSeconds = min(inspectSeconds, monotonicSeconds() - t0)
  }
  let loadSeconds = try best { _ = try Checkpoint.load(path: path) }
  // Everything compressed (cold-storage policy).
  let allZlib = cp.sectionInputs().map { s -> SectionInput in
    guard case .raw(let r, _, let p) = s.body else { return s }
    return SectionInput(type: s.type, schemaVersion: s.schemaVersion, flags: s.flags, body: .raw(r, codec: .zlib, parameters: p))
  }
  let zpath = dir + "/zl-bench-format-zlib.zlck"
  var zinfo: ContainerInfo? = nil
  let zwriteSeconds = try best { zinfo = try ContainerWriter.write(allZlib, toFile: zpath) }
  let zloadSeconds = try best { _ = try Checkpoint.load(path: zpath) }
  let block = [UInt8](repeating: 0xA5, count: 64 << 20)
  let shaSeconds = best { _ = SHA256.hash(block) }
  let crcSeconds = best { _ = Zlib.crc32(block) }
  let mb = 1_048_576.0
  let out = StandardOutput()
  try out.line(JSON.object([
    ("bench", .string("format")), ("raw_mb", .number(raw / mb)), ("file_mb", .number(fileBytes / mb)),
    ("write_mb_per_s", .number(raw / mb / writeSeconds)), ("inspect_ms", .number(inspectSeconds * 1000)),
    ("load_verify_mb_per_s", .number(raw / mb / loadSeconds)),
    ("all_zlib_file_mb", .number(Double(zinfo!.fileLength) / mb)),
    ("all_zlib_write_mb_per_s", .number(raw / mb / zwriteSeconds)), ("all_zlib_load_mb_per_s", .number(raw / mb / zloadSeconds)),
    ("sha256_mb_per_s", .number(64 / shaSeconds)), ("crc32_mb_per_s", .number(64 / crcSeconds)),
    ("zlib_version", .string(Zlib.version)),
  ]).serialized())
  try out.flush()
  unlinkQuietly(path)
  unlinkQuietly(zpath)
  return .ok
}
