/* Capturing what a rule document says, while its YAML tree is alive, for the
 * attributes the compiled rule (sg_rule) does not keep. The capture is one exact-size
 * block, shared (reference counted) by the builder's loaded rule and every ruleset
 * built from it, so the rule's YAML text exists once however many rulesets hold it. */
#include <stdlib.h>
#include <string.h>

#include "introspect/introspect.h"
#include "sigma/sigma.h"

/* What to capture: attributes as (text, length), lists of NUL-terminated items. */
typedef struct doc_src {
    const char *attrs[SG_NATTRS];
    size_t lens[SG_NATTRS];
    const char *const *lists[SG_NLISTS + 1]; /* [SG_NLISTS]: the correlation's rules */
    size_t nlists[SG_NLISTS + 1];
} doc_src;

static void attr_z(doc_src *s, uint32_t attr, const char *v)
{
    s->attrs[attr] = v;
    s->lens[attr] = v ? strlen(v) : 0;
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

static char *put(char **at, const char *s, size_t len)
{
    char *p = *at;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    *at += len + 1;
    return p;
}

/* One malloc: the struct, then the list pointer arrays, then every string. */
static sg_rule_doc *make(const doc_src *s)
{
    size_t nptrs = 0, nchars = 0;
    for (int a = 0; a < SG_NATTRS; a++)
        nchars += s->attrs[a] ? s->lens[a] + 1 : 0;
    for (int l = 0; l <= SG_NLISTS; l++) {
        nptrs += s->nlists[l];
        for (size_t i = 0; i < s->nlists[l]; i++)
            nchars += strlen(s->lists[l][i]) + 1;
    }
    sg_rule_doc *d = malloc(sizeof *d + nptrs * sizeof(char *) + nchars);
    if (!d)
        return NULL;
    memset(d, 0, sizeof *d);
    atomic_init(&d->refs, 1);
    const char **ptrs = (const char **)(d + 1);
    char *chars = (char *)(ptrs + nptrs);
    for (int a = 0; a < SG_NATTRS; a++)
        if (s->attrs[a]) {
            d->attrs[a] = put(&chars, s->attrs[a], s->lens[a]);
            d->attr_lens[a] = s->lens[a];
        }
    for (int l = 0; l <= SG_NLISTS; l++) {
        if (!s->nlists[l])
            continue;
        const char **to = ptrs;
        ptrs += s->nlists[l];
        for (size_t i = 0; i < s->nlists[l]; i++)
            to[i] = put(&chars, s->lists[l][i], strlen(s->lists[l][i]));
        if (l < SG_NLISTS) {
            d->lists[l] = to;
            d->nlists[l] = s->nlists[l];
        } else {
            d->corr_rules = to;
            d->ncorr_rules = s->nlists[l];
        }
    }
    return d;
}

sg_rule_doc *sg_rule_doc_detection(const sg_rule_meta *m, const char *yaml, size_t len)
{
    doc_src s;
    memset(&s, 0, sizeof s);
    attr_z(&s, SIGMA_ATTR_AUTHOR, m->author);
    attr_z(&s, SIGMA_ATTR_DATE, m->date);
    attr_z(&s, SIGMA_ATTR_MODIFIED, m->modified);
    attr_z(&s, SIGMA_ATTR_LICENSE, m->license);
    attr_z(&s, SIGMA_ATTR_TAXONOMY, m->taxonomy);
    attr_z(&s, SIGMA_ATTR_LOGSOURCE_DEFINITION, m->ls_definition);
    s.attrs[SIGMA_ATTR_YAML] = skip_marker(yaml, &len);
    s.lens[SIGMA_ATTR_YAML] = len;
    s.lists[SIGMA_LIST_REFERENCES] = m->references.items;
    s.nlists[SIGMA_LIST_REFERENCES] = m->references.n;
    s.lists[SIGMA_LIST_FALSEPOSITIVES] = m->falsepositives.items;
    s.nlists[SIGMA_LIST_FALSEPOSITIVES] = m->falsepositives.n;
    s.lists[SIGMA_LIST_FIELDS] = m->fields.items;
    s.nlists[SIGMA_LIST_FIELDS] = m->fields.n;
    return make(&s);
}

sg_rule_doc *sg_rule_doc_correlation(const char *type, const char *author, const char *date,
                                     const char *modified, const char *const *rules, size_t nrules,
                                     const char *yaml, size_t len)
{
    doc_src s;
    memset(&s, 0, sizeof s);
    attr_z(&s, SIGMA_ATTR_CORRELATION_TYPE, type);
    attr_z(&s, SIGMA_ATTR_AUTHOR, author);
    attr_z(&s, SIGMA_ATTR_DATE, date);
    attr_z(&s, SIGMA_ATTR_MODIFIED, modified);
    s.attrs[SIGMA_ATTR_YAML] = skip_marker(yaml, &len);
    s.lens[SIGMA_ATTR_YAML] = len;
    s.lists[SG_NLISTS] = rules;
    s.nlists[SG_NLISTS] = nrules;
    return make(&s);
}

sg_rule_doc *sg_rule_doc_ref(sg_rule_doc *d)
{
    if (d)
        atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
    return d;
}

void sg_rule_doc_unref(sg_rule_doc *d)
{
    if (d && atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) == 1)
        free(d);
}
