/* Fuzzer for detection conditions. A fixed rule body defines five selections, each
 * true exactly when its own field holds its value; the condition is a random
 * expression over them (and/or/not, parentheses, `1 of`/`all of` with patterns and
 * `them`, deep nesting, very long chains). The generator evaluates its expression
 * itself, so for a well-formed condition the test asserts that the rule loads and
 * that sigma_match agrees with the expected truth value on every one of the 32
 * events (with and without the index). Corrupted conditions (tokens dropped,
 * doubled or replaced, unbalanced parentheses, unknown identifiers, random bytes)
 * must only give sane diagnostics. */
#include "fuzz_common.h"

#define NSEL 5
static const char *const sel_names[NSEL] = {"sel1", "sel2", "sel_a", "sel_b", "filter_x"};
static const char *const sel_fields[NSEL] = {"F1", "F2", "Fa", "Fb", "Fx"};

typedef struct gen {
    fz_rng *r;
    fz_buf out;
    size_t budget; /* nodes left before only leaves are produced */
    int depth;
} gen;

/* truth[m]: expected value of the generated expression for the event whose present
 * selections are the bits of m. Each generator fills its node's 32-entry table. */
typedef struct tt {
    uint8_t v[1u << NSEL];
} tt;

static int pattern_matches(const char *pat, const char *name)
{
    size_t n = strlen(pat);
    if (n && pat[n - 1] == '*')
        return strncmp(pat, name, n - 1) == 0;
    return strcmp(pat, name) == 0;
}

static void gen_quantifier(gen *g, tt *t)
{
    static const char *const pats[] = {"them", "sel*", "sel_*", "sel1", "filter_*", "s*", "*"};
    size_t p = fz_below(g->r, sizeof pats / sizeof pats[0]);
    int all = fz_chance(g->r, 50);
    fz_puts(&g->out, all ? "all of " : "1 of ");
    fz_puts(&g->out, pats[p]);
    for (unsigned m = 0; m < (1u << NSEL); m++) {
        int any = 0, every = 1;
        for (int s = 0; s < NSEL; s++) {
            int in = strcmp(pats[p], "them") == 0 || pattern_matches(pats[p], sel_names[s]);
            if (!in)
                continue;
            int v = (m >> s) & 1;
            any |= v;
            every &= v;
        }
        t->v[m] = (uint8_t)(all ? every : any);
    }
}

/* prec: 0 = or, 1 = and, 2 = not/atom. Parenthesises when the child binds looser
 * than its context, and sometimes for no reason. */
static void gen_expr(gen *g, tt *t, int ctx_prec)
{
    size_t kind = g->budget == 0 ? fz_below(g->r, 2) : fz_below(g->r, 6);
    if (g->budget)
        g->budget--;
    int paren_extra = fz_chance(g->r, 8);
    if (kind == 0) {
        int s = (int)fz_below(g->r, NSEL);
        if (paren_extra)
            fz_putc(&g->out, '(');
        fz_puts(&g->out, sel_names[s]);
        if (paren_extra)
            fz_putc(&g->out, ')');
        for (unsigned m = 0; m < (1u << NSEL); m++)
            t->v[m] = (uint8_t)((m >> s) & 1);
        return;
    }
    if (kind == 1) {
        if (paren_extra)
            fz_putc(&g->out, '(');
        gen_quantifier(g, t);
        if (paren_extra)
            fz_putc(&g->out, ')');
        return;
    }
    if (kind == 2) { /* not */
        fz_puts(&g->out, "not ");
        tt c;
        g->depth++;
        gen_expr(g, &c, 2);
        g->depth--;
        for (unsigned m = 0; m < (1u << NSEL); m++)
            t->v[m] = (uint8_t)!c.v[m];
        return;
    }
    int is_and = kind == 3 || (kind == 5 && fz_chance(g->r, 50));
    int prec = is_and ? 1 : 0;
    int paren = prec < ctx_prec || paren_extra;
    if (paren)
        fz_putc(&g->out, '(');
    tt a, b;
    g->depth++;
    gen_expr(g, &a, prec);
    fz_puts(&g->out, is_and ? " and " : " or ");
    gen_expr(g, &b, prec + 1); /* left-assoc: a right child of equal precedence gets () */
    g->depth--;
    if (paren)
        fz_putc(&g->out, ')');
    for (unsigned m = 0; m < (1u << NSEL); m++)
        t->v[m] = (uint8_t)(is_and ? (a.v[m] && b.v[m]) : (a.v[m] || b.v[m]));
}

