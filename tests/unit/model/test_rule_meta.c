/* Unit tests for sg_rule_meta_read / sg_is_uuid on hand-built YAML trees. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/rule_meta.h"
#include "test.h"

/* ---- tree builders (all nodes live in one arena per test) ----------------------------------- */

enum { MAP_CAP = 32 };

static sg_pos at(uint32_t line, uint32_t col)
{
    return (sg_pos){line, col, 0};
}

static sg_node *scalar(sg_arena *a, const char *text, sg_scalar_type type, uint32_t line,
                       uint32_t col)
{
    sg_node *n = sg_arena_alloc(a, sizeof *n);
    n->kind = SG_NODE_SCALAR;
    n->pos = at(line, col);
    n->type = type;
    n->text = sg_arena_strndup(a, text, strlen(text));
    n->text_len = strlen(text);
    return n;
}

static sg_node *str(sg_arena *a, const char *text, uint32_t line, uint32_t col)
{
    return scalar(a, text, SG_SCALAR_STR, line, col);
}

static sg_node *null_node(sg_arena *a, uint32_t line, uint32_t col)
{
    return scalar(a, "", SG_SCALAR_NULL, line, col);
}

/* seq(a, line, col, n, item...) */
static sg_node *seq(sg_arena *a, uint32_t line, uint32_t col, size_t n, ...)
{
    sg_node *s = sg_arena_alloc(a, sizeof *s);
    s->kind = SG_NODE_SEQ;
    s->pos = at(line, col);
    s->items = sg_arena_alloc(a, (n ? n : 1) * sizeof *s->items);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        s->items[i] = va_arg(ap, sg_node *);
    va_end(ap);
    s->count = n;
    return s;
}

/* An empty map with room for MAP_CAP entries. */
static sg_node *map(sg_arena *a, uint32_t line, uint32_t col)
{
    sg_node *m = sg_arena_alloc(a, sizeof *m);
    m->kind = SG_NODE_MAP;
    m->pos = at(line, col);
    m->keys = sg_arena_alloc(a, MAP_CAP * sizeof *m->keys);
    m->items = sg_arena_alloc(a, MAP_CAP * sizeof *m->items);
    return m;
}

/* Appends key -> value; the key is a string scalar at (line, col). */
static sg_node *put(sg_arena *a, sg_node *m, const char *key, uint32_t line, uint32_t col,
                    sg_node *value)
{
    if (m->count < MAP_CAP) {
        m->keys[m->count] = str(a, key, line, col);
        m->items[m->count++] = value;
    }
    return m;
}

static int find_key(const sg_node *m, const char *key)
{
    for (size_t i = 0; i < m->count; i++)
        if (strcmp(m->keys[i]->text, key) == 0)
            return (int)i;
    return -1;
}

/* Replaces the value of an existing key (keeping the key position). */
static void replace(sg_node *m, const char *key, sg_node *value)
{
    int i = find_key(m, key);
    if (i >= 0)
        m->items[i] = value;
}

static void drop(sg_node *m, const char *key)
{
    int i = find_key(m, key);
    if (i < 0)
        return;
    for (size_t k = (size_t)i + 1; k < m->count; k++) {
        m->keys[k - 1] = m->keys[k];
        m->items[k - 1] = m->items[k];
    }
    m->count--;
}

/* The tree of proc_creation_win_iis_susp_module_registration.yml (detection shortened):
 *  1 title: Suspicious IIS Module Registration
 *  2 id: 043c4b8b-3a54-4780-9682-081cb6b8185c
 *  3 status: test
 *  4 description: Detects a suspicious IIS module registration
 *  5 references:
 *  6     - https://www.microsoft.com/security/blog/
 *  7 author: Florian Roth (Nextron Systems), Microsoft (idea)
 *  8 date: 2022-08-04
 *  9 modified: 2023-01-23
 * 10 tags:
 * 11     - attack.persistence
 * 12     - attack.t1505.004
 * 13 logsource:
 * 14     category: process_creation
 * 15     product: windows
 * 16 detection:
 * 17     selection_parent:
 * 18         ParentImage|endswith: '\w3wp.exe'
 * 19     condition: selection_parent
 * 20 falsepositives:
 * 21     - Administrative activity
 * 22 level: high */
