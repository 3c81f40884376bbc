/* Unit tests for sg_collection_resolve: legacy action documents (global / reset / repeat). */
#include <string.h>

#include "model/collection.h"
#include "test.h"
#include "yaml_doc.h"

typedef struct coll {
    doc_run t;
    sg_doc_ref *docs;
    size_t n, bad;
    int rc;
} coll;

/* Parses and resolves; the merged nodes go to c->t.arena. */
static void resolve_any(coll *c, const char *yaml)
{
    memset(c, 0, sizeof *c);
    CHECK(parse_any(&c->t, yaml) == 0);
    c->rc = sg_collection_resolve(&c->t.file, &c->t.arena, &c->t.ctx, &c->docs, &c->n, &c->bad);
}

/* Resolves YAML that parses cleanly. */
static void resolve(coll *c, const char *yaml)
{
    resolve_any(c, yaml);
    CHECK_MSG(c->t.list.len == 0 || c->rc != 0, "unexpected diagnostics");
}

static const sg_node *doc(const coll *c, size_t i)
{
    return i < c->n ? c->docs[i].root : NULL;
}

static void test_plain_documents(void)
{
    coll c;
    resolve(&c, "title: a\n"
                "---\n"
                "---\n"
                "title: b\n");
    CHECK_EQ_INT(c.rc, 0);
    CHECK_EQ_INT(c.n, 2); /* the empty document is skipped */
    CHECK_EQ_INT(c.bad, 0);
    CHECK_EQ_STR(text_at(doc(&c, 0), "title", NULL), "a");
    CHECK_EQ_STR(text_at(doc(&c, 1), "title", NULL), "b");
    CHECK(c.n == 2 && c.docs[0].root == c.t.file.docs[0].root); /* unchanged: shared */
    CHECK(c.n == 2 && c.docs[1].src == &c.t.file.docs[2]);
    doc_done(&c.t);
}

/* The shape of SigmaHQ's unsupported/windows/win_remote_service.yml. */
static const char global_yaml[] = "action: global\n"                 /* 1 */
                                  "title: Remote Service Creation\n" /* 2 */
                                  "level: medium\n"                  /* 3 */
                                  "detection:\n"                     /* 4 */
                                  "    selection1:\n"                /* 5 */
                                  "        EventID: 4624\n"          /* 6 */
                                  "    condition: selection1 or selection2\n"
                                  "logsource:\n"           /* 8 */
                                  "    product: windows\n" /* 9 */
                                  "---\n"                  /* 10 */
                                  "title: ignored\n"
                                  "logsource:\n"
                                  "    service: security\n"
                                  "    product: linux\n"
                                  "detection:\n"
                                  "    selection2:\n"
                                  "        EventID: 4697\n"
                                  "tags: [attack.t1]\n"
                                  "---\n"
                                  "logsource:\n"
                                  "    service: system\n"
                                  "detection:\n"
                                  "    selection2:\n"
                                  "        EventID: 7045\n";

static void test_global_template_wins(void)
{
    coll c;
    resolve(&c, global_yaml);
    CHECK_EQ_INT(c.rc, 0);
    CHECK_EQ_INT(c.n, 2);
    const sg_node *r1 = doc(&c, 0), *r2 = doc(&c, 1);
    /* the template wins on conflicts; the rule's keys first, then template-only keys */
    CHECK_EQ_STR(text_at(r1, "title", NULL), "Remote Service Creation");
    CHECK(keys_are(r1, "title,logsource,detection,tags,level"));
    CHECK(keys_are(sg_map_get(r1, "logsource"), "service,product"));
    CHECK_EQ_STR(text_at(r1, "logsource", "product"), "windows");
    CHECK_EQ_STR(text_at(r1, "logsource", "service"), "security");
    CHECK(keys_are(sg_map_get(r1, "detection"), "selection2,selection1,condition"));
    CHECK_EQ_STR(text_at(sg_map_get(r1, "detection"), "selection2", "EventID"), "4697");
    CHECK(sg_map_get(r1, "action") == NULL);
    CHECK(c.n == 2 && c.docs[0].src == &c.t.file.docs[1]);
    CHECK(keys_are(r2, "logsource,detection,title,level"));
    CHECK_EQ_STR(text_at(r2, "logsource", "service"), "system");
    CHECK_EQ_STR(text_at(r2, "logsource", "product"), "windows");
    CHECK_EQ_STR(text_at(sg_map_get(r2, "detection"), "selection2", "EventID"), "7045");
    CHECK_EQ_STR(text_at(r2, "detection", "condition"), "selection1 or selection2");
    /* the YAML tree is untouched */
    CHECK(keys_are(c.t.file.docs[1].root, "title,logsource,detection,tags"));
    CHECK_EQ_STR(text_at(c.t.file.docs[1].root, "title", NULL), "ignored");
    doc_done(&c.t);
}

