#include "diag/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/vec.h"

static char *dup_or_null(const char *s)
{
    return s ? sg_strndup(s, strlen(s)) : NULL;
}

int sg_diag_add(sg_diag_ctx *ctx, int code, int severity, sg_pos pos, const char *fmt, ...)
{
    if (severity == SIGMA_SEVERITY_ERROR)
        ctx->errors++;
    else if (ctx->no_warnings)
        return 0;
    if (!ctx->list)
        return 0;
    sg_buf msg = {0};
    va_list ap;
    va_start(ap, fmt);
    char tmp[512];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || sg_buf_append(&msg, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1))
        return -1;
    sg_diag d = {code, severity, msg.data, dup_or_null(ctx->source), dup_or_null(ctx->rule_id),
                 pos};
    sigma_diagnostics *l = ctx->list;
    if (SG_PUSH(l->items, l->len, l->cap, d) != 0) {
        free(d.message);
        free(d.source);
        free(d.rule_id);
        return -1;
    }
    if (severity == SIGMA_SEVERITY_ERROR)
        l->errors++;
    return 0;
}

void sg_diagnostics_free_items(sigma_diagnostics *d)
{
    for (size_t i = 0; i < d->len; i++) {
        free(d->items[i].message);
        free(d->items[i].source);
        free(d->items[i].rule_id);
    }
    free(d->items);
    d->items = NULL;
    d->len = d->cap = d->errors = 0;
}
