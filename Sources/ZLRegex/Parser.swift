// Parser: turns a `zl-re/1` pattern (Formats/zlck-v1.md Appendix B: the subset of Python `re`
// used by log masking rules) into a syntax tree, rejecting every construct outside the dialect
// with a message naming the offset. No matching here (see Program and Matcher).

import ZLBase

/// A pattern outside the dialect or malformed (bad data, exit 65, wherever it came from: a file
/// rejects it with its own rule, a flag with a usage error).
public struct RegexError: ToolError, Equatable, Sendable {
  public let pattern: String
  public let offset: Int
  public let reason: String
  public var exitStatus: ExitStatus { .dataError }
  public var message: String { "regex '\(pattern)' at offset \(offset): \(reason)" }
}

/// A set of Unicode scalars: an ASCII bitmap plus sorted ranges above ASCII, optionally negated.
public struct CharSet: Equatable, Sendable {
  var low: UInt64 = 0
  var high: UInt64 = 0
  var ranges: [ClosedRange<UInt32>] = []
  var negated = false

  mutating func add(_ c: UInt32) { add(c...c) }

  mutating func add(_ r: ClosedRange<UInt32>) {
    var c = r.lowerBound
    while c <= min(r.upperBound, 127) {
      if c < 64 { low |= 1 << UInt64(c) } else { high |= 1 << UInt64(c - 64) }
      c += 1
    }
    if r.upperBound >= 128 { ranges.append(max(r.lowerBound, 128)...r.upperBound) }
  }

  mutating func add(_ other: CharSet) {
    if other.negated {
      // Union with a negated set: take its complement explicitly over ASCII, and over non-ASCII
      // represent "everything except other's ranges".
      low |= ~other.low
      high |= ~other.high
      var gaps: [ClosedRange<UInt32>] = []
      var next: UInt32 = 128
      for r in other.ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
        if r.lowerBound > next { gaps.append(next...(r.lowerBound - 1)) }
        next = max(next, r.upperBound &+ 1)
      }
      if next <= 0x10FFFF { gaps.append(next...0x10FFFF) }
      ranges += gaps
    } else {
      low |= other.low
      high |= other.high
      ranges += other.ranges
    }
  }

  @inline(__always)
  public func contains(_ c: UInt32) -> Bool {
    let hit: Bool
    if c < 64 {
      hit = low & (1 << UInt64(c)) != 0
    } else if c < 128 {
      hit = high & (1 << UInt64(c - 64)) != 0
    } else {
      hit = ranges.contains { $0.contains(c) }
    }
    return hit != negated
  }

  /// True when no scalar is in both sets (conservative: two sets that may both hold non-ASCII
  /// scalars count as overlapping).
  static func disjoint(_ a: CharSet, _ b: CharSet) -> Bool {
    let al = a.negated ? ~a.low : a.low, ah = a.negated ? ~a.high : a.high
    let bl = b.negated ? ~b.low : b.low, bh = b.negated ? ~b.high : b.high
    if al & bl != 0 || ah & bh != 0 { return false }
    let aWide = a.negated || !a.ranges.isEmpty, bWide = b.negated || !b.ranges.isEmpty
    return !(aWide && bWide)
  }

  static func of(_ chars: String) -> CharSet {
    var s = CharSet()
    for u in chars.unicodeScalars { s.add(u.value) }
    return s
  }

  static let digit: CharSet = { var s = CharSet(); s.add(48...57); return s }()
  static let word: CharSet = { var s = CharSet(); s.add(48...57); s.add(65...90); s.add(97...122); s.add(95); return s }()
  /// Python's ASCII whitespace for `\s`: space, \t \n \v \f \r.
  static let space: CharSet = { var s = CharSet(); s.add(32); s.add(9...13); return s }()
  static let notNewline: CharSet = { var s = CharSet(); s.add(10); s.negated = true; return s }()

  func negatedCopy() -> CharSet {
    var s = self
    s.negated.toggle()
    return s
  }
}

