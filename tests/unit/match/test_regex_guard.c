/* The regex guard (match/regex.h): the characters a pattern requires, counted by
 * the index's regex miner, and the test run before PCRE2. The guard must never
 * reject a subject the regex matches: checked against PCRE2 itself on random
 * subjects made of the characters the patterns care about. The sequence test
 * (literal atoms joined by '.*') must decide like PCRE2 wherever it decides. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "index/regex_literal.h"
#include "match/regex.h"
#include "model/detection.h"
#include "test.h"

typedef struct want {
    char c;
    uint16_t n;
} want;

/* counts of `re` are exactly `w` (the other ASCII characters 0); ok: the analysis
 * is expected to go through. */
static void check_counts(const char *re, int ok, const want *w, size_t nw)
{
    uint16_t counts[128];
    const int got = sg_regex_required_chars(re, strlen(re), counts);
    CHECK_MSG(got == ok, "%s: analysis %d, want %d", re, got, ok);
    uint16_t expect[128] = {0};
    for (size_t i = 0; i < nw; i++)
        expect[(unsigned char)w[i].c] = w[i].n;
    for (int c = 0; c < 128; c++)
        CHECK_MSG(counts[c] == expect[c], "%s: '%c' required %u times, want %u", re, c, counts[c],
                  expect[c]);
}

static void test_counts(void)
{
    check_counts("\\+.*\\+.*\\+", 1, (want[]){{'+', 3}}, 1);
    /* optional atoms are not required: ?, *, {0,n}, {,n} */
    check_counts("a\\.b?c*d{0,3}e{,2}\\.", 1, (want[]){{'a', 1}, {'.', 2}}, 2);
    /* a repeated atom counts once; + and {2,} keep it */
    check_counts("x+-{2,}", 1, (want[]){{'x', 1}, {'-', 1}}, 2);
    /* groups and classes require nothing the analysis can vouch for */
    check_counts("(\\+)+[+^]\\^", 1, (want[]){{'^', 1}}, 1);
    /* what it does not parse: no counts at all */
    check_counts("a\\+|b\\+", 0, NULL, 0);
    check_counts("(?x) \\+ \\+", 0, NULL, 0);
    check_counts("\\Q++\\E", 0, NULL, 0);
    check_counts("(a)\\1\\+", 0, NULL, 0);
}

static void test_make(void)
{
    uint16_t counts[128];
    sg_regex_guard g;
    /* letters are left out (caseless forms); the most required characters first */
    const char *ci = "(?i)abc\\..*\\$\\{.*\\{";
    CHECK(sg_regex_required_chars(ci, strlen(ci), counts));
    sg_regex_guard_make(counts, &g);
    CHECK_EQ_INT(g.n, 3);
    CHECK_EQ_INT(g.c[0], '{');
    CHECK_EQ_INT(g.min[0], 2);
    /* at most SG_REGEX_GUARD_MAX characters */
    CHECK(sg_regex_required_chars("!\"#%&',-./", 10, counts));
    sg_regex_guard_make(counts, &g);
    CHECK_EQ_INT(g.n, SG_REGEX_GUARD_MAX);
    /* nothing required: an empty guard passes everything */
    CHECK(sg_regex_required_chars(".*", 2, counts));
    sg_regex_guard_make(counts, &g);
    CHECK_EQ_INT(g.n, 0);
    CHECK(sg_regex_guard_passes(&g, "", 0));
    /* counting */
    CHECK(sg_regex_required_chars("\\+.*\\+.*\\+", 11, counts));
    sg_regex_guard_make(counts, &g);
    CHECK(!sg_regex_guard_passes(&g, "a+b+c", 5));
    CHECK(sg_regex_guard_passes(&g, "a+b+c+", 6));
    CHECK(!sg_regex_guard_passes(&g, "a+b+c+", 5)); /* the length bounds the search */
}

/* xorshift: the same subjects on every run */
static uint32_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s >> 16);
}

/* A subject near `ex`: up to 4 random edits (replace, insert, delete) with
 * characters the patterns care about. */
static size_t mutate(const char *ex, char *s, size_t cap, uint64_t *seed)
{
    static const char alphabet[] = "+{}^`.\\-\"' aAbBxXyYeEnNvV:$0f\n";
    size_t len = strlen(ex);
    memcpy(s, ex, len);
    for (uint32_t e = next_rand(seed) % 5; e; e--) {
        const size_t at = len ? next_rand(seed) % len : 0;
        const char c = alphabet[next_rand(seed) % (sizeof alphabet - 1)];
        switch (next_rand(seed) % 3) {
        case 0:
            if (len)
                s[at] = c;
            break;
        case 1:
            if (len < cap) {
                memmove(s + at + 1, s + at, len - at);
                s[at] = c;
                len++;
            }
            break;
        default:
            if (len) {
                memmove(s + at, s + at + 1, len - at - 1);
                len--;
            }
        }
    }
    return len;
}

