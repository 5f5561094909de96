// Masker: Drain3's masking step — each rule's matches replaced by prefix + NAME + suffix, one rule
// after another in order, each seeing the previous one's output (Python re.sub semantics via
// zl-re/1). ASCII text is processed as bytes; other text as Unicode scalars.

import ZLFormat
import ZLRegex

/// Ordered masking rules, compiled.
public struct Masker: Sendable {
  public let rules: [MaskRule]
  public let prefix: String
  public let suffix: String
  let compiled: [(regex: Regex, bytes: [UInt8], scalars: [UInt32])]

  /// - Throws: `RegexError` naming the pattern that is not valid zl-re/1.
  public init(rules: [MaskRule], prefix: String, suffix: String) throws {
    self.rules = rules
    self.prefix = prefix
    self.suffix = suffix
    compiled = try rules.map { r in
      let rep = prefix + r.name + suffix
      return (try Regex(r.pattern), Array(rep.utf8), rep.unicodeScalars.map { $0.value })
    }
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
    if compiled.isEmpty {
      out.append(contentsOf: text)
      return
    }
    if isASCII(text) && compiled.allSatisfy({ $0.bytes.allSatisfy { $0 < 0x80 } }) {
      s.a.removeAll(keepingCapacity: true)
      s.a.append(contentsOf: text)
      for rule in compiled {
        s.b.removeAll(keepingCapacity: true)
        let changed = s.a.withUnsafeBufferPointer { rule.regex.replaceAll($0, replacement: rule.bytes, into: &s.b, scratch: &s.regex) }
        if changed { swap(&s.a, &s.b) }
      }
      out.append(contentsOf: s.a)
      return
    }
    s.sa.removeAll(keepingCapacity: true)
    for u in String(decoding: text, as: UTF8.self).unicodeScalars { s.sa.append(u.value) }
    for rule in compiled {
      s.sb.removeAll(keepingCapacity: true)
      let changed = s.sa.withUnsafeBufferPointer { rule.regex.replaceAll($0, replacement: rule.scalars, into: &s.sb, scratch: &s.regex) }
      if changed { swap(&s.sa, &s.sb) }
    }
    for v in s.sa {
      let u = Unicode.Scalar(v)!
      out.append(contentsOf: UTF8.encode(u)!)
    }
  }
}
