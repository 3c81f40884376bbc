/* Unit tests for lib/load/yaml_tree.c: typing, positions, errors, limits. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "load/yaml_tree.h"
#include "test.h"

/* One parse with its diagnostics. */
typedef struct parsed {
    sg_yaml_file f;
    sigma_diagnostics list;
    int rc;
} parsed;

static void parse_lim(parsed *p, const char *src, size_t len, const sg_yaml_limits *lim)
{
    memset(p, 0, sizeof *p);
    sg_diag_ctx ctx = {.list = &p->list, .source = "t.yml"};
    p->rc = sg_yaml_parse(src, len, lim, &ctx, &p->f);
}

static void parse(parsed *p, const char *src)
{
    parse_lim(p, src, strlen(src), NULL);
}

static void done(parsed *p)
{
    sg_yaml_file_free(&p->f);
    sg_diagnostics_free_items(&p->list);
}

/* Root of the only document, or NULL. */
static const sg_node *root(const parsed *p)
{
    return p->f.doc_count == 1 ? p->f.docs[0].root : NULL;
}

/* Text of a node, "(none)" for NULL. */
static const char *text_of(const sg_node *n)
{
    return n ? n->text : "(none)";
}

/* The value of `x` in the one-document source "x: <value>". */
static const sg_node *value_of(parsed *p, const char *value)
{
    char src[256];
    snprintf(src, sizeof src, "x: %s\n", value);
    parse(p, src);
    return sg_map_get(root(p), "x");
}

static void check_type(const char *value, sg_scalar_type type)
{
    parsed p;
    const sg_node *n = value_of(&p, value);
    CHECK_MSG(n && n->kind == SG_NODE_SCALAR && n->type == type, "'%s': type %d, want %d", value,
              n ? (int)n->type : -1, (int)type);
    CHECK_EQ_INT(p.list.len, 0);
    done(&p);
}

static void check_int(const char *value, int64_t want)
{
    parsed p;
    const sg_node *n = value_of(&p, value);
    CHECK_MSG(n && n->type == SG_SCALAR_INT && n->ival == want, "'%s' -> %lld, want %lld", value,
              n ? (long long)n->ival : 0LL, (long long)want);
    done(&p);
}

static void check_float(const char *value, double want)
{
    parsed p;
    const sg_node *n = value_of(&p, value);
    CHECK_MSG(n && n->type == SG_SCALAR_FLOAT && n->fval == want, "'%s' -> %.17g, want %.17g",
              value, n ? n->fval : 0.0, want);
    done(&p);
}

static void check_bool(const char *value, int want)
{
    parsed p;
    const sg_node *n = value_of(&p, value);
    CHECK_MSG(n && n->type == SG_SCALAR_BOOL && n->bval == want, "'%s' is not bool %d", value,
              want);
    done(&p);
}

