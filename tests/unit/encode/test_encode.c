/* Unit tests for lib/encode: every encoder on the cases of sigma-semantics.md
 * §4.2 plus the edge cases (non-ASCII bytes, surrogates, `--x`, limits). */
#include <stdlib.h>
#include <string.h>

#include "encode/encode.h"
#include "test.h"
#include "util/vec.h"

enum { ERRCAP = 256 };

/* Renders a pattern: '*' ANY, '?' ONE, literal bytes with `\*` `\?` `\\` and
 * `\xHH` for bytes outside printable ASCII. The caller
 * frees the result. */
static char *render(const sg_pattern *p)
{
    sg_buf b = {0};
    sg_buf_append(&b, "", 0);
    for (size_t i = 0; i < p->ntoks; i++) {
        const sg_pat_tok *t = &p->toks[i];
        if (t->kind == SG_PAT_ANY) {
            sg_buf_putc(&b, '*');
        } else if (t->kind == SG_PAT_ONE) {
            sg_buf_putc(&b, '?');
        } else {
            for (size_t j = 0; j < t->len; j++) {
                unsigned char c = (unsigned char)p->bytes[t->off + j];
                if (c == '*' || c == '?' || c == '\\')
                    sg_buf_printf(&b, "\\%c", c);
                else if (c < 0x20 || c > 0x7e)
                    sg_buf_printf(&b, "\\x%02X", c);
                else
                    sg_buf_putc(&b, (char)c);
            }
        }
    }
    return b.data;
}

/* Renders the whole set as "alt1|alt2|...". */
static char *render_set(const sg_pattern_set *s)
{
    sg_buf b = {0};
    sg_buf_append(&b, "", 0);
    for (size_t i = 0; i < s->n; i++) {
        char *r = render(&s->items[i]);
        if (i)
            sg_buf_putc(&b, '|');
        sg_buf_append(&b, r, strlen(r));
        free(r);
    }
    return b.data;
}

/* 1 if some pattern of s renders as `want`. */
static int set_has(const sg_pattern_set *s, const char *want)
{
    for (size_t i = 0; i < s->n; i++) {
        char *r = render(&s->items[i]);
        int eq = strcmp(r, want) == 0;
        free(r);
        if (eq)
            return 1;
    }
    return 0;
}

/* A set holding the parse of each Sigma string given (NULL-terminated). */
static sg_pattern_set make_set(const char *const *texts)
{
    sg_pattern_set s = {0};
    for (; *texts; texts++) {
        sg_pattern p;
        if (sg_pattern_parse(*texts, strlen(*texts), &p) == 0)
            sg_pset_push(&s, &p);
    }
    return s;
}

static sg_pattern_set one(const char *text)
{
    const char *const texts[] = {text, NULL};
    return make_set(texts);
}

/* Checks that the set renders exactly as `want` and frees it. */
#define CHECK_SET(s, want)                                                                         \
    do {                                                                                           \
        char *got_ = render_set(&(s));                                                             \
        CHECK_EQ_STR(got_, want);                                                                  \
        free(got_);                                                                                \
        sg_pset_free(&(s));                                                                        \
    } while (0)

static void test_base64(void)
{
    char err[ERRCAP] = "";
    sg_pattern_set s = one("whoami");
    CHECK_EQ_INT(sg_encode_base64(&s, err, sizeof err), 0);
    CHECK_SET(s, "d2hvYW1p");

    s = one("ab");
    CHECK_EQ_INT(sg_encode_base64(&s, err, sizeof err), 0);
    CHECK_SET(s, "YWI=");

    s = one("");
    CHECK_EQ_INT(sg_encode_base64(&s, err, sizeof err), 0);
    CHECK_SET(s, "");

    /* An escaped wildcard is a literal byte and is encoded: base64("a*") = "YSo=". */
    s = one("a\\*");
    CHECK_EQ_INT(sg_encode_base64(&s, err, sizeof err), 0);
    CHECK_SET(s, "YSo=");

    /* Wildcards cannot be encoded; the set is left as it was. */
    s = one("who*");
    CHECK_EQ_INT(sg_encode_base64(&s, err, sizeof err), 1);
    CHECK(strstr(err, "wildcards") && strstr(err, "'base64'"));
    CHECK_SET(s, "who*");

    /* Every pattern of the set is encoded. */
    const char *const two[] = {"whoami", "ab", NULL};
    s = make_set(two);
    CHECK_EQ_INT(sg_encode_base64(&s, err, sizeof err), 0);
    CHECK_SET(s, "d2hvYW1p|YWI=");
}

