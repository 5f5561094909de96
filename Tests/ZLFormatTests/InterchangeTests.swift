// Line reading (LF/CRLF, gzip, long lines), GloVe text and safetensors: round trips and the
// one-line errors for malformed input.

import Testing
import ZLBase
import ZLFormat
import _ZLTestSupport

func tempFile(_ name: String, _ bytes: [UInt8]) throws -> String {
  let dir = try uniqueDirectory("zl-tests")
  let p = dir + "/" + name
  try writeFileAtomically(p, bytes)
  return p
}

func lines(_ path: String, max: Int = 1 << 20) throws -> ([String], Int) {
  let r = try LineReader(path: path, maxLineLength: max)
  var out: [String] = []
  while let l = try r.nextString() { out.append(l) }
  return (out, r.truncatedLines)
}

@Test func lineReaderHandlesLFCRLFAndNoFinalNewline() throws {
  let p = try tempFile("a.log", Array("one\r\ntwo\nthree".utf8))
  #expect(try lines(p).0 == ["one", "two", "three"])
  let e = try tempFile("empty.log", [])
  #expect(try lines(e).0 == [])
}

@Test func lineReaderCutsLongLinesAndCountsThem() throws {
  let long = String(repeating: "x", count: 10_000_000)
  let p = try tempFile("long.log", Array(("a\n" + long + "\nb\n").utf8))
  let (l, cut) = try lines(p, max: 1000)
  #expect(l.count == 3 && l[0] == "a" && l[1].count == 1000 && l[2] == "b")
  #expect(cut == 1)
}

@Test func lineReaderReadsGzipIncludingConcatenatedMembers() throws {
  guard let data = sharedDataRoot else { return }
  let r = try LineReader(path: data + "/hdfs-2pct/HDFS_2pct.log.gz")
  var n = 0
  var first = ""
  while let l = try r.nextString() {
    if n == 0 { first = l }
    n += 1
  }
  #expect(n == 222_579)
  #expect(first.hasPrefix("081109"))
  #expect(r.isCompressed)
}

@Test func lineReaderRejectsCorruptGzip() throws {
  var bytes: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]
  bytes += [UInt8](repeating: 0xFF, count: 64)
  let p = try tempFile("bad.gz", bytes)
  #expect(throws: DataError.self) { _ = try lines(p) }
}

@Test func gloveTextRoundTripsAndNamesBadLines() throws {
  let words = ["a", "b"], vectors: [Float] = [0.1, -2, 3.5e-7, 1e10, 0, -0.0]
  let p = try tempFile("g.txt", Array(GloveText.encode(words: words, vectors: vectors, dim: 3).utf8))
  var got: [(String, [Float])] = []
  let (dim, rows, _) = try GloveText.read(path: p) { got.append(($0, $1)) }
  #expect(dim == 3 && rows == 2)
  #expect(got.map { $0.0 } == words && got.flatMap { $0.1 } == vectors)
  let bad = try tempFile("bad.txt", Array("a 1 2 3\nb 1 2\n".utf8))
  do {
    try GloveText.read(path: bad) { _, _ in }
    Issue.record("accepted a short row")
  } catch let e as GloveError {
    #expect(e.message.contains("line 2") && e.message.contains("2 values, expected 3"))
  }
  let nan = try tempFile("nan.txt", Array("a 1 nan 3\n".utf8))
  #expect(throws: GloveError.self) { try GloveText.read(path: nan) { _, _ in } }
}

@Test func safetensorsRoundTripAndRejections() throws {
  var rng = SplitMix64(seed: testSeed)
  let ts = [
    Tensor(name: "a", shape: [2, 3], floats: (0..<6).map { _ in Float.random(in: -1...1, using: &rng) }),
    Tensor(name: "b", shape: [4], floats: [1, 2, 3, 4], dtype: .f16),
    Tensor(name: "q", shape: [3, 2], floats: [1, -1, 0.5, 0.25, 0, 0], dtype: .i8),
    Tensor(name: "z", shape: [2], int32s: [-5, 7]),
  ]
  let bytes = Safetensors.encode(ts, metadata: [("format", "pt")])
  let (back, meta) = try Safetensors.decode(bytes, path: "x")
  #expect(back == ts)
  #expect(meta.first?.1 == "pt")
  // Header size past the end, overlapping offsets, unsupported dtype.
  var lying = bytes
  lying.setLE64(0, UInt64(bytes.count))
  #expect(throws: DataError.self) { _ = try Safetensors.decode(lying, path: "x") }
  let overlap = safetensorsFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: 4)
  #expect(throws: DataError.self) { _ = try Safetensors.decode(overlap, path: "x") }
  let f64 = safetensorsFile(#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, data: 8)
  #expect(throws: DataError.self) { _ = try Safetensors.decode(f64, path: "x") }
}

func safetensorsFile(_ header: String, data: Int) -> [UInt8] {
  var h = Array(header.utf8)
  while h.count % 8 != 0 { h.append(0x20) }
  var out = [UInt8](repeating: 0, count: 8)
  out.setLE64(0, UInt64(h.count))
  return out + h + [UInt8](repeating: 0, count: data)
}

extension Array where Element == UInt8 {
  mutating func setLE64(_ offset: Int, _ v: UInt64) {
    for k in 0..<8 { self[offset + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
  }
}
