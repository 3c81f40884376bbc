/* The vector index scans (SIGMA_PARAM_SIMD 1: AVX-512 on x86-64 CPUs that have it,
 * else AVX2; SIGMA_PARAM_SIMD 2: AVX2) find exactly what the scalar scan
 * (SIGMA_PARAM_SIMD 0) finds.
 *
 * One ruleset of literals that exercise every path of the scan, built twice (vector
 * and scalar, and AVX2 at most): 1-, 2- and 3-byte keys (ASCII, two- and three-byte UTF-8, more
 * than eight distinct first bytes in one field so that the nibble-table buckets are shared), 3-byte
 * keywords, 4-byte grams, long literals (8-byte grams) and startswith / endswith. Every literal is
 * placed at every position of values of every length from its own up to 70 bytes (so across every
 * 16-position block boundary and every tail length), whole and cut short at the end of the value;
 * each event must hit the same rules in all three rulesets and with SIGMA_MATCH_NO_INDEX, and the
 * literal's own rule must hit exactly when the literal is whole. Only <sigma/sigma.h> is used. */
#include <sigma/sigma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

typedef struct lit_rule {
    const char *field; /* NULL: a keyword */
    const char *op;    /* modifier after the field name */
    const char *lit;
} lit_rule;

static const lit_rule rules[] = {
    /* short keys of CommandLine, 10 distinct first bytes */
    {"CommandLine", "|contains", "q"},
    {"CommandLine", "|contains", "^^"},
    {"CommandLine", "|contains", "~1\\"},
    {"CommandLine", "|contains", "/c "},
    {"CommandLine", "|contains", "reg"},
    {"CommandLine", "|contains", "\xcf\x81"},     /* Greek rho */
    {"CommandLine", "|contains", "\xd0\xb0"},     /* Cyrillic a */
    {"CommandLine", "|contains", "\xe2\x86\x92"}, /* rightwards arrow */
    {"CommandLine", "|contains", "\xe2\x9a\x80"}, /* die face */
    {"CommandLine", "|contains", ",;,"},
    {"CommandLine", "|contains", "gpv"},
    {"CommandLine", "|contains", "#"},
    /* 4-byte grams and longer literals */
    {"CommandLine", "|contains", "wmic"},
    {"CommandLine", "|contains", "-encodedcommand"},
    {"CommandLine", "|contains", "\\appdata\\local\\temp\\"},
    {"Image", "|endswith", "\\rundll32.exe"},
    {"Image", "|startswith", "c:\\perflogs\\"},
    {"Image", "|contains", ".dll"},
    {"Image", "|contains", "ab"},
    /* keywords */
    {NULL, "", "dir"},
    {NULL, "", "rcp"},
    {NULL, "", "aaa"},
    {NULL, "", "mimikatz"},
};
#define NRULES (sizeof rules / sizeof rules[0])

/* Builds the ruleset with SIGMA_PARAM_SIMD = simd. */
static sigma_ruleset *build(int simd)
{
    sigma_compile_options *o = NULL;
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK_EQ_INT(sigma_compile_options_new(&o), SIGMA_OK);
    CHECK_EQ_INT(sigma_compile_options_set(o, SIGMA_PARAM_SIMD, simd), SIGMA_OK);
    CHECK_EQ_INT(sigma_builder_new(o, &b), SIGMA_OK);
    for (size_t i = 0; b && i < NRULES; i++) {
        char yaml[1024], title[32];
        snprintf(title, sizeof title, "r%zu", i);
        if (rules[i].field)
            snprintf(yaml, sizeof yaml,
                     "title: %s\nlogsource: {product: windows}\ndetection:\n"
                     "    sel:\n        %s%s: '%s'\n    condition: sel\nlevel: low\n",
                     title, rules[i].field, rules[i].op, rules[i].lit);
        else
            snprintf(yaml, sizeof yaml,
                     "title: %s\nlogsource: {product: windows}\ndetection:\n"
                     "    kw:\n        - '%s'\n    condition: kw\nlevel: low\n",
                     title, rules[i].lit);
        uint32_t added = 0;
        CHECK_EQ_INT(sigma_builder_add_yaml(b, title, SIGMA_NUL_TERMINATED, yaml,
                                            SIGMA_NUL_TERMINATED, &added),
                     SIGMA_OK);
        CHECK_EQ_INT(added, 1);
    }
    if (b)
        CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    sigma_builder_free(b);
    sigma_compile_options_free(o);
    if (rs)
        CHECK_EQ_INT(sigma_ruleset_rule_count(rs), NRULES);
    return rs;
}

/* Hits of ev as a bit set (rule indexes follow the order added). */
static uint64_t hits_of(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev,
                        uint32_t flags)
{
    uint64_t set = 0;
    CHECK_EQ_INT(sigma_match(rs, s, ev, flags, NULL, NULL), SIGMA_OK);
    for (uint32_t k = 0; k < sigma_scratch_hit_count(s); k++)
        set |= 1ull << sigma_scratch_hit_rule(s, k);
    return set;
}

