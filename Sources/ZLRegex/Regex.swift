// Regex: the zl-re/1 matcher. Leftmost-first backtracking (Python's choice of match) over
// Unicode scalars; ASCII text is matched on its bytes directly. A run that exceeds a step budget
// is redone with a visited-state memo (RE2's bit-state method), so no pattern and no input can
// take more than O(instructions × text) steps: a malicious mask cannot hang the parser.
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
    search(text, from: from, mustAdvance: mustAdvance, caps: nil, scratch: &scratch)
  }

  public func firstMatch(inScalars text: UnsafeBufferPointer<UInt32>, from: Int = 0, mustAdvance: Bool = false,
                         scratch: inout RegexScratch) -> Range<Int>? {
    search(text, from: from, mustAdvance: mustAdvance, caps: nil, scratch: &scratch)
  }

  /// The first match at or after `from` with the span of every capturing group (index 0 is the
  /// whole match; nil for a group that did not take part), or nil when there is no match.
  public func captures(inBytes text: UnsafeBufferPointer<UInt8>, from: Int = 0, scratch: inout RegexScratch) -> [Range<Int>?]? {
    searchCaptures(text, from: from, scratch: &scratch)
  }

  public func captures(inScalars text: UnsafeBufferPointer<UInt32>, from: Int = 0, scratch: inout RegexScratch) -> [Range<Int>?]? {
    searchCaptures(text, from: from, scratch: &scratch)
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
  /// empty matches). Returns false, appending nothing, when there is no match.
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
    var pos = 0
    var last = 0
    var mustAdvance = false
    var any = false
    let n = text.count
    while pos <= n {
      guard let m = search(text, from: pos, mustAdvance: mustAdvance, caps: nil, scratch: &scratch) else { break }
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
                                                             scratch: inout RegexScratch) -> [Range<Int>?]? {
    var caps = [Int](repeating: -1, count: 2 * (groupNames.count + 1))
    let found = withUnsafeMutablePointer(to: &caps) { search(text, from: from, mustAdvance: false, caps: $0, scratch: &scratch) }
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

  /// Leftmost match at or after `from`: a fast run under a step budget, then (if the budget runs
  /// out) the memoizing run, which is linear in instructions × text.
  @_specialize(where E == UInt8)
  @_specialize(where E == UInt32)
  func search<E: FixedWidthInteger & UnsignedInteger>(_ text: UnsafeBufferPointer<E>, from: Int, mustAdvance: Bool,
                                                     caps: UnsafeMutablePointer<[Int]>?, scratch: inout RegexScratch) -> Range<Int>? {
    let n = text.count
    if from > n { return nil }
    if scratch.stack == nil { scratch.stack = StackBuffer() }
    let stack = scratch.stack!
    var engine = Engine(regex: self, text: text, stack: stack, memo: false, budget: 2_000 + 64 * n, caps: caps)
    do {
      return try engine.searchAll(from: from, mustAdvance: mustAdvance)
    } catch {
      if let c = caps { c.pointee = [Int](repeating: -1, count: c.pointee.count) }
      var memoEngine = Engine(regex: self, text: text, stack: stack, memo: true, budget: Int.max, caps: caps)
      return (try? memoEngine.searchAll(from: from, mustAdvance: mustAdvance)) ?? nil
    }
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

/// A look-around as plain data.
struct LookInfo {
  var ahead: Bool
  var negated: Bool
  var width: Int
  var single: Bool
  var singleIsChar: Bool
  var singleArg: Int32
  var code: UnsafeMutablePointer<Inst>
  var codeCount: Int
  var guardBits: UnsafeMutablePointer<UInt64>
  var guardFlags: UnsafeMutablePointer<UInt8>
}

/// Reusable buffers for matching (one per thread).
public struct RegexScratch {
  var stack: StackBuffer?
  public init() {}
}

/// A growable stack of Ints in raw memory.
final class StackBuffer {
  var base: UnsafeMutablePointer<Int>
  var capacity: Int
  init(capacity: Int = 256) {
    self.capacity = capacity
    base = .allocate(capacity: capacity)
  }
  deinit { base.deallocate() }
  func grow() {
    let bigger = UnsafeMutablePointer<Int>.allocate(capacity: capacity * 2)
    bigger.moveInitialize(from: base, count: capacity)
    base.deallocate()
    base = bigger
    capacity *= 2
  }
}

struct BudgetExceeded: Error {}

/// One search. It holds unowned(unsafe) references and raw pointers only: the regex and the
/// scratch outlive it (it lives inside one call of `Regex.search`), and retaining them on every
/// call was a measurable share of parsing time.
struct Engine<E: FixedWidthInteger & UnsignedInteger> {
  unowned(unsafe) let regex: Regex
  let text: UnsafePointer<E>
  let n: Int
  unowned(unsafe) let stack: StackBuffer
  let memo: Bool
  let budget: Int
  var steps = 0
  let caps: UnsafeMutablePointer<[Int]>?
  let sets: UnsafeMutablePointer<UInt64>
  let code: UnsafeMutablePointer<Inst>
  let codeCount: Int
  let mainGuardBits: UnsafeMutablePointer<UInt64>
  let mainGuardFlags: UnsafeMutablePointer<UInt8>

  init(regex: Regex, text: UnsafeBufferPointer<E>, stack: StackBuffer, memo: Bool, budget: Int, caps: UnsafeMutablePointer<[Int]>?) {
    self.regex = regex
    self.text = text.baseAddress ?? UnsafePointer(bitPattern: 1)!
    self.n = text.count
    self.stack = stack
    self.memo = memo
    self.budget = budget
    self.caps = caps
    self.sets = memo ? regex.memoBits : regex.asciiBits
    let c = memo ? regex.memoCode : regex.code
    self.code = c.base
    self.codeCount = c.count
    self.mainGuardBits = c.guardBits
    self.mainGuardFlags = c.guardFlags
  }

  mutating func searchAll(from: Int, mustAdvance: Bool) throws -> Range<Int>? {
    var visited: [UInt64] = memo ? [UInt64](repeating: 0, count: (codeCount * (n + 1) + 63) / 64) : []
    if regex.anchored && from > 0 { return nil }
    let lastStart = regex.anchored ? 0 : n
    let filter = regex.hasFirst
    let firstByte = regex.firstByte
    let prefixCount = regex.prefixCount
    let prefix = regex.prefixBase
    let constrained = regex.previousConstrained && E.bitWidth == 8
    let previousByte = regex.previousByte
    let zeroAllowed = regex.startAllowedAtZero
    var start = from
    while start <= lastStart {
      if filter {
        // Skip positions where no match can begin.
        while start < n {
          let c = UInt32(truncatingIfNeeded: text[start])
          if E.bitWidth == 8 ? firstByte[Int(c)] : regex.first!.contains(c) { break }
          start += 1
        }
        if start >= n { return nil }
        if constrained && !(start == 0 ? zeroAllowed : previousByte[Int(UInt8(truncatingIfNeeded: text[start - 1]))]) {
          start += 1
          continue
        }
        if prefixCount > 1 {
          if start + prefixCount > n { return nil }
          var ok = true
          for k in 1..<prefixCount where UInt32(truncatingIfNeeded: text[start + k]) != prefix[k] {
            ok = false
            break
          }
          if !ok {
            start += 1
            continue
          }
        }
      }
      if let end = try run(code, guardBits: mainGuardBits, guardFlags: mainGuardFlags, start: start, requiredEnd: -1, notEmptyAt: mustAdvance && start == from ? start : -1,
                           visited: &visited, capture: true) {
        if let c = caps, c.pointee.count >= 2 {
          c.pointee[0] = start
          c.pointee[1] = end
        }
        return start..<end
      }
      start += 1
    }
    return nil
  }

  @inline(__always)
  func inSet(_ set: Int32, _ c: UInt32) -> Bool {
    if c < 128 { return (sets[2 * Int(set) + Int(c >> 6)] >> UInt64(c & 63)) & 1 != 0 }
    return (memo ? regex.memoSets : regex.sets)[Int(set)].contains(c)
  }

  @inline(__always)
  func isWord(_ pos: Int) -> Bool {
    guard pos >= 0 && pos < n else { return false }
    let c = UInt32(truncatingIfNeeded: text[pos])
    return c < 128 && CharSet.word.contains(c)
  }

  /// Runs `code` from `start`; returns the end of the first match in priority order. Stack
  /// entries are (pc, pos, aux) triples: aux 0 a choice point; aux 1 an undo entry restoring
  /// capture slot pc to the value pos; aux 2 | lower << 2 a span that can give back characters
  /// down to `lower`, continuing at pc.
  mutating func run(_ code: UnsafeMutablePointer<Inst>, guardBits: UnsafeMutablePointer<UInt64>,
                    guardFlags: UnsafeMutablePointer<UInt8>, start: Int, requiredEnd: Int, notEmptyAt: Int,
                    visited: inout [UInt64], capture: Bool) throws -> Int? {
    let tracking = capture && caps != nil
    let useVisited = !visited.isEmpty
    let width = n + 1
    let base = stackTop
    defer { stackTop = base }
    push(0, start, 0)
    while stackTop > base {
      stackTop -= 3
      var pc = stack.base[stackTop]
      var pos = stack.base[stackTop + 1]
      let aux = stack.base[stackTop + 2]
      if aux != 0 {
        if aux & 3 == 1 {
          caps!.pointee[pc] = pos
          continue
        }
        // A span giving back one more character: try `pos`, keep the rest for later.
        let lower = aux >> 2
        if pos > lower { push(pc, pos - 1, aux) }
      }
      while true {
        steps += 1
        if steps > budget { throw BudgetExceeded() }
        if useVisited {
          let bit = pc * width + pos
          let word = bit >> 6, mask = UInt64(1) << UInt64(bit & 63)
          if visited[word] & mask != 0 { break }
          visited[word] |= mask
        }
        let inst = code[pc]
        switch inst.op {
        case .char:
          guard pos < n, UInt32(truncatingIfNeeded: text[pos]) == UInt32(bitPattern: inst.a) else { break }
          pos += 1
          pc += 1
          continue
        case .set:
          guard pos < n, inSet(inst.a, UInt32(truncatingIfNeeded: text[pos])) else { break }
          pos += 1
          pc += 1
          continue
        case .split:
          let g = guardFlags[pc]
          if g == 0 {
            push(Int(inst.b), pos, 0)
            pc = Int(inst.a)
            continue
          }
          // A guarded branch that cannot start with this character (or at the end) is skipped.
          var okA = true, okB = true
          if pos >= n {
            okA = g & 1 == 0
            okB = g & 2 == 0
          } else {
            let c = UInt32(truncatingIfNeeded: text[pos])
            if c < 128 {
              let word = Int(c >> 6), bit = UInt64(1) << UInt64(c & 63)
              if g & 1 != 0 { okA = guardBits[pc * 4 + word] & bit != 0 }
              if g & 2 != 0 { okB = guardBits[pc * 4 + 2 + word] & bit != 0 }
            }
          }
          if okB {
            if okA {
              push(Int(inst.b), pos, 0)
              pc = Int(inst.a)
            } else {
              pc = Int(inst.b)
            }
            continue
          }
          if okA {
            pc = Int(inst.a)
            continue
          }
        case .span:
          let maxCount = Int(inst.b >> 16)
          let limit = maxCount == 0x7FFF ? n : min(n, pos + maxCount)
          var e = pos
          while e < limit && inSet(inst.a, UInt32(truncatingIfNeeded: text[e])) { e += 1 }
          steps += e - pos  // scanned characters count against the budget
          let lower = pos + Int(inst.b & 0x7FFF)
          guard e >= lower else { break }
          if e > lower && inst.b & 0x8000 == 0 { push(pc + 1, e - 1, lower << 2 | 2) }
          pos = e
          pc += 1
          continue
        case .jump:
          pc = Int(inst.a)
          continue
        case .start:
          guard pos == 0 else { break }
          pc += 1
          continue
        case .end:
          guard pos == n || (pos == n - 1 && text[n - 1] == 10) else { break }
          pc += 1
          continue
        case .absoluteEnd:
          guard pos == n else { break }
          pc += 1
          continue
        case .boundary:
          let atBoundary = isWord(pos - 1) != isWord(pos)
          guard atBoundary == (inst.a == 1) else { break }
          pc += 1
          continue
        case .look:
          guard try look(Int(inst.a), at: pos) else { break }
          pc += 1
          continue
        case .save:
          let slot = Int(inst.a)
          if tracking && slot < caps!.pointee.count {
            push(slot, caps!.pointee[slot], 1)
            caps!.pointee[slot] = pos
          }
          pc += 1
          continue
        case .match:
          if requiredEnd >= 0 && pos != requiredEnd { break }
          if pos == notEmptyAt { break }
          return pos
        }
        break
      }
    }
    return nil
  }

  var stackTop: Int {
    get { topStorage }
    set { topStorage = newValue }
  }
  private var topStorage = 0

  @inline(__always)
  mutating func push(_ a: Int, _ b: Int, _ c: Int) {
    if stackTop + 3 > stack.capacity { stack.grow() }
    stack.base[stackTop] = a
    stack.base[stackTop + 1] = b
    stack.base[stackTop + 2] = c
    stackTop += 3
  }

  /// Evaluates look-around `index` at `pos`. A body of one character or class is tested directly.
  mutating func look(_ index: Int, at pos: Int) throws -> Bool {
    let lk = (memo ? regex.memoLookInfo : regex.lookInfo)[index]
    let from = lk.ahead ? pos : pos - lk.width
    var matched = false
    if from >= 0 {
      if lk.single {
        if from < n {
          let c = UInt32(truncatingIfNeeded: text[from])
          matched = lk.singleIsChar ? c == UInt32(bitPattern: lk.singleArg) : inSet(lk.singleArg, c)
        }
      } else {
        var visited: [UInt64] = memo ? [UInt64](repeating: 0, count: (lk.codeCount * (n + 1) + 63) / 64) : []
        matched = try run(lk.code, guardBits: lk.guardBits, guardFlags: lk.guardFlags, start: from, requiredEnd: lk.ahead ? -1 : pos, notEmptyAt: -1, visited: &visited, capture: false) != nil
      }
    }
    return matched != lk.negated
  }
}
