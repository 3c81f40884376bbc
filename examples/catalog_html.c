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

static void head(cat_buf *b, const char *title)
{
    cat_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                    "style-src 'unsafe-inline'\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>");
    cat_html_text(b, title);
    cat_buf_adds(b, "</title>\n<style>");
    cat_buf_adds(b, css);
    cat_buf_adds(b, "</style>\n</head>\n<body>\n");
}

static void section_open(cat_buf *b, const char *id, const char *title)
{
    cat_buf_printf(b, "<section id=\"%s\">\n<h2>", id);
    cat_html_text(b, title);
    cat_buf_adds(b, "</h2>\n");
}

static void cell(cat_buf *b, const char *s)
{
    cat_buf_adds(b, "<td>");
    cat_html_text(b, s);
    cat_buf_adds(b, "</td>");
}

static void code(cat_buf *b, const char *s)
{
    if (!s || !*s) {
        cat_buf_adds(b, "<span class=\"empty\">(empty)</span>");
        return;
    }
    cat_buf_adds(b, "<code>");
    cat_html_text(b, s);
    cat_buf_adds(b, "</code>");
}

static void cell_values(cat_buf *b, const cat_strs *v)
{
    cat_buf_adds(b, "<td class=\"values\">");
    for (size_t i = 0; i < v->count; i++) {
        if (i)
            cat_buf_adds(b, "<br>");
        code(b, v->items[i]);
    }
    cat_buf_adds(b, "</td>");
}

static void cell_field(cat_buf *b, const char *field)
{
    cat_buf_adds(b, "<td>");
    if (field)
        code(b, field);
    else
        cat_buf_adds(b, "<span class=\"empty\">(keywords)</span>");
    cat_buf_adds(b, "</td>");
}