/* Filler that forms none of the literals, with the literals' neighbours in it. */
static char filler(size_t i)
{
    static const char f[] = "zx-=.ygv";
    return f[i % (sizeof f - 1)];
}

typedef struct ctx {
    sigma_ruleset *vec, *scal, *avx2;
    sigma_scratch *sv, *ss, *s2;
    sigma_event *ev;
    long events, mismatches;
} ctx;

/* One event: `field` = text[0, len); the literal's rule must hit iff `expect`. */
static void check_event(ctx *c, const char *field, const char *text, size_t len, size_t rule,
                        int expect)
{
    sigma_event_clear(c->ev);
    sigma_event_add_str(c->ev, field, SIGMA_NUL_TERMINATED, text, len, 0);
    const uint64_t v = hits_of(c->vec, c->sv, c->ev, 0);
    const uint64_t s = hits_of(c->scal, c->ss, c->ev, 0);
    const uint64_t a2 = hits_of(c->avx2, c->s2, c->ev, 0);
    const uint64_t all = hits_of(c->scal, c->ss, c->ev, SIGMA_MATCH_NO_INDEX);
    c->events++;
    if (v != s || v != a2 || v != all || (int)((v >> rule) & 1) != expect) {
        if (c->mismatches++ < 10)
            CHECK_MSG(0,
                      "%s='%.*s': vector %llx scalar %llx avx2 %llx no-index %llx, rule r%zu "
                      "expected %d",
                      field, (int)len, text, (unsigned long long)v, (unsigned long long)s,
                      (unsigned long long)a2, (unsigned long long)all, rule, expect);
    }
}

static void test_every_position(void)
{
    ctx c = {build(1), build(0), build(2), NULL, NULL, NULL, NULL, 0, 0};
    if (!c.vec || !c.scal || !c.avx2)
        return;
    CHECK_EQ_STR(sigma_ruleset_scan_isa(c.scal), "scalar");
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi")) {
        CHECK_EQ_STR(sigma_ruleset_scan_isa(c.avx2), "avx2");
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vbmi"))
            CHECK_EQ_STR(sigma_ruleset_scan_isa(c.vec), "avx512");
        else
            CHECK_EQ_STR(sigma_ruleset_scan_isa(c.vec), "avx2");
    }
#endif
    printf("SIGMA_PARAM_SIMD 1 scans with %s, 2 with %s\n", sigma_ruleset_scan_isa(c.vec),
           sigma_ruleset_scan_isa(c.avx2));
    CHECK_EQ_INT(sigma_scratch_reserve(c.vec, &c.sv), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_reserve(c.scal, &c.ss), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_reserve(c.avx2, &c.s2), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&c.ev), SIGMA_OK);
    char text[80];
    for (size_t r = 0; r < NRULES && c.ev; r++) {
        const char *lit = rules[r].lit;
        const size_t ll = strlen(lit);
        const char *field = rules[r].field ? rules[r].field : "Message";
        const int starts = strcmp(rules[r].op, "|startswith") == 0;
        const int ends = strcmp(rules[r].op, "|endswith") == 0;
        for (size_t len = ll; len <= 70; len++)
            for (size_t at = 0; at + ll <= len; at++) {
                for (size_t i = 0; i < len; i++)
                    text[i] = filler(i);
                memcpy(text + at, lit, ll);
                const int whole = (!starts || at == 0) && (!ends || at + ll == len);
                check_event(&c, field, text, len, r, whole);
                /* the literal cut short by the end of the value */
                if (at + ll == len && ll > 1)
                    check_event(&c, field, text, len - 1, r, 0);
            }
    }
    printf("%ld events, %ld mismatches\n", c.events, c.mismatches);
    CHECK(c.events > 20000);
    CHECK_EQ_INT(c.mismatches, 0);
    sigma_event_free(c.ev);
    sigma_scratch_free(c.sv);
    sigma_scratch_free(c.ss);
    sigma_scratch_free(c.s2);
    sigma_ruleset_unref(c.vec);
    sigma_ruleset_unref(c.scal);
    sigma_ruleset_unref(c.avx2);
}

/* Out-of-range values of the parameter are refused. */
static void test_param_range(void)
{
    sigma_compile_options *o = NULL;
    CHECK_EQ_INT(sigma_compile_options_new(&o), SIGMA_OK);
    CHECK(sigma_compile_options_set(o, SIGMA_PARAM_SIMD, 3) != SIGMA_OK);
    CHECK(sigma_compile_options_set(o, SIGMA_PARAM_SIMD, -1) != SIGMA_OK);
    int64_t v = -1;
    CHECK_EQ_INT(sigma_compile_options_get(o, SIGMA_PARAM_SIMD, &v), SIGMA_OK);
    CHECK_EQ_INT(v, 1);
    sigma_compile_options_free(o);
    CHECK_EQ_STR(sigma_ruleset_scan_isa(NULL), "scalar");
}

int main(void)
{
    test_every_position();
    test_param_range();
    return TEST_DONE();
}
