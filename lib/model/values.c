/* One rule value -> predicates (sigma-semantics.md §2.2, §2.5, §3, §4). String values
 * go through the modifier chain left to right as a set of alternative patterns:
 * contains/startswith/endswith shape them, the encoders (windash, base64*, utf16*,
 * expand) rewrite or multiply them; the alternatives are OR-ed. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "match/regex.h"
#include "match/timepart.h"
#include "model/lower.h"
#include "util/vec.h"

static void value_error(lower_ctx *c, const sg_node *v, const char *msg)
{
    sg_error(c->diags, SIGMA_DIAG_BAD_VALUE_TYPE, v->pos, "%s", msg);
    c->bad = 1;
}

static int string_mods(const sg_chain *ch)
{
    static const sg_mod mods[] = {SG_MOD_CONTAINS,     SG_MOD_STARTSWITH, SG_MOD_ENDSWITH,
                                  SG_MOD_CASED,        SG_MOD_WINDASH,    SG_MOD_BASE64,
                                  SG_MOD_BASE64OFFSET, SG_MOD_WIDE,       SG_MOD_UTF16LE,
                                  SG_MOD_UTF16BE,      SG_MOD_UTF16,      SG_MOD_EXPAND};
    for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++)
        if (sg_has_mod(ch, mods[i]))
            return 1;
    return 0;
}

static int is_number(const sg_node *v)
{
    return v->kind == SG_NODE_SCALAR && (v->type == SG_SCALAR_INT || v->type == SG_SCALAR_FLOAT);
}

static double number_of(const sg_node *v)
{
    return v->type == SG_SCALAR_INT ? (double)v->ival : v->fval;
}

static sg_number rule_number(const sg_node *v)
{
    return v->type == SG_SCALAR_INT ? sg_number_int(v->ival) : sg_number_real(v->fval);
}

/* ------------------------------------------------------------ string values */

static int shape_all(sg_pattern_set *set, int prefix_any, int suffix_any)
{
    for (size_t i = 0; i < set->n; i++)
        if ((prefix_any && sg_pattern_prepend_any(&set->items[i])) ||
            (suffix_any && sg_pattern_append_any(&set->items[i])))
            return -1;
    return 0;
}

/* Applies one modifier of the chain to the set. 0 ok, 1 error (reported), -1 OOM. */
static int apply_mod(lower_ctx *c, sg_mod m, sg_pattern_set *set, const sg_node *v)
{
    char err[256] = "";
    size_t max = c->opts->max_alternatives;
    int rc, code = SIGMA_DIAG_ENCODING_FAILED;
    switch (m) {
    case SG_MOD_CONTAINS:
        return shape_all(set, 1, 1);
    case SG_MOD_STARTSWITH:
        return shape_all(set, 0, 1);
    case SG_MOD_ENDSWITH:
        return shape_all(set, 1, 0);
    case SG_MOD_WINDASH:
        rc = sg_encode_windash(set, max, err, sizeof err);
        code = SIGMA_DIAG_EXPANSION_LIMIT;
        break;
    case SG_MOD_BASE64:
        rc = sg_encode_base64(set, err, sizeof err);
        break;
    case SG_MOD_BASE64OFFSET:
        rc = sg_encode_base64offset(set, err, sizeof err);
        break;
    case SG_MOD_WIDE:
    case SG_MOD_UTF16LE:
        rc = sg_encode_utf16(set, SG_UTF16_LE, err, sizeof err);
        break;
    case SG_MOD_UTF16BE:
        rc = sg_encode_utf16(set, SG_UTF16_BE, err, sizeof err);
        break;
    case SG_MOD_UTF16:
        rc = sg_encode_utf16(set, SG_UTF16_BOM, err, sizeof err);
        break;
    case SG_MOD_EXPAND: {
        static const sg_placeholders none = {0};
        const sg_placeholders *ph = c->opts->placeholders ? c->opts->placeholders : &none;
        rc = sg_expand_placeholders(set, ph, max, err, sizeof err);
        code = strstr(err, "not defined") ? SIGMA_DIAG_UNDEFINED_PLACEHOLDER
                                          : SIGMA_DIAG_EXPANSION_LIMIT;
        break;
    }
    default:
        return 0; /* flags (all, neq, cased) do not change values */
    }
    if (rc > 0) {
        sg_error(c->diags, code, v->pos, "modifier '%s': %s", sg_mod_name(m), err);
        c->bad = 1;
    }
    return rc;
}

