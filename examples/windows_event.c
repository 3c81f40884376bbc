/* windows_event.c - nested Windows events (JSON or XML) -> flat objects (see
 * windows_event.h and docs/cli.md, "Windows events").
 *
 * Both inputs are first turned into the same small element tree (name, attributes,
 * text, children; allocated from an arena that is reset per event), and one
 * flattener applies the corpus convention to that tree. Values from JSON keep their
 * JSON type; values from XML are text and get a type back from their shape (the
 * way libevtx renders each EVTX value type) unless the field is known to be a
 * string (typed_text()).
 */
#include "windows_event.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_buf.h"

#define MAX_DEPTH 100 /* element nesting accepted in XML and JSON events */

/* -------------------------------------------------------------------- arena */

typedef struct arena_block {
    struct arena_block *next;
    size_t cap;
    size_t used;
} arena_block;

#define BLOCK_HEADER ((sizeof(arena_block) + 15) & ~(size_t)15)

typedef struct arena {
    arena_block *head; /* current block first */
    size_t total;      /* bytes handed out since the last reset */
} arena;

static void *arena_alloc(arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    arena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = b ? b->cap * 2 : 16384;
        while (cap < n)
            cap *= 2;
        arena_block *nb = malloc(BLOCK_HEADER + cap);
        if (!nb)
            return NULL;
        nb->next = b;
        nb->cap = cap;
        nb->used = 0;
        a->head = b = nb;
    }
    void *p = (char *)b + BLOCK_HEADER + b->used;
    b->used += n;
    a->total += n;
    return p;
}

/* Forgets everything allocated. When the last event needed several blocks, they
 * are replaced by one block big enough for all of it, so steady state is one. */
static void arena_reset(arena *a)
{
    arena_block *b = a->head;
    if (b && b->next) {
        size_t want = a->total;
        while (b) {
            arena_block *next = b->next;
            free(b);
            b = next;
        }
        a->head = NULL;
        size_t cap = 16384;
        while (cap < want)
            cap *= 2;
        arena_block *nb = malloc(BLOCK_HEADER + cap);
        if (nb) {
            nb->next = NULL;
            nb->cap = cap;
            nb->used = 0;
            a->head = nb;
        }
    } else if (b) {
        b->used = 0;
    }
    a->total = 0;
}

