// Declarations only (see zl_fuzz.h); a C target needs one source file.
#include "zl_fuzz.h"
