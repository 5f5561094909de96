// CZLRegex: the hot path of masking — an ordered chain of zl-re/1 substitutions (Python re.sub
// with a literal replacement, each rule seeing the previous one's output) over ASCII text, run by
// a lazily built DFA per rule (dfa.c) where the rule allows, else by a backtracking matcher, over
// the programs ZLRegex compiles. ZLRegex (Swift) stays the reference:
// it compiles the patterns, fills these tables, and handles what this code does not (non-ASCII
// text, and a rule whose search exceeds the step budget, which it redoes with its memoizing
// matcher). Tests check that both give the same bytes.
#ifndef ZL_REGEX_H
#define ZL_REGEX_H
#include <stddef.h>
#include <stdint.h>

/// Instruction opcodes (the order of ZLRegex's `Op`).
enum {
  ZLRE_CHAR = 0, ZLRE_SET, ZLRE_SPLIT, ZLRE_JUMP, ZLRE_START, ZLRE_END, ZLRE_ABSOLUTE_END,
  ZLRE_BOUNDARY, ZLRE_LOOK, ZLRE_SAVE, ZLRE_SPAN, ZLRE_MATCH
};

typedef struct {
  int32_t op;
  int32_t a;
  int32_t b;
} zlre_inst;

/// A program: instructions and, per instruction, split guards (4 words: branch a lo/hi, branch b
/// lo/hi ASCII bitmaps) and flags (bit 0: branch a guarded, bit 1: branch b guarded).
typedef struct {
  const zlre_inst *code;
  const uint64_t *guard_bits;
  const uint8_t *guard_flags;
  int64_t count;
} zlre_code;

typedef struct {
  zlre_code code;
  int64_t width;
  int32_t single_arg;
  uint8_t ahead, negated, single, single_is_char;
} zlre_look;

/// One substitution rule.
typedef struct {
  zlre_code code;
  /// Two words per character class: membership of ASCII 0–127.
  const uint64_t *set_bits;
  const zlre_look *looks;
  /// Literal characters every match starts with (compared from the second on).
  const uint32_t *prefix;
  int64_t prefix_count;
  /// Classes (two words each) of the first characters of every match.
  const uint64_t *class_prefix_bits;
  int64_t class_prefix_count;
  /// A literal every match contains.
  const uint8_t *required;
  int64_t required_count;
  /// Characters every match holds at or after its start: no match starts after the last
  /// occurrence of any of them.
  const uint8_t *after;
  int64_t after_count;
  const uint8_t *replacement;
  int64_t replacement_count;
  /// Matches can be empty: every position is a candidate.
  int32_t can_be_empty;
} zlre_rule;

/// The chain, with the start-filter tables of the pre-scan (bit k: rule k; at most 64 rules).
typedef struct {
  const zlre_rule *rules;
  int64_t count;
  const uint64_t *first_mask;     // [256]
  const uint64_t *previous_mask;  // [256]
  uint64_t zero_mask;
  /// The same tables over ASCII as bytes, for chains of at most 8 rules (NULL otherwise).
  const uint8_t *first_byte_mask;     // [128]
  const uint8_t *previous_byte_mask;  // [128]
  /// Tells chains apart (zlre_next_serial): a scratch keeps the DFAs it built for one chain.
  uint64_t serial;
} zlre_chain;

/// A number no earlier call returned (thread-safe), for `zlre_chain.serial`.
uint64_t zlre_next_serial(void);


/// Buffers reused across calls (one per thread).
typedef struct zlre_scratch zlre_scratch;

zlre_scratch *zlre_scratch_create(void);
void zlre_scratch_free(zlre_scratch *s);
/// Whether this scratch's calls match rules with lazily built DFAs where they can (1, the
/// default) or with the backtracking matcher only (0): the two give the same bytes (tests compare
/// them).
void zlre_scratch_set_dfa(zlre_scratch *s, int on);

/// Bytes this scratch's DFAs hold now (bounded: past 1 MiB, rules fall back to the backtracker).
int64_t zlre_scratch_dfa_bytes(const zlre_scratch *s);

/// The work one line's rules may do here, shared by them: backtracking steps plus the bytes the
/// DFAs read, at most ZLRE_BUDGET_BASE + ZLRE_BUDGET_PER_BYTE × the line's length (Formats/zlck-v1.md
/// Appendix B, "Work").
#define ZLRE_BUDGET_BASE 2000
#define ZLRE_BUDGET_PER_BYTE 64

/// Applies the rules in order to ASCII `text`. Returns the number of rules applied: `count` when
/// all were, less when rule k = the return value could not be finished here (the line's work budget
/// ran out, or memory could not be had) — the caller then applies rules k… itself to the text in
/// `*out`. `*out`/`*out_len` point into the scratch (valid until its next use). -1: out of memory
/// before any rule was applied (`*out` is the input).
int64_t zlre_chain_apply(const zlre_chain *chain, const uint8_t *text, int64_t n, zlre_scratch *s,
                         const uint8_t **out, int64_t *out_len);

#endif
