/* Diagnostics: every stage reports problems here with a stable code and a position. */
#ifndef SG_DIAG_H
#define SG_DIAG_H

#include <stddef.h>
#include <stdint.h>

#include "sigma/sigma.h"

/* A position in a source buffer. line == 0 means unknown. */
typedef struct sg_pos {
    uint32_t line;   /* 1-based */
    uint32_t col;    /* 1-based, in code points */
    uint64_t offset; /* 0-based byte offset; UINT64_MAX = unknown */
} sg_pos;

#define SG_POS_UNKNOWN ((sg_pos){0, 0, UINT64_MAX})

typedef struct sg_diag {
    int32_t code;
    int32_t severity;
    char *message;
    char *source;  /* may be NULL */
    char *rule_id; /* may be NULL */
    sg_pos pos;
} sg_diag;

struct sigma_diagnostics {
    sg_diag *items;
    size_t len, cap;
    size_t errors;
};

/* Where diagnostics of the current document go. Stages receive a pointer to it. */
typedef struct sg_diag_ctx {
    sigma_diagnostics *list;
    const char *source;  /* borrowed; copied into each diagnostic */
    const char *rule_id; /* borrowed; set once the document's id is known */
    int no_warnings;
    size_t errors; /* errors reported through this context */
} sg_diag_ctx;

/* Records a diagnostic. Returns 0, or -1 when out of memory (the diagnostic is lost). */
int sg_diag_add(sg_diag_ctx *ctx, int code, int severity, sg_pos pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
#define sg_error(ctx, code, pos, ...)                                                              \
    sg_diag_add((ctx), (code), SIGMA_SEVERITY_ERROR, (pos), __VA_ARGS__)
#define sg_warn(ctx, code, pos, ...)                                                               \
    sg_diag_add((ctx), (code), SIGMA_SEVERITY_WARNING, (pos), __VA_ARGS__)

void sg_diagnostics_free_items(sigma_diagnostics *d);

#endif
