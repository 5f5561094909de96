// SubstitutionChain: ordered substitutions — each rule's matches replaced by a literal, one rule
// after another, each seeing the previous one's output (Drain3's masking) — on ASCII text, run by
// the C matcher in CZLRegex over the programs this module compiles. The Swift matcher stays the
// reference and the fallback: what the C code cannot finish (the line's work budget spent, no
// memory) is finished here with the memoizing matcher, so the result is always the same bytes —
// unless that too runs out of its budget (Formats/zlck-v1.md Appendix B, "Work"): then the rules
// left leave the text as it is, and the line is counted in `Scratch.cutShort`.

import CZLRegex

public final class SubstitutionChain: @unchecked Sendable {
  public let regexes: [Regex]
  /// Replacement bytes per rule.
  public let replacements: [[UInt8]]
  private let chain: UnsafeMutablePointer<zlre_chain>
  private let rules: UnsafeMutablePointer<zlre_rule>
  /// Memory the C tables point into (freed with the chain); the regexes own the rest.
  private let owned: [UnsafeMutableRawPointer]

  /// - Parameter rules: the regexes with their replacements, in order.
  public init(_ rules: [(regex: Regex, replacement: [UInt8])]) {
    regexes = rules.map { $0.regex }
    replacements = rules.map { $0.replacement }
    let table = UnsafeMutablePointer<zlre_rule>.allocate(capacity: max(1, rules.count))
    var owned: [UnsafeMutableRawPointer] = []
    func bytes(_ b: [UInt8]) -> UnsafeMutablePointer<UInt8> {
      let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, b.count))
      p.initialize(repeating: 0, count: max(1, b.count))
      for (k, v) in b.enumerated() { p[k] = v }
      owned.append(UnsafeMutableRawPointer(p))
      return p
    }
    func code(_ c: CodeBuffer) -> zlre_code {
      let p = UnsafeMutablePointer<zlre_inst>.allocate(capacity: max(1, c.count))
      for k in 0..<c.count {
        let i = c.base[k]
        p[k] = zlre_inst(op: Int32(i.op.rawValue), a: i.a, b: i.b)
      }
      owned.append(UnsafeMutableRawPointer(p))
      return zlre_code(code: p, guard_bits: c.guardBits, guard_flags: c.guardFlags, count: Int64(c.count))
    }
    let first = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
    let previous = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
    first.initialize(repeating: 0, count: 256)
    previous.initialize(repeating: 0, count: 256)
    owned += [UnsafeMutableRawPointer(first), UnsafeMutableRawPointer(previous)]
    var zero: UInt64 = 0
    for (k, r) in rules.enumerated() {
      let rx = r.regex
      if k < 64 {
        let f = rx.startFilter
        let bit = UInt64(1) << UInt64(k)
        for b in 0..<256 {
          if f.first[b] { first[b] |= bit }
          if f.previous[b] { previous[b] |= bit }
        }
        if f.atZero { zero |= bit }
      }
      let looks = UnsafeMutablePointer<zlre_look>.allocate(capacity: max(1, rx.plainLooks.count))
      owned.append(UnsafeMutableRawPointer(looks))
      for (j, l) in rx.plainLooks.enumerated() {
        looks[j] = zlre_look(code: code(l.code), width: Int64(l.width), single_arg: l.single?.a ?? 0,
                             ahead: l.ahead ? 1 : 0, negated: l.negated ? 1 : 0, single: l.single != nil ? 1 : 0,
                             single_is_char: l.single?.op == .char ? 1 : 0)
      }
      let required = bytes(rx.required)
      let after = bytes(rx.requiredAfterStart)
      let replacement = bytes(r.replacement)
      table[k] = zlre_rule(
        code: code(rx.plainCode), set_bits: rx.plainBits, looks: looks, prefix: rx.prefixBase, prefix_count: Int64(rx.prefixCount),
        class_prefix_bits: rx.classPrefixBits, class_prefix_count: Int64(rx.classPrefixCount),
        required: required, required_count: Int64(rx.required.count), after: after, after_count: Int64(rx.requiredAfterStart.count),
        replacement: replacement,
        replacement_count: Int64(r.replacement.count), can_be_empty: rx.hasFirst ? 0 : 1)
    }
    // Byte tables for the vectorized pre-scan (chains of at most 8 rules).
    var first8: UnsafeMutablePointer<UInt8>? = nil, previous8: UnsafeMutablePointer<UInt8>? = nil
    if rules.count <= 8 {
      let f = UnsafeMutablePointer<UInt8>.allocate(capacity: 128), p = UnsafeMutablePointer<UInt8>.allocate(capacity: 128)
      for b in 0..<128 {
        f[b] = UInt8(truncatingIfNeeded: first[b])
        p[b] = UInt8(truncatingIfNeeded: previous[b])
      }
      owned += [UnsafeMutableRawPointer(f), UnsafeMutableRawPointer(p)]
      first8 = f
      previous8 = p
    }
    self.rules = table
    self.owned = owned
    chain = .allocate(capacity: 1)
    chain.initialize(to: zlre_chain(rules: table, count: Int64(rules.count), first_mask: first, previous_mask: previous, zero_mask: zero,
                                    first_byte_mask: first8, previous_byte_mask: previous8, serial: zlre_next_serial()))
  }

  deinit {
    chain.deallocate()
    rules.deallocate()
    for p in owned { p.deallocate() }
  }

  /// Buffers for `apply` (one per thread).
  public final class Scratch {
    let raw: OpaquePointer?
    var a: [UInt8] = []
    var b: [UInt8] = []
    var regex = RegexScratch()
    /// Texts on which rules were finished by the Swift matcher.
    public internal(set) var fallbacks = 0
    /// Texts whose rules ran out of work budget: some rules were not applied to them.
    public internal(set) var cutShort = 0
    public init() { raw = zlre_scratch_create() }
    /// Off: rules are matched by the backtracking matcher only (the DFAs give the same bytes; tests
    /// compare the two).
    public var useDFA = true {
      didSet { if let r = raw { zlre_scratch_set_dfa(r, useDFA ? 1 : 0) } }
    }
    /// Bytes the DFAs hold (their programs and tables as allocated; at most 1 MiB).
    public var dfaBytes: Int { raw.map { Int(zlre_scratch_dfa_bytes($0)) } ?? 0 }
    deinit { zlre_scratch_free(raw) }
  }

  /// Applies every rule to `text`, which must be ASCII; the result replaces `out`'s contents.
  public func apply(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], scratch s: Scratch) {
    out.removeAll(keepingCapacity: true)
    var done = 0
    if let raw = s.raw {
      var result: UnsafePointer<UInt8>? = nil
      var length: Int64 = 0
      let base = text.baseAddress ?? UnsafePointer(bitPattern: 1)!
      done = Int(zlre_chain_apply(chain, base, Int64(text.count), raw, &result, &length))
      if done == regexes.count {
        if let r = result, length > 0 { out.append(contentsOf: UnsafeBufferPointer(start: r, count: Int(length))) }
        return
      }
      if done > 0 {
        s.a.removeAll(keepingCapacity: true)
        if let r = result, length > 0 { s.a.append(contentsOf: UnsafeBufferPointer(start: r, count: Int(length))) }
      }
    }
    // The rest in Swift (a step budget ran out, or memory did): the same result, more slowly.
    s.fallbacks += 1
    if done <= 0 {
      done = 0
      s.a.removeAll(keepingCapacity: true)
      s.a.append(contentsOf: text)
    }
    // One budget for the rest of the line's rules.
    let before = s.regex.overBudget
    s.regex.lineBudget = RegexScratch.budget(forLength: text.count)
    for k in done..<regexes.count {
      s.b.removeAll(keepingCapacity: true)
      let changed = s.a.withUnsafeBufferPointer { regexes[k].replaceAll($0, replacement: replacements[k], into: &s.b, scratch: &s.regex) }
      if changed { swap(&s.a, &s.b) }
    }
    s.regex.lineBudget = nil
    if s.regex.overBudget != before { s.cutShort += 1 }
    out.append(contentsOf: s.a)
  }
}
