/* YAML loader: libyaml events -> located node tree (see yaml_tree.h).
 *
 * The tree is built with an explicit stack of open containers, so nesting never
 * recurses in C; the depth limit is checked on every container start. Scalar typing
 * reproduces PyYAML's safe loader (YAML 1.1 implicit resolvers and constructors),
 * because pySigma reads rules with it. */
#include "load/yaml_tree.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/bytes.h"
#include "util/strmap.h"
#include "util/vec.h"

enum {
    DEFAULT_MAX_BYTES = 16u << 20,
    DEFAULT_MAX_DEPTH = 64,
    DEFAULT_MAX_ALIAS_NODES = 100000,
    SMALL_MAP = 8,  /* maps up to this many keys are searched linearly */
    KEY_SHOWN = 64, /* bytes of a key quoted in a diagnostic */
};

/* Handler results. */
enum { GO = 0, STOP = 1, OOM = -1 };

/* ------------------------------------------------------------------ scalar typing */

typedef struct scalar_value {
    sg_scalar_type type;
    int64_t ival;
    double fval;
    int bval;
} scalar_value;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int text_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int match_null(const char *s, size_t n)
{
    return n == 0 || text_is(s, n, "~") || text_is(s, n, "null") || text_is(s, n, "Null") ||
           text_is(s, n, "NULL");
}

/* Returns 1 and sets *val for PyYAML's bool spellings (no y/n: PyYAML has none). */
static int match_bool(const char *s, size_t n, int *val)
{
    static const char *const yes[] = {"yes",  "Yes", "YES", "true", "True",
                                      "TRUE", "on",  "On",  "ON"};
    static const char *const no[] = {"no",    "No",  "NO",  "false", "False",
                                     "FALSE", "off", "Off", "OFF"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (text_is(s, n, yes[i]))
            return *val = 1, 1;
        if (text_is(s, n, no[i]))
            return *val = 0, 1;
    }
    return 0;
}

/* Length of an optional leading sign. */
static size_t sign_len(const char *s, size_t n)
{
    return n > 0 && (s[0] == '-' || s[0] == '+');
}

/* 1 if every byte of s[0, n) is in `set` (n may be 0). */
static int all_in(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !strchr(set, s[i]))
            return 0;
    return 1;
}

/* Consumes `[0-5]?[0-9]` at s[*i]; the sexagesimal digit group after a ':'. */
static int sexa_group(const char *s, size_t n, size_t *i)
{
    if (*i + 1 < n && s[*i] >= '0' && s[*i] <= '5' && is_digit(s[*i + 1]))
        return *i += 2, 1;
    if (*i < n && is_digit(s[*i]))
        return *i += 1, 1;
    return 0;
}

/* Consumes `(:[0-5]?[0-9])+`; returns the number of groups (0 = no match). */
static int sexa_groups(const char *s, size_t n, size_t *i)
{
    int groups = 0;
    while (*i < n && s[*i] == ':') {
        (*i)++;
        if (!sexa_group(s, n, i))
            return 0;
        groups++;
    }
    return groups;
}

/* Consumes `[0-9][0-9_]*`. */
static int digits_us(const char *s, size_t n, size_t *i)
{
    if (*i >= n || !is_digit(s[*i]))
        return 0;
    while (*i < n && (is_digit(s[*i]) || s[*i] == '_'))
        (*i)++;
    return 1;
}

/* PyYAML int regex: [-+]? then 0b[01_]+ | 0[0-7_]+ | 0 | [1-9][0-9_]* | 0x[0-9a-fA-F_]+
 * | [1-9][0-9_]*(:[0-5]?[0-9])+ */
static int int_syntax(const char *s, size_t n)
{
    size_t k = sign_len(s, n);
    const char *b = s + k;
    size_t m = n - k;
    if (m == 0)
        return 0;
    if (b[0] == '0') {
        if (m == 1)
            return 1;
        if (b[1] == 'b')
            return m > 2 && all_in(b + 2, m - 2, "01_");
        if (b[1] == 'x')
            return m > 2 && all_in(b + 2, m - 2, "0123456789abcdefABCDEF_");
        return all_in(b + 1, m - 1, "01234567_");
    }
    if (!is_digit(b[0]))
        return 0;
    size_t i = 0;
    digits_us(b, m, &i);
    if (i == m)
        return 1;
    return sexa_groups(b, m, &i) > 0 && i == m;
}

/* Accumulates the digits of s[0, n) (skipping '_') in `base` into *acc.
 * Returns 0 on overflow of uint64. */
static int accumulate(const char *s, size_t n, unsigned base, uint64_t *acc)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        unsigned d;
        if (c == '_')
            continue;
        if (is_digit(c))
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            d = (unsigned)(c - 'A' + 10);
        if (*acc > (UINT64_MAX - d) / base)
            return 0;
        *acc = *acc * base + d;
    }
    return 1;
}

/* 1 if s[0, n) has at least one non-'_' byte. */
static int has_digit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '_')
            return 1;
    return 0;
}

/* Magnitude of an unsigned int body as PyYAML's construct_yaml_int computes it.
 * Returns 0 when PyYAML would fail (`0b_`) or the value does not fit 64 bits. */
