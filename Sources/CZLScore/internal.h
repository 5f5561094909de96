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

#endif
