/* A match call that runs out of memory part way leaves nothing behind: the
 * scratch's next calls find exactly the hits and evaluate exactly the candidates a
 * fresh scratch does. The candidate bitset is kept all zero between calls (the
 * candidate loop clears what it reads), so a call that stopped after marking
 * candidates must not leak them into the next one.
 *
 * The test executable's allocator (alloc_hook.h) fails every allocation after
 * the first K of one match call on a fresh scratch, for K = 0, 1, ... until the
 * call no longer needs more than K; after each failure, the same scratch matches
 * the other events and the failed one, compared with a reference scratch: hits,
 * and candidates evaluated per call (sigma_scratch_get_stats). Skipped where the
 * allocator cannot be installed (AddressSanitizer, non-glibc). Only
 * <sigma/sigma.h> is used. */
#include <sigma/sigma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_hook.h"

#ifdef ALLOC_HOOK_ACTIVE

#include "test.h"

/* 200 rules over 4 bitset words: literal rules (tokNNN in CommandLine), two
 * always-evaluated negations in the first word (a call sets its always-words
 * whole: stale bits elsewhere would survive), every 40th a linux keyword rule,
 * every 30th a rule without a literal that is evaluated when its field (Image)
 * is present. */
enum { N_RULES = 200, N_EVENTS = 4, MAX_HITS = 64 };

static char *rule_text(unsigned i)
{
    char *t = malloc(512);
    if (!t)
        return NULL;
    if (i == 7 || i == 57)
        snprintf(t, 512,
                 "title: always %u\nlogsource: {product: windows}\ndetection:\n"
                 "    sel: {NoSuchField%u: x}\n    condition: not sel\n",
                 i, i);
    else if (i % 40 == 3)
        snprintf(t, 512,
                 "title: keyword %u\nlogsource: {product: linux}\ndetection:\n"
                 "    keywords: ['tok%03u']\n    condition: keywords\n",
                 i, i);
    else if (i % 30 == 17)
        snprintf(t, 512,
                 "title: presence %u\nlogsource: {product: windows}\ndetection:\n"
                 "    sel: {Image|re: '^c:.*%u$'}\n    condition: sel\n",
                 i, i);
    else
        snprintf(t, 512,
                 "title: literal %u\nlogsource: {product: windows, category: process_creation}\n"
                 "detection:\n    sel: {CommandLine|contains: 'tok%03u'}\n"
                 "    filter: {Image|endswith: '\\\\skip%03u.exe'}\n"
                 "    condition: sel and not filter\n",
                 i, i, i);
    return t;
}

static sigma_ruleset *compile(void)
{
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK_EQ_INT(sigma_builder_new(NULL, &b), SIGMA_OK);
    for (unsigned i = 0; b && i < N_RULES; i++) {
        char *t = rule_text(i);
        uint32_t added = 0;
        CHECK(t != NULL);
        int rc = t ? sigma_builder_add_yaml(b, "nomem.yml", SIGMA_NUL_TERMINATED, t,
                                            SIGMA_NUL_TERMINATED, &added)
                   : SIGMA_E_NOMEM;
        CHECK_MSG(rc == SIGMA_OK && added == 1, "rule %u did not load", i);
        free(t);
    }
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    sigma_builder_free(b);
    return rs;
}

/* Event e: CommandLine values naming rule tokens spread over the bitset words
 * (e 0: many, 1: one, 2: the same with an explicit windows logsource, 3: a
 * linux message naming keyword tokens). Image comes first: its presence marks
 * candidates before CommandLine's folding allocates (a call that fails there has
 * marked them). */
static sigma_event *make_event(int e)
{
    static const char *const lines[N_EVENTS] = {
        "run tok001 tok070 tok140 tok199 tok043 /c tok123 tok083",
        "cmd /c tok010",
        "cmd /c tok010 tok011 tok130",
        NULL,
    };
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
    if (!ev)
        return NULL;
    if (lines[e]) {
        CHECK_EQ_INT(sigma_event_add_str(ev, "Image", SIGMA_NUL_TERMINATED,
                                         e == 0 ? "C:\\x\\skip070.exe" : "C:\\x\\cmd.exe",
                                         SIGMA_NUL_TERMINATED, 0),
                     SIGMA_OK);
        CHECK_EQ_INT(sigma_event_add_str(ev, "CommandLine", SIGMA_NUL_TERMINATED, lines[e],
                                         SIGMA_NUL_TERMINATED, 0),
                     SIGMA_OK);
    } else {
        CHECK_EQ_INT(sigma_event_set_message(ev, "sshd: tok003 tok043 tok083 tok084",
                                             SIGMA_NUL_TERMINATED, 0),
                     SIGMA_OK);
    }
    if (e == 2)
        CHECK_EQ_INT(
            sigma_event_set_logsource(ev, "windows", SIGMA_NUL_TERMINATED, NULL, 0, NULL, 0),
            SIGMA_OK);
    return ev;
}

