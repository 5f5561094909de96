// Kernels: the one Swift wrapper of CZLScore (STYLE.md §3.1 rule 3, the swift-system choke point):
// the thread pool, the instruction-set level, the allocator setting, SGEMM and the vector maps that
// training uses, and (NetworkKernel.swift) the scoring network's forward pass. No other Swift module
// imports CZLScore.

import CZLScore

public enum Kernels {
  /// Sets the kernels' thread count; returns the count in effect. The corresponding C function is `zls_set_threads`.
  @discardableResult
  public static func setThreads(_ n: Int) -> Int { Int(zls_set_threads(Int32(n))) }
  public static var threads: Int { Int(zls_get_threads()) }
  /// The instruction set the kernels run ("avx512", "avx2", "portable").
  public static var isa: String { String(cString: zls_kernel_isa()) }
  /// Caps the kernels' instruction set (0 portable, 1 AVX2+FMA, 2 AVX-512, the default); returns
  /// the level in use, which is lower on a CPU without the capped one.
  @discardableResult
  public static func limitISA(_ cap: Int) -> Int { Int(zls_limit_isa(Int32(cap))) }

  /// Keeps freed tensor buffers in the process instead of returning each to the kernel (glibc
  /// otherwise maps and unmaps every buffer over 128 KiB: page faults dominate a training step).
  public static func tuneAllocator() {
    zls_tune_allocator()
  }

  /// C = alpha op(A) op(B) + beta C, row-major. The corresponding C function is `zls_sgemm`.
  @inline(__always)
  public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                           b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    zls_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// y = exp(x), elementwise (the scoring network's polynomial). The corresponding C function is `zls_exp`.
  @inline(__always)
  public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { zls_exp(x, y, n) }
  /// y = σ(x). The corresponding C function is `zls_sigmoid`.
  @inline(__always)
  public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { zls_sigmoid(x, y, n) }
  /// y = tanh(x). The corresponding C function is `zls_tanh`.
  @inline(__always)
  public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { zls_tanh(x, y, n) }

  /// A session's squared prediction error against a PCA (see zl_score.h). `x` is scratch of d floats.
  /// The corresponding C function is `zls_pca_spe`.
  public static func pcaSPE(d: Int, k: Int, idf: UnsafePointer<Float>, mean: UnsafePointer<Float>, components: UnsafePointer<Float>,
                            counts: UnsafePointer<Float>, scratch x: UnsafeMutablePointer<Float>) -> Double {
    zls_pca_spe(Int32(d), Int32(k), idf, mean, components, counts, x)
  }
}
