// Reductions and reshaping.

extension Tensor {
  /// The sum of all elements, as a scalar tensor.
  public func sum() -> Tensor {
    let s = data.withUnsafeBufferPointer { T.sum($0.baseAddress!, count) }
    let src = shape
    return Tensor.make("sum", [s], [], [self]) { g in [g.broadcast(to: src)] }
  }

  public func mean() -> Tensor { sum() * (T(1) / T(Swift.max(count, 1))) }

  /// Sum over one axis (negative counts from the end).
  public func sum(axis: Int, keepDims: Bool = false) -> Tensor {
    let ax = axis < 0 ? axis + rank : axis
    precondition(ax >= 0 && ax < rank, "axis \(axis) out of range for \(shape)")
    let outer = shape[..<ax].reduce(1, *), n = shape[ax], inner = shape[(ax + 1)...].reduce(1, *)
    let out = Tensor.build(outer * inner) { o in
      data.withUnsafeBufferPointer { T.sumAxis($0.baseAddress!, outer: outer, n: n, inner: inner, o) }
    }
    var kept = shape
    kept[ax] = 1
    var outShape = kept
    if !keepDims { outShape.remove(at: ax) }
    let src = shape
    return Tensor.make("sum_axis", out, outShape, [self]) { g in [g.reshaped(kept).broadcast(to: src)] }
  }

  public func mean(axis: Int, keepDims: Bool = false) -> Tensor {
    let ax = axis < 0 ? axis + rank : axis
    return sum(axis: axis, keepDims: keepDims) * (T(1) / T(shape[ax]))
  }

  /// The same values with another shape of the same size.
  public func reshaped(_ newShape: [Int]) -> Tensor {
    precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
    if newShape == shape { return self }
    let src = shape
    return Tensor.make("reshape", data, newShape, [self]) { g in [g.reshaped(src)] }
  }
}
