// NetworkKernel: a zl.bigru-attn network's f32 weights in the layout the C forward pass reads (GRU
// matrices transposed), the zls_model that points into them, and the forward pass with or without
// first-layer states a caller already has. The scratch and batching policy are the caller's
// (ZLScoring.CompiledModel); this file only marshals to C.

import CZLScore

/// Where a batch's first-layer states come from and go to (zls_first_layer_states): per direction
/// (0 forward, 1 backward) and sequence, how many steps are known and their state rows (in step
/// order), how many new ones are wanted and the rows that receive them, and, parallel to the rows,
/// the second layer's input-projection parts (nil where none is kept).
public struct FirstLayerStates {
  public var known: [[Int32]] = [[], []]
  public var want: [[Int32]] = [[], []]
  public var given: [[UnsafePointer<Float>?]] = [[], []]
  public var out: [[UnsafeMutablePointer<Float>?]] = [[], []]
  public var givenPart: [[UnsafePointer<Float>?]] = [[], []]
  public var outPart: [[UnsafeMutablePointer<Float>?]] = [[], []]
  /// Where each sequence's rows start in `given` / `out`.
  public var givenStart: [[Int]] = [[], []]
  public var outStart: [[Int]] = [[], []]
  public init() {}
}

public final class NetworkKernel: @unchecked Sendable {
  public let inputSize: Int
  public let hiddenSize: Int
  public let layers: Int
  public let directions: Int
  /// All weights, one buffer.
  private let storage: UnsafeMutablePointer<Float>
  private var model = zls_model()

  /// - Parameters:
  ///   - shapes: every tensor of the model profile with its shape (the names of zlck-v1.md Appendix A).
  ///   - tensors: each as row-major f32 values with exactly the shape's element count (validated by the caller).
  ///   - qkv: Q/K/V attention (else additive).
  public init(inputSize: Int, hiddenSize: Int, layers: Int, directions: Int, qkv: Bool, shapes: [(String, [Int])],
              tensors: [String: [Float]]) {
    self.inputSize = inputSize
    self.hiddenSize = hiddenSize
    self.layers = layers
    self.directions = directions
    // GRU weight matrices are kept only transposed (W_ih^T [in, 3H], W_hh^T [H, 3H]), the layout
    // the kernels read for every batch size; holding both layouts would double the largest
    // tensors' memory.
    var offsets: [String: Int] = [:]
    var off = 0
    for (name, shape) in shapes {
      offsets[name] = off
      off += shape.reduce(1, *)
    }
    storage = .allocate(capacity: max(off, 1))
    for (name, shape) in shapes {
      let v = tensors[name]!
      let rows = shape[0], cols = shape.count > 1 ? shape.dropFirst().reduce(1, *) : 1
      precondition(v.count == rows * cols, "tensor \(name): \(v.count) values for shape \(shape)")
      let dst = storage + offsets[name]!
      if name.hasPrefix("gru.weight_") {
        for r in 0..<rows { for c in 0..<cols { dst[c * rows + r] = v[r * cols + c] } }
      } else {
        v.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: v.count) }
      }
    }
    model.input_size = Int32(inputSize)
    model.hidden_size = Int32(hiddenSize)
    model.layers = Int32(layers)
    model.directions = Int32(directions)
    model.attention = qkv ? 1 : 0
    let base = storage
    func ptr(_ n: String) -> UnsafePointer<Float> { UnsafePointer(base + offsets[n]!) }
    withUnsafeMutablePointer(to: &model) { m in
      // The per-layer pointer arrays of zls_model (C arrays import as tuples; address them raw).
      func slots(_ field: PartialKeyPath<zls_model>) -> UnsafeMutablePointer<UnsafePointer<Float>?> {
        UnsafeMutableRawPointer(m).advanced(by: MemoryLayout<zls_model>.offset(of: field)!).assumingMemoryBound(to: UnsafePointer<Float>?.self)
      }
      let bih = slots(\zls_model.b_ih), bhh = slots(\zls_model.b_hh)
      let wiht = slots(\zls_model.w_ih_t), whht = slots(\zls_model.w_hh_t)
      for l in 0..<layers {
        for d in 0..<directions {
          let suffix = "l\(l)" + (d == 1 ? "_reverse" : "")
          let k = l * directions + d
          wiht[k] = ptr("gru.weight_ih_\(suffix)")
          whht[k] = ptr("gru.weight_hh_\(suffix)")
          bih[k] = ptr("gru.bias_ih_\(suffix)")
          bhh[k] = ptr("gru.bias_hh_\(suffix)")
        }
      }
    }
    if qkv {
      model.att_q = ptr("attention.query")
      model.att_k = ptr("attention.key")
      model.att_v = ptr("attention.value")
    } else {
      model.att_guide = ptr("attention.guide")
      model.att_weight = ptr("attention.weight")
      model.att_bias = storage[offsets["attention.bias"]!]
    }
    model.cls_weight = ptr("classifier.weight")
    model.cls_bias = ptr("classifier.bias")
  }

  deinit { storage.deallocate() }

  /// Floats of scratch a forward pass of `batch` sequences of `steps` needs with the thread count
  /// now in effect. The corresponding C function is `zls_model_work_size`.
  public func workSize(batch: Int, steps: Int) -> Int { zls_model_work_size(&model, Int32(batch), Int32(steps)) }

  /// P(anomalous) of each sequence of x [batch, steps, E] (lengths 1...steps) into `scores`, and the
  /// attention weights [batch, steps] into `alpha` when given. The corresponding C functions are
  /// `zls_model_forward` and `zls_model_forward_states`.
  public func forward(batch: Int, steps: Int, x: UnsafePointer<Float>, lengths: [Int32], states: FirstLayerStates?,
                      scores: UnsafeMutablePointer<Float>, alpha: UnsafeMutablePointer<Float>?, work: UnsafeMutablePointer<Float>) {
    if let states {
      withStates(states) { st in
        zls_model_forward_states(&model, Int32(batch), Int32(steps), x, lengths, st, scores, alpha, work)
      }
    } else {
      zls_model_forward(&model, Int32(batch), Int32(steps), x, lengths, scores, alpha, work)
    }
  }
}

/// Runs `body` with the states laid out as zls_first_layer_states (valid during the call).
private func withStates(_ plan: FirstLayerStates, _ body: (UnsafePointer<zls_first_layer_states>) -> Void) {
  let b = max(plan.known[0].count, plan.known[1].count)
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
