/* Capturing what a rule document says, while its YAML tree is alive, for the
 * attributes the compiled rule (sg_rule) does not keep. */
#include <string.h>

#include "introspect/introspect.h"
#include "sigma/sigma.h"

static void keep(sg_arena *a, sg_rule_doc *d, uint32_t attr, const char *s, size_t len, int *oom)
{
    if (!s)
        return;
    d->attrs[attr] = sg_arena_strndup(a, s, len);
    d->attr_lens[attr] = len;
    *oom |= d->attrs[attr] == NULL;
}

static void keep_z(sg_arena *a, sg_rule_doc *d, uint32_t attr, const char *s, int *oom)
{
    if (s)
        keep(a, d, attr, s, strlen(s), oom);
}

static void keep_list(sg_arena *a, sg_rule_doc *d, uint32_t list, const char *const *items,
                      size_t n, int *oom)
{
    if (!n)
        return;
    const char **to = sg_arena_alloc(a, n * sizeof *to);
    if (!to) {
        *oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        to[i] = sg_arena_strndup(a, items[i], strlen(items[i]));
        *oom |= to[i] == NULL;
    }
    d->lists[list] = to;
    d->nlists[list] = n;
}

/* The document's text without its leading "---" start marker line, if any. */
static const char *skip_marker(const char *yaml, size_t *len)
{
    if (*len >= 3 && memcmp(yaml, "---", 3) == 0 &&
        (*len == 3 || yaml[3] == '\n' || yaml[3] == '\r' || yaml[3] == ' ' || yaml[3] == '\t')) {
        const char *nl = memchr(yaml, '\n', *len);
        size_t skip = nl ? (size_t)(nl - yaml) + 1 : *len;
        *len -= skip;
        return yaml + skip;
    }
    return yaml;
}

sg_rule_doc *sg_rule_doc_detection(sg_arena *a, const sg_rule_meta *m, const char *yaml, size_t len)
{
    sg_rule_doc *d = sg_arena_alloc(a, sizeof *d);
    if (!d)
        return NULL;
    int oom = 0;
    keep_z(a, d, SIGMA_ATTR_AUTHOR, m->author, &oom);
    keep_z(a, d, SIGMA_ATTR_DATE, m->date, &oom);
    keep_z(a, d, SIGMA_ATTR_MODIFIED, m->modified, &oom);
    keep_z(a, d, SIGMA_ATTR_LICENSE, m->license, &oom);
    keep_z(a, d, SIGMA_ATTR_TAXONOMY, m->taxonomy, &oom);
    keep_z(a, d, SIGMA_ATTR_LOGSOURCE_DEFINITION, m->ls_definition, &oom);
    yaml = skip_marker(yaml, &len);
    keep(a, d, SIGMA_ATTR_YAML, yaml, len, &oom);
    keep_list(a, d, SIGMA_LIST_REFERENCES, m->references.items, m->references.n, &oom);
    keep_list(a, d, SIGMA_LIST_FALSEPOSITIVES, m->falsepositives.items, m->falsepositives.n, &oom);
    keep_list(a, d, SIGMA_LIST_FIELDS, m->fields.items, m->fields.n, &oom);
    return oom ? NULL : d;
}

sg_rule_doc *sg_rule_doc_correlation(sg_arena *a, const char *type, const char *author,
                                     const char *date, const char *modified,
                                     const char *const *rules, size_t nrules, const char *yaml,
                                     size_t len)
{
    sg_rule_doc *d = sg_arena_alloc(a, sizeof *d);
    if (!d)
        return NULL;
    int oom = 0;
    keep_z(a, d, SIGMA_ATTR_CORRELATION_TYPE, type, &oom);
    keep_z(a, d, SIGMA_ATTR_AUTHOR, author, &oom);
    keep_z(a, d, SIGMA_ATTR_DATE, date, &oom);
    keep_z(a, d, SIGMA_ATTR_MODIFIED, modified, &oom);
    yaml = skip_marker(yaml, &len);
    keep(a, d, SIGMA_ATTR_YAML, yaml, len, &oom);
    if (nrules) {
        d->corr_rules = sg_arena_alloc(a, nrules * sizeof *d->corr_rules);
        oom |= d->corr_rules == NULL;
        for (size_t i = 0; !oom && i < nrules; i++) {
            d->corr_rules[i] = sg_arena_strndup(a, rules[i], strlen(rules[i]));
            oom |= d->corr_rules[i] == NULL;
        }
        d->ncorr_rules = nrules;
    }
    return oom ? NULL : d;
}
