// ScoringPipeline: a checkpoint turned into what scores raw lines — the validated model profile,
// the front end (Drain match + overlay, embedding, sessions) and the C network. zl-score, zl-train
// eval and zl-train fit's own evaluation all score through this one type, so their numbers agree.

import ZLBase
import ZLDrain
import ZLEmbedding
import ZLFormat
import ZLProfile

/// What a scoring run may change of a model's own settings (all nil or off: the model's).
public struct ScoringOptions: Sendable {
  /// Overrides the checkpoint's session rule.
  public var sessionRule: SessionRule?
  public var maxEvents: Int?
  public var idleLines: Int?
  /// Read inline alert labels from this field (evaluation only).
  public var inlineLabelField: String?
  /// The field naming the node for `node-window` sessions.
  public var nodeField: String?
  /// Overrides the checkpoint's threshold.
  public var threshold: Double?
  /// Reads levels from this field although the model does not (evaluation baselines); nil: the model's.
  public var levelField: String?
  /// Keep each session's line numbers (for explanations).
  public var keepLineNumbers = false

  public init(sessionRule: SessionRule? = nil, maxEvents: Int? = nil, idleLines: Int? = nil, inlineLabelField: String? = nil,
              nodeField: String? = nil, threshold: Double? = nil, keepLineNumbers: Bool = false, levelField: String? = nil) {
    self.levelField = levelField
    self.sessionRule = sessionRule
    self.maxEvents = maxEvents
    self.idleLines = idleLines
    self.inlineLabelField = inlineLabelField
    self.nodeField = nodeField
    self.threshold = threshold
    self.keepLineNumbers = keepLineNumbers
  }
}

/// A closed, scored session.
public struct ScoredSession: Sendable {
  public var session: Session
  /// The score the threshold decides on: the network's probability, or the hybrid score.
  public var score: Float
  /// Events that matched no trained template.
  public var newTemplates: Int
  /// Attention weight per kept event (with `explain`; empty when the network did not run).
  public var attention: [Float]
  /// What made the hybrid score (nil for a `p_anomaly` model).
  public var evidence: Evidence? = nil
  /// The text of each of its overlay (new) templates as the session closed (with
  /// `keepTemplateTexts`): explanations then do not depend on when a batch is scored.
  public var overlayTemplateTexts: [UInt32: String] = [:]
}

public final class ScoringPipeline {
  /// The network's (nil for a model without one).
  public let hyperParameters: ModelHyperParameters?
  public let frontEnd: FrontEnd
  /// The network (nil for a model without one, or when the decision does not read it).
  public let model: CompiledModel?
  public let threshold: Double
  /// The hybrid decision's evidence (nil for a `p_anomaly` model).
  let hybrid: HybridScorer?
  /// False when the score does not read the network (a hybrid decision without it): it is not run.
  public let runsNetwork: Bool
  /// Closed sessions waiting for their score, in closing order. A session whose event sequence is
  /// in the cache (or already waiting) costs no network work, so sessions wait until `batchSize` of
  /// them need the network (scoring in batches is faster than one by one), then all go out in order.
  private var pending: [Waiting] = []
  /// How many of `pending` need the network (distinct sequences not in the cache).
  private var misses = 0
  /// Pending sequences by key: a repeat of a waiting sequence takes that one's score.
  private var waitingKeys: [[UInt32]: Int] = [:]
  public var batchSize = 64
  /// At most this many sessions wait (cache hits waiting behind a slow batch), whatever `misses` is.
  public var maxPending: Int { max(batchSize * 16, 1) }
  /// Batches start at one session and double up to `batchSize`: the first result comes out at once,
  /// throughput follows.
  private var currentBatch = 1
  public var explain = false
  public private(set) var sessionsScored = 0
  /// Sessions whose score came from the cache of already scored event sequences.
  public private(set) var cacheHits = 0
  /// Scores of event sequences seen before (trained templates only: their vectors never change).
  /// A session scores the same alone or in any batch (tested), so a cached score is the score.
  private var cache: [[UInt32]: (Float, [Float])] = [:]
  private var cacheOrder: [[UInt32]] = []
  private var cacheNext = 0
  public var cacheCapacity = 8192 {
    // 0 turns off both caches (scores of whole sequences, first-layer states of their prefixes
    // and suffixes): neither changes a score, and with both off that is what tests compare.
    didSet { model?.stateCacheCapacity = cacheCapacity > 0 ? 1024 : 0 }
  }
  private var scratch: [Float] = []

