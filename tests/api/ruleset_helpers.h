/* Helpers shared by the API tests that build small rulesets from YAML strings and
 * compare hit sets with and without the index. Only <sigma/sigma.h> and test.h. */
#ifndef SG_TEST_RULESET_HELPERS_H
#define SG_TEST_RULESET_HELPERS_H

#include <sigma/sigma.h>
#include <stddef.h>
#include <stdint.h>

#include "test.h"

/* A ruleset of the n rule documents yaml[0, n), each added under `source`; NULL
 * (and failed checks) when a rule or the build is refused. */
static inline sigma_ruleset *test_compile_rules(const char *const *yaml, size_t n,
                                                const char *source)
{
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK_EQ_INT(sigma_builder_new(NULL, &b), SIGMA_OK);
    for (size_t i = 0; b && i < n; i++)
        CHECK_EQ_INT(sigma_builder_add_yaml(b, source, SIGMA_NUL_TERMINATED, yaml[i],
                                            SIGMA_NUL_TERMINATED, NULL),
                     SIGMA_OK);
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    sigma_builder_free(b);
    return rs;
}

/* The rules (0..31) ev hits in rs, as a bit mask; the index must agree with
 * evaluating every rule (SIGMA_MATCH_NO_INDEX). */
static inline unsigned test_hit_mask(const sigma_ruleset *rs, sigma_scratch *s,
                                     const sigma_event *ev)
{
    unsigned mask[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        CHECK_EQ_INT(sigma_match(rs, s, ev, k ? SIGMA_MATCH_NO_INDEX : 0, NULL, NULL), SIGMA_OK);
        for (uint32_t i = 0; i < sigma_scratch_hit_count(s); i++)
            mask[k] |= 1u << sigma_scratch_hit_rule(s, i);
    }
    CHECK_MSG(mask[0] == mask[1], "index %#x, no index %#x", mask[0], mask[1]);
    return mask[0];
}

#endif
