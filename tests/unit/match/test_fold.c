/* Case folding fast paths (lib/match/fold.c) against a byte-by-byte reference, and
 * folded event values seen through the public API.
 *
 *  - sg_fold_append agrees with a reference that folds one UTF-8 unit at a time
 *    (ASCII by hand, everything else with utf8proc, invalid bytes copied), for
 *    every byte value at every position around the 8- and 16-byte block
 *    boundaries, every pair of bytes, random mixes of ASCII, upper case, multi-byte
 *    and invalid bytes, and appending to a non-empty buffer; the inputs are
 *    exact-size heap copies so that ASan sees any read past the end;
 *  - the special cases the fold defines: full folding (ß and ẞ to "ss", İ to
 *    "i̇"), no Turkish tailoring (I to "i", ı unchanged), Kelvin sign, ΐ;
 *  - through sigma_match, with and without the index: contains-rules written in
 *    other cases match random mixed values, numbers and booleans match as their
 *    text, and keyword rules match field values and the raw message. */
#include "match/strmatch.h"
#include "test.h"
#include "util/vec.h"

#include <sigma/sigma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* ---------------------------------------------------------------- reference */

/* The definition of the fold, one unit at a time (what fold.c did before any
 * fast path). */
static void ref_fold(const char *s, size_t len, sg_buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    sg_buf_clear(out);
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t n = sg_utf8_unit(p + i, len - i, &cp);
        utf8proc_int32_t cps[8];
        int bc = 0;
        utf8proc_ssize_t k =
            cp < 0 ? 0 : utf8proc_decompose_char(cp, cps, 8, UTF8PROC_CASEFOLD, &bc);
        if (cp >= 0 && cp < 0x80) {
            char c = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
            sg_buf_append(out, &c, 1);
        } else if (k <= 0 || k > 8) {
            sg_buf_append(out, p + i, n);
        } else {
            for (utf8proc_ssize_t j = 0; j < k; j++) {
                utf8proc_uint8_t u[4];
                utf8proc_ssize_t ul = utf8proc_encode_char(cps[j], u);
                sg_buf_append(out, u, (size_t)ul);
            }
        }
        i += n;
    }
}

static unsigned long checked_inputs;

/* Checks sg_fold_append on s[0, len), copied to an exact-size heap block. */
static int check_fold(const char *src, size_t len)
{
    char *s = malloc(len ? len : 1);
    if (!s)
        return 0;
    memcpy(s, src, len);
    sg_buf want = {0}, got = {0}, pre = {0};
    ref_fold(s, len, &want);
    int ok = 1;

    ok &= sg_fold_append(s, len, &got) == 0 && got.len == want.len &&
          memcmp(got.data, want.data ? want.data : "", want.len) == 0 && got.data[got.len] == 0;

    /* appending after existing text leaves it alone */
    sg_buf_append(&pre, "Keep", 4);
    ok &= sg_fold_append(s, len, &pre) == 0 && pre.len == 4 + want.len &&
          memcmp(pre.data, "Keep", 4) == 0 &&
          (want.len == 0 || memcmp(pre.data + 4, want.data, want.len) == 0) &&
          pre.data[pre.len] == 0;
    if (!ok) {
        fprintf(stderr, "fold mismatch for %zu bytes:", len);
        for (size_t i = 0; i < len; i++)
            fprintf(stderr, " %02x", (unsigned char)s[i]);
        fputc('\n', stderr);
    }
    checked_inputs++;
    sg_buf_free(&want);
    sg_buf_free(&got);
    sg_buf_free(&pre);
    free(s);
    return ok;
}

static int fold_is(const char *s, const char *want)
{
    sg_buf b = {0};
    int ok = sg_fold_append(s, strlen(s), &b) == 0 && b.len == strlen(want) &&
             memcmp(b.data, want, b.len) == 0;
    if (!ok)
        fprintf(stderr, "fold(\"%s\") = \"%s\", want \"%s\"\n", s, b.data ? b.data : "", want);
    sg_buf_free(&b);
    return ok;
}

/* A small deterministic generator (tests must not depend on rand()'s library). */
static uint32_t rnd(uint64_t *st)
{
    *st = *st * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*st >> 33);
}

/* ------------------------------------------------------------ fold: units */

