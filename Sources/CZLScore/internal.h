// Internal interfaces of CZLScore: the instruction-set switch and the thread pool.
#ifndef ZL_SCORE_INTERNAL_H
#define ZL_SCORE_INTERNAL_H
#include <math.h>

/// 0 portable, 1 AVX2+FMA, 2 AVX-512.
int zls_isa(void);

typedef void (*zls_task_fn)(void *ctx, int index);
/// Runs fn(ctx, 0..<count) on the pool (the caller takes part); returns when all are done.
void zls_parallel_for(int count, zls_task_fn fn, void *ctx);
/// True on a thread that is running a parallel task (nested parallel calls run serially).
int zls_in_parallel(void);

/// One GRU step for one sequence: gates from gx (x W_ih^T + b_ih, [3H]), gh (h W_hh^T, [3H]) and
/// b_hh; the new state goes to h (in place) and out.
void zls_gru_gates(int H, const float *gx, const float *gh, const float *b_hh, float *h, float *out);

#endif
