/* scan_lines.c - see scan_lines.h. */
#include "scan_lines.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCAN_LINES_CHUNK (1u << 20)

void scan_lines_init(scan_lines *r, int fd)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
}

void scan_lines_free(scan_lines *r)
{
    free(r->buf);
    r->buf = NULL;
}

/* Reads more input after the buffered bytes: 1 read, 0 at the end, -1 on error. */
static int fill(scan_lines *r)
{
    if (r->start > 0) { /* move the unreturned bytes to the front */
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->cap - r->end < SCAN_LINES_CHUNK / 2) {
        size_t cap = r->cap ? r->cap * 2 : SCAN_LINES_CHUNK;
        char *b = realloc(r->buf, cap);
        if (!b) {
            errno = ENOMEM;
            return -1;
        }
        r->buf = b;
        r->cap = cap;
    }
    for (;;) {
        ssize_t got = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (got > 0) {
            r->end += (size_t)got;
            return 1;
        }
        if (got == 0) {
            r->eof = 1;
            return 0;
        }
        if (errno != EINTR)
            return -1;
    }
}

int scan_lines_next(scan_lines *r, const char **line, size_t *len, size_t *consumed)
{
    for (;;) {
        size_t from = r->start + r->scanned;
        char *nl = r->end > from ? memchr(r->buf + from, '\n', r->end - from) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - (r->buf + r->start));
            *line = r->buf + r->start;
            *len = n;
            *consumed = n + 1;
            r->start += n + 1;
            r->scanned = 0;
            return 1;
        }
        r->scanned = r->end - r->start;
        if (r->eof) {
            if (r->end == r->start)
                return 0;
            *line = r->buf + r->start;
            *len = *consumed = r->end - r->start;
            r->start = r->end;
            r->scanned = 0;
            return 1;
        }
        size_t keep = r->scanned;
        int rc = fill(r);
        if (rc < 0)
            return -1;
        r->scanned = keep;
    }
}

int scan_lines_would_block(scan_lines *r)
{
    if (r->eof)
        return 0;
    size_t from = r->start + r->scanned;
    if (r->end > from && memchr(r->buf + from, '\n', r->end - from))
        return 0;
    struct pollfd pfd = {r->fd, POLLIN, 0};
    int rc;
    do {
        rc = poll(&pfd, 1, 0);
    } while (rc < 0 && errno == EINTR);
    return rc == 0;
}