static void test_special_cases(void)
{
    CHECK(fold_is("", ""));
    CHECK(fold_is("ABCDEFGHIJKLMNOPQRSTUVWXYZ@[`{", "abcdefghijklmnopqrstuvwxyz@[`{"));
    CHECK(fold_is("Stra\xc3\x9f"
                  "e",
                  "strasse"));                              /* ß */
    CHECK(fold_is("\xe1\xba\x9e", "ss"));                   /* ẞ U+1E9E */
    CHECK(fold_is("\xc4\xb0stanbul", "i\xcc\x87stanbul"));  /* İ -> i + U+0307 */
    CHECK(fold_is("ISTANBUL", "istanbul"));                 /* no Turkish tailoring */
    CHECK(fold_is("\xc4\xb1", "\xc4\xb1"));                 /* ı stays */
    CHECK(fold_is("\xe2\x84\xaa", "k"));                    /* Kelvin sign */
    CHECK(fold_is("\xc5\xbf", "s"));                        /* long s */
    CHECK(fold_is("\xce\x90", "\xce\xb9\xcc\x88\xcc\x81")); /* ΐ -> 3 code points */
    CHECK(fold_is("C:\\WINDOWS\\\xc3\x84pfel.EXE", "c:\\windows\\\xc3\xa4pfel.exe"));
    CHECK(fold_is("\xff"
                  "ABC\xc3",
                  "\xff"
                  "abc\xc3")); /* invalid bytes kept */
}

/* Every byte value, alone and at every position of ASCII text of several lengths
 * (block boundaries at 8 and 16, tails of 0-15 bytes). */
static void test_every_byte(void)
{
    int ok = 1;
    char buf[48];
    for (int b = 0; b < 256; b++) {
        buf[0] = (char)b;
        ok &= check_fold(buf, 1);
        for (size_t len = 2; len <= 40; len++) {
            for (size_t at = 0; at < len; at++) {
                for (size_t i = 0; i < len; i++)
                    buf[i] = (char)((i & 1) ? 'a' + (i % 26) : 'A' + (i % 26));
                buf[at] = (char)b;
                ok &= check_fold(buf, len);
            }
        }
    }
    CHECK(ok);
}

/* Every pair of bytes, and the pair after 15 lower-case bytes (straddling the
 * 16-byte block's end). */
static void test_byte_pairs(void)
{
    int ok = 1;
    char buf[17];
    memset(buf, 'x', sizeof buf);
    for (int a = 0; a < 256; a++) {
        for (int b = 0; b < 256; b++) {
            buf[15] = (char)a;
            buf[16] = (char)b;
            ok &= check_fold(buf + 15, 2);
            ok &= check_fold(buf, 17);
        }
    }
    CHECK(ok);
}

/* Pieces random strings are made of: ASCII of both cases, characters whose
 * folding changes length, invalid and truncated sequences. */
static const char *const pieces[] = {"a",
                                     "z",
                                     "A",
                                     "Z",
                                     "0",
                                     " ",
                                     "\\",
                                     "@",
                                     "[",
                                     "`",
                                     "{",
                                     "\x7f",
                                     "\xc3\xa4",
                                     "\xc3\x84",
                                     "\xc3\x9f",
                                     "\xe1\xba\x9e",
                                     "\xc4\xb0",
                                     "\xc4\xb1",
                                     "\xe2\x84\xaa",
                                     "\xce\x90",
                                     "\xce\xa3",
                                     "\xd0\x9a",
                                     "\xf0\x9f\x98\x80",
                                     "\x80",
                                     "\xc0",
                                     "\xff",
                                     "\xe2\x84",
                                     "\xf0\x9f"};

static void test_random_mixes(void)
{
    int ok = 1;
    uint64_t st = 42;
    char buf[256];
    for (int n = 0; n < 20000; n++) {
        size_t len = 0, want = rnd(&st) % 90;
        /* mostly ASCII, like event values */
        while (len < want) {
            const char *pc = pieces[rnd(&st) % 4 ? rnd(&st) % 11 : rnd(&st) % 28];
            size_t pl = strlen(pc);
            if (len + pl > sizeof buf)
                break;
            memcpy(buf + len, pc, pl);
            len += pl;
        }
        ok &= check_fold(buf, len);
    }
    CHECK(ok);
}

/* ---------------------------------------------------------- public API */

/* Matches ev and returns the hit count; *hit_out = 1 if rule `want` is among them. */
static uint32_t match(const sigma_ruleset *rs, sigma_scratch *sc, const sigma_event *ev,
                      uint32_t flags, uint32_t want, int *hit_out)
{
    *hit_out = 0;
    if (sigma_match(rs, sc, ev, flags, NULL, NULL) != SIGMA_OK)
        return UINT32_MAX;
    uint32_t n = sigma_scratch_hit_count(sc);
    for (uint32_t i = 0; i < n; i++)
        if (sigma_scratch_hit_rule(sc, i) == want)
            *hit_out = 1;
    return n;
}