static void test_base64offset(void)
{
    char err[ERRCAP] = "";
    sg_pattern_set s = one("http://");
    CHECK_EQ_INT(sg_encode_base64offset(&s, err, sizeof err), 0);
    CHECK_SET(s, "aHR0cDovL|h0dHA6Ly|odHRwOi8v");

    s = one("IEX");
    CHECK_EQ_INT(sg_encode_base64offset(&s, err, sizeof err), 0);
    CHECK_SET(s, "SUVY|lFW|JRV");

    /* Bytes, not characters: "é" is C3 A9. */
    s = one("\xC3\xA9");
    CHECK_EQ_INT(sg_encode_base64offset(&s, err, sizeof err), 0);
    CHECK_SET(s, "w6|Op|Dq");

    /* One byte: the shift-1 variant is empty and dropped. */
    s = one("a");
    CHECK_EQ_INT(sg_encode_base64offset(&s, err, sizeof err), 0);
    CHECK_SET(s, "Y|h");

    s = one("");
    CHECK_EQ_INT(sg_encode_base64offset(&s, err, sizeof err), 1);
    CHECK(strstr(err, "too short") != NULL);
    CHECK_SET(s, "");

    s = one("a?c");
    CHECK_EQ_INT(sg_encode_base64offset(&s, err, sizeof err), 1);
    CHECK(strstr(err, "'base64offset'") != NULL);
    CHECK_SET(s, "a?c");
}

/* Vector 33: wide|base64offset|contains of "ping" must hit the Base64 of
 * UTF-16LE "cmd /c ping 1.1.1.1". */
static void test_wide_base64offset(void)
{
    static const char blob[] = "YwBtAGQAIAAvAGMAIABwAGkAbgBnACAAMQAuADEALgAxAC4AMQA=";
    char err[ERRCAP] = "";
    sg_pattern_set s = one("ping");
    CHECK_EQ_INT(sg_encode_utf16(&s, SG_UTF16_LE, err, sizeof err), 0);
    CHECK_EQ_INT(sg_encode_base64offset(&s, err, sizeof err), 0);
    CHECK(set_has(&s, "wAGkAbgBnA"));
    int hit = 0;
    for (size_t i = 0; i < s.n; i++)
        hit |= strstr(blob, s.items[i].bytes) != NULL;
    CHECK(hit);
    CHECK_SET(s, "cABpAG4AZw|AAaQBuAGcA|wAGkAbgBnA");
}

