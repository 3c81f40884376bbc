/* Minimized inputs of the bugs the fuzzers found, each with the behaviour fixed.
 * Public API only. */
#include <sigma/sigma.h>

#include "test.h"

#include <math.h>
#include <stdint.h>

/* Whether the one rule `detection` (a YAML flow map body) matches an event whose only
 * field is EventID = NaN, with the index (flags 0) or without it. */
static int nan_matches(const char *detection, uint32_t flags)
{
    char yaml[256];
    snprintf(yaml, sizeof yaml, "title: n\nlogsource: {product: p}\ndetection: {%s}\n", detection);
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    sigma_scratch *s = NULL;
    sigma_event *ev = NULL;
    int hit = -1;
    if (sigma_builder_new(NULL, &b) == SIGMA_OK &&
        sigma_builder_add_yaml(b, "n.yml", SIGMA_NUL_TERMINATED, yaml, SIGMA_NUL_TERMINATED,
                               NULL) == SIGMA_OK &&
        sigma_builder_build(b, &rs) == SIGMA_OK && sigma_scratch_reserve(rs, &s) == SIGMA_OK &&
        sigma_event_new(&ev) == SIGMA_OK &&
        sigma_event_add_float(ev, "EventID", SIGMA_NUL_TERMINATED, (double)NAN) == SIGMA_OK &&
        sigma_match(rs, s, ev, flags, NULL, NULL) == SIGMA_OK)
        hit = (int)sigma_scratch_hit_count(s);
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
    sigma_builder_free(b);
    return hit;
}

/* Adds `yaml` to a new builder and returns its first diagnostic (code 0 if none). */
static sigma_diagnostic_info first_diag(const char *yaml, size_t len, char *fmt, size_t cap)
{
    sigma_diagnostic_info info;
    memset(&info, 0, sizeof info);
    info.size = sizeof info;
    sigma_builder *b = NULL;
    if (sigma_builder_new(NULL, &b) != SIGMA_OK)
        return info;
    sigma_builder_add_yaml(b, "r.yml", 5, yaml, len, NULL);
    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    fmt[0] = 0;
    if (sigma_diagnostics_count(d) > 0) {
        sigma_diagnostics_get(d, 0, &info);
        sigma_diagnostics_format(d, 0, fmt, cap);
        info.message = NULL; /* borrowed from the builder freed below */
        info.source_name = NULL;
        info.rule_id = NULL;
    }
    sigma_builder_free(b);
    return info;
}

#define RULE_HEAD "title: t\nlogsource: {product: windows}\ndetection:\n    sel:\n        F: x\n"

int main(void)
{
    char fmt[512];

    /* 1. A syntax error at the end of a text without a final line break: libyaml
     *    puts it on a line that does not exist (3:1); it is 2:3, offset 11. */
    {
        static const char y[] = "title: x\nna";
        sigma_diagnostic_info i = first_diag(y, sizeof y - 1, fmt, sizeof fmt);
        CHECK_EQ_INT(i.code, SIGMA_DIAG_YAML_SYNTAX);
        CHECK_EQ_INT(i.line, 2);
        CHECK_EQ_INT(i.column, 3);
        CHECK_EQ_INT(i.byte_offset, 11);
        CHECK_MSG(strstr(fmt, "r.yml:2:3: error:") == fmt, "%s", fmt);
    }
    /* The same with a final line break keeps libyaml's position (the next line). */
    {
        static const char y[] = "title: x\nna\n";
        sigma_diagnostic_info i = first_diag(y, sizeof y - 1, fmt, sizeof fmt);
        CHECK_EQ_INT(i.code, SIGMA_DIAG_YAML_SYNTAX);
        CHECK_EQ_INT(i.line, 3);
        CHECK_EQ_INT(i.column, 1);
        CHECK_EQ_INT(i.byte_offset, 12);
    }

    /* 2. A condition folded from two lines (a plain scalar continued on the next,
     *    more indented line): the error offset inside the folded text used to be
     *    added to the first line's column (6:24, past the end of that line) and to
     *    the byte offset (pointing into line 7). Now: the condition's start. */
    {
        static const char y[] = RULE_HEAD "    condition: sel and\n        - x\n";
        sigma_diagnostic_info i = first_diag(y, sizeof y - 1, fmt, sizeof fmt);
        CHECK_EQ_INT(i.code, SIGMA_DIAG_UNDEFINED_IDENTIFIER);
        CHECK_EQ_INT(i.line, 6);
        CHECK_EQ_INT(i.column, 16);
        CHECK_EQ_INT(i.byte_offset, strstr(y, "sel and") - y);
    }
    /* One-line conditions stay exact: plain, and double-quoted (after the quote). */
    {
        static const char y[] = RULE_HEAD "    condition: sel or or\n";
        sigma_diagnostic_info i = first_diag(y, sizeof y - 1, fmt, sizeof fmt);
        CHECK_EQ_INT(i.code, SIGMA_DIAG_CONDITION_SYNTAX);
        CHECK_EQ_INT(i.line, 6);
        CHECK_EQ_INT(i.column, 23);
        CHECK_EQ_INT(i.byte_offset, strstr(y, "or or") - y + 3);
    }
    /* 3. An escape in a double-quoted condition shifts the text against the source:
     *    the scalar's own position is reported instead of a wrong column. */
    {
        static const char y[] = RULE_HEAD "    condition: \"\\x73el or or\"\n";
        sigma_diagnostic_info i = first_diag(y, sizeof y - 1, fmt, sizeof fmt);
        CHECK_EQ_INT(i.code, SIGMA_DIAG_CONDITION_SYNTAX);
        CHECK_EQ_INT(i.line, 6);
        CHECK_EQ_INT(i.column, 16);
    }
    /* 4. An anchor before the condition: libyaml's scalar starts at the anchor, so the
     *    offsets into the text do not apply (they gave 6:23, the first `or`). */
    {
        static const char y[] = RULE_HEAD "    condition: &c sel or or\n";
        sigma_diagnostic_info i = first_diag(y, sizeof y - 1, fmt, sizeof fmt);
        CHECK_EQ_INT(i.code, SIGMA_DIAG_CONDITION_SYNTAX);
        CHECK_EQ_INT(i.line, 6);
        CHECK_EQ_INT(i.column, 16);
    }
    /* 5. NaN event values (fuzz_events): NaN is unordered, equal to no number, so only
     *    `neq` holds; the evaluator once ordered NaN equal to every number, and the
     *    index (no integer key for NaN) disagreed with it. */
    {
        static const struct {
            const char *detection;
            int hit;
        } cases[] = {
            {"s: {EventID: 4625}, condition: s", 0},  {"s: {EventID: 4625.5}, condition: s", 0},
            {"s: {EventID|gte: 5}, condition: s", 0}, {"s: {EventID|lt: 5}, condition: s", 0},
            {"s: {EventID|neq: 5}, condition: s", 1}, {"s: {EventID: 4625}, condition: not s", 1},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            CHECK_MSG(nan_matches(cases[i].detection, 0) == cases[i].hit, "%s (index)",
                      cases[i].detection);
            CHECK_MSG(nan_matches(cases[i].detection, SIGMA_MATCH_NO_INDEX) == cases[i].hit,
                      "%s (no index)", cases[i].detection);
        }
    }
    return TEST_DONE();
}
