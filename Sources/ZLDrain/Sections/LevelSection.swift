// LevelSection: the LEVL section (zlck-v1.md §8.10) — which field of the log format holds a line's
// level, and the table (`zl-levels/1`, Severity.swift) that puts level words on one ordered scale.
// Scoring reads the level of every line the same way training did.

import ZLFormat

public struct LevelSection: Equatable, Sendable {
  /// The log-format field holding the level; empty when the format has none (every line's
  /// severity is then unknown).
  public var field: String
  public var scale: String

  public init(field: String, scale: String = Severity.scaleName) {
    self.field = field
    self.scale = scale
  }

  /// Validates a decoded LEVL record (§8.10, keys in the listed order).
  public init(record: Record) throws {
    let f = RecordFields(record: record, section: "section LEVL")
    field = try f.string("field")
    if !field.isEmpty && !field.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0)) }) {
      throw f.bad("field", "'\(field)' is not a log-format field name")
    }
    scale = try f.string("scale")
    if scale != Severity.scaleName { throw f.bad("scale", "is '\(scale)', expected \(Severity.scaleName)") }
  }

  public var record: Record { Record([("field", .string(field)), ("scale", .string(scale))]) }

  /// The index of the level field in `format` (nil when there is none).
  /// - Throws: `DrainError.badLogFormat` when the field is named but not in the format.
  public func fieldIndex(in format: LogFormat) throws -> Int? {
    if field.isEmpty { return nil }
    guard let k = format.fields.firstIndex(of: field) else {
      throw DrainError(.badLogFormat, "the level field '\(field)' is not in the log format '\(format.text)'")
    }
    return k
  }
}
