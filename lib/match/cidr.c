/* The `cidr` modifier (sigma-semantics.md §4.2): strict IPv4/IPv6 text parsers
 * (no inet_pton: its IPv4 acceptance differs between C libraries) and network
 * membership. */
#include "match/cidr.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ parsers */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Dotted quad: exactly 4 parts, each "0" or 1-3 decimal digits without a leading
 * zero, value 0-255. The whole of s[0..len) must be the address. */
static int parse_v4(const char *s, size_t len, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= len || s[i] != '.')
                return 0;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < len && is_digit(s[i]) && i - start < 3) {
            v = v * 10 + (unsigned)(s[i] - '0');
            i++;
        }
        size_t n = i - start;
        if (n == 0 || v > 255 || (n > 1 && s[start] == '0'))
            return 0;
        out[part] = (uint8_t)v;
    }
    return i == len;
}

/* RFC 4291 §2.2 text forms: eight groups of 1-4 hex digits, one "::" standing for
 * one or more zero groups, and an optional dotted-quad tail for the last 32 bits. */
static int parse_v6(const char *s, size_t len, uint8_t out[16])
{
    uint16_t grp[8];
    int n = 0;    /* groups parsed */
    int gap = -1; /* index in grp where "::" sits, or -1 */
    size_t i = 0;

    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (len >= 1 && s[0] == ':') {
        return 0;
    }
    while (i < len) {
        size_t j = i;
        int dot = 0;
        while (j < len && s[j] != ':') {
            if (s[j] == '.')
                dot = 1;
            j++;
        }
        if (dot) { /* IPv4 tail: must be the last token */
            uint8_t v4[4];
            if (j != len || n > 6 || !parse_v4(s + i, j - i, v4))
                return 0;
            grp[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
            grp[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
            i = j;
            break;
        }
        if (j == i || j - i > 4 || n >= 8)
            return 0;
        unsigned v = 0;
        for (size_t k = i; k < j; k++) {
            int h = hex_val(s[k]);
            if (h < 0)
                return 0;
            v = v << 4 | (unsigned)h;
        }
        grp[n++] = (uint16_t)v;
        if (j == len) {
            i = j;
            break;
        }
        /* s[j] == ':' */
        if (j + 1 < len && s[j + 1] == ':') {
            if (gap >= 0)
                return 0;
            gap = n;
            i = j + 2;
        } else {
            i = j + 1;
            if (i == len) /* trailing single ':' */
                return 0;
        }
    }
    if (gap < 0 ? n != 8 : n > 7)
        return 0;

    memset(out, 0, 16);
    int tail = gap < 0 ? 0 : n - gap; /* groups after "::" */
    int head = n - tail;
    for (int k = 0; k < head; k++) {
        out[2 * k] = (uint8_t)(grp[k] >> 8);
        out[2 * k + 1] = (uint8_t)grp[k];
    }
    for (int k = 0; k < tail; k++) {
        int dst = 8 - tail + k;
        out[2 * dst] = (uint8_t)(grp[head + k] >> 8);
        out[2 * dst + 1] = (uint8_t)grp[head + k];
    }
    return 1;
}

int sg_ip_parse(const char *s, size_t len, uint8_t addr[16])
{
    if (!s || len == 0)
        return 0;
    if (memchr(s, ':', len))
        return parse_v6(s, len, addr) ? 6 : 0;
    memset(addr, 0, 16);
    return parse_v4(s, len, addr) ? 4 : 0;
}

/* ------------------------------------------------------------------ formatting */

size_t sg_cidr_format(const sg_cidr *c, char *buf, size_t cap)
{
    char tmp[64];
    size_t n = 0;
    const uint8_t *a = c->addr;
#define PUT(...) (n += (size_t)snprintf(tmp + n, sizeof tmp - n, __VA_ARGS__))
    if (c->family == 4) {
        PUT("%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    } else {
        unsigned g[8];
        for (int k = 0; k < 8; k++)
            g[k] = (unsigned)a[2 * k] << 8 | a[2 * k + 1];
        /* RFC 5952: IPv4-mapped addresses in mixed notation */
        int mapped =
            g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff;
        int ngrp = mapped ? 6 : 8;
        /* RFC 5952: "::" replaces the longest run (>= 2) of zero groups, the first one
         * on a tie */
        int best = -1, bestlen = 1;
        for (int k = 0; k < ngrp;) {
            if (g[k] != 0) {
                k++;
                continue;
            }
            int e = k;
            while (e < ngrp && g[e] == 0)
                e++;
            if (e - k > bestlen) {
                best = k;
                bestlen = e - k;
            }
            k = e;
        }
        for (int k = 0; k < ngrp; k++) {
            if (k == best) {
                PUT("::");
                k += bestlen - 1;
                continue;
            }
            if (k > 0 && k != best + bestlen)
                PUT(":");
            PUT("%x", g[k]);
        }
        if (mapped)
            PUT(":%u.%u.%u.%u", a[12], a[13], a[14], a[15]); /* after "ffff" */
    }
    PUT("/%u", (unsigned)c->prefix);
#undef PUT
    if (cap > 0)
        snprintf(buf, cap, "%s", tmp);
    return n;
}

/* ------------------------------------------------------------------ network */

static void set_err(char *err, size_t errcap, const char *what, const char *s, size_t len)
{
    if (err && errcap > 0)
        snprintf(err, errcap, "'%.*s' %s", len > 200 ? 200 : (int)len, s, what);
}

int sg_cidr_parse(const char *s, size_t len, sg_cidr *out, char *err, size_t errcap)
{
    if (!s)
        len = 0, s = "";
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    uint8_t addr[16];
    int fam = sg_ip_parse(s, alen, addr);
    if (!fam) {
        set_err(err, errcap,
                "is not an IPv4 or IPv6 network (expected e.g. 10.0.0.0/8 or fe80::/10)", s, len);
        return 1;
    }
    unsigned max = fam == 4 ? 32 : 128;
    unsigned prefix = max;
    if (slash) {
        const char *p = slash + 1;
        size_t plen = len - alen - 1;
        unsigned v = 0;
        int ok = plen >= 1 && plen <= 3 && !(plen > 1 && p[0] == '0');
        for (size_t k = 0; ok && k < plen; k++) {
            if (!is_digit(p[k]))
                ok = 0;
            else
                v = v * 10 + (unsigned)(p[k] - '0');
        }
        if (!ok || v > max) {
            char what[96];
            snprintf(what, sizeof what, "has an invalid prefix length (expected /0 to /%u)", max);
            set_err(err, errcap, what, s, len);
            return 1;
        }
        prefix = v;
    }

    sg_cidr net;
    memset(&net, 0, sizeof net);
    net.family = (uint8_t)fam;
    net.prefix = (uint8_t)prefix;
    int host_bits = 0;
    for (unsigned k = 0; k < 16; k++) {
        unsigned bit0 = k * 8; /* first bit of this byte */
        uint8_t mask = bit0 >= prefix       ? 0
                       : prefix - bit0 >= 8 ? 0xff
                                            : (uint8_t)(0xff << (8 - (prefix - bit0)));
        net.addr[k] = addr[k] & mask;
        if (net.addr[k] != addr[k])
            host_bits = 1;
    }
    if (host_bits) {
        char fixed[64], what[128];
        sg_cidr_format(&net, fixed, sizeof fixed);
        snprintf(what, sizeof what, "has host bits set; did you mean '%s'?", fixed);
        set_err(err, errcap, what, s, len);
        return 1;
    }
    *out = net;
    return 0;
}

int sg_cidr_match(const sg_cidr *net, const char *s, size_t len)
{
    uint8_t addr[16];
    if (sg_ip_parse(s, len, addr) != net->family)
        return 0;
    unsigned full = net->prefix / 8u, rest = net->prefix % 8u;
    if (memcmp(addr, net->addr, full) != 0)
        return 0;
    if (rest) {
        uint8_t mask = (uint8_t)(0xff << (8 - rest));
        if ((addr[full] & mask) != net->addr[full])
            return 0;
    }
    return 1;
}