static void test_typing(void)
{
    check_int("0x17", 23);
    check_int("010", 8);
    check_type("08", SG_SCALAR_STR);
    check_type("09", SG_SCALAR_STR);
    check_int("0b101", 5);
    check_int("-0b101", -5);
    check_int("1_000", 1000);
    check_int("1:20", 80);
    check_int("190:20:30", 685230);
    check_int("-0x1F", -31);
    check_int("+12", 12);
    check_int("0", 0);
    check_int("00", 0);
    check_int("0_", 0);
    check_int("9223372036854775807", INT64_MAX);
    check_int("-9223372036854775808", INT64_MIN);
    check_type("9223372036854775808", SG_SCALAR_STR); /* overflows int64 */
    check_type("0x1_0000_0000_0000_0000", SG_SCALAR_STR);
    check_type("0b_", SG_SCALAR_STR); /* PyYAML fails to construct it */
    check_type("0:20", SG_SCALAR_STR);
    check_type("0o17", SG_SCALAR_STR);
    check_type("1e3", SG_SCALAR_STR);
    check_type("1.0e3", SG_SCALAR_STR); /* the exponent needs a sign */
    check_float("1.0e+3", 1000.0);
    check_float("1.e+3", 1000.0);
    check_float("1.", 1.0);
    check_float("1.5", 1.5);
    check_float("-2.25", -2.25);
    check_float("1_0.5", 10.5);
    check_float("09.5", 9.5);
    check_float(".5", 0.5);
    check_type("-.5", SG_SCALAR_STR); /* PyYAML 6: no sign on the .5 form */
    check_type("._5", SG_SCALAR_STR);
    check_type("1.0.0", SG_SCALAR_STR);
    check_float("190:20:30.15", 685230.15);
    check_float("1.5e-3", 0.0015);
    check_float("0.1", 0.1);
    check_float("+.inf", INFINITY);
    check_float("-.Inf", -INFINITY);
    {
        parsed p;
        const sg_node *n = value_of(&p, ".NaN");
        CHECK(n && n->type == SG_SCALAR_FLOAT && isnan(n->fval));
        done(&p);
    }
    check_type("-.nan", SG_SCALAR_STR);
    check_bool("yes", 1);
    check_bool("On", 1);
    check_bool("TRUE", 1);
    check_bool("no", 0);
    check_bool("Off", 0);
    check_bool("false", 0);
    check_type("tRue", SG_SCALAR_STR);
    check_type("y", SG_SCALAR_STR);
    check_type("n", SG_SCALAR_STR);
    check_type("~", SG_SCALAR_NULL);
    check_type("null", SG_SCALAR_NULL);
    check_type("NULL", SG_SCALAR_NULL);
    check_type("nULL", SG_SCALAR_STR);
    check_type("", SG_SCALAR_NULL);
    check_type("2019-10-23", SG_SCALAR_DATE);
    check_type("2001-12-14t21:59:43.10-05:00", SG_SCALAR_DATE);
    check_type("2001-12-14 21:59:43.10 -5", SG_SCALAR_DATE);
    check_type("2001-12-15T02:59:43.1Z", SG_SCALAR_DATE);
    check_type("2001-1-1", SG_SCALAR_STR);
    check_type("2019/10/23", SG_SCALAR_STR);
    check_type("'0x17'", SG_SCALAR_STR);
    check_type("\"yes\"", SG_SCALAR_STR);
    check_type("!!str 12", SG_SCALAR_STR);
    check_type("!!str", SG_SCALAR_STR);
    check_int("!!int 12", 12);
    check_float("!!float 1", 1.0);
    check_type("!!int abc", SG_SCALAR_STR);
    check_type("!!null abc", SG_SCALAR_NULL);
    check_int("! 5", 5); /* PyYAML resolves `!` plain scalars implicitly */
    check_type("=", SG_SCALAR_STR);
    check_type("1 2", SG_SCALAR_STR);

    parsed p;
    const sg_node *n = value_of(&p, "'0x17'");
    CHECK(n && n->quoted == 1);
    CHECK_EQ_STR(text_of(n), "0x17");
    done(&p);
    n = value_of(&p, "0x17");
    CHECK(n && n->quoted == 0);
    CHECK_EQ_STR(text_of(n), "0x17");
    done(&p);

    /* literal and folded blocks are strings, marked quoted */
    parse(&p, "a: |\n  12\nb: >\n  yes\n");
    const sg_node *a = sg_map_get(root(&p), "a"), *b = sg_map_get(root(&p), "b");
    CHECK(a && a->type == SG_SCALAR_STR && a->quoted && strcmp(a->text, "12\n") == 0);
    CHECK(b && b->type == SG_SCALAR_STR && b->quoted && strcmp(b->text, "yes\n") == 0);
    done(&p);
}

static void test_escapes(void)
{
    parsed p;
    parse(&p, "x: \"a\\0b\\u00e9\\t\"\n");
    const sg_node *n = sg_map_get(root(&p), "x");
    CHECK(n != NULL);
    if (n) {
        CHECK_EQ_INT(n->text_len, 6);
        CHECK(memcmp(n->text, "a\0b\xc3\xa9\t", 6) == 0);
        CHECK(n->text[6] == '\0');
    }
    done(&p);
}