static sg_node *valid_rule(sg_arena *a)
{
    sg_node *r = map(a, 1, 1);
    put(a, r, "title", 1, 1, str(a, "Suspicious IIS Module Registration", 1, 8));
    put(a, r, "id", 2, 1, str(a, "043c4b8b-3a54-4780-9682-081cb6b8185c", 2, 5));
    put(a, r, "status", 3, 1, str(a, "test", 3, 9));
    put(a, r, "description", 4, 1, str(a, "Detects a suspicious IIS module registration", 4, 14));
    put(a, r, "references", 5, 1,
        seq(a, 6, 5, 1, str(a, "https://www.microsoft.com/security/blog/", 6, 7)));
    put(a, r, "author", 7, 1, str(a, "Florian Roth (Nextron Systems), Microsoft (idea)", 7, 9));
    put(a, r, "date", 8, 1, scalar(a, "2022-08-04", SG_SCALAR_DATE, 8, 7));
    put(a, r, "modified", 9, 1, scalar(a, "2023-01-23", SG_SCALAR_DATE, 9, 11));
    put(a, r, "tags", 10, 1,
        seq(a, 11, 5, 2, str(a, "attack.persistence", 11, 7), str(a, "attack.t1505.004", 12, 7)));
    sg_node *ls = map(a, 14, 5);
    put(a, ls, "category", 14, 5, str(a, "process_creation", 14, 15));
    put(a, ls, "product", 15, 5, str(a, "windows", 15, 14));
    put(a, r, "logsource", 13, 1, ls);
    sg_node *sel = map(a, 18, 9);
    put(a, sel, "ParentImage|endswith", 18, 9, scalar(a, "\\w3wp.exe", SG_SCALAR_STR, 18, 31));
    sg_node *det = map(a, 17, 5);
    put(a, det, "selection_parent", 17, 5, sel);
    put(a, det, "condition", 19, 5, str(a, "selection_parent", 19, 16));
    put(a, r, "detection", 16, 1, det);
    put(a, r, "falsepositives", 20, 1, seq(a, 21, 5, 1, str(a, "Administrative activity", 21, 7)));
    put(a, r, "level", 22, 1, str(a, "high", 22, 8));
    return r;
}

/* ---- running ------------------------------------------------------------------------------- */

typedef struct run {
    sigma_diagnostics list;
    sg_diag_ctx ctx;
    sg_rule_meta meta;
    int rc;
} run;

static void read_rule(run *t, const sg_node *root, sg_arena *a)
{
    memset(t, 0, sizeof *t);
    t->ctx.list = &t->list;
    t->ctx.source = "r.yml";
    t->rc = sg_rule_meta_read(root, a, &t->ctx, &t->meta);
}

static void done(run *t)
{
    sg_diagnostics_free_items(&t->list);
}

/* Checks diagnostic i: code, severity error, line, col. */
#define CHECK_DIAG(t, i, code_, line_, col_)                                                       \
    do {                                                                                           \
        CHECK_MSG((t)->list.len > (size_t)(i), "no diagnostic %d (have %zu)", (int)(i),            \
                  (t)->list.len);                                                                  \
        if ((t)->list.len > (size_t)(i)) {                                                         \
            const sg_diag *d_ = &(t)->list.items[i];                                               \
            CHECK_MSG(d_->code == (code_), "diag %d: code %d != %d (%s)", (int)(i), d_->code,      \
                      (int)(code_), d_->message);                                                  \
            CHECK_EQ_INT(d_->severity, SIGMA_SEVERITY_ERROR);                                      \
            CHECK_MSG(d_->pos.line == (line_) && d_->pos.col == (col_),                            \
                      "diag %d at %u:%u, expected %u:%u (%s)", (int)(i), d_->pos.line,             \
                      d_->pos.col, (unsigned)(line_), (unsigned)(col_), d_->message);              \
        }                                                                                          \
    } while (0)

static void dump(const run *t)
{
    for (size_t i = 0; i < t->list.len; i++)
        fprintf(stderr, "  diag %zu: %d %u:%u %s\n", i, t->list.items[i].code,
                t->list.items[i].pos.line, t->list.items[i].pos.col, t->list.items[i].message);
}

/* Reads a rule expected to produce exactly one error with that code and position. */
static void expect_one(const sg_node *root, sg_arena *a, int code, uint32_t line, uint32_t col,
                       int tline)
{
    run t;
    read_rule(&t, root, a);
    CHECK_MSG(t.rc == 1 && t.list.len == 1, "line %d: rc %d, %zu diagnostics", tline, t.rc,
              t.list.len);
    if (t.list.len != 1)
        dump(&t);
    CHECK_DIAG(&t, 0, code, line, col);
    done(&t);
}
#define EXPECT_ONE(root, a, code, line, col)                                                       \
    expect_one((root), (a), (code), (line), (col), __LINE__)

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_uuid(void)
{
    const char *ok = "043c4b8b-3a54-4780-9682-081cb6b8185c";
    CHECK(sg_is_uuid(ok, strlen(ok)));
    CHECK(sg_is_uuid("043C4B8B-3A54-4780-9682-081CB6B8185C", 36));
    CHECK(!sg_is_uuid(ok, 35));
    CHECK(!sg_is_uuid("043c4b8b3a54-4780-9682-081cb6b8185c-", 36));
    CHECK(!sg_is_uuid("043c4b8b-3a54-4780-9682-081cb6b8185g", 36));
    CHECK(!sg_is_uuid("043c4b8b03a54-780-9682-081cb6b8185cc", 36));
    CHECK(!sg_is_uuid("{43c4b8b-3a54-4780-9682-081cb6b8185}", 36));
    CHECK(!sg_is_uuid("", 0));
    CHECK(!sg_is_uuid(NULL, 0));
}

