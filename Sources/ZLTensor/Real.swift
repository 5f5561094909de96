// Real: the scalar types tensors hold. Float runs the CZLScore kernels (the numbers training and
// scoring share); Double runs plain Swift loops and exists for the finite-difference gradient checks.
// Every per-element loop lives here, in concrete Float and Double code, so the generic tensor code
// makes one call per array, never one protocol call per element.

import ZLKernels
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How an operand of an elementwise op maps onto the output's n elements.
public enum Spread: Sendable, Equatable {
  case full          // one value per output element
  case scalar        // one value for all
  case row(Int)      // a block of m values repeated (trailing dimensions)
  case col(Int)      // each value repeated k times in a row (a trailing size-1 dimension)
}

public enum BinaryOp: Sendable { case add, sub, mul, div, max }

public enum UnaryOp: Sendable {
  case neg, relu, square, rsqrt, log, exp, sigmoid, tanh, step  // step: 1 where x > 0, else 0
  case scale(Double), shift(Double)
}

public protocol Real: BinaryFloatingPoint, Sendable, CustomStringConvertible {
  /// C = alpha op(A) op(B) + beta C, row-major (the corresponding C function is `zls_sgemm`).
  static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
                   b: UnsafePointer<Self>, ldb: Int, beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
  static func binary(_ op: BinaryOp, _ a: UnsafePointer<Self>, _ sa: Spread, _ b: UnsafePointer<Self>, _ sb: Spread,
                     _ out: UnsafeMutablePointer<Self>, _ n: Int)
  static func unary(_ op: UnaryOp, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, _ n: Int)
  /// out[o, i] = Σ_k x[o, k, i] for x of shape [outer, n, inner].
  static func sumAxis(_ x: UnsafePointer<Self>, outer: Int, n: Int, inner: Int, _ out: UnsafeMutablePointer<Self>)
  static func sum(_ x: UnsafePointer<Self>, _ n: Int) -> Self
  static func log(_ x: Self) -> Self
  static func sqrt(_ x: Self) -> Self
  init(_ d: Double)
  var double: Double { get }
}

// The loops, written once and specialized into the Float and Double conformances below.
@inline(__always)
func applyBinary<R: Real>(_ op: BinaryOp, _ a: UnsafePointer<R>, _ sa: Spread, _ b: UnsafePointer<R>, _ sb: Spread,
                          _ out: UnsafeMutablePointer<R>, _ n: Int) {
  @inline(__always) func f(_ x: R, _ y: R) -> R {
    switch op {
    case .add: return x + y
    case .sub: return x - y
    case .mul: return x * y
    case .div: return x / y
    case .max: return x > y ? x : y
    }
  }
  @inline(__always) func run(_ g: (R, R) -> R) {
    switch (sa, sb) {
    case (.full, .full): for i in 0..<n { out[i] = g(a[i], b[i]) }
    case (.full, .scalar): let v = b[0]; for i in 0..<n { out[i] = g(a[i], v) }
    case (.scalar, .full): let v = a[0]; for i in 0..<n { out[i] = g(v, b[i]) }
    case (.scalar, .scalar): let v = g(a[0], b[0]); for i in 0..<n { out[i] = v }
    case (.full, .row(let m)):
      var i = 0
      while i < n { for j in 0..<m { out[i + j] = g(a[i + j], b[j]) }; i += m }
    case (.row(let m), .full):
      var i = 0
      while i < n { for j in 0..<m { out[i + j] = g(a[j], b[i + j]) }; i += m }
    case (.full, .col(let k)):
      var i = 0, r = 0
      while i < n { let v = b[r]; for j in 0..<k { out[i + j] = g(a[i + j], v) }; i += k; r += 1 }
    case (.col(let k), .full):
      var i = 0, r = 0
      while i < n { let v = a[r]; for j in 0..<k { out[i + j] = g(v, b[i + j]) }; i += k; r += 1 }
    default: preconditionFailure("unsupported spread pair \(sa), \(sb)")
    }
  }
  switch op {
  case .add: run(+)
  case .sub: run(-)
  case .mul: run(*)
  case .div: run(/)
  case .max: run { $0 > $1 ? $0 : $1 }
  }
  _ = f
}

@inline(__always)
func applySumAxis<R: Real>(_ x: UnsafePointer<R>, outer: Int, n: Int, inner: Int, _ out: UnsafeMutablePointer<R>) {
  for o in 0..<outer {
    let dst = out + o * inner
    for i in 0..<inner { dst[i] = 0 }
    for k in 0..<n {
      let src = x + (o * n + k) * inner
      for i in 0..<inner { dst[i] += src[i] }
    }
  }
}

