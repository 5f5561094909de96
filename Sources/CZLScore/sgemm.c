// SGEMM: packed, cache-blocked matrix multiply (the BLIS/GotoBLAS structure): B is packed in KC×NR
// slivers, A in MR×KC slivers, and an MR×NR register-blocked micro-kernel accumulates with FMA.
// Micro-kernels for AVX-512 (12×32) and AVX2+FMA (6×16) are compiled with target attributes and
// chosen at run time; a portable one covers every other CPU. Each output element is computed in
// the same order whatever the tile, block or thread it falls in, so results do not depend on M
// splits or the thread count. Threads split the output rows.
#include "zl_score.h"
#include "internal.h"
#include <stdlib.h>
#include <string.h>

#define KC 256
#define NC 2048

enum { ISA_PORTABLE = 0, ISA_AVX2 = 1, ISA_AVX512 = 2 };
static int detected_isa = -1;
static int isa_cap = ISA_AVX512;

static int detect_isa(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return ISA_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return ISA_AVX2;
#endif
  return ISA_PORTABLE;
}

int zls_isa(void) {
  if (detected_isa < 0) detected_isa = detect_isa();
  int cap = __atomic_load_n(&isa_cap, __ATOMIC_RELAXED);  // tests change it while others run
  return detected_isa < cap ? detected_isa : cap;
}

int zls_limit_isa(int cap) {
  __atomic_store_n(&isa_cap, cap < ISA_PORTABLE ? ISA_PORTABLE : cap > ISA_AVX512 ? ISA_AVX512 : cap, __ATOMIC_RELAXED);
  return zls_isa();
}

const char *zls_kernel_isa(void) {
  switch (zls_isa()) {
  case ISA_AVX512: return "avx512";
  case ISA_AVX2: return "avx2";
  default: return "portable";
  }
}

// ---------------------------------------------------------------- packing

static inline float elem(const float *X, int ld, int trans, int r, int c) { return trans ? X[(size_t)c * ld + r] : X[(size_t)r * ld + c]; }

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

