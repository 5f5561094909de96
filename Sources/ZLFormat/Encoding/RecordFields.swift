// RecordFields: typed access to a record's keys for the section schemas of zlck-v1.md §8, raising
// missingKey / wrongValueType / badValue / lengthMismatch with the section and key named. The
// container knows no schema; each domain module validates its own sections through this.

/// Reads required keys of one record section with the spec's errors.
public struct RecordFields {
  public let record: Record
  /// How errors name the section, e.g. "section DRAN".
  public let section: String

  public init(record: Record, section: String) {
    self.record = record
    self.section = section
  }

  public func value(_ key: String) throws -> Value {
    guard let v = record[key] else { throw CheckpointError(.missingKey, "\(section): required key '\(key)' is missing") }
    return v
  }

  public func wrongType(_ key: String, _ v: Value, _ expected: String) -> CheckpointError {
    CheckpointError(.wrongValueType, "\(section): key '\(key)' is \(v.typeName), expected \(expected)")
  }

  public func bad(_ key: String, _ why: String) -> CheckpointError {
    CheckpointError(.badValue, "\(section): key '\(key)' \(why)")
  }

  public func string(_ key: String) throws -> String {
    let v = try value(key)
    guard case .string(let s) = v else { throw wrongType(key, v, "string") }
    return s
  }
  public func bool(_ key: String) throws -> Bool {
    let v = try value(key)
    guard case .bool(let b) = v else { throw wrongType(key, v, "bool") }
    return b
  }
  public func uint(_ key: String) throws -> UInt64 {
    let v = try value(key)
    guard case .uint(let x) = v else { throw wrongType(key, v, "u64") }
    return x
  }
  public func double(_ key: String) throws -> Double {
    let v = try value(key)
    guard case .double(let x) = v else { throw wrongType(key, v, "f64") }
    return x
  }
  public func float(_ key: String) throws -> Float {
    let v = try value(key)
    guard case .float(let x) = v else { throw wrongType(key, v, "f32") }
    return x
  }
  public func strings(_ key: String) throws -> [String] {
    let v = try value(key)
    guard case .strings(let x) = v else { throw wrongType(key, v, "string[]") }
    return x
  }
  public func uint32s(_ key: String) throws -> [UInt32] {
    let v = try value(key)
    guard case .uint32s(let x) = v else { throw wrongType(key, v, "u32[]") }
    return x
  }
  public func uints(_ key: String) throws -> [UInt64] {
    let v = try value(key)
    guard case .uints(let x) = v else { throw wrongType(key, v, "u64[]") }
    return x
  }
  public func doubles(_ key: String) throws -> [Double] {
    let v = try value(key)
    guard case .doubles(let x) = v else { throw wrongType(key, v, "f64[]") }
    return x
  }
  public func floats(_ key: String) throws -> [Float] {
    let v = try value(key)
    guard case .floats(let x) = v else { throw wrongType(key, v, "f32[]") }
    return x
  }

  public func sameLength(_ key: String, _ count: Int, as other: String, _ otherCount: Int) throws {
    if count != otherCount {
      throw CheckpointError(.lengthMismatch, "\(section): key '\(key)' has \(count) elements but '\(other)' has \(otherCount)")
    }
  }
}