static void test_lists_and_scalars_replaced(void)
{
    coll c;
    resolve(&c, "action: global\n"
                "tags: [attack.a]\n"
                "logsource: windows\n"
                "---\n"
                "tags: [attack.b, attack.c]\n"
                "logsource: {product: x}\n");
    CHECK_EQ_INT(c.n, 1);
    const sg_node *tags = sg_map_get(doc(&c, 0), "tags");
    CHECK(tags && tags->kind == SG_NODE_SEQ && tags->count == 1);
    const sg_node *ls = sg_map_get(doc(&c, 0), "logsource");
    CHECK(ls && ls->kind == SG_NODE_SCALAR); /* not a map on both sides: the template wins */
    doc_done(&c.t);
}

static void test_reset(void)
{
    coll c;
    resolve(&c, "action: global\n"
                "level: high\n"
                "---\n"
                "title: a\n"
                "---\n"
                "action: reset\n"
                "---\n"
                "title: b\n");
    CHECK_EQ_INT(c.rc, 0);
    CHECK_EQ_INT(c.n, 2);
    CHECK_EQ_STR(text_at(doc(&c, 0), "level", NULL), "high");
    CHECK(sg_map_get(doc(&c, 1), "level") == NULL);
    CHECK(c.n == 2 && c.docs[1].root == c.t.file.docs[3].root);
    doc_done(&c.t);
}

static void test_later_global_replaces(void)
{
    coll c;
    resolve(&c, "action: global\n"
                "level: high\n"
                "---\n"
                "title: a\n"
                "---\n"
                "action: global\n"
                "status: test\n"
                "---\n"
                "title: b\n");
    CHECK_EQ_INT(c.n, 2);
    CHECK(keys_are(doc(&c, 0), "title,level"));
    CHECK(keys_are(doc(&c, 1), "title,status")); /* no accumulation */
    doc_done(&c.t);
}

static void test_repeat(void)
{
    coll c;
    resolve(&c, "title: base\n"
                "logsource:\n"
                "    product: windows\n"
                "    service: security\n"
                "detection:\n"
                "    sel:\n"
                "        EventID: 1\n"
                "    condition: sel\n"
                "---\n"
                "action: repeat\n"
                "title: repeated\n"
                "logsource:\n"
                "    service: system\n"
                "detection:\n"
                "    sel:\n"
                "        EventID: 2\n"
                "---\n"
                "action: repeat\n"
                "id: 11111111-2222-3333-4444-555555555555\n");
    CHECK_EQ_INT(c.rc, 0);
    CHECK_EQ_INT(c.n, 3);
    const sg_node *r2 = doc(&c, 1), *r3 = doc(&c, 2);
    /* the repeat document wins over the previous one */
    CHECK_EQ_STR(text_at(r2, "title", NULL), "repeated");
    CHECK_EQ_STR(text_at(r2, "logsource", "service"), "system");
    CHECK_EQ_STR(text_at(r2, "logsource", "product"), "windows");
    CHECK_EQ_STR(text_at(sg_map_get(r2, "detection"), "sel", "EventID"), "2");
    CHECK_EQ_STR(text_at(r2, "detection", "condition"), "sel");
    CHECK(keys_are(r2, "title,logsource,detection"));
    CHECK(c.n == 3 && c.docs[1].src == &c.t.file.docs[1]);
    /* a repeat builds on the previous emitted (merged) document */
    CHECK_EQ_STR(text_at(r3, "title", NULL), "repeated");
    CHECK_EQ_STR(text_at(sg_map_get(r3, "detection"), "sel", "EventID"), "2");
    CHECK(keys_are(r3, "title,logsource,detection,id"));
    /* the first rule is untouched */
    CHECK_EQ_STR(text_at(sg_map_get(doc(&c, 0), "detection"), "sel", "EventID"), "1");
    doc_done(&c.t);
}

static void test_repeat_with_template(void)
{
    coll c;
    resolve(&c, "action: global\n"
                "level: high\n"
                "---\n"
                "title: a\n"
                "level: low\n"
                "---\n"
                "action: repeat\n"
                "title: b\n"
                "level: critical\n"
                "---\n"
                "action: global\n"
                "status: test\n"
                "---\n"
                "action: repeat\n"
                "title: c\n");
    CHECK_EQ_INT(c.rc, 0);
    CHECK_EQ_INT(c.n, 3);
    CHECK_EQ_STR(text_at(doc(&c, 0), "level", NULL), "high"); /* template wins */
    CHECK_EQ_STR(text_at(doc(&c, 1), "title", NULL), "b");
    CHECK_EQ_STR(text_at(doc(&c, 1), "level", NULL), "critical"); /* repeat wins */
    /* right after a global, repeat builds on the template (pySigma) */
    CHECK(keys_are(doc(&c, 2), "status,title"));
    doc_done(&c.t);
}

