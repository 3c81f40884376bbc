/* Sigma string values -> patterns (sigma-semantics.md §3.1).
 *
 * The escaping rules are pySigma's SigmaString: only `*`, `?` and `\` can be
 * escaped; a backslash before any other character (or at the end) is literal.
 * That is why Windows paths like `C:\Windows\a.exe` survive unchanged while
 * `C:\\Windows` collapses to `C:\Windows`. */
#include "model/sigma_string.h"

#include <stdlib.h>
#include <string.h>

/* The emitters below never allocate: sg_pattern_parse sizes both arrays for the
 * worst case up front (each input byte yields at most one byte and one token,
 * plus one for a trailing backslash). */
static void emit_lit(sg_pattern *p, char c)
{
    sg_pat_tok *last = p->ntoks ? &p->toks[p->ntoks - 1] : NULL;
    if (last && last->kind == SG_PAT_LIT) {
        /* Literal bytes are appended in order, so the last literal always ends at
         * bytes_len and can simply grow. */
        last->len++;
    } else {
        p->toks[p->ntoks++] = (sg_pat_tok){SG_PAT_LIT, p->bytes_len, 1};
    }
    p->bytes[p->bytes_len++] = c;
}

static void emit_wild(sg_pattern *p, sg_pat_kind kind)
{
    if (kind == SG_PAT_ANY && p->ntoks && p->toks[p->ntoks - 1].kind == SG_PAT_ANY)
        return; /* `**` means the same as `*` */
    p->toks[p->ntoks++] = (sg_pat_tok){kind, 0, 0};
}

/* Allocates an empty pattern able to hold `nbytes` literal bytes and `ntoks`
 * tokens. */
static int pattern_alloc(sg_pattern *out, size_t nbytes, size_t ntoks)
{
    memset(out, 0, sizeof *out);
    out->bytes = malloc(nbytes + 1);
    out->toks = malloc((ntoks ? ntoks : 1) * sizeof *out->toks);
    if (!out->bytes || !out->toks) {
        sg_pattern_free(out);
        return -1;
    }
    out->bytes[0] = '\0';
    return 0;
}

int sg_pattern_parse(const char *text, size_t len, sg_pattern *out)
{
    /* Worst case: `\` at the end yields one extra byte; tokens <= len. */
    if (pattern_alloc(out, len + 1, len + 1) != 0)
        return -1;
    int esc = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (esc) {
            if (c != '*' && c != '?' && c != '\\')
                emit_lit(out, '\\');
            emit_lit(out, c);
            esc = 0;
        } else if (c == '\\') {
            esc = 1;
        } else if (c == '*') {
            emit_wild(out, SG_PAT_ANY);
        } else if (c == '?') {
            emit_wild(out, SG_PAT_ONE);
        } else {
            emit_lit(out, c);
        }
    }
    if (esc)
        emit_lit(out, '\\');
    out->bytes[out->bytes_len] = '\0';
    return 0;
}

int sg_pattern_literal(const char *text, size_t len, sg_pattern *out)
{
    if (pattern_alloc(out, len, 1) != 0)
        return -1;
    if (len) {
        memcpy(out->bytes, text, len);
        out->toks[0] = (sg_pat_tok){SG_PAT_LIT, 0, len};
        out->ntoks = 1;
    }
    out->bytes_len = len;
    out->bytes[len] = '\0';
    return 0;
}

/* Makes room for one more token at index `at`; the new slot is uninitialised. */
static int insert_tok(sg_pattern *p, size_t at, sg_pat_tok tok)
{
    sg_pat_tok *t = realloc(p->toks, (p->ntoks + 1) * sizeof *t);
    if (!t)
        return -1;
    memmove(t + at + 1, t + at, (p->ntoks - at) * sizeof *t);
    t[at] = tok;
    p->toks = t;
    p->ntoks++;
    return 0;
}

int sg_pattern_prepend_any(sg_pattern *p)
{
    if (p->ntoks && p->toks[0].kind == SG_PAT_ANY)
        return 0;
    return insert_tok(p, 0, (sg_pat_tok){SG_PAT_ANY, 0, 0});
}

int sg_pattern_append_any(sg_pattern *p)
{
    if (p->ntoks && p->toks[p->ntoks - 1].kind == SG_PAT_ANY)
        return 0;
    return insert_tok(p, p->ntoks, (sg_pat_tok){SG_PAT_ANY, 0, 0});
}

int sg_pattern_is_literal(const sg_pattern *p)
{
    for (size_t i = 0; i < p->ntoks; i++)
        if (p->toks[i].kind != SG_PAT_LIT)
            return 0;
    return 1;
}

int sg_pattern_copy(const sg_pattern *src, sg_pattern *dst)
{
    if (pattern_alloc(dst, src->bytes_len, src->ntoks) != 0)
        return -1;
    if (src->bytes_len)
        memcpy(dst->bytes, src->bytes, src->bytes_len);
    dst->bytes[src->bytes_len] = '\0';
    dst->bytes_len = src->bytes_len;
    if (src->ntoks)
        memcpy(dst->toks, src->toks, src->ntoks * sizeof *src->toks);
    dst->ntoks = src->ntoks;
    return 0;
}

void sg_pattern_free(sg_pattern *p)
{
    if (!p)
        return;
    free(p->bytes);
    free(p->toks);
    memset(p, 0, sizeof *p);
}
