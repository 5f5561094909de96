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
  }

  deinit {
    unmanaged.deallocate()
    bytes.deallocate()
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
    var sa: [UInt32] = []
    var sb: [UInt32] = []
    var regex = RegexScratch()
    public init() {}
  }

  /// Masks `text`; the result is in `out` (replaced).
  public func mask(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], scratch s: inout Scratch) {
    out.removeAll(keepingCapacity: true)
    let c = compiled
    let count = c.regexes.count
    if count == 0 {
      out.append(contentsOf: text)
      return
    }
    if c.asciiReplacements && isASCII(text) {
      s.a.removeAll(keepingCapacity: true)
      s.a.append(contentsOf: text)
      for k in 0..<count {
        s.b.removeAll(keepingCapacity: true)
        let rep = UnsafeBufferPointer(start: c.bytes + c.offsets[k], count: c.offsets[k + 1] - c.offsets[k])
        let changed = c.unmanaged[k]._withUnsafeGuaranteedRef { rx in
          s.a.withUnsafeBufferPointer { rx.replaceAll($0, replacement: rep, into: &s.b, scratch: &s.regex) }
        }
        if changed { swap(&s.a, &s.b) }
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
