/* Unit tests for the condition parser and evaluator (sigma-semantics.md §5,
 * test vectors 56-64). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "condition/condition.h"
#include "test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */

/* Appends the tree as an s-expression: "(or s1 (and s2 (not s3)))",
 * quantifiers as "(1of a b)" / "(allof a b)". */
static void sexpr(const sg_cond *c, const char *const *ids, char *buf, size_t size)
{
    size_t used = strlen(buf);
    char *out = buf + used;
    size_t left = size - used;
    switch (c->kind) {
    case SG_COND_IDENT:
        snprintf(out, left, "%s", ids[c->ident]);
        return;
    case SG_COND_NOT:
        snprintf(out, left, "(not ");
        sexpr(c->a, ids, buf, size);
        break;
    case SG_COND_AND:
    case SG_COND_OR:
        snprintf(out, left, "(%s ", c->kind == SG_COND_AND ? "and" : "or");
        sexpr(c->a, ids, buf, size);
        strncat(buf, " ", size - strlen(buf) - 1);
        sexpr(c->b, ids, buf, size);
        break;
    case SG_COND_ONE_OF:
    case SG_COND_ALL_OF:
        snprintf(out, left, "(%s", c->kind == SG_COND_ONE_OF ? "1of" : "allof");
        for (size_t i = 0; i < c->n; i++) {
            strncat(buf, " ", size - strlen(buf) - 1);
            strncat(buf, ids[c->idents[i]], size - strlen(buf) - 1);
        }
        break;
    }
    strncat(buf, ")", size - strlen(buf) - 1);
}

/* Parses `text` and checks the tree prints as `expected`. */
static int check_tree(const char *text, const char *const *ids, size_t n, const char *expected)
{
    sg_arena arena = {0};
    sg_cond *c = NULL;
    sg_cond_error err;
    int rc = sg_cond_parse(text, strlen(text), ids, n, &arena, &c, &err);
    char buf[1024] = "";
    if (rc == 0)
        sexpr(c, ids, buf, sizeof buf);
    int ok = rc == 0 && strcmp(buf, expected) == 0;
    if (!ok)
        fprintf(stderr, "  '%s': rc=%d tree=%s (want %s) err=%s\n", text, rc, buf, expected,
                rc ? err.message : "");
    sg_arena_free(&arena);
    return ok;
}

/* Parses and evaluates `text`; -1 if it does not parse. */
static int eval(const char *text, const char *const *ids, const uint8_t *vals, size_t n)
{
    sg_arena arena = {0};
    sg_cond *c = NULL;
    sg_cond_error err;
    int rc = sg_cond_parse(text, strlen(text), ids, n, &arena, &c, &err);
    int result = rc == 0 ? sg_cond_eval(c, vals) : -1;
    if (rc != 0)
        fprintf(stderr, "  '%s': unexpected error: %s\n", text, err.message);
    sg_arena_free(&arena);
    return result;
}

/* Parses text[0..len) and checks it fails with `kind` at `offset` with a
 * message containing `msg`. */
static int check_error_n(const char *text, size_t len, const char *const *ids, size_t n,
                         sg_cond_err_kind kind, size_t offset, const char *msg)
{
    sg_arena arena = {0};
    sg_cond *c = (sg_cond *)&arena; /* must be reset to NULL */
    sg_cond_error err;
    int rc = sg_cond_parse(text, len, ids, n, &arena, &c, &err);
    int ok = rc == 1 && c == NULL && err.kind == kind && err.offset == offset &&
             strstr(err.message, msg) != NULL;
    if (!ok)
        fprintf(stderr, "  '%.*s': rc=%d kind=%d offset=%zu message=\"%s\" (want %d at %zu: %s)\n",
                (int)(len > 80 ? 80 : len), text, rc, rc == 1 ? (int)err.kind : 0,
                rc == 1 ? err.offset : 0, rc == 1 ? err.message : "", (int)kind, offset, msg);
    sg_arena_free(&arena);
    return ok;
}

static int check_error(const char *text, const char *const *ids, size_t n, sg_cond_err_kind kind,
                       size_t offset, const char *msg)
{
    return check_error_n(text, strlen(text), ids, n, kind, offset, msg);
}

/* Appends the NUL-terminated `s` at `p`; returns the end. */
static char *append(char *p, const char *s)
{
    size_t len = strlen(s);
    memcpy(p, s, len);
    return p + len;
}

