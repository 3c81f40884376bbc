/* Adding rule files and directory trees to the builder. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/builder.h"
#include "util/vec.h"

int sg_builder_io_error(sigma_builder *b, const char *path, const char *what)
{
    sg_diag_ctx dc = {.list = &b->diags, .source = path};
    sg_error(&dc, SIGMA_DIAG_IO, SG_POS_UNKNOWN, "%s: %s", what, strerror(errno));
    b->failed++;
    return SIGMA_E_IO;
}

static int add_file_z(sigma_builder *b, const char *path, uint32_t *added)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return sg_builder_io_error(b, path, "cannot open");
    sg_buf data = {0};
    char chunk[65536];
    size_t n;
    size_t cap = (size_t)b->opts.values[SIGMA_PARAM_MAX_YAML_BYTES];
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (sg_buf_append(&data, chunk, n) != 0) {
            fclose(fp);
            sg_buf_free(&data);
            return SIGMA_E_NOMEM;
        }
        if (data.len > cap)
            break; /* the loader reports the size limit */
    }
    int err = ferror(fp);
    fclose(fp);
    if (err) {
        sg_buf_free(&data);
        return sg_builder_io_error(b, path, "cannot read");
    }
    int rc =
        sigma_builder_add_yaml(b, path, strlen(path), data.data ? data.data : "", data.len, added);
    sg_buf_free(&data);
    return rc;
}

static int has_yaml_suffix(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".yaml") == 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int worse(int a, int b)
{
    return a == SIGMA_OK ? b : a;
}

static int add_path_z(sigma_builder *b, const char *path, uint32_t *added, int depth);

static int add_dir(sigma_builder *b, const char *path, uint32_t *added, int depth)
{
    DIR *d = opendir(path);
    if (!d)
        return sg_builder_io_error(b, path, "cannot open directory");
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = SIGMA_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ".", "..", and hidden entries such as .git */
        char *s = sg_strndup(e->d_name, strlen(e->d_name));
        if (!s || SG_PUSH(names, n, cap, s) != 0) {
            free(s);
            rc = SIGMA_E_NOMEM;
            break;
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    sg_buf child = {0};
    for (size_t i = 0; i < n; i++) {
        sg_buf_clear(&child);
        if (rc != SIGMA_E_NOMEM && sg_buf_printf(&child, "%s/%s", path, names[i]) == 0) {
            struct stat st;
            if (stat(child.data, &st) == 0 && S_ISDIR(st.st_mode))
                rc = worse(rc, add_path_z(b, child.data, added, depth + 1));
            else if (has_yaml_suffix(names[i]))
                rc = worse(rc, add_path_z(b, child.data, added, depth + 1));
        }
        free(names[i]);
    }
    sg_buf_free(&child);
    free(names);
    return rc;
}

static int add_path_z(sigma_builder *b, const char *path, uint32_t *added, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return sg_builder_io_error(b, path, "cannot access");
    if (S_ISDIR(st.st_mode)) {
        if (depth > 64) {
            errno = ELOOP;
            return sg_builder_io_error(b, path, "directory tree too deep");
        }
        return add_dir(b, path, added, depth);
    }
    uint32_t n = 0;
    int rc = add_file_z(b, path, &n);
    *added += n;
    return rc;
}

static int with_path(sigma_builder *b, const char *path, size_t len, uint32_t *out, int dirs)
{
    if (out)
        *out = 0;
    if (!b || !path)
        return SIGMA_E_INVALID_ARG;
    char *p = sg_strndup(path, len == SIGMA_NUL_TERMINATED ? strlen(path) : len);
    if (!p)
        return SIGMA_E_NOMEM;
    uint32_t added = 0;
    int rc = dirs ? add_path_z(b, p, &added, 0) : add_file_z(b, p, &added);
    free(p);
    if (out)
        *out = added;
    return rc;
}

int sigma_builder_add_file(sigma_builder *b, const char *path, size_t path_len,
                           uint32_t *rules_added_out)
{
    return with_path(b, path, path_len, rules_added_out, 0);
}

int sigma_builder_add_path(sigma_builder *b, const char *path, size_t path_len,
                           uint32_t *rules_added_out)
{
    return with_path(b, path, path_len, rules_added_out, 1);
}
