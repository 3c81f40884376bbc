/* Case folding and the matcher core (lib/match/strmatch.h). */
#include "match/strmatch.h"
#include "model/sigma_string.h"
#include "test.h"
#include "util/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* ---------------------------------------------------------------- helpers */

/* Folds s and compares with want (both NUL-terminated). */
static int fold_is(const char *s, const char *want)
{
    sg_buf b = {0};
    int ok = sg_fold_append(s, strlen(s), &b) == 0 && b.len == strlen(want) &&
             memcmp(b.data, want, b.len) == 0 && b.data[b.len] == '\0';
    if (!ok)
        fprintf(stderr, "fold(\"%s\") = \"%s\", want \"%s\"\n", s, b.data ? b.data : "", want);
    sg_buf_free(&b);
    return ok;
}

static int fold_equal(const char *a, const char *b)
{
    sg_buf x = {0}, y = {0};
    int ok = sg_fold_append(a, strlen(a), &x) == 0 && sg_fold_append(b, strlen(b), &y) == 0 &&
             x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
    sg_buf_free(&x);
    sg_buf_free(&y);
    return ok;
}

/* The way callers use the core: parse the Sigma text, compile, fold the value
 * (unless cased), exec. Also checks the expected classification when kind != 0. */
static int match_n(const char *pat, size_t plen, const char *val, size_t vlen, int cased, int kind)
{
    sg_pattern p;
    sg_strmatch m;
    sg_buf v = {0};
    int r = -1;
    if (sg_pattern_parse(pat, plen, &p) != 0)
        return -1;
    if (sg_strmatch_compile(&p, cased, &m) != 0) {
        sg_pattern_free(&p);
        return -1;
    }
    if (kind)
        CHECK_MSG((int)m.kind == kind, "pattern \"%s\": kind %d, want %d", pat, (int)m.kind,
                  (int)kind);
    if (cased) {
        r = sg_strmatch_exec(&m, val, vlen);
    } else if (sg_fold_append(val, vlen, &v) == 0) {
        r = sg_strmatch_exec(&m, v.data, v.len);
    }
    sg_buf_free(&v);
    sg_strmatch_free(&m);
    sg_pattern_free(&p);
    return r;
}

static int match(const char *pat, const char *val)
{
    return match_n(pat, strlen(pat), val, strlen(val), 0, 0);
}

static int match_k(const char *pat, const char *val, int kind)
{
    return match_n(pat, strlen(pat), val, strlen(val), 0, kind);
}

static int match_cased(const char *pat, const char *val)
{
    return match_n(pat, strlen(pat), val, strlen(val), 1, 0);
}

#define YES(pat, val) CHECK_MSG(match(pat, val) == 1, "\"%s\" should match \"%s\"", pat, val)
#define NO(pat, val) CHECK_MSG(match(pat, val) == 0, "\"%s\" should not match \"%s\"", pat, val)

/* ---------------------------------------------------------------- folding */

