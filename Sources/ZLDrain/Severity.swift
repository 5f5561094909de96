// Severity: a log line's level word (its format's level field) on one ordered, system-agnostic scale
// (table `zl-levels/1`, Formats/zlck-v1.md §8.10), so that "how bad a line says it is" transfers
// between systems as an order, not as words one system never uses:
//   0 trace: trace, debug, verbose, finest, finer, fine, dbg, and Android's V, D
//   1 info: info, information, informational, notice, config, and I, N
//   2 warn: warn, warning, and W
//   3 error: error, err, severe, failure, fail, failed, and E
//   4 fatal: fatal, critical, crit, alert, emerg, emergency, panic, and F, A
// Words match without case and without surrounding punctuation ("[ERROR]", "<warn>"); syslog's
// numeric severities map likewise (0–2 fatal, 3 error, 4 warn, 5–6 info, 7 trace). Any other word is
// unknown: counted, and given no severity (the same features as a line without a level).

/// A level on the scale, or `unknown`.
public struct Severity: Equatable, Hashable, Comparable, Sendable, CustomStringConvertible {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  public static let trace = Severity(rawValue: 0)
  public static let info = Severity(rawValue: 1)
  public static let warn = Severity(rawValue: 2)
  public static let error = Severity(rawValue: 3)
  public static let fatal = Severity(rawValue: 4)
  /// A level word outside the table, or no level field.
  public static let unknown = Severity(rawValue: 255)

  public static let scaleName = "zl-levels/1"
  public static let names = ["trace", "info", "warn", "error", "fatal"]

  public var isKnown: Bool { rawValue <= 4 }
  public var description: String { isKnown ? Severity.names[Int(rawValue)] : "unknown" }
  public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }

  /// Features a network reads per event: the thermometer code [≥ warn, ≥ error, ≥ fatal] (all 0 for
  /// trace, info and unknown), so an order learned on one system's levels holds on another's.
  public static let featureCount = 3
  @inline(__always)
  public func features(into out: inout [Float]) {
    let r = isKnown ? rawValue : 1
    out.append(r >= 2 ? 1 : 0)
    out.append(r >= 3 ? 1 : 0)
    out.append(r >= 4 ? 1 : 0)
  }

  /// The level a word names (`unknown` when the table has none).
  public static func of(_ word: UnsafeBufferPointer<UInt8>) -> Severity {
    // Trim punctuation around the word; the longest level word is 13 bytes ("informational").
    var lo = 0, hi = word.count
    while lo < hi && !isAlnum(word[lo]) { lo += 1 }
    while hi > lo && !isAlnum(word[hi - 1]) { hi -= 1 }
    let n = hi - lo
    if n == 0 || n > 16 { return .unknown }
    // The word lower-cased and packed into two words, compared with the table's (no allocation).
    var k0: UInt64 = 0, k1: UInt64 = 0
    for k in 0..<n {
      var c = word[lo + k]
      if c >= 0x41 && c <= 0x5A { c |= 0x20 }
      if k < 8 { k0 |= UInt64(c) << (8 * UInt64(k)) } else { k1 |= UInt64(c) << (8 * UInt64(k - 8)) }
    }
    for e in packed where e.k0 == k0 && e.k1 == k1 { return e.level }
    return .unknown
  }

  public static func of(_ word: String) -> Severity {
    var w = word
    return w.withUTF8 { of($0) }
  }

  /// The table's words by level.
  public static let words: [(Severity, [String])] = [
    (.trace, ["trace", "debug", "verbose", "finest", "finer", "fine", "dbg", "v", "d", "7"]),
    (.info, ["info", "information", "informational", "notice", "config", "i", "n", "5", "6"]),
    (.warn, ["warn", "warning", "w", "4"]),
    (.error, ["error", "err", "severe", "failure", "fail", "failed", "e", "3"]),
    (.fatal, ["fatal", "critical", "crit", "alert", "emerg", "emergency", "panic", "f", "a", "0", "1", "2"]),
  ]

  static let packed: [(k0: UInt64, k1: UInt64, level: Severity)] = words.flatMap { (level, ws) in
    ws.map { w -> (UInt64, UInt64, Severity) in
      var k0: UInt64 = 0, k1: UInt64 = 0
      for (k, c) in w.utf8.enumerated() {
        if k < 8 { k0 |= UInt64(c) << (8 * UInt64(k)) } else { k1 |= UInt64(c) << (8 * UInt64(k - 8)) }
      }
      return (k0, k1, level)
    }
  }

  @inline(__always) static func isAlnum(_ c: UInt8) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
  }
}

/// How the levels of one log's lines were read: per level, and the unknown words seen (the first
/// few, for a warning naming them).
public struct SeverityCounts: Sendable, Equatable {
  /// Lines per level 0–4, then those whose level word is outside the table.
  public var lines = [Int](repeating: 0, count: 6)
  /// Lines that did not match the log format (no level field to read; their severity is unknown).
  public var unmatchedLines = 0
  public var unknownWords: [String] = []
  public init() {}

  public var total: Int { lines.reduce(0, +) }
  public var unknown: Int { lines[5] }

  public mutating func count(_ s: Severity, word: UnsafeBufferPointer<UInt8>) {
    if s.isKnown {
      lines[Int(s.rawValue)] += 1
    } else {
      lines[5] += 1
      if unknownWords.count < 5 {
        let w = String(decoding: word.prefix(40), as: UTF8.self)
        if !unknownWords.contains(w) { unknownWords.append(w) }
      }
    }
  }

  /// A one-line account for a warning when any level word was not understood; nil when fine.
  public func warning(field: String) -> String? {
    guard unknown > 0 else { return nil }
    let examples = unknownWords.map { "'\($0)'" }.joined(separator: ", ")
    return "\(unknown) of \(total + unmatchedLines) lines have a level word outside the zl-levels/1 table in field '\(field)' (e.g. \(examples)); their severity is unknown"
  }
}
