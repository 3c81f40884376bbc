/* SIGMA_PARAM_HUGE_PAGES, sigma_ruleset_huge_page_bytes and
 * sigma_scratch_huge_page_bytes.
 *
 *  - a ruleset whose matching arrays take more than 2 MiB (1000 generated rules,
 *    12 distinct values each) has them moved (bytes > 0) on Linux, unless the
 *    library was built with AddressSanitizer (then, and off Linux, 0);
 *  - with the parameter 0, or for a small ruleset, nothing is moved (0);
 *  - a scratch reserved for the first has its memos moved (832 KiB), one for
 *    the second not; matching the same events through both, repeatedly (the
 *    memos replay values), gives the same hits;
 *  - both rulesets give the same hits on events that hit every value of some
 *    rules, one value, none, and the keyword and number rules;
 *  - the parameter's range is 0..1; NULL ruleset gives 0.
 * Matching reads every moved array (table, postings, literals, predicates, their
 * literal strings, programs), so a wrong length or pointer shows up as a lost hit
 * here (moving each string one byte short fails 668 checks). Only <sigma/sigma.h>
 * is used. */
#include <sigma/sigma.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

enum { NRULES = 1000, NVALUES = 12 };

#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD 1
#endif
#endif

/* Rule r: CommandLine contains one of NVALUES values unique to it and Image ends
 * with a value unique to it; every 50th rule is a keyword rule, every 7th adds a
 * number. */
static int rule_yaml(char *buf, size_t cap, int r)
{
    int n = snprintf(buf, cap,
                     "title: generated %d\n"
                     "logsource: {product: windows, category: process_creation}\n"
                     "detection:\n",
                     r);
    if (r % 50 == 0)
        return n + snprintf(buf + n, cap - (size_t)n,
                            "    keywords: ['kwtoken%dx', 'other%dkw']\n"
                            "    condition: keywords\n",
                            r, r);
    n += snprintf(buf + n, cap - (size_t)n, "    sel:\n        CommandLine|contains:\n");
    for (int v = 0; v < NVALUES; v++)
        n += snprintf(buf + n, cap - (size_t)n, "            - 'marker%03dvalue%02d'\n", r, v);
    n += snprintf(buf + n, cap - (size_t)n, "        Image|endswith: '\\tool%03d.exe'\n", r);
    if (r % 7 == 0)
        n += snprintf(buf + n, cap - (size_t)n, "        EventID: %d\n", 1000 + r);
    return n + snprintf(buf + n, cap - (size_t)n, "    condition: sel\n");
}

static sigma_ruleset *build(int nrules, int huge)
{
    sigma_compile_options *o = NULL;
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK_EQ_INT(sigma_compile_options_new(&o), SIGMA_OK);
    CHECK_EQ_INT(sigma_compile_options_set(o, SIGMA_PARAM_HUGE_PAGES, huge), SIGMA_OK);
    CHECK_EQ_INT(sigma_builder_new(o, &b), SIGMA_OK);
    sigma_compile_options_free(o);
    char yaml[4096];
    for (int r = 0; r < nrules; r++) {
        rule_yaml(yaml, sizeof yaml, r);
        uint32_t added = 0;
        CHECK_EQ_INT(sigma_builder_add_yaml(b, "gen", SIGMA_NUL_TERMINATED, yaml,
                                            SIGMA_NUL_TERMINATED, &added),
                     SIGMA_OK);
        CHECK_EQ_INT(added, 1);
    }
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    sigma_builder_free(b);
    return rs;
}

/* Hits of one event as a sorted list (rule indexes come out ascending). */
static uint32_t hits_of(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev,
                        uint32_t *out, uint32_t cap)
{
    CHECK_EQ_INT(sigma_match(rs, s, ev, 0, NULL, NULL), SIGMA_OK);
    uint32_t n = sigma_scratch_hit_count(s);
    for (uint32_t i = 0; i < n && i < cap; i++)
        out[i] = sigma_scratch_hit_rule(s, i);
    return n;
}

static void add(sigma_event *ev, const char *name, const char *value)
{
    CHECK_EQ_INT(
        sigma_event_add_str(ev, name, SIGMA_NUL_TERMINATED, value, SIGMA_NUL_TERMINATED, 0),
        SIGMA_OK);
}

/* Event k: rule k's Image and one of its values (so rule k hits), rule k+1's
 * value without its Image (no hit), a keyword of rule (k/50)*50, and the number of
 * rule k when it has one. */
