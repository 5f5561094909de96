// Program: compiles a zl-re/1 syntax tree into instructions for the backtracking matcher —
// counted repeats unrolled, so a (instruction, position) pair is a complete match state and can
// be memoized — plus the set of scalars that can begin a match, for skipping start positions.

enum Op: UInt8 {
  case char, set, split, jump, start, end, absoluteEnd, boundary, look, save, span, match
}

struct Inst {
  var op: Op
  var a: Int32 = 0
  var b: Int32 = 0
}

/// A compiled program: main code and one sub-program per look-around.
struct Program {
  var code: [Inst] = []
  var sets: [CharSet] = []
  /// Look-around sub-programs: (code, ahead, negated, width for look-behind).
  var subs: [SubProgram] = []
  static let maxInstructions = 50_000

  struct SubProgram {
    var code: [Inst]
    var ahead: Bool
    var negated: Bool
    var width: Int
  }
}

struct Compiler {
  var sets: [CharSet] = []
  var subs: [Program.SubProgram] = []
  var pattern: String
  /// Groups inside look-arounds do not capture (their positions are not reported).
  var inLook = 0
  /// Emit `span` for greedy single-class runs (off for the memoizing program, whose (instruction,
  /// position) states must each cost O(1) for the linear bound).
  var useSpan = true
  /// Emit `save` for capturing groups (off for programs whose callers never read captures).
  var useSaves = true
  /// Instructions of finished look-around sub-programs, and of the programs enclosing the one being
  /// emitted: the bound counts them all, so a repeated look-around cannot multiply past it
  /// (`((?=a){66}){66}` made 4,356 sub-programs, each under the bound, and 2 GB).
  var subInstructions = 0
  var enclosing = 0

  mutating func compileMain(_ node: RegexNode) throws -> Program {
    var code: [Inst] = []
    try emit(node, into: &code)
    code.append(Inst(op: .match))
    Program.markPossessiveSpans(&code, sets: sets)
    return Program(code: code, sets: sets, subs: subs)
  }

  /// `(?<=S)|^` and `(?=S)|$` — Drain3 masks' "bounded by a non-word character or the text's
  /// edge" — as one look-around without a choice point: `(?<![^S])` and `(?![^S])`. Both
  /// alternatives are zero-width and capture nothing, so only whether one succeeds matters, and:
  /// at p > 0 `(?<=S)` ⇔ `(?<![^S])`, at p = 0 `^` holds and so does the negated look (nothing is
  /// before); at p < n `$` only holds before a final newline, at p = n both hold — so the ahead form
  /// is used only when S contains the newline. Either order of the two alternatives.
  static func boundaryLook(_ alts: [RegexNode]) -> RegexNode? {
    guard alts.count == 2 else { return nil }
    for (look, anchor) in [(alts[0], alts[1]), (alts[1], alts[0])] {
      guard case .look(let body, let ahead, false) = look, let set = Compiler.unwrapped(body).singleClass else { continue }
      if !ahead, case .startAnchor = anchor { return .look(.set(set.negatedCopy()), ahead: false, negated: true) }
      if ahead, case .endAnchor = anchor, set.contains(10) { return .look(.set(set.negatedCopy()), ahead: true, negated: true) }
    }
    return nil
  }

  /// A node without the (non-capturing inside look-arounds) groups around it.
  static func unwrapped(_ n: RegexNode) -> RegexNode {
    if case .group(let b, _, _) = n { return unwrapped(b) }
    return n
  }

  func tooLarge() -> RegexError {
    RegexError(pattern: pattern, offset: 0, reason: "pattern compiles to more than \(Program.maxInstructions) instructions (repeats unrolled, look-arounds included)")
  }

  /// Throws once the program, its enclosing programs and the finished look-arounds pass the bound.
  func check(_ code: [Inst]) throws {
    if code.count + enclosing + subInstructions > Program.maxInstructions { throw tooLarge() }
  }

