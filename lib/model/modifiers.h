/* Field modifiers (`Image|endswith`, `CommandLine|contains|all`): parsing a detection
 * key into a field name and a validated modifier chain (sigma-semantics.md §4). */
#ifndef SG_MODEL_MODIFIERS_H
#define SG_MODEL_MODIFIERS_H

#include <stddef.h>
#include <stdint.h>

#include "diag/diag.h"

typedef enum {
    SG_MOD_CONTAINS = 1,
    SG_MOD_STARTSWITH,
    SG_MOD_ENDSWITH,
    SG_MOD_ALL,
    SG_MOD_CASED,
    SG_MOD_EXISTS,
    SG_MOD_NEQ,
    SG_MOD_RE,
    SG_MOD_RE_I,
    SG_MOD_RE_M,
    SG_MOD_RE_S,
    SG_MOD_BASE64,
    SG_MOD_BASE64OFFSET,
    SG_MOD_WIDE,
    SG_MOD_UTF16LE,
    SG_MOD_UTF16BE,
    SG_MOD_UTF16,
    SG_MOD_WINDASH,
    SG_MOD_CIDR,
    SG_MOD_GT,
    SG_MOD_GTE,
    SG_MOD_LT,
    SG_MOD_LTE,
    SG_MOD_MINUTE,
    SG_MOD_HOUR,
    SG_MOD_DAY,
    SG_MOD_WEEK,
    SG_MOD_MONTH,
    SG_MOD_YEAR,
    SG_MOD_EXPAND,
    SG_MOD_FIELDREF
} sg_mod;

/* Bits of sg_chain.flags, one per modifier present. */
#define SG_MODBIT(m) (1ull << (m))

typedef struct sg_chain {
    const char *field; /* field name (borrowed from the key text), NULL for keywords */
    size_t field_len;
    sg_mod mods[16];
    size_t nmods;
    uint64_t flags; /* SG_MODBIT of every modifier present */
} sg_chain;

/* Splits `key` at '|' and validates the chain (names, positions, combinations).
 * Reports SIGMA_DIAG_UNKNOWN_MODIFIER / SIGMA_DIAG_INVALID_MODIFIER_CHAIN at `pos`. Returns 0 ok, 1
 * error reported. */
int sg_chain_parse(const char *key, size_t len, sg_pos pos, sg_diag_ctx *diags, sg_chain *out);

const char *sg_mod_name(sg_mod m);

#endif
