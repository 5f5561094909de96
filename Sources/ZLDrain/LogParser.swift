// LogParser: the whole per-line front end up to a template id, in one code path for training and
// scoring — strip, header split by the log format (the whole line is the content when it does not
// match), masking, Drain3 tokenization (strip, extra delimiters → space, split on whitespace),
// then Drain learn or match. Scratch buffers are reused, so a line allocates nothing once warm.

import ZLFormat
import ZLRegex

/// The fields of one line: byte ranges into the line.
public struct LineFields: Sendable {
  /// Field ranges in format order (empty when the line did not match the format).
  public var fields: [Range<Int>]
  /// The content range (the whole stripped line when the format did not match).
  public var content: Range<Int>
  public var matchedFormat: Bool

  public init(fields: [Range<Int>], content: Range<Int>, matchedFormat: Bool) {
    self.fields = fields
    self.content = content
    self.matchedFormat = matchedFormat
  }
}

public final class LogParser {
  public let format: LogFormat
  public let masker: Masker
  public private(set) var drain: Drain
  /// Lines whose header did not match the format (their whole line was used as content).
  public private(set) var unmatchedFormatLines = 0
  /// Lines that were not valid UTF-8 (repaired with U+FFFD before parsing).
  public private(set) var repairedLines = 0
  /// Lines on which a pattern gave up at its work budget (Formats/zlck-v1.md Appendix B, "Work"):
  /// masking left rules unapplied, or the header split was taken as not matching the format.
  public var patternCutShortLines: Int { maskScratch.cutShort + regexScratch.overBudget }

  private var regexScratch = RegexScratch()
  private var maskScratch = Masker.Scratch()
  private var masked: [UInt8] = []
  private var delimited: [UInt8] = []
  private var tokenIDs: [UInt32] = []
  /// Token ids of the line being tokenized (raw memory: written without per-token checks).
  private var idBuffer = UnsafeMutablePointer<UInt32>.allocate(capacity: 64)
  private var idCapacity = 64
  private var repaired: [UInt8] = []
  private let extraDelimiters: [[UInt8]]

  public init(format: LogFormat, masker: Masker, drain: Drain) {
    self.format = format
    self.masker = masker
    self.drain = drain
    extraDelimiters = drain.config.extraDelimiters.map { Array($0.utf8) }
  }

  deinit { idBuffer.deallocate() }

  /// Runs `body` with the Drain passed by reference. A struct held by a class and read for a
  /// method call may be copied whole (a retain and release of all its storage, per call) when
  /// the optimizer cannot prove the call leaves the class alone; an inout access never copies.
  @inline(__always)
  private func withDrain<R>(_ body: (inout Drain) -> R) -> R { body(&drain) }

  /// A parser with a fresh Drain.
  public convenience init(settings: ParserSettings) throws {
    var config = settings.drain
    if settings.maskAwareSimilarity {
      config.wildcardTokens = settings.masks.map { settings.maskPrefix + $0.name + settings.maskSuffix }
      config.identicalLinesMatch = true
    }
    self.init(format: try LogFormat(settings.logFormat),
              masker: try Masker(rules: settings.masks, prefix: settings.maskPrefix, suffix: settings.maskSuffix),
              drain: Drain(config: config))
  }

  /// A parser restored from a checkpoint's Drain section.
  public convenience init(section: DrainSection) throws {
    self.init(format: try LogFormat(section.logFormat),
              masker: try Masker(rules: section.masks, prefix: section.maskPrefix, suffix: section.maskSuffix),
              drain: Drain(section: section))
  }

  /// The Drain state as a checkpoint section.
  public var section: DrainSection { drain.section(logFormat: format.text, masker: masker) }

  /// True while the line being processed is known to be ASCII (set by `withValidLine`), so the
  /// later stages need not check again.
  private var lineIsASCII = false

  /// Runs `body` with the line as valid UTF-8 (repaired with U+FFFD if needed).
  public func withValidLine<R>(_ line: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    if isASCII(line) {
      lineIsASCII = true
      defer { lineIsASCII = false }
      return try body(line)
    }
    if let fixed = repairedUTF8(line) {
      repairedLines += 1
      repaired = fixed
      return try repaired.withUnsafeBufferPointer { try body($0) }
    }
    return try body(line)
  }

