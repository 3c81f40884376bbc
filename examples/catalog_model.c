/* catalog_model.c - fills a catalog page from libsigma's introspection API.
 *
 * Everything a page shows comes from the ruleset: metadata and the rule's YAML
 * text, ATT&CK tactics and techniques (names from --attack-names), the event
 * coverage of the logsource mapping, the stages with their predicates and the
 * indicators with their corpus counts. Strings are copied, so the page does not
 * depend on the ruleset's lifetime.
 */
#include "catalog_model.h"

#include "catalog_buf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        tb_die_nomem();
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *dup_or_null(const char *s)
{
    return s ? dup_n(s, strlen(s)) : NULL;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        tb_die_nomem();
    return p;
}

static char *attr(const sigma_ruleset *rs, uint32_t rule, uint32_t a)
{
    size_t len = 0;
    const char *s = sigma_ruleset_rule_attr(rs, rule, a, &len);
    return s ? dup_n(s, len) : NULL;
}

static void list(const sigma_ruleset *rs, uint32_t rule, uint32_t which, cat_strs *out)
{
    uint32_t n = sigma_ruleset_rule_list_count(rs, rule, which);
    out->items = xcalloc(n, sizeof *out->items);
    out->count = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = 0;
        const char *s = sigma_ruleset_rule_list_item(rs, rule, which, i, &len);
        if (s)
            out->items[out->count++] = dup_n(s, len);
    }
}

static void strs_free(cat_strs *s)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->items[i]);
    free(s->items);
    s->items = NULL;
    s->count = 0;
}

static char *attack_name(const sigma_ruleset *rs, const char *id)
{
    size_t len = 0;
    const char *s = sigma_ruleset_attack_name(rs, id, SIGMA_NUL_TERMINATED, &len);
    return s ? dup_n(s, len) : NULL;
}

/* One row per (technique, tactic) pair the rule's tags name, technique by
 * technique: ATT&CK maps a technique to several tactics and the rule's tactic tags
 * say which it means (sigma_ruleset_rule_technique), so every technique of the rule
 * pairs with every tactic of the rule. A rule with tactics but no technique gets
 * one row per tactic, one with techniques but no tactic one row per technique.
 * The renderers show the rows of one technique as one table row. */
static void load_attack(const sigma_ruleset *rs, uint32_t rule, cat_page *p)
{
    uint32_t nt = sigma_ruleset_rule_tactic_count(rs, rule);
    uint32_t nq = sigma_ruleset_rule_technique_count(rs, rule);
    if (!nt && !nq)
        return;
    p->attack = xcalloc((size_t)(nt ? nt : 1) * (nq ? nq : 1), sizeof *p->attack);
    for (uint32_t q = 0; q < (nq ? nq : 1); q++) {
        const char *id = NULL;
        size_t id_len = 0;
        if (nq && !(id = sigma_ruleset_rule_technique(rs, rule, q, &id_len)))
            continue;
        for (uint32_t t = 0; t < (nt ? nt : 1); t++) {
            uint32_t tactic = UINT32_MAX;
            if (nt && sigma_ruleset_rule_tactic(rs, rule, t, &tactic) != SIGMA_OK)
                continue;
            cat_attack_row *r = &p->attack[p->n_attack++];
            if (tactic != UINT32_MAX) {
                r->tactic_id = dup_or_null(sigma_attack_tactic_id(tactic));
                r->tactic_name = dup_or_null(sigma_attack_tactic_name(tactic));
            }
            if (id) {
                r->technique_id = dup_n(id, id_len);
                r->technique_name = attack_name(rs, r->technique_id);
            }
        }
    }
}

