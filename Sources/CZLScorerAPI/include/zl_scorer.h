/* zl_scorer.h: zl-score as a library (libzlscore). A handle scores raw log lines with a .zlck model
 * and hands back the records zl-score would print, byte for byte (JSON lines, each ending in "\n").
 * Handles are independent: threads may each own one (one handle is not to be used by two threads
 * at once). Formats/scoring-v1.md says what the records mean.
 *
 *   char err[256];
 *   zl_scorer *s = zl_scorer_open("model.zlck", "{\"threshold\": 0.6}", err, sizeof err);
 *   if (!s) { fprintf(stderr, "%s\n", err); return 1; }
 *   while (getline(&line, &cap, stdin) > 0) {
 *     zl_scorer_feed(s, line, strcspn(line, "\n"));
 *     for (const char *r; (r = zl_scorer_next(s)); ) fputs(r, stdout);
 *   }
 *   zl_scorer_flush(s);
 *   for (const char *r; (r = zl_scorer_next(s)); ) fputs(r, stdout);
 *   zl_scorer_close(s);
 */
#ifndef ZL_SCORER_H
#define ZL_SCORER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zl_scorer zl_scorer;

/* Opens a model (verified and checked as zl-score does). options_json may be NULL or a JSON object
 * with any of: "threshold" (0-1), "sessions" (a session rule), "max_events", "idle_lines",
 * "explain" (templates per record, 0 = none), "only_anomalies" (bool), "batch" (sessions scored
 * together, default 1: each record is ready as soon as its session closes), "cache" (default 8192).
 * On failure returns NULL and writes a one-line message (NUL-terminated, cut to err_len) to err. */
zl_scorer *zl_scorer_open(const char *model_path, const char *options_json, char *err, size_t err_len);

/* Feeds one raw line (without its line terminator; any bytes). Returns the number of records ready
 * to be read with zl_scorer_next, or -1 when the handle is NULL or failed. */
int zl_scorer_feed(zl_scorer *s, const char *line, size_t len);

/* The next ready record (a JSON line ending in "\n", NUL-terminated), or NULL when none is ready.
 * The pointer is valid until the next call on the handle. */
const char *zl_scorer_next(zl_scorer *s);

/* Closes every open session (end of input) and scores them; returns the number of records ready. */
int zl_scorer_flush(zl_scorer *s);

/* Frees the handle (records not read are dropped). NULL is allowed. */
void zl_scorer_close(zl_scorer *s);

#ifdef __cplusplus
}
#endif
#endif