static void test_positions(void)
{
    parsed p;
    const char *src = "title: t\n"
                      "detection:\n"
                      "  sel:\n"
                      "    - 'a'\n"
                      "    - {k: v, \"q\": [1, 2]}\n"
                      "  condition: sel\n";
    parse(&p, src);
    CHECK_EQ_INT(p.list.len, 0);
    const sg_node *r = root(&p);
    CHECK(r && r->kind == SG_NODE_MAP && r->count == 2);
    CHECK(r && r->pos.line == 1 && r->pos.col == 1 && r->pos.offset == 0);
    const sg_node *det = sg_map_get(r, "detection");
    CHECK(det && det->kind == SG_NODE_MAP);
    CHECK(det && det->pos.line == 3 && det->pos.col == 3);
    CHECK(r && r->keys[1]->pos.line == 2 && r->keys[1]->pos.col == 1);
    const sg_node *sel = sg_map_get(det, "sel");
    CHECK(sel && sel->kind == SG_NODE_SEQ && sel->count == 2);
    if (sel && sel->count == 2) {
        const sg_node *s0 = sel->items[0];
        CHECK_EQ_INT(sel->pos.line, 4);
        CHECK_EQ_INT(sel->pos.col, 5);
        CHECK_EQ_INT(s0->pos.line, 4);
        CHECK_EQ_INT(s0->pos.col, 7); /* the quote */
        CHECK_EQ_INT(s0->pos.offset, (uint64_t)(strstr(src, "'a'") - src));
        const sg_node *m = sel->items[1];
        CHECK(m->kind == SG_NODE_MAP && m->count == 2);
        CHECK_EQ_INT(m->pos.line, 5);
        CHECK_EQ_INT(m->pos.col, 7);
        const sg_node *q = sg_map_get(m, "q");
        CHECK(q && q->kind == SG_NODE_SEQ && q->count == 2);
        if (q && q->count == 2) {
            CHECK_EQ_INT(q->pos.col, 19);
            CHECK_EQ_INT(q->items[1]->pos.line, 5);
            CHECK_EQ_INT(q->items[1]->pos.col, 23);
            CHECK_EQ_INT(q->items[1]->pos.offset, (uint64_t)(strstr(src, "2]") - src));
            CHECK_EQ_INT(q->items[1]->ival, 2);
        }
        CHECK_EQ_INT(m->keys[1]->pos.col, 14);
        CHECK(m->keys[1]->quoted);
    }
    const sg_node *cond = sg_map_get(det, "condition");
    CHECK(cond && cond->pos.line == 6 && cond->pos.col == 14);
    done(&p);
}

/* Columns count code points, offsets count bytes. */
static void test_utf8_positions(void)
{
    parsed p;
    const char *src = "\xc3\xa9t\xc3\xa9: \xe2\x82\xac\xe2\x82\xac\nk: v\n";
    parse(&p, src);
    const sg_node *r = root(&p);
    CHECK(r && r->count == 2);
    if (r && r->count == 2) {
        CHECK_EQ_INT(r->items[0]->pos.col, 6);
        CHECK_EQ_INT(r->items[0]->pos.offset, 7);
        CHECK_EQ_STR(r->items[0]->text, "\xe2\x82\xac\xe2\x82\xac");
        CHECK_EQ_INT(r->keys[1]->pos.line, 2);
        CHECK_EQ_INT(r->keys[1]->pos.offset, 14);
    }
    done(&p);

    /* long ASCII runs between multi-byte characters (offsets skip ASCII 8 bytes at a time) */
    src = "title: a long ascii title, longer than sixteen bytes\n"
          "k\xc3\xa9y_with_more_ascii: \xe2\x82\xac and a long ascii value after it\n"
          "last_key_of_the_map: \xf0\x9f\x98\x80\xf0\x9f\x98\x80 twelve bytes\n";
    parse(&p, src);
    r = root(&p);
    CHECK(r && r->count == 3);
    if (r && r->count == 3) {
        CHECK_EQ_INT(r->keys[1]->pos.offset, strstr(src, "k\xc3\xa9y") - src);
        CHECK_EQ_INT(r->items[1]->pos.offset, strstr(src, "\xe2\x82\xac and") - src);
        CHECK_EQ_INT(r->items[1]->pos.col, 22);
        CHECK_EQ_INT(r->keys[2]->pos.offset, strstr(src, "last_key") - src);
        CHECK_EQ_INT(r->items[2]->pos.offset, strstr(src, "\xf0\x9f\x98\x80\xf0") - src);
        CHECK_EQ_INT(r->items[2]->pos.line, 3);
    }
    done(&p);

    /* a multi-byte character at every position of an 8-byte step */
    for (int k = 0; k < 17; k++) {
        char buf[96];
        snprintf(buf, sizeof buf, "k: %.*s\xc3\xa9%s\nz: v\n", k, "xxxxxxxxxxxxxxxxxxxx",
                 "yyyyyyyyyyyyyyyyyyyy");
        parse(&p, buf);
        r = root(&p);
        CHECK(r && r->count == 2);
        if (r && r->count == 2) {
            CHECK_EQ_INT(r->keys[1]->pos.offset, strstr(buf, "z:") - buf);
            CHECK_EQ_INT(r->keys[1]->pos.line, 2);
        }
        done(&p);
    }

    /* a UTF-8 BOM is skipped but still counted in byte offsets */
    parse(&p, "\xef\xbb\xbf"
              "a: b\n");
    r = root(&p);
    CHECK(r && r->pos.col == 1 && r->pos.offset == 3);
    CHECK(r && r->items[0]->pos.offset == 6);
    done(&p);

    /* CRLF line ends */
    parse(&p, "a: 1\r\nb: 2\r\n");
    r = root(&p);
    CHECK(r && r->keys[1]->pos.line == 2 && r->keys[1]->pos.col == 1 &&
          r->keys[1]->pos.offset == 6);
    done(&p);
}

