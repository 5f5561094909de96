// The ZeroLog network, functional: every forward takes the parameters as a name → tensor map, so the
// meta-learning inner step can run the same code on adapted parameters θ' = θ − δ∇L (whose graph
// reaches back to θ for the exact second-order gradient).
//
//   feature extractor G: stacked (bi)GRU on true lengths → attention pooling → r [B, D·H]
//   anomaly classifier C: Linear(D·H → 2)
//   domain classifier D: Linear(D·H → 128) → ReLU → LayerNorm → Dropout → Linear(128 → 2)
// Names and layouts follow PyTorch (nn.GRU, nn.Linear, nn.LayerNorm) and zlck-v1.md Appendix A.

import ZLProfile
import ZLTensor

public typealias ParameterMap<T: Real> = [String: Tensor<T>]

/// Settings of the network beyond the scoring hyper-parameters.
public struct NetworkConfig: Equatable, Sendable {
  public var model: ModelHyperParameters
  /// Width of the domain classifier's hidden layer.
  public var domainHidden: Int = 128
  /// Dropout inside the domain classifier (reference: 0.3).
  public var domainDropout: Double = 0.3
  /// Dropout on the inputs of GRU layers above the first (PyTorch nn.GRU `dropout`).
  public var layerDropout: Double = 0

  public init(model: ModelHyperParameters, domainHidden: Int = 128, domainDropout: Double = 0.3, layerDropout: Double = 0) {
    self.model = model
    self.domainHidden = domainHidden
    self.domainDropout = domainDropout
    self.layerDropout = layerDropout
  }
}

/// A padded batch of sessions: x [B, T, E] (zeros after each length), lengths 1...T.
public struct SequenceBatch<T: Real> {
  public let x: Tensor<T>
  public let lengths: [Int]
  public var batch: Int { lengths.count }
  public var steps: Int { x.shape[1] }
  public var width: Int { x.shape[2] }

  public init(x: Tensor<T>, lengths: [Int]) {
    precondition(x.rank == 3 && x.shape[0] == lengths.count && lengths.allSatisfy { $0 >= 1 && $0 <= x.shape[1] })
    self.x = x
    self.lengths = lengths
  }

  /// Pads sequences (each [len · E], row-major) to the longest; sequences longer than `maxLength`
  /// keep their last `maxLength` events (Appendix A).
  public init(sequences: [[T]], width: Int, maxLength: Int) {
    let lens = sequences.map { max(1, min($0.count / width, maxLength)) }
    let steps = lens.max() ?? 1
    var data = [T](repeating: 0, count: sequences.count * steps * width)
    for (b, s) in sequences.enumerated() {
      let n = s.count / width, keep = min(n, maxLength)
      let from = (n - keep) * width
      for i in 0..<(keep * width) { data[b * steps * width + i] = s[from + i] }
    }
    self.init(x: Tensor(data, shape: [sequences.count, steps, width]), lengths: lens)
  }

  /// All steps as one [T·B, E] step-major tensor (rows t·B + b), the layout the GRU reads.
  func stepMajor() -> Tensor<T> {
    if x.requiresGrad { return Tensor.concat((0..<steps).map { x.slice(axis: 1, $0..<($0 + 1)).reshaped([batch, width]) }, axis: 0) }
    let b = batch, e = width, n = steps
    var d = [T](repeating: 0, count: n * b * e)
    x.data.withUnsafeBufferPointer { src in
      d.withUnsafeMutableBufferPointer { dst in
        for t in 0..<n {
          for i in 0..<b {
            UnsafeMutableRawPointer(dst.baseAddress! + (t * b + i) * e)
              .copyMemory(from: src.baseAddress! + (i * n + t) * e, byteCount: e * MemoryLayout<T>.stride)
          }
        }
      }
    }
    return Tensor(d, shape: [n * b, e])
  }

  /// [B, 1] masks: 1 where step t is inside the sequence.
  func mask(_ t: Int) -> Tensor<T> { Tensor(lengths.map { t < $0 ? 1 : 0 }, shape: [batch, 1]) }
}

public enum Network {
  /// Parameter names and shapes of G and C (the checkpoint's scoring tensors), then D.
  public static func shapes(_ c: NetworkConfig) -> [(String, [Int])] {
    let f = c.model.featureSize
    return ModelProfile.expectedShapes(c.model) + [
      ("domain.fc1.weight", [c.domainHidden, f]), ("domain.fc1.bias", [c.domainHidden]),
      ("domain.norm.weight", [c.domainHidden]), ("domain.norm.bias", [c.domainHidden]),
      ("domain.fc2.weight", [2, c.domainHidden]), ("domain.fc2.bias", [2]),
    ]
  }