/* A string of `n` copies of `unit` followed by `mid` and `n` copies of `close`. */
static char *repeat(const char *unit, size_t n, const char *mid, const char *close)
{
    size_t len = strlen(unit) * n + strlen(mid) + strlen(close) * n + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    char *p = s;
    for (size_t i = 0; i < n; i++)
        p = append(p, unit);
    p = append(p, mid);
    for (size_t i = 0; i < n; i++)
        p = append(p, close);
    *p = '\0';
    return s;
}

static const char *const S123[] = {"s1", "s2", "s3"};

/* ------------------------------------------------------------------------- */
/* Test vectors 56-64                                                        */

static void test_vectors(void)
{
    /* 56: or < and < not */
    CHECK(check_tree("s1 or s2 and not s3", S123, 3, "(or s1 (and s2 (not s3)))"));
    CHECK_EQ_INT(eval("s1 or s2 and not s3", S123, (const uint8_t[]){0, 1, 1}, 3), 0);
    CHECK_EQ_INT(eval("s1 or s2 and not s3", S123, (const uint8_t[]){1, 1, 1}, 3), 1);

    /* 57 */
    CHECK(check_tree("not s1 and s2", S123, 3, "(and (not s1) s2)"));
    CHECK_EQ_INT(eval("not s1 and s2", S123, (const uint8_t[]){0, 1, 0}, 3), 1);
    CHECK_EQ_INT(eval("not s1 and s2", S123, (const uint8_t[]){1, 1, 0}, 3), 0);

    /* 58 */
    CHECK(check_tree("all of s*", S123, 2, "(allof s1 s2)"));
    CHECK_EQ_INT(eval("all of s*", S123, (const uint8_t[]){1, 0}, 2), 0);
    CHECK_EQ_INT(eval("1 of s*", S123, (const uint8_t[]){1, 0}, 2), 1);

    /* 59: `them` skips identifiers starting with '_' */
    static const char *const them[] = {"s1", "_x"};
    CHECK(check_tree("1 of them", them, 2, "(1of s1)"));
    CHECK_EQ_INT(eval("1 of them", them, (const uint8_t[]){0, 1}, 2), 0);

    /* 60: a pattern without '*' selects exactly that name */
    static const char *const sel[] = {"selection", "selection_extra"};
    CHECK(check_tree("1 of selection", sel, 2, "(1of selection)"));
    CHECK_EQ_INT(eval("1 of selection", sel, (const uint8_t[]){0, 1}, 2), 0);

    /* 61: empty quantifier is a load error */
    CHECK(check_error("s1 and 1 of zz*", S123, 3, SG_COND_ERR_EMPTY_QUANTIFIER, 7,
                      "'1 of zz*' matches no identifier"));

    /* 63 */
    CHECK(check_error("s1 | count() > 5", S123, 1, SG_COND_ERR_AGGREGATION, 3,
                      "aggregation expressions ('| count() ...') are not supported; use a "
                      "correlation rule"));
    CHECK(check_error("s1 AND s2", S123, 2, SG_COND_ERR_SYNTAX, 3,
                      "operators must be lowercase: 'AND'"));
    static const char *const seldash[] = {"sel-1", "sel-2"};
    CHECK(check_error("1 of sel-*", seldash, 2, SG_COND_ERR_SYNTAX, 8, "'-' is not allowed"));

    /* 64: word boundaries, "nothing" is not "not hing" */
    static const char *const nothing[] = {"nothing", "hing"};
    CHECK(check_tree("nothing", nothing, 2, "nothing"));
    CHECK_EQ_INT(eval("nothing", nothing, (const uint8_t[]){1, 0}, 2), 1);
    CHECK(check_tree("not nothing", nothing, 2, "(not nothing)"));
}

/* ------------------------------------------------------------------------- */
/* Grammar and evaluation                                                    */

