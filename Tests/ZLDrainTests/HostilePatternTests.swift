// Patterns from files are bounded (Formats/zlck-v1.md Appendix B, "Work"): crafted masks — the
// attacks of issue 19 and the classic catastrophic-backtracking shapes — on long lines and on many
// short ones finish in time linear in the text, through the C chain and the Swift scalar path alike;
// a pattern that needs more gives up, leaves the text as it was and is counted; the presets' masks
// never give up on real lines.

import Testing
import ZLBase
import ZLDrain
import _ZLTestSupport

let hostilePatterns = [
  #"(?=aa)(a|a)*b"#, #"(a|a)*[bc]"#, #"(a*)*[bc]"#, #"(?=(a|a)*[bc])a"#, #"(a|aa)*[bc]"#, #"(.*a){20}[bc]"#,
  #"(?=a*[bc])"#, #"(?<=a)(?=(a|a)*[bc])"#, #"(a|b|ab)*[cd]"#, #"a*a*a*a*a*a*[bc]"#, #"(x+x+)+y"#,
]

/// Masks `text` with one rule; returns the output, the lines cut short and the seconds taken.
func maskOnce(_ pattern: String, _ text: [UInt8]) throws -> (out: [UInt8], cutShort: Int, seconds: Double) {
  let masker = try Masker(rules: [MaskRule(name: "X", pattern: pattern)], prefix: "<", suffix: ">")
  var scratch = Masker.Scratch()
  var out: [UInt8] = []
  let t0 = monotonicSeconds()
  text.withUnsafeBufferPointer { masker.mask($0, into: &out, scratch: &scratch) }
  return (out, scratch.cutShort, monotonicSeconds() - t0)
}

@Test(arguments: hostilePatterns)
func hostileMaskIsBoundedByTheText(_ pattern: String) throws {
  // 256 KiB of one line: ASCII (the C chain, then Swift) and with a non-ASCII character (Swift on
  // scalars). The bound is generous for an unoptimized test build; a quadratic run takes minutes.
  let n = 1 << 18
  for text in [Array(repeating: UInt8(ascii: "a"), count: n), Array("é".utf8) + Array(repeating: UInt8(ascii: "a"), count: n),
               Array(String(repeating: "ab", count: n / 2).utf8)] {
    let r = try maskOnce(pattern, text)
    #expect(r.seconds < 20, "\(pattern): \(r.seconds) s on \(text.count) bytes")
    if r.cutShort > 0 { #expect(r.out == text, "\(pattern): a rule that gave up must leave the text as it was") }
  }
}

@Test func aPatternThatNeedsMoreGivesUpAndIsCounted() throws {
  // Exponential inside a look-ahead (no memo there): far over any linear budget.
  let text = Array(repeating: UInt8(ascii: "a"), count: 4096)
  let r = try maskOnce(#"(?=(a|a)*[bc])a"#, text)
  #expect(r.cutShort == 1 && r.out == text)
  // A linear pattern on the same text finishes and masks.
  let ok = try maskOnce(#"a+"#, text)
  #expect(ok.cutShort == 0 && ok.out == Array("<X>".utf8))
}

@Test func presetMasksNeverGiveUpOnRealLines() throws {
  // The bundled demo logs through their presets' masks: every line fully masked.
  for (file, preset) in [("Tools/demo/data/BGL_2k.log.gz", "bgl"), ("Tools/demo/data/hdfs-sample.log.gz", "hdfs")] {
    let parser = try LogParser(settings: LogPresets.named(preset)!.parsing)
    let reader = try LineReader(path: fixture(file))
    var lines = 0
    while try reader.next({ _ = parser.learn(line: $0) }) != nil { lines += 1 }
    #expect(lines > 1000 && parser.patternCutShortLines == 0, "\(file): \(parser.patternCutShortLines) of \(lines)")
  }
}
