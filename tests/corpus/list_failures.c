/* list_failures - print the error diagnostics of a rule tree, one per line, as
 *
 *     <source relative to BASE><TAB><code>
 *
 * for the corpus-expected-failures test (corpus_tests.py). Uses only the public
 * API: placeholder files first (sigma_builder_add_placeholders_yaml), then every
 * PATH (sigma_builder_add_path), the build, then sigma_diagnostics_get for each
 * diagnostic of severity error. Warnings are not listed. A summary goes to stderr.
 *
 *   usage: list_failures --base BASE [--placeholders FILE ...] PATH ...
 *
 * Exit status: 0 (whatever the rules did), 2 on a usage or I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sigma/sigma.h>

static void usage(void)
{
    fputs("usage: list_failures --base BASE [--placeholders FILE ...] PATH ...\n", stderr);
    exit(2);
}

/* Reads a whole file; NULL when it cannot be read. */
static char *slurp(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
        if (len == cap) {
            char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
    }
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len_out = len;
    return buf;
}

/* The part of `source` after "BASE/", or `source` when it is not below BASE. */
static const char *relative(const char *source, const char *base)
{
    size_t n = strlen(base);
    while (n > 1 && base[n - 1] == '/')
        n--;
    if (strncmp(source, base, n) == 0 && source[n] == '/')
        return source + n + 1;
    return source;
}

int main(int argc, char **argv)
{
    const char *base = NULL;
    sigma_builder *b = NULL;
    if (sigma_builder_new(NULL, &b) != SIGMA_OK) {
        fputs("list_failures: cannot create a builder\n", stderr);
        return 2;
    }
    int n_paths = 0;
    /* Pass 1: options, so that placeholders are in before any rule. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--base") == 0) {
            if (++i >= argc)
                usage();
            base = argv[i];
        } else if (strcmp(argv[i], "--placeholders") == 0) {
            if (++i >= argc)
                usage();
            size_t len = 0;
            errno = 0;
            char *text = slurp(argv[i], &len);
            if (!text) {
                fprintf(stderr, "list_failures: %s: %s\n", argv[i], strerror(errno ? errno : EIO));
                sigma_builder_free(b);
                return 2;
            }
            int rc =
                sigma_builder_add_placeholders_yaml(b, argv[i], SIGMA_NUL_TERMINATED, text, len);
            free(text);
            if (rc == SIGMA_E_NOMEM) {
                fputs("list_failures: out of memory\n", stderr);
                sigma_builder_free(b);
                return 2;
            }
        } else if (argv[i][0] == '-') {
            usage();
        } else {
            n_paths++;
        }
    }
    if (!base || n_paths == 0)
        usage();
    /* Pass 2: the rule paths, in order. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--base") == 0 || strcmp(argv[i], "--placeholders") == 0) {
            i++;
            continue;
        }
        uint32_t added = 0;
        int rc = sigma_builder_add_path(b, argv[i], SIGMA_NUL_TERMINATED, &added);
        if (rc == SIGMA_E_IO || rc == SIGMA_E_NOMEM) {
            fprintf(stderr, "list_failures: %s: %s\n", argv[i], sigma_status_str(rc));
            sigma_builder_free(b);
            return 2;
        }
    }

    /* Some problems (a correlation naming an unknown rule) are found by the build. */
    sigma_ruleset *rs = NULL;
    if (sigma_builder_build(b, &rs) == SIGMA_E_NOMEM) {
        fputs("list_failures: out of memory\n", stderr);
        sigma_builder_free(b);
        return 2;
    }
    sigma_ruleset_unref(rs);

    const sigma_diagnostics *d = sigma_builder_diagnostics(b);
    size_t n = sigma_diagnostics_count(d);
    for (size_t i = 0; i < n; i++) {
        sigma_diagnostic_info info;
        memset(&info, 0, sizeof info);
        info.size = sizeof info;
        if (sigma_diagnostics_get(d, i, &info) != SIGMA_OK || info.severity != SIGMA_SEVERITY_ERROR)
            continue;
        printf("%s\t%d\n", relative(info.source_name ? info.source_name : "<input>", base),
               (int)info.code);
    }
    fprintf(stderr, "list_failures: %zu diagnostics (%zu errors), %u rule documents failed\n", n,
            sigma_diagnostics_error_count(d), (unsigned)sigma_builder_failed_count(b));
    sigma_builder_free(b);
    return fflush(stdout) == 0 ? 0 : 2;
}
