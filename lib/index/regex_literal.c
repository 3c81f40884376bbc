/* Mining a required literal from a regular expression, so that regex-only rules
 * need not be evaluated on every event. Conservative by construction: the result
 * is a stretch of plain characters that every match must contain; anything the
 * scanner does not fully understand (top-level alternation, \Q, backreferences...)
 * yields no literal. The caller folds the literal like event values: a caseless
 * match still contains it case-folded. */
#include "index/regex_literal.h"

#include <stdint.h>
#include <string.h>

typedef struct miner {
    const char *re;
    size_t len, i;
    char run[256]; /* current stretch of required characters */
    size_t nrun;
    char best[256];
    size_t nbest;
    uint16_t *counts; /* NULL, or how often each ASCII character is required */
} miner;

static void end_run(miner *m)
{
    for (size_t k = 0; m->counts && k < m->nrun; k++)
        if ((unsigned char)m->run[k] < 128 && m->counts[(unsigned char)m->run[k]] < UINT16_MAX)
            m->counts[(unsigned char)m->run[k]]++;
    if (m->nrun > m->nbest) {
        memcpy(m->best, m->run, m->nrun);
        m->nbest = m->nrun;
    }
    m->nrun = 0;
}

/* Skips a character class starting at m->i ('['); 0 if unterminated. */
static int skip_class(miner *m)
{
    size_t i = m->i + 1;
    if (i < m->len && m->re[i] == '^')
        i++;
    if (i < m->len && m->re[i] == ']')
        i++; /* a leading ']' is a literal member */
    for (; i < m->len; i++) {
        if (m->re[i] == '\\')
            i++;
        else if (m->re[i] == '[' && i + 1 < m->len && m->re[i + 1] == ':') {
            const char *end = memchr(m->re + i + 2, ']', m->len - i - 2);
            if (!end)
                return 0;
            i = (size_t)(end - m->re);
        } else if (m->re[i] == ']') {
            m->i = i + 1;
            return 1;
        }
    }
    return 0;
}

/* Skips a group starting at m->i ('('); 0 if unbalanced. */
static int skip_group(miner *m)
{
    int depth = 0;
    while (m->i < m->len) {
        char c = m->re[m->i];
        if (c == '\\') {
            m->i += 2;
            continue;
        }
        if (c == '[') {
            if (!skip_class(m))
                return 0;
            continue;
        }
        m->i++;
        if (c == '(')
            depth++;
        else if (c == ')' && --depth == 0)
            return 1;
    }
    return 0;
}

/* After an atom: handles a following quantifier. `single` = the atom was one
 * character appended to the run (it must be taken back if it may be absent). */
static void quantifier(miner *m, int single)
{
    if (m->i >= m->len)
        return;
    char q = m->re[m->i];
    int optional = 0;
    if (q == '*' || q == '?') {
        optional = 1;
        m->i++;
    } else if (q == '+') {
        m->i++;
    } else if (q == '{') {
        const char *end = memchr(m->re + m->i, '}', m->len - m->i);
        if (!end)
            return; /* a literal '{' in PCRE2 when not a valid quantifier */
        /* {0,n}, and {,n} (PCRE2 10.43 reads it as {0,n}; earlier, as text) */
        optional = m->i + 1 < m->len && (m->re[m->i + 1] == '0' || m->re[m->i + 1] == ',');
        m->i = (size_t)(end - m->re) + 1;
    } else {
        return;
    }
    if (m->i < m->len && (m->re[m->i] == '?' || m->re[m->i] == '+'))
        m->i++; /* lazy / possessive */
    if (single && optional && m->nrun)
        m->nrun--;
    end_run(m); /* a repeated atom breaks the stretch */
}

static int escape(miner *m)
{
    if (m->i + 1 >= m->len)
        return 0;
    char c = m->re[m->i + 1];
    m->i += 2;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        if (c == 'Q' || c == 'E' || c == 'x' || c == 'o' || c == 'c' || c == 'N' || c == 'p' ||
            c == 'P' || c == 'g' || c == 'k' || (c >= '0' && c <= '9'))
            return 0; /* forms this miner does not parse */
        end_run(m);   /* \d \w \s \b \t ...: not a plain character */
        quantifier(m, 0);
        return 1;
    }
    if (m->nrun < sizeof m->run)
        m->run[m->nrun++] = c; /* escaped punctuation is itself */
    quantifier(m, 1);
    return 1;
}

/* 1 if the regex switches on extended mode ((?x): whitespace is not literal). */
static int extended_mode(const char *re, size_t len)
{
    for (size_t i = 0; i + 2 < len; i++) {
        if (re[i] != '(' || re[i + 1] != '?')
            continue;
        for (size_t j = i + 2; j < len && re[j] != ')' && re[j] != ':'; j++)
            if (re[j] == 'x')
                return 1;
    }
    return 0;
}

/* Runs the miner over the whole pattern; 0 when it cannot vouch for the result. */
static int mine(miner *m)
{
    const char *re = m->re;
    if (extended_mode(re, m->len))
        return 0;
    while (m->i < m->len) {
        char c = re[m->i];
        if (c == '|')
            return 0; /* top-level alternation: no single required stretch */
        if (c == '\\') {
            if (!escape(m))
                return 0;
            continue;
        }
        if (c == '[') {
            end_run(m);
            if (!skip_class(m))
                return 0;
            quantifier(m, 0);
            continue;
        }
        if (c == '(') {
            end_run(m);
            if (!skip_group(m))
                return 0;
            quantifier(m, 0);
            continue;
        }
        if (c == ')' || c == '*' || c == '+' || c == '?' || c == '{')
            return 0; /* malformed at this level, or a quantifier without atom */
        m->i++;
        if (c == '.' || c == '^' || c == '$') {
            end_run(m);
            quantifier(m, 0);
            continue;
        }
        if ((unsigned char)c >= 0x80) {
            end_run(m); /* keep to ASCII: multi-byte atoms and quantifiers interact */
            quantifier(m, 0);
            continue;
        }
        if (m->nrun < sizeof m->run)
            m->run[m->nrun++] = c;
        quantifier(m, 1);
    }
    end_run(m);
    return 1;
}

size_t sg_regex_required_literal(const char *re, size_t len, char *out, size_t cap)
{
    miner m = {.re = re, .len = len};
    if (!mine(&m))
        return 0;
    if (m.nbest > cap)
        m.nbest = cap;
    memcpy(out, m.best, m.nbest);
    return m.nbest;
}

int sg_regex_required_chars(const char *re, size_t len, uint16_t counts[128])
{
    memset(counts, 0, 128 * sizeof *counts);
    miner m = {.re = re, .len = len, .counts = counts};
    if (!mine(&m)) {
        memset(counts, 0, 128 * sizeof *counts);
        return 0;
    }
    return 1;
}
