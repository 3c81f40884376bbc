/* The public getters of rule introspection: attributes, lists, ATT&CK, coverage,
 * stages, predicates, indicators and relations. Read-only; no allocation. */
#include <string.h>

#include "compile/ruleset.h"
#include "introspect/introspect.h"

#define SET_IF_FITS(type, info, member, value)                                                     \
    do {                                                                                           \
        if ((info)->size >= offsetof(type, member) + sizeof((info)->member))                       \
            (info)->member = (value);                                                              \
    } while (0)

static const sg_intro_rule *intro(const sigma_ruleset *rs, uint32_t rule)
{
    return rs && rule < rs->nrules ? rs->rules[rule].intro : NULL;
}

static const char *out_str(const char *s, size_t len, size_t *len_out)
{
    if (s && len_out)
        *len_out = len;
    return s;
}

static const char *out_z(const char *s, size_t *len_out)
{
    return out_str(s, s ? strlen(s) : 0, len_out);
}

const char *sigma_ruleset_rule_attr(const sigma_ruleset *rs, uint32_t rule, uint32_t attr,
                                    size_t *len_out)
{
    if (!rs || rule >= rs->nrules || attr == 0 || attr >= SG_NATTRS)
        return NULL;
    const sg_intro_rule *ir = intro(rs, rule); /* NULL: SIGMA_PARAM_INTROSPECTION off */
    const sg_rule *r = &rs->rules[rule];
    switch (attr) {
    case SIGMA_ATTR_ID:
        return out_z(r->id, len_out);
    case SIGMA_ATTR_TITLE:
        return out_z(r->title, len_out);
    case SIGMA_ATTR_NAME:
        return out_z(r->name, len_out);
    case SIGMA_ATTR_DESCRIPTION:
        return out_z(r->description, len_out);
    case SIGMA_ATTR_STATUS:
        return out_z(r->status, len_out);
    case SIGMA_ATTR_LEVEL:
        return out_z(r->level, len_out);
    case SIGMA_ATTR_LOGSOURCE_PRODUCT:
        return out_z(r->ls_product, len_out);
    case SIGMA_ATTR_LOGSOURCE_CATEGORY:
        return out_z(r->ls_category, len_out);
    case SIGMA_ATTR_LOGSOURCE_SERVICE:
        return out_z(r->ls_service, len_out);
    case SIGMA_ATTR_SOURCE_NAME:
        return out_z(r->source, len_out);
    default:
        if (!ir)
            return NULL;
        if (attr == SIGMA_ATTR_CONDITION)
            return out_str(ir->condition, ir->condition_len, len_out);
        return ir->doc ? out_str(ir->doc->attrs[attr], ir->doc->attr_lens[attr], len_out) : NULL;
    }
}

uint32_t sigma_ruleset_rule_list_count(const sigma_ruleset *rs, uint32_t rule, uint32_t list)
{
    if (!rs || rule >= rs->nrules || list == 0 || list >= SG_NLISTS)
        return 0;
    const sg_intro_rule *ir = intro(rs, rule); /* NULL: only the tags are kept */
    if (list == SIGMA_LIST_TAGS)
        return rs->rules[rule].ntags;
    return ir && ir->doc ? (uint32_t)ir->doc->nlists[list] : 0;
}

const char *sigma_ruleset_rule_list_item(const sigma_ruleset *rs, uint32_t rule, uint32_t list,
                                         uint32_t i, size_t *len_out)
{
    if (i >= sigma_ruleset_rule_list_count(rs, rule, list))
        return NULL;
    if (list == SIGMA_LIST_TAGS)
        return out_z(rs->rules[rule].tags[i], len_out);
    return out_z(rs->rules[rule].intro->doc->lists[list][i], len_out);
}

/* ------------------------------------------------------------------ ATT&CK */

uint32_t sigma_ruleset_rule_tactic_count(const sigma_ruleset *rs, uint32_t rule)
{
    const sg_intro_rule *ir = intro(rs, rule);
    return ir ? ir->ntactics : 0;
}

int sigma_ruleset_rule_tactic(const sigma_ruleset *rs, uint32_t rule, uint32_t i,
                              uint32_t *tactic_out)
{
    const sg_intro_rule *ir = intro(rs, rule);
    if (!ir || !tactic_out || i >= ir->ntactics)
        return SIGMA_E_INVALID_ARG;
    *tactic_out = ir->tactics[i];
    return SIGMA_OK;
}

uint32_t sigma_ruleset_rule_technique_count(const sigma_ruleset *rs, uint32_t rule)
{
    const sg_intro_rule *ir = intro(rs, rule);
    return ir ? ir->ntechniques : 0;
}

