/* sigma_event_bind: a bound event matches exactly as an unbound one, against the
 * ruleset it is bound to and against any other.
 *
 * Two rulesets name the same fields in different orders, so that a name has
 * another slot in each (checked): a slot of one used for the other would read
 * the wrong field and change the hits. For events with fields both, one or no
 * ruleset reads, every combination is compared with the unbound event's hits
 * (index and no-index, which must agree):
 *  - bound to A, matched against A and B; bound again to B; bound to A again;
 *  - a field no rule of A names holds a keyword of A (bound as unused: still
 *    searched by the keyword rule);
 *  - fields added by name after binding, and by slot of the other ruleset
 *    (slots of two rulesets: names decide); a field bound while empty that gets
 *    its first value afterwards;
 *  - packed after binding, and bound after packing;
 *  - sigma_event_clear drops the binding; NULL arguments are refused;
 *  - a bound event's values carry their scan-memo hash: a value scanned for a
 *    bound event is replayed for an unbound one with the same values, and the
 *    other way round (a wrong hash would make them scanned again; the scratch's
 *    values_scanned / values_replayed count which).
 * Only <sigma/sigma.h> is used. */
#include <sigma/sigma.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ruleset_helpers.h"
#include "test.h"

/* Ruleset A: Image, CommandLine, User, then a keyword rule. */
static const char *const rules_a[] = {
    "title: a0\nlogsource: {product: windows}\ndetection:\n"
    "    sel: {Image|endswith: '\\whoami.exe'}\n    condition: sel\n",
    "title: a1\nlogsource: {product: windows}\ndetection:\n"
    "    sel: {CommandLine|contains: ' /all'}\n    condition: sel\n",
    "title: a2\nlogsource: {product: windows}\ndetection:\n"
    "    sel: {User|startswith: 'NT AUTHORITY'}\n    condition: sel\n",
    "title: a3\nlogsource: {product: windows}\ndetection:\n"
    "    keywords: ['kw-only-elsewhere']\n    condition: keywords\n",
    "title: a4\nlogsource: {product: windows}\ndetection:\n"
    "    sel: {Image|endswith: '\\cmd.exe'}\n    filter: {User: 'admin'}\n"
    "    condition: sel and not filter\n",
};

/* Ruleset B: the same names and more, in another order. */
static const char *const rules_b[] = {
    "title: b0\nlogsource: {product: windows}\ndetection:\n"
    "    sel: {ParentImage|endswith: '\\explorer.exe'}\n    condition: sel\n",
    "title: b1\nlogsource: {product: windows}\ndetection:\n"
    "    sel: {User: 'admin'}\n    condition: sel\n",
    "title: b2\nlogsource: {product: windows}\ndetection:\n"
    "    sel: {CommandLine|contains: 'whoami'}\n    condition: sel\n",
    "title: b3\nlogsource: {product: windows}\ndetection:\n"
    "    sel: {Image|contains: 'system32'}\n    condition: sel\n",
    "title: b4\nlogsource: {product: windows}\ndetection:\n"
    "    sel: {Late|exists: true}\n    condition: sel\n",
};

static void add(sigma_event *ev, const char *name, const char *value)
{
    CHECK_EQ_INT(
        sigma_event_add_str(ev, name, SIGMA_NUL_TERMINATED, value, SIGMA_NUL_TERMINATED, 0),
        SIGMA_OK);
}

/* An event of n (name, value) pairs. */
static sigma_event *make(const char *const *kv, size_t n)
{
    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
    for (size_t i = 0; ev && i + 1 < n; i += 2)
        add(ev, kv[i], kv[i + 1]);
    return ev;
}

typedef struct env {
    sigma_ruleset *a, *b;
    sigma_scratch *sa, *sb;
} env;

/* ev (bound or not) hits what want_a / want_b say in A and B. */
static void expect(const env *e, const sigma_event *ev, unsigned want_a, unsigned want_b,
                   const char *what)
{
    const unsigned got_a = test_hit_mask(e->a, e->sa, ev), got_b = test_hit_mask(e->b, e->sb, ev);
    CHECK_MSG(got_a == want_a && got_b == want_b, "%s: A %#x (want %#x), B %#x (want %#x)", what,
              got_a, want_a, got_b, want_b);
}

