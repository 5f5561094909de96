// Regex: the zl-re/1 matcher. Leftmost-first backtracking (Python's choice of match) over
// Unicode scalars; ASCII text is matched on its bytes directly. A run that exceeds a step budget
// is redone with a visited-state memo (RE2's bit-state method). All of it is bounded by a work
// budget linear in the text (RegexScratch.budget): a pattern that needs more on some text gives
// up there (no match, counted), so a malicious mask cannot hang or exhaust the parser.
// The hot loop reads instructions and ASCII class bitmaps from raw memory owned by the compiled
// regex and keeps its backtracking stack in a reusable buffer, so matching allocates nothing.

/// Instructions in raw memory (freed with the regex), with their split guards.
final class CodeBuffer: @unchecked Sendable {
  let base: UnsafeMutablePointer<Inst>
  let count: Int
  let guardBits: UnsafeMutablePointer<UInt64>
  let guardFlags: UnsafeMutablePointer<UInt8>
  init(_ code: [Inst], guards: (bits: [UInt64], flags: [UInt8])? = nil) {
    count = code.count
    base = .allocate(capacity: max(1, code.count))
    _ = UnsafeMutableBufferPointer(start: base, count: code.count).initialize(from: code)
    guardBits = .allocate(capacity: max(4, code.count * 4))
    guardFlags = .allocate(capacity: max(1, code.count))
    guardBits.initialize(repeating: 0, count: max(4, code.count * 4))
    guardFlags.initialize(repeating: 0, count: max(1, code.count))
    if let g = guards {
      for k in g.bits.indices { guardBits[k] = g.bits[k] }
      for k in g.flags.indices { guardFlags[k] = g.flags[k] }
    }
  }
  deinit {
    base.deallocate()
    guardBits.deallocate()
    guardFlags.deallocate()
  }
}

/// A look-around compiled for matching.
struct CompiledLook {
  let code: CodeBuffer
  let ahead: Bool
  let negated: Bool
  let width: Int
  /// When the body is one character or class: its instruction (tested without running the VM).
  let single: Inst?
}

/// A compiled zl-re/1 pattern. Immutable and safe to share between threads; matching needs a
/// `RegexScratch` per thread.
public final class Regex: @unchecked Sendable {
  public let pattern: String
  /// Names of the capturing groups 1...n (nil for unnamed groups).
  public let groupNames: [String?]
  let code: CodeBuffer
  let looks: [CompiledLook]
  /// The same pattern without `span` instructions, for the memoizing run.
  let memoCode: CodeBuffer
  let memoLooks: [CompiledLook]
  let memoSets: [CharSet]
  let memoBits: UnsafeMutablePointer<UInt64>
  let sets: [CharSet]
  /// The same pattern without `save` instructions, for searches that report no groups (the C
  /// substitution chain), with its looks and class bitmaps.
  let plainCode: CodeBuffer
  let plainLooks: [CompiledLook]
  let plainBits: UnsafeMutablePointer<UInt64>
  /// Two words per class: its membership bits for scalars 0–127 (negation applied).
  let asciiBits: UnsafeMutablePointer<UInt64>
  /// Scalars that can begin a match, or nil when a match can be empty.
  let first: CharSet?
  /// For bytes: may a match start here?
  let firstByte: UnsafeMutablePointer<Bool>
  /// A literal that every match contains: a text without it cannot match.
  let required: [UInt8]
  /// Characters every match holds at or after its start (RegexNode.requiredAfterStart).
  let requiredAfterStart: [UInt8]
  let hasFirst: Bool
  let prefixCount: Int
  /// ASCII bitmaps (two words each) of the classes the first characters of any match belong to.
  let classPrefixCount: Int
  let classPrefixBits: UnsafeMutablePointer<UInt64>
  /// Look-arounds as plain data for the hot loop (code pointers are kept alive by `looks`).
  let lookInfo: UnsafeMutablePointer<LookInfo>
  let memoLookInfo: UnsafeMutablePointer<LookInfo>
  /// Literal scalars every match starts with (after capture marks), for a quick check.
  let prefix: [UInt32]
  let prefixBase: UnsafeMutablePointer<UInt32>
  /// For bytes: may the byte before a match's start have this value? (all true when unconstrained)
  let previousByte: UnsafeMutablePointer<Bool>
  let previousConstrained: Bool
  let previousSet: CharSet?
  let startAllowedAtZero: Bool
  let anchored: Bool

