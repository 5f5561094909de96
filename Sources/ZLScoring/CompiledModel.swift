// CompiledModel: a zl.bigru-attn network's f32 weights held contiguously and handed to CZLScore's
// forward pass. Built from a validated checkpoint (ModelProfile.validate) or from training's
// parameter map; scoring and training evaluation both score through it, so they agree exactly.

import ZLKernels
import ZLProfile

public final class CompiledModel: @unchecked Sendable {
  public let hyperParameters: ModelHyperParameters
  private let kernel: NetworkKernel
  /// Scratch kept between calls (scoring one session at a time must not allocate per call).
  private var x: [Float] = []
  /// The forward pass's scratch: allocated, never zero-filled (the C code writes before it reads),
  /// so only the pages a batch really uses become resident.
  private var work: UnsafeMutablePointer<Float>?
  private var workCapacity = 0

  /// - Parameter tensors: every tensor of `ModelProfile.expectedShapes(hp)` as row-major f32 values
  ///   with exactly the expected element count (callers validate shapes first).
  public init(_ hp: ModelHyperParameters, tensors: [String: [Float]]) {
    hyperParameters = hp
    kernel = NetworkKernel(inputSize: hp.inputSize, hiddenSize: hp.hiddenSize, layers: hp.layers, directions: hp.directions,
                           qkv: hp.attention == .qkv, shapes: ModelProfile.expectedShapes(hp), tensors: tensors)
  }

  deinit {
    work?.deallocate()
  }

  /// Scores sessions given as row-major [len · E] event vectors (len ≥ 1; longer than max_length
  /// keeps the last max_length events). Returns P(anomalous) and, when asked, the attention weights
  /// over each session's kept events. Sessions are batched by similar length internally. Not for
  /// concurrent use (the scratch buffers are the model's).
  /// First-layer states of sequences seen before, by event ids (see StateCache); 0 turns it off.
  public var stateCacheCapacity = 1024 {
    didSet { stateCache = nil }
  }
  /// How many of those states per direction also keep their second-layer input-projection part
  /// (6H floats each; bidirectional models with two layers or more); 0 turns that off. 384 parts at
  /// H = 100 hold 1.8 MB; on HDFS they serve 85 % of the steps the state cache serves.
  public var stateCachePartCapacity = 384 {
    didSet { stateCache = nil }
  }
  private var stateCache: StateCache?
  /// First-layer steps (per direction) whose states came from the state cache.
  public var reusedFirstLayerSteps: Int { stateCache?.reusedSteps ?? 0 }
  /// Of those, the steps that also brought their second-layer input-projection part.
  public var reusedSecondLayerParts: Int { stateCache?.reusedParts ?? 0 }

  /// - Parameter keys: per session, the ids of its kept events (the last max_length; one per vector
  ///   row) when they are trained templates, whose vectors never change; nil otherwise. Sessions
  ///   with keys share first-layer states with earlier ones that begin or end the same way. Scores
  ///   are the same bits with or without (tested).
  public func score(_ sessions: [[Float]], keys: [[UInt32]?]? = nil, attention: Bool = false, batchSize: Int = 64,
                    eventsPerBatch: Int = 1024) -> (scores: [Float], alpha: [[Float]]) {
    let e = hyperParameters.inputSize, maxLen = hyperParameters.maxLength
    var scores = [Float](repeating: 0, count: sessions.count)
    var alphas = [[Float]](repeating: [], count: attention ? sessions.count : 0)
    let lens = sessions.map { max(1, min($0.count / e, maxLen)) }
    let order = sessions.indices.sorted { lens[$0] != lens[$1] ? lens[$0] > lens[$1] : $0 < $1 }
    var start = 0
    while start < order.count {
      // Long sessions go in smaller batches: at most `eventsPerBatch` events keep the scratch small
      // (1,024: ~3 MB touched at H = 100; 1,536 measured ~2 % faster on HDFS but 1.2 MB more).
      let cap = max(1, eventsPerBatch / max(lens[order[start]], 1))
      let end = min(start + min(batchSize, cap), order.count)
      let idx = Array(order[start..<end])
      let b = idx.count, t = lens[idx[0]]
      x.removeAll(keepingCapacity: true)
      x.append(contentsOf: repeatElement(0, count: b * t * e))
      var l32 = [Int32](repeating: 0, count: b)
      for (i, s) in idx.enumerated() {
        let n = sessions[s].count / e, keep = lens[s], copy = min(n, keep)
        let from = (n - copy) * e
        l32[i] = Int32(keep)
        if copy > 0 {
          sessions[s].withUnsafeBufferPointer { src in
            x.withUnsafeMutableBufferPointer { dst in
              (dst.baseAddress! + i * t * e).update(from: src.baseAddress! + from, count: copy * e)
            }
          }
        }
      }
      var p = [Float](repeating: 0, count: b)
      var al = [Float](repeating: 0, count: attention ? b * t : 0)
      let need = kernel.workSize(batch: b, steps: t)
      if workCapacity < need {
        work?.deallocate()
        work = .allocate(capacity: need)
        workCapacity = need
        #if DEBUG
        // Tests run debug builds: scratch starts as NaN there, so a read before a write would show.
        work!.initialize(repeating: .nan, count: need)
        #endif
      }
      var plan: FirstLayerStates?
      if let keys, stateCacheCapacity > 0 {
        if stateCache == nil {
          let parts = hyperParameters.directions == 2 && hyperParameters.layers > 1 ? stateCachePartCapacity : 0
          stateCache = StateCache(hidden: hyperParameters.hiddenSize, capacity: stateCacheCapacity, partCapacity: parts)
        }
        let batchKeys: [[UInt32]?] = idx.map { s in keys[s].flatMap { $0.count == lens[s] && sessions[s].count / e >= $0.count ? $0 : nil } }
        if batchKeys.contains(where: { $0 != nil }) { plan = stateCache!.plan(batchKeys, directions: hyperParameters.directions) }
      }
      x.withUnsafeBufferPointer { xp in
        p.withUnsafeMutableBufferPointer { pp in
          al.withUnsafeMutableBufferPointer { ap in
            kernel.forward(batch: b, steps: t, x: xp.baseAddress!, lengths: l32, states: plan, scores: pp.baseAddress!,
                           alpha: attention ? ap.baseAddress : nil, work: work!)
          }
        }
      }
      for (i, s) in idx.enumerated() {
        scores[s] = p[i]
        if attention { alphas[s] = Array(al[(i * t)..<(i * t + lens[s])]) }
      }
      start = end
    }
    return (scores, alphas)
  }
}
