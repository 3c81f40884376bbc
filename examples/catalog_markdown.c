/* catalog_markdown.c - rule pages and the index page as GitHub-flavoured Markdown.
 *
 * Rule text only enters the page through cat_md_text (escaped prose and table
 * cells) and cat_md_code (code spans); the rule body is a fenced block whose fence
 * is longer than any backtick run in it.
 */
#include "catalog_render.h"

#include <stdlib.h>
#include <string.h>

static void heading(text_buf *b, const char *title)
{
    tb_adds(b, "\n## ");
    cat_md_text(b, title, 1);
    tb_adds(b, "\n\n");
}

static void cell_text(text_buf *b, const char *s)
{
    tb_adds(b, "| ");
    if (s && *s)
        cat_md_text(b, s, 1);
    tb_addc(b, ' ');
}

static void cell_values(text_buf *b, const cat_strs *v)
{
    tb_adds(b, "| ");
    for (size_t i = 0; i < v->count; i++) {
        if (i)
            tb_adds(b, ", ");
        cat_md_code(b, v->items[i], 1);
    }
    tb_addc(b, ' ');
}

static void cell_field(text_buf *b, const char *field)
{
    tb_adds(b, "| ");
    if (field)
        cat_md_code(b, field, 1);
    else
        tb_adds(b, "*(keywords)*");
    tb_addc(b, ' ');
}

