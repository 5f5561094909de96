// Central finite differences against the autograd gradients, in Double.
//
// Tolerance rule (stated once, used by every check): with step h = 1e-5 the central difference has
// truncation error O(h²·f''') ≈ 1e-10 and rounding error O(ε·|f|/h) ≈ 1e-11·|f|, so an analytic
// gradient a and numeric n must satisfy |a − n| ≤ 1e-6 + 1e-5·max(|a|, |n|). A wrong backward
// formula is off by O(|a|), far outside that band.

public struct GradientCheckFailure: CustomStringConvertible, Sendable {
  public var input: Int
  public var index: Int
  public var analytic: Double
  public var numeric: Double
  public var description: String { "input \(input)[\(index)]: analytic \(analytic), numeric \(numeric)" }
}

public enum GradientCheck {
  public static let step = 1e-5
  public static let absoluteTolerance = 1e-6
  public static let relativeTolerance = 1e-5

  public static func agrees(_ a: Double, _ n: Double) -> Bool {
    abs(a - n) <= absoluteTolerance + relativeTolerance * max(abs(a), abs(n))
  }

  /// Checks d f / d inputs for a scalar function of Double tensors. Returns the mismatches (empty
  /// when the gradients agree) and the largest absolute difference seen.
  public static func check(_ inputs: [Tensor<Double>], _ f: ([Tensor<Double>]) -> Tensor<Double>) -> (failures: [GradientCheckFailure], maxError: Double) {
    let leaves = inputs.map { $0.asParameter() }
    let out = f(leaves)
    precondition(out.count == 1, "gradient check needs a scalar function")
    let analytic = out.gradients(wrt: leaves)
    var failures: [GradientCheckFailure] = []
    var maxErr = 0.0
    for (k, x) in inputs.enumerated() {
      for i in 0..<x.count {
        func eval(_ delta: Double) -> Double {
          var d = x.data
          d[i] += delta
          var args = inputs
          args[k] = Tensor(d, shape: x.shape)
          return f(args).item
        }
        let n = (eval(step) - eval(-step)) / (2 * step)
        let a = analytic[k].data[i]
        maxErr = max(maxErr, abs(a - n))
        if !agrees(a, n) { failures.append(GradientCheckFailure(input: k, index: i, analytic: a, numeric: n)) }
      }
    }
    return (failures, maxErr)
  }

  /// Checks the gradient of g(x) = u · ∇f(x) (a Hessian-vector product): exercises double backward.
  public static func checkSecondOrder(_ inputs: [Tensor<Double>], direction: [Tensor<Double>],
                                      _ f: ([Tensor<Double>]) -> Tensor<Double>) -> (failures: [GradientCheckFailure], maxError: Double) {
    check(inputs) { xs in
      let leaves = xs.map { $0.requiresGrad ? $0 : $0.asParameter() }
      let g = f(leaves).gradients(wrt: leaves, createGraph: true)
      var s = Tensor<Double>.scalar(0)
      for (gi, u) in zip(g, direction) { s = s + (gi * u).sum() }
      return s
    }
  }
}
