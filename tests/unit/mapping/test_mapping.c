/* Unit tests for lib/mapping: the YAML format (docs/mapping.md), its errors with
 * positions, and the built-in default mapping. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping/mapping.h"
#include "test.h"

/* One load with its diagnostics. */
typedef struct loaded {
    sg_mapping m;
    sigma_diagnostics list;
    int rc;
} loaded;

static void load_into(loaded *l, const char *src)
{
    sg_diag_ctx ctx = {.list = &l->list, .source = "m.yml"};
    l->rc = sg_mapping_load_yaml(&l->m, src, strlen(src), &ctx);
}

static void load(loaded *l, const char *src)
{
    memset(l, 0, sizeof *l);
    load_into(l, src);
}

static void done(loaded *l)
{
    sg_mapping_free(&l->m);
    sg_diagnostics_free_items(&l->list);
}

/* The first diagnostic with `code` whose message contains `needle`, or NULL. */
static const sg_diag *find_diag(const loaded *l, int code, const char *needle)
{
    for (size_t i = 0; i < l->list.len; i++)
        if (l->list.items[i].code == code && strstr(l->list.items[i].message, needle))
            return &l->list.items[i];
    return NULL;
}

static void dump(const loaded *l)
{
    for (size_t i = 0; i < l->list.len; i++)
        fprintf(stderr, "  diag %d %u:%u %s\n", (int)l->list.items[i].code,
                (unsigned)l->list.items[i].pos.line, (unsigned)l->list.items[i].pos.col,
                l->list.items[i].message);
}

/* Asserts that loading `src` gives one BAD_MAPPING error (and no other
 * diagnostic) at line:col whose message contains `needle`, and keeps `kept`
 * entries. */
#define CHECK_BAD(src, line_, col_, needle, kept)                                                  \
    do {                                                                                           \
        loaded l_;                                                                                 \
        load(&l_, src);                                                                            \
        const sg_diag *d_ = find_diag(&l_, SIGMA_DIAG_BAD_MAPPING, needle);                        \
        CHECK_MSG(d_ != NULL, "no error containing '%s'", needle);                                 \
        if (d_) {                                                                                  \
            CHECK_EQ_INT(d_->pos.line, line_);                                                     \
            CHECK_EQ_INT(d_->pos.col, col_);                                                       \
            CHECK_EQ_STR(d_->source, "m.yml");                                                     \
            CHECK_EQ_INT(d_->severity, SIGMA_SEVERITY_ERROR);                                      \
        }                                                                                          \
        CHECK_EQ_INT(l_.list.len, 1);                                                              \
        CHECK_EQ_INT(l_.rc, 1);                                                                    \
        CHECK_EQ_INT(l_.m.n, kept);                                                                \
        if (l_.list.len != 1)                                                                      \
            dump(&l_);                                                                             \
        done(&l_);                                                                                 \
    } while (0)

static const sg_map_cond *cond(const sg_map_entry *e, const char *field)
{
    for (size_t i = 0; i < e->nconds; i++)
        if (strcmp(e->conds[i].field, field) == 0)
            return &e->conds[i];
    return NULL;
}

static const sg_map_rename *rename_of(const sg_map_entry *e, const char *rule_field)
{
    for (size_t i = 0; i < e->nrenames; i++)
        if (strcmp(e->renames[i].rule_field, rule_field) == 0)
            return &e->renames[i];
    return NULL;
}

static int has_value(const sg_map_cond *c, const char *v)
{
    for (size_t i = 0; c && i < c->nvalues; i++)
        if (strcmp(c->values[i], v) == 0)
            return 1;
    return 0;
}