static void test_utf16(void)
{
    char err[ERRCAP] = "";
    sg_pattern_set s = one("A\xE2\x82\xAC"); /* "A€" */
    CHECK_EQ_INT(sg_encode_utf16(&s, SG_UTF16_LE, err, sizeof err), 0);
    CHECK_SET(s, "A\\x00\\xAC ");

    s = one("A\xE2\x82\xAC");
    CHECK_EQ_INT(sg_encode_utf16(&s, SG_UTF16_BE, err, sizeof err), 0);
    CHECK_SET(s, "\\x00A \\xAC");

    /* The BOM comes once, at the very start, even before a leading wildcard. */
    s = one("*A*B");
    CHECK_EQ_INT(sg_encode_utf16(&s, SG_UTF16_BOM, err, sizeof err), 0);
    CHECK_SET(s, "\\xFF\\xFE*A\\x00*B\\x00");

    s = one("");
    CHECK_EQ_INT(sg_encode_utf16(&s, SG_UTF16_BOM, err, sizeof err), 0);
    CHECK_SET(s, "\\xFF\\xFE");

    /* U+1F600 needs a surrogate pair: D83D DE00. */
    s = one("\xF0\x9F\x98\x80");
    CHECK_EQ_INT(sg_encode_utf16(&s, SG_UTF16_LE, err, sizeof err), 0);
    CHECK_SET(s, "=\\xD8\\x00\\xDE");
    s = one("\xF0\x9F\x98\x80");
    CHECK_EQ_INT(sg_encode_utf16(&s, SG_UTF16_BE, err, sizeof err), 0);
    CHECK_SET(s, "\\xD8=\\xDE\\x00");

    /* Wildcards stay tokens. */
    s = one("a?b*");
    CHECK_EQ_INT(sg_encode_utf16(&s, SG_UTF16_LE, err, sizeof err), 0);
    CHECK_SET(s, "a\\x00?b\\x00*");

    /* Invalid UTF-8 (a lone continuation byte, an encoded surrogate, an
     * overlong form) is an error and leaves the set alone. */
    const char *const bad[] = {"a\x80", "\xED\xA0\x80", "\xC0\xAF", "\xE2\x82", NULL};
    for (size_t i = 0; bad[i]; i++) {
        s = one(bad[i]);
        CHECK_EQ_INT(sg_encode_utf16(&s, SG_UTF16_LE, err, sizeof err), 1);
        CHECK(strstr(err, "UTF-8") != NULL);
        CHECK_EQ_INT(s.n, 1);
        sg_pset_free(&s);
    }

    /* wide|base64 of "whoami" (UTF-16LE bytes). */
    s = one("whoami");
    CHECK_EQ_INT(sg_encode_utf16(&s, SG_UTF16_LE, err, sizeof err), 0);
    CHECK_EQ_INT(sg_encode_base64(&s, err, sizeof err), 0);
    CHECK_SET(s, "dwBoAG8AYQBtAGkA");
}

/* windash on `text` with a generous limit; returns the rendered set. */
static char *windash(const char *text, size_t *n)
{
    char err[ERRCAP] = "";
    sg_pattern_set s = one(text);
    int rc = sg_encode_windash(&s, 1000, err, sizeof err);
    CHECK_EQ_INT(rc, 0);
    *n = s.n;
    char *r = render_set(&s);
    sg_pset_free(&s);
    return r;
}

#define EN "\\xE2\\x80\\x93"
#define EM "\\xE2\\x80\\x94"
#define BAR "\\xE2\\x80\\x95"