  /// Feature-extractor parameter names (GRU + attention).
  public static func extractorNames(_ c: NetworkConfig) -> [String] {
    shapes(c).map(\.0).filter { $0.hasPrefix("gru.") || $0.hasPrefix("attention.") }
  }
  public static func classifierNames(_ c: NetworkConfig) -> [String] { shapes(c).map(\.0).filter { $0.hasPrefix("classifier.") } }
  public static func domainNames(_ c: NetworkConfig) -> [String] { shapes(c).map(\.0).filter { $0.hasPrefix("domain.") } }

  /// Initial parameters as the reference: GRU U(±1/√H); attention weight U(±√(6/(4H+1))) (the
  /// reference's 4H = 2·D·H with D = 2), guide N(0,1), bias 0; classifier orthogonal rows with
  /// zero bias; Q/K/V and the domain classifier's Linear layers U(±1/√fan_in) (PyTorch default);
  /// LayerNorm weight 1, bias 0. Draws happen in name order from one seeded stream.
  public static func initialParameters<T: Real>(_ c: NetworkConfig, seed: UInt64) -> ParameterMap<T> {
    var rng = SeededRNG(seed: seed)
    var p: ParameterMap<T> = [:]
    let h = Double(c.model.hiddenSize), f = c.model.featureSize
    for (name, shape) in shapes(c) {
      var t: Tensor<T>
      if name.hasPrefix("gru.") {
        let k = 1 / h.squareRoot()
        t = .uniform(shape, -k, k, rng: &rng)
      } else if name == "attention.guide" {
        t = .normal(shape, rng: &rng)
      } else if name == "attention.weight" {
        let k = (6.0 / Double(2 * f + 1)).squareRoot()
        t = .uniform(shape, -k, k, rng: &rng)
      } else if name == "classifier.weight" {
        t = Tensor(orthogonalRows(rows: shape[0], cols: shape[1], rng: &rng), shape: shape)
      } else if name.hasSuffix(".bias") && (name.hasPrefix("attention") || name.hasPrefix("classifier") || name.hasPrefix("domain.norm")) {
        t = .zeros(shape)
      } else if name == "domain.norm.weight" {
        t = .full(1, shape)
      } else {
        let fanIn = shape.count == 2 ? shape[1] : (name.hasPrefix("domain.fc1") ? f : c.domainHidden)
        let k = 1 / Double(fanIn).squareRoot()
        t = .uniform(shape, -k, k, rng: &rng)
      }
      p[name] = t.asParameter()
    }
    return p
  }

  /// Rows of a random matrix made orthonormal by Gram–Schmidt (rows ≤ cols).
  static func orthogonalRows<T: Real>(rows: Int, cols: Int, rng: inout SeededRNG) -> [T] {
    var m = [[Double]]()
    for _ in 0..<rows {
      var v = (0..<cols).map { _ in rng.normal() }
      for u in m {
        let d = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
        for j in 0..<cols { v[j] -= d * u[j] }
      }
      let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
      m.append(v.map { $0 / max(n, 1e-12) })
    }
    return m.flatMap { $0.map { T($0) } }
  }

  // MARK: forward

  /// One GRU direction over step-major inputs xAll [T·B, In] → per-step outputs [B, H] (at padding
  /// steps the carried state: attention gives those steps weight exactly 0, the next layer skips them).
  static func gruDirection<T: Real>(_ p: ParameterMap<T>, _ name: String, xAll: Tensor<T>, masks: [Tensor<T>],
                                    hidden: Int, reverse: Bool) -> [Tensor<T>] {
    let wih = p["gru.weight_ih_\(name)"]!, whh = p["gru.weight_hh_\(name)"]!
    let bih = p["gru.bias_ih_\(name)"]!, bhh = p["gru.bias_hh_\(name)"]!
    let steps = masks.count, b = masks[0].shape[0], hsz = hidden
    var h = Tensor<T>.zeros([b, hsz])
    var outs = [Tensor<T>?](repeating: nil, count: steps)
    for s in 0..<steps {
      let t = reverse ? steps - 1 - s : s
      // Padding never enters the recurrence: where the step is outside the sequence, h carries over.
      // Outputs at padding steps are that carried state; attention gives them weight exactly 0.
      h = GRUCell.step(xAll: xAll, rows: (t * b)..<((t + 1) * b), h: h, wIH: wih, bIH: bih, wHH: whh, bHH: bhh, mask: masks[t].data)
      outs[t] = h
    }
    return outs.map { $0! }
  }

