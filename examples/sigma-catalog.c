/* sigma-catalog - catalog pages (Markdown or HTML) for Sigma rules, from libsigma's
 * introspection API.
 *
 *   sigma-catalog -r RULES... [--rule ID | --all] [--format markdown|html] [-o DIR]
 *                 [--attack-names FILE] [--placeholders FILE] [--no-mapping]
 *
 * One rule (--rule): its page on stdout, or DIR/<id>.<ext> with -o. Every rule
 * (--all, needs -o): one page per rule plus DIR/index.<ext>. The contract (exit
 * codes, messages) follows sigma-scan's; docs/catalog.md is the manual.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <sigma/sigma.h>

#include "catalog_buf.h"
#include "catalog_model.h"
#include "catalog_render.h"
#include "text_buf.h"

#define EXIT_RULES 1
#define EXIT_USAGE 2

const char tb_program_name[] = "sigma-catalog"; /* prefix of usage and out-of-memory messages */

static const char usage_text[] =
    "usage: sigma-catalog -r PATH [-r PATH ...] (--rule ID | --all) [options]\n"
    "\n"
    "Write catalog pages for Sigma rules: title, description, MITRE ATT&CK coverage,\n"
    "event coverage, rule body, stages and predicates, indicators (with the number of\n"
    "loaded rules that use each one).\n"
    "\n"
    "  -r, --rules PATH     rule file or directory (recursive); repeatable\n"
    "  --rule ID            the page of the rule with this id (or name)\n"
    "  --all                a page for every rule plus an index page (needs -o)\n"
    "  --format FORMAT      markdown (default) or html\n"
    "  -o, --output DIR     write <id>.md|.html (and index.md|.html) into DIR, created\n"
    "                       if missing; without it the page goes to stdout\n"
    "  --attack-names FILE  ATT&CK technique names (see docs/catalog.md)\n"
    "  --placeholders FILE  placeholder values for `expand`; repeatable\n"
    "  --no-mapping         no built-in logsource mapping (empty Event coverage)\n"
    "  -h, --help           show this help and exit\n"
    "  --version            show the version and exit\n"
    "\n"
    "stderr: diagnostics as <path>:<line>:<col>: <severity>: <message>, then\n"
    "        \"loaded <N> rules, <M> failed\"\n"
    "exit: 0 ok (bad rules skipped), 1 unknown --rule id, 2 usage or I/O error\n";

typedef struct options {
    const char **rules;
    size_t n_rules;
    const char **placeholders;
    size_t n_placeholders;
    const char *rule_id;
    int all;
    cat_format format;
    const char *out_dir;
    const char *attack_names;
    int no_mapping;
} options;

static void set_format(options *o, const char *name)
{
    if (strcmp(name, "markdown") == 0 || strcmp(name, "md") == 0)
        o->format = CAT_MARKDOWN;
    else if (strcmp(name, "html") == 0)
        o->format = CAT_HTML;
    else
        tb_usage_error(usage_text, "unknown format '%s' (use markdown or html)", name);
}

