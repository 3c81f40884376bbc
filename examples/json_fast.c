/* json_fast.c - one JSON object per line straight to sink calls (see json_fast.h).
 *
 * A recursive-descent parser over the line's bytes (RFC 8259 grammar, jansson's
 * choices where RFC 8259 leaves room). Strings without escapes are passed as
 * pointers into the line; strings with escapes are decoded into a buffer owned by
 * the parser. The dotted name of the current position lives in one growable buffer,
 * as in json_event.c. The keys of each open object are kept as 64-bit hashes to
 * find duplicates, which are declined (jansson keeps the first key's position with
 * the last value; rare enough not to reproduce here).
 */
#include "json_fast.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text_buf.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

struct json_fast {
    const char *s;   /* cursor */
    const char *end; /* end of the line */
    unsigned flags;
    const json_event_sink *sink;
    void *ctx;
    int seen_big; /* a positive integer beyond int64 was seen (see parse_number) */

    char *name; /* dotted name of the current position */
    size_t name_len, name_cap;
    char *str; /* decoded string with escapes */
    size_t str_cap;
    uint64_t *keys; /* hashes of the keys of the open objects, innermost last */
    size_t n_keys, keys_cap;
    char *channel; /* top-level "Channel" string value */
    size_t channel_len, channel_cap;
    int has_channel;
};

#define FALLBACK JSON_FAST_FALLBACK

json_fast *json_fast_new(void)
{
    json_fast *p = calloc(1, sizeof *p);
    return p;
}

void json_fast_free(json_fast *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->str);
    free(p->keys);
    free(p->channel);
    free(p);
}

const char *json_fast_channel(const json_fast *p, size_t *len)
{
    if (len)
        *len = p->has_channel ? p->channel_len : 0;
    return p->has_channel ? p->channel : NULL;
}

/* Grows *buf to hold at least `need` bytes. */
static int grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return SIGMA_OK;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    char *n = realloc(*buf, c);
    if (!n)
        return SIGMA_E_NOMEM;
    *buf = n;
    *cap = c;
    return SIGMA_OK;
}

static void skip_ws(json_fast *p)
{
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
        p->s++;
}

/* Four hex digits at s (the caller checked they are there); -1 if not hex. */
static int32_t hex4(const char *s)
{
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* 1 when none of the 8 bytes of w is a quote, a backslash, a control character or
 * above 0x7F. (The "has a zero byte" tests may also flag a byte next to a real hit,
 * never miss one.) */
static int plain_word(uint64_t w)
{
    uint64_t q = w ^ (ONES * '"');
    uint64_t b = w ^ (ONES * '\\');
    uint64_t hits = w | ((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b);
    return (hits & HIGHS) == 0;
}

/* The first byte at or after s (before end) that a string cannot simply copy: a
 * quote, a backslash, a control character or a byte above 0x7F; end if none. Plain
 * ASCII is skipped 16 bytes at a time with SSE2 (one signed compare finds both the
 * control characters and the bytes above 0x7F), else 8 at a time. */
static const char *plain_run(const char *s, const char *end)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20);
    while (end - s >= 16) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
        const __m128i stop =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                         _mm_cmplt_epi8(v, space));
        const unsigned mask = (unsigned)_mm_movemask_epi8(stop);
        if (mask)
            return s + __builtin_ctz(mask);
        s += 16;
    }
#endif
    while (end - s >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        if (!plain_word(w))
            break;
        s += 8;
    }
    while (s < end && (unsigned char)*s >= 0x20 && (unsigned char)*s < 0x80 && *s != '"' &&
           *s != '\\')
        s++;
    return s;
}

/* Decodes the escapes of a string whose body starts at `start` and which has a
 * backslash at p->s; the result goes to p->str. */