extension Float: Real {
  public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                          b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    Kernels.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
  }
  public static func binary(_ op: BinaryOp, _ a: UnsafePointer<Float>, _ sa: Spread, _ b: UnsafePointer<Float>, _ sb: Spread,
                            _ out: UnsafeMutablePointer<Float>, _ n: Int) {
    applyBinary(op, a, sa, b, sb, out, n)
  }
  public static func unary(_ op: UnaryOp, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    switch op {
    case .neg: for i in 0..<n { y[i] = -x[i] }
    case .relu: for i in 0..<n { y[i] = x[i] > 0 ? x[i] : 0 }
    case .step: for i in 0..<n { y[i] = x[i] > 0 ? 1 : 0 }
    case .square: for i in 0..<n { y[i] = x[i] * x[i] }
    case .rsqrt: for i in 0..<n { y[i] = 1 / sqrtf(x[i]) }
    case .log: for i in 0..<n { y[i] = logf(x[i]) }
    case .exp: Kernels.exp(x, y, n)
    case .sigmoid: Kernels.sigmoid(x, y, n)
    case .tanh: Kernels.tanh(x, y, n)
    case .scale(let s): let f = Float(s); for i in 0..<n { y[i] = x[i] * f }
    case .shift(let s): let f = Float(s); for i in 0..<n { y[i] = x[i] + f }
    }
  }
  public static func sumAxis(_ x: UnsafePointer<Float>, outer: Int, n: Int, inner: Int, _ out: UnsafeMutablePointer<Float>) {
    applySumAxis(x, outer: outer, n: n, inner: inner, out)
  }
  public static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var s = 0.0  // accumulate in double: a loss over many elements keeps its digits
    for i in 0..<n { s += Double(x[i]) }
    return Float(s)
  }
  public static func log(_ x: Float) -> Float { logf(x) }
  public static func sqrt(_ x: Float) -> Float { sqrtf(x) }
  public var double: Double { Double(self) }
}

extension Double: Real {
  public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                          b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
    for i in 0..<m {
      for j in 0..<n {
        var s = 0.0
        for p in 0..<k {
          let av = transA ? a[p * lda + i] : a[i * lda + p]
          let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
          s += av * bv
        }
        c[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j])
      }
    }
  }
  public static func binary(_ op: BinaryOp, _ a: UnsafePointer<Double>, _ sa: Spread, _ b: UnsafePointer<Double>, _ sb: Spread,
                            _ out: UnsafeMutablePointer<Double>, _ n: Int) {
    applyBinary(op, a, sa, b, sb, out, n)
  }
  public static func unary(_ op: UnaryOp, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
    switch op {
    case .neg: for i in 0..<n { y[i] = -x[i] }
    case .relu: for i in 0..<n { y[i] = x[i] > 0 ? x[i] : 0 }
    case .step: for i in 0..<n { y[i] = x[i] > 0 ? 1 : 0 }
    case .square: for i in 0..<n { y[i] = x[i] * x[i] }
    case .rsqrt: for i in 0..<n { y[i] = 1 / Glibc.sqrt(x[i]) }
    case .log: for i in 0..<n { y[i] = Glibc.log(x[i]) }
    case .exp: for i in 0..<n { y[i] = Glibc.exp(x[i]) }
    case .sigmoid: for i in 0..<n { y[i] = 1 / (1 + Glibc.exp(-x[i])) }
    case .tanh: for i in 0..<n { y[i] = Glibc.tanh(x[i]) }
    case .scale(let s): for i in 0..<n { y[i] = x[i] * s }
    case .shift(let s): for i in 0..<n { y[i] = x[i] + s }
    }
  }
  public static func sumAxis(_ x: UnsafePointer<Double>, outer: Int, n: Int, inner: Int, _ out: UnsafeMutablePointer<Double>) {
    applySumAxis(x, outer: outer, n: n, inner: inner, out)
  }
  public static func sum(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
    var s = 0.0
    for i in 0..<n { s += x[i] }
    return s
  }
  public static func log(_ x: Double) -> Double { Glibc.log(x) }
  public static func sqrt(_ x: Double) -> Double { Glibc.sqrt(x) }
  public var double: Double { self }
}

// Double-precision libm, for code generic over Real (one place, no Foundation).
@inline(__always) func dexp(_ x: Double) -> Double { Glibc.exp(x) }
@inline(__always) func dlog(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func dcos(_ x: Double) -> Double { Glibc.cos(x) }
/// x^y in Double (optimizer schedules and bias corrections).
@inline(__always) public func dpow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
