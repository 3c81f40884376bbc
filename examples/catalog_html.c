/* catalog_html.c - rule pages and the index page as self-contained HTML.
 *
 * One file per page: inline CSS, no script, no external asset (a Content Security
 * Policy forbids any, so a browser reports a violation instead of fetching
 * something). Every piece of rule text goes through cat_html_text.
 */
#include "catalog_render.h"

#include <stdlib.h>
#include <string.h>

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
    "sans-serif;line-height:1.5;color:#1f2328;background:#fff;margin:0 auto;max-width:72rem;"
    "padding:1.5rem 2rem 4rem}"
    "h1{font-size:1.8rem;margin:.2rem 0 .6rem;border-bottom:1px solid #d1d9e0;"
    "padding-bottom:.3rem}"
    "h2{font-size:1.35rem;margin:2rem 0 .6rem;border-bottom:1px solid #d1d9e0;"
    "padding-bottom:.2rem}"
    "h3{font-size:1.05rem;margin:1.2rem 0 .4rem}"
    "a{color:#0969da}"
    ".meta{color:#59636e;margin:0 0 1rem}.meta span{margin-right:1.2rem}"
    ".badge{display:inline-block;padding:0 .5em;border-radius:1em;font-size:.85em;"
    "border:1px solid #d1d9e0;background:#f6f8fa;color:#1f2328}"
    ".level-critical{background:#ffebe9;border-color:#ff8182}"
    ".level-high{background:#fff1e5;border-color:#fb8f44}"
    ".level-medium{background:#fff8c5;border-color:#d4a72c}"
    ".level-low,.level-informational{background:#ddf4ff;border-color:#54aeff}"
    "table{border-collapse:collapse;margin:.4rem 0 1rem;display:block;overflow-x:auto;"
    "max-width:100%}"
    "th,td{border:1px solid #d1d9e0;padding:.3rem .6rem;text-align:left;vertical-align:top}"
    "th{background:#f6f8fa}td.num,th.num{text-align:right}"
    "tr:nth-child(2n) td{background:#fbfcfd}"
    "code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,'Liberation Mono',"
    "monospace;font-size:.9em}"
    "code{background:#eff1f3;border-radius:4px;padding:.1em .3em;white-space:pre-wrap;"
    "word-break:break-all}"
    "pre{background:#f6f8fa;border:1px solid #d1d9e0;border-radius:6px;padding:.8rem 1rem;"
    "overflow-x:auto}"
    "pre code{background:none;padding:0;white-space:pre;word-break:normal}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.6rem 0}"
    "dt{font-weight:600}dd{margin:0}dd ul{margin:0;padding-left:1.2rem}"
    ".empty{color:#59636e;font-style:italic}"
    ".values code{display:inline-block;margin:.05rem 0}"
    ".matrix td.num:empty{background:none}"
    ".matrix td.hit{background:#dafbe1}"
    ".desc{white-space:pre-line}";

static void head(text_buf *b, const char *title)
{
    tb_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
               "style-src 'unsafe-inline'\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<title>");
    cat_html_text(b, title);
    tb_adds(b, "</title>\n<style>");
    tb_adds(b, css);
    tb_adds(b, "</style>\n</head>\n<body>\n");
}

static void section_open(text_buf *b, const char *id, const char *title)
{
    tb_printf(b, "<section id=\"%s\">\n<h2>", id);
    cat_html_text(b, title);
    tb_adds(b, "</h2>\n");
}

static void cell(text_buf *b, const char *s)
{
    tb_adds(b, "<td>");
    cat_html_text(b, s);
    tb_adds(b, "</td>");
}

static void code(text_buf *b, const char *s)
{
    if (!s || !*s) {
        tb_adds(b, "<span class=\"empty\">(empty)</span>");
        return;
    }
    tb_adds(b, "<code>");
    cat_html_text(b, s);
    tb_adds(b, "</code>");
}

static void cell_values(text_buf *b, const cat_strs *v)
{
    tb_adds(b, "<td class=\"values\">");
    for (size_t i = 0; i < v->count; i++) {
        if (i)
            tb_adds(b, "<br>");
        code(b, v->items[i]);
    }
    tb_adds(b, "</td>");
}

static void cell_field(text_buf *b, const char *field)
{
    tb_adds(b, "<td>");
    if (field)
        code(b, field);
    else
        tb_adds(b, "<span class=\"empty\">(keywords)</span>");
    tb_adds(b, "</td>");
}

