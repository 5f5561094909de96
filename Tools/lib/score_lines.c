// libzlscore from C: scores a log file with a model and prints the records (what zl-score prints).
// With a thread count, that many threads each own a handle and score the same file at once; every
// thread's records must equal the single run's (handles are independent).
//   cc Tools/lib/score_lines.c -I Sources/CZLScorerAPI/include -L .build/release -lzlscore -lpthread \
//      -Wl,-rpath,.build/release -Wl,-rpath,$(dirname $(dirname $(which swift)))/lib/swift/linux -o score_lines
//   ./score_lines MODEL LOG [THREADS] [OPTIONS_JSON]
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "zl_scorer.h"

static const char *model, *log_path, *options;

typedef struct { char *out; size_t len; int status; } result;

static void append(result *r, const char *s) {
  size_t n = strlen(s);
  r->out = realloc(r->out, r->len + n + 1);
  memcpy(r->out + r->len, s, n + 1);
  r->len += n;
}

static void *run(void *arg) {
  result *r = arg;
  char err[512];
  zl_scorer *s = zl_scorer_open(model, options, err, sizeof err);
  if (!s) { fprintf(stderr, "%s\n", err); r->status = 1; return 0; }
  FILE *f = fopen(log_path, "rb");
  if (!f) { perror(log_path); r->status = 1; zl_scorer_close(s); return 0; }
  char *line = 0;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) > 0) {
    size_t len = (size_t)n;
    if (len && line[len - 1] == '\n') len--;
    if (len && line[len - 1] == '\r') len--;
    if (zl_scorer_feed(s, line, len) < 0) { r->status = 1; break; }
    for (const char *rec; (rec = zl_scorer_next(s));) append(r, rec);
  }
  if (zl_scorer_flush(s) < 0) r->status = 1;
  for (const char *rec; (rec = zl_scorer_next(s));) append(r, rec);
  free(line);
  fclose(f);
  zl_scorer_close(s);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s MODEL LOG [THREADS] [OPTIONS_JSON]\n", argv[0]); return 64; }
  model = argv[1];
  log_path = argv[2];
  int threads = argc > 3 ? atoi(argv[3]) : 0;
  options = argc > 4 ? argv[4] : 0;
  result single = {0, 0, 0};
  run(&single);
  if (single.status) return 1;
  if (single.out) fputs(single.out, stdout);
  if (threads > 0) {
    pthread_t t[64];
    result rs[64];
    if (threads > 64) threads = 64;
    for (int k = 0; k < threads; k++) { rs[k] = (result){0, 0, 0}; pthread_create(&t[k], 0, run, &rs[k]); }
    for (int k = 0; k < threads; k++) {
      pthread_join(t[k], 0);
      if (rs[k].status || rs[k].len != single.len || (single.len && memcmp(rs[k].out, single.out, single.len))) {
        fprintf(stderr, "thread %d: records differ from the single run\n", k);
        return 1;
      }
    }
    fprintf(stderr, "%d threads: records identical to the single run\n", threads);
  }
  return 0;
}