static void arena_free(arena *a)
{
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

/* --------------------------------------------------------------------- tree */

/* A value: a JSON value (borrowed from the input) or decoded XML text. */
typedef struct wval {
    const json_t *json; /* JSON input: the value (any type); NULL for XML text */
    const char *text;   /* XML input: the text (not NUL-terminated); NULL = none */
    size_t len;
} wval;

typedef struct wattr {
    const char *name;
    size_t name_len;
    wval value;
    struct wattr *next;
} wattr;

typedef struct wnode {
    const char *name;
    size_t name_len;
    wattr *attrs, *attrs_tail;
    wval text;
    struct wnode *kids, *kids_tail, *next;
} wnode;

struct windows_converter {
    arena a;
    char *key; /* the flat name being built */
    size_t key_len;
    size_t key_cap;
    char why[200];
};

windows_converter *windows_converter_new(void)
{
    return calloc(1, sizeof(windows_converter));
}

void windows_converter_free(windows_converter *c)
{
    if (!c)
        return;
    arena_free(&c->a);
    free(c->key);
    free(c);
}

static wnode *node_new(arena *a, const char *name, size_t name_len)
{
    wnode *n = arena_alloc(a, sizeof *n);
    if (!n)
        return NULL;
    memset(n, 0, sizeof *n);
    n->name = name;
    n->name_len = name_len;
    return n;
}

static void node_add_kid(wnode *parent, wnode *kid)
{
    if (parent->kids_tail)
        parent->kids_tail->next = kid;
    else
        parent->kids = kid;
    parent->kids_tail = kid;
}

static int node_add_attr(arena *a, wnode *n, const char *name, size_t name_len, wval v)
{
    wattr *at = arena_alloc(a, sizeof *at);
    if (!at)
        return -1;
    at->name = name;
    at->name_len = name_len;
    at->value = v;
    at->next = NULL;
    if (n->attrs_tail)
        n->attrs_tail->next = at;
    else
        n->attrs = at;
    n->attrs_tail = at;
    return 0;
}

static int name_is(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n == l && memcmp(s, lit, l) == 0;
}

/* xmlns and xmlns:prefix declarations are not data. */
static int is_xmlns(const char *s, size_t n)
{
    return name_is(s, n, "xmlns") || (n > 6 && memcmp(s, "xmlns:", 6) == 0);
}

static wnode *find_kid(const wnode *n, const char *name)
{
    for (wnode *k = n->kids; k; k = k->next)
        if (name_is(k->name, k->name_len, name))
            return k;
    return NULL;
}

/* ------------------------------------------------------------- XML parsing */

typedef struct xml_parser {
    const char *s;
    size_t n;
    size_t i;
    arena *a;
    const char *err; /* first error, with err_at */
    size_t err_at;
} xml_parser;

static int xp_fail(xml_parser *p, const char *msg)
{
    if (!p->err) {
        p->err = msg;
        p->err_at = p->i;
    }
    return -1;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void xp_skip_space(xml_parser *p)
{
    while (p->i < p->n && is_space(p->s[p->i]))
        p->i++;
}

static int starts(const xml_parser *p, const char *lit)
{
    size_t l = strlen(lit);
    return p->n - p->i >= l && memcmp(p->s + p->i, lit, l) == 0;
}

/* Moves past the next occurrence of `end`; -1 when there is none. */
static int xp_skip_past(xml_parser *p, const char *end)
{
    size_t l = strlen(end);
    while (p->n - p->i >= l) {
        if (memcmp(p->s + p->i, end, l) == 0) {
            p->i += l;
            return 0;
        }
        p->i++;
    }
    p->i = p->n;
    return -1;
}

static int is_name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == ':' || c == '-' || c == '.' || c >= 0x80;
}

static size_t xp_name(xml_parser *p)
{
    size_t start = p->i;
    while (p->i < p->n && is_name_char((unsigned char)p->s[p->i]))
        p->i++;
    return p->i - start;
}

/* Decodes one entity reference at s[0] == '&' (at most n bytes); writes its UTF-8
 * to out and returns the bytes consumed, or 0 when it is not a reference we know
 * (the '&' is then kept as it is). */
static size_t decode_entity(const char *s, size_t n, char *out, size_t *out_len)
{
    size_t semi = 1;
    while (semi < n && semi < 12 && s[semi] != ';')
        semi++;
    if (semi >= n || s[semi] != ';')
        return 0;
    const char *name = s + 1;
    size_t len = semi - 1;
    static const struct {
        const char *name;
        char c;
    } named[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
        if (name_is(name, len, named[k].name)) {
            out[0] = named[k].c;
            *out_len = 1;
            return semi + 1;
        }
    }
    if (len < 2 || name[0] != '#')
        return 0;
    uint32_t cp = 0;
    size_t k = 1;
    int hex = name[1] == 'x' || name[1] == 'X';
    if (hex)
        k = 2;
    if (k >= len)
        return 0;
    for (; k < len; k++) {
        char c = name[k];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (hex && c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return 0;
        cp = cp * (hex ? 16u : 10u) + d;
        if (cp > 0x10FFFF)
            return 0;
    }
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    *out_len = tb_utf8_put(out, cp);
    return semi + 1;
}

/* Decodes s[0..n) (entities) into arena memory; the result is never longer. */
static const char *decode_text(arena *a, const char *s, size_t n, size_t *out_len)
{
    if (!memchr(s, '&', n)) {
        *out_len = n;
        return s; /* points into the input, which outlives the tree */
    }
    char *out = arena_alloc(a, n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '&') {
            size_t w = 0;
            size_t used = decode_entity(s + i, n - i, out + o, &w);
            if (used) {
                o += w;
                i += used;
                continue;
            }
        }
        out[o++] = s[i++];
    }
    *out_len = o;
    return out;
}

/* Appends text to a node's text (text of an element = all its text pieces). */
static int append_text(arena *a, wnode *n, const char *s, size_t len)
{
    if (!n->text.text) {
        n->text.text = s;
        n->text.len = len;
        return 0;
    }
    if (len == 0)
        return 0;
    char *joined = arena_alloc(a, n->text.len + len + 1);
    if (!joined)
        return -1;
    memcpy(joined, n->text.text, n->text.len);
    memcpy(joined + n->text.len, s, len);
    n->text.text = joined;
    n->text.len += len;
    return 0;
}

static wnode *xp_element(xml_parser *p, int depth);

/* Parses the content of element `n` up to and including its end tag. */
static int xp_content(xml_parser *p, wnode *n, int depth)
{
    for (;;) {
        if (p->i >= p->n)
            return xp_fail(p, "unterminated element");
        if (p->s[p->i] != '<') {
            size_t start = p->i;
            const char *lt = memchr(p->s + p->i, '<', p->n - p->i);
            p->i = lt ? (size_t)(lt - p->s) : p->n;
            size_t len = 0;
            const char *t = decode_text(p->a, p->s + start, p->i - start, &len);
            if (!t || append_text(p->a, n, t, len) != 0)
                return xp_fail(p, "out of memory");
            continue;
        }
        if (starts(p, "</")) {
            p->i += 2;
            size_t start = p->i;
            size_t len = xp_name(p);
            if (len != n->name_len || memcmp(p->s + start, n->name, len) != 0)
                return xp_fail(p, "mismatched end tag");
            xp_skip_space(p);
            if (p->i >= p->n || p->s[p->i] != '>')
                return xp_fail(p, "malformed end tag");
            p->i++;
            /* An element that was opened and closed has (empty) text. */
            if (!n->text.text)
                n->text.text = "";
            return 0;
        }
        if (starts(p, "<!--")) {
            if (xp_skip_past(p, "-->") != 0)
                return xp_fail(p, "unterminated comment");
            continue;
        }
        if (starts(p, "<![CDATA[")) {
            p->i += 9;
            size_t start = p->i;
            if (xp_skip_past(p, "]]>") != 0)
                return xp_fail(p, "unterminated CDATA section");
            if (append_text(p->a, n, p->s + start, p->i - 3 - start) != 0)
                return xp_fail(p, "out of memory");
            continue;
        }
        if (starts(p, "<?")) {
            if (xp_skip_past(p, "?>") != 0)
                return xp_fail(p, "unterminated processing instruction");
            continue;
        }
        wnode *kid = xp_element(p, depth + 1);
        if (!kid)
            return -1;
        node_add_kid(n, kid);
    }
}

/* Parses one element starting at '<'. */
static wnode *xp_element(xml_parser *p, int depth)
{
    if (depth > MAX_DEPTH) {
        xp_fail(p, "elements nested too deeply");
        return NULL;
    }
    if (p->i >= p->n || p->s[p->i] != '<') {
        xp_fail(p, "expected an element");
        return NULL;
    }
    p->i++;
    size_t start = p->i;
    size_t len = xp_name(p);
    if (len == 0) {
        xp_fail(p, "expected an element name");
        return NULL;
    }
    wnode *n = node_new(p->a, p->s + start, len);
    if (!n) {
        xp_fail(p, "out of memory");
        return NULL;
    }
    for (;;) {
        xp_skip_space(p);
        if (p->i >= p->n) {
            xp_fail(p, "unterminated start tag");
            return NULL;
        }
        char c = p->s[p->i];
        if (c == '/') {
            if (p->i + 1 >= p->n || p->s[p->i + 1] != '>') {
                xp_fail(p, "malformed start tag");
                return NULL;
            }
            p->i += 2;
            return n; /* <x/>: no text at all */
        }
        if (c == '>') {
            p->i++;
            break;
        }
        size_t an_start = p->i;
        size_t an_len = xp_name(p);
        if (an_len == 0) {
            xp_fail(p, "malformed attribute");
            return NULL;
        }
        xp_skip_space(p);
        if (p->i >= p->n || p->s[p->i] != '=') {
            xp_fail(p, "attribute without value");
            return NULL;
        }
        p->i++;
        xp_skip_space(p);
        if (p->i >= p->n || (p->s[p->i] != '"' && p->s[p->i] != '\'')) {
            xp_fail(p, "attribute value without quotes");
            return NULL;
        }
        char q = p->s[p->i++];
        const char *v = p->s + p->i;
        const char *end = memchr(v, q, p->n - p->i);
        if (!end) {
            xp_fail(p, "unterminated attribute value");
            return NULL;
        }
        p->i = (size_t)(end - p->s) + 1;
        wval val = {NULL, NULL, 0};
        val.text = decode_text(p->a, v, (size_t)(end - v), &val.len);
        if (!val.text || node_add_attr(p->a, n, p->s + an_start, an_len, val) != 0) {
            xp_fail(p, "out of memory");
            return NULL;
        }
    }
    if (xp_content(p, n, depth) != 0)
        return NULL;
    return n;
}

/* Parses a document: optional declaration, comments, doctype, then one element. */
static wnode *xp_document(xml_parser *p)
{
    for (;;) {
        xp_skip_space(p);
        if (starts(p, "\xEF\xBB\xBF")) {
            p->i += 3;
            continue;
        }
        if (starts(p, "<?")) {
            if (xp_skip_past(p, "?>") != 0)
                break;
            continue;
        }
        if (starts(p, "<!--")) {
            if (xp_skip_past(p, "-->") != 0)
                break;
            continue;
        }
        if (starts(p, "<!")) {
            if (xp_skip_past(p, ">") != 0)
                break;
            continue;
        }
        break;
    }
    wnode *root = xp_element(p, 0);
    if (!root)
        return NULL;
    /* Anything but white space and comments after the root is an error. */
    for (;;) {
        xp_skip_space(p);
        if (p->i >= p->n || (p->i + 1 == p->n && p->s[p->i] == '\0'))
            return root;
        if (starts(p, "<!--") && xp_skip_past(p, "-->") == 0)
            continue;
        if (starts(p, "<?") && xp_skip_past(p, "?>") == 0)
            continue;
        xp_fail(p, "text after the root element");
        return NULL;
    }
}

/* ------------------------------------------------------------ JSON -> tree */

static wnode *tree_from_json(arena *a, const char *name, size_t name_len, const json_t *v,
                             int depth)
{
    if (depth > MAX_DEPTH)
        return NULL;
    wnode *n = node_new(a, name, name_len);
    if (!n)
        return NULL;
    if (!json_is_object(v)) {
        n->text.json = v;
        return n;
    }
    json_t *o = (json_t *)v; /* iteration does not modify it */
    for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
        const char *k = json_object_iter_key(it);
        size_t klen = json_object_iter_key_len(it);
        const json_t *mv = json_object_iter_value(it);
        if (name_is(k, klen, "#attributes") && json_is_object(mv)) {
            json_t *ao = (json_t *)mv;
            for (void *at = json_object_iter(ao); at; at = json_object_iter_next(ao, at)) {
                wval val = {json_object_iter_value(at), NULL, 0};
                if (node_add_attr(a, n, json_object_iter_key(at), json_object_iter_key_len(at),
                                  val) != 0)
                    return NULL;
            }
        } else if (name_is(k, klen, "#text")) {
            n->text.json = mv;
        } else if (klen > 1 && k[0] == '@') {
            wval val = {mv, NULL, 0};
            if (node_add_attr(a, n, k + 1, klen - 1, val) != 0)
                return NULL;
        } else if (json_is_array(mv) && json_array_size(mv) > 0 &&
                   json_is_object(json_array_get(mv, 0))) {
            /* Repeated elements: [{"@Name": "X", "#text": "v"}, ...]. */
            for (size_t i = 0; i < json_array_size(mv); i++) {
                wnode *kid = tree_from_json(a, k, klen, json_array_get(mv, i), depth + 1);
                if (!kid)
                    return NULL;
                node_add_kid(n, kid);
            }
        } else {
            wnode *kid = tree_from_json(a, k, klen, mv, depth + 1);
            if (!kid)
                return NULL;
            node_add_kid(n, kid);
        }
    }
    return n;
}

