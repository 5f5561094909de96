// Elementwise arithmetic with NumPy broadcasting (trailing dimensions aligned; size-1 dimensions
// stretch). Gradients of a broadcast input are summed back to its shape. The common layouts (same
// shape, scalar, a trailing block repeated, a trailing size-1 dimension) run as one kernel call; any
// other broadcast is materialized first.

/// The broadcast shape of two shapes, or nil when they do not broadcast.
public func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
  let n = max(a.count, b.count)
  var out = [Int](repeating: 1, count: n)
  for i in 0..<n {
    let x = i < n - a.count ? 1 : a[i - (n - a.count)]
    let y = i < n - b.count ? 1 : b[i - (n - b.count)]
    if x != y && x != 1 && y != 1 { return nil }
    out[i] = max(x, y)
  }
  return out
}

/// Row-major strides of a shape.
func strides(_ shape: [Int]) -> [Int] {
  var s = [Int](repeating: 1, count: shape.count)
  var acc = 1
  for i in stride(from: shape.count - 1, through: 0, by: -1) {
    s[i] = acc
    acc *= shape[i]
  }
  return s
}

/// For each element of `outShape`, the index of the element of a `shape`-tensor broadcast to it.
func broadcastIndex(_ shape: [Int], to outShape: [Int]) -> [Int] {
  let n = outShape.reduce(1, *)
  let pad = outShape.count - shape.count
  let inStrides = strides(shape)
  var idx = [Int](repeating: 0, count: n)
  var coord = [Int](repeating: 0, count: outShape.count)
  for k in 0..<n {
    var off = 0
    for d in 0..<shape.count where shape[d] != 1 { off += coord[d + pad] * inStrides[d] }
    idx[k] = off
    var d = outShape.count - 1
    while d >= 0 {
      coord[d] += 1
      if coord[d] < outShape[d] { break }
      coord[d] = 0
      d -= 1
    }
  }
  return idx
}

/// How a tensor of `shape` spreads over `out` (nil: needs materializing).
func spread(_ shape: [Int], over out: [Int]) -> Spread? {
  let n = shape.reduce(1, *), total = out.reduce(1, *)
  if n == total { return .full }
  if n == 1 { return .scalar }
  if shape.count <= out.count {
    let suffix = Array(out.suffix(shape.count))
    if suffix == shape { return .row(n) }
  }
  if shape.count == out.count, shape.last == 1, Array(shape.dropLast()) == Array(out.dropLast()) { return .col(out.last!) }
  return nil
}

extension Tensor {
  /// Fresh storage filled by `body` (no zero-initialisation pass).
  @inline(__always)
  static func build(_ n: Int, _ body: (UnsafeMutablePointer<T>) -> Void) -> [T] {
    [T](unsafeUninitializedCapacity: n) { buf, done in
      if n > 0 { body(buf.baseAddress!) }
      done = n
    }
  }

  static func binary(_ name: String, _ op: BinaryOp, _ a: Tensor, _ b: Tensor,
                     _ backward: @escaping (Tensor, Tensor, Tensor) -> (Tensor?, Tensor?)) -> Tensor {
    guard let shape = broadcastShape(a.shape, b.shape) else { preconditionFailure("\(name): shapes \(a.shape) and \(b.shape) do not broadcast") }
    let n = shape.reduce(1, *)
    var x = a, y = b
    var sa = spread(a.shape, over: shape), sb = spread(b.shape, over: shape)
    if sa == nil { x = Autograd.withoutRecording { a.broadcast(to: shape) }; sa = .full }
    if sb == nil { y = Autograd.withoutRecording { b.broadcast(to: shape) }; sb = .full }
    let out = build(n) { o in
      x.data.withUnsafeBufferPointer { p in
        y.data.withUnsafeBufferPointer { q in T.binary(op, p.baseAddress!, sa!, q.baseAddress!, sb!, o, n) }
      }
    }
    return make(name, out, shape, [a, b]) { g in
      let (ga, gb) = backward(g, a, b)
      return [ga.map { $0.sumTo(a.shape) }, gb.map { $0.sumTo(b.shape) }]
    }
  }

  /// Applies a unary kernel (no graph).
  func mapValues(_ op: UnaryOp) -> [T] {
    Tensor.build(count) { o in data.withUnsafeBufferPointer { T.unary(op, $0.baseAddress!, o, count) } }
  }

