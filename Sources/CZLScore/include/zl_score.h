// CZLScore: the numeric kernels of zl — blocked SGEMM, activations, the GRU sequence forward over a
// batch, attention pooling and the whole scoring forward pass — shared by training (ZLTensor calls
// the SGEMM and activations) and scoring (ZLScoring calls the model forward). The kernels never
// parse files: they receive validated buffers with their sizes (ARCHITECTURE.md layout rules).
//
// Conventions: row-major float32; shapes in comments use B batch, T time, E input, H hidden,
// D directions. Results do not depend on the thread count (work is split by output rows only).
#ifndef ZL_SCORE_H
#define ZL_SCORE_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---------------------------------------------------------------- threads and CPU features

/// Sets the number of threads the kernels may use (1 = none). Returns the number in effect.
int zls_set_threads(int n);
int zls_get_threads(void);
/// The instruction set the kernels use: "avx512", "avx2" or "portable".
const char *zls_kernel_isa(void);
/// Raises glibc's mmap and trim thresholds so large freed buffers are reused, not unmapped (no-op
/// elsewhere). Training calls it once; scoring does not need it.
void zls_tune_allocator(void);
/// Uses at most instruction set `cap` (0 portable, 1 AVX2+FMA, 2 AVX-512) from now on; returns the
/// one in use. Every path gives the same bits: this is how tests show it.
int zls_limit_isa(int cap);

// ---------------------------------------------------------------- SGEMM

/// C[M,N] = alpha * op(A) op(B) + beta * C, op(X) = X or X^T (trans != 0), row-major with leading
/// dimensions lda, ldb, ldc. beta == 0 ignores C's previous contents (NaN included).
void zls_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
               const float *B, int ldb, float beta, float *C, int ldc);

/// The same on the calling thread only (used inside work that is already parallel).
void zls_sgemm_serial(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                      const float *B, int ldb, float beta, float *C, int ldc);

// ---------------------------------------------------------------- activations (in place or out)

void zls_sigmoid(const float *x, float *y, size_t n);
void zls_tanh(const float *x, float *y, size_t n);
void zls_exp(const float *x, float *y, size_t n);
/// Scalar versions with exactly the vector kernels' arithmetic (for references and tails).
float zls_sigmoidf(float x);
float zls_tanhf(float x);
float zls_expf(float x);

// ---------------------------------------------------------------- GRU and the scoring model

/// One GRU direction over a batch of sequences with lengths (PyTorch gate order r, z, n):
///   gi = x W_ih^T + b_ih (all steps at once), then per step t < len[b]:
///   r = σ(gi_r + h W_hr^T + b_hr), z = σ(gi_z + h W_hz^T + b_hz), n = tanh(gi_n + r ⊙ (h W_hn^T + b_hn)),
///   h' = (1 − z) ⊙ n + z ⊙ h.  Padding steps (t ≥ len[b]) are not run; their outputs are zero.
/// x: [B, T, E] (row stride x_stride per time step group), out: [B, T, out_stride] written at out_offset.
/// reverse != 0 runs each sequence from its last valid step to its first.
/// work: scratch of zls_gru_work_size(B, T, H) floats.
/// w_ih_t, w_hh_t (optional, may be NULL): W_ih transposed [E, 3H] and W_hh transposed [H, 3H],
/// used instead of w_ih / w_hh when given (which may then be NULL); the products read them row-wise
/// and give bit-identical results.
size_t zls_gru_work_size(int B, int T, int H);
void zls_gru_forward(int B, int T, int E, int H, const float *x, const int32_t *lengths,
                     const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh,
                     int reverse, float *out, int out_stride, int out_offset, float *work);
void zls_gru_forward_t(int B, int T, int E, int H, const float *x, const int32_t *lengths,
                       const float *w_ih, const float *w_hh, const float *w_ih_t, const float *w_hh_t, const float *b_ih, const float *b_hh,
                       int reverse, float *out, int out_stride, int out_offset, float *work);

/// Additive attention pooling (the reference's guide-vector form):
///   s_t = tanh(w1·g + w2·h_t + bias), α = softmax over t < len, r = Σ α_t h_t.
/// h: [B, T, F]; w: [2F] (w1 then w2); g: [F]; out: [B, F]; alpha (optional): [B, T]; work: [T].
void zls_additive_attention(int B, int T, int F, const float *h, const int32_t *lengths, const float *w,
                            const float *g, float bias, float *out, float *alpha, float *work);