/* --------------------------------------------------------------- value types */

/* A JSON string from bytes that should be UTF-8; invalid sequences become U+FFFD
 * so the event can still be printed as JSON. */
static json_t *make_string(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    if (j)
        return j;
    char *clean = malloc(n * 3 + 1);
    if (!clean)
        return NULL;
    size_t o = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        /* NUL is valid UTF-8 (length 1) and json_stringn accepts it. */
        size_t len = tb_utf8_seq_len(u + i, n - i);
        if (len == 0) {
            memcpy(clean + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else {
            memcpy(clean + o, s + i, len);
            o += len;
            i += len;
        }
    }
    j = json_stringn(clean, o);
    free(clean);
    return j;
}

static int is_hex(char c, int upper_only, int lower_only)
{
    if (c >= '0' && c <= '9')
        return 1;
    if (!upper_only && c >= 'a' && c <= 'f')
        return 1;
    if (!lower_only && c >= 'A' && c <= 'F')
        return 1;
    return 0;
}

/* Canonical decimal integer (no sign but '-', no leading zeros, fits int64). */
static int parse_decimal(const char *s, size_t n, json_int_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (n > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i >= n || n - i > 19)
        return 0;
    if (s[i] == '0' && (n - i > 1 || neg))
        return 0;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return 0;
        *out = v == (uint64_t)INT64_MAX + 1 ? (json_int_t)INT64_MIN : -(json_int_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return 0;
        *out = (json_int_t)v;
    }
    return 1;
}

/* "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" in upper case: libevtx's rendering of a
 * GUID value. */
static int is_braced_guid(const char *s, size_t n)
{
    if (n != 38 || s[0] != '{' || s[37] != '}')
        return 0;
    for (size_t i = 1; i < 37; i++) {
        if (i == 9 || i == 14 || i == 19 || i == 24) {
            if (s[i] != '-')
                return 0;
        } else if (!is_hex(s[i], 1, 0)) {
            return 0;
        }
    }
    return 1;
}

/* "0x" + 8 or 16 lower-case hex digits: libevtx's rendering of HexInt32/HexInt64. */
static int is_padded_hex(const char *s, size_t n)
{
    if ((n != 10 && n != 18) || s[0] != '0' || s[1] != 'x')
        return 0;
    for (size_t i = 2; i < n; i++)
        if (!is_hex(s[i], 0, 1))
            return 0;
    return 1;
}

/* "YYYY-MM-DDTHH:MM:SS.<7-9 digits>Z": libevtx's FILETIME/SYSTEMTIME rendering.
 * Returns the length of the prefix to keep for 6 fraction digits, or 0. */
static size_t timestamp_keep(const char *s, size_t n)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.";
    size_t sl = sizeof shape - 1;
    if (n < sl + 8 || n > sl + 10 || s[n - 1] != 'Z')
        return 0;
    for (size_t i = 0; i < sl; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return 0;
    }
    for (size_t i = sl; i < n - 1; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return sl + 6;
}

/* Fields whose values are strings in their event manifests even when they look
 * like numbers, GUIDs, hex or booleans (the corpus, converted from the binary
 * types, has them as strings). "Provider:Field" entries apply to one provider. */
static const char *const string_fields[] = {
    "Details",
    "Signed",
    "Archived",
    "StartAddress",
    "QueryStatus",
    "AccessMask",
    "AttributeValue",
    "AuditFilter",
    "BackupType",
    "DestPort",
    "IpPort",
    "PreAuthType",
    "PrimaryGroupId",
    "NewValue",
    "Endpoint",
    "SettingType",
    "SettingValueSize",
    "Microsoft-Windows-Security-Auditing:SourcePort",
    "Microsoft-Windows-WMI-Activity:Id",
};

/* Providers whose payload values are all strings. */
static const char *const string_providers[] = {
    "Microsoft-Windows-Windows Defender",
    "Microsoft-Windows-CAPI2",
};

static int is_string_field(const char *provider, size_t provider_len, const char *key,
                           size_t key_len)
{
    for (size_t i = 0; i < sizeof string_providers / sizeof string_providers[0]; i++)
        if (provider && name_is(provider, provider_len, string_providers[i]))
            return 1;
    /* paramN: insertion strings of classic events. */
    if (key_len > 5 && memcmp(key, "param", 5) == 0) {
        size_t i = 5;
        while (i < key_len && key[i] >= '0' && key[i] <= '9')
            i++;
        if (i == key_len)
            return 1;
    }
    for (size_t i = 0; i < sizeof string_fields / sizeof string_fields[0]; i++) {
        const char *f = string_fields[i];
        const char *colon = strchr(f, ':');
        if (!colon) {
            if (name_is(key, key_len, f))
                return 1;
        } else if (provider && (size_t)(colon - f) == provider_len &&
                   memcmp(f, provider, provider_len) == 0 && name_is(key, key_len, colon + 1)) {
            return 1;
        }
    }
    return 0;
}

/* The JSON value for an XML text value: true/false -> boolean, a canonical decimal
 * integer -> number, an upper-case braced GUID -> the GUID without braces, 0x + 8/16
 * hex digits -> 0x without leading zeros, a timestamp with 7-9 fraction digits -> 6
 * digits (the rendering of the Rust evtx crate, which the corpus follows); anything
 * else, and everything when `as_string`, stays the string it is. */
static json_t *typed_text(const char *s, size_t n, int as_string)
{
    if (as_string)
        return make_string(s, n);
    if (name_is(s, n, "true"))
        return json_true();
    if (name_is(s, n, "false"))
        return json_false();
    json_int_t iv;
    if (parse_decimal(s, n, &iv))
        return json_integer(iv);
    if (is_braced_guid(s, n))
        return json_stringn(s + 1, 36);
    if (is_padded_hex(s, n)) {
        char buf[20];
        size_t i = 2;
        while (i < n - 1 && s[i] == '0')
            i++;
        buf[0] = '0';
        buf[1] = 'x';
        memcpy(buf + 2, s + i, n - i);
        return json_stringn(buf, 2 + (n - i));
    }
    size_t keep = timestamp_keep(s, n);
    if (keep) {
        char buf[40];
        memcpy(buf, s, keep);
        buf[keep] = 'Z';
        return json_stringn(buf, keep + 1);
    }
    return make_string(s, n);
}

/* ----------------------------------------------------------------- flattening */

enum section { SEC_SYSTEM, SEC_EVENTDATA, SEC_USERDATA, SEC_OTHER };

enum value_kind {
    VK_TYPED,  /* XML text: typed by shape (unless a string field) */
    VK_STRING, /* XML text: always a string (unnamed Data) */
    VK_BINARY  /* XML text: upper-case hex */
};

typedef struct flattener {
    windows_converter *c;
    json_t *sys;     /* System header fields */
    json_t *payload; /* everything else */
    json_t *unnamed; /* unnamed <Data> values, in order */
    const char *provider;
    size_t provider_len;
    int failed; /* out of memory */
} flattener;

static int key_set(windows_converter *c, size_t at, const char *s, size_t n, int underscore)
{
    size_t need = at + (underscore ? 1 : 0) + n + 1;
    if (need > c->key_cap) {
        size_t cap = c->key_cap ? c->key_cap : 256;
        while (cap < need)
            cap *= 2;
        char *p = realloc(c->key, cap);
        if (!p)
            return -1;
        c->key = p;
        c->key_cap = cap;
    }
    c->key_len = at;
    if (underscore)
        c->key[c->key_len++] = '_';
    memcpy(c->key + c->key_len, s, n);
    c->key_len += n;
    c->key[c->key_len] = '\0';
    return 0;
}

/* Like key_set, without the spaces of `s` (EventData names: "Threat Name" ->
 * "ThreatName"). */
static int key_set_nospace(windows_converter *c, const char *s, size_t n)
{
    if (key_set(c, 0, s, n, 0) != 0)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (c->key[i] != ' ')
            c->key[o++] = c->key[i];
    c->key_len = o;
    c->key[o] = '\0';
    return 0;
}

static int value_is_empty(const wval *v)
{
    if (v->json)
        return json_is_null(v->json) ||
               (json_is_string(v->json) && json_string_length(v->json) == 0);
    return !v->text || v->len == 0;
}

static int text_is_blank(const wval *v)
{
    if (v->json)
        return json_is_null(v->json) ||
               (json_is_string(v->json) && json_string_length(v->json) == 0);
    if (!v->text)
        return 1;
    for (size_t i = 0; i < v->len; i++)
        if (!is_space(v->text[i]))
            return 0;
    return 1;
}

/* The JSON value to store for `v` under the current key. */
static json_t *make_value(flattener *f, enum section sec, const wval *v, enum value_kind kind)
{
    windows_converter *c = f->c;
    if (v->json) {
        const json_t *j = v->json;
        if (sec != SEC_SYSTEM && json_is_null(j))
            return json_string(""); /* an empty element, as in the XML form */
        /* EventID is always a number. */
        if (sec == SEC_SYSTEM && name_is(c->key, c->key_len, "EventID") && json_is_string(j)) {
            json_int_t iv;
            if (parse_decimal(json_string_value(j), json_string_length(j), &iv))
                return json_integer(iv);
        }
        return json_incref((json_t *)j);
    }
    const char *s = v->text ? v->text : "";
    size_t n = v->text ? v->len : 0;
    if (kind == VK_BINARY) {
        json_t *j = make_string(s, n);
        if (!j)
            return NULL;
        /* Upper-case hex, as the corpus has it. */
        char *up = malloc(n + 1);
        if (!up)
            return j;
        for (size_t i = 0; i < n; i++)
            up[i] = (s[i] >= 'a' && s[i] <= 'f') ? (char)(s[i] - 32) : s[i];
        json_t *u = json_stringn(up, n);
        free(up);
        if (u) {
            json_decref(j);
            return u;
        }
        return j;
    }
    int as_string = kind == VK_STRING;
    if (!as_string) {
        if (sec == SEC_SYSTEM)
            as_string = name_is(c->key, c->key_len, "Channel") ||
                        name_is(c->key, c->key_len, "Computer") ||
                        name_is(c->key, c->key_len, "Provider_Name") ||
                        name_is(c->key, c->key_len, "Provider_EventSourceName") ||
                        name_is(c->key, c->key_len, "Security_UserID");
        else
            as_string = is_string_field(f->provider, f->provider_len, c->key, c->key_len);
    }
    return typed_text(s, n, as_string);
}

/* Adds `value` (a new reference, stolen) to `obj` under key; an existing value
 * turns into a list of both. */
static int add_multi(json_t *obj, const char *key, size_t key_len, json_t *value)
{
    json_t *old = json_object_getn(obj, key, key_len);
    if (!old)
        return json_object_setn_new(obj, key, key_len, value);
    if (!json_is_array(old)) {
        json_t *arr = json_array();
        if (!arr || json_array_append(arr, old) != 0) {
            json_decref(arr);
            json_decref(value);
            return -1;
        }
        if (json_object_setn_new(obj, key, key_len, arr) != 0) {
            json_decref(value);
            return -1;
        }
        old = arr;
    }
    if (json_is_array(value)) {
        int rc = json_array_extend(old, value);
        json_decref(value);
        return rc;
    }
    return json_array_append_new(old, value);
}

/* Stores `v` under the current key (c->key). */
static void emit(flattener *f, enum section sec, const wval *v, enum value_kind kind)
{
    windows_converter *c = f->c;
    if (f->failed)
        return;
    if (sec == SEC_SYSTEM && value_is_empty(v))
        return; /* empty System elements are left out */
    json_t *value = make_value(f, sec, v, kind);
    if (!value) {
        f->failed = 1;
        return;
    }
    if (sec == SEC_SYSTEM) {
        if (json_object_getn(f->sys, c->key, c->key_len))
            json_decref(value); /* the first one wins */
        else if (json_object_setn_new(f->sys, c->key, c->key_len, value) != 0)
            f->failed = 1;
        return;
    }
    if ((sec == SEC_EVENTDATA || sec == SEC_USERDATA) &&
        json_object_getn(f->sys, c->key, c->key_len)) {
        /* The System header wins: EventData_<name> / UserData_<name>. */
        const char *prefix = sec == SEC_EVENTDATA ? "EventData" : "UserData";
        size_t plen = strlen(prefix);
        size_t klen = c->key_len;
        char *k = malloc(plen + 1 + klen + 1);
        if (!k) {
            json_decref(value);
            f->failed = 1;
            return;
        }
        memcpy(k, prefix, plen);
        k[plen] = '_';
        memcpy(k + plen + 1, c->key, klen);
        k[plen + 1 + klen] = '\0';
        if (add_multi(f->payload, k, plen + 1 + klen, value) != 0)
            f->failed = 1;
        free(k);
        return;
    }
    if (add_multi(f->payload, c->key, c->key_len, value) != 0)
        f->failed = 1;
}

/* Flattens element `n` whose flat name is the current key: its text under the key,
 * attributes under key_attr, child elements under key_child (recursively). An
 * element with neither attributes nor children gives its text, "" when empty. */
static void flatten_element(flattener *f, enum section sec, const wnode *n)
{
    windows_converter *c = f->c;
    size_t base = c->key_len;
    if (!n->attrs && !n->kids) {
        emit(f, sec, &n->text, VK_TYPED);
        return;
    }
    if (!text_is_blank(&n->text))
        emit(f, sec, &n->text, VK_TYPED);
    for (const wattr *a = n->attrs; a && !f->failed; a = a->next) {
        if (is_xmlns(a->name, a->name_len))
            continue;
        if (key_set(c, base, a->name, a->name_len, 1) != 0) {
            f->failed = 1;
            break;
        }
        emit(f, sec, &a->value, VK_TYPED);
    }
    for (const wnode *k = n->kids; k && !f->failed; k = k->next) {
        if (key_set(c, base, k->name, k->name_len, 1) != 0) {
            f->failed = 1;
            break;
        }
        flatten_element(f, sec, k);
    }
    c->key_len = base;
    if (c->key)
        c->key[base] = '\0';
}

static void flatten_system(flattener *f, const wnode *sys)
{
    windows_converter *c = f->c;
    for (const wnode *e = sys->kids; e && !f->failed; e = e->next) {
        if (key_set(c, 0, e->name, e->name_len, 0) != 0) {
            f->failed = 1;
            return;
        }
        flatten_element(f, SEC_SYSTEM, e);
    }
    json_t *p = json_object_get(f->sys, "Provider_Name");
    if (json_is_string(p)) {
        f->provider = json_string_value(p);
        f->provider_len = json_string_length(p);
    }
}

static void add_unnamed(flattener *f, const wval *v)
{
    if (f->failed)
        return;
    json_t *value;
    if (v->json) {
        if (json_is_array(v->json)) {
            if (json_array_extend(f->unnamed, (json_t *)v->json) != 0)
                f->failed = 1;
            return;
        }
        value = json_is_null(v->json) ? json_string("") : json_incref((json_t *)v->json);
    } else {
        value = make_string(v->text ? v->text : "", v->text ? v->len : 0);
    }
    if (!value || json_array_append_new(f->unnamed, value) != 0)
        f->failed = 1;
}

static void flatten_eventdata(flattener *f, const wnode *ed)
{
    windows_converter *c = f->c;
    for (const wnode *d = ed->kids; d && !f->failed; d = d->next) {
        if (name_is(d->name, d->name_len, "Data")) {
            const wattr *name = NULL;
            for (const wattr *a = d->attrs; a; a = a->next)
                if (name_is(a->name, a->name_len, "Name"))
                    name = a;
            if (!name) {
                add_unnamed(f, &d->text);
                continue;
            }
            const char *s;
            size_t n;
            if (name->value.json) {
                if (!json_is_string(name->value.json))
                    continue;
                s = json_string_value(name->value.json);
                n = json_string_length(name->value.json);
            } else {
                s = name->value.text;
                n = name->value.len;
            }
            if (key_set_nospace(c, s, n) != 0) {
                f->failed = 1;
                return;
            }
            emit(f, SEC_EVENTDATA, &d->text, VK_TYPED);
        } else if (name_is(d->name, d->name_len, "Binary")) {
            if (value_is_empty(&d->text))
                continue;
            if (key_set(c, 0, "Binary", 6, 0) != 0) {
                f->failed = 1;
                return;
            }
            emit(f, SEC_EVENTDATA, &d->text, VK_BINARY);
        } else {
            /* evtx_dump style: {"EventData": {"SubjectUserSid": "S-1-5-18", ...}}. */
            if (key_set_nospace(c, d->name, d->name_len) != 0) {
                f->failed = 1;
                return;
            }
            flatten_element(f, SEC_EVENTDATA, d);
        }
    }
}

static void flatten_userdata(flattener *f, const wnode *ud)
{
    windows_converter *c = f->c;
    for (const wnode *w = ud->kids; w && !f->failed; w = w->next) {
        if (!w->kids) {
            /* No wrapper after all: <UserData><X>v</X></UserData>. */
            if (key_set(c, 0, w->name, w->name_len, 0) != 0) {
                f->failed = 1;
                return;
            }
            flatten_element(f, SEC_USERDATA, w);
            continue;
        }
        for (const wnode *e = w->kids; e && !f->failed; e = e->next) {
            if (key_set(c, 0, e->name, e->name_len, 0) != 0) {
                f->failed = 1;
                return;
            }
            flatten_element(f, SEC_USERDATA, e);
        }
    }
}

/* The flat object for the tree of one <Event>. */
static json_t *flatten_event(windows_converter *c, const wnode *event)
{
    flattener f;
    memset(&f, 0, sizeof f);
    f.c = c;
    f.sys = json_object();
    f.payload = json_object();
    f.unnamed = json_array();
    if (!f.sys || !f.payload || !f.unnamed)
        f.failed = 1;

    const wnode *sys = find_kid(event, "System");
    if (sys && !f.failed)
        flatten_system(&f, sys);
    for (const wnode *s = event->kids; s && !f.failed; s = s->next) {
        if (s == sys || name_is(s->name, s->name_len, "System"))
            continue;
        if (name_is(s->name, s->name_len, "EventData")) {
            flatten_eventdata(&f, s);
        } else if (name_is(s->name, s->name_len, "UserData")) {
            flatten_userdata(&f, s);
        } else if (name_is(s->name, s->name_len, "RenderingInfo")) {
            continue; /* the rendered message: not part of the convention */
        } else {
            /* e.g. ProcessingErrorData -> ProcessingErrorData_ErrorCode */
            if (key_set(c, 0, s->name, s->name_len, 0) != 0)
                f.failed = 1;
            else
                flatten_element(&f, SEC_OTHER, s);
        }
    }
    if (!f.failed && json_array_size(f.unnamed) > 0) {
        /* One unnamed <Data> gives a string, several a list in document order. */
        json_t *v = json_array_size(f.unnamed) == 1 ? json_incref(json_array_get(f.unnamed, 0))
                                                    : json_incref(f.unnamed);
        if (json_object_getn(f.sys, "Data", 4))
            f.failed = add_multi(f.payload, "EventData_Data", 14, v) != 0;
        else
            f.failed = add_multi(f.payload, "Data", 4, v) != 0;
    }
    if (!f.failed && json_object_update(f.sys, f.payload) != 0)
        f.failed = 1;
    json_decref(f.payload);
    json_decref(f.unnamed);
    if (f.failed) {
        json_decref(f.sys);
        return NULL;
    }
    return f.sys;
}

/* --------------------------------------------------------------- public API */

int windows_event_is_nested(const json_t *root)
{
    const json_t *event = json_is_object(root) ? json_object_get(root, "Event") : NULL;
    return json_is_object(event) && json_is_object(json_object_get(event, "System"));
}

static void set_why(windows_converter *c, const char **why, const char *msg)
{
    snprintf(c->why, sizeof c->why, "%s", msg);
    if (why)
        *why = c->why;
}

json_t *windows_event_from_json(windows_converter *c, const json_t *root, const char **why)
{
    if (!c || !json_is_object(root)) {
        if (c)
            set_why(c, why, "not a JSON object");
        return NULL;
    }
    arena_reset(&c->a);
    const json_t *event = json_object_get(root, "Event");
    if (!json_is_object(event))
        event = root;
    if (!json_is_object(json_object_get(event, "System"))) {
        set_why(c, why, "not a Windows event: no \"System\" object (in \"Event\" or at the top)");
        return NULL;
    }
    wnode *tree = tree_from_json(&c->a, "Event", 5, event, 0);
    if (!tree) {
        set_why(c, why, "out of memory or nested too deeply");
        return NULL;
    }
    json_t *flat = flatten_event(c, tree);
    if (!flat)
        set_why(c, why, "out of memory");
    return flat;
}

json_t *windows_event_from_xml(windows_converter *c, const char *xml, size_t len, const char **why)
{
    if (!c)
        return NULL;
    arena_reset(&c->a);
    xml_parser p;
    memset(&p, 0, sizeof p);
    p.s = xml;
    p.n = len;
    p.a = &c->a;
    wnode *root = xp_document(&p);
    if (!root) {
        snprintf(c->why, sizeof c->why, "malformed XML at byte %zu: %s", p.err_at,
                 p.err ? p.err : "error");
        if (why)
            *why = c->why;
        return NULL;
    }
    const char *name = root->name;
    size_t name_len = root->name_len;
    const char *colon = memchr(name, ':', name_len);
    if (colon) {
        name_len -= (size_t)(colon + 1 - name);
        name = colon + 1;
    }
    if (!name_is(name, name_len, "Event")) {
        set_why(c, why, "the root element is not <Event>");
        return NULL;
    }
    json_t *flat = flatten_event(c, root);
    if (!flat)
        set_why(c, why, "out of memory");
    return flat;
}
