// CompiledModel: a zl.bigru-attn network's f32 weights held contiguously and handed to CZLScore's
// forward pass. Built from a validated checkpoint (ModelProfile.validate) or from training's
// parameter map; scoring and training evaluation both score through it, so they agree exactly.

import CZLScore
import ZLProfile

public final class CompiledModel: @unchecked Sendable {
  public let hyperParameters: ModelHyperParameters
  /// All weights, one buffer; `offsets[name]` locates each tensor.
  private let storage: UnsafeMutablePointer<Float>
  private let total: Int
  private var model = zls_model()
  private var offsets: [String: Int] = [:]
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
    let expected = ModelProfile.expectedShapes(hp)
    // GRU weight matrices are kept only transposed (W_ih^T [in, 3H], W_hh^T [H, 3H]), the layout
    // the kernels read for every batch size; holding both layouts would double the largest
    // tensors' memory.
    func isGRUMatrix(_ name: String) -> Bool { name.hasPrefix("gru.weight_") }
    var off = 0
    for (name, shape) in expected {
      offsets[name] = off
      off += shape.reduce(1, *)
    }
    total = off
    storage = .allocate(capacity: max(off, 1))
    for (name, shape) in expected {
      let v = tensors[name]!
      let rows = shape[0], cols = shape.count > 1 ? shape.dropFirst().reduce(1, *) : 1
      precondition(v.count == rows * cols, "tensor \(name): \(v.count) values for shape \(shape)")
      let dst = storage + offsets[name]!
      if isGRUMatrix(name) {
        for r in 0..<rows { for c in 0..<cols { dst[c * rows + r] = v[r * cols + c] } }
      } else {
        v.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: v.count) }
      }
    }
    model.input_size = Int32(hp.inputSize)
    model.hidden_size = Int32(hp.hiddenSize)
    model.layers = Int32(hp.layers)
    model.directions = Int32(hp.directions)
    model.attention = hp.attention == .additive ? 0 : 1
    func ptr(_ n: String) -> UnsafePointer<Float> { UnsafePointer(storage + offsets[n]!) }
    withUnsafeMutablePointer(to: &model) { m in
      // The per-layer pointer arrays of zls_model (C arrays import as tuples; address them raw).
      func slots(_ field: PartialKeyPath<zls_model>) -> UnsafeMutablePointer<UnsafePointer<Float>?> {
        UnsafeMutableRawPointer(m).advanced(by: MemoryLayout<zls_model>.offset(of: field)!).assumingMemoryBound(to: UnsafePointer<Float>?.self)
      }
      let bih = slots(\zls_model.b_ih), bhh = slots(\zls_model.b_hh)
      let wiht = slots(\zls_model.w_ih_t), whht = slots(\zls_model.w_hh_t)
      for l in 0..<hp.layers {
        for d in 0..<hp.directions {
          let suffix = "l\(l)" + (d == 1 ? "_reverse" : "")
          let k = l * hp.directions + d
          wiht[k] = ptr("gru.weight_ih_\(suffix)")
          whht[k] = ptr("gru.weight_hh_\(suffix)")
          bih[k] = ptr("gru.bias_ih_\(suffix)")
          bhh[k] = ptr("gru.bias_hh_\(suffix)")
        }
      }
    }
    switch hp.attention {
    case .additive:
      model.att_guide = ptr("attention.guide")
      model.att_weight = ptr("attention.weight")
      model.att_bias = storage[offsets["attention.bias"]!]
    case .qkv:
      model.att_q = ptr("attention.query")
      model.att_k = ptr("attention.key")
      model.att_v = ptr("attention.value")
    }
    model.cls_weight = ptr("classifier.weight")
    model.cls_bias = ptr("classifier.bias")
  }

  deinit {
    storage.deallocate()
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
      let need = zls_model_work_size(&model, Int32(b), Int32(t))
      if workCapacity < need {
        work?.deallocate()
        work = .allocate(capacity: need)
        workCapacity = need
        #if DEBUG
        // Tests run debug builds: scratch starts as NaN there, so a read before a write would show.
        work!.initialize(repeating: .nan, count: need)
        #endif
      }
      var plan: StateCache.Plan?
      if let keys, stateCacheCapacity > 0 {
        if stateCache == nil {
          let parts = hyperParameters.directions == 2 && hyperParameters.layers > 1 ? stateCachePartCapacity : 0
          stateCache = StateCache(hidden: hyperParameters.hiddenSize, capacity: stateCacheCapacity, partCapacity: parts)
        }
        let batchKeys: [[UInt32]?] = idx.map { s in keys[s].flatMap { $0.count == lens[s] && sessions[s].count / e >= $0.count ? $0 : nil } }
        if batchKeys.contains(where: { $0 != nil }) { plan = stateCache!.plan(batchKeys, directions: hyperParameters.directions) }
      }
      x.withUnsafeBufferPointer { xp in
        al.withUnsafeMutableBufferPointer { ap in
          if let plan {
            withStates(plan) { st in
              zls_model_forward_states(&model, Int32(b), Int32(t), xp.baseAddress!, l32, st, &p, attention ? ap.baseAddress : nil, work!)
            }
          } else {
            zls_model_forward(&model, Int32(b), Int32(t), xp.baseAddress!, l32, &p, attention ? ap.baseAddress : nil, work!)
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

/// Runs `body` with a plan's arrays laid out as zls_first_layer_states (valid during the call).
private func withStates(_ plan: StateCache.Plan, _ body: (UnsafePointer<zls_first_layer_states>) -> Void) {
  let b = plan.known[0].count
  var st = zls_first_layer_states()
  var owned: [UnsafeMutableRawPointer] = []
  defer { for q in owned { q.deallocate() } }
  func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
    let q = UnsafeMutablePointer<T>.allocate(capacity: max(1, a.count))
    q.initialize(from: a, count: a.count)
    owned.append(UnsafeMutableRawPointer(q))
    return q
  }
  var known: [UnsafePointer<Int32>?] = [nil, nil], want: [UnsafePointer<Int32>?] = [nil, nil]
  var given: [UnsafePointer<UnsafePointer<UnsafePointer<Float>?>?>?] = [nil, nil]
  var out: [UnsafePointer<UnsafePointer<UnsafeMutablePointer<Float>?>?>?] = [nil, nil]
  var givenPart: [UnsafePointer<UnsafePointer<UnsafePointer<Float>?>?>?] = [nil, nil]
  var outPart: [UnsafePointer<UnsafePointer<UnsafeMutablePointer<Float>?>?>?] = [nil, nil]
  for d in 0..<2 where plan.known[d].count == b {
    known[d] = UnsafePointer(copy(plan.known[d]))
    want[d] = UnsafePointer(copy(plan.want[d]))
    let rows = copy(plan.given[d]), outRows = copy(plan.out[d])
    given[d] = UnsafePointer(copy(plan.givenStart[d].map { UnsafePointer<UnsafePointer<Float>?>?(rows + $0) }))
    out[d] = UnsafePointer(copy(plan.outStart[d].map { UnsafePointer<UnsafeMutablePointer<Float>?>?(outRows + $0) }))
    if plan.givenPart[d].contains(where: { $0 != nil }) || plan.outPart[d].contains(where: { $0 != nil }) {
      let parts = copy(plan.givenPart[d]), outParts = copy(plan.outPart[d])
      givenPart[d] = UnsafePointer(copy(plan.givenStart[d].map { UnsafePointer<UnsafePointer<Float>?>?(parts + $0) }))
      outPart[d] = UnsafePointer(copy(plan.outStart[d].map { UnsafePointer<UnsafeMutablePointer<Float>?>?(outParts + $0) }))
    }
  }
  st.known = (known[0], known[1])
  st.want = (want[0], want[1])
  st.given = (given[0], given[1])
  st.out = (out[0], out[1])
  st.given_part = (givenPart[0], givenPart[1])
  st.out_part = (outPart[0], outPart[1])
  withUnsafePointer(to: &st) { body($0) }
}

/// The kernels' thread count (zl-score sets it without linking the training modules).
public enum CZLThreads {
  @discardableResult
  public static func set(_ n: Int) -> Int { Int(zls_set_threads(Int32(n))) }
}