  /// - Throws: `DrainError.sessionRuleNeedsField` when `options` override the session rule or the
  ///   node field with one the model's log format cannot serve (the model's own rule was checked
  ///   when it was loaded).
  public init(model m: ScoringModel, options o: ScoringOptions = ScoringOptions()) throws {
    hyperParameters = m.network?.hyperParameters
    var session = m.session
    if let r = o.sessionRule { session.rule = r }
    if let n = o.maxEvents { session.maxEvents = n }
    if let i = o.idleLines { session.idleLines = i }
    // The network runs when the decision reads it: always for a `p_anomaly` model, for a hybrid one
    // when its network takes part.
    let runs = m.network != nil && (m.threshold.hybrid.map { $0.network != .none } ?? true)
    runsNetwork = runs
    frontEnd = try FrontEnd(drain: m.drain, embedding: runs ? m.network?.embedding : nil, session: session,
                            levels: m.levels ?? o.levelField.map { LevelSection(field: $0) },
                            severityFeatures: runs && (m.network?.hyperParameters.severityFeatures ?? 0) > 0,
                            inlineLabelField: o.inlineLabelField,
                            nodeField: o.nodeField)
    frontEnd.sessionizer.keepLineNumbers = o.keepLineNumbers
    model = runs ? m.network.map { CompiledModel($0.hyperParameters, tensors: $0.weights) } : nil
    threshold = o.threshold ?? m.threshold.threshold
    hybrid = m.threshold.hybrid.map { HybridScorer(decision: $0, detectors: m.detectors) }
    if m.threshold.hybrid?.alarmLevel != nil { frontEnd.sessionizer.keepLevels = true }
  }

  /// Keep the text of each closing session's overlay templates (for explanations).
  public var keepTemplateTexts = false

  private struct Waiting {
    var session: Session
    var texts: [UInt32: String] = [:]
    /// The cache key (nil when an event matched no trained template: not cacheable).
    var key: [UInt32]?
    /// Sessions for the network carry their event vectors, gathered as they close (the vector of a
    /// new (overlay) template may be dropped from the front end while the session waits), and their
    /// kept events' ids when all are trained templates (for the first-layer state cache).
    enum Result { case scored(Float, [Float]), sameAs(Int), network([Float], [UInt32]?) }
    var result: Result
  }

  /// Feeds one raw line; returns sessions scored because they closed (batched: some may wait).
  public func process(line: UnsafeBufferPointer<UInt8>) -> [ScoredSession] {
    let (_, closed) = frontEnd.process(line: line)
    if closed.isEmpty { return [] }
    enqueue(closed)
    if misses == 0 || misses >= min(currentBatch, batchSize) || pending.count >= maxPending {
      if misses > 0 { currentBatch = min(currentBatch * 2, batchSize) }
      return flush()
    }
    return []
  }

  /// Closes the sessions idle at `now` (the sessionizer's clock) and scores them with anything pending.
  public func tick(now: Double) -> [ScoredSession] {
    frontEnd.sessionizer.clock = max(frontEnd.sessionizer.clock, now)
    let closed = frontEnd.sessionizer.closeIdle()
    if !closed.isEmpty { enqueue(closed) }
    return flush()
  }