static void test_valid_rule(void)
{
    sg_arena a = {0};
    run t;
    read_rule(&t, valid_rule(&a), &a);
    CHECK_EQ_INT(t.rc, 0);
    CHECK_EQ_INT(t.list.len, 0);
    dump(&t);
    const sg_rule_meta *m = &t.meta;
    CHECK_EQ_STR(m->title, "Suspicious IIS Module Registration");
    CHECK_EQ_STR(m->id, "043c4b8b-3a54-4780-9682-081cb6b8185c");
    CHECK_EQ_STR(t.ctx.rule_id, "043c4b8b-3a54-4780-9682-081cb6b8185c");
    CHECK_EQ_STR(m->status, "test");
    CHECK_EQ_STR(m->level, "high");
    CHECK_EQ_STR(m->description, "Detects a suspicious IIS module registration");
    CHECK_EQ_STR(m->author, "Florian Roth (Nextron Systems), Microsoft (idea)");
    CHECK_EQ_STR(m->date, "2022-08-04");
    CHECK_EQ_STR(m->modified, "2023-01-23");
    CHECK(m->name == NULL && m->license == NULL && m->taxonomy == NULL);
    CHECK_EQ_INT(m->tags.n, 2);
    if (m->tags.n == 2) {
        CHECK_EQ_STR(m->tags.items[0], "attack.persistence");
        CHECK_EQ_STR(m->tags.items[1], "attack.t1505.004");
    }
    CHECK_EQ_INT(m->references.n, 1);
    CHECK_EQ_INT(m->falsepositives.n, 1);
    if (m->falsepositives.n == 1)
        CHECK_EQ_STR(m->falsepositives.items[0], "Administrative activity");
    CHECK_EQ_INT(m->fields.n, 0);
    CHECK(m->scope.items == NULL && m->scope.n == 0);
    CHECK_EQ_STR(m->ls_category, "process_creation");
    CHECK_EQ_STR(m->ls_product, "windows");
    CHECK(m->ls_service == NULL && m->ls_definition == NULL);
    CHECK(m->logsource && m->logsource->kind == SG_NODE_MAP && m->logsource->count == 2);
    CHECK(m->detection && m->detection->kind == SG_NODE_MAP && m->detection->count == 2);
    CHECK(m->title_node && m->title_node->pos.line == 1 && m->title_node->pos.col == 8);
    CHECK(m->id_node && m->id_node->pos.line == 2);
    done(&t);
    sg_arena_free(&a);
}

static void test_not_a_map(void)
{
    sg_arena a = {0};
    EXPECT_ONE(seq(&a, 1, 1, 1, str(&a, "x", 1, 3)), &a, SIGMA_DIAG_NOT_A_MAP, 1, 1);
    EXPECT_ONE(str(&a, "just text", 1, 1), &a, SIGMA_DIAG_NOT_A_MAP, 1, 1);
    run t;
    read_rule(&t, NULL, &a);
    CHECK_EQ_INT(t.rc, 1);
    CHECK_EQ_INT(t.list.len, 1);
    if (t.list.len)
        CHECK_EQ_INT(t.list.items[0].code, SIGMA_DIAG_NOT_A_MAP);
    done(&t);
    sg_arena_free(&a);
}

static void test_missing_required(void)
{
    static const char *const keys[] = {"title", "logsource", "detection"};
    for (int i = 0; i < 3; i++) {
        sg_arena a = {0};
        sg_node *r = valid_rule(&a);
        drop(r, keys[i]);
        run t;
        read_rule(&t, r, &a);
        CHECK_EQ_INT(t.rc, 1);
        CHECK_EQ_INT(t.list.len, 1);
        CHECK_DIAG(&t, 0, SIGMA_DIAG_MISSING_ATTRIBUTE, 1, 1);
        char want[64];
        snprintf(want, sizeof want, "missing required attribute '%s'", keys[i]);
        if (t.list.len) {
            CHECK_EQ_STR(t.list.items[0].message, want);
            CHECK_EQ_STR(t.list.items[0].source, "r.yml");
            /* the id was read first, so the diagnostic carries it */
            CHECK_EQ_STR(t.list.items[0].rule_id, "043c4b8b-3a54-4780-9682-081cb6b8185c");
        }
        done(&t);
        sg_arena_free(&a);
    }
    /* a required attribute with a null value: reported at its key */
    sg_arena a = {0};
    sg_node *r = valid_rule(&a);
    replace(r, "title", null_node(&a, 1, 7));
    EXPECT_ONE(r, &a, SIGMA_DIAG_MISSING_ATTRIBUTE, 1, 1);
    r = valid_rule(&a);
    replace(r, "logsource", null_node(&a, 13, 11));
    EXPECT_ONE(r, &a, SIGMA_DIAG_MISSING_ATTRIBUTE, 13, 1);
    r = valid_rule(&a);
    replace(r, "detection", null_node(&a, 16, 11));
    EXPECT_ONE(r, &a, SIGMA_DIAG_MISSING_ATTRIBUTE, 16, 1);
    sg_arena_free(&a);
}

