// LogFormat: a header format in the logparser convention (`<Date> <Time> <Level> <Component>:
// <Content>`) turned into a field splitter. It means exactly what logparser's
// generate_logformat_regex builds — `^(?P<Date>.*?)\s+(?P<Time>.*?)...$` on the stripped line —
// matched with zl-re/1; formats whose separators are plain text and spaces take a fast path that
// scans for separators directly and gives the same split.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import ZLRegex

public struct LogFormat: Sendable, CustomStringConvertible {
  /// The format as given.
  public let text: String
  /// Field names in order.
  public let fields: [String]
  /// Index of `Content` in `fields`.
  public let contentIndex: Int
  /// The equivalent zl-re/1 pattern (logparser's construction).
  public let pattern: String
  let regex: Regex
  /// Separator after each field (the last is empty) when every separator is plain text and spaces.
  let fastSeparators: [[SeparatorItem]]?

  enum SeparatorItem: Sendable, Equatable {
    case literal(UInt8)
    case whitespace  // \s+ (a run of spaces in the format)
  }

  public var description: String { text }

  /// - Throws: `DrainError.badLogFormat` when there is no `<Content>` field, a field repeats, or the
  ///   separators are not a valid zl-re/1 pattern.
  public init(_ format: String) throws {
    text = format
    var names: [String] = []
    var parts: [String] = []  // separators around the fields: parts[0] <f0> parts[1] <f1> ... parts[n]
    var current = ""
    var chars = Array(format.unicodeScalars)
    var k = 0
    while k < chars.count {
      if chars[k] == "<", let close = chars[(k + 1)...].firstIndex(where: { $0 == ">" || $0 == "<" }), chars[close] == ">", close > k + 1 {
        var name = String.UnicodeScalarView()
        name.append(contentsOf: chars[(k + 1)..<close])
        parts.append(current)
        current = ""
        names.append(String(name))
        k = close + 1
      } else {
        current.unicodeScalars.append(chars[k])
        k += 1
      }
    }
    parts.append(current)
    chars.removeAll()
    guard let ci = names.firstIndex(of: "Content") else {
      throw DrainError(.badLogFormat, "log format '\(format)' has no <Content> field")
    }
    if Set(names).count != names.count { throw DrainError(.badLogFormat, "log format '\(format)' repeats a field name") }
    for n in names where !n.unicodeScalars.allSatisfy({ ($0.value >= 48 && $0.value <= 57) || ($0.value >= 65 && $0.value <= 90) || ($0.value >= 97 && $0.value <= 122) || $0 == "_" }) || n.unicodeScalars.first.map({ $0.value >= 48 && $0.value <= 57 }) == true {
      throw DrainError(.badLogFormat, "log format field name '\(n)' is not [A-Za-z_][A-Za-z0-9_]*")
    }
    fields = names
    contentIndex = ci
    var p = "^"
    for (i, part) in parts.enumerated() {
      p += LogFormat.spacesToWhitespace(part)
      if i < names.count { p += "(?P<\(names[i])>.*?)" }
    }
    p += "$"
    pattern = p
    do { regex = try Regex(p) } catch {
      throw DrainError(.badLogFormat, "log format '\(format)' is not a valid pattern: \(error)")
    }
    fastSeparators = LogFormat.plainSeparators(parts)
  }

  /// logparser replaces each run of spaces with `\s+`.
  static func spacesToWhitespace(_ s: String) -> String {
    var out = ""
    var inSpaces = false
    for c in s.unicodeScalars {
      if c == " " {
        if !inSpaces { out += "\\s+" }
        inSpaces = true
      } else {
        out.unicodeScalars.append(c)
        inSpaces = false
      }
    }
    return out
  }

  /// The separators as plain items, or nil when one uses regex syntax (then the regex is used).
  static func plainSeparators(_ parts: [String]) -> [[SeparatorItem]]? {
    guard parts.first?.isEmpty == true else { return nil }  // text before the first field: regex path
    var out: [[SeparatorItem]] = []
    for part in parts.dropFirst() {
      var items: [SeparatorItem] = []
      let u = Array(part.utf8)
      var k = 0
      while k < u.count {
        let c = u[k]
        if c == 0x20 {
          if items.last != .whitespace { items.append(.whitespace) }
          k += 1
        } else if c == 0x5C {
          guard k + 1 < u.count else { return nil }
          let e = u[k + 1]
          let alnum = (e >= 0x30 && e <= 0x39) || (e >= 0x41 && e <= 0x5A) || (e >= 0x61 && e <= 0x7A)
          if alnum || e >= 0x80 { return nil }
          items.append(.literal(e))
          k += 2
        } else if "()[]{}?*+.|^$".utf8.contains(c) || c >= 0x80 {
          return nil
        } else {
          items.append(.literal(c))
          k += 1
        }
      }
      out.append(items)
    }
    // The last field must be followed by nothing ("...<Content>"): then it takes the rest.
    guard out.last?.isEmpty == true else { return nil }
    return out
  }

