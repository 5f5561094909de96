// JSON output is read by other programs (zl-score's jsonl, reports, manifests): strings must be
// escaped exactly as Python's json.dumps(ensure_ascii=False) does, on the fast path (nothing to
// escape, copied whole) and the escaping path alike. Expected texts were printed by Python 3.11.

import Testing
import ZLBase

@Test(arguments: [
  ("plain text", #""plain text""#),
  ("quote\" back\\ slash", #""quote\" back\\ slash""#),
  ("tab\tnl\nbell\u{07}", #""tab\tnl\nbell\u0007""#),
  ("blk_-123 /10.0.0.1:50010", #""blk_-123 /10.0.0.1:50010""#),
  ("é ü 日本", "\"é ü 日本\""),
  ("", #""""#),
])
func stringsAreEscapedLikePython(_ text: String, _ expected: String) throws {
  var out = ""
  JSON.writeString(text, into: &out)
  #expect(out == expected)
  #expect(try JSONParser().parse(out) == .string(text))
}

@Test func compactSerializationMatchesPython() {
  let v = JSON.object([("a", .array([.integer(1), .number(2.5), .null, .bool(true)])), ("b", .string("x"))])
  #expect(v.serialized() == #"{"a":[1,2.5,null,true],"b":"x"}"#)
}