static void test_title(void)
{
    sg_arena a = {0};
    /* non-string scalars are accepted as text */
    sg_node *r = valid_rule(&a);
    replace(r, "title", scalar(&a, "123", SG_SCALAR_INT, 1, 8));
    run t;
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 0);
    CHECK_EQ_STR(t.meta.title, "123");
    done(&t);
    /* a list is a type error at the key */
    r = valid_rule(&a);
    replace(r, "title", seq(&a, 2, 5, 1, str(&a, "x", 2, 7)));
    EXPECT_ONE(r, &a, SIGMA_DIAG_ATTRIBUTE_TYPE, 1, 1);
    /* 256 code points are fine, 257 are not; multi-byte characters count once */
    char title[3 * 257 + 1];
    for (int i = 0; i < 256; i++)
        memcpy(title + 2 * i, "\xc3\xa4", 2); /* U+00E4, 2 bytes */
    title[512] = '\0';
    r = valid_rule(&a);
    replace(r, "title", str(&a, title, 1, 8));
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 0);
    done(&t);
    memcpy(title + 512, "x", 2);
    r = valid_rule(&a);
    replace(r, "title", str(&a, title, 1, 8));
    EXPECT_ONE(r, &a, SIGMA_DIAG_TITLE_TOO_LONG, 1, 8);
    sg_arena_free(&a);
}

static void test_id(void)
{
    sg_arena a = {0};
    sg_node *r = valid_rule(&a);
    replace(r, "id", str(&a, "not-a-uuid", 2, 5));
    run t;
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 1);
    CHECK_EQ_INT(t.list.len, 1);
    CHECK_DIAG(&t, 0, SIGMA_DIAG_BAD_ID, 2, 5);
    if (t.list.len) {
        CHECK_EQ_STR(t.list.items[0].message, "id 'not-a-uuid' is not a UUID");
        CHECK_EQ_STR(t.list.items[0].rule_id, "not-a-uuid");
    }
    CHECK_EQ_STR(t.ctx.rule_id, "not-a-uuid");
    done(&t);
    r = valid_rule(&a);
    replace(r, "id", scalar(&a, "12345", SG_SCALAR_INT, 2, 5));
    EXPECT_ONE(r, &a, SIGMA_DIAG_BAD_ID, 2, 5);
    r = valid_rule(&a);
    replace(r, "id", map(&a, 3, 5));
    EXPECT_ONE(r, &a, SIGMA_DIAG_ATTRIBUTE_TYPE, 2, 1);
    /* no id: diagnostics carry none */
    r = valid_rule(&a);
    drop(r, "id");
    drop(r, "title");
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.list.len, 1);
    if (t.list.len)
        CHECK(t.list.items[0].rule_id == NULL);
    done(&t);
    sg_arena_free(&a);
}

static void test_name(void)
{
    sg_arena a = {0};
    sg_node *r = valid_rule(&a);
    put(&a, r, "name", 23, 1, str(&a, "iis_module_registration", 23, 7));
    run t;
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 0);
    CHECK_EQ_STR(t.meta.name, "iis_module_registration");
    done(&t);
    r = valid_rule(&a);
    put(&a, r, "name", 23, 1, str(&a, "", 23, 7));
    EXPECT_ONE(r, &a, SIGMA_DIAG_ATTRIBUTE_TYPE, 23, 7);
    r = valid_rule(&a);
    put(&a, r, "name", 23, 1, seq(&a, 24, 3, 0));
    EXPECT_ONE(r, &a, SIGMA_DIAG_ATTRIBUTE_TYPE, 23, 1);
    sg_arena_free(&a);
}