/* Every binding of one event gives the unbound event's hits. */
static void check_event(const env *e, const char *const *kv, size_t n, unsigned want_a,
                        unsigned want_b)
{
    sigma_event *ev = make(kv, n);
    expect(e, ev, want_a, want_b, "unbound");
    CHECK_EQ_INT(sigma_event_bind(ev, e->a), SIGMA_OK);
    expect(e, ev, want_a, want_b, "bound to A");
    CHECK_EQ_INT(sigma_event_bind(ev, e->b), SIGMA_OK);
    expect(e, ev, want_a, want_b, "bound to B");
    CHECK_EQ_INT(sigma_event_bind(ev, e->a), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_pack(ev), SIGMA_OK);
    expect(e, ev, want_a, want_b, "bound to A, then packed");
    sigma_event_free(ev);

    ev = make(kv, n);
    CHECK_EQ_INT(sigma_event_pack(ev), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_bind(ev, e->b), SIGMA_OK);
    expect(e, ev, want_a, want_b, "packed, then bound to B");
    sigma_event_free(ev);
}

/* values scanned and replayed by s so far */
static void memo_counts(const sigma_scratch *s, uint64_t *scanned, uint64_t *replayed)
{
    sigma_scratch_stats st = {.size = sizeof st};
    CHECK_EQ_INT(sigma_scratch_get_stats(s, &st), SIGMA_OK);
    *scanned = st.values_scanned;
    *replayed = st.values_replayed;
}

/* `first` is matched with a fresh scratch of rs, then `second` (the same values):
 * every text value `first` scanned, `second` replays. */
static void check_memo_shared(const sigma_ruleset *rs, const sigma_event *first,
                              const sigma_event *second, const char *what)
{
    sigma_scratch *s = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    uint64_t scanned, replayed, scanned2, replayed2;
    CHECK_EQ_INT(sigma_match(rs, s, first, 0, NULL, NULL), SIGMA_OK);
    memo_counts(s, &scanned, &replayed);
    CHECK_MSG(scanned > 0 && replayed == 0, "%s: first event scanned %llu, replayed %llu", what,
              (unsigned long long)scanned, (unsigned long long)replayed);
    CHECK_EQ_INT(sigma_match(rs, s, second, 0, NULL, NULL), SIGMA_OK);
    memo_counts(s, &scanned2, &replayed2);
    CHECK_MSG(scanned2 == scanned && replayed2 == scanned,
              "%s: second event scanned %llu more, replayed %llu of %llu", what,
              (unsigned long long)(scanned2 - scanned), (unsigned long long)replayed2,
              (unsigned long long)scanned);
    sigma_scratch_free(s);
}