  /// Compiles a pattern.
  /// - Throws: `RegexError` naming the offset and the construct outside the dialect.
  public init(_ pattern: String) throws {
    self.pattern = pattern
    var parser = RegexParser(pattern)
    let tree = try parser.parse()
    groupNames = parser.groupNames
    required = tree.requiredLiteral
    requiredAfterStart = tree.requiredAfterStart
    var compiler = Compiler(pattern: pattern)
    let program = try compiler.compileMain(tree)
    var memoCompiler = Compiler(pattern: pattern)
    memoCompiler.useSpan = false
    let memoProgram = try memoCompiler.compileMain(tree)
    var plainCompiler = Compiler(pattern: pattern)
    plainCompiler.useSaves = false
    let plainProgram = try plainCompiler.compileMain(tree)
    func looks(_ p: Program) -> [CompiledLook] {
      p.subs.map { s in
        let single = s.code.count == 2 && (s.code[0].op == .char || s.code[0].op == .set) ? s.code[0] : nil
        let sub = Program(code: s.code, sets: p.sets, subs: p.subs)
        return CompiledLook(code: CodeBuffer(s.code, guards: sub.splitGuards()), ahead: s.ahead, negated: s.negated, width: s.width, single: single)
      }
    }
    func bits(_ sets: [CharSet]) -> UnsafeMutablePointer<UInt64> {
      let b = UnsafeMutablePointer<UInt64>.allocate(capacity: max(2, 2 * sets.count))
      for (k, set) in sets.enumerated() {
        var lo: UInt64 = 0, hi: UInt64 = 0
        for c in 0..<128 where set.contains(UInt32(c)) {
          if c < 64 { lo |= 1 << UInt64(c) } else { hi |= 1 << UInt64(c - 64) }
        }
        b[2 * k] = lo
        b[2 * k + 1] = hi
      }
      return b
    }
    code = CodeBuffer(program.code, guards: program.splitGuards())
    sets = program.sets
    self.looks = looks(program)
    asciiBits = bits(program.sets)
    memoCode = CodeBuffer(memoProgram.code, guards: memoProgram.splitGuards())
    memoSets = memoProgram.sets
    memoLooks = looks(memoProgram)
    memoBits = bits(memoProgram.sets)
    plainCode = CodeBuffer(plainProgram.code, guards: plainProgram.splitGuards())
    plainLooks = looks(plainProgram)
    plainBits = bits(plainProgram.sets)
    first = program.firstSet()
    firstByte = .allocate(capacity: 256)
    for b in 0..<256 { firstByte[b] = first.map { b < 128 ? $0.contains(UInt32(b)) : true } ?? true }
    var p: [UInt32] = []
    var pc = 0
    while pc < program.code.count && program.code[pc].op == .save { pc += 1 }
    while pc < program.code.count && program.code[pc].op == .char {
      p.append(UInt32(bitPattern: program.code[pc].a))
      pc += 1
    }
    prefix = p
    prefixCount = p.count
    hasFirst = first != nil
    func info(_ ls: [CompiledLook]) -> UnsafeMutablePointer<LookInfo> {
      let b = UnsafeMutablePointer<LookInfo>.allocate(capacity: max(1, ls.count))
      for (k, l) in ls.enumerated() {
        b[k] = LookInfo(ahead: l.ahead, negated: l.negated, width: l.width, single: l.single != nil,
                        singleIsChar: l.single?.op == .char, singleArg: l.single?.a ?? 0, code: l.code.base, codeCount: l.code.count,
                        guardBits: l.code.guardBits, guardFlags: l.code.guardFlags)
      }
      return b
    }
    lookInfo = info(self.looks)
    memoLookInfo = info(memoLooks)
    prefixBase = .allocate(capacity: max(1, p.count))
    for (k, v) in p.enumerated() { prefixBase[k] = v }
    let classes = tree.classPrefix
    classPrefixCount = classes.count
    classPrefixBits = .allocate(capacity: max(2, 2 * classes.count))
    classPrefixBits.initialize(repeating: 0, count: max(2, 2 * classes.count))
    for (k, cs) in classes.enumerated() {
      for c in 0..<128 where cs.contains(UInt32(c)) { classPrefixBits[2 * k + c >> 6] |= UInt64(1) << UInt64(c & 63) }
    }
    anchored = program.anchoredAtStart
    previousByte = .allocate(capacity: 256)
    let cond = program.startCondition()
    previousConstrained = cond != nil
    previousSet = cond?.previous
    startAllowedAtZero = cond?.atStart ?? true
    for b in 0..<256 { previousByte[b] = cond.map { b < 128 ? $0.previous.contains(UInt32(b)) : $0.previous.contains(0x80) || $0.previous.negated } ?? true }
  }