static void test_duplicate_key(void)
{
    parsed p;
    parse(&p, "a: 1\n"
              "b: 2\n"
              "title: x\n"
              "c:\n"
              "  title: 1\n"
              "title: y\n");
    CHECK_EQ_INT(p.rc, 0);
    CHECK_EQ_INT(p.f.failed, 0);
    CHECK_EQ_INT(p.f.doc_count, 1);
    CHECK_EQ_INT(p.f.docs[0].bad, 1);
    CHECK_EQ_INT(p.list.len, 1);
    if (p.list.len == 1) {
        sg_diag *d = &p.list.items[0];
        CHECK_EQ_INT(d->code, SIGMA_DIAG_YAML_DUPLICATE_KEY);
        CHECK_EQ_INT(d->severity, SIGMA_SEVERITY_ERROR);
        CHECK_EQ_INT(d->pos.line, 6);
        CHECK_EQ_INT(d->pos.col, 1);
        CHECK_EQ_STR(d->message, "duplicate key 'title' (first at line 3)");
        CHECK_EQ_STR(d->source, "t.yml");
    }
    const sg_node *r = root(&p);
    CHECK(r && r->count == 4); /* a, b, title, c: the later value wins in place */
    CHECK_EQ_STR(text_of(sg_map_get(r, "title")), "y");
    CHECK(r && r->keys[2]->pos.line == 3);
    done(&p);

    /* a large map uses a hash index: still detected */
    char src[2048] = "";
    for (int i = 0; i < 40; i++)
        snprintf(src + strlen(src), sizeof src - strlen(src), "k%d: %d\n", i, i);
    strcat(src, "k17: again\n");
    parse(&p, src);
    CHECK_EQ_INT(p.list.len, 1);
    CHECK(p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_DUPLICATE_KEY &&
          p.list.items[0].pos.line == 41);
    CHECK_EQ_INT(root(&p) ? root(&p)->count : 0, 40);
    CHECK_EQ_STR(text_of(sg_map_get(root(&p), "k17")), "again");
    done(&p);

    /* keys compare by text: 1 and "1" are the same key */
    parse(&p, "1: a\n'1': b\n");
    CHECK(p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_DUPLICATE_KEY);
    CHECK(p.list.len == 1 && p.list.items[0].pos.col == 1 && p.list.items[0].pos.line == 2);
    done(&p);
}

