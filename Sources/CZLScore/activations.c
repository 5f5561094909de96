// Activations: exp, sigmoid and tanh with one polynomial (Cephes expf: range reduction by ln 2 and
// a degree-5 polynomial, about 1–2 ulp), vectorized for AVX-512 and AVX2, with scalar versions doing
// exactly the same float operations in the same order (no FMA contraction: -ffp-contract=off), so a
// value gets the same bits whichever path computes it.
//   sigmoid(x) = 1 / (1 + exp(-x));  tanh(x) = 1 - 2 / (1 + exp(2x))
#include "zl_score.h"
#include "internal.h"

#define EXP_HI 88.3762626647949f
#define EXP_LO -88.3762626647949f
#define LOG2EF 1.44269504088896341f
#define C1 0.693359375f
#define C2 -2.12194440e-4f
#define P0 1.9875691500E-4f
#define P1 1.3981999507E-3f
#define P2 8.3334519073E-3f
#define P3 4.1665795894E-2f
#define P4 1.6666665459E-1f
#define P5 5.0000001201E-1f

float zls_expf(float x) {
  if (x != x) return x;
  x = x > EXP_HI ? EXP_HI : x;
  x = x < EXP_LO ? EXP_LO : x;
  float fx = floorf(x * LOG2EF + 0.5f);
  float t = x - fx * C1;
  x = t - fx * C2;
  float z = x * x;
  float y = P0;
  y = y * x + P1;
  y = y * x + P2;
  y = y * x + P3;
  y = y * x + P4;
  y = y * x + P5;
  y = y * z + x;
  y = y + 1.0f;
  union { int i; float f; } pow2;
  pow2.i = ((int)fx + 127) << 23;
  return y * pow2.f;
}

float zls_sigmoidf(float x) { return 1.0f / (1.0f + zls_expf(-x)); }
float zls_tanhf(float x) { return 1.0f - 2.0f / (1.0f + zls_expf(x + x)); }

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

// exp of `count` vectors (a constant once inlined), stage by stage: the same operations per lane
// as zls_expf, with `count` independent chains in flight (one chain is mostly latency: about 20
// dependent operations). At most 8.
__attribute__((target("avx512f"), always_inline))
static inline void exp512_n(__m512 *x, const int count) {
  __mmask16 nan[8];
  __m512 orig[8], fx[8], z[8], y[8];
  for (int v = 0; v < count; v++) {
    nan[v] = _mm512_cmp_ps_mask(x[v], x[v], _CMP_UNORD_Q);
    orig[v] = x[v];
    x[v] = _mm512_max_ps(_mm512_min_ps(x[v], _mm512_set1_ps(EXP_HI)), _mm512_set1_ps(EXP_LO));
    fx[v] = _mm512_add_ps(_mm512_mul_ps(x[v], _mm512_set1_ps(LOG2EF)), _mm512_set1_ps(0.5f));
    fx[v] = _mm512_roundscale_ps(fx[v], _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  }
  for (int v = 0; v < count; v++) {
    __m512 t = _mm512_sub_ps(x[v], _mm512_mul_ps(fx[v], _mm512_set1_ps(C1)));
    x[v] = _mm512_sub_ps(t, _mm512_mul_ps(fx[v], _mm512_set1_ps(C2)));
    z[v] = _mm512_mul_ps(x[v], x[v]);
    y[v] = _mm512_set1_ps(P0);
  }
  for (int v = 0; v < count; v++) y[v] = _mm512_add_ps(_mm512_mul_ps(y[v], x[v]), _mm512_set1_ps(P1));
  for (int v = 0; v < count; v++) y[v] = _mm512_add_ps(_mm512_mul_ps(y[v], x[v]), _mm512_set1_ps(P2));
  for (int v = 0; v < count; v++) y[v] = _mm512_add_ps(_mm512_mul_ps(y[v], x[v]), _mm512_set1_ps(P3));
  for (int v = 0; v < count; v++) y[v] = _mm512_add_ps(_mm512_mul_ps(y[v], x[v]), _mm512_set1_ps(P4));
  for (int v = 0; v < count; v++) y[v] = _mm512_add_ps(_mm512_mul_ps(y[v], x[v]), _mm512_set1_ps(P5));
  for (int v = 0; v < count; v++) {
    y[v] = _mm512_add_ps(_mm512_mul_ps(y[v], z[v]), x[v]);
    y[v] = _mm512_add_ps(y[v], _mm512_set1_ps(1.0f));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(fx[v]), _mm512_set1_epi32(127)), 23);
    y[v] = _mm512_mul_ps(y[v], _mm512_castsi512_ps(e));
    x[v] = _mm512_mask_blend_ps(nan[v], y[v], orig[v]);
  }
}

