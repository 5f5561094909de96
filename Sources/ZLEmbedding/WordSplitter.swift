// WordSplitter: template text to words (ARCHITECTURE.md decision 3, tokenizer `zl-words/1`):
// mask tokens and Drain's parameter are removed, the rest is split on everything that is not an
// ASCII letter and at camelCase boundaries (HTTPServer → http, server), and lower-cased. Digits
// are not letters, so they are dropped with the other separators.

import ZLBase
import ZLFormat

public struct WordSplitter: Sendable {
  public let settings: TokenizerSettings
  /// Whole tokens removed before splitting (mask tokens such as `[NUM]`, and `<*>`).
  public let removed: Set<String>
  /// The same as byte strings, longest first, removed also inside tokens (`blk_[ID]`).
  let removedBytes: [[UInt8]]

  public init(settings: TokenizerSettings = .standard, maskTokens: [String] = []) {
    self.settings = settings
    let r = Set(maskTokens.filter { !$0.isEmpty })
    removed = r
    removedBytes = r.map { Array($0.utf8) }.sorted { $0.count > $1.count || ($0.count == $1.count && bytewiseLess($0, $1)) }
  }

  /// A splitter for a parser's templates: its mask tokens (prefix + name + suffix, dropped when the
  /// settings drop masks) and its parameter token (Drain's `<*>`, always dropped).
  public init(settings: TokenizerSettings = .standard, maskTokens: [String], parameterToken: String) {
    self.init(settings: settings, maskTokens: (settings.dropMasks ? maskTokens : []) + [parameterToken])
  }

  /// The words of a template given as tokens, in order (repeats kept: they weigh in TF).
  public func words(_ tokens: [String]) -> [String] {
    var out: [String] = []
    for t in tokens {
      if removed.contains(t) { continue }
      var bytes = Array(t.utf8)
      if !removedBytes.isEmpty { bytes = strip(bytes) }
      split(bytes, into: &out)
    }
    return out
  }

  /// Removes occurrences of the removed tokens inside a token, leaving a separator.
  func strip(_ b: [UInt8]) -> [UInt8] {
    var out = b
    for r in removedBytes where out.count >= r.count {
      var k = 0
      var result: [UInt8] = []
      var changed = false
      while k < out.count {
        if k + r.count <= out.count && out[k] == r[0] && out[k..<(k + r.count)].elementsEqual(r) {
          result.append(0x20)
          k += r.count
          changed = true
        } else {
          result.append(out[k])
          k += 1
        }
      }
      if changed { out = result }
    }
    return out
  }

  @inline(__always) static func isUpper(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }
  @inline(__always) static func isLower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }

  /// Splits on non-letters and camelCase boundaries: a lower→upper change starts a word, and in a
  /// run of capitals the last one starts a word when a lower-case letter follows (HTTPServer).
  func split(_ b: [UInt8], into out: inout [String]) {
    var i = 0
    let n = b.count
    while i < n {
      while i < n && !(WordSplitter.isUpper(b[i]) || WordSplitter.isLower(b[i])) { i += 1 }
      let start = i
      while i < n && (WordSplitter.isUpper(b[i]) || WordSplitter.isLower(b[i])) { i += 1 }
      if i == start { continue }
      var wordStart = start
      if settings.splitCamelCase {
        var k = start + 1
        while k < i {
          let prev = b[k - 1], cur = b[k]
          let lowerToUpper = WordSplitter.isLower(prev) && WordSplitter.isUpper(cur)
          let acronymEnd = WordSplitter.isUpper(prev) && WordSplitter.isUpper(cur) && k + 1 < i && WordSplitter.isLower(b[k + 1])
          if lowerToUpper || acronymEnd {
            out.append(word(b, wordStart..<k))
            wordStart = k
          }
          k += 1
        }
      }
      out.append(word(b, wordStart..<i))
    }
  }

  func word(_ b: [UInt8], _ r: Range<Int>) -> String {
    if settings.lowercase {
      return String(decoding: b[r].map { WordSplitter.isUpper($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
    return String(decoding: b[r], as: UTF8.self)
  }
}