static void technique_link(text_buf *b, const char *id)
{
    /* T1505.004 -> https://attack.mitre.org/techniques/T1505/004/ */
    tb_addc(b, '[');
    cat_md_text(b, id, 1);
    tb_adds(b, "](https://attack.mitre.org/techniques/");
    for (const char *c = id; *c; c++) {
        if (*c == '.')
            tb_addc(b, '/');
        else if ((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z'))
            tb_addc(b, *c);
    }
    tb_adds(b, "/)");
}

static void meta_item(text_buf *b, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    tb_printf(b, "- **%s:** ", label);
    cat_md_text(b, value, 1);
    tb_addc(b, '\n');
}

/* An http(s) URL that can be written as a CommonMark autolink (<URL>): no white
 * space, control characters or angle brackets. */
static int autolinkable(const char *s)
{
    if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == '<' || *s == '>' || *s == 0x7f)
            return 0;
    return 1;
}

static void meta_list(text_buf *b, const char *label, const cat_strs *v, int links)
{
    if (!v->count)
        return;
    tb_printf(b, "- **%s:**\n", label);
    for (size_t i = 0; i < v->count; i++) {
        tb_adds(b, "  - ");
        if (links && autolinkable(v->items[i])) {
            tb_addc(b, '<');
            tb_adds(b, v->items[i]);
            tb_addc(b, '>');
        } else {
            cat_md_text(b, v->items[i], 1);
        }
        tb_addc(b, '\n');
    }
}

static void attack_section(text_buf *b, const cat_page *p)
{
    heading(b, CAT_H_ATTACK);
    if (!p->n_attack) {
        tb_adds(b, "No ATT&CK tags.\n");
        return;
    }
    tb_adds(b, "| Tactic | Technique | Name |\n| --- | --- | --- |\n");
    for (size_t i = 0; i < p->n_attack;) {
        size_t end = cat_attack_group_end(p, i);
        const cat_attack_row *r = &p->attack[i];
        tb_adds(b, "| ");
        for (size_t k = i; k < end; k++) {
            const cat_attack_row *t = &p->attack[k];
            if (k > i)
                tb_adds(b, ", ");
            if (t->tactic_name || t->tactic_id) {
                cat_md_text(b, t->tactic_name ? t->tactic_name : t->tactic_id, 1);
                if (t->tactic_name && t->tactic_id) {
                    tb_adds(b, " \\(");
                    cat_md_text(b, t->tactic_id, 1);
                    tb_adds(b, "\\)");
                }
            } else {
                tb_adds(b, "*(no tactic)*");
            }
        }
        tb_adds(b, " | ");
        if (r->technique_id)
            technique_link(b, r->technique_id);
        tb_addc(b, ' ');
        cell_text(b, r->technique_name);
        tb_adds(b, "|\n");
        i = end;
    }
}

static void events_section(text_buf *b, const cat_page *p)
{
    heading(b, CAT_H_EVENTS);
    if (!p->n_events) {
        tb_adds(b, "No events are mapped to this logsource.\n");
        return;
    }
    tb_adds(b, "| Provider | Event ID | Title |\n| --- | ---: | --- |\n");
    for (size_t i = 0; i < p->n_events; i++) {
        cell_text(b, p->events[i].provider);
        cell_text(b, p->events[i].event_id);
        cell_text(b, p->events[i].title);
        tb_adds(b, "|\n");
    }
}

static void body_section(text_buf *b, const cat_page *p)
{
    heading(b, CAT_H_BODY);
    const char *yaml = p->yaml ? p->yaml : "";
    size_t fence = cat_longest_run(yaml, '`') + 1;
    if (fence < 3)
        fence = 3;
    for (size_t i = 0; i < fence; i++)
        tb_addc(b, '`');
    tb_adds(b, "yaml\n");
    cat_md_raw(b, yaml);
    if (b->len && b->data[b->len - 1] != '\n')
        tb_addc(b, '\n');
    for (size_t i = 0; i < fence; i++)
        tb_addc(b, '`');
    tb_addc(b, '\n');
}

static void rule_list(text_buf *b, const char *intro, const cat_strs *v)
{
    tb_adds(b, intro);
    tb_adds(b, "\n\n");
    for (size_t i = 0; i < v->count; i++) {
        tb_adds(b, "- ");
        cat_md_text(b, v->items[i], 1);
        tb_addc(b, '\n');
    }
    tb_addc(b, '\n');
}

static void stages_section(text_buf *b, const cat_page *p)
{
    heading(b, CAT_H_STAGES);
    if (p->correlation_type) {
        tb_adds(b, "A correlation rule of type ");
        cat_md_code(b, p->correlation_type, 0);
        tb_adds(b, ": it has no stages of its own.");
        if (p->correlates.count)
            rule_list(b, " It correlates the rules:", &p->correlates);
        else
            tb_adds(b, "\n\n");
    } else if (!p->n_stages) {
        tb_adds(b, "No stages.\n\n");
    }
    for (size_t s = 0; s < p->n_stages; s++) {
        const cat_stage *st = &p->stages[s];
        tb_printf(b, "### Stage %zu: ", s);
        cat_md_text(b, st->name, 1);
        tb_adds(b, "\n\n");
        if (st->text) {
            cat_md_code(b, st->text, 0);
            tb_adds(b, "\n\n");
        }
        if (st->n_preds) {
            if (st->grouped)
                tb_adds(b, "A list of groups: the selection holds when every item of one "
                           "group holds.\n\n| Group ");
            tb_adds(b, "| Field | Kind | Values |\n");
            if (st->grouped)
                tb_adds(b, "| ---: ");
            tb_adds(b, "| --- | --- | --- |\n");
            for (size_t i = 0; i < st->n_preds; i++) {
                if (st->grouped)
                    tb_printf(b, "| %u ", (unsigned)st->preds[i].group + 1);
                cell_field(b, st->preds[i].field);
                cell_text(b, st->preds[i].kind);
                cell_values(b, &st->preds[i].values);
                tb_adds(b, "|\n");
            }
            tb_addc(b, '\n');
        } else if (!st->text) {
            tb_adds(b, "No predicates.\n\n");
        }
    }
    if (p->referrers.count)
        rule_list(b, "Correlation rules that use this rule:", &p->referrers);
    /* One newline at the end of the section, whatever came last. */
    while (b->len >= 2 && b->data[b->len - 1] == '\n' && b->data[b->len - 2] == '\n')
        b->data[--b->len] = '\0';
}

static void indicators_section(text_buf *b, const cat_page *p)
{
    heading(b, CAT_H_INDICATORS);
    if (!p->n_indicators) {
        tb_adds(b, "No indicators.\n");
        return;
    }
    tb_adds(b, "| Field | Kind | Values | Corpus |\n| --- | --- | --- | ---: |\n");
    for (size_t i = 0; i < p->n_indicators; i++) {
        const cat_indicator *ind = &p->indicators[i];
        cell_field(b, ind->field);
        cell_text(b, ind->kind);
        cell_values(b, &ind->values);
        tb_printf(b, "| %u |\n", (unsigned)ind->corpus);
    }
}

void cat_md_page(text_buf *b, const cat_page *p, int link_index)
{
    tb_adds(b, "# ");
    cat_md_text(b, p->title && *p->title ? p->title : "(untitled rule)", 1);
    tb_adds(b, "\n\n");
    char *ls = cat_logsource_text(p);
    int first = 1;
    const char *labels[] = {"ID", "Level", "Status", "Logsource"};
    const char *values[] = {p->id, p->level, p->status, ls};
    for (size_t i = 0; i < 4; i++) {
        if (!values[i] || !*values[i])
            continue;
        tb_printf(b, "%s**%s:** ", first ? "" : " · ", labels[i]);
        cat_md_code(b, values[i], 0);
        first = 0;
    }
    free(ls);
    if (link_index) {
        tb_printf(b, "%s[Index](index.md)", first ? "" : " · ");
        first = 0;
    }
    if (!first)
        tb_addc(b, '\n');

    heading(b, CAT_H_DESCRIPTION);
    if (p->description && *p->description)
        cat_md_text(b, p->description, 0);
    else
        tb_adds(b, "*(no description)*");
    tb_adds(b, "\n\n");
    meta_item(b, "Author", p->author);
    meta_item(b, "Date", p->date);
    meta_item(b, "Modified", p->modified);
    meta_item(b, "Source", p->source);
    meta_list(b, "References", &p->references, 1);
    meta_list(b, "False positives", &p->falsepositives, 0);
    meta_list(b, "Tags", &p->tags, 0);

    attack_section(b, p);
    events_section(b, p);
    body_section(b, p);
    stages_section(b, p);
    indicators_section(b, p);
}

/* ------------------------------------------------------------------ index */

static void index_link(text_buf *b, const cat_page *p)
{
    tb_addc(b, '[');
    cat_md_text(b, p->title && *p->title ? p->title : p->file, 1);
    /* The file name is [A-Za-z0-9._-] only (cat_safe_name): no escaping needed. */
    tb_printf(b, "](%s.md)", p->file);
}

void cat_md_index(text_buf *b, cat_page *const *pages, size_t n, const cat_matrix *m)
{
    tb_printf(b, "# Sigma rule catalog\n\n%zu rules.\n", n);
    heading(b, CAT_H_INDEX_RULES);
    tb_adds(b, "| Rule | Level | Status | Logsource | Tactics |\n"
               "| --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < n; i++) {
        const cat_page *p = pages[i];
        tb_adds(b, "| ");
        index_link(b, p);
        tb_addc(b, ' ');
        cell_text(b, p->level);
        cell_text(b, p->status);
        char *ls = cat_logsource_text(p);
        cell_text(b, ls);
        free(ls);
        char *tactics = cat_tactics_text(p);
        cell_text(b, tactics);
        free(tactics);
        tb_adds(b, "|\n");
    }

    heading(b, CAT_H_INDEX_MATRIX);
    if (!m->n_techniques) {
        tb_adds(b, "No rule has ATT&CK tags.\n");
        return;
    }
    tb_adds(b, "Rules per technique (rows) and tactic (columns).\n\n| Technique | Rules |");
    for (size_t t = 0; t < m->n_tactics; t++) {
        tb_addc(b, ' ');
        if (m->tactic_names[t])
            cat_md_text(b, m->tactic_names[t], 1);
        else if (m->tactic_ids[t])
            cat_md_text(b, m->tactic_ids[t], 1);
        else
            tb_adds(b, "*(no tactic)*");
        tb_adds(b, " |");
    }
    tb_adds(b, "\n| --- | ---: |");
    for (size_t t = 0; t < m->n_tactics; t++)
        tb_adds(b, " ---: |");
    tb_addc(b, '\n');
    size_t c = 0;
    for (size_t r = 0; r < m->n_techniques; r++) {
        tb_adds(b, "| ");
        if (m->technique_ids[r]) {
            technique_link(b, m->technique_ids[r]);
            if (m->technique_names[r]) {
                tb_addc(b, ' ');
                cat_md_text(b, m->technique_names[r], 1);
            }
        } else {
            tb_adds(b, "*(no technique)*");
        }
        tb_printf(b, " | %u |", (unsigned)m->technique_rules[r]);
        for (size_t t = 0; t < m->n_tactics; t++) {
            if (c < m->n_cells && m->cells[c].technique == r && m->cells[c].tactic == t) {
                tb_printf(b, " %u |", (unsigned)m->cells[c].rules);
                c++;
            } else {
                tb_adds(b, "  |");
            }
        }
        tb_addc(b, '\n');
    }
}
