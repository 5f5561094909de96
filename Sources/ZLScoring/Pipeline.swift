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
  /// Keep each session's line numbers (for explanations).
  public var keepLineNumbers = false

  public init(sessionRule: SessionRule? = nil, maxEvents: Int? = nil, idleLines: Int? = nil, inlineLabelField: String? = nil,
              nodeField: String? = nil, threshold: Double? = nil, keepLineNumbers: Bool = false) {
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
  public var score: Float
  /// Events that matched no trained template.
  public var newTemplates: Int
  /// Attention weight per kept event (with `explain`).
  public var attention: [Float]
}

public final class ScoringPipeline {
  public let hyperParameters: ModelHyperParameters
  public let frontEnd: FrontEnd
  public let model: CompiledModel
  public let threshold: Double
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
    didSet { model.stateCacheCapacity = cacheCapacity > 0 ? 1024 : 0 }
  }
  private var scratch: [Float] = []

  /// - Throws: `DrainError.sessionRuleNeedsField` when `options` override the session rule or the
  ///   node field with one the model's log format cannot serve (the model's own rule was checked
  ///   when it was loaded).
  public init(model m: ScoringModel, options o: ScoringOptions = ScoringOptions()) throws {
    hyperParameters = m.hyperParameters
    var session = m.session
    if let r = o.sessionRule { session.rule = r }
    if let n = o.maxEvents { session.maxEvents = n }
    if let i = o.idleLines { session.idleLines = i }
    frontEnd = try FrontEnd(drain: m.drain, embedding: m.embedding, session: session, inlineLabelField: o.inlineLabelField,
                            nodeField: o.nodeField)
    frontEnd.sessionizer.keepLineNumbers = o.keepLineNumbers
    model = CompiledModel(hyperParameters, tensors: m.weights)
    threshold = o.threshold ?? m.threshold.threshold
  }

  private struct Waiting {
    var session: Session
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
      out.append(ScoredSession(session: w.session, score: score, newTemplates: w.session.events.reduce(0) { $0 + ($1 >= first ? 1 : 0) },
                               attention: attention))
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
  public func finish(_ body: ([ScoredSession]) throws -> Void) rethrows {
    while true {
      let closed = frontEnd.finish(max: batchSize)
      if closed.isEmpty { break }
      enqueue(closed)
      if misses >= batchSize || pending.count >= maxPending { try body(flush()) }
    }
    if !pending.isEmpty { try body(flush()) }
  }

  /// Looks closed sessions up in the cache and among those waiting; the rest need the network.
  private func enqueue(_ sessions: [Session]) {
    let first = frontEnd.firstOverlayID
    let maxLen = hyperParameters.maxLength
    for s in sessions {
      let kept = s.events.count > maxLen ? Array(s.events.suffix(maxLen)) : s.events
      let trained = !kept.contains { $0 >= first }
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
        frontEnd.gather(s.events, into: &scratch)
        result = .network(scratch, trained && cacheCapacity > 0 ? kept : nil)
      }
      pending.append(Waiting(session: s, key: cacheable ? kept : nil, result: result))
    }
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

  /// The template text of an event id (trained or overlay).
  public func templateText(_ id: UInt32) -> String {
    let tokens = id < frontEnd.firstOverlayID ? frontEnd.parser.drain.templateTokenTexts(id: id) : frontEnd.overlay.templateTokenTexts(id: id)
    return tokens?.joined(separator: " ") ?? "?"
  }
}
