// The scoring forward pass: GRU directions over a batch with lengths (padding never enters the
// recurrence), stacked and bidirectional layers, attention pooling (additive guide-vector form, or
// Q/K/V), the 2-logit head and softmax. The first layer's input projection is one SGEMM over the
// batch's distinct input rows; a later layer's (bidirectional) is a forward part plus a backward part,
// products over gathered rows, which cached first-layer states may bring along (split_projection).
// Each step is one SGEMM over the sequences still running (the batch is sorted longest first so those
// form a prefix). Threads split the batch; a sequence's numbers do not depend on the split.
#include "zl_score.h"
#include "internal.h"
#include <stdlib.h>
#include <string.h>

size_t zls_gru_work_size(int B, int T, int H) {
  // gi [B*T, 3H], gh [B, 3H], h [B, H], order [B], remaining steps [B]; then, at the end, the
  // padded wrapper's row starts [B + 1] and clamped lengths [B]
  return (size_t)B * T * 3 * H + (size_t)B * 3 * H + (size_t)B * H + (size_t)(2 * B) + 64 + (size_t)(2 * B + 2);
}

// Sorts batch indices by length, longest first (stable: ties keep their order).
static void order_by_length(int B, const int32_t *lengths, int *order) {
  for (int i = 0; i < B; i++) order[i] = i;
  for (int i = 1; i < B; i++) {
    int v = order[i], j = i - 1;
    while (j >= 0 && lengths[order[j]] < lengths[v]) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = v;
  }
}

void zls_gru_forward(int B, int T, int E, int H, const float *x, const int32_t *lengths,
                     const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh,
                     int reverse, float *out, int out_stride, int out_offset, float *work) {
  zls_gru_forward_t(B, T, E, H, x, lengths, w_ih, w_hh, NULL, NULL, b_ih, b_hh, reverse, out, out_stride, out_offset, work);
}

// One GRU direction over sequences stored as rows: sequence b's step t is row rows[b] + t of x
// (E floats apart) and of out (out_stride apart, H floats at out_offset); rows[b + 1] - rows[b]
// rows belong to b, its first max(len, 0) are steps and the rest (padding) are written as zeros.
// Step rows read their input through xmap (row r uses row xmap[r] of the X rows of x; NULL: x has
// a row per step row), so equal inputs are projected once. Every input projection is one SGEMM over
// X rows; a step is one SGEMM over the sequences still running. A row's numbers depend only on its
// own sequence.
// With gi_ready, the caller has put the input projections (bias included, a row per step row) at
// the start of work, and x, xmap, w_ih, w_ih_t and b_ih are not read.
static void gru_rows(int B, const int *rows, int X, const int *xmap, int E, int H, const float *x, const int32_t *lengths,
                     const int32_t *skip, const float *const *h0, const float *w_ih, const float *w_hh, const float *w_ih_t,
                     const float *w_hh_t, const float *b_ih, const float *b_hh, int reverse, float *out, int out_stride, int out_offset,
                     int gi_ready, float *work) {
  const int G = 3 * H;
  const int R = rows[B];
  float *gi = work;                          // [X, G]: x W_ih^T + b_ih
  float *gh = gi + (size_t)R * G;            // [B, G] (X <= R)
  float *h = gh + (size_t)B * G;             // [B, H], rows in sorted order
  int *order = (int *)(h + (size_t)B * H);
  int32_t *remaining = (int32_t *)(order + B);  // steps still to run per sequence
  if (!gi_ready) {
    if (w_ih_t)
      zls_sgemm(0, 0, X, G, E, 1.0f, x, E, w_ih_t, G, 0.0f, gi, G);
    else
      zls_sgemm(0, 1, X, G, E, 1.0f, x, E, w_ih, E, 0.0f, gi, G);
    for (size_t r = 0; r < (size_t)X; r++) {
      float *row = gi + r * G;
      for (int j = 0; j < G; j++) row[j] += b_ih[j];
    }
  }
  // A sequence may start with its first skip[b] steps done (their outputs are the caller's) from
  // state h0[b]: a step's numbers depend only on the state and the input, so the rest comes out
  // as if it had run from the start.
  for (int b = 0; b < B; b++) {
    int sk = skip ? skip[b] : 0;
    remaining[b] = lengths[b] - sk > 0 ? lengths[b] - sk : 0;
  }
  order_by_length(B, remaining, order);
  for (int i = 0; i < B; i++) {
    const float *init = h0 ? h0[order[i]] : NULL;
    if (init)
      memcpy(h + (size_t)i * H, init, sizeof(float) * H);
    else
      memset(h + (size_t)i * H, 0, sizeof(float) * H);
  }
  for (int b = 0; b < B; b++)
    for (int t = lengths[b] < 0 ? 0 : lengths[b]; t < rows[b + 1] - rows[b]; t++)
      memset(out + ((size_t)rows[b] + t) * out_stride + out_offset, 0, sizeof(float) * H);
  for (int s = 0;; s++) {
    int active = 0;
    while (active < B && remaining[order[active]] > s) active++;
    if (active == 0) break;
    // gh = h W_hh^T + b_hh for the running sequences (a prefix of the sorted batch)
    if (w_hh_t)
      zls_sgemm_serial(0, 0, active, G, H, 1.0f, h, H, w_hh_t, G, 0.0f, gh, G);
    else
      zls_sgemm_serial(0, 1, active, G, H, 1.0f, h, H, w_hh, H, 0.0f, gh, G);
    for (int i = 0; i < active; i++) {
      int b = order[i];
      const int sk = skip ? skip[b] : 0;
      int t = reverse ? lengths[b] - 1 - sk - s : sk + s;
      const int r = rows[b] + t;
      const float *gx = gi + (size_t)(xmap ? xmap[r] : r) * G;
      zls_gru_gates(H, gx, gh + (size_t)i * G, b_hh, h + (size_t)i * H, out + (size_t)r * out_stride + out_offset);
    }
  }
}

