/* Condition language (sigma-semantics.md §5): a hand-written tokenizer and a
 * recursive-descent parser producing an sg_cond tree, plus its evaluator.
 *
 * Grammar (loosest first):
 *   or_expr  := and_expr { "or" and_expr }
 *   and_expr := not_expr { "and" not_expr }
 *   not_expr := "not" not_expr | primary
 *   primary  := "(" or_expr ")" | quant "of" pattern | ident
 *
 * Words are maximal runs of [A-Za-z0-9_*-], so keywords are only recognised as
 * whole words (unlike pySigma, "nothing" is an identifier, "sel andx" is two
 * identifiers). */
#include "condition/condition.h"
#include "sigma/sigma.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------- */
/* Tokens                                                                    */

typedef enum { TK_END, TK_WORD, TK_LPAREN, TK_RPAREN, TK_BAD } tok_kind;

/* Lowercase keywords. Quantifiers (1/any/all) are plain words: they only act as
 * quantifiers when followed by "of", which the parser decides. */
typedef enum { KW_NONE, KW_AND, KW_OR, KW_NOT, KW_OF, KW_THEM } keyword;

typedef struct {
    tok_kind kind;
    keyword kw;      /* TK_WORD only */
    size_t pos, len; /* span in the text; TK_END is empty at the end */
} token;

typedef struct {
    const char *text;
    size_t len;
    const char *const *idents;
    size_t n_idents;
    sg_arena *arena;
    sg_cond_error *err;
    token tok;        /* current token */
    unsigned nesting; /* open '(' and 'not' on the recursion path */
    int status;       /* 0 ok, 1 condition error (err filled), -1 out of memory */
} parser;