static int streq_or_null(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The entries for a logsource (NULL = unset) whose `field` condition has `value`. */
static const sg_map_entry *find_entry(const sg_mapping *m, const char *product,
                                      const char *category, const char *service, const char *field,
                                      const char *value)
{
    for (size_t i = 0; i < m->n; i++) {
        const sg_map_entry *e = &m->entries[i];
        if (streq_or_null(e->product, product) && streq_or_null(e->category, category) &&
            streq_or_null(e->service, service) && (!field || has_value(cond(e, field), value)))
            return e;
    }
    return NULL;
}

/* ------------------------------------------------------------------ the format */

static void test_basic(void)
{
    loaded l;
    load(&l, "mappings:\n"
             "  - logsource: {product: windows, category: process_creation}\n"
             "    when: {Channel: Microsoft-Windows-Sysmon/Operational, EventID: 1}\n"
             "    coverage: [{provider: Microsoft-Windows-Sysmon, event_id: 1, title: Process "
             "creation}]\n"
             "  - logsource:\n"
             "      product: windows\n"
             "      category: process_creation\n"
             "    when:\n"
             "      Channel: Security\n"
             "      EventID: 4688\n"
             "    fields: {Image: NewProcessName, User: [TargetUserName, SubjectUserName]}\n"
             "    coverage:\n"
             "      - provider: Microsoft-Windows-Security-Auditing\n"
             "        event_id: 4688\n"
             "        title: A new process has been created.\n"
             "      - {title: only a title}\n");
    CHECK_EQ_INT(l.rc, 0);
    CHECK_EQ_INT(l.list.len, 0);
    CHECK_EQ_INT(l.m.n, 2);
    if (l.m.n == 2) {
        const sg_map_entry *a = &l.m.entries[0], *b = &l.m.entries[1];
        CHECK_EQ_STR(a->product, "windows");
        CHECK_EQ_STR(a->category, "process_creation");
        CHECK(a->service == NULL);
        CHECK_EQ_INT(a->nconds, 2);
        CHECK_EQ_STR(a->conds[0].field, "Channel");
        CHECK_EQ_INT(a->conds[0].nvalues, 1);
        CHECK_EQ_STR(a->conds[0].values[0], "Microsoft-Windows-Sysmon/Operational");
        CHECK_EQ_STR(a->conds[1].field, "EventID");
        CHECK_EQ_STR(a->conds[1].values[0], "1");
        CHECK_EQ_INT(a->nrenames, 0);
        CHECK_EQ_INT(a->ncoverage, 1);
        CHECK_EQ_STR(a->coverage[0].provider, "Microsoft-Windows-Sysmon");
        CHECK_EQ_INT(a->coverage[0].event_id, 1);
        CHECK_EQ_STR(a->coverage[0].title, "Process creation");
        CHECK_EQ_INT(a->pos.line, 2);
        CHECK_EQ_INT(a->pos.col, 5);

        CHECK_EQ_STR(b->conds[1].values[0], "4688");
        CHECK_EQ_INT(b->nrenames, 2);
        CHECK_EQ_STR(b->renames[0].rule_field, "Image");
        CHECK_EQ_INT(b->renames[0].nevent_fields, 1);
        CHECK_EQ_STR(b->renames[0].event_fields[0], "NewProcessName");
        CHECK_EQ_STR(b->renames[1].rule_field, "User");
        CHECK_EQ_INT(b->renames[1].nevent_fields, 2);
        CHECK_EQ_STR(b->renames[1].event_fields[0], "TargetUserName");
        CHECK_EQ_STR(b->renames[1].event_fields[1], "SubjectUserName");
        CHECK_EQ_INT(b->ncoverage, 2);
        CHECK_EQ_STR(b->coverage[0].title, "A new process has been created.");
        CHECK(b->coverage[1].provider == NULL);
        CHECK_EQ_INT(b->coverage[1].event_id, -1);
        CHECK_EQ_STR(b->coverage[1].title, "only a title");
        CHECK_EQ_INT(b->pos.line, 5);
    }
    /* A second file appends to the same mapping. */
    load_into(&l, "mappings: [{logsource: {service: x}, when: {Channel: X}}]\n");
    CHECK_EQ_INT(l.rc, 0);
    CHECK_EQ_INT(l.m.n, 3);
    if (l.m.n == 3) {
        CHECK_EQ_STR(l.m.entries[2].service, "x");
        CHECK_EQ_STR(l.m.entries[0].conds[0].values[0], "Microsoft-Windows-Sysmon/Operational");
    }
    done(&l);
}

static void test_values(void)
{
    loaded l;
    /* Lists, numbers as decimal text (hex, octal, underscores), other scalars as written. */
    load(&l, "mappings:\n"
             "  - logsource: {product: p}\n"
             "    when:\n"
             "      EventID: [1, 0x10, 010, 1_000, '7', -3]\n"
             "      Flag: yes\n"
             "      Version: 1.5\n"
             "      Empty: ''\n"
             "      Day: 2024-01-02\n");
    CHECK_EQ_INT(l.rc, 0);
    CHECK_EQ_INT(l.m.n, 1);
    if (l.m.n == 1) {
        const sg_map_cond *c = cond(&l.m.entries[0], "EventID");
        CHECK(c && c->nvalues == 6);
        if (c && c->nvalues == 6) {
            CHECK_EQ_STR(c->values[0], "1");
            CHECK_EQ_STR(c->values[1], "16");
            CHECK_EQ_STR(c->values[2], "8");
            CHECK_EQ_STR(c->values[3], "1000");
            CHECK_EQ_STR(c->values[4], "7");
            CHECK_EQ_STR(c->values[5], "-3");
        }
        c = cond(&l.m.entries[0], "Flag");
        CHECK(c && c->nvalues == 1 && strcmp(c->values[0], "yes") == 0);
        c = cond(&l.m.entries[0], "Version");
        CHECK(c && c->nvalues == 1 && strcmp(c->values[0], "1.5") == 0);
        c = cond(&l.m.entries[0], "Empty");
        CHECK(c && c->nvalues == 1 && strcmp(c->values[0], "") == 0);
        c = cond(&l.m.entries[0], "Day");
        CHECK(c && c->nvalues == 1 && strcmp(c->values[0], "2024-01-02") == 0);
    }
    done(&l);

    /* An entry without `when` never classifies events but may carry fields. */
    load(&l, "mappings: [{logsource: {category: c}, fields: {A: B}}]\n");
    CHECK_EQ_INT(l.rc, 0);
    CHECK_EQ_INT(l.m.n, 1);
    if (l.m.n == 1) {
        CHECK_EQ_INT(l.m.entries[0].nconds, 0);
        CHECK_EQ_INT(l.m.entries[0].nrenames, 1);
    }
    done(&l);

    /* An empty list of entries is a valid (empty) mapping. */
    load(&l, "mappings: []\n");
    CHECK_EQ_INT(l.rc, 0);
    CHECK_EQ_INT(l.list.len, 0);
    CHECK_EQ_INT(l.m.n, 0);
    done(&l);
}

static void test_errors(void)
{
    /* The document */
    CHECK_BAD("", 1, 1, "empty mapping", 0);
    CHECK_BAD("# only a comment\n", 1, 1, "empty mapping", 0);
    CHECK_BAD("- a\n- b\n", 1, 1, "a mapping file is a map", 0);
    CHECK_BAD("entries: []\nmappings: []\n", 1, 1, "unknown key 'entries'", 0);
    {
        loaded l; /* a typo: the unknown key and the missing list */
        load(&l, "mapping: []\n");
        CHECK_EQ_INT(l.list.errors, 2);
        CHECK(find_diag(&l, SIGMA_DIAG_BAD_MAPPING, "unknown key 'mapping'") != NULL);
        CHECK(find_diag(&l, SIGMA_DIAG_BAD_MAPPING, "needs a 'mappings' list") != NULL);
        done(&l);
    }
    CHECK_BAD("mappings: {a: b}\n", 1, 11, "'mappings' must be a list", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    when: {X: 1}\n---\nmappings: []\n", 4, 1,
              "one YAML document", 1);

    /* Entries */
    CHECK_BAD("mappings:\n  - just text\n", 2, 5, "must be a map", 0);
    CHECK_BAD("mappings:\n  - when: {Channel: X}\n", 2, 5, "needs a logsource", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n", 2, 5, "needs when, fields or coverage",
              0);
    CHECK_BAD(
        "mappings:\n  - logsource: {product: a}\n    coverage: [{title: T}]\n    whne: {X: 1}\n", 4,
        5, "unknown key 'whne' in a mapping entry", 0);

    /* logsource */
    CHECK_BAD("mappings:\n  - logsource: {prodcut: windows}\n    when: {Channel: X}\n", 2, 17,
              "unknown key 'prodcut' in logsource", 0);
    CHECK_BAD("mappings:\n  - logsource: windows\n    when: {Channel: X}\n", 2, 16,
              "logsource must be a map", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: 1}\n    when: {Channel: X}\n", 2, 26,
              "logsource product must be a string, not a number", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: ''}\n    when: {Channel: X}\n", 2, 26,
              "logsource product must not be empty", 0);
    CHECK_BAD("mappings:\n  - logsource: {}\n    when: {Channel: X}\n", 2, 16,
              "at least one of product", 0);

    /* when */
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    when: Channel\n", 3, 11,
              "when must be a map", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    when: {}\n", 3, 11,
              "when needs at least one condition", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    when: {Channel: }\n", 3, 21,
              "condition 'Channel' must be a string or a number, not null", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    when: {Channel: []}\n", 3, 21,
              "condition 'Channel' has an empty list", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    when: {Channel: [A, [B]]}\n", 3, 25,
              "must be a string or a number, not a list", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    when: {Channel: {A: B}}\n", 3, 21,
              "not a map", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    when: {'': X}\n", 3, 12,
              "a condition field must be a non-empty field name", 0);

    /* fields */
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    fields: [Image]\n", 3, 13,
              "fields must be a map", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    fields: {Image: }\n", 3, 21,
              "an event field must be a non-empty field name, not null", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    fields: {Image: []}\n", 3, 21,
              "rule field 'Image' has an empty list", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    fields: {Image: [A, {B: C}]}\n", 3, 25,
              "an event field must be a non-empty field name, not a map", 0);

    /* coverage */
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    coverage: {title: T}\n", 3, 15,
              "coverage must be a list", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    coverage: [{titel: T}]\n", 3, 17,
              "unknown key 'titel' in a coverage row", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    coverage: [{}]\n", 3, 16,
              "at least one of provider", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    coverage: [T]\n", 3, 16,
              "a coverage row must be a map", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    coverage: [{event_id: '1'}]\n", 3, 27,
              "event_id must be a non-negative integer, not a string", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    coverage: [{event_id: -1}]\n", 3, 27,
              "not a negative number", 0);
    CHECK_BAD("mappings:\n  - logsource: {product: a}\n    coverage: [{provider: [a]}]\n", 3, 27,
              "coverage provider must be a string, not a list", 0);

    /* A bad entry is skipped, the others are kept. */
    CHECK_BAD("mappings:\n"
              "  - {logsource: {product: a}, when: {X: 1}}\n"
              "  - {logsource: {product: b}, when: {X: 1}, covrage: []}\n"
              "  - {logsource: {product: c}, when: {X: 1}}\n",
              3, 45, "unknown key 'covrage'", 2);
    {
        loaded l;
        load(&l, "mappings:\n"
                 "  - {logsource: {product: a}, when: {X: 1}}\n"
                 "  - {logsource: {product: b}, when: {X: 1}, covrage: []}\n"
                 "  - {logsource: {product: c}, when: {X: 1}}\n");
        CHECK(l.m.n == 2 && strcmp(l.m.entries[0].product, "a") == 0 &&
              strcmp(l.m.entries[1].product, "c") == 0);
        done(&l);
    }

    /* Every problem of an entry is reported, not only the first. */
    {
        loaded l;
        load(&l, "mappings:\n  - logsource: {product: 1}\n    when: {A: }\n    extra: 1\n");
        CHECK_EQ_INT(l.list.len, 3);
        CHECK_EQ_INT(l.list.errors, 3);
        CHECK_EQ_INT(l.m.n, 0);
        done(&l);
    }

    /* YAML errors: the loader's own diagnostic, then nothing is loaded. */
    {
        loaded l;
        load(&l, "mappings:\n  - logsource: {product: a\n    when: {X: 1}\n");
        CHECK_EQ_INT(l.rc, 1);
        CHECK_EQ_INT(l.m.n, 0);
        CHECK(find_diag(&l, SIGMA_DIAG_YAML_SYNTAX, "") != NULL);
        const sg_diag *d = find_diag(&l, SIGMA_DIAG_BAD_MAPPING, "fix the YAML errors");
        CHECK(d != NULL);
        if (d)
            CHECK_EQ_INT(d->pos.line, 1);
        done(&l);
    }
    {
        loaded l; /* a duplicate key would silently replace a condition */
        load(&l, "mappings:\n  - logsource: {product: a}\n    when: {X: 1, X: 2}\n");
        CHECK_EQ_INT(l.rc, 1);
        CHECK_EQ_INT(l.m.n, 0);
        const sg_diag *d = find_diag(&l, SIGMA_DIAG_YAML_DUPLICATE_KEY, "");
        CHECK(d != NULL);
        if (d) {
            CHECK_EQ_INT(d->pos.line, 3);
            CHECK_EQ_INT(d->pos.col, 18);
        }
        CHECK(find_diag(&l, SIGMA_DIAG_BAD_MAPPING, "fix the YAML errors") != NULL);
        done(&l);
    }

    /* Without a diagnostics list the result is the same. */
    {
        sg_mapping m;
        memset(&m, 0, sizeof m);
        sg_diag_ctx quiet = {0};
        const char *src = "mappings: [{logsource: {product: a}, when: {X: }}]";
        CHECK_EQ_INT(sg_mapping_load_yaml(&m, src, strlen(src), &quiet), 1);
        CHECK_EQ_INT(quiet.errors, 1);
        CHECK_EQ_INT(m.n, 0);
        sg_mapping_free(&m);
        sg_mapping_free(&m); /* freeing twice is harmless */
    }
}

