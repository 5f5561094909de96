// Tests of the zl-re/1 matcher against Python's re (golden cases made offline by
// Tools/reference/make_regex_golden.py), the dialect's refusals, and the no-hang guarantee.

import Testing
import ZLBase
@testable import ZLRegex
import _ZLTestSupport

struct RegexGolden {
  let inputs: [String]
  let cases: [(pattern: String, changed: [Int: String])]
  let invalid: [String]

  static func load() throws -> RegexGolden {
    let doc = try JSONParser().parse(try readWholeFile(fixture("Formats/vectors/reference/regex-golden.json")))
    let inputs = doc["inputs"]!.arrayValue!.map { $0.stringValue! }
    var cases: [(String, [Int: String])] = []
    for c in doc["cases"]!.arrayValue! {
      var changed: [Int: String] = [:]
      for pair in c["changed"]!.arrayValue! {
        let a = pair.arrayValue!
        changed[Int(a[0].integerValue!)] = a[1].stringValue!
      }
      cases.append((c["pattern"]!.stringValue!, changed))
    }
    return RegexGolden(inputs: inputs, cases: cases, invalid: doc["invalid"]!.arrayValue!.map { $0.stringValue! })
  }
}

@Test func matchesPythonOnGoldenCases() throws {
  let golden = try RegexGolden.load()
  #expect(golden.cases.count >= 50)
  var failures: [String] = []
  for (pattern, changed) in golden.cases {
    let rx = try Regex(pattern)
    for (k, input) in golden.inputs.enumerated() {
      let expected = changed[k] ?? input
      let got = rx.replacingAll(in: input, with: "#")
      if got != expected { failures.append("pattern \(pattern) input \(k) '\(input)': got '\(got)', python '\(expected)'") }
    }
  }
  #expect(failures.isEmpty, "\(failures.count) mismatches, first: \(failures.prefix(5).joined(separator: "\n"))")
}

@Test func bytePathAgreesWithScalarPath() throws {
  let golden = try RegexGolden.load()
  for (pattern, _) in golden.cases {
    let rx = try Regex(pattern)
    for input in golden.inputs where input.utf8.allSatisfy({ $0 < 128 }) {
      var scratch = RegexScratch()
      let bytes = Array(input.utf8)
      var out: [UInt8] = []
      let changed = bytes.withUnsafeBufferPointer { rx.replaceAll($0, replacement: Array("#".utf8), into: &out, scratch: &scratch) }
      let viaBytes = changed ? String(decoding: out, as: UTF8.self) : input
      #expect(viaBytes == rx.replacingAll(in: input, with: "#"), "pattern \(pattern) on '\(input)'")
    }
  }
}

@Test func rejectsConstructsOutsideTheDialect() throws {
  let golden = try RegexGolden.load()
  for p in golden.invalid {
    #expect(throws: RegexError.self, "pattern \(p)") { _ = try Regex(p) }
  }
}

@Test func catastrophicPatternsFinishQuickly() throws {
  // (a*)*b and nested counted repeats backtrack exponentially in a naive engine.
  let cases: [(String, String)] = [
    ("(a*)*b", String(repeating: "a", count: 5000)),
    ("((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)", String(repeating: "abcdef", count: 2000) + "g"),
    ("(x+x+)+y", String(repeating: "x", count: 3000)),
  ]
  for (p, text) in cases {
    let rx = try Regex(p)
    let t0 = monotonicSeconds()
    _ = rx.replacingAll(in: text, with: "#")
    let dt = monotonicSeconds() - t0
    #expect(dt < 5, "pattern \(p) took \(dt) s")
  }
}

@Test func capturesMatchPythonOnLogHeaderFormats() throws {
  let doc = try JSONParser().parse(try readWholeFile(fixture("Formats/vectors/reference/regex-golden.json")))
  let systems = try #require(doc["captures"]?.arrayValue)
  #expect(systems.count >= 12)
  for sys in systems {
    let rx = try Regex(sys["pattern"]!.stringValue!)
    for c in sys["cases"]!.arrayValue! {
      let pair = c.arrayValue!
      let line = pair[0].stringValue!
      let scalars = line.unicodeScalars.map { $0.value }
      var scratch = RegexScratch()
      let got = scalars.withUnsafeBufferPointer { rx.captures(inScalars: $0, scratch: &scratch) }
      if case .null = pair[1] {
        #expect(got == nil, "\(sys["system"]!.stringValue!): '\(line)' should not match")
        continue
      }
      let expected: [Range<Int>?] = pair[1].arrayValue!.map { span in
        let a = span.arrayValue!.map { Int($0.integerValue!) }
        return a[0] < 0 ? nil : a[0]..<a[1]
      }
      #expect(got.map { $0 } == expected, "\(sys["system"]!.stringValue!): '\(line)'")
    }
  }
}

/// The characters every match holds from its start on (the C chain stops trying starts after the
/// last occurrence of any of them): look-ahead contents count, look-behind contents do not,
/// alternatives keep only what all of them hold.
@Test func charactersRequiredAfterTheStart() throws {
  let b = "((?<=[^A-Za-z0-9])|^)", e = "((?=[^A-Za-z0-9])|$)"
  let cases: [(String, String)] = [
    (b + "((\\d{1,3}\\.){3}\\d{1,3}:\\d{1,5})" + e, ".:"), ("(?<=executed cmd )(\".+?\")", "\""), ("a|ab", "a"), ("x*", ""),
    ("(?=[^,]*:)\\d", ":"), ("(?<=:)\\d+", ""), ("d.+?e|de", "de"), ("k_[0-9]*(?=\\.|:)", "_k"), ("(?!z)y[z]", "yz"),
  ]
  for (pattern, expected) in cases {
    #expect(try Regex(pattern).requiredAfterStart == Array(expected.utf8).sorted(), "\(pattern)")
  }
}

@Test func repeatedLookAroundsCannotMultiplyTheProgram() throws {
  // Found by libFuzzer (out of memory, 2 GB): counted repeats of a group holding a look-around made
  // one sub-program per copy, each under the instruction bound, 4,356 of them. The bound now counts
  // every sub-program; such a pattern is refused at once, and a reasonable one still compiles.
  let t0 = monotonicSeconds()
  for pattern in ["((?=DKA-;a5)@|, ((?=D((?=DKA-;a5)@|, ((?=DKA-;a5)|, $){66}$){66KA-;a5)|, $){66}$){66}s",
                  "((?=abcdefgh){100}){100}", "((?<=ab)x{40}){1000}"] {
    #expect(throws: RegexError.self, "\(pattern)") { _ = try Regex(pattern) }
  }
  #expect(monotonicSeconds() - t0 < 5)
  _ = try Regex("((?=ab)x){20}")
  _ = try Regex(#"((?<=[^A-Za-z0-9])|^)(\d+\.){3}\d+((?=[^A-Za-z0-9])|$)"#)
}
