// Record: the typed key-value encoding of zlck-v1.md §7.1 (metadata, vocabulary, Drain state,
// session rule, threshold, reproducibility). Keys sorted bytewise, flat arrays only, every count
// checked against the bytes left before anything is allocated.

import ZLBase

/// A typed value of a record.
public enum Value: Sendable, CustomStringConvertible {
  case bool(Bool)
  case int(Int64)
  case uint(UInt64)
  case double(Double)
  case float(Float)
  case uint32(UInt32)
  case string(String)
  case bytes([UInt8])
  case bools([Bool])
  case ints([Int64])
  case uints([UInt64])
  case doubles([Double])
  case strings([String])
  case floats([Float])
  case uint32s([UInt32])

  /// The type tag of §7.1.
  public var tag: UInt8 {
    switch self {
    case .bool: return 0x01
    case .int: return 0x02
    case .uint: return 0x03
    case .double: return 0x04
    case .string: return 0x05
    case .bytes: return 0x06
    case .float: return 0x07
    case .uint32: return 0x08
    case .bools: return 0x81
    case .ints: return 0x82
    case .uints: return 0x83
    case .doubles: return 0x84
    case .strings: return 0x85
    case .floats: return 0x87
    case .uint32s: return 0x88
    }
  }

  /// The spec's name of a type tag (for messages and JSON).
  public static func typeName(tag: UInt8) -> String {
    switch tag {
    case 0x01: return "bool"
    case 0x02: return "i64"
    case 0x03: return "u64"
    case 0x04: return "f64"
    case 0x05: return "string"
    case 0x06: return "bytes"
    case 0x07: return "f32"
    case 0x08: return "u32"
    case 0x81: return "bool[]"
    case 0x82: return "i64[]"
    case 0x83: return "u64[]"
    case 0x84: return "f64[]"
    case 0x85: return "string[]"
    case 0x87: return "f32[]"
    case 0x88: return "u32[]"
    default: return "tag 0x\(String(tag, radix: 16))"
    }
  }

  public var typeName: String { Value.typeName(tag: tag) }

  public var description: String {
    switch self {
    case .bool(let v): return String(v)
    case .int(let v): return String(v)
    case .uint(let v): return String(v)
    case .double(let v): return "\(v)"
    case .float(let v): return "\(v)"
    case .uint32(let v): return String(v)
    case .string(let v): return v
    case .bytes(let v): return "0x" + hexString(v)
    case .bools(let v): return "[\(v.count) bools]"
    case .ints(let v): return "[\(v.count) i64]"
    case .uints(let v): return "[\(v.count) u64]"
    case .doubles(let v): return "[\(v.count) f64]"
    case .strings(let v): return "[\(v.count) strings]"
    case .floats(let v): return "[\(v.count) f32]"
    case .uint32s(let v): return "[\(v.count) u32]"
    }
  }

  /// Appends the value's encoding (without the tag).
  func encode(into w: inout ByteWriter) {
    switch self {
    case .bool(let v): w.u8(v ? 1 : 0)
    case .int(let v): w.i64(v)
    case .uint(let v): w.u64(v)
    case .double(let v): w.f64(v)
    case .float(let v): w.f32(v)
    case .uint32(let v): w.u32(v)
    case .string(let v): w.string32(v)
    case .bytes(let v):
      w.u32(UInt32(v.count))
      w.raw(v)
    case .bools(let v):
      w.u32(UInt32(v.count))
      for x in v { w.u8(x ? 1 : 0) }
    case .ints(let v):
      w.u32(UInt32(v.count))
      for x in v { w.i64(x) }
    case .uints(let v):
      w.u32(UInt32(v.count))
      for x in v { w.u64(x) }
    case .doubles(let v):
      w.u32(UInt32(v.count))
      for x in v { w.f64(x) }
    case .strings(let v):
      w.u32(UInt32(v.count))
      for x in v { w.string32(x) }
    case .floats(let v):
      w.u32(UInt32(v.count))
      for x in v { w.f32(x) }
    case .uint32s(let v):
      w.u32(UInt32(v.count))
      for x in v { w.u32(x) }
    }
  }

