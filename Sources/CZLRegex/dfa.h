// A lazily built DFA per rule that finds the end of the match the backtracking matcher would
// find from a given start (leftmost-first priority, no captures). Internal to CZLRegex.
#ifndef ZL_REGEX_DFA_H
#define ZL_REGEX_DFA_H
#include "zl_regex.h"

typedef struct zlre_dfa zlre_dfa;

enum { ZLRE_DFA_GIVE_UP = -5 };

/// What the DFAs of one scratch may hold in all: 2^18 words (1 MiB).
#define ZLRE_DFA_BUDGET_WORDS ((int64_t)1 << 18)

/// A DFA for `r`, or NULL when the rule has what it cannot follow (multi-character look-around,
/// a rule that can match empty text, a program too large), memory ran out, or `budget` (4-byte
/// words, shared by the DFAs of one scratch and charged as they grow) is spent.
zlre_dfa *zlre_dfa_create(const zlre_rule *r, int64_t *budget);
void zlre_dfa_free(zlre_dfa *d);

/// The end of the first match in priority order starting at `start` (the backtracking matcher's
/// answer), -1 when there is none, or ZLRE_DFA_GIVE_UP when the DFA grew past its bound or
/// memory ran out (the caller then runs the backtracking matcher; the DFA stays off from then on).
/// Adds the bytes it read to `*scanned` (they count against the caller's work budget).
int64_t zlre_dfa_match(zlre_dfa *d, const uint8_t *t, int64_t n, int64_t start, int64_t *scanned);

#endif