static void test_non_scalar_key(void)
{
    parsed p;
    parse(&p, "a: 1\n? [x, y]\n: 2\nb: 3\n");
    CHECK_EQ_INT(p.f.failed, 0);
    CHECK_EQ_INT(p.f.doc_count, 1);
    CHECK_EQ_INT(p.f.docs[0].bad, 1);
    CHECK(p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_NON_SCALAR_KEY);
    CHECK(p.list.len == 1 && p.list.items[0].pos.line == 2 && p.list.items[0].pos.col == 3);
    const sg_node *r = root(&p);
    CHECK(r && r->count == 2 && sg_map_get(r, "b") != NULL);
    done(&p);

    parse(&p, "{{a: 1}: 2}");
    CHECK(p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_NON_SCALAR_KEY);
    CHECK(p.f.doc_count == 1 && p.f.docs[0].bad == 1);
    done(&p);
}

static void test_syntax_error(void)
{
    parsed p;
    parse(&p, "a: 1\nb: c: d\n");
    CHECK_EQ_INT(p.rc, 0);
    CHECK_EQ_INT(p.f.failed, 1);
    CHECK_EQ_INT(p.f.doc_count, 0);
    CHECK_EQ_INT(p.list.len, 1);
    if (p.list.len == 1) {
        CHECK_EQ_INT(p.list.items[0].code, SIGMA_DIAG_YAML_SYNTAX);
        CHECK_EQ_INT(p.list.items[0].pos.line, 2);
        CHECK_EQ_INT(p.list.items[0].pos.col, 5);
        CHECK_EQ_INT(p.list.items[0].pos.offset, 9);
        CHECK_EQ_STR(p.list.items[0].message,
                     "YAML syntax error: mapping values are not allowed in this context");
    }
    done(&p);

    /* documents before the error are kept */
    parse(&p, "a: 1\n---\nb: 2\n---\nc: [1, 2\n");
    CHECK_EQ_INT(p.f.failed, 1);
    CHECK_EQ_INT(p.f.doc_count, 2);
    CHECK(p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_SYNTAX);
    CHECK(p.list.len == 1 && strncmp(p.list.items[0].message, "YAML syntax error: ", 19) == 0);
    done(&p);

    parse(&p, "a: *nope\n");
    CHECK(p.f.failed == 1 && p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_SYNTAX);
    CHECK(p.list.len == 1 && p.list.items[0].pos.line == 1 && p.list.items[0].pos.col == 4);
    done(&p);

    /* anchors do not cross documents */
    parse(&p, "a: &x 1\n---\nb: *x\n");
    CHECK(p.f.failed == 1 && p.f.doc_count == 1);
    done(&p);

    parse(&p, "a: &x [1, *x]\n"); /* an alias inside its own anchor: no cycles */
    CHECK(p.f.failed == 1 && p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_SYNTAX);
    done(&p);

    parse(&p, "a: &x 1\nb: &x 2\n"); /* PyYAML rejects duplicate anchors */
    CHECK(p.f.failed == 1 && p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_SYNTAX);
    done(&p);
}

