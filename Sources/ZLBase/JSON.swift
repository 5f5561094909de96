// JSON: a strict RFC 8259 parser with explicit limits (nesting depth, input size, number forms)
// for untrusted inputs (Drain3 state, safetensors headers, config files), and a deterministic
// writer (object keys in the order given, fixed number formatting). No Foundation.
// It agrees with Python's `json` on every RFC 8259 text (tested on a corpus); where Python accepts
// more it refuses: NaN and Infinity literals, numbers that are no finite double or longer than 400
// characters, lone surrogate escapes, nesting past `maxDepth`. Integers outside Int64 become the
// nearest Double; a leading byte order mark is skipped; repeated keys are all kept, in order.

/// A parsed JSON value. Objects keep their members in document order.
public indirect enum JSON: Equatable, Sendable {
  case null
  case bool(Bool)
  case number(Double)
  case integer(Int64)
  case string(String)
  case array([JSON])
  case object([(String, JSON)])

  public static func == (a: JSON, b: JSON) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y
    case (.integer(let x), .integer(let y)): return x == y
    case (.integer(let x), .number(let y)), (.number(let y), .integer(let x)): return Double(x) == y
    case (.string(let x), .string(let y)): return x == y
    case (.array(let x), .array(let y)): return x == y
    case (.object(let x), .object(let y)):
      return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }

  /// The member named `key` of an object (the first one, if a file repeats it).
  public subscript(key: String) -> JSON? {
    if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
    return nil
  }

  public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
  public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
  public var arrayValue: [JSON]? { if case .array(let a) = self { return a } else { return nil } }
  public var objectValue: [(String, JSON)]? { if case .object(let o) = self { return o } else { return nil } }
  public var doubleValue: Double? {
    switch self {
    case .number(let d): return d
    case .integer(let i): return Double(i)
    default: return nil
    }
  }
  /// An integral number (an integer literal, or a float with no fractional part in Int64 range).
  public var integerValue: Int64? {
    switch self {
    case .integer(let i): return i
    case .number(let d):
      if d.rounded() == d && d >= -9.2e18 && d <= 9.2e18 { return Int64(d) }
      return nil
    default: return nil
    }
  }
}

/// Why a JSON text was rejected; `offset` is the byte offset of the problem.
public struct JSONError: ToolError, Equatable {
  public let offset: Int
  public let reason: String
  public var exitStatus: ExitStatus { .dataError }
  public var message: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// Parses JSON text from bytes.
public struct JSONParser {
  /// Deepest nesting accepted; deeper input is rejected instead of exhausting the stack.
  public var maxDepth = 512
  /// Longest string accepted, in bytes.
  public var maxStringBytes = 64 << 20

  public init() {}

  /// Parses one JSON value; only whitespace may follow it.
  /// - Throws: `JSONError` with the byte offset.
  public func parse(_ bytes: [UInt8]) throws -> JSON {
    try bytes.withUnsafeBufferPointer { buf in
      var p = Cursor(buf: buf, maxDepth: maxDepth, maxString: maxStringBytes)
      // A leading UTF-8 byte order mark is ignored (RFC 8259 §8.1 allows it; editors write one).
      if buf.count >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF { p.i = 3 }
      p.skipSpace()
      let v = try p.value(depth: 0)
      p.skipSpace()
      if p.i != buf.count { throw JSONError(offset: p.i, reason: "unexpected data after the value") }
      return v
    }
  }

  public func parse(_ text: String) throws -> JSON { try parse(Array(text.utf8)) }

  private struct Cursor {
    let buf: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    let maxString: Int
    var i = 0

    init(buf: UnsafeBufferPointer<UInt8>, maxDepth: Int, maxString: Int) {
      self.buf = buf
      self.maxDepth = maxDepth
      self.maxString = maxString
    }

    mutating func skipSpace() {
      while i < buf.count {
        let c = buf[i]
        if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
      }
    }

    func fail(_ reason: String) -> JSONError { JSONError(offset: i, reason: reason) }

    mutating func value(depth: Int) throws -> JSON {
      guard i < buf.count else { throw fail("unexpected end of input") }
      switch buf[i] {
      case UInt8(ascii: "{"): return try object(depth: depth + 1)
      case UInt8(ascii: "["): return try array(depth: depth + 1)
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"): try literal("true"); return .bool(true)
      case UInt8(ascii: "f"): try literal("false"); return .bool(false)
      case UInt8(ascii: "n"): try literal("null"); return .null
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
      default: throw fail("unexpected character")
      }
    }

    mutating func literal(_ word: StaticString) throws {
      let n = word.utf8CodeUnitCount
      guard buf.count - i >= n else { throw fail("unexpected end of input") }
      for k in 0..<n where buf[i + k] != word.utf8Start[k] { throw fail("invalid literal") }
      i += n
    }

