// Slicing, concatenation, stacking and transposition.

/// Copies `n` elements as raw bytes (the element types are trivial floats): one memcpy, not a
/// per-element generic copy when this code runs unspecialized.
@inline(__always)
func copyElements<T: Real>(_ dst: UnsafeMutablePointer<T>, _ src: UnsafePointer<T>, _ n: Int) {
  UnsafeMutableRawPointer(dst).copyMemory(from: UnsafeRawPointer(src), byteCount: n * MemoryLayout<T>.stride)
}

extension Tensor {
  /// Elements `range` along `axis`.
  public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
    let ax = axis < 0 ? axis + rank : axis
    precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax], "slice \(range) out of \(shape) on axis \(ax)")
    let outer = shape[..<ax].reduce(1, *), n = shape[ax], inner = shape[(ax + 1)...].reduce(1, *)
    let m = range.count
    var outShape = shape
    outShape[ax] = m
    let out = Tensor.build(outer * m * inner) { o in
      data.withUnsafeBufferPointer { x in
        for i in 0..<outer {
          copyElements(o + i * m * inner, x.baseAddress! + (i * n + range.lowerBound) * inner, m * inner)
        }
      }
    }
    let src = shape
    let result = Tensor.make("slice", out, outShape, [self]) { g in [g.padded(axis: ax, before: range.lowerBound, toSize: src[ax])] }
    if ax == 0 { result.node?.rowSlice = range } else if ax == 1 && rank == 2 { result.node?.colSlice = range }
    return result
  }

  /// Zero-pads along `axis` so this tensor sits at offset `before` of a dimension of `toSize`.
  public func padded(axis: Int, before: Int, toSize: Int) -> Tensor {
    let ax = axis < 0 ? axis + rank : axis
    let outer = shape[..<ax].reduce(1, *), m = shape[ax], inner = shape[(ax + 1)...].reduce(1, *)
    var outShape = shape
    outShape[ax] = toSize
    var out = [T](repeating: 0, count: outer * toSize * inner)
    out.withUnsafeMutableBufferPointer { o in
      data.withUnsafeBufferPointer { x in
        for i in 0..<outer {
          copyElements(o.baseAddress! + (i * toSize + before) * inner, x.baseAddress! + i * m * inner, m * inner)
        }
      }
    }
    return Tensor.make("pad", out, outShape, [self]) { g in [g.slice(axis: ax, before..<(before + m))] }
  }

  /// Joins tensors along `axis` (all other dimensions equal).
  public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
    precondition(!parts.isEmpty)
    let r = parts[0].rank
    let ax = axis < 0 ? axis + r : axis
    let outer = parts[0].shape[..<ax].reduce(1, *), inner = parts[0].shape[(ax + 1)...].reduce(1, *)
    var sizes: [Int] = []
    for p in parts {
      precondition(p.rank == r && p.shape[..<ax] == parts[0].shape[..<ax] && p.shape[(ax + 1)...] == parts[0].shape[(ax + 1)...],
                   "concat: shapes \(parts.map(\.shape)) differ off axis \(ax)")
      sizes.append(p.shape[ax])
    }
    let total = sizes.reduce(0, +)
    var outShape = parts[0].shape
    outShape[ax] = total
    var out = [T](repeating: 0, count: outer * total * inner)
    out.withUnsafeMutableBufferPointer { o in
      var off = 0
      for (p, m) in zip(parts, sizes) {
        p.data.withUnsafeBufferPointer { x in
          for i in 0..<outer {
            copyElements(o.baseAddress! + (i * total + off) * inner, x.baseAddress! + i * m * inner, m * inner)
          }
        }
        off += m
      }
    }
    return make("concat", out, outShape, parts) { g in
      var res: [Tensor?] = []
      var off = 0
      for (p, m) in zip(parts, sizes) {
        res.append(p.requiresGrad ? g.slice(axis: ax, off..<(off + m)) : nil)
        off += m
      }
      return res
    }
  }

  /// Stacks equal-shaped tensors along a new `axis`.
  public static func stack(_ parts: [Tensor], axis: Int) -> Tensor {
    let s = parts[0].shape
    var expanded = s
    expanded.insert(1, at: axis)
    return concat(parts.map { $0.reshaped(expanded) }, axis: axis)
  }

  /// The transpose of a matrix.
  public func transposed() -> Tensor {
    precondition(rank == 2)
    let m = shape[0], n = shape[1]
    let out = Tensor.build(count) { o in
      data.withUnsafeBufferPointer { x in for i in 0..<m { for j in 0..<n { o[j * m + i] = x[i * n + j] } } }
    }
    return Tensor.make("transpose", out, [n, m], [self]) { g in [g.transposed()] }
  }
}