// Row starts b·T for a padded [B, T, ·] batch, in the caller's scratch (B + 1 ints).
static void padded_rows(int B, int T, int *rows) {
  for (int b = 0; b <= B; b++) rows[b] = b * T;
}

void zls_gru_forward_t(int B, int T, int E, int H, const float *x, const int32_t *lengths,
                       const float *w_ih, const float *w_hh, const float *w_ih_t, const float *w_hh_t, const float *b_ih,
                       const float *b_hh, int reverse, float *out, int out_stride, int out_offset, float *work) {
  // Steps past T never run: lengths are clamped to T (the padded layout has T rows per sequence).
  int *rows = (int *)(work + zls_gru_work_size(B, T, H) - (size_t)(2 * B + 2));
  int32_t *len = (int32_t *)(rows + B + 1);
  padded_rows(B, T, rows);
  for (int b = 0; b < B; b++) len[b] = lengths[b] > T ? T : lengths[b];
  gru_rows(B, rows, rows[B], NULL, E, H, x, len, NULL, NULL, w_ih, w_hh, w_ih_t, w_hh_t, b_ih, b_hh, reverse, out, out_stride, out_offset,
           0, work);
}

// Softmax over the scores s[0..len) (overwritten with exp), then o = Σ_t α_t · values_t (rows of F
// floats, `vstride` apart) and the weights into alpha_row[0..T) (zeros after len) when given.
static void softmax_pool(int len, int T, int F, float *s, const float *values, size_t vstride, float *o, float *alpha_row) {
  float m = -INFINITY;
  for (int t = 0; t < len; t++)
    if (s[t] > m) m = s[t];
  float sum = 0.0f;
  for (int t = 0; t < len; t++) {
    s[t] = zls_expf(s[t] - m);
    sum += s[t];
  }
  memset(o, 0, sizeof(float) * F);
  for (int t = 0; t < len; t++) {
    float a = s[t] / sum;
    if (alpha_row) alpha_row[t] = a;
    const float *vt = values + (size_t)t * vstride;
    for (int k = 0; k < F; k++) o[k] += a * vt[k];
  }
  if (alpha_row)
    for (int t = len; t < T; t++) alpha_row[t] = 0.0f;
}