static void test_multi_document(void)
{
    parsed p;
    const char *src = "title: one\n"
                      "---\n"
                      "title: two\n"
                      "list: [1]\n"
                      "---\n"
                      "title: three\n";
    parse(&p, src);
    CHECK_EQ_INT(p.f.doc_count, 3);
    CHECK_EQ_INT(p.list.len, 0);
    if (p.f.doc_count == 3) {
        const sg_yaml_doc *d = p.f.docs;
        size_t sep1 = (size_t)(strstr(src, "---") - src);
        size_t sep2 = (size_t)(strstr(src + sep1 + 1, "---") - src);
        CHECK_EQ_INT(d[0].byte_start, 0);
        CHECK_EQ_INT(d[0].byte_end, sep1);
        CHECK_EQ_INT(d[1].byte_start, sep1);
        CHECK_EQ_INT(d[1].byte_end, sep2);
        CHECK_EQ_INT(d[2].byte_start, sep2);
        CHECK_EQ_INT(d[2].byte_end, strlen(src));
        CHECK_EQ_INT(d[1].start.line, 2);
        CHECK_EQ_INT(d[2].start.line, 5);
        CHECK_EQ_STR(sg_map_get(d[0].root, "title")->text, "one");
        CHECK_EQ_STR(sg_map_get(d[1].root, "title")->text, "two");
        CHECK_EQ_STR(sg_map_get(d[2].root, "title")->text, "three");
        CHECK_EQ_INT(sg_map_get(d[2].root, "title")->pos.line, 6);
        for (int i = 0; i < 3; i++)
            CHECK(d[i].bad == 0);
    }
    done(&p);

    /* explicit document end markers are inside the range */
    src = "--- a\n...\n--- b\n...\n";
    parse(&p, src);
    CHECK_EQ_INT(p.f.doc_count, 2);
    if (p.f.doc_count == 2) {
        CHECK_EQ_INT(p.f.docs[0].byte_start, 0);
        CHECK_EQ_INT(p.f.docs[0].byte_end, 9);
        CHECK_EQ_INT(p.f.docs[1].byte_start, 10);
        CHECK_EQ_INT(p.f.docs[1].byte_end, 19);
    }
    done(&p);

    /* only the bad document is marked */
    parse(&p, "a: 1\n---\na: 1\na: 2\n---\nb: 1\n");
    CHECK(p.f.doc_count == 3 && !p.f.docs[0].bad && p.f.docs[1].bad && !p.f.docs[2].bad);
    CHECK(p.list.len == 1 && p.list.items[0].pos.line == 4);
    done(&p);
}

static void test_empty_and_scalar_documents(void)
{
    parsed p;
    parse_lim(&p, "", 0, NULL);
    CHECK(p.rc == 0 && p.f.doc_count == 0 && p.f.failed == 0 && p.list.len == 0);
    done(&p);

    parse_lim(&p, NULL, 0, NULL);
    CHECK(p.rc == 0 && p.f.doc_count == 0 && p.f.failed == 0);
    done(&p);

    parse(&p, "# only a comment\n\n");
    CHECK(p.rc == 0 && p.f.doc_count == 0 && p.f.failed == 0);
    done(&p);

    parse(&p, "---\n");
    CHECK(p.f.doc_count == 1 && p.f.docs[0].root == NULL);
    done(&p);

    parse(&p, "---\n---\nx\n");
    CHECK(p.f.doc_count == 2 && p.f.docs[0].root == NULL && p.f.docs[1].root != NULL);
    done(&p);

    parse(&p, "--- ~\n");
    CHECK(p.f.doc_count == 1 && p.f.docs[0].root && p.f.docs[0].root->type == SG_SCALAR_NULL);
    done(&p);

    parse(&p, "just a scalar\n");
    const sg_node *r = root(&p);
    CHECK(r && r->kind == SG_NODE_SCALAR && r->type == SG_SCALAR_STR);
    CHECK_EQ_STR(text_of(r), "just a scalar");
    CHECK(sg_map_get(r, "x") == NULL);
    done(&p);

    parse(&p, "42");
    r = root(&p);
    CHECK(r && r->type == SG_SCALAR_INT && r->ival == 42);
    done(&p);

    parse(&p, "- a\n- b\n");
    r = root(&p);
    CHECK(r && r->kind == SG_NODE_SEQ && r->count == 2 && r->keys == NULL);
    CHECK(sg_map_get(r, "a") == NULL);
    CHECK(sg_map_get(NULL, "a") == NULL);
    done(&p);

    parse(&p, "{}");
    r = root(&p);
    CHECK(r && r->kind == SG_NODE_MAP && r->count == 0 && sg_map_get(r, "") == NULL);
    done(&p);
}

