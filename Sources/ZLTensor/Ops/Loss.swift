// Softmax, log-softmax, cross-entropy with soft targets, layer normalisation.

extension Tensor {
  /// log softmax over the last axis: x − max − log Σ exp(x − max).
  public func logSoftmax() -> Tensor {
    let n = shape.last!, rows = count / Swift.max(n, 1)
    var out = [T](repeating: 0, count: count)
    data.withUnsafeBufferPointer { x in
      out.withUnsafeMutableBufferPointer { o in
        for r in 0..<rows {
          var m = -T.infinity
          for j in 0..<n { m = Swift.max(m, x[r * n + j]) }
          var s = 0.0
          for j in 0..<n { s += dexp((x[r * n + j] - m).double) }
          let lse = m + T(dlog(s))
          for j in 0..<n { o[r * n + j] = x[r * n + j] - lse }
        }
      }
    }
    return Tensor.makeUsingOutput("log_softmax", out, shape, [self]) { g, y in
      // d/dx = g − softmax · Σ_j g_j
      [g - y.exp() * g.sum(axis: -1, keepDims: true)]
    }
  }

  public func softmax() -> Tensor { logSoftmax().exp() }

  /// Mean over rows of −Σ_j target_j log softmax(x)_j (targets may be soft).
  public func crossEntropy(targets: Tensor) -> Tensor {
    precondition(targets.shape == shape, "cross-entropy: logits \(shape) vs targets \(targets.shape)")
    let rows = count / shape.last!
    return -(logSoftmax() * targets.detached()).sum() * (T(1) / T(Swift.max(rows, 1)))
  }

  /// Layer normalisation over the last axis with affine weight and bias.
  public func layerNorm(weight: Tensor, bias: Tensor, eps: T = 1e-5) -> Tensor {
    let mu = mean(axis: -1, keepDims: true)
    let xc = self - mu
    let v = xc.squared().mean(axis: -1, keepDims: true)
    return xc * (v + eps).rsqrt() * weight + bias
  }
}
