// The masker's fast path — the C substitution chain (one pre-scan for all rules, candidate start
// positions, literal and class prefix checks, the C matcher) — against the Swift matcher's plain
// search applied rule by rule, on random text.

import Testing
import ZLDrain
import ZLFormat
import ZLRegex
import _ZLTestSupport

@Test(arguments: [("[", "]", false, true), ("", "", false, true), ("[", "]", true, true), ("", "", true, true),
                   ("[", "]", false, false), ("", "", true, false)])
func maskerFastPathEqualsPlainSearch(prefix: String, suffix: String, eightRules: Bool, dfa: Bool) throws {
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
  scratch.useDFA = dfa
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
  // The backtracker runs over its step budget on EXP (the Swift memoizing matcher then finishes
  // the rule); the DFA, linear in the text, never needs that.
  #expect(eightRules || dfa || scratch.fallbacks > 0, "no text went over the C matcher's step budget")
  #expect(!dfa || scratch.fallbacks == 0, "the DFA gave up on \(scratch.fallbacks) texts")
}

/// A random pattern in the dialect over the alphabet a, b, c, 1, '-', ' ': literals, classes,
/// groups, alternation, greedy and lazy repeats, anchors, \b, one-character look-arounds, and
/// now and then a two-character look-behind (which the DFA leaves to the backtracker).
private func randomPattern(_ rng: inout SplitMix64, depth: Int = 0) -> String {
  func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
  let atoms = ["a", "b", "c", "1", "-", " ", "[ab]", "[^a ]", "[0-9]", "\\d", "\\w", ".", "[a1-]"]
  var out = ""
  for _ in 0..<(1 + pick(3)) {
    var piece: String
    switch pick(depth < 2 ? 12 : 8) {
    case 0: piece = "^"
    case 1: piece = ["$", "\\Z", "\\b", "\\B"][pick(4)]
    case 2: piece = "(?\(["=", "!", "<=", "<!"][pick(4)])\(["a", "[ab]", "\\d", " ", pick(8) == 0 ? "ab" : "c"][pick(5)]))"
    case 8, 9: piece = "(" + randomPattern(&rng, depth: depth + 1) + "|" + randomPattern(&rng, depth: depth + 1) + ")"
    case 10, 11: piece = "(?:" + randomPattern(&rng, depth: depth + 1) + ")"
    default: piece = atoms[pick(atoms.count)]
    }
    if !piece.hasPrefix("(?") && piece != "^" && !["$", "\\Z", "\\b", "\\B"].contains(piece) {
      switch pick(10) {
      case 0: piece += "*"
      case 1: piece += "+"
      case 2: piece += "?"
      case 3: piece += "{\(pick(3)),\(2 + pick(3))}"
      case 4: piece += ["*?", "+?", "??", "{1,3}?", "{2,}"][pick(5)]
      default: break
      }
    }
    out += piece
  }
  return out
}

@Test func dfaMatchesTheBacktrackerOnRandomPatterns() throws {
  // Each pattern alone and after a rule that rewrites text, with the DFA and with the backtracker
  // only: the same bytes as each other and as ZLRegex's plain search.
  var rng = SplitMix64(seed: testSeed ^ 0xDFA)
  let alphabet = Array("abc1- \n".utf8)
  var patterns = 0
  for _ in 0..<400 {
    let pattern = randomPattern(&rng)
    guard let plain = try? Regex(pattern) else { continue }
    patterns += 1
    let rules = [MaskRule(name: "X", pattern: pattern), MaskRule(name: "Y", pattern: "b1")]
    let masker = try Masker(rules: rules, prefix: "<", suffix: ">")
    let second = try Regex("b1")
    var withDFA = Masker.Scratch(), without = Masker.Scratch()
    without.useDFA = false
    var rs = RegexScratch()
    for _ in 0..<40 {
      let n = Int(rng.next() % 24)
      let text: [UInt8] = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
      var a: [UInt8] = [], b: [UInt8] = []
      text.withUnsafeBufferPointer {
        masker.mask($0, into: &a, scratch: &withDFA)
        masker.mask($0, into: &b, scratch: &without)
      }
      var ref = text
      for (r, rep) in [(plain, "<X>"), (second, "<Y>")] {
        var out: [UInt8] = []
        let changed = ref.withUnsafeBufferPointer { t in Array(rep.utf8).withUnsafeBufferPointer { r.replaceAll(t, replacement: $0, into: &out, scratch: &rs) } }
        if changed { ref = out }
      }
      #expect(a == b && a == ref, "pattern \(pattern) on '\(String(decoding: text, as: UTF8.self))': dfa '\(String(decoding: a, as: UTF8.self))', backtracker '\(String(decoding: b, as: UTF8.self))', reference '\(String(decoding: ref, as: UTF8.self))'")
    }
  }
  #expect(patterns > 300)
}