/// The syntax tree of a pattern.
indirect enum RegexNode: Equatable {
  case empty
  case literal(UInt32)
  case set(CharSet)
  case concat([RegexNode])
  case alternation([RegexNode])
  case repetition(RegexNode, min: Int, max: Int?, greedy: Bool)
  case startAnchor
  case endAnchor
  case absoluteEnd
  case wordBoundary(Bool)
  case look(RegexNode, ahead: Bool, negated: Bool)
  /// A capturing group: its number (from 1, in order of opening parenthesis) and optional name.
  case group(RegexNode, index: Int, name: String?)

  /// The longest run of literal ASCII characters that every match must contain (look-behind and
  /// look-ahead bodies included: they must be in the text too). Empty when there is none.
  var requiredLiteral: [UInt8] {
    func literals(_ n: RegexNode) -> [[UInt8]] {
      switch n {
      case .literal(let c): return c < 128 ? [[UInt8(c)]] : []
      case .group(let b, _, _): return literals(b)
      case .look(let b, _, let negated): return negated ? [] : literals(b)
      case .repetition(let b, let lo, _, _): return lo >= 1 ? literals(b) : []
      case .concat(let parts):
        // Adjacent single literals join into runs; every part's own requirements also hold.
        var out: [[UInt8]] = []
        var run: [UInt8] = []
        for p in parts {
          if case .literal(let c) = p, c < 128 {
            run.append(UInt8(c))
            continue
          }
          if case .group(.literal(let c), _, _) = p, c < 128 {
            run.append(UInt8(c))
            continue
          }
          if !run.isEmpty { out.append(run); run = [] }
          out += literals(p)
        }
        if !run.isEmpty { out.append(run) }
        return out
      default: return []
      }
    }
    return literals(self).max { $0.count < $1.count } ?? []
  }

  /// ASCII characters every match holds at or after its start (in its own text or in a
  /// look-ahead's; never a look-behind's, which lies before the start), in ascending order. A
  /// start after the last occurrence of one of them cannot match.
  var requiredAfterStart: [UInt8] {
    func bytes(_ n: RegexNode) -> Set<UInt8> {
      switch n {
      case .literal(let c): return c < 128 ? [UInt8(c)] : []
      case .set(let s):
        // A class of exactly one ASCII character.
        guard !s.negated, s.ranges.isEmpty, s.low.nonzeroBitCount + s.high.nonzeroBitCount == 1 else { return [] }
        return [UInt8(s.low != 0 ? s.low.trailingZeroBitCount : 64 + s.high.trailingZeroBitCount)]
      case .group(let b, _, _): return bytes(b)
      case .look(let b, let ahead, let negated): return ahead && !negated ? bytes(b) : []
      case .repetition(let b, let lo, _, _): return lo >= 1 ? bytes(b) : []
      case .concat(let parts): return parts.reduce(into: Set<UInt8>()) { $0.formUnion(bytes($1)) }
      case .alternation(let alts):
        guard var common = alts.first.map(bytes) else { return [] }
        for a in alts.dropFirst() { common.formIntersection(bytes(a)) }
        return common
      default: return []
      }
    }
    return bytes(self).sorted()
  }

  /// Classes the first characters of every match must belong to, in order (at most 16): zero-width
  /// assertions are skipped, mandatory single characters and classes (also inside repeats with a
  /// minimum) are collected until the first optional or variable part.
  var classPrefix: [CharSet] {
    func prefix(_ n: RegexNode) -> (sets: [CharSet], complete: Bool) {
      switch n {
      case .literal, .set: return ([n.singleClass!], true)
      case .empty, .startAnchor, .endAnchor, .absoluteEnd, .wordBoundary, .look: return ([], true)
      case .group(let b, _, _): return prefix(b)
      case .concat(let parts):
        var acc: [CharSet] = []
        for p in parts {
          let (s, c) = prefix(p)
          acc += s
          if !c || acc.count >= 16 { return (acc, false) }
        }
        return (acc, true)
      case .alternation(let branches):
        let zeroWidth = branches.allSatisfy { let (s, c) = prefix($0); return s.isEmpty && c }
        return ([], zeroWidth)
      case .repetition(let b, let lo, let hi, _):
        if lo == 0 { return ([], false) }
        let (s, c) = prefix(b)
        if !c { return (s, false) }
        var out: [CharSet] = []
        for _ in 0..<lo where out.count < 16 { out += s }
        return (out, hi == lo && out.count < 16)
      }
    }
    return Array(prefix(self).sets.prefix(16))
  }

  /// The class of a node that is exactly one character or one class.
  var singleClass: CharSet? {
    switch self {
    case .literal(let c):
      var s = CharSet()
      s.add(c)
      return s
    case .set(let s): return s
    default: return nil
    }
  }

  /// The fixed number of scalars this node consumes, or nil if it varies.
  var fixedWidth: Int? {
    switch self {
    case .empty, .startAnchor, .endAnchor, .absoluteEnd, .wordBoundary, .look: return 0
    case .literal, .set: return 1
    case .concat(let parts):
      var total = 0
      for p in parts {
        guard let w = p.fixedWidth else { return nil }
        total += w
      }
      return total
    case .alternation(let alts):
      let widths = alts.map { $0.fixedWidth }
      guard let first = widths.first, let w = first, widths.allSatisfy({ $0 == w }) else { return nil }
      return w
    case .repetition(let n, let lo, let hi, _):
      guard let hi = hi, hi == lo, let w = n.fixedWidth else { return nil }
      return w * lo
    case .group(let n, _, _): return n.fixedWidth
    }
  }

  /// True when the node can match the empty string.
  var nullable: Bool {
    switch self {
    case .empty, .startAnchor, .endAnchor, .absoluteEnd, .wordBoundary, .look: return true
    case .literal, .set: return false
    case .concat(let parts): return parts.allSatisfy { $0.nullable }
    case .alternation(let alts): return alts.contains { $0.nullable }
    case .repetition(let n, let lo, _, _): return lo == 0 || n.nullable
    case .group(let n, _, _): return n.nullable
    }
  }
}

