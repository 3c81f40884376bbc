/* evtx_input.c - EVTX records as XML through libevtx (see evtx_input.h). */
#include "evtx_input.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef SIGMA_SCAN_HAVE_LIBEVTX
#include <libevtx.h>
#endif

int evtx_has_magic(const void *data, size_t len)
{
    return len >= EVTX_MAGIC_LEN && memcmp(data, EVTX_MAGIC, EVTX_MAGIC_LEN) == 0;
}

int evtx_file_has_magic(FILE *f)
{
    unsigned char head[EVTX_MAGIC_LEN];
    size_t got = fread(head, 1, sizeof head, f);
    if (got < sizeof head && ferror(f))
        return -1;
    if (fseek(f, 0, SEEK_SET) != 0)
        return -1;
    clearerr(f);
    return evtx_has_magic(head, got);
}

#ifdef SIGMA_SCAN_HAVE_LIBEVTX

struct evtx_reader {
    libevtx_file_t *file;
    int count;
    uint8_t *buf;
    size_t cap;
};

int evtx_supported(void)
{
    return 1;
}

const char *evtx_library_version(void)
{
    static char text[64];
    snprintf(text, sizeof text, "libevtx %s", libevtx_get_version());
    return text;
}

/* The root cause of a libevtx error (then freed): the first line of its backtrace
 * without the function name, e.g. "unable to read file header". */
static void take_error(libevtx_error_t **error, char *err, size_t err_len)
{
    char trace[2048];
    trace[0] = '\0';
    if (*error && libevtx_error_backtrace_sprint(*error, trace, sizeof trace) < 0)
        trace[0] = '\0';
    trace[sizeof trace - 1] = '\0';
    libevtx_error_free(error);
    if (!err || err_len == 0)
        return;
    char *line = trace;
    line[strcspn(line, "\r\n")] = '\0';
    /* "libevtx_io_handle_read_file_header: unable to ..." -> "unable to ..." */
    size_t fn = strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789_");
    if (fn > 0 && line[fn] == ':' && line[fn + 1] == ' ')
        line += fn + 2;
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '.' || line[n - 1] == ' '))
        line[--n] = '\0';
    snprintf(err, err_len, "%s", n ? line : "unknown libevtx error");
}

evtx_reader *evtx_reader_open(const char *path, char *err, size_t err_len)
{
    libevtx_error_t *error = NULL;
    evtx_reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    if (libevtx_file_initialize(&r->file, &error) != 1) {
        take_error(&error, err, err_len);
        free(r);
        return NULL;
    }
    if (libevtx_file_open(r->file, path, LIBEVTX_OPEN_READ, &error) != 1) {
        take_error(&error, err, err_len);
        libevtx_file_free(&r->file, NULL);
        free(r);
        return NULL;
    }
    if (libevtx_file_get_number_of_records(r->file, &r->count, &error) != 1) {
        take_error(&error, err, err_len);
        libevtx_file_close(r->file, NULL);
        libevtx_file_free(&r->file, NULL);
        free(r);
        return NULL;
    }
    return r;
}

int evtx_reader_count(const evtx_reader *r)
{
    return r ? r->count : 0;
}

const char *evtx_reader_xml(evtx_reader *r, int index, size_t *len, char *err, size_t err_len)
{
    libevtx_error_t *error = NULL;
    libevtx_record_t *record = NULL;
    if (libevtx_file_get_record_by_index(r->file, index, &record, &error) != 1) {
        take_error(&error, err, err_len);
        return NULL;
    }
    size_t size = 0;
    const char *result = NULL;
    if (libevtx_record_get_utf8_xml_string_size(record, &size, &error) != 1 || size == 0) {
        take_error(&error, err, err_len);
        goto done;
    }
    if (size + 1 > r->cap) {
        uint8_t *p = realloc(r->buf, size + 1);
        if (!p) {
            snprintf(err, err_len, "out of memory");
            goto done;
        }
        r->buf = p;
        r->cap = size + 1;
    }
    if (libevtx_record_get_utf8_xml_string(record, r->buf, size, &error) != 1) {
        take_error(&error, err, err_len);
        goto done;
    }
    r->buf[size] = '\0';
    /* The size includes the terminating NUL. */
    *len = strnlen((const char *)r->buf, size);
    result = (const char *)r->buf;
done:
    libevtx_record_free(&record, NULL);
    return result;
}

void evtx_reader_close(evtx_reader *r)
{
    if (!r)
        return;
    libevtx_file_close(r->file, NULL);
    libevtx_file_free(&r->file, NULL);
    free(r->buf);
    free(r);
}

#else /* no libevtx */

struct evtx_reader {
    int unused;
};

int evtx_supported(void)
{
    return 0;
}

const char *evtx_library_version(void)
{
    return NULL;
}

evtx_reader *evtx_reader_open(const char *path, char *err, size_t err_len)
{
    (void)path;
    snprintf(err, err_len, "this sigma-scan was built without EVTX support (libevtx)");
    return NULL;
}

int evtx_reader_count(const evtx_reader *r)
{
    (void)r;
    return 0;
}

const char *evtx_reader_xml(evtx_reader *r, int index, size_t *len, char *err, size_t err_len)
{
    (void)r;
    (void)index;
    (void)len;
    snprintf(err, err_len, "this sigma-scan was built without EVTX support (libevtx)");
    return NULL;
}

void evtx_reader_close(evtx_reader *r)
{
    (void)r;
}

#endif
