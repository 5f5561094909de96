// The leftmost-first DFA: the backtracking matcher's answer (the end of the first match in
// priority order from one start) in one table lookup per byte.
//
// The rule's program becomes a Thompson NFA (spans unrolled into the loops they stand for, whose
// greedy order they follow). A DFA state is the *ordered* list of NFA threads alive at a position
// — ordered by the priority the backtracker would try them in, each instruction once (a later
// thread at an instruction already held behaves the same and loses) — plus the class of the byte
// before the position (look-behind and \b read it). Reaching MATCH drops every lower-priority
// thread: the backtracker would have stopped there unless a higher-priority thread, still alive,
// matches later, which then wins. So the answer is the last position where a state recorded a
// match. Look-aheads, \b, $ and \Z read the next byte: threads stopped at one wait in the state and
// are resolved, in their priority place, on the next transition (or at the end of the text).
//
// States and transitions are built on demand and kept (per scratch, so per thread). Byte classes
// (bytes no instruction tells apart) keep the tables small. The tests compare this with the
// backtracking matcher and with ZLRegex on random patterns and text.
#include "dfa.h"

#include <stdlib.h>
#include <string.h>

enum { N_CHAR, N_SET, N_SPLIT, N_JUMP, N_START, N_BEHIND, N_AHEAD, N_END, N_AEND, N_BOUND, N_MATCH };

typedef struct {
  uint8_t op;
  uint8_t negated;  // looks
  uint8_t is_char;  // looks: arg is a character (else a set)
  int32_t a, b;
} nfa_inst;

/// Bounds: an unrolled program, a state table or thread lists this large mean the backtracker is
/// the better tool (a DFA then holds at most ~0.5 MiB: 2^16 transitions, 2^16 threads).
enum { MAX_PROGRAM = 4096, MAX_STATES = 2048, MAX_TRANSITIONS = 1 << 16, MAX_POOL = 1 << 16 };

enum { F_MATCH_NOW = 1, F_EOT_KNOWN = 2, F_EOT_MATCH = 4 };
enum { UNKNOWN = -1, NONE_CLASS = 255 };
/// After a state's columns: the value of its transitions back to itself (UNKNOWN: none yet) and
/// the classes (< 64, two words) known to take it, so runs of them (the digits of \d+) are
/// skipped without the per-byte table lookup.
enum { LOOP_V = 0, LOOP_LO = 1, LOOP_HI = 2, LOOP_WORDS = 3 };

struct zlre_dfa {
  nfa_inst *prog;
  int32_t count;
  const uint64_t *sets;
  uint8_t cls[256];
  uint8_t rep[256];  // a byte of each class
  int32_t classes;   // real classes
  int32_t columns;   // + 1 when the program has $: '\n' as the last byte
  int32_t stride;    // a state's row: its columns, then its self-loop (see LOOP_V)
  int has_end;
  int disabled;
  // States: 0 is dead (no thread, no match).
  int32_t states, cap;
  int32_t *trans;   // [cap * stride]: see transition(); UNKNOWN
  uint8_t *flags;   // [cap]
  uint8_t *prev;    // [cap]: class of the byte before (NONE_CLASS: none, the text's start)
  int32_t *off, *len;  // [cap]: threads in pool
  int32_t *pool;
  int32_t pool_len, pool_cap;
  int32_t *slots;  // hash table of state ids, -1 empty
  int32_t slot_cap;
  int32_t start[257];  // start state per class of the byte before (index `classes`: none)
  // Work space.
  uint32_t *mark_cur, *mark_next;
  uint32_t gen_cur, gen_next;
  int32_t *stack, *out;
  // Memory, in 4-byte words: the scratch's budget, and what this DFA holds of it.
  int64_t *budget;
  int64_t charged;
};

/// Takes `words` from the shared budget; 0 when it is spent.
static int charge(zlre_dfa *d, int64_t words) {
  if (*d->budget < words) return 0;
  *d->budget -= words;
  d->charged += words;
  return 1;
}

/// Frees the tables (the DFA stays, disabled) and gives their words back.
static void release(zlre_dfa *d) {
  free(d->prog);
  free(d->trans);
  free(d->flags);
  free(d->prev);
  free(d->off);
  free(d->len);
  free(d->pool);
  free(d->slots);
  free(d->mark_cur);
  free(d->mark_next);
  free(d->stack);
  free(d->out);
  d->prog = NULL;
  d->trans = d->pool = d->off = d->len = d->slots = d->stack = d->out = NULL;
  d->flags = d->prev = NULL;
  d->mark_cur = d->mark_next = NULL;
  if (d->budget) *d->budget += d->charged;
  d->charged = 0;
  d->disabled = 1;
}

