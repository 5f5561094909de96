// FrontEnd: raw log line → template → event vector → session, the one code path training and
// scoring share (ARCHITECTURE.md: no training/serving skew). The trained Drain state is only
// matched, never changed; a line no trained template matches is learned by an in-memory overlay
// Drain (same settings, ids above the trained ones) and counted as a new template. Vectors are
// computed once per template (for an overlay template: from its text when first seen).

#if canImport(Glibc)
  import Glibc
#endif
import ZLDrain
import ZLEmbedding
import ZLFormat

/// What a processed line became.
public struct LineOutcome: Sendable {
  /// The event id (a trained template id, or an overlay id ≥ `firstOverlayID`).
  public var event: UInt32
  public var isNewTemplate: Bool
  public var matchedFormat: Bool
}

public final class FrontEnd {
  public let parser: LogParser
  public private(set) var overlay: Drain
  /// Event vectors (nil for a model without a network: then the front end makes no vectors).
  public let embedding: EmbeddingModel?
  public let sessionizer: Sessionizer
  /// The session settings it was made with (the checkpoint's, with the caller's overrides).
  public let sessionSection: SessionSection
  /// Trained ids are below this; overlay ids start here.
  public let firstOverlayID: UInt32
  /// Index of the inline label field (BGL/Thunderbird `Label`), if labels are inline.
  public let inlineLabelField: Int?
  /// Index of the level field (LEVL), if the format has one.
  public let levelField: Int?
  /// True when vectors carry the severity features after each event vector (and sessions keep
  /// their events' levels).
  public let severityFeatures: Bool
  /// The levels of the lines read so far.
  public private(set) var severityCounts = SeverityCounts()
  /// The last level word and its severity (level words repeat from line to line).
  private var lastLevelWord: [UInt8] = []
  private var lastLevel = Severity.unknown

  /// Event id → vector (row in `vectors`).
  private var rowOf: [UInt32: Int32] = [:]
  public private(set) var vectors: [Float] = []
  private var freeRows: [Int32] = []
  public private(set) var newTemplateLines = 0
  /// Binary lines: holding a NUL byte, or not valid UTF-8.
  public private(set) var binaryLines = 0
  private var nextSweepAt = 0
  /// Times the overlay started afresh (see overlayTokenLimit).
  public private(set) var overlayRestarts = 0
  public private(set) var lines = 0
  /// Lines on which a pattern of the model (mask, header, session key) gave up at its work budget.
  public var patternCutShortLines: Int { parser.patternCutShortLines + sessionizer.keyPatternCutShortLines }
  private let overlayLimit: Int
  private let overlayConfig: DrainConfig
  private let trainedCount: Int
  /// The overlay's token table keeps every token it has seen (evicting a template does not free its
  /// tokens): past these bounds the overlay starts afresh, so memory stays flat on endless streams
  /// of new tokens. Ids go on from where they were (vectors of ids still in sessions stay valid).
  public var overlayTokenLimit: Int
  public var overlayTokenByteLimit = 4 << 20

  /// - Parameters:
  ///   - drain: the trained state (DRAN section).
  ///   - inlineLabelField: a field name whose value `-` means normal (nil: no inline labels).
  ///   - overlayMaxClusters: templates kept for unmatched lines (least recently used evicted).
  /// - Parameters:
  ///   - levels: where lines carry their level (nil: no level field, every severity unknown).
  ///   - severityFeatures: append the severity features to every event vector (models that read them).
  public init(drain: DrainSection, embedding: EmbeddingModel?, session: SessionSection, levels: LevelSection? = nil,
              severityFeatures: Bool = false, inlineLabelField: String? = nil, nodeField: String? = nil,
              overlayMaxClusters: Int = 4096) throws {
    parser = try LogParser(section: drain)
    var cfg = drain.config
    cfg.maxClusters = overlayMaxClusters
    overlay = Drain(config: cfg, firstID: UInt32(min(UInt64(UInt32.max / 2), max(1, drain.nextClusterID))))
    firstOverlayID = UInt32(min(UInt64(UInt32.max / 2), max(1, drain.nextClusterID)))
    overlayLimit = overlayMaxClusters
    overlayConfig = cfg
    overlayTokenLimit = 16 * max(overlayMaxClusters, 1) + 16_384
    self.embedding = embedding
    sessionSection = session
    sessionizer = try Sessionizer(rule: session.rule, maxEvents: session.maxEvents, idleLines: session.idleLines,
                                  maxOpen: session.maxOpen, format: parser.format, nodeField: nodeField)
    let fieldNames = parser.format.fields
    self.inlineLabelField = inlineLabelField.flatMap { fieldNames.firstIndex(of: $0) }
    levelField = try levels?.fieldIndex(in: parser.format)
    self.severityFeatures = severityFeatures
    sessionizer.keepLevels = severityFeatures
    // Vectors of every trained template, in id order.
    var rows: [UInt32: Int32] = [:]
    var vs: [Float] = []
    if let embedding {
      for t in drain.templates {
        rows[t.id] = Int32(vs.count / embedding.dim)
        vs += embedding.eventVector(templateTokens: t.tokens)
      }
    }
    trainedCount = rows.count
    rowOf = rows
    vectors = vs
  }