static void test_fold(void)
{
    CHECK(fold_is("", ""));
    CHECK(fold_is("Hello, WORLD 123 [@`{~]", "hello, world 123 [@`{~]"));
    CHECK(fold_is("\xc3\x84RGER", "\xc3\xa4rger"));         /* ÄRGER -> ärger */
    CHECK(fold_is("J\xc3\x96RG", "j\xc3\xb6rg"));           /* JÖRG -> jörg */
    CHECK(fold_is("\xc3\xa4\xc3\xb6", "\xc3\xa4\xc3\xb6")); /* already folded */
    CHECK(fold_is("stra\xc3\x9f"
                  "e",
                  "strasse")); /* ß -> ss */
    CHECK(fold_equal("STRASSE", "stra\xc3\x9f"
                                "e"));
    CHECK(fold_is("\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2",
                  "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82")); /* ПРИВЕТ -> привет */
    /* ΟΔΥΣΣΕΥΣ vs οδυσσευς (final sigma folds to σ) */
    CHECK(fold_equal("\xce\x9f\xce\x94\xce\xa5\xce\xa3\xce\xa3\xce\x95\xce\xa5\xce\xa3",
                     "\xce\xbf\xce\xb4\xcf\x85\xcf\x83\xcf\x83\xce\xb5\xcf\x85\xcf\x82"));
    CHECK(fold_is("\xcf\x82", "\xcf\x83")); /* ς -> σ */
    CHECK(fold_is("\xe2\x84\xaa", "k"));    /* KELVIN SIGN -> k */

    /* İ (U+0130) folds however utf8proc folds it: compare with utf8proc directly. */
    utf8proc_uint8_t *ref = NULL;
    utf8proc_ssize_t rn =
        utf8proc_map((const utf8proc_uint8_t *)"\xc4\xb0", 2, &ref, UTF8PROC_CASEFOLD);
    CHECK(rn > 0);
    if (rn > 0)
        CHECK(fold_is("\xc4\xb0", (const char *)ref));
    free(ref);

    /* Invalid UTF-8 passes through byte by byte, valid text around it still folds. */
    CHECK(fold_is("\xff\xfe"
                  "ABC",
                  "\xff\xfe"
                  "abc"));
    CHECK(fold_is("A\x80"
                  "B",
                  "a\x80"
                  "b"));
    CHECK(fold_is("X\xc3", "x\xc3"));         /* truncated 2-byte at end */
    CHECK(fold_is("X\xe2\x82", "x\xe2\x82")); /* truncated 3-byte at end */
    CHECK(fold_is("\xc3"
                  "A",
                  "\xc3"
                  "a"));                                    /* lead byte then ASCII */
    CHECK(fold_is("\xc0\x81", "\xc0\x81"));                 /* overlong */
    CHECK(fold_is("\xed\xa0\x80", "\xed\xa0\x80"));         /* surrogate */
    CHECK(fold_is("\xf4\x90\x80\x80", "\xf4\x90\x80\x80")); /* above U+10FFFF */

    /* Embedded NUL and appending to a non-empty buffer. */
    sg_buf b = {0};
    CHECK(sg_buf_append(&b, "pre:", 4) == 0);
    CHECK(sg_fold_append("A\0B", 3, &b) == 0);
    CHECK_EQ_INT(b.len, 7);
    CHECK(memcmp(b.data, "pre:a\0b", 8) == 0);
    sg_buf_free(&b);

    CHECK(sg_fold_is_identity("", 0));
    CHECK(sg_fold_is_identity("abc 123", 7));
    CHECK(!sg_fold_is_identity("abC", 3));
    CHECK(sg_fold_is_identity("\xc3\xa4", 2));
    CHECK(!sg_fold_is_identity("\xc3\x84", 2));
    CHECK(!sg_fold_is_identity("\xc3\x9f", 2)); /* ß -> ss */
    CHECK(sg_fold_is_identity("\xff\xfe\x80", 3));
}

/* The decoder must agree with utf8proc_iterate about which sequences are valid:
 * exhaustively for 1-3 byte inputs, and for 4-byte inputs whose tail bytes are
 * drawn from interesting values. */
static int decoder_agrees(const unsigned char *s, size_t n)
{
    int32_t cp;
    utf8proc_int32_t ucp;
    size_t got = sg_utf8_unit(s, n, &cp);
    utf8proc_ssize_t want = utf8proc_iterate(s, (utf8proc_ssize_t)n, &ucp);
    if (want > 0)
        return got == (size_t)want && cp == ucp;
    return got == 1 && cp == -1;
}

static void test_decoder(void)
{
    unsigned char s[4];
    long bad = 0;
    for (unsigned a = 0; a < 256; a++) {
        s[0] = (unsigned char)a;
        bad += !decoder_agrees(s, 1);
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (unsigned char)b;
            bad += !decoder_agrees(s, 2);
            for (unsigned c = 0; c < 256; c++) {
                s[2] = (unsigned char)c;
                bad += !decoder_agrees(s, 3);
            }
        }
    }
    static const unsigned char tails[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90,
                                          0x9f, 0xa0, 0xbf, 0xc0, 0xf4, 0xff};
    for (unsigned a = 0xf0; a < 256; a++)
        for (unsigned b = 0; b < 256; b++)
            for (size_t c = 0; c < sizeof tails; c++)
                for (size_t d = 0; d < sizeof tails; d++) {
                    s[0] = (unsigned char)a;
                    s[1] = (unsigned char)b;
                    s[2] = tails[c];
                    s[3] = tails[d];
                    bad += !decoder_agrees(s, 4);
                }
    CHECK_EQ_INT(bad, 0);
}

