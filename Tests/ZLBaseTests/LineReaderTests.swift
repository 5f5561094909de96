// Line reading: LF/CRLF, no final newline, long lines cut and counted, gzip (concatenated members),
// corrupt gzip refused.

import Testing
import ZLBase
import _ZLTestSupport

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

@Test(.enabled(if: sharedDataRoot != nil, "needs the shared data (../shared/data or ZL_DATA)"))
func lineReaderReadsGzipIncludingConcatenatedMembers() throws {
  let data = sharedDataRoot!
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
  #expect(throws: IOFailure.self) { _ = try lines(p) }
}