static void load_events(const sigma_ruleset *rs, uint32_t rule, cat_page *p)
{
    uint32_t n = sigma_ruleset_rule_coverage_count(rs, rule);
    p->events = xcalloc(n, sizeof *p->events);
    for (uint32_t i = 0; i < n; i++) {
        sigma_coverage_info c;
        memset(&c, 0, sizeof c);
        c.size = sizeof c;
        if (sigma_ruleset_rule_coverage(rs, rule, i, &c) != SIGMA_OK)
            continue;
        cat_event_row *e = &p->events[p->n_events++];
        e->provider = dup_or_null(c.provider ? c.provider : c.channel);
        if (c.event_id >= 0) {
            char num[32];
            snprintf(num, sizeof num, "%" PRId64, c.event_id);
            e->event_id = dup_or_null(num);
        }
        e->title = dup_or_null(c.title);
    }
}

/* The Kind column: the modifier chain as written when it names the operator
 * ("contains|all", "base64offset|contains", "endswith|windash"), else the operator
 * followed by the chain ("equals|cased"), or the operator alone ("equals"). */
static char *kind_text(uint32_t kind, const char *modifiers)
{
    const char *name = kind == SIGMA_PRED_KEYWORD ? "keyword" : sigma_pred_kind_name(kind);
    const char *chain = modifiers ? modifiers : "";
    while (*chain == '|')
        chain++;
    if (!*chain)
        return dup_or_null(name);
    size_t nlen = strlen(name);
    for (const char *t = chain; *t;) {
        size_t tl = strcspn(t, "|");
        if (tl == nlen && strncmp(t, name, nlen) == 0)
            return dup_or_null(chain);
        t += tl;
        if (*t == '|')
            t++;
    }
    size_t n = nlen + 1 + strlen(chain) + 1;
    char *s = malloc(n);
    if (!s)
        tb_die_nomem();
    snprintf(s, n, "%s|%s", name, chain);
    return s;
}

static int load_stages(const sigma_ruleset *rs, uint32_t rule, cat_page *p)
{
    uint32_t n = sigma_ruleset_rule_stage_count(rs, rule);
    p->stages = xcalloc(n, sizeof *p->stages);
    for (uint32_t s = 0; s < n; s++) {
        sigma_stage_info si;
        memset(&si, 0, sizeof si);
        si.size = sizeof si;
        int rc = sigma_ruleset_rule_stage(rs, rule, s, &si);
        if (rc != SIGMA_OK)
            return rc;
        cat_stage *st = &p->stages[p->n_stages++];
        if (si.filter) {
            /* A filter applied to the rule: "filter <id>: <identifier>". */
            size_t len = strlen(si.filter) + strlen(si.name ? si.name : "") + 16;
            st->name = malloc(len);
            if (!st->name)
                tb_die_nomem();
            snprintf(st->name, len, "filter %s: %s", si.filter, si.name ? si.name : "");
        } else {
            st->name = dup_or_null(si.name ? si.name : "");
        }
        st->text = dup_or_null(si.text);
        st->preds = xcalloc(si.predicate_count, sizeof *st->preds);
        for (uint32_t k = 0; k < si.predicate_count; k++) {
            sigma_predicate_info pi;
            memset(&pi, 0, sizeof pi);
            pi.size = sizeof pi;
            rc = sigma_ruleset_rule_predicate(rs, rule, s, k, &pi);
            if (rc != SIGMA_OK)
                return rc;
            cat_predicate *pr = &st->preds[st->n_preds++];
            pr->field = dup_or_null(pi.field);
            pr->kind = kind_text(pi.kind, pi.modifiers);
            pr->group = pi.group;
            if (pi.group > 0)
                st->grouped = 1;
            pr->values.items = xcalloc(pi.value_count, sizeof *pr->values.items);
            for (uint32_t v = 0; v < pi.value_count; v++) {
                size_t len = 0;
                const char *val = sigma_ruleset_rule_predicate_value(rs, rule, s, k, v, &len);
                if (val)
                    pr->values.items[pr->values.count++] = dup_n(val, len);
            }
        }
    }
    return SIGMA_OK;
}