/* Special shapes: deep parentheses, deep `not not ...`, long chains. */
static void gen_special(fz_rng *r, fz_buf *out, tt *t)
{
    size_t n = 1 + fz_below(r, fz_chance(r, 30) ? 20000 : 500);
    int s = (int)fz_below(r, NSEL);
    switch (fz_below(r, 3)) {
    case 0:
        for (size_t i = 0; i < n; i++)
            fz_putc(out, '(');
        fz_puts(out, sel_names[s]);
        for (size_t i = 0; i < n; i++)
            fz_putc(out, ')');
        for (unsigned m = 0; m < (1u << NSEL); m++)
            t->v[m] = (uint8_t)((m >> s) & 1);
        break;
    case 1:
        for (size_t i = 0; i < n; i++)
            fz_puts(out, "not ");
        fz_puts(out, sel_names[s]);
        for (unsigned m = 0; m < (1u << NSEL); m++)
            t->v[m] = (uint8_t)(((m >> s) & 1) ^ (n & 1));
        break;
    default: {
        int is_and = fz_chance(r, 50);
        unsigned used = 0;
        for (size_t i = 0; i < n; i++) {
            int k = (int)fz_below(r, NSEL);
            used |= 1u << k;
            if (i)
                fz_puts(out, is_and ? " and " : " or ");
            fz_puts(out, sel_names[k]);
        }
        for (unsigned m = 0; m < (1u << NSEL); m++)
            t->v[m] = (uint8_t)(is_and ? (m & used) == used : (m & used) != 0);
        break;
    }
    }
}

static const char *const bad_tokens[] = {"(",
                                         ")",
                                         " and ",
                                         " or ",
                                         " not ",
                                         "1 of",
                                         "all of",
                                         "them",
                                         "undefined_sel",
                                         "|",
                                         "*",
                                         "sel",
                                         "0 of ",
                                         "2 of ",
                                         "of",
                                         "\xff",
                                         "'",
                                         "\"",
                                         "#",
                                         " AND ",
                                         "near",
                                         "sel1 | count() > 1",
                                         "%",
                                         ",",
                                         "\\"};

static void corrupt(fz_rng *r, fz_buf *c)
{
    unsigned n = 1 + (unsigned)fz_below(r, 3);
    for (unsigned i = 0; i < n; i++) {
        size_t pos = fz_below(r, c->len + 1);
        switch (fz_below(r, 4)) {
        case 0: {
            const char *t = bad_tokens[fz_below(r, sizeof bad_tokens / sizeof bad_tokens[0])];
            fz_insert(c, pos, t, strlen(t));
            break;
        }
        case 1:
            fz_erase(c, pos, 1 + fz_below(r, 6));
            break;
        case 2:
            if (c->len)
                c->p[fz_below(r, c->len)] = (char)fz_below(r, 256);
            break;
        default:
            fz_erase(c, pos, c->len - pos);
            break;
        }
    }
}

/* Writes the rule around condition c (a YAML single-quoted scalar, or a list of
 * one). NUL bytes stay in the text: the builder gets (pointer, length). */
static void make_rule(fz_rng *r, const fz_buf *c, fz_buf *rule)
{
    rule->len = 0;
    fz_puts(rule, "title: Condition fuzz\nlogsource: {product: test}\ndetection:\n");
    for (int s = 0; s < NSEL; s++) {
        fz_puts(rule, "    ");
        fz_puts(rule, sel_names[s]);
        fz_puts(rule, ":\n        ");
        fz_puts(rule, sel_fields[s]);
        fz_puts(rule, ": 'yes'\n");
    }
    int list = fz_chance(r, 10);
    fz_puts(rule, list ? "    condition:\n        - '" : "    condition: '");
    for (size_t i = 0; i < c->len; i++) {
        if (c->p[i] == '\'')
            fz_putc(rule, '\'');
        fz_putc(rule, c->p[i]);
    }
    fz_puts(rule, "'\n");
}

static int match_one(fz_ctx *ctx, const sigma_ruleset *rs, sigma_scratch *sc, sigma_event *ev,
                     uint32_t flags)
{
    int rc = sigma_match(rs, sc, ev, flags, NULL, NULL);
    if (rc != SIGMA_OK)
        FZ_FAIL(ctx, "sigma_match returned %d", rc);
    return sigma_scratch_hit_count(sc) == 1;
}

