// The declarations of zl_scorer.h are implemented in Swift (Sources/ZLScoreLibrary, product
// libzlscore); this file only makes the header compile as part of the package.
#include "zl_scorer.h"