@Test func dfaMemoryStaysWithinItsBudgetOnManyHardRules() throws {
  // 24 rules that each need thousands of DFA states: together they would pass the scratch's 1 MiB,
  // so the later ones are left to the backtracker; the bytes stay those of the plain search.
  let patterns = (0..<24).map { "(a|b)*a(a|b){\(8 + $0 % 4)}c\($0 % 3 == 0 ? "" : "c")" }
  let rules = patterns.enumerated().map { MaskRule(name: "R\($0.offset)", pattern: $0.element) }
  let masker = try Masker(rules: rules, prefix: "<", suffix: ">")
  let plain = try patterns.map { try Regex($0) }
  var rng = SplitMix64(seed: testSeed ^ 0xB1D6E7)
  var scratch = Masker.Scratch(), rs = RegexScratch()
  var most = 0
  for _ in 0..<150 {
    var text: [UInt8] = (0..<60).map { _ in rng.next() % 2 == 0 ? 0x61 : 0x62 }
    text += [0x63, 0x63]
    var out: [UInt8] = []
    text.withUnsafeBufferPointer { masker.mask($0, into: &out, scratch: &scratch) }
    var ref = text
    for (k, r) in plain.enumerated() {
      var o: [UInt8] = []
      let changed = ref.withUnsafeBufferPointer { t in Array("<R\(k)>".utf8).withUnsafeBufferPointer { r.replaceAll(t, replacement: $0, into: &o, scratch: &rs) } }
      if changed { ref = o }
    }
    #expect(out == ref)
    most = max(most, scratch.dfaBytes)
  }
  #expect(most > 0 && most <= 1 << 20, "DFA bytes \(most)")
}

@Test func dfaPastItsBoundLeavesTheRuleToTheBacktracker() throws {
  // (a|b)*a(a|b){13} needs 2^14 DFA states: the DFA stops growing at its bound and the backtracker
  // takes over, with the same bytes.
  let pattern = "(a|b)*a(a|b){13}c"
  let masker = try Masker(rules: [MaskRule(name: "X", pattern: pattern)], prefix: "<", suffix: ">")
  let plain = try Regex(pattern)
  var rng = SplitMix64(seed: testSeed ^ 0xB0B)
  var scratch = Masker.Scratch(), rs = RegexScratch()
  for _ in 0..<300 {
    var text: [UInt8] = (0..<40).map { _ in rng.next() % 2 == 0 ? 0x61 : 0x62 }
    text[40 - 14] = 0x61  // so that it matches
    text.append(0x63)
    var out: [UInt8] = [], ref: [UInt8] = []
    text.withUnsafeBufferPointer { masker.mask($0, into: &out, scratch: &scratch) }
    let changed = text.withUnsafeBufferPointer { t in Array("<X>".utf8).withUnsafeBufferPointer { plain.replaceAll(t, replacement: $0, into: &ref, scratch: &rs) } }
    #expect(changed && out == ref)
  }
}
