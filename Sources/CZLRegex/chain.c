// The substitution chain over ASCII text: a pre-scan that marks, per rule, the positions where a
// match can start (first-character and previous-character tables), then per rule Python re.sub
// over those positions with the rule's DFA (dfa.c: the same match ends, one lookup per byte) or,
// where it has none, a backtracking matcher. The backtracker is a transcription of ZLRegex's
// `Engine.run`/`look` for bytes without capture tracking, and re.sub follows `Regex.replaceAll`
// (empty-match rules included); the Swift code is the reference and the tests compare all three
// on random text. Nothing here allocates per line once the scratch buffers (and DFAs) have grown.
#define _GNU_SOURCE  // memrchr (glibc)
#include "zl_regex.h"
#include "dfa.h"

#include <stdlib.h>
#include <string.h>

struct zlre_scratch {
  uint8_t *a, *b;
  int64_t cap_a, cap_b;
  uint64_t *bits;
  int64_t bits_cap;
  int64_t *stack;
  int64_t stack_cap;
  // DFAs of the chain with serial dfa_serial, per rule (NULL: not made yet or not possible;
  // dfa_tried[k] says which).
  uint64_t dfa_serial;
  int64_t dfa_count;
  zlre_dfa **dfa;
  uint8_t *dfa_tried;
  int dfa_off;
  /// Words (4 bytes) the DFAs of this scratch may still take: a hostile chain of many rules that
  /// blow up gets the backtracker, not unbounded memory.
  int64_t dfa_budget;
};

static uint64_t serial_counter = 0;
uint64_t zlre_next_serial(void) { return __atomic_add_fetch(&serial_counter, 1, __ATOMIC_RELAXED); }

void zlre_scratch_set_dfa(zlre_scratch *s, int on) { s->dfa_off = !on; }

int64_t zlre_scratch_dfa_bytes(const zlre_scratch *s) { return 4 * (ZLRE_DFA_BUDGET_WORDS - s->dfa_budget); }

static void drop_dfas(zlre_scratch *s) {
  for (int64_t k = 0; k < s->dfa_count; k++) zlre_dfa_free(s->dfa[k]);
  free(s->dfa);
  free(s->dfa_tried);
  s->dfa = NULL;
  s->dfa_tried = NULL;
  s->dfa_count = 0;
  s->dfa_serial = 0;
}

/// Rule k's DFA for this scratch, made on first use; NULL when the rule has none (or DFAs are off).
static zlre_dfa *dfa_for(const zlre_chain *c, zlre_scratch *s, int64_t k) {
  if (s->dfa_off || c->serial == 0) return NULL;
  if (s->dfa_serial != c->serial || s->dfa_count != c->count) {
    drop_dfas(s);
    s->dfa = calloc((size_t)c->count, sizeof(zlre_dfa *));
    s->dfa_tried = calloc((size_t)c->count, 1);
    if (!s->dfa || !s->dfa_tried) {
      drop_dfas(s);
      return NULL;
    }
    s->dfa_count = c->count;
    s->dfa_serial = c->serial;
  }
  if (!s->dfa_tried[k]) {
    s->dfa_tried[k] = 1;
    s->dfa[k] = zlre_dfa_create(&c->rules[k], &s->dfa_budget);
  }
  return s->dfa[k];
}

zlre_scratch *zlre_scratch_create(void) {
  zlre_scratch *s = calloc(1, sizeof *s);
  if (s) s->dfa_budget = ZLRE_DFA_BUDGET_WORDS;
  return s;
}

void zlre_scratch_free(zlre_scratch *s) {
  if (!s) return;
  free(s->a);
  free(s->b);
  free(s->bits);
  free(s->stack);
  drop_dfas(s);
  free(s);
}

/// Grows `*p` (elements of `size` bytes) to hold at least `need`; 0 when memory ran out.
static int reserve(void **p, int64_t *cap, int64_t need, size_t size) {
  if (need <= *cap) return 1;
  int64_t c = *cap < 64 ? 64 : *cap;
  while (c < need) c *= 2;
  void *q = realloc(*p, (size_t)c * size);
  if (!q) return 0;
  *p = q;
  *cap = c;
  return 1;
}

enum { NO_MATCH = -1, OVER_BUDGET = -2, NO_MEMORY = -3 };