const char *sigma_ruleset_rule_technique(const sigma_ruleset *rs, uint32_t rule, uint32_t i,
                                         size_t *len_out)
{
    const sg_intro_rule *ir = intro(rs, rule);
    return ir && i < ir->ntechniques ? out_z(ir->techniques[i], len_out) : NULL;
}

/* ---------------------------------------------------------------- coverage */

uint32_t sigma_ruleset_rule_coverage_count(const sigma_ruleset *rs, uint32_t rule)
{
    const sg_intro_rule *ir = intro(rs, rule);
    return ir ? ir->ncoverage : 0;
}

int sigma_ruleset_rule_coverage(const sigma_ruleset *rs, uint32_t rule, uint32_t i,
                                sigma_coverage_info *info)
{
    const sg_intro_rule *ir = intro(rs, rule);
    if (!ir || !info || i >= ir->ncoverage)
        return SIGMA_E_INVALID_ARG;
    if (info->size < offsetof(sigma_coverage_info, title))
        return SIGMA_E_SIZE;
    const sg_map_entry *e = rs->routing.routes[ir->coverage[2 * i]].entry;
    const sg_map_coverage *c = &e->coverage[ir->coverage[2 * i + 1]];
    SET_IF_FITS(sigma_coverage_info, info, provider, c->provider);
    SET_IF_FITS(sigma_coverage_info, info, event_id, c->event_id);
    SET_IF_FITS(sigma_coverage_info, info, title, c->title);
    SET_IF_FITS(sigma_coverage_info, info, channel, sg_intro_entry_channel(e));
    SET_IF_FITS(sigma_coverage_info, info, product, e->product);
    SET_IF_FITS(sigma_coverage_info, info, category, e->category);
    SET_IF_FITS(sigma_coverage_info, info, service, e->service);
    return SIGMA_OK;
}

/* ------------------------------------------------------ stages, predicates */

uint32_t sigma_ruleset_rule_stage_count(const sigma_ruleset *rs, uint32_t rule)
{
    const sg_intro_rule *ir = intro(rs, rule);
    return ir ? ir->nstages : 0;
}

int sigma_ruleset_rule_stage(const sigma_ruleset *rs, uint32_t rule, uint32_t stage,
                             sigma_stage_info *info)
{
    const sg_intro_rule *ir = intro(rs, rule);
    if (!ir || !info || stage >= ir->nstages)
        return SIGMA_E_INVALID_ARG;
    if (info->size < offsetof(sigma_stage_info, name))
        return SIGMA_E_SIZE;
    const sg_intro_stage *s = &ir->stages[stage];
    SET_IF_FITS(sigma_stage_info, info, kind, s->kind);
    SET_IF_FITS(sigma_stage_info, info, name, s->name);
    SET_IF_FITS(sigma_stage_info, info, text, s->text);
    SET_IF_FITS(sigma_stage_info, info, predicate_count, s->nitems);
    SET_IF_FITS(sigma_stage_info, info, filter, s->filter);
    return SIGMA_OK;
}