// Sequence b's step t is row (rows ? rows[b] : b·T) + t of h (F floats each); alpha rows stay [B, T].
static void additive_attention_rows(int B, int T, int F, const float *h, const int *rows, const int32_t *lengths, const float *w,
                                    const float *g, float bias, float *out, float *alpha, float *work) {
  float guide = 0.0f;
  for (int k = 0; k < F; k++) guide += w[k] * g[k];
  const float *w2 = w + F;
  float *s = work;  // [T]
  for (int b = 0; b < B; b++) {
    int len = lengths[b] < 1 ? 1 : lengths[b] > T ? T : lengths[b];
    const float *hb = h + (size_t)(rows ? rows[b] : b * T) * F;
    int t = 0;
    // Eight steps at a time: eight independent sums (each in its own order, k = 0, 1, ...), so the
    // adds' latency overlaps; the same bits as one step at a time.
    for (; t + 8 <= len; t += 8) {
      float d[8] = {0};
      const float *h0 = hb + (size_t)t * F;
      for (int k = 0; k < F; k++) {
        const float wk = w2[k];
        for (int u = 0; u < 8; u++) d[u] += wk * h0[(size_t)u * F + k];
      }
      for (int u = 0; u < 8; u++) s[t + u] = zls_tanhf(guide + d[u] + bias);
    }
    for (; t < len; t++) {
      const float *ht = hb + (size_t)t * F;
      float d = 0.0f;
      for (int k = 0; k < F; k++) d += w2[k] * ht[k];
      s[t] = zls_tanhf(guide + d + bias);
    }
    softmax_pool(len, T, F, s, h + (size_t)(rows ? rows[b] : b * T) * F, (size_t)F, out + (size_t)b * F, alpha ? alpha + (size_t)b * T : NULL);
  }
}

static void qkv_attention_rows(int B, int T, int F, const float *h, const int *rows, const int32_t *lengths, const float *wq,
                               const float *wk, const float *wv, float *out, float *alpha, float *work) {
  float *mean = work;            // [F]
  float *q = mean + F;           // [F]
  float *k = q + F;              // [T, F]
  float *v = k + (size_t)T * F;  // [T, F]
  float *s = v + (size_t)T * F;  // [T]
  float scale = 1.0f / sqrtf((float)F);
  for (int b = 0; b < B; b++) {
    int len = lengths[b] < 1 ? 1 : lengths[b] > T ? T : lengths[b];
    const float *hb = h + (size_t)(rows ? rows[b] : b * T) * F;
    memset(mean, 0, sizeof(float) * F);
    for (int t = 0; t < len; t++)
      for (int j = 0; j < F; j++) mean[j] += hb[(size_t)t * F + j];
    for (int j = 0; j < F; j++) mean[j] /= (float)len;
    zls_sgemm_serial(0, 1, 1, F, F, 1.0f, mean, F, wq, F, 0.0f, q, F);
    zls_sgemm_serial(0, 1, len, F, F, 1.0f, hb, F, wk, F, 0.0f, k, F);
    zls_sgemm_serial(0, 1, len, F, F, 1.0f, hb, F, wv, F, 0.0f, v, F);
    for (int t = 0; t < len; t++) {
      float d = 0.0f;
      for (int j = 0; j < F; j++) d += q[j] * k[(size_t)t * F + j];
      s[t] = d * scale;
    }
    softmax_pool(len, T, F, s, v, (size_t)F, out + (size_t)b * F, alpha ? alpha + (size_t)b * T : NULL);
  }
}

void zls_additive_attention(int B, int T, int F, const float *h, const int32_t *lengths, const float *w,
                            const float *g, float bias, float *out, float *alpha, float *work) {
  additive_attention_rows(B, T, F, h, NULL, lengths, w, g, bias, out, alpha, work);
}

void zls_qkv_attention(int B, int T, int F, const float *h, const int32_t *lengths, const float *wq,
                       const float *wk, const float *wv, float *out, float *alpha, float *work) {
  qkv_attention_rows(B, T, F, h, NULL, lengths, wq, wk, wv, out, alpha, work);
}

