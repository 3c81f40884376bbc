/* Correlation documents (sigma-semantics.md §6.1, §6.4): reading and validation.
 *
 * Choices where the SPEC and pySigma differ or are silent:
 *  - `type` is case-insensitive (pySigma upper()s it); `value_median` is accepted (pySigma);
 *  - a condition range is two operators, one lower bound (gt/gte) and one upper bound
 *    (lt/lte), AND-ed, as the SPEC text shows (pySigma rejects two operators); an empty
 *    range (lower above upper) is an error;
 *  - thresholds are YAML integers or finite floats (pySigma int()s them; we keep the value);
 *  - `field` is accepted on every type (pySigma) and required for value_* types;
 *    `percentile` (0-100) only on value_percentile, where it may be absent (the SPEC's own
 *    example has none; percentile is then -1 and the engine decides); value_median = 50;
 *  - a boolean condition (temporal types) must use every rule of `rules` and name no other
 *    (pySigma); without `rules` the referenced rules are the condition's words in order of
 *    first appearance (quantifiers then need an explicit `rules`);
 *  - `generate` may be at top level (schema) or inside `correlation` (pySigma); both set
 *    and different is an error;
 *  - unknown keys inside `correlation` are a warning (a typo such as `group_by` would
 *    otherwise silently group everything together). */
#include "model/correlation.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/attrs.h"

#define ERR SG_ATTR_ERR

typedef struct corr_reader {
    sg_attr_reader a;
    const sg_node *ckey; /* the `correlation` key (diagnostics about missing parts) */
    const sg_node *cmap; /* the `correlation` map */
    sg_correlation *out;
    int rules_reported; /* `rules` is present and was reported as malformed */
} corr_reader;

static const char *const type_words[] = {"event_count",      "value_count",  "temporal",
                                         "temporal_ordered", "value_sum",    "value_avg",
                                         "value_percentile", "value_median", NULL};

const char *sg_corr_type_name(sg_corr_type t)
{
    if (t < SG_CORR_EVENT_COUNT || t > SG_CORR_VALUE_MEDIAN)
        return "unknown";
    return type_words[t - SG_CORR_EVENT_COUNT];
}

static int is_temporal(sg_corr_type t)
{
    return t == SG_CORR_TEMPORAL || t == SG_CORR_TEMPORAL_ORDERED;
}

static int is_value_type(sg_corr_type t)
{
    return t == SG_CORR_VALUE_COUNT || t >= SG_CORR_VALUE_SUM;
}

static int is_text(const sg_node *n)
{
    return n->kind == SG_NODE_SCALAR && n->type != SG_SCALAR_NULL && n->text_len > 0;
}

/* ---- metadata ------------------------------------------------------------------------------- */

static const char *node_text(const sg_node *n)
{
    return n ? n->text : NULL;
}

static void read_tags(corr_reader *r, const sg_node *root)
{
    sg_str_list tags = sg_attr_list(&r->a, root, "tags");
    if (!tags.n)
        return;
    r->out->tags = sg_arena_alloc(r->a.arena, tags.n * sizeof *r->out->tags);
    if (!r->out->tags) {
        r->a.oom = 1;
        return;
    }
    for (size_t i = 0; i < tags.n; i++)
        r->out->tags[i] = sg_attr_dup(&r->a, tags.items[i]);
    r->out->ntags = tags.n;
}

static void read_meta(corr_reader *r, const sg_node *root)
{
    sg_attr_reader *a = &r->a;
    sg_correlation *out = r->out;
    out->id = sg_attr_dup(a, node_text(sg_attr_id(a, root)));
    out->title = sg_attr_dup(a, node_text(sg_attr_title(a, root)));
    out->name = sg_attr_dup(a, node_text(sg_attr_name(a, root)));
    out->status = sg_attr_status(a, root);
    out->level = sg_attr_level(a, root);
    out->description = sg_attr_dup(a, sg_attr_text(a, root, "description"));
    out->author = sg_attr_dup(a, sg_attr_text(a, root, "author"));
    out->date = sg_attr_date(a, root, "date");
    out->modified = sg_attr_date(a, root, "modified");
    read_tags(r, root);
    /* validated only */
    (void)sg_attr_text(a, root, "taxonomy");
    (void)sg_attr_text(a, root, "license");
    (void)sg_attr_list(a, root, "references");
    (void)sg_attr_list(a, root, "falsepositives");
    sg_attr_related(a, root);
}

