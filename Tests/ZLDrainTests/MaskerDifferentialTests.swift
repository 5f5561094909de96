// The masker's fast path (one pre-scan for all rules, candidate start positions, literal and class
// prefix checks before a matcher run) against the plain search applied rule by rule, on random text.

import Testing
import ZLDrain
import ZLFormat
import ZLRegex
import _ZLTestSupport

@Test func maskerFastPathEqualsPlainSearch() throws {
  let rules = referenceMasks + [
    MaskRule(name: "A2", pattern: "a{2,}b"), MaskRule(name: "LB", pattern: "(?<=x)[0-9]{3}"),
    MaskRule(name: "AB", pattern: "(ab){2}c"), MaskRule(name: "OPT", pattern: "(?:-|\\+)?[0-9]+\\.[0-9]+"),
    MaskRule(name: "WB", pattern: "\\bdead\\b|beef"),
  ]
  let masker = try Masker(rules: rules, prefix: "[", suffix: "]")
  let plain = try rules.map { try Regex($0.pattern) }
  var rng = SplitMix64(seed: testSeed)
  let alphabet = Array("0123456789abcdefABCDEF x._:-+/blkdeadbeef".utf8)
  var scratch = Masker.Scratch()
  var rs = RegexScratch()
  for _ in 0..<3000 {
    let n = Int(rng.next() % 60)
    let text: [UInt8] = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
    var fast: [UInt8] = []
    text.withUnsafeBufferPointer { masker.mask($0, into: &fast, scratch: &scratch) }
    var cur = text
    for (k, r) in plain.enumerated() {
      let rep = Array("[\(rules[k].name)]".utf8)
      var out: [UInt8] = []
      let changed = cur.withUnsafeBufferPointer { t in rep.withUnsafeBufferPointer { r.replaceAll(t, replacement: $0, into: &out, scratch: &rs) } }
      if changed { cur = out }
    }
    #expect(fast == cur, "\(String(decoding: text, as: UTF8.self))")
  }
}
