// Matrix products through `Real.gemm` (CZLScore's blocked SGEMM for Float).

extension Tensor {
  /// op(a) op(b) for matrices, op = transpose when the flag is set.
  public static func matmul(_ a: Tensor, _ b: Tensor, transA: Bool = false, transB: Bool = false) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
    let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
    let kb = transB ? b.shape[1] : b.shape[0], n = transB ? b.shape[0] : b.shape[1]
    precondition(k == kb, "matmul: inner sizes \(a.shape)\(transA ? "ᵀ" : "") × \(b.shape)\(transB ? "ᵀ" : "") differ")
    let out = build(m * n) { c in
      if k == 0 { for i in 0..<(m * n) { c[i] = 0 }; return }
      a.data.withUnsafeBufferPointer { x in
        b.data.withUnsafeBufferPointer { y in
          T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: x.baseAddress!, lda: a.shape[1],
                 b: y.baseAddress!, ldb: b.shape[1], beta: 0, c: c, ldc: n)
        }
      }
    }
    return make("matmul", out, [m, n], [a, b]) { g in
      // C = A B: dA = g Bᵀ, dB = Aᵀ g, with the transposes folded in.
      var ga: Tensor? = nil, gb: Tensor? = nil
      if a.requiresGrad { ga = transA ? matmul(b, g, transA: transB, transB: true) : matmul(g, b, transB: !transB) }
      if b.requiresGrad { gb = transB ? matmul(g, a, transA: true, transB: transA) : matmul(a, g, transA: !transA) }
      return [ga, gb]
    }
  }

  /// x Wᵀ + b for x [N, in], W [out, in], b [out] (PyTorch's Linear layout).
  public static func linear(_ x: Tensor, _ w: Tensor, _ b: Tensor?) -> Tensor {
    let y = matmul(x, w, transB: true)
    return b.map { y + $0 } ?? y
  }
}
