/* Corpus counts are computed on the first indicator request: several threads asking at
 * once on a fresh ruleset all get the counts a single thread gets (the table is
 * published once; run under ASan/TSan this also shows no race or leak). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sigma/sigma.h>

#include "test.h"

enum { THREADS = 4 };

static const char *rules =
    "title: A\nid: 6c000000-0000-4000-8000-00000000000a\nlogsource:\n  product: windows\n"
    "detection:\n  sel:\n    Image|endswith: '\\w3wp.exe'\n    User: bob\n  condition: sel\n"
    "---\n"
    "title: B\nid: 6c000000-0000-4000-8000-00000000000b\nlogsource:\n  product: windows\n"
    "detection:\n  sel:\n    Image|endswith: '\\W3WP.EXE'\n  condition: sel\n"
    "---\n"
    "title: C\nid: 6c000000-0000-4000-8000-00000000000c\nlogsource:\n  product: windows\n"
    "detection:\n  sel:\n    Image|endswith:\n      - '\\w3wp.exe'\n      - '\\x.exe'\n"
    "    User: bob\n  condition: sel\n";

static sigma_ruleset *build(void)
{
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK(sigma_builder_new(NULL, &b) == SIGMA_OK);
    CHECK(sigma_builder_add_yaml(b, "r", SIGMA_NUL_TERMINATED, rules, SIGMA_NUL_TERMINATED, NULL) ==
          SIGMA_OK);
    CHECK(sigma_builder_build(b, &rs) == SIGMA_OK);
    sigma_builder_free(b);
    return rs;
}

typedef struct job {
    const sigma_ruleset *rs;
    uint32_t counts[16];
    uint32_t n;
    int rc;
} job;

static void *collect(void *arg)
{
    job *j = arg;
    j->n = 0;
    for (uint32_t r = 0; r < sigma_ruleset_rule_count(j->rs); r++)
        for (uint32_t i = 0; i < sigma_ruleset_rule_indicator_count(j->rs, r) && j->n < 16; i++) {
            sigma_indicator_info info;
            memset(&info, 0, sizeof info);
            info.size = sizeof info;
            int rc = sigma_ruleset_rule_indicator(j->rs, r, i, &info);
            if (rc != SIGMA_OK)
                j->rc = rc;
            j->counts[j->n++] = info.corpus;
        }
    return NULL;
}

int main(void)
{
    sigma_ruleset *one = build(), *many = build();
    if (!one || !many)
        return TEST_DONE();
    job ref = {one, {0}, 0, 0};
    collect(&ref);
    CHECK_EQ_INT(ref.rc, SIGMA_OK);
    /* Rows: A Image, A User, B Image, C Image (2 values), C User. */
    CHECK_EQ_INT(ref.n, 5);
    /* Other rules with a row holding all of a row's values (folded): \w3wp.exe is in A,
     * B and C; C's pair of values is in no other row; User bob in A and C. */
    const uint32_t want[] = {2, 1, 2, 0, 1};
    for (uint32_t i = 0; i < 5 && i < ref.n; i++)
        CHECK_EQ_INT(ref.counts[i], want[i]);
    for (int round = 0; round < 20; round++) {
        sigma_ruleset *rs = round ? build() : sigma_ruleset_ref(many);
        pthread_t t[THREADS];
        job jobs[THREADS];
        for (int k = 0; k < THREADS; k++) {
            jobs[k] = (job){rs, {0}, 0, 0};
            CHECK(pthread_create(&t[k], NULL, collect, &jobs[k]) == 0);
        }
        for (int k = 0; k < THREADS; k++) {
            pthread_join(t[k], NULL);
            CHECK_EQ_INT(jobs[k].rc, SIGMA_OK);
            CHECK_EQ_INT(jobs[k].n, ref.n);
            CHECK(memcmp(jobs[k].counts, ref.counts, sizeof ref.counts) == 0);
        }
        sigma_ruleset_unref(rs);
    }
    sigma_ruleset_unref(one);
    sigma_ruleset_unref(many);
    return TEST_DONE();
}