typedef struct {
  const uint8_t *t;
  int64_t n;
  const zlre_rule *r;
  zlre_scratch *s;
  int64_t top;
  int64_t steps;
  int64_t budget;
  zlre_dfa *dfa;
} engine;

static inline int in_set(const uint64_t *sets, int32_t set, uint32_t c) {
  return c < 128 && ((sets[2 * (int64_t)set + (c >> 6)] >> (c & 63)) & 1);
}

static inline int is_word(const engine *e, int64_t pos) {
  if (pos < 0 || pos >= e->n) return 0;
  uint8_t c = e->t[pos];
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static inline int push(engine *e, int64_t a, int64_t b, int64_t c) {
  if (e->top + 3 > e->s->stack_cap &&
      !reserve((void **)&e->s->stack, &e->s->stack_cap, e->top + 3, sizeof(int64_t)))
    return 0;
  int64_t *st = e->s->stack + e->top;
  st[0] = a;
  st[1] = b;
  st[2] = c;
  e->top += 3;
  return 1;
}

static int64_t run(engine *e, const zlre_code *code, int64_t start, int64_t required_end, int64_t not_empty_at);

/// Look-around `index` at `pos`: 1 or 0, or a negative status.
static int64_t look(engine *e, int32_t index, int64_t pos) {
  const zlre_look *lk = &e->r->looks[index];
  int64_t from = lk->ahead ? pos : pos - lk->width;
  int matched = 0;
  if (from >= 0) {
    if (lk->single) {
      if (from < e->n) {
        uint32_t c = e->t[from];
        matched = lk->single_is_char ? c == (uint32_t)lk->single_arg : in_set(e->r->set_bits, lk->single_arg, c);
      }
    } else {
      int64_t end = run(e, &lk->code, from, lk->ahead ? -1 : pos, -1);
      if (end < NO_MATCH) return end;
      matched = end >= 0;
    }
  }
  return matched != lk->negated;
}

/// The end of the first match from `start` in priority order, NO_MATCH, or a negative status.
/// Stack entries are (pc, pos, aux): aux 0 a choice point, aux 2 | lower << 2 a span that can
/// give back characters down to `lower`, continuing at pc.
static int64_t run(engine *e, const zlre_code *code, int64_t start, int64_t required_end, int64_t not_empty_at) {
  const uint8_t *t = e->t;
  const int64_t n = e->n;
  const zlre_inst *prog = code->code;
  const uint64_t *sets = e->r->set_bits;
  const int64_t base = e->top;
  if (!push(e, 0, start, 0)) return NO_MEMORY;
  while (e->top > base) {
    e->top -= 3;
    const int64_t *st = e->s->stack + e->top;
    int64_t pc = st[0], pos = st[1];
    const int64_t aux = st[2];
    if (aux != 0) {
      int64_t lower = aux >> 2;
      if (pos > lower && !push(e, pc, pos - 1, aux)) {
        e->top = base;
        return NO_MEMORY;
      }
    }
    for (;;) {
      if (++e->steps > e->budget) {
        e->top = base;
        return OVER_BUDGET;
      }
      const zlre_inst inst = prog[pc];
      switch (inst.op) {
        case ZLRE_CHAR:
          if (pos < n && (uint32_t)t[pos] == (uint32_t)inst.a) {
            pos++;
            pc++;
            continue;
          }
          goto fail;
        case ZLRE_SET:
          if (pos < n && in_set(sets, inst.a, t[pos])) {
            pos++;
            pc++;
            continue;
          }
          goto fail;
        case ZLRE_SPLIT: {
          const uint8_t g = code->guard_flags[pc];
          if (g == 0) {
            if (!push(e, inst.b, pos, 0)) goto oom;
            pc = inst.a;
            continue;
          }
          int ok_a = 1, ok_b = 1;
          if (pos >= n) {
            ok_a = (g & 1) == 0;
            ok_b = (g & 2) == 0;
          } else {
            uint32_t c = t[pos];
            if (c < 128) {
              int64_t word = c >> 6;
              uint64_t bit = (uint64_t)1 << (c & 63);
              if (g & 1) ok_a = (code->guard_bits[pc * 4 + word] & bit) != 0;
              if (g & 2) ok_b = (code->guard_bits[pc * 4 + 2 + word] & bit) != 0;
            }
          }
          if (ok_b) {
            if (ok_a) {
              if (!push(e, inst.b, pos, 0)) goto oom;
              pc = inst.a;
            } else {
              pc = inst.b;
            }
            continue;
          }
          if (ok_a) {
            pc = inst.a;
            continue;
          }
          goto fail;
        }
        case ZLRE_SPAN: {
          const int64_t max_count = inst.b >> 16;
          const int64_t limit = max_count == 0x7FFF ? n : (pos + max_count < n ? pos + max_count : n);
          int64_t end = pos;
          while (end < limit && in_set(sets, inst.a, t[end])) end++;
          e->steps += end - pos;
          const int64_t lower = pos + (inst.b & 0x7FFF);
          if (end < lower) goto fail;
          // Bit 15: giving characters back cannot help (ZLRegex's markPossessiveSpans).
          if (end > lower && !(inst.b & 0x8000) && !push(e, pc + 1, end - 1, lower << 2 | 2)) goto oom;
          pos = end;
          pc++;
          continue;
        }
        case ZLRE_JUMP:
          pc = inst.a;
          continue;
        case ZLRE_START:
          if (pos != 0) goto fail;
          pc++;
          continue;
        case ZLRE_END:
          if (!(pos == n || (pos == n - 1 && t[n - 1] == 10))) goto fail;
          pc++;
          continue;
        case ZLRE_ABSOLUTE_END:
          if (pos != n) goto fail;
          pc++;
          continue;
        case ZLRE_BOUNDARY:
          if ((is_word(e, pos - 1) != is_word(e, pos)) != (inst.a == 1)) goto fail;
          pc++;
          continue;
        case ZLRE_LOOK: {
          int64_t ok = look(e, inst.a, pos);
          if (ok < 0) {
            e->top = base;
            return ok;
          }
          if (!ok) goto fail;
          pc++;
          continue;
        }
        case ZLRE_SAVE:
          pc++;
          continue;
        case ZLRE_MATCH:
          if (required_end >= 0 && pos != required_end) goto fail;
          if (pos == not_empty_at) goto fail;
          e->top = base;
          return pos;
        default:
          goto fail;
      }
    fail:
      break;
    }
  }
  e->top = base;
  return NO_MATCH;
oom:
  e->top = base;
  return NO_MEMORY;
}

enum { UNKNOWN_START = -2 };

/// The last position a match of `r` can start at: no match starts after the last occurrence of a
/// character every match holds from its start on (r->after); -1 when one is missing.
static int64_t last_possible_start(const zlre_rule *r, const uint8_t *t, int64_t n) {
  int64_t last = n;
  for (int64_t k = 0; k < r->after_count; k++) {
#if defined(__GLIBC__)
    const uint8_t *q = n > 0 ? memrchr(t, r->after[k], (size_t)n) : NULL;
    int64_t p = q ? q - t : -1;
#else
    int64_t p = n - 1;
    while (p >= 0 && t[p] != r->after[k]) p--;
#endif
    if (p < last) last = p;
    if (last < 0) break;
  }
  return last;
}

/// The first match starting at a candidate position ≥ `position` (bit p of word bits[(p / 64) *
/// step]): its end, with its start in `*match_start`; NO_MATCH; or a negative status. Candidates
/// after `*last_start` are not tried; it is UNKNOWN_START until a failed attempt makes computing
/// it worthwhile.
static int64_t search_bits(engine *e, const uint64_t *bits, int64_t step, int64_t position, int must_advance, int64_t *last_start,
                           int64_t *match_start) {
  const zlre_rule *r = e->r;
  const uint8_t *t = e->t;
  const int64_t n = e->n;
  const int64_t words = (n + 64) / 64;
  int64_t w = position >> 6;
  uint64_t word = w < words ? bits[w * step] & (~(uint64_t)0 << (position & 63)) : 0;
  for (;;) {
    while (word == 0) {
      if (++w >= words) return NO_MATCH;
      word = bits[w * step];
    }
    const int64_t start = w << 6 | __builtin_ctzll(word);
    word &= word - 1;
    if (start > n || (*last_start != UNKNOWN_START && start > *last_start)) return NO_MATCH;
    if (!r->can_be_empty) {
      if (r->prefix_count > 1) {
        if (start + r->prefix_count > n) continue;
        int ok = 1;
        for (int64_t k = 1; k < r->prefix_count; k++) {
          if ((uint32_t)t[start + k] != r->prefix[k]) {
            ok = 0;
            break;
          }
        }
        if (!ok) continue;
      }
      if (r->class_prefix_count > 0) {
        if (start + r->class_prefix_count > n) continue;
        int ok = 1;
        for (int64_t k = 0; k < r->class_prefix_count; k++) {
          uint32_t c = t[start + k];
          if (c >= 128) break;
          if (((r->class_prefix_bits[2 * k + (c >> 6)] >> (c & 63)) & 1) == 0) {
            ok = 0;
            break;
          }
        }
        if (!ok) continue;
      }
    }
    // The DFA when the rule has one (never for rules that can match empty text, so the
    // must-advance condition does not arise there); the backtracker otherwise.
    int64_t end = e->dfa ? zlre_dfa_match(e->dfa, t, n, start, &e->steps) : ZLRE_DFA_GIVE_UP;
    if (e->steps > e->budget) return OVER_BUDGET;
    if (end == ZLRE_DFA_GIVE_UP) end = run(e, &r->code, start, -1, must_advance && start == position ? start : -1);
    if (end >= 0) {
      *match_start = start;
      return end;
    }
    if (end < NO_MATCH) return end;
    if (*last_start == UNKNOWN_START) *last_start = last_possible_start(r, t, n);
  }
}

static int contains(const uint8_t *t, int64_t n, const uint8_t *needle, int64_t m) {
  if (m > n) return 0;
  const uint8_t *p = t, *end = t + n - m + 1;  // last possible start + 1
  while (p < end) {
    p = memchr(p, needle[0], (size_t)(end - p));
    if (!p) return 0;
    if (memcmp(p + 1, needle + 1, (size_t)(m - 1)) == 0) return 1;
    p++;
  }
  return 0;
}

/// Appends `len` bytes to s->b at `*blen`; 0 when memory ran out.
static inline int append(zlre_scratch *s, int64_t *blen, const uint8_t *p, int64_t len) {
  if (len <= 0) return 1;
  if (*blen + len > s->cap_b && !reserve((void **)&s->b, &s->cap_b, *blen + len, 1)) return 0;
  memcpy(s->b + *blen, p, (size_t)len);
  *blen += len;
  return 1;
}

/// re.sub of rule `r` over s->a[0..<n] into s->b: 1 changed (length in *blen, first match start
/// in *first), 0 no match, or a negative status. The work (backtracking steps, bytes the DFA read)
/// is taken from `*budget`, which one line's rules share: OVER_BUDGET when it runs out.
static int64_t replace_all(const zlre_rule *r, zlre_dfa *dfa, zlre_scratch *s, int64_t n, const uint64_t *bits, int64_t step,
                           int64_t *blen, int64_t *first, int64_t *budget) {
  const uint8_t *t = s->a;
  // A required literal that is the start of every match (blk_ of blk_[0-9]+) is checked at each
  // candidate by the prefix test anyway: searching the text for it first would only repeat that.
  int required_leads = r->required_count > 0 && r->prefix_count >= r->required_count;
  for (int64_t k = 0; required_leads && k < r->required_count; k++) required_leads = r->prefix[k] == (uint32_t)r->required[k];
  if (r->required_count > 0 && !required_leads && !contains(t, n, r->required, r->required_count)) return 0;
  engine e = {.t = t, .n = n, .r = r, .s = s, .top = 0, .steps = 0, .budget = *budget, .dfa = dfa};
  int64_t pos = 0, last = 0;
  int must_advance = 0, any = 0;
  int64_t last_start = r->after_count > 0 ? UNKNOWN_START : n;
  *blen = 0;
  while (pos <= n) {
    int64_t start = 0;
    int64_t end = search_bits(&e, bits, step, pos, must_advance, &last_start, &start);
    if (end == NO_MATCH) break;
    if (end < 0) {
      *budget -= e.steps;
      return end;
    }
    if (!any) *first = start;
    any = 1;
    if (!append(s, blen, t + last, start - last) || !append(s, blen, r->replacement, r->replacement_count)) return NO_MEMORY;
    last = end;
    must_advance = end == start;
    pos = end;
  }
  *budget -= e.steps;
  if (!any) return 0;
  if (!append(s, blen, t + last, n - last)) return NO_MEMORY;
  return 1;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

static int vbmi_state = -1;
static int has_vbmi(void) {
  if (vbmi_state < 0) {
    __builtin_cpu_init();
    vbmi_state = __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512bw");
  }
  return vbmi_state;
}

/// The pre-scan's per-byte loop for chains of at most 8 rules, 64 positions at a time: the
/// first- and previous-character tables (ASCII, one byte per character: bit k for rule k) looked
/// up with byte permutes, their AND, then one test per rule gives that rule's 64 candidate bits —
/// already the layout of `bits`. Blocks holding a non-ASCII byte (possible only after a
/// non-ASCII replacement) take the scalar loop. Bits before `from` in its word are kept; positions
/// at or after n get none. Returns the rules with a candidate.
__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static uint64_t scan_vbmi(const zlre_chain *c, const uint8_t *t, int64_t n, int64_t from, uint64_t scan, uint64_t *bits) {
  const int64_t count = c->count;
  const __m512i scan8 = _mm512_set1_epi8((char)(uint8_t)scan);
  const __m512i f_lo = _mm512_and_si512(_mm512_loadu_si512(c->first_byte_mask), scan8);
  const __m512i f_hi = _mm512_and_si512(_mm512_loadu_si512(c->first_byte_mask + 64), scan8);
  const __m512i p_lo = _mm512_loadu_si512(c->previous_byte_mask), p_hi = _mm512_loadu_si512(c->previous_byte_mask + 64);
  uint64_t any = 0;
  for (int64_t w = from >> 6; w * 64 < n; w++) {
    const int64_t b0 = w * 64;
    const int64_t avail = n - b0 < 64 ? n - b0 : 64;
    const __mmask64 valid = avail == 64 ? ~(__mmask64)0 : (((__mmask64)1 << avail) - 1);
    const __m512i cur = _mm512_maskz_loadu_epi8(valid, t + b0);
    // The previous character of each position: bytes b0-1 .. b0+62 (none before position 0).
    __m512i before;
    if (b0 == 0)
      before = _mm512_maskz_loadu_epi8(valid & ~(__mmask64)1, t - 1);
    else
      before = _mm512_maskz_loadu_epi8(valid, t + b0 - 1);
    uint64_t word_cand[8];
    if (_mm512_movepi8_mask(cur) | _mm512_movepi8_mask(before)) {
      // Non-ASCII in this block: per byte with the full tables.
      for (int k = 0; k < 8; k++) word_cand[k] = 0;
      for (int64_t i = 0; i < avail; i++) {
        const int64_t p = b0 + i;
        uint64_t m = c->first_mask[t[p]] & scan & (p == 0 ? c->zero_mask : c->previous_mask[t[p - 1]]);
        for (; m; m &= m - 1) word_cand[__builtin_ctzll(m)] |= (uint64_t)1 << i;
      }
    } else {
      __m512i m = _mm512_and_si512(_mm512_permutex2var_epi8(f_lo, cur, f_hi), _mm512_permutex2var_epi8(p_lo, before, p_hi));
      if (b0 == 0) {
        // Position 0 has no previous character: the rules allowed at the start.
        const uint8_t z = (uint8_t)(c->first_mask[t[0]] & scan & c->zero_mask);
        m = _mm512_mask_set1_epi8(m, (__mmask64)1, (char)z);
      }
      for (int k = 0; k < 8; k++) word_cand[k] = _mm512_mask_test_epi8_mask(valid, m, _mm512_set1_epi8((char)(1 << k)));
    }
    const uint64_t keep = w == (from >> 6) && (from & 63) ? (((uint64_t)1 << (from & 63)) - 1) : 0;
    for (int64_t k = 0; k < count; k++) {
      const uint64_t v = word_cand[k] & ~keep;
      bits[w * count + k] = (bits[w * count + k] & keep) | v;
      if (v) any |= (uint64_t)1 << k;
    }
  }
  return any;
}
#endif

/// Marks the candidate starts of every rule over s->a[0..<n] from position `from` on (bits of
/// earlier positions are kept: they depend only on the unchanged text before `from`). Word w of
/// rule k is bits[w * count + k], so clearing from a position on is one contiguous run. Only the
/// rules in `wanted` (those still to run) get bits; the others' words are left cleared. Returns
/// the rules with a candidate at or after `from`; 0 with *ok = 0 when memory ran out.
static uint64_t rescan(const zlre_chain *c, zlre_scratch *s, int64_t n, int64_t from, uint64_t wanted, uint64_t always, int *ok) {
  const int64_t count = c->count;
  const int64_t words = (n + 64) / 64;
  if (!reserve((void **)&s->bits, &s->bits_cap, count * words, sizeof(uint64_t))) {
    *ok = 0;
    return 0;
  }
  uint64_t *bits = s->bits;
  const int64_t w0 = from >> 6;
  const uint64_t keep = from & 63 ? ((uint64_t)1 << (from & 63)) - 1 : 0;
  for (int64_t k = 0; k < count; k++) bits[w0 * count + k] &= keep;
  memset(bits + (w0 + 1) * count, 0, (size_t)((words - w0 - 1) * count) * sizeof(uint64_t));
  const uint8_t *t = s->a;
  const uint64_t scan = wanted & ~always;
  uint64_t any = 0;
  int64_t scalar_from = from;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
  if (c->first_byte_mask && c->previous_byte_mask && count <= 8 && n - from >= 16 && has_vbmi()) {
    any = scan_vbmi(c, t, n, from, scan, bits);
    scalar_from = n;  // done
  }
#endif
  uint64_t prev = scalar_from == 0 ? c->zero_mask : scalar_from < n ? c->previous_mask[t[scalar_from - 1]] : 0;
  for (int64_t p = scalar_from; p < n; p++) {
    const uint8_t ch = t[p];
    uint64_t m = c->first_mask[ch] & prev & scan;
    prev = c->previous_mask[ch];
    if (m) {
      any |= m;
      uint64_t *wp = bits + (p >> 6) * count;
      const uint64_t bp = (uint64_t)1 << (p & 63);
      while (m) {
        wp[__builtin_ctzll(m)] |= bp;
        m &= m - 1;
      }
    }
  }
  // Rules that can match empty text: every position from...n.
  for (uint64_t m = always & wanted; m; m &= m - 1) {
    const int64_t k = __builtin_ctzll(m);
    for (int64_t p = from; p <= n; p++) bits[(p >> 6) * count + k] |= (uint64_t)1 << (p & 63);
  }
  *ok = 1;
  return any | (always & wanted);
}

int64_t zlre_chain_apply(const zlre_chain *c, const uint8_t *text, int64_t n, zlre_scratch *s,
                         const uint8_t **out, int64_t *out_len) {
  *out = text;
  *out_len = n;
  if (c->count > 64) return 0;
  if (!reserve((void **)&s->a, &s->cap_a, n > 0 ? n : 1, 1)) return -1;
  if (n > 0) memcpy(s->a, text, (size_t)n);
  uint64_t always = 0;
  for (int64_t k = 0; k < c->count; k++) {
    if (c->rules[k].can_be_empty) always |= (uint64_t)1 << k;
  }
  int64_t len = n;
  int ok = 1;
  // The line's work budget, shared by its rules: what is left unfinished goes to the caller.
  int64_t budget = ZLRE_BUDGET_BASE + ZLRE_BUDGET_PER_BYTE * n;
  const uint64_t all = c->count == 64 ? ~(uint64_t)0 : ((uint64_t)1 << c->count) - 1;
  uint64_t live = rescan(c, s, len, 0, all, always, &ok);
  if (!ok) return -1;
  *out = s->a;
  for (int64_t k = 0; k < c->count; k++) {
    if (!(live >> k & 1)) continue;
    int64_t blen = 0, first = 0;
    int64_t r = replace_all(&c->rules[k], dfa_for(c, s, k), s, len, s->bits + k, c->count, &blen, &first, &budget);
    if (r < 0) {
      *out = s->a;
      *out_len = len;
      return k;
    }
    if (r == 1) {
      uint8_t *tmp = s->a;
      s->a = s->b;
      s->b = tmp;
      int64_t tc = s->cap_a;
      s->cap_a = s->cap_b;
      s->cap_b = tc;
      len = blen;
      if (k + 1 == c->count) break;  // no later rule reads the bits
      // Positions before the first match are unchanged, and so are their candidate bits.
      // Only the rules after k read the bits from here on.
      const uint64_t later = all & ~(((uint64_t)2 << k) - 1);
      live |= rescan(c, s, len, first, later, always, &ok);
      if (!ok) {
        *out = s->a;
        *out_len = len;
        return k + 1;
      }
    }
  }
  *out = s->a;
  *out_len = len;
  return c->count;
}