/* ---------------------------------------------------------------- kinds */

static void test_kinds(void)
{
    CHECK(match_k("*", "", SG_SM_ANY) == 1);
    CHECK(match_k("**", "anything", SG_SM_ANY) == 1);
    CHECK(match_k("", "", SG_SM_EQ) == 1);
    CHECK(match_k("", "x", SG_SM_EQ) == 0);
    CHECK(match_k("cmd.exe", "CMD.EXE", SG_SM_EQ) == 1);
    CHECK(match_k("cmd.exe", "cmd.exe ", SG_SM_EQ) == 0);
    CHECK(match_k("cmd.exe", "cmd.ex", SG_SM_EQ) == 0);
    CHECK(match_k("C:\\Windows\\\\*", "c:\\windows\\system32", SG_SM_PREFIX) == 1);
    CHECK(match_k("C:\\Windows\\\\*", "C:\\Windows\\", SG_SM_PREFIX) == 1);
    CHECK(match_k("C:\\Windows\\\\*", "D:\\Windows\\x", SG_SM_PREFIX) == 0);
    CHECK(match_k("C:\\Windows\\\\*", "C:\\Window", SG_SM_PREFIX) == 0);
    /* `\*` escapes the star: this is the literal "C:\Windows*" (§3.1). */
    CHECK(match_k("C:\\Windows\\*", "C:\\Windows*", SG_SM_EQ) == 1);
    CHECK(match_k("C:\\Windows\\*", "C:\\Windows\\x", SG_SM_EQ) == 0);
    CHECK(match_k("*.exe", "a.EXE", SG_SM_SUFFIX) == 1);
    CHECK(match_k("*.exe", ".exe", SG_SM_SUFFIX) == 1);
    CHECK(match_k("*.exe", "a.exe.txt", SG_SM_SUFFIX) == 0);
    CHECK(match_k("*.exe", "exe", SG_SM_SUFFIX) == 0);
    CHECK(match_k("*mimikatz*", "C:\\tools\\MimiKatz.exe", SG_SM_CONTAINS) == 1);
    CHECK(match_k("*mimikatz*", "mimikatz", SG_SM_CONTAINS) == 1);
    CHECK(match_k("*mimikatz*", "mimi katz", SG_SM_CONTAINS) == 0);
    CHECK(match_k("*mimikatz*", "", SG_SM_CONTAINS) == 0);
    CHECK(match_k("a*b", "ab", SG_SM_GLOB) == 1);
    CHECK(match_k("?", "x", SG_SM_GLOB) == 1);
    CHECK(match_k("*?", "x", SG_SM_GLOB) == 1);
    CHECK(match_k("?*", "", SG_SM_GLOB) == 0);
    CHECK(match_k("*a*b*", "xaxbx", SG_SM_GLOB) == 1);
    /* Escaped wildcards are literals and keep the simple kinds. */
    CHECK(match_k("a\\*b", "A*B", SG_SM_EQ) == 1);
    CHECK(match_k("a\\*b", "axb", SG_SM_EQ) == 0);
    CHECK(match_k("*\\?*", "what?", SG_SM_CONTAINS) == 1);
    CHECK(match_k("*\\?*", "what", SG_SM_CONTAINS) == 0);
    CHECK(match_k("a\\\\*", "A\\bc", SG_SM_PREFIX) == 1);
    CHECK(match_k("\\\\\\\\\\?\\\\GLOBALROOT*", "\\\\?\\globalroot\\device", SG_SM_PREFIX) == 1);
    CHECK(match_k("\\\\\\\\\\?\\\\GLOBALROOT*", "\\\\x\\globalroot\\device", SG_SM_PREFIX) == 0);
}