__attribute__((target("avx512f"), always_inline))
static inline __m512 exp512(__m512 x) {
  exp512_n(&x, 1);
  return x;
}

__attribute__((target("avx512f")))
static void map512(int kind, const float *x, float *y, size_t n) {
  size_t i = 0;
  const __m512 one = _mm512_set1_ps(1.0f), two = _mm512_set1_ps(2.0f);
  for (; i + 16 <= n; i += 16) {
    __m512 v = _mm512_loadu_ps(x + i), r;
    if (kind == 0) r = exp512(v);
    else if (kind == 1) r = _mm512_div_ps(one, _mm512_add_ps(one, exp512(_mm512_sub_ps(_mm512_setzero_ps(), v))));
    else r = _mm512_sub_ps(one, _mm512_div_ps(two, _mm512_add_ps(one, exp512(_mm512_add_ps(v, v)))));
    _mm512_storeu_ps(y + i, r);
  }
  for (; i < n; i++) y[i] = kind == 0 ? zls_expf(x[i]) : kind == 1 ? zls_sigmoidf(x[i]) : zls_tanhf(x[i]);
}

// The AVX2 form of exp512_n.
__attribute__((target("avx2,fma"), always_inline))
static inline void exp256_n(__m256 *x, const int count) {
  __m256 nan[8], orig[8], fx[8], z[8], y[8];
  for (int v = 0; v < count; v++) {
    nan[v] = _mm256_cmp_ps(x[v], x[v], _CMP_UNORD_Q);
    orig[v] = x[v];
    x[v] = _mm256_max_ps(_mm256_min_ps(x[v], _mm256_set1_ps(EXP_HI)), _mm256_set1_ps(EXP_LO));
    fx[v] = _mm256_floor_ps(_mm256_add_ps(_mm256_mul_ps(x[v], _mm256_set1_ps(LOG2EF)), _mm256_set1_ps(0.5f)));
  }
  for (int v = 0; v < count; v++) {
    __m256 t = _mm256_sub_ps(x[v], _mm256_mul_ps(fx[v], _mm256_set1_ps(C1)));
    x[v] = _mm256_sub_ps(t, _mm256_mul_ps(fx[v], _mm256_set1_ps(C2)));
    z[v] = _mm256_mul_ps(x[v], x[v]);
    y[v] = _mm256_set1_ps(P0);
  }
  for (int v = 0; v < count; v++) y[v] = _mm256_add_ps(_mm256_mul_ps(y[v], x[v]), _mm256_set1_ps(P1));
  for (int v = 0; v < count; v++) y[v] = _mm256_add_ps(_mm256_mul_ps(y[v], x[v]), _mm256_set1_ps(P2));
  for (int v = 0; v < count; v++) y[v] = _mm256_add_ps(_mm256_mul_ps(y[v], x[v]), _mm256_set1_ps(P3));
  for (int v = 0; v < count; v++) y[v] = _mm256_add_ps(_mm256_mul_ps(y[v], x[v]), _mm256_set1_ps(P4));
  for (int v = 0; v < count; v++) y[v] = _mm256_add_ps(_mm256_mul_ps(y[v], x[v]), _mm256_set1_ps(P5));
  for (int v = 0; v < count; v++) {
    y[v] = _mm256_add_ps(_mm256_mul_ps(y[v], z[v]), x[v]);
    y[v] = _mm256_add_ps(y[v], _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx[v]), _mm256_set1_epi32(127)), 23);
    y[v] = _mm256_mul_ps(y[v], _mm256_castsi256_ps(e));
    x[v] = _mm256_blendv_ps(y[v], orig[v], nan[v]);
  }
}