/* text (a Sigma string, or a literal when `literal`) through the chain -> OR of STR
 * predicates. */
static sg_expr *lower_string(lower_ctx *c, const sg_chain *ch, const sg_node *v, const char *text,
                             size_t len, int literal)
{
    sg_pattern_set set = {0};
    sg_pattern p;
    int rc = literal ? sg_pattern_literal(text, len, &p) : sg_pattern_parse(text, len, &p);
    if (rc == 0)
        rc = sg_pset_push(&set, &p);
    int shaped = 0;
    for (size_t i = 0; rc == 0 && i < ch->nmods; i++) {
        shaped |= ch->mods[i] == SG_MOD_CONTAINS || ch->mods[i] == SG_MOD_STARTSWITH ||
                  ch->mods[i] == SG_MOD_ENDSWITH;
        rc = apply_mod(c, ch->mods[i], &set, v);
    }
    if (rc == 0 && !ch->field && !shaped)
        rc = shape_all(&set, 1, 1); /* keywords are substring searches (§2.6) */
    sg_expr *e = NULL;
    if (rc == 0)
        e = sg_new_expr(c, SG_X_OR, set.n);
    for (size_t i = 0; e && i < set.n; i++) {
        sg_pred_desc d = {.field = ch->field,
                          .field_len = ch->field_len,
                          .op = SG_OP_STR,
                          .flags = sg_has_mod(ch, SG_MOD_CASED) ? SG_PF_CASED : 0,
                          .pos = v->pos};
        d.pat = set.items[i];
        memset(&set.items[i], 0, sizeof set.items[i]); /* moved into the IR */
        if (!(e->kids[i] = sg_add_pred(c, &d)))
            e = NULL;
    }
    if (rc < 0)
        c->oom = 1;
    sg_pset_free(&set);
    if (e && e->n == 1)
        return e->kids[0];
    return e;
}

/* ------------------------------------------------------ other operators */

static sg_expr *lower_regex(lower_ctx *c, const sg_chain *ch, const sg_node *v)
{
    if (v->type != SG_SCALAR_STR) {
        value_error(c, v, "the value of 're' must be a string");
        return NULL;
    }
    const char *t = v->text;
    size_t n = v->text_len;
    int anchored_start = n && t[0] == '^';
    int anchored_end = n && t[n - 1] == '$' && !(n >= 2 && t[n - 2] == '\\');
    int want_start = sg_has_mod(ch, SG_MOD_STARTSWITH) && !anchored_start;
    int want_end = sg_has_mod(ch, SG_MOD_ENDSWITH) && !anchored_end;
    int group = want_start || want_end;
    /* REC §4.2: regexes search (unanchored); startswith/endswith anchor them. */
    sg_buf re = {0};
    if ((want_start && sg_buf_append(&re, "^", 1)) || (group && sg_buf_append(&re, "(?:", 3)) ||
        sg_buf_append(&re, t, n) || (group && sg_buf_append(&re, ")", 1)) ||
        (want_end && sg_buf_append(&re, "$", 1))) {
        sg_buf_free(&re);
        c->oom = 1;
        return NULL;
    }
    uint32_t flags = (sg_has_mod(ch, SG_MOD_RE_I) ? SG_PF_RE_I : 0) |
                     (sg_has_mod(ch, SG_MOD_RE_M) ? SG_PF_RE_M : 0) |
                     (sg_has_mod(ch, SG_MOD_RE_S) ? SG_PF_RE_S : 0);
    char err[256];
    size_t erroff = 0;
    pcre2_code *code = sg_regex_compile(re.data, re.len, flags, err, sizeof err, &erroff);
    if (!code) {
        sg_error(c->diags, SIGMA_DIAG_BAD_REGEX, v->pos,
                 "invalid regular expression '%.*s': %s at offset %zu", (int)v->text_len, v->text,
                 err, erroff);
        c->bad = 1;
        sg_buf_free(&re);
        return NULL;
    }
    pcre2_code_free(code); /* validated; the compiler builds its own */
    const char *kept = sg_arena_strndup(&c->ir->arena, re.data, re.len);
    size_t kept_len = re.len;
    sg_buf_free(&re);
    if (!kept) {
        c->oom = 1;
        return NULL;
    }
    sg_pred_desc d = {.field = ch->field,
                      .field_len = ch->field_len,
                      .op = SG_OP_REGEX,
                      .flags = flags,
                      .text = kept,
                      .text_len = kept_len,
                      .pos = v->pos};
    return sg_add_pred(c, &d);
}