  /// The vector of an event id (valid while a session refers to it).
  public func vector(_ event: UInt32) -> UnsafeBufferPointer<Float>? {
    guard let r = rowOf[event], let d = embedding?.dim else { return nil }
    return vectors.withUnsafeBufferPointer { UnsafeBufferPointer(rebasing: $0[(Int(r) * d)..<(Int(r) * d + d)]) }
  }

  /// Width of one step of a session's input: the event vector, and the severity features when kept.
  public var inputWidth: Int { (embedding?.dim ?? 0) + (severityFeatures ? Severity.featureCount : 0) }

  /// Copies a session's input into `out` (row-major [events, inputWidth]): each event's vector, then
  /// its severity features when the front end keeps them.
  public func gather(_ s: Session, into out: inout [Float]) {
    guard severityFeatures else { return gather(s.events, into: &out) }
    guard let embedding else { preconditionFailure("gather needs an embedding") }
    let d = embedding.dim
    out.removeAll(keepingCapacity: true)
    out.reserveCapacity(s.events.count * (d + Severity.featureCount))
    vectors.withUnsafeBufferPointer { v in
      for (k, e) in s.events.enumerated() {
        let r = Int(rowOf[e] ?? -1)
        if r < 0 { out.append(contentsOf: embedding.unknown) } else { out.append(contentsOf: v[(r * d)..<(r * d + d)]) }
        (k < s.levels.count ? s.levels[k] : .unknown).features(into: &out)
      }
    }
  }

  /// Copies the vectors of `events` into `out` (row-major [events.count, dim]).
  public func gather(_ events: [UInt32], into out: inout [Float]) {
    guard let embedding else { preconditionFailure("gather needs an embedding") }
    let d = embedding.dim
    out.removeAll(keepingCapacity: true)
    out.reserveCapacity(events.count * d)
    vectors.withUnsafeBufferPointer { v in
      for e in events {
        let r = Int(rowOf[e] ?? -1)
        if r < 0 {
          out.append(contentsOf: embedding.unknown)
        } else {
          out.append(contentsOf: v[(r * d)..<(r * d + d)])
        }
      }
    }
  }

  /// Parses one raw line to its event (matching trained templates, else the overlay).
  public func event(line raw: UnsafeBufferPointer<UInt8>) -> (LineOutcome, LineFields) {
    parser.withValidLine(raw) { event(validLine: $0) }
  }

  private func event(validLine line: UnsafeBufferPointer<UInt8>) -> (LineOutcome, LineFields) {
    lines += 1
    let f = parser.fields(line)
    let content = UnsafeBufferPointer(rebasing: line[f.content])
    if let id = parser.match(content: content) {
      return (LineOutcome(event: id, isNewTemplate: false, matchedFormat: f.matchedFormat), f)
    }
    newTemplateLines += 1
    if overlay.tokens.count > overlayTokenLimit || overlay.tokens.byteCount > overlayTokenByteLimit {
      overlay = Drain(config: overlayConfig, firstID: overlay.clustersCounter &+ 1)
      overlayRestarts += 1
    }
    // Learn the line in the overlay (its own token table), from the tokens `match` masked.
    let ids = parser.lastMaskedTokens().map { overlay.intern(Array($0.utf8)) }
    let (id, _) = overlay.learn(ids)
    if rowOf[id] == nil && embedding != nil { addOverlayVector(id) }
    return (LineOutcome(event: id, isNewTemplate: true, matchedFormat: f.matchedFormat), f)
  }