const char *sigma_pred_kind_name(uint32_t kind)
{
    static const char *const names[] = {"unknown",  "equals",   "contains", "startswith",
                                        "endswith", "re",       "cidr",     "gt",
                                        "gte",      "lt",       "lte",      "exists",
                                        "null",     "fieldref", "keyword",  "timepart"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

static const sg_intro_item *item_at(const sigma_ruleset *rs, uint32_t rule, uint32_t stage,
                                    uint32_t pred)
{
    const sg_intro_rule *ir = intro(rs, rule);
    if (!ir || stage >= ir->nstages || pred >= ir->stages[stage].nitems)
        return NULL;
    return &ir->stages[stage].items[pred];
}

static void fill_pred(const sg_intro_item *it, sigma_predicate_info *info)
{
    SET_IF_FITS(sigma_predicate_info, info, field, it->field);
    SET_IF_FITS(sigma_predicate_info, info, kind, it->kind);
    SET_IF_FITS(sigma_predicate_info, info, modifiers, it->mods);
    SET_IF_FITS(sigma_predicate_info, info, value_count, it->nvalues);
    SET_IF_FITS(sigma_predicate_info, info, all, it->all);
    SET_IF_FITS(sigma_predicate_info, info, negated, it->negated);
    SET_IF_FITS(sigma_predicate_info, info, group, it->group);
}

int sigma_ruleset_rule_predicate(const sigma_ruleset *rs, uint32_t rule, uint32_t stage,
                                 uint32_t pred, sigma_predicate_info *info)
{
    const sg_intro_item *it = item_at(rs, rule, stage, pred);
    if (!it || !info)
        return SIGMA_E_INVALID_ARG;
    if (info->size < offsetof(sigma_predicate_info, field))
        return SIGMA_E_SIZE;
    fill_pred(it, info);
    return SIGMA_OK;
}

const char *sigma_ruleset_rule_predicate_value(const sigma_ruleset *rs, uint32_t rule,
                                               uint32_t stage, uint32_t pred, uint32_t v,
                                               size_t *len_out)
{
    const sg_intro_item *it = item_at(rs, rule, stage, pred);
    if (!it || v >= it->nvalues)
        return NULL;
    return out_str(it->values[v].text, it->values[v].len, len_out);
}

/* 1 if the rule's own program (not its filters') uses predicate `id`: then the rule is
 * one of the predicate's `users`. */
static int rule_uses(const sigma_ruleset *rs, uint32_t rule, uint32_t id)
{
    const sg_prog_node *p = &rs->prog[rs->progs[rule].start];
    uint32_t len = rs->progs[rule].len;
    if (len && rs->rules[rule].nfilters) { /* (rule) and (filter 1) ...: the rule's subtree only */
        p++;
        len = p->size;
    }
    for (uint32_t k = 0; k < len; k++)
        if (p[k].kind == SG_X_PRED && p[k].arg == id)
            return 1;
    return 0;
}

uint32_t sigma_ruleset_rule_predicate_value_users(const sigma_ruleset *rs, uint32_t rule,
                                                  uint32_t stage, uint32_t pred, uint32_t v)
{
    const sg_intro_item *it = item_at(rs, rule, stage, pred);
    if (!it || v >= it->nvalues || it->values[v].pred == UINT32_MAX)
        return 0;
    uint32_t id = it->values[v].pred, users = rs->preds[id].users;
    return users && rule_uses(rs, rule, id) ? users - 1 : users;
}

/* -------------------------------------------------------------- indicators */

uint32_t sigma_ruleset_rule_indicator_count(const sigma_ruleset *rs, uint32_t rule)
{
    const sg_intro_rule *ir = intro(rs, rule);
    return ir ? ir->nindicators : 0;
}

int sigma_ruleset_rule_indicator(const sigma_ruleset *rs, uint32_t rule, uint32_t i,
                                 sigma_indicator_info *info)
{
    const sg_intro_rule *ir = intro(rs, rule);
    if (!ir || !info || i >= ir->nindicators)
        return SIGMA_E_INVALID_ARG;
    if (info->size < offsetof(sigma_indicator_info, field))
        return SIGMA_E_SIZE;
    const sg_indicator *x = &ir->indicators[i];
    const sg_intro_item *it = &ir->stages[x->stage].items[x->item];
    uint32_t corpus = 0;
    if (info->size >= offsetof(sigma_indicator_info, corpus) + sizeof info->corpus) {
        const uint32_t *counts = sg_intro_corpus(rs); /* computed on the first request */
        if (!counts)
            return SIGMA_E_NOMEM;
        corpus = counts[ir->row0 + i];
    }
    SET_IF_FITS(sigma_indicator_info, info, field, it->field);
    SET_IF_FITS(sigma_indicator_info, info, kind, it->kind);
    SET_IF_FITS(sigma_indicator_info, info, modifiers, it->mods);
    SET_IF_FITS(sigma_indicator_info, info, value_count, it->nvalues);
    SET_IF_FITS(sigma_indicator_info, info, corpus, corpus);
    SET_IF_FITS(sigma_indicator_info, info, stage, x->stage);
    SET_IF_FITS(sigma_indicator_info, info, pred, x->item);
    return SIGMA_OK;
}

const char *sigma_ruleset_rule_indicator_value(const sigma_ruleset *rs, uint32_t rule, uint32_t i,
                                               uint32_t v, size_t *len_out)
{
    const sg_intro_rule *ir = intro(rs, rule);
    if (!ir || i >= ir->nindicators)
        return NULL;
    const sg_indicator *x = &ir->indicators[i];
    return sigma_ruleset_rule_predicate_value(rs, rule, x->stage, x->item, v, len_out);
}

/* --------------------------------------------------------------- relations */

uint32_t sigma_ruleset_rule_ref_count(const sigma_ruleset *rs, uint32_t rule)
{
    const sg_intro_rule *ir = intro(rs, rule);
    return ir ? ir->nrefs : 0;
}

uint32_t sigma_ruleset_rule_ref(const sigma_ruleset *rs, uint32_t rule, uint32_t i)
{
    const sg_intro_rule *ir = intro(rs, rule);
    return ir && i < ir->nrefs ? ir->refs[i] : UINT32_MAX;
}

uint32_t sigma_ruleset_rule_referrer_count(const sigma_ruleset *rs, uint32_t rule)
{
    const sg_intro_rule *ir = intro(rs, rule);
    return ir ? ir->nreferrers : 0;
}

uint32_t sigma_ruleset_rule_referrer(const sigma_ruleset *rs, uint32_t rule, uint32_t i)
{
    const sg_intro_rule *ir = intro(rs, rule);
    return ir && i < ir->nreferrers ? ir->referrers[i] : UINT32_MAX;
}