static int int_magnitude(const char *b, size_t m, uint64_t *mag)
{
    *mag = 0;
    if (m >= 2 && b[0] == '0' && (b[1] == 'b' || b[1] == 'x'))
        return has_digit(b + 2, m - 2) && accumulate(b + 2, m - 2, b[1] == 'b' ? 2 : 16, mag);
    if (b[0] == '0')
        return accumulate(b, m, 8, mag);
    const char *colon = memchr(b, ':', m);
    if (!colon)
        return accumulate(b, m, 10, mag);
    /* base 60, most significant group first: v = v * 60 + group */
    size_t start = 0;
    for (;;) {
        const char *end = memchr(b + start, ':', m - start);
        size_t stop = end ? (size_t)(end - b) : m;
        uint64_t group = 0;
        if (!accumulate(b + start, stop - start, 10, &group) || *mag > (UINT64_MAX - group) / 60)
            return 0;
        *mag = *mag * 60 + group;
        if (!end)
            return 1;
        start = stop + 1;
    }
}

/* 1 = int (value in *v), 0 = not int syntax, 2 = int syntax but no int64 value. */
static int match_int(const char *s, size_t n, int64_t *v)
{
    if (!int_syntax(s, n))
        return 0;
    size_t k = sign_len(s, n);
    int neg = k && s[0] == '-';
    uint64_t mag;
    if (!int_magnitude(s + k, n - k, &mag))
        return 2;
    if (neg) {
        if (mag > (uint64_t)INT64_MAX + 1)
            return 2;
        *v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX)
            return 2;
        *v = (int64_t)mag;
    }
    return 1;
}

/* Consumes `[eE][-+][0-9]+` if present; returns 0 on a malformed exponent. */
static int float_exponent(const char *s, size_t n, size_t *i)
{
    if (*i == n)
        return 1;
    if ((s[*i] != 'e' && s[*i] != 'E') || *i + 2 >= n || (s[*i + 1] != '-' && s[*i + 1] != '+'))
        return 0;
    *i += 2;
    if (!is_digit(s[*i]))
        return 0;
    while (*i < n && is_digit(s[*i]))
        (*i)++;
    return 1;
}

/* PyYAML 6 float regex:
 *   [-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?   \.[0-9][0-9_]*([eE][-+][0-9]+)?
 *   [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*     [-+]?\.(inf|Inf|INF)   \.(nan|NaN|NAN) */
static int float_syntax(const char *s, size_t n)
{
    size_t k = sign_len(s, n), i = k;
    if (n - k == 4 && s[k] == '.' &&
        (text_is(s + k + 1, 3, "inf") || text_is(s + k + 1, 3, "Inf") ||
         text_is(s + k + 1, 3, "INF")))
        return 1;
    if (text_is(s, n, ".nan") || text_is(s, n, ".NaN") || text_is(s, n, ".NAN"))
        return 1;
    if (i < n && s[i] == '.') { /* only the unsigned `.5` form */
        i++;
        return k == 0 && digits_us(s, n, &i) && float_exponent(s, n, &i) && i == n;
    }
    if (!digits_us(s, n, &i))
        return 0;
    int sexa = i < n && s[i] == ':';
    if (sexa && !sexa_groups(s, n, &i))
        return 0;
    if (i >= n || s[i] != '.')
        return 0;
    i++;
    while (i < n && (is_digit(s[i]) || s[i] == '_'))
        i++;
    return sexa ? i == n : float_exponent(s, n, &i) && i == n;
}

/* Decimal text (digits, '_', one '.', optional exponent; no sign) -> double, as
 * Python's float() does. The '.' is removed and folded into the exponent so that
 * strtod never sees a locale-dependent decimal point. Returns 0 on no memory. */
static int decimal_to_double(const char *s, size_t n, double *out)
{
    char small[64];
    char *buf = n + 32 <= sizeof small ? small : malloc(n + 32);
    if (!buf)
        return 0;
    size_t len = 0;
    long long frac = 0, exp = 0;
    int after_dot = 0;
    size_t i = 0;
    for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.')
            after_dot = 1;
        else if (s[i] != '_') {
            buf[len++] = s[i];
            frac += after_dot;
        }
    }
    if (i < n) { /* exponent: sign and digits; saturate, the result is 0 or inf anyway */
        int eneg = s[i + 1] == '-';
        for (i += 2; i < n; i++)
            exp = exp < 1000000000 ? exp * 10 + (s[i] - '0') : exp;
        exp = eneg ? -exp : exp;
    }
    if (len == 0)
        buf[len++] = '0';
    snprintf(buf + len, 32, "e%lld", exp - frac);
    *out = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    return 1;
}

/* Value of text matching float_syntax, like PyYAML's construct_yaml_float. 0 = no memory. */
static int float_value(const char *s, size_t n, double *out)
{
    size_t k = sign_len(s, n);
    double sign = k && s[0] == '-' ? -1.0 : 1.0;
    const char *b = s + k;
    size_t m = n - k;
    if (m == 4 && (b[1] == 'i' || b[1] == 'I'))
        return *out = sign * INFINITY, 1;
    if (m == 4 && (b[1] == 'n' || b[1] == 'N'))
        return *out = NAN, 1;
    if (!memchr(b, ':', m)) {
        if (!decimal_to_double(b, m, out))
            return 0;
        return *out *= sign, 1;
    }
    /* base 60 like Python: groups from the last, value += group * base; base *= 60 */
    double value = 0.0, base = 1.0;
    size_t end = m;
    for (;;) {
        size_t start = end;
        while (start > 0 && b[start - 1] != ':')
            start--;
        double group;
        if (!decimal_to_double(b + start, end - start, &group))
            return 0;
        value += group * base;
        base *= 60;
        if (start == 0)
            break;
        end = start - 1;
    }
    return *out = sign * value, 1;
}