static inline int in_set(const uint64_t *sets, int32_t set, uint32_t c) {
  return c < 128 && ((sets[2 * (int64_t)set + (c >> 6)] >> (c & 63)) & 1);
}

static inline int word_byte(int c) {
  return c >= 0 && ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_');
}

/// A consuming instruction on byte c.
static inline int accepts(const zlre_dfa *d, const nfa_inst *in, int c) {
  return in->op == N_CHAR ? (uint32_t)c == (uint32_t)in->a : in_set(d->sets, in->a, (uint32_t)c);
}

/// A one-character look on byte c (-1: none — before the start or past the end).
static inline int look_holds(const zlre_dfa *d, const nfa_inst *in, int c) {
  int matched = c >= 0 && (in->is_char ? (uint32_t)c == (uint32_t)in->a : in_set(d->sets, in->a, (uint32_t)c));
  return matched != in->negated;
}

// ---------------------------------------------------------------- building the NFA

static int build_program(zlre_dfa *d, const zlre_rule *r) {
  const zlre_code *code = &r->code;
  const int64_t n = code->count;
  int32_t *at = malloc(sizeof(int32_t) * (size_t)(n + 1));
  if (!at) return 0;
  int64_t total = 0;
  for (int64_t pc = 0; pc < n; pc++) {
    at[pc] = (int32_t)total;
    const zlre_inst in = code->code[pc];
    int64_t size = 1;
    if (in.op == ZLRE_SPAN) {
      int64_t lo = in.b & 0x7FFF, hi = (in.b >> 16) & 0x7FFF;
      size = hi == 0x7FFF ? lo + 3 : lo + 2 * (hi - lo);
      if (hi != 0x7FFF && hi < lo) size = -1;
    } else if (in.op == ZLRE_LOOK) {
      const zlre_look *lk = &r->looks[in.a];
      if (!lk->single || lk->width != 1) size = -1;
    } else if (in.op > ZLRE_MATCH || in.op < 0) {
      size = -1;
    }
    if (size < 0 || total + size > MAX_PROGRAM) {
      free(at);
      return 0;
    }
    total += size;
  }
  at[n] = (int32_t)total;
  d->prog = calloc((size_t)(total > 0 ? total : 1), sizeof(nfa_inst));
  if (!d->prog) {
    free(at);
    return 0;
  }
  d->count = (int32_t)total;
  for (int64_t pc = 0; pc < n; pc++) {
    const zlre_inst in = code->code[pc];
    nfa_inst *o = d->prog + at[pc];
    int32_t a = in.a >= 0 && in.a <= n ? at[in.a] : 0, b = in.b >= 0 && in.b <= n ? at[in.b] : 0;
    switch (in.op) {
    case ZLRE_CHAR: o->op = N_CHAR; o->a = in.a; break;
    case ZLRE_SET: o->op = N_SET; o->a = in.a; break;
    case ZLRE_SPLIT: o->op = N_SPLIT; o->a = a; o->b = b; break;  // guards only prune: not needed here
    case ZLRE_JUMP: o->op = N_JUMP; o->a = a; break;
    case ZLRE_SAVE: o->op = N_JUMP; o->a = at[pc] + 1; break;
    case ZLRE_START: o->op = N_START; break;
    case ZLRE_END: o->op = N_END; d->has_end = 1; break;
    case ZLRE_ABSOLUTE_END: o->op = N_AEND; break;
    case ZLRE_BOUNDARY: o->op = N_BOUND; o->a = in.a; break;
    case ZLRE_MATCH: o->op = N_MATCH; break;
    case ZLRE_LOOK: {
      const zlre_look *lk = &r->looks[in.a];
      o->op = lk->ahead ? N_AHEAD : N_BEHIND;
      o->negated = lk->negated;
      o->is_char = lk->single_is_char;
      o->a = lk->single_arg;
      break;
    }
    case ZLRE_SPAN: {
      // min copies, then the greedy loop (taking first) or max - min optional copies.
      int32_t lo = in.b & 0x7FFF, hi = (in.b >> 16) & 0x7FFF, q = at[pc];
      for (int32_t k = 0; k < lo; k++) d->prog[q++] = (nfa_inst){.op = N_SET, .a = in.a};
      if (hi == 0x7FFF) {
        d->prog[q] = (nfa_inst){.op = N_SPLIT, .a = q + 1, .b = q + 3};
        d->prog[q + 1] = (nfa_inst){.op = N_SET, .a = in.a};
        d->prog[q + 2] = (nfa_inst){.op = N_JUMP, .a = q};
      } else {
        const int32_t end = at[pc + 1];
        for (int32_t k = 0; k < hi - lo; k++, q += 2) {
          d->prog[q] = (nfa_inst){.op = N_SPLIT, .a = q + 1, .b = end};
          d->prog[q + 1] = (nfa_inst){.op = N_SET, .a = in.a};
        }
      }
      break;
    }
    default: break;
    }
  }
  free(at);
  return 1;
}