/* `a|fieldref: b`: the value names another field; contains/startswith/endswith
 * turn equality into substring/prefix/suffix of that field's value. */
static sg_expr *lower_fieldref(lower_ctx *c, const sg_chain *ch, const sg_node *v)
{
    if (v->type != SG_SCALAR_STR || v->text_len == 0) {
        value_error(c, v, "the value of 'fieldref' must be a field name");
        return NULL;
    }
    uint32_t flags = sg_has_mod(ch, SG_MOD_CASED) ? SG_PF_CASED : 0;
    if (sg_has_mod(ch, SG_MOD_CONTAINS))
        flags |= SG_PF_REF_PREFIX | SG_PF_REF_SUFFIX;
    if (sg_has_mod(ch, SG_MOD_STARTSWITH))
        flags |= SG_PF_REF_PREFIX;
    if (sg_has_mod(ch, SG_MOD_ENDSWITH))
        flags |= SG_PF_REF_SUFFIX;
    const char *name = sg_arena_strndup(&c->ir->arena, v->text, v->text_len);
    if (!name) {
        c->oom = 1;
        return NULL;
    }
    sg_pred_desc d = {.field = ch->field,
                      .field_len = ch->field_len,
                      .op = SG_OP_FIELDREF,
                      .flags = flags,
                      .text = name,
                      .text_len = v->text_len,
                      .pos = v->pos};
    return sg_add_pred(c, &d);
}

static sg_expr *lower_cidr(lower_ctx *c, const sg_chain *ch, const sg_node *v)
{
    char err[256];
    sg_pred_desc d = {
        .field = ch->field, .field_len = ch->field_len, .op = SG_OP_CIDR, .pos = v->pos};
    if (v->type != SG_SCALAR_STR) {
        value_error(c, v, "the value of 'cidr' must be a network such as '10.0.0.0/8'");
        return NULL;
    }
    if (sg_cidr_parse(v->text, v->text_len, &d.cidr, err, sizeof err) != 0) {
        value_error(c, v, err);
        return NULL;
    }
    return sg_add_pred(c, &d);
}

static sg_num_cmp chain_cmp(const sg_chain *ch)
{
    if (sg_has_mod(ch, SG_MOD_GT))
        return SG_NUM_GT;
    if (sg_has_mod(ch, SG_MOD_GTE))
        return SG_NUM_GTE;
    if (sg_has_mod(ch, SG_MOD_LT))
        return SG_NUM_LT;
    if (sg_has_mod(ch, SG_MOD_LTE))
        return SG_NUM_LTE;
    return SG_NUM_EQ;
}

