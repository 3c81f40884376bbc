/* Getters of a correlation match and the ruleset-level correlation queries. */
#include "compile/ruleset.h"
#include "correlation/correlator.h"

uint32_t sigma_correlation_match_rule(const sigma_correlation_match *m)
{
    return m ? m->cc->rule : UINT32_MAX;
}

uint32_t sigma_correlation_match_group_count(const sigma_correlation_match *m)
{
    return m ? m->cc->ngroup : 0;
}

const char *sigma_correlation_match_group_field(const sigma_correlation_match *m, uint32_t i)
{
    return m && i < m->cc->ngroup ? m->cc->group_names[i] : NULL;
}

const char *sigma_correlation_match_group_value(const sigma_correlation_match *m, uint32_t i,
                                                size_t *len_out)
{
    if (!m || i >= m->cc->ngroup) {
        if (len_out)
            *len_out = 0;
        return NULL;
    }
    if (len_out)
        *len_out = m->glen[i];
    return m->gval[i];
}

double sigma_correlation_match_value(const sigma_correlation_match *m)
{
    return m ? m->value : 0;
}

int64_t sigma_correlation_match_first_time(const sigma_correlation_match *m)
{
    return m ? m->first : 0;
}

int64_t sigma_correlation_match_last_time(const sigma_correlation_match *m)
{
    return m ? m->last : 0;
}

uint64_t sigma_correlation_match_event_total(const sigma_correlation_match *m)
{
    return m ? m->total : 0;
}

uint32_t sigma_correlation_match_event_ref_count(const sigma_correlation_match *m)
{
    return m ? m->nrefs : 0;
}

uint64_t sigma_correlation_match_event_ref(const sigma_correlation_match *m, uint32_t i)
{
    return m && i < m->nrefs ? m->refs[i] : UINT64_MAX;
}

int sigma_ruleset_rule_alerts(const sigma_ruleset *rs, uint32_t rule)
{
    if (!rs || rule >= rs->nrules)
        return -1;
    return rs->corr ? rs->corr->alerts[rule] : 1;
}

uint32_t sigma_ruleset_correlation_count(const sigma_ruleset *rs)
{
    return rs && rs->corr ? rs->corr->n : 0;
}

const char *sigma_ruleset_correlation_type(const sigma_ruleset *rs, uint32_t rule)
{
    if (!rs || !rs->corr || rule >= rs->nrules || rs->corr->corr_of_rule[rule] == UINT32_MAX)
        return NULL;
    return sg_corr_type_name(rs->corr->corrs[rs->corr->corr_of_rule[rule]].type);
}
