// The JSON parser against Python's `json` on a corpus of ordinary and hostile inputs
// (Formats/vectors/reference/json-corpus.json, made by Tools/reference/make_json_corpus.py): zl
// accepts what Python accepts, with the same value, and refuses what Python refuses — except where
// Python goes beyond RFC 8259 (NaN, Infinity, numbers past a finite double or 400 characters, lone
// surrogates, nesting past 512), where zl refuses by a stated rule.

import Testing
import ZLBase
import _ZLTestSupport

/// The corpus's flat text of a value (see the generator): n, b0/b1, i<digits>;, f<hex bits>,
/// s<UTF-8 hex>;, [...], {s<key hex>;<value>...}.
func flat(_ v: JSON) -> String {
  switch v {
  case .null: return "n"
  case .bool(let b): return b ? "b1" : "b0"
  case .integer(let i): return "i\(i);"
  case .number(let d):
    let bits = d.bitPattern
    let hex = String(bits, radix: 16)
    return "f" + String(repeating: "0", count: 16 - hex.count) + hex
  case .string(let s): return "s" + hexString(Array(s.utf8)) + ";"
  case .array(let a): return "[" + a.map(flat).joined() + "]"
  case .object(let m): return "{" + m.map { "s" + hexString(Array($0.0.utf8)) + ";" + flat($0.1) }.joined() + "}"
  }
}

@Test func parserAgreesWithPythonOnTheCorpus() throws {
  let doc = try JSONParser().parse(try readWholeFile(fixture("Formats/vectors/reference/json-corpus.json")))
  let cases = try #require(doc["cases"]?.arrayValue)
  #expect(cases.count >= 100)
  var accepted = 0, refusedByRule = 0
  for c in cases {
    let input = try #require(bytesFromHex(c["input"]!.stringValue!))
    let shown = String(decoding: input.prefix(40), as: UTF8.self)
    let result = Result { try JSONParser().parse(input) }
    switch (c["zl"]!.stringValue!, result) {
    case ("accept", .success(let v)):
      accepted += 1
      #expect(flat(v) == c["value"]!.stringValue!, "'\(shown)': value differs from Python's")
    case ("accept", .failure(let e)):
      Issue.record("'\(shown)': Python accepts it, zl refused: \(e)")
    case ("reject", .success):
      Issue.record("'\(shown)': accepted, expected a refusal (\(c["rule"]?.stringValue ?? "Python refuses it too"))")
    default:
      if c["rule"] != nil { refusedByRule += 1 }
    }
  }
  #expect(accepted >= 50 && refusedByRule >= 15)
}
