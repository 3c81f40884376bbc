/* wide / utf16le / utf16be / utf16 (sigma-semantics.md §4.2): the UTF-8 bytes of
 * each literal become UTF-16 code units. Wildcards are kept as they are; a later
 * base64 rejects them, and on their own they still match the encoded bytes. */
#include <utf8proc.h>

#include "encode/encode.h"
#include "encode/pattern_builder.h"

typedef struct utf16_ctx {
    sg_utf16_kind kind;
} utf16_ctx;

/* Appends one 16-bit code unit in the requested byte order. */
static int put_unit(sg_pbuild *b, uint16_t u, int big_endian)
{
    char bytes[2];
    bytes[big_endian ? 0 : 1] = (char)(u >> 8);
    bytes[big_endian ? 1 : 0] = (char)(u & 0xFF);
    return sg_pb_lit(b, bytes, 2);
}

/* Appends code point cp as one unit or, above U+FFFF, as a surrogate pair. */
static int put_code_point(sg_pbuild *b, int32_t cp, int big_endian)
{
    if (cp < 0x10000)
        return put_unit(b, (uint16_t)cp, big_endian);
    uint32_t v = (uint32_t)cp - 0x10000;
    if (put_unit(b, (uint16_t)(0xD800 | (v >> 10)), big_endian) != 0)
        return -1;
    return put_unit(b, (uint16_t)(0xDC00 | (v & 0x3FF)), big_endian);
}

/* Encodes the literal s[0, n); 1 with a message if it is not valid UTF-8. */
static int put_literal(sg_pbuild *b, const char *s, size_t n, int big_endian, char *err,
                       size_t errcap)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        /* utf8proc_iterate rejects overlong forms, surrogates and > U+10FFFF. */
        utf8proc_ssize_t k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0)
            return sg_encode_fail(err, errcap,
                                  "value is not valid UTF-8 (byte 0x%02X at offset %zu) and "
                                  "cannot be encoded as UTF-16",
                                  (unsigned)p[i], i);
        if (put_code_point(b, cp, big_endian) != 0)
            return -1;
        i += (size_t)k;
    }
    return 0;
}

static int utf16_one(const sg_pattern *in, sg_pattern_set *out, void *vctx, char *err,
                     size_t errcap)
{
    const utf16_ctx *ctx = vctx;
    int big_endian = ctx->kind == SG_UTF16_BE;
    sg_pbuild b = {0};
    int rc = 0;
    /* The BOM marks the start of the encoded text: once, before everything. */
    if (ctx->kind == SG_UTF16_BOM)
        rc = sg_pb_lit(&b, "\xFF\xFE", 2) != 0 ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < in->ntoks; i++) {
        const sg_pat_tok *t = &in->toks[i];
        if (t->kind == SG_PAT_LIT)
            rc = put_literal(&b, in->bytes + t->off, t->len, big_endian, err, errcap);
        else
            rc = sg_pb_wild(&b, t->kind);
    }
    if (rc != 0) {
        sg_pb_free(&b);
        return rc;
    }
    return sg_pb_push(&b, out);
}

int sg_encode_utf16(sg_pattern_set *s, sg_utf16_kind kind, char *err, size_t errcap)
{
    if (kind != SG_UTF16_LE && kind != SG_UTF16_BE && kind != SG_UTF16_BOM)
        return sg_encode_fail(err, errcap, "unknown UTF-16 variant %d", (int)kind);
    utf16_ctx ctx = {kind};
    return sg_pset_map(s, utf16_one, &ctx, err, errcap);
}
