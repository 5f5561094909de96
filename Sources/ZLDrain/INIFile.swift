// INIFile: the configparser dialect drain3.ini is written in, read as Python's
// `configparser.ConfigParser()` reads it (what Drain3's TemplateMinerConfig.load uses): `[section]`
// headers, `key = value` or `key : value` (keys lower-cased), whole-line `#` and `;` comments,
// values continued on more-indented lines (blank lines inside kept), [DEFAULT] keys in every
// section, duplicate sections and keys refused, and BasicInterpolation on reading a value (`%%` is
// `%`, `%(key)s` another key of the section, a lone `%` an error). Tested against configparser on a
// corpus (Formats/vectors/reference/ini-corpus.json).

public struct INIFile: Sendable {
  /// Sections in file order, each with its keys in order (raw values, before interpolation).
  public private(set) var sections: [(name: String, keys: [(String, String)])] = []
  /// The [DEFAULT] section's keys.
  public private(set) var defaults: [(String, String)] = []

  /// Parses the text.
  /// - Throws: `DrainError.badDrain3Config` naming the line (the caller names the file).
  public init(_ text: String) throws {
    var current: Int? = nil      // index into sections; -1 = DEFAULT
    var inSection = false
    var key: String? = nil       // the option a continuation line would extend
    var indent = Int.max
    var values: [[String]] = []  // per (section, key) as added: the value's lines
    var where_: [(Int, Int)] = []  // (section index or -1, key index) of each entry of `values`
    var seenSections = Set<String>()
    var seenKeys = Set<String>()
    var valueOf: [String: Int] = [:]  // "section\u{0}key" → index in values
    func id(_ s: Int, _ k: String) -> String { "\(s)\u{0}\(k)" }
    // Lines split on LF bytes (a Swift Character would keep CR LF together); all matching below is by
    // Unicode scalar, as Python indexes strings.
    for (n, raw) in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
      let lineNo = n + 1
      let line = String(decoding: raw, as: UTF8.self)
      let value = INIFile.strip(line)
      let u = value.unicodeScalars
      if u.first == "#" || u.first == ";" { continue }  // a comment: keeps a continuation going
      if value.isEmpty {
        // A blank line inside a multi-line value is part of it.
        if inSection, let k = key, let s = current, let v = valueOf[id(s, k)] { values[v].append("") }
        continue
      }
      let lineIndent = INIFile.leadingSpace(line)
      if inSection, let k = key, let s = current, lineIndent > indent, let v = valueOf[id(s, k)] {
        values[v].append(value)
        continue
      }
      indent = lineIndent
      if u.first == "[", let close = u.lastIndex(of: "]"), close > u.index(after: u.startIndex) {
        let name = String(u[u.index(after: u.startIndex)..<close])
        if name == "DEFAULT" {
          current = -1
        } else {
          if seenSections.contains(name) { throw DrainError(.badDrain3Config, "line \(lineNo): section [\(name)] appears twice") }
          seenSections.insert(name)
          sections.append((name, []))
          current = sections.count - 1
        }
        inSection = true
        key = nil
        continue
      }
      guard inSection, let s = current else {
        throw DrainError(.badDrain3Config, "line \(lineNo): '\(value.prefix(40))' comes before any [SECTION] header")
      }
      guard let d = u.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
        throw DrainError(.badDrain3Config, "line \(lineNo): '\(value.prefix(40))' is not KEY = VALUE")
      }
      let k = INIFile.strip(String(u[..<d])).lowercased()
      if k.isEmpty { throw DrainError(.badDrain3Config, "line \(lineNo): '\(value.prefix(40))' has no key") }
      let sectionName = s < 0 ? "DEFAULT" : sections[s].name
      if seenKeys.contains(sectionName + "\u{0}" + k) {
        throw DrainError(.badDrain3Config, "line \(lineNo): key '\(k)' appears twice in [\(sectionName)]")
      }
      seenKeys.insert(sectionName + "\u{0}" + k)
      valueOf[id(s, k)] = values.count
      values.append([INIFile.strip(String(u[u.index(after: d)...]))])
      if s < 0 {
        where_.append((-1, defaults.count))
        defaults.append((k, ""))
      } else {
        where_.append((s, sections[s].keys.count))
        sections[s].keys.append((k, ""))
      }
      key = k
    }
    // Multi-line values are joined with newlines, trailing blank lines dropped.
    for (v, (s, k)) in where_.enumerated() {
      let joined = INIFile.rstrip(values[v].joined(separator: "\n"))
      if s < 0 { defaults[k].1 = joined } else { sections[s].keys[k].1 = joined }
    }
  }

  /// Every key of a section, [DEFAULT]'s after the section's own (configparser's order), raw.
  public func keys(of section: String) -> [(String, String)]? {
    guard let s = sections.first(where: { $0.name == section }) else { return nil }
    var out = s.keys
    for (k, v) in defaults where !out.contains(where: { $0.0 == k }) { out.append((k, v)) }
    return out
  }

  /// The value of `key` in `section` after interpolation; nil when the section or key is absent.
  /// - Throws: `DrainError.badDrain3Config` for a bad `%` or a reference that cannot be resolved.
  public func value(_ section: String, _ key: String) throws -> String? {
    guard let all = keys(of: section) else { return nil }
    let k = key.lowercased()
    guard let raw = all.first(where: { $0.0 == k })?.1 else { return nil }
    var out = ""
    try INIFile.interpolate(raw, into: &out, option: k, section: section, map: all, depth: 1)
    return out
  }

  /// configparser's BasicInterpolation._interpolate_some.
  static func interpolate(_ text: String, into out: inout String, option: String, section: String, map: [(String, String)],
                          depth: Int) throws {
    if depth > 10 {
      throw DrainError(.badDrain3Config, "[\(section)] \(option): interpolation nests deeper than 10 (a reference loop?)")
    }
    var rest = Substring(text).unicodeScalars
    while !rest.isEmpty {
      guard let p = rest.firstIndex(of: "%") else {
        out.unicodeScalars.append(contentsOf: rest)
        return
      }
      out.unicodeScalars.append(contentsOf: rest[..<p])
      rest = rest[p...]
      let next = rest.dropFirst().first
      if next == "%" {
        out += "%"
        rest = rest.dropFirst(2)
      } else if next == "(" {
        let body = rest.dropFirst(2)
        guard let close = body.firstIndex(of: ")"), close > body.startIndex, body[body.index(after: close)...].first == "s" else {
          throw DrainError(.badDrain3Config, "[\(section)] \(option): bad interpolation reference '\(String(rest.prefix(40)))'")
        }
        let name = String(String.UnicodeScalarView(body[..<close])).lowercased()
        rest = body[body.index(close, offsetBy: 2)...]
        guard let v = map.first(where: { $0.0 == name })?.1 else {
          throw DrainError(.badDrain3Config, "[\(section)] \(option): '%(\(name))s' names no key of the section")
        }
        if v.contains("%") {
          try interpolate(v, into: &out, option: option, section: section, map: map, depth: depth + 1)
        } else {
          out += v
        }
      } else {
        throw DrainError(.badDrain3Config, "[\(section)] \(option): '%' must be followed by '%' or '(' (write %% for a percent sign)")
      }
    }
  }

  /// Python's str.strip() (Python whitespace).
  static func strip(_ s: String) -> String {
    let b = Array(s.utf8)
    return b.withUnsafeBufferPointer { String(decoding: $0[stripped($0)], as: UTF8.self) }
  }

  /// Python's str.rstrip().
  static func rstrip(_ s: String) -> String {
    let b = Array(s.utf8)
    return b.withUnsafeBufferPointer { p in
      let r = stripped(p)
      return r.isEmpty ? "" : String(decoding: p[0..<r.upperBound], as: UTF8.self)
    }
  }

  /// The index of the first character that is not Python whitespace (configparser's `\S` search).
  static func leadingSpace(_ s: String) -> Int {
    let b = Array(s.utf8)
    return b.withUnsafeBufferPointer { p in
      var i = 0, chars = 0
      while i < p.count {
        let w = whitespaceLength(p, i)
        if w == 0 { break }
        i += w
        chars += 1
      }
      return chars
    }
  }
}
