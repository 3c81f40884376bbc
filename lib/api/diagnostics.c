/* Public read access to diagnostics. */
#include <stdio.h>
#include <string.h>

#include "diag/diag.h"

size_t sigma_diagnostics_count(const sigma_diagnostics *d)
{
    return d ? d->len : 0;
}

size_t sigma_diagnostics_error_count(const sigma_diagnostics *d)
{
    return d ? d->errors : 0;
}

#define SET_IF_FITS(info, member, value)                                                           \
    do {                                                                                           \
        if ((info)->size >= offsetof(sigma_diagnostic_info, member) + sizeof((info)->member))      \
            (info)->member = (value);                                                              \
    } while (0)

int sigma_diagnostics_get(const sigma_diagnostics *d, size_t index, sigma_diagnostic_info *info)
{
    if (!d || !info || index >= d->len)
        return SIGMA_E_INVALID_ARG;
    if (info->size < offsetof(sigma_diagnostic_info, message))
        return SIGMA_E_SIZE;
    const sg_diag *g = &d->items[index];
    SET_IF_FITS(info, code, g->code);
    SET_IF_FITS(info, severity, g->severity);
    SET_IF_FITS(info, message, g->message);
    SET_IF_FITS(info, source_name, g->source);
    SET_IF_FITS(info, rule_id, g->rule_id);
    SET_IF_FITS(info, line, g->pos.line);
    SET_IF_FITS(info, column, g->pos.col);
    SET_IF_FITS(info, byte_offset, g->pos.offset);
    return SIGMA_OK;
}

int sigma_diagnostics_format(const sigma_diagnostics *d, size_t index, char *buf, size_t cap)
{
    if (!d || index >= d->len || (!buf && cap))
        return SIGMA_E_INVALID_ARG;
    const sg_diag *g = &d->items[index];
    const char *sev = g->severity == SIGMA_SEVERITY_ERROR ? "error" : "warning";
    const char *src = g->source ? g->source : "<input>";
    int n;
    if (g->pos.line)
        n = snprintf(buf, cap, "%s:%u:%u: %s: %s [SIGMA-%d]", src, g->pos.line, g->pos.col, sev,
                     g->message, g->code);
    else
        n = snprintf(buf, cap, "%s: %s: %s [SIGMA-%d]", src, sev, g->message, g->code);
    return n < 0 ? SIGMA_E_INTERNAL : n;
}