struct RegexParser {
  let pattern: String
  let s: [UInt32]
  var i = 0
  /// Capturing groups seen so far (names, nil when unnamed), in opening order.
  var groupNames: [String?] = []
  static let maxRepeat = 1000
  static let maxLength = 4096

  init(_ pattern: String) {
    self.pattern = pattern
    s = pattern.unicodeScalars.map { $0.value }
  }

  func fail(_ reason: String, at: Int? = nil) -> RegexError {
    RegexError(pattern: pattern, offset: at ?? i, reason: reason)
  }

  mutating func parse() throws -> RegexNode {
    if s.count > RegexParser.maxLength { throw fail("pattern longer than \(RegexParser.maxLength) characters", at: 0) }
    let n = try alternation(depth: 0)
    if i < s.count { throw fail(s[i] == 0x29 ? "unbalanced ')'" : "unexpected character") }
    return n
  }

  func peek(_ off: Int = 0) -> UInt32? { i + off < s.count ? s[i + off] : nil }

  mutating func alternation(depth: Int) throws -> RegexNode {
    if depth > 100 { throw fail("groups nested deeper than 100") }
    var alts = [try concatenation(depth: depth)]
    while peek() == 0x7C {  // |
      i += 1
      alts.append(try concatenation(depth: depth))
    }
    return alts.count == 1 ? alts[0] : .alternation(alts)
  }

  mutating func concatenation(depth: Int) throws -> RegexNode {
    var parts: [RegexNode] = []
    while let c = peek(), c != 0x7C, c != 0x29 {
      var atom = try self.atom(depth: depth)
      atom = try quantified(atom)
      parts.append(atom)
    }
    if parts.isEmpty { return .empty }
    return parts.count == 1 ? parts[0] : .concat(parts)
  }

  mutating func number() -> Int? {
    var v = 0
    var any = false
    while let c = peek(), c >= 48 && c <= 57 {
      v = min(v * 10 + Int(c - 48), 1_000_000)
      i += 1
      any = true
    }
    return any ? v : nil
  }