  deinit {
    asciiBits.deallocate()
    memoBits.deallocate()
    plainBits.deallocate()
    prefixBase.deallocate()
    classPrefixBits.deallocate()
    previousByte.deallocate()
    lookInfo.deallocate()
    memoLookInfo.deallocate()
    firstByte.deallocate()
  }

  // MARK: - Public API

  /// What a byte-level pre-scan may use to rule a text out (all tables index bytes 0–255):
  /// a match can start at position p only if `first[text[p]]` and (p == 0 ? `atZero` :
  /// `previous[text[p−1]]`), and only if the text contains `required`. ASCII text only.
  public struct StartFilter: Sendable {
    public let first: [Bool]
    public let previous: [Bool]
    public let atZero: Bool
    /// Matches can be empty: every position, including the end, is a candidate.
    public let canBeEmpty: Bool
    public let required: [UInt8]
  }

  public var startFilter: StartFilter {
    StartFilter(first: (0..<256).map { firstByte[$0] }, previous: (0..<256).map { previousByte[$0] },
                atZero: startAllowedAtZero, canBeEmpty: !hasFirst, required: required)
  }

  /// The first match at or after `from` as a range of element offsets, or nil.
  /// - Parameter mustAdvance: a match may not be empty at `from` (Python's rule after an empty match).
  public func firstMatch(inBytes text: UnsafeBufferPointer<UInt8>, from: Int = 0, mustAdvance: Bool = false,
                         scratch: inout RegexScratch) -> Range<Int>? {
    bounded(text.count, &scratch) { s, r in
      var memoFirst = false
      return try search(text, from: from, mustAdvance: mustAdvance, caps: nil, scratch: &s, remaining: &r, memoFirst: &memoFirst)
    } ?? nil
  }

  public func firstMatch(inScalars text: UnsafeBufferPointer<UInt32>, from: Int = 0, mustAdvance: Bool = false,
                         scratch: inout RegexScratch) -> Range<Int>? {
    bounded(text.count, &scratch) { s, r in
      var memoFirst = false
      return try search(text, from: from, mustAdvance: mustAdvance, caps: nil, scratch: &s, remaining: &r, memoFirst: &memoFirst)
    } ?? nil
  }

  /// Runs `body` under the scratch's budget for a text of `n` characters; nil (counted) when it runs out.
  @inline(__always)
  func bounded<R>(_ n: Int, _ scratch: inout RegexScratch, _ body: (inout RegexScratch, inout Int) throws -> R) -> R? {
    var remaining = scratch.lineBudget ?? RegexScratch.budget(forLength: n)
    defer { if scratch.lineBudget != nil { scratch.lineBudget = max(0, remaining) } }
    do {
      return try body(&scratch, &remaining)
    } catch {
      remaining = 0
      scratch.overBudget += 1
      return nil
    }
  }

  /// The first match at or after `from` with the span of every capturing group (index 0 is the
  /// whole match; nil for a group that did not take part), or nil when there is no match.
  public func captures(inBytes text: UnsafeBufferPointer<UInt8>, from: Int = 0, scratch: inout RegexScratch) -> [Range<Int>?]? {
    bounded(text.count, &scratch) { try searchCaptures(text, from: from, scratch: &$0, remaining: &$1) } ?? nil
  }

