// Program: compiles a zl-re/1 syntax tree into instructions for the backtracking matcher —
// counted repeats unrolled, so a (instruction, position) pair is a complete match state and can
// be memoized — plus the set of scalars that can begin a match, for skipping start positions.

enum Op: UInt8 {
  case char, set, split, jump, start, end, absoluteEnd, boundary, look, save, match
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

  mutating func compileMain(_ node: RegexNode) throws -> Program {
    var code: [Inst] = []
    try emit(node, into: &code)
    code.append(Inst(op: .match))
    return Program(code: code, sets: sets, subs: subs)
  }

  func tooLarge() -> RegexError {
    RegexError(pattern: pattern, offset: 0, reason: "pattern compiles to more than \(Program.maxInstructions) instructions")
  }

  mutating func emit(_ node: RegexNode, into code: inout [Inst]) throws {
    if code.count > Program.maxInstructions { throw tooLarge() }
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
    case .repetition(let body, let lo, let hi, let greedy):
      for _ in 0..<lo { try emit(body, into: &code) }
      if let hi = hi {
        var exits: [Int] = []
        for _ in lo..<hi {
          let split = code.count
          code.append(Inst(op: .split))
          try emit(body, into: &code)
          exits.append(split)
          if code.count > Program.maxInstructions { throw tooLarge() }
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
      if inLook > 0 {
        try emit(body, into: &code)
      } else {
        code.append(Inst(op: .save, a: Int32(2 * index)))
        try emit(body, into: &code)
        code.append(Inst(op: .save, a: Int32(2 * index + 1)))
      }
    case .look(let body, let ahead, let negated):
      var sub: [Inst] = []
      inLook += 1
      defer { inLook -= 1 }
      try emit(body, into: &sub)
      sub.append(Inst(op: .match))
      subs.append(Program.SubProgram(code: sub, ahead: ahead, negated: negated, width: body.fixedWidth ?? 0))
      code.append(Inst(op: .look, a: Int32(subs.count - 1)))
    }
  }
}

extension Program {
  /// The scalars that can be consumed first by a match, or nil when a match can be empty (then
  /// every position must be tried).
  func firstSet() -> CharSet? {
    var result = CharSet()
    var seen = Set<Int>()
    var stack = [0]
    while let pc = stack.popLast() {
      if !seen.insert(pc).inserted { continue }
      let inst = code[pc]
      switch inst.op {
      case .char: result.add(UInt32(bitPattern: inst.a))
      case .set: result.add(sets[Int(inst.a)])
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

  /// True when the first instruction path requires the start of the text (`^...`).
  var anchoredAtStart: Bool {
    var pc = 0
    while pc < code.count && code[pc].op == .save { pc += 1 }
    return pc < code.count && code[pc].op == .start
  }
}