static void test_structure(void)
{
    static const char *const abcd[] = {"a", "b", "c", "d"};
    CHECK(check_tree("a or b or c", abcd, 4, "(or (or a b) c)"));
    CHECK(check_tree("a and b and c", abcd, 4, "(and (and a b) c)"));
    CHECK(check_tree("a and b or c and d", abcd, 4, "(or (and a b) (and c d))"));
    CHECK(check_tree("a and (b or c)", abcd, 4, "(and a (or b c))"));
    CHECK(check_tree("((a or b) and (c))", abcd, 4, "(and (or a b) c)"));
    CHECK(check_tree("(((a)))", abcd, 4, "a"));
    CHECK(check_tree("not (a or b)", abcd, 4, "(not (or a b))"));
    CHECK(check_tree("not not a", abcd, 4, "(not (not a))"));
    CHECK(check_tree("not 1 of them", abcd, 2, "(not (1of a b))"));
    CHECK(check_tree("a\n\tand\r\nb", abcd, 4, "(and a b)"));
    CHECK(check_tree("(a)and(b)", abcd, 4, "(and a b)"));
    CHECK(check_tree("  a  ", abcd, 4, "a"));

    CHECK_EQ_INT(eval("not not a", abcd, (const uint8_t[]){1, 0}, 2), 1);
    CHECK_EQ_INT(eval("not not a", abcd, (const uint8_t[]){0, 0}, 2), 0);
    CHECK_EQ_INT(eval("not (a or b)", abcd, (const uint8_t[]){0, 0}, 2), 1);
    CHECK_EQ_INT(eval("not (a or b)", abcd, (const uint8_t[]){0, 1}, 2), 0);
    CHECK_EQ_INT(eval("not (a and b)", abcd, (const uint8_t[]){1, 0}, 2), 1);
    CHECK_EQ_INT(eval("not (a and b)", abcd, (const uint8_t[]){1, 1}, 2), 0);
    CHECK_EQ_INT(eval("(a or b) and (c or d)", abcd, (const uint8_t[]){0, 1, 1, 0}, 4), 1);
    CHECK_EQ_INT(eval("(a or b) and (c or d)", abcd, (const uint8_t[]){0, 1, 0, 0}, 4), 0);
    CHECK_EQ_INT(eval("a and not (b or not c)", abcd, (const uint8_t[]){1, 0, 1, 0}, 4), 1);
    CHECK_EQ_INT(eval("a and not (b or not c)", abcd, (const uint8_t[]){1, 0, 0, 0}, 4), 0);
    CHECK_EQ_INT(eval("not a or b", abcd, (const uint8_t[]){1, 0}, 2), 0);
    CHECK_EQ_INT(eval("not a or b", abcd, (const uint8_t[]){0, 0}, 2), 1);

    /* node offsets */
    sg_arena arena = {0};
    sg_cond *c = NULL;
    sg_cond_error err;
    const char *text = "a or not 1 of them";
    CHECK_EQ_INT(sg_cond_parse(text, strlen(text), abcd, 2, &arena, &c, &err), 0);
    if (c) {
        CHECK_EQ_INT(c->kind, SG_COND_OR);
        CHECK_EQ_INT(c->offset, 2);
        CHECK_EQ_INT(c->a->offset, 0);
        CHECK_EQ_INT(c->b->kind, SG_COND_NOT);
        CHECK_EQ_INT(c->b->offset, 5);
        CHECK_EQ_INT(c->b->a->offset, 9);
    }
    sg_arena_free(&arena);
}

static void test_identifiers(void)
{
    /* '-' is allowed in identifiers */
    static const char *const dash[] = {"sel-1", "sel-2", "-"};
    CHECK(check_tree("sel-1 and not sel-2", dash, 3, "(and sel-1 (not sel-2))"));
    CHECK(check_tree("1 of sel*", dash, 3, "(1of sel-1 sel-2)"));

    /* quantifier words are identifiers unless followed by "of" */
    static const char *const words[] = {"all", "1", "any", "them_x", "ofx", "notes"};
    CHECK(check_tree("all and 1 or any", words, 6, "(or (and all 1) any)"));
    CHECK(check_tree("all of all", words, 6, "(allof all)"));
    CHECK(check_tree("1 of 1", words, 6, "(1of 1)"));
    CHECK(check_tree("not notes and ofx", words, 6, "(and (not notes) ofx)"));
    CHECK(check_tree("them_x", words, 6, "them_x"));

    /* case-sensitive */
    static const char *const cased[] = {"Sel", "sel"};
    CHECK(check_tree("sel or Sel", cased, 2, "(or sel Sel)"));

    /* a miscased operator that is a defined identifier is still an identifier */
    static const char *const upper[] = {"AND"};
    CHECK(check_tree("not AND", upper, 1, "(not AND)"));
}