// ---------------------------------------------------------------- whole model

// The index among the distinct rows so far (kept in x, `*u` of them, E floats each) of row `src`,
// which is appended when new (bitwise comparison: equal bits give equal products). The table has
// `slots` ints (a power of two > the rows to come), -1 when empty. Log sessions repeat a few
// templates, so the first layer's input projection shrinks from one row per event to one per template.
static inline int distinct_row(const float *src, float *x, int *u, int E, int *table, int slots) {
  const uint32_t *w = (const uint32_t *)src;
  // Four independent multiply chains (the hash only places rows in the table; which index a row
  // gets depends on the order rows arrive, not on the hash).
  uint64_t h0 = 0x9E3779B97F4A7C15ull, h1 = 0xC2B2AE3D27D4EB4Full, h2 = 0x165667B19E3779F9ull, h3 = 0x27D4EB2F165667C5ull;
  int k = 0;
  for (; k + 4 <= E; k += 4) {
    h0 = (h0 ^ w[k]) * 0x100000001B3ull;
    h1 = (h1 ^ w[k + 1]) * 0x100000001B3ull;
    h2 = (h2 ^ w[k + 2]) * 0x100000001B3ull;
    h3 = (h3 ^ w[k + 3]) * 0x100000001B3ull;
  }
  for (; k < E; k++) h0 = (h0 ^ w[k]) * 0x100000001B3ull;
  uint64_t h = h0 ^ (h1 * 0x9E3779B97F4A7C15ull) ^ (h2 * 0xC2B2AE3D27D4EB4Full) ^ (h3 * 0x165667B19E3779F9ull);
  h ^= h >> 29;
  int slot = (int)(h & (uint64_t)(slots - 1));
  for (;;) {
    int v = table[slot];
    if (v < 0) {
      table[slot] = *u;
      memcpy(x + (size_t)*u * E, src, sizeof(float) * (size_t)E);
      return (*u)++;
    }
    if (memcmp(x + (size_t)v * E, src, sizeof(float) * (size_t)E) == 0) return v;
    slot = (slot + 1) & (slots - 1);
  }
}

// Rows of one product in a split input projection (the gathered inputs and the products of up to
// SPLIT_ROWS rows are chunk scratch: SPLIT_ROWS * 4H floats).
#define SPLIT_ROWS 48

static size_t per_sequence_floats(const zls_model *m, int T) {
  int H = m->hidden_size, D = m->directions, F = D * H;
  return (size_t)T * m->input_size  // input copy
         + (size_t)T * F * 2      // layer outputs (ping-pong)
         + zls_gru_work_size(1, T, H)
         + (size_t)F              // pooled
         + (size_t)T              // alpha
         + (size_t)T * 5          // distinct-row map [T] and hash table (< 4T slots)
         + (size_t)T * 8;         // per step row: four part pointers (split input projection)
}

// Floats of a chunk's own scratch besides its sequences' (lengths, row starts, skips, initial
// states, attention scratch, split-projection scratch).
static size_t chunk_extra_floats(const zls_model *m, int T, int per) {
  int H = m->hidden_size, F = m->directions * H;
  return (size_t)(2 * F + 2 * T * F + T) + 192 + (size_t)(10 * per) + (size_t)SPLIT_ROWS * 4 * H + SPLIT_ROWS;
}

size_t zls_model_work_size(const zls_model *m, int B, int T) {
  // Chunks (one per thread in effect) hold ceil(B / chunks) sequences each: at most B + chunks - 1 in all.
  int threads = zls_get_threads();
  size_t chunks = (size_t)(threads > 1 && B >= 2 ? (B < threads ? B : threads) : 1);
  int per = (B + (int)chunks - 1) / (int)chunks;
  return per_sequence_floats(m, T) * ((size_t)B + chunks - 1) + chunks * chunk_extra_floats(m, T, per);
}

typedef struct {
  const zls_model *m;
  int B, T, chunks;
  const float *x;
  const int32_t *lengths;
  float *p, *alpha, *work;
  size_t chunk_floats;
  const zls_first_layer_states *st;
} forward_job;

