// The drain3.ini reader against Python's configparser.ConfigParser() (what Drain3 reads its
// configuration with) on a corpus (Formats/vectors/reference/ini-corpus.json, made by
// Tools/reference/make_ini_corpus.py): the same files refused; for the others the same sections,
// keys (in order, [DEFAULT]'s included) and interpolated values, and the same keys refused.

import Testing
import ZLBase
import ZLDrain
import _ZLTestSupport

@Test func iniReaderAgreesWithConfigparser() throws {
  let doc = try JSONParser().parse(try readWholeFile(fixture("Formats/vectors/reference/ini-corpus.json")))
  let cases = try #require(doc["cases"]?.arrayValue)
  #expect(cases.count >= 40)
  for c in cases {
    let text = c["text"]!.stringValue!
    let shown = text.prefix(50).replacingOccurrences("\n", "⏎")
    let parsed = Result { try INIFile(text) }
    switch parsed {
    case .failure(let e):
      #expect(c["error"] != nil, "'\(shown)': configparser reads it, zl refused: \(e)")
    case .success(let ini):
      guard let sections = c["sections"]?.arrayValue else {
        Issue.record("'\(shown)': configparser refuses it (\(c["error"]!.stringValue!)), zl read it")
        continue
      }
      #expect(ini.sections.map(\.name) == sections.map { $0.arrayValue![0].stringValue! }, "'\(shown)': sections differ")
      for s in sections {
        let name = s.arrayValue![0].stringValue!
        let keys = s.arrayValue![1].arrayValue!
        #expect(ini.keys(of: name)?.map(\.0) == keys.map { $0.arrayValue![0].stringValue! }, "'\(shown)' [\(name)]: keys differ")
        for k in keys {
          let key = k.arrayValue![0].stringValue!
          let got = Result { try ini.value(name, key) }
          if let want = k.arrayValue![1].stringValue {
            #expect((try? got.get()) == want, "'\(shown)' [\(name)] \(key): \(got), configparser '\(want)'")
          } else {
            #expect(throws: DrainError.self, "'\(shown)' [\(name)] \(key): configparser refuses it") { _ = try got.get() }
          }
        }
      }
    }
  }
}

/// What Drain3 makes of a drain3.ini: `%%` is a percent sign in a mask (so `\d+%%` matches "50%"),
/// a lone `%` and a non-boolean are refused, defaults stay for absent keys.
@Test func drain3ConfigReadsMasksLikeDrain3() throws {
  let c = try Drain3Config(ini: """
    [MASKING]
    masking = [{"regex_pattern": "\\\\d+%%", "mask_with": "PCT"}]
    mask_prefix = <<
    [DRAIN]
    depth = 5
    """)
  #expect(c.masks == [MaskRule(name: "PCT", pattern: "\\d+%")])
  #expect(c.maskPrefix == "<<" && c.maskSuffix == ">" && c.drain.depth == 5 && c.drain.similarityThreshold == 0.4)
  #expect(throws: DrainError.self) { _ = try Drain3Config(ini: "[MASKING]\nmask_prefix = 50%\n") }
  #expect(throws: DrainError.self) { _ = try Drain3Config(ini: "[DRAIN]\nparametrize_numeric_tokens = maybe\n") }
  #expect(throws: DrainError.self) { _ = try Drain3Config(ini: "[DRAIN]\ndepth = 4.5\n") }
}

extension Substring {
  func replacingOccurrences(_ a: Character, _ b: String) -> String { map { $0 == a ? b : String($0) }.joined() }
}
