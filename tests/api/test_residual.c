/* Rules without a literal set evaluated through their residual program (the
 * program with its keyed predicates false, used by the index when none of their
 * keyed literals occurs in the event): negations, fieldrefs, keyword negations,
 * numbers, double negation, each in COPIES variants whose keyed literals carry a
 * suffix (as tests/bench/replicate_rules.py does), so that on one event some
 * copies are "touched" (their literal occurs: whole program) and the others are
 * not (residual). For every event the hits with the index must equal the hits of
 * SIGMA_MATCH_NO_INDEX, and the per-template hit counts must equal the expected
 * ones. COPIES * templates rules span several 64-rule words (the candidate loop's
 * groups of 4 words and its tail). Only <sigma/sigma.h> is used. */
#include <sigma/sigma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

enum { COPIES = 40 };

/* Detections with "@S" where a copy puts its suffix ("" for the original) and
 * "@N" where it puts its number. */
typedef struct template
{
    const char *name;
    const char *detection;
}
template;

static const template templates[] = {
    /* Residual: not (Image null or Image in ('-', '')); '-' and '' are not keyed. */
    {"not_ext", "    ext: {Image|endswith: ['.exe@S', '.scr@S']}\n"
                "    filter_main: {Image: ['System@S', 'Registry@S']}\n"
                "    filter_nul: {Image: null}\n"
                "    filter_emp: {Image: ['-', '']}\n"
                "    condition: not ext and not 1 of filter_*\n"},
    /* Residual: the fieldref alone. */
    {"self", "    sel: {Image|fieldref: ParentImage}\n"
             "    f: {Image|startswith: 'c:\\program files@S\\'}\n"
             "    condition: sel and not f\n"},
    /* Residual: constant true (always evaluated: matches an empty event). */
    {"no_mimi", "    sel: {CommandLine|contains: 'mimikatz@S'}\n    condition: not sel\n"},
    /* Keyword negation: residual constant true. */
    {"no_kw", "    keywords: ['evilthing@S']\n    condition: not keywords\n"},
    /* Double negation of a keyed predicate: residual constant false. */
    {"dbl", "    sel: {CommandLine|contains: 'powershell@S'}\n"
            "    nul: {Image: null}\n"
            "    condition: not (not sel or nul)\n"},
    /* Mixed: short (unkeyed) and keyed predicates under AND/OR/NOT. */
    {"mixed", "    a: {Image|endswith: '.exe@S'}\n"
              "    s: {User: 'ab'}\n"
              "    b: {CommandLine|contains: '-enc@S'}\n"
              "    condition: (not a or s) and not b\n"},
    /* A number: EventID 4688 in the original, 4688 + copy in the copies. */
    {"not_id", "    sel: {EventID: @N}\n    nul: {Image: null}\n"
               "    condition: not sel and not nul\n"},
    /* A literal set (no residual), for contrast. */
    {"renamed", "    sel: {OriginalFileName: ['cmd.exe@S', 'net.exe@S']}\n"
                "    filter: {Image|endswith: ['\\cmd.exe@S', '\\net.exe@S']}\n"
                "    condition: sel and not filter\n"},
};
enum { NT = sizeof templates / sizeof templates[0], NRULES = NT * COPIES };

static void suffix(char *buf, size_t cap, int copy)
{
    if (copy == 0)
        buf[0] = 0;
    else
        snprintf(buf, cap, "_x%d", copy);
}

/* Copies t to out (cap bytes) with "@S" -> sfx and "@N" -> num. */
static void expand(char *out, size_t cap, const char *t, const char *sfx, long num)
{
    size_t n = 0;
    for (; *t && n + 32 < cap; t++) {
        if (t[0] == '@' && t[1] == 'S') {
            n += (size_t)snprintf(out + n, cap - n, "%s", sfx);
            t++;
        } else if (t[0] == '@' && t[1] == 'N') {
            n += (size_t)snprintf(out + n, cap - n, "%ld", num);
            t++;
        } else {
            out[n++] = *t;
        }
    }
    out[n] = 0;
}

static sigma_ruleset *build(void)
{
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    if (sigma_builder_new(NULL, &b) != SIGMA_OK)
        return NULL;
    for (int copy = 0; copy < COPIES; copy++)
        for (size_t t = 0; t < NT; t++) {
            char sfx[16], det[2048], yaml[4096];
            suffix(sfx, sizeof sfx, copy);
            expand(det, sizeof det, templates[t].detection, sfx, 4688 + copy * 1000000L);
            snprintf(yaml, sizeof yaml,
                     "title: %s%s\nlogsource: {product: windows, category: process_creation}\n"
                     "detection:\n%slevel: low\n",
                     templates[t].name, sfx, det);
            uint32_t added = 0;
            int rc = sigma_builder_add_yaml(b, templates[t].name, SIGMA_NUL_TERMINATED, yaml,
                                            SIGMA_NUL_TERMINATED, &added);
            CHECK_MSG(rc == SIGMA_OK && added == 1, "%s copy %d did not load", templates[t].name,
                      copy);
        }
    if (sigma_builder_build(b, &rs) != SIGMA_OK)
        rs = NULL;
    sigma_builder_free(b);
    CHECK(rs != NULL);
    if (rs)
        CHECK_EQ_INT(sigma_ruleset_rule_count(rs), NRULES);
    return rs;
}

/* Template and copy of every rule, from its title (the builder orders rules its own way). */
static size_t rule_template[NRULES];