static void test_correlation_and_filter_not_templated(void)
{
    coll c;
    resolve(&c, "action: global\n"
                "level: high\n"
                "---\n"
                "title: corr\n"
                "correlation:\n"
                "    type: temporal\n"
                "---\n"
                "title: filt\n"
                "filter:\n"
                "    rules: any\n"
                "---\n"
                "title: rule\n");
    CHECK_EQ_INT(c.n, 3);
    CHECK(c.n == 3 && c.docs[0].root == c.t.file.docs[1].root);
    CHECK(c.n == 3 && c.docs[1].root == c.t.file.docs[2].root);
    CHECK(sg_map_get(doc(&c, 0), "level") == NULL);
    CHECK(sg_map_get(doc(&c, 1), "level") == NULL);
    CHECK_EQ_STR(text_at(doc(&c, 2), "level", NULL), "high");
    doc_done(&c.t);
}

static void test_bad_action(void)
{
    coll c;
    resolve_any(&c, "title: a\n"
                    "---\n"
                    "action: Global\n"
                    "level: high\n"
                    "---\n"
                    "action: [repeat]\n"
                    "---\n"
                    "title: b\n");
    CHECK_EQ_INT(c.rc, 1);
    CHECK_EQ_INT(c.bad, 2);
    CHECK_EQ_INT(c.n, 2);
    CHECK_EQ_INT(c.t.list.len, 2);
    CHECK_DIAG(&c.t, 0, SIGMA_DIAG_UNSUPPORTED_DOCUMENT, 3, 9);
    CHECK_DIAG(&c.t, 1, SIGMA_DIAG_UNSUPPORTED_DOCUMENT, 6, 9);
    CHECK(c.t.list.len > 0 && strstr(c.t.list.items[0].message, "'Global'") != NULL);
    CHECK(sg_map_get(doc(&c, 1), "level") == NULL); /* the bad global set no template */
    doc_done(&c.t);
}

static void test_repeat_without_previous(void)
{
    coll c;
    resolve_any(&c, "action: repeat\n"
                    "title: x\n");
    CHECK_EQ_INT(c.rc, 1);
    CHECK_EQ_INT(c.n, 0);
    CHECK_EQ_INT(c.bad, 1);
    CHECK_ONE_DIAG(&c.t, SIGMA_DIAG_UNSUPPORTED_DOCUMENT, 1, 9);
    doc_done(&c.t);
}

static void test_null_action_and_non_maps(void)
{
    coll c;
    resolve(&c, "action: global\n"
                "level: high\n"
                "---\n"
                "action:\n"
                "title: a\n"
                "---\n"
                "- just a list\n");
    CHECK_EQ_INT(c.rc, 0);
    CHECK_EQ_INT(c.n, 2);
    /* `action:` without value is no action (pySigma): a rule, merged */
    CHECK(keys_are(doc(&c, 0), "action,title,level"));
    /* a non-map document is passed on for the reader to report */
    CHECK(doc(&c, 1) && doc(&c, 1)->kind == SG_NODE_SEQ);
    doc_done(&c.t);
}

static void test_bad_documents_skipped(void)
{
    coll c;
    resolve_any(&c, "title: a\n"
                    "title: again\n"
                    "---\n"
                    "action: global\n"
                    "level: high\n"
                    "level: low\n"
                    "---\n"
                    "title: b\n");
    CHECK_EQ_INT(c.rc, 0);
    CHECK_EQ_INT(c.bad, 2);
    CHECK_EQ_INT(c.n, 1);
    CHECK(keys_are(doc(&c, 0), "title")); /* the bad global is not a template */
    doc_done(&c.t);
}

static void test_many_keys(void)
{
    /* 300 keys on both sides: exercises the sorted key index */
    char yaml[16384];
    size_t len = 0;
    len += (size_t)snprintf(yaml + len, sizeof yaml - len, "action: global\n");
    for (int i = 0; i < 300; i += 2)
        len += (size_t)snprintf(yaml + len, sizeof yaml - len, "k%d: t\n", i);
    len += (size_t)snprintf(yaml + len, sizeof yaml - len, "---\n");
    for (int i = 299; i >= 0; i -= 3)
        len += (size_t)snprintf(yaml + len, sizeof yaml - len, "k%d: r\n", i);
    coll c;
    resolve(&c, yaml);
    CHECK_EQ_INT(c.n, 1);
    const sg_node *r = doc(&c, 0);
    CHECK_EQ_INT(r ? r->count : 0, 150 + 100 - 50); /* k2, k8, ..., k296 are on both sides */
    CHECK_EQ_STR(text_at(r, "k0", NULL), "t");
    CHECK_EQ_STR(text_at(r, "k293", NULL), "r");
    CHECK_EQ_STR(text_at(r, "k296", NULL), "t"); /* in both: the template wins */
    CHECK_EQ_STR(text_at(r, "k290", NULL), "t");
    CHECK(r && r->count && strcmp(r->keys[0]->text, "k299") == 0);
    doc_done(&c.t);
}

int main(void)
{
    test_plain_documents();
    test_global_template_wins();
    test_lists_and_scalars_replaced();
    test_reset();
    test_later_global_replaces();
    test_repeat();
    test_repeat_with_template();
    test_correlation_and_filter_not_templated();
    test_bad_action();
    test_repeat_without_previous();
    test_null_action_and_non_maps();
    test_bad_documents_skipped();
    test_many_keys();
    return TEST_DONE();
}