// The input projection of a layer after the first (both directions) for its direction `ld`:
// gi[r] = (in_f[r] W_f^T + in_b[r] W_b^T) + b_ih over the R step rows, in_f / in_b the first and
// second H floats of input row r (F = 2H apart), W_f / W_b the matching halves of W_ih. Each part
// is one product over H terms, taken from part_f[r] / part_b[r] (6H floats: direction 0's 3H, then
// direction 1's) when given, else computed — gathered SPLIT_ROWS rows at a time — and copied to
// keep_f[r] / keep_b[r] when given. A row's numbers depend only on its input row. The forward parts
// computed here wait in gi; the second pass writes each row's sum.
// g[j] = (f[j] + q[j]) + b[j]; g may be f (in place): element-wise, so vectorizing is safe.
static inline void sum_parts(float *g, const float *f, const float *q, const float *b, int G) {
#if defined(__clang__)
#pragma clang loop vectorize(assume_safety)
#endif
  for (int j = 0; j < G; j++) g[j] = (f[j] + q[j]) + b[j];
}

static void split_projection(int R, int H, const float *in, const float *w_ih, const float *w_ih_t, const float *b_ih, int ld,
                             const float *const *part_f, const float *const *part_b, float *const *keep_f, float *const *keep_b,
                             float *gi, float *scratch, int *pending) {
  const int G = 3 * H, F = 2 * H;
  float *a = scratch;                          // [SPLIT_ROWS, H]
  float *c = scratch + (size_t)SPLIT_ROWS * H;  // [SPLIT_ROWS, G]
  for (int half = 0; half < 2; half++) {
    const float *const *part = half == 0 ? part_f : part_b;
    float *const *keep = half == 0 ? keep_f : keep_b;
    int n = 0;
    for (int r = 0; r <= R; r++) {
      if (r < R) {
        const float *p = part ? part[r] : NULL;
        if (p) {
          if (half == 1) {
            const float *f = part_f && part_f[r] ? part_f[r] + (size_t)ld * G : gi + (size_t)r * G;
            sum_parts(gi + (size_t)r * G, f, p + (size_t)ld * G, b_ih, G);
          }
          continue;
        }
        memcpy(a + (size_t)n * H, in + (size_t)r * F + (size_t)half * H, sizeof(float) * H);
        pending[n++] = r;
        if (n < SPLIT_ROWS) continue;
      }
      if (n == 0) continue;
      if (w_ih_t)
        zls_sgemm_serial(0, 0, n, G, H, 1.0f, a, H, w_ih_t + (size_t)half * H * G, G, 0.0f, c, G);
      else
        zls_sgemm_serial(0, 1, n, G, H, 1.0f, a, H, w_ih + (size_t)half * H, F, 0.0f, c, G);
      for (int k = 0; k < n; k++) {
        const int row = pending[k];
        const float *ck = c + (size_t)k * G;
        float *g = gi + (size_t)row * G;
        if (keep && keep[row]) memcpy(keep[row] + (size_t)ld * G, ck, sizeof(float) * G);
        if (half == 0) {
          memcpy(g, ck, sizeof(float) * G);
        } else {
          sum_parts(g, part_f && part_f[row] ? part_f[row] + (size_t)ld * G : g, ck, b_ih, G);
        }
      }
      n = 0;
    }
  }
}

