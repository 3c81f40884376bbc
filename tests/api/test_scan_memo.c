/* The scratch's scan memo (lib/match/scan_memo.h): values scanned before are not
 * scanned again, their marks are replayed. Whatever the memo holds, a match finds
 * exactly what SIGMA_MATCH_NO_INDEX (every rule evaluated) finds:
 *   - repeated values that mark something (replayed runs) and nothing;
 *   - values at the boundary of the in-entry length (80/81 bytes) and long values
 *     kept in the ring, after the ring has gone round many times;
 *   - one scratch used in turn with two rulesets whose field names are the same
 *     but whose literals differ (the memo of one must not serve the other);
 *   - the same value under another field (other slots);
 *   - numbers and booleans scanned as their rendering where a key could occur in
 *     it (a digits-only keyword, a short numeric literal, "true", ".5"), next to
 *     strings with the same text (which the memo remembers);
 *   - a short value whose scan marks many runs (in the ring, not its entry) is
 *     replayed when seen again, one that marks more than the memo keeps is scanned
 *     again: sigma_scratch_stats' values_scanned / values_replayed say which;
 *   - a value without a byte the slot's keys need is not scanned at all, one with
 *     it in upper case or behind a non-ASCII byte is (index/needed_bytes.h).
 * Only <sigma/sigma.h> is used. */
#include <sigma/sigma.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static sigma_ruleset *compile(const char *yaml)
{
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    if (sigma_builder_new(NULL, &b) != SIGMA_OK)
        return NULL;
    CHECK_EQ_INT(sigma_builder_add_yaml(b, "memo.yml", SIGMA_NUL_TERMINATED, yaml,
                                        SIGMA_NUL_TERMINATED, NULL),
                 SIGMA_OK);
    CHECK_EQ_INT(sigma_builder_build(b, &rs), SIGMA_OK);
    sigma_builder_free(b);
    return rs;
}

/* Two rulesets over the same fields with different literals. */
static const char *const yaml_a =
    "title: a1\nlogsource: {product: t}\ndetection:\n"
    "  sel: {CommandLine|contains: 'alpha'}\n  condition: sel\n"
    "---\n"
    "title: a2\nlogsource: {product: t}\ndetection:\n"
    "  sel: {CommandLine|contains: ['gamma-delta', 'omega']}\n"
    "  f: {Image|endswith: '\\tool.exe'}\n  condition: sel and not f\n"
    "---\n"
    "title: a3\nlogsource: {product: t}\ndetection:\n"
    "  keywords: ['needle']\n  condition: keywords\n";
static const char *const yaml_b = "title: b1\nlogsource: {product: t}\ndetection:\n"
                                  "  sel: {CommandLine|contains: 'beta'}\n  condition: sel\n"
                                  "---\n"
                                  "title: b2\nlogsource: {product: t}\ndetection:\n"
                                  "  sel: {Image|endswith: '\\tool.exe'}\n  condition: sel\n"
                                  "---\n"
                                  "title: b3\nlogsource: {product: t}\ndetection:\n"
                                  "  keywords: ['alpha']\n  condition: keywords\n";

/* The hits of ev as a set: a bit per rule below 64, a hash of the index above
 * (hits come without repeats, so their XOR names the set). */
static uint64_t hits(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev,
                     uint32_t flags)
{
    uint64_t set = 0;
    CHECK_EQ_INT(sigma_match(rs, s, ev, flags, NULL, NULL), SIGMA_OK);
    for (uint32_t i = 0; i < sigma_scratch_hit_count(s); i++) {
        const uint64_t r = sigma_scratch_hit_rule(s, i);
        set ^= r < 64 ? 1ull << r : (r + 1) * 0x9E3779B97F4A7C15ull;
    }
    return set;
}

static unsigned long checked, found;

/* Matches ev with the memo-carrying scratch and compares with every rule
 * evaluated (a scratch of its own). */
