/* Shared readers for top-level document attributes (sigma-semantics.md §1.2). */
#include "model/attrs.h"

#include <stdint.h>
#include <string.h>

/* ---- reading state -------------------------------------------------------------------------- */

void sg_attr_note_error(sg_attr_reader *r, int rc)
{
    r->errors++;
    if (rc < 0)
        r->oom = 1;
}

int sg_attr_result(const sg_attr_reader *r)
{
    if (r->oom)
        return -1;
    return r->errors ? 1 : 0;
}

#define ERR SG_ATTR_ERR
#define QUOTED SG_ATTR_QUOTED

enum { QUOTE_MAX = 100 };

int sg_attr_clip(const char *s, size_t len)
{
    size_t max = QUOTE_MAX;
    if (len <= max)
        return (int)len;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return (int)max;
}

const char *sg_attr_dup(sg_attr_reader *r, const char *s)
{
    if (!s)
        return NULL;
    char *d = sg_arena_strndup(r->arena, s, strlen(s));
    if (!d)
        r->oom = 1;
    return d;
}

/* ---- tree helpers --------------------------------------------------------------------------- */

int sg_attr_key_is(const sg_node *key, const char *name)
{
    size_t n = strlen(name);
    return key && key->kind == SG_NODE_SCALAR && key->text && key->text_len == n &&
           memcmp(key->text, name, n) == 0;
}

sg_attr_entry sg_attr_find(const sg_node *map, const char *name)
{
    sg_attr_entry e = {NULL, NULL};
    if (!map || map->kind != SG_NODE_MAP || !map->keys)
        return e;
    for (size_t i = map->count; i-- > 0;) {
        if (sg_attr_key_is(map->keys[i], name)) {
            e.key = map->keys[i];
            e.val = map->items[i];
            return e;
        }
    }
    return e;
}

int sg_attr_is_null(const sg_node *n)
{
    return !n || (n->kind == SG_NODE_SCALAR && n->type == SG_SCALAR_NULL);
}

const char *sg_attr_kind_name(const sg_node *n)
{
    return n->kind == SG_NODE_MAP ? "a map" : n->kind == SG_NODE_SEQ ? "a list" : "a scalar";
}

sg_node *sg_map_without(sg_arena *arena, const sg_node *map, const char *name)
{
    sg_node *m = sg_arena_alloc(arena, sizeof *m);
    if (!m)
        return NULL;
    *m = *map;
    m->count = 0;
    size_t cap = map->count ? map->count : 1;
    m->keys = sg_arena_alloc(arena, cap * sizeof *m->keys);
    m->items = sg_arena_alloc(arena, cap * sizeof *m->items);
    if (!m->keys || !m->items)
        return NULL;
    for (size_t i = 0; i < map->count; i++) {
        if (sg_attr_key_is(map->keys[i], name))
            continue;
        m->keys[m->count] = map->keys[i];
        m->items[m->count++] = map->items[i];
    }
    return m;
}