/* What one match call found: its hits (sorted) and how many rules it evaluated. */
typedef struct outcome {
    int rc;
    uint32_t n, hits[MAX_HITS];
    uint64_t candidates;
} outcome;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static uint64_t candidates_so_far(const sigma_scratch *s)
{
    sigma_scratch_stats st = {.size = sizeof st};
    return sigma_scratch_get_stats(s, &st) == SIGMA_OK ? st.candidates : 0;
}

static outcome match(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev)
{
    outcome o = {0};
    const uint64_t before = candidates_so_far(s);
    o.rc = sigma_match(rs, s, ev, 0, NULL, NULL);
    o.candidates = candidates_so_far(s) - before;
    o.n = o.rc == SIGMA_OK ? sigma_scratch_hit_count(s) : 0;
    for (uint32_t i = 0; i < o.n && i < MAX_HITS; i++)
        o.hits[i] = sigma_scratch_hit_rule(s, i);
    if (o.n > MAX_HITS)
        o.n = MAX_HITS;
    qsort(o.hits, o.n, sizeof o.hits[0], cmp_u32);
    return o;
}

static int same(const outcome *a, const outcome *b)
{
    return a->rc == b->rc && a->n == b->n && a->candidates == b->candidates &&
           memcmp(a->hits, b->hits, a->n * sizeof a->hits[0]) == 0;
}

int main(void)
{
    sigma_ruleset *rs = compile();
    sigma_event *ev[N_EVENTS];
    for (int e = 0; e < N_EVENTS; e++)
        ev[e] = make_event(e);
    if (!rs)
        return TEST_DONE();

    /* The reference: a scratch that never fails. */
    outcome ref[N_EVENTS];
    sigma_scratch *s = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    for (int e = 0; e < N_EVENTS; e++) {
        ref[e] = match(rs, s, ev[e]);
        CHECK_EQ_INT(ref[e].rc, SIGMA_OK);
    }
    sigma_scratch_free(s);
    CHECK_MSG(ref[0].n >= 4 && ref[0].candidates >= 8, "event 0: %u hits, %llu candidates",
              ref[0].n, (unsigned long long)ref[0].candidates);
    CHECK_MSG(ref[3].n >= 2, "the keyword event: %u hits", ref[3].n);

    unsigned failures = 0, k;
    for (k = 0; k < 1000; k++) {
        for (int first = 0; first < N_EVENTS; first++) {
            s = NULL;
            CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
            if (!s)
                break;
            n_alloc = n_free = 0;
            alloc_fail_after = (long)k;
            counting = 1;
            outcome o = match(rs, s, ev[first]);
            counting = 0;
            alloc_fail_after = -1;
            if (o.rc == SIGMA_OK) {
                CHECK_MSG(same(&o, &ref[first]), "K=%u event %d: differs from the reference", k,
                          first);
            } else {
                CHECK_MSG(o.rc == SIGMA_E_NOMEM, "K=%u event %d: rc %d", k, first, o.rc);
                failures++;
            }
            /* the scratch goes on: every event, the failed one last */
            for (int i = 1; i <= N_EVENTS; i++) {
                const int e = (first + i) % N_EVENTS;
                outcome next = match(rs, s, ev[e]);
                CHECK_MSG(same(&next, &ref[e]),
                          "K=%u: event %d after event %d (rc %d): %u hits / %llu candidates, "
                          "reference %u / %llu",
                          k, e, first, o.rc, next.n, (unsigned long long)next.candidates, ref[e].n,
                          (unsigned long long)ref[e].candidates);
            }
            sigma_scratch_free(s);
        }
        if (n_alloc <= k)
            break; /* the last call needed no more than k allocations */
    }
    CHECK_MSG(failures > 0, "no match call failed: the allocator hook does not work");
    printf("match-nomem: %u failed calls (first K allocations allowed, K = 0..%u), each "
           "followed by %d matches equal to a fresh scratch's\n",
           failures, k, N_EVENTS);
    for (int e = 0; e < N_EVENTS; e++)
        sigma_event_free(ev[e]);
    sigma_ruleset_unref(rs);
    return TEST_DONE();
}

#else /* !ALLOC_HOOK_ACTIVE */

int main(void)
{
    puts("SKIPPED: the failing allocator cannot be installed (sanitizer or not glibc)");
    return 77;
}

#endif
