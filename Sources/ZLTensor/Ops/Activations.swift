// Nonlinearities. Backward formulas are themselves tensor ops, so they can be differentiated again.

extension Tensor {
  public func sigmoid() -> Tensor {
    Tensor.unaryOp("sigmoid", .sigmoid, self) { g, _, y in g * y * (T(1) - y) }
  }

  public func tanh() -> Tensor {
    Tensor.unaryOp("tanh", .tanh, self) { g, _, y in g * (T(1) - y.squared()) }
  }

  public func relu() -> Tensor {
    Tensor.unaryOp("relu", .relu, self) { g, x, _ in g * Tensor(x.mapValues(.step), shape: x.shape) }
  }

  public func exp() -> Tensor {
    Tensor.unaryOp("exp", .exp, self) { g, _, y in g * y }
  }

  public func log() -> Tensor {
    Tensor.unaryOp("log", .log, self) { g, x, _ in g / x }
  }

  /// 1 / sqrt(x).
  public func rsqrt() -> Tensor {
    Tensor.unaryOp("rsqrt", .rsqrt, self) { g, _, y in g * y * y * y * T(-0.5) }
  }

  /// Identity forward, gradient multiplied by −λ backward (domain-adversarial training).
  public func reversingGradient(_ lambda: T = 1) -> Tensor {
    Tensor.make("grad_reverse", data, shape, [self]) { g in [g * (-lambda)] }
  }

  /// Multiplies by a constant mask (dropout, padding); the mask gets no gradient.
  public func masked(by mask: Tensor) -> Tensor { self * mask.detached() }
}