  /// Scores every session waiting (call at the end of input, or to bound latency).
  public func flush() -> [ScoredSession] {
    if pending.isEmpty { return [] }
    var todo: [Int] = []
    var seqs: [[Float]] = []
    var ids: [[UInt32]?] = []
    todo.reserveCapacity(misses)
    seqs.reserveCapacity(misses)
    ids.reserveCapacity(misses)
    for (i, w) in pending.enumerated() {
      if case .network(let vectors, let trained) = w.result {
        todo.append(i)
        seqs.append(vectors)
        ids.append(trained)
      }
    }
    if !todo.isEmpty {
      guard let model else { preconditionFailure("a session waits for a network that does not run") }
      let (scores, alpha) = model.score(seqs, keys: ids, attention: explain, batchSize: batchSize)
      for (k, i) in todo.enumerated() {
        let r = (scores[k], explain ? alpha[k] : [])
        pending[i].result = .scored(r.0, r.1)
        if let key = pending[i].key { remember(key, r) }
      }
    }
    let first = frontEnd.firstOverlayID
    var out: [ScoredSession] = []
    out.reserveCapacity(pending.count)
    for w in pending {
      var r = w.result
      if case .sameAs(let j) = r { r = pending[j].result }
      guard case .scored(let score, let attention) = r else { preconditionFailure("a waiting session was left unscored") }
      var scored = ScoredSession(session: w.session, score: score, newTemplates: w.session.events.reduce(0) { $0 + ($1 >= first ? 1 : 0) },
                                 attention: attention)
      scored.overlayTemplateTexts = w.texts
      if let h = hybrid {
        let e = h.evidence(w.session, network: runsNetwork ? Double(score) : nil)
        scored.evidence = e
        scored.score = h.decision.network == .decides ? score : Float(e.score)
      }
      out.append(scored)
    }
    sessionsScored += out.count
    pending.removeAll(keepingCapacity: true)
    waitingKeys.removeAll(keepingCapacity: true)
    misses = 0
    return out
  }

  /// Closes all open sessions and scores them with anything pending.
  public func finish() -> [ScoredSession] {
    var out: [ScoredSession] = []
    finish { out += $0 }
    return out
  }

  /// The same, handing results over a batch at a time (memory stays at one batch of vectors).
  /// - Parameter reason: why the open sessions close (end of input, or a signal's stop).
  public func finish(reason: CloseReason = .end, _ body: ([ScoredSession]) throws -> Void) rethrows {
    while true {
      let closed = frontEnd.finish(max: batchSize, reason: reason)
      if closed.isEmpty { break }
      enqueue(closed)
      if misses >= batchSize || pending.count >= maxPending { try body(flush()) }
    }
    if !pending.isEmpty { try body(flush()) }
  }

  /// Looks closed sessions up in the cache and among those waiting; the rest need the network.
  private func enqueue(_ sessions: [Session]) {
    let first = frontEnd.firstOverlayID
    let maxLen = hyperParameters?.maxLength ?? 0
    for s in sessions {
      var texts: [UInt32: String] = [:]
      if keepTemplateTexts {
        for e in s.events where e >= first && texts[e] == nil { texts[e] = templateText(e) }
      }
      if !runsNetwork {
        pending.append(Waiting(session: s, texts: texts, key: nil, result: .scored(0, [])))
        continue
      }
      let kept = stepKeys(s, maxLength: maxLen)
      let trained = !kept.isEmpty && !s.events.suffix(maxLen).contains { $0 >= first }
      let cacheable = cacheCapacity > 0 && trained
      let result: Waiting.Result
      if cacheable, let hit = cache[kept] {
        result = .scored(hit.0, hit.1)
        cacheHits += 1
      } else if cacheable, let j = waitingKeys[kept] {
        result = .sameAs(j)
        cacheHits += 1
      } else {
        if cacheable { waitingKeys[kept] = pending.count }
        misses += 1
        frontEnd.gather(s, into: &scratch)
        result = .network(scratch, trained && cacheCapacity > 0 ? kept : nil)
      }
      pending.append(Waiting(session: s, texts: texts, key: cacheable ? kept : nil, result: result))
    }
  }