/* Value of an option written as "--opt VALUE" or "--opt=VALUE"; NULL if `a` is
 * not this option. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, const char *what)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        tb_usage_error(usage_text, "option '%s' needs %s", name, what);
    return argv[++*i];
}

static void parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->rules = calloc((size_t)argc + 1, sizeof *o->rules);
    o->placeholders = calloc((size_t)argc + 1, sizeof *o->placeholders);
    if (!o->rules || !o->placeholders)
        tb_die_nomem();
    o->format = CAT_MARKDOWN;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            exit(fflush(stdout) == 0 ? 0 : EXIT_USAGE);
        } else if (strcmp(a, "--version") == 0) {
            printf("sigma-catalog %s (libsigma %s)\n", SIGMA_VERSION_STRING,
                   sigma_version_string());
            exit(fflush(stdout) == 0 ? 0 : EXIT_USAGE);
        } else if (strcmp(a, "-r") == 0) {
            if (i + 1 >= argc)
                tb_usage_error(usage_text, "option '-r' needs a PATH");
            o->rules[o->n_rules++] = argv[++i];
        } else if ((v = opt_value(argc, argv, &i, "--rules", "a PATH"))) {
            o->rules[o->n_rules++] = v;
        } else if (strncmp(a, "-r", 2) == 0) {
            o->rules[o->n_rules++] = a + 2;
        } else if ((v = opt_value(argc, argv, &i, "--rule", "an ID"))) {
            if (o->rule_id)
                tb_usage_error(usage_text,
                               "only one --rule may be given (use --all for every rule)");
            o->rule_id = v;
        } else if (strcmp(a, "--all") == 0) {
            o->all = 1;
        } else if ((v = opt_value(argc, argv, &i, "--format", "a FORMAT"))) {
            set_format(o, v);
        } else if (strcmp(a, "-o") == 0) {
            if (i + 1 >= argc)
                tb_usage_error(usage_text, "option '-o' needs a DIR");
            o->out_dir = argv[++i];
        } else if ((v = opt_value(argc, argv, &i, "--output", "a DIR"))) {
            o->out_dir = v;
        } else if ((v = opt_value(argc, argv, &i, "--attack-names", "a FILE"))) {
            o->attack_names = v;
        } else if ((v = opt_value(argc, argv, &i, "--placeholders", "a FILE"))) {
            o->placeholders[o->n_placeholders++] = v;
        } else if (strcmp(a, "--no-mapping") == 0) {
            o->no_mapping = 1;
        } else if (a[0] == '-') {
            tb_usage_error(usage_text, "unknown option '%s'", a);
        } else {
            tb_usage_error(usage_text, "unexpected argument '%s' (rule paths need -r)", a);
        }
    }
    if (o->n_rules == 0)
        tb_usage_error(usage_text, "no rules given (use -r PATH)");
    for (size_t i = 0; i < o->n_rules; i++)
        if (o->rules[i][0] == '\0')
            tb_usage_error(usage_text, "empty rules path");
    if (o->rule_id && o->all)
        tb_usage_error(usage_text, "--rule and --all cannot be combined");
    if (!o->rule_id && !o->all)
        tb_usage_error(usage_text, "say which pages to write: --rule ID or --all");
    if (o->all && !o->out_dir)
        tb_usage_error(usage_text, "--all needs an output directory (-o DIR)");
    if (o->out_dir && o->out_dir[0] == '\0')
        tb_usage_error(usage_text, "empty output directory");
    if (o->rule_id && o->rule_id[0] == '\0')
        tb_usage_error(usage_text, "empty rule id");
}

/* ------------------------------------------------------------------ loading */

static void print_diagnostics(const sigma_diagnostics *diags)
{
    size_t n = sigma_diagnostics_count(diags);
    for (size_t i = 0; i < n; i++) {
        sigma_diagnostic_info d;
        memset(&d, 0, sizeof d);
        d.size = sizeof d;
        if (sigma_diagnostics_get(diags, i, &d) != SIGMA_OK)
            continue;
        const char *src = d.source_name ? d.source_name : "<input>";
        const char *sev = d.severity == SIGMA_SEVERITY_WARNING ? "warning" : "error";
        const char *msg = d.message ? d.message : "";
        if (d.line == 0)
            fprintf(stderr, "%s: %s: %s\n", src, sev, msg);
        else if (d.column == 0)
            fprintf(stderr, "%s:%u: %s: %s\n", src, (unsigned)d.line, sev, msg);
        else
            fprintf(stderr, "%s:%u:%u: %s: %s\n", src, (unsigned)d.line, (unsigned)d.column, sev,
                    msg);
    }
}

/* Reads the file at `path` and hands it to `add`; -1 (message printed) when the
 * file cannot be read. */
static int add_file(sigma_builder *b, const char *path, const char *what,
                    int (*add)(sigma_builder *, const char *, size_t, const char *, size_t))
{
    size_t len = 0;
    errno = 0;
    char *text = tb_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "sigma-catalog: %s: cannot read %s: %s\n", path, what,
                strerror(errno ? errno : EIO));
        return -1;
    }
    int rc = add(b, path, SIGMA_NUL_TERMINATED, text, len);
    free(text);
    if (rc == SIGMA_E_NOMEM)
        tb_die_nomem();
    return 0;
}