  public func captures(inScalars text: UnsafeBufferPointer<UInt32>, from: Int = 0, scratch: inout RegexScratch) -> [Range<Int>?]? {
    bounded(text.count, &scratch) { try searchCaptures(text, from: from, scratch: &$0, remaining: &$1) } ?? nil
  }

  /// True when the pattern matches anywhere in `text`.
  public func matches(_ text: String) -> Bool {
    var scratch = RegexScratch()
    let scalars = text.unicodeScalars.map { $0.value }
    return scalars.withUnsafeBufferPointer { firstMatch(inScalars: $0, scratch: &scratch) } != nil
  }

  /// Python `re.sub(pattern, replacement, text)` with a literal replacement.
  public func replacingAll(in text: String, with replacement: String) -> String {
    var scratch = RegexScratch()
    let scalars = text.unicodeScalars.map { $0.value }
    let rep = replacement.unicodeScalars.map { $0.value }
    var out: [UInt32] = []
    let changed = scalars.withUnsafeBufferPointer { replaceAll($0, replacement: rep, into: &out, scratch: &scratch) }
    if !changed { return text }
    var s = String.UnicodeScalarView()
    for v in out { s.append(Unicode.Scalar(v)!) }
    return String(s)
  }

  /// Appends `text` with every non-overlapping match replaced (Python 3.7+ `re.sub` rules for
  /// empty matches). Returns false when there is no match, or when the work budget ran out (then
  /// `out` holds nothing useful and the text stands unchanged; counted in `scratch.overBudget`).
  public func replaceAll(_ text: UnsafeBufferPointer<UInt8>, replacement: [UInt8], into out: inout [UInt8],
                         scratch: inout RegexScratch) -> Bool {
    replacement.withUnsafeBufferPointer { replaceAllGeneric(text, replacement: $0, into: &out, scratch: &scratch) }
  }

  /// The same with the replacement in raw memory (no array to retain in a hot loop).
  public func replaceAll(_ text: UnsafeBufferPointer<UInt8>, replacement: UnsafeBufferPointer<UInt8>, into out: inout [UInt8],
                         scratch: inout RegexScratch) -> Bool {
    replaceAllGeneric(text, replacement: replacement, into: &out, scratch: &scratch)
  }

  /// The same on Unicode scalars.
  public func replaceAll(_ text: UnsafeBufferPointer<UInt32>, replacement: [UInt32], into out: inout [UInt32],
                         scratch: inout RegexScratch) -> Bool {
    replacement.withUnsafeBufferPointer { replaceAllGeneric(text, replacement: $0, into: &out, scratch: &scratch) }
  }

  // MARK: - Search

  @_specialize(where E == UInt8)
  @_specialize(where E == UInt32)
  func replaceAllGeneric<E: FixedWidthInteger & UnsignedInteger>(
    _ text: UnsafeBufferPointer<E>, replacement: UnsafeBufferPointer<E>, into out: inout [E], scratch: inout RegexScratch
  ) -> Bool {
    if !required.isEmpty && !contains(text, required) { return false }
    let start = out.count
    let changed = bounded(text.count, &scratch) { try replaceAllBounded(text, replacement: replacement, into: &out, scratch: &$0, remaining: &$1) }
    if changed == nil { out.removeSubrange(start...) }
    return changed ?? false
  }

  @_specialize(where E == UInt8)
  @_specialize(where E == UInt32)
  func replaceAllBounded<E: FixedWidthInteger & UnsignedInteger>(
    _ text: UnsafeBufferPointer<E>, replacement: UnsafeBufferPointer<E>, into out: inout [E], scratch: inout RegexScratch,
    remaining: inout Int
  ) throws -> Bool {
    var pos = 0
    var last = 0
    var mustAdvance = false
    var any = false
    var memoFirst = false
    let n = text.count
    while pos <= n {
      guard let m = try search(text, from: pos, mustAdvance: mustAdvance, caps: nil, scratch: &scratch, remaining: &remaining,
                               memoFirst: &memoFirst) else { break }
      if !any {
        out.reserveCapacity(n + replacement.count)
        any = true
      }
      out.append(contentsOf: text[last..<m.lowerBound])
      out.append(contentsOf: replacement)
      last = m.upperBound
      mustAdvance = m.isEmpty
      pos = m.upperBound
    }
    if !any { return false }
    out.append(contentsOf: text[last..<n])
    return true
  }

