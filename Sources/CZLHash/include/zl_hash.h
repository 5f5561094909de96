// CZLHash: the SHA-256 compression function for ZLFormat, with an x86 SHA-NI path selected at run
// time and a portable scalar path. Only the block function lives here; padding and the streaming
// interface are in Swift (ZLFormat/SHA256.swift).
#ifndef ZL_HASH_H
#define ZL_HASH_H
#include <stddef.h>
#include <stdint.h>

/// Processes `blocks` 64-byte blocks of `data` into `state` (8 words, FIPS 180-4 order a..h).
/// Uses SHA-NI when the CPU has it, else the portable code.
void zlh_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/// The portable scalar implementation (for tests and for CPUs without SHA extensions).
void zlh_sha256_blocks_portable(uint32_t state[8], const uint8_t *data, size_t blocks);

/// 1 when the SHA-NI path is in use.
int zlh_sha256_uses_sha_ni(void);

#endif
