/* Many threads share one immutable ruleset, each with its own scratch and event,
 * while the main thread drops its reference early: every thread must see exactly
 * the same verdicts as a single-threaded run. Run under TSan/ASan in CI. */
#include <pthread.h>
#include <sigma/sigma.h>
#include <stdio.h>
#include <string.h>

#include "test.h"

enum { THREADS = 8, ROUNDS = 2000 };

static const char rules[] = "title: a\nlogsource: {product: t}\n"
                            "detection: {s: {Image|endswith: '\\cmd.exe'}, condition: s}\n"
                            "---\n"
                            "title: b\nlogsource: {product: t}\n"
                            "detection: {s: {CommandLine|contains|all: [whoami, /all]},"
                            " n: {User: SYSTEM}, condition: s and not n}\n"
                            "---\n"
                            "title: c\nlogsource: {product: t}\n"
                            "detection: {s: {CommandLine|re: '(?i)who.mi'}, condition: s}\n";

typedef struct job {
    sigma_ruleset *rs;
    int hits;
    int errors;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    sigma_scratch *s = NULL;
    sigma_event *ev = NULL;
    if (sigma_scratch_reserve(j->rs, &s) != SIGMA_OK || sigma_event_new(&ev) != SIGMA_OK) {
        j->errors++;
        return NULL;
    }
    for (int i = 0; i < ROUNDS; i++) {
        sigma_event_clear(ev);
        sigma_event_add_str(ev, "Image", 5, i % 2 ? "C:\\Windows\\CMD.EXE" : "C:\\x.exe",
                            SIGMA_NUL_TERMINATED, 0);
        sigma_event_add_str(ev, "CommandLine", 11, "WHOAMI /ALL", 11, 0);
        sigma_event_add_str(ev, "User", 4, i % 3 ? "bob" : "SYSTEM", SIGMA_NUL_TERMINATED, 0);
        if (sigma_match(j->rs, s, ev, 0, NULL, NULL) != SIGMA_OK)
            j->errors++;
        j->hits += (int)sigma_scratch_hit_count(s);
    }
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(j->rs);
    return NULL;
}

int main(void)
{
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK_EQ_INT(sigma_builder_new(NULL, &b), SIGMA_OK);
    CHECK_EQ_INT(sigma_builder_add_yaml(b, "t", 1, rules, strlen(rules), NULL), SIGMA_OK);
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    sigma_builder_free(b);
    CHECK_EQ_INT(sigma_ruleset_rule_count(rs), 3);

    /* Expected per thread: rule a on odd i, rule b when i % 3 != 0, rule c always. */
    int expected = 0;
    for (int i = 0; i < ROUNDS; i++)
        expected += (i % 2) + (i % 3 != 0) + 1;

    pthread_t t[THREADS];
    job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){sigma_ruleset_ref(rs), 0, 0};
        CHECK_EQ_INT(pthread_create(&t[i], NULL, worker, &jobs[i]), 0);
    }
    sigma_ruleset_unref(rs); /* the workers hold the remaining references */
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ_INT(jobs[i].errors, 0);
        CHECK_EQ_INT(jobs[i].hits, expected);
    }
    return TEST_DONE();
}