/* Consumes between 1 and `max` digits. */
static int ts_digits(const char *s, size_t n, size_t *i, size_t min, size_t max)
{
    size_t c = 0;
    while (*i < n && c < max && is_digit(s[*i]))
        (*i)++, c++;
    return c >= min;
}

static int ts_char(const char *s, size_t n, size_t *i, char c)
{
    if (*i < n && s[*i] == c)
        return (*i)++, 1;
    return 0;
}

/* Optional `[ \t]*(Z|[-+][0-9][0-9]?(:[0-9][0-9])?)` followed by the end of text. */
static int ts_zone(const char *s, size_t n, size_t i)
{
    if (i == n)
        return 1;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (ts_char(s, n, &i, 'Z'))
        return i == n;
    if (i >= n || (s[i] != '-' && s[i] != '+'))
        return 0;
    i++;
    if (!ts_digits(s, n, &i, 1, 2))
        return 0;
    if (ts_char(s, n, &i, ':') && !ts_digits(s, n, &i, 2, 2))
        return 0;
    return i == n;
}

/* PyYAML timestamp regex: YYYY-MM-DD, or YYYY-M-D followed by a time
 * ([Tt] or blanks, H:MM:SS, optional .fraction, optional zone). */
static int match_timestamp(const char *s, size_t n)
{
    size_t i = 0;
    if (!ts_digits(s, n, &i, 4, 4) || i != 4 || !ts_char(s, n, &i, '-'))
        return 0;
    if (n == 10 && is_digit(s[5]) && is_digit(s[6]) && s[7] == '-' && is_digit(s[8]) &&
        is_digit(s[9]))
        return 1;
    if (!ts_digits(s, n, &i, 1, 2) || !ts_char(s, n, &i, '-') || !ts_digits(s, n, &i, 1, 2))
        return 0;
    if (!ts_char(s, n, &i, 'T') && !ts_char(s, n, &i, 't')) {
        size_t blanks = i;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == blanks)
            return 0;
    }
    if (!ts_digits(s, n, &i, 1, 2) || !ts_char(s, n, &i, ':') || !ts_digits(s, n, &i, 2, 2) ||
        !ts_char(s, n, &i, ':') || !ts_digits(s, n, &i, 2, 2))
        return 0;
    if (ts_char(s, n, &i, '.'))
        ts_digits(s, n, &i, 0, (size_t)-1);
    return ts_zone(s, n, i);
}

/* Implicit type of a plain scalar (PyYAML resolver + constructor). 0, or -1 on no memory. */
static int resolve_plain(const char *s, size_t n, scalar_value *v)
{
    v->type = SG_SCALAR_STR;
    if (match_null(s, n))
        v->type = SG_SCALAR_NULL;
    else if (match_bool(s, n, &v->bval))
        v->type = SG_SCALAR_BOOL;
    else if (float_syntax(s, n)) {
        if (!float_value(s, n, &v->fval))
            return -1;
        v->type = SG_SCALAR_FLOAT;
    } else if (match_int(s, n, &v->ival) == 1)
        v->type = SG_SCALAR_INT;
    else if (match_timestamp(s, n))
        v->type = SG_SCALAR_DATE;
    return 0;
}

#define YAML_TAG(name) "tag:yaml.org,2002:" name

/* Type of a scalar event: untagged (or `!`) plain scalars are resolved implicitly,
 * a standard tag asks for its type (falling back to a string when the text does not
 * fit it), anything else is a string. 0, or -1 on no memory. */
static int scalar_type(const yaml_event_t *ev, scalar_value *v)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    memset(v, 0, sizeof *v);
    v->type = SG_SCALAR_STR;
    if (!tag || strcmp(tag, "!") == 0)
        return ev->data.scalar.plain_implicit ? resolve_plain(s, n, v) : 0;
    if (strcmp(tag, YAML_TAG("null")) == 0) {
        v->type = SG_SCALAR_NULL;
        return 0;
    }
    static const struct {
        const char *tag;
        sg_scalar_type type;
    } typed[] = {{YAML_TAG("bool"), SG_SCALAR_BOOL},
                 {YAML_TAG("int"), SG_SCALAR_INT},
                 {YAML_TAG("float"), SG_SCALAR_FLOAT},
                 {YAML_TAG("timestamp"), SG_SCALAR_DATE}};
    for (size_t i = 0; i < sizeof typed / sizeof *typed; i++) {
        if (strcmp(tag, typed[i].tag) != 0)
            continue;
        scalar_value r;
        memset(&r, 0, sizeof r);
        if (resolve_plain(s, n, &r) != 0)
            return -1;
        if (typed[i].type == SG_SCALAR_FLOAT && r.type == SG_SCALAR_INT) /* !!float 1 -> 1.0 */
            r.type = SG_SCALAR_FLOAT, r.fval = (double)r.ival;
        if (r.type == typed[i].type)
            *v = r;
        return 0;
    }
    return 0;
}