// A full 12-row sliver of row-major A (src: its first row at column p0) into k-major order,
// dst[k * 12 + i] = src[i * lda + k]: rows 0-7 by 8×8 transposes, rows 8-11 by 4×4 ones, 8 columns
// at a time (moves only: the same bits as the scalar loop).
__attribute__((target("avx2")))
static void pack_a12_avx2(int kc, const float *src, int lda, float *dst) {
  int k = 0;
  for (; k + 8 <= kc; k += 8) {
    const float *s = src + k;
    __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + lda), r2 = _mm256_loadu_ps(s + 2 * (size_t)lda);
    __m256 r3 = _mm256_loadu_ps(s + 3 * (size_t)lda), r4 = _mm256_loadu_ps(s + 4 * (size_t)lda);
    __m256 r5 = _mm256_loadu_ps(s + 5 * (size_t)lda), r6 = _mm256_loadu_ps(s + 6 * (size_t)lda);
    __m256 r7 = _mm256_loadu_ps(s + 7 * (size_t)lda);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    float *d = dst + (size_t)k * 12;
    _mm256_storeu_ps(d + 0 * 12, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(d + 1 * 12, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(d + 2 * 12, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(d + 3 * 12, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(d + 4 * 12, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(d + 5 * 12, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(d + 6 * 12, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(d + 7 * 12, _mm256_permute2f128_ps(u3, u7, 0x31));
    for (int h = 0; h < 8; h += 4) {
      __m128 q0 = _mm_loadu_ps(s + 8 * (size_t)lda + h), q1 = _mm_loadu_ps(s + 9 * (size_t)lda + h);
      __m128 q2 = _mm_loadu_ps(s + 10 * (size_t)lda + h), q3 = _mm_loadu_ps(s + 11 * (size_t)lda + h);
      _MM_TRANSPOSE4_PS(q0, q1, q2, q3);
      _mm_storeu_ps(d + (h + 0) * 12 + 8, q0);
      _mm_storeu_ps(d + (h + 1) * 12 + 8, q1);
      _mm_storeu_ps(d + (h + 2) * 12 + 8, q2);
      _mm_storeu_ps(d + (h + 3) * 12 + 8, q3);
    }
  }
  for (; k < kc; k++)
    for (int i = 0; i < 12; i++) dst[(size_t)k * 12 + i] = src[(size_t)i * lda + k];
}

// The same for a full 6-row sliver (the AVX2 kernel's), 4 columns at a time: rows 0-3 by a 4×4
// transpose, rows 4-5 by pairing.
__attribute__((target("avx2")))
static void pack_a6_avx2(int kc, const float *src, int lda, float *dst) {
  int k = 0;
  for (; k + 4 <= kc; k += 4) {
    const float *s = src + k;
    __m128 q0 = _mm_loadu_ps(s), q1 = _mm_loadu_ps(s + lda), q2 = _mm_loadu_ps(s + 2 * (size_t)lda), q3 = _mm_loadu_ps(s + 3 * (size_t)lda);
    __m128 q4 = _mm_loadu_ps(s + 4 * (size_t)lda), q5 = _mm_loadu_ps(s + 5 * (size_t)lda);
    _MM_TRANSPOSE4_PS(q0, q1, q2, q3);
    __m128 lo = _mm_unpacklo_ps(q4, q5), hi = _mm_unpackhi_ps(q4, q5);  // (r4k0 r5k0 r4k1 r5k1), (… k2, k3)
    float *d = dst + (size_t)k * 6;
    _mm_storeu_ps(d + 0, q0);
    _mm_storel_pi((__m64 *)(d + 4), lo);
    _mm_storeu_ps(d + 6, q1);
    _mm_storeh_pi((__m64 *)(d + 10), lo);
    _mm_storeu_ps(d + 12, q2);
    _mm_storel_pi((__m64 *)(d + 16), hi);
    _mm_storeu_ps(d + 18, q3);
    _mm_storeh_pi((__m64 *)(d + 22), hi);
  }
  for (; k < kc; k++)
    for (int i = 0; i < 6; i++) dst[(size_t)k * 6 + i] = src[(size_t)i * lda + k];
}
#endif

// A block rows [i0, i0+mc), cols [p0, p0+kc) of op(A) into MR-row slivers, k-major, zero-padded.
static void pack_a(int MR, int mc, int kc, const float *A, int lda, int transA, int i0, int p0, float *dst) {
  for (int ir = 0; ir < mc; ir += MR) {
    int rows = mc - ir < MR ? mc - ir : MR;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (!transA && MR == 12 && rows == 12) {  // MR 12: the AVX-512 kernel's, so AVX2 is there too
      pack_a12_avx2(kc, A + (size_t)(i0 + ir) * lda + p0, lda, dst);
      dst += (size_t)kc * 12;
      continue;
    }
    if (!transA && MR == 6 && rows == 6) {  // MR 6: the AVX2 kernel's
      pack_a6_avx2(kc, A + (size_t)(i0 + ir) * lda + p0, lda, dst);
      dst += (size_t)kc * 6;
      continue;
    }
#endif
    for (int k = 0; k < kc; k++) {
      int i = 0;
      if (!transA) {
        const float *src = A + (size_t)(i0 + ir) * lda + (p0 + k);
        for (; i < rows; i++) dst[i] = src[(size_t)i * lda];
      } else {
        const float *src = A + (size_t)(p0 + k) * lda + (i0 + ir);
        for (; i < rows; i++) dst[i] = src[i];
      }
      for (; i < MR; i++) dst[i] = 0.0f;
      dst += MR;
    }
  }
}

// B block rows [p0, p0+kc), cols [j0, j0+nc) of op(B) into NR-column slivers, k-major, zero-padded.
static void pack_b(int NR, int kc, int nc, const float *B, int ldb, int transB, int p0, int j0, float *dst) {
  for (int jr = 0; jr < nc; jr += NR) {
    int cols = nc - jr < NR ? nc - jr : NR;
    for (int k = 0; k < kc; k++) {
      int j = 0;
      if (!transB) {
        const float *src = B + (size_t)(p0 + k) * ldb + (j0 + jr);
        for (; j < cols; j++) dst[j] = src[j];
      } else {
        const float *src = B + (size_t)(j0 + jr) * ldb + (p0 + k);
        for (; j < cols; j++) dst[j] = src[(size_t)j * ldb];
      }
      for (; j < NR; j++) dst[j] = 0.0f;
      dst += NR;
    }
  }
}

// Writes an accumulator tile: C = alpha * acc + beta * C on the valid mr × nr part.
static inline void store_tile(const float *acc, int NR, float *c, int ldc, float alpha, float beta, int mr, int nr) {
  for (int i = 0; i < mr; i++) {
    float *ci = c + (size_t)i * ldc;
    const float *ai = acc + (size_t)i * NR;
    if (beta == 0.0f) {
      for (int j = 0; j < nr; j++) ci[j] = alpha * ai[j];
    } else {
      for (int j = 0; j < nr; j++) ci[j] = alpha * ai[j] + beta * ci[j];
    }
  }
}

// ---------------------------------------------------------------- micro-kernels

#define PORT_MR 4
#define PORT_NR 8

static void kernel_portable(int kc, const float *a, const float *b, float *c, int ldc, float alpha, float beta, int mr, int nr) {
  float acc[PORT_MR * PORT_NR] = {0};
  for (int k = 0; k < kc; k++) {
    for (int i = 0; i < PORT_MR; i++) {
      float ai = a[i];
      for (int j = 0; j < PORT_NR; j++) acc[i * PORT_NR + j] = fmaf(ai, b[j], acc[i * PORT_NR + j]);
    }
    a += PORT_MR;
    b += PORT_NR;
  }
  store_tile(acc, PORT_NR, c, ldc, alpha, beta, mr, nr);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define AVX2_MR 6
#define AVX2_NR 16

// The body of both AVX2 micro-kernels: B advances by `bstride` per k (NR when packed, ldb when
// read in place); with `masked`, its two 8-wide halves load under m0, m1 (B read in place with
// fewer than NR valid columns must not be read past them).
__attribute__((target("avx2,fma"), always_inline))
static inline void kernel_avx2_body(int kc, const float *a, const float *b, int bstride, int masked, __m256i m0, __m256i m1, float *c,
                                    int ldc, float alpha, float beta, int mr, int nr) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int k = 0; k < kc; k++) {
    __m256 b0 = masked ? _mm256_maskload_ps(b, m0) : _mm256_loadu_ps(b);
    __m256 b1 = masked ? _mm256_maskload_ps(b + 8, m1) : _mm256_loadu_ps(b + 8);
    __m256 x;
    x = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
    a += AVX2_MR;
    b += bstride;
  }
  float acc[AVX2_MR * AVX2_NR] __attribute__((aligned(32)));
  _mm256_store_ps(acc + 0, c00); _mm256_store_ps(acc + 8, c01);
  _mm256_store_ps(acc + 16, c10); _mm256_store_ps(acc + 24, c11);
  _mm256_store_ps(acc + 32, c20); _mm256_store_ps(acc + 40, c21);
  _mm256_store_ps(acc + 48, c30); _mm256_store_ps(acc + 56, c31);
  _mm256_store_ps(acc + 64, c40); _mm256_store_ps(acc + 72, c41);
  _mm256_store_ps(acc + 80, c50); _mm256_store_ps(acc + 88, c51);
  store_tile(acc, AVX2_NR, c, ldc, alpha, beta, mr, nr);
}

__attribute__((target("avx2,fma")))
static void kernel_avx2(int kc, const float *a, const float *b, float *c, int ldc, float alpha, float beta, int mr, int nr) {
  kernel_avx2_body(kc, a, b, AVX2_NR, 0, _mm256_setzero_si256(), _mm256_setzero_si256(), c, ldc, alpha, beta, mr, nr);
}

// The same reading B unpacked (row-major, leading dimension ldb; nr columns valid): the few-row
// products of the recurrence, where packing B would cost as much as using it. Same FMA order.
__attribute__((target("avx2,fma")))
static void kernel_avx2_direct_b(int kc, const float *a, const float *b, int ldb, float *c, int ldc, float alpha, float beta, int mr,
                                 int nr) {
  if (nr >= AVX2_NR) {
    kernel_avx2_body(kc, a, b, ldb, 0, _mm256_setzero_si256(), _mm256_setzero_si256(), c, ldc, alpha, beta, mr, nr);
    return;
  }
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(nr), lane);
  __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(nr - 8), lane);
  kernel_avx2_body(kc, a, b, ldb, 1, m0, m1, c, ldc, alpha, beta, mr, nr);
}

#define AVX512_MR 12
#define AVX512_NR 32

// The body of both AVX-512 micro-kernels: B advances by `bstride` per k (NR when packed, ldb when
// read in place) and its two 16-wide halves load under masks m0, m1 (all ones when packed).
// With `half` (a constant once inlined: at most 16 columns valid, as in the last tile of N = 300)
// only the first 16 columns are computed; `rows` (a constant too: 8 or 12) is how many of the
// sliver's 12 rows are (a last tile of 5-8 rows skips the rest). Each element computed sees the
// same FMA chain whatever the variant.
#define ROW_FMA(i, c0, c1)                               \
  if (rows > (i)) {                                      \
    __m512 x = _mm512_set1_ps(a[i]);                     \
    c0 = _mm512_fmadd_ps(x, b0, c0);                     \
    if (!half) c1 = _mm512_fmadd_ps(x, b1, c1);          \
  }
__attribute__((target("avx512f"), always_inline))
static inline void kernel_avx512_body(const int half, const int rows, int kc, const float *a, const float *b, int bstride, __mmask16 m0,
                                      __mmask16 m1, float *c, int ldc, float alpha, float beta, int mr, int nr) {
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
  __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps(), c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
  __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps(), c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
  __m512 c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps(), c70 = _mm512_setzero_ps(), c71 = _mm512_setzero_ps();
  __m512 c80 = _mm512_setzero_ps(), c81 = _mm512_setzero_ps(), c90 = _mm512_setzero_ps(), c91 = _mm512_setzero_ps();
  __m512 ca0 = _mm512_setzero_ps(), ca1 = _mm512_setzero_ps(), cb0 = _mm512_setzero_ps(), cb1 = _mm512_setzero_ps();
  for (int k = 0; k < kc; k++) {
    __m512 b0 = _mm512_maskz_loadu_ps(m0, b), b1 = half ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(m1, b + 16);
    ROW_FMA(0, c00, c01) ROW_FMA(1, c10, c11) ROW_FMA(2, c20, c21) ROW_FMA(3, c30, c31)
    ROW_FMA(4, c40, c41) ROW_FMA(5, c50, c51) ROW_FMA(6, c60, c61) ROW_FMA(7, c70, c71)
    ROW_FMA(8, c80, c81) ROW_FMA(9, c90, c91) ROW_FMA(10, ca0, ca1) ROW_FMA(11, cb0, cb1)
    a += AVX512_MR;
    b += bstride;
  }
  float acc[AVX512_MR * AVX512_NR] __attribute__((aligned(64)));
  _mm512_store_ps(acc + 0, c00); _mm512_store_ps(acc + 16, c01);
  _mm512_store_ps(acc + 32, c10); _mm512_store_ps(acc + 48, c11);
  _mm512_store_ps(acc + 64, c20); _mm512_store_ps(acc + 80, c21);
  _mm512_store_ps(acc + 96, c30); _mm512_store_ps(acc + 112, c31);
  _mm512_store_ps(acc + 128, c40); _mm512_store_ps(acc + 144, c41);
  _mm512_store_ps(acc + 160, c50); _mm512_store_ps(acc + 176, c51);
  _mm512_store_ps(acc + 192, c60); _mm512_store_ps(acc + 208, c61);
  _mm512_store_ps(acc + 224, c70); _mm512_store_ps(acc + 240, c71);
  if (rows > 8) {
    _mm512_store_ps(acc + 256, c80); _mm512_store_ps(acc + 272, c81);
    _mm512_store_ps(acc + 288, c90); _mm512_store_ps(acc + 304, c91);
    _mm512_store_ps(acc + 320, ca0); _mm512_store_ps(acc + 336, ca1);
    _mm512_store_ps(acc + 352, cb0); _mm512_store_ps(acc + 368, cb1);
  }
  store_tile(acc, AVX512_NR, c, ldc, alpha, beta, mr, nr);
}
#undef ROW_FMA

__attribute__((target("avx512f")))
static void kernel_avx512(int kc, const float *a, const float *b, float *c, int ldc, float alpha, float beta, int mr, int nr) {
  // Packed slivers are zero-padded: 16 valid columns or fewer need only the first half.
  if (nr <= 16)
    kernel_avx512_body(1, 12, kc, a, b, AVX512_NR, 0xFFFF, 0, c, ldc, alpha, beta, mr, nr);
  else
    kernel_avx512_body(0, 12, kc, a, b, AVX512_NR, 0xFFFF, 0xFFFF, c, ldc, alpha, beta, mr, nr);
}

// The same micro-kernel reading B unpacked (row-major, leading dimension ldb; nr columns valid, the
// rest masked off): for products with few rows, where packing B would cost as much as using it.
// Same FMA order, so the same bits. A tile of at most 8 rows runs the 8-row variant.
__attribute__((target("avx512f")))
static void kernel_avx512_direct_b(int kc, const float *a, const float *b, int ldb, float *c, int ldc, float alpha, float beta,
                                   int mr, int nr) {
  __mmask16 m0 = nr >= 16 ? 0xFFFF : (__mmask16)((1u << nr) - 1u);
  __mmask16 m1 = nr >= 32 ? 0xFFFF : nr <= 16 ? 0 : (__mmask16)((1u << (nr - 16)) - 1u);
  if (mr <= 8) {
    if (nr <= 16)
      kernel_avx512_body(1, 8, kc, a, b, ldb, m0, 0, c, ldc, alpha, beta, mr, nr);
    else
      kernel_avx512_body(0, 8, kc, a, b, ldb, m0, m1, c, ldc, alpha, beta, mr, nr);
  } else if (nr <= 16)
    kernel_avx512_body(1, 12, kc, a, b, ldb, m0, 0, c, ldc, alpha, beta, mr, nr);
  else
    kernel_avx512_body(0, 12, kc, a, b, ldb, m0, m1, c, ldc, alpha, beta, mr, nr);
}
#endif

typedef void (*kernel_fn)(int, const float *, const float *, float *, int, float, float, int, int);

// ---------------------------------------------------------------- few rows, B not transposed

// For M < MR rows (batch-1 scoring's recurrence) packing B costs as much as the product. With B in
// row-major (transB == 0) the rows of B are contiguous, so each output element is accumulated
// straight from B, vectorized across columns, in exactly the micro-kernels' order: per KC block an
// FMA chain over k from zero, then C = alpha * acc (+ beta * C). The numbers are bit-identical to
// the blocked path's.
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
// R rows (R <= 4, a constant once inlined) at a time, so each load of B feeds R FMAs.
__attribute__((target("avx512f"), always_inline))
static inline void small_rows_avx512(const int R, int i, int N, int K, float alpha, const float *A, int lda, int transA, const float *B,
                                     int ldb, float beta, float *C, int ldc) {
  float acc[4 * 64] __attribute__((aligned(64)));
  for (int j0 = 0; j0 < N; j0 += 64) {
    int nj = N - j0 < 64 ? N - j0 : 64;
    int nv = (nj + 15) / 16;
    __mmask16 tail = (__mmask16)((1u << (nj - (nv - 1) * 16)) - 1u);
    if (nj % 16 == 0) tail = 0xFFFF;
    for (int p0 = 0; p0 < K; p0 += KC) {
      int kc = K - p0 < KC ? K - p0 : KC;
      float b_eff = p0 == 0 ? beta : 1.0f;
      __m512 c[4][4];
      for (int r = 0; r < R; r++)
        for (int v = 0; v < 4; v++) c[r][v] = _mm512_setzero_ps();
      for (int k = p0; k < p0 + kc; k++) {
        const float *b = B + (size_t)k * ldb + j0;
        __m512 b0 = nv == 1 ? _mm512_maskz_loadu_ps(tail, b) : _mm512_loadu_ps(b);
        __m512 b1 = nv > 1 ? (nv == 2 ? _mm512_maskz_loadu_ps(tail, b + 16) : _mm512_loadu_ps(b + 16)) : _mm512_setzero_ps();
        __m512 b2 = nv > 2 ? (nv == 3 ? _mm512_maskz_loadu_ps(tail, b + 32) : _mm512_loadu_ps(b + 32)) : _mm512_setzero_ps();
        __m512 b3 = nv > 3 ? _mm512_maskz_loadu_ps(tail, b + 48) : _mm512_setzero_ps();
        for (int r = 0; r < R; r++) {
          __m512 x = _mm512_set1_ps(transA ? A[(size_t)k * lda + i + r] : A[(size_t)(i + r) * lda + k]);
          c[r][0] = _mm512_fmadd_ps(x, b0, c[r][0]);
          if (nv > 1) c[r][1] = _mm512_fmadd_ps(x, b1, c[r][1]);
          if (nv > 2) c[r][2] = _mm512_fmadd_ps(x, b2, c[r][2]);
          if (nv > 3) c[r][3] = _mm512_fmadd_ps(x, b3, c[r][3]);
        }
      }
      for (int r = 0; r < R; r++)
        for (int v = 0; v < 4; v++) _mm512_store_ps(acc + r * 64 + v * 16, c[r][v]);
      store_tile(acc, 64, C + (size_t)i * ldc + j0, ldc, alpha, b_eff, R, nj);
    }
  }
}

__attribute__((target("avx512f")))
static void small_m_avx512(int M, int N, int K, float alpha, const float *A, int lda, int transA, const float *B, int ldb,
                           float beta, float *C, int ldc) {
  int i = 0;
  for (; i + 4 <= M; i += 4) small_rows_avx512(4, i, N, K, alpha, A, lda, transA, B, ldb, beta, C, ldc);
  switch (M - i) {
  case 3: small_rows_avx512(3, i, N, K, alpha, A, lda, transA, B, ldb, beta, C, ldc); break;
  case 2: small_rows_avx512(2, i, N, K, alpha, A, lda, transA, B, ldb, beta, C, ldc); break;
  case 1: small_rows_avx512(1, i, N, K, alpha, A, lda, transA, B, ldb, beta, C, ldc); break;
  default: break;
  }
}
#endif

static void small_m_portable(int M, int N, int K, float alpha, const float *A, int lda, int transA, const float *B, int ldb,
                             float beta, float *C, int ldc) {
  float acc[64];
  for (int i = 0; i < M; i++) {
    for (int j0 = 0; j0 < N; j0 += 64) {
      int nj = N - j0 < 64 ? N - j0 : 64;
      for (int p0 = 0; p0 < K; p0 += KC) {
        int kc = K - p0 < KC ? K - p0 : KC;
        float b_eff = p0 == 0 ? beta : 1.0f;
        for (int j = 0; j < nj; j++) acc[j] = 0.0f;
        for (int k = p0; k < p0 + kc; k++) {
          float x = transA ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
          const float *b = B + (size_t)k * ldb + j0;
          for (int j = 0; j < nj; j++) acc[j] = fmaf(x, b[j], acc[j]);
        }
        store_tile(acc, 64, C + (size_t)i * ldc + j0, ldc, alpha, b_eff, 1, nj);
      }
    }
  }
}

// ---------------------------------------------------------------- the blocked loop

static _Thread_local float *tl_pack_a = NULL, *tl_pack_b = NULL;
static _Thread_local size_t tl_cap_a = 0, tl_cap_b = 0;

static float *buffer(float **p, size_t *cap, size_t need) {
  if (*cap < need) {
    free(*p);
    *p = NULL;
    if (posix_memalign((void **)p, 64, need * sizeof(float)) != 0) { *p = NULL; *cap = 0; return NULL; }
    *cap = need;
  }
  return *p;
}

void zls_sgemm_serial(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                      const float *B, int ldb, float beta, float *C, int ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) {
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[(size_t)i * ldc + j];
    return;
  }
  int MR = PORT_MR, NR = PORT_NR, MC = 64;
  kernel_fn kernel = kernel_portable;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
  switch (zls_isa()) {
  case ISA_AVX512: MR = AVX512_MR; NR = AVX512_NR; MC = 12 * 16; kernel = kernel_avx512; break;
  case ISA_AVX2: MR = AVX2_MR; NR = AVX2_NR; MC = 6 * 24; kernel = kernel_avx2; break;
  default: break;
  }
#endif
  if (!transB && M < MR && M <= 4 && zls_isa() != ISA_AVX2) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (zls_isa() == ISA_AVX512) { small_m_avx512(M, N, K, alpha, A, lda, transA, B, ldb, beta, C, ldc); return; }
#endif
    small_m_portable(M, N, K, alpha, A, lda, transA, B, ldb, beta, C, ldc);
    return;
  }
  int ncMax = N < NC ? N : NC;
  float *pb = buffer(&tl_pack_b, &tl_cap_b, (size_t)KC * ((ncMax + NR - 1) / NR * NR));
  float *pa = buffer(&tl_pack_a, &tl_cap_a, (size_t)KC * ((MC + MR - 1) / MR * MR));
  if (!pb || !pa) {
    // Out of memory for the packing buffers: the (slow) direct triple loop gives the same result
    // up to rounding order; it keeps the kernel total.
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) {
        float s = 0;
        for (int k = 0; k < K; k++) s = fmaf(elem(A, lda, transA, i, k), elem(B, ldb, transB, k, j), s);
        C[(size_t)i * ldc + j] = alpha * s + (beta == 0.0f ? 0.0f : beta * C[(size_t)i * ldc + j]);
      }
    return;
  }
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
  if (!transB && M <= 96 && zls_isa() != ISA_PORTABLE) {
    // Few rows: read B in place (no packing), same order and bits as the packed path.
    const int wide = zls_isa() == ISA_AVX512;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    // A last tile of a few rows would cost a whole MR-row tile: 1-4 rows go row by row (the same
    // bits), which costs in proportion to them; of 9-11, eight run the 8-row tile and the rest go
    // row by row.
    int tail = wide ? M % MR : 0;
    tail = tail <= 4 ? (M > MR ? tail : 0) : tail >= 9 ? tail - 8 : 0;
    if (tail > 0) {
      small_m_avx512(tail, N, K, alpha, transA ? A + (M - tail) : A + (size_t)(M - tail) * lda, lda, transA, B, ldb, beta,
                     C + (size_t)(M - tail) * ldc, ldc);
      M -= tail;
    }
#endif
    for (int p0 = 0; p0 < K; p0 += KC) {
      int kc = K - p0 < KC ? K - p0 : KC;
      float b_eff = p0 == 0 ? beta : 1.0f;
      for (int i0 = 0; i0 < M; i0 += MC) {
        int mc = M - i0 < MC ? M - i0 : MC;
        pack_a(MR, mc, kc, A, lda, transA, i0, p0, pa);
        for (int jr = 0; jr < N; jr += NR) {
          int nr = N - jr < NR ? N - jr : NR;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            if (wide)
              kernel_avx512_direct_b(kc, pa + (size_t)(ir / MR) * kc * MR, B + (size_t)p0 * ldb + jr, ldb,
                                     C + (size_t)(i0 + ir) * ldc + jr, ldc, alpha, b_eff, mr, nr);
            else
              kernel_avx2_direct_b(kc, pa + (size_t)(ir / MR) * kc * MR, B + (size_t)p0 * ldb + jr, ldb,
                                   C + (size_t)(i0 + ir) * ldc + jr, ldc, alpha, b_eff, mr, nr);
          }
        }
      }
    }
    return;
  }
