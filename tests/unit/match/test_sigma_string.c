/* Sigma string parsing (sigma-semantics.md §3.1) and the pattern helpers. */
#include "model/sigma_string.h"
#include "test.h"
#include "util/vec.h"

#include <stdlib.h>
#include <string.h>

/* Renders a pattern as text: literal bytes as they are, ANY as <*>, ONE as <?>,
 * and '|' between two adjacent literal tokens (which must never happen). Also
 * checks the structural invariants every pattern must satisfy. */
static void render(const sg_pattern *p, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    CHECK(p->bytes != NULL && p->bytes[p->bytes_len] == '\0');
    for (size_t i = 0; i < p->ntoks; i++) {
        const sg_pat_tok *t = &p->toks[i];
        const char *piece = t->kind == SG_PAT_ANY ? "<*>" : t->kind == SG_PAT_ONE ? "<?>" : NULL;
        size_t plen = piece ? 3 : t->len;
        if (t->kind == SG_PAT_LIT) {
            CHECK(t->len > 0 && t->off + t->len <= p->bytes_len);
            piece = p->bytes + t->off;
            if (i > 0 && p->toks[i - 1].kind == SG_PAT_LIT && n + 1 < cap)
                out[n++] = '|';
        }
        if (i > 0 && t->kind == SG_PAT_ANY)
            CHECK(p->toks[i - 1].kind != SG_PAT_ANY);
        if (n + plen >= cap)
            break;
        memcpy(out + n, piece, plen);
        n += plen;
        out[n] = '\0';
    }
}

static void check_render(const sg_pattern *p, const char *want)
{
    char buf[256];
    const char *got = buf;
    render(p, buf, sizeof buf);
    CHECK_EQ_STR(got, want);
}

static void check_parse(const char *text, const char *want, int want_literal)
{
    sg_pattern p;
    char got[256];
    CHECK(sg_pattern_parse(text, strlen(text), &p) == 0);
    render(&p, got, sizeof got);
    CHECK_MSG(strcmp(got, want) == 0, "parse(%s) = \"%s\", want \"%s\"", text, got, want);
    CHECK_EQ_INT(sg_pattern_is_literal(&p), want_literal);
    sg_pattern_free(&p);
}

/* The §3.1 table (texts as they appear between YAML single quotes). */
static void test_escaping_table(void)
{
    check_parse("C:\\Windows\\a.exe", "C:\\Windows\\a.exe", 1);
    check_parse("C:\\\\Windows\\\\a.exe", "C:\\Windows\\a.exe", 1);
    check_parse("\\\\server\\share", "\\server\\share", 1);
    check_parse("dir\\", "dir\\", 1);
    check_parse("dir\\\\", "dir\\", 1);
    check_parse("a\\*b", "a*b", 1);
    check_parse("a\\?", "a?", 1);
    check_parse("a\\\\*", "a\\<*>", 0);
    check_parse("a\\\\\\*", "a\\*", 1);
    check_parse("a\\\\\\\\", "a\\\\", 1);
    check_parse("a\\\\\\b", "a\\\\b", 1);
    check_parse("\\\\\\\\\\?\\\\GLOBALROOT", "\\\\?\\GLOBALROOT", 1);
    check_parse("%windir%", "%windir%", 1);
    check_parse("\\", "\\", 1);
    check_parse("\\\\", "\\", 1);
    check_parse("\\a", "\\a", 1);
}

static void test_wildcards(void)
{
    check_parse("", "", 1);
    check_parse("*", "<*>", 0);
    check_parse("***", "<*>", 0);
    check_parse("?", "<?>", 0);
    check_parse("??", "<?><?>", 0);
    check_parse("*?*", "<*><?><*>", 0);
    check_parse("a*b?c", "a<*>b<?>c", 0);
    check_parse("*\\*\\?*", "<*>*?<*>", 0);
    check_parse("*\\\\*", "<*>\\<*>", 0);
    check_parse("**a**", "<*>a<*>", 0);
    check_parse("\\**", "*<*>", 0);
    check_parse("*.exe", "<*>.exe", 0);
    check_parse("C:\\Users\\*\\AppData\\*", "C:\\Users*\\AppData*", 1);
    check_parse("C:\\Users\\\\*\\AppData\\\\*", "C:\\Users\\<*>\\AppData\\<*>", 0);
    check_parse("\xc3\xa4?\xc3\xb6", "\xc3\xa4<?>\xc3\xb6", 0);
}

