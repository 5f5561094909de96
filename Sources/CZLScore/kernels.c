#include "zl_score.h"
