// Fields: typed access to a record's keys for the section schemas of zlck-v1.md §8, raising
// missingKey / wrongValueType with the section and key named. Shared by every record section.

/// Reads required keys of one record section with the spec's errors.
struct Fields {
  let record: Record
  let section: String

  func value(_ key: String) throws -> Value {
    guard let v = record[key] else { throw CheckpointError(.missingKey, "\(section): required key '\(key)' is missing") }
    return v
  }

  func wrongType(_ key: String, _ v: Value, _ expected: String) -> CheckpointError {
    CheckpointError(.wrongValueType, "\(section): key '\(key)' is \(v.typeName), expected \(expected)")
  }

  func bad(_ key: String, _ why: String) -> CheckpointError {
    CheckpointError(.badValue, "\(section): key '\(key)' \(why)")
  }

  func string(_ key: String) throws -> String {
    let v = try value(key)
    guard case .string(let s) = v else { throw wrongType(key, v, "string") }
    return s
  }
  func bool(_ key: String) throws -> Bool {
    let v = try value(key)
    guard case .bool(let b) = v else { throw wrongType(key, v, "bool") }
    return b
  }
  func uint(_ key: String) throws -> UInt64 {
    let v = try value(key)
    guard case .uint(let x) = v else { throw wrongType(key, v, "u64") }
    return x
  }
  func double(_ key: String) throws -> Double {
    let v = try value(key)
    guard case .double(let x) = v else { throw wrongType(key, v, "f64") }
    return x
  }
  func float(_ key: String) throws -> Float {
    let v = try value(key)
    guard case .float(let x) = v else { throw wrongType(key, v, "f32") }
    return x
  }
  func strings(_ key: String) throws -> [String] {
    let v = try value(key)
    guard case .strings(let x) = v else { throw wrongType(key, v, "string[]") }
    return x
  }
  func uint32s(_ key: String) throws -> [UInt32] {
    let v = try value(key)
    guard case .uint32s(let x) = v else { throw wrongType(key, v, "u32[]") }
    return x
  }
  func uints(_ key: String) throws -> [UInt64] {
    let v = try value(key)
    guard case .uints(let x) = v else { throw wrongType(key, v, "u64[]") }
    return x
  }
  func floats(_ key: String) throws -> [Float] {
    let v = try value(key)
    guard case .floats(let x) = v else { throw wrongType(key, v, "f32[]") }
    return x
  }

  func sameLength(_ key: String, _ count: Int, as other: String, _ otherCount: Int) throws {
    if count != otherCount {
      throw CheckpointError(.lengthMismatch, "\(section): key '\(key)' has \(count) elements but '\(other)' has \(otherCount)")
    }
  }
}

/// True when the bytes are a decimal integer without leading zeros ("0" allowed).
func isCanonicalDecimal(_ s: String) -> Bool {
  let u = Array(s.utf8)
  guard !u.isEmpty, u.count <= 10, u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
  return u.count == 1 || u[0] != 0x30
}
