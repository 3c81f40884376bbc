/* MITRE ATT&CK from rule tags: the enterprise tactics built in, technique ids parsed
 * from attack.tNNNN[.NNN] tags, technique names from caller-supplied TSV text. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "compile/ruleset.h"
#include "introspect/introspect.h"
#include "util/vec.h"

static const struct {
    const char *id, *name, *tag;
} tactics[] = {
    {"TA0043", "Reconnaissance", "reconnaissance"},
    {"TA0042", "Resource Development", "resource_development"},
    {"TA0001", "Initial Access", "initial_access"},
    {"TA0002", "Execution", "execution"},
    {"TA0003", "Persistence", "persistence"},
    {"TA0004", "Privilege Escalation", "privilege_escalation"},
    {"TA0005", "Defense Evasion", "defense_evasion"},
    /* Newer SigmaHQ rules tag attack.stealth (1,094 rules of the corpus) and
     * attack.defense-impairment (415) instead of defense-evasion. Their ATT&CK ids are
     * not built in (we could not confirm them), so the id is NULL; the name and tag
     * still make them tactics of the rule, the catalog's tables and its matrix. */
    {NULL, "Stealth", "stealth"},
    {NULL, "Defense Impairment", "defense_impairment"},
    {"TA0006", "Credential Access", "credential_access"},
    {"TA0007", "Discovery", "discovery"},
    {"TA0008", "Lateral Movement", "lateral_movement"},
    {"TA0009", "Collection", "collection"},
    {"TA0011", "Command and Control", "command_and_control"},
    {"TA0010", "Exfiltration", "exfiltration"},
    {"TA0040", "Impact", "impact"},
};
#define NTACTICS (sizeof tactics / sizeof tactics[0])

uint32_t sigma_attack_tactic_count(void)
{
    return (uint32_t)NTACTICS;
}

const char *sigma_attack_tactic_id(uint32_t i)
{
    return i < NTACTICS ? tactics[i].id : NULL;
}

const char *sigma_attack_tactic_name(uint32_t i)
{
    return i < NTACTICS ? tactics[i].name : NULL;
}

const char *sigma_attack_tactic_tag(uint32_t i)
{
    return i < NTACTICS ? tactics[i].tag : NULL;
}

/* "-" and "_" alike, ASCII case-insensitive. */
static int same_tag(const char *s, size_t len, const char *tag)
{
    size_t i = 0;
    for (; i < len && tag[i]; i++) {
        char a = (char)tolower((unsigned char)s[i]);
        if (a == '-')
            a = '_';
        if (a != tag[i])
            return 0;
    }
    return i == len && !tag[i];
}

int sg_attack_tactic_find(const char *s, size_t len)
{
    for (size_t i = 0; i < NTACTICS; i++)
        if (same_tag(s, len, tactics[i].tag))
            return (int)i;
    return -1;
}

