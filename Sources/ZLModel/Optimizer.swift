// Optimizers over named parameters. Adam follows torch.optim.Adam (bias-corrected moments,
// eps added to the corrected second-moment root); the step schedule multiplies the learning rate by
// `decay` every `decayEvery` steps (the reference's LambdaLR 0.75 / 1000).

import ZLTensor

public struct AdamConfig: Equatable, Sendable, Codable {
  public var lr: Double
  public var beta1: Double
  public var beta2: Double
  public var eps: Double
  public var decay: Double
  public var decayEvery: Int

  public init(lr: Double = 3e-3, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, decay: Double = 1, decayEvery: Int = 1000) {
    self.lr = lr
    self.beta1 = beta1
    self.beta2 = beta2
    self.eps = eps
    self.decay = decay
    self.decayEvery = decayEvery
  }
}

public final class Adam<T: Real> {
  public let config: AdamConfig
  public let names: [String]
  public private(set) var step: Int = 0
  var m: [String: [T]] = [:]
  var v: [String: [T]] = [:]

  public init(names: [String], config: AdamConfig) {
    self.names = names.sorted()
    self.config = config
  }

  public var learningRate: Double {
    config.lr * dpow(config.decay, Double(step / max(config.decayEvery, 1)))
  }

  /// Updates `params[name]` in place from `grads[name]` (missing gradients count as zero).
  public func update(_ params: inout ParameterMap<T>, _ grads: [String: Tensor<T>]) {
    let lr = learningRate
    step += 1
    let b1 = config.beta1, b2 = config.beta2
    let c1 = 1 - dpow(b1, Double(step)), c2 = 1 - dpow(b2, Double(step))
    let stepSize = T(lr / c1), eps = T(config.eps), tb1 = T(b1), tb2 = T(b2), rc2 = T(1 / c2.squareRoot())
    for name in names {
      guard let p = params[name], let g = grads[name] else { continue }
      precondition(g.shape == p.shape)
      var mm = m[name] ?? [T](repeating: 0, count: p.count)
      var vv = v[name] ?? [T](repeating: 0, count: p.count)
      var w = p.data
      g.data.withUnsafeBufferPointer { gd in
        for i in 0..<w.count {
          let gi = gd[i]
          mm[i] = tb1 * mm[i] + (1 - tb1) * gi
          vv[i] = tb2 * vv[i] + (1 - tb2) * gi * gi
          w[i] -= stepSize * mm[i] / (T.sqrt(vv[i]) * rc2 + eps)
        }
      }
      m[name] = mm
      v[name] = vv
      params[name] = Tensor(w, shape: p.shape, requiresGrad: true)
    }
  }

  /// The optimizer state as named tensors (for resuming), and back.
  public func state() -> [(String, [T], [Int])] {
    var out: [(String, [T], [Int])] = [("step", [T(Double(step))], [1])]
    for n in names {
      if let a = m[n] { out.append(("m.\(n)", a, [a.count])) }
      if let b = v[n] { out.append(("v.\(n)", b, [b.count])) }
    }
    return out
  }

  public func restore(_ state: [String: [T]]) {
    if let s = state["step"], let x = s.first { step = Int(x.double) }
    for n in names {
      if let a = state["m.\(n)"] { m[n] = a }
      if let b = state["v.\(n)"] { v[n] = b }
    }
  }
}

/// Plain SGD: θ ← θ − lr·g.
public struct SGD<T: Real> {
  public var lr: Double
  public init(lr: Double) { self.lr = lr }
  public func update(_ params: inout ParameterMap<T>, _ grads: [String: Tensor<T>]) {
    for (name, g) in grads {
      guard let p = params[name] else { continue }
      let s = T(lr)
      var w = p.data
      for i in 0..<w.count { w[i] -= s * g.data[i] }
      params[name] = Tensor(w, shape: p.shape, requiresGrad: true)
    }
  }
}
