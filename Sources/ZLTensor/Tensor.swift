// Tensor: a row-major array with a shape and, when it takes part in a recorded computation, the
// node that made it (its inputs and a backward function). Backward functions are written with the
// same differentiable tensor ops, so a backward pass run while recording builds a graph of its own:
// that is how second-order gradients (Hessian-vector products for MAML) are exact.
// Legend: B batch, T time, E input, H hidden, F features, C classes.

/// Whether operations record the graph (thread-local through a task local).
public enum Autograd {
  @TaskLocal public static var recording = true
  /// Set while running a forward pass whose backward will itself be recorded (second-order
  /// gradients): fused ops may then keep intermediate products to build that backward without
  /// recomputing them. Off otherwise, so first-order training keeps only what it needs.
  @TaskLocal public static var keepForHigherOrder = false

  /// Runs `body` without recording (inference, optimizer steps, first-order backward).
  public static func withoutRecording<R>(_ body: () throws -> R) rethrows -> R {
    try $recording.withValue(false) { try body() }
  }
}

/// The node of a recorded operation.
final class Node<T: Real> {
  let inputs: [Tensor<T>]
  /// Given the output's gradient and the output, the gradients of the inputs (nil for inputs that need none).
  let backward: (Tensor<T>, Tensor<T>) -> [Tensor<T>?]
  let name: String
  /// Set when this op is `input[rows]` along axis 0 of its single input: backward then collects the
  /// gradient pieces and joins them once (a concat), instead of zero-padding each piece to the
  /// input's full size — per-time-step slices of a [T·B, F] tensor stay O(T), not O(T²).
  var rowSlice: Range<Int>? = nil
  /// Set when the gradient this op returns for input `index` covers only `rows` of it (an op that
  /// reads a row block of a larger tensor): it is collected as a piece, like a row slice's.
  var rowPiece: (index: Int, rows: Range<Int>)? = nil
  /// Set when this op is `input[:, cols]` of a 2-D input: backward collects the pieces as for row
  /// slices and joins them once along the columns (the GRU step's three views of one [B, 7H] product).
  var colSlice: Range<Int>? = nil

  init(_ name: String, _ inputs: [Tensor<T>], _ backward: @escaping (Tensor<T>, Tensor<T>) -> [Tensor<T>?]) {
    self.name = name
    self.inputs = inputs
    self.backward = backward
  }
}

public final class Tensor<T: Real>: CustomStringConvertible {
  public var data: [T]
  public let shape: [Int]
  /// Gradient accumulated by `backward()` (leaves that require gradients only).
  public var grad: Tensor<T>?
  public let requiresGrad: Bool
  let node: Node<T>?

  /// A leaf tensor.
  public init(_ data: [T], shape: [Int], requiresGrad: Bool = false) {
    precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not hold \(data.count) values")
    self.data = data
    self.shape = shape
    self.requiresGrad = requiresGrad
    self.node = nil
  }

  init(_ data: [T], shape: [Int], node: Node<T>?) {
    self.data = data
    self.shape = shape
    self.requiresGrad = node != nil
    self.node = node
  }

  public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
    Tensor([T](repeating: 0, count: shape.reduce(1, *)), shape: shape, requiresGrad: requiresGrad)
  }

  public static func full(_ value: T, _ shape: [Int]) -> Tensor {
    Tensor([T](repeating: value, count: shape.reduce(1, *)), shape: shape)
  }

  public static func scalar(_ v: T) -> Tensor { Tensor([v], shape: []) }

  public var count: Int { data.count }
  public var rank: Int { shape.count }
  public var item: T {
    precondition(data.count == 1)
    return data[0]
  }

  public var description: String { "Tensor\(shape)" }

  /// The same values with no graph history.
  public func detached() -> Tensor { Tensor(data, shape: shape) }

  /// A leaf copy that requires gradients (for parameters).
  public func asParameter() -> Tensor { Tensor(data, shape: shape, requiresGrad: true) }

  /// Makes an op result: records a node only when recording and some input needs gradients.
  static func make(_ name: String, _ data: [T], _ shape: [Int], _ inputs: [Tensor], _ backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
    if Autograd.recording && inputs.contains(where: { $0.requiresGrad }) {
      return Tensor(data, shape: shape, node: Node(name, inputs) { g, _ in backward(g) })
    }
    return Tensor(data, shape: shape, node: nil)
  }

  /// Like `make`, for ops whose backward uses their own output (sigmoid, tanh, exp, softmax).
  static func makeUsingOutput(_ name: String, _ data: [T], _ shape: [Int], _ inputs: [Tensor],
                              _ backward: @escaping (Tensor, Tensor) -> [Tensor?]) -> Tensor {
    if Autograd.recording && inputs.contains(where: { $0.requiresGrad }) {
      return Tensor(data, shape: shape, node: Node(name, inputs, backward))
    }
    return Tensor(data, shape: shape, node: nil)
  }
}

// MARK: - Backward