int main(void)
{
    env e = {test_compile_rules(rules_a, 5, "bind"), test_compile_rules(rules_b, 5, "bind"), NULL,
             NULL};
    if (!e.a || !e.b)
        return TEST_DONE();
    CHECK_EQ_INT(sigma_scratch_reserve(e.a, &e.sa), SIGMA_OK);
    CHECK_EQ_INT(sigma_scratch_reserve(e.b, &e.sb), SIGMA_OK);

    /* the premise: a name's slot differs between the rulesets */
    uint32_t img_a = 0, img_b = 0;
    CHECK_EQ_INT(sigma_ruleset_field_slot(e.a, "Image", SIGMA_NUL_TERMINATED, &img_a), SIGMA_OK);
    CHECK_EQ_INT(sigma_ruleset_field_slot(e.b, "Image", SIGMA_NUL_TERMINATED, &img_b), SIGMA_OK);
    CHECK_MSG(img_a != img_b, "Image has slot %u in both rulesets", img_a);

    static const char *const whoami[] = {"Image",       "C:\\Windows\\System32\\whoami.exe",
                                         "CommandLine", "whoami /all",
                                         "User",        "NT AUTHORITY\\SYSTEM",
                                         "ParentImage", "C:\\Windows\\explorer.exe",
                                         "Unused",      "nothing reads this"};
    check_event(&e, whoami, 10, 1u << 0 | 1u << 1 | 1u << 2, 1u << 0 | 1u << 2 | 1u << 3);

    /* the keyword sits in a field no rule of A names (bound as unused) */
    static const char *const keyword[] = {
        "Unused", "has kw-only-elsewhere in it", "Image", "C:\\tools\\cmd.exe", "User", "admin"};
    check_event(&e, keyword, 6, 1u << 3, 1u << 1);

    /* `not filter`: User absent from the event */
    static const char *const no_user[] = {"Image", "C:\\Windows\\cmd.exe", "Other", "x"};
    check_event(&e, no_user, 4, 1u << 4, 0);

    /* fields added after binding are looked up by name */
    sigma_event *ev = make(whoami, 4); /* Image and CommandLine */
    CHECK_EQ_INT(sigma_event_bind(ev, e.a), SIGMA_OK);
    add(ev, "User", "NT AUTHORITY\\LOCAL SERVICE");
    add(ev, "Late", "arrived");
    expect(&e, ev, 1u << 0 | 1u << 1 | 1u << 2, 1u << 2 | 1u << 3 | 1u << 4, "added by name");
    /* and by slot of the other ruleset: slots of two rulesets, names decide */
    uint32_t parent = 0;
    CHECK_EQ_INT(sigma_ruleset_field_slot(e.b, "ParentImage", SIGMA_NUL_TERMINATED, &parent),
                 SIGMA_OK);
    CHECK_EQ_INT(sigma_event_add_str_slot(ev, e.b, parent, "C:\\Windows\\explorer.exe",
                                          SIGMA_NUL_TERMINATED, 0),
                 SIGMA_OK);
    expect(&e, ev, 1u << 0 | 1u << 1 | 1u << 2, 1u << 0 | 1u << 2 | 1u << 3 | 1u << 4,
           "added by slot of B");
    CHECK_EQ_INT(sigma_event_bind(ev, e.b), SIGMA_OK);
    expect(&e, ev, 1u << 0 | 1u << 1 | 1u << 2, 1u << 0 | 1u << 2 | 1u << 3 | 1u << 4,
           "bound to B after that");

    /* a field bound while empty gets its first value afterwards (what bind kept of
     * the fields is out of date then) */
    sigma_event *late = NULL;
    CHECK_EQ_INT(sigma_event_new(&late), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_add_empty(late, "User", SIGMA_NUL_TERMINATED), SIGMA_OK);
    add(late, "Image", "C:\\x\\cmd.exe");
    CHECK_EQ_INT(sigma_event_bind(late, e.a), SIGMA_OK);
    expect(&e, late, 1u << 4, 0, "bound with User empty");
    add(late, "User", "admin");
    expect(&e, late, 0, 1u << 1, "User's first value after binding");
    CHECK_EQ_INT(sigma_event_bind(late, e.a), SIGMA_OK);
    expect(&e, late, 0, 1u << 1, "bound again");
    sigma_event_free(late);

    /* a clear drops the binding: the rebuilt event's fields are new */
    sigma_event_clear(ev);
    add(ev, "User", "admin");
    add(ev, "Image", "D:\\cmd.exe");
    expect(&e, ev, 0, 1u << 1, "cleared and rebuilt");

    /* the scan memo finds a value whether its hash came from a bind or a match */
    static const char *const memo_kv[] = {"CommandLine", "whoami /all /fo list",
                                          "Image",       "C:\\Windows\\System32\\whoami.exe",
                                          "Unused",      "a value only keywords scan"};
    sigma_event *bound = make(memo_kv, 6), *unbound = make(memo_kv, 6);
    CHECK_EQ_INT(sigma_event_bind(bound, e.a), SIGMA_OK);
    check_memo_shared(e.a, bound, unbound, "bound, then unbound");
    check_memo_shared(e.a, unbound, bound, "unbound, then bound");
    sigma_event_free(bound);
    sigma_event_free(unbound);

    CHECK_EQ_INT(sigma_event_bind(NULL, e.a), SIGMA_E_INVALID_ARG);
    CHECK_EQ_INT(sigma_event_bind(ev, NULL), SIGMA_E_INVALID_ARG);
    sigma_event_free(ev);
    sigma_scratch_free(e.sa);
    sigma_scratch_free(e.sb);
    sigma_ruleset_unref(e.a);
    sigma_ruleset_unref(e.b);
    return TEST_DONE();
}