static void test_depth_limit(void)
{
    enum { N = 10000 };
    char *src = malloc(N + 1);
    memset(src, '[', N);
    src[N] = '\0';
    parsed p;
    parse(&p, src);
    CHECK_EQ_INT(p.rc, 0);
    CHECK_EQ_INT(p.f.failed, 1);
    CHECK_EQ_INT(p.f.doc_count, 0);
    CHECK(p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_TOO_DEEP);
    CHECK(p.list.len == 1 && p.list.items[0].pos.col == 65); /* default limit is 64 */
    done(&p);

    /* exactly at the limit is fine, one more is not */
    sg_yaml_limits lim = {0, 3, 0};
    parse_lim(&p, "a: {b: [1]}", 11, &lim);
    CHECK(p.f.failed == 0 && p.list.len == 0);
    done(&p);
    parse_lim(&p, "a: {b: [[1]]}", 13, &lim);
    CHECK(p.f.failed == 1 && p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_TOO_DEEP);
    done(&p);

    /* deep block nesting */
    char *blk = malloc(N * 8);
    size_t len = 0;
    for (int i = 0; i < 200; i++) {
        memset(blk + len, ' ', (size_t)i);
        len += (size_t)i;
        memcpy(blk + len, "k:\n", 3);
        len += 3;
    }
    parse_lim(&p, blk, len, NULL);
    CHECK(p.f.failed == 1 && p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_TOO_DEEP);
    done(&p);
    free(blk);
    free(src);
}

static void test_billion_laughs(void)
{
    const char *src =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    clock_t t0 = clock();
    parsed p;
    parse(&p, src);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    CHECK_EQ_INT(p.rc, 0);
    CHECK_EQ_INT(p.f.failed, 1);
    CHECK_EQ_INT(p.f.doc_count, 0);
    CHECK(p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_ALIAS_LIMIT);
    CHECK(p.list.len == 1 && p.list.items[0].pos.line == 6); /* 10 + 9*11 + 9*100 + ... */
    CHECK(secs < 1.0);
    done(&p);

    /* an alias shares the anchored node; small uses stay under the limit */
    parse(&p, "a: &x {k: v}\nb: *x\nc: *x\n");
    const sg_node *r = root(&p);
    CHECK(p.f.failed == 0 && p.list.len == 0);
    CHECK(r && sg_map_get(r, "a") == sg_map_get(r, "b") &&
          sg_map_get(r, "b") == sg_map_get(r, "c"));
    done(&p);

    /* the budget counts every node reached: 2 uses of a 3-node map = 6 */
    sg_yaml_limits lim = {0, 0, 5};
    parse_lim(&p, "a: &x {k: v}\nb: *x\nc: *x\n", 25, &lim);
    CHECK(p.f.failed == 1 && p.list.len == 1 &&
          p.list.items[0].code == SIGMA_DIAG_YAML_ALIAS_LIMIT);
    CHECK(p.list.len == 1 && p.list.items[0].pos.line == 3 && p.list.items[0].pos.col == 4);
    done(&p);
    lim.max_alias_nodes = 6;
    parse_lim(&p, "a: &x {k: v}\nb: *x\nc: *x\n", 25, &lim);
    CHECK(p.f.failed == 0 && p.list.len == 0);
    done(&p);
}

static void test_max_bytes(void)
{
    sg_yaml_limits lim = {10, 0, 0};
    parsed p;
    parse_lim(&p, "a: 1234567\n", 11, &lim);
    CHECK(p.rc == 0 && p.f.failed == 1 && p.f.doc_count == 0);
    CHECK(p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_TOO_LARGE);
    done(&p);
    parse_lim(&p, "a: 123456\n", 10, &lim);
    CHECK(p.rc == 0 && p.f.failed == 0 && p.f.doc_count == 1 && p.list.len == 0);
    done(&p);
}