int main(int argc, char **argv)
{
    fz_opts o = fz_parse(argc, argv, 3000);
    fz_ctx ctx = {"fuzz-conditions", 0, 0, o.hang_seconds, o.write_path};
    sigma_event *events[1u << NSEL];
    for (unsigned m = 0; m < (1u << NSEL); m++) {
        if (sigma_event_new(&events[m]) != SIGMA_OK)
            fz_die("event_new");
        for (int s = 0; s < NSEL; s++)
            sigma_event_add_str(events[m], sel_fields[s], SIGMA_NUL_TERMINATED,
                                (m >> s) & 1 ? "yes" : "no", SIGMA_NUL_TERMINATED, 0);
    }
    double t0 = fz_now();
    fz_buf cond = {0}, rule = {0};
    uint64_t valid = 0, loaded_valid = 0, done = 0;
    for (uint64_t it = o.start; it < o.start + o.iterations; it++, done++) {
        ctx.iteration = it;
        fz_rng r = fz_rng_for(o.seed, it);
        tt expect;
        cond.len = 0;
        fz_reserve(&cond, 0);
        if (fz_chance(&r, 10)) {
            gen_special(&r, &cond, &expect);
        } else {
            gen g = {&r, {0}, 1 + fz_below(&r, fz_chance(&r, 10) ? 400 : 12), 0};
            gen_expr(&g, &expect, 0);
            fz_set(&cond, g.out.p, g.out.len);
            fz_free(&g.out);
        }
        int is_valid = !fz_chance(&r, 35);
        if (!is_valid)
            corrupt(&r, &cond);
        make_rule(&r, &cond, &rule);
        fz_write_input(o.write_path, &rule);
        double t = fz_cpu_now();

        sigma_builder *b = NULL;
        if (sigma_builder_new(NULL, &b) != SIGMA_OK)
            fz_die("builder_new");
        uint32_t added = 0;
        int rc = sigma_builder_add_yaml(b, "cond.yml", 8, rule.p, rule.len, &added);
        const sigma_diagnostics *d = sigma_builder_diagnostics(b);
        fz_check_diagnostics(&ctx, d);
        fz_check_positions(&ctx, d, rule.p, rule.len, NULL);
        if (rc != SIGMA_OK && rc != SIGMA_E_COMPILE)
            FZ_FAIL(&ctx, "add_yaml returned %d", rc);
        if ((rc == SIGMA_OK) != (sigma_diagnostics_error_count(d) == 0))
            FZ_FAIL(&ctx, "add_yaml %d with %zu errors", rc, sigma_diagnostics_error_count(d));
        if (is_valid) {
            valid++;
            /* a well-formed condition may only be refused for its size (a limit) */
            if (added != 1) {
                int limit_only = 1;
                for (size_t i = 0; i < sigma_diagnostics_count(d); i++) {
                    sigma_diagnostic_info info = {0};
                    info.size = sizeof info;
                    sigma_diagnostics_get(d, i, &info);
                    /* the parser's nesting limits report CONDITION_SYNTAX */
                    int limit = info.code == SIGMA_DIAG_YAML_TOO_DEEP ||
                                info.code == SIGMA_DIAG_EXPANSION_LIMIT ||
                                (info.code == SIGMA_DIAG_CONDITION_SYNTAX &&
                                 (strstr(info.message, "too deeply") ||
                                  strstr(info.message, "too complex")));
                    if (info.severity == SIGMA_SEVERITY_ERROR && !limit) {
                        limit_only = 0;
                        char msg[512];
                        sigma_diagnostics_format(d, i, msg, sizeof msg);
                        FZ_FAIL(&ctx, "valid condition (%zu bytes) rejected: %s", cond.len, msg);
                    }
                }
                if (limit_only && cond.len < 100)
                    FZ_FAIL(&ctx, "short valid condition refused for a limit: %s", cond.p);
            } else {
                loaded_valid++;
            }
        }
        sigma_ruleset *rs = NULL;
        sigma_builder_build(b, &rs);
        if (rs && sigma_ruleset_rule_count(rs) == 1) {
            sigma_scratch *sc = NULL;
            if (sigma_scratch_reserve(rs, &sc) != SIGMA_OK)
                fz_die("scratch");
            for (unsigned m = 0; m < (1u << NSEL); m++) {
                int a = match_one(&ctx, rs, sc, events[m], SIGMA_MATCH_NO_INDEX);
                int bi = match_one(&ctx, rs, sc, events[m], 0);
                if (a != bi)
                    FZ_FAIL(&ctx, "event %u: %d without the index, %d with it", m, a, bi);
                if (is_valid && a != expect.v[m]) {
                    FZ_FAIL(&ctx, "event %u: matched %d, expected %d for: %.300s", m, a,
                            expect.v[m], cond.p);
                    break;
                }
            }
            sigma_scratch_free(sc);
        }
        sigma_ruleset_unref(rs);
        sigma_builder_free(b);
        fz_check_time(&ctx, t, &rule);
    }
    printf("fuzz-conditions: %llu well-formed conditions, %llu loaded\n", (unsigned long long)valid,
           (unsigned long long)loaded_valid);
    fz_free(&cond);
    fz_free(&rule);
    for (unsigned m = 0; m < (1u << NSEL); m++)
        sigma_event_free(events[m]);
    return fz_report(&ctx, done, t0);
}