static void test_status_level(void)
{
    sg_arena a = {0};
    sg_node *r = valid_rule(&a);
    replace(r, "level", str(&a, "HIGH", 22, 8));
    replace(r, "status", str(&a, "Experimental", 3, 9));
    run t;
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 0);
    CHECK_EQ_STR(t.meta.level, "high");
    CHECK_EQ_STR(t.meta.status, "experimental");
    done(&t);
    static const char *const levels[] = {"informational", "low", "medium", "critical", "LoW"};
    for (int i = 0; i < 5; i++) {
        r = valid_rule(&a);
        replace(r, "level", str(&a, levels[i], 22, 8));
        read_rule(&t, r, &a);
        CHECK_EQ_INT(t.rc, 0);
        done(&t);
    }
    static const char *const statuses[] = {"stable", "deprecated", "unsupported", "TEST"};
    for (int i = 0; i < 4; i++) {
        r = valid_rule(&a);
        replace(r, "status", str(&a, statuses[i], 3, 9));
        read_rule(&t, r, &a);
        CHECK_EQ_INT(t.rc, 0);
        done(&t);
    }
    r = valid_rule(&a);
    replace(r, "level", str(&a, "severe", 22, 8));
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 1);
    CHECK_DIAG(&t, 0, SIGMA_DIAG_BAD_LEVEL, 22, 8);
    if (t.list.len)
        CHECK_EQ_STR(t.list.items[0].message,
                     "level 'severe' is not one of informational, low, medium, high, critical");
    CHECK(t.meta.level == NULL);
    done(&t);
    r = valid_rule(&a);
    replace(r, "status", str(&a, "production", 3, 9));
    EXPECT_ONE(r, &a, SIGMA_DIAG_BAD_STATUS, 3, 9);
    r = valid_rule(&a);
    replace(r, "status", scalar(&a, "true", SG_SCALAR_BOOL, 3, 9));
    EXPECT_ONE(r, &a, SIGMA_DIAG_BAD_STATUS, 3, 9);
    r = valid_rule(&a);
    replace(r, "level", seq(&a, 23, 3, 1, str(&a, "high", 23, 5)));
    EXPECT_ONE(r, &a, SIGMA_DIAG_ATTRIBUTE_TYPE, 22, 1);
    /* a null level is absent */
    r = valid_rule(&a);
    replace(r, "level", null_node(&a, 22, 7));
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 0);
    CHECK(t.meta.level == NULL);
    done(&t);
    sg_arena_free(&a);
}

static void test_tags(void)
{
    sg_arena a = {0};
    static const char *const good[] = {"attack.t1059.001",
                                       "cve.2021-44228",
                                       "detection.threat_hunting",
                                       "tlp.amber",
                                       "car.2016-04-005",
                                       "attack.g0016",
                                       "a.b"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        sg_node *r = valid_rule(&a);
        replace(r, "tags", seq(&a, 11, 5, 1, str(&a, good[i], 11, 7)));
        run t;
        read_rule(&t, r, &a);
        CHECK_MSG(t.rc == 0, "tag %s", good[i]);
        done(&t);
    }
    static const char *const bad[] = {"Attack.T1059", "attack",   ".t1059",   "attack.",
                                      "attack t1059", "attack.é", "attack..", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sg_node *r = valid_rule(&a);
        replace(r, "tags",
                seq(&a, 11, 5, 2, str(&a, "attack.persistence", 11, 7), str(&a, bad[i], 12, 7)));
        run t;
        read_rule(&t, r, &a);
        int ok = !strcmp(bad[i], "attack..");
        CHECK_MSG(t.rc == ok ? 0 : 1, "tag '%s'", bad[i]);
        if (!ok)
            CHECK_DIAG(&t, 0, SIGMA_DIAG_BAD_TAG, 12, 7);
        done(&t);
    }
    /* a single string is a one-item list; a null tag is bad; a map is a type error */
    sg_node *r = valid_rule(&a);
    replace(r, "tags", str(&a, "attack.execution", 10, 7));
    run t;
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 0);
    CHECK_EQ_INT(t.meta.tags.n, 1);
    done(&t);
    r = valid_rule(&a);
    replace(r, "tags", seq(&a, 11, 5, 1, null_node(&a, 11, 6)));
    EXPECT_ONE(r, &a, SIGMA_DIAG_BAD_TAG, 11, 6);
    r = valid_rule(&a);
    replace(r, "tags", seq(&a, 11, 5, 1, map(&a, 11, 7)));
    EXPECT_ONE(r, &a, SIGMA_DIAG_ATTRIBUTE_TYPE, 11, 7);
    r = valid_rule(&a);
    replace(r, "tags", map(&a, 11, 5));
    EXPECT_ONE(r, &a, SIGMA_DIAG_ATTRIBUTE_TYPE, 10, 1);
    sg_arena_free(&a);
}

