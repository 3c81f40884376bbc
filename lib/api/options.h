/* Compile options: a fixed table of integer parameters indexed by SIGMA_PARAM_*. */
#ifndef SG_API_OPTIONS_H
#define SG_API_OPTIONS_H

#include <stdint.h>
#include <stdlib.h>

#include "sigma/sigma.h"

#define SG_PARAM_SLOTS 16

struct sigma_compile_options {
    int64_t values[SG_PARAM_SLOTS];
};

void sg_options_defaults(sigma_compile_options *o);

#endif