  /// Processes one raw line into the sessions; returns sessions that closed.
  public func process(line raw: UnsafeBufferPointer<UInt8>) -> (LineOutcome, [Session]) {
    let repairedBefore = parser.repairedLines
    defer {
      if parser.repairedLines > repairedBefore || (raw.baseAddress.map { memchr($0, 0, raw.count) != nil } ?? false) { binaryLines += 1 }
    }
    let (outcome, closed): (LineOutcome, [Session]) = parser.withValidLine(raw) { line in
      let (outcome, fields) = event(validLine: line)
      var anomaly = false
      if let k = inlineLabelField, fields.matchedFormat {
        let r = fields.fields[k]
        anomaly = !(r.count == 1 && line[r.lowerBound] == 0x2D)
      }
      var level = Severity.unknown
      if let k = levelField {
        level = fields.matchedFormat ? severity(UnsafeBufferPointer(rebasing: line[fields.fields[k]])) : .unknown
        if !fields.matchedFormat { severityCounts.unmatchedLines += 1 }
      }
      return (outcome, sessionizer.add(line: line, fields: fields, event: outcome.event, inlineAnomaly: anomaly, level: level))
    }
    if !closed.isEmpty { sweepOverlayVectors(keeping: closed) }
    return (outcome, closed)
  }

  /// The severity of a level word (the last word's is remembered), counted.
  private func severity(_ word: UnsafeBufferPointer<UInt8>) -> Severity {
    let s: Severity
    if word.count == lastLevelWord.count && lastLevelWord.withUnsafeBufferPointer({ $0.elementsEqual(word) }) {
      s = lastLevel
    } else {
      s = Severity.of(word)
      lastLevelWord.removeAll(keepingCapacity: true)
      lastLevelWord.append(contentsOf: word)
      lastLevel = s
    }
    severityCounts.count(s, word: word)
    return s
  }

  /// Closes all open sessions (end of input).
  public func finish() -> [Session] { sessionizer.finish() }

  /// Closes at most `max` open sessions (end of input, in batches).
  public func finish(max: Int, reason: CloseReason = .end) -> [Session] { sessionizer.finish(max: max, reason: reason) }

  private func addOverlayVector(_ id: UInt32) {
    guard let embedding else { return }
    let tokens = overlay.templateTokenTexts(id: id) ?? []
    let v = embedding.eventVector(templateTokens: tokens)
    if let r = freeRows.popLast() {
      let d = embedding.dim
      for k in 0..<d { vectors[Int(r) * d + k] = v[k] }
      rowOf[id] = r
    } else {
      rowOf[id] = Int32(vectors.count / embedding.dim)
      vectors += v
    }
  }

  /// Keeps overlay vectors bounded on endless streams: when there are many more than the overlay
  /// holds, drop those neither in the overlay nor in an open session nor in the sessions just
  /// closed (their caller has yet to gather them).
  private func sweepOverlayVectors(keeping closed: [Session]) {
    let overlayRows = rowOf.count - trainedCount
    guard overlayRows > max(4 * overlayLimit + 1024, nextSweepAt) else { return }
    defer {
      // When open sessions still refer to most rows, sweeping again at the next close would walk
      // every open session per line: wait until the rows have doubled (amortized O(1) per line).
      nextSweepAt = 2 * (rowOf.count - trainedCount)
    }
    var keep = Set(overlay.templateIDList)
    sessionizer.forEachOpenEvent { keep.insert($0) }
    for s in closed { for e in s.events where e >= firstOverlayID { keep.insert(e) } }
    for (id, r) in rowOf where id >= firstOverlayID && !keep.contains(id) {
      rowOf[id] = nil
      freeRows.append(r)
    }
  }
}

extension WordSplitter {
  /// The splitter for a Drain state's templates: its mask tokens and its parameter string.
  public init(settings: TokenizerSettings = .standard, drain: DrainSection) {
    self.init(settings: settings, maskTokens: drain.maskTokens, parameterToken: drain.config.paramString)
  }
}