__attribute__((target("avx2,fma"), always_inline))
static inline __m256 exp256(__m256 x) {
  exp256_n(&x, 1);
  return x;
}

__attribute__((target("avx2,fma")))
static void map256(int kind, const float *x, float *y, size_t n) {
  size_t i = 0;
  const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i), r;
    if (kind == 0) r = exp256(v);
    else if (kind == 1) r = _mm256_div_ps(one, _mm256_add_ps(one, exp256(_mm256_sub_ps(_mm256_setzero_ps(), v))));
    else r = _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(one, exp256(_mm256_add_ps(v, v)))));
    _mm256_storeu_ps(y + i, r);
  }
  for (; i < n; i++) y[i] = kind == 0 ? zls_expf(x[i]) : kind == 1 ? zls_sigmoidf(x[i]) : zls_tanhf(x[i]);
}
#endif

// One GRU step's gates for one sequence, fused (PyTorch's gate order r, z, n):
//   r = σ(gx_r + (gh_r + b_r)), z = σ(gx_z + (gh_z + b_z)), n = tanh(gx_n + r·(gh_n + b_n)),
//   h' = (1 − z)·n + z·h, written to h and out.
// The vector versions do per lane the same float operations as the scalar one (and as
// zls_sigmoid/zls_tanh), so every path gives the same bits.
static void gates_portable(int H, const float *gx, const float *gh, const float *b, float *h, float *out) {
  for (int j = 0; j < H; j++) {
    float r = zls_sigmoidf(gx[j] + (gh[j] + b[j]));
    float z = zls_sigmoidf(gx[H + j] + (gh[H + j] + b[H + j]));
    float n = zls_tanhf(gx[2 * H + j] + r * (gh[2 * H + j] + b[2 * H + j]));
    float v = (1.0f - z) * n + z * h[j];
    h[j] = v;
    out[j] = v;
  }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
// Vectors per group in the fused gates.
#define GV 4

// gates512 for GV vectors (16·GV units from j; lanes past H are masked off), each exp stage for
// all of them before the next.
__attribute__((target("avx512f"), always_inline))
static inline void gates512_group(int H, int j, const float *gx, const float *gh, const float *b, float *h, float *out) {
  const __m512 one = _mm512_set1_ps(1.0f), two = _mm512_set1_ps(2.0f), zero = _mm512_setzero_ps();
  __mmask16 m[GV];
  __m512 e[2 * GV], n[GV];
  for (int v = 0; v < GV; v++) {
    int jv = j + 16 * v;
    m[v] = H - jv >= 16 ? 0xFFFF : H - jv <= 0 ? 0 : (__mmask16)((1u << (H - jv)) - 1u);
  }
#define LD(v, p) _mm512_maskz_loadu_ps(m[v], (p) + j + 16 * (v))
  for (int v = 0; v < GV; v++) {
    __m512 rp = _mm512_add_ps(LD(v, gx), _mm512_add_ps(LD(v, gh), LD(v, b)));
    __m512 zp = _mm512_add_ps(LD(v, gx + H), _mm512_add_ps(LD(v, gh + H), LD(v, b + H)));
    e[v] = _mm512_sub_ps(zero, rp);
    e[GV + v] = _mm512_sub_ps(zero, zp);
  }
  exp512_n(e, GV);
  exp512_n(e + GV, GV);
  for (int v = 0; v < GV; v++) {
    __m512 r = _mm512_div_ps(one, _mm512_add_ps(one, e[v]));
    __m512 np = _mm512_add_ps(LD(v, gx + 2 * H), _mm512_mul_ps(r, _mm512_add_ps(LD(v, gh + 2 * H), LD(v, b + 2 * H))));
    n[v] = _mm512_add_ps(np, np);
  }
  exp512_n(n, GV);
  for (int v = 0; v < GV; v++) {
    __m512 z = _mm512_div_ps(one, _mm512_add_ps(one, e[GV + v]));
    __m512 nn = _mm512_sub_ps(one, _mm512_div_ps(two, _mm512_add_ps(one, n[v])));
    __m512 hv = _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(one, z), nn), _mm512_mul_ps(z, LD(v, h)));
    _mm512_mask_storeu_ps(h + j + 16 * v, m[v], hv);
    _mm512_mask_storeu_ps(out + j + 16 * v, m[v], hv);
  }