/* ------------------------------------------------------------------ parser state */

typedef struct pair {
    sg_node *key, *val;
} pair;

/* Map entries with unique key texts; a hash index is built once the map grows. */
typedef struct keyset {
    pair *v;
    size_t n, cap;
    sg_strmap idx; /* key text -> position in v; empty while n <= SMALL_MAP */
} keyset;

/* What the next node delivered to an open map means. */
typedef enum { WANT_KEY, WANT_NEW, WANT_REPLACE, WANT_MERGE, WANT_DROP } map_want;

/* An open sequence or map. */
typedef struct frame {
    sg_node *node;
    size_t size;     /* nodes in the subtree with aliases expanded, saturating */
    size_t anchor;   /* 1 + index in the anchor table, 0 if not anchored */
    sg_node **items; /* sequence items */
    size_t n_items, cap_items;
    keyset pairs; /* explicit map entries */
    pair *merged; /* entries from `<<`, in PyYAML's order (later ones win) */
    size_t n_merged, cap_merged;
    map_want want;
    sg_node *key;      /* key waiting for its value */
    size_t replace_at; /* WANT_REPLACE: entry whose value the duplicate replaces */
} frame;

typedef struct anchor_def {
    const char *name;
    sg_node *node;
    size_t size;
    int done; /* 0 while the anchored container is still open */
} anchor_def;

typedef struct parser {
    yaml_parser_t yp;
    const char *src;
    size_t len;
    size_t max_depth, max_alias_nodes;
    sg_diag_ctx *diags;
    sg_yaml_file *out;
    size_t docs_cap;
    /* libyaml marks count characters; this cursor converts them to byte offsets */
    size_t byte_base; /* bytes libyaml skipped before character 0 (a UTF-8 BOM) */
    size_t cur_char, cur_byte;
    frame *stack;
    size_t depth, stack_cap;
    anchor_def *anchors; /* anchors of the current document */
    size_t n_anchors, anchors_cap;
    sg_strmap anchor_idx;
    size_t alias_nodes; /* nodes reached through aliases so far, whole file */
    sg_yaml_doc doc;    /* document being built */
} parser;

static size_t sat_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* Byte offset of character number `chars` (a libyaml mark index). The cursor walks
 * UTF-8 sequences forward or backward from the last position asked for, and marks
 * arrive almost in order, so the total work is linear. Forward, eight ASCII bytes
 * (eight characters) at a time where it can: rules are mostly ASCII. */
static size_t byte_offset(parser *p, size_t chars)
{
    const unsigned char *s = (const unsigned char *)p->src;
    while (chars > p->cur_char && chars - p->cur_char >= 8 && p->len - p->cur_byte > 8 &&
           !(sg_load64(s + p->cur_byte) & 0x8080808080808080ull) &&
           (s[p->cur_byte + 8] & 0xC0) != 0x80) {
        p->cur_byte += 8;
        p->cur_char += 8;
    }
    while (p->cur_char < chars && p->cur_byte < p->len) {
        p->cur_byte++;
        while (p->cur_byte < p->len && (s[p->cur_byte] & 0xC0) == 0x80)
            p->cur_byte++;
        p->cur_char++;
    }
    while (p->cur_char > chars && p->cur_byte > p->byte_base) {
        p->cur_byte--;
        while (p->cur_byte > p->byte_base && (s[p->cur_byte] & 0xC0) == 0x80)
            p->cur_byte--;
        p->cur_char--;
    }
    return p->cur_byte;
}

static sg_pos mark_pos(parser *p, yaml_mark_t m)
{
    sg_pos pos = {(uint32_t)(m.line + 1), (uint32_t)(m.column + 1), byte_offset(p, m.index)};
    return pos;
}

/* Position of a byte offset (reader errors only report one): counts line breaks
 * (LF, CR, CRLF) and code points since the last one. */
static sg_pos byte_pos(const parser *p, size_t off)
{
    sg_pos pos = {1, 1, off};
    off = off < p->len ? off : p->len;
    for (size_t i = p->byte_base; i < off; i++) {
        unsigned char c = (unsigned char)p->src[i];
        if (c == '\n' || (c == '\r' && (i + 1 >= p->len || p->src[i + 1] != '\n')))
            pos.line++, pos.col = 1;
        else if ((c & 0xC0) != 0x80 && c != '\r')
            pos.col++;
    }
    return pos;
}

/* Reports an error; a failed report (no memory) becomes OOM, else `rc`. */
#define REPORT(p, rc, code, pos, ...)                                                              \
    (sg_error((p)->diags, (code), (pos), __VA_ARGS__) ? OOM : (rc))

/* Reports an error that ends parsing. */
#define FATAL(p, code, pos, ...) ((p)->out->failed = 1, REPORT(p, STOP, code, pos, __VA_ARGS__))

/* Reports an error that marks the current document bad and continues. */
#define BAD(p, code, pos, ...) ((p)->doc.bad = 1, REPORT(p, GO, code, pos, __VA_ARGS__))

static sg_node *new_node(parser *p, sg_node_kind kind, sg_pos pos)
{
    sg_node *n = sg_arena_alloc(&p->out->arena, sizeof *n);
    if (n)
        n->kind = kind, n->pos = pos;
    return n;
}

/* ------------------------------------------------------------------ map entries */

