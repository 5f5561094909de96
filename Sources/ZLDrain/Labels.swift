// Labels: session labels from a LogHub `BlockId,Label` CSV (HDFS block ids, OpenStack
// `instance: <uuid>` keys), and inline alert labels (BGL, Thunderbird: the first field is `-` for a
// normal line). Label-file keys that match no session are counted and reported, never dropped.

import ZLBase
import ZLFormat

public struct LabelFile: Sendable {
  /// Normalized key → anomalous.
  public let labels: [String: Bool]
  public let path: String

  /// The key as sessions name it: `instance: ` dropped, a uuid lower-cased.
  public static func normalize(_ key: String) -> String {
    var k = key.trimmingASCIISpace()
    if k.hasPrefix("instance: ") { k = String(k.dropFirst(10)) }
    if k.utf8.count == 36 && k.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) || ($0 >= 0x61 && $0 <= 0x66) || $0 == 0x2D }) {
      k = k.lowercased()
    }
    return k
  }

  /// Reads `KEY,LABEL` rows (a header row naming the columns is skipped; quotes allowed). Labels:
  /// Normal/0/normal/false → normal; Anomaly/Anomalous/Abnormal/1/true → anomalous (any case).
  /// - Throws: `DrainError.badLabelFile` naming the file and the line of a malformed row, `IOFailure`.
  public static func read(path: String) throws -> LabelFile {
    try naming(path) { try readRows(path: path) }
  }

  private static func readRows(path: String) throws -> LabelFile {
    let reader = try LineReader(path: path, maxLineLength: 1 << 16)
    var labels: [String: Bool] = [:]
    while let line = try reader.nextString() {
      let n = reader.lineNumber
      let trimmed = line.trimmingASCIISpace()
      if trimmed.isEmpty { continue }
      let cols = splitCSV(trimmed)
      guard cols.count >= 2 else {
        throw DrainError(.badLabelFile, "line \(n): expected KEY,LABEL, found '\(trimmed.prefix(60))'")
      }
      let key = normalize(cols[0]), value = cols[1].trimmingASCIISpace().lowercased()
      let anomalous: Bool
      switch value {
      case "normal", "0", "false": anomalous = false
      case "anomaly", "anomalous", "abnormal", "1", "true": anomalous = true
      default:
        if n == 1 { continue }  // header row
        throw DrainError(.badLabelFile, "line \(n): label '\(cols[1].prefix(40))' is not Normal or Anomaly")
      }
      if key.isEmpty { throw DrainError(.badLabelFile, "line \(n): empty key") }
      if let old = labels[key], old != anomalous {
        throw DrainError(.badLabelFile, "line \(n): key '\(key)' is labelled both normal and anomalous")
      }
      labels[key] = anomalous
    }
    if reader.truncatedLines > 0 { throw DrainError(.badLabelFile, "a line is longer than 64 KiB") }
    if labels.isEmpty { throw DrainError(.badLabelFile, "no labels") }
    return LabelFile(labels: labels, path: path)
  }

  public init(labels: [String: Bool], path: String) {
    self.labels = labels
    self.path = path
  }

  public subscript(key: String) -> Bool? { labels[LabelFile.normalize(key)] }

  /// How many of the file's keys are not among `seen` (session keys).
  public func unmatchedKeys(seen: Set<String>) -> Int {
    labels.keys.reduce(0) { $0 + (seen.contains($1) ? 0 : 1) }
  }

  /// Splits a CSV row (quoted fields with doubled quotes).
  static func splitCSV(_ s: String) -> [String] {
    var out: [String] = []
    var cur = ""
    var quoted = false
    var it = s.makeIterator()
    var pendingQuote = false
    while let c = it.next() {
      if quoted {
        if c == "\"" {
          if pendingQuote {
            cur.append("\"")
            pendingQuote = false
          } else {
            pendingQuote = true
          }
          continue
        }
        if pendingQuote {
          quoted = false
          pendingQuote = false
        } else {
          cur.append(c)
          continue
        }
      }
      if c == "\"" && cur.isEmpty {
        quoted = true
      } else if c == "," {
        out.append(cur)
        cur = ""
      } else {
        cur.append(c)
      }
    }
    out.append(cur)
    return out
  }
}

extension String {
  /// Without leading and trailing ASCII spaces, tabs, CR and LF.
  func trimmingASCIISpace() -> String {
    let u = Array(utf8)
    var a = 0, b = u.count
    while a < b && (u[a] == 0x20 || u[a] == 0x09 || u[a] == 0x0D || u[a] == 0x0A) { a += 1 }
    while b > a && (u[b - 1] == 0x20 || u[b - 1] == 0x09 || u[b - 1] == 0x0D || u[b - 1] == 0x0A) { b -= 1 }
    return String(decoding: u[a..<b], as: UTF8.self)
  }
}