static void test_never_rejects_a_match(void)
{
    static const struct {
        const char *re;
        uint32_t flags;
        const char *ex; /* a subject it matches */
    } pats[] = {
        {"\\+.*\\+.*\\+.*\\+", 0, "a+b+c+d+"},
        {"\\{.*\\{.*\\{", 0, "{0}{1}{2}"},
        {"`.*`.*`", 0, "i`e`x`"},
        {"\\w+`(?:\\w+|-|.)`[\\w+|\\s]", 0, "ne`w`o"},
        {"\"(?:\\{\\d\\})+\"\\s*-f", 0, "\"{0}{1}\" -f"},
        {"(?i)\\$\\{`?e`?n`?v`?:`?p`?a`?t`?h`?\\}", 0, "${e`Nv:pA`Th}"},
        {"\\\\[a-zA-Z0-9]{1,32}\\.[a-zA-Z0-9]{1,6}\\.[ \"']{1}", 0, "x \\ab.cd. y"},
        {"-(W|R)\\s?(\\s|\"|')([0-9a-fA-F]{2}\\s?){2,20}(\\s|\"|')", 0, "-W 'aa bb 0f'"},
        {"a\\.b?\\.{0,2}-*\\^", 0, "a.b..-^"}, /* {,2}: text before PCRE2 10.43 */
        {"x-+y\\^{2}", 0, "x--y^^"},
        {"^\\+\\+$", SG_PF_RE_M, "a\n++\nb"},
        {"A.\\+.b", SG_PF_RE_I | SG_PF_RE_S, "a\n+\nB"},
    };
    pcre2_match_data *md = pcre2_match_data_create(4, NULL);
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
        char err[256];
        size_t off;
        pcre2_code *re =
            sg_regex_compile(pats[k].re, strlen(pats[k].re), pats[k].flags, err, sizeof err, &off);
        CHECK_MSG(re != NULL, "%s: %s", pats[k].re, err);
        if (!re)
            continue;
        uint16_t counts[128];
        sg_regex_guard g = {0};
        if (sg_regex_required_chars(pats[k].re, strlen(pats[k].re), counts))
            sg_regex_guard_make(counts, &g);
        CHECK_MSG(sg_regex_search(re, pats[k].ex, strlen(pats[k].ex), md, NULL),
                  "%s: the example does not match", pats[k].re);
        unsigned matched = 0, rejected = 0, wrong = 0;
        for (int t = 0; t < 20000; t++) {
            char s[64];
            const size_t len = mutate(pats[k].ex, s, sizeof s, &seed);
            const int m = sg_regex_search(re, s, len, md, NULL);
            const int pass = sg_regex_guard_passes(&g, s, len);
            matched += (unsigned)m;
            rejected += (unsigned)!pass;
            wrong += (unsigned)(m && !pass);
        }
        CHECK_MSG(wrong == 0, "%s: the guard rejected %u matching subjects", pats[k].re, wrong);
        /* both outcomes occur, or the check proves little */
        CHECK_MSG(matched > 0 && matched < 20000, "%s: %u of 20000 subjects matched", pats[k].re,
                  matched);
        if (g.n)
            CHECK_MSG(rejected > 0, "%s: the guard never rejected", pats[k].re);
        pcre2_code_free(re);
    }
    pcre2_match_data_free(md);
}

