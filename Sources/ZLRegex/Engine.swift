// Engine: the backtracking matcher behind Regex — leftmost-first over bytes or Unicode scalars, an
// explicit stack in reusable scratch, a step budget after which the run is redone with a
// visited-state memo (RE2's bit-state method), and one-step look-arounds.

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

/// Reusable buffers for matching (one per thread), and the work budget (Formats/zlck-v1.md
/// Appendix B, "Work"): every search may take at most `RegexScratch.budget(forLength:)` steps of
/// matching (backtracking steps, characters scanned, and the memo's words), or, when `lineBudget`
/// is set, what is left of one budget shared by several calls on one line (the masking chain). A
/// call that runs out gives up: no match, no change; it is counted in `overBudget`.
public struct RegexScratch {
  var stack: StackBuffer?
  /// Steps left of a budget shared across calls (nil: each call gets its own).
  public var lineBudget: Int?
  /// Calls that gave up because the budget ran out.
  public internal(set) var overBudget = 0
  public init() {}

  /// The work one search on a text of `n` characters may do: linear in the text.
  public static func budget(forLength n: Int) -> Int { base + perCharacter * n }
  public static let base = 10_000
  public static let perCharacter = 128
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
        // Without a memo even in the memoizing run: a memo per evaluation would cost the whole
        // text's size each time; the steps count against the same budget instead.
        var visited: [UInt64] = []
        matched = try run(lk.code, guardBits: lk.guardBits, guardFlags: lk.guardFlags, start: from, requiredEnd: lk.ahead ? -1 : pos, notEmptyAt: -1, visited: &visited, capture: false) != nil
      }
    }
    return matched != lk.negated
  }
}