/* ---- type, rules, group-by ------------------------------------------------------------------ */

static void read_type(corr_reader *r)
{
    sg_attr_entry e = sg_attr_find(r->cmap, "type");
    if (sg_attr_is_null(e.val)) {
        ERR(&r->a, SIGMA_DIAG_UNKNOWN_CORRELATION_TYPE, e.key ? e.key->pos : r->ckey->pos,
            "correlation has no 'type'");
        return;
    }
    int i = e.val->kind == SG_NODE_SCALAR
                ? sg_attr_find_word(e.val->text, e.val->text_len, type_words)
                : -1;
    if (i < 0) {
        ERR(&r->a, SIGMA_DIAG_UNKNOWN_CORRELATION_TYPE, e.val->pos,
            "correlation type must be one of event_count, value_count, temporal, "
            "temporal_ordered, value_sum, value_avg, value_percentile, value_median");
        return;
    }
    r->out->type = (sg_corr_type)(SG_CORR_EVENT_COUNT + i);
}

/* Items of a string-or-list attribute as arena copies; every item must be a non-empty
 * scalar (`code` otherwise). Returns the number kept; *items NULL when there are none. */
static size_t read_names(corr_reader *r, const sg_node *v, const char *what, int code,
                         const char ***items)
{
    size_t count = v->kind == SG_NODE_SEQ ? v->count : 1, n = 0;
    *items = NULL;
    if (count == 0)
        return 0;
    if (!(*items = sg_arena_alloc(r->a.arena, count * sizeof **items))) {
        r->a.oom = 1;
        return 0;
    }
    for (size_t i = 0; i < count; i++) {
        const sg_node *it = v->kind == SG_NODE_SEQ ? v->items[i] : v;
        if (!is_text(it))
            ERR(&r->a, code, it->pos, "each item of '%s' must be a non-empty string", what);
        else
            (*items)[n++] = sg_attr_dup(&r->a, it->text);
    }
    return n;
}

typedef struct item_ref {
    const sg_node *node;
    size_t idx;
} item_ref;

/* Text order, then list order: equal texts end up adjacent, the first one first. */
static int item_cmp(const void *x, const void *y)
{
    const item_ref *a = x, *b = y;
    size_t n = a->node->text_len < b->node->text_len ? a->node->text_len : b->node->text_len;
    int c = memcmp(a->node->text, b->node->text, n);
    if (c == 0 && a->node->text_len != b->node->text_len)
        c = a->node->text_len < b->node->text_len ? -1 : 1;
    if (c == 0)
        c = a->idx < b->idx ? -1 : 1;
    return c;
}

/* Reports every repeated rule reference (at the repetition); sorting keeps huge lists fast. */
static void check_unique_rules(corr_reader *r, const sg_node *list)
{
    item_ref *refs = list->count ? malloc(list->count * sizeof *refs) : NULL;
    size_t n = 0;
    if (list->count && !refs) {
        r->a.oom = 1;
        return;
    }
    for (size_t i = 0; i < list->count; i++)
        if (is_text(list->items[i]))
            refs[n++] = (item_ref){list->items[i], i};
    if (n > 1)
        qsort(refs, n, sizeof *refs, item_cmp);
    for (size_t i = 1; i < n; i++) {
        const sg_node *a = refs[i - 1].node, *b = refs[i].node;
        if (a->text_len == b->text_len && memcmp(a->text, b->text, a->text_len) == 0)
            ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION, b->pos, "rule '%.*s' is listed twice",
                SG_ATTR_QUOTED(b));
    }
    free(refs);
}