static void test_dates(void)
{
    sg_arena a = {0};
    struct {
        const char *text;
        sg_scalar_type type;
        const char *norm; /* NULL = invalid */
    } cases[] = {
        {"2019-10-23", SG_SCALAR_STR, "2019-10-23"},
        {"2019/10/23", SG_SCALAR_STR, "2019-10-23"},
        {"2019/1/3", SG_SCALAR_STR, "2019-01-03"},
        {"2020-02-29", SG_SCALAR_DATE, "2020-02-29"},
        {"2001-12-14t21:59:43.10-05:00", SG_SCALAR_DATE, "2001-12-14"},
        {"2001-2-4 10:00:00", SG_SCALAR_DATE, "2001-02-04"},
        {"2019-1-3", SG_SCALAR_STR, NULL},
        {"2019-02-29", SG_SCALAR_STR, NULL},
        {"2019-13-01", SG_SCALAR_STR, NULL},
        {"2019-00-10", SG_SCALAR_STR, NULL},
        {"2019-10-00", SG_SCALAR_STR, NULL},
        {"2019-10-32", SG_SCALAR_STR, NULL},
        {"2019-10-23x", SG_SCALAR_STR, NULL},
        {"2019-10/23", SG_SCALAR_STR, NULL},
        {"19-10-23", SG_SCALAR_STR, NULL},
        {"23.10.2019", SG_SCALAR_STR, NULL},
        {"20191023", SG_SCALAR_INT, NULL},
        {"", SG_SCALAR_STR, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sg_node *r = valid_rule(&a);
        replace(r, "modified", scalar(&a, cases[i].text, cases[i].type, 9, 11));
        run t;
        read_rule(&t, r, &a);
        if (cases[i].norm) {
            CHECK_MSG(t.rc == 0, "date '%s'", cases[i].text);
            CHECK_EQ_STR(t.meta.modified, cases[i].norm);
        } else {
            CHECK_MSG(t.rc == 1 && t.list.len == 1, "date '%s'", cases[i].text);
            CHECK_DIAG(&t, 0, SIGMA_DIAG_BAD_DATE, 9, 11);
            CHECK(t.meta.modified == NULL);
        }
        done(&t);
    }
    sg_node *r = valid_rule(&a);
    replace(r, "date", str(&a, "yesterday", 8, 7));
    EXPECT_ONE(r, &a, SIGMA_DIAG_BAD_DATE, 8, 7);
    r = valid_rule(&a);
    replace(r, "date", map(&a, 9, 3));
    EXPECT_ONE(r, &a, SIGMA_DIAG_ATTRIBUTE_TYPE, 8, 1);
    sg_arena_free(&a);
}

static void test_lists(void)
{
    sg_arena a = {0};
    sg_node *r = valid_rule(&a);
    put(&a, r, "fields", 23, 1,
        seq(&a, 24, 5, 3, str(&a, "CommandLine", 24, 7), null_node(&a, 25, 6),
            scalar(&a, "4688", SG_SCALAR_INT, 26, 7)));
    put(&a, r, "scope", 27, 1, str(&a, "server", 27, 8));
    replace(r, "references", seq(&a, 6, 5, 0));
    run t;
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 0);
    CHECK_EQ_INT(t.meta.fields.n, 2);
    if (t.meta.fields.n == 2) {
        CHECK_EQ_STR(t.meta.fields.items[0], "CommandLine");
        CHECK_EQ_STR(t.meta.fields.items[1], "4688");
    }
    CHECK_EQ_INT(t.meta.scope.n, 1);
    if (t.meta.scope.n == 1)
        CHECK_EQ_STR(t.meta.scope.items[0], "server");
    CHECK_EQ_INT(t.meta.references.n, 0);
    done(&t);

    static const char *const names[] = {"references", "falsepositives", "fields", "scope"};
    for (int i = 0; i < 4; i++) {
        r = valid_rule(&a);
        drop(r, names[i]);
        sg_node *m = map(&a, 24, 5);
        put(&a, m, "a", 24, 5, str(&a, "b", 24, 8));
        put(&a, r, names[i], 23, 1, m);
        EXPECT_ONE(r, &a, SIGMA_DIAG_ATTRIBUTE_TYPE, 23, 1);
        r = valid_rule(&a);
        drop(r, names[i]);
        put(&a, r, names[i], 23, 1,
            seq(&a, 24, 5, 2, str(&a, "ok", 24, 7), seq(&a, 25, 7, 1, str(&a, "x", 25, 9))));
        EXPECT_ONE(r, &a, SIGMA_DIAG_ATTRIBUTE_TYPE, 25, 7);
    }
    sg_arena_free(&a);
}

static void test_free_text(void)
{
    sg_arena a = {0};
    sg_node *r = valid_rule(&a);
    put(&a, r, "license", 23, 1, str(&a, "DRL-1.1", 23, 10));
    put(&a, r, "taxonomy", 24, 1, str(&a, "sigma", 24, 11));
    replace(r, "author", scalar(&a, "yes", SG_SCALAR_BOOL, 7, 9));
    replace(r, "description", null_node(&a, 4, 13));
    run t;
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 0);
    CHECK_EQ_STR(t.meta.license, "DRL-1.1");
    CHECK_EQ_STR(t.meta.taxonomy, "sigma");
    CHECK_EQ_STR(t.meta.author, "yes");
    CHECK(t.meta.description == NULL);
    done(&t);
    static const char *const names[] = {"author", "description", "license", "taxonomy"};
    for (int i = 0; i < 4; i++) {
        r = valid_rule(&a);
        drop(r, names[i]);
        put(&a, r, names[i], 23, 1, seq(&a, 24, 3, 1, str(&a, "x", 24, 5)));
        EXPECT_ONE(r, &a, SIGMA_DIAG_ATTRIBUTE_TYPE, 23, 1);
    }
    sg_arena_free(&a);
}