  /// The field ranges of the last line (shared with the LineFields returned: reused, not
  /// reallocated, once that is gone).
  private var fieldBuffer: [Range<Int>] = []

  /// Splits a valid-UTF-8 line on the format (logparser: matched on line.strip()) into `fieldBuffer`;
  /// returns the content range and whether the format matched (if not: the stripped line, counted).
  @inline(__always)
  private func split(_ line: UnsafeBufferPointer<UInt8>) -> (content: Range<Int>, matched: Bool) {
    let s = stripped(line)
    let body = UnsafeBufferPointer(rebasing: line[s])
    if format.split(body, knownASCII: lineIsASCII, offset: s.lowerBound, scratch: &regexScratch, into: &fieldBuffer) {
      return (fieldBuffer[format.contentIndex], true)
    }
    unmatchedFormatLines += 1
    return (s, false)
  }

  /// The content range of a valid-UTF-8 line (`fields(line).content` without building the field
  /// list: the learning and matching paths need only this).
  @inline(__always)
  func contentRange(_ line: UnsafeBufferPointer<UInt8>) -> Range<Int> { split(line).content }

  /// Splits a valid-UTF-8 line into its fields.
  public func fields(_ line: UnsafeBufferPointer<UInt8>) -> LineFields {
    let (content, matched) = split(line)
    return LineFields(fields: matched ? fieldBuffer : [], content: content, matchedFormat: matched)
  }

  /// Content after masking and Drain3's extra delimiters (content.strip() first, then each delimiter
  /// replaced by a space): the text get_content_as_tokens splits.
  private func maskedSource(content: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    masker.mask(content, knownASCII: lineIsASCII, into: &masked, scratch: &maskScratch)
    if extraDelimiters.isEmpty { return masked }
    let s = masked.withUnsafeBufferPointer { stripped($0) }
    delimited = Array(masked[s])
    for d in extraDelimiters { delimited = replaceAll(delimited, d, with: 0x20) }
    return delimited
  }

  /// Masks and tokenizes content (Drain3's masker then get_content_as_tokens). `learn` interns new
  /// tokens; otherwise unknown tokens get `TokenTable.unknown`, which matches nothing.
  public func tokens(content: UnsafeBufferPointer<UInt8>, learn: Bool) -> [UInt32] {
    maskedSource(content: content).withUnsafeBufferPointer { tokens(source: $0, learn: learn) }
  }

  private func tokens(source: UnsafeBufferPointer<UInt8>, learn: Bool) -> [UInt32] {
    // At most one token per two bytes (+1): ids go straight into the buffer, no per-token append.
    let capacity = source.count / 2 + 1
    if idCapacity < capacity {
      idBuffer.deallocate()
      idCapacity = 2 * capacity
      idBuffer = .allocate(capacity: idCapacity)
    }
    let ids = idBuffer
    // One call per line into Drain (reading `drain` per token from here would copy it).
    let count: Int
    if learn {
      count = drain.internTokens(of: source, into: ids)
    } else {
      count = withDrain { $0.lookupTokens(of: source, into: ids) }
    }
    tokenIDs.removeAll(keepingCapacity: true)
    tokenIDs.append(contentsOf: UnsafeBufferPointer(start: ids, count: count))
    return tokenIDs
  }

  /// The masked tokens of content as text (Drain3's get_content_as_tokens after masking).
  public func maskedTokens(content: UnsafeBufferPointer<UInt8>) -> [String] {
    _ = maskedSource(content: content)
    return lastMaskedTokens()
  }

  /// The masked tokens of the content the last `match` or `maskedTokens` call masked, as text: a line
  /// no template matches is learned by the overlay from these, without masking it again.
  public func lastMaskedTokens() -> [String] {
    var out: [String] = []
    (extraDelimiters.isEmpty ? masked : delimited).withUnsafeBufferPointer { b in
      forEachToken(b) { out.append(String(decoding: $0, as: UTF8.self)) }
    }
    return out
  }

  /// Learns one raw line; returns its template id and fields.
  @discardableResult @inline(never)
  public func learn(line: UnsafeBufferPointer<UInt8>) -> (id: UInt32, update: DrainUpdate) {
    withValidLine(line) { l in learn(content: UnsafeBufferPointer(rebasing: l[contentRange(l)])) }
  }

