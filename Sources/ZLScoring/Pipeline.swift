// ScoringPipeline: a checkpoint turned into what scores raw lines — the validated model profile,
// the front end (Drain match + overlay, embedding, sessions) and the C network. zl-score, zl-train
// eval and zl-train fit's own evaluation all score through this one type, so their numbers agree.

import ZLBase
import ZLDrain
import ZLEmbedding
import ZLFormat

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
  /// Sessions wait here until `batchSize` are ready (scoring in batches is faster than one by one).
  private var pending: [Session] = []
  public var batchSize = 64
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
  public var cacheCapacity = 8192
  private var scratch: [Float] = []

  /// - Parameters:
  ///   - sessionRule: overrides the checkpoint's rule (nil keeps it).
  ///   - inlineLabelField: read inline alert labels from this field (evaluation only).
  /// - Throws: `CheckpointError` when the checkpoint is not a usable model.
  public init(checkpoint cp: Checkpoint, sessionRule: SessionRule? = nil, maxEvents: Int? = nil, idleLines: Int? = nil,
              inlineLabelField: String? = nil, nodeField: String? = nil, threshold: Double? = nil,
              keepLineNumbers: Bool = false) throws {
    hyperParameters = try ModelProfile.validate(cp)
    let drain = cp.drain!
    let vocab = cp.vocabulary!
    let splitter = WordSplitter(settings: vocab.tokenizer, drain: drain)
    let embedding = EmbeddingModel(vocabulary: vocab, glove: cp.glove!, splitter: splitter)
    var session = cp.session!
    if let r = sessionRule { session.rule = r }
    if let m = maxEvents { session.maxEvents = m }
    if let i = idleLines { session.idleLines = i }
    do {
      frontEnd = try FrontEnd(drain: drain, embedding: embedding, session: session, inlineLabelField: inlineLabelField, nodeField: nodeField)
    } catch let e as SessionRuleError {
      throw CheckpointError(.badValue, "section SESS: \(e.description)")
    }
    frontEnd.sessionizer.keepLineNumbers = keepLineNumbers
    var tensors: [String: [Float]] = [:]
    for (name, _) in ModelProfile.expectedShapes(hyperParameters) {
      let values = cp.tensors![name]!.floats()
      // Format-valid but unusable: a non-finite weight would turn every score into NaN.
      if let k = values.firstIndex(where: { !$0.isFinite }) {
        throw CheckpointError(.badValue, "section TENS: tensor '\(name)' holds a non-finite value (\(values[k])) at element \(k); the model cannot score")
      }
      tensors[name] = values
    }
    model = CompiledModel(hyperParameters, tensors: tensors)
    self.threshold = threshold ?? cp.threshold!.threshold
  }

  /// Feeds one raw line; returns sessions scored because they closed (batched: some may wait).
  public func process(line: UnsafeBufferPointer<UInt8>) -> [ScoredSession] {
    let (_, closed) = frontEnd.process(line: line)
    if closed.isEmpty { return [] }
    pending += closed
    if pending.count >= min(currentBatch, batchSize) {
      currentBatch = min(currentBatch * 2, batchSize)
      return flush()
    }
    return []
  }

  /// Scores every session waiting (call at the end of input, or to bound latency).
  public func flush() -> [ScoredSession] {
    if pending.isEmpty { return [] }
    let batch = pending
    pending.removeAll(keepingCapacity: true)
    return score(batch)
  }

  /// Closes all open sessions and scores them with anything pending.
  public func finish() -> [ScoredSession] {
    var out: [ScoredSession] = []
    finish { out += $0 }
    return out
  }

  /// The same, handing results over a batch at a time (memory stays at one batch of vectors).
  public func finish(_ body: ([ScoredSession]) throws -> Void) rethrows {
    if !pending.isEmpty { try body(flush()) }
    while true {
      let closed = frontEnd.finish(max: batchSize)
      if closed.isEmpty { break }
      try body(score(closed))
    }
  }

  /// Scores sessions (their events must come from this pipeline's front end).
  public func score(_ sessions: [Session]) -> [ScoredSession] {
    let first = frontEnd.firstOverlayID
    let maxLen = hyperParameters.maxLength
    var results = [(Float, [Float])?](repeating: nil, count: sessions.count)
    var keys: [[UInt32]?] = []
    keys.reserveCapacity(sessions.count)
    var todo: [Int] = []
    var firstOfKey: [[UInt32]: Int] = [:]
    var sameAs: [Int: Int] = [:]
    for (i, s) in sessions.enumerated() {
      let kept = s.events.count > maxLen ? Array(s.events.suffix(maxLen)) : s.events
      let cacheable = cacheCapacity > 0 && !kept.contains { $0 >= first }
      keys.append(cacheable ? kept : nil)
      if cacheable, let hit = cache[kept] {
        results[i] = hit
        cacheHits += 1
      } else if cacheable, let j = firstOfKey[kept] {
        sameAs[i] = j
        cacheHits += 1
      } else {
        if cacheable { firstOfKey[kept] = i }
        todo.append(i)
      }
    }
    if !todo.isEmpty {
      var seqs: [[Float]] = []
      seqs.reserveCapacity(todo.count)
      for i in todo {
        frontEnd.gather(sessions[i].events, into: &scratch)
        seqs.append(scratch)
      }
      let (scores, alpha) = model.score(seqs, attention: explain, batchSize: batchSize)
      for (k, i) in todo.enumerated() {
        let r = (scores[k], explain ? alpha[k] : [])
        results[i] = r
        if let key = keys[i] { remember(key, r) }
      }
    }
    for (i, j) in sameAs { results[i] = results[j] }
    sessionsScored += sessions.count
    return sessions.enumerated().map { i, s in
      ScoredSession(session: s, score: results[i]!.0, newTemplates: s.events.reduce(0) { $0 + ($1 >= first ? 1 : 0) },
                    attention: results[i]!.1)
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