  mutating func quantified(_ atom: RegexNode) throws -> RegexNode {
    guard let c = peek() else { return atom }
    var lo = 0, hi: Int? = nil
    let start = i
    switch c {
    case 0x2A: i += 1  // *
    case 0x2B: lo = 1; i += 1  // +
    case 0x3F: hi = 1; i += 1  // ?
    case 0x7B:  // {
      i += 1
      let a = number()
      var b: Int? = a
      if peek() == 0x2C {
        i += 1
        b = number()
        if a == nil && b == nil && peek() != 0x7D { i = start; return atom }
      } else if a == nil {
        i = start
        return atom  // Python treats a '{' that starts no valid repeat as a literal
      }
      guard peek() == 0x7D else { i = start; return atom }
      i += 1
      lo = a ?? 0
      hi = b
      if let h = hi, h < lo { throw fail("repeat range {\(lo),\(h)} is reversed", at: start) }
      if lo > RegexParser.maxRepeat || (hi ?? 0) > RegexParser.maxRepeat {
        throw fail("repeat count over \(RegexParser.maxRepeat)", at: start)
      }
    default:
      return atom
    }
    switch atom {
    case .startAnchor, .endAnchor, .absoluteEnd, .wordBoundary, .empty:
      throw fail("nothing to repeat", at: start)
    default: break
    }
    var greedy = true
    if peek() == 0x3F {
      greedy = false
      i += 1
    } else if peek() == 0x2B {
      throw fail("possessive quantifiers are not part of zl-re/1")
    }
    if let q = peek(), q == 0x2A || q == 0x2B || q == 0x3F || (q == 0x7B && isRepeatBrace()) {
      throw fail("multiple repeat")
    }
    return .repetition(atom, min: lo, max: hi, greedy: greedy)
  }

  func isRepeatBrace() -> Bool {
    var k = i + 1
    var digits = false
    while k < s.count, s[k] >= 48 && s[k] <= 57 { k += 1; digits = true }
    if k < s.count, s[k] == 0x2C { k += 1; while k < s.count, s[k] >= 48 && s[k] <= 57 { k += 1; digits = true } }
    return digits && k < s.count && s[k] == 0x7D
  }

  mutating func atom(depth: Int) throws -> RegexNode {
    let c = s[i]
    switch c {
    case 0x28: return try group(depth: depth)
    case 0x5B: return .set(try bracket())
    case 0x2E:
      i += 1
      return .set(.notNewline)
    case 0x5E:
      i += 1
      return .startAnchor
    case 0x24:
      i += 1
      return .endAnchor
    case 0x5C: return try escape()
    case 0x2A, 0x2B, 0x3F: throw fail("nothing to repeat")
    default:
      i += 1
      return .literal(c)
    }
  }

  mutating func group(depth: Int) throws -> RegexNode {
    let open = i
    i += 1
    var look: (ahead: Bool, negated: Bool)? = nil
    var capturing = true
    var name: String? = nil
    if peek() == 0x3F {  // (?
      capturing = false
      switch peek(1) {
      case 0x3A: i += 2  // (?:
      case 0x3D: i += 2; look = (true, false)  // (?=
      case 0x21: i += 2; look = (true, true)  // (?!
      case 0x3C:
        if peek(2) == 0x3D { i += 3; look = (false, false) }  // (?<=
        else if peek(2) == 0x21 { i += 3; look = (false, true) }  // (?<!
        else { throw fail("unknown group extension") }
      case 0x50:  // (?P<name>...): a capturing group with a name
        guard peek(2) == 0x3C else { throw fail("named back-references are not part of zl-re/1") }
        i += 3
        var chars: [UInt32] = []
        while let c = peek(), c != 0x3E {
          let ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
          if !ok { throw fail("bad character in group name") }
          i += 1
          chars.append(c)
        }
        guard !chars.isEmpty, peek() == 0x3E else { throw fail("unterminated group name") }
        i += 1
        capturing = true
        var text = String.UnicodeScalarView()
        for c in chars { text.append(Unicode.Scalar(c)!) }
        name = String(text)
      default:
        throw fail("flags and other group extensions are not part of zl-re/1")
      }
    }
    var index = 0
    if capturing && look == nil {
      groupNames.append(name)
      index = groupNames.count
    }
    let body = try alternation(depth: depth + 1)
    guard peek() == 0x29 else { throw fail("missing ')'", at: open) }
    i += 1
    if capturing && look == nil { return .group(body, index: index, name: name) }
    if let l = look {
      if !l.ahead && body.fixedWidth == nil {
        throw fail("look-behind requires a fixed-width pattern", at: open)
      }
      return .look(body, ahead: l.ahead, negated: l.negated)
    }
    return body
  }