/* Longest part of a word quoted in an error message. */
enum { QUOTE_MAX = 64 };

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_alnum_(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int is_word_char(unsigned char c)
{
    return is_alnum_(c) || c == '*' || c == '-';
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Exact comparison of a span with a NUL-terminated literal. */
static int span_is(const char *s, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

/* ASCII case-insensitive comparison of a span with a lowercase literal. */
static int span_is_ci(const char *s, size_t len, const char *lit)
{
    if (strlen(lit) != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (lower((unsigned char)s[i]) != (unsigned char)lit[i])
            return 0;
    return 1;
}

static keyword classify(const char *s, size_t len)
{
    static const struct {
        const char *word;
        keyword kw;
    } table[] = {{"and", KW_AND}, {"or", KW_OR}, {"not", KW_NOT}, {"of", KW_OF}, {"them", KW_THEM}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (span_is(s, len, table[i].word))
            return table[i].kw;
    return KW_NONE;
}

/* The token starting at or after `pos` (whitespace skipped). Never reads past len. */
static token lex(const parser *p, size_t pos)
{
    const unsigned char *t = (const unsigned char *)p->text;
    while (pos < p->len && is_space(t[pos]))
        pos++;
    token tok = {TK_END, KW_NONE, pos, 0};
    if (pos >= p->len)
        return tok;
    tok.len = 1;
    if (t[pos] == '(') {
        tok.kind = TK_LPAREN;
    } else if (t[pos] == ')') {
        tok.kind = TK_RPAREN;
    } else if (is_word_char(t[pos])) {
        size_t end = pos;
        while (end < p->len && is_word_char(t[end]))
            end++;
        tok.kind = TK_WORD;
        tok.len = end - pos;
        tok.kw = classify(p->text + pos, tok.len);
    } else {
        tok.kind = TK_BAD;
    }
    return tok;
}

static const char *tok_text(const parser *p, const token *t)
{
    return p->text + t->pos;
}

static int is_kw(const token *t, keyword kw)
{
    return t->kind == TK_WORD && t->kw == kw;
}

/* A word spelling and/or/not/of in a case other than lowercase ("AND", "Or"). */
static int is_miscased_operator(const parser *p, const token *t)
{
    static const char *const ops[] = {"and", "or", "not", "of"};
    if (t->kind != TK_WORD || t->kw != KW_NONE)
        return 0;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (span_is_ci(tok_text(p, t), t->len, ops[i]))
            return 1;
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Errors                                                                    */

__attribute__((format(printf, 4, 5))) static sg_cond *fail(parser *p, sg_cond_err_kind kind,
                                                           size_t offset, const char *fmt, ...)
{
    if (p->status)
        return NULL; /* keep the first error */
    p->status = 1;
    p->err->kind = kind;
    p->err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
    va_end(ap);
    return NULL;
}

static sg_cond *fail_nomem(parser *p)
{
    p->status = -1;
    return NULL;
}

/* Writes a human description of a token ("'and'", "')'", "end of condition"). */
static void describe(const parser *p, const token *t, char *buf, size_t size)
{
    switch (t->kind) {
    case TK_END:
        snprintf(buf, size, "end of condition");
        break;
    case TK_WORD: {
        int n = t->len > QUOTE_MAX ? QUOTE_MAX : (int)t->len;
        snprintf(buf, size, "'%.*s%s'", n, tok_text(p, t), t->len > QUOTE_MAX ? "..." : "");
        break;
    }
    default:
        snprintf(buf, size, "'%c'", p->text[t->pos]);
        break;
    }
}

static sg_cond *fail_lowercase(parser *p, const token *t)
{
    return fail(p, SG_COND_ERR_SYNTAX, t->pos, "operators must be lowercase: '%.*s'", (int)t->len,
                tok_text(p, t));
}

/* "expected <what> but found <current token>", or the lowercase hint when the
 * current token is a miscased operator. */
static sg_cond *fail_expected(parser *p, const char *what)
{
    if (is_miscased_operator(p, &p->tok))
        return fail_lowercase(p, &p->tok);
    char found[QUOTE_MAX + 8];
    describe(p, &p->tok, found, sizeof found);
    return fail(p, SG_COND_ERR_SYNTAX, p->tok.pos, "expected %s but found %s", what, found);
}

/* Moves to the next token; reports a character that starts no token. */
static int advance(parser *p)
{
    p->tok = lex(p, p->tok.pos + p->tok.len);
    if (p->tok.kind != TK_BAD)
        return 0;
    unsigned char c = (unsigned char)p->text[p->tok.pos];
    if (c > 0x20 && c < 0x7f)
        fail(p, SG_COND_ERR_SYNTAX, p->tok.pos, "unexpected character '%c'", c);
    else
        fail(p, SG_COND_ERR_SYNTAX, p->tok.pos, "unexpected byte 0x%02x", c);
    return 1;
}

/* ------------------------------------------------------------------------- */
/* Nodes                                                                     */

static sg_cond *new_node(parser *p, sg_cond_kind kind, size_t offset)
{
    sg_cond *c = sg_arena_alloc(p->arena, sizeof *c);
    if (!c)
        return fail_nomem(p);
    c->kind = kind;
    c->offset = offset;
    return c;
}

/* Height bookkeeping for a node whose tallest operand is `child` levels high. */
static int check_height(parser *p, unsigned child, size_t offset, unsigned *height)
{
    *height = child + 1;
    if (*height <= SG_COND_MAX_HEIGHT)
        return 0;
    fail(p, SG_COND_ERR_SYNTAX, offset, "condition too complex (more than %d levels of operators)",
         SG_COND_MAX_HEIGHT);
    return 1;
}

/* Accounts one more '(' or 'not' level; fails beyond SG_COND_MAX_NESTING. */
static int enter(parser *p)
{
    if (p->nesting >= SG_COND_MAX_NESTING) {
        fail(p, SG_COND_ERR_SYNTAX, p->tok.pos, "condition nested too deeply (more than %d levels)",
             SG_COND_MAX_NESTING);
        return 0;
    }
    p->nesting++;
    return 1;
}

/* ------------------------------------------------------------------------- */
/* Identifiers and quantifier patterns                                       */

static size_t find_ident(const parser *p, const char *name, size_t len)
{
    for (size_t i = 0; i < p->n_idents; i++)
        if (p->idents[i] && span_is(name, len, p->idents[i]))
            return i;
    return SIZE_MAX;
}

/* Glob match of a whole NUL-terminated name against pat[0..plen), where '*'
 * matches any run (possibly empty). Iterative, backtracking to the last '*'. */
static int glob_match(const char *pat, size_t plen, const char *name)
{
    size_t pi = 0, ni = 0, star = SIZE_MAX, mark = 0;
    while (name[ni]) {
        if (pi < plen && pat[pi] == '*') {
            star = pi++;
            mark = ni;
        } else if (pi < plen && pat[pi] == name[ni]) {
            pi++;
            ni++;
        } else if (star != SIZE_MAX) {
            pi = star + 1;
            ni = ++mark;
        } else {
            return 0;
        }
    }
    while (pi < plen && pat[pi] == '*')
        pi++;
    return pi == plen;
}

/* Whether identifier `name` is selected by the pattern token (or by "them").
 * Identifiers starting with '_' are only selected by patterns starting with '_'. */
static int pattern_selects(const parser *p, const token *pat, const char *name)
{
    if (!name)
        return 0;
    if (pat->kw == KW_THEM)
        return name[0] != '_';
    const char *s = tok_text(p, pat);
    if (name[0] == '_' && s[0] != '_')
        return 0;
    return glob_match(s, pat->len, name);
}

/* ------------------------------------------------------------------------- */
/* Parser                                                                    */

static sg_cond *parse_or(parser *p, unsigned *height);

/* Error for an identifier not in idents[], with hints for the likely mistakes:
 * a miscased operator or quantifier, or a bad quantifier before "of". */
static sg_cond *fail_undefined(parser *p, const token *id)
{
    const char *s = tok_text(p, id);
    if (is_miscased_operator(p, id))
        return fail_lowercase(p, id);
    token next = lex(p, id->pos + id->len);
    int next_is_of = next.kind == TK_WORD && span_is_ci(tok_text(p, &next), next.len, "of");
    if (next_is_of) {
        int quant = span_is(s, id->len, "1") || span_is_ci(s, id->len, "any") ||
                    span_is_ci(s, id->len, "all");
        int lower_quant =
            span_is(s, id->len, "1") || span_is(s, id->len, "any") || span_is(s, id->len, "all");
        if (quant && !lower_quant)
            return fail_lowercase(p, id); /* "ALL of", "Any OF" */
        if (quant)
            return fail_lowercase(p, &next); /* "1 OF" */
        if (next.kw == KW_OF)
            return fail(p, SG_COND_ERR_SYNTAX, id->pos,
                        "expected quantifier '1', 'any' or 'all' before 'of' but found '%.*s'",
                        id->len > QUOTE_MAX ? QUOTE_MAX : (int)id->len, s);
    }
    return fail(p, SG_COND_ERR_UNDEFINED, id->pos, "undefined identifier '%.*s'",
                id->len > QUOTE_MAX ? QUOTE_MAX : (int)id->len, s);
}

/* ident: the current word, which is not a keyword. */
static sg_cond *parse_ident(parser *p, unsigned *height)
{
    token id = p->tok;
    const char *s = tok_text(p, &id);
    const char *star = memchr(s, '*', id.len);
    if (star) {
        int n = id.len > QUOTE_MAX ? QUOTE_MAX : (int)id.len;
        return fail(p, SG_COND_ERR_SYNTAX, (size_t)(star - p->text),
                    "'*' is only allowed in a quantifier pattern ('1 of %.*s'), not in "
                    "identifier '%.*s'",
                    n, s, n, s);
    }
    size_t index = find_ident(p, s, id.len);
    if (index == SIZE_MAX)
        return fail_undefined(p, &id);
    sg_cond *c = new_node(p, SG_COND_IDENT, id.pos);
    if (!c)
        return NULL;
    c->ident = (uint32_t)index;
    *height = 1;
    return advance(p) ? NULL : c;
}

/* Fills a quantifier node with the identifiers the pattern selects. */
static sg_cond *select_idents(parser *p, sg_cond *c, const token *quant, const token *pat)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_idents; i++)
        n += (size_t)pattern_selects(p, pat, p->idents[i]);
    if (n == 0) {
        if (pat->kw == KW_NONE && span_is_ci(tok_text(p, pat), pat->len, "them"))
            return fail_lowercase(p, pat);
        int pn = pat->len > QUOTE_MAX ? QUOTE_MAX : (int)pat->len;
        return fail(p, SG_COND_ERR_EMPTY_QUANTIFIER, quant->pos,
                    "'%.*s of %.*s' matches no identifier", (int)quant->len, tok_text(p, quant), pn,
                    tok_text(p, pat));
    }
    c->idents = sg_arena_alloc(p->arena, n * sizeof *c->idents);
    if (!c->idents)
        return fail_nomem(p);
    for (size_t i = 0; i < p->n_idents; i++)
        if (pattern_selects(p, pat, p->idents[i]))
            c->idents[c->n++] = (uint32_t)i;
    return c;
}

/* quant "of" pattern; the current token is the quantifier, the next is "of". */
static sg_cond *parse_quantifier(parser *p, unsigned *height)
{
    token quant = p->tok;
    int all = span_is(tok_text(p, &quant), quant.len, "all");
    if (advance(p) || advance(p)) /* quantifier, "of" */
        return NULL;
    token pat = p->tok;
    if (pat.kind != TK_WORD || (pat.kw != KW_NONE && pat.kw != KW_THEM))
        return fail_expected(p, "a pattern or 'them' after 'of'");
    const char *dash = memchr(tok_text(p, &pat), '-', pat.len);
    if (dash) {
        int n = pat.len > QUOTE_MAX ? QUOTE_MAX : (int)pat.len;
        return fail(p, SG_COND_ERR_SYNTAX, (size_t)(dash - p->text),
                    "'-' is not allowed in a quantifier pattern: '%.*s'", n, tok_text(p, &pat));
    }
    sg_cond *c = new_node(p, all ? SG_COND_ALL_OF : SG_COND_ONE_OF, quant.pos);
    if (!c || !select_idents(p, c, &quant, &pat))
        return NULL;
    *height = 1;
    return advance(p) ? NULL : c;
}

/* "(" or_expr ")"; the current token is "(". */
static sg_cond *parse_group(parser *p, unsigned *height)
{
    size_t open = p->tok.pos;
    if (!enter(p) || advance(p))
        return NULL;
    sg_cond *inner = parse_or(p, height);
    p->nesting--;
    if (!inner)
        return NULL;
    if (p->tok.kind != TK_RPAREN) {
        char what[96];
        snprintf(what, sizeof what, "'and', 'or' or ')' to close '(' at offset %zu", open);
        return fail_expected(p, what);
    }
    return advance(p) ? NULL : inner;
}

/* Whether the current word is a quantifier, i.e. 1/any/all followed by "of". */
static int at_quantifier(const parser *p)
{
    const token *t = &p->tok;
    const char *s = tok_text(p, t);
    if (!span_is(s, t->len, "1") && !span_is(s, t->len, "any") && !span_is(s, t->len, "all"))
        return 0;
    token next = lex(p, t->pos + t->len);
    return is_kw(&next, KW_OF);
}

static sg_cond *parse_primary(parser *p, unsigned *height)
{
    if (p->tok.kind == TK_LPAREN)
        return parse_group(p, height);
    if (p->tok.kind != TK_WORD || p->tok.kw != KW_NONE)
        return fail_expected(p, "identifier or '('");
    if (at_quantifier(p))
        return parse_quantifier(p, height);
    return parse_ident(p, height);
}

static sg_cond *parse_not(parser *p, unsigned *height)
{
    if (!is_kw(&p->tok, KW_NOT))
        return parse_primary(p, height);
    size_t at = p->tok.pos;
    if (!enter(p) || advance(p))
        return NULL;
    unsigned h = 0;
    sg_cond *operand = parse_not(p, &h);
    p->nesting--;
    if (!operand)
        return NULL;
    sg_cond *c = new_node(p, SG_COND_NOT, at);
    if (!c || check_height(p, h, at, height))
        return NULL;
    c->a = operand;
    return c;
}

/* A left-associative chain `operand { kw operand }` built as `kind` nodes. */
static sg_cond *parse_chain(parser *p, keyword kw, sg_cond_kind kind,
                            sg_cond *(*operand)(parser *, unsigned *), unsigned *height)
{
    sg_cond *left = operand(p, height);
    while (left && is_kw(&p->tok, kw)) {
        size_t at = p->tok.pos;
        unsigned hr = 0;
        if (advance(p))
            return NULL;
        sg_cond *right = operand(p, &hr);
        if (!right)
            return NULL;
        sg_cond *c = new_node(p, kind, at);
        if (!c || check_height(p, *height > hr ? *height : hr, at, height))
            return NULL;
        c->a = left;
        c->b = right;
        left = c;
    }
    return left;
}

static sg_cond *parse_and(parser *p, unsigned *height)
{
    return parse_chain(p, KW_AND, SG_COND_AND, parse_not, height);
}

static sg_cond *parse_or(parser *p, unsigned *height)
{
    return parse_chain(p, KW_OR, SG_COND_OR, parse_and, height);
}

/* Fails at the first token when the text is empty or starts with a bad byte. */
static int start(parser *p)
{
    p->tok = (token){TK_END, KW_NONE, 0, 0};
    if (advance(p))
        return 1;
    if (p->tok.kind == TK_END) {
        fail(p, SG_COND_ERR_SYNTAX, 0, "condition is empty");
        return 1;
    }
    return 0;
}

int sg_cond_parse(const char *text, size_t len, const char *const *idents, size_t n_idents,
                  sg_arena *arena, sg_cond **out, sg_cond_error *err)
{
    sg_cond_error scratch;
    parser p = {.text = text ? text : "",
                .len = text ? len : 0,
                .idents = idents,
                .n_idents = idents ? n_idents : 0,
                .arena = arena,
                .err = err ? err : &scratch};
    memset(p.err, 0, sizeof *p.err);
    *out = NULL;

    const char *pipe = p.len ? memchr(p.text, '|', p.len) : NULL;
    if (pipe) {
        fail(&p, SG_COND_ERR_AGGREGATION, (size_t)(pipe - p.text),
             "aggregation expressions ('| count() ...') are not supported; use a correlation rule");
        return 1;
    }
    if (p.n_idents > UINT32_MAX) {
        fail(&p, SG_COND_ERR_SYNTAX, 0, "too many identifiers");
        return 1;
    }
    if (start(&p))
        return p.status;

    unsigned height = 0;
    sg_cond *root = parse_or(&p, &height);
    if (root && p.tok.kind == TK_RPAREN)
        fail(&p, SG_COND_ERR_SYNTAX, p.tok.pos, "unmatched ')'");
    else if (root && p.tok.kind != TK_END)
        fail_expected(&p, "'and', 'or' or end of condition");
    if (p.status == 0)
        *out = root;
    return p.status;
}

/* ------------------------------------------------------------------------- */
/* Evaluation                                                                */

static int eval_quantifier(const sg_cond *c, const uint8_t *v)
{
    if (c->n == 0)
        return 0; /* never vacuously true */
    int all = c->kind == SG_COND_ALL_OF;
    for (size_t i = 0; i < c->n; i++)
        if ((v[c->idents[i]] != 0) != all)
            return !all; /* a true one decides "1 of", a false one "all of" */
    return all;
}

/* Loops down `a` operands and through `not` (tracking the negation), recursing
 * only into `b` operands. Since and/or chains are left-deep, the recursion depth
 * follows the parenthesis nesting rather than the chain length. Operands of
 * and/or are evaluated right to left, which gives the same result. */
int sg_cond_eval(const sg_cond *c, const uint8_t *ident_values)
{
    int neg = 0;
    while (c) {
        switch (c->kind) {
        case SG_COND_NOT:
            neg = !neg;
            c = c->a;
            continue;
        case SG_COND_AND:
            if (!sg_cond_eval(c->b, ident_values))
                return neg; /* false, negated if under "not" */
            c = c->a;
            continue;
        case SG_COND_OR:
            if (sg_cond_eval(c->b, ident_values))
                return !neg;
            c = c->a;
            continue;
        case SG_COND_IDENT:
            return (ident_values[c->ident] != 0) != neg;
        case SG_COND_ONE_OF:
        case SG_COND_ALL_OF:
            return eval_quantifier(c, ident_values) != neg;
        }
        break; /* unknown kind: false */
    }
    return neg;
}

int sg_cond_diag_code(sg_cond_err_kind k)
{
    switch (k) {
    case SG_COND_ERR_UNDEFINED:
        return SIGMA_DIAG_UNDEFINED_IDENTIFIER;
    case SG_COND_ERR_EMPTY_QUANTIFIER:
        return SIGMA_DIAG_EMPTY_QUANTIFIER;
    case SG_COND_ERR_AGGREGATION:
        return SIGMA_DIAG_AGGREGATION;
    default:
        return SIGMA_DIAG_CONDITION_SYNTAX;
    }
}