/* `rules`: absence is decided with the condition (temporal boolean conditions name them). */
static void read_rules(corr_reader *r)
{
    sg_attr_entry e = sg_attr_find(r->cmap, "rules");
    if (sg_attr_is_null(e.val))
        return;
    size_t errors = r->a.errors;
    if (e.val->kind == SG_NODE_MAP) {
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION, e.key->pos,
            "correlation 'rules' must be a rule id or name, or a list of them");
    } else {
        if (e.val->kind == SG_NODE_SEQ)
            check_unique_rules(r, e.val);
        r->out->nrules = read_names(r, e.val, "rules", SIGMA_DIAG_BAD_CORRELATION, &r->out->rules);
    }
    r->rules_reported = r->a.errors > errors;
}

static void read_group_by(corr_reader *r)
{
    sg_attr_entry e = sg_attr_find(r->cmap, "group-by");
    if (sg_attr_is_null(e.val))
        return;
    if (e.val->kind == SG_NODE_MAP) {
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION, e.key->pos,
            "correlation 'group-by' must be a field name or a list of them");
        return;
    }
    r->out->ngroup_by =
        read_names(r, e.val, "group-by", SIGMA_DIAG_BAD_CORRELATION, &r->out->group_by);
}

/* ---- timespan ------------------------------------------------------------------------------- */

/* Seconds per unit (case matters: M month, m minute), 0 when unknown. */
static int64_t unit_seconds(char u)
{
    switch (u) {
    case 's':
        return 1;
    case 'm':
        return 60;
    case 'h':
        return 3600;
    case 'd':
        return 86400;
    case 'w':
        return 604800;
    case 'M':
        return 2629746;
    case 'y':
        return 31556952;
    default:
        return 0;
    }
}

int64_t sg_parse_timespan(const char *s, size_t len)
{
    if (len < 2)
        return 0;
    int64_t mult = unit_seconds(s[len - 1]), count = 0;
    if (!mult)
        return 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        if (count > (INT64_MAX / mult - (s[i] - '0')) / 10)
            return 0;
        count = count * 10 + (s[i] - '0');
    }
    return count * mult;
}

static void read_timespan(corr_reader *r)
{
    sg_attr_entry e = sg_attr_find(r->cmap, "timespan");
    if (sg_attr_is_null(e.val)) {
        ERR(&r->a, SIGMA_DIAG_BAD_TIMESPAN, e.key ? e.key->pos : r->ckey->pos,
            "correlation has no 'timespan'");
        return;
    }
    const sg_node *v = e.val;
    int64_t s = v->kind == SG_NODE_SCALAR ? sg_parse_timespan(v->text, v->text_len) : 0;
    if (s <= 0) {
        if (v->kind == SG_NODE_SCALAR)
            ERR(&r->a, SIGMA_DIAG_BAD_TIMESPAN, v->pos,
                "timespan '%.*s' is not a positive integer followed by s, m, h, d, w, M or y",
                SG_ATTR_QUOTED(v));
        else
            ERR(&r->a, SIGMA_DIAG_BAD_TIMESPAN, v->pos,
                "timespan must be a positive integer followed by s, m, h, d, w, M or y");
        return;
    }
    r->out->timespan_s = s;
}

/* ---- aliases, generate ---------------------------------------------------------------------- */