static int load_indicators(const sigma_ruleset *rs, uint32_t rule, cat_page *p)
{
    uint32_t n = sigma_ruleset_rule_indicator_count(rs, rule);
    p->indicators = xcalloc(n, sizeof *p->indicators);
    for (uint32_t i = 0; i < n; i++) {
        sigma_indicator_info ii;
        memset(&ii, 0, sizeof ii);
        ii.size = sizeof ii;
        int rc = sigma_ruleset_rule_indicator(rs, rule, i, &ii);
        if (rc != SIGMA_OK)
            return rc;
        cat_indicator *ind = &p->indicators[p->n_indicators++];
        ind->field = dup_or_null(ii.field);
        ind->kind = kind_text(ii.kind, ii.modifiers);
        ind->corpus = ii.corpus;
        ind->values.items = xcalloc(ii.value_count, sizeof *ind->values.items);
        for (uint32_t v = 0; v < ii.value_count; v++) {
            size_t len = 0;
            const char *val = sigma_ruleset_rule_indicator_value(rs, rule, i, v, &len);
            if (val)
                ind->values.items[ind->values.count++] = dup_n(val, len);
        }
    }
    return SIGMA_OK;
}

/* "Title (id)" of rule `r`, for relation lists. */
static char *rule_label(const sigma_ruleset *rs, uint32_t r)
{
    const char *title = sigma_ruleset_rule_attr(rs, r, SIGMA_ATTR_TITLE, NULL);
    const char *id = sigma_ruleset_rule_attr(rs, r, SIGMA_ATTR_ID, NULL);
    if (!id)
        id = sigma_ruleset_rule_attr(rs, r, SIGMA_ATTR_NAME, NULL);
    if (!title)
        return dup_or_null(id ? id : "(unnamed rule)");
    if (!id)
        return dup_or_null(title);
    size_t n = strlen(title) + strlen(id) + 4;
    char *s = malloc(n);
    if (!s)
        tb_die_nomem();
    snprintf(s, n, "%s (%s)", title, id);
    return s;
}

static void load_relations(const sigma_ruleset *rs, uint32_t rule, cat_page *p)
{
    p->correlation_type = attr(rs, rule, SIGMA_ATTR_CORRELATION_TYPE);
    uint32_t n = sigma_ruleset_rule_ref_count(rs, rule);
    p->correlates.items = xcalloc(n, sizeof *p->correlates.items);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sigma_ruleset_rule_ref(rs, rule, i);
        if (r != UINT32_MAX)
            p->correlates.items[p->correlates.count++] = rule_label(rs, r);
    }
    n = sigma_ruleset_rule_referrer_count(rs, rule);
    p->referrers.items = xcalloc(n, sizeof *p->referrers.items);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sigma_ruleset_rule_referrer(rs, rule, i);
        if (r != UINT32_MAX)
            p->referrers.items[p->referrers.count++] = rule_label(rs, r);
    }
}

int cat_page_load(const sigma_ruleset *rs, uint32_t rule, cat_page *p)
{
    memset(p, 0, sizeof *p);
    if (rule >= sigma_ruleset_rule_count(rs))
        return SIGMA_E_INVALID_ARG;
    p->rule = rule;
    p->id = attr(rs, rule, SIGMA_ATTR_ID);
    p->title = attr(rs, rule, SIGMA_ATTR_TITLE);
    if (!p->title)
        p->title = attr(rs, rule, SIGMA_ATTR_NAME);
    p->description = attr(rs, rule, SIGMA_ATTR_DESCRIPTION);
    p->status = attr(rs, rule, SIGMA_ATTR_STATUS);
    p->level = attr(rs, rule, SIGMA_ATTR_LEVEL);
    p->author = attr(rs, rule, SIGMA_ATTR_AUTHOR);
    p->date = attr(rs, rule, SIGMA_ATTR_DATE);
    p->modified = attr(rs, rule, SIGMA_ATTR_MODIFIED);
    p->product = attr(rs, rule, SIGMA_ATTR_LOGSOURCE_PRODUCT);
    p->category = attr(rs, rule, SIGMA_ATTR_LOGSOURCE_CATEGORY);
    p->service = attr(rs, rule, SIGMA_ATTR_LOGSOURCE_SERVICE);
    p->source = attr(rs, rule, SIGMA_ATTR_SOURCE_NAME);
    p->yaml = attr(rs, rule, SIGMA_ATTR_YAML);
    list(rs, rule, SIGMA_LIST_REFERENCES, &p->references);
    list(rs, rule, SIGMA_LIST_FALSEPOSITIVES, &p->falsepositives);
    list(rs, rule, SIGMA_LIST_TAGS, &p->tags);
    load_attack(rs, rule, p);
    load_events(rs, rule, p);
    load_relations(rs, rule, p);
    int rc = load_stages(rs, rule, p);
    if (rc == SIGMA_OK)
        rc = load_indicators(rs, rule, p);
    if (rc != SIGMA_OK)
        cat_page_free(p);
    return rc;
}