static void test_compiled_fields(void)
{
    sg_pattern p;
    sg_strmatch m;
    CHECK(sg_pattern_parse("*\xc3\x84Rger*", 8, &p) == 0);
    CHECK(sg_strmatch_compile(&p, 0, &m) == 0);
    CHECK_EQ_INT(m.kind, SG_SM_CONTAINS);
    CHECK_EQ_STR(m.lit, "\xc3\xa4rger");
    sg_strmatch_free(&m);
    CHECK(sg_strmatch_compile(&p, 1, &m) == 0);
    CHECK_EQ_STR(m.lit, "\xc3\x84Rger");
    CHECK(m.cased);
    sg_strmatch_free(&m);
    sg_pattern_free(&p);

    /* The empty pattern is EQ with the empty (but allocated) literal. */
    CHECK(sg_pattern_parse("", 0, &p) == 0);
    CHECK(sg_strmatch_compile(&p, 0, &m) == 0);
    CHECK_EQ_INT(m.kind, SG_SM_EQ);
    CHECK_EQ_STR(m.lit, "");
    CHECK_EQ_INT(m.lit_len, 0);
    CHECK(sg_strmatch_exec(&m, "", 0));
    CHECK(sg_strmatch_exec(&m, NULL, 0));
    CHECK(!sg_strmatch_exec(&m, "a", 1));
    sg_strmatch_free(&m);
    sg_pattern_free(&p);

    /* A literal byte equal to the placeholder byte stays a literal. */
    CHECK(sg_pattern_parse("A\\?*?B", 6, &p) == 0);
    CHECK(sg_strmatch_compile(&p, 0, &m) == 0);
    CHECK_EQ_INT(m.kind, SG_SM_GLOB);
    CHECK_EQ_INT(m.nsegs, 2);
    CHECK(m.anchored_start && m.anchored_end);
    CHECK_EQ_INT(m.segs[0].n_one, 0);
    CHECK_EQ_INT(m.segs[1].n_one, 1);
    CHECK_EQ_INT(m.glob_one[m.segs[0].off + 1], 0);
    CHECK_EQ_INT(m.glob_one[m.segs[1].off], 1);
    sg_strmatch_free(&m);
    sg_pattern_free(&p);
    CHECK(match("A\\?*?B", "a?xb") == 1);
    CHECK(match("A\\?*?B", "a?b") == 0);
    CHECK(match("A\\?*?B", "axxb") == 0);
    CHECK(match("*\\??", "??") == 1);
    CHECK(match("*\\??", "?") == 0);
    CHECK(match("*\\??", "x?") == 0);

    /* Patterns built by hand (not normalised) still classify by shape. */
    sg_pat_tok toks[] = {{SG_PAT_ANY, 0, 0},
                         {SG_PAT_ANY, 0, 0},
                         {SG_PAT_LIT, 0, 0},
                         {SG_PAT_LIT, 0, 3},
                         {SG_PAT_ANY, 0, 0}};
    sg_pattern hand = {(char *)"ABC", 3, toks, 5};
    CHECK(sg_strmatch_compile(&hand, 0, &m) == 0);
    CHECK_EQ_INT(m.kind, SG_SM_CONTAINS);
    CHECK_EQ_STR(m.lit, "abc");
    CHECK(sg_strmatch_exec(&m, "xabcx", 5));
    sg_strmatch_free(&m);
    sg_strmatch_free(&m); /* free zeroes: a second free is harmless */
}

/* ---------------------------------------------------------------- unicode */

