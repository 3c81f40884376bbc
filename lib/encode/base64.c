/* base64 and base64offset (sigma-semantics.md §4.2). Both work on bytes (the
 * UTF-8 of the value, or its UTF-16 after wide/utf16*) and need a value without
 * wildcards: a wildcard stands for unknown bytes, whose Base64 is unknown too. */
#include <string.h>

#include "encode/encode.h"
#include "encode/pattern_builder.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Appends the standard Base64 (RFC 4648, '=' padding) of s[0, n) to out. */
static int b64_append(sg_buf *out, const unsigned char *s, size_t n)
{
    if (sg_buf_reserve(out, (n + 2) / 3 * 4) != 0)
        return -1;
    char *d = out->data + out->len;
    size_t i = 0, j = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        d[j++] = b64_alphabet[v >> 18 & 63];
        d[j++] = b64_alphabet[v >> 12 & 63];
        d[j++] = b64_alphabet[v >> 6 & 63];
        d[j++] = b64_alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
        d[j++] = b64_alphabet[v >> 18 & 63];
        d[j++] = b64_alphabet[v >> 12 & 63];
        d[j++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
        d[j++] = '=';
    }
    out->len += j;
    out->data[out->len] = '\0';
    return 0;
}

/* Collects the bytes of `in`, which must not contain wildcards, into *val.
 * 0 ok, 1 error naming `modifier`, -1 no memory. */
static int literal_value(const sg_pattern *in, const char *modifier, sg_buf *val, char *err,
                         size_t errcap)
{
    if (!sg_pattern_is_literal(in))
        return sg_encode_fail(err, errcap,
                              "wildcards cannot be encoded with '%s' (use %s|contains)", modifier,
                              modifier);
    /* Concatenate the tokens rather than trust bytes[0, bytes_len): only the
     * tokens define the value. */
    if (sg_buf_reserve(val, in->bytes_len) != 0)
        return -1;
    val->data[val->len] = '\0';
    for (size_t i = 0; i < in->ntoks; i++)
        if (sg_buf_append(val, in->bytes + in->toks[i].off, in->toks[i].len) != 0)
            return -1;
    return 0;
}

static int base64_one(const sg_pattern *in, sg_pattern_set *out, void *ctx, char *err,
                      size_t errcap)
{
    (void)ctx;
    sg_buf val = {0}, enc = {0};
    int rc = literal_value(in, "base64", &val, err, errcap);
    if (rc == 0 && b64_append(&enc, (const unsigned char *)val.data, val.len) != 0)
        rc = -1;
    sg_pattern p;
    if (rc == 0 && sg_pattern_literal(enc.data, enc.len, &p) != 0)
        rc = -1;
    sg_buf_free(&val);
    sg_buf_free(&enc);
    return rc != 0 ? rc : sg_pset_push(out, &p);
}

int sg_encode_base64(sg_pattern_set *s, char *err, size_t errcap)
{
    return sg_pset_map(s, base64_one, NULL, err, errcap);
}

/* Variant `shift` of base64offset: Base64 of (shift filler bytes + value) without
 * the leading characters that depend on the filler and the trailing ones that
 * depend on whatever follows the value in the encoded blob (or are padding).
 * Leaves *start, *n as the kept slice of enc. */
static int offset_variant(const char *val, size_t len, unsigned shift, sg_buf *enc, size_t *start,
                          size_t *n)
{
    static const size_t drop_head[3] = {0, 2, 3};
    static const size_t drop_tail[3] = {0, 3, 2};
    static const unsigned char filler[2] = {0, 0};
    sg_buf_clear(enc);
    /* Encoding filler and value separately would break the 3-byte groups: build
     * the Base64 from one contiguous input instead. */
    sg_buf in = {0};
    if (sg_buf_append(&in, filler, shift) != 0 || sg_buf_append(&in, val, len) != 0 ||
        b64_append(enc, (const unsigned char *)in.data, in.len) != 0) {
        sg_buf_free(&in);
        return -1;
    }
    sg_buf_free(&in);
    size_t head = drop_head[shift], tail = drop_tail[(len % 3 + shift) % 3];
    *start = head;
    *n = enc->len > head + tail ? enc->len - head - tail : 0;
    return 0;
}

/* 1 if out already holds the one-literal pattern s[0, n). */
static int has_literal(const sg_pattern_set *out, size_t from, const char *s, size_t n)
{
    for (size_t i = from; i < out->n; i++)
        if (out->items[i].bytes_len == n && memcmp(out->items[i].bytes, s, n) == 0)
            return 1;
    return 0;
}

static int base64offset_one(const sg_pattern *in, sg_pattern_set *out, void *ctx, char *err,
                            size_t errcap)
{
    (void)ctx;
    sg_buf val = {0}, enc = {0};
    int rc = literal_value(in, "base64offset", &val, err, errcap);
    if (rc != 0) {
        sg_buf_free(&val);
        return rc;
    }
    size_t first = out->n; /* this value's variants start here */
    for (unsigned shift = 0; shift < 3; shift++) {
        size_t start, n;
        if (offset_variant(val.data, val.len, shift, &enc, &start, &n) != 0)
            goto oom;
        /* Short values can give an empty variant, or the same one twice. */
        if (n == 0 || has_literal(out, first, enc.data + start, n))
            continue;
        sg_pattern p;
        if (sg_pattern_literal(enc.data + start, n, &p) != 0 || sg_pset_push(out, &p) != 0)
            goto oom;
    }
    sg_buf_free(&val);
    sg_buf_free(&enc);
    if (out->n == first)
        return sg_encode_fail(err, errcap, "value too short for base64offset");
    return 0;
oom:
    sg_buf_free(&val);
    sg_buf_free(&enc);
    return -1;
}

int sg_encode_base64offset(sg_pattern_set *s, char *err, size_t errcap)
{
    return sg_pset_map(s, base64offset_one, NULL, err, errcap);
}
