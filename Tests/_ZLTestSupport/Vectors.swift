// Vectors: the test-vector corpus of Formats/vectors/v1 as the tests see it.

import ZLBase
import ZLFormat

/// A vector file: its name (file name without .zlck), bytes, and for invalid ones the expected code.
public struct Vector: Sendable, CustomStringConvertible {
  public let name: String
  public let path: String
  public let bytes: [UInt8]
  /// The rule named by the file (the part before "--"); nil for valid vectors.
  public let expectedCode: String?
  /// Reader limits from NAME.limits.json, if present.
  public let limits: ReaderLimits
  public var description: String { name }
}

public enum Vectors {
  public static let directory = fixture("Formats/vectors/v1")

  public static func load(_ kind: String) throws -> [Vector] {
    let dir = directory + "/" + kind
    return try listDirectory(dir).filter { $0.hasSuffix(".zlck") }.map { file in
      let name = String(file.dropLast(5))
      var limits = ReaderLimits.standard
      let limitsPath = dir + "/" + name + ".limits.json"
      if fileExists(limitsPath) {
        let j = try JSONParser().parse(try readWholeFile(limitsPath))
        if let v = j["max_file_size"]?.integerValue { limits.maxFileSize = UInt64(v) }
        if let v = j["max_section_size"]?.integerValue { limits.maxSectionSize = UInt64(v) }
        if let v = j["max_total_raw_size"]?.integerValue { limits.maxTotalRawSize = UInt64(v) }
      }
      let code = kind == "invalid" ? ruleName(name) : nil
      return Vector(name: name, path: dir + "/" + file, bytes: try readWholeFile(dir + "/" + file), expectedCode: code, limits: limits)
    }
  }

  public static var valid: [Vector] { (try? load("valid")) ?? [] }
  public static var invalid: [Vector] { (try? load("invalid")) ?? [] }
}

/// The part of an invalid vector's name before the first "--" (the rule it breaks).
func ruleName(_ full: String) -> String {
  let u = Array(full.utf8)
  var k = 0
  while k + 1 < u.count {
    if u[k] == 0x2D && u[k + 1] == 0x2D { return String(decoding: u[0..<k], as: UTF8.self) }
    k += 1
  }
  return full
}
