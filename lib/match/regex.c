#include "match/regex.h"

#include <stdio.h>
#include <string.h>

#include "model/detection.h"

pcre2_code *sg_regex_compile(const char *re, size_t len, uint32_t flags, char *err, size_t errcap,
                             size_t *erroff)
{
    /* MATCH_INVALID_UTF: event values may hold invalid UTF-8; PCRE2 then matches
     * valid stretches only instead of having undefined behaviour. */
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (flags & SG_PF_RE_I)
        opts |= PCRE2_CASELESS;
    if (flags & SG_PF_RE_M)
        opts |= PCRE2_MULTILINE;
    if (flags & SG_PF_RE_S)
        opts |= PCRE2_DOTALL;
    int code = 0;
    PCRE2_SIZE off = 0;
    pcre2_code *re_code = pcre2_compile((PCRE2_SPTR)re, len, opts, &code, &off, NULL);
    if (!re_code) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
            snprintf((char *)msg, sizeof msg, "error %d", code);
        snprintf(err, errcap, "%s", (const char *)msg);
        *erroff = off;
        return NULL;
    }
    (void)pcre2_jit_compile(re_code, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
    return re_code;
}

int sg_regex_search(const pcre2_code *code, const char *s, size_t len, pcre2_match_data *md,
                    pcre2_match_context *mctx)
{
    int rc = pcre2_match(code, (PCRE2_SPTR)(s ? s : ""), len, 0, 0, md, mctx);
    return rc >= 0;
}

static int ascii_letter(unsigned c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

void sg_regex_guard_make(const uint16_t counts[128], sg_regex_guard *g)
{
    g->n = 0;
    for (;;) {
        int best = -1;
        for (int c = 0x20; c < 0x7f; c++) {
            const int letter = ascii_letter((unsigned)c);
            int taken = 0;
            for (uint32_t i = 0; i < g->n; i++)
                taken |= g->c[i] == c;
            if (!letter && !taken && counts[c] && (best < 0 || counts[c] > counts[best]))
                best = c;
        }
        if (best < 0 || g->n == SG_REGEX_GUARD_MAX)
            return;
        g->c[g->n] = (unsigned char)best;
        g->min[g->n++] = counts[best];
    }
}

/* Appends character c to the atom being read; 0 when q is full. */
static int seq_push(sg_regex_seq *q, size_t *used, uint32_t *cur, char c)
{
    if (*used == SG_REGEX_SEQ_BYTES || *cur == 255)
        return 0;
    q->bytes[(*used)++] = c;
    (*cur)++;
    return 1;
}

/* Ends the atom being read (an empty one, between two '.*', is dropped). */
static int seq_end_atom(sg_regex_seq *q, uint32_t *cur)
{
    if (!*cur)
        return 1;
    if (q->natoms == SG_REGEX_SEQ_ATOMS)
        return 0;
    q->len[q->natoms++] = (uint8_t)*cur;
    *cur = 0;
    return 1;
}

void sg_regex_seq_make(const char *re, size_t len, uint32_t flags, sg_regex_seq *q)
{
    memset(q, 0, sizeof *q);
    size_t used = 0;
    uint32_t cur = 0;
    int ok = 1;
    for (size_t i = 0; ok && i < len; i++) {
        const unsigned char c = (unsigned char)re[i];
        if (c == '.' && i + 1 < len && re[i + 1] == '*') {
            i++;
            if (i + 1 < len && re[i + 1] == '?')
                i++; /* lazy: the same yes or no */
            else if (i + 1 < len && (re[i + 1] == '+' || re[i + 1] == '{'))
                ok = 0; /* possessive or a quantified quantifier */
            ok = ok && seq_end_atom(q, &cur);
        } else if (c == '\\' && i + 1 < len) {
            const unsigned char d = (unsigned char)re[++i];
            /* a backslash before ASCII punctuation is that character */
            ok = d > 0x20 && d < 0x7f && !ascii_letter(d) && !(d >= '0' && d <= '9') && d != '_' &&
                 seq_push(q, &used, &cur, (char)d);
        } else {
            ok = c >= 0x20 && c < 0x7f && !strchr("\\^$.|?*+()[]{}", c) &&
                 !(ascii_letter(c) && (flags & SG_PF_RE_I)) && seq_push(q, &used, &cur, (char)c);
        }
    }
    if (ok)
        ok = seq_end_atom(q, &cur) && q->natoms > 0;
    if (!ok)
        memset(q, 0, sizeof *q);
}