/* One alias: {rule name: field name, ...}. */
static void read_alias(corr_reader *r, const sg_node *key, const sg_node *map, sg_corr_alias *al)
{
    al->alias = sg_attr_dup(&r->a, key->text);
    if (map->kind != SG_NODE_MAP || map->count == 0) {
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION, key->pos,
            "alias '%.*s' must be a map of rule name to field name", SG_ATTR_QUOTED(key));
        return;
    }
    al->rules = sg_arena_alloc(r->a.arena, map->count * sizeof *al->rules);
    al->fields = sg_arena_alloc(r->a.arena, map->count * sizeof *al->fields);
    if (!al->rules || !al->fields) {
        r->a.oom = 1;
        return;
    }
    for (size_t i = 0; i < map->count; i++) {
        const sg_node *field = map->items[i];
        if (!is_text(field)) {
            ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION, field->pos,
                "alias '%.*s': the field for a rule must be a non-empty string",
                SG_ATTR_QUOTED(key));
            continue;
        }
        al->rules[al->n] = sg_attr_dup(&r->a, map->keys[i]->text);
        al->fields[al->n++] = sg_attr_dup(&r->a, field->text);
    }
}

static void read_aliases(corr_reader *r)
{
    sg_attr_entry e = sg_attr_find(r->cmap, "aliases");
    if (sg_attr_is_null(e.val))
        return;
    if (e.val->kind != SG_NODE_MAP) {
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION, e.key->pos,
            "correlation 'aliases' must be a map of alias to {rule name: field}");
        return;
    }
    size_t n = e.val->count;
    if (n == 0)
        return;
    r->out->aliases = sg_arena_alloc(r->a.arena, n * sizeof *r->out->aliases);
    if (!r->out->aliases) {
        r->a.oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++)
        read_alias(r, e.val->keys[i], e.val->items[i], &r->out->aliases[i]);
    r->out->naliases = n;
}

/* A `generate` entry: -1 absent, else 0/1 (an error when not a boolean). */
static int generate_value(corr_reader *r, sg_attr_entry e)
{
    if (sg_attr_is_null(e.val))
        return -1;
    if (e.val->kind != SG_NODE_SCALAR || e.val->type != SG_SCALAR_BOOL) {
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION, e.val->pos, "'generate' must be true or false");
        return -1;
    }
    return e.val->bval ? 1 : 0;
}

static void read_generate(corr_reader *r, const sg_node *root)
{
    sg_attr_entry outer = sg_attr_find(root, "generate"), inner = sg_attr_find(r->cmap, "generate");
    int o = generate_value(r, outer), i = generate_value(r, inner);
    if (o >= 0 && i >= 0 && o != i)
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION, inner.val->pos,
            "'generate' is %s here but %s at the top level", i ? "true" : "false",
            o ? "true" : "false");
    r->out->generate = i >= 0 ? i : o > 0;
}

/* ---- condition: comparisons ----------------------------------------------------------------- */

static const char *const op_words[] = {"gt", "gte", "lt", "lte", "eq", "neq", NULL};

/* A YAML integer or finite float. */
static int number_value(const sg_node *v, double *out)
{
    if (v->kind != SG_NODE_SCALAR)
        return 0;
    if (v->type == SG_SCALAR_INT)
        *out = (double)v->ival;
    else if (v->type == SG_SCALAR_FLOAT && isfinite(v->fval))
        *out = v->fval;
    else
        return 0;
    return 1;
}

static void add_comparison(corr_reader *r, const sg_node *key, const sg_node *val, int op)
{
    double x;
    if (!number_value(val, &x)) {
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, val->pos,
            "condition '%.*s' needs a number", SG_ATTR_QUOTED(key));
        return;
    }
    sg_correlation *out = r->out;
    out->cmp[out->ncmp] = (sg_cmp)(SG_CMP_GT + op);
    out->cmp_value[out->ncmp++] = x;
}

static int is_lower(sg_cmp c)
{
    return c == SG_CMP_GT || c == SG_CMP_GTE;
}
static int is_upper(sg_cmp c)
{
    return c == SG_CMP_LT || c == SG_CMP_LTE;
}