/* Loads and compiles the rules; 0 with *rs_out set, or an exit status. */
static int load_rules(const options *o, sigma_ruleset **rs_out)
{
    *rs_out = NULL;
    for (size_t i = 0; i < o->n_rules; i++) {
        struct stat st;
        if (stat(o->rules[i], &st) != 0) {
            fprintf(stderr, "sigma-catalog: %s: %s\n", o->rules[i], strerror(errno));
            return EXIT_USAGE;
        }
    }
    sigma_builder *b = NULL;
    int rc = sigma_builder_new(NULL, &b);
    if (rc != SIGMA_OK) {
        fprintf(stderr, "sigma-catalog: cannot create builder: %s\n", sigma_status_str(rc));
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < o->n_placeholders; i++) {
        if (add_file(b, o->placeholders[i], "placeholders", sigma_builder_add_placeholders_yaml)) {
            sigma_builder_free(b);
            return EXIT_USAGE;
        }
    }
    if (o->attack_names &&
        add_file(b, o->attack_names, "ATT&CK names", sigma_builder_add_attack_names)) {
        sigma_builder_free(b);
        return EXIT_USAGE;
    }
    if (!o->no_mapping && sigma_builder_add_default_mapping(b) == SIGMA_E_NOMEM)
        tb_die_nomem();
    int io_error = 0;
    for (size_t i = 0; i < o->n_rules; i++) {
        rc = sigma_builder_add_path(b, o->rules[i], SIGMA_NUL_TERMINATED, NULL);
        if (rc == SIGMA_E_IO)
            io_error = 1;
        else if (rc == SIGMA_E_NOMEM)
            tb_die_nomem();
    }
    sigma_ruleset *rs = NULL;
    int build_rc = sigma_builder_build(b, &rs);
    print_diagnostics(sigma_builder_diagnostics(b));
    fprintf(stderr, "loaded %u rules, %u failed\n",
            rs ? (unsigned)sigma_ruleset_rule_count(rs) : 0u,
            (unsigned)sigma_builder_failed_count(b));
    sigma_builder_free(b);
    if (build_rc != SIGMA_OK || !rs) {
        fprintf(stderr, "sigma-catalog: cannot build the ruleset: %s\n",
                sigma_status_str(build_rc));
        sigma_ruleset_unref(rs);
        return EXIT_USAGE;
    }
    if (io_error) {
        fputs("sigma-catalog: some rule files could not be read\n", stderr);
        sigma_ruleset_unref(rs);
        return EXIT_USAGE;
    }
    *rs_out = rs;
    return 0;
}

/* ------------------------------------------------------------------ writing */

/* Creates DIR (and missing parents); 0, or -1 with a message. */
static int make_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        fprintf(stderr, "sigma-catalog: %s: not a directory\n", dir);
        return -1;
    }
    char *path = strdup(dir);
    if (!path)
        tb_die_nomem();
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "sigma-catalog: %s: cannot create directory: %s\n", path,
                    strerror(errno));
            free(path);
            return -1;
        }
        *p = c;
        if (c == '\0')
            break;
    }
    free(path);
    return 0;
}

static int write_file(const char *dir, const char *name, const char *ext, const text_buf *b)
{
    size_t n = strlen(dir) + strlen(name) + strlen(ext) + 3;
    char *path = malloc(n);
    if (!path)
        tb_die_nomem();
    snprintf(path, n, "%s/%s.%s", dir, name, ext);
    FILE *f = fopen(path, "wb");
    int ok = f != NULL;
    if (ok)
        ok = fwrite(b->data, 1, b->len, f) == b->len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "sigma-catalog: %s: cannot write: %s\n", path, strerror(errno));
    free(path);
    return ok ? 0 : -1;
}

static void render_page(text_buf *b, const cat_page *p, cat_format f, int link_index)
{
    if (f == CAT_HTML)
        cat_html_page(b, p, link_index);
    else
        cat_md_page(b, p, link_index);
}

static const char *format_ext(cat_format f)
{
    return f == CAT_HTML ? "html" : "md";
}

/* File names of the pages: the rule id made safe for a file name; a rule without
 * an id gets "rule-<index>", and a name already taken gets "-2", "-3", ... A small
 * open-addressing set keeps this linear in the number of rules. */
typedef struct name_set {
    char **slots;
    size_t cap;
} name_set;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Inserts `name` (taking ownership) unless present; returns 1 if inserted. */
static int name_set_add(name_set *s, char *name)
{
    size_t i = (size_t)hash_str(name) & (s->cap - 1);
    while (s->slots[i]) {
        if (strcmp(s->slots[i], name) == 0)
            return 0;
        i = (i + 1) & (s->cap - 1);
    }
    s->slots[i] = name;
    return 1;
}

static char *unique_name(name_set *set, const cat_page *p, uint32_t rule)
{
    char fallback[32];
    snprintf(fallback, sizeof fallback, "rule-%u", (unsigned)rule + 1);
    char *base = cat_safe_name(p->id, fallback);
    if (strcmp(base, "index") == 0) { /* the index page's name */
        free(base);
        base = cat_safe_name(NULL, fallback);
    }
    char *name = strdup(base);
    if (!name)
        tb_die_nomem();
    for (unsigned k = 2; !name_set_add(set, name); k++) {
        free(name);
        size_t n = strlen(base) + 16;
        name = malloc(n);
        if (!name)
            tb_die_nomem();
        snprintf(name, n, "%s-%u", base, k);
    }
    free(base);
    char *copy = strdup(name);
    if (!copy)
        tb_die_nomem();
    return copy;
}