/// Splits the byte classes by a predicate given as 256 flags.
static void refine(zlre_dfa *d, const uint8_t *p) {
  int16_t map[256][2];
  for (int k = 0; k < 256; k++) map[k][0] = map[k][1] = -1;
  int next = 0;
  uint8_t cls[256];
  for (int c = 0; c < 256; c++) {
    int16_t *m = &map[d->cls[c]][p[c] ? 1 : 0];
    if (*m < 0) *m = (int16_t)next++;
    cls[c] = (uint8_t)*m;
  }
  memcpy(d->cls, cls, sizeof cls);
  d->classes = next;
}

static void build_classes(zlre_dfa *d) {
  memset(d->cls, 0, sizeof d->cls);
  d->classes = 1;
  uint8_t p[256];
  for (int c = 0; c < 256; c++) p[c] = (uint8_t)word_byte(c);
  refine(d, p);
  for (int c = 0; c < 256; c++) p[c] = c == '\n';
  refine(d, p);
  for (int32_t k = 0; k < d->count; k++) {
    const nfa_inst *in = &d->prog[k];
    int is_char;
    if (in->op == N_CHAR) is_char = 1;
    else if (in->op == N_SET) is_char = 0;
    else if (in->op == N_AHEAD || in->op == N_BEHIND) is_char = in->is_char;
    else continue;
    for (int c = 0; c < 256; c++) p[c] = (uint8_t)(is_char ? (uint32_t)c == (uint32_t)in->a : in_set(d->sets, in->a, (uint32_t)c));
    refine(d, p);
  }
  for (int c = 255; c >= 0; c--) d->rep[d->cls[c]] = (uint8_t)c;
}

zlre_dfa *zlre_dfa_create(const zlre_rule *r, int64_t *budget) {
  if (r->can_be_empty) return NULL;
  zlre_dfa *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->budget = budget;
  d->sets = r->set_bits;
  // The unrolled program, its marks and stacks: at most 12 words per instruction.
  if (!build_program(d, r) || !charge(d, 12 * (int64_t)d->count + 64)) {
    zlre_dfa_free(d);
    return NULL;
  }
  build_classes(d);
  d->columns = d->classes + (d->has_end ? 1 : 0);
  d->stride = d->columns + LOOP_WORDS;
  d->mark_cur = calloc((size_t)d->count + 1, sizeof(uint32_t));
  d->mark_next = calloc((size_t)d->count + 1, sizeof(uint32_t));
  d->stack = malloc(sizeof(int32_t) * (size_t)(4 * d->count + 8));  // two stacks: close_ahead's, resolve's
  d->out = malloc(sizeof(int32_t) * (size_t)(d->count + 1));
  if (d->classes >= NONE_CLASS || !d->mark_cur || !d->mark_next || !d->stack || !d->out) {
    zlre_dfa_free(d);
    return NULL;
  }
  for (int k = 0; k < 257; k++) d->start[k] = UNKNOWN;
  return d;
}

void zlre_dfa_free(zlre_dfa *d) {
  if (!d) return;
  release(d);
  free(d);
}

// ---------------------------------------------------------------- states

static uint64_t state_hash(int prev, int flags, const int32_t *t, int32_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)(prev << 8 | flags);
  for (int32_t k = 0; k < n; k++) h = (h ^ (uint32_t)t[k]) * 0x100000001B3ull;
  return h ^ h >> 29;
}