static int same_key(const sg_node *a, const sg_node *b)
{
    return a->text_len == b->text_len && memcmp(a->text, b->text, a->text_len) == 0;
}

/* 1 and *at if a key with the same text is in s, else 0. */
static int keyset_find(const keyset *s, const sg_node *key, size_t *at)
{
    if (s->idx.cap) {
        uint32_t v;
        if (!sg_strmap_get(&s->idx, key->text, key->text_len, &v))
            return 0;
        return *at = v, 1;
    }
    for (size_t i = 0; i < s->n; i++)
        if (same_key(s->v[i].key, key))
            return *at = i, 1;
    return 0;
}

/* Appends an entry whose key is not in s yet. 0 or -1 (no memory). */
static int keyset_add(keyset *s, sg_node *key, sg_node *val)
{
    if (SG_PUSH(s->v, s->n, s->cap, ((pair){key, val})) != 0)
        return -1;
    if (s->n > UINT32_MAX)
        return -1; /* the index stores 32-bit positions */
    if (s->idx.cap)
        return sg_strmap_put(&s->idx, key->text, key->text_len, (uint32_t)(s->n - 1));
    if (s->n <= SMALL_MAP)
        return 0;
    for (size_t i = 0; i < s->n; i++) /* the map just grew large: index it */
        if (sg_strmap_put(&s->idx, s->v[i].key->text, s->v[i].key->text_len, (uint32_t)i) != 0)
            return -1;
    return 0;
}

/* Sets key -> val: a new key is appended, an existing one keeps its place and
 * takes the new value (Python dict semantics). 0 or -1. */
static int keyset_set(keyset *s, sg_node *key, sg_node *val)
{
    size_t at;
    if (keyset_find(s, key, &at)) {
        s->v[at].val = val;
        return 0;
    }
    return keyset_add(s, key, val);
}

static void keyset_free(keyset *s)
{
    free(s->v);
    sg_strmap_free(&s->idx);
    memset(s, 0, sizeof *s);
}

/* Appends the entries of map m to the frame's merge list. 0 or -1. */
static int merge_map(frame *f, const sg_node *m)
{
    for (size_t i = 0; i < m->count; i++)
        if (SG_PUSH(f->merged, f->n_merged, f->cap_merged, ((pair){m->keys[i], m->items[i]})) != 0)
            return -1;
    return 0;
}

/* Value of a `<<` key, as PyYAML's flatten_mapping: a map, or a list of maps where
 * earlier maps win (they are appended last). Sources are already flattened. */
static int merge_value(parser *p, frame *f, const sg_node *v, sg_pos at)
{
    if (v->kind == SG_NODE_MAP)
        return merge_map(f, v) ? OOM : GO;
    int bad = v->kind != SG_NODE_SEQ;
    for (size_t i = v->count; !bad && i-- > 0;) {
        if (v->items[i]->kind != SG_NODE_MAP)
            bad = 1;
        else if (merge_map(f, v->items[i]))
            return OOM;
    }
    if (!bad)
        return GO;
    return BAD(p, SIGMA_DIAG_YAML_SYNTAX, at,
               "YAML merge key '<<' needs a mapping or a list of mappings");
}

/* A node arrives in key position of an open map. `at` is where it was written. */
static int map_key(parser *p, frame *f, sg_node *key, int merge_key, sg_pos at)
{
    f->key = key;
    if (key->kind != SG_NODE_SCALAR) {
        f->want = WANT_DROP;
        return BAD(p, SIGMA_DIAG_YAML_NON_SCALAR_KEY, at,
                   "YAML mapping key must be a scalar, not a %s",
                   key->kind == SG_NODE_MAP ? "mapping" : "sequence");
    }
    if (merge_key) {
        f->want = WANT_MERGE;
        return GO;
    }
    if (!keyset_find(&f->pairs, key, &f->replace_at)) {
        f->want = WANT_NEW;
        return GO;
    }
    f->want = WANT_REPLACE;
    const sg_node *first = f->pairs.v[f->replace_at].key;
    int shown = key->text_len > KEY_SHOWN ? KEY_SHOWN : (int)key->text_len;
    return BAD(p, SIGMA_DIAG_YAML_DUPLICATE_KEY, at, "duplicate key '%.*s%s' (first at line %u)",
               shown, key->text, key->text_len > KEY_SHOWN ? "..." : "", (unsigned)first->pos.line);
}

/* A node arrives in value position of an open map. */
static int map_value(parser *p, frame *f, sg_node *val, sg_pos at)
{
    map_want want = f->want;
    f->want = WANT_KEY;
    switch (want) {
    case WANT_NEW:
        return keyset_add(&f->pairs, f->key, val) ? OOM : GO;
    case WANT_REPLACE: /* the later value wins; the first key keeps its place */
        f->pairs.v[f->replace_at].val = val;
        return GO;
    case WANT_MERGE:
        return merge_value(p, f, val, at);
    default:
        return GO;
    }
}

/* Final entries of a closed map: merged entries first, then explicit ones
 * overriding them (PyYAML prepends merged pairs, then builds a dict). */
static int map_entries(frame *f, keyset *all)
{
    for (size_t i = 0; i < f->n_merged; i++)
        if (keyset_set(all, f->merged[i].key, f->merged[i].val))
            return -1;
    for (size_t i = 0; i < f->pairs.n; i++)
        if (keyset_set(all, f->pairs.v[i].key, f->pairs.v[i].val))
            return -1;
    return 0;
}