static void test_tokens_and_offsets(void)
{
    sg_pattern p;
    CHECK(sg_pattern_parse("ab*c?d", 6, &p) == 0);
    CHECK_EQ_INT(p.ntoks, 5);
    CHECK_EQ_INT(p.bytes_len, 4);
    CHECK_EQ_STR(p.bytes, "abcd");
    CHECK_EQ_INT(p.toks[0].kind, SG_PAT_LIT);
    CHECK_EQ_INT(p.toks[0].off, 0);
    CHECK_EQ_INT(p.toks[0].len, 2);
    CHECK_EQ_INT(p.toks[1].kind, SG_PAT_ANY);
    CHECK_EQ_INT(p.toks[2].off, 2);
    CHECK_EQ_INT(p.toks[3].kind, SG_PAT_ONE);
    CHECK_EQ_INT(p.toks[4].off, 3);
    sg_pattern_free(&p);

    /* Embedded NUL bytes are ordinary literal bytes. */
    CHECK(sg_pattern_parse("a\0b", 3, &p) == 0);
    CHECK_EQ_INT(p.ntoks, 1);
    CHECK_EQ_INT(p.bytes_len, 3);
    CHECK(memcmp(p.bytes, "a\0b", 3) == 0);
    sg_pattern_free(&p);
}

static void test_literal_and_any(void)
{
    sg_pattern p, q;

    /* sg_pattern_literal: wildcard characters are plain bytes. */
    CHECK(sg_pattern_literal("a*b?\\", 5, &p) == 0);
    check_render(&p, "a*b?\\");
    CHECK(sg_pattern_is_literal(&p));

    CHECK(sg_pattern_prepend_any(&p) == 0);
    CHECK(sg_pattern_prepend_any(&p) == 0); /* no doubled ANY */
    CHECK(sg_pattern_append_any(&p) == 0);
    CHECK(sg_pattern_append_any(&p) == 0);
    check_render(&p, "<*>a*b?\\<*>");
    CHECK(!sg_pattern_is_literal(&p));

    CHECK(sg_pattern_copy(&p, &q) == 0);
    sg_pattern_free(&p);
    check_render(&q, "<*>a*b?\\<*>");
    sg_pattern_free(&q);
    sg_pattern_free(&q); /* freeing twice is harmless: free zeroes the struct */

    CHECK(sg_pattern_literal("", 0, &p) == 0);
    CHECK_EQ_INT(p.ntoks, 0);
    CHECK_EQ_STR(p.bytes, "");
    CHECK(sg_pattern_is_literal(&p));
    CHECK(sg_pattern_append_any(&p) == 0);
    CHECK(sg_pattern_prepend_any(&p) == 0); /* empty + ANY: still one ANY */
    check_render(&p, "<*>");
    CHECK(sg_pattern_copy(&p, &q) == 0);
    CHECK_EQ_INT(q.ntoks, 1);
    sg_pattern_free(&p);
    sg_pattern_free(&q);

    /* Parsed patterns that already start/end with ANY stay unchanged. */
    CHECK(sg_pattern_parse("*x*", 3, &p) == 0);
    CHECK(sg_pattern_prepend_any(&p) == 0 && sg_pattern_append_any(&p) == 0);
    CHECK_EQ_INT(p.ntoks, 3);
    sg_pattern_free(&p);

    /* Prepending before ONE is allowed. */
    CHECK(sg_pattern_parse("?x", 2, &p) == 0);
    CHECK(sg_pattern_prepend_any(&p) == 0);
    check_render(&p, "<*><?>x");
    sg_pattern_free(&p);
}

int main(void)
{
    test_escaping_table();
    test_wildcards();
    test_tokens_and_offsets();
    test_literal_and_any();
    return TEST_DONE();
}