  /// The value as JSON (floats that are not finite become the strings "nan", "inf", "-inf";
  /// bytes become a hex string).
  public var json: JSON {
    func f(_ d: Double) -> JSON { d.isNaN ? .string("nan") : d.isInfinite ? .string(d > 0 ? "inf" : "-inf") : .number(d) }
    switch self {
    case .bool(let v): return .bool(v)
    case .int(let v): return .integer(v)
    case .uint(let v): return v <= UInt64(Int64.max) ? .integer(Int64(v)) : .number(Double(v))
    case .double(let v): return f(v)
    case .float(let v): return f(Double(v))
    case .uint32(let v): return .integer(Int64(v))
    case .string(let v): return .string(v)
    case .bytes(let v): return .string(hexString(v))
    case .bools(let v): return .array(v.map { .bool($0) })
    case .ints(let v): return .array(v.map { .integer($0) })
    case .uints(let v): return .array(v.map { $0 <= UInt64(Int64.max) ? .integer(Int64($0)) : .number(Double($0)) })
    case .doubles(let v): return .array(v.map { f($0) })
    case .strings(let v): return .array(v.map { .string($0) })
    case .floats(let v): return .array(v.map { f(Double($0)) })
    case .uint32s(let v): return .array(v.map { .integer(Int64($0)) })
    }
  }
}

extension Value: Equatable {
  /// Equality of encodings: floats compare by bit pattern, so NaN equals the same NaN.
  public static func == (a: Value, b: Value) -> Bool {
    var wa = ByteWriter(), wb = ByteWriter()
    wa.u8(a.tag)
    a.encode(into: &wa)
    wb.u8(b.tag)
    b.encode(into: &wb)
    return wa.bytes == wb.bytes
  }
}

/// A record: typed values under dotted lower-case keys, encoded in bytewise key order.
public struct Record: Equatable, Sendable {
  public private(set) var values: [String: Value] = [:]

  public init() {}

  public init(_ pairs: [(String, Value)]) {
    for (k, v) in pairs { values[k] = v }
  }

  public subscript(key: String) -> Value? {
    get { values[key] }
    set { values[key] = newValue }
  }

  /// Keys in bytewise order (the encoded order).
  public var keys: [String] { values.keys.sorted { bytewiseLess($0.utf8, $1.utf8) } }

  public var isEmpty: Bool { values.isEmpty }

  /// True when `key` follows the key syntax `[a-z][a-z0-9_]*(\.[a-z0-9_]+)*`, 1–255 bytes.
  public static func isValidKey<C: Collection>(_ key: C) -> Bool where C.Element == UInt8 {
    guard key.count >= 1 && key.count <= 255 else { return false }
    var previousDot = true
    var first = true
    for c in key {
      let lower = c >= 0x61 && c <= 0x7A
      let digitOrUnderscore = (c >= 0x30 && c <= 0x39) || c == 0x5F
      if c == 0x2E {
        if previousDot { return false }
        previousDot = true
        continue
      }
      if first && !lower { return false }
      if !lower && !digitOrUnderscore { return false }
      previousDot = false
      first = false
    }
    return !previousDot
  }

  /// The record's bytes (§7.1).
  public func encoded() -> [UInt8] {
    var w = ByteWriter()
    let sorted = keys
    w.u32(UInt32(sorted.count))
    for k in sorted {
      let v = values[k]!
      let kb = Array(k.utf8)
      w.u8(UInt8(kb.count))
      w.raw(kb)
      w.u8(v.tag)
      v.encode(into: &w)
    }
    return w.bytes
  }

  /// Longest string accepted (§7.1).
  public static let maxStringLength = 16 << 20