static int grow_states(zlre_dfa *d) {
  int32_t cap = d->cap ? d->cap * 2 : 16;
  // What the new capacity holds per state: its row, two hash slots, off and len, flags and prev.
  if (!charge(d, (int64_t)(cap - d->cap) * (d->stride + 5))) return 0;
  int32_t *trans = realloc(d->trans, sizeof(int32_t) * (size_t)cap * (size_t)d->stride);
  if (!trans) return 0;
  d->trans = trans;
  uint8_t *flags = realloc(d->flags, (size_t)cap);
  if (!flags) return 0;
  d->flags = flags;
  uint8_t *prev = realloc(d->prev, (size_t)cap);
  if (!prev) return 0;
  d->prev = prev;
  int32_t *off = realloc(d->off, sizeof(int32_t) * (size_t)cap);
  if (!off) return 0;
  d->off = off;
  int32_t *len = realloc(d->len, sizeof(int32_t) * (size_t)cap);
  if (!len) return 0;
  d->len = len;
  // The hash table at twice the states' capacity (load <= 1/2).
  int32_t slot_cap = cap * 2;
  int32_t *slots = malloc(sizeof(int32_t) * (size_t)slot_cap);
  if (!slots) return 0;
  for (int32_t k = 0; k < slot_cap; k++) slots[k] = -1;
  for (int32_t s = 0; s < d->states; s++) {
    uint64_t h = state_hash(d->prev[s], d->flags[s] & F_MATCH_NOW, d->pool + d->off[s], d->len[s]);
    int32_t k = (int32_t)(h & (uint64_t)(slot_cap - 1));
    while (slots[k] >= 0) k = (k + 1) & (slot_cap - 1);
    slots[k] = s;
  }
  free(d->slots);
  d->slots = slots;
  d->slot_cap = slot_cap;
  d->cap = cap;
  return 1;
}

/// The id of the state (prev, match now, threads), made if new; -1 when past the bound or out of memory.
static int32_t intern(zlre_dfa *d, int prev, int match_now, const int32_t *t, int32_t n) {
  const int fl = match_now ? F_MATCH_NOW : 0;
  if (n == 0 && !match_now && d->states > 0) return 0;  // dead, whatever the byte before
  if (d->states > 0) {
    uint64_t h = state_hash(prev, fl, t, n);
    int32_t k = (int32_t)(h & (uint64_t)(d->slot_cap - 1));
    for (int32_t s; (s = d->slots[k]) >= 0; k = (k + 1) & (d->slot_cap - 1)) {
      if (d->prev[s] == prev && (d->flags[s] & F_MATCH_NOW) == fl && d->len[s] == n &&
          (n == 0 || memcmp(d->pool + d->off[s], t, sizeof(int32_t) * (size_t)n) == 0))
        return s;
    }
  }
  if (d->states >= MAX_STATES || (d->states + 1) * d->stride > MAX_TRANSITIONS || d->pool_len + n > MAX_POOL) return -1;
  if (d->states == d->cap && !grow_states(d)) return -1;
  if (d->pool_len + n > d->pool_cap) {
    int32_t c = d->pool_cap ? d->pool_cap : 256;
    while (c < d->pool_len + n) c *= 2;
    if (!charge(d, c - d->pool_cap)) return -1;
    int32_t *p = realloc(d->pool, sizeof(int32_t) * (size_t)c);
    if (!p) return -1;
    d->pool = p;
    d->pool_cap = c;
  }
  const int32_t s = d->states++;
  if (n > 0) memcpy(d->pool + d->pool_len, t, sizeof(int32_t) * (size_t)n);
  d->off[s] = d->pool_len;
  d->len[s] = n;
  d->pool_len += n;
  d->flags[s] = (uint8_t)fl;
  d->prev[s] = (uint8_t)prev;
  int32_t *row = d->trans + (size_t)s * (size_t)d->stride;
  for (int32_t k = 0; k < d->columns; k++) row[k] = UNKNOWN;
  row[d->columns + LOOP_V] = UNKNOWN;
  row[d->columns + LOOP_LO] = row[d->columns + LOOP_HI] = 0;
  uint64_t h = state_hash(prev, fl, t, n);
  int32_t k = (int32_t)(h & (uint64_t)(d->slot_cap - 1));
  while (d->slots[k] >= 0) k = (k + 1) & (d->slot_cap - 1);
  d->slots[k] = s;
  return s;
}