/// Q/K/V attention pooling (the paper's form): q = mean_t(h_t) Wq^T, k_t = h_t Wk^T, v_t = h_t Wv^T,
///   α = softmax_t(q·k_t / sqrt(F)) over t < len, r = Σ α_t v_t. W*: [F, F]. work: [2F + 2TF + T].
void zls_qkv_attention(int B, int T, int F, const float *h, const int32_t *lengths, const float *wq,
                       const float *wk, const float *wv, float *out, float *alpha, float *work);

/// Weights of a zl.bigru-attn model (Formats/zlck-v1.md Appendix A) as f32 pointers.
typedef struct zls_model {
  int input_size, hidden_size, layers, directions, attention;  // attention: 0 additive, 1 qkv
  const float *w_ih[16], *w_hh[16], *b_ih[16], *b_hh[16];      // index: layer * directions + dir
  const float *w_ih_t[16], *w_hh_t[16];                        // transposes [in, 3H], [H, 3H] (or NULL);
                                                               // when set, w_ih / w_hh are not read
  const float *att_guide, *att_weight;                         // additive
  float att_bias;
  const float *att_q, *att_k, *att_v;                          // qkv
  const float *cls_weight, *cls_bias;                          // [2, D*H], [2]
} zls_model;

/// Floats of scratch `zls_model_forward` needs for a batch with the thread count now in effect.
size_t zls_model_work_size(const zls_model *m, int B, int T);

/// Scores a batch: x [B, T, E] with lengths (1..T) → p_anomaly [B] (softmax(logits)[1]); optionally
/// the attention weights [B, T] of the last layer. Threads split the batch. With both directions,
/// a layer after the first projects its input [h_fwd, h_bwd] as (h_fwd W_f^T + h_bwd W_b^T) + b_ih,
/// W_f, W_b the halves of W_ih, each product its own sum over H terms (so each part can be reused
/// alone); a single product over 2H terms differs only in rounding.
void zls_model_forward(const zls_model *m, int B, int T, const float *x, const int32_t *lengths, float *p_anomaly,
                       float *alpha, float *work);

/// First-layer states a caller already has (direction 0 forward, 1 backward; arrays indexed by
/// sequence, NULL arrays for a direction mean none). Forward: known[0][b] steps from the start,
/// given[0][b][t] the output of step t (H floats). Backward: known[1][b] steps from the end,
/// given[1][b][k] the output of step len - known + k. want[d][b] further outputs are copied to the
/// rows out[d][b][k] (forward: step known + k; backward: step len - known - 1 - k). A state depends
/// only on the sequence's steps so far, so results are the same bits as without the states.
/// With two layers or more and both directions, the second layer's input projection is the sum of a
/// part from the first layer's forward outputs and one from its backward outputs (see
/// zls_model_forward), and each part depends only on the prefix (suffix) too:
/// given_part[d][b][k] (parallel to given[d][b]; the array or an entry may be NULL) is that part,
/// 6H floats (second-layer direction 0 then 1, 3H each), and out_part[d][b][k] (parallel to
/// out[d][b]; may be NULL) receives it for new steps.
typedef struct {
  const int32_t *known[2];
  const float *const *const *given[2];
  const int32_t *want[2];
  float *const *const *out[2];
  const float *const *const *given_part[2];
  float *const *const *out_part[2];
} zls_first_layer_states;

/// zls_model_forward with first-layer states (NULL: none).
void zls_model_forward_states(const zls_model *m, int B, int T, const float *x, const int32_t *lengths,
                              const zls_first_layer_states *states, float *p_anomaly, float *alpha, float *work);

// ---------------------------------------------------------------- target-side detectors

/// A session's squared prediction error against a PCA of TF-IDF-weighted event counts (TDET):
/// x = counts ⊙ idf − mean over d columns, SPE = |x|² − |C x|² with C [k, d] orthonormal rows.
/// x: scratch of d floats. Returns SPE ≥ 0.
double zls_pca_spe(int d, int k, const float *idf, const float *mean, const float *components, const float *counts, float *x);

#ifdef __cplusplus
}
#endif
#endif