static void test_merge_keys(void)
{
    parsed p;
    parse(&p, "base: &b {x: 1, y: 2}\n"
              "m:\n"
              "  <<: *b\n"
              "  y: 3\n"
              "  z: 4\n");
    CHECK_EQ_INT(p.list.len, 0);
    const sg_node *m = sg_map_get(root(&p), "m");
    CHECK(m && m->count == 3);
    if (m && m->count == 3) {
        CHECK_EQ_STR(m->keys[0]->text, "x"); /* merged keys come first, like PyYAML */
        CHECK_EQ_STR(m->keys[1]->text, "y");
        CHECK_EQ_STR(m->keys[2]->text, "z");
        CHECK_EQ_INT(sg_map_get(m, "x")->ival, 1);
        CHECK_EQ_INT(sg_map_get(m, "y")->ival, 3); /* explicit keys win */
        CHECK(sg_map_get(m, "<<") == NULL);
    }
    done(&p);

    /* a list of maps: earlier maps win; explicit key before the merge still wins */
    parse(&p, "a: &a {k: a, only_a: 1}\n"
              "b: &b {k: b, only_b: 2, w: b}\n"
              "m: {w: mine, <<: [*a, *b]}\n");
    CHECK_EQ_INT(p.list.len, 0);
    m = sg_map_get(root(&p), "m");
    CHECK(m && m->count == 4);
    CHECK_EQ_STR(text_of(sg_map_get(m, "k")), "a");
    CHECK_EQ_STR(text_of(sg_map_get(m, "w")), "mine");
    CHECK(sg_map_get(m, "only_a") && sg_map_get(m, "only_b"));
    done(&p);

    /* a quoted "<<" is an ordinary key */
    parse(&p, "\"<<\": {a: 1}\n");
    CHECK(sg_map_get(root(&p), "<<") != NULL);
    done(&p);

    /* merging a scalar is an error in the document */
    parse(&p, "m:\n  <<: 5\n  a: 1\n");
    CHECK(p.f.failed == 0 && p.f.doc_count == 1 && p.f.docs[0].bad == 1);
    CHECK(p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_SYNTAX);
    CHECK(p.list.len == 1 && p.list.items[0].pos.line == 2 && p.list.items[0].pos.col == 7);
    done(&p);

    /* merged maps are themselves flattened */
    parse(&p, "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b}\n");
    m = sg_map_get(root(&p), "c");
    CHECK(m && m->count == 2 && sg_map_get(m, "x") && sg_map_get(m, "y"));
    done(&p);
}

static void test_encoding(void)
{
    parsed p;
    const char bad[] = "a: 1\nb: \xff\xfe oops\n";
    parse_lim(&p, bad, sizeof bad - 1, NULL);
    CHECK_EQ_INT(p.rc, 0);
    CHECK_EQ_INT(p.f.failed, 1);
    CHECK(p.list.len == 1 && (p.list.items[0].code == SIGMA_DIAG_YAML_ENCODING));
    CHECK(p.list.len == 1 && p.list.items[0].pos.line == 2 && p.list.items[0].pos.col == 4 &&
          p.list.items[0].pos.offset == 8);
    done(&p);

    const char trunc[] = "a: \xc3";
    parse_lim(&p, trunc, sizeof trunc - 1, NULL);
    CHECK(p.f.failed == 1 && p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_ENCODING);
    done(&p);

    const char nul[] = "a: b\0c\n";
    parse_lim(&p, nul, sizeof nul - 1, NULL);
    CHECK(p.rc == 0 && p.f.failed == 1 && p.list.len == 1);
    done(&p);

    const char utf16[] = "\xff\xfe"
                         "a\0:\0 \0b\0";
    parse_lim(&p, utf16, sizeof utf16 - 1, NULL);
    CHECK(p.f.failed == 1 && p.list.len == 1 && p.list.items[0].code == SIGMA_DIAG_YAML_ENCODING);
    done(&p);
}

/* Random byte strings and mutations of a rule: must never crash or hang. */
static void test_garbage(void)
{
    const char *seed = "title: t\nid: 1\ndetection:\n  sel: {a: &x [1, 'b', \"c\"], b: *x}\n"
                       "  condition: sel\n---\n<<: {a: 1}\nk: |\n  text\n";
    size_t n = strlen(seed);
    char buf[256];
    unsigned s = 12345;
    int ok = 1;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(buf, seed, n);
        for (int k = 0; k < 1 + iter % 5; k++) {
            s = s * 1103515245u + 12345u;
            buf[(s >> 8) % n] = (char)(s >> 16);
        }
        parsed p;
        parse_lim(&p, buf, n, NULL);
        ok &= p.rc == 0;
        done(&p);
    }
    CHECK(ok);
}

int main(void)
{
    test_typing();
    test_escapes();
    test_positions();
    test_utf8_positions();
    test_duplicate_key();
    test_non_scalar_key();
    test_syntax_error();
    test_multi_document();
    test_empty_and_scalar_documents();
    test_depth_limit();
    test_billion_laughs();
    test_max_bytes();
    test_merge_keys();
    test_encoding();
    test_garbage();
    return TEST_DONE();
}
