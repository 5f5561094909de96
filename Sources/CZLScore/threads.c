// A small fixed thread pool for the kernels: workers wait on a generation counter (spinning
// briefly, then sleeping), take task indices from an atomic counter tagged with the generation
// (a late worker can never take an index of the next task set), and the caller takes part.
// Which thread runs which index never changes a result: every task writes its own outputs.
#include "zl_score.h"
#include "internal.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define MAX_THREADS 64

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t call_mutex = PTHREAD_MUTEX_INITIALIZER;
static int configured = 1;
static int started = 0;
static atomic_uint generation = 0;
// High 32 bits: the generation of the task set; low 32 bits: the next index to take.
static _Atomic unsigned long long claim = 0;
static atomic_int remaining = 0;
static int task_count = 0;
static zls_task_fn task_fn = NULL;
static void *task_ctx = NULL;
static _Thread_local int in_parallel = 0;

int zls_in_parallel(void) { return in_parallel; }

static void run_tasks(unsigned gen) {
  for (;;) {
    unsigned long long v = atomic_load(&claim);
    if ((unsigned)(v >> 32) != gen) break;
    int i = (int)(unsigned)(v & 0xFFFFFFFFull);
    if (i >= task_count) break;
    if (!atomic_compare_exchange_weak(&claim, &v, v + 1)) continue;
    task_fn(task_ctx, i);
    if (atomic_fetch_sub(&remaining, 1) == 1) {
      pthread_mutex_lock(&mutex);
      pthread_cond_broadcast(&done_cond);
      pthread_mutex_unlock(&mutex);
    }
  }
}

static void *worker(void *arg) {
  (void)arg;
  in_parallel = 1;
  unsigned seen = atomic_load(&generation);
  for (;;) {
    // Spin a little (a new task set usually follows soon), then sleep.
    int spins = 0;
    while (atomic_load(&generation) == seen && spins < 20000) {
#if defined(__x86_64__)
      __builtin_ia32_pause();
#endif
      spins++;
    }
    if (atomic_load(&generation) == seen) {
      pthread_mutex_lock(&mutex);
      while (atomic_load(&generation) == seen) pthread_cond_wait(&wake, &mutex);
      pthread_mutex_unlock(&mutex);
    }
    seen = atomic_load(&generation);
    run_tasks(seen);
  }
  return NULL;
}

int zls_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  pthread_mutex_lock(&call_mutex);
  while (started < n - 1) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, worker, NULL) != 0) {
      pthread_attr_destroy(&attr);
      break;
    }
    pthread_attr_destroy(&attr);
    started++;
  }
  configured = started + 1 < n ? started + 1 : n;
  pthread_mutex_unlock(&call_mutex);
  return configured;
}

int zls_get_threads(void) { return configured; }

void zls_parallel_for(int count, zls_task_fn fn, void *ctx) {
  if (count <= 0) return;
  if (configured <= 1 || count == 1 || in_parallel) {
    for (int i = 0; i < count; i++) fn(ctx, i);
    return;
  }
  pthread_mutex_lock(&call_mutex);
  task_fn = fn;
  task_ctx = ctx;
  task_count = count;
  atomic_store(&remaining, count);
  unsigned gen = atomic_load(&generation) + 1;
  atomic_store(&claim, (unsigned long long)gen << 32);
  pthread_mutex_lock(&mutex);
  atomic_store(&generation, gen);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&mutex);
  in_parallel = 1;
  run_tasks(gen);
  in_parallel = 0;
  // The other tasks usually finish within microseconds: spin before sleeping (a futex wake-up
  // costs more than a typical per-time-step matrix product).
  for (int spins = 0; atomic_load(&remaining) > 0 && spins < 200000; spins++) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
  }
  if (atomic_load(&remaining) > 0) {
    pthread_mutex_lock(&mutex);
    while (atomic_load(&remaining) > 0) pthread_cond_wait(&done_cond, &mutex);
    pthread_mutex_unlock(&mutex);
  }
  pthread_mutex_unlock(&call_mutex);
}

#if defined(__GLIBC__)
#include <malloc.h>
void zls_tune_allocator(void) {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum on 64-bit
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}
#else
void zls_tune_allocator(void) {}
#endif