static void test_quantifiers(void)
{
    CHECK(check_tree("any of s*", S123, 3, "(1of s1 s2 s3)"));
    CHECK_EQ_INT(eval("any of s*", S123, (const uint8_t[]){0, 0, 1}, 3), 1);
    CHECK_EQ_INT(eval("any of s*", S123, (const uint8_t[]){0, 0, 0}, 3), 0);
    CHECK_EQ_INT(eval("not any of s*", S123, (const uint8_t[]){0, 0, 0}, 3), 1);

    static const char *const them[] = {"s1", "_x", "s2"};
    CHECK(check_tree("all of them", them, 3, "(allof s1 s2)"));
    CHECK_EQ_INT(eval("all of them", them, (const uint8_t[]){1, 0, 1}, 3), 1);
    CHECK_EQ_INT(eval("all of them", them, (const uint8_t[]){1, 1, 0}, 3), 0);
    CHECK_EQ_INT(eval("not all of them", them, (const uint8_t[]){1, 1, 0}, 3), 1);

    /* underscore rule */
    static const char *const filt[] = {"filter", "_filter", "main_filter", "_other"};
    CHECK(check_tree("1 of _*", filt, 4, "(1of _filter _other)"));
    CHECK(check_tree("1 of *filter", filt, 4, "(1of filter main_filter)"));
    CHECK(check_tree("1 of _filter", filt, 4, "(1of _filter)"));
    CHECK(check_tree("all of *", filt, 4, "(allof filter main_filter)"));
    CHECK(check_tree("1 of _*filter", filt, 4, "(1of _filter)"));

    /* glob: '*' anywhere, whole name must match, definition order kept */
    static const char *const g[] = {"s2", "x", "s1", "abc", "aXbYc", "ab", "a_b_c", "s12"};
    CHECK(check_tree("1 of s*", g, 8, "(1of s2 s1 s12)"));
    CHECK(check_tree("1 of s*1", g, 8, "(1of s1)"));
    CHECK(check_tree("1 of *1*", g, 8, "(1of s1 s12)"));
    CHECK(check_tree("1 of a*b*c", g, 8, "(1of abc aXbYc a_b_c)"));
    CHECK(check_tree("1 of a**c", g, 8, "(1of abc aXbYc a_b_c)"));
    CHECK(check_tree("1 of *_*", g, 8, "(1of a_b_c)"));
    CHECK(check_tree("1 of ab", g, 8, "(1of ab)"));

    /* the seed rule's condition */
    static const char *const seed[] = {"selection_parent", "selection_cli_1", "selection_cli_2",
                                       "selection_cli_3"};
    const char *cond = "selection_parent and 1 of selection_cli_*";
    const char *tree =
        "(and selection_parent (1of selection_cli_1 selection_cli_2 selection_cli_3))";
    CHECK(check_tree(cond, seed, 4, tree));
    CHECK_EQ_INT(eval(cond, seed, (const uint8_t[]){1, 0, 1, 0}, 4), 1);
    CHECK_EQ_INT(eval(cond, seed, (const uint8_t[]){1, 0, 0, 0}, 4), 0);
    CHECK_EQ_INT(eval(cond, seed, (const uint8_t[]){0, 1, 1, 1}, 4), 0);

    /* empty quantifiers */
    CHECK(check_error("all of them", them + 1, 1, SG_COND_ERR_EMPTY_QUANTIFIER, 0,
                      "'all of them' matches no identifier"));
    CHECK(check_error("s1 or any of x", S123, 3, SG_COND_ERR_EMPTY_QUANTIFIER, 6,
                      "'any of x' matches no identifier"));
    CHECK(check_error("1 of *x", them, 3, SG_COND_ERR_EMPTY_QUANTIFIER, 0, "matches no"));
}

/* ------------------------------------------------------------------------- */
/* Errors                                                                    */