/* Length of a technique id "tNNNN" or "tNNNN.NNN" (any case) at s, or 0. */
static size_t technique_len(const char *s, size_t len)
{
    if (len < 5 || (s[0] != 't' && s[0] != 'T'))
        return 0;
    for (size_t i = 1; i < 5; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    if (len == 5)
        return 5;
    if (len != 9 || s[5] != '.')
        return 0;
    for (size_t i = 6; i < 9; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 9;
}

/* Fills r->tactics and r->techniques from the rule's tags. 0 or -1. */
int sg_attack_rule_tags(sg_intro_rule *r, char *const *tags, uint32_t ntags)
{
    if (!ntags)
        return 0;
    r->tactics = sg_arena_alloc(r->arena, ntags * sizeof *r->tactics);
    r->techniques = sg_arena_alloc(r->arena, ntags * sizeof *r->techniques);
    if (!r->tactics || !r->techniques)
        return -1;
    for (uint32_t i = 0; i < ntags; i++) {
        const char *t = tags[i];
        size_t len = strlen(t);
        if (len < 7 || strncmp(t, "attack.", 7) != 0)
            continue;
        t += 7;
        len -= 7;
        int tac = sg_attack_tactic_find(t, len);
        if (tac >= 0) {
            uint32_t k = 0;
            while (k < r->ntactics && r->tactics[k] != (uint32_t)tac)
                k++;
            if (k == r->ntactics)
                r->tactics[r->ntactics++] = (uint32_t)tac;
            continue;
        }
        if (!technique_len(t, len))
            continue;
        char *id = sg_arena_strndup(r->arena, t, len);
        if (!id)
            return -1;
        for (char *p = id; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        uint32_t k = 0;
        while (k < r->ntechniques && strcmp(r->techniques[k], id) != 0)
            k++;
        if (k == r->ntechniques)
            r->techniques[r->ntechniques++] = id;
    }
    return 0;
}

/* ---------------------------------------------------------------- names */

/* Upper-case copy of a technique id into buf (at most 9 chars); its length or 0. */
static size_t upper_id(const char *s, size_t len, char *buf)
{
    if (!technique_len(s, len))
        return 0;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)toupper((unsigned char)s[i]);
    buf[len] = 0;
    return len;
}

static int put_name(sg_intro_set *s, const char *id, size_t idlen, const char *name, size_t namelen)
{
    char *k = sg_arena_strndup(&s->arena, id, idlen);
    char *v = sg_arena_strndup(&s->arena, name, namelen);
    size_t n = s->nnames, cap = s->names_cap;
    if (!k || !v || SG_PUSH(s->name_text, n, cap, (const char *)v) != 0)
        return -1;
    s->names_cap = cap;
    s->nnames = n;
    return sg_strmap_put(&s->names, k, idlen, (uint32_t)(n - 1));
}

int sg_attack_names_parse(sg_intro_set *s, const char *text, size_t len, sg_diag_ctx *dc)
{
    size_t at = 0;
    uint32_t line = 0;
    int bad = 0;
    while (at < len) {
        const char *l = text + at;
        const char *nl = memchr(l, '\n', len - at);
        size_t ll = nl ? (size_t)(nl - l) : len - at;
        at += ll + (nl ? 1 : 0);
        line++;
        if (ll && l[ll - 1] == '\r')
            ll--;
        if (ll == 0 || l[0] == '#')
            continue;
        const char *tab = memchr(l, '\t', ll);
        char id[10];
        size_t idlen = tab ? upper_id(l, (size_t)(tab - l), id) : 0;
        if (!idlen) {
            sg_pos p = {line, 1, UINT64_MAX};
            p.offset = (uint64_t)(l - text);
            if (dc)
                sg_error(dc, SIGMA_DIAG_BAD_ATTACK_NAMES, p,
                         tab ? "'%.*s' is not a technique id (T1234 or T1234.001)"
                             : "expected 'technique id<TAB>name', got '%.*s'",
                         (int)(tab ? (size_t)(tab - l) : (ll > 60 ? 60 : ll)), l);
            bad = 1;
            continue;
        }
        const char *name = tab + 1;
        size_t namelen = ll - (size_t)(name - l);
        while (namelen && (*name == ' ' || *name == '\t')) {
            name++;
            namelen--;
        }
        while (namelen && (name[namelen - 1] == ' ' || name[namelen - 1] == '\t'))
            namelen--;
        if (put_name(s, id, idlen, name, namelen) != 0)
            return -1;
    }
    return bad;
}

const char *sigma_ruleset_attack_name(const sigma_ruleset *rs, const char *id, size_t id_len,
                                      size_t *len_out)
{
    if (!rs || !id)
        return NULL;
    if (id_len == SIGMA_NUL_TERMINATED)
        id_len = strlen(id);
    const char *name = NULL;
    char buf[10];
    size_t n = upper_id(id, id_len, buf);
    uint32_t v;
    if (n && rs->intro && sg_strmap_get(&rs->intro->names, buf, n, &v))
        name = rs->intro->name_text[v];
    for (size_t i = 0; !n && !name && i < NTACTICS; i++)
        if ((id_len == 6 && toupper((unsigned char)id[0]) == 'T' &&
             toupper((unsigned char)id[1]) == 'A' && memcmp(id + 2, tactics[i].id + 2, 4) == 0) ||
            same_tag(id, id_len, tactics[i].tag))
            name = tactics[i].name;
    if (name && len_out)
        *len_out = strlen(name);
    return name;
}
