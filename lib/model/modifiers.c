/* Modifier names and chain validation (sigma-semantics.md §4.3). */
#include "model/modifiers.h"

#include <string.h>

static const struct {
    const char *name;
    sg_mod mod;
} mod_names[] = {
    {"contains", SG_MOD_CONTAINS},
    {"startswith", SG_MOD_STARTSWITH},
    {"endswith", SG_MOD_ENDSWITH},
    {"all", SG_MOD_ALL},
    {"cased", SG_MOD_CASED},
    {"exists", SG_MOD_EXISTS},
    {"neq", SG_MOD_NEQ},
    {"re", SG_MOD_RE},
    {"i", SG_MOD_RE_I},
    {"ignorecase", SG_MOD_RE_I},
    {"m", SG_MOD_RE_M},
    {"multiline", SG_MOD_RE_M},
    {"s", SG_MOD_RE_S},
    {"dotall", SG_MOD_RE_S},
    {"base64", SG_MOD_BASE64},
    {"base64offset", SG_MOD_BASE64OFFSET},
    {"wide", SG_MOD_WIDE},
    {"utf16le", SG_MOD_UTF16LE},
    {"utf16be", SG_MOD_UTF16BE},
    {"utf16", SG_MOD_UTF16},
    {"windash", SG_MOD_WINDASH},
    {"cidr", SG_MOD_CIDR},
    {"gt", SG_MOD_GT},
    {"gte", SG_MOD_GTE},
    {"lt", SG_MOD_LT},
    {"lte", SG_MOD_LTE},
    {"minute", SG_MOD_MINUTE},
    {"hour", SG_MOD_HOUR},
    {"day", SG_MOD_DAY},
    {"week", SG_MOD_WEEK},
    {"month", SG_MOD_MONTH},
    {"year", SG_MOD_YEAR},
    {"fieldref", SG_MOD_FIELDREF},
    {"expand", SG_MOD_EXPAND},
};

const char *sg_mod_name(sg_mod m)
{
    for (size_t i = 0; i < sizeof mod_names / sizeof mod_names[0]; i++)
        if (mod_names[i].mod == m)
            return mod_names[i].name;
    return "?";
}

static int lookup(const char *s, size_t len, sg_mod *out)
{
    for (size_t i = 0; i < sizeof mod_names / sizeof mod_names[0]; i++)
        if (strlen(mod_names[i].name) == len && memcmp(mod_names[i].name, s, len) == 0) {
            *out = mod_names[i].mod;
            return 1;
        }
    return 0;
}

#define BIT(m) SG_MODBIT(SG_MOD_##m)
/* Modifiers that turn the value into a string pattern. */
static const uint64_t STRING_MODS = BIT(CONTAINS) | BIT(STARTSWITH) | BIT(ENDSWITH) | BIT(CASED) |
                                    BIT(WINDASH) | BIT(BASE64) | BIT(BASE64OFFSET) | BIT(WIDE) |
                                    BIT(UTF16LE) | BIT(UTF16BE) | BIT(UTF16) | BIT(EXPAND);
static const uint64_t COMPARE_MODS = BIT(GT) | BIT(GTE) | BIT(LT) | BIT(LTE);
static const uint64_t TIME_MODS =
    BIT(MINUTE) | BIT(HOUR) | BIT(DAY) | BIT(WEEK) | BIT(MONTH) | BIT(YEAR);
/* Modifiers that may follow re / fieldref (§4.2: re|contains, fieldref|endswith...). */
static const uint64_t SHAPE_MODS = BIT(CONTAINS) | BIT(STARTSWITH) | BIT(ENDSWITH);
static const uint64_t FLAG_MODS = BIT(ALL) | BIT(NEQ);

/* Checks one modifier against those before it (sigma-semantics.md §4.3);
 * returns an error text or NULL. */
static const char *check_position(const sg_chain *c, sg_mod m)
{
    const uint64_t before = c->flags, bit = SG_MODBIT(m);
    const int first = c->nmods == 0;
    if (before & BIT(EXISTS))
        return "cannot follow 'exists'";
    if ((bit & (BIT(RE) | BIT(EXISTS) | BIT(FIELDREF) | BIT(CIDR) | TIME_MODS)) && !first)
        return "must be the first modifier";
    if (bit & FLAG_MODS)
        return NULL;
    if (bit & (BIT(RE_I) | BIT(RE_M) | BIT(RE_S)))
        return before & BIT(RE) ? NULL : "is a regular expression flag and needs 're' before it";
    if (before & BIT(RE))
        return bit & SHAPE_MODS ? NULL : "cannot follow 're'";
    if (before & BIT(FIELDREF))
        return bit & (SHAPE_MODS | BIT(CASED)) ? NULL : "cannot follow 'fieldref'";
    if (before & BIT(CIDR))
        return "cannot follow 'cidr'";
    if (bit & COMPARE_MODS) {
        if (before & COMPARE_MODS)
            return "cannot follow another comparison";
        return before & ~(TIME_MODS | FLAG_MODS) ? "needs a number, not a string pattern" : NULL;
    }
    if (before & (COMPARE_MODS | TIME_MODS))
        return "cannot follow a numeric comparison or time part";
    (void)STRING_MODS;
    return NULL;
}

int sg_chain_parse(const char *key, size_t len, sg_pos pos, sg_diag_ctx *diags, sg_chain *out)
{
    memset(out, 0, sizeof *out);
    const char *bar = memchr(key, '|', len);
    size_t flen = bar ? (size_t)(bar - key) : len;
    out->field = flen ? key : NULL;
    out->field_len = flen;
    int bad = 0;
    size_t i = flen;
    while (i < len) {
        size_t start = i + 1, end = start;
        while (end < len && key[end] != '|')
            end++;
        i = end;
        sg_mod m;
        if (!lookup(key + start, end - start, &m)) {
            sg_error(diags, SIGMA_DIAG_UNKNOWN_MODIFIER, pos, "unknown modifier '%.*s' in '%.*s'",
                     (int)(end - start), key + start, (int)len, key);
            bad = 1;
            continue;
        }
        const char *why = check_position(out, m);
        if (why) {
            sg_error(diags, SIGMA_DIAG_INVALID_MODIFIER_CHAIN, pos, "modifier '%s' %s in '%.*s'",
                     sg_mod_name(m), why, (int)len, key);
            bad = 1;
        }
        if (out->nmods == sizeof out->mods / sizeof out->mods[0]) {
            sg_error(diags, SIGMA_DIAG_INVALID_MODIFIER_CHAIN, pos, "too many modifiers in '%.*s'",
                     (int)len, key);
            return 1;
        }
        out->mods[out->nmods++] = m;
        out->flags |= SG_MODBIT(m);
    }
    const uint64_t need_field = BIT(EXISTS) | BIT(FIELDREF) | BIT(CIDR) | COMPARE_MODS | TIME_MODS;
    if (!out->field && (out->flags & need_field)) {
        sg_error(diags, SIGMA_DIAG_INVALID_MODIFIER_CHAIN, pos,
                 "modifiers in '%.*s' need a field name", (int)len, key);
        bad = 1;
    }
    return bad;
}
