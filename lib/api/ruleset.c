/* Read-only access to the compiled ruleset's rule metadata. */
#include <string.h>

#include "compile/ruleset.h"

uint32_t sigma_ruleset_rule_count(const sigma_ruleset *rs)
{
    return rs ? rs->nrules : 0;
}

/* Writes `value` into the struct member at `offset` if the caller's struct has it. */
#define SET_IF_FITS(info, member, value)                                                           \
    do {                                                                                           \
        if ((info)->size >= offsetof(sigma_rule_info, member) + sizeof((info)->member))            \
            (info)->member = (value);                                                              \
    } while (0)

int sigma_ruleset_rule_info(const sigma_ruleset *rs, uint32_t rule, sigma_rule_info *info)
{
    if (!rs || !info || rule >= rs->nrules)
        return SIGMA_E_INVALID_ARG;
    if (info->size < offsetof(sigma_rule_info, title))
        return SIGMA_E_SIZE;
    const sg_rule *r = &rs->rules[rule];
    SET_IF_FITS(info, id, r->id);
    SET_IF_FITS(info, title, r->title);
    SET_IF_FITS(info, level, r->level);
    SET_IF_FITS(info, status, r->status);
    SET_IF_FITS(info, source_name, r->source);
    SET_IF_FITS(info, logsource_product, r->ls_product);
    SET_IF_FITS(info, logsource_category, r->ls_category);
    SET_IF_FITS(info, logsource_service, r->ls_service);
    SET_IF_FITS(info, tag_count, r->ntags);
    SET_IF_FITS(info, kind, r->kind);
    SET_IF_FITS(info, name, r->name);
    SET_IF_FITS(info, description, r->description);
    SET_IF_FITS(info, filter_count, r->nfilters);
    return SIGMA_OK;
}

const char *sigma_ruleset_rule_filter(const sigma_ruleset *rs, uint32_t rule, uint32_t i)
{
    if (!rs || rule >= rs->nrules || i >= rs->rules[rule].nfilters)
        return NULL;
    return rs->rules[rule].filters[i];
}

const char *sigma_ruleset_rule_tag(const sigma_ruleset *rs, uint32_t rule, uint32_t tag)
{
    if (!rs || rule >= rs->nrules || tag >= rs->rules[rule].ntags)
        return NULL;
    return rs->rules[rule].tags[tag];
}

int sigma_ruleset_find_rule(const sigma_ruleset *rs, const char *id, size_t id_len,
                            uint32_t *rule_out)
{
    if (!rs || !id || !rule_out)
        return SIGMA_E_INVALID_ARG;
    if (id_len == SIGMA_NUL_TERMINATED)
        id_len = strlen(id);
    for (int by_name = 0; by_name < 2; by_name++)
        for (uint32_t i = 0; i < rs->nrules; i++) {
            const char *s = by_name ? rs->rules[i].name : rs->rules[i].id;
            if (s && strlen(s) == id_len && memcmp(s, id, id_len) == 0) {
                *rule_out = i;
                return SIGMA_OK;
            }
        }
    return SIGMA_E_NOT_FOUND;
}

const char *sigma_ruleset_scan_isa(const sigma_ruleset *rs)
{
    static const char *const names[] = {"scalar", "avx2", "avx512"};
    return rs ? names[rs->index.scan_isa] : "scalar";
}

size_t sigma_ruleset_huge_page_bytes(const sigma_ruleset *rs)
{
    return rs ? rs->huge.used : 0;
}

uint32_t sigma_ruleset_field_count(const sigma_ruleset *rs)
{
    return rs ? rs->nfields : 0;
}

const char *sigma_ruleset_field_name(const sigma_ruleset *rs, uint32_t slot)
{
    return rs && slot < rs->nfields ? rs->field_names[slot] : NULL;
}

int sigma_ruleset_field_slot(const sigma_ruleset *rs, const char *name, size_t name_len,
                             uint32_t *slot_out)
{
    if (!rs || !name || !slot_out)
        return SIGMA_E_INVALID_ARG;
    if (name_len == SIGMA_NUL_TERMINATED)
        name_len = strlen(name);
    return sg_strmap_get(&rs->field_map, name, name_len, slot_out) ? SIGMA_OK : SIGMA_E_NOT_FOUND;
}