  mutating func emit(_ node: RegexNode, into code: inout [Inst]) throws {
    try check(code)
    switch node {
    case .empty: break
    case .literal(let c): code.append(Inst(op: .char, a: Int32(bitPattern: c)))
    case .set(let s):
      let idx: Int
      if let k = sets.firstIndex(of: s) { idx = k } else {
        sets.append(s)
        idx = sets.count - 1
      }
      code.append(Inst(op: .set, a: Int32(idx)))
    case .concat(let parts):
      for p in parts { try emit(p, into: &code) }
    case .alternation(let alts) where Compiler.boundaryLook(alts) != nil:
      try emit(Compiler.boundaryLook(alts)!, into: &code)
    case .alternation(let alts):
      // split L1, next; L1: alt0; jmp END; next: split L2, next2; ... last alt; END
      var jumps: [Int] = []
      for (k, alt) in alts.enumerated() {
        if k < alts.count - 1 {
          let split = code.count
          code.append(Inst(op: .split, a: Int32(split + 1), b: 0))
          try emit(alt, into: &code)
          jumps.append(code.count)
          code.append(Inst(op: .jump))
          code[split].b = Int32(code.count)
        } else {
          try emit(alt, into: &code)
        }
      }
      for j in jumps { code[j].a = Int32(code.count) }
    case .repetition(let body, let lo, let hi, let greedy) where useSpan && greedy && body.singleClass != nil && (hi == nil || hi! > 1):
      // A greedy run over one class (\d+, [a-f]{6,}, x{1,3}): one instruction that scans up to the
      // maximum, then gives back one character at a time down to the minimum on backtracking —
      // the order the unrolled loop would try. b = min | max << 16 (max 0x7FFF: unbounded; counts are at
      // most 1000); bit 15 is set later when giving back is futile (`markPossessiveSpans`).
      let set = body.singleClass!
      let idx: Int
      if let k = sets.firstIndex(of: set) { idx = k } else {
        sets.append(set)
        idx = sets.count - 1
      }
      code.append(Inst(op: .span, a: Int32(idx), b: Int32(lo) | Int32(hi ?? 0x7FFF) << 16))
    case .repetition(let body, let lo, let hi, let greedy):
      for _ in 0..<lo { try emit(body, into: &code) }
      if let hi = hi {
        var exits: [Int] = []
        for _ in lo..<hi {
          let split = code.count
          code.append(Inst(op: .split))
          try emit(body, into: &code)
          exits.append(split)
          try check(code)
        }
        let end = Int32(code.count)
        for s in exits {
          code[s].a = greedy ? Int32(s + 1) : end
          code[s].b = greedy ? end : Int32(s + 1)
        }
      } else {
        let loop = code.count
        code.append(Inst(op: .split))
        try emit(body, into: &code)
        code.append(Inst(op: .jump, a: Int32(loop)))
        let end = Int32(code.count)
        code[loop].a = greedy ? Int32(loop + 1) : end
        code[loop].b = greedy ? end : Int32(loop + 1)
      }
    case .startAnchor: code.append(Inst(op: .start))
    case .endAnchor: code.append(Inst(op: .end))
    case .absoluteEnd: code.append(Inst(op: .absoluteEnd))
    case .wordBoundary(let yes): code.append(Inst(op: .boundary, a: yes ? 1 : 0))
    case .group(let body, let index, _):
      if inLook > 0 || !useSaves {
        try emit(body, into: &code)
      } else {
        code.append(Inst(op: .save, a: Int32(2 * index)))
        try emit(body, into: &code)
        code.append(Inst(op: .save, a: Int32(2 * index + 1)))
      }
    case .look(let body, let ahead, let negated):
      var sub: [Inst] = []
      let outer = code.count
      inLook += 1
      enclosing += outer
      defer {
        inLook -= 1
        enclosing -= outer
      }
      try emit(body, into: &sub)
      subInstructions += sub.count + 1
      try check(code)
      sub.append(Inst(op: .match))
      Program.markPossessiveSpans(&sub, sets: sets)
      subs.append(Program.SubProgram(code: sub, ahead: ahead, negated: negated, width: body.fixedWidth ?? 0))
      code.append(Inst(op: .look, a: Int32(subs.count - 1)))
    }
  }
}

extension Program {
  /// Sets bit 15 of a greedy span's b when what follows it can never begin with one of the span's
  /// characters: a given-back character would have to be consumed next by an instruction that
  /// cannot take it, so backtracking into the span cannot succeed and the matchers skip it (the
  /// same matches, fewer steps: `[0-9]+\.` on a digit run without a dot no longer retries every
  /// shorter run). Spans whose continuation can end the match without consuming are left alone.
  static func markPossessiveSpans(_ code: inout [Inst], sets: [CharSet]) {
    let p = Program(code: code, sets: sets, subs: [])
    for pc in code.indices where code[pc].op == .span {
      guard let follow = p.firstSet(from: pc + 1) else { continue }
      if CharSet.disjoint(sets[Int(code[pc].a)], follow) { code[pc].b |= 0x8000 }
    }
  }