#endif
  for (int j0 = 0; j0 < N; j0 += NC) {
    int nc = N - j0 < NC ? N - j0 : NC;
    for (int p0 = 0; p0 < K; p0 += KC) {
      int kc = K - p0 < KC ? K - p0 : KC;
      float b_eff = p0 == 0 ? beta : 1.0f;
      pack_b(NR, kc, nc, B, ldb, transB, p0, j0, pb);
      for (int i0 = 0; i0 < M; i0 += MC) {
        int mc = M - i0 < MC ? M - i0 : MC;
        pack_a(MR, mc, kc, A, lda, transA, i0, p0, pa);
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = nc - jr < NR ? nc - jr : NR;
          const float *bs = pb + (size_t)(jr / NR) * kc * NR;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            float *c = C + (size_t)(i0 + ir) * ldc + (j0 + jr);
            const float *as = pa + (size_t)(ir / MR) * kc * MR;
            kernel(kc, as, bs, c, ldc, alpha, b_eff, mr, nr);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- threads split the rows

typedef struct {
  int transA, transB, M, N, K, rowsPer;
  float alpha, beta;
  const float *A, *B;
  float *C;
  int lda, ldb, ldc;
} sgemm_job;

static void sgemm_task(void *ctx, int index) {
  sgemm_job *j = (sgemm_job *)ctx;
  int i0 = index * j->rowsPer;
  if (i0 >= j->M) return;
  int m = j->M - i0 < j->rowsPer ? j->M - i0 : j->rowsPer;
  const float *a = j->transA ? j->A + i0 : j->A + (size_t)i0 * j->lda;
  zls_sgemm_serial(j->transA, j->transB, m, j->N, j->K, j->alpha, a, j->lda, j->B, j->ldb, j->beta,
                   j->C + (size_t)i0 * j->ldc, j->ldc);
}

void zls_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
               const float *B, int ldb, float beta, float *C, int ldc) {
  int threads = zls_get_threads();
  double flops = 2.0 * M * N * (double)K;
  if (threads <= 1 || M < 24 || flops < 2e6 || zls_in_parallel()) {
    zls_sgemm_serial(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  // Each element is computed the same way in any chunk; multiples of 12 (the largest MR) just
  // avoid partial tiles at chunk edges.
  int per = (M + threads - 1) / threads;
  per = (per + 11) / 12 * 12;
  sgemm_job job = {transA, transB, M, N, K, per, alpha, beta, A, B, C, lda, ldb, ldc};
  zls_parallel_for((M + per - 1) / per, sgemm_task, &job);
}