/* ------------------------------------------------------------------ the default */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static void test_default_matches_yml(void)
{
    size_t len = 0, flen = 0;
    const char *yaml = sg_mapping_default_yaml(&len);
    CHECK(yaml != NULL && len > 1000);
    CHECK_EQ_INT(strlen(yaml), len);
    char *file = read_file(SG_DEFAULT_MAPPING_YML, &flen);
    CHECK_MSG(file != NULL, "cannot read %s", SG_DEFAULT_MAPPING_YML);
    if (file) {
        CHECK_MSG(flen == len && memcmp(file, yaml, len) == 0,
                  "lib/mapping/default_mapping.c is out of date with default_mapping.yml "
                  "(regenerate it: see the comment at its top)");
        free(file);
    }
}

static void test_default(void)
{
    size_t len;
    const char *yaml = sg_mapping_default_yaml(&len);
    loaded l;
    memset(&l, 0, sizeof l);
    sg_diag_ctx ctx = {.list = &l.list, .source = "<built-in mapping>"};
    l.rc = sg_mapping_load_yaml(&l.m, yaml, len, &ctx);
    CHECK_EQ_INT(l.rc, 0);
    CHECK_EQ_INT(l.list.len, 0);
    if (l.list.len)
        dump(&l);
    CHECK_EQ_INT(l.m.n, 93);
    const sg_mapping *m = &l.m;

    /* process_creation: Sysmon 1 and Security 4688, with their titles. */
    const sg_map_entry *sys1 = find_entry(m, "windows", "process_creation", NULL, "EventID", "1");
    const sg_map_entry *sec = find_entry(m, "windows", "process_creation", NULL, "EventID", "4688");
    CHECK(sys1 && sec);
    if (sys1) {
        CHECK(has_value(cond(sys1, "Channel"), "Microsoft-Windows-Sysmon/Operational"));
        CHECK_EQ_INT(sys1->ncoverage, 1);
        CHECK_EQ_STR(sys1->coverage[0].provider, "Microsoft-Windows-Sysmon");
        CHECK_EQ_INT(sys1->coverage[0].event_id, 1);
        CHECK_EQ_STR(sys1->coverage[0].title, "Process creation");
        CHECK_EQ_INT(sys1->nrenames, 0);
    }
    if (sec) {
        CHECK(has_value(cond(sec, "Channel"), "Security"));
        CHECK_EQ_INT(sec->ncoverage, 1);
        CHECK_EQ_STR(sec->coverage[0].provider, "Microsoft-Windows-Security-Auditing");
        CHECK_EQ_INT(sec->coverage[0].event_id, 4688);
        CHECK_EQ_STR(sec->coverage[0].title, "A new process has been created.");
        const sg_map_rename *r = rename_of(sec, "Image");
        CHECK(r && r->nevent_fields == 1 && strcmp(r->event_fields[0], "NewProcessName") == 0);
        r = rename_of(sec, "ParentImage");
        CHECK(r && r->nevent_fields == 1 && strcmp(r->event_fields[0], "ParentProcessName") == 0);
    }
    int pc = 0;
    for (size_t i = 0; i < m->n; i++)
        pc += streq_or_null(m->entries[i].product, "windows") &&
              streq_or_null(m->entries[i].category, "process_creation");
    CHECK_EQ_INT(pc, 2);

    /* Every Sysmon category of sigma-semantics.md 8.2 with its ids. */
    static const struct {
        const char *category;
        const char *ids[3];
    } sysmon[] = {
        {"process_creation", {"1"}},
        {"file_change", {"2"}},
        {"network_connection", {"3"}},
        {"sysmon_status", {"4", "16"}},
        {"process_termination", {"5"}},
        {"driver_load", {"6"}},
        {"image_load", {"7"}},
        {"create_remote_thread", {"8"}},
        {"raw_access_thread", {"9"}},
        {"process_access", {"10"}},
        {"file_event", {"11"}},
        {"registry_add", {"12"}},
        {"registry_delete", {"12"}},
        {"registry_set", {"13"}},
        {"registry_rename", {"14"}},
        {"registry_event", {"12", "13", "14"}},
        {"create_stream_hash", {"15"}},
        {"pipe_created", {"17", "18"}},
        {"wmi_event", {"19", "20", "21"}},
        {"dns_query", {"22"}},
        {"file_delete", {"23"}},
        {"clipboard_capture", {"24"}},
        {"process_tampering", {"25"}},
        {"file_delete_detected", {"26"}},
        {"file_block_executable", {"27"}},
        {"file_block_shredding", {"28"}},
        {"file_executable_detected", {"29"}},
        {"sysmon_error", {"255"}},
    };
    for (size_t i = 0; i < sizeof sysmon / sizeof sysmon[0]; i++) {
        const sg_map_entry *e = find_entry(m, "windows", sysmon[i].category, NULL, "Channel",
                                           "Microsoft-Windows-Sysmon/Operational");
        CHECK_MSG(e != NULL, "no Sysmon entry for %s", sysmon[i].category);
        if (!e)
            continue;
        const sg_map_cond *ids = cond(e, "EventID");
        size_t n = 0;
        for (; n < 3 && sysmon[i].ids[n]; n++)
            CHECK_MSG(has_value(ids, sysmon[i].ids[n]), "%s lacks EventID %s", sysmon[i].category,
                      sysmon[i].ids[n]);
        CHECK_MSG(ids && ids->nvalues == n, "%s has other EventIDs", sysmon[i].category);
        CHECK_MSG(e->ncoverage == n, "%s: %zu coverage rows", sysmon[i].category, e->ncoverage);
        for (size_t k = 0; k < e->ncoverage; k++)
            CHECK(e->coverage[k].title && e->coverage[k].event_id >= 0 &&
                  streq_or_null(e->coverage[k].provider, "Microsoft-Windows-Sysmon"));
    }
    const sg_map_entry *e = find_entry(m, "windows", "registry_add", NULL, "Channel",
                                       "Microsoft-Windows-Sysmon/Operational");
    CHECK(e && has_value(cond(e, "EventType"), "CreateKey"));
    e = find_entry(m, "windows", "registry_delete", NULL, "Channel",
                   "Microsoft-Windows-Sysmon/Operational");
    CHECK(e && has_value(cond(e, "EventType"), "DeleteKey") &&
          has_value(cond(e, "EventType"), "DeleteValue"));

    /* Security 4657 registry equivalents with OperationType and Details -> NewValue. */
    static const char *const reg[] = {"registry_event", "registry_add", "registry_set"};
    for (size_t i = 0; i < 3; i++) {
        e = find_entry(m, "windows", reg[i], NULL, "EventID", "4657");
        CHECK_MSG(e != NULL, "no 4657 entry for %s", reg[i]);
        if (!e)
            continue;
        CHECK(has_value(cond(e, "Channel"), "Security"));
        const sg_map_cond *op = cond(e, "OperationType");
        CHECK(op != NULL);
        CHECK_EQ_INT(has_value(op, "New registry value created"), i != 2);
        CHECK_EQ_INT(has_value(op, "Existing registry value modified"), i != 1);
        const sg_map_rename *r = rename_of(e, "Details");
        CHECK(r && strcmp(r->event_fields[0], "NewValue") == 0);
    }

    /* PowerShell */
    static const struct {
        const char *category, *channel, *id;
    } ps[] = {
        {"ps_module", "Microsoft-Windows-PowerShell/Operational", "4103"},
        {"ps_module", "PowerShellCore/Operational", "4103"},
        {"ps_script", "Microsoft-Windows-PowerShell/Operational", "4104"},
        {"ps_script", "PowerShellCore/Operational", "4104"},
        {"ps_classic_start", "Windows PowerShell", "400"},
        {"ps_classic_provider_start", "Windows PowerShell", "600"},
        {"ps_classic_script", "Windows PowerShell", "800"},
    };
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        e = find_entry(m, "windows", ps[i].category, NULL, "Channel", ps[i].channel);
        CHECK_MSG(e && has_value(cond(e, "EventID"), ps[i].id), "%s on %s", ps[i].category,
                  ps[i].channel);
    }

    /* Services: a Channel condition only. */
    static const struct {
        const char *service, *channel;
    } svc[] = {
        {"security", "Security"},
        {"system", "System"},
        {"application", "Application"},
        {"sysmon", "Microsoft-Windows-Sysmon/Operational"},
        {"powershell", "Microsoft-Windows-PowerShell/Operational"},
        {"powershell", "PowerShellCore/Operational"},
        {"powershell-classic", "Windows PowerShell"},
        {"taskscheduler", "Microsoft-Windows-TaskScheduler/Operational"},
        {"wmi", "Microsoft-Windows-WMI-Activity/Operational"},
        {"windefend", "Microsoft-Windows-Windows Defender/Operational"},
        {"bits-client", "Microsoft-Windows-Bits-Client/Operational"},
        {"applocker", "Microsoft-Windows-AppLocker/EXE and DLL"},
        {"openssh", "OpenSSH/Operational"},
    };
    for (size_t i = 0; i < sizeof svc / sizeof svc[0]; i++) {
        int found = 0;
        for (size_t k = 0; k < m->n; k++) {
            e = &m->entries[k];
            found += streq_or_null(e->product, "windows") && !e->category &&
                     streq_or_null(e->service, svc[i].service) && e->nconds == 1 &&
                     has_value(cond(e, "Channel"), svc[i].channel) && e->nrenames == 0 &&
                     e->ncoverage == 1;
        }
        CHECK_MSG(found == 1, "service %s: %d entries", svc[i].service, found);
    }
    int services = 0;
    for (size_t i = 0; i < m->n; i++)
        services += m->entries[i].service != NULL && m->entries[i].nconds == 1;
    CHECK_EQ_INT(services, 50);

    /* The cleared-log event: the rules' Channel is the payload's. */
    e = find_entry(m, "windows", NULL, "system", "EventID", "104");
    CHECK(e != NULL);
    if (e) {
        CHECK(has_value(cond(e, "Channel"), "System"));
        CHECK(has_value(cond(e, "Provider_Name"), "Microsoft-Windows-Eventlog"));
        const sg_map_rename *r = rename_of(e, "Channel");
        CHECK(r && r->nevent_fields == 1 && strcmp(r->event_fields[0], "UserData_Channel") == 0);
    }

    /* Sysmon for Linux */
    static const char *const lin[][2] = {
        {"process_creation", "1"}, {"network_connection", "3"}, {"file_event", "11"}};
    for (size_t i = 0; i < 3; i++) {
        e = find_entry(m, "linux", lin[i][0], NULL, "Channel", "Linux-Sysmon/Operational");
        CHECK_MSG(e && has_value(cond(e, "EventID"), lin[i][1]), "linux %s", lin[i][0]);
    }

    /* Every entry classifies events and says what it covers. */
    for (size_t i = 0; i < m->n; i++) {
        e = &m->entries[i];
        CHECK_MSG(e->nconds > 0 && cond(e, "Channel") && e->ncoverage > 0 && e->product,
                  "entry at line %u", (unsigned)e->pos.line);
        for (size_t k = 0; k < e->ncoverage; k++)
            CHECK(e->coverage[k].title != NULL);
    }
    done(&l);
}

int main(void)
{
    test_basic();
    test_values();
    test_errors();
    test_default_matches_yml();
    test_default();
    return TEST_DONE();
}
