// libFuzzer's driver entry (compiler-rt), for zl-fuzz's main in -sanitize=fuzzer builds: SwiftPM
// names an executable's entry point itself, so zl-fuzz calls the driver rather than linking
// libFuzzer's own main. Only declared here; normal builds never reference it.
#ifndef ZL_FUZZ_H
#define ZL_FUZZ_H
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
#endif