static void test_syntax_errors(void)
{
    const sg_cond_err_kind SYN = SG_COND_ERR_SYNTAX;

    CHECK(check_error("s1 and sel3", S123, 3, SG_COND_ERR_UNDEFINED, 7,
                      "undefined identifier 'sel3'"));
    CHECK(check_error("(s1 or\ts9)", S123, 3, SG_COND_ERR_UNDEFINED, 7, "'s9'"));

    /* empty */
    CHECK(check_error("", S123, 3, SYN, 0, "condition is empty"));
    CHECK(check_error(" \t\n ", S123, 3, SYN, 0, "condition is empty"));
    CHECK(check_error_n(NULL, 0, S123, 3, SYN, 0, "condition is empty"));

    /* missing operands, stray operators */
    CHECK(check_error("s1 and", S123, 3, SYN, 6,
                      "expected identifier or '(' but found end of condition"));
    CHECK(check_error("and s1", S123, 3, SYN, 0, "expected identifier or '(' but found 'and'"));
    CHECK(check_error("s1 or or s2", S123, 3, SYN, 6, "expected identifier or '(' but found 'or'"));
    CHECK(check_error("not", S123, 3, SYN, 3, "found end of condition"));
    CHECK(check_error("s1 and not", S123, 3, SYN, 10, "found end of condition"));
    CHECK(check_error("of s1", S123, 3, SYN, 0, "expected identifier or '(' but found 'of'"));
    CHECK(check_error("them", S123, 3, SYN, 0, "but found 'them'"));
    CHECK(check_error("s1 s2", S123, 3, SYN, 3,
                      "expected 'and', 'or' or end of condition but found 's2'"));
    CHECK(check_error("s1 not s2", S123, 3, SYN, 3, "but found 'not'"));

    /* word boundaries: "andx" is one word */
    static const char *const andx[] = {"sel", "andx", "x"};
    CHECK(check_error("sel andx", andx, 3, SYN, 4, "but found 'andx'"));

    /* parentheses */
    CHECK(check_error("(s1 and s2", S123, 3, SYN, 10,
                      "expected 'and', 'or' or ')' to close '(' at offset 0 but found end of "
                      "condition"));
    CHECK(check_error("s1 and ((s2)", S123, 3, SYN, 12, "close '(' at offset 7"));
    CHECK(check_error("s1)", S123, 3, SYN, 2, "unmatched ')'"));
    CHECK(check_error("(s1))", S123, 3, SYN, 4, "unmatched ')'"));
    CHECK(check_error("()", S123, 3, SYN, 1, "expected identifier or '(' but found ')'"));
    CHECK(check_error(")", S123, 3, SYN, 0, "expected identifier or '(' but found ')'"));
    CHECK(check_error("(s1 s2)", S123, 3, SYN, 4, "but found 's2'"));
    CHECK(check_error("s1 (s2)", S123, 3, SYN, 3, "but found '('"));

    /* quantifiers */
    CHECK(check_error("1 of", S123, 3, SYN, 4,
                      "expected a pattern or 'them' after 'of' but found end of condition"));
    CHECK(check_error("all of (s1)", S123, 3, SYN, 7, "but found '('"));
    CHECK(check_error("1 of and", S123, 3, SYN, 5, "but found 'and'"));
    CHECK(check_error("2 of s*", S123, 3, SYN, 0,
                      "expected quantifier '1', 'any' or 'all' before 'of' but found '2'"));
    CHECK(check_error("1 of s* s1", S123, 3, SYN, 8, "but found 's1'"));
    CHECK(check_error("1 of s-1", S123, 3, SYN, 6, "'-' is not allowed in a quantifier pattern"));
    CHECK(check_error("s*", S123, 3, SYN, 1, "'*' is only allowed in a quantifier pattern"));
    CHECK(check_error("s1 and *", S123, 3, SYN, 7, "'*'"));

    /* operators and keywords must be lowercase */
    CHECK(check_error("NOT s1", S123, 3, SYN, 0, "operators must be lowercase: 'NOT'"));
    CHECK(check_error("s1 Or s2", S123, 3, SYN, 3, "operators must be lowercase: 'Or'"));
    CHECK(check_error("(s1 AND s2)", S123, 3, SYN, 4, "operators must be lowercase: 'AND'"));
    CHECK(check_error("1 OF s*", S123, 3, SYN, 2, "operators must be lowercase: 'OF'"));
    CHECK(check_error("ALL of s*", S123, 3, SYN, 0, "operators must be lowercase: 'ALL'"));
    CHECK(check_error("Any OF s*", S123, 3, SYN, 0, "operators must be lowercase: 'Any'"));
    CHECK(check_error("1 of THEM", S123, 3, SYN, 5, "operators must be lowercase: 'THEM'"));
    CHECK(check_error("s1 and And", S123, 3, SYN, 7, "operators must be lowercase: 'And'"));

    /* aggregation: any '|' wins, even after other errors */
    CHECK(check_error("s1 | near s2", S123, 3, SG_COND_ERR_AGGREGATION, 3, "correlation rule"));
    CHECK(check_error("AND ( |", S123, 3, SG_COND_ERR_AGGREGATION, 6, "not supported"));

    /* bad characters and bytes */
    CHECK(check_error("s1 = 5", S123, 3, SYN, 3, "unexpected character '='"));
    CHECK(check_error("\"s1\"", S123, 3, SYN, 0, "unexpected character '\"'"));
    CHECK(check_error("s1 and \xc3\xa9s2", S123, 3, SYN, 7, "unexpected byte 0xc3"));
    CHECK(check_error_n("s1\0and s2", 9, S123, 3, SYN, 2, "unexpected byte 0x00"));
    CHECK(check_error_n("s1 and\0", 7, S123, 3, SYN, 6, "unexpected byte 0x00"));
}