    mutating func object(depth: Int) throws -> JSON {
      if depth > maxDepth { throw fail("nesting deeper than \(maxDepth)") }
      i += 1
      var members: [(String, JSON)] = []
      skipSpace()
      if i < buf.count && buf[i] == UInt8(ascii: "}") {
        i += 1
        return .object(members)
      }
      while true {
        skipSpace()
        guard i < buf.count, buf[i] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
        let key = try string()
        skipSpace()
        guard i < buf.count, buf[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        i += 1
        skipSpace()
        members.append((key, try value(depth: depth)))
        skipSpace()
        guard i < buf.count else { throw fail("unexpected end of input") }
        if buf[i] == UInt8(ascii: ",") { i += 1; continue }
        if buf[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        throw fail("expected ',' or '}'")
      }
    }

    mutating func array(depth: Int) throws -> JSON {
      if depth > maxDepth { throw fail("nesting deeper than \(maxDepth)") }
      i += 1
      var items: [JSON] = []
      skipSpace()
      if i < buf.count && buf[i] == UInt8(ascii: "]") {
        i += 1
        return .array(items)
      }
      while true {
        skipSpace()
        items.append(try value(depth: depth))
        skipSpace()
        guard i < buf.count else { throw fail("unexpected end of input") }
        if buf[i] == UInt8(ascii: ",") { i += 1; continue }
        if buf[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        throw fail("expected ',' or ']'")
      }
    }

    mutating func hex4() throws -> UInt32 {
      guard buf.count - i >= 4 else { throw fail("truncated \\u escape") }
      var v: UInt32 = 0
      for _ in 0..<4 {
        let c = buf[i]
        let d: UInt32
        switch c {
        case 0x30...0x39: d = UInt32(c - 0x30)
        case 0x41...0x46: d = UInt32(c - 0x41 + 10)
        case 0x61...0x66: d = UInt32(c - 0x61 + 10)
        default: throw fail("bad hex digit in \\u escape")
        }
        v = v << 4 | d
        i += 1
      }
      return v
    }

    mutating func string() throws -> String {
      i += 1
      var out: [UInt8] = []
      let start = i
      // Fast path: no escapes.
      while i < buf.count {
        let c = buf[i]
        if c == UInt8(ascii: "\"") {
          guard let s = validUTF8String(UnsafeBufferPointer(rebasing: buf[start..<i])) else {
            throw JSONError(offset: start, reason: "string is not valid UTF-8")
          }
          i += 1
          return s
        }
        if c == UInt8(ascii: "\\") || c < 0x20 { break }
        i += 1
      }
      out.append(contentsOf: buf[start..<i])
      while true {
        guard i < buf.count else { throw fail("unterminated string") }
        if out.count > maxString { throw fail("string longer than \(maxString) bytes") }
        let c = buf[i]
        if c == UInt8(ascii: "\"") {
          i += 1
          guard let s = validUTF8String(out) else {
            throw JSONError(offset: start, reason: "string is not valid UTF-8")
          }
          return s
        }
        if c < 0x20 { throw fail("control character in string") }
        if c != UInt8(ascii: "\\") {
          out.append(c)
          i += 1
          continue
        }
        i += 1
        guard i < buf.count else { throw fail("unterminated escape") }
        let e = buf[i]
        i += 1
        switch e {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if scalar >= 0xD800 && scalar < 0xDC00 {
            guard buf.count - i >= 6, buf[i] == UInt8(ascii: "\\"), buf[i + 1] == UInt8(ascii: "u") else {
              throw fail("unpaired surrogate")
            }
            i += 2
            let low = try hex4()
            guard low >= 0xDC00 && low < 0xE000 else { throw fail("unpaired surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          } else if scalar >= 0xDC00 && scalar < 0xE000 {
            throw fail("unpaired surrogate")
          }
          guard let u = Unicode.Scalar(scalar) else { throw fail("invalid code point") }
          out.append(contentsOf: Array(String(Character(u)).utf8))
        default: throw fail("invalid escape")
        }
      }
    }

    mutating func number() throws -> JSON {
      let start = i
      var isInteger = true
      if buf[i] == UInt8(ascii: "-") { i += 1 }
      guard i < buf.count else { throw fail("truncated number") }
      if buf[i] == UInt8(ascii: "0") {
        i += 1
      } else if buf[i] >= 0x31 && buf[i] <= 0x39 {
        while i < buf.count && buf[i] >= 0x30 && buf[i] <= 0x39 { i += 1 }
      } else {
        throw fail("invalid number")
      }
      if i < buf.count && buf[i] == UInt8(ascii: ".") {
        isInteger = false
        i += 1
        let d = i
        while i < buf.count && buf[i] >= 0x30 && buf[i] <= 0x39 { i += 1 }
        if i == d { throw fail("digits expected after '.'") }
      }
      if i < buf.count && (buf[i] == UInt8(ascii: "e") || buf[i] == UInt8(ascii: "E")) {
        isInteger = false
        i += 1
        if i < buf.count && (buf[i] == UInt8(ascii: "+") || buf[i] == UInt8(ascii: "-")) { i += 1 }
        let d = i
        while i < buf.count && buf[i] >= 0x30 && buf[i] <= 0x39 { i += 1 }
        if i == d { throw fail("digits expected in exponent") }
      }
      if i - start > 400 { throw JSONError(offset: start, reason: "number too long") }
      let text = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<i]), as: UTF8.self)
      if isInteger, let v = Int64(text) { return .integer(v) }
      guard let d = Double(text), d.isFinite else {
        throw JSONError(offset: start, reason: "number out of range")
      }
      return .number(d)
    }
  }
}

/// Returns the string if the bytes are valid UTF-8, else nil.
public func validUTF8String<C: Collection>(_ bytes: C) -> String? where C.Element == UInt8 {
  var it = bytes.makeIterator()
  var decoder = UTF8()
  loop: while true {
    switch decoder.decode(&it) {
    case .scalarValue: continue
    case .emptyInput: break loop
    case .error: return nil
    }
  }
  return String(decoding: bytes, as: UTF8.self)
}

// MARK: - Writing

extension JSON {
  /// Serialises deterministically. `indent` > 0 gives Python `json.dumps(indent=N)` layout
  /// (", " never appears; members on their own lines); 0 gives the compact form with no spaces.
  public func serialized(indent: Int = 0) -> String {
    var out = ""
    write(into: &out, indent: indent, level: 0)
    return out
  }