// Runs sequences idx ≡ chunk (mod chunks) — round-robin, so chunks get similar length mixes.
static void forward_chunk(void *ctx, int chunk) {
  forward_job *j = (forward_job *)ctx;
  const zls_model *m = j->m;
  int T = j->T, E = m->input_size, H = m->hidden_size, D = m->directions, F = D * H;
  int n = 0;
  for (int b = chunk; b < j->B; b += j->chunks) n++;
  if (n == 0) return;
  float *w = j->work + j->chunk_floats * (size_t)chunk;
  int32_t *len = (int32_t *)w;
  w += (n + 15) / 16 * 16;
  int *rows = (int *)w;  // [n + 1]: sequence i's steps are rows rows[i] ..< rows[i + 1] (no padding)
  w += (n + 16) / 16 * 16;
  int32_t *skip[2];  // [n] per direction: first-layer steps the caller gave
  skip[0] = (int32_t *)w;
  w += (n + 15) / 16 * 16;
  skip[1] = (int32_t *)w;
  w += (n + 15) / 16 * 16;
  const float **h0 = (const float **)w;  // [n]: the state after them
  w += (2 * n + 15) / 16 * 16;
  int *pending = (int *)w;  // [SPLIT_ROWS]
  w += (SPLIT_ROWS + 15) / 16 * 16;
  float *split = w;  // [SPLIT_ROWS * 4H]
  w += (size_t)SPLIT_ROWS * 4 * H;
  int i = 0;
  rows[0] = 0;
  for (int b = chunk; b < j->B; b += j->chunks, i++) {
    len[i] = j->lengths[b] > T ? T : j->lengths[b];
    rows[i + 1] = rows[i] + (len[i] < 1 ? 1 : len[i]);  // one (zero) row for an empty sequence
  }
  int R = rows[n];
  float *in = w;                               // [R, E] (distinct rows only: X <= R)
  float *bufA = in + (size_t)R * E;            // [R, F]
  float *bufB = bufA + (size_t)R * F;
  float *gw = bufB + (size_t)R * F;            // GRU scratch for R rows
  float *pooled = gw + zls_gru_work_size(n, T, H);  // [n, F]
  float *al = pooled + (size_t)n * F;          // [n, T]
  float *qkvw = al + (size_t)n * T;
  int *xmap = (int *)(qkvw + (size_t)(2 * F + 2 * T * F + T) + 16);  // [R]
  int slots = 16;
  while (slots <= 2 * R) slots *= 2;
  int *table = xmap + R;  // [slots] < 4R + 16
  // Per step row, the second layer's cached input-projection parts and where to keep new ones.
  const float **part_f = (const float **)(((uintptr_t)(table + slots) + 7) & ~(uintptr_t)7), **part_b = part_f + R;
  float **keep_f = (float **)(part_b + R), **keep_b = keep_f + R;
  // The first layer's inputs: each distinct row once, in order of first appearance (`in` holds X
  // of them); xmap[r] is step row r's.
  int X = 0;
  for (int k = 0; k < slots; k++) table[k] = -1;
  i = 0;
  for (int b = chunk; b < j->B; b += j->chunks, i++)
    for (int r = rows[i]; r < rows[i + 1]; r++)
      xmap[r] = distinct_row(j->x + ((size_t)b * T + (size_t)(r - rows[i])) * E, in, &X, E, table, slots);
  const zls_first_layer_states *st = j->st;
  const int parts = st && D == 2 && m->layers > 1 && (st->given_part[0] || st->given_part[1] || st->out_part[0] || st->out_part[1]);
  if (parts) {
    for (int r = 0; r < R; r++) part_f[r] = part_b[r] = NULL, keep_f[r] = keep_b[r] = NULL;
  }
  const float *layerIn = in;
  int inSize = E;
  float *cur = bufA, *other = bufB;
  for (int l = 0; l < m->layers; l++) {
    for (int d = 0; d < D; d++) {
      int k = l * D + d;
      const zls_first_layer_states *sl = l == 0 && d < 2 ? st : NULL;
      if (sl && sl->known[d]) {
        i = 0;
        for (int b = chunk; b < j->B; b += j->chunks, i++) {
          int sk = sl->known[d][b];
          skip[d][i] = sk < 0 ? 0 : sk > (len[i] > 0 ? len[i] : 0) ? (len[i] > 0 ? len[i] : 0) : sk;
          // Forward: the state after step skip-1 (the last given row); backward: after step
          // len-skip (the first given row, rows being in step order).
          h0[i] = skip[d][i] > 0 ? sl->given[d][b][d == 0 ? skip[d][i] - 1 : 0] : NULL;
        }
      }
      const int given = sl && sl->known[d];
      int ready = 0;
      if (l > 0 && D == 2) {
        split_projection(R, H, layerIn, m->w_ih[k], m->w_ih_t[k], m->b_ih[k], d, parts && l == 1 ? part_f : NULL,
                         parts && l == 1 ? part_b : NULL, parts && l == 1 ? keep_f : NULL, parts && l == 1 ? keep_b : NULL, gw, split,
                         pending);
        ready = 1;
      }
      gru_rows(n, rows, l == 0 ? X : R, l == 0 ? xmap : NULL, inSize, H, layerIn, len, given ? skip[d] : NULL, given ? h0 : NULL,
               m->w_ih[k], m->w_hh[k], m->w_ih_t[k], m->w_hh_t[k], m->b_ih[k], m->b_hh[k], d == 1, cur, F, d * H, ready, gw);
      if (sl) {
        // The given steps' outputs, then the new ones the caller wants to keep; with parts, where
        // the second layer finds (or keeps) their input-projection parts.
        const float **pp = d == 0 ? part_f : part_b;
        float **kp = d == 0 ? keep_f : keep_b;
        i = 0;
        for (int b = chunk; b < j->B; b += j->chunks, i++) {
          const int L = len[i] > 0 ? len[i] : 0, sk = given ? skip[d][i] : 0;
          for (int t = 0; t < sk; t++) {
            int step = d == 0 ? t : L - sk + t;
            const float *part = parts && sl->given_part[d] ? sl->given_part[d][b][t] : NULL;
            // A step with its part needs no output row: only the second layer's projection reads it.
            if (part)
              pp[rows[i] + step] = part;
            else
              memcpy(cur + ((size_t)rows[i] + step) * F + (size_t)d * H, sl->given[d][b][t], sizeof(float) * H);
          }
          int want = sl->want[d] ? sl->want[d][b] : 0;
          if (want > L - sk) want = L - sk;
          for (int k2 = 0; k2 < want; k2++) {
            int step = d == 0 ? sk + k2 : L - sk - 1 - k2;
            memcpy(sl->out[d][b][k2], cur + ((size_t)rows[i] + step) * F + (size_t)d * H, sizeof(float) * H);
            if (parts && sl->out_part[d]) kp[rows[i] + step] = sl->out_part[d][b][k2];
          }
        }
      }
    }
    layerIn = cur;
    inSize = F;
    float *t = cur;
    cur = other;
    other = t;
  }
  if (m->attention == 0)
    additive_attention_rows(n, T, F, layerIn, rows, len, m->att_weight, m->att_guide, m->att_bias, pooled, al, qkvw);
  else
    qkv_attention_rows(n, T, F, layerIn, rows, len, m->att_q, m->att_k, m->att_v, pooled, al, qkvw);
  i = 0;
  for (int b = chunk; b < j->B; b += j->chunks, i++) {
    const float *r = pooled + (size_t)i * F;
    float l0 = m->cls_bias[0], l1 = m->cls_bias[1];
    for (int k = 0; k < F; k++) {
      l0 += m->cls_weight[k] * r[k];
      l1 += m->cls_weight[F + k] * r[k];
    }
    j->p[b] = zls_sigmoidf(l1 - l0);  // softmax(logits)[1]
    if (j->alpha) memcpy(j->alpha + (size_t)b * T, al + (size_t)i * T, sizeof(float) * T);
  }
}

void zls_model_forward_states(const zls_model *m, int B, int T, const float *x, const int32_t *lengths,
                              const zls_first_layer_states *states, float *p_anomaly, float *alpha, float *work) {
  int threads = zls_get_threads();
  int chunks = threads > 1 && B >= 2 ? (B < threads ? B : threads) : 1;
  int per = (B + chunks - 1) / chunks;
  size_t chunkFloats = per_sequence_floats(m, T) * (size_t)per + chunk_extra_floats(m, T, per);
  forward_job job = {m, B, T, chunks, x, lengths, p_anomaly, alpha, work, chunkFloats, states};
  zls_parallel_for(chunks, forward_chunk, &job);
}

void zls_model_forward(const zls_model *m, int B, int T, const float *x, const int32_t *lengths, float *p_anomaly,
                       float *alpha, float *work) {
  zls_model_forward_states(m, B, T, x, lengths, NULL, p_anomaly, alpha, work);
}