/* Which patterns are literal atoms joined by '.*' (sg_regex_seq_make). */
static void test_seq_make(void)
{
    static const struct {
        const char *re;
        uint32_t flags;
        int natoms; /* 0: not such a pattern */
        const char *atoms;
    } cases[] = {
        {"\\+.*\\+.*\\+", 0, 3, "+++"},
        {".*a b.*?\\{\\\\.*", 0, 2, "a b{\\"},
        {"abc", 0, 1, "abc"},
        {"a.*b", SG_PF_RE_I, 0, ""},   /* caseless letters */
        {"1.*-", SG_PF_RE_I, 2, "1-"}, /* no letters: case does not matter */
        {"a.*b", SG_PF_RE_S | SG_PF_RE_M, 2, "ab"},
        {".*", 0, 0, ""},
        {"\\d.*x", 0, 0, ""},
        {"a+.*b", 0, 0, ""},
        {"x.*+y", 0, 0, ""},
        {"x.*{2}y", 0, 0, ""},
        {"(?i)x", 0, 0, ""},
        {"^a.*b", 0, 0, ""},
        {"a|b", 0, 0, ""},
        {"a{2}", 0, 0, ""},
        {"\\x41.*b", 0, 0, ""},
        {"\\_", 0, 0, ""},
        {"caf\xc3\xa9.*x", 0, 0, ""},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        sg_regex_seq q;
        sg_regex_seq_make(cases[k].re, strlen(cases[k].re), cases[k].flags, &q);
        CHECK_MSG(q.natoms == cases[k].natoms, "%s: %u atoms, want %d", cases[k].re, q.natoms,
                  cases[k].natoms);
        size_t n = 0;
        for (uint32_t a = 0; a < q.natoms; a++)
            n += q.len[a];
        CHECK_MSG(n == strlen(cases[k].atoms) && memcmp(q.bytes, cases[k].atoms, n) == 0,
                  "%s: atoms '%.*s', want '%s'", cases[k].re, (int)n, q.bytes, cases[k].atoms);
    }
    /* too many atoms, too many bytes */
    char many[256] = "";
    for (int i = 0; i < SG_REGEX_SEQ_ATOMS + 1; i++)
        strcat(many, i ? ".*x" : "x");
    sg_regex_seq q;
    sg_regex_seq_make(many, strlen(many), 0, &q);
    CHECK_EQ_INT(q.natoms, 0);
    char big[SG_REGEX_SEQ_BYTES + 2];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sg_regex_seq_make(big, strlen(big), 0, &q);
    CHECK_EQ_INT(q.natoms, 0);
}

/* Where the sequence test decides, it agrees with PCRE2: random subjects near a
 * match, with newlines, tabs and non-ASCII bytes among the edits. */
static void test_seq_agrees(void)
{
    static const struct {
        const char *re;
        uint32_t flags;
        const char *ex;
    } pats[] = {
        {"\\+.*\\+.*\\+.*\\+", 0, "a+b+c+d+"},
        {"\\{.*\\{.*\\{", 0, "{0}{1}{2}"},
        {"`.*`.*`", 0, "i`e`x`"},
        {"ab.*?b.*a", 0, "abba"},
        {"\\^.*\\^", SG_PF_RE_S, "x^\n^"},
        {"-.*-", SG_PF_RE_I, "-e -f"},
    };
    static const char alphabet[] = "+{}^`ab-\n\r\t \x85\xc3\xa9\xff";
    pcre2_match_data *md = pcre2_match_data_create(4, NULL);
    uint64_t seed = 0x2545F4914F6CDD1Dull;
    for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
        char err[256];
        size_t off;
        const char *src = pats[k].re;
        pcre2_code *re = sg_regex_compile(src, strlen(src), pats[k].flags, err, sizeof err, &off);
        sg_regex_seq q;
        sg_regex_seq_make(src, strlen(src), pats[k].flags, &q);
        CHECK_MSG(re && q.natoms, "%s: not compiled or not a sequence", src);
        if (!re || !q.natoms) {
            pcre2_code_free(re);
            continue;
        }
        unsigned yes = 0, no = 0, undecided = 0, wrong = 0;
        for (int t = 0; t < 20000; t++) {
            char s[64];
            size_t len = strlen(pats[k].ex);
            memcpy(s, pats[k].ex, len);
            for (uint32_t e = next_rand(&seed) % 6; e; e--) {
                const size_t at = len ? next_rand(&seed) % len : 0;
                const char c = alphabet[next_rand(&seed) % (sizeof alphabet - 1)];
                if (next_rand(&seed) % 2 && len < sizeof s) {
                    memmove(s + at + 1, s + at, len - at);
                    s[at] = c;
                    len++;
                } else if (len) {
                    s[at] = c;
                }
            }
            const int m = sg_regex_search(re, s, len, md, NULL);
            const int d = sg_regex_seq_match(&q, s, len);
            undecided += d < 0;
            yes += d == 1;
            no += d == 0;
            wrong += d >= 0 && d != m;
        }
        CHECK_MSG(wrong == 0, "%s: %u subjects decided unlike PCRE2", src, wrong);
        CHECK_MSG(yes > 0 && no > 0 && undecided > 0, "%s: %u yes, %u no, %u undecided", src, yes,
                  no, undecided);
        pcre2_code_free(re);
    }
    pcre2_match_data_free(md);
}

int main(void)
{
    test_counts();
    test_make();
    test_never_rejects_a_match();
    test_seq_make();
    test_seq_agrees();
    return TEST_DONE();
}