static void check(const sigma_ruleset *rs, sigma_scratch *s, sigma_scratch *plain,
                  const sigma_event *ev, const char *what, unsigned i)
{
    const uint64_t got = hits(rs, s, ev, 0), want = hits(rs, plain, ev, SIGMA_MATCH_NO_INDEX);
    CHECK_MSG(got == want, "%s %u: hits %#llx, every rule evaluated: %#llx", what, i,
              (unsigned long long)got, (unsigned long long)want);
    checked++;
    found += want != 0;
}

/* Keys that numbers' and booleans' renderings can hold: each value is scanned as
 * text for these slots (and the keyword slot for every field). */
static const char *const yaml_c =
    "title: c0\nlogsource: {product: t}\ndetection:\n"
    "  keywords: ['4688']\n  condition: keywords\n"
    "---\n"
    "title: c1\nlogsource: {product: t}\ndetection:\n"
    "  sel: {Port|contains: '80'}\n  condition: sel\n"
    "---\n"
    "title: c2\nlogsource: {product: t}\ndetection:\n"
    "  sel: {Ratio|contains: '.5'}\n  condition: sel\n"
    "---\n"
    "title: c3\nlogsource: {product: t}\ndetection:\n"
    "  sel: {Flag|startswith: 'tru'}\n  condition: sel\n"
    "---\n"
    "title: c4\nlogsource: {product: t}\ndetection:\n"
    "  sel: {Port|endswith: '443'}\n  f: {Name: 'x'}\n  condition: sel and not f\n";

/* Event k of the numbers section: ints, floats, booleans and strings, some equal
 * to each other's text, under fields with and without scalar keys. */
static void fill_numbers(sigma_event *ev, unsigned k)
{
    static const int64_t ints[] = {4688, 14688, 46880, -4688, 80, 8080, 443, 1443, 7, 0};
    static const double floats[] = {0.5, 1.5, 2.25, 100.0, -0.5};
    sigma_event_clear(ev);
    const int64_t i = ints[k % 10], j = ints[(k / 3) % 10];
    CHECK_EQ_INT(sigma_event_add_int(ev, "Port", SIGMA_NUL_TERMINATED, i), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_add_int(ev, "EventID", SIGMA_NUL_TERMINATED, j), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_add_float(ev, "Ratio", SIGMA_NUL_TERMINATED, floats[k % 5]), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_add_bool(ev, "Flag", SIGMA_NUL_TERMINATED, (int)(k % 2)), SIGMA_OK);
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)ints[(k / 2) % 10]);
    /* the same text as a string, under a field with keys and one without */
    CHECK_EQ_INT(sigma_event_add_str(ev, k % 4 ? "Port" : "Note", SIGMA_NUL_TERMINATED, text,
                                     SIGMA_NUL_TERMINATED, 0),
                 SIGMA_OK);
    if (k % 5 == 0)
        CHECK_EQ_INT(sigma_event_add_str(ev, "Name", SIGMA_NUL_TERMINATED, "x", 1, 0), SIGMA_OK);
}

/* Sets the event to CommandLine = cl, Image = img (and Other = cl when other). */
static void fill(sigma_event *ev, const char *cl, const char *img, int other)
{
    sigma_event_clear(ev);
    CHECK_EQ_INT(
        sigma_event_add_str(ev, "CommandLine", SIGMA_NUL_TERMINATED, cl, SIGMA_NUL_TERMINATED, 0),
        SIGMA_OK);
    CHECK_EQ_INT(
        sigma_event_add_str(ev, "Image", SIGMA_NUL_TERMINATED, img, SIGMA_NUL_TERMINATED, 0),
        SIGMA_OK);
    if (other)
        CHECK_EQ_INT(
            sigma_event_add_str(ev, "Other", SIGMA_NUL_TERMINATED, cl, SIGMA_NUL_TERMINATED, 0),
            SIGMA_OK);
}

/* A command line of exactly len bytes (len >= 40) whose words depend on k. */
static void command_line(char *out, size_t len, unsigned k)
{
    static const char *const words[] = {"alpha", "beta",  "gamma-delta", "omega", "needle",
                                        "plain", "ALPHA", "Beta",        "x"};
    size_t n = 0;
    for (unsigned w = k; n + 12 < len; w = w * 7 + 3)
        n += (size_t)snprintf(out + n, len + 1 - n, "%s ", words[w % 9]);
    for (; n < len; n++) /* letters b..u in order: no rule's literal */
        out[n] = (char)('b' + (k + n) % 20);
    out[len] = '\0';
}