  /// The scalars that can be consumed first by a match, or nil when a match can be empty (then
  /// every position must be tried).
  func firstSet() -> CharSet? { firstSet(from: 0) }

  /// The scalars the first consuming instruction reachable from `pc` can take, or nil when `pc`
  /// can reach the end of the pattern without consuming (then nothing can be ruled out).
  func firstSet(from start: Int) -> CharSet? {
    var result = CharSet()
    var seen = Set<Int>()
    var stack = [start]
    while let pc = stack.popLast() {
      if !seen.insert(pc).inserted { continue }
      let inst = code[pc]
      switch inst.op {
      case .char: result.add(UInt32(bitPattern: inst.a))
      case .set: result.add(sets[Int(inst.a)])
      case .span:
        result.add(sets[Int(inst.a)])
        if inst.b & 0x7FFF == 0 { stack.append(pc + 1) }
      case .split:
        stack.append(Int(inst.a))
        stack.append(Int(inst.b))
      case .jump: stack.append(Int(inst.a))
      case .start, .end, .absoluteEnd, .boundary, .look, .save: stack.append(pc + 1)
      case .match: return nil
      }
    }
    return result
  }

  /// Per split instruction: for each branch, the ASCII characters it can start with (2 words each:
  /// a-lo, a-hi, b-lo, b-hi), and flags (bit 0: branch a is guarded, bit 1: branch b is guarded).
  /// A guarded branch cannot succeed at a position whose character is outside its set (or at the
  /// end of the text), so the matcher neither pushes nor enters it there.
  func splitGuards() -> (bits: [UInt64], flags: [UInt8]) {
    var bits = [UInt64](repeating: 0, count: code.count * 4)
    var flags = [UInt8](repeating: 0, count: code.count)
    for (pc, inst) in code.enumerated() where inst.op == .split {
      for (k, target) in [Int(inst.a), Int(inst.b)].enumerated() {
        guard let set = firstSet(from: target) else { continue }
        var lo: UInt64 = 0, hi: UInt64 = 0
        for c in 0..<128 where set.contains(UInt32(c)) {
          if c < 64 { lo |= 1 << UInt64(c) } else { hi |= 1 << UInt64(c - 64) }
        }
        bits[pc * 4 + 2 * k] = lo
        bits[pc * 4 + 2 * k + 1] = hi
        flags[pc] |= UInt8(1 << k)
      }
    }
    return (bits, flags)
  }

  /// A condition on the character before a match's start, when every way into the pattern's first
  /// consuming instruction passes a one-class look-behind or `^`: (the allowed previous characters,
  /// whether position 0 is allowed). nil when some path has no such condition.
  func startCondition() -> (previous: CharSet, atStart: Bool)? {
    var allowed = CharSet()
    var atStart = false
    var seen = Set<Int>()
    // (pc, conditioned) pairs on zero-width paths from the start.
    var stack: [(Int, Bool)] = [(0, false)]
    while let (pc, conditioned) = stack.popLast() {
      if !seen.insert(pc * 2 + (conditioned ? 1 : 0)).inserted { continue }
      let inst = code[pc]
      switch inst.op {
      case .split:
        stack.append((Int(inst.a), conditioned))
        stack.append((Int(inst.b), conditioned))
      case .jump: stack.append((Int(inst.a), conditioned))
      case .save: stack.append((pc + 1, conditioned))
      case .start:
        atStart = true
        stack.append((pc + 1, true))
      case .look:
        let sub = subs[Int(inst.a)]
        if !sub.ahead && sub.width == 1 && sub.code.count == 2 && (sub.code[0].op == .set || sub.code[0].op == .char) {
          var one = CharSet()
          if sub.code[0].op == .set { one = sets[Int(sub.code[0].a)] } else { one.add(UInt32(bitPattern: sub.code[0].a)) }
          if sub.negated {
            // (?<![^S]): the previous character is in S, or there is none.
            allowed.add(one.negatedCopy())
            atStart = true
          } else {
            allowed.add(one)
          }
          stack.append((pc + 1, true))
        } else {
          stack.append((pc + 1, conditioned))
        }
      case .end, .absoluteEnd, .boundary:
        stack.append((pc + 1, conditioned))
      case .char, .set, .span, .match:
        if !conditioned { return nil }
      }
    }
    return (allowed, atStart)
  }

  /// True when the first instruction path requires the start of the text (`^...`).
  var anchoredAtStart: Bool {
    var pc = 0
    while pc < code.count && code[pc].op == .save { pc += 1 }
    return pc < code.count && code[pc].op == .start
  }
}