static int chain_timepart(const sg_chain *ch)
{
    static const struct {
        sg_mod mod;
        sg_timepart part;
    } parts[] = {{SG_MOD_MINUTE, SG_TP_MINUTE}, {SG_MOD_HOUR, SG_TP_HOUR},
                 {SG_MOD_DAY, SG_TP_DAY},       {SG_MOD_WEEK, SG_TP_WEEK},
                 {SG_MOD_MONTH, SG_TP_MONTH},   {SG_MOD_YEAR, SG_TP_YEAR}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (sg_has_mod(ch, parts[i].mod))
            return parts[i].part;
    return 0;
}

/* gt/gte/lt/lte, optionally after a time part: the rule value must be a YAML number. */
static sg_expr *lower_numeric(lower_ctx *c, const sg_chain *ch, const sg_node *v, int part)
{
    if (!is_number(v) || !isfinite(number_of(v))) {
        value_error(c, v,
                    v->type == SG_SCALAR_STR
                        ? "numeric comparisons and time parts need an unquoted number"
                        : "numeric comparisons and time parts need a finite number");
        return NULL;
    }
    sg_pred_desc d = {.field = ch->field,
                      .field_len = ch->field_len,
                      .op = part ? SG_OP_TIMEPART : SG_OP_NUMCMP,
                      .num = rule_number(v),
                      .cmp = (uint8_t)chain_cmp(ch),
                      .part = (uint8_t)part,
                      .pos = v->pos};
    return sg_add_pred(c, &d);
}

/* --------------------------------------------------------------- dispatch */

sg_expr *sg_lower_value(lower_ctx *c, const sg_chain *ch, const sg_node *v)
{
    if (v->kind != SG_NODE_SCALAR) {
        sg_error(c->diags, SIGMA_DIAG_BAD_VALUE_TYPE, v->pos,
                 "a detection value must be a scalar, not a %s",
                 v->kind == SG_NODE_MAP ? "map" : "list");
        c->bad = 1;
        return NULL;
    }
    if (sg_has_mod(ch, SG_MOD_RE))
        return lower_regex(c, ch, v);
    if (sg_has_mod(ch, SG_MOD_FIELDREF))
        return lower_fieldref(c, ch, v);
    if (sg_has_mod(ch, SG_MOD_CIDR))
        return lower_cidr(c, ch, v);
    int part = chain_timepart(ch);
    if (part || chain_cmp(ch) != SG_NUM_EQ)
        return lower_numeric(c, ch, v, part);
    sg_pred_desc d = {.field = ch->field, .field_len = ch->field_len, .pos = v->pos};
    switch (v->type) {
    case SG_SCALAR_STR:
        return lower_string(c, ch, v, v->text, v->text_len, 0);
    case SG_SCALAR_INT:
    case SG_SCALAR_FLOAT:
        if (!isfinite(number_of(v))) {
            value_error(c, v, "non-finite numbers are not valid in detections");
            return NULL;
        }
        if (string_mods(ch) || !ch->field) {
            /* Searched as text: integers in decimal (0x17 is "23"), floats as written. */
            char buf[64];
            int n = v->type == SG_SCALAR_INT
                        ? snprintf(buf, sizeof buf, "%lld", (long long)v->ival)
                        : snprintf(buf, sizeof buf, "%.*s", (int)v->text_len, v->text);
            return lower_string(c, ch, v, buf, (size_t)(n < 0 ? 0 : n), 1);
        }
        d.op = SG_OP_NUM;
        d.num = rule_number(v);
        return sg_add_pred(c, &d);
    case SG_SCALAR_BOOL:
        if (string_mods(ch) || !ch->field) {
            value_error(c, v, "a boolean cannot be used with string modifiers or as a keyword");
            return NULL;
        }
        d.op = SG_OP_BOOL;
        d.bval = v->bval;
        return sg_add_pred(c, &d);
    case SG_SCALAR_NULL:
        if (string_mods(ch) || !ch->field) {
            value_error(c, v, "null cannot be used with string modifiers or as a keyword");
            return NULL;
        }
        d.op = SG_OP_NULL;
        return sg_add_pred(c, &d);
    case SG_SCALAR_DATE:
        sg_error(c->diags, SIGMA_DIAG_BAD_VALUE_TYPE, v->pos,
                 "'%s' is read as a date; quote it to match it as text", v->text);
        c->bad = 1;
        return NULL;
    }
    return NULL;
}

sg_expr *sg_lower_exists(lower_ctx *c, const sg_chain *ch, const sg_node *v)
{
    if (v->kind != SG_NODE_SCALAR || v->type != SG_SCALAR_BOOL) {
        sg_error(c->diags, SIGMA_DIAG_BAD_VALUE_TYPE, v->pos,
                 "'exists' needs an unquoted boolean value (true or false)");
        c->bad = 1;
        return NULL;
    }
    sg_pred_desc d = {.field = ch->field,
                      .field_len = ch->field_len,
                      .op = SG_OP_EXISTS,
                      .bval = v->bval,
                      .pos = v->pos};
    sg_expr *e = sg_add_pred(c, &d);
    return sg_has_mod(ch, SG_MOD_NEQ) ? sg_new_not(c, e) : e;
}