/* A ruleset of n rules, rule i: Image|contains the i-th literal of lit(i). */
static sigma_ruleset *compile_contains(unsigned n, void (*lit)(unsigned, char *, size_t))
{
    size_t cap = 200 * (size_t)n + 1, len = 0;
    char *yaml = malloc(cap);
    CHECK(yaml != NULL);
    if (!yaml)
        return NULL;
    yaml[0] = '\0';
    for (unsigned i = 0; i < n; i++) {
        char l[32];
        lit(i, l, sizeof l);
        len += (size_t)snprintf(yaml + len, cap - len,
                                "%stitle: r%u\nlogsource: {product: t}\ndetection:\n"
                                "  sel: {Image|contains: '%s'}\n  condition: sel\n",
                                i ? "---\n" : "", i, l);
    }
    sigma_ruleset *rs = compile(yaml);
    free(yaml);
    return rs;
}

/* Literals of a common image path, each its own gram. */
static void path_literal(unsigned i, char *out, size_t cap)
{
    static const char *const lits[] = {"windows", "system32", "svchost", ".exe",
                                       "c:\\",    "\\sys",    "host.",   "dows\\"};
    snprintf(out, cap, "%s", lits[i % 8]);
}

/* "q00q", "q01q", ...: literal i of a value holding them all. */
static void numbered_literal(unsigned i, char *out, size_t cap)
{
    snprintf(out, cap, "q%02uq", i);
}

/* Counters of s after matching ev with rs twice, compared with every rule
 * evaluated: *scanned / *replayed are what the second call added. */
static void match_twice(const sigma_ruleset *rs, sigma_scratch *s, sigma_scratch *plain,
                        const sigma_event *ev, const char *what, uint64_t *scanned,
                        uint64_t *replayed)
{
    sigma_scratch_stats a = {.size = sizeof a}, b = {.size = sizeof b};
    check(rs, s, plain, ev, what, 0);
    CHECK_EQ_INT(sigma_scratch_get_stats(s, &a), SIGMA_OK);
    check(rs, s, plain, ev, what, 1);
    CHECK_EQ_INT(sigma_scratch_get_stats(s, &b), SIGMA_OK);
    *scanned = b.values_scanned - a.values_scanned;
    *replayed = b.values_replayed - a.values_replayed;
}

/* A value without any byte the slot's keys need is neither scanned nor
 * remembered, yet matches as every rule evaluated says; one with such a byte in
 * upper case, or with a non-ASCII byte (the Kelvin sign folds to 'k'), is scanned
 * once and then replayed. */
