// Regex: the zl-re/1 matcher. Leftmost-first backtracking (Python's choice of match) over
// Unicode scalars; ASCII text is matched on its bytes directly. A run that exceeds a step budget
// is redone with a visited-state memo (RE2's bit-state method), so no pattern and no input can
// take more than O(instructions × text) steps: a malicious mask cannot hang the parser.

/// A compiled zl-re/1 pattern. Immutable and safe to share between threads; matching needs a
/// `RegexScratch` per thread.
public final class Regex: @unchecked Sendable {
  public let pattern: String
  let program: Program
  let first: CharSet?
  /// For ASCII text: may a match start at a byte with this value?
  let firstByte: [Bool]
  let anchored: Bool
  /// Names of the capturing groups 1...n (nil for unnamed groups).
  public let groupNames: [String?]

  /// Compiles a pattern.
  /// - Throws: `RegexError` naming the offset and the construct outside the dialect.
  public init(_ pattern: String) throws {
    self.pattern = pattern
    var parser = RegexParser(pattern)
    let tree = try parser.parse()
    groupNames = parser.groupNames
    var compiler = Compiler(pattern: pattern)
    program = try compiler.compileMain(tree)
    first = program.firstSet()
    var table = [Bool](repeating: true, count: 256)
    if let f = first {
      for b in 0..<256 { table[b] = b < 128 ? f.contains(UInt32(b)) : true }
    }
    firstByte = table
    anchored = program.anchoredAtStart
  }

  /// The first match at or after `from` as a range of element offsets, or nil.
  /// - Parameter mustAdvance: a match may not be empty at `from` (Python's rule after an empty match).
  public func firstMatch(inBytes text: UnsafeBufferPointer<UInt8>, from: Int = 0, mustAdvance: Bool = false,
                         scratch: inout RegexScratch) -> Range<Int>? {
    search(text, from: from, mustAdvance: mustAdvance, scratch: &scratch)
  }

  public func firstMatch(inScalars text: UnsafeBufferPointer<UInt32>, from: Int = 0, mustAdvance: Bool = false,
                         scratch: inout RegexScratch) -> Range<Int>? {
    search(text, from: from, mustAdvance: mustAdvance, scratch: &scratch)
  }

  /// The first match at or after `from` with the span of every capturing group (index 0 is the
  /// whole match; nil for a group that did not take part), or nil when there is no match.
  public func captures(inBytes text: UnsafeBufferPointer<UInt8>, from: Int = 0, scratch: inout RegexScratch) -> [Range<Int>?]? {
    searchCaptures(text, from: from, scratch: &scratch)
  }

  public func captures(inScalars text: UnsafeBufferPointer<UInt32>, from: Int = 0, scratch: inout RegexScratch) -> [Range<Int>?]? {
    searchCaptures(text, from: from, scratch: &scratch)
  }

  func searchCaptures<E: FixedWidthInteger & UnsignedInteger>(_ text: UnsafeBufferPointer<E>, from: Int,
                                                             scratch: inout RegexScratch) -> [Range<Int>?]? {
    let n = text.count
    if from > n { return nil }
    var caps = [Int](repeating: -1, count: 2 * (groupNames.count + 1))
    var engine = Engine(text: text, program: program, memo: false, budget: 2_000 + 64 * n)
    var found: Range<Int>?? = nil
    if let r = try? engine.searchAll(regex: self, from: from, mustAdvance: false, scratch: &scratch, caps: &caps) {
      found = .some(r)
    } else {
      caps = [Int](repeating: -1, count: caps.count)
      engine = Engine(text: text, program: program, memo: true, budget: Int.max)
      found = .some((try? engine.searchAll(regex: self, from: from, mustAdvance: false, scratch: &scratch, caps: &caps)) ?? nil)
    }
    guard let m = found ?? nil else { return nil }
    var out: [Range<Int>?] = [m]
    for g in 1...max(1, groupNames.count) where g <= groupNames.count {
      let a = caps[2 * g], b = caps[2 * g + 1]
      out.append(a >= 0 && b >= a ? a..<b : nil)
    }
    return out
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
    var changed = false
    scalars.withUnsafeBufferPointer { buf in
      changed = replaceAll(buf, replacement: rep, into: &out, scratch: &scratch)
    }
    if !changed { return text }
    var s = String.UnicodeScalarView()
    for v in out { s.append(Unicode.Scalar(v)!) }
    return String(s)
  }

