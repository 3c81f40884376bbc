/* scan_lines - sigma-scan's line reader: read(2) into one growing buffer, lines split
 * on '\n' (the last line may lack it; NUL bytes are kept). It can also tell whether
 * the next line is available without blocking, so that sigma-scan writes the matches
 * of a pipe's events before it waits for more input. */
#ifndef SIGMA_EXAMPLES_SCAN_LINES_H
#define SIGMA_EXAMPLES_SCAN_LINES_H

#include <stddef.h>

typedef struct scan_lines {
    int fd;
    char *buf;
    size_t cap;
    size_t start;   /* first byte not yet returned */
    size_t scanned; /* bytes from start known to hold no '\n' */
    size_t end;     /* end of the data read */
    int eof;
} scan_lines;

/* Reads from `fd` (not closed by scan_lines_free). */
void scan_lines_init(scan_lines *r, int fd);
void scan_lines_free(scan_lines *r);

/* The next line without its '\n' (valid until the next call; *consumed counts the
 * '\n' too). Returns 1 with a line, 0 at the end of the input, -1 on a read error
 * (errno set) or when out of memory (errno ENOMEM). */
int scan_lines_next(scan_lines *r, const char **line, size_t *len, size_t *consumed);

/* 1 when scan_lines_next would have to wait for input (no complete line buffered,
 * not at the end, and nothing to read right now), else 0. */
int scan_lines_would_block(scan_lines *r);

#endif