  func write(into out: inout String, indent: Int, level: Int) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .integer(let i): out += String(i)
    case .number(let d): out += JSON.formatNumber(d)
    case .string(let s): JSON.writeString(s, into: &out)
    case .array(let items):
      if items.isEmpty {
        out += "[]"
        return
      }
      out += "["
      for (k, item) in items.enumerated() {
        if k > 0 { out += "," }
        if indent > 0 { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
        item.write(into: &out, indent: indent, level: level + 1)
      }
      if indent > 0 { out += "\n" + String(repeating: " ", count: indent * level) }
      out += "]"
    case .object(let members):
      if members.isEmpty {
        out += "{}"
        return
      }
      out += "{"
      for (k, (key, value)) in members.enumerated() {
        if k > 0 { out += "," }
        if indent > 0 { out += "\n" + String(repeating: " ", count: indent * (level + 1)) }
        JSON.writeString(key, into: &out)
        out += indent > 0 ? ": " : ":"
        value.write(into: &out, indent: indent, level: level + 1)
      }
      if indent > 0 { out += "\n" + String(repeating: " ", count: indent * level) }
      out += "}"
    }
  }

  /// Shortest round-trip decimal form; non-finite values (not representable in JSON) become null.
  public static func formatNumber(_ d: Double) -> String {
    if !d.isFinite { return "null" }
    if d == d.rounded() && abs(d) < 1e15 {
      return String(Int64(d)) + ".0"
    }
    return "\(d)"
  }

  /// Writes a JSON string literal, escaping quotes, backslashes and control characters
  /// (non-ASCII is written as UTF-8, like Python's `ensure_ascii=False`).
  public static func writeString(_ s: String, into out: inout String) {
    var bytes: [UInt8] = []
    writeString(s, into: &bytes)
    out += String(decoding: bytes, as: UTF8.self)
  }

  /// The same, as UTF-8 bytes appended to `out` (zl-score's output lines).
  public static func writeString(_ s: String, into out: inout [UInt8]) {
    out.append(0x22)
    var text = s
    text.withUTF8 { u in
      // Most strings need no escape: copied whole.
      if !u.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
        out.append(contentsOf: u)
        return
      }
      let hex = Array("0123456789abcdef".utf8)
      for c in u {
        switch c {
        case 0x22: out.append(contentsOf: [0x5C, 0x22])
        case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
        case 0x0D: out.append(contentsOf: [0x5C, 0x72])
        case 0x09: out.append(contentsOf: [0x5C, 0x74])
        case 0x08: out.append(contentsOf: [0x5C, 0x62])
        case 0x0C: out.append(contentsOf: [0x5C, 0x66])
        case ..<0x20: out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 15)]])
        default: out.append(c)
        }
      }
    }
    out.append(0x22)
  }
}