static void map_rules(const sigma_ruleset *rs)
{
    for (uint32_t r = 0; r < NRULES; r++) {
        sigma_rule_info info = {.size = sizeof info};
        rule_template[r] = NT;
        CHECK_EQ_INT(sigma_ruleset_rule_info(rs, r, &info), SIGMA_OK);
        for (size_t t = 0; info.title && t < NT; t++) {
            size_t n = strlen(templates[t].name);
            if (strncmp(info.title, templates[t].name, n) == 0 &&
                (info.title[n] == 0 || info.title[n] == '_'))
                rule_template[r] = t;
        }
        CHECK_MSG(rule_template[r] < NT, "rule %u: unknown title", r);
    }
}

/* Hits per rule (0/1) for one match call. */
static void hits_of(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev,
                    uint32_t flags, unsigned char *hit)
{
    memset(hit, 0, NRULES);
    CHECK_EQ_INT(sigma_match(rs, s, ev, flags, NULL, NULL), SIGMA_OK);
    for (uint32_t i = 0; i < sigma_scratch_hit_count(s); i++) {
        uint32_t r = sigma_scratch_hit_rule(s, i);
        CHECK(r < NRULES);
        if (r < NRULES)
            hit[r] = 1;
    }
}

typedef struct field {
    const char *name, *value; /* value NULL: a null value */
} field;

typedef struct ev_case {
    field f[4];
    int64_t event_id; /* 0: none */
    int expect[NT];   /* hits per template over all copies */
} ev_case;

/* Expected counts: the original (copy 0) and the COPIES - 1 copies, whose keyed
 * literals carry _x<copy>; e.g. Image ending in '.exe_x7' fails ext of copy 7 only. */
static const ev_case cases[] = {
    /* A .dll: every not_ext and mixed copy matches (no ext hit); not_id: no EventID. */
    {{{"Image", "C:\\a.dll"}, {"CommandLine", "a.dll x"}},
     0,
     {COPIES, 0, COPIES, COPIES, 0, COPIES, COPIES, 0}},
    /* .exe: not_ext and mixed of the original fail, every copy matches. */
    {{{"Image", "C:\\a.exe"}, {"CommandLine", "a.exe mimikatz_x3 evilthing"}},
     0,
     {COPIES - 1, 0, COPIES - 2, COPIES - 1, 0, COPIES - 1, COPIES, 0}},
    /* .exe_x7 with User ab: not_ext copy 7 fails; mixed holds through s everywhere. */
    {{{"Image", "C:\\a.exe_x7"}, {"User", "ab"}, {"CommandLine", "powershell_x5 -enc_x9"}},
     0,
     {COPIES - 1, 0, COPIES, COPIES, 2, COPIES - 2, COPIES, 0}},
    /* Image '-' (and null): the emp/nul filters; no CommandLine at all. */
    {{{"Image", "-"}}, 0, {0, 0, COPIES, COPIES, 0, COPIES, COPIES, 0}},
    {{{"Image", NULL}}, 0, {0, 0, COPIES, COPIES, 0, COPIES, 0, 0}},
    /* fieldref: the same path in Image and ParentImage (case-sensitive compare). */
    {{{"Image", "c:\\program files_x2\\p.exe_x4"},
      {"ParentImage", "c:\\program files_x2\\p.exe_x4"}},
     0,
     {COPIES - 1, COPIES - 1, COPIES, COPIES, 0, COPIES - 1, COPIES, 0}},
    /* EventID 4688 + 3,000,000: not_id copy 3 fails; 4688: the original fails. */
    {{{"Image", "x.bat"}}, 3004688, {COPIES, 0, COPIES, COPIES, 0, COPIES, COPIES - 1, 0}},
    {{{"Image", "x.bat"}}, 4688, {COPIES, 0, COPIES, COPIES, 0, COPIES, COPIES - 1, 0}},
    /* A literal-set rule: net.exe_x6 renamed. */
    {{{"Image", "C:\\z.bin"}, {"OriginalFileName", "net.exe_x6"}},
     0,
     {COPIES, 0, COPIES, COPIES, 0, COPIES, COPIES, 1}},
    /* None of the rules' fields: only the always-evaluated (constant true) ones. */
    {{{"Other", "powershell mimikatz"}}, 0, {0, 0, COPIES, COPIES, 0, COPIES, 0, 0}},
};

int main(void)
{
    sigma_ruleset *rs = build();
    if (!rs)
        return TEST_DONE();
    map_rules(rs);
    sigma_scratch *s = NULL;
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
    static unsigned char with_index[NRULES], without[NRULES];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const ev_case *k = &cases[c];
        sigma_event_clear(ev);
        for (size_t i = 0; i < 4 && k->f[i].name; i++) {
            if (k->f[i].value)
                sigma_event_add_str(ev, k->f[i].name, SIGMA_NUL_TERMINATED, k->f[i].value,
                                    SIGMA_NUL_TERMINATED, 0);
            else
                sigma_event_add_null(ev, k->f[i].name, SIGMA_NUL_TERMINATED);
        }
        if (k->event_id)
            sigma_event_add_int(ev, "EventID", SIGMA_NUL_TERMINATED, k->event_id);
        hits_of(rs, s, ev, 0, with_index);
        hits_of(rs, s, ev, SIGMA_MATCH_NO_INDEX, without);
        for (uint32_t r = 0; r < NRULES; r++)
            CHECK_MSG(with_index[r] == without[r],
                      "case %zu: rule %s copy %u: index %d, no index %d", c, templates[r % NT].name,
                      r / NT, with_index[r], without[r]);
        for (size_t t = 0; t < NT; t++) {
            int n = 0;
            for (uint32_t r = 0; r < NRULES; r++)
                n += rule_template[r] == t && with_index[r];
            CHECK_MSG(n == k->expect[t], "case %zu: %s hit %d times, expected %d", c,
                      templates[t].name, n, k->expect[t]);
        }
    }
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
    return TEST_DONE();
}
