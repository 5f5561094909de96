// Masker: Drain3's masking step — each rule's matches replaced by prefix + NAME + suffix, one rule
// after another in order, each seeing the previous one's output (Python re.sub semantics via
// zl-re/1). ASCII text is processed as bytes; other text as Unicode scalars.

import ZLFormat
import ZLRegex

/// The compiled rules, held without reference counting in the per-line loop.
final class CompiledMasks: @unchecked Sendable {
  let regexes: [Regex]
  let unmanaged: UnsafeMutablePointer<Unmanaged<Regex>>
  /// Replacement bytes of rule k: bytes[offsets[k]..<offsets[k+1]].
  let bytes: UnsafeMutablePointer<UInt8>
  let offsets: [Int]
  let scalars: [[UInt32]]
  let asciiReplacements: Bool
  /// Pre-scan tables (bit k: rule k), when there are at most 64 rules: a rule whose bit is never
  /// set over the text cannot match it.
  let firstMask: UnsafeMutablePointer<UInt64>
  let previousMask: UnsafeMutablePointer<UInt64>
  let zeroMask: UInt64
  /// Rules that can match empty text (always run).
  let alwaysMask: UInt64
  let required: [[UInt8]]
  let prescan: Bool

  init(_ rules: [MaskRule], prefix: String, suffix: String) throws {
    regexes = try rules.map { try Regex($0.pattern) }
    unmanaged = .allocate(capacity: max(1, regexes.count))
    for (k, r) in regexes.enumerated() { unmanaged[k] = Unmanaged.passUnretained(r) }
    let reps = rules.map { prefix + $0.name + suffix }
    var flat: [UInt8] = []
    var offs = [0]
    for r in reps {
      flat += Array(r.utf8)
      offs.append(flat.count)
    }
    bytes = .allocate(capacity: max(1, flat.count))
    for (k, b) in flat.enumerated() { bytes[k] = b }
    offsets = offs
    scalars = reps.map { $0.unicodeScalars.map { $0.value } }
    asciiReplacements = flat.allSatisfy { $0 < 0x80 }
    firstMask = .allocate(capacity: 256)
    previousMask = .allocate(capacity: 256)
    firstMask.initialize(repeating: 0, count: 256)
    previousMask.initialize(repeating: 0, count: 256)
    var zero: UInt64 = 0, always: UInt64 = 0
    prescan = regexes.count <= 64
    required = regexes.map { $0.startFilter.required }
    if prescan {
      for (k, r) in regexes.enumerated() {
        let f = r.startFilter
        let bit = UInt64(1) << UInt64(k)
        for b in 0..<256 {
          if f.first[b] { firstMask[b] |= bit }
          if f.previous[b] { previousMask[b] |= bit }
        }
        if f.atZero { zero |= bit }
        if f.canBeEmpty { always |= bit }
      }
    }
    zeroMask = zero
    alwaysMask = always
  }

  deinit {
    unmanaged.deallocate()
    bytes.deallocate()
    firstMask.deallocate()
    previousMask.deallocate()
  }

  /// One pass over `text` for all rules: sets bit p of rule k's bitset (`words` UInt64 per rule,
  /// cleared here) when a match of rule k can start at p; returns the rules with any candidate
  /// (rules that can match empty text always count and get no bitset).
  func candidates(_ text: UnsafeBufferPointer<UInt8>, bits: UnsafeMutablePointer<UInt64>, words: Int) -> UInt64 {
    bits.update(repeating: 0, count: regexes.count * words)
    let n = text.count
    var any: UInt64 = 0
    var prev = zeroMask
    for p in 0..<n {
      let c = Int(text[p])
      var m = firstMask[c] & prev
      prev = previousMask[c]
      if m != 0 {
        any |= m
        while m != 0 {
          let k = m.trailingZeroBitCount
          bits[k * words + p >> 6] |= UInt64(1) << UInt64(p & 63)
          m &= m - 1
        }
      }
    }
    return any | alwaysMask
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
    var a: [UInt8] = []
    var b: [UInt8] = []
    var bits: [UInt64] = []
    var sa: [UInt32] = []
    var sb: [UInt32] = []
    var regex = RegexScratch()
    public init() {}
  }

  /// Masks `text`; the result is in `out` (replaced).
  public func mask(_ text: UnsafeBufferPointer<UInt8>, knownASCII: Bool = false, into out: inout [UInt8], scratch s: inout Scratch) {
    out.removeAll(keepingCapacity: true)
    let c = compiled
    let count = c.regexes.count
    if count == 0 {
      out.append(contentsOf: text)
      return
    }
    if c.asciiReplacements && (knownASCII || isASCII(text)) {
      s.a.removeAll(keepingCapacity: true)
      s.a.append(contentsOf: text)
      var live = UInt64.max
      var words = 0
      func rescan() {
        words = (s.a.count + 64) / 64
        if s.bits.count < count * words { s.bits = [UInt64](repeating: 0, count: count * words * 2) }
        live = s.a.withUnsafeBufferPointer { a in s.bits.withUnsafeMutableBufferPointer { c.candidates(a, bits: $0.baseAddress!, words: words) } }
      }
      if c.prescan { rescan() }
      for k in 0..<count {
        let bit = UInt64(1) << UInt64(k)
        if c.prescan && live & bit == 0 { continue }
        s.b.removeAll(keepingCapacity: true)
        let rep = UnsafeBufferPointer(start: c.bytes + c.offsets[k], count: c.offsets[k + 1] - c.offsets[k])
        let useBits = c.prescan && c.alwaysMask & bit == 0
        let changed = c.unmanaged[k]._withUnsafeGuaranteedRef { rx in
          s.a.withUnsafeBufferPointer { text in
            useBits
              ? s.bits.withUnsafeBufferPointer { rx.replaceAll(text, replacement: rep, candidates: $0.baseAddress! + k * words, into: &s.b, scratch: &s.regex) }
              : rx.replaceAll(text, replacement: rep, into: &s.b, scratch: &s.regex)
          }
        }
        if changed {
          swap(&s.a, &s.b)
          if c.prescan { rescan() }
        }
      }
      out.append(contentsOf: s.a)
      return
    }
    s.sa.removeAll(keepingCapacity: true)
    for u in String(decoding: text, as: UTF8.self).unicodeScalars { s.sa.append(u.value) }
    for k in 0..<count {
      s.sb.removeAll(keepingCapacity: true)
      let changed = s.sa.withUnsafeBufferPointer { c.regexes[k].replaceAll($0, replacement: c.scalars[k], into: &s.sb, scratch: &s.regex) }
      if changed { swap(&s.sa, &s.sb) }
    }
    for v in s.sa {
      let u = Unicode.Scalar(v)!
      out.append(contentsOf: UTF8.encode(u)!)
    }
  }
}
