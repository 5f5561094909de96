// The masker's fast path — the C substitution chain (one pre-scan for all rules, candidate start
// positions, literal and class prefix checks, the C matcher) — against the Swift matcher's plain
// search applied rule by rule, on random text.

import Testing
import ZLDrain
import ZLFormat
import ZLRegex
import _ZLTestSupport

@Test(arguments: [("[", "]", false), ("", "", false), ("[", "]", true), ("", "", true)])
func maskerFastPathEqualsPlainSearch(prefix: String, suffix: String, eightRules: Bool) throws {
  // Chains of at most 8 rules (the reference masks) pre-scan 64 positions at a time with byte
  // tables where the CPU has AVX-512 VBMI; longer ones byte by byte.
  // The eighth rule may start at position 0 but not after a NUL (the vector scan's "character
  // before position 0").
  let rules = eightRules ? Array(referenceMasks.prefix(7)) + [MaskRule(name: "SX", pattern: "(^|(?<=x))[0-9a]+")] : referenceMasks + [
    MaskRule(name: "dead", pattern: "a{2,}b"), MaskRule(name: "12", pattern: "(?<=x)[0-9]{3}"),
    MaskRule(name: "-0x1f", pattern: "(ab){2}c"), MaskRule(name: "OPT", pattern: "(?:-|\\+)?[0-9]+\\.[0-9]+"),
    MaskRule(name: "WB", pattern: "\\bdead\\b|beef"),
    // Lazy and alternation priority, anchors, a multi-character look-behind and look-ahead, a
    // negated look, a pattern that can match empty text, and one whose search runs over the step
    // budget (exponential backtracking: the Swift memoizing matcher finishes that rule).
    MaskRule(name: "LZ", pattern: "d.+?e|de"), MaskRule(name: "AN", pattern: "^[0-9]+|[a-f]+$"),
    MaskRule(name: "LB2", pattern: "(?<=bl)k_[0-9]*(?=\\.|:)"), MaskRule(name: "NL", pattern: "(?<![0-9])x(?!a)"),
    MaskRule(name: "EXP", pattern: "(a|a|a)*(a|a)*a*[yz]"), MaskRule(name: "", pattern: "f*"),
  ]
  // Without brackets, replacements (named to be matched) feed the later rules.
  let masker = try Masker(rules: rules, prefix: prefix, suffix: suffix)
  let plain = try rules.map { try Regex($0.pattern) }
  var rng = SplitMix64(seed: testSeed)
  let alphabet = Array("0123456789abcdefABCDEF x._:-+/blkdeadbeef".utf8)
  var scratch = Masker.Scratch()
  var rs = RegexScratch()
  for round in 0..<3000 {
    let n = Int(rng.next() % 60)
    var text: [UInt8] = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
    if round % 50 == 0 { text += [UInt8](repeating: 0x61, count: 40) + [0x2D] }  // over EXP's step budget
    if round % 7 == 0 { text = text + text + text }  // past 64 bytes: several words of candidate bits
    var fast: [UInt8] = []
    text.withUnsafeBufferPointer { masker.mask($0, into: &fast, scratch: &scratch) }
    var cur = text
    for (k, r) in plain.enumerated() {
      let rep = Array("\(prefix)\(rules[k].name)\(suffix)".utf8)
      var out: [UInt8] = []
      let changed = cur.withUnsafeBufferPointer { t in rep.withUnsafeBufferPointer { r.replaceAll(t, replacement: $0, into: &out, scratch: &rs) } }
      if changed { cur = out }
    }
    #expect(fast == cur, "\(String(decoding: text, as: UTF8.self))")
  }
  #expect(eightRules || scratch.fallbacks > 0, "no text went over the C matcher's step budget")
}