// ---------------------------------------------------------------- closures

/// The threads from `pc` at a position whose next byte is not known yet, in priority order, into
/// out (each instruction once per position: `mark`/`gen`). pb: the byte before (-1: none).
/// Returns 1 when MATCH is reached (the threads after it are dropped).
static int close_ahead(zlre_dfa *d, int32_t pc, int pb, uint32_t *mark, uint32_t gen, int32_t *nout) {
  int32_t *st = d->stack;
  int32_t sp = 0;
  st[sp++] = pc;
  while (sp > 0) {
    const int32_t p = st[--sp];
    if (mark[p] == gen) continue;
    mark[p] = gen;
    const nfa_inst *in = &d->prog[p];
    switch (in->op) {
    case N_CHAR: case N_SET: case N_AHEAD: case N_END: case N_AEND: case N_BOUND:
      d->out[(*nout)++] = p;
      break;
    case N_SPLIT:
      st[sp++] = in->b;
      st[sp++] = in->a;
      break;
    case N_JUMP: st[sp++] = in->a; break;
    case N_START: if (pb < 0) st[sp++] = p + 1; break;
    case N_BEHIND: if (look_holds(d, in, pb)) st[sp++] = p + 1; break;
    case N_MATCH: return 1;
    default: break;
    }
  }
  return 0;
}

enum { GO_ON = 0, MATCH_HERE = 1, MATCH_NEXT = 2 };

/// Resolves thread `pc` at a position whose next byte is known: nb (-1: the end of the text;
/// last_nl: nb is a newline that ends the text). Consuming threads take nb and their closures at
/// the next position go to out. Returns MATCH_HERE (a match ends at this position), MATCH_NEXT
/// (one ends after nb), or GO_ON; either match drops every lower-priority thread.
static int resolve(zlre_dfa *d, int32_t pc, int pb, int nb, int last_nl, int32_t *nout) {
  // Its own stack above the one close_ahead uses (which starts from the bottom each call).
  int32_t *st = d->stack + 2 * d->count + 4;
  int32_t sp = 0;
  st[sp++] = pc;
  while (sp > 0) {
    const int32_t p = st[--sp];
    if (d->mark_cur[p] == d->gen_cur) continue;
    d->mark_cur[p] = d->gen_cur;
    const nfa_inst *in = &d->prog[p];
    int ok = 0;
    switch (in->op) {
    case N_CHAR:
    case N_SET:
      if (nb >= 0 && accepts(d, in, nb) && close_ahead(d, p + 1, nb, d->mark_next, d->gen_next, nout)) return MATCH_NEXT;
      continue;
    case N_SPLIT:
      st[sp++] = in->b;
      st[sp++] = in->a;
      continue;
    case N_JUMP: st[sp++] = in->a; continue;
    case N_START: ok = pb < 0; break;
    case N_BEHIND: ok = look_holds(d, in, pb); break;
    case N_AHEAD: ok = look_holds(d, in, nb); break;
    case N_END: ok = nb < 0 || (nb == '\n' && last_nl); break;
    case N_AEND: ok = nb < 0; break;
    case N_BOUND: ok = (word_byte(pb) != word_byte(nb)) == (in->a == 1); break;
    case N_MATCH: return MATCH_HERE;
    default: break;
    }
    if (ok) st[sp++] = p + 1;
  }
  return GO_ON;
}

/// The transition of state s on column k: (next state's row = id · stride) << 2 | next matches
/// at once << 1 | a match ends before the byte; -1 past the bound or out of memory.
static int32_t transition(zlre_dfa *d, int32_t s, int32_t k) {
  const int last_nl = k == d->classes;
  const int nb = last_nl ? '\n' : d->rep[k];
  const int pb = d->prev[s] == NONE_CLASS ? -1 : d->rep[d->prev[s]];
  d->gen_cur++;
  d->gen_next++;
  int32_t nout = 0;
  int match_here = 0, match_next = 0;
  for (int32_t i = 0; i < d->len[s]; i++) {
    int r = resolve(d, d->pool[d->off[s] + i], pb, nb, last_nl, &nout);
    if (r == MATCH_HERE) { match_here = 1; break; }
    if (r == MATCH_NEXT) { match_next = 1; break; }
  }
  int32_t next = intern(d, d->cls[nb], match_next, d->out, nout);
  if (next < 0) return -1;
  int32_t v = (next * d->stride) << 2 | match_next << 1 | match_here;
  int32_t *row = d->trans + (size_t)s * (size_t)d->stride;
  row[k] = v;
  // A real class (not $'s last-newline column, nor the newline itself when it may be that) that
  // leads back here with the same flags as the state's other self-loops joins them.
  const int nl = d->has_end && k == d->cls['\n'];
  if (next == s && k < d->classes && k < 64 && !nl && (row[d->columns + LOOP_V] == UNKNOWN || row[d->columns + LOOP_V] == v)) {
    row[d->columns + LOOP_V] = v;
    if (k < 32) row[d->columns + LOOP_LO] |= (int32_t)(1u << k);
    else row[d->columns + LOOP_HI] |= (int32_t)(1u << (k - 32));
  }
  return v;
}