/* Two comparisons must be a non-empty range; puts the lower bound first. */
static void check_range(corr_reader *r, const sg_node *at)
{
    sg_correlation *out = r->out;
    if (is_upper(out->cmp[0]) && is_lower(out->cmp[1])) {
        sg_cmp c = out->cmp[0];
        double v = out->cmp_value[0];
        out->cmp[0] = out->cmp[1];
        out->cmp_value[0] = out->cmp_value[1];
        out->cmp[1] = c;
        out->cmp_value[1] = v;
    }
    if (!is_lower(out->cmp[0]) || !is_upper(out->cmp[1])) {
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, at->pos,
            "two condition operators must form a range: gt or gte with lt or lte");
        return;
    }
    double lo = out->cmp_value[0], hi = out->cmp_value[1];
    int strict = out->cmp[0] == SG_CMP_GT || out->cmp[1] == SG_CMP_LT;
    if (lo > hi || (lo == hi && strict))
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, at->pos,
            "the condition range is empty (no count satisfies it)");
}

static void read_cond_field(corr_reader *r, const sg_node *val)
{
    if (val->kind == SG_NODE_MAP || sg_attr_is_null(val)) {
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, val->pos,
            "condition 'field' must be a field name or a list of them");
        return;
    }
    r->out->nfields =
        read_names(r, val, "field", SIGMA_DIAG_BAD_CORRELATION_CONDITION, &r->out->fields);
}

static void read_percentile(corr_reader *r, const sg_node *key, const sg_node *val)
{
    double p;
    if (r->out->type != SG_CORR_VALUE_PERCENTILE) {
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, key->pos,
            "'percentile' is only used by value_percentile correlations");
        return;
    }
    if (!number_value(val, &p) || p < 0 || p > 100) {
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, val->pos,
            "'percentile' must be a number from 0 to 100");
        return;
    }
    r->out->percentile = p;
}

static int op_index(const sg_node *key)
{
    for (int i = 0; op_words[i]; i++)
        if (sg_attr_key_is(key, op_words[i]))
            return i;
    return -1;
}

static void read_cond_map(corr_reader *r, const sg_node *ckey, const sg_node *map)
{
    size_t nops = 0;
    int unknown = 0;
    for (size_t i = 0; i < map->count; i++) {
        const sg_node *key = map->keys[i], *val = map->items[i];
        int op = op_index(key);
        if (op >= 0) {
            if (++nops <= 2)
                add_comparison(r, key, val, op);
            else if (nops == 3)
                ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, key->pos,
                    "a condition has one operator, or two for a range (gt/gte with lt/lte)");
        } else if (sg_attr_key_is(key, "field")) {
            read_cond_field(r, val);
        } else if (sg_attr_key_is(key, "percentile")) {
            read_percentile(r, key, val);
        } else {
            unknown = 1;
            ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, key->pos,
                "unknown condition key '%.*s' (expected gt, gte, lt, lte, eq, neq, field, "
                "percentile)",
                SG_ATTR_QUOTED(key));
        }
    }
    if (nops == 0 && !unknown) /* an unknown key is probably a misspelt operator */
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, ckey->pos,
            "condition has no operator (gt, gte, lt, lte, eq or neq)");
    else if (nops == 2 && r->out->ncmp == 2)
        check_range(r, ckey);
}

/* ---- condition: boolean expression over rule names (§6.4) ----------------------------------- */

enum { MAX_DERIVED_RULES = 1024 };

static int is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '*';
}

static int word_is(const char *w, size_t n, const char *kw)
{
    return strlen(kw) == n && memcmp(w, kw, n) == 0;
}

/* Adds (w, n) to out->rules unless already there. 0 ok, 1 too many (reported), -1 no memory. */
static int add_derived(corr_reader *r, const sg_node *cn, const char *w, size_t n)
{
    sg_correlation *out = r->out;
    for (size_t i = 0; i < out->nrules; i++)
        if (strlen(out->rules[i]) == n && memcmp(out->rules[i], w, n) == 0)
            return 0;
    if (out->nrules == MAX_DERIVED_RULES) {
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, cn->pos,
            "the condition names more than %d rules", MAX_DERIVED_RULES);
        return 1;
    }
    if (!(out->rules[out->nrules++] = sg_arena_strndup(r->a.arena, w, n)))
        return -1;
    return 0;
}