  mutating func escapeScalar(inClass: Bool) throws -> (UInt32?, CharSet?) {
    i += 1
    guard let c = peek() else { throw fail("pattern ends with a backslash") }
    i += 1
    switch c {
    case 0x64: return (nil, .digit)  // d
    case 0x44: return (nil, CharSet.digit.negatedCopy())
    case 0x77: return (nil, .word)  // w
    case 0x57: return (nil, CharSet.word.negatedCopy())
    case 0x73: return (nil, .space)  // s
    case 0x53: return (nil, CharSet.space.negatedCopy())
    case 0x74: return (9, nil)
    case 0x6E: return (10, nil)
    case 0x72: return (13, nil)
    case 0x66: return (12, nil)
    case 0x76: return (11, nil)
    case 0x61: return (7, nil)
    case 0x62 where inClass: return (8, nil)  // \b in a class is backspace, as in Python
    case 0x78:  // \xHH
      return (try hex(2), nil)
    case 0x75:  // \uHHHH
      return (try hex(4), nil)
    case 0x30: return (0, nil)  // \0
    default:
      let isAlnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
      if isAlnum {
        if c >= 49 && c <= 57 { throw fail("back-references are not part of zl-re/1", at: i - 2) }
        throw fail("bad escape \\\(Character(Unicode.Scalar(c)!))", at: i - 2)
      }
      return (c, nil)
    }
  }

  mutating func hex(_ n: Int) throws -> UInt32 {
    var v: UInt32 = 0
    for _ in 0..<n {
      guard let c = peek() else { throw fail("incomplete escape") }
      let d: UInt32
      switch c {
      case 48...57: d = c - 48
      case 65...70: d = c - 55
      case 97...102: d = c - 87
      default: throw fail("incomplete escape")
      }
      v = v * 16 + d
      i += 1
    }
    if v > 0x10FFFF || (v >= 0xD800 && v < 0xE000) { throw fail("escape is not a Unicode scalar") }
    return v
  }

  mutating func escape() throws -> RegexNode {
    if peek(1) == 0x62 { i += 2; return .wordBoundary(true) }  // \b
    if peek(1) == 0x42 { i += 2; return .wordBoundary(false) }  // \B
    if peek(1) == 0x41 { i += 2; return .startAnchor }  // \A
    if peek(1) == 0x5A { i += 2; return .absoluteEnd }  // \Z (differs from $ only before a final newline)
    let (c, set) = try escapeScalar(inClass: false)
    if let set = set { return .set(set) }
    return .literal(c!)
  }

  mutating func bracket() throws -> CharSet {
    let open = i
    i += 1
    var set = CharSet()
    var negate = false
    if peek() == 0x5E {
      negate = true
      i += 1
    }
    var first = true
    while true {
      guard let c = peek() else { throw fail("unterminated character set", at: open) }
      if c == 0x5D && !first { i += 1; break }
      first = false
      var lo: UInt32
      if c == 0x5C {
        let (v, cls) = try escapeScalar(inClass: true)
        if let cls = cls {
          set.add(cls)
          continue
        }
        lo = v!
      } else {
        lo = c
        i += 1
      }
      if peek() == 0x2D, let after = peek(1), after != 0x5D {
        i += 1
        var hi: UInt32
        if after == 0x5C {
          let (v, cls) = try escapeScalar(inClass: true)
          if cls != nil { throw fail("bad character range") }
          hi = v!
        } else {
          hi = after
          i += 1
        }
        if hi < lo { throw fail("bad character range") }
        set.add(lo...hi)
      } else {
        set.add(lo)
      }
    }
    if negate { set.negated = true }
    return set
  }
}