static void test_windash(void)
{
    size_t n;
    char *r;
    r = windash("-a", &n);
    CHECK_EQ_STR(r, "-a|/a|" EN "a|" EM "a|" BAR "a");
    free(r);

    r = windash(" /x", &n);
    CHECK_EQ_INT(n, 5);
    CHECK(strstr(r, " -x|") != NULL);
    free(r);

    /* The run after a wildcard starts fresh. */
    r = windash("*-x", &n);
    CHECK_EQ_STR(r, "*-x|*/x|*" EN "x|*" EM "x|*" BAR "x");
    free(r);

    /* Not expansion points. */
    const char *const same[] = {"a-b", "x-",         "-",   "-*x",           "/", "a/b",
                                "_-x", "\xC3\xA9-x", "- x", "\xE2\x80\x93x", "",  NULL};
    for (size_t i = 0; same[i]; i++) {
        sg_pattern_set s = one(same[i]);
        char *want = render(&s.items[0]);
        sg_pset_free(&s);
        r = windash(same[i], &n);
        CHECK_EQ_INT(n, 1);
        CHECK_MSG(strcmp(r, want) == 0, "windash(%s) = %s", same[i], r);
        free(r);
        free(want);
    }

    /* `--x`: only the second dash (after the non-word '-', before 'x'). */
    r = windash("--x", &n);
    CHECK_EQ_INT(n, 5);
    CHECK(strstr(r, "-/x") != NULL);
    CHECK(strstr(r, "//x") == NULL);
    free(r);

    r = windash(" -enc ", &n);
    CHECK_EQ_STR(r, " -enc | /enc | " EN "enc | " EM "enc | " BAR "enc ");
    free(r);

    /* Followed by a non-ASCII letter or a digit: still a word character. */
    r = windash("-\xC3\xA9", &n);
    CHECK_EQ_INT(n, 5);
    free(r);
    r = windash("/1", &n);
    CHECK_EQ_INT(n, 5);
    free(r);

    /* Two points: 25 combinations, all distinct, in odometer order. */
    r = windash("-a -b", &n);
    CHECK_EQ_INT(n, 25);
    CHECK(strncmp(r, "-a -b|-a /b|", 12) == 0);
    CHECK(strstr(r, "/a " BAR "b") != NULL);
    free(r);

    /* Invalid UTF-8 before a dash counts as a non-word byte; no crash. */
    r = windash("\xFF-x\x80", &n);
    CHECK_EQ_INT(n, 5);
    free(r);

    /* The limit counts every resulting pattern of the set. */
    char err[ERRCAP] = "";
    sg_pattern_set s = one("-a -b -c");
    CHECK_EQ_INT(sg_encode_windash(&s, 124, err, sizeof err), 1);
    CHECK(strstr(err, "124") != NULL);
    CHECK_SET(s, "-a -b -c");
    s = one("-a -b -c");
    CHECK_EQ_INT(sg_encode_windash(&s, 125, err, sizeof err), 0);
    CHECK_EQ_INT(s.n, 125);
    sg_pset_free(&s);
    const char *const two[] = {"-a", "-b", NULL};
    s = make_set(two);
    CHECK_EQ_INT(sg_encode_windash(&s, 9, err, sizeof err), 1);
    CHECK_EQ_INT(s.n, 2);
    sg_pset_free(&s);
    /* Many points: 5^40 overflows size_t; must be an error, not a wrap. */
    s = one("-a -a -a -a -a -a -a -a -a -a -a -a -a -a -a -a -a -a -a -a "
            "-a -a -a -a -a -a -a -a -a -a -a -a -a -a -a -a -a -a -a -a");
    CHECK_EQ_INT(sg_encode_windash(&s, 1000, err, sizeof err), 1);
    sg_pset_free(&s);
}

static void add(sg_placeholders *ph, const char *name, const char *value)
{
    CHECK_EQ_INT(sg_placeholders_add(ph, name, strlen(name), value, strlen(value)), 0);
}

/* Expands `text`; returns rc and leaves the rendered set in *out. */
static int expand(const char *text, const sg_placeholders *ph, size_t max, char **out, char *err)
{
    sg_pattern_set s = one(text);
    int rc = sg_expand_placeholders(&s, ph, max, err, ERRCAP);
    *out = render_set(&s);
    sg_pset_free(&s);
    return rc;
}