  /// Splits a line (already stripped) into field ranges (byte offsets), or nil when it does not
  /// match the format.
  /// - Parameter offset: added to every range (the line's position in a larger buffer).
  public func split(_ line: UnsafeBufferPointer<UInt8>, knownASCII: Bool = false, offset: Int = 0, scratch: inout RegexScratch) -> [Range<Int>]? {
    var ranges: [Range<Int>] = []
    return split(line, knownASCII: knownASCII, offset: offset, scratch: &scratch, into: &ranges) ? ranges : nil
  }

  /// `split` into a caller's array (its contents replaced; unspecified when the line does not
  /// match): a parser reuses one array for every line instead of allocating one per line.
  /// - Returns: whether the line matched the format.
  public func split(_ line: UnsafeBufferPointer<UInt8>, knownASCII: Bool = false, offset: Int = 0, scratch: inout RegexScratch,
                    into ranges: inout [Range<Int>]) -> Bool {
    if let seps = fastSeparators, knownASCII || isASCII(line), commitSplit(line, seps, offset: offset, into: &ranges) { return true }
    guard let r = regexSplit(line, scratch: &scratch) else { return false }
    ranges = offset == 0 ? r : r.map { ($0.lowerBound + offset)..<($0.upperBound + offset) }
    return true
  }

  /// Each field ends where its separator first matches (longest whitespace run), committed
  /// without backtracking. When every separator is found this way the split is the regex's
  /// (its first choice at every point succeeded); otherwise false, and the regex decides.
  private func commitSplit(_ b: UnsafeBufferPointer<UInt8>, _ seps: [[SeparatorItem]], offset: Int, into ranges: inout [Range<Int>]) -> Bool {
    let count = fields.count
    if ranges.count != count { ranges = [Range<Int>](repeating: 0..<0, count: count) }
    let n = b.count
    return ranges.withUnsafeMutableBufferPointer { out in
      var start = 0
      for field in 0..<(count - 1) {
        let found: Int? = seps[field].withUnsafeBufferPointer { sep in
          var end = start
          while end <= n {
            // Fast skip to the next place the separator's first item can match.
            switch sep.first {
            case .literal(let c)?:
              guard let base = b.baseAddress, end < n, let hit = memchr(base + end, Int32(c), n - end) else { return nil }
              end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            case .whitespace?:
              end = nextSpace(b, from: end)
              if end >= n { return nil }
            case nil:
              break
            }
            var pos = end
            var ok = true
            for item in sep {
              switch item {
              case .literal(let c):
                if pos < n && b[pos] == c { pos += 1 } else { ok = false }
              case .whitespace:
                let s0 = pos
                while pos < n && isSpace(b[pos]) { pos += 1 }
                if pos == s0 { ok = false }
              }
              if !ok { break }
            }
            if ok {
              out[field] = (start + offset)..<(end + offset)
              return pos
            }
            end += 1
          }
          return nil
        }
        guard let f = found else { return false }
        start = f
      }
      out[count - 1] = (start + offset)..<(n + offset)
      return true
    }
  }

  @inline(__always) private func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }

  /// The first whitespace byte at or after `from` in ASCII text (n when none): eight bytes at a
  /// time, flagging bytes below 0x21 (the first flag is exact: borrows only run upwards), then
  /// checked one by one.
  @inline(__always) private func nextSpace(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
    let n = b.count
    var i = from
    guard let base = b.baseAddress else { return n }
    while i + 8 <= n {
      let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
      var flags = (x &- 0x2121_2121_2121_2121) & ~x & 0x8080_8080_8080_8080
      if flags == 0 {
        i += 8
        continue
      }
      while flags != 0 {
        let k = i + flags.trailingZeroBitCount / 8
        if isSpace(base[k]) { return k }
        flags &= flags &- 1
      }
      i += 8
    }
    while i < n && !isSpace(base[i]) { i += 1 }
    return i
  }

  public func regexSplit(_ line: UnsafeBufferPointer<UInt8>, scratch: inout RegexScratch) -> [Range<Int>]? {
    if isASCII(line) {
      guard let caps = regex.captures(inBytes: line, scratch: &scratch) else { return nil }
      return fieldRanges(caps)
    }
    // Match on scalars, then map scalar offsets back to byte offsets.
    var scalars: [UInt32] = []
    var byteOffsets: [Int] = []
    var it = String(decoding: line, as: UTF8.self).unicodeScalars.makeIterator()
    var off = 0
    while let u = it.next() {
      scalars.append(u.value)
      byteOffsets.append(off)
      off += UTF8.width(u)
    }
    byteOffsets.append(off)
    guard let caps = scalars.withUnsafeBufferPointer({ regex.captures(inScalars: $0, scratch: &scratch) }) else { return nil }
    return fieldRanges(caps).map { byteOffsets[$0.lowerBound]..<byteOffsets[$0.upperBound] }
  }

  private func fieldRanges(_ caps: [Range<Int>?]) -> [Range<Int>] {
    // Groups are numbered in order of opening parentheses; the fields are the named ones.
    var out: [Range<Int>] = []
    for (g, name) in regex.groupNames.enumerated() where name != nil {
      out.append(caps[g + 1] ?? 0..<0)
    }
    return out
  }
}