  /// Matches one raw line against the learned templates (never changes the state).
  @inline(never)
  public func match(line: UnsafeBufferPointer<UInt8>) -> UInt32? {
    withValidLine(line) { l in match(content: UnsafeBufferPointer(rebasing: l[contentRange(l)])) }
  }

  /// Matches already-split content.
  @inline(never)
  public func match(content: UnsafeBufferPointer<UInt8>) -> UInt32? {
    let source = maskedSource(content: content)
    if useMatchCache {
      let (found, id) = source.withUnsafeBufferPointer { matchCache.lookup($0) }
      if found {
        matchCache.countHit()
        return id
      }
    }
    // Tokens first, then the Drain by reference (see `withDrain`). Not inlined into other modules,
    // where `drain` is read through its getter, which copies it.
    let t = source.withUnsafeBufferPointer { tokens(source: $0, learn: false) }
    let id = withDrain { $0.match(t) }
    if useMatchCache { source.withUnsafeBufferPointer { matchCache.insert($0, id: id) } }
    return id
  }

  /// The masked content of one raw line — UTF-8 repair, header split, masks, extra delimiters:
  /// what `learn(line:)` does before the Drain — passed to `body`. With `learn(masked:)` of a
  /// parser with the same settings, the two halves of learning can run on two threads.
  public func withMaskedContent<R>(line: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    withValidLine(line) { l in maskedSource(content: UnsafeBufferPointer(rebasing: l[contentRange(l)])).withUnsafeBufferPointer(body) }
  }

  /// Learns content masked by `withMaskedContent`: the same as `learn(line:)` of that line.
  @discardableResult @inline(never)
  public func learn(masked: UnsafeBufferPointer<UInt8>) -> (id: UInt32, update: DrainUpdate) {
    matchCache.clear()
    let t = tokens(source: masked, learn: true)
    return drain.learn(t)
  }

  /// Learns already-split content.
  @discardableResult @inline(never)
  public func learn(content: UnsafeBufferPointer<UInt8>) -> (id: UInt32, update: DrainUpdate) {
    matchCache.clear()  // the Drain (and its token table) change
    let t = tokens(content: content, learn: true)
    return drain.learn(t)
  }

  /// Match results by masked content (see MatchCache); off only to test that it changes nothing.
  public var useMatchCache = true {
    didSet { matchCache.clear() }
  }
  private var matchCache = MatchCache()
  /// Matches answered from the cache.
  public var matchCacheHits: Int { matchCache.hits }
}

/// Calls `body` with each token of `b` split on Python whitespace (str.split()).
@inline(__always)
func forEachToken(_ b: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
  var i = 0
  let n = b.count
  while i < n {
    var w = whitespaceLength(b, i)
    while w > 0 {
      i += w
      if i >= n { return }
      w = whitespaceLength(b, i)
    }
    let start = i
    while i < n && whitespaceLength(b, i) == 0 { i += 1 }
    body(UnsafeBufferPointer(rebasing: b[start..<i]))
  }
}

/// Replaces every occurrence of `pattern` by one `byte` (Python str.replace with a 1-char string).
func replaceAll(_ s: [UInt8], _ pattern: [UInt8], with byte: UInt8) -> [UInt8] {
  guard !pattern.isEmpty, s.count >= pattern.count else { return s }
  var out: [UInt8] = []
  out.reserveCapacity(s.count)
  var i = 0
  while i < s.count {
    if i + pattern.count <= s.count && s[i] == pattern[0] && s[i..<(i + pattern.count)].elementsEqual(pattern) {
      out.append(byte)
      i += pattern.count
    } else {
      out.append(s[i])
      i += 1
    }
  }
  return out
}

/// Everything that configures the front end up to template ids.
public struct ParserSettings: Sendable, Equatable {
  public var logFormat: String
  public var masks: [MaskRule]
  public var maskPrefix: String
  public var maskSuffix: String
  public var drain: DrainConfig
  /// Named mask tokens count as parameters in Drain's similarity (`DrainConfig.wildcardTokens`);
  /// false: Drain3's similarity (every checkpoint's, `--drain3-compatible`).
  public var maskAwareSimilarity = false

  public init(logFormat: String, masks: [MaskRule], maskPrefix: String = "<", maskSuffix: String = ">", drain: DrainConfig) {
    self.logFormat = logFormat
    self.masks = masks
    self.maskPrefix = maskPrefix
    self.maskSuffix = maskSuffix
    self.drain = drain
  }
}