/* ASCII letters of s[0, len) with their case swapped; ß becomes "SS" (same folding). */
static size_t swap_case(const char *s, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (i + 1 < len && (unsigned char)c == 0xc3 && (unsigned char)s[i + 1] == 0x9f) {
            out[o++] = 'S';
            out[o++] = 'S';
            i++;
            continue;
        }
        out[o++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return o;
}

enum { NRAND = 120 };

/* Bytes of the UTF-8 character that starts with lead byte c. */
static size_t utf8_len(unsigned char c)
{
    return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* Random values of valid UTF-8 (YAML needs it) without Sigma wildcards or quotes. */
static const char *const vpieces[] = {
    "a", "q", "Z",        "M",        "7",        " ",        ".",        "-",
    ":", "/", "\xc3\xa4", "\xc3\x84", "\xc3\x9f", "\xd0\x9a", "\xce\xa3", "\xf0\x9f\x98\x80"};

static void test_public_api(void)
{
    char values[NRAND][128], lits[NRAND][256];
    size_t vlens[NRAND];
    uint64_t st = 7;
    sg_buf yaml = {0};
    for (int k = 0; k < NRAND; k++) {
        size_t len = 0, want = 1 + rnd(&st) % 70;
        while (len < want) {
            const char *pc = vpieces[rnd(&st) % 5 ? rnd(&st) % 10 : rnd(&st) % 16];
            size_t pl = strlen(pc);
            if (len + pl > 100)
                break;
            memcpy(values[k] + len, pc, pl);
            len += pl;
        }
        vlens[k] = len;
        /* a piece from the middle, on piece boundaries: whole characters */
        size_t a = 0;
        while (a < len / 3)
            a += utf8_len((unsigned char)values[k][a]);
        if (a >= len)
            a = 0;
        size_t ll = swap_case(values[k] + a, len - a, lits[k]);
        lits[k][ll] = 0;
        char head[512];
        snprintf(head, sizeof head,
                 "title: r%d\nlogsource: {product: test}\ndetection:\n    sel:\n"
                 "        F%d|contains: '%s'\n    condition: sel\nlevel: low\n---\n",
                 k, k, lits[k]);
        sg_buf_append(&yaml, head, strlen(head));
    }
    /* numbers and booleans match as their text; keywords see values and message */
    const char *fixed = "title: num\nlogsource: {product: test}\ndetection:\n    sel:\n"
                        "        N|contains: '4567'\n    condition: sel\nlevel: low\n---\n"
                        "title: neg\nlogsource: {product: test}\ndetection:\n    sel:\n"
                        "        M|startswith: '-90'\n    condition: sel\nlevel: low\n---\n"
                        "title: bool\nlogsource: {product: test}\ndetection:\n    sel:\n"
                        "        B|endswith: 'RUE'\n    condition: sel\nlevel: low\n---\n"
                        "title: min\nlogsource: {product: test}\ndetection:\n    sel:\n"
                        "        Z|endswith: '-9223372036854775808'\n    condition: sel\nlevel: "
                        "low\n---\n"
                        "title: zero\nlogsource: {product: test}\ndetection:\n    sel:\n"
                        "        Q|startswith: '0'\n    condition: sel\nlevel: low\n---\n"
                        "title: kw\nlogsource: {product: test}\ndetection:\n    keywords:\n"
                        "        - 'ZEBRA-CROSSING'\n    condition: keywords\nlevel: low\n";
    sg_buf_append(&yaml, fixed, strlen(fixed));

    sigma_builder *bld = NULL;
    sigma_ruleset *rs = NULL;
    sigma_scratch *sc = NULL;
    sigma_event *ev = NULL;
    uint32_t added = 0;
    CHECK(sigma_builder_new(NULL, &bld) == SIGMA_OK);
    CHECK(sigma_builder_add_yaml(bld, "fold", SIGMA_NUL_TERMINATED, yaml.data, yaml.len, &added) ==
          SIGMA_OK);
    CHECK_EQ_INT(added, NRAND + 6);
    CHECK(sigma_builder_build(bld, &rs) == SIGMA_OK);
    sigma_builder_free(bld);
    sg_buf_free(&yaml);
    if (!rs)
        return;
    CHECK(sigma_scratch_reserve(rs, &sc) == SIGMA_OK);
    CHECK(sigma_event_new(&ev) == SIGMA_OK);

    for (uint32_t k = 0; k < NRAND; k++) {
        char name[16];
        int hi, hn;
        snprintf(name, sizeof name, "F%u", k);
        sigma_event_clear(ev);
        sigma_event_add_str(ev, name, SIGMA_NUL_TERMINATED, values[k], vlens[k], 0);
        /* the same value under the next rule's field: hits must agree with no-index */
        snprintf(name, sizeof name, "F%u", (k + 1) % NRAND);
        sigma_event_add_str(ev, name, SIGMA_NUL_TERMINATED, values[k], vlens[k], 0);
        uint32_t ni = match(rs, sc, ev, 0, k, &hi);
        uint32_t nn = match(rs, sc, ev, SIGMA_MATCH_NO_INDEX, k, &hn);
        CHECK_MSG(hi && hn && ni == nn, "rule r%u ('%s') on '%.*s': index %d/%u, no index %d/%u", k,
                  lits[k], (int)vlens[k], values[k], hi, ni, hn, nn);
    }

    const uint32_t num = NRAND, neg = NRAND + 1, boo = NRAND + 2, imin = NRAND + 3,
                   zero = NRAND + 4, kw = NRAND + 5;
    int h;
    sigma_event_clear(ev);
    sigma_event_add_int(ev, "N", 1, 1234567);
    CHECK(match(rs, sc, ev, 0, num, &h) == 1 && h);
    sigma_event_clear(ev);
    sigma_event_add_int(ev, "N", 1, 1234568);
    CHECK(match(rs, sc, ev, 0, num, &h) == 0);
    sigma_event_clear(ev);
    sigma_event_add_int(ev, "M", 1, -9000000000000000000ll);
    CHECK(match(rs, sc, ev, 0, neg, &h) == 1 && h);
    sigma_event_clear(ev);
    sigma_event_add_int(ev, "M", 1, 90);
    CHECK(match(rs, sc, ev, 0, neg, &h) == 0);
    sigma_event_clear(ev);
    sigma_event_add_bool(ev, "B", 1, 1);
    CHECK(match(rs, sc, ev, 0, boo, &h) == 1 && h);
    sigma_event_clear(ev);
    sigma_event_add_bool(ev, "B", 1, 0);
    CHECK(match(rs, sc, ev, 0, boo, &h) == 0);
    sigma_event_clear(ev);
    sigma_event_add_int(ev, "Z", 1, INT64_MIN);
    CHECK(match(rs, sc, ev, 0, imin, &h) == 1 && h);
    sigma_event_clear(ev);
    sigma_event_add_int(ev, "Z", 1, INT64_MAX);
    CHECK(match(rs, sc, ev, 0, imin, &h) == 0);
    const int64_t zeros[] = {0, 5, 10, 99, 100, 1000000, INT64_MAX};
    for (size_t i = 0; i < sizeof zeros / sizeof zeros[0]; i++) {
        sigma_event_clear(ev);
        sigma_event_add_int(ev, "Q", 1, zeros[i]);
        CHECK_MSG(match(rs, sc, ev, 0, zero, &h) == (zeros[i] == 0) && h == (zeros[i] == 0), "%lld",
                  (long long)zeros[i]);
    }
    for (int flags = 0; flags <= 1; flags++) {
        sigma_event_clear(ev);
        sigma_event_add_str(ev, "X", 1, "a zebra-crossing here", SIGMA_NUL_TERMINATED, 0);
        CHECK(match(rs, sc, ev, (uint32_t)flags, kw, &h) == 1 && h);
        sigma_event_clear(ev);
        sigma_event_set_message(ev, "LOG: Zebra-Crossing", SIGMA_NUL_TERMINATED, 0);
        CHECK(match(rs, sc, ev, (uint32_t)flags, kw, &h) == 1 && h);
        sigma_event_clear(ev);
        sigma_event_set_message(ev, "LOG: Zebra Crossing", SIGMA_NUL_TERMINATED, 0);
        CHECK(match(rs, sc, ev, (uint32_t)flags, kw, &h) == 0);
    }
    sigma_event_free(ev);
    sigma_scratch_free(sc);
    sigma_ruleset_unref(rs);
}

int main(void)
{
    test_special_cases();
    test_every_byte();
    test_byte_pairs();
    test_random_mixes();
    printf("%lu inputs folded and compared\n", checked_inputs);
    test_public_api();
    return TEST_DONE();
}
