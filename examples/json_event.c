/* json_event.c - fill a sigma_event from a jansson object (see json_event.h).
 *
 * The walk keeps the dotted name of the current position in one growable
 * buffer: entering an object member appends ".key" (or "key" at the top),
 * leaving it truncates back. Names are passed to the library as
 * (pointer, length), so keys containing NUL or dots are carried as they are.
 */
#include "json_event.h"

#include <stdlib.h>
#include <string.h>

typedef struct name_buf {
    char *data; /* points at `local` until a longer name is needed */
    size_t len;
    size_t cap;
    char local[256];
} name_buf;

/* Appends "." (unless `top`) and `key` to the name. */
static int name_push(name_buf *nb, int top, const char *key, size_t key_len)
{
    size_t need = nb->len + (top ? 0 : 1) + key_len + 1;
    if (need > nb->cap) {
        size_t cap = nb->cap * 2;
        while (cap < need)
            cap *= 2;
        char *p = nb->data == nb->local ? malloc(cap) : realloc(nb->data, cap);
        if (!p)
            return SIGMA_E_NOMEM;
        if (nb->data == nb->local)
            memcpy(p, nb->local, nb->len + 1);
        nb->data = p;
        nb->cap = cap;
    }
    if (!top)
        nb->data[nb->len++] = '.';
    if (key_len)
        memcpy(nb->data + nb->len, key, key_len);
    nb->len += key_len;
    nb->data[nb->len] = '\0';
    return SIGMA_OK;
}

typedef struct walker {
    const json_event_sink *sink;
    void *ctx;
    name_buf nb;
} walker;

static int fill_object(walker *w, const json_t *obj, int top);

/* Passes `value` on under the current name. Arrays pass each element under the
 * same name; objects (also inside arrays) continue the dotted name. */
static int fill_value(walker *w, const json_t *value)
{
    const char *name = w->nb.data;
    size_t name_len = w->nb.len;

    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return fill_object(w, value, 0);
    case JSON_ARRAY: {
        size_t n = json_array_size(value);
        if (n == 0)
            return w->sink->empty(w->ctx, name, name_len);
        for (size_t i = 0; i < n; i++) {
            int rc = fill_value(w, json_array_get(value, i));
            if (rc != SIGMA_OK)
                return rc;
        }
        return SIGMA_OK;
    }
    case JSON_STRING:
        return w->sink->str(w->ctx, name, name_len, json_string_value(value),
                            json_string_length(value));
    case JSON_INTEGER:
        return w->sink->integer(w->ctx, name, name_len, (int64_t)json_integer_value(value));
    case JSON_REAL:
        return w->sink->real(w->ctx, name, name_len, json_real_value(value));
    case JSON_TRUE:
        return w->sink->boolean(w->ctx, name, name_len, 1);
    case JSON_FALSE:
        return w->sink->boolean(w->ctx, name, name_len, 0);
    case JSON_NULL:
        return w->sink->null(w->ctx, name, name_len);
    }
    return SIGMA_E_INVALID_ARG;
}

static int fill_object(walker *w, const json_t *obj, int top)
{
    /* jansson's iteration functions take a non-const object but do not modify it. */
    json_t *o = (json_t *)obj;
    size_t base = w->nb.len;

    for (void *it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
        int rc = name_push(&w->nb, top, json_object_iter_key(it), json_object_iter_key_len(it));
        if (rc == SIGMA_OK)
            rc = fill_value(w, json_object_iter_value(it));
        w->nb.len = base;
        w->nb.data[base] = '\0';
        if (rc != SIGMA_OK)
            return rc;
    }
    return SIGMA_OK;
}

int json_event_walk(const json_t *obj, const json_event_sink *sink, void *ctx)
{
    if (!sink || !obj || !json_is_object(obj))
        return SIGMA_E_INVALID_ARG;
    walker w;
    w.sink = sink;
    w.ctx = ctx;
    w.nb.data = w.nb.local;
    w.nb.len = 0;
    w.nb.cap = sizeof w.nb.local;
    w.nb.local[0] = '\0';
    int rc = fill_object(&w, obj, 1);
    if (w.nb.data != w.nb.local)
        free(w.nb.data);
    return rc;
}

static int sink_str(void *ctx, const char *name, size_t name_len, const char *s, size_t n)
{
    return sigma_event_add_str(ctx, name, name_len, s, n, SIGMA_VALUE_COPY);
}

static int sink_integer(void *ctx, const char *name, size_t name_len, int64_t v)
{
    return sigma_event_add_int(ctx, name, name_len, v);
}

static int sink_real(void *ctx, const char *name, size_t name_len, double v)
{
    return sigma_event_add_float(ctx, name, name_len, v);
}

static int sink_boolean(void *ctx, const char *name, size_t name_len, int v)
{
    return sigma_event_add_bool(ctx, name, name_len, v);
}

static int sink_null(void *ctx, const char *name, size_t name_len)
{
    return sigma_event_add_null(ctx, name, name_len);
}

static int sink_empty(void *ctx, const char *name, size_t name_len)
{
    return sigma_event_add_empty(ctx, name, name_len);
}

const json_event_sink json_event_sigma_sink = {sink_str,     sink_integer, sink_real,
                                               sink_boolean, sink_null,    sink_empty};

int json_event_fill(sigma_event *ev, const json_t *obj)
{
    if (!ev)
        return SIGMA_E_INVALID_ARG;
    return json_event_walk(obj, &json_event_sigma_sink, ev);
}

/* jansson refuses integers beyond int64 ("too big integer"); the EVTX converters
 * write UInt64 values such as 18446744073709551615. As sigma-scan does, such a line
 * is parsed again with those integers turned into strings of the same digits (rules
 * compare decimal strings with numbers numerically). NULL (and *err, may be NULL)
 * when the line is not JSON. */
json_t *json_event_load_line(const char *s, size_t n, json_error_t *err)
{
    json_error_t local;
    if (!err)
        err = &local;
    json_t *root = json_loadb(s, n, JSON_ALLOW_NUL, err);
    if (root || !strstr(err->text, "too big integer"))
        return root;
    char *out = malloc(n + 2 * (n / 19 + 1));
    if (!out)
        return NULL;
    size_t len = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '"') { /* copy a string */
            size_t start = i++;
            while (i < n && s[i] != '"')
                i += s[i] == '\\' ? 2 : 1;
            i = i < n ? i + 1 : n;
            memcpy(out + len, s + start, i - start);
            len += i - start;
            continue;
        }
        if (s[i] != '-' && (s[i] < '0' || s[i] > '9')) {
            out[len++] = s[i++];
            continue;
        }
        size_t start = i, digits = i + (s[i] == '-');
        i = digits;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        size_t ndig = i - digits;
        int integer = !(i < n && (s[i] == '.' || s[i] == 'e' || s[i] == 'E'));
        while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == 'e' ||
                         s[i] == 'E' || s[i] == '+' || s[i] == '-'))
            i++;
        const char *limit = s[start] == '-' ? "9223372036854775808" : "9223372036854775807";
        int big = integer && (ndig > 19 || (ndig == 19 && memcmp(s + digits, limit, 19) > 0));
        if (big)
            out[len++] = '"';
        memcpy(out + len, s + start, i - start);
        len += i - start;
        if (big)
            out[len++] = '"';
    }
    root = json_loadb(out, len, JSON_ALLOW_NUL, err);
    free(out);
    return root;
}