static void needed_bytes(sigma_scratch *s, sigma_event *ev)
{
    static const char *const yaml = "title: n0\nlogsource: {product: t}\ndetection:\n"
                                    "  sel: {Image|contains: 'zk'}\n  condition: sel\n";
    static const struct {
        const char *value;
        int scanned, hit;
    } cases[] = {
        {"C:\\Windows\\System32\\svchost.exe", 0, 0}, /* no 'k', no 'z' */
        {"2019-07-19T14:44:09.150760Z", 0, 0},        /* 'k' is the rarer */
        {"C:\\tools\\kit.exe", 1, 0},
        {"C:\\tools\\ZK.exe", 1, 1},            /* upper case */
        {"C:\\tools\\z\xe2\x84\xaa.exe", 1, 1}, /* z + Kelvin sign */
        {"C:\\tools\\zk.exe", 1, 1},
    };
    sigma_ruleset *rn = compile(yaml);
    sigma_scratch *plain = NULL;
    CHECK(rn != NULL);
    if (!rn)
        return;
    CHECK_EQ_INT(sigma_scratch_reserve(rn, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_reserve(rn, &plain), SIGMA_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sigma_scratch_stats before = {.size = sizeof before};
        uint64_t scanned, replayed;
        sigma_event_clear(ev);
        CHECK_EQ_INT(sigma_event_add_str(ev, "Image", SIGMA_NUL_TERMINATED, cases[i].value,
                                         SIGMA_NUL_TERMINATED, 0),
                     SIGMA_OK);
        CHECK_EQ_INT(sigma_scratch_get_stats(s, &before), SIGMA_OK);
        match_twice(rn, s, plain, ev, "needed bytes", &scanned, &replayed);
        sigma_scratch_stats after = {.size = sizeof after};
        CHECK_EQ_INT(sigma_scratch_get_stats(s, &after), SIGMA_OK);
        /* the first call scans or not, the second replays what the first scanned */
        CHECK_MSG(after.values_scanned - before.values_scanned == (uint64_t)cases[i].scanned &&
                      scanned == 0 && replayed == (uint64_t)cases[i].scanned,
                  "%s: scanned %llu, then %llu, replayed %llu", cases[i].value,
                  (unsigned long long)(after.values_scanned - before.values_scanned),
                  (unsigned long long)scanned, (unsigned long long)replayed);
        CHECK_EQ_INT(sigma_scratch_hit_count(s), cases[i].hit);
    }
    sigma_scratch_free(plain);
    sigma_ruleset_unref(rn);
}

/* Short values that mark many runs, and a value that marks more than a memo
 * entry keeps. */
static void many_runs(sigma_scratch *s, sigma_event *ev)
{
    sigma_ruleset *rp = compile_contains(8, path_literal),
                  *rn = compile_contains(70, numbered_literal);
    sigma_scratch *plain_p = NULL, *plain_n = NULL;
    CHECK(rp != NULL && rn != NULL);
    if (!rp || !rn)
        goto out;
    CHECK_EQ_INT(sigma_scratch_reserve(rp, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_reserve(rn, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_reserve(rp, &plain_p), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_reserve(rn, &plain_n), SIGMA_OK);
    uint64_t scanned, replayed;

    /* 31 bytes, 8 rules' literals: replayed, not scanned, the second time. */
    sigma_event_clear(ev);
    CHECK_EQ_INT(sigma_event_add_str(ev, "Image", SIGMA_NUL_TERMINATED,
                                     "C:\\Windows\\System32\\svchost.exe", SIGMA_NUL_TERMINATED, 0),
                 SIGMA_OK);
    const unsigned long before = found;
    match_twice(rp, s, plain_p, ev, "many runs", &scanned, &replayed);
    CHECK_EQ_INT(found - before, 2);
    CHECK_EQ_INT(scanned, 0);
    CHECK_EQ_INT(replayed, 1);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 8);

    /* The ring goes round (long values of another field) and the short one is
     * scanned again, then replayed. */
    char *cl = malloc(4001);
    CHECK(cl != NULL);
    for (unsigned i = 0; cl && i < 200; i++) {
        command_line(cl, 4000, i);
        CHECK_EQ_INT(sigma_event_add_str(ev, "CommandLine", SIGMA_NUL_TERMINATED, cl, 4000, 0),
                     SIGMA_OK);
        check(rp, s, plain_p, ev, "many runs, ring", i);
        sigma_event_clear(ev);
        CHECK_EQ_INT(sigma_event_add_str(ev, "Image", SIGMA_NUL_TERMINATED,
                                         "C:\\Windows\\System32\\svchost.exe", SIGMA_NUL_TERMINATED,
                                         0),
                     SIGMA_OK);
    }
    free(cl);
    match_twice(rp, s, plain_p, ev, "many runs, after the ring", &scanned, &replayed);
    CHECK_EQ_INT(replayed, 1);

    /* 280 bytes holding 70 rules' literals: more runs than the memo keeps. */
    char v[400];
    size_t n = 0;
    for (unsigned i = 0; i < 70; i++)
        n += (size_t)snprintf(v + n, sizeof v - n, "q%02uq", i);
    sigma_event_clear(ev);
    CHECK_EQ_INT(sigma_event_add_str(ev, "Image", SIGMA_NUL_TERMINATED, v, n, 0), SIGMA_OK);
    match_twice(rn, s, plain_n, ev, "too many runs", &scanned, &replayed);
    CHECK_EQ_INT(scanned, 1);
    CHECK_EQ_INT(replayed, 0);
    CHECK_EQ_INT(sigma_scratch_hit_count(s), 70);

    /* A caller's struct that ends before the counters does not get them. */
    sigma_scratch_stats old;
    memset(&old, 0xab, sizeof old);
    old.size = offsetof(sigma_scratch_stats, values_scanned);
    CHECK_EQ_INT(sigma_scratch_get_stats(s, &old), SIGMA_OK);
    CHECK(old.values_scanned == 0xababababababababull && old.values_replayed == old.values_scanned);
out:
    sigma_scratch_free(plain_p);
    sigma_scratch_free(plain_n);
    sigma_ruleset_unref(rp);
    sigma_ruleset_unref(rn);
}

int main(void)
{
    sigma_ruleset *ra = compile(yaml_a), *rb = compile(yaml_b);
    sigma_scratch *s = NULL, *plain_a = NULL, *plain_b = NULL;
    sigma_event *ev = NULL;
    if (!ra || !rb)
        return TEST_DONE();
    CHECK_EQ_INT(sigma_scratch_reserve(ra, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_reserve(rb, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_reserve(ra, &plain_a), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_reserve(rb, &plain_b), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
    if (!s || !plain_a || !plain_b || !ev)
        return TEST_DONE();

    /* Short, boundary and long values, repeated, alternating rulesets. */
    static const size_t lens[] = {40, 79, 80, 81, 82, 200, 1000, 5000};
    char *cl = malloc(8192);
    CHECK(cl != NULL);
    for (unsigned round = 0; cl && round < 3; round++)
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
            for (unsigned k = 0; k < 12; k++) {
                command_line(cl, lens[li], k);
                const char *img = k % 3 ? "C:\\bin\\tool.exe" : "C:\\bin\\other.exe";
                fill(ev, cl, img, (int)(k % 2));
                check(ra, s, plain_a, ev, "ruleset a", k);
                check(rb, s, plain_b, ev, "ruleset b", k);
                check(ra, s, plain_a, ev, "ruleset a again", k);
            }

    /* The ring goes round many times (256 KB of 2,000-byte values), with values
     * from long ago coming back (their ring bytes are gone by then). */
    for (unsigned i = 0; cl && i < 3000; i++) {
        const unsigned k = i % 7 == 0 ? i / 700 : i; /* every 7th: an old value */
        command_line(cl, 2000, k);
        fill(ev, cl, "C:\\bin\\tool.exe", 0);
        check(i % 2 ? rb : ra, s, i % 2 ? plain_b : plain_a, ev, "ring", i);
    }
    CHECK_MSG(found > checked / 4 && found < checked, "%lu of %lu checks had hits", found, checked);

    /* Numbers and booleans, each event many times over with one scratch. */
    sigma_ruleset *rc = compile(yaml_c);
    sigma_scratch *plain_c = NULL;
    CHECK(rc != NULL);
    if (rc) {
        CHECK_EQ_INT(sigma_scratch_reserve(rc, &s), SIGMA_OK);
        CHECK_EQ_INT(sigma_scratch_reserve(rc, &plain_c), SIGMA_OK);
        const unsigned long before = found;
        for (unsigned i = 0; i < 600; i++) {
            fill_numbers(ev, i % 7 == 0 ? i / 7 : i);
            check(rc, s, plain_c, ev, "numbers", i);
            if (i % 50 == 0) /* another ruleset in between */
                check(ra, s, plain_a, ev, "numbers, ruleset a", i);
        }
        CHECK_MSG(found - before > 300, "%lu of the number events had hits", found - before);
    }
    sigma_scratch_free(plain_c);
    sigma_ruleset_unref(rc);
    many_runs(s, ev);
    needed_bytes(s, ev);
    printf("scan-memo: %lu matches equal to every rule evaluated (%lu with hits)\n", checked,
           found);
    free(cl);
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_scratch_free(plain_a);
    sigma_scratch_free(plain_b);
    sigma_ruleset_unref(ra);
    sigma_ruleset_unref(rb);
    return TEST_DONE();
}