static int decode_escaped(json_fast *p, const char *start, const char **out, size_t *out_len)
{
    /* The decoded text is never longer than the raw text. */
    int rc = grow(&p->str, &p->str_cap, (size_t)(p->end - start) + 1);
    if (rc != SIGMA_OK)
        return rc;
    size_t len = (size_t)(p->s - start);
    memcpy(p->str, start, len);
    const char *s = p->s;
    const char *end = p->end;
    for (;;) {
        if (s >= end)
            return FALLBACK;
        unsigned char c = (unsigned char)*s;
        if (c == '"')
            break;
        if (c < 0x20)
            return FALLBACK;
        if (c >= 0x80) {
            size_t n = tb_utf8_seq_len((const unsigned char *)s, (size_t)(end - s));
            if (n == 0)
                return FALLBACK;
            memcpy(p->str + len, s, n);
            len += n;
            s += n;
            continue;
        }
        if (c != '\\') {
            /* plain ASCII up to the next quote, backslash or special byte */
            const char *run = plain_run(s + 1, end);
            memcpy(p->str + len, s, (size_t)(run - s));
            len += (size_t)(run - s);
            s = run;
            continue;
        }
        if (end - s < 2)
            return FALLBACK;
        char e = s[1];
        s += 2;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            p->str[len++] = e;
            continue;
        case 'b':
            p->str[len++] = '\b';
            continue;
        case 'f':
            p->str[len++] = '\f';
            continue;
        case 'n':
            p->str[len++] = '\n';
            continue;
        case 'r':
            p->str[len++] = '\r';
            continue;
        case 't':
            p->str[len++] = '\t';
            continue;
        case 'u':
            break;
        default:
            return FALLBACK;
        }
        if (end - s < 4)
            return FALLBACK;
        int32_t u = hex4(s);
        if (u < 0)
            return FALLBACK;
        s += 4;
        uint32_t cp = (uint32_t)u;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
            return FALLBACK; /* a low surrogate first */
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end - s < 6 || s[0] != '\\' || s[1] != 'u')
                return FALLBACK;
            int32_t lo = hex4(s + 2);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return FALLBACK;
            s += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
        }
        /* \u escapes are at least 6 bytes and decode to at most 4 */
        len += tb_utf8_put(p->str + len, cp);
    }
    p->str[len] = '\0';
    p->s = s + 1;
    *out = p->str;
    *out_len = len;
    return SIGMA_OK;
}

/* Parses the string at p->s (which is at the opening quote). The result points
 * into the line or into p->str (valid until the next string). */