static void test_unicode_matching(void)
{
    YES("\xc3\xa4rger", "\xc3\x84RGER");
    YES("\xc3\x84RGER", "\xc3\xa4rger");
    YES("C:\\Users\\J\xc3\xb6rg\\\\*", "c:\\USERS\\J\xc3\x96RG\\Desktop");
    YES("*\xc3\x96*", "x\xc3\xb6y");
    NO("*\xc3\x96*", "xoy");
    /* Greek with final sigma, both directions. */
    YES("\xce\x9f\xce\x94\xce\xa5\xce\xa3\xce\xa3\xce\x95\xce\xa5\xce\xa3",
        "\xce\xbf\xce\xb4\xcf\x85\xcf\x83\xcf\x83\xce\xb5\xcf\x85\xcf\x82");
    YES("*\xcf\x83", "\xce\xbf\xce\xb4\xcf\x85\xcf\x83\xcf\x83\xce\xb5\xcf\x85\xcf\x82");
    /* Cyrillic. */
    YES("*\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82*",
        "say \xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2!");
    /* ß vs ss, both directions; '?' sees the folded text ("ss" is two). */
    YES("stra\xc3\x9f"
        "e",
        "STRASSE");
    YES("STRASSE", "stra\xc3\x9f"
                   "e");
    YES("*A\xc3\x9f*", "xassx");
    YES("stra??e", "Stra\xc3\x9f"
                   "e");
    NO("stra?e", "Stra\xc3\x9f"
                 "e");

    /* '?' is one code point, whatever its byte length. */
    YES("a?c", "a\xc3\xa9"
               "c"); /* é: 2 bytes */
    YES("a?c", "a\xe2\x82\xac"
               "c"); /* €: 3 bytes */
    YES("a?c", "a\xf0\x9f\x98\x80"
               "c"); /* emoji: 4 bytes */
    YES("a?c", "abc");
    NO("a?c", "ac");
    NO("a?c", "a\xc3\xa9\xc3\xa9"
              "c");
    YES("a??c", "a\xc3\xa9\xc3\xa9"
                "c");
    YES("?", "\xf0\x9f\x98\x80");
    NO("??", "\xf0\x9f\x98\x80");
    NO("*??*", "\xf0\x9f\x98\x80"); /* never split a code point to find two */
    YES("*??*", "\xf0\x9f\x98\x80x");
    YES("*?", "\xf0\x9f\x98\x80");
    YES("*x?", "ab x\xe2\x82\xac");
    NO("*x?", "ab x\xe2\x82\xac!");
    YES("*x??", "ab x\xe2\x82\xac!");
    YES("*?\xc3\xa9", "\xc3\xa9\xc3\xa9");
    NO("*??\xc3\xa9", "\xc3\xa9\xc3\xa9");
}

static void test_invalid_utf8(void)
{
    CHECK(match_n("*abc*", 5,
                  "\xff\xfe"
                  "ABC",
                  5, 0, SG_SM_CONTAINS) == 1);
    CHECK(match_n("\xff\xfe"
                  "abc",
                  5,
                  "\xff\xfe"
                  "ABC",
                  5, 0, SG_SM_EQ) == 1);
    CHECK(match_n("\xff\xfe"
                  "abc",
                  5,
                  "\xfe\xff"
                  "ABC",
                  5, 0, SG_SM_EQ) == 0);
    /* Each invalid byte is one '?'. */
    YES("??abc", "\xff\xfe"
                 "ABC");
    NO("?abc", "\xff\xfe"
               "ABC");
    YES("a?", "a\x80");
    YES("a??", "a\xc3\x28"); /* bad continuation: two units */
    /* Truncated multi-byte sequence at the end of the value. */
    YES("*x\xc3", "ABX\xc3");
    YES("x?", "X\xc3");
    NO("x?", "X\xe2\x82"); /* a truncated 3-byte sequence is two invalid units */
    YES("x??", "X\xe2\x82");
    NO("x?", "X\xe2\x82\x41");
    NO("x?", "X\xe2\x82\xac\xac");
    YES("x?*", "X\xe2\x82");
    YES("*?", "\xe2\x82");
    YES("*?b*", "a\xe2\x82"
                "b");
    /* Lone continuation bytes, and continuation bytes after a complete char. */
    YES("\xc3\xa9?", "\xc3\xa9\xa9");
    YES("*?\xa9", "\xc3\xa9\xa9");
    YES("*?", "\x80\x80\x80\x80\x80");
    YES("?????", "\x80\x80\x80\x80\x80");
    NO("????", "\x80\x80\x80\x80\x80");
    /* Patterns whose literals are not valid UTF-8 never crash. */
    YES("*\xa9*", "\xc3\xa9");
    YES("*\xa9?", "x\xa9y");
    CHECK(match_n("a\0b*", 4, "A\0BC", 4, 0, SG_SM_PREFIX) == 1);
    CHECK(match_n("*\0*", 3, "abc", 3, 0, SG_SM_CONTAINS) == 0);
}