static sg_node *related_entry(sg_arena *a, uint32_t line, const char *id, const char *type)
{
    sg_node *m = map(a, line, 7);
    if (id)
        put(a, m, "id", line, 7, str(a, id, line, 11));
    if (type)
        put(a, m, "type", line + 1, 7, str(a, type, line + 1, 13));
    return m;
}

static void test_related(void)
{
    sg_arena a = {0};
    const char *uuid = "7a20ec4a-2b93-4a0b-8c5f-6d3e3f2b5c61";
    sg_node *r = valid_rule(&a);
    put(&a, r, "related", 23, 1,
        seq(&a, 24, 5, 4, related_entry(&a, 24, uuid, "derived"),
            related_entry(&a, 26, uuid, "obsoletes"), related_entry(&a, 28, uuid, "Similar"),
            related_entry(&a, 30, uuid, "correlation")));
    run t;
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 0);
    done(&t);

    r = valid_rule(&a);
    put(&a, r, "related", 23, 1,
        seq(&a, 24, 5, 5, related_entry(&a, 24, "123", "derived"),
            related_entry(&a, 26, uuid, "cousin"), related_entry(&a, 28, NULL, "merged"),
            related_entry(&a, 30, uuid, NULL), str(&a, "x", 32, 7)));
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 1);
    CHECK_EQ_INT(t.list.len, 5);
    CHECK_DIAG(&t, 0, SIGMA_DIAG_BAD_RELATED, 24, 11); /* id value */
    CHECK_DIAG(&t, 1, SIGMA_DIAG_BAD_RELATED, 27, 13); /* type value */
    CHECK_DIAG(&t, 2, SIGMA_DIAG_BAD_RELATED, 28, 7);  /* entry without id */
    CHECK_DIAG(&t, 3, SIGMA_DIAG_BAD_RELATED, 30, 7);  /* entry without type */
    CHECK_DIAG(&t, 4, SIGMA_DIAG_BAD_RELATED, 32, 7);  /* not a map */
    done(&t);

    r = valid_rule(&a);
    put(&a, r, "related", 23, 1, related_entry(&a, 24, uuid, "derived"));
    EXPECT_ONE(r, &a, SIGMA_DIAG_BAD_RELATED, 23, 1);
    sg_arena_free(&a);
}

static void test_logsource(void)
{
    sg_arena a = {0};
    /* only service, plus definition and an extra key */
    sg_node *r = valid_rule(&a);
    sg_node *ls = map(&a, 14, 5);
    put(&a, ls, "service", 14, 5, str(&a, "sysmon", 14, 14));
    put(&a, ls, "definition", 15, 5, str(&a, "Requirements: Sysmon config", 15, 17));
    put(&a, ls, "custom", 16, 5, seq(&a, 17, 9, 0));
    replace(r, "logsource", ls);
    run t;
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 0);
    CHECK_EQ_STR(t.meta.ls_service, "sysmon");
    CHECK_EQ_STR(t.meta.ls_definition, "Requirements: Sysmon config");
    CHECK(t.meta.ls_product == NULL && t.meta.ls_category == NULL);
    done(&t);

    /* none of category/product/service: at the logsource key */
    r = valid_rule(&a);
    ls = map(&a, 14, 5);
    put(&a, ls, "definition", 14, 5, str(&a, "x", 14, 17));
    replace(r, "logsource", ls);
    EXPECT_ONE(r, &a, SIGMA_DIAG_BAD_LOGSOURCE, 13, 1);
    r = valid_rule(&a);
    replace(r, "logsource", map(&a, 13, 12)); /* {} */
    EXPECT_ONE(r, &a, SIGMA_DIAG_BAD_LOGSOURCE, 13, 1);

    /* non-string values: at the value */
    r = valid_rule(&a);
    ls = map(&a, 14, 5);
    put(&a, ls, "product", 14, 5, seq(&a, 15, 9, 1, str(&a, "windows", 15, 11)));
    put(&a, ls, "category", 16, 5, scalar(&a, "1", SG_SCALAR_INT, 16, 15));
    put(&a, ls, "service", 17, 5, str(&a, "security", 17, 14));
    replace(r, "logsource", ls);
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 1);
    CHECK_EQ_INT(t.list.len, 2);
    CHECK_DIAG(&t, 0, SIGMA_DIAG_BAD_LOGSOURCE, 16, 15);
    CHECK_DIAG(&t, 1, SIGMA_DIAG_BAD_LOGSOURCE, 15, 9);
    done(&t);

    /* not a map: at the key */
    r = valid_rule(&a);
    replace(r, "logsource", str(&a, "windows", 13, 12));
    EXPECT_ONE(r, &a, SIGMA_DIAG_BAD_LOGSOURCE, 13, 1);
    sg_arena_free(&a);
}

