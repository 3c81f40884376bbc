/* Reading EVTX files (Windows XML event logs) record by record through libevtx, an
 * optional dependency of sigma-scan. Built without libevtx (SIGMA_SCAN_HAVE_LIBEVTX
 * not defined), every function still exists: evtx_supported() says 0 and
 * evtx_reader_open() fails with a message that says so.
 */
#ifndef SIGMA_EXAMPLES_EVTX_INPUT_H
#define SIGMA_EXAMPLES_EVTX_INPUT_H

#include <stddef.h>
#include <stdio.h>

/* The first 8 bytes of every EVTX file. */
#define EVTX_MAGIC "ElfFile"
#define EVTX_MAGIC_LEN 8 /* including the NUL */

/* 1 when this build can read EVTX files. */
int evtx_supported(void);

/* "libevtx <version>" or NULL when not supported. */
const char *evtx_library_version(void);

/* 1 when the bytes start with the EVTX magic ("ElfFile\0"). */
int evtx_has_magic(const void *data, size_t len);

/* Reads the first bytes of an open file (then seeks back to the start): 1 when it
 * is an EVTX file, 0 when not (or shorter), -1 on a read error (errno set). Only
 * for seekable files. */
int evtx_file_has_magic(FILE *f);

typedef struct evtx_reader evtx_reader;

/* Opens `path`; NULL on failure with a message in err. */
evtx_reader *evtx_reader_open(const char *path, char *err, size_t err_len);

/* Number of records (recovered records in the slack space are not counted). */
int evtx_reader_count(const evtx_reader *r);

/* The XML of record `index` (0-based), NUL-terminated, valid until the next call;
 * *len excludes the NUL. NULL on failure with a message in err. */
const char *evtx_reader_xml(evtx_reader *r, int index, size_t *len, char *err, size_t err_len);

void evtx_reader_close(evtx_reader *r);

#endif
