// CZlib: the system zlib (zlib1g-dev) as a Swift module. Swift cannot import zlib's
// function-like macros, so the three `*Init*` macros get static inline wrappers here.
// Every call into zlib from Swift goes through Sources/ZLFormat/Zlib.swift.
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>

// deflateInit2 is a macro that passes ZLIB_VERSION and sizeof(z_stream) for ABI checking.
static inline int czlib_deflateInit2(z_streamp strm, int level, int method, int windowBits,
                                     int memLevel, int strategy) {
  return deflateInit2(strm, level, method, windowBits, memLevel, strategy);
}

// inflateInit2 is a macro for the same reason; windowBits selects zlib (15) or gzip (15+16/32).
static inline int czlib_inflateInit2(z_streamp strm, int windowBits) {
  return inflateInit2(strm, windowBits);
}

#endif