static void test_detection(void)
{
    sg_arena a = {0};
    sg_node *r = valid_rule(&a);
    replace(r, "detection", seq(&a, 17, 5, 1, str(&a, "x", 17, 7)));
    run t;
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 1);
    CHECK_DIAG(&t, 0, SIGMA_DIAG_ATTRIBUTE_TYPE, 16, 1);
    CHECK(t.meta.detection == NULL);
    done(&t);

    r = valid_rule(&a);
    sg_node *det = map(&a, 17, 5);
    put(&a, det, "selection", 17, 5, str(&a, "x", 17, 16));
    replace(r, "detection", det);
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 1);
    CHECK_EQ_INT(t.list.len, 1);
    CHECK_DIAG(&t, 0, SIGMA_DIAG_MISSING_ATTRIBUTE, 16, 1);
    if (t.list.len)
        CHECK_EQ_STR(t.list.items[0].message, "detection has no 'condition'");
    CHECK(t.meta.detection == det);
    done(&t);
    sg_arena_free(&a);
}

/* Every problem of a rule is reported, not only the first. */
static void test_many_errors(void)
{
    sg_arena a = {0};
    sg_node *r = valid_rule(&a);
    drop(r, "title");
    replace(r, "id", str(&a, "043c4b8b", 2, 5));
    replace(r, "status", str(&a, "beta", 3, 9));
    replace(r, "date", str(&a, "2022-8-4", 8, 7));
    replace(r, "tags",
            seq(&a, 11, 5, 2, str(&a, "attack.Persistence", 11, 7),
                str(&a, "attack.t1505.004", 12, 7)));
    replace(r, "level", str(&a, "urgent", 22, 8));
    sg_node *det = map(&a, 17, 5);
    put(&a, det, "selection", 17, 5, str(&a, "x", 17, 16));
    replace(r, "detection", det);
    replace(r, "logsource", map(&a, 13, 12));
    run t;
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 1);
    CHECK_EQ_INT(t.list.len, 8);
    CHECK_EQ_INT(t.list.errors, 8);
    CHECK_DIAG(&t, 0, SIGMA_DIAG_BAD_ID, 2, 5);
    CHECK_DIAG(&t, 1, SIGMA_DIAG_MISSING_ATTRIBUTE, 1, 1);
    CHECK_DIAG(&t, 2, SIGMA_DIAG_BAD_STATUS, 3, 9);
    CHECK_DIAG(&t, 3, SIGMA_DIAG_BAD_DATE, 8, 7);
    CHECK_DIAG(&t, 4, SIGMA_DIAG_BAD_TAG, 11, 7);
    CHECK_DIAG(&t, 5, SIGMA_DIAG_BAD_LOGSOURCE, 13, 1);
    CHECK_DIAG(&t, 6, SIGMA_DIAG_MISSING_ATTRIBUTE, 16, 1);
    CHECK_DIAG(&t, 7, SIGMA_DIAG_BAD_LEVEL, 22, 8);
    for (size_t i = 0; i < t.list.len; i++)
        CHECK_EQ_STR(t.list.items[i].rule_id, "043c4b8b");
    done(&t);
    sg_arena_free(&a);
}

/* Unknown keys are accepted; with a duplicated key the last one counts. */
static void test_extra_and_duplicate_keys(void)
{
    sg_arena a = {0};
    sg_node *r = valid_rule(&a);
    put(&a, r, "regression_tests_path", 23, 1, str(&a, "regression_data/x/info.yml", 23, 24));
    put(&a, r, "simulation", 24, 1, seq(&a, 25, 5, 0));
    put(&a, r, "level", 26, 1, str(&a, "low", 26, 8));
    run t;
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 0);
    CHECK_EQ_STR(t.meta.level, "low");
    done(&t);
    sg_arena_free(&a);
}

/* Quoted text in messages is bounded and not cut inside a UTF-8 sequence. */
static void test_long_message_text(void)
{
    sg_arena a = {0};
    char id[301];
    for (int i = 0; i < 300; i += 3)
        memcpy(id + i, "\xe2\x82\xac", 3); /* U+20AC */
    id[300] = '\0';
    sg_node *r = valid_rule(&a);
    replace(r, "id", str(&a, id, 2, 5));
    run t;
    read_rule(&t, r, &a);
    CHECK_EQ_INT(t.rc, 1);
    if (t.list.len) {
        const char *msg = t.list.items[0].message;
        CHECK(strlen(msg) < 150);
        const char *q = strchr(msg + 4, '\'');
        CHECK(q && (q - (msg + 4)) % 3 == 0);
    }
    done(&t);
    sg_arena_free(&a);
}

int main(void)
{
    test_uuid();
    test_valid_rule();
    test_not_a_map();
    test_missing_required();
    test_title();
    test_id();
    test_name();
    test_status_level();
    test_tags();
    test_dates();
    test_lists();
    test_free_text();
    test_related();
    test_logsource();
    test_detection();
    test_many_errors();
    test_extra_and_duplicate_keys();
    test_long_message_text();
    return TEST_DONE();
}