/* ---- character helpers ---------------------------------------------------------------------- */

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int sg_attr_eq_nocase(const char *s, size_t len, const char *word)
{
    if (strlen(word) != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (ascii_lower(s[i]) != word[i])
            return 0;
    return 1;
}

int sg_attr_find_word(const char *s, size_t len, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (sg_attr_eq_nocase(s, len, words[i]))
            return i;
    return -1;
}

static size_t utf8_length(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

int sg_is_uuid(const char *s, size_t len)
{
    if (!s || len != 36)
        return 0;
    for (size_t i = 0; i < len; i++) {
        int dash = (i == 8 || i == 13 || i == 18 || i == 23);
        if (dash ? s[i] != '-' : !is_hex(s[i]))
            return 0;
    }
    return 1;
}

/* ---- tags ----------------------------------------------------------------------------------- */

static int tag_char(char c, int allow_dot)
{
    return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '-' || (allow_dot && c == '.');
}

/* ^[a-z0-9_-]+\.[a-z0-9._-]+$ */
static int is_valid_tag(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && tag_char(s[i], 0))
        i++;
    if (i == 0 || i >= len || s[i] != '.')
        return 0;
    size_t rest = ++i;
    while (i < len && tag_char(s[i], 1))
        i++;
    return i == len && i > rest;
}

/* ---- dates ---------------------------------------------------------------------------------- */

static int days_in_month(unsigned y, unsigned m)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* Reads 1..max digits at s[*i]; returns -1 when there are fewer than min. */
static int read_number(const char *s, size_t len, size_t *i, int min, int max)
{
    int v = 0, n = 0;
    while (*i < len && n < max && is_digit(s[*i])) {
        v = v * 10 + (s[*i] - '0');
        (*i)++;
        n++;
    }
    return n >= min ? v : -1;
}

/* Parses YYYY-MM-DD, legacy YYYY/M/D (one or two digits), or, for a YAML timestamp
 * (`yaml_date`), YYYY-M-D followed by a time. Fills ymd; returns 1 when valid. */
static int parse_date(const char *s, size_t len, int yaml_date, int ymd[3])
{
    size_t i = 0;
    ymd[0] = read_number(s, len, &i, 4, 4);
    if (ymd[0] < 0 || i >= len || (s[i] != '-' && s[i] != '/'))
        return 0;
    char sep = s[i++];
    int min = (sep == '-' && !yaml_date) ? 2 : 1;
    ymd[1] = read_number(s, len, &i, min, 2);
    if (ymd[1] < 0 || i >= len || s[i++] != sep)
        return 0;
    ymd[2] = read_number(s, len, &i, min, 2);
    if (ymd[2] < 0 || (i < len && !(yaml_date && sep == '-')))
        return 0;
    if (ymd[1] < 1 || ymd[1] > 12 || ymd[2] < 1)
        return 0;
    return ymd[2] <= days_in_month((unsigned)ymd[0], (unsigned)ymd[1]);
}

/* ---- attribute readers ---------------------------------------------------------------------- */

const sg_node *sg_attr_scalar(sg_attr_reader *r, sg_attr_entry e, const char *name)
{
    if (sg_attr_is_null(e.val))
        return NULL;
    if (e.val->kind != SG_NODE_SCALAR) {
        ERR(r, SIGMA_DIAG_ATTRIBUTE_TYPE, e.key->pos, "attribute '%s' must be a string, not %s",
            name, sg_attr_kind_name(e.val));
        return NULL;
    }
    return e.val;
}

const char *sg_attr_text(sg_attr_reader *r, const sg_node *root, const char *name)
{
    const sg_node *n = sg_attr_scalar(r, sg_attr_find(root, name), name);
    return n ? n->text : NULL;
}

const sg_node *sg_attr_id(sg_attr_reader *r, const sg_node *root)
{
    const sg_node *n = sg_attr_scalar(r, sg_attr_find(root, "id"), "id");
    if (!n)
        return NULL;
    r->diags->rule_id = n->text;
    if (!sg_is_uuid(n->text, n->text_len))
        ERR(r, SIGMA_DIAG_BAD_ID, n->pos, "id '%.*s' is not a UUID", QUOTED(n));
    return n;
}

const sg_node *sg_attr_title(sg_attr_reader *r, const sg_node *root)
{
    sg_attr_entry e = sg_attr_find(root, "title");
    if (!e.key) {
        ERR(r, SIGMA_DIAG_MISSING_ATTRIBUTE, root->pos, "missing required attribute 'title'");
        return NULL;
    }
    if (sg_attr_is_null(e.val)) {
        ERR(r, SIGMA_DIAG_MISSING_ATTRIBUTE, e.key->pos, "required attribute 'title' is empty");
        return NULL;
    }
    const sg_node *n = sg_attr_scalar(r, e, "title");
    if (!n)
        return NULL;
    size_t chars = utf8_length(n->text, n->text_len);
    if (chars > 256)
        ERR(r, SIGMA_DIAG_TITLE_TOO_LONG, n->pos,
            "title is %zu characters long (at most 256 allowed)", chars);
    return n;
}

const sg_node *sg_attr_name(sg_attr_reader *r, const sg_node *root)
{
    const sg_node *n = sg_attr_scalar(r, sg_attr_find(root, "name"), "name");
    if (n && n->text_len == 0)
        ERR(r, SIGMA_DIAG_ATTRIBUTE_TYPE, n->pos, "attribute 'name' must not be empty");
    return n;
}

static const char *const status_words[] = {"stable",     "test",        "experimental",
                                           "deprecated", "unsupported", NULL};
static const char *const level_words[] = {"informational", "low",      "medium",
                                          "high",          "critical", NULL};

/* status / level: one of `words`, any case; returns the canonical lower-case word. */
static const char *read_enum(sg_attr_reader *r, const sg_node *root, const char *name,
                             const char *const *words, int code)
{
    const sg_node *n = sg_attr_scalar(r, sg_attr_find(root, name), name);
    if (!n)
        return NULL;
    int i = sg_attr_find_word(n->text, n->text_len, words);
    if (i >= 0)
        return words[i];
    char allowed[128] = "";
    for (int k = 0; words[k]; k++) {
        if (k)
            strcat(allowed, ", ");
        strcat(allowed, words[k]);
    }
    ERR(r, code, n->pos, "%s '%.*s' is not one of %s", name, QUOTED(n), allowed);
    return NULL;
}

const char *sg_attr_status(sg_attr_reader *r, const sg_node *root)
{
    return read_enum(r, root, "status", status_words, SIGMA_DIAG_BAD_STATUS);
}

const char *sg_attr_level(sg_attr_reader *r, const sg_node *root)
{
    return read_enum(r, root, "level", level_words, SIGMA_DIAG_BAD_LEVEL);
}

const char *sg_attr_date(sg_attr_reader *r, const sg_node *root, const char *name)
{
    const sg_node *n = sg_attr_scalar(r, sg_attr_find(root, name), name);
    if (!n)
        return NULL;
    int ymd[3];
    if (!parse_date(n->text, n->text_len, n->type == SG_SCALAR_DATE, ymd)) {
        ERR(r, SIGMA_DIAG_BAD_DATE, n->pos, "%s '%.*s' is not a date in YYYY-MM-DD form", name,
            QUOTED(n));
        return NULL;
    }
    char *d = sg_arena_alloc(r->arena, 11);
    if (!d) {
        r->oom = 1;
        return NULL;
    }
    d[0] = (char)('0' + ymd[0] / 1000);
    d[1] = (char)('0' + ymd[0] / 100 % 10);
    d[2] = (char)('0' + ymd[0] / 10 % 10);
    d[3] = (char)('0' + ymd[0] % 10);
    d[4] = d[7] = '-';
    d[5] = (char)('0' + ymd[1] / 10);
    d[6] = (char)('0' + ymd[1] % 10);
    d[8] = (char)('0' + ymd[2] / 10);
    d[9] = (char)('0' + ymd[2] % 10);
    return d;
}

/* Items of a list attribute (a single scalar counts as a one-item list). Null items are
 * skipped unless `keep_null`; maps/lists are reported. Returns the number of items kept. */
static size_t collect_items(sg_attr_reader *r, const sg_node *list, const char *name, int keep_null,
                            const char **items)
{
    size_t n = 0, count = list->kind == SG_NODE_SEQ ? list->count : 1;
    for (size_t i = 0; i < count; i++) {
        const sg_node *it = list->kind == SG_NODE_SEQ ? list->items[i] : list;
        if (it->kind != SG_NODE_SCALAR) {
            if (!items)
                ERR(r, SIGMA_DIAG_ATTRIBUTE_TYPE, it->pos, "item of '%s' must be a string, not %s",
                    name, sg_attr_kind_name(it));
            continue;
        }
        if (it->type == SG_SCALAR_NULL && !keep_null)
            continue;
        if (items)
            items[n] = it->text;
        n++;
    }
    return n;
}

static void check_tags(sg_attr_reader *r, const sg_node *list)
{
    size_t count = list->kind == SG_NODE_SEQ ? list->count : 1;
    for (size_t i = 0; i < count; i++) {
        const sg_node *it = list->kind == SG_NODE_SEQ ? list->items[i] : list;
        if (it->kind == SG_NODE_SCALAR && !is_valid_tag(it->text, it->text_len))
            ERR(r, SIGMA_DIAG_BAD_TAG, it->pos, "tag '%.*s' does not match %s", QUOTED(it),
                "^[a-z0-9_-]+\\.[a-z0-9._-]+$");
    }
}

sg_str_list sg_attr_list(sg_attr_reader *r, const sg_node *root, const char *name)
{
    sg_str_list out = {NULL, 0};
    sg_attr_entry e = sg_attr_find(root, name);
    if (sg_attr_is_null(e.val))
        return out;
    if (e.val->kind == SG_NODE_MAP) {
        ERR(r, SIGMA_DIAG_ATTRIBUTE_TYPE, e.key->pos, "attribute '%s' must be a list of strings",
            name);
        return out;
    }
    int is_tags = strcmp(name, "tags") == 0;
    if (is_tags)
        check_tags(r, e.val);
    size_t n = collect_items(r, e.val, name, is_tags, NULL);
    if (n == 0)
        return out;
    if (n > SIZE_MAX / sizeof *out.items ||
        !(out.items = sg_arena_alloc(r->arena, n * sizeof *out.items))) {
        r->oom = 1;
        return out;
    }
    out.n = collect_items(r, e.val, name, is_tags, out.items);
    return out;
}

static const char *const related_words[] = {"derived", "obsolete", "obsoletes",   "merged",
                                            "renamed", "similar",  "correlation", NULL};

static void check_related_entry(sg_attr_reader *r, const sg_node *item)
{
    if (item->kind != SG_NODE_MAP) {
        ERR(r, SIGMA_DIAG_BAD_RELATED, item->pos,
            "related entry must be a map with 'id' and 'type', not %s", sg_attr_kind_name(item));
        return;
    }
    const sg_node *id = sg_attr_find(item, "id").val, *type = sg_attr_find(item, "type").val;
    if (sg_attr_is_null(id))
        ERR(r, SIGMA_DIAG_BAD_RELATED, item->pos, "related entry has no 'id'");
    else if (id->kind != SG_NODE_SCALAR || !sg_is_uuid(id->text, id->text_len))
        ERR(r, SIGMA_DIAG_BAD_RELATED, id->pos, "related id is not a UUID");
    if (sg_attr_is_null(type))
        ERR(r, SIGMA_DIAG_BAD_RELATED, item->pos, "related entry has no 'type'");
    else if (type->kind != SG_NODE_SCALAR ||
             sg_attr_find_word(type->text, type->text_len, related_words) < 0)
        ERR(r, SIGMA_DIAG_BAD_RELATED, type->pos,
            "related type is not one of derived, obsolete, merged, renamed, similar, correlation");
}

void sg_attr_related(sg_attr_reader *r, const sg_node *root)
{
    sg_attr_entry e = sg_attr_find(root, "related");
    if (sg_attr_is_null(e.val))
        return;
    if (e.val->kind != SG_NODE_SEQ) {
        ERR(r, SIGMA_DIAG_BAD_RELATED, e.key->pos, "related must be a list of {id, type} maps");
        return;
    }
    for (size_t i = 0; i < e.val->count; i++)
        check_related_entry(r, e.val->items[i]);
}

const sg_node *sg_attr_required_map(sg_attr_reader *r, const sg_node *root, const char *name,
                                    int type_code)
{
    sg_attr_entry e = sg_attr_find(root, name);
    if (!e.key) {
        ERR(r, SIGMA_DIAG_MISSING_ATTRIBUTE, root->pos, "missing required attribute '%s'", name);
        return NULL;
    }
    if (sg_attr_is_null(e.val)) {
        ERR(r, SIGMA_DIAG_MISSING_ATTRIBUTE, e.key->pos, "required attribute '%s' is empty", name);
        return NULL;
    }
    if (e.val->kind != SG_NODE_MAP) {
        ERR(r, type_code, e.key->pos, "%s must be a map, not %s", name, sg_attr_kind_name(e.val));
        return NULL;
    }
    return e.val;
}

/* category/product/service: a string (non-string scalars are rejected like pySigma does);
 * definition is free text. */
static const char *logsource_value(sg_attr_reader *r, const sg_node *ls, const char *name,
                                   int any_scalar)
{
    sg_attr_entry e = sg_attr_find(ls, name);
    if (sg_attr_is_null(e.val))
        return NULL;
    if (e.val->kind != SG_NODE_SCALAR || (!any_scalar && e.val->type != SG_SCALAR_STR)) {
        ERR(r, SIGMA_DIAG_BAD_LOGSOURCE, e.val->pos, "logsource '%s' must be a string", name);
        return NULL;
    }
    return e.val->text;
}

void sg_attr_logsource(sg_attr_reader *r, const sg_node *root, sg_logsource *out)
{
    memset(out, 0, sizeof *out);
    const sg_node *ls = sg_attr_required_map(r, root, "logsource", SIGMA_DIAG_BAD_LOGSOURCE);
    if (!ls)
        return;
    out->map = ls;
    out->category = logsource_value(r, ls, "category", 0);
    out->product = logsource_value(r, ls, "product", 0);
    out->service = logsource_value(r, ls, "service", 0);
    out->definition = logsource_value(r, ls, "definition", 1);
    if (sg_attr_is_null(sg_attr_find(ls, "category").val) &&
        sg_attr_is_null(sg_attr_find(ls, "product").val) &&
        sg_attr_is_null(sg_attr_find(ls, "service").val))
        ERR(r, SIGMA_DIAG_BAD_LOGSOURCE, sg_attr_find(root, "logsource").key->pos,
            "logsource sets none of category, product, service");
}