/* Copies the frame's entries into the arena-owned node. 0 or -1. */
static int finish_map(parser *p, frame *f)
{
    keyset merged = {0};
    keyset *src = &f->pairs;
    if (f->n_merged) {
        if (map_entries(f, &merged)) {
            keyset_free(&merged);
            return -1;
        }
        src = &merged;
    }
    sg_node *n = f->node;
    int rc = 0;
    if (src->n) {
        n->keys = sg_arena_alloc(&p->out->arena, src->n * sizeof *n->keys);
        n->items = sg_arena_alloc(&p->out->arena, src->n * sizeof *n->items);
        if (!n->keys || !n->items)
            rc = -1;
        for (size_t i = 0; rc == 0 && i < src->n; i++)
            n->keys[i] = src->v[i].key, n->items[i] = src->v[i].val;
        n->count = src->n;
    }
    keyset_free(&merged);
    return rc;
}

static int finish_seq(parser *p, frame *f)
{
    sg_node *n = f->node;
    if (!f->n_items)
        return 0;
    n->items = sg_arena_alloc(&p->out->arena, f->n_items * sizeof *n->items);
    if (!n->items)
        return -1;
    memcpy(n->items, f->items, f->n_items * sizeof *n->items);
    n->count = f->n_items;
    return 0;
}

static void frame_free(frame *f)
{
    free(f->items);
    free(f->merged);
    keyset_free(&f->pairs);
}

/* ------------------------------------------------------------------ tree building */

/* A finished node (scalar, alias target or closed container) goes to its parent.
 * `size` counts its nodes; `merge_key` marks a plain `<<`; `at` is where it was
 * written (for an alias, the alias itself). */
static int add_child(parser *p, sg_node *node, size_t size, int merge_key, sg_pos at)
{
    if (p->depth == 0) {
        p->doc.root = node;
        return GO;
    }
    frame *f = &p->stack[p->depth - 1];
    f->size = sat_add(f->size, size);
    if (f->node->kind == SG_NODE_SEQ)
        return SG_PUSH(f->items, f->n_items, f->cap_items, node) ? OOM : GO;
    if (f->want == WANT_KEY)
        return map_key(p, f, node, merge_key, at);
    return map_value(p, f, node, at);
}

/* Registers an anchor of the current document. PyYAML rejects a duplicate anchor,
 * so do we. Sets *index to its position in the table. */
static int define_anchor(parser *p, const yaml_char_t *name, sg_node *node, int done, sg_pos at,
                         size_t *index)
{
    size_t len = strlen((const char *)name);
    uint32_t old;
    if (sg_strmap_get(&p->anchor_idx, (const char *)name, len, &old))
        return FATAL(p, SIGMA_DIAG_YAML_SYNTAX, at, "YAML syntax error: duplicate anchor '%s'",
                     (const char *)name);
    anchor_def a = {sg_arena_strndup(&p->out->arena, (const char *)name, len), node, 1, done};
    if (!a.name || p->n_anchors >= UINT32_MAX ||
        SG_PUSH(p->anchors, p->n_anchors, p->anchors_cap, a) != 0 ||
        sg_strmap_put(&p->anchor_idx, a.name, len, (uint32_t)(p->n_anchors - 1)) != 0)
        return OOM;
    *index = p->n_anchors - 1;
    return GO;
}

/* An empty plain scalar with no properties as the whole document: no root. */
static int is_empty_document(const parser *p, const yaml_event_t *ev)
{
    return p->depth == 0 && ev->data.scalar.length == 0 && ev->data.scalar.plain_implicit &&
           !ev->data.scalar.tag && !ev->data.scalar.anchor;
}