static void test_cased(void)
{
    CHECK(match_cased("Abc", "Abc") == 1);
    CHECK(match_cased("Abc", "abc") == 0);
    CHECK(match_cased("abc", "Abc") == 0);
    CHECK(match_cased("*Abc*", "xAbcx") == 1);
    CHECK(match_cased("*Abc*", "xabcx") == 0);
    CHECK(match_cased("A?c*", "A\xc3\x89"
                              "cd") == 1);
    CHECK(match_cased("A?c*", "a\xc3\x89"
                              "cd") == 0);
    CHECK(match_cased("stra\xc3\x9f"
                      "e",
                      "strasse") == 0);
    CHECK(match_cased("\xc3\x84*", "\xc3\xa4rger") == 0);
    CHECK(match_cased("\xc3\x84*", "\xc3\x84rger") == 1);
}

/* ---------------------------------------------------------------- globs */

static void test_globs(void)
{
    YES("a*b*c", "abc");
    YES("a*b*c", "aXbYc");
    YES("a*b*c", "abcbc");
    NO("a*b*c", "acb");
    NO("a*b*c", "abcx");
    YES("*a*b*c*", "xxaxxbxxcxx");
    NO("*a*b*c*", "xxcxxbxxaxx");
    YES("a*a", "aa");
    NO("a*a", "a"); /* first and last segment must not overlap */
    YES("ab*ba", "abba");
    NO("ab*ba", "aba");
    YES("?*?", "ab");
    NO("?*?", "a");
    YES("*?*?*?*", "abc");
    NO("*?*?*?*", "ab");
    YES("?a?*b?", "xaybbz");
    YES("?a?*b?", "xayb\xc3\xa9");
    NO("?a?*b?", "xayb");
    YES("*.?xe", "a.exe");
    YES("*\\\\?ystem32\\\\*.exe", "C:\\Windows\\System32\\cmd.exe");
    NO("*\\\\?ystem32\\\\*.exe", "C:\\Windows\\System32\\cmd.dll");
    NO("*a?c*d??f", "zzabcdxdefg");
    NO("*a?c*d??f", "zzabcdxdeg");
    NO("*a?c*d??f", "zzabcf"); /* the tail "d??f" cannot reuse bytes of "abc" */
    YES("*a?c*d??f", "zzabcdxdeff");
    YES("*ab?d*", "abcabxd");
    YES("*ab?d", "abcdabxd");
    NO("*ab?d", "abcdabx");
    YES("x*ab??*y", "x_ab\xc3\xa9\xc3\xa9_y");
    YES("x*ab??*y", "xab12y");
    NO("x*ab??*y", "xab1y");
    /* Empty value. */
    NO("?", "");
    YES("*", "");
    NO("a*", "");
    NO("*a*?", "");
}

/* Linear time: these would take ages with backtracking. Correctness is checked;
 * the run time of the whole test program shows the speed. */
static void test_pathological(void)
{
    size_t n = 100 * 1024;
    char *big = malloc(n + 2);
    CHECK(big != NULL);
    if (!big)
        return;
    memset(big, 'a', n);
    big[n] = '\0';
    const char *pat = "*a*a*a*a*a*a*a*a*a*a*b";
    NO(pat, big);
    NO("*a*a*a*a*a*a*a*a*a*a*b*", big);
    NO("*a?a*a?a*a?a*a?a*a?a*b?", big);
    NO("a*a*a*a*a*a*a*a*a*a*ab", big);
    YES("*a*a*a*a*a*a*a*a*a*a*a", big);
    YES("*a?a*a?a*a?a*a?a*a?a*?", big);
    big[n] = 'b';
    big[n + 1] = '\0';
    YES(pat, big);
    YES("*a?a*a?a*a?a*a?a*a?a*b", big);
    YES("a*a*a*a*a*a*a*a*a*a*ab", big);
    NO("*a*a*a*a*a*a*a*a*a*a*bb", big);
    free(big);

    /* Many '?' with a tail anchored at the end, over multi-byte text. */
    size_t reps = 20000;
    char *wide = malloc(reps * 2 + 1);
    CHECK(wide != NULL);
    if (!wide)
        return;
    for (size_t i = 0; i < reps; i++)
        memcpy(wide + i * 2, "\xc3\xa9", 2);
    wide[reps * 2] = '\0';
    YES("*\xc3\xa9??\xc3\xa9??\xc3\xa9??\xc3\xa9", wide);
    NO("*\xc3\xa9??\xc3\xa9??\xc3\xa9??x", wide);
    free(wide);
}