  static func unaryOp(_ name: String, _ op: UnaryOp, _ a: Tensor, _ backward: @escaping (Tensor, Tensor, Tensor) -> Tensor) -> Tensor {
    makeUsingOutput(name, a.mapValues(op), a.shape, [a]) { g, out in [backward(g, a, out)] }
  }

  /// Sums a (broadcast) gradient back to `target` shape.
  public func sumTo(_ target: [Int]) -> Tensor {
    if shape == target { return self }
    let total = target.reduce(1, *)
    if total == 1 { return sum().reshaped(target) }
    let pad = shape.count - target.count
    var t = self
    for _ in 0..<pad { t = t.sum(axis: 0) }
    for d in 0..<target.count where target[d] == 1 && t.shape[d] != 1 { t = t.sum(axis: d, keepDims: true) }
    return t.reshaped(target)
  }

  /// This tensor repeated to `shape` (broadcasting rules).
  public func broadcast(to target: [Int]) -> Tensor {
    if shape == target { return self }
    guard broadcastShape(shape, target) == target else { preconditionFailure("cannot broadcast \(shape) to \(target)") }
    let src = shape
    if count == 1 {
      return Tensor.make("broadcast", [T](repeating: data[0], count: target.reduce(1, *)), target, [self]) { g in [g.sumTo(src)] }
    }
    // One stretched axis (sum-over-axis backward, [B, 1, F] → [B, T, F]): block copies.
    if shape.count == target.count {
      let diff = (0..<shape.count).filter { shape[$0] != target[$0] }
      if diff.count == 1 {
        let d = diff[0]
        let outer = target[..<d].reduce(1, *), n = target[d], inner = target[(d + 1)...].reduce(1, *)
        let out = Tensor.build(outer * n * inner) { o in
          data.withUnsafeBufferPointer { x in
            for i in 0..<outer {
              for k in 0..<n { copyElements(o + (i * n + k) * inner, x.baseAddress! + i * inner, inner) }
            }
          }
        }
        return Tensor.make("broadcast", out, target, [self]) { g in [g.sumTo(src)] }
      }
    }
    let idx = broadcastIndex(shape, to: target)
    let out = Tensor.build(idx.count) { o in data.withUnsafeBufferPointer { x in for i in 0..<idx.count { o[i] = x[idx[i]] } } }
    return Tensor.make("broadcast", out, target, [self]) { g in [g.sumTo(src)] }
  }

  public static func + (a: Tensor, b: Tensor) -> Tensor {
    binary("add", .add, a, b) { g, _, _ in (g, g) }
  }

  public static func - (a: Tensor, b: Tensor) -> Tensor {
    binary("sub", .sub, a, b) { g, _, y in (g, y.requiresGrad ? -g : nil) }
  }

  public static func * (a: Tensor, b: Tensor) -> Tensor {
    binary("mul", .mul, a, b) { g, x, y in (x.requiresGrad ? g * y : nil, y.requiresGrad ? g * x : nil) }
  }

  public static func / (a: Tensor, b: Tensor) -> Tensor {
    binary("div", .div, a, b) { g, x, y in
      (x.requiresGrad ? g / y : nil, y.requiresGrad ? -(g * x / (y * y)) : nil)
    }
  }

  public static prefix func - (a: Tensor) -> Tensor {
    unaryOp("neg", .neg, a) { g, _, _ in -g }
  }

  public static func * (a: Tensor, s: T) -> Tensor {
    unaryOp("scale", .scale(s.double), a) { g, _, _ in g * s }
  }

  public static func * (s: T, a: Tensor) -> Tensor { a * s }

  public static func + (a: Tensor, s: T) -> Tensor {
    unaryOp("shift", .shift(s.double), a) { g, _, _ in g }
  }

  public static func - (s: T, a: Tensor) -> Tensor { (-a) + s }

  public func squared() -> Tensor {
    Tensor.unaryOp("square", .square, self) { g, x, _ in g * x * T(2) }
  }

  /// In-place accumulation without a graph (optimizers, gradient sums).
  public func addInPlace(_ other: Tensor, scale: T = 1) {
    precondition(other.shape == shape)
    data.withUnsafeMutableBufferPointer { d in
      other.data.withUnsafeBufferPointer { o in
        if scale == 1 {
          T.binary(.add, d.baseAddress!, .full, o.baseAddress!, .full, d.baseAddress!, count)
        } else {
          for i in 0..<count { d[i] += scale * o[i] }
        }
      }
    }
  }
}
