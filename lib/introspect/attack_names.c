/* The builder's ATT&CK technique names: checked when added (diagnostics against the
 * source), kept as text and loaded into each ruleset it builds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/builder.h"
#include "introspect/introspect.h"

int sigma_builder_add_attack_names(sigma_builder *b, const char *source_name,
                                   size_t source_name_len, const char *text, size_t text_len)
{
    char *name;
    int arc = sg_source_args(b, source_name, source_name_len, text, &text_len, &name);
    if (arc != SIGMA_OK)
        return arc;
    /* Validate now so that problems are reported against this source. */
    sg_diag_ctx dc = {.list = &b->diags, .source = name};
    sg_intro_set check;
    memset(&check, 0, sizeof check);
    int rc = sg_attack_names_parse(&check, text ? text : "", text_len, &dc);
    sg_strmap_free(&check.names);
    free(check.name_text);
    sg_arena_free(&check.arena);
    free(name);
    /* One text: a newline keeps the last line of one file apart from the next file. */
    if (rc >= 0 && (sg_buf_append(&b->attack_names, text ? text : "", text_len) != 0 ||
                    sg_buf_putc(&b->attack_names, '\n') != 0))
        rc = -1;
    if (rc < 0)
        return SIGMA_E_NOMEM;
    return rc ? SIGMA_E_COMPILE : SIGMA_OK;
}

int sigma_builder_add_attack_names_file(sigma_builder *b, const char *path, size_t path_len)
{
    if (!b || !path)
        return SIGMA_E_INVALID_ARG;
    if (path_len == SIGMA_NUL_TERMINATED)
        path_len = strlen(path);
    char *p = sg_strndup(path, path_len);
    if (!p)
        return SIGMA_E_NOMEM;
    FILE *fp = fopen(p, "rb");
    if (!fp) {
        int rc = sg_builder_io_error(b, p, "cannot open");
        free(p);
        return rc;
    }
    sg_buf data = {0};
    char chunk[65536];
    size_t n;
    int rc = SIGMA_OK;
    while (rc == SIGMA_OK && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (sg_buf_append(&data, chunk, n) != 0)
            rc = SIGMA_E_NOMEM;
    if (rc == SIGMA_OK && ferror(fp))
        rc = sg_builder_io_error(b, p, "cannot read");
    fclose(fp);
    if (rc == SIGMA_OK)
        rc = sigma_builder_add_attack_names(b, p, SIGMA_NUL_TERMINATED, data.data ? data.data : "",
                                            data.len);
    sg_buf_free(&data);
    free(p);
    return rc;
}

int sg_builder_attack_names_apply(const sigma_builder *b, sigma_ruleset *rs)
{
    if (!b->attack_names.len || !rs->intro)
        return 0; /* nothing given, or introspection off (SIGMA_PARAM_INTROSPECTION) */
    return sg_attack_names_parse(rs->intro, b->attack_names.data, b->attack_names.len, NULL) < 0
               ? -1
               : 0;
}