static int one_rule(const options *o, const sigma_ruleset *rs)
{
    uint32_t rule = 0;
    int rc = sigma_ruleset_find_rule(rs, o->rule_id, SIGMA_NUL_TERMINATED, &rule);
    if (rc == SIGMA_E_NOT_FOUND) {
        fprintf(stderr, "sigma-catalog: no rule with id '%s' in the loaded rules\n", o->rule_id);
        return EXIT_RULES;
    }
    if (rc != SIGMA_OK) {
        fprintf(stderr, "sigma-catalog: --rule %s: %s\n", o->rule_id, sigma_status_str(rc));
        return EXIT_USAGE;
    }
    cat_page page;
    rc = cat_page_load(rs, rule, &page);
    if (rc != SIGMA_OK) {
        if (rc == SIGMA_E_NOMEM)
            tb_die_nomem();
        fprintf(stderr, "sigma-catalog: %s: cannot read the rule: %s\n", o->rule_id,
                sigma_status_str(rc));
        return EXIT_USAGE;
    }
    text_buf b = {NULL, 0, 0};
    render_page(&b, &page, o->format, 0);
    int status = 0;
    if (o->out_dir) {
        char fallback[32];
        snprintf(fallback, sizeof fallback, "rule-%u", (unsigned)rule + 1);
        char *name = cat_safe_name(page.id, fallback);
        if (make_dir(o->out_dir) != 0 || write_file(o->out_dir, name, format_ext(o->format), &b))
            status = EXIT_USAGE;
        free(name);
    } else if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
        fprintf(stderr, "sigma-catalog: cannot write to stdout: %s\n", strerror(errno));
        status = EXIT_USAGE;
    }
    tb_free(&b);
    cat_page_free(&page);
    return status;
}

/* Index order: by title (case-insensitive), then by file name. */
static int by_title(const void *va, const void *vb)
{
    const cat_page *a = *(cat_page *const *)va, *b = *(cat_page *const *)vb;
    int c = strcasecmp(a->title ? a->title : "", b->title ? b->title : "");
    return c ? c : strcmp(a->file, b->file);
}

static int all_rules(const options *o, const sigma_ruleset *rs)
{
    double t0 = tb_now_seconds();
    if (make_dir(o->out_dir) != 0)
        return EXIT_USAGE;
    uint32_t n = sigma_ruleset_rule_count(rs);
    cat_page *pages = calloc((size_t)n + 1, sizeof *pages);
    cat_page **order = calloc((size_t)n + 1, sizeof *order);
    name_set names = {NULL, 16};
    while (names.cap < 2 * (size_t)n)
        names.cap *= 2;
    names.slots = calloc(names.cap, sizeof *names.slots);
    if (!pages || !order || !names.slots)
        tb_die_nomem();
    const char *ext = format_ext(o->format);
    text_buf b = {NULL, 0, 0};
    int status = 0;
    size_t written = 0;
    for (uint32_t r = 0; r < n && status == 0; r++) {
        cat_page *p = &pages[written];
        int rc = cat_page_load(rs, r, p);
        if (rc == SIGMA_E_NOMEM)
            tb_die_nomem();
        if (rc != SIGMA_OK) {
            fprintf(stderr, "sigma-catalog: rule %u: cannot read the rule: %s\n", (unsigned)r,
                    sigma_status_str(rc));
            continue;
        }
        p->file = unique_name(&names, p, r);
        b.len = 0;
        render_page(&b, p, o->format, 1);
        if (write_file(o->out_dir, p->file, ext, &b) != 0)
            status = EXIT_USAGE;
        cat_page_trim(p); /* the index needs only the summary */
        order[written] = p;
        written++;
    }
    if (status == 0) {
        qsort(order, written, sizeof *order, by_title);
        cat_matrix m;
        cat_matrix_build(&m, order, written);
        b.len = 0;
        if (o->format == CAT_HTML)
            cat_html_index(&b, order, written, &m);
        else
            cat_md_index(&b, order, written, &m);
        cat_matrix_free(&m);
        if (write_file(o->out_dir, "index", ext, &b) != 0)
            status = EXIT_USAGE;
    }
    if (status == 0)
        fprintf(stderr, "wrote %zu pages and index.%s to %s in %.2f s\n", written, ext, o->out_dir,
                tb_now_seconds() - t0);
    tb_free(&b);
    for (size_t i = 0; i < written; i++)
        cat_page_free(&pages[i]);
    for (size_t i = 0; i < names.cap; i++)
        free(names.slots[i]);
    free(names.slots);
    free(order);
    free(pages);
    return status;
}

int main(int argc, char **argv)
{
    options o;
    parse_args(argc, argv, &o);
    sigma_ruleset *rs = NULL;
    int status = load_rules(&o, &rs);
    if (status == 0)
        status = o.all ? all_rules(&o, rs) : one_rule(&o, rs);
    sigma_ruleset_unref(rs);
    free(o.rules);
    free(o.placeholders);
    return status;
}