  @_specialize(where E == UInt8)
  @_specialize(where E == UInt32)
  func searchCaptures<E: FixedWidthInteger & UnsignedInteger>(_ text: UnsafeBufferPointer<E>, from: Int,
                                                             scratch: inout RegexScratch, remaining: inout Int) throws -> [Range<Int>?]? {
    var caps = [Int](repeating: -1, count: 2 * (groupNames.count + 1))
    var memoFirst = false
    let found = try withUnsafeMutablePointer(to: &caps) {
      try search(text, from: from, mustAdvance: false, caps: $0, scratch: &scratch, remaining: &remaining, memoFirst: &memoFirst)
    }
    guard let m = found else { return nil }
    var out: [Range<Int>?] = [m]
    if groupNames.count > 0 {
      for g in 1...groupNames.count {
        let a = caps[2 * g], b = caps[2 * g + 1]
        out.append(a >= 0 && b >= a ? a..<b : nil)
      }
    }
    return out
  }

  /// The memo of the memoizing run holds at most this many words (16 MiB).
  static let maxMemoWords = 1 << 21

  /// Leftmost match at or after `from`: a fast run under a step budget, then (if that runs out)
  /// the memoizing run, which is linear in instructions × text. Both take their steps, and the
  /// memo its words, from `remaining`. `memoFirst`: the fast run already failed on this text
  /// (a later search of the same replacement goes straight to the memo, and sets it when needed).
  /// - Throws: `BudgetExceeded` when `remaining` runs out (or the memo would exceed its bound).
  @_specialize(where E == UInt8)
  @_specialize(where E == UInt32)
  func search<E: FixedWidthInteger & UnsignedInteger>(_ text: UnsafeBufferPointer<E>, from: Int, mustAdvance: Bool,
                                                     caps: UnsafeMutablePointer<[Int]>?, scratch: inout RegexScratch,
                                                     remaining: inout Int, memoFirst: inout Bool) throws -> Range<Int>? {
    let n = text.count
    if from > n { return nil }
    if scratch.stack == nil { scratch.stack = StackBuffer() }
    let stack = scratch.stack!
    if !memoFirst {
      // The fast run may use half of what is left: the memoizing run, linear, gets the rest.
      var engine = Engine(regex: self, text: text, stack: stack, memo: false, budget: min(2_000 + 64 * n, remaining / 2), caps: caps)
      do {
        let found = try engine.searchAll(from: from, mustAdvance: mustAdvance)
        remaining -= engine.steps
        return found
      } catch {
        remaining -= engine.steps
        memoFirst = true
      }
    }
    let words = (memoCode.count * (n + 1) + 63) / 64
    if remaining <= 0 || words > Regex.maxMemoWords || words >= remaining { throw BudgetExceeded() }
    remaining -= words
    if let c = caps { c.pointee = [Int](repeating: -1, count: c.pointee.count) }
    var memoEngine = Engine(regex: self, text: text, stack: stack, memo: true, budget: remaining, caps: caps)
    let found = try memoEngine.searchAll(from: from, mustAdvance: mustAdvance)
    remaining -= memoEngine.steps
    return found
  }
}

/// True when `text` contains the ASCII bytes `needle`.
@inline(__always)
func contains<E: FixedWidthInteger & UnsignedInteger>(_ text: UnsafeBufferPointer<E>, _ needle: [UInt8]) -> Bool {
  let n = text.count, m = needle.count
  if m > n { return false }
  let first = E(needle[0])
  var i = 0
  while i + m <= n {
    if text[i] == first {
      var k = 1
      while k < m && text[i + k] == E(needle[k]) { k += 1 }
      if k == m { return true }
    }
    i += 1
  }
  return false
}