static void technique_link(cat_buf *b, const char *id)
{
    cat_buf_adds(b, "<a href=\"https://attack.mitre.org/techniques/");
    for (const char *c = id; *c; c++) {
        if (*c == '.')
            cat_buf_addc(b, '/');
        else if ((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z'))
            cat_buf_addc(b, *c);
    }
    cat_buf_adds(b, "/\">");
    cat_html_text(b, id);
    cat_buf_adds(b, "</a>");
}

static void dl_item(cat_buf *b, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    cat_buf_printf(b, "<dt>%s</dt><dd>", label);
    cat_html_text(b, value);
    cat_buf_adds(b, "</dd>\n");
}

static int is_http_url(const char *s)
{
    return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

static void dl_list(cat_buf *b, const char *label, const cat_strs *v, int links)
{
    if (!v->count)
        return;
    cat_buf_printf(b, "<dt>%s</dt><dd><ul>", label);
    for (size_t i = 0; i < v->count; i++) {
        cat_buf_adds(b, "<li>");
        /* Only http(s) references become links: a javascript: URL must stay text. */
        if (links && is_http_url(v->items[i])) {
            cat_buf_adds(b, "<a href=\"");
            cat_html_text(b, v->items[i]);
            cat_buf_adds(b, "\">");
            cat_html_text(b, v->items[i]);
            cat_buf_adds(b, "</a>");
        } else {
            cat_html_text(b, v->items[i]);
        }
        cat_buf_adds(b, "</li>");
    }
    cat_buf_adds(b, "</ul></dd>\n");
}

static void level_badge(cat_buf *b, const char *level)
{
    cat_buf_adds(b, "<span class=\"badge");
    static const char *const known[] = {"critical", "high", "medium", "low", "informational"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(level, known[i]) == 0)
            cat_buf_printf(b, " level-%s", known[i]);
    cat_buf_adds(b, "\">");
    cat_html_text(b, level);
    cat_buf_adds(b, "</span>");
}

static void attack_section(cat_buf *b, const cat_page *p)
{
    section_open(b, "attack", CAT_H_ATTACK);
    if (!p->n_attack) {
        cat_buf_adds(b, "<p class=\"empty\">No ATT&amp;CK tags.</p>\n</section>\n");
        return;
    }
    cat_buf_adds(b, "<table>\n<thead><tr><th>Tactic</th><th>Technique</th><th>Name</th></tr>"
                    "</thead>\n<tbody>\n");
    for (size_t i = 0; i < p->n_attack;) {
        size_t end = cat_attack_group_end(p, i);
        const cat_attack_row *r = &p->attack[i];
        cat_buf_adds(b, "<tr><td>");
        for (size_t k = i; k < end; k++) {
            const cat_attack_row *t = &p->attack[k];
            if (k > i)
                cat_buf_adds(b, ", ");
            if (t->tactic_name || t->tactic_id) {
                cat_html_text(b, t->tactic_name ? t->tactic_name : t->tactic_id);
                if (t->tactic_name && t->tactic_id) {
                    cat_buf_adds(b, " (");
                    cat_html_text(b, t->tactic_id);
                    cat_buf_adds(b, ")");
                }
            } else {
                cat_buf_adds(b, "<span class=\"empty\">(no tactic)</span>");
            }
        }
        cat_buf_adds(b, "</td><td>");
        if (r->technique_id)
            technique_link(b, r->technique_id);
        cat_buf_adds(b, "</td>");
        cell(b, r->technique_name);
        cat_buf_adds(b, "</tr>\n");
        i = end;
    }
    cat_buf_adds(b, "</tbody>\n</table>\n</section>\n");
}

static void events_section(cat_buf *b, const cat_page *p)
{
    section_open(b, "events", CAT_H_EVENTS);
    if (!p->n_events) {
        cat_buf_adds(b, "<p class=\"empty\">No events are mapped to this logsource.</p>\n"
                        "</section>\n");
        return;
    }
    cat_buf_adds(b, "<table>\n<thead><tr><th>Provider</th><th class=\"num\">Event ID</th>"
                    "<th>Title</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < p->n_events; i++) {
        cat_buf_adds(b, "<tr>");
        cell(b, p->events[i].provider);
        cat_buf_adds(b, "<td class=\"num\">");
        cat_html_text(b, p->events[i].event_id);
        cat_buf_adds(b, "</td>");
        cell(b, p->events[i].title);
        cat_buf_adds(b, "</tr>\n");
    }
    cat_buf_adds(b, "</tbody>\n</table>\n</section>\n");
}

static void body_section(cat_buf *b, const cat_page *p)
{
    section_open(b, "body", CAT_H_BODY);
    cat_buf_adds(b, "<pre><code class=\"language-yaml\">");
    cat_html_text(b, p->yaml);
    cat_buf_adds(b, "</code></pre>\n</section>\n");
}

static void pred_table(cat_buf *b, const cat_stage *st)
{
    if (st->grouped)
        cat_buf_adds(b, "<p>A list of groups: the selection holds when every item of one group "
                        "holds.</p>\n");
    cat_buf_adds(b, "<table>\n<thead><tr>");
    if (st->grouped)
        cat_buf_adds(b, "<th class=\"num\">Group</th>");
    cat_buf_adds(b, "<th>Field</th><th>Kind</th><th>Values</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < st->n_preds; i++) {
        cat_buf_adds(b, "<tr>");
        if (st->grouped)
            cat_buf_printf(b, "<td class=\"num\">%u</td>", (unsigned)st->preds[i].group + 1);
        cell_field(b, st->preds[i].field);
        cell(b, st->preds[i].kind);
        cell_values(b, &st->preds[i].values);
        cat_buf_adds(b, "</tr>\n");
    }
    cat_buf_adds(b, "</tbody>\n</table>\n");
}

static void rule_list(cat_buf *b, const char *intro, const cat_strs *v)
{
    cat_buf_printf(b, "<p>%s</p>\n<ul>\n", intro);
    for (size_t i = 0; i < v->count; i++) {
        cat_buf_adds(b, "<li>");
        cat_html_text(b, v->items[i]);
        cat_buf_adds(b, "</li>\n");
    }
    cat_buf_adds(b, "</ul>\n");
}

static void stages_section(cat_buf *b, const cat_page *p)
{
    section_open(b, "stages", CAT_H_STAGES);
    if (p->correlation_type) {
        cat_buf_adds(b, "<p>A correlation rule of type <code>");
        cat_html_text(b, p->correlation_type);
        cat_buf_adds(b, "</code>: it has no stages of its own.</p>\n");
        if (p->correlates.count)
            rule_list(b, "It correlates the rules:", &p->correlates);
    } else if (!p->n_stages) {
        cat_buf_adds(b, "<p class=\"empty\">No stages.</p>\n");
    }
    for (size_t s = 0; s < p->n_stages; s++) {
        const cat_stage *st = &p->stages[s];
        cat_buf_printf(b, "<h3 id=\"stage-%zu\">Stage %zu: ", s, s);
        cat_html_text(b, st->name);
        cat_buf_adds(b, "</h3>\n");
        if (st->text) {
            cat_buf_adds(b, "<p>");
            code(b, st->text);
            cat_buf_adds(b, "</p>\n");
        }
        if (st->n_preds)
            pred_table(b, st);
        else if (!st->text)
            cat_buf_adds(b, "<p class=\"empty\">No predicates.</p>\n");
    }
    if (p->referrers.count)
        rule_list(b, "Correlation rules that use this rule:", &p->referrers);
    cat_buf_adds(b, "</section>\n");
}

static void indicators_section(cat_buf *b, const cat_page *p)
{
    section_open(b, "indicators", CAT_H_INDICATORS);
    if (!p->n_indicators) {
        cat_buf_adds(b, "<p class=\"empty\">No indicators.</p>\n</section>\n");
        return;
    }
    cat_buf_adds(b, "<table>\n<thead><tr><th>Field</th><th>Kind</th><th>Values</th>"
                    "<th class=\"num\">Corpus</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < p->n_indicators; i++) {
        const cat_indicator *ind = &p->indicators[i];
        cat_buf_adds(b, "<tr>");
        cell_field(b, ind->field);
        cell(b, ind->kind);
        cell_values(b, &ind->values);
        cat_buf_printf(b, "<td class=\"num\">%u</td></tr>\n", (unsigned)ind->corpus);
    }
    cat_buf_adds(b, "</tbody>\n</table>\n</section>\n");
}

void cat_html_page(cat_buf *b, const cat_page *p, int link_index)
{
    const char *title = p->title && *p->title ? p->title : "(untitled rule)";
    head(b, title);
    if (link_index)
        cat_buf_adds(b, "<nav><a href=\"index.html\">Index</a></nav>\n");
    cat_buf_adds(b, "<header>\n<h1>");
    cat_html_text(b, title);
    cat_buf_adds(b, "</h1>\n<p class=\"meta\">");
    if (p->id) {
        cat_buf_adds(b, "<span>ID <code>");
        cat_html_text(b, p->id);
        cat_buf_adds(b, "</code></span>");
    }
    if (p->level) {
        cat_buf_adds(b, "<span>Level ");
        level_badge(b, p->level);
        cat_buf_adds(b, "</span>");
    }
    if (p->status) {
        cat_buf_adds(b, "<span>Status <span class=\"badge\">");
        cat_html_text(b, p->status);
        cat_buf_adds(b, "</span></span>");
    }
    char *ls = cat_logsource_text(p);
    if (*ls) {
        cat_buf_adds(b, "<span>Logsource <code>");
        cat_html_text(b, ls);
        cat_buf_adds(b, "</code></span>");
    }
    free(ls);
    cat_buf_adds(b, "</p>\n</header>\n");

    section_open(b, "description", CAT_H_DESCRIPTION);
    if (p->description && *p->description) {
        cat_buf_adds(b, "<p class=\"desc\">");
        cat_html_text(b, p->description);
        cat_buf_adds(b, "</p>\n");
    } else {
        cat_buf_adds(b, "<p class=\"empty\">(no description)</p>\n");
    }
    cat_buf_adds(b, "<dl>\n");
    dl_item(b, "Author", p->author);
    dl_item(b, "Date", p->date);
    dl_item(b, "Modified", p->modified);
    dl_item(b, "Source", p->source);
    dl_list(b, "References", &p->references, 1);
    dl_list(b, "False positives", &p->falsepositives, 0);
    dl_list(b, "Tags", &p->tags, 0);
    cat_buf_adds(b, "</dl>\n</section>\n");

    attack_section(b, p);
    events_section(b, p);
    body_section(b, p);
    stages_section(b, p);
    indicators_section(b, p);
    cat_buf_adds(b, "</body>\n</html>\n");
}

/* ------------------------------------------------------------------ index */

void cat_html_index(cat_buf *b, cat_page *const *pages, size_t n, const cat_matrix *m)
{
    head(b, "Sigma rule catalog");
    cat_buf_printf(b,
                   "<header>\n<h1>Sigma rule catalog</h1>\n<p class=\"meta\">%zu rules</p>\n"
                   "</header>\n",
                   n);
    section_open(b, "rules", CAT_H_INDEX_RULES);
    cat_buf_adds(b, "<table>\n<thead><tr><th>Rule</th><th>Level</th><th>Status</th>"
                    "<th>Logsource</th><th>Tactics</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
        const cat_page *p = pages[i];
        cat_buf_printf(b, "<tr><td><a href=\"%s.html\">", p->file);
        cat_html_text(b, p->title && *p->title ? p->title : p->file);
        cat_buf_adds(b, "</a></td><td>");
        if (p->level)
            level_badge(b, p->level);
        cat_buf_adds(b, "</td>");
        cell(b, p->status);
        char *ls = cat_logsource_text(p);
        cell(b, ls);
        free(ls);
        char *tactics = cat_tactics_text(p);
        cell(b, tactics);
        free(tactics);
        cat_buf_adds(b, "</tr>\n");
    }
    cat_buf_adds(b, "</tbody>\n</table>\n</section>\n");

    section_open(b, "matrix", CAT_H_INDEX_MATRIX);
    if (!m->n_techniques) {
        cat_buf_adds(b, "<p class=\"empty\">No rule has ATT&amp;CK tags.</p>\n</section>\n"
                        "</body>\n</html>\n");
        return;
    }
    cat_buf_adds(b, "<p>Rules per technique (rows) and tactic (columns).</p>\n"
                    "<table class=\"matrix\">\n<thead><tr><th>Technique</th>"
                    "<th class=\"num\">Rules</th>");
    for (size_t t = 0; t < m->n_tactics; t++) {
        cat_buf_adds(b, "<th class=\"num\">");
        if (m->tactic_names[t])
            cat_html_text(b, m->tactic_names[t]);
        else if (m->tactic_ids[t])
            cat_html_text(b, m->tactic_ids[t]);
        else
            cat_buf_adds(b, "(no tactic)");
        cat_buf_adds(b, "</th>");
    }
    cat_buf_adds(b, "</tr></thead>\n<tbody>\n");
    size_t c = 0;
    for (size_t r = 0; r < m->n_techniques; r++) {
        cat_buf_adds(b, "<tr><td>");
        if (m->technique_ids[r]) {
            technique_link(b, m->technique_ids[r]);
            if (m->technique_names[r]) {
                cat_buf_addc(b, ' ');
                cat_html_text(b, m->technique_names[r]);
            }
        } else {
            cat_buf_adds(b, "<span class=\"empty\">(no technique)</span>");
        }
        cat_buf_printf(b, "</td><td class=\"num\">%u</td>", (unsigned)m->technique_rules[r]);
        for (size_t t = 0; t < m->n_tactics; t++) {
            if (c < m->n_cells && m->cells[c].technique == r && m->cells[c].tactic == t) {
                cat_buf_printf(b, "<td class=\"num hit\">%u</td>", (unsigned)m->cells[c].rules);
                c++;
            } else {
                cat_buf_adds(b, "<td class=\"num\"></td>");
            }
        }
        cat_buf_adds(b, "</tr>\n");
    }
    cat_buf_adds(b, "</tbody>\n</table>\n</section>\n</body>\n</html>\n");
}