static void technique_link(text_buf *b, const char *id)
{
    tb_adds(b, "<a href=\"https://attack.mitre.org/techniques/");
    for (const char *c = id; *c; c++) {
        if (*c == '.')
            tb_addc(b, '/');
        else if ((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z'))
            tb_addc(b, *c);
    }
    tb_adds(b, "/\">");
    cat_html_text(b, id);
    tb_adds(b, "</a>");
}

static void dl_item(text_buf *b, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    tb_printf(b, "<dt>%s</dt><dd>", label);
    cat_html_text(b, value);
    tb_adds(b, "</dd>\n");
}

static int is_http_url(const char *s)
{
    return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

static void dl_list(text_buf *b, const char *label, const cat_strs *v, int links)
{
    if (!v->count)
        return;
    tb_printf(b, "<dt>%s</dt><dd><ul>", label);
    for (size_t i = 0; i < v->count; i++) {
        tb_adds(b, "<li>");
        /* Only http(s) references become links: a javascript: URL must stay text. */
        if (links && is_http_url(v->items[i])) {
            tb_adds(b, "<a href=\"");
            cat_html_text(b, v->items[i]);
            tb_adds(b, "\">");
            cat_html_text(b, v->items[i]);
            tb_adds(b, "</a>");
        } else {
            cat_html_text(b, v->items[i]);
        }
        tb_adds(b, "</li>");
    }
    tb_adds(b, "</ul></dd>\n");
}

static void level_badge(text_buf *b, const char *level)
{
    tb_adds(b, "<span class=\"badge");
    static const char *const known[] = {"critical", "high", "medium", "low", "informational"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(level, known[i]) == 0)
            tb_printf(b, " level-%s", known[i]);
    tb_adds(b, "\">");
    cat_html_text(b, level);
    tb_adds(b, "</span>");
}

static void attack_section(text_buf *b, const cat_page *p)
{
    section_open(b, "attack", CAT_H_ATTACK);
    if (!p->n_attack) {
        tb_adds(b, "<p class=\"empty\">No ATT&amp;CK tags.</p>\n</section>\n");
        return;
    }
    tb_adds(b, "<table>\n<thead><tr><th>Tactic</th><th>Technique</th><th>Name</th></tr>"
               "</thead>\n<tbody>\n");
    for (size_t i = 0; i < p->n_attack;) {
        size_t end = cat_attack_group_end(p, i);
        const cat_attack_row *r = &p->attack[i];
        tb_adds(b, "<tr><td>");
        for (size_t k = i; k < end; k++) {
            const cat_attack_row *t = &p->attack[k];
            if (k > i)
                tb_adds(b, ", ");
            if (t->tactic_name || t->tactic_id) {
                cat_html_text(b, t->tactic_name ? t->tactic_name : t->tactic_id);
                if (t->tactic_name && t->tactic_id) {
                    tb_adds(b, " (");
                    cat_html_text(b, t->tactic_id);
                    tb_adds(b, ")");
                }
            } else {
                tb_adds(b, "<span class=\"empty\">(no tactic)</span>");
            }
        }
        tb_adds(b, "</td><td>");
        if (r->technique_id)
            technique_link(b, r->technique_id);
        tb_adds(b, "</td>");
        cell(b, r->technique_name);
        tb_adds(b, "</tr>\n");
        i = end;
    }
    tb_adds(b, "</tbody>\n</table>\n</section>\n");
}

static void events_section(text_buf *b, const cat_page *p)
{
    section_open(b, "events", CAT_H_EVENTS);
    if (!p->n_events) {
        tb_adds(b, "<p class=\"empty\">No events are mapped to this logsource.</p>\n"
                   "</section>\n");
        return;
    }
    tb_adds(b, "<table>\n<thead><tr><th>Provider</th><th class=\"num\">Event ID</th>"
               "<th>Title</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < p->n_events; i++) {
        tb_adds(b, "<tr>");
        cell(b, p->events[i].provider);
        tb_adds(b, "<td class=\"num\">");
        cat_html_text(b, p->events[i].event_id);
        tb_adds(b, "</td>");
        cell(b, p->events[i].title);
        tb_adds(b, "</tr>\n");
    }
    tb_adds(b, "</tbody>\n</table>\n</section>\n");
}

static void body_section(text_buf *b, const cat_page *p)
{
    section_open(b, "body", CAT_H_BODY);
    tb_adds(b, "<pre><code class=\"language-yaml\">");
    cat_html_text(b, p->yaml);
    tb_adds(b, "</code></pre>\n</section>\n");
}

static void pred_table(text_buf *b, const cat_stage *st)
{
    if (st->grouped)
        tb_adds(b, "<p>A list of groups: the selection holds when every item of one group "
                   "holds.</p>\n");
    tb_adds(b, "<table>\n<thead><tr>");
    if (st->grouped)
        tb_adds(b, "<th class=\"num\">Group</th>");
    tb_adds(b, "<th>Field</th><th>Kind</th><th>Values</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < st->n_preds; i++) {
        tb_adds(b, "<tr>");
        if (st->grouped)
            tb_printf(b, "<td class=\"num\">%u</td>", (unsigned)st->preds[i].group + 1);
        cell_field(b, st->preds[i].field);
        cell(b, st->preds[i].kind);
        cell_values(b, &st->preds[i].values);
        tb_adds(b, "</tr>\n");
    }
    tb_adds(b, "</tbody>\n</table>\n");
}

static void rule_list(text_buf *b, const char *intro, const cat_strs *v)
{
    tb_printf(b, "<p>%s</p>\n<ul>\n", intro);
    for (size_t i = 0; i < v->count; i++) {
        tb_adds(b, "<li>");
        cat_html_text(b, v->items[i]);
        tb_adds(b, "</li>\n");
    }
    tb_adds(b, "</ul>\n");
}

static void stages_section(text_buf *b, const cat_page *p)
{
    section_open(b, "stages", CAT_H_STAGES);
    if (p->correlation_type) {
        tb_adds(b, "<p>A correlation rule of type <code>");
        cat_html_text(b, p->correlation_type);
        tb_adds(b, "</code>: it has no stages of its own.</p>\n");
        if (p->correlates.count)
            rule_list(b, "It correlates the rules:", &p->correlates);
    } else if (!p->n_stages) {
        tb_adds(b, "<p class=\"empty\">No stages.</p>\n");
    }
    for (size_t s = 0; s < p->n_stages; s++) {
        const cat_stage *st = &p->stages[s];
        tb_printf(b, "<h3 id=\"stage-%zu\">Stage %zu: ", s, s);
        cat_html_text(b, st->name);
        tb_adds(b, "</h3>\n");
        if (st->text) {
            tb_adds(b, "<p>");
            code(b, st->text);
            tb_adds(b, "</p>\n");
        }
        if (st->n_preds)
            pred_table(b, st);
        else if (!st->text)
            tb_adds(b, "<p class=\"empty\">No predicates.</p>\n");
    }
    if (p->referrers.count)
        rule_list(b, "Correlation rules that use this rule:", &p->referrers);
    tb_adds(b, "</section>\n");
}

static void indicators_section(text_buf *b, const cat_page *p)
{
    section_open(b, "indicators", CAT_H_INDICATORS);
    if (!p->n_indicators) {
        tb_adds(b, "<p class=\"empty\">No indicators.</p>\n</section>\n");
        return;
    }
    tb_adds(b, "<table>\n<thead><tr><th>Field</th><th>Kind</th><th>Values</th>"
               "<th class=\"num\">Corpus</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < p->n_indicators; i++) {
        const cat_indicator *ind = &p->indicators[i];
        tb_adds(b, "<tr>");
        cell_field(b, ind->field);
        cell(b, ind->kind);
        cell_values(b, &ind->values);
        tb_printf(b, "<td class=\"num\">%u</td></tr>\n", (unsigned)ind->corpus);
    }
    tb_adds(b, "</tbody>\n</table>\n</section>\n");
}

void cat_html_page(text_buf *b, const cat_page *p, int link_index)
{
    const char *title = p->title && *p->title ? p->title : "(untitled rule)";
    head(b, title);
    if (link_index)
        tb_adds(b, "<nav><a href=\"index.html\">Index</a></nav>\n");
    tb_adds(b, "<header>\n<h1>");
    cat_html_text(b, title);
    tb_adds(b, "</h1>\n<p class=\"meta\">");
    if (p->id) {
        tb_adds(b, "<span>ID <code>");
        cat_html_text(b, p->id);
        tb_adds(b, "</code></span>");
    }
    if (p->level) {
        tb_adds(b, "<span>Level ");
        level_badge(b, p->level);
        tb_adds(b, "</span>");
    }
    if (p->status) {
        tb_adds(b, "<span>Status <span class=\"badge\">");
        cat_html_text(b, p->status);
        tb_adds(b, "</span></span>");
    }
    char *ls = cat_logsource_text(p);
    if (*ls) {
        tb_adds(b, "<span>Logsource <code>");
        cat_html_text(b, ls);
        tb_adds(b, "</code></span>");
    }
    free(ls);
    tb_adds(b, "</p>\n</header>\n");

    section_open(b, "description", CAT_H_DESCRIPTION);
    if (p->description && *p->description) {
        tb_adds(b, "<p class=\"desc\">");
        cat_html_text(b, p->description);
        tb_adds(b, "</p>\n");
    } else {
        tb_adds(b, "<p class=\"empty\">(no description)</p>\n");
    }
    tb_adds(b, "<dl>\n");
    dl_item(b, "Author", p->author);
    dl_item(b, "Date", p->date);
    dl_item(b, "Modified", p->modified);
    dl_item(b, "Source", p->source);
    dl_list(b, "References", &p->references, 1);
    dl_list(b, "False positives", &p->falsepositives, 0);
    dl_list(b, "Tags", &p->tags, 0);
    tb_adds(b, "</dl>\n</section>\n");

    attack_section(b, p);
    events_section(b, p);
    body_section(b, p);
    stages_section(b, p);
    indicators_section(b, p);
    tb_adds(b, "</body>\n</html>\n");
}

/* ------------------------------------------------------------------ index */

void cat_html_index(text_buf *b, cat_page *const *pages, size_t n, const cat_matrix *m)
{
    head(b, "Sigma rule catalog");
    tb_printf(b,
              "<header>\n<h1>Sigma rule catalog</h1>\n<p class=\"meta\">%zu rules</p>\n"
              "</header>\n",
              n);
    section_open(b, "rules", CAT_H_INDEX_RULES);
    tb_adds(b, "<table>\n<thead><tr><th>Rule</th><th>Level</th><th>Status</th>"
               "<th>Logsource</th><th>Tactics</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
        const cat_page *p = pages[i];
        tb_printf(b, "<tr><td><a href=\"%s.html\">", p->file);
        cat_html_text(b, p->title && *p->title ? p->title : p->file);
        tb_adds(b, "</a></td><td>");
        if (p->level)
            level_badge(b, p->level);
        tb_adds(b, "</td>");
        cell(b, p->status);
        char *ls = cat_logsource_text(p);
        cell(b, ls);
        free(ls);
        char *tactics = cat_tactics_text(p);
        cell(b, tactics);
        free(tactics);
        tb_adds(b, "</tr>\n");
    }
    tb_adds(b, "</tbody>\n</table>\n</section>\n");

    section_open(b, "matrix", CAT_H_INDEX_MATRIX);
    if (!m->n_techniques) {
        tb_adds(b, "<p class=\"empty\">No rule has ATT&amp;CK tags.</p>\n</section>\n"
                   "</body>\n</html>\n");
        return;
    }
    tb_adds(b, "<p>Rules per technique (rows) and tactic (columns).</p>\n"
               "<table class=\"matrix\">\n<thead><tr><th>Technique</th>"
               "<th class=\"num\">Rules</th>");
    for (size_t t = 0; t < m->n_tactics; t++) {
        tb_adds(b, "<th class=\"num\">");
        if (m->tactic_names[t])
            cat_html_text(b, m->tactic_names[t]);
        else if (m->tactic_ids[t])
            cat_html_text(b, m->tactic_ids[t]);
        else
            tb_adds(b, "(no tactic)");
        tb_adds(b, "</th>");
    }
    tb_adds(b, "</tr></thead>\n<tbody>\n");
    size_t c = 0;
    for (size_t r = 0; r < m->n_techniques; r++) {
        tb_adds(b, "<tr><td>");
        if (m->technique_ids[r]) {
            technique_link(b, m->technique_ids[r]);
            if (m->technique_names[r]) {
                tb_addc(b, ' ');
                cat_html_text(b, m->technique_names[r]);
            }
        } else {
            tb_adds(b, "<span class=\"empty\">(no technique)</span>");
        }
        tb_printf(b, "</td><td class=\"num\">%u</td>", (unsigned)m->technique_rules[r]);
        for (size_t t = 0; t < m->n_tactics; t++) {
            if (c < m->n_cells && m->cells[c].technique == r && m->cells[c].tactic == t) {
                tb_printf(b, "<td class=\"num hit\">%u</td>", (unsigned)m->cells[c].rules);
                c++;
            } else {
                tb_adds(b, "<td class=\"num\"></td>");
            }
        }
        tb_adds(b, "</tr>\n");
    }
    tb_adds(b, "</tbody>\n</table>\n</section>\n</body>\n</html>\n");
}
