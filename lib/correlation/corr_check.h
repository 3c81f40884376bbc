/* Build-time checks of correlation chains, called by sigma_builder_build. */
#ifndef SG_CORRELATION_CORR_CHECK_H
#define SG_CORRELATION_CORR_CHECK_H

#include <stdint.h>

#include "sigma/sigma.h"

/* Marks dropped[rule_index] for correlations on a reference cycle, for chained
 * correlations grouping by a field their inner correlations do not group by, and for
 * correlations that reference a dropped rule (transitively), with an error
 * diagnostic each (SIGMA_DIAG_BAD_CORRELATION); warns (SIGMA_DIAG_ORDER_NOT_ENFORCED)
 * about kept temporal_ordered correlations whose boolean condition is not a
 * conjunction. 0, or -1 when out of memory. */
int sg_corr_check_chains(sigma_builder *b, uint8_t *dropped);

#endif