/* Without `rules`, the rules are the words of the condition other than and/or/not, in order
 * of first appearance. Returns 0 ok, 1 error reported, -1 no memory. */
static int derive_rules(corr_reader *r, const sg_node *cn)
{
    const char *s = cn->text;
    size_t len = cn->text_len;
    r->out->rules = sg_arena_alloc(r->a.arena, MAX_DERIVED_RULES * sizeof *r->out->rules);
    if (!r->out->rules)
        return -1;
    for (size_t i = 0; i < len;) {
        if (!is_word_char(s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && is_word_char(s[j]))
            j++;
        const char *w = s + i;
        size_t n = j - i;
        i = j;
        if (word_is(w, n, "and") || word_is(w, n, "or") || word_is(w, n, "not"))
            continue;
        if (word_is(w, n, "of") || word_is(w, n, "them") || memchr(w, '*', n)) {
            ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, cn->pos,
                "a condition with 'of', 'them' or patterns needs an explicit 'rules' list");
            return 1;
        }
        int rc = add_derived(r, cn, w, n);
        if (rc)
            return rc;
    }
    return 0;
}

/* Position of byte `offset` of a scalar's text (exact for one-line plain/quoted scalars). */
static sg_pos text_pos(const sg_node *n, size_t offset)
{
    return sg_scalar_text_pos(n, offset);
}

/* Marks the rules the condition uses. And/or chains are left-deep: iterate along the left
 * operand, recurse into the right one (whose depth the parser bounds). */
static void mark_used(const sg_cond *c, unsigned char *used)
{
    while (c) {
        switch (c->kind) {
        case SG_COND_IDENT:
            used[c->ident] = 1;
            return;
        case SG_COND_ONE_OF:
        case SG_COND_ALL_OF:
            for (size_t i = 0; i < c->n; i++)
                used[c->idents[i]] = 1;
            return;
        case SG_COND_NOT:
            c = c->a;
            break;
        default: /* and, or */
            mark_used(c->b, used);
            c = c->a;
            break;
        }
    }
}

/* Every rule of `rules` must appear in the condition (pySigma). */
static void check_all_used(corr_reader *r, const sg_node *cn)
{
    sg_correlation *out = r->out;
    unsigned char *used = sg_arena_alloc(r->a.arena, out->nrules);
    if (!used) {
        r->a.oom = 1;
        return;
    }
    mark_used(out->bool_cond, used);
    for (size_t i = 0; i < out->nrules; i++)
        if (!used[i])
            ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, cn->pos,
                "rule '%s' is listed in 'rules' but not used in the condition", out->rules[i]);
}

static void read_bool_condition(corr_reader *r, const sg_node *cn)
{
    sg_correlation *out = r->out;
    if (out->nrules == 0) {
        int rc = derive_rules(r, cn);
        if (rc < 0)
            r->a.oom = 1;
        if (rc)
            return;
    }
    sg_cond_error err;
    int rc = sg_cond_parse(cn->text, cn->text_len, out->rules, out->nrules, r->a.arena,
                           &out->bool_cond, &err);
    if (rc < 0) {
        r->a.oom = 1;
    } else if (rc > 0) {
        out->bool_cond = NULL;
        ERR(&r->a, sg_cond_diag_code(err.kind), text_pos(cn, err.offset), "condition: %s",
            err.message);
    } else {
        check_all_used(r, cn);
    }
}

/* ---- condition ------------------------------------------------------------------------------ */

/* No usable rule references (and nothing said about them yet). */
static void missing_rules(corr_reader *r)
{
    sg_attr_entry e = sg_attr_find(r->cmap, "rules");
    if (r->rules_reported)
        return;
    if (e.key && !sg_attr_is_null(e.val))
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION, e.key->pos, "correlation 'rules' is empty");
    else
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION, r->ckey->pos, "correlation has no 'rules'");
}

