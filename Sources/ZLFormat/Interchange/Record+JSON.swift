// Record+JSON: a typed JSON form of records ({"key": {"type": "u64", "value": 5}}) that keeps
// every type, so `zl-pack extract` then `build` gives back the same record; and the plain form
// used for display.

import ZLBase

extension Record {
  /// `{"key": {"type": T, "value": V}, ...}` in key order. Non-finite floats are "nan", "inf",
  /// "-inf"; bytes are hex.
  public var typedJSON: JSON {
    .object(keys.map { k in (k, .object([("type", .string(values[k]!.typeName)), ("value", values[k]!.json)])) })
  }

  /// `{"key": value}` for people (types are not kept).
  public var plainJSON: JSON { .object(keys.map { ($0, values[$0]!.json) }) }

  /// Parses the typed form.
  /// - Throws: `InterchangeError` naming the key.
  public init(typedJSON doc: JSON, context: String) throws {
    self.init()
    guard case .object(let members) = doc else { throw InterchangeError(.notAnObject, "\(context): expected an object of typed values") }
    for (key, entry) in members {
      guard Record.isValidKey(Array(key.utf8)) else { throw InterchangeError(.badKey, "\(context): '\(key)' is not a valid key") }
      guard let type = entry["type"]?.stringValue, let v = entry["value"] else {
        throw InterchangeError(.missingTypeOrValue, "\(context): key '\(key)' needs \"type\" and \"value\"")
      }
      do { self[key] = try Value.parse(type: type, json: v) } catch let e as InterchangeError {
        throw InterchangeError(e.code, "\(context): key '\(key)': \(e.detail)")
      }
    }
  }
}

extension Value {
  /// A value of the named type from JSON (the typed form's "value").
  /// - Throws: `InterchangeError` (badTypedValue, unknownType).
  public static func parse(type: String, json v: JSON) throws -> Value {
    func dbl(_ j: JSON) throws -> Double {
      if let s = j.stringValue {
        switch s {
        case "nan": return .nan
        case "inf": return .infinity
        case "-inf": return -.infinity
        default: throw InterchangeError(.badTypedValue, "'\(s)' is not a number")
        }
      }
      guard let d = j.doubleValue else { throw InterchangeError(.badTypedValue, "expected a number") }
      return d
    }
    func i64(_ j: JSON) throws -> Int64 {
      guard let i = j.integerValue else { throw InterchangeError(.badTypedValue, "expected an integer") }
      return i
    }
    func u64(_ j: JSON) throws -> UInt64 {
      if case .number(let d) = j, d >= 0, d < 1.8446744073709552e19, d == d.rounded() { return UInt64(d) }
      guard let i = j.integerValue, i >= 0 else { throw InterchangeError(.badTypedValue, "expected a non-negative integer") }
      return UInt64(i)
    }
    func u32(_ j: JSON) throws -> UInt32 {
      let x = try u64(j)
      guard x <= UInt64(UInt32.max) else { throw InterchangeError(.badTypedValue, "\(x) does not fit in u32") }
      return UInt32(x)
    }
    func str(_ j: JSON) throws -> String {
      guard let s = j.stringValue else { throw InterchangeError(.badTypedValue, "expected a string") }
      return s
    }
    func boolean(_ j: JSON) throws -> Bool {
      guard let b = j.boolValue else { throw InterchangeError(.badTypedValue, "expected true or false") }
      return b
    }
    func arr(_ j: JSON) throws -> [JSON] {
      guard let a = j.arrayValue else { throw InterchangeError(.badTypedValue, "expected an array") }
      return a
    }
    switch type {
    case "bool": return .bool(try boolean(v))
    case "i64": return .int(try i64(v))
    case "u64": return .uint(try u64(v))
    case "f64": return .double(try dbl(v))
    case "f32": return .float(Float(try dbl(v)))
    case "u32": return .uint32(try u32(v))
    case "string": return .string(try str(v))
    case "bytes":
      guard let b = bytesFromHex(try str(v)) else { throw InterchangeError(.badTypedValue, "expected hex bytes") }
      return .bytes(b)
    case "bool[]": return .bools(try arr(v).map(boolean))
    case "i64[]": return .ints(try arr(v).map(i64))
    case "u64[]": return .uints(try arr(v).map(u64))
    case "f64[]": return .doubles(try arr(v).map(dbl))
    case "string[]": return .strings(try arr(v).map(str))
    case "f32[]": return .floats(try arr(v).map { Float(try dbl($0)) })
    case "u32[]": return .uint32s(try arr(v).map(u32))
    default: throw InterchangeError(.unknownType, "unknown type '\(type)'")
    }
  }
}
