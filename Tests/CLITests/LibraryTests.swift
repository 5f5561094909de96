// libzlscore's C interface (zl_scorer.h), called as C would: records equal zl-score's byte for byte
// whether they are read after every line or in bursts, options are checked, errors come back as
// one line in the caller's buffer.

import Testing
import ZLBase
import ZLScoreLibrary
import _ZLTestSupport

/// Scores `lines` through the C interface; reads records after every `every` lines.
func libraryRecords(_ model: String, _ options: String?, _ lines: [[UInt8]], every: Int) throws -> String {
  var err = [CChar](repeating: 0, count: 256)
  let h = model.withCString { m in
    (options ?? "").withCString { o in zl_scorer_open(m, options == nil ? nil : o, &err, err.count) }
  }
  guard let h else { throw InternalError("zl_scorer_open: " + String(cString: err)) }
  defer { zl_scorer_close(h) }
  var out = ""
  func read() { while let r = zl_scorer_next(h) { out += String(cString: r) } }
  for (k, l) in lines.enumerated() {
    let ready = l.withUnsafeBufferPointer { b in b.withMemoryRebound(to: CChar.self) { zl_scorer_feed(h, $0.baseAddress, $0.count) } }
    #expect(ready >= 0)
    if (k + 1) % every == 0 { read() }
  }
  #expect(zl_scorer_flush(h) >= 0)
  read()
  return out
}

@Test func libraryRecordsAreZlScoresRecords() throws {
  let lines = try bglLines().lines
  let dir = try scratchDirectory("library")
  let hybrid = dir + "/h.zlck"
  #expect(try runTool("zl-train", ["fit", "--target", bglDemo, "--target-preset", "bgl", "--quiet", "-o", hybrid]).status == 0)
  for (model, opts, cli) in [(hybrid, nil as String?, [String]()), (vectorModel, #"{"explain": 2, "threshold": 0.4}"#, ["--explain", "--explain-top", "2", "--threshold", "0.4"]),
                             (hybrid, #"{"only_anomalies": true, "batch": 64}"#, ["--only-anomalies"])] {
    let want = try runTool("zl-score", [model, bglDemo, "--quiet"] + cli)
    #expect(want.status == 0)
    for every in [1, 7, 1_000_000] {
      let got = try libraryRecords(model, opts, lines, every: every)
      #expect(got == want.stdout, "\(model) \(opts ?? "-") every \(every): \(got.prefix(300)) vs \(want.stdout.prefix(300))")
    }
  }
}

@Test func libraryRefusesBadModelsAndOptions() throws {
  for (model, opts, message) in [("/no/such.zlck", nil as String?, "cannot open"), (vectorModel, #"{"thresold": 1}"#, "unknown option 'thresold'"),
                                 (vectorModel, #"{"threshold": 2}"#, "threshold must be a number in 0...1"),
                                 (fixture("Formats/vectors/v1/invalid/badMagic.zlck"), nil, "[badMagic]"), (vectorModel, "[1", "invalid JSON")] {
    var err = [CChar](repeating: 0, count: 512)
    let h = model.withCString { m in (opts ?? "").withCString { o in zl_scorer_open(m, opts == nil ? nil : o, &err, err.count) } }
    #expect(h == nil)
    let text = String(cString: err)
    #expect(text.contains(message) && !text.contains("\n"), "\(text)")
    // A small buffer gets the message cut, NUL-terminated.
    var small = [CChar](repeating: 0x41, count: 16)
    _ = model.withCString { m in (opts ?? "").withCString { o in zl_scorer_open(m, opts == nil ? nil : o, &small, small.count) } }
    #expect(small[15] == 0 && String(cString: small).utf8.count == 15)
  }
  #expect(zl_scorer_feed(nil, nil, 0) == -1 && zl_scorer_next(nil) == nil && zl_scorer_flush(nil) == -1)
  zl_scorer_close(nil)
}