  /// Appends `text` with every non-overlapping match replaced (Python 3.7+ `re.sub` rules for
  /// empty matches). Returns false, appending nothing, when there is no match.
  public func replaceAll<E: FixedWidthInteger & UnsignedInteger>(
    _ text: UnsafeBufferPointer<E>, replacement: [E], into out: inout [E], scratch: inout RegexScratch
  ) -> Bool {
    var pos = 0
    var last = 0
    var mustAdvance = false
    var any = false
    let n = text.count
    while pos <= n {
      guard let m = search(text, from: pos, mustAdvance: mustAdvance, scratch: &scratch) else { break }
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

  // MARK: - Search

  func search<E: FixedWidthInteger & UnsignedInteger>(_ text: UnsafeBufferPointer<E>, from: Int, mustAdvance: Bool,
                                                     scratch: inout RegexScratch) -> Range<Int>? {
    let n = text.count
    if from > n { return nil }
    var engine = Engine(text: text, program: program, memo: false, budget: 2_000 + 64 * n)
    if let r = try? engine.searchAll(regex: self, from: from, mustAdvance: mustAdvance, scratch: &scratch) {
      return r
    }
    // Budget exceeded: redo with memoization, which is linear in instructions × text.
    engine = Engine(text: text, program: program, memo: true, budget: Int.max)
    return (try? engine.searchAll(regex: self, from: from, mustAdvance: mustAdvance, scratch: &scratch)) ?? nil
  }
}

/// Reusable buffers for matching (one per thread).
public struct RegexScratch {
  var stackPool: [[Int]] = []
  var visited: [UInt64] = []
  public init() {}
}

struct BudgetExceeded: Error {}

struct Engine<E: FixedWidthInteger & UnsignedInteger> {
  let text: UnsafeBufferPointer<E>
  let n: Int
  let program: Program
  let memo: Bool
  let budget: Int
  var steps = 0

  init(text: UnsafeBufferPointer<E>, program: Program, memo: Bool, budget: Int) {
    self.text = text
    self.n = text.count
    self.program = program
    self.memo = memo
    self.budget = budget
  }

  mutating func searchAll(regex: Regex, from: Int, mustAdvance: Bool, scratch: inout RegexScratch) throws -> Range<Int>? {
    var none: [Int] = []
    return try searchAll(regex: regex, from: from, mustAdvance: mustAdvance, scratch: &scratch, caps: &none)
  }

  /// `caps` empty: no capture tracking; else 2 slots per group, set for the match found.
  mutating func searchAll(regex: Regex, from: Int, mustAdvance: Bool, scratch: inout RegexScratch, caps: inout [Int]) throws -> Range<Int>? {
    var visited: [UInt64] = []
    if memo {
      swap(&visited, &scratch.visited)
      let words = (program.code.count * (n + 1) + 63) / 64
      if visited.count < words { visited = [UInt64](repeating: 0, count: words) } else {
        for k in 0..<words { visited[k] = 0 }
      }
    }
    defer { if memo { swap(&visited, &scratch.visited) } }
    if regex.anchored && from > 0 { return nil }
    let lastStart = regex.anchored ? 0 : n
    var start = from
    while start <= lastStart {
      if regex.first != nil {
        // Skip positions where no match can begin.
        while start < n {
          let c = UInt32(truncatingIfNeeded: text[start])
          if E.bitWidth == 8 ? regex.firstByte[Int(c)] : regex.first!.contains(c) { break }
          start += 1
        }
        if start >= n { return nil }
      }
      if let end = try run(program.code, start: start, requiredEnd: -1,
                           notEmptyAt: mustAdvance && start == from ? start : -1,
                           visited: &visited, scratch: &scratch, caps: &caps) {
        return start..<end
      }
      start += 1
    }
    return nil
  }

  @inline(__always)
  func isWord(_ pos: Int) -> Bool {
    guard pos >= 0 && pos < n else { return false }
    let c = UInt32(truncatingIfNeeded: text[pos])
    return c < 128 && CharSet.word.contains(c)
  }

  /// Runs `code` from `start`; returns the end of the first match in priority order. `visited`
  /// is the memo bitmap (empty when not memoizing).
  mutating func run(_ code: [Inst], start: Int, requiredEnd: Int, notEmptyAt: Int,
                    visited: inout [UInt64], scratch: inout RegexScratch) throws -> Int? {
    var none: [Int] = []
    return try run(code, start: start, requiredEnd: requiredEnd, notEmptyAt: notEmptyAt, visited: &visited, scratch: &scratch, caps: &none)
  }

  /// Stack entries are (pc, pos) pairs; a negative pc −1−slot is an undo entry restoring
  /// capture slot `slot` to the value in the pos field when backtracking passes it.
  mutating func run(_ code: [Inst], start: Int, requiredEnd: Int, notEmptyAt: Int,
                    visited: inout [UInt64], scratch: inout RegexScratch, caps: inout [Int]) throws -> Int? {
    let tracking = !caps.isEmpty
    var stack = scratch.stackPool.popLast() ?? []
    stack.removeAll(keepingCapacity: true)
    defer { scratch.stackPool.append(stack) }
    let useVisited = !visited.isEmpty
    stack.append(0)
    stack.append(start)
    let width = n + 1
    while let pos0 = stack.popLast() {
      var pos = pos0
      var pc = stack.removeLast()
      if pc < 0 {
        caps[-1 - pc] = pos
        continue
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
          guard pos < n, program.sets[Int(inst.a)].contains(UInt32(truncatingIfNeeded: text[pos])) else { break }
          pos += 1
          pc += 1
          continue
        case .split:
          stack.append(Int(inst.b))
          stack.append(pos)
          pc = Int(inst.a)
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
          guard try look(Int(inst.a), at: pos, scratch: &scratch) else { break }
          pc += 1
          continue
        case .save:
          let slot = Int(inst.a)
          if tracking && slot < caps.count {
            stack.append(-1 - slot)
            stack.append(caps[slot])
            caps[slot] = pos
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

  /// Evaluates look-around `index` at `pos`. A body of one character or class is tested directly.
  mutating func look(_ index: Int, at pos: Int, scratch: inout RegexScratch) throws -> Bool {
    let sub = program.subs[index]
    let from = sub.ahead ? pos : pos - sub.width
    var matched = false
    if from >= 0 {
      if sub.code.count == 2 && (sub.code[0].op == .set || sub.code[0].op == .char) {
        if from < n {
          let c = UInt32(truncatingIfNeeded: text[from])
          let i = sub.code[0]
          matched = i.op == .char ? c == UInt32(bitPattern: i.a) : program.sets[Int(i.a)].contains(c)
        }
      } else {
        var visited: [UInt64] = memo ? [UInt64](repeating: 0, count: (sub.code.count * (n + 1) + 63) / 64) : []
        matched = try run(sub.code, start: from, requiredEnd: sub.ahead ? -1 : pos, notEmptyAt: -1,
                          visited: &visited, scratch: &scratch) != nil
      }
    }
    return matched != sub.negated
  }
}