extension Tensor {
  /// The operations this tensor depends on, inputs before users (iterative post-order DFS, so a
  /// deep graph cannot overflow the stack).
  func topologicalOrder() -> [Tensor] {
    var order: [Tensor] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(Tensor, Bool)] = [(self, false)]
    while let (t, expanded) = stack.popLast() {
      if expanded {
        order.append(t)
        continue
      }
      if !visited.insert(ObjectIdentifier(t)).inserted { continue }
      stack.append((t, true))
      for input in t.node?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
        stack.append((input, false))
      }
    }
    return order
  }

  /// Gradients of this (scalar) tensor with respect to `wrt`. With `createGraph`, the gradients are
  /// themselves recorded (for second-order derivatives); otherwise they are plain values.
  /// Tensors `wrt` that the result does not depend on get zeros.
  public func gradients(wrt: [Tensor], createGraph: Bool = false, seed: Tensor? = nil) -> [Tensor] {
    precondition(seed != nil || count == 1, "gradients of a non-scalar tensor need a seed")
    return Autograd.$recording.withValue(createGraph) {
      var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed ?? Tensor.full(1, shape)]
      var pieces: [ObjectIdentifier: [(Range<Int>, Tensor)]] = [:]
      var colPieces: [ObjectIdentifier: [(Range<Int>, Tensor)]] = [:]
      func accumulate(_ input: Tensor, _ ig: Tensor) {
        let key = ObjectIdentifier(input)
        grads[key] = grads[key].map { $0 + ig } ?? ig
      }
      func settle(_ t: Tensor) {
        let key = ObjectIdentifier(t)
        if let parts = colPieces.removeValue(forKey: key) { accumulate(t, Tensor.joinPieces(parts, shape: t.shape, axis: 1)) }
        guard let parts = pieces.removeValue(forKey: key) else { return }
        accumulate(t, Tensor.joinRowPieces(parts, shape: t.shape))
      }
      for t in topologicalOrder().reversed() {
        settle(t)
        guard let node = t.node, let g = grads[ObjectIdentifier(t)] else { continue }
        if let rows = node.rowSlice, node.inputs[0].requiresGrad {
          pieces[ObjectIdentifier(node.inputs[0]), default: []].append((rows, g))
        } else if let cols = node.colSlice, node.inputs[0].requiresGrad {
          colPieces[ObjectIdentifier(node.inputs[0]), default: []].append((cols, g))
        } else {
          let inputGrads = node.backward(g, t)
          for (k, (input, ig)) in zip(node.inputs, inputGrads).enumerated() {
            guard let ig = ig, input.requiresGrad else { continue }
            if let p = node.rowPiece, p.index == k {
              pieces[ObjectIdentifier(input), default: []].append((p.rows, ig))
            } else {
              accumulate(input, ig)
            }
          }
        }
        if !createGraph && t !== self { grads[ObjectIdentifier(t)] = nil }  // free as we go
      }
      return wrt.map { grads[ObjectIdentifier($0)] ?? Tensor.zeros($0.shape) }
    }
  }

  /// The gradient of a tensor from the gradients of its row slices: equal ranges summed, disjoint
  /// ranges joined with zero gaps by one concat (differentiable); overlapping ranges padded and summed.
  static func joinRowPieces(_ parts: [(Range<Int>, Tensor)], shape: [Int]) -> Tensor { joinPieces(parts, shape: shape, axis: 0) }

  /// The same along `axis` (0, or 1 of a 2-D tensor).
  static func joinPieces(_ parts: [(Range<Int>, Tensor)], shape: [Int], axis: Int) -> Tensor {
    var byRange: [(Range<Int>, Tensor)] = []
    for (r, g) in parts.sorted(by: { $0.0.lowerBound != $1.0.lowerBound ? $0.0.lowerBound < $1.0.lowerBound : $0.0.upperBound < $1.0.upperBound }) {
      if let last = byRange.last, last.0 == r {
        byRange[byRange.count - 1].1 = last.1 + g
      } else {
        byRange.append((r, g))
      }
    }
    let disjoint = zip(byRange, byRange.dropFirst()).allSatisfy { $0.0.upperBound <= $1.0.lowerBound }
    let rows = shape[axis]
    func gap(_ n: Int) -> Tensor {
      var s = shape
      s[axis] = n
      return Tensor.zeros(s)
    }
    if !disjoint {
      var total: Tensor? = nil
      for (r, g) in byRange {
        let p = g.padded(axis: axis, before: r.lowerBound, toSize: rows)
        total = total.map { $0 + p } ?? p
      }
      return total!
    }
    if byRange.count == 1 && byRange[0].0 == 0..<rows { return byRange[0].1 }
    var seq: [Tensor] = []
    var at = 0
    for (r, g) in byRange {
      if r.lowerBound > at { seq.append(gap(r.lowerBound - at)) }
      seq.append(g)
      at = r.upperBound
    }
    if at < rows { seq.append(gap(rows - at)) }
    return Tensor.concat(seq, axis: axis)
  }

  /// Accumulates d(self)/d(leaf) into every reachable leaf's `grad` (first order).
  public func backward() {
    let leaves = topologicalOrder().filter { $0.node == nil && $0.requiresGrad }
    let g = gradients(wrt: leaves)
    for (leaf, gl) in zip(leaves, g) {
      if let old = leaf.grad {
        Autograd.withoutRecording { leaf.grad = old + gl }
      } else {
        leaf.grad = gl
      }
    }
  }
}

// MARK: - Custom ops

extension Tensor {
  /// A user-defined op: `data` computed by the caller, `backward` giving input gradients from the
  /// output gradient (write it with tensor ops to keep it twice differentiable).
  public static func custom(_ name: String, data: [T], shape: [Int], inputs: [Tensor],
                            backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
    make(name, data, shape, inputs, backward)
  }

  /// A custom op that reads only `rows` (axis 0) of input `index`; its backward returns the gradient
  /// of those rows only, which is joined with the other pieces once (see `rowSlice`).
  public static func custom(_ name: String, data: [T], shape: [Int], inputs: [Tensor], rowPiece: (index: Int, rows: Range<Int>),
                            backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
    let t = make(name, data, shape, inputs, backward)
    t.node?.rowPiece = rowPiece
    return t
  }
}
