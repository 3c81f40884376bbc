/* sigma-scan --explain: renders sigma_explain results as one JSON member. */
#include "scan_explain.h"

#include <stdlib.h>
#include <string.h>

#include "text_buf.h"

typedef struct jbuf {
    char *data;
    size_t len, cap;
    int oom;
} jbuf;

static void put(jbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

static void puts_(jbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* A JSON string literal; invalid UTF-8 bytes become U+FFFD. Not tb_add_json_str on
 * purpose: every control character is written \u00XX here (the explain member has
 * always had that form; both are valid JSON for the same text), and this buffer
 * reports out of memory as SIGMA_E_NOMEM instead of ending the tool. */
static void put_str(jbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    put(b, "\"", 1);
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            size_t len = tb_utf8_seq_len(p + i, n - i);
            put(b, len ? s + i : "\\ufffd", len ? len : 6);
            i += len ? len : 1;
            continue;
        }
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            put(b, esc, 2);
        } else if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
            put(b, esc, 6);
        } else {
            put(b, s + i, 1);
        }
        i++;
    }
    put(b, "\"", 1);
}

static void put_strz(jbuf *b, const char *s)
{
    if (s)
        put_str(b, s, strlen(s));
    else
        puts_(b, "null");
}

/* The stage's name in the output: filter stages carry their filter. */
static void put_stage_name(jbuf *b, const sigma_stage_info *s)
{
    if (!s->filter) {
        put_strz(b, s->name);
        return;
    }
    jbuf n = {0};
    puts_(&n, "filter ");
    puts_(&n, s->filter);
    puts_(&n, ": ");
    puts_(&n, s->name);
    b->oom |= n.oom;
    if (!n.oom)
        put_str(b, n.data, n.len);
    free(n.data);
}

static void put_predicates(jbuf *b, const sigma_ruleset *rs, uint32_t rule, const sigma_explain *x,
                           uint32_t stage, const sigma_stage_info *s, int *first)
{
    for (uint32_t p = 0; p < s->predicate_count; p++) {
        sigma_predicate_info pi;
        memset(&pi, 0, sizeof pi);
        pi.size = sizeof pi;
        if (sigma_ruleset_rule_predicate(rs, rule, stage, p, &pi) != SIGMA_OK)
            continue;
        puts_(b, *first ? "{\"stage\": " : ", {\"stage\": ");
        *first = 0;
        put_stage_name(b, s);
        puts_(b, ", \"field\": ");
        put_strz(b, pi.field);
        puts_(b, ", \"kind\": ");
        put_strz(b, sigma_pred_kind_name(pi.kind));
        puts_(b, ", \"modifiers\": ");
        put_strz(b, pi.modifiers);
        puts_(b,
              sigma_explain_predicate(x, stage, p) == 1 ? ", \"held\": true" : ", \"held\": false");
        uint32_t v = sigma_explain_predicate_value(x, stage, p);
        size_t vlen = 0, elen = 0;
        const char *value = sigma_ruleset_rule_predicate_value(rs, rule, stage, p, v, &vlen);
        const char *ev = sigma_explain_event_value(x, stage, p, &elen);
        if (value && ev) {
            puts_(b, ", \"value\": ");
            put_str(b, value, vlen);
            puts_(b, ", \"event_value\": ");
            put_str(b, ev, elen);
        }
        puts_(b, "}");
    }
}

int scan_explain_line(FILE *out, const sigma_ruleset *rs, uint32_t rule, const sigma_event *ev,
                      const char *tail)
{
    sigma_explain *x = NULL;
    int rc = sigma_explain_new(rs, rule, ev, 0, &x);
    if (rc != SIGMA_OK)
        return rc;
    jbuf b = {0};
    size_t tl = strlen(tail);
    while (tl && (tail[tl - 1] == '\n' || tail[tl - 1] == '}'))
        tl--; /* the rule members without the closing "}\n" */
    put(&b, tail, tl);
    puts_(&b, sigma_explain_result(x) == 1 ? ", \"explain\": {\"result\": true, \"stages\": {"
                                           : ", \"explain\": {\"result\": false, \"stages\": {");
    uint32_t n = sigma_ruleset_rule_stage_count(rs, rule);
    for (uint32_t st = 0; st < n; st++) {
        sigma_stage_info s;
        memset(&s, 0, sizeof s);
        s.size = sizeof s;
        if (sigma_ruleset_rule_stage(rs, rule, st, &s) != SIGMA_OK)
            continue;
        if (st)
            puts_(&b, ", ");
        put_stage_name(&b, &s);
        puts_(&b, sigma_explain_stage(x, st) == 1 ? ": true" : ": false");
    }
    puts_(&b, "}, \"predicates\": [");
    int first = 1;
    for (uint32_t st = 0; st < n; st++) {
        sigma_stage_info s;
        memset(&s, 0, sizeof s);
        s.size = sizeof s;
        if (sigma_ruleset_rule_stage(rs, rule, st, &s) == SIGMA_OK)
            put_predicates(&b, rs, rule, x, st, &s, &first);
    }
    puts_(&b, "]}}\n");
    sigma_explain_free(x);
    if (b.oom) {
        free(b.data);
        return SIGMA_E_NOMEM;
    }
    fwrite(b.data, 1, b.len, out);
    free(b.data);
    return SIGMA_OK;
}