static size_t count_code_points(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* A one-line plain or flow-quoted scalar whose source span holds exactly its text
 * (plus the two quotes): no folding, escapes, anchor or tag shift the offsets. */
static int scalar_is_exact(const yaml_event_t *ev, const sg_node *n)
{
    yaml_scalar_style_t style = ev->data.scalar.style;
    if (style != YAML_PLAIN_SCALAR_STYLE && style != YAML_SINGLE_QUOTED_SCALAR_STYLE &&
        style != YAML_DOUBLE_QUOTED_SCALAR_STYLE)
        return 0;
    if (ev->start_mark.line != ev->end_mark.line || ev->end_mark.index < ev->start_mark.index)
        return 0;
    size_t span = ev->end_mark.index - ev->start_mark.index;
    size_t quotes = style == YAML_PLAIN_SCALAR_STYLE ? 0 : 2;
    return span == count_code_points(n->text, n->text_len) + quotes;
}

sg_pos sg_scalar_text_pos(const sg_node *n, size_t offset)
{
    sg_pos p = n->pos;
    if (!n->exact || offset > n->text_len || !p.line)
        return p;
    size_t lead = n->quoted ? 1 : 0;
    p.col += (uint32_t)(lead + count_code_points(n->text, offset));
    if (p.offset != UINT64_MAX)
        p.offset += lead + offset;
    return p;
}

static int on_scalar(parser *p, const yaml_event_t *ev)
{
    if (is_empty_document(p, ev))
        return GO;
    sg_pos at = mark_pos(p, ev->start_mark);
    sg_node *n = new_node(p, SG_NODE_SCALAR, at);
    if (!n)
        return OOM;
    scalar_value v;
    if (scalar_type(ev, &v) != 0)
        return OOM;
    yaml_scalar_style_t style = ev->data.scalar.style;
    n->type = v.type, n->ival = v.ival, n->fval = v.fval, n->bval = v.bval;
    n->quoted = style != YAML_PLAIN_SCALAR_STYLE && style != YAML_ANY_SCALAR_STYLE;
    n->text_len = ev->data.scalar.length;
    n->text = sg_arena_strndup(&p->out->arena, (const char *)ev->data.scalar.value, n->text_len);
    if (!n->text)
        return OOM;
    n->exact = scalar_is_exact(ev, n);
    size_t index;
    int rc;
    if (ev->data.scalar.anchor && (rc = define_anchor(p, ev->data.scalar.anchor, n, 1, at, &index)))
        return rc;
    int merge_key = ev->data.scalar.plain_implicit && text_is(n->text, n->text_len, "<<") &&
                    (!ev->data.scalar.tag || strcmp((const char *)ev->data.scalar.tag, "!") == 0);
    return add_child(p, n, 1, merge_key, at);
}

static int on_alias(parser *p, const yaml_event_t *ev)
{
    sg_pos at = mark_pos(p, ev->start_mark);
    const char *name = (const char *)ev->data.alias.anchor;
    uint32_t i;
    if (!sg_strmap_get(&p->anchor_idx, name, strlen(name), &i))
        return FATAL(p, SIGMA_DIAG_YAML_SYNTAX, at, "YAML syntax error: found undefined alias '%s'",
                     name);
    const anchor_def *a = &p->anchors[i];
    if (!a->done) /* the tree must stay acyclic */
        return FATAL(p, SIGMA_DIAG_YAML_SYNTAX, at,
                     "YAML syntax error: alias '%s' refers to a node that contains it", name);
    /* Every use counts the whole referenced subtree: nested aliases multiply, which
     * is what bounds "billion laughs" documents. */
    p->alias_nodes = sat_add(p->alias_nodes, a->size);
    if (p->alias_nodes > p->max_alias_nodes)
        return FATAL(p, SIGMA_DIAG_YAML_ALIAS_LIMIT, at,
                     "YAML aliases expand to more than %zu nodes", p->max_alias_nodes);
    const sg_node *n = a->node;
    int merge_key = n->kind == SG_NODE_SCALAR && !n->quoted && n->type == SG_SCALAR_STR &&
                    text_is(n->text, n->text_len, "<<");
    return add_child(p, a->node, a->size, merge_key, at);
}

static int on_container_start(parser *p, const yaml_event_t *ev, sg_node_kind kind)
{
    sg_pos at = mark_pos(p, ev->start_mark);
    if (p->depth >= p->max_depth)
        return FATAL(p, SIGMA_DIAG_YAML_TOO_DEEP, at, "YAML nesting is deeper than %zu levels",
                     p->max_depth);
    sg_node *n = new_node(p, kind, at);
    if (!n || sg_grow((void **)&p->stack, &p->stack_cap, p->depth + 1, sizeof *p->stack) != 0)
        return OOM;
    frame *f = &p->stack[p->depth++];
    memset(f, 0, sizeof *f);
    f->node = n;
    f->size = 1;
    const yaml_char_t *anchor =
        kind == SG_NODE_MAP ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    size_t index;
    int rc;
    if (anchor && (rc = define_anchor(p, anchor, n, 0, at, &index)) != GO)
        return rc;
    f->anchor = anchor ? index + 1 : 0;
    return GO;
}

static int on_container_end(parser *p)
{
    frame f = p->stack[--p->depth];
    int rc = f.node->kind == SG_NODE_MAP ? finish_map(p, &f) : finish_seq(p, &f);
    frame_free(&f);
    if (rc)
        return OOM;
    if (f.anchor) {
        p->anchors[f.anchor - 1].done = 1;
        p->anchors[f.anchor - 1].size = f.size;
    }
    return add_child(p, f.node, f.size, 0, f.node->pos);
}

static int on_document_start(parser *p, const yaml_event_t *ev)
{
    memset(&p->doc, 0, sizeof p->doc);
    p->doc.start = mark_pos(p, ev->start_mark);
    p->doc.byte_start = (size_t)p->doc.start.offset;
    p->n_anchors = 0; /* anchors are scoped to their document */
    sg_strmap_free(&p->anchor_idx);
    return GO;
}

static int on_document_end(parser *p, const yaml_event_t *ev)
{
    p->doc.byte_end = byte_offset(p, ev->end_mark.index);
    sg_yaml_file *o = p->out;
    return SG_PUSH(o->docs, o->doc_count, p->docs_cap, p->doc) ? OOM : GO;
}

static int on_event(parser *p, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_STREAM_END_EVENT:
        return STOP;
    case YAML_DOCUMENT_START_EVENT:
        return on_document_start(p, ev);
    case YAML_DOCUMENT_END_EVENT:
        return on_document_end(p, ev);
    case YAML_SCALAR_EVENT:
        return on_scalar(p, ev);
    case YAML_ALIAS_EVENT:
        return on_alias(p, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_container_start(p, ev, SG_NODE_SEQ);
    case YAML_MAPPING_START_EVENT:
        return on_container_start(p, ev, SG_NODE_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return on_container_end(p);
    default:
        return GO;
    }
}

/* Turns libyaml's error state into a diagnostic. */
static int libyaml_error(parser *p)
{
    const yaml_parser_t *y = &p->yp;
    const char *problem = y->problem ? y->problem : "unknown error";
    if (y->error == YAML_MEMORY_ERROR)
        return OOM;
    if (y->error == YAML_READER_ERROR) {
        sg_pos at =
            byte_pos(p, p->byte_base > y->problem_offset ? p->byte_base : y->problem_offset);
        if (y->problem_value != -1)
            return FATAL(p, SIGMA_DIAG_YAML_ENCODING, at, "YAML encoding error: %s (byte 0x%02X)",
                         problem, (unsigned)y->problem_value & 0xFFu);
        return FATAL(p, SIGMA_DIAG_YAML_ENCODING, at, "YAML encoding error: %s", problem);
    }
    sg_pos at = mark_pos(p, y->problem_mark);
    /* At the end of a text without a final line break libyaml reports a line that
     * does not exist (it adds one); count from the bytes instead. */
    if (at.offset >= p->len)
        at = byte_pos(p, p->len);
    if (y->context)
        return FATAL(p, SIGMA_DIAG_YAML_SYNTAX, at,
                     "YAML syntax error: %s (%s at line %zu, column %zu)", problem, y->context,
                     y->context_mark.line + 1, y->context_mark.column + 1);
    return FATAL(p, SIGMA_DIAG_YAML_SYNTAX, at, "YAML syntax error: %s", problem);
}

/* Pulls events until the stream ends or parsing stops. GO/STOP or OOM. */
static int run(parser *p)
{
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p->yp, &ev))
            return libyaml_error(p);
        int rc = on_event(p, &ev);
        yaml_event_delete(&ev);
        if (rc != GO)
            return rc;
    }
}