/* ---------------------------------------------------------------- cross-check */

/* Reference matcher: dynamic programming over (pattern item, text offset). ANY
 * and '?' step over units; literal bytes compare bytewise. Exponential-free
 * and obviously correct, so the fast matcher is compared with it. */
static int ref_match(const sg_pattern *p, const unsigned char *s, size_t len)
{
    enum { MAXI = 64, MAXT = 128 };
    int item[MAXI]; /* -1 ANY, -2 ONE, else a byte */
    size_t n = 0;
    for (size_t i = 0; i < p->ntoks; i++) {
        const sg_pat_tok *t = &p->toks[i];
        if (t->kind == SG_PAT_LIT) {
            for (size_t j = 0; j < t->len && n < MAXI; j++)
                item[n++] = (unsigned char)p->bytes[t->off + j];
        } else if (n < MAXI) {
            item[n++] = t->kind == SG_PAT_ANY ? -1 : -2;
        }
    }
    static unsigned char reach[MAXI + 1][MAXT + 1];
    memset(reach, 0, sizeof reach);
    reach[0][0] = 1;
    for (size_t i = 0; i < n; i++) {
        for (size_t t = 0; t <= len; t++) {
            if (!reach[i][t])
                continue;
            int32_t cp;
            if (item[i] == -1) {
                for (size_t u = t;;) {
                    reach[i + 1][u] = 1;
                    if (u >= len)
                        break;
                    u += sg_utf8_unit(s + u, len - u, &cp);
                }
            } else if (item[i] == -2) {
                if (t < len)
                    reach[i + 1][t + sg_utf8_unit(s + t, len - t, &cp)] = 1;
            } else if (t < len && s[t] == item[i]) {
                reach[i + 1][t + 1] = 1;
            }
        }
    }
    return reach[n][len];
}

static uint32_t rng_next(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

static void test_random_against_reference(void)
{
    /* Pattern pieces are valid UTF-8 (rule text always is); text pieces add
     * invalid and truncated sequences. */
    static const char *pat_pieces[] = {"a", "b", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                       "*", "?", "?",        "\\*",          "\\?"};
    static const char *txt_pieces[] = {
        "a", "b",    "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "*",
        "?", "\xc3", "\xa9",     "\xff",         "\xe2\x82",         "\xf0\x9f"};
    uint32_t seed = 12345;
    long mismatches = 0, matched = 0;
    for (int iter = 0; iter < 200000; iter++) {
        char pat[64], txt[128];
        size_t pl = 0, tl = 0;
        size_t np = rng_next(&seed) % 7, nt = rng_next(&seed) % 12;
        for (size_t i = 0; i < np; i++) {
            const char *piece = pat_pieces[rng_next(&seed) % 10];
            memcpy(pat + pl, piece, strlen(piece));
            pl += strlen(piece);
        }
        for (size_t i = 0; i < nt; i++) {
            const char *piece = txt_pieces[rng_next(&seed) % 12];
            memcpy(txt + tl, piece, strlen(piece));
            tl += strlen(piece);
        }
        sg_pattern p;
        sg_strmatch m;
        if (sg_pattern_parse(pat, pl, &p) != 0)
            continue;
        if (sg_strmatch_compile(&p, 1, &m) != 0) {
            sg_pattern_free(&p);
            continue;
        }
        int got = sg_strmatch_exec(&m, txt, tl);
        int want = ref_match(&p, (const unsigned char *)txt, tl);
        matched += want;
        if (got != want && mismatches++ < 5) {
            pat[pl] = txt[tl] = '\0';
            fprintf(stderr, "mismatch: pattern \"%s\" text \"%s\": got %d want %d\n", pat, txt, got,
                    want);
        }
        sg_strmatch_free(&m);
        sg_pattern_free(&p);
    }
    CHECK_EQ_INT(mismatches, 0);
    CHECK(matched > 1000); /* the generator produces real matches too */
}

int main(void)
{
    test_fold();
    test_decoder();
    test_kinds();
    test_compiled_fields();
    test_unicode_matching();
    test_invalid_utf8();
    test_cased();
    test_globs();
    test_pathological();
    test_random_against_reference();
    return TEST_DONE();
}