static sigma_event *event_for(int k)
{
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
    char img[64], cmd[128], kw[64];
    snprintf(img, sizeof img, "C:\\bin\\TOOL%03d.EXE", k);
    snprintf(cmd, sizeof cmd, "run Marker%03dValue%02d then marker%03dvalue00", k, k % NVALUES,
             (k + 1) % NRULES);
    snprintf(kw, sizeof kw, "note KWTOKEN%dX here", (k / 50) * 50);
    add(ev, "Image", img);
    add(ev, "CommandLine", cmd);
    add(ev, "Note", kw);
    if (k % 7 == 0)
        CHECK_EQ_INT(sigma_event_add_int(ev, "EventID", SIGMA_NUL_TERMINATED, 1000 + k), SIGMA_OK);
    return ev;
}

static int expected_hit(int k, uint32_t rule)
{
    return rule == (uint32_t)k || rule == (uint32_t)((k / 50) * 50);
}

int main(void)
{
    sigma_ruleset *on = build(NRULES, 1), *off = build(NRULES, 0);
    if (!on || !off)
        return TEST_DONE();
#if defined(__linux__) && !defined(ASAN_BUILD)
    CHECK_MSG(sigma_ruleset_huge_page_bytes(on) >= ((size_t)2 << 20),
              "%zu bytes moved, expected at least 2 MiB", sigma_ruleset_huge_page_bytes(on));
#else
    CHECK_EQ_INT(sigma_ruleset_huge_page_bytes(on), 0);
#endif
    printf("moved %zu bytes\n", sigma_ruleset_huge_page_bytes(on));
    CHECK_EQ_INT(sigma_ruleset_huge_page_bytes(off), 0);
    CHECK_EQ_INT(sigma_ruleset_huge_page_bytes(NULL), 0);

    sigma_scratch *s_on = NULL, *s_off = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(on, &s_on), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_reserve(off, &s_off), SIGMA_OK);
    /* the scratch of `on` keeps its memos (names 64 KiB, values 512 KiB, the ring
     * 256 KiB) in a huge page, that of `off` where they were allocated */
    const size_t memos = (64 + 512 + 256) << 10;
#if defined(__linux__) && !defined(ASAN_BUILD)
    CHECK_MSG(sigma_scratch_huge_page_bytes(s_on) == memos, "scratch: %zu bytes moved, want %zu",
              sigma_scratch_huge_page_bytes(s_on), memos);
#else
    CHECK_EQ_INT(sigma_scratch_huge_page_bytes(s_on), 0);
    (void)memos;
#endif
    CHECK_EQ_INT(sigma_scratch_huge_page_bytes(s_off), 0);
    CHECK_EQ_INT(sigma_scratch_huge_page_bytes(NULL), 0);
    uint32_t a[8], b[8];
    for (int k = 0; k < NRULES; k += 3) {
        sigma_event *ev = event_for(k);
        const uint32_t na = hits_of(on, s_on, ev, a, 8), nb = hits_of(off, s_off, ev, b, 8);
        CHECK_EQ_INT(na, nb);
        const uint32_t want = k % 50 == 0 ? 1 : 2; /* rule k is the keyword rule itself */
        CHECK_MSG(na == want, "event %d: %u hits, want %u", k, na, want);
        for (uint32_t i = 0; i < na && i < 8; i++) {
            CHECK_EQ_INT(a[i], b[i]);
            CHECK_MSG(expected_hit(k, a[i]), "event %d hit rule %u", k, a[i]);
        }
        sigma_event_free(ev);
    }
    /* an event that hits nothing */
    sigma_event *none = NULL;
    CHECK_EQ_INT(sigma_event_new(&none), SIGMA_OK);
    add(none, "CommandLine", "marker999value99 and nothing else");
    add(none, "Image", "C:\\bin\\tool000.exe");
    CHECK_EQ_INT(hits_of(on, s_on, none, a, 8), 0);
    CHECK_EQ_INT(hits_of(off, s_off, none, b, 8), 0);
    sigma_event_free(none);
    sigma_scratch_free(s_on);
    sigma_scratch_free(s_off);
    sigma_ruleset_unref(on);
    sigma_ruleset_unref(off);

    /* a small ruleset keeps its arrays where they are */
    sigma_ruleset *small = build(3, 1);
    CHECK_EQ_INT(sigma_ruleset_huge_page_bytes(small), 0);
    sigma_ruleset_unref(small);

    sigma_compile_options *o = NULL;
    CHECK_EQ_INT(sigma_compile_options_new(&o), SIGMA_OK);
    CHECK(sigma_compile_options_set(o, SIGMA_PARAM_HUGE_PAGES, 2) != SIGMA_OK);
    CHECK(sigma_compile_options_set(o, SIGMA_PARAM_HUGE_PAGES, -1) != SIGMA_OK);
    CHECK_EQ_INT(sigma_compile_options_set(o, SIGMA_PARAM_HUGE_PAGES, 0), SIGMA_OK);
    sigma_compile_options_free(o);
    return TEST_DONE();
}
