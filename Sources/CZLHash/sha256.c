// SHA-256 block function (FIPS 180-4 §6.2.2). Two implementations that must agree: a portable one
// and one with the x86 SHA extensions (sha256rnds2 / sha256msg1 / sha256msg2), chosen once at run
// time with cpuid so the same binary runs on any x86-64 (and on other CPUs the portable one only).
#include "zl_hash.h"
#include <string.h>

static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void zlh_sha256_blocks_portable(uint32_t state[8], const uint8_t *data, size_t blocks) {
  uint32_t w[64];
  for (size_t blk = 0; blk < blocks; blk++, data += 64) {
    for (int i = 0; i < 16; i++) {
      w[i] = (uint32_t)data[4 * i] << 24 | (uint32_t)data[4 * i + 1] << 16 | (uint32_t)data[4 * i + 2] << 8 | data[4 * i + 3];
    }
    for (int i = 16; i < 64; i++) {
      uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; i++) {
      uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
      uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
  }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>
#include <immintrin.h>

// The state is kept as two vectors, ABEF and CDGH, the layout sha256rnds2 works on. Each group of
// four rounds adds the round constants to four schedule words; the schedule for rounds 16..63 is
// built with sha256msg1 (the σ0 part), an align to fetch W[t-7..t-4], and sha256msg2 (the σ1 part).
__attribute__((target("sha,sse4.1,ssse3")))
static void sha256_blocks_ni(uint32_t state[8], const uint8_t *data, size_t blocks) {
  const __m128i shuf = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);
  __m128i st1 = _mm_loadu_si128((const __m128i *)&state[4]);
  tmp = _mm_shuffle_epi32(tmp, 0xB1);            // CDAB
  st1 = _mm_shuffle_epi32(st1, 0x1B);            // EFGH
  __m128i st0 = _mm_alignr_epi8(tmp, st1, 8);    // ABEF
  st1 = _mm_blend_epi16(st1, tmp, 0xF0);         // CDGH
  for (size_t blk = 0; blk < blocks; blk++, data += 64) {
    const __m128i save0 = st0, save1 = st1;
    __m128i m[4];
    for (int k = 0; k < 16; k++) {
      __m128i g;
      if (k < 4) {
        g = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * k)), shuf);
      } else {
        // G_k = msg2(msg1(G_{k-4}, G_{k-3}) + W[4k-7 .. 4k-4], G_{k-1})
        __m128i t = _mm_sha256msg1_epu32(m[k & 3], m[(k + 1) & 3]);
        t = _mm_add_epi32(t, _mm_alignr_epi8(m[(k + 3) & 3], m[(k + 2) & 3], 4));
        g = _mm_sha256msg2_epu32(t, m[(k + 3) & 3]);
      }
      m[k & 3] = g;
      __m128i msg = _mm_add_epi32(g, _mm_loadu_si128((const __m128i *)&K[4 * k]));
      st1 = _mm_sha256rnds2_epu32(st1, st0, msg);
      msg = _mm_shuffle_epi32(msg, 0x0E);
      st0 = _mm_sha256rnds2_epu32(st0, st1, msg);
    }
    st0 = _mm_add_epi32(st0, save0);
    st1 = _mm_add_epi32(st1, save1);
  }
  tmp = _mm_shuffle_epi32(st0, 0x1B);            // FEBA
  st1 = _mm_shuffle_epi32(st1, 0xB1);            // DCHG
  st0 = _mm_blend_epi16(tmp, st1, 0xF0);         // DCBA
  st1 = _mm_alignr_epi8(st1, tmp, 8);            // HGFE
  _mm_storeu_si128((__m128i *)&state[0], st0);
  _mm_storeu_si128((__m128i *)&state[4], st1);
}

static int has_sha_ni(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  int sha = (b >> 29) & 1;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  int sse41 = (c >> 19) & 1, ssse3 = (c >> 9) & 1;
  return sha && sse41 && ssse3;
}
#else
static int has_sha_ni(void) { return 0; }
static void sha256_blocks_ni(uint32_t state[8], const uint8_t *data, size_t blocks) {
  zlh_sha256_blocks_portable(state, data, blocks);
}
#endif

static int sha_ni_state = -1;  // -1 unknown, 0 no, 1 yes (a benign race: every thread computes the same)

int zlh_sha256_uses_sha_ni(void) {
  if (sha_ni_state < 0) sha_ni_state = has_sha_ni();
  return sha_ni_state;
}

void zlh_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
  if (zlh_sha256_uses_sha_ni()) sha256_blocks_ni(state, data, blocks);
  else zlh_sha256_blocks_portable(state, data, blocks);
}