static void test_limits(void)
{
    const sg_cond_err_kind SYN = SG_COND_ERR_SYNTAX;

    /* nesting: SG_COND_MAX_NESTING levels pass, one more fails at its token */
    char *ok = repeat("(", SG_COND_MAX_NESTING, "s1", ")");
    char *deep = repeat("(", SG_COND_MAX_NESTING + 1, "s1", ")");
    char *deeper = repeat("(", 200, "s1", ")");
    char *nots = repeat("not ", 200, "s1", "");
    char *mixed = repeat("not (", 60, "s1", ")");
    char *huge = repeat("(", 1000000, "", "");
    CHECK(ok && deep && deeper && nots && mixed && huge);
    if (ok && deep && deeper && nots && mixed && huge) {
        CHECK(check_tree(ok, S123, 1, "s1"));
        CHECK(check_error(deep, S123, 1, SYN, SG_COND_MAX_NESTING, "condition nested too deeply"));
        CHECK(check_error(deeper, S123, 1, SYN, SG_COND_MAX_NESTING, "nested too deeply"));
        CHECK(check_error(nots, S123, 1, SYN, 4 * SG_COND_MAX_NESTING, "nested too deeply"));
        CHECK(check_error(mixed, S123, 1, SYN, 50 * 5, "nested too deeply"));
        CHECK(check_error(huge, S123, 1, SYN, SG_COND_MAX_NESTING, "nested too deeply"));
        /* 100 "not": even number, so the value is preserved */
        char *even = repeat("not ", SG_COND_MAX_NESTING, "s1", "");
        CHECK(even && eval(even, S123, (const uint8_t[]){1}, 1) == 1);
        free(even);
    }
    free(ok);
    free(deep);
    free(deeper);
    free(nots);
    free(mixed);
    free(huge);

    /* long chains: the tree height is bounded */
    char *chain = repeat("s1 or ", SG_COND_MAX_HEIGHT - 1, "s2", "");
    char *too_long = repeat("s1 or ", SG_COND_MAX_HEIGHT, "s2", "");
    CHECK(chain && too_long);
    if (chain && too_long) {
        CHECK_EQ_INT(eval(chain, S123, (const uint8_t[]){0, 1}, 2), 1);
        CHECK_EQ_INT(eval(chain, S123, (const uint8_t[]){0, 0}, 2), 0);
        CHECK(check_error(too_long, S123, 2, SYN, 6 * SG_COND_MAX_HEIGHT - 3, "too complex"));
    }
    free(chain);
    free(too_long);

    /* never reads past len: the buffer is not NUL-terminated */
    const char buf[2] = {'s', '1'};
    sg_arena arena = {0};
    sg_cond *c = NULL;
    sg_cond_error err;
    CHECK_EQ_INT(sg_cond_parse(buf, sizeof buf, S123, 1, &arena, &c, &err), 0);
    CHECK(c && c->kind == SG_COND_IDENT && c->ident == 0);
    CHECK_EQ_INT(sg_cond_parse("s1 and s9", 2, S123, 1, &arena, &c, &err), 0);
    /* a NULL error pointer is tolerated */
    CHECK_EQ_INT(sg_cond_parse("s9", 2, S123, 1, &arena, &c, NULL), 1);
    CHECK(c == NULL);
    sg_arena_free(&arena);
}

static void test_eval_edges(void)
{
    CHECK_EQ_INT(sg_cond_eval(NULL, NULL), 0);
    sg_cond empty_all = {.kind = SG_COND_ALL_OF};
    sg_cond empty_one = {.kind = SG_COND_ONE_OF};
    CHECK_EQ_INT(sg_cond_eval(&empty_all, NULL), 0); /* never vacuously true */
    CHECK_EQ_INT(sg_cond_eval(&empty_one, NULL), 0);
    /* any non-zero value is true */
    CHECK_EQ_INT(eval("s1 and s2", S123, (const uint8_t[]){2, 255}, 2), 1);
}

int main(void)
{
    test_vectors();
    test_structure();
    test_identifiers();
    test_quantifiers();
    test_syntax_errors();
    test_limits();
    test_eval_edges();
    return TEST_DONE();
}