/* No condition: temporal types default to "gte <number of rules>". */
static void default_condition(corr_reader *r, const sg_node *at)
{
    sg_correlation *out = r->out;
    if (out->nrules == 0)
        missing_rules(r);
    if (!is_temporal(out->type)) {
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, at->pos,
            "correlation has no 'condition' (only temporal types may omit it)");
        return;
    }
    out->cmp[0] = SG_CMP_GTE;
    out->cmp_value[0] = (double)out->nrules;
    out->ncmp = 1;
}

static void read_condition(corr_reader *r)
{
    sg_correlation *out = r->out;
    sg_attr_entry e = sg_attr_find(r->cmap, "condition");
    if (!out->type)
        return; /* already reported; the condition cannot be checked against the type */
    if (sg_attr_is_null(e.val)) {
        default_condition(r, e.key ? e.key : r->ckey);
    } else if (e.val->kind == SG_NODE_MAP) {
        if (out->nrules == 0)
            missing_rules(r);
        read_cond_map(r, e.key, e.val);
        if (is_value_type(out->type) && !sg_attr_find(e.val, "field").key)
            ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, e.key->pos,
                "a %s correlation needs 'condition.field'", sg_corr_type_name(out->type));
    } else if (is_temporal(out->type) && e.val->kind == SG_NODE_SCALAR &&
               e.val->type == SG_SCALAR_STR) {
        read_bool_condition(r, e.val);
    } else {
        ERR(&r->a, SIGMA_DIAG_BAD_CORRELATION_CONDITION, e.key->pos,
            "a correlation condition must be a map of operators%s",
            is_temporal(out->type) ? " or a boolean expression over rule names"
                                   : " (boolean conditions are for temporal types only)");
    }
}

/* ---- entry point ---------------------------------------------------------------------------- */

static void warn_unknown_keys(corr_reader *r)
{
    static const char *const known[] = {"type",    "rules",     "group-by", "timespan",
                                        "aliases", "condition", "generate", NULL};
    for (size_t i = 0; i < r->cmap->count; i++) {
        const sg_node *k = r->cmap->keys[i];
        size_t j = 0;
        while (known[j] && !sg_attr_key_is(k, known[j]))
            j++;
        if (!known[j] && k->kind == SG_NODE_SCALAR &&
            sg_warn(r->a.diags, SIGMA_DIAG_UNKNOWN_CORRELATION_KEY, k->pos,
                    "unknown correlation key '%.*s' is ignored", SG_ATTR_QUOTED(k)) < 0)
            r->a.oom = 1;
    }
}

int sg_correlation_read(const sg_node *root, sg_arena *arena, sg_diag_ctx *diags,
                        sg_correlation *out)
{
    corr_reader r = {{arena, diags, 0, 0}, NULL, NULL, out, 0};
    memset(out, 0, sizeof *out);
    out->percentile = -1;
    if (!root || root->kind != SG_NODE_MAP) {
        ERR(&r.a, SIGMA_DIAG_NOT_A_MAP, root ? root->pos : SG_POS_UNKNOWN,
            "a correlation document must be a map of attributes");
        return sg_attr_result(&r.a);
    }
    out->pos = root->pos;
    read_meta(&r, root);
    r.cmap = sg_attr_required_map(&r.a, root, "correlation", SIGMA_DIAG_BAD_CORRELATION);
    if (!r.cmap)
        return sg_attr_result(&r.a);
    r.ckey = sg_attr_find(root, "correlation").key;
    read_type(&r);
    if (out->type == SG_CORR_VALUE_MEDIAN)
        out->percentile = 50;
    read_rules(&r);
    read_group_by(&r);
    read_timespan(&r);
    read_aliases(&r);
    read_generate(&r, root);
    read_condition(&r);
    warn_unknown_keys(&r);
    return sg_attr_result(&r.a);
}