/* libyaml would decode UTF-16 input, but Sigma files are UTF-8 and our byte
 * offsets assume it. */
static int is_utf16(const char *src, size_t len)
{
    const unsigned char *s = (const unsigned char *)src;
    return len >= 2 && ((s[0] == 0xFE && s[1] == 0xFF) || (s[0] == 0xFF && s[1] == 0xFE));
}

static int has_utf8_bom(const char *src, size_t len)
{
    return len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0;
}

static void parser_free(parser *p)
{
    while (p->depth)
        frame_free(&p->stack[--p->depth]);
    free(p->stack);
    free(p->anchors);
    sg_strmap_free(&p->anchor_idx);
    yaml_parser_delete(&p->yp);
}

static size_t or_default(size_t v, size_t def)
{
    return v ? v : def;
}

/* Checks that stop before libyaml runs. GO, STOP or OOM. */
static int precheck(parser *p, const sg_yaml_limits *limits)
{
    size_t max_bytes = or_default(limits ? limits->max_bytes : 0, DEFAULT_MAX_BYTES);
    if (p->len > max_bytes)
        return FATAL(p, SIGMA_DIAG_YAML_TOO_LARGE, SG_POS_UNKNOWN,
                     "YAML source is %zu bytes, more than the limit of %zu", p->len, max_bytes);
    if (is_utf16(p->src, p->len))
        return FATAL(p, SIGMA_DIAG_YAML_ENCODING, byte_pos(p, 0),
                     "YAML encoding error: UTF-16 is not supported, use UTF-8");
    return GO;
}

int sg_yaml_parse(const char *src, size_t len, const sg_yaml_limits *limits, sg_diag_ctx *diags,
                  sg_yaml_file *out)
{
    memset(out, 0, sizeof *out);
    parser p;
    memset(&p, 0, sizeof p);
    p.src = src ? src : "";
    p.len = src ? len : 0;
    p.diags = diags;
    p.out = out;
    p.max_depth = or_default(limits ? limits->max_depth : 0, DEFAULT_MAX_DEPTH);
    p.max_alias_nodes = or_default(limits ? limits->max_alias_nodes : 0, DEFAULT_MAX_ALIAS_NODES);
    int rc = precheck(&p, limits);
    if (rc == GO) {
        if (!yaml_parser_initialize(&p.yp)) {
            sg_yaml_file_free(out);
            return -1;
        }
        p.byte_base = p.cur_byte = has_utf8_bom(p.src, p.len) ? 3 : 0;
        yaml_parser_set_input_string(&p.yp, (const unsigned char *)p.src, p.len);
        rc = run(&p);
        parser_free(&p);
    }
    if (rc == OOM) {
        sg_yaml_file_free(out);
        return -1;
    }
    return 0;
}

void sg_yaml_file_free(sg_yaml_file *f)
{
    if (!f)
        return;
    sg_arena_free(&f->arena);
    free(f->docs);
    f->docs = NULL;
    f->doc_count = 0;
}

const sg_node *sg_map_get(const sg_node *map, const char *key)
{
    if (!map || map->kind != SG_NODE_MAP || !key)
        return NULL;
    size_t len = strlen(key);
    for (size_t i = 0; i < map->count; i++)
        if (map->keys[i]->text_len == len && memcmp(map->keys[i]->text, key, len) == 0)
            return map->items[i];
    return NULL;
}