static int parse_string(json_fast *p, const char **out, size_t *out_len)
{
    const char *start = ++p->s;
    const char *s = start;
    const char *end = p->end;
    for (;;) {
        /* Plain ASCII needs no decoding: skip it in one go. */
        s = plain_run(s, end);
        if (s >= end)
            return FALLBACK;
        unsigned char c = (unsigned char)*s;
        if (c == '"') {
            *out = start;
            *out_len = (size_t)(s - start);
            p->s = s + 1;
            return SIGMA_OK;
        }
        if (c < 0x20)
            return FALLBACK;
        if (c == '\\') {
            p->s = s;
            return decode_escaped(p, start, out, out_len);
        }
        size_t n = tb_utf8_seq_len((const unsigned char *)s, (size_t)(end - s));
        if (n == 0)
            return FALLBACK;
        s += n;
    }
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Parses the number at p->s and passes it to the sink under the current name.
 * Integers within int64 are integers; integers beyond it are strings of their
 * digits, as json_event_load_line() makes them, except that a negative one before
 * any positive one is declined (jansson's first error is then not "too big
 * integer", so json_event_load_line() reports the line as malformed). */
static int parse_number(json_fast *p)
{
    const char *start = p->s;
    const char *s = start;
    const char *end = p->end;
    int neg = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    const char *digits = s;
    if (s >= end || !is_digit(*s))
        return FALLBACK;
    if (*s == '0') {
        s++;
    } else {
        while (s < end && is_digit(*s))
            s++;
    }
    size_t ndig = (size_t)(s - digits);
    int integer = 1;
    if (s < end && *s == '.') {
        integer = 0;
        s++;
        if (s >= end || !is_digit(*s))
            return FALLBACK;
        while (s < end && is_digit(*s))
            s++;
    }
    if (s < end && (*s == 'e' || *s == 'E')) {
        integer = 0;
        s++;
        if (s < end && (*s == '+' || *s == '-'))
            s++;
        if (s >= end || !is_digit(*s))
            return FALLBACK;
        while (s < end && is_digit(*s))
            s++;
    }
    /* A digit right after a leading zero ("01") is an error in jansson. */
    if (s < end && is_digit(*s))
        return FALLBACK;
    p->s = s;
    if (!integer) {
        char buf[64];
        size_t n = (size_t)(s - start);
        if (n >= sizeof buf)
            return FALLBACK;
        memcpy(buf, start, n);
        buf[n] = '\0';
        errno = 0;
        double v = strtod(buf, NULL);
        if ((v == HUGE_VAL || v == -HUGE_VAL) && errno == ERANGE)
            return FALLBACK; /* jansson: "real number overflow" */
        return p->sink->real(p->ctx, p->name, p->name_len, v);
    }
    const char *limit = neg ? "9223372036854775808" : "9223372036854775807";
    if (ndig > 19 || (ndig == 19 && memcmp(digits, limit, 19) > 0)) {
        if (neg && !p->seen_big)
            return FALLBACK;
        p->seen_big = 1;
        return p->sink->str(p->ctx, p->name, p->name_len, start, (size_t)(s - start));
    }
    uint64_t u = 0;
    for (const char *d = digits; d < s; d++)
        u = u * 10 + (uint64_t)(*d - '0');
    int64_t v = neg ? (int64_t)(0 - u) : (int64_t)u;
    return p->sink->integer(p->ctx, p->name, p->name_len, v);
}

/* The literal `word` (true, false or null) at p->s, not followed by a letter. */
static int literal(json_fast *p, const char *word, size_t n)
{
    if ((size_t)(p->end - p->s) < n || memcmp(p->s, word, n) != 0)
        return 0;
    p->s += n;
    return 1;
}

static int parse_object(json_fast *p, int depth, int top);

static int parse_value(json_fast *p, int depth)
{
    if (p->s >= p->end)
        return FALLBACK;
    switch (*p->s) {
    case '{':
        return parse_object(p, depth + 1, 0);
    case '[': {
        if (depth + 1 > JSON_FAST_MAX_DEPTH)
            return FALLBACK;
        p->s++;
        skip_ws(p);
        if (p->s < p->end && *p->s == ']') {
            p->s++;
            return p->sink->empty(p->ctx, p->name, p->name_len);
        }
        for (;;) {
            skip_ws(p);
            int rc = parse_value(p, depth + 1);
            if (rc != SIGMA_OK)
                return rc;
            skip_ws(p);
            if (p->s >= p->end)
                return FALLBACK;
            if (*p->s == ']') {
                p->s++;
                return SIGMA_OK;
            }
            if (*p->s != ',')
                return FALLBACK;
            p->s++;
        }
    }
    case '"': {
        const char *v;
        size_t n;
        int rc = parse_string(p, &v, &n);
        if (rc != SIGMA_OK)
            return rc;
        return p->sink->str(p->ctx, p->name, p->name_len, v, n);
    }
    case 't':
        if (!literal(p, "true", 4))
            return FALLBACK;
        return p->sink->boolean(p->ctx, p->name, p->name_len, 1);
    case 'f':
        if (!literal(p, "false", 5))
            return FALLBACK;
        return p->sink->boolean(p->ctx, p->name, p->name_len, 0);
    case 'n':
        if (!literal(p, "null", 4))
            return FALLBACK;
        return p->sink->null(p->ctx, p->name, p->name_len);
    default:
        if (*p->s == '-' || is_digit(*p->s))
            return parse_number(p);
        return FALLBACK;
    }
}

/* A 64-bit hash of a key, eight bytes per step. Two keys with the same hash are
 * taken for duplicates, which only sends the line to jansson. */
static uint64_t hash_key(const char *k, size_t n)
{
    const uint64_t mul = 0x9E3779B97F4A7C15ull;
    uint64_t h = n * mul;
    for (; n >= 8; k += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, k, 8);
        h = ((h << 5 | h >> 59) ^ w) * mul;
    }
    uint64_t w = 0;
    memcpy(&w, k, n);
    h = ((h << 5 | h >> 59) ^ w) * mul;
    return h ^ h >> 29;
}

/* Records the key's hash among the keys of the innermost open object (those from
 * `first` on); FALLBACK when it is already there. *seen: one bit per key hash of
 * that object (64 bits), so that most keys skip the comparison with the others. */
static int add_key(json_fast *p, size_t first, uint64_t *seen, const char *k, size_t n)
{
    const uint64_t h = hash_key(k, n), bit = 1ull << (h >> 58);
    if (*seen & bit) {
        for (size_t i = first; i < p->n_keys; i++)
            if (p->keys[i] == h)
                return FALLBACK;
    }
    *seen |= bit;
    if (p->n_keys == p->keys_cap) {
        size_t cap = p->keys_cap ? p->keys_cap * 2 : 64;
        uint64_t *nk = realloc(p->keys, cap * sizeof *nk);
        if (!nk)
            return SIGMA_E_NOMEM;
        p->keys = nk;
        p->keys_cap = cap;
    }
    p->keys[p->n_keys++] = h;
    return SIGMA_OK;
}

/* The value of a top-level "Channel" member, for sigma-scan --stats. */
static int keep_channel(json_fast *p)
{
    const char *save = p->s;
    const char *v;
    size_t n;
    int rc = parse_string(p, &v, &n);
    if (rc != SIGMA_OK)
        return rc;
    rc = grow(&p->channel, &p->channel_cap, n + 1);
    if (rc != SIGMA_OK)
        return rc;
    memcpy(p->channel, v, n);
    p->channel[n] = '\0';
    p->channel_len = n;
    p->has_channel = 1;
    p->s = save; /* parsed again as the field's value */
    return SIGMA_OK;
}

/* The object at p->s (at '{'); `top` for the line's object (names without a dot). */
static int parse_object(json_fast *p, int depth, int top)
{
    if (depth > JSON_FAST_MAX_DEPTH)
        return FALLBACK;
    p->s++;
    skip_ws(p);
    if (p->s < p->end && *p->s == '}') {
        p->s++;
        return SIGMA_OK;
    }
    size_t base = p->name_len;
    size_t first_key = p->n_keys;
    uint64_t seen_keys = 0;
    for (;;) {
        skip_ws(p);
        if (p->s >= p->end || *p->s != '"')
            return FALLBACK;
        const char *k;
        size_t kn;
        int rc = parse_string(p, &k, &kn);
        if (rc != SIGMA_OK)
            return rc;
        if (memchr(k, '\0', kn))
            return FALLBACK; /* jansson: "NUL byte in object key not supported" */
        rc = add_key(p, first_key, &seen_keys, k, kn);
        if (rc != SIGMA_OK)
            return rc;
        rc = grow(&p->name, &p->name_cap, base + kn + 2);
        if (rc != SIGMA_OK)
            return rc;
        size_t len = base;
        if (!top)
            p->name[len++] = '.';
        memcpy(p->name + len, k, kn);
        len += kn;
        p->name[len] = '\0';
        p->name_len = len;
        skip_ws(p);
        if (p->s >= p->end || *p->s != ':')
            return FALLBACK;
        p->s++;
        skip_ws(p);
        if (p->s >= p->end)
            return FALLBACK;
        if (top && kn == 5 && memcmp(k, "Event", 5) == 0 && *p->s == '{' &&
            (p->flags & JSON_FAST_DECLINE_EVENT))
            return FALLBACK;
        if (top && kn == 7 && memcmp(k, "Channel", 7) == 0 && *p->s == '"') {
            rc = keep_channel(p);
            if (rc != SIGMA_OK)
                return rc;
        }
        rc = parse_value(p, depth);
        p->name_len = base;
        if (rc != SIGMA_OK)
            return rc;
        skip_ws(p);
        if (p->s >= p->end)
            return FALLBACK;
        if (*p->s == '}') {
            p->s++;
            p->n_keys = first_key;
            return SIGMA_OK;
        }
        if (*p->s != ',')
            return FALLBACK;
        p->s++;
    }
}

int json_fast_parse(json_fast *p, const char *line, size_t len, unsigned flags,
                    const json_event_sink *sink, void *ctx)
{
    if (!p || (!line && len) || !sink)
        return SIGMA_E_INVALID_ARG;
    p->s = line;
    p->end = line + len;
    p->flags = flags;
    p->sink = sink;
    p->ctx = ctx;
    p->seen_big = 0;
    p->name_len = 0;
    p->n_keys = 0;
    p->has_channel = 0;
    int rc = grow(&p->name, &p->name_cap, 1);
    if (rc != SIGMA_OK)
        return rc;
    p->name[0] = '\0';
    skip_ws(p);
    if (p->s >= p->end || *p->s != '{')
        return FALLBACK;
    rc = parse_object(p, 0, 1);
    if (rc != SIGMA_OK)
        return rc;
    skip_ws(p);
    return p->s == p->end ? SIGMA_OK : FALLBACK;
}

const char *json_event_type_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        return "null";
    }
    return "value";
}

int json_fast_fill_event(json_fast *p, sigma_event *ev, const char *line, size_t len,
                         json_error_t *err)
{
    if (!p || !ev)
        return SIGMA_E_INVALID_ARG;
    sigma_event_clear(ev);
    int rc = json_fast_parse(p, line, len, 0, &json_event_sigma_sink, ev);
    if (rc == SIGMA_OK || rc == SIGMA_E_NOMEM)
        return rc;
    sigma_event_clear(ev);
    json_error_t local;
    if (!err)
        err = &local;
    json_t *root = json_event_load_line(line, len, err);
    if (!root)
        return JSON_FAST_MALFORMED;
    if (!json_is_object(root)) {
        snprintf(err->text, sizeof err->text, "expected an object, got %s",
                 json_event_type_name(root));
        json_decref(root);
        return JSON_FAST_MALFORMED;
    }
    rc = json_event_fill(ev, root);
    json_decref(root);
    return rc;
}