  /// G: the sequence representation r [B, D·H], and the attention weights α [B, T].
  public static func features<T: Real>(_ p: ParameterMap<T>, _ c: NetworkConfig, _ batch: SequenceBatch<T>,
                                       training: Bool = false, rng: inout SeededRNG) -> (r: Tensor<T>, alpha: Tensor<T>) {
    let hp = c.model
    let steps = batch.steps, b = batch.batch
    let masks = (0..<steps).map { batch.mask($0) }
    var xAll = batch.stepMajor()
    var layerOut: [Tensor<T>] = []
    for l in 0..<hp.layers {
      if l > 0 && training && c.layerDropout > 0 {
        xAll = xAll.masked(by: .dropoutMask(xAll.shape, p: c.layerDropout, rng: &rng))
      }
      let fwd = gruDirection(p, "l\(l)", xAll: xAll, masks: masks, hidden: hp.hiddenSize, reverse: false)
      if hp.bidirectional {
        let bwd = gruDirection(p, "l\(l)_reverse", xAll: xAll, masks: masks, hidden: hp.hiddenSize, reverse: true)
        if l == hp.layers - 1 {
          layerOut = zip(fwd, bwd).map { Tensor.concat([$0, $1], axis: 1) }
        } else {
          xAll = Tensor.concat([Tensor.concat(fwd, axis: 0), Tensor.concat(bwd, axis: 0)], axis: 1)
        }
      } else if l == hp.layers - 1 {
        layerOut = fwd
      } else {
        xAll = Tensor.concat(fwd, axis: 0)
      }
    }
    let f = hp.featureSize
    let hs = Tensor.stack(layerOut, axis: 1)  // [B, T, F]
    let flat = hs.reshaped([b * steps, f])
    // Masked softmax over valid steps: padding gets −∞ (exactly zero weight).
    var bias = [T](repeating: 0, count: b * steps)
    for i in 0..<b { for t in batch.lengths[i]..<steps { bias[i * steps + t] = -T.infinity } }
    let maskBias = Tensor<T>(bias, shape: [b, steps])
    let scores: Tensor<T>
    let alpha: Tensor<T>
    switch hp.attention {
    case .additive:
      let w = p["attention.weight"]!, g = p["attention.guide"]!
      let w1 = w.slice(axis: 0, 0..<f), w2 = w.slice(axis: 0, f..<(2 * f))
      let c0 = (w1 * g).sum() + p["attention.bias"]!.reshaped([])
      scores = (Tensor.matmul(flat, w2.reshaped([1, f]), transB: true).reshaped([b, steps]) + c0).tanh()
      alpha = (scores + maskBias).softmax()
      let r = (alpha.reshaped([b, steps, 1]) * hs).sum(axis: 1)
      return (r, alpha)
    case .qkv:
      // q = mean over valid steps of h_t, projected; k_t, v_t projections; α = softmax(q·k/√F).
      let inv = Tensor<T>(batch.lengths.map { T(1) / T($0) }, shape: [b, 1])
      var valid = [T](repeating: 0, count: b * steps)
      for i in 0..<b { for t in 0..<batch.lengths[i] { valid[i * steps + t] = 1 } }
      let mean = (hs * Tensor<T>(valid, shape: [b, steps, 1])).sum(axis: 1) * inv
      let q = Tensor.linear(mean, p["attention.query"]!, nil)           // [B, F]
      let k = Tensor.linear(flat, p["attention.key"]!, nil).reshaped([b, steps, f])
      let v = Tensor.linear(flat, p["attention.value"]!, nil).reshaped([b, steps, f])
      let s = (k * q.reshaped([b, 1, f])).sum(axis: 2) * (T(1) / T.sqrt(T(f)))
      alpha = (s + maskBias).softmax()
      let r = (alpha.reshaped([b, steps, 1]) * v).sum(axis: 1)
      return (r, alpha)
    }
  }

  /// C: anomaly logits [B, 2].
  public static func classify<T: Real>(_ p: ParameterMap<T>, _ r: Tensor<T>) -> Tensor<T> {
    Tensor.linear(r, p["classifier.weight"]!, p["classifier.bias"]!)
  }

  /// D: domain logits [B, 2] (0 source, 1 target).
  public static func domain<T: Real>(_ p: ParameterMap<T>, _ c: NetworkConfig, _ r: Tensor<T>, training: Bool,
                                     rng: inout SeededRNG) -> Tensor<T> {
    var h = Tensor.linear(r, p["domain.fc1.weight"]!, p["domain.fc1.bias"]!).relu()
    h = h.layerNorm(weight: p["domain.norm.weight"]!, bias: p["domain.norm.bias"]!)
    if training && c.domainDropout > 0 { h = h.masked(by: .dropoutMask(h.shape, p: c.domainDropout, rng: &rng)) }
    return Tensor.linear(h, p["domain.fc2.weight"]!, p["domain.fc2.bias"]!)
  }

  /// P(anomalous) for a batch, no graph.
  public static func scores<T: Real>(_ p: ParameterMap<T>, _ c: NetworkConfig, _ batch: SequenceBatch<T>) -> [T] {
    Autograd.withoutRecording {
      var rng = SeededRNG(seed: 0)
      let logits = classify(p, features(p, c, batch, rng: &rng).r)
      let pr = logits.softmax()
      return (0..<batch.batch).map { pr.data[$0 * 2 + 1] }
    }
  }

  /// One-hot or soft 2-column targets from P(anomalous) labels.
  public static func targets<T: Real>(_ labels: [Double]) -> Tensor<T> {
    Tensor(labels.flatMap { [T(1 - $0), T($0)] }, shape: [labels.count, 2])
  }
}
