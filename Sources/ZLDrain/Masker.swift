// Masker: Drain3's masking step — each rule's matches replaced by prefix + NAME + suffix, one rule
// after another in order, each seeing the previous one's output (Python re.sub semantics via
// zl-re/1). ASCII text goes through the C substitution chain (ZLRegex.SubstitutionChain); other
// text is matched as Unicode scalars in Swift.

import ZLFormat
import ZLRegex

/// The compiled rules: the C chain for ASCII text, the Swift regexes for the rest.
final class CompiledMasks: @unchecked Sendable {
  let regexes: [Regex]
  let chain: SubstitutionChain
  let scalars: [[UInt32]]
  let asciiReplacements: Bool

  init(_ rules: [MaskRule], prefix: String, suffix: String) throws {
    regexes = try rules.map { try Regex($0.pattern) }
    let reps = rules.map { prefix + $0.name + suffix }
    chain = SubstitutionChain(zip(regexes, reps).map { (regex: $0.0, replacement: Array($0.1.utf8)) })
    scalars = reps.map { $0.unicodeScalars.map { $0.value } }
    asciiReplacements = reps.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
  }
}

/// Ordered masking rules, compiled.
public struct Masker: Sendable {
  public let rules: [MaskRule]
  public let prefix: String
  public let suffix: String
  let compiled: CompiledMasks

  /// - Throws: `RegexError` naming the pattern that is not valid zl-re/1.
  public init(rules: [MaskRule], prefix: String, suffix: String) throws {
    self.rules = rules
    self.prefix = prefix
    self.suffix = suffix
    compiled = try CompiledMasks(rules, prefix: prefix, suffix: suffix)
  }

  /// Scratch buffers reused across lines.
  public struct Scratch {
    var chain = SubstitutionChain.Scratch()
    var sa: [UInt32] = []
    var sb: [UInt32] = []
    var regex = RegexScratch()
    public init() {}
    /// Texts whose masking the Swift matcher finished (see `SubstitutionChain.apply`).
    public var fallbacks: Int { chain.fallbacks }
    /// Texts whose masking ran out of its work budget (some rules not applied; Appendix B, "Work").
    public var cutShort: Int { chain.cutShort + scalarCutShort }
    var scalarCutShort = 0
    /// Off: the C chain matches with its backtracking matcher only (tests compare the two).
    public var useDFA: Bool {
      get { chain.useDFA }
      set { chain.useDFA = newValue }
    }
    /// Bytes the C chain's DFAs hold (bounded).
    public var dfaBytes: Int { chain.dfaBytes }
  }

  /// Masks `text`; the result is in `out` (replaced).
  public func mask(_ text: UnsafeBufferPointer<UInt8>, knownASCII: Bool = false, into out: inout [UInt8], scratch s: inout Scratch) {
    let c = compiled
    if c.regexes.isEmpty {
      out.removeAll(keepingCapacity: true)
      out.append(contentsOf: text)
      return
    }
    if c.asciiReplacements && (knownASCII || isASCII(text)) {
      c.chain.apply(text, into: &out, scratch: s.chain)
      return
    }
    out.removeAll(keepingCapacity: true)
    let count = c.regexes.count
    s.sa.removeAll(keepingCapacity: true)
    for u in String(decoding: text, as: UTF8.self).unicodeScalars { s.sa.append(u.value) }
    let before = s.regex.overBudget
    s.regex.lineBudget = RegexScratch.budget(forLength: s.sa.count)
    for k in 0..<count {
      s.sb.removeAll(keepingCapacity: true)
      let changed = s.sa.withUnsafeBufferPointer { c.regexes[k].replaceAll($0, replacement: c.scalars[k], into: &s.sb, scratch: &s.regex) }
      if changed { swap(&s.sa, &s.sb) }
    }
    s.regex.lineBudget = nil
    if s.regex.overBudget != before { s.scalarCutShort += 1 }
    for v in s.sa {
      let u = Unicode.Scalar(v)!
      out.append(contentsOf: UTF8.encode(u)!)
    }
  }
}
