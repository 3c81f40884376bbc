/* Version, status strings and compile options. */
#include <string.h>

#include "api/options.h"

unsigned sigma_version_number(void)
{
    return SIGMA_VERSION_NUMBER;
}

const char *sigma_version_string(void)
{
    return SIGMA_VERSION_STRING;
}

const char *sigma_status_str(int status)
{
    switch (status) {
    case SIGMA_OK:
        return "success";
    case SIGMA_E_INVALID_ARG:
        return "invalid argument";
    case SIGMA_E_NOMEM:
        return "out of memory";
    case SIGMA_E_COMPILE:
        return "rule compilation failed (see diagnostics)";
    case SIGMA_E_TERMINATED:
        return "matching stopped by the callback";
    case SIGMA_E_SCRATCH:
        return "scratch not reserved for this ruleset";
    case SIGMA_E_IO:
        return "input/output error";
    case SIGMA_E_UNSUPPORTED:
        return "unsupported parameter or feature";
    case SIGMA_E_LIMIT:
        return "resource limit reached";
    case SIGMA_E_NOT_FOUND:
        return "not found";
    case SIGMA_E_SIZE:
        return "struct size too small";
    case SIGMA_E_INTERNAL:
        return "internal error";
    default:
        return "unknown status";
    }
}

static const struct {
    uint32_t param;
    int64_t def, min, max;
} params[] = {
    {SIGMA_PARAM_FLAGS, 0, 0, SIGMA_COMPILE_STRICT | SIGMA_COMPILE_NO_WARNINGS},
    {SIGMA_PARAM_MAX_YAML_BYTES, 16 << 20, 1, INT32_MAX},
    {SIGMA_PARAM_MAX_YAML_DEPTH, 64, 1, 10000},
    {SIGMA_PARAM_MAX_ALIAS_NODES, 100000, 0, INT32_MAX},
    {SIGMA_PARAM_REGEX_MATCH_LIMIT, 100000, 1, UINT32_MAX},
    {SIGMA_PARAM_REGEX_DEPTH_LIMIT, 10000, 1, UINT32_MAX},
    {SIGMA_PARAM_MAX_WILDCARD_EXPANSION, 4096, 1, 1 << 20},
    {SIGMA_PARAM_INTROSPECTION, 1, 0, 1},
    {SIGMA_PARAM_SIMD, 1, 0, 2},
    {SIGMA_PARAM_HUGE_PAGES, 1, 0, 1},
};

static int param_index(uint32_t param)
{
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
        if (params[i].param == param)
            return (int)i;
    return -1;
}

void sg_options_defaults(sigma_compile_options *o)
{
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
        o->values[params[i].param] = params[i].def;
}

int sigma_compile_options_new(sigma_compile_options **out)
{
    if (!out)
        return SIGMA_E_INVALID_ARG;
    *out = malloc(sizeof **out);
    if (!*out)
        return SIGMA_E_NOMEM;
    sg_options_defaults(*out);
    return SIGMA_OK;
}

void sigma_compile_options_free(sigma_compile_options *opts)
{
    free(opts);
}

int sigma_param_bounds(uint32_t param, int64_t *min_out, int64_t *max_out)
{
    int i = param_index(param);
    if (i < 0)
        return SIGMA_E_UNSUPPORTED;
    if (min_out)
        *min_out = params[i].min;
    if (max_out)
        *max_out = params[i].max;
    return SIGMA_OK;
}

int sigma_compile_options_set(sigma_compile_options *opts, uint32_t param, int64_t value)
{
    if (!opts)
        return SIGMA_E_INVALID_ARG;
    int i = param_index(param);
    if (i < 0)
        return SIGMA_E_UNSUPPORTED;
    if (value < params[i].min || value > params[i].max)
        return SIGMA_E_INVALID_ARG;
    opts->values[param] = value;
    return SIGMA_OK;
}

int sigma_compile_options_get(const sigma_compile_options *opts, uint32_t param, int64_t *value_out)
{
    if (!opts || !value_out)
        return SIGMA_E_INVALID_ARG;
    if (param_index(param) < 0)
        return SIGMA_E_UNSUPPORTED;
    *value_out = opts->values[param];
    return SIGMA_OK;
}