static void test_placeholders(void)
{
    sg_placeholders ph = {0};
    add(&ph, "adm", "adm_*");
    add(&ph, "adm", "root");
    add(&ph, "dc", "DC?");
    add(&ph, "dc", "srv");
    add(&ph, "Adm", "other"); /* names are case-sensitive */
    CHECK_EQ_INT(ph.n, 3);
    CHECK_EQ_INT(ph.items[0].nvalues, 2);

    char err[ERRCAP] = "";
    char *r;

    /* The values replace the placeholder, parsed as Sigma strings. */
    sg_pattern_set s = one("%adm%");
    CHECK_EQ_INT(sg_expand_placeholders(&s, &ph, 100, err, sizeof err), 0);
    CHECK_EQ_INT(s.n, 2);
    if (s.n == 2) {
        sg_pattern want;
        sg_pattern_parse("adm_*", 5, &want);
        char *a = render(&s.items[0]), *b = render(&want);
        CHECK_EQ_STR(a, b);
        CHECK_EQ_INT(s.items[0].ntoks, want.ntoks);
        free(a);
        free(b);
        sg_pattern_free(&want);
        sg_pattern_parse("root", 4, &want);
        a = render(&s.items[1]);
        b = render(&want);
        CHECK_EQ_STR(a, b);
        CHECK_EQ_INT(s.items[1].ntoks, 1);
        free(a);
        free(b);
        sg_pattern_free(&want);
    }
    sg_pset_free(&s);

    /* Spliced in with normalisation: "*" + "adm_*" + "*" has a single ANY at
     * each end, and literals are merged. */
    CHECK_EQ_INT(expand("*%adm%*", &ph, 100, &r, err), 0);
    CHECK_EQ_STR(r, "*adm_*|*root*");
    free(r);
    s = one("x%adm%y");
    CHECK_EQ_INT(sg_expand_placeholders(&s, &ph, 100, err, sizeof err), 0);
    CHECK_EQ_INT(s.n, 2);
    if (s.n == 2) {
        CHECK_EQ_INT(s.items[1].ntoks, 1); /* "xrooty" is one literal token */
        CHECK_EQ_INT(s.items[0].ntoks, 3); /* "xadm_" ANY "y" */
    }
    sg_pset_free(&s);

    /* Two placeholders: cartesian product, the last one varying fastest. */
    CHECK_EQ_INT(expand("%adm%@%dc%", &ph, 100, &r, err), 0);
    CHECK_EQ_STR(r, "adm_*@DC?|adm_*@srv|root@DC?|root@srv");
    free(r);
    /* Each occurrence independently, even of the same name. */
    CHECK_EQ_INT(expand("%adm%-%adm%", &ph, 100, &r, err), 0);
    CHECK_EQ_STR(r, "adm_*-adm_*|adm_*-root|root-adm_*|root-root");
    free(r);
    CHECK_EQ_INT(expand("%Adm%", &ph, 100, &r, err), 0);
    CHECK_EQ_STR(r, "other");
    free(r);

    /* `\%` is a literal '%' (the backslash goes) and never a delimiter. */
    CHECK_EQ_INT(expand("\\%adm\\%", &ph, 100, &r, err), 0);
    CHECK_EQ_STR(r, "%adm%");
    free(r);
    CHECK_EQ_INT(expand("\\%%adm%", &ph, 100, &r, err), 0);
    CHECK_EQ_STR(r, "%adm_*|%root");
    free(r);
    /* A lone '%', an empty name, whitespace in the name: all literal. */
    CHECK_EQ_INT(expand("50% off", &ph, 100, &r, err), 0);
    CHECK_EQ_STR(r, "50% off");
    free(r);
    CHECK_EQ_INT(expand("%%", &ph, 100, &r, err), 0);
    CHECK_EQ_STR(r, "%%");
    free(r);
    CHECK_EQ_INT(expand("100% of %dc%", &ph, 100, &r, err), 0);
    CHECK_EQ_STR(r, "100% of DC?|100% of srv");
    free(r);
    /* Placeholders do not span wildcards. */
    CHECK_EQ_INT(expand("%ad*m%", &ph, 100, &r, err), 0);
    CHECK_EQ_STR(r, "%ad*m%");
    free(r);
    /* No placeholder: unchanged. */
    CHECK_EQ_INT(expand("plain*", &ph, 100, &r, err), 0);
    CHECK_EQ_STR(r, "plain*");
    free(r);

    /* Undefined placeholder: error naming it; the set is untouched. */
    CHECK_EQ_INT(expand("a%nope%b", &ph, 100, &r, err), 1);
    CHECK(strcmp(err, "placeholder '%nope%' is not defined") == 0);
    CHECK_EQ_STR(r, "a%nope%b");
    free(r);
    CHECK_EQ_INT(expand("%adm%", NULL, 100, &r, err), 1);
    CHECK(strstr(err, "'%adm%'") != NULL);
    free(r);

    /* The limit: 2 x 2 = 4 alternatives. */
    CHECK_EQ_INT(expand("%adm%%dc%", &ph, 3, &r, err), 1);
    CHECK(strstr(err, "limit") != NULL);
    free(r);
    CHECK_EQ_INT(expand("%adm%%dc%", &ph, 4, &r, err), 0);
    free(r);

    sg_placeholders_free(&ph);
    CHECK_EQ_INT(ph.n, 0);
    sg_placeholders_free(&ph); /* idempotent */
}

int main(void)
{
    test_base64();
    test_base64offset();
    test_wide_base64offset();
    test_utf16();
    test_windash();
    test_placeholders();
    return TEST_DONE();
}