#undef LD
}

__attribute__((target("avx512f")))
static void gates512(int H, const float *gx, const float *gh, const float *b, float *h, float *out) {
  for (int j = 0; j < H; j += 16 * GV) gates512_group(H, j, gx, gh, b, h, out);
}

// The AVX2 form of gates512_group (GV vectors of 8; lanes past H masked off).
__attribute__((target("avx2,fma"), always_inline))
static inline void gates256_group(int H, int j, const float *gx, const float *gh, const float *b, float *h, float *out) {
  const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f), zero = _mm256_setzero_ps();
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i m[GV];
  __m256 e[2 * GV], n[GV];
  for (int v = 0; v < GV; v++) m[v] = _mm256_cmpgt_epi32(_mm256_set1_epi32(H - j - 8 * v), lane);
#define LD(v, p) _mm256_maskload_ps((p) + j + 8 * (v), m[v])
  for (int v = 0; v < GV; v++) {
    __m256 rp = _mm256_add_ps(LD(v, gx), _mm256_add_ps(LD(v, gh), LD(v, b)));
    __m256 zp = _mm256_add_ps(LD(v, gx + H), _mm256_add_ps(LD(v, gh + H), LD(v, b + H)));
    e[v] = _mm256_sub_ps(zero, rp);
    e[GV + v] = _mm256_sub_ps(zero, zp);
  }
  exp256_n(e, GV);
  exp256_n(e + GV, GV);
  for (int v = 0; v < GV; v++) {
    __m256 r = _mm256_div_ps(one, _mm256_add_ps(one, e[v]));
    __m256 np = _mm256_add_ps(LD(v, gx + 2 * H), _mm256_mul_ps(r, _mm256_add_ps(LD(v, gh + 2 * H), LD(v, b + 2 * H))));
    n[v] = _mm256_add_ps(np, np);
  }
  exp256_n(n, GV);
  for (int v = 0; v < GV; v++) {
    __m256 z = _mm256_div_ps(one, _mm256_add_ps(one, e[GV + v]));
    __m256 nn = _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(one, n[v])));
    __m256 hv = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(one, z), nn), _mm256_mul_ps(z, LD(v, h)));
    _mm256_maskstore_ps(h + j + 8 * v, m[v], hv);
    _mm256_maskstore_ps(out + j + 8 * v, m[v], hv);
  }
#undef LD
}

__attribute__((target("avx2,fma")))
static void gates256(int H, const float *gx, const float *gh, const float *b, float *h, float *out) {
  for (int j = 0; j < H; j += 8 * GV) gates256_group(H, j, gx, gh, b, h, out);
}
#endif

void zls_gru_gates(int H, const float *gx, const float *gh, const float *b_hh, float *h, float *out) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
  int isa = zls_isa();
  if (isa == 2) { gates512(H, gx, gh, b_hh, h, out); return; }
  if (isa == 1) { gates256(H, gx, gh, b_hh, h, out); return; }
#endif
  gates_portable(H, gx, gh, b_hh, h, out);
}

static void map(int kind, const float *x, float *y, size_t n) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
  int isa = zls_isa();
  if (isa == 2) { map512(kind, x, y, n); return; }
  if (isa == 1) { map256(kind, x, y, n); return; }
#endif
  for (size_t i = 0; i < n; i++) y[i] = kind == 0 ? zls_expf(x[i]) : kind == 1 ? zls_sigmoidf(x[i]) : zls_tanhf(x[i]);
}

void zls_exp(const float *x, float *y, size_t n) { map(0, x, y, n); }
void zls_sigmoid(const float *x, float *y, size_t n) { map(1, x, y, n); }
void zls_tanh(const float *x, float *y, size_t n) { map(2, x, y, n); }