  /// Decodes and validates a record body (§7.1, phase 5 of §9).
  /// - Parameter section: names the section in error messages.
  /// - Throws: `CheckpointError`.
  public static func decode(_ raw: [UInt8], section: String) throws -> Record {
    try raw.withUnsafeBytes { buf in
      var r = ByteReader(buf) { at in CheckpointError(.truncatedRecord, "\(section): record field at byte \(at) runs past the end (\(buf.count) bytes)") }
      let count = try r.u32()
      if UInt64(count) * 3 > UInt64(r.remaining) {
        throw CheckpointError(.countExceedsData, "\(section): \(count) entries cannot fit in the \(r.remaining) bytes left")
      }
      var record = Record()
      var previous: UnsafeRawBufferPointer? = nil
      for _ in 0..<count {
        let keyLength = Int(try r.u8())
        let keyBytes = try r.bytes(keyLength)
        guard isValidKey(keyBytes) else {
          let shown = String(decoding: keyBytes.prefix(64), as: UTF8.self)
          throw CheckpointError(.badKey, "\(section): key '\(shown)' (\(keyLength) bytes) is empty, too long or not of the form [a-z][a-z0-9_]*(.[a-z0-9_]+)*")
        }
        let key = String(decoding: keyBytes, as: UTF8.self)
        if let p = previous {
          if p.elementsEqual(keyBytes) { throw CheckpointError(.duplicateKey, "\(section): key '\(key)' appears twice") }
          if !bytewiseLess(p, keyBytes) {
            throw CheckpointError(.keysOutOfOrder, "\(section): key '\(key)' sorts before the previous key '\(String(decoding: p, as: UTF8.self))'")
          }
        }
        previous = keyBytes
        let tag = try r.u8()
        record.values[key] = try decodeValue(tag: tag, reader: &r, key: key, section: section)
      }
      if r.remaining != 0 {
        throw CheckpointError(.trailingRecordBytes, "\(section): \(r.remaining) bytes follow the last record entry")
      }
      return record
    }
  }

  static func decodeValue(tag: UInt8, reader r: inout ByteReader, key: String, section: String) throws -> Value {
    let at = "\(section): key '\(key)'"
    func boolByte() throws -> Bool {
      let b = try r.u8()
      if b > 1 { throw CheckpointError(.badBool, "\(at): bool byte is \(b), expected 0 or 1") }
      return b == 1
    }
    func string() throws -> String {
      let n = Int(try r.u32())
      if n > r.remaining { throw CheckpointError(.countExceedsData, "\(at): string of \(n) bytes but only \(r.remaining) left") }
      if n > maxStringLength { throw CheckpointError(.stringTooLong, "\(at): string of \(n) bytes exceeds \(maxStringLength)") }
      let b = try r.bytes(n)
      guard let s = String(validating: b, as: UTF8.self) else {
        throw CheckpointError(.invalidUTF8, "\(at): string is not valid UTF-8")
      }
      return s
    }
    func arrayCount(_ elementSize: Int) throws -> Int {
      let n = Int(try r.u32())
      if n * elementSize > r.remaining {
        throw CheckpointError(.countExceedsData, "\(at): \(n) elements of \(elementSize) bytes cannot fit in the \(r.remaining) bytes left")
      }
      return n
    }
    func bulk<T: FixedWidthInteger>(_ n: Int, _: T.Type) throws -> [T] {
      let b = try r.bytes(n * MemoryLayout<T>.size)
      return [T](unsafeUninitializedCapacity: n) { out, done in
        for k in 0..<n { out[k] = T(littleEndian: b.loadUnaligned(fromByteOffset: k * MemoryLayout<T>.size, as: T.self)) }
        done = n
      }
    }
    switch tag {
    case 0x01: return .bool(try boolByte())
    case 0x02: return .int(try r.i64())
    case 0x03: return .uint(try r.u64())
    case 0x04: return .double(try r.f64())
    case 0x05: return .string(try string())
    case 0x06:
      let n = Int(try r.u32())
      if n > r.remaining { throw CheckpointError(.countExceedsData, "\(at): \(n) bytes but only \(r.remaining) left") }
      return .bytes(Array(try r.bytes(n)))
    case 0x07: return .float(try r.f32())
    case 0x08: return .uint32(try r.u32())
    case 0x81:
      let n = try arrayCount(1)
      var v = [Bool]()
      v.reserveCapacity(n)
      for _ in 0..<n { v.append(try boolByte()) }
      return .bools(v)
    case 0x82: return .ints(try bulk(try arrayCount(8), Int64.self))
    case 0x83: return .uints(try bulk(try arrayCount(8), UInt64.self))
    case 0x84: return .doubles(try bulk(try arrayCount(8), UInt64.self).map { Double(bitPattern: $0) })
    case 0x85:
      let n = try arrayCount(4)
      var v = [String]()
      v.reserveCapacity(n)
      for _ in 0..<n { v.append(try string()) }
      return .strings(v)
    case 0x87: return .floats(try bulk(try arrayCount(4), UInt32.self).map { Float(bitPattern: $0) })
    case 0x88: return .uint32s(try bulk(try arrayCount(4), UInt32.self))
    default:
      throw CheckpointError(.unknownValueType, "\(at): type tag 0x\(String(tag, radix: 16)) is not defined")
    }
  }
}
