// The target-side structure detector at scoring time (Formats/zlck-v1.md §8.11): a session's
// squared prediction error against a PCA of the target's TF-IDF-weighted event counts.
//   x_j = counts_j * idf_j - mean_j  (j < d),  p_i = sum_j C[i][j] x_j  (i < k),
//   SPE = sum_j x_j^2 - sum_i p_i^2   (C has orthonormal rows, so this is |x - C^T C x|^2).
// Sums run in double in index order, so every caller gets the same bits.

#include "zl_score.h"

double zls_pca_spe(int d, int k, const float *idf, const float *mean, const float *components, const float *counts, float *x) {
  double total = 0;
  for (int j = 0; j < d; j++) {
    float v = counts[j] * idf[j] - mean[j];
    x[j] = v;
    total += (double)v * (double)v;
  }
  double projected = 0;
  for (int i = 0; i < k; i++) {
    const float *row = components + (size_t)i * (size_t)d;
    double p = 0;
    for (int j = 0; j < d; j++) p += (double)row[j] * (double)x[j];
    projected += p * p;
  }
  double spe = total - projected;
  return spe > 0 ? spe : 0;  // rounding can make a session on the principal subspace slightly negative
}