  /// What identifies each kept step's input, for the caches: the event id, and with severity
  /// features its feature class (0–3) in the top two bits. Empty when an id is too large to share
  /// those bits (such a session is scored, not cached).
  private func stepKeys(_ s: Session, maxLength maxLen: Int) -> [UInt32] {
    let events = s.events.count > maxLen ? Array(s.events.suffix(maxLen)) : s.events
    guard frontEnd.severityFeatures else { return events }
    let levels = s.levels.count > maxLen ? Array(s.levels.suffix(maxLen)) : s.levels
    var out = events
    for k in out.indices {
      if out[k] >= 1 << 30 { return [] }
      let r = k < levels.count && levels[k].isKnown ? levels[k].rawValue : 0
      let cls: UInt32 = r >= 4 ? 3 : r >= 3 ? 2 : r >= 2 ? 1 : 0
      out[k] |= cls << 30
    }
    return out
  }

  private func remember(_ key: [UInt32], _ value: (Float, [Float])) {
    if cacheOrder.count < cacheCapacity {
      cacheOrder.append(key)
    } else {
      cache[cacheOrder[cacheNext]] = nil
      cacheOrder[cacheNext] = key
      cacheNext = (cacheNext + 1) % cacheCapacity
    }
    cache[key] = value
  }

  /// Scores of sessions given whole, at once (no waiting, no cache): what explanations compare. A
  /// session with no event scores 0.
  public func rescore(_ sessions: [Session]) -> [Float] {
    let (network, evidence) = evidence(sessions)
    guard let h = hybrid else { return network }
    return sessions.indices.map { i in
      if sessions[i].events.isEmpty { return 0 }
      return h.decision.network == .decides ? network[i] : Float(evidence[i]!.score)
    }
  }

  /// What explanations weigh (SessionScorer): a network model's score; for a hybrid, the sum of its
  /// pieces of evidence rather than their largest, so that a template whose evidence is one of two
  /// that would each decide alone still shows when it is left out.
  public func explanationTotals(_ sessions: [Session]) -> [Double] {
    let (network, evidence) = evidence(sessions)
    guard let h = hybrid, h.decision.network != .decides else { return network.map(Double.init) }
    return sessions.indices.map { i in
      guard let e = evidence[i] else { return 0 }
      return e.severity + e.structure + e.rarity + (e.network ?? 0)
    }
  }

  /// The network's score of each session (0 when it is not run) and, for a hybrid model, each
  /// non-empty session's evidence.
  func evidence(_ sessions: [Session]) -> ([Float], [Evidence?]) {
    var network = [Float](repeating: 0, count: sessions.count)
    if runsNetwork, let model {
      var seqs: [[Float]] = [], at: [Int] = []
      for (i, s) in sessions.enumerated() where !s.events.isEmpty {
        frontEnd.gather(s, into: &scratch)
        seqs.append(scratch)
        at.append(i)
      }
      let scores = model.score(seqs, batchSize: batchSize).scores
      for (k, i) in at.enumerated() { network[i] = scores[k] }
    }
    guard let h = hybrid else { return (network, []) }
    return (network, sessions.indices.map { i in
      sessions[i].events.isEmpty ? nil : h.evidence(sessions[i], network: runsNetwork ? Double(network[i]) : nil)
    })
  }

  /// The template text of an event id (trained or overlay).
  public func templateText(_ id: UInt32) -> String {
    let tokens = id < frontEnd.firstOverlayID ? frontEnd.parser.drain.templateTokenTexts(id: id) : frontEnd.overlay.templateTokenTexts(id: id)
    return tokens?.joined(separator: " ") ?? "?"
  }
}