/// Whether state s matches at the end of the text (its waiting threads resolved there).
static int matches_at_end(zlre_dfa *d, int32_t s) {
  if (d->flags[s] & F_EOT_KNOWN) return (d->flags[s] & F_EOT_MATCH) != 0;
  const int pb = d->prev[s] == NONE_CLASS ? -1 : d->rep[d->prev[s]];
  d->gen_cur++;
  d->gen_next++;
  int32_t nout = 0, m = 0;
  for (int32_t i = 0; i < d->len[s] && !m; i++) m = resolve(d, d->pool[d->off[s] + i], pb, -1, 0, &nout) == MATCH_HERE;
  d->flags[s] |= (uint8_t)(F_EOT_KNOWN | (m ? F_EOT_MATCH : 0));
  return m;
}

static int32_t start_state(zlre_dfa *d, int before) {
  const int idx = before < 0 ? d->classes : d->cls[before];
  if (d->start[idx] != UNKNOWN) return d->start[idx];
  const int pb = before < 0 ? -1 : d->rep[d->cls[before]];
  if (d->states == 0 && intern(d, NONE_CLASS, 0, NULL, 0) != 0) return -1;  // the dead state first
  d->gen_next++;
  int32_t nout = 0;
  int m = close_ahead(d, 0, pb, d->mark_next, d->gen_next, &nout);
  int32_t s = intern(d, before < 0 ? NONE_CLASS : d->cls[before], m, d->out, nout);
  if (s < 0) return -1;
  d->start[idx] = s;
  return s;
}

int64_t zlre_dfa_match(zlre_dfa *d, const uint8_t *t, int64_t n, int64_t start, int64_t *scanned) {
  if (d->disabled) return ZLRE_DFA_GIVE_UP;
  int32_t s = start_state(d, start > 0 ? t[start - 1] : -1);
  if (s < 0) {
    release(d);
    return ZLRE_DFA_GIVE_UP;
  }
  const int32_t cols = d->columns, stride = d->stride;
  // A newline that ends the text is its own column when the program has $.
  const int32_t nl_class = d->has_end ? d->cls['\n'] : -1;
  int64_t last = (d->flags[s] & F_MATCH_NOW) ? start : -1;
  int32_t row = s * stride;
  const int32_t *trans = d->trans;
  for (int64_t pos = start;; pos++) {
    if (pos == n) {
      if (matches_at_end(d, row / stride)) last = n;
      break;
    }
    int32_t k = d->cls[t[pos]];
    if (k == nl_class && pos == n - 1) k = d->classes;
    int32_t v = trans[row + k];
    if (v < 0) {
      v = transition(d, row / stride, k);
      if (v < 0) {
        release(d);
        return ZLRE_DFA_GIVE_UP;
      }
      trans = d->trans;
    }
    if (v == trans[row + cols + LOOP_V]) {
      // A self-loop: the bytes after it whose classes are known to loop give the same transition.
      const uint64_t mask = (uint64_t)(uint32_t)trans[row + cols + LOOP_LO] | (uint64_t)(uint32_t)trans[row + cols + LOOP_HI] << 32;
      for (; pos + 1 < n; pos++) {
        const uint32_t c2 = d->cls[t[pos + 1]];
        if (c2 >= 64 || !(mask >> c2 & 1)) break;
      }
    }
    if (v & 3) last = v & 2 ? pos + 1 : pos;
    row = v >> 2;
    if (row == 0) {  // dead
      *scanned += pos - start + 1;
      return last;
    }
  }
  *scanned += n - start + 1;
  return last;
}