static void free_heavy(cat_page *p)
{
    free(p->description);
    free(p->author);
    free(p->date);
    free(p->modified);
    free(p->source);
    free(p->yaml);
    p->description = p->author = p->date = p->modified = p->source = p->yaml = NULL;
    strs_free(&p->references);
    strs_free(&p->falsepositives);
    strs_free(&p->tags);
    strs_free(&p->correlates);
    strs_free(&p->referrers);
    free(p->correlation_type);
    p->correlation_type = NULL;
    for (size_t i = 0; i < p->n_events; i++) {
        free(p->events[i].provider);
        free(p->events[i].event_id);
        free(p->events[i].title);
    }
    free(p->events);
    p->events = NULL;
    p->n_events = 0;
    for (size_t s = 0; s < p->n_stages; s++) {
        cat_stage *st = &p->stages[s];
        for (size_t k = 0; k < st->n_preds; k++) {
            free(st->preds[k].field);
            free(st->preds[k].kind);
            strs_free(&st->preds[k].values);
        }
        free(st->preds);
        free(st->name);
        free(st->text);
    }
    free(p->stages);
    p->stages = NULL;
    p->n_stages = 0;
    for (size_t i = 0; i < p->n_indicators; i++) {
        free(p->indicators[i].field);
        free(p->indicators[i].kind);
        strs_free(&p->indicators[i].values);
    }
    free(p->indicators);
    p->indicators = NULL;
    p->n_indicators = 0;
}

void cat_page_trim(cat_page *p)
{
    free_heavy(p);
}

void cat_page_free(cat_page *p)
{
    free_heavy(p);
    for (size_t i = 0; i < p->n_attack; i++) {
        free(p->attack[i].tactic_id);
        free(p->attack[i].tactic_name);
        free(p->attack[i].technique_id);
        free(p->attack[i].technique_name);
    }
    free(p->attack);
    free(p->id);
    free(p->title);
    free(p->status);
    free(p->level);
    free(p->product);
    free(p->category);
    free(p->service);
    free(p->file);
    memset(p, 0, sizeof *p);
}

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

size_t cat_attack_group_end(const cat_page *p, size_t i)
{
    size_t j = i + 1;
    while (j < p->n_attack && same_str(p->attack[j].technique_id, p->attack[i].technique_id))
        j++;
    return j;
}

char *cat_tactics_text(const cat_page *p)
{
    text_buf b = {NULL, 0, 0};
    tb_add(&b, "", 0);
    size_t end = p->n_attack ? cat_attack_group_end(p, 0) : 0;
    for (size_t i = 0; i < end; i++) {
        const cat_attack_row *r = &p->attack[i];
        const char *t = r->tactic_name ? r->tactic_name : r->tactic_id;
        if (!t)
            continue;
        if (b.len)
            tb_adds(&b, ", ");
        tb_adds(&b, t);
    }
    return b.data;
}

char *cat_logsource_text(const cat_page *p)
{
    const char *parts[] = {p->product, p->category, p->service};
    size_t n = 1;
    for (size_t i = 0; i < 3; i++)
        if (parts[i])
            n += strlen(parts[i]) + 3;
    char *s = malloc(n);
    if (!s)
        tb_die_nomem();
    s[0] = '\0';
    for (size_t i = 0; i < 3; i++) {
        if (!parts[i] || !*parts[i])
            continue;
        if (s[0])
            strcat(s, " / ");
        strcat(s, parts[i]);
    }
    return s;
}
