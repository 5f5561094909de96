// A lazily built DFA per rule that finds the end of the match the backtracking matcher would
// find from a given start (leftmost-first priority, no captures). Internal to CZLRegex.
#ifndef ZL_REGEX_DFA_H
#define ZL_REGEX_DFA_H
#include "zl_regex.h"

typedef struct zlre_dfa zlre_dfa;

enum { ZLRE_DFA_GIVE_UP = -5 };

/// A DFA for `r`, or NULL when the rule has what it cannot follow (multi-character look-around,
/// a rule that can match empty text, a program too large) or memory ran out.
zlre_dfa *zlre_dfa_create(const zlre_rule *r);
void zlre_dfa_free(zlre_dfa *d);

/// The end of the first match in priority order starting at `start` (the backtracking matcher's
/// answer), -1 when there is none, or ZLRE_DFA_GIVE_UP when the DFA grew past its bound or
/// memory ran out (the caller then runs the backtracking matcher; the DFA stays off from then on).
int64_t zlre_dfa_match(zlre_dfa *d, const uint8_t *t, int64_t n, int64_t start);

#endif
