/* sigma/sigma.h - public API of libsigma, a Sigma detection rule engine.
 *
 * This is the only header users include. Object model (Hyperscan / PCRE2):
 *
 *   sigma_compile_options  mutable settings for a build (limits, flags)
 *   sigma_builder          takes YAML sources, accumulates diagnostics
 *   sigma_diagnostics      list of problems found while building (owned by the builder)
 *   sigma_ruleset          immutable compiled rules; reference counted, share across threads
 *   sigma_scratch          per-thread working memory for matching
 *   sigma_event            reusable event builder (fields and values)
 *   sigma_hit              one match, valid only during the callback
 *
 * Conventions
 *   - Every fallible function returns int: SIGMA_OK (0) or a negative SIGMA_E_* value.
 *     Values are pinned and never reused; treat an unknown negative value as failure.
 *   - Every string input is (pointer, length). Pass SIGMA_NUL_TERMINATED as the
 *     length to have the library call strlen(). Inputs are never retained unless a
 *     function says so (SIGMA_VALUE_BORROW).
 *   - Strings returned by the library are UTF-8, NUL-terminated and borrowed: they live
 *     as long as the object they came from. Never free them.
 *   - Every object has a matching free/unref; all of them accept NULL.
 *   - There is no global state and no thread-local error state.
 *
 * Thread safety
 *   - A sigma_ruleset is immutable. Any number of threads may match against it at
 *     once; sigma_ruleset_ref/unref are atomic.
 *   - A sigma_scratch, sigma_event, sigma_builder and sigma_compile_options belong
 *     to one thread at a time. Use one scratch per thread.
 *
 * Structs that cross the ABI start with a `size` member (the caller sets it to
 * sizeof the struct it was compiled with); the library fills only what fits, so
 * structs can grow in later versions without breaking callers.
 */
#ifndef SIGMA_SIGMA_H
#define SIGMA_SIGMA_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && !defined(SIGMA_STATIC)
#if defined(SIGMA_BUILDING)
#define SIGMA_API __declspec(dllexport)
#else
#define SIGMA_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define SIGMA_API __attribute__((visibility("default")))
#else
#define SIGMA_API
#endif

#if defined(_WIN32)
#define SIGMA_CALL __cdecl
#else
#define SIGMA_CALL
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ version */

#define SIGMA_VERSION_MAJOR 0
#define SIGMA_VERSION_MINOR 1
#define SIGMA_VERSION_PATCH 0
#define SIGMA_VERSION_NUMBER                                                                       \
    (SIGMA_VERSION_MAJOR * 10000 + SIGMA_VERSION_MINOR * 100 + SIGMA_VERSION_PATCH)
#define SIGMA_VERSION_STRING "0.1.0"

/** Version of the library linked at run time, as SIGMA_VERSION_NUMBER. */
SIGMA_API unsigned SIGMA_CALL sigma_version_number(void);
/** Version string of the library linked at run time ("0.1.0"); static storage. */
SIGMA_API const char *SIGMA_CALL sigma_version_string(void);

/* ------------------------------------------------------------------- status */

enum {
    SIGMA_OK = 0,
    SIGMA_E_INVALID_ARG = -1, /* NULL object, bad flags, index out of range */
    SIGMA_E_NOMEM = -2,       /* allocation failed; the object is unchanged */
    SIGMA_E_COMPILE = -3,     /* rule errors; details in the diagnostics */
    SIGMA_E_TERMINATED = -4,  /* the match callback asked to stop */
    SIGMA_E_SCRATCH = -5,     /* scratch was not reserved for this ruleset */
    SIGMA_E_IO = -6,          /* a file or directory could not be read */
    SIGMA_E_UNSUPPORTED = -7, /* unknown parameter or feature */
    SIGMA_E_LIMIT = -8,       /* a configured resource limit was hit */
    SIGMA_E_NOT_FOUND = -9,   /* lookup by id found nothing */
    SIGMA_E_SIZE = -10,       /* size-prefixed struct too small for required fields */
    SIGMA_E_INTERNAL = -99
};

/** Static English description of a status code; never NULL. */
SIGMA_API const char *SIGMA_CALL sigma_status_str(int status);

/** Length sentinel: the string is NUL-terminated, the library measures it. */
#define SIGMA_NUL_TERMINATED ((size_t)-1)

/* ------------------------------------------------------------- opaque types */

typedef struct sigma_compile_options sigma_compile_options;
typedef struct sigma_builder sigma_builder;
typedef struct sigma_diagnostics sigma_diagnostics;
typedef struct sigma_ruleset sigma_ruleset;
typedef struct sigma_scratch sigma_scratch;
typedef struct sigma_event sigma_event;
typedef struct sigma_hit sigma_hit;

/* ---------------------------------------------------------- compile options */

/** Integer parameters for sigma_compile_options_set(). New ones may be added;
 *  an unknown one is rejected with SIGMA_E_UNSUPPORTED so callers can probe. */
enum {
    SIGMA_PARAM_FLAGS = 1,                  /* SIGMA_COMPILE_* bits; default 0 */
    SIGMA_PARAM_MAX_YAML_BYTES = 2,         /* per source; default 16 MiB */
    SIGMA_PARAM_MAX_YAML_DEPTH = 3,         /* nesting depth; default 64 */
    SIGMA_PARAM_MAX_ALIAS_NODES = 4,        /* nodes reachable via aliases; default 100000 */
    SIGMA_PARAM_REGEX_MATCH_LIMIT = 5,      /* PCRE2 match limit; default 100000 */
    SIGMA_PARAM_REGEX_DEPTH_LIMIT = 6,      /* PCRE2 depth limit; default 10000 */
    SIGMA_PARAM_MAX_WILDCARD_EXPANSION = 7, /* reserved for encoders; default 4096 */
    /* 1 (default): keep the introspection data (rule YAML text, stages, predicates as
     * written, indicators with corpus counts, ATT&CK, event coverage, relations) for
     * sigma_ruleset_rule_* getters and sigma_explain_new. 0: don't build it (less memory
     * and compile time, e.g. for an EDR agent): id, title, name, description, status,
     * level, logsource, source name and tags stay available through
     * sigma_ruleset_rule_attr / _list_*; every other introspection getter reports the
     * data absent (NULL / 0 / SIGMA_E_INVALID_ARG) and sigma_explain_new returns
     * SIGMA_E_UNSUPPORTED. Matching is identical either way. Range 0..1. */
    SIGMA_PARAM_INTROSPECTION = 8,
    /* 1 (default): the index scan uses the best vector instructions the CPU has
     * (on x86-64 AVX-512 with VBMI, else AVX2; detected at compile time of the
     * ruleset). 2: AVX2 at most (for CPUs that lower their clock on 512-bit
     * vectors). 0: scalar code only. Matches are identical either way. Range 0..2. */
    SIGMA_PARAM_SIMD = 9,
    /* 1 (default): the arrays matching reads at random (the index's tables, the
     * predicates, the condition programs) share one mapping advised to use huge
     * pages, when they take at least 2 MiB and the system offers them (Linux
     * transparent huge pages, "always" or "madvise"; the ruleset's memory grows
     * by less than 2 MiB). 0: they stay in ordinary allocations. Matches are
     * identical either way; sigma_ruleset_huge_page_bytes() tells what was done.
     * A scratch first reserved for such a ruleset puts its memos in one huge
     * page the same way (sigma_scratch_huge_page_bytes). Range 0..1. */
    SIGMA_PARAM_HUGE_PAGES = 10
};

/** Flags for SIGMA_PARAM_FLAGS. */
enum {
    /* sigma_builder_build fails with SIGMA_E_COMPILE if any rule had an error,
     * instead of building a ruleset from the good rules. */
    SIGMA_COMPILE_STRICT = 1u << 0,
    /* Warnings (e.g. `all` with a single value) are not recorded. */
    SIGMA_COMPILE_NO_WARNINGS = 1u << 1
};

/** Creates options with defaults. Caller frees with sigma_compile_options_free. */
SIGMA_API int SIGMA_CALL sigma_compile_options_new(sigma_compile_options **out);
SIGMA_API void SIGMA_CALL sigma_compile_options_free(sigma_compile_options *opts);
/** Sets an integer parameter. SIGMA_E_UNSUPPORTED for an unknown parameter,
 *  SIGMA_E_INVALID_ARG for a value out of range (see sigma_param_bounds). */
SIGMA_API int SIGMA_CALL sigma_compile_options_set(sigma_compile_options *opts, uint32_t param,
                                                   int64_t value);
SIGMA_API int SIGMA_CALL sigma_compile_options_get(const sigma_compile_options *opts,
                                                   uint32_t param, int64_t *value_out);
SIGMA_API int SIGMA_CALL sigma_param_bounds(uint32_t param, int64_t *min_out, int64_t *max_out);

/* ------------------------------------------------------------------ builder */

/** Creates a builder; `opts` (may be NULL for defaults) is copied. */
SIGMA_API int SIGMA_CALL sigma_builder_new(const sigma_compile_options *opts, sigma_builder **out);
SIGMA_API void SIGMA_CALL sigma_builder_free(sigma_builder *b);

/** Parses one YAML buffer (one or more documents). The buffer is not retained;
 *  `source_name` (used in diagnostics and rule info) is copied and may be NULL.
 *  Bad rules are recorded as diagnostics and skipped; the others are kept.
 *  Returns SIGMA_OK when every document loaded, SIGMA_E_COMPILE when at least one
 *  error diagnostic was recorded for this source, or SIGMA_E_NOMEM.
 *  `rules_added_out` (may be NULL) receives the number of rules kept. */
SIGMA_API int SIGMA_CALL sigma_builder_add_yaml(sigma_builder *b, const char *source_name,
                                                size_t source_name_len, const char *yaml,
                                                size_t yaml_len, uint32_t *rules_added_out);
/** Reads and adds one file (the path is the source name). SIGMA_E_IO (with a
 *  diagnostic) when it cannot be read. */
SIGMA_API int SIGMA_CALL sigma_builder_add_file(sigma_builder *b, const char *path, size_t path_len,
                                                uint32_t *rules_added_out);
/** Adds every *.yml / *.yaml file below `path`, recursively, in sorted order.
 *  A file path is accepted too. Returns the worst status seen. */
SIGMA_API int SIGMA_CALL sigma_builder_add_path(sigma_builder *b, const char *path, size_t path_len,
                                                uint32_t *rules_added_out);

/** Defines one value of the placeholder %name% used by the `expand` modifier
 *  (call repeatedly for several values; each value is a Sigma string, so it may
 *  hold wildcards). Only rules added after the call see it. A rule that expands an
 *  undefined placeholder is rejected (SIGMA_DIAG_UNDEFINED_PLACEHOLDER). */
SIGMA_API int SIGMA_CALL sigma_builder_add_placeholder(sigma_builder *b, const char *name,
                                                       size_t name_len, const char *value,
                                                       size_t value_len);

/** Reads placeholder values from YAML: a map `name: [value, ...]` (a single value
 *  may be written without the list), names without the % signs. Problems are
 *  diagnostics (SIGMA_DIAG_BAD_PLACEHOLDERS) with line and column; returns SIGMA_OK,
 *  SIGMA_E_COMPILE or SIGMA_E_NOMEM. */
SIGMA_API int SIGMA_CALL sigma_builder_add_placeholders_yaml(sigma_builder *b,
                                                             const char *source_name,
                                                             size_t source_name_len,
                                                             const char *yaml, size_t yaml_len);

/** Log source mapping (docs/mapping.md): which events belong to which Sigma
 *  logsource (Channel + EventID -> windows/process_creation), the field names of
 *  those events (Security 4688 NewProcessName is the rules' Image), and the events
 *  each logsource covers. With a mapping, an event that carries no logsource of its
 *  own (sigma_event_set_logsource) is classified by it and only meets the rules of
 *  the logsources it was recognised as; an event nothing recognises meets every
 *  rule, or none with SIGMA_MATCH_STRICT_LOGSOURCE. Several mappings add up.
 *  Problems are diagnostics (SIGMA_DIAG_BAD_MAPPING); returns SIGMA_OK,
 *  SIGMA_E_COMPILE or SIGMA_E_NOMEM. The YAML is copied. */
SIGMA_API int SIGMA_CALL sigma_builder_add_mapping_yaml(sigma_builder *b, const char *source_name,
                                                        size_t source_name_len, const char *yaml,
                                                        size_t yaml_len);
/** Adds the built-in mapping: Sysmon (Windows and Linux), Security (4688 as
 *  process_creation, 4657 registry), PowerShell and the Windows service channels. */
SIGMA_API int SIGMA_CALL sigma_builder_add_default_mapping(sigma_builder *b);

/** Diagnostics collected so far; borrowed, valid until the builder is freed. */
SIGMA_API const sigma_diagnostics *SIGMA_CALL sigma_builder_diagnostics(const sigma_builder *b);
/** Number of rule documents that failed to load so far. */
SIGMA_API uint32_t SIGMA_CALL sigma_builder_failed_count(const sigma_builder *b);

/** Produces an immutable ruleset from the rules loaded so far (the builder may be
 *  reused or freed afterwards). With SIGMA_COMPILE_STRICT, fails with
 *  SIGMA_E_COMPILE if any error diagnostic exists. Caller releases the ruleset
 *  with sigma_ruleset_unref. */
SIGMA_API int SIGMA_CALL sigma_builder_build(sigma_builder *b, sigma_ruleset **out);

/* -------------------------------------------------------------- diagnostics */

enum { SIGMA_SEVERITY_ERROR = 1, SIGMA_SEVERITY_WARNING = 2 };

/** One diagnostic. Set `size = sizeof(sigma_diagnostic_info)` before calling
 *  sigma_diagnostics_get; fields past `size` are not written. Strings are
 *  borrowed from the diagnostics list. */
typedef struct sigma_diagnostic_info {
    size_t size;
    int32_t code;            /* stable SIGMA_DIAG_* value, see docs/diagnostics.md */
    int32_t severity;        /* SIGMA_SEVERITY_* */
    const char *message;     /* never NULL */
    const char *source_name; /* as given to the builder, or NULL */
    const char *rule_id;     /* the document's `id:` if known, or NULL */
    uint32_t line;           /* 1-based; 0 = unknown */
    uint32_t column;         /* 1-based, in Unicode code points; 0 = unknown */
    uint64_t byte_offset;    /* 0-based into the source; UINT64_MAX = unknown */
} sigma_diagnostic_info;

SIGMA_API size_t SIGMA_CALL sigma_diagnostics_count(const sigma_diagnostics *d);
SIGMA_API size_t SIGMA_CALL sigma_diagnostics_error_count(const sigma_diagnostics *d);
SIGMA_API int SIGMA_CALL sigma_diagnostics_get(const sigma_diagnostics *d, size_t index,
                                               sigma_diagnostic_info *info);
/** Formats "source:line:col: error: message [SIGMA-Ennnn]" into buf (NUL-terminated,
 *  truncated to cap). Returns the full length needed (excluding NUL), or a negative
 *  status. */
SIGMA_API int SIGMA_CALL sigma_diagnostics_format(const sigma_diagnostics *d, size_t index,
                                                  char *buf, size_t cap);

/* Diagnostic codes (stable; never reused). */
enum {
    /* 1xxx: YAML layer */
    SIGMA_DIAG_YAML_SYNTAX = 1001,
    SIGMA_DIAG_YAML_DUPLICATE_KEY = 1002,
    SIGMA_DIAG_YAML_TOO_DEEP = 1003,
    SIGMA_DIAG_YAML_TOO_LARGE = 1004,
    SIGMA_DIAG_YAML_ALIAS_LIMIT = 1005,
    SIGMA_DIAG_YAML_NON_SCALAR_KEY = 1006,
    SIGMA_DIAG_YAML_ENCODING = 1007,
    SIGMA_DIAG_IO = 1010,
    /* 2xxx: rule attributes */
    SIGMA_DIAG_NOT_A_MAP = 2001,
    SIGMA_DIAG_MISSING_ATTRIBUTE = 2002,
    SIGMA_DIAG_ATTRIBUTE_TYPE = 2003,
    SIGMA_DIAG_BAD_ID = 2004,
    SIGMA_DIAG_BAD_STATUS = 2005,
    SIGMA_DIAG_BAD_LEVEL = 2006,
    SIGMA_DIAG_BAD_TAG = 2007,
    SIGMA_DIAG_BAD_DATE = 2008,
    SIGMA_DIAG_BAD_LOGSOURCE = 2009,
    SIGMA_DIAG_TITLE_TOO_LONG = 2010,
    SIGMA_DIAG_BAD_RELATED = 2011,
    SIGMA_DIAG_UNSUPPORTED_DOCUMENT = 2012,
    SIGMA_DIAG_UNRESOLVED_REFERENCE = 2013, /* correlation/filter names an unknown rule */
    SIGMA_DIAG_BAD_PLACEHOLDERS = 2014,     /* malformed placeholder values file */
    SIGMA_DIAG_BAD_MAPPING = 2015,          /* malformed logsource mapping file */
    /* 3xxx: detection */
    SIGMA_DIAG_BAD_DETECTION = 3001,
    SIGMA_DIAG_UNKNOWN_MODIFIER = 3002,
    SIGMA_DIAG_INVALID_MODIFIER_CHAIN = 3003,
    SIGMA_DIAG_BAD_VALUE_TYPE = 3004,
    SIGMA_DIAG_BAD_REGEX = 3005,
    SIGMA_DIAG_EMPTY_VALUE_LIST = 3006,
    SIGMA_DIAG_ALL_SINGLE_VALUE = 3007,
    SIGMA_DIAG_BAD_FIELD_NAME = 3008,
    SIGMA_DIAG_UNSUPPORTED_MODIFIER = 3009, /* valid Sigma, not evaluated by this version */
    SIGMA_DIAG_UNDEFINED_PLACEHOLDER = 3010,
    SIGMA_DIAG_EXPANSION_LIMIT = 3011,
    SIGMA_DIAG_ENCODING_FAILED = 3012,
    /* 4xxx: condition */
    SIGMA_DIAG_CONDITION_SYNTAX = 4001,
    SIGMA_DIAG_UNDEFINED_IDENTIFIER = 4002,
    SIGMA_DIAG_EMPTY_QUANTIFIER = 4003,
    SIGMA_DIAG_AGGREGATION = 4004,
    SIGMA_DIAG_CONDITION_TYPE = 4005,
    /* 5xxx: correlations and filters */
    SIGMA_DIAG_BAD_CORRELATION = 5001,
    SIGMA_DIAG_BAD_TIMESPAN = 5002,
    SIGMA_DIAG_UNKNOWN_CORRELATION_TYPE = 5003,
    SIGMA_DIAG_BAD_CORRELATION_CONDITION = 5004,
    SIGMA_DIAG_UNKNOWN_CORRELATION_KEY = 5005, /* warning */
    SIGMA_DIAG_ORDER_NOT_ENFORCED = 5006,      /* warning: temporal_ordered condition shape */
    SIGMA_DIAG_BAD_FILTER = 5010
};

/* ------------------------------------------------------------------ ruleset */

/** Takes another reference (atomic); returns rs. */
SIGMA_API sigma_ruleset *SIGMA_CALL sigma_ruleset_ref(sigma_ruleset *rs);
/** Drops a reference (atomic); frees on the last one. NULL is fine. */
SIGMA_API void SIGMA_CALL sigma_ruleset_unref(sigma_ruleset *rs);
SIGMA_API uint32_t SIGMA_CALL sigma_ruleset_rule_count(const sigma_ruleset *rs);

enum {
    SIGMA_RULE_DETECTION = 1,
    SIGMA_RULE_CORRELATION = 2 /* loaded later; raises no alerts by itself */
};

/** Per-rule metadata. Set `size`; strings are borrowed from the ruleset and are
 *  NULL when the rule does not have the attribute. */
typedef struct sigma_rule_info {
    size_t size;
    const char *id;
    const char *title;
    const char *level;  /* as written, lower case: "high" */
    const char *status; /* lower case: "test" */
    const char *source_name;
    const char *logsource_product;
    const char *logsource_category;
    const char *logsource_service;
    uint32_t tag_count;
    uint32_t kind; /* SIGMA_RULE_* */
    const char *name;
    const char *description;
    uint32_t filter_count; /* filters applied to this rule, see sigma_ruleset_rule_filter */
} sigma_rule_info;

SIGMA_API int SIGMA_CALL sigma_ruleset_rule_info(const sigma_ruleset *rs, uint32_t rule,
                                                 sigma_rule_info *info);
/** Tag `tag` of rule `rule` ("attack.t1505.004"), or NULL if out of range. */
SIGMA_API const char *SIGMA_CALL sigma_ruleset_rule_tag(const sigma_ruleset *rs, uint32_t rule,
                                                        uint32_t tag);
/** Id (or title, when the filter has no id) of filter `i` applied to `rule`, or NULL. */
SIGMA_API const char *SIGMA_CALL sigma_ruleset_rule_filter(const sigma_ruleset *rs, uint32_t rule,
                                                           uint32_t i);
/** Field dictionary: every field name some rule of `rs` looks at, numbered
 *  0..count-1 ("slots"). An agent with a fixed schema resolves its field names once
 *  and adds values by slot; a field no rule uses has no slot and need not be sent. */
SIGMA_API uint32_t SIGMA_CALL sigma_ruleset_field_count(const sigma_ruleset *rs);
SIGMA_API const char *SIGMA_CALL sigma_ruleset_field_name(const sigma_ruleset *rs, uint32_t slot);
/** Slot of a field name, or SIGMA_E_NOT_FOUND when no rule uses that field. */
SIGMA_API int SIGMA_CALL sigma_ruleset_field_slot(const sigma_ruleset *rs, const char *name,
                                                  size_t name_len, uint32_t *slot_out);

/** The instructions the index scan of `rs` runs on: "avx512" (x86-64 CPUs with
 *  AVX-512 F/BW/VBMI, SIGMA_PARAM_SIMD 1), "avx2" (CPUs with AVX2, SIGMA_PARAM_SIMD 1
 *  or 2) or "scalar". Matches never depend on it. */
SIGMA_API const char *SIGMA_CALL sigma_ruleset_scan_isa(const sigma_ruleset *rs);

/** Bytes of the ruleset's matching arrays placed in the mapping advised to use
 *  huge pages (SIGMA_PARAM_HUGE_PAGES); 0 when they were not moved: the parameter
 *  is 0, they take less than 2 MiB, the system has no huge pages to advise, or the
 *  library was built with AddressSanitizer. Whether the kernel then backs the
 *  mapping with huge pages is its choice (AnonHugePages in /proc/PID/smaps). */
SIGMA_API size_t SIGMA_CALL sigma_ruleset_huge_page_bytes(const sigma_ruleset *rs);

/** Finds a rule index by id (or by `name` when no id matches). */
SIGMA_API int SIGMA_CALL sigma_ruleset_find_rule(const sigma_ruleset *rs, const char *id,
                                                 size_t id_len, uint32_t *rule_out);

/* ------------------------------------------------------------------ scratch */

/** Allocates (*scratch == NULL) or grows (*scratch != NULL) a scratch so it can be
 *  used with `rs`. A scratch can serve several rulesets once reserved for each.
 *  Caller frees with sigma_scratch_free. Not thread-safe: one per thread.
 *  Besides arrays sized by the ruleset, a scratch holds about 830 KB of memos of
 *  recent event field names and values (what their scan found, so that a value
 *  seen again is not scanned again); what a match finds never depends on them. */
SIGMA_API int SIGMA_CALL sigma_scratch_reserve(const sigma_ruleset *rs, sigma_scratch **scratch);
SIGMA_API void SIGMA_CALL sigma_scratch_free(sigma_scratch *scratch);
/** Bytes of the scratch's memos placed in a mapping advised to use huge pages
 *  (one 2 MiB page): done when it is first reserved for a ruleset compiled with
 *  SIGMA_PARAM_HUGE_PAGES 1 (the default) and the system offers them; 0 otherwise
 *  (also for NULL, and when the library was built with AddressSanitizer). */
SIGMA_API size_t SIGMA_CALL sigma_scratch_huge_page_bytes(const sigma_scratch *scratch);

/* -------------------------------------------------------------------- event */

/** Flags for sigma_event_add_str. */
enum {
    SIGMA_VALUE_COPY = 0,        /* default: the library copies the bytes */
    SIGMA_VALUE_BORROW = 1u << 0 /* caller keeps the bytes alive until clear/free */
};

/** Creates an empty event. Caller frees with sigma_event_free. */
SIGMA_API int SIGMA_CALL sigma_event_new(sigma_event **out);
/** Removes every field and value but keeps the memory for reuse. */
SIGMA_API void SIGMA_CALL sigma_event_clear(sigma_event *ev);
SIGMA_API void SIGMA_CALL sigma_event_free(sigma_event *ev);
/** Moves the event's fields, values and copied bytes into one allocation, in the
 *  order matching reads them. For events built ahead of matching (a batch, a
 *  queue), which are read from memory rather than cache: one block costs fewer
 *  misses and page walks than the several pieces the builder grows (sigma-bench
 *  over the corpus events: about 10 % less time per event). Matches never
 *  change. The event stays an ordinary one: adding to it moves the arrays out
 *  again, sigma_event_clear reuses the block. Borrowed strings
 *  (SIGMA_VALUE_BORROW) stay where they are. SIGMA_OK, SIGMA_E_INVALID_ARG (NULL)
 *  or SIGMA_E_NOMEM (the event unchanged). */
SIGMA_API int SIGMA_CALL sigma_event_pack(sigma_event *ev);

/* Field names are case-sensitive. Nested objects use dotted names
 * ("userIdentity.arn"). Adding to a field that already has a value appends: the
 * field becomes multi-valued (a JSON array), and a rule value matches if any
 * element matches. A string value or a field name longer than 4 GiB - 1 bytes is
 * refused with SIGMA_E_INVALID_ARG. */
SIGMA_API int SIGMA_CALL sigma_event_add_str(sigma_event *ev, const char *name, size_t name_len,
                                             const char *value, size_t value_len, uint32_t flags);
SIGMA_API int SIGMA_CALL sigma_event_add_int(sigma_event *ev, const char *name, size_t name_len,
                                             int64_t value);
SIGMA_API int SIGMA_CALL sigma_event_add_float(sigma_event *ev, const char *name, size_t name_len,
                                               double value);
SIGMA_API int SIGMA_CALL sigma_event_add_bool(sigma_event *ev, const char *name, size_t name_len,
                                              int value);
SIGMA_API int SIGMA_CALL sigma_event_add_null(sigma_event *ev, const char *name, size_t name_len);
/* By slot (see sigma_ruleset_field_slot): the same as adding by the slot's name,
 * and a match against `rs` then needs no name lookup for this field. `rs` must stay
 * alive while the event holds the value. SIGMA_E_INVALID_ARG for a bad slot. */
SIGMA_API int SIGMA_CALL sigma_event_add_str_slot(sigma_event *ev, const sigma_ruleset *rs,
                                                  uint32_t slot, const char *value,
                                                  size_t value_len, uint32_t flags);
SIGMA_API int SIGMA_CALL sigma_event_add_int_slot(sigma_event *ev, const sigma_ruleset *rs,
                                                  uint32_t slot, int64_t value);
/** Resolves the names of the fields the event has now to `rs`'s slots, as if each
 *  had been added by slot: a match against `rs` then looks none of them up by
 *  name. The string values `rs`'s index scans also get the hash its scan memo
 *  is keyed by, so that a match asks for their memo entries at once instead of
 *  after reading their bytes. For events built ahead of matching (a queue, a
 *  batch): that work is done once, at build time (sigma-bench over the corpus
 *  events: about 10 % less time per match). Matches never change, against `rs` or any other
 *  ruleset (which looks names up as usual). Fields added later are looked up
 *  by name until the event is bound again; binding to another ruleset replaces
 *  the slots. `rs` must stay alive while the event is bound (until
 *  sigma_event_clear, sigma_event_free or another bind). The event keeps a copy
 *  of what a match reads of each field (8 bytes a field), dropped by any change.
 *  SIGMA_OK, SIGMA_E_INVALID_ARG (NULL) or SIGMA_E_NOMEM. */
SIGMA_API int SIGMA_CALL sigma_event_bind(sigma_event *ev, const sigma_ruleset *rs);

/** Declares the field present with no values (a JSON empty array): `exists` is
 *  true, `field: null` is true, every value comparison is false. */
SIGMA_API int SIGMA_CALL sigma_event_add_empty(sigma_event *ev, const char *name, size_t name_len);
/** Says which log source the event comes from (each part may be NULL/0 = unknown).
 *  Rules only see events whose logsource fits: every attribute the rule sets
 *  (product, category, service) must equal the event's (ASCII case-insensitive).
 *  An event without a logsource is matched against every rule (or classified by the
 *  ruleset's mapping); passing NULL for all three parts removes it. Copied. */
SIGMA_API int SIGMA_CALL sigma_event_set_logsource(sigma_event *ev, const char *product,
                                                   size_t product_len, const char *category,
                                                   size_t category_len, const char *service,
                                                   size_t service_len);

/** Sets the raw log message searched by keyword rules besides the field values. */
SIGMA_API int SIGMA_CALL sigma_event_set_message(sigma_event *ev, const char *msg, size_t len,
                                                 uint32_t flags);

/* -------------------------------------------------------------------- match */

/** Called once per matching rule, in ascending rule index order. Return 0 to go
 *  on, non-zero to stop (sigma_match then returns SIGMA_E_TERMINATED). `hit` is
 *  valid only during the call. The callback must not use the same scratch. */
typedef int(SIGMA_CALL *sigma_hit_fn)(const sigma_hit *hit, void *user_data);

SIGMA_API uint32_t SIGMA_CALL sigma_hit_rule(const sigma_hit *hit);
SIGMA_API const sigma_ruleset *SIGMA_CALL sigma_hit_ruleset(const sigma_hit *hit);
/** Index of the hit's event in the array given to sigma_match_batch (0 for
 *  sigma_match; SIZE_MAX for hit == NULL). */
SIGMA_API size_t SIGMA_CALL sigma_hit_event(const sigma_hit *hit);

/** Flags for sigma_match. */
enum {
    /* Evaluate every rule instead of the index's candidates (same results, slower;
     * the baseline for benchmarks and cross-checks). */
    SIGMA_MATCH_NO_INDEX = 1u << 0,
    /* With a mapping: events without a logsource that the mapping does not
     * recognise meet no rule (default: every rule). */
    SIGMA_MATCH_STRICT_LOGSOURCE = 1u << 1
};

/** Matches `ev` against every rule of `rs`. `flags`: SIGMA_MATCH_* bits. With on_hit ==
 *  NULL (collect mode) the matching rule indexes are kept in the scratch until the
 *  next call: read them with sigma_scratch_hit_count / sigma_scratch_hit_rule.
 *  Thread-safe for distinct scratches. Returns SIGMA_OK, SIGMA_E_TERMINATED,
 *  SIGMA_E_SCRATCH (scratch not reserved for rs), SIGMA_E_NOMEM. */
SIGMA_API int SIGMA_CALL sigma_match(const sigma_ruleset *rs, sigma_scratch *scratch,
                                     const sigma_event *ev, uint32_t flags, sigma_hit_fn on_hit,
                                     void *user_data);
/** Matches events[0, n) in order, with the results of n sigma_match calls: on_hit
 *  is called for each hit of each event (sigma_hit_event tells which), and a
 *  non-zero return stops the batch (SIGMA_E_TERMINATED). While one event is
 *  matched, the next one's memory is requested: events built ahead of matching
 *  (a queue, a parsed batch of log lines) are usually not in cache any more.
 *  With on_hit == NULL the scratch keeps the hits of the last event matched.
 *  Returns SIGMA_OK, or the first error (the events after it are not matched);
 *  SIGMA_E_INVALID_ARG for a NULL event or events == NULL with n > 0. */
SIGMA_API int SIGMA_CALL sigma_match_batch(const sigma_ruleset *rs, sigma_scratch *scratch,
                                           const sigma_event *const *events, size_t n,
                                           uint32_t flags, sigma_hit_fn on_hit, void *user_data);
SIGMA_API uint32_t SIGMA_CALL sigma_scratch_hit_count(const sigma_scratch *scratch);

/** Counters a scratch accumulates over its match calls (set `size` first). */
typedef struct sigma_scratch_stats {
    size_t size;
    uint64_t events;     /* match calls */
    uint64_t candidates; /* rules evaluated, summed over calls */
    uint64_t hits;       /* rules that matched, summed over calls */
    /* Text values the index scanned for the rules' literals, and those whose
     * scan the scratch's memo replayed instead (values seen recently), summed
     * over calls. Added after the first three: a caller whose `size` ends before
     * a counter does not get it. */
    uint64_t values_scanned;
    uint64_t values_replayed;
} sigma_scratch_stats;
SIGMA_API int SIGMA_CALL sigma_scratch_get_stats(const sigma_scratch *scratch,
                                                 sigma_scratch_stats *stats);
/** Rule index of collected hit i, or UINT32_MAX when out of range. */
SIGMA_API uint32_t SIGMA_CALL sigma_scratch_hit_rule(const sigma_scratch *scratch, uint32_t i);

/* ------------------------------------------------------------ introspection */
/* Rule metadata, ATT&CK, event coverage, stages, predicates, indicators, explain. */
/*
 * Everything here reads an immutable ruleset (thread-safe, no allocation) except
 * explain, which allocates its result. Rules are numbered 0..sigma_ruleset_rule_count-1.
 * Strings are owned by the ruleset (or the explain object), UTF-8, NUL-terminated;
 * where a getter takes `size_t *len_out` (may be NULL) it also receives the length
 * (the text may contain NUL bytes only where noted). docs/introspection.md has the
 * exact definitions of stages, predicates, indicators and the corpus count.
 */

/** Scalar attributes of a rule, for sigma_ruleset_rule_attr(). Values are pinned;
 *  new ones may be added. */
enum {
    SIGMA_ATTR_ID = 1,
    SIGMA_ATTR_TITLE = 2,
    SIGMA_ATTR_NAME = 3,
    SIGMA_ATTR_DESCRIPTION = 4,
    SIGMA_ATTR_STATUS = 5, /* lower case ("test") */
    SIGMA_ATTR_LEVEL = 6,  /* lower case ("high") */
    SIGMA_ATTR_AUTHOR = 7,
    SIGMA_ATTR_DATE = 8,     /* normalised "YYYY-MM-DD" */
    SIGMA_ATTR_MODIFIED = 9, /* normalised "YYYY-MM-DD" */
    SIGMA_ATTR_LICENSE = 10,
    SIGMA_ATTR_TAXONOMY = 11,
    SIGMA_ATTR_LOGSOURCE_PRODUCT = 12,
    SIGMA_ATTR_LOGSOURCE_CATEGORY = 13,
    SIGMA_ATTR_LOGSOURCE_SERVICE = 14,
    SIGMA_ATTR_LOGSOURCE_DEFINITION = 15,
    SIGMA_ATTR_SOURCE_NAME = 16, /* the source name the rule was loaded from (file path) */
    /* The rule's YAML document as written in its source: for a multi-document file
     * only that document's text (from its first byte to the next "---"/"..." or the
     * end); for a rule merged with an `action: global` template, the text of the
     * rule's own document only (the template's keys are not in it). */
    SIGMA_ATTR_YAML = 17,
    /* The detection condition as written; a condition list is joined with "\n". */
    SIGMA_ATTR_CONDITION = 18,
    /* Correlation rules: the correlation type ("event_count", "temporal", ...). */
    SIGMA_ATTR_CORRELATION_TYPE = 19
};

/** Scalar attribute `attr` (SIGMA_ATTR_*) of `rule`; NULL when the rule does not have
 *  it (or for a bad rule index / attribute). */
SIGMA_API const char *SIGMA_CALL sigma_ruleset_rule_attr(const sigma_ruleset *rs, uint32_t rule,
                                                         uint32_t attr, size_t *len_out);

/** List attributes of a rule, for sigma_ruleset_rule_list_count / _item. */
enum {
    SIGMA_LIST_TAGS = 1,
    SIGMA_LIST_REFERENCES = 2,
    SIGMA_LIST_FALSEPOSITIVES = 3,
    SIGMA_LIST_FIELDS = 4
};
/** Number of items of list `list` (SIGMA_LIST_*) of `rule`; 0 when absent/invalid. */
SIGMA_API uint32_t SIGMA_CALL sigma_ruleset_rule_list_count(const sigma_ruleset *rs, uint32_t rule,
                                                            uint32_t list);
/** Item `i` of that list, or NULL when out of range. */
SIGMA_API const char *SIGMA_CALL sigma_ruleset_rule_list_item(const sigma_ruleset *rs,
                                                              uint32_t rule, uint32_t list,
                                                              uint32_t i, size_t *len_out);

/* ---- ATT&CK (from tags) */

/** The MITRE ATT&CK enterprise tactics, built in, in matrix order (0 = Reconnaissance
 *  .. sigma_attack_tactic_count()-1 = Impact): the 14 classic tactics plus Stealth and
 *  Defense Impairment (tags attack.stealth, attack.defense-impairment of newer SigmaHQ
 *  rules) after Defense Evasion; 16 in this version, more may be added. For tactic
 *  `i`: its id ("TA0003"; NULL for the two newer tactics, whose ids are not built in),
 *  display name ("Persistence") and tag name ("persistence", as in the tag
 *  attack.persistence). NULL when i is out of range. Static storage. */
SIGMA_API uint32_t SIGMA_CALL sigma_attack_tactic_count(void);
SIGMA_API const char *SIGMA_CALL sigma_attack_tactic_id(uint32_t i);
SIGMA_API const char *SIGMA_CALL sigma_attack_tactic_name(uint32_t i);
SIGMA_API const char *SIGMA_CALL sigma_attack_tactic_tag(uint32_t i);

/** Tactics of `rule`: its tags attack.<tactic tag name> (case-insensitive; "-" and "_"
 *  alike), in tag order, without duplicates. `i`-th one as a built-in tactic index. */
SIGMA_API uint32_t SIGMA_CALL sigma_ruleset_rule_tactic_count(const sigma_ruleset *rs,
                                                              uint32_t rule);
SIGMA_API int SIGMA_CALL sigma_ruleset_rule_tactic(const sigma_ruleset *rs, uint32_t rule,
                                                   uint32_t i, uint32_t *tactic_out);
/** Techniques of `rule`: tags attack.tNNNN and attack.tNNNN.NNN, in tag order, without
 *  duplicates, returned upper case ("T1505", "T1505.004"). A technique's tactics are
 *  the rule's tactic tags (ATT&CK maps a technique to several tactics; the rule says
 *  which it means). */
SIGMA_API uint32_t SIGMA_CALL sigma_ruleset_rule_technique_count(const sigma_ruleset *rs,
                                                                 uint32_t rule);
SIGMA_API const char *SIGMA_CALL sigma_ruleset_rule_technique(const sigma_ruleset *rs,
                                                              uint32_t rule, uint32_t i,
                                                              size_t *len_out);

/** Diagnostic code of a malformed ATT&CK names line (docs/diagnostics.md). */
enum { SIGMA_DIAG_BAD_ATTACK_NAMES = 2020 };

/** Adds technique names to every ruleset the builder builds from now on (the text is
 *  copied; several texts add up): lines "ID<TAB>Name"
 *  ("T1505.004\tIIS Components"); ids are case-insensitive; empty lines and lines
 *  starting with '#' are skipped; a later line for the same id wins. A line without
 *  a tab or with a malformed id is a diagnostic (SIGMA_DIAG_BAD_ATTACK_NAMES) with its
 *  line; the other lines are kept. Returns SIGMA_OK, SIGMA_E_COMPILE or SIGMA_E_NOMEM. */
SIGMA_API int SIGMA_CALL sigma_builder_add_attack_names(sigma_builder *b, const char *source_name,
                                                        size_t source_name_len, const char *text,
                                                        size_t text_len);
/** The same, read from a file (SIGMA_E_IO with a diagnostic when it cannot be read). */
SIGMA_API int SIGMA_CALL sigma_builder_add_attack_names_file(sigma_builder *b, const char *path,
                                                             size_t path_len);
/** Name of a technique or sub-technique ("T1505.004", any case) from the loaded names
 *  files, or of a tactic given by its TA id or tag name; NULL when unknown. */
SIGMA_API const char *SIGMA_CALL sigma_ruleset_attack_name(const sigma_ruleset *rs, const char *id,
                                                           size_t id_len, size_t *len_out);

/* ---- event coverage */

/** One event a rule's logsource covers, from the mapping the ruleset was built with
 *  (sigma_builder_add_mapping_yaml / _add_default_mapping). Set `size` first. */
typedef struct sigma_coverage_info {
    size_t size;
    const char *provider; /* "Microsoft-Windows-Sysmon"; NULL if the row has none */
    int64_t event_id;     /* 1; -1 if the row has none */
    const char *title;    /* "Process creation"; NULL if the row has none */
    const char *channel;  /* the entry's Channel condition value, or NULL */
    const char *product;  /* logsource of the mapping entry */
    const char *category;
    const char *service;
} sigma_coverage_info;

/** Coverage rows of `rule`: those of every mapping entry whose logsource the rule
 *  accepts (each attribute the rule sets equals the entry's), in mapping order,
 *  identical (provider, event id, title, channel) rows once. 0 without a mapping. */
SIGMA_API uint32_t SIGMA_CALL sigma_ruleset_rule_coverage_count(const sigma_ruleset *rs,
                                                                uint32_t rule);
SIGMA_API int SIGMA_CALL sigma_ruleset_rule_coverage(const sigma_ruleset *rs, uint32_t rule,
                                                     uint32_t i, sigma_coverage_info *info);

/* ---- stages and predicates */

/** Kinds of stage. */
enum {
    SIGMA_STAGE_CONDITION = 1,        /* the rule's condition (stage 0) */
    SIGMA_STAGE_SELECTION = 2,        /* a search identifier of the rule */
    SIGMA_STAGE_FILTER_CONDITION = 3, /* the condition of a filter applied to the rule */
    SIGMA_STAGE_FILTER_SELECTION = 4  /* a search identifier of such a filter */
};

/** One stage. Stage 0 is the rule's condition; then one stage per search identifier in
 *  the order written; then for each filter applied to the rule its condition stage and
 *  its identifiers. Correlation rules have no stages. Set `size` first. */
typedef struct sigma_stage_info {
    size_t size;
    uint32_t kind;            /* SIGMA_STAGE_* */
    const char *name;         /* "condition" or the identifier ("selection") */
    const char *text;         /* condition stages: the condition as written; else NULL */
    uint32_t predicate_count; /* detection items of a selection stage; 0 for conditions */
    const char *filter;       /* filter stages: the filter's id (or title); else NULL */
} sigma_stage_info;

SIGMA_API uint32_t SIGMA_CALL sigma_ruleset_rule_stage_count(const sigma_ruleset *rs,
                                                             uint32_t rule);
SIGMA_API int SIGMA_CALL sigma_ruleset_rule_stage(const sigma_ruleset *rs, uint32_t rule,
                                                  uint32_t stage, sigma_stage_info *info);

/** Operator kinds of a predicate (pinned values; new ones may be added). */
enum {
    SIGMA_PRED_EQUALS = 1,
    SIGMA_PRED_CONTAINS = 2,
    SIGMA_PRED_STARTSWITH = 3,
    SIGMA_PRED_ENDSWITH = 4,
    SIGMA_PRED_RE = 5,
    SIGMA_PRED_CIDR = 6,
    SIGMA_PRED_GT = 7,
    SIGMA_PRED_GTE = 8,
    SIGMA_PRED_LT = 9,
    SIGMA_PRED_LTE = 10,
    SIGMA_PRED_EXISTS = 11,
    SIGMA_PRED_NULL = 12,     /* `field: null` or an empty value list */
    SIGMA_PRED_FIELDREF = 13, /* fieldref (also with contains/startswith/endswith) */
    SIGMA_PRED_KEYWORD = 14,  /* a keyword search (no field) */
    SIGMA_PRED_TIMEPART = 15  /* minute/hour/day/week/month/year */
};
/** Lower-case name of a SIGMA_PRED_* kind ("endswith"); "unknown" otherwise. */
SIGMA_API const char *SIGMA_CALL sigma_pred_kind_name(uint32_t kind);

/** One predicate: a detection item (`Image|endswith: [...]`, or a keyword list) of a
 *  selection stage. Set `size` first. */
typedef struct sigma_predicate_info {
    size_t size;
    const char *field;     /* as written; NULL for keywords */
    uint32_t kind;         /* SIGMA_PRED_* */
    const char *modifiers; /* the modifier chain as written: "|endswith|windash"; "" */
    uint32_t value_count;  /* values as written (0 for an empty list) */
    int all;               /* 1 when `all` applies (every value must match) */
    int negated;           /* 1 with the `neq` modifier */
    uint32_t group;        /* for a selection written as a list of maps: which map (0..) */
} sigma_predicate_info;

SIGMA_API int SIGMA_CALL sigma_ruleset_rule_predicate(const sigma_ruleset *rs, uint32_t rule,
                                                      uint32_t stage, uint32_t pred,
                                                      sigma_predicate_info *info);
/** Value `v` of a predicate as written in the rule (YAML scalar text: "\w3wp.exe",
 *  "4688", "null"); NULL when out of range. */
SIGMA_API const char *SIGMA_CALL sigma_ruleset_rule_predicate_value(const sigma_ruleset *rs,
                                                                    uint32_t rule, uint32_t stage,
                                                                    uint32_t pred, uint32_t v,
                                                                    size_t *len_out);
/** Number of OTHER detection rules of the ruleset whose compiled program uses the same
 *  interned predicate as value `v` (same field, operator, flags and value after the
 *  modifiers are applied; for a value expanded into several alternatives, its first
 *  one). Filters do not count. 0 when out of range. */
SIGMA_API uint32_t SIGMA_CALL sigma_ruleset_rule_predicate_value_users(const sigma_ruleset *rs,
                                                                       uint32_t rule,
                                                                       uint32_t stage,
                                                                       uint32_t pred, uint32_t v);

/* ---- indicators */

/** One indicator row: a detection item of the rule's own selections (filters
 *  excluded; items that test no value -- exists, null -- excluded; identical rows
 *  once). Set `size` first. */
typedef struct sigma_indicator_info {
    size_t size;
    const char *field;     /* NULL for keywords */
    uint32_t kind;         /* SIGMA_PRED_* */
    const char *modifiers; /* as written, e.g. "|contains|all" */
    uint32_t value_count;
    /* Number of OTHER rules of the ruleset that have an indicator row with the same
     * field, the same kind and the same modifiers apart from `all`, whose value set
     * includes every value of this row (values compared case-folded as the matcher does,
     * exactly with `cased`/`re`). See docs/introspection.md. */
    uint32_t corpus;
    uint32_t stage; /* where the row comes from (first occurrence) */
    uint32_t pred;
} sigma_indicator_info;

SIGMA_API uint32_t SIGMA_CALL sigma_ruleset_rule_indicator_count(const sigma_ruleset *rs,
                                                                 uint32_t rule);
/** The counts of every row are computed by the first call whose info->size includes
 *  `corpus` (thread-safe, once per ruleset); SIGMA_E_NOMEM if that fails. */
SIGMA_API int SIGMA_CALL sigma_ruleset_rule_indicator(const sigma_ruleset *rs, uint32_t rule,
                                                      uint32_t i, sigma_indicator_info *info);
SIGMA_API const char *SIGMA_CALL sigma_ruleset_rule_indicator_value(const sigma_ruleset *rs,
                                                                    uint32_t rule, uint32_t i,
                                                                    uint32_t v, size_t *len_out);

/* ---- relations */

/** Correlation rule: the rules it references, as rule indexes (unresolvable references
 *  are not listed). Detection rule: 0. */
SIGMA_API uint32_t SIGMA_CALL sigma_ruleset_rule_ref_count(const sigma_ruleset *rs, uint32_t rule);
SIGMA_API uint32_t SIGMA_CALL sigma_ruleset_rule_ref(const sigma_ruleset *rs, uint32_t rule,
                                                     uint32_t i); /* UINT32_MAX if out of range */
/** Detection rule: the correlation rules that reference it, as rule indexes. */
SIGMA_API uint32_t SIGMA_CALL sigma_ruleset_rule_referrer_count(const sigma_ruleset *rs,
                                                                uint32_t rule);
SIGMA_API uint32_t SIGMA_CALL sigma_ruleset_rule_referrer(const sigma_ruleset *rs, uint32_t rule,
                                                          uint32_t i);

/* ---- explain */

typedef struct sigma_explain sigma_explain;

/** Evaluates `rule` against `ev` and records why it did or did not match: every
 *  stage's result and every predicate's, with the event value that satisfied each
 *  predicate that held. Field names are resolved like sigma_match does (the
 *  mapping's renames for an event it recognises); the logsource itself is not
 *  checked. Allocates; not for the hot path. Caller frees with sigma_explain_free.
 *  `flags` must be 0. Returns SIGMA_OK, SIGMA_E_INVALID_ARG or SIGMA_E_NOMEM. */
SIGMA_API int SIGMA_CALL sigma_explain_new(const sigma_ruleset *rs, uint32_t rule,
                                           const sigma_event *ev, uint32_t flags,
                                           sigma_explain **out);
SIGMA_API void SIGMA_CALL sigma_explain_free(sigma_explain *x);
/** 1 when the rule's program (with its filters) matched the event, 0 when not. */
SIGMA_API int SIGMA_CALL sigma_explain_result(const sigma_explain *x);
/** Result of stage `stage` (numbered as sigma_ruleset_rule_stage): 1 true, 0 false,
 *  SIGMA_E_INVALID_ARG out of range. Stage 0 is the rule's condition alone; a filter's
 *  condition stage is the filter's condition (true = the filter lets the event through). */
SIGMA_API int SIGMA_CALL sigma_explain_stage(const sigma_explain *x, uint32_t stage);
/** Result of predicate `pred` of a selection stage: 1 held (with `neq`: after negation),
 *  0 did not, SIGMA_E_INVALID_ARG out of range. */
SIGMA_API int SIGMA_CALL sigma_explain_predicate(const sigma_explain *x, uint32_t stage,
                                                 uint32_t pred);
/** For a predicate that held: the index of the first rule value that matched
 *  (UINT32_MAX when none applies: exists, null, negated, or it did not hold). */
SIGMA_API uint32_t SIGMA_CALL sigma_explain_predicate_value(const sigma_explain *x, uint32_t stage,
                                                            uint32_t pred);
/** For a predicate that held on a value: the event value that satisfied it, as text
 *  (numbers in decimal, booleans "true"/"false"; for a keyword found in the raw
 *  message, the message). NULL otherwise. Owned by the explain object. */
SIGMA_API const char *SIGMA_CALL sigma_explain_event_value(const sigma_explain *x, uint32_t stage,
                                                           uint32_t pred, size_t *len_out);

/* -------------------------------------------------------------- correlation */
/* The streaming correlator (sigma-semantics.md §6). */

/*
 * A sigma_correlator evaluates the correlation rules of a ruleset over a stream of
 * events (docs/correlation.md). The caller matches each event with sigma_match and
 * hands the event, its time and the matched rule indexes to sigma_correlator_feed,
 * in timestamp order. Correlation matches are reported through a callback.
 *
 * Time unit: int64_t milliseconds since the Unix epoch (any monotonic origin works;
 * only differences matter). A correlation's window is sliding and spans
 * `timespan`: events e1..en belong to one window when t_n - t_1 <= timespan.
 * gt/gte conditions fire as soon as they hold (then the group restarts empty);
 * lt/lte/eq/neq conditions and negated atoms of a temporal boolean condition are
 * decided when the window opened by the group's first event closes (the stream time
 * passes first + timespan), by a later feed, sigma_correlator_advance or _flush.
 *
 * Group-by: the key is the tuple of the group-by fields' values (an alias reads,
 * per event, the field named for the rule that matched it). An event that lacks one
 * of the group-by fields (or has it empty or null) is ignored by that correlation.
 * A multi-valued field uses its first value. Values compare exactly (case-sensitive).
 *
 * Memory: state is per correlator; the ruleset stays immutable and may be shared by
 * any number of correlators. A correlator belongs to one thread at a time; use one
 * per event stream (per thread). Memory is bounded by the options below.
 */
typedef struct sigma_correlator sigma_correlator;
/** One correlation match, valid only during the callback; read with the getters. */
typedef struct sigma_correlation_match sigma_correlation_match;

/** Sentinel for the uint32 limits of sigma_correlator_options: no limit. */
#define SIGMA_CORRELATOR_UNLIMITED UINT32_MAX

/** Options of a correlator. Set `size = sizeof(sigma_correlator_options)`; a zero
 *  field takes the default. */
typedef struct sigma_correlator_options {
    size_t size;
    /* Live groups per correlation (default 100000). When a new group key arrives at
     * the limit, the least recently updated group of that correlation is evicted
     * (counted in groups_evicted; an evicted group never fires). */
    uint32_t max_groups;
    /* Events kept per group (default 10000). Above it the oldest event of the group
     * is dropped (counted in events_dropped); the group's figures then cover only
     * the kept events. */
    uint32_t max_events_per_group;
    /* Event refs reported per match (default 64); the total is always reported. */
    uint32_t max_event_refs;
    uint32_t reserved0;
    /* A group not updated for this long is dropped even if its window is longer
     * (counted in groups_expired). Default 0 = only when its window is over. */
    int64_t idle_expiry_ms;
    /* Out-of-order tolerance (default 0): an event up to this much older than the
     * newest time seen is still accepted (inserted at its place in time); windows
     * close only when newest time - tolerance passes their end. Older events are
     * dropped and counted in events_late. */
    int64_t out_of_order_ms;
} sigma_correlator_options;

/** Creates a correlator for the correlation rules of `rs` (which it references
 *  until freed). `opts` may be NULL for the defaults. A ruleset without correlation
 *  rules gives a correlator that never fires. SIGMA_E_SIZE when opts->size is too
 *  small, SIGMA_E_INVALID_ARG for negative times. */
SIGMA_API int SIGMA_CALL sigma_correlator_new(const sigma_ruleset *rs,
                                              const sigma_correlator_options *opts,
                                              sigma_correlator **out);
SIGMA_API void SIGMA_CALL sigma_correlator_free(sigma_correlator *c);

/** Called once per correlation match. Return 0 to go on, non-zero to stop (the
 *  feeding call then returns SIGMA_E_TERMINATED; the state stays consistent). */
typedef int(SIGMA_CALL *sigma_correlation_fn)(const sigma_correlation_match *m, void *user_data);

/** Feeds one event at `time_ms` with the rule indexes sigma_match found for it
 *  (`matched_rules[0..n)`, any order; rules no correlation references are ignored).
 *  `ev` supplies the group-by and `field` values (it is not retained; it may be NULL
 *  when no correlation needs fields). `event_ref` is the caller's id for the event
 *  (a line number, an offset), reported back in matches. Windows that `time_ms`
 *  closes are decided first. Chained correlations (correlations over correlations)
 *  are fed internally with each firing. After a callback asked to stop, the call
 *  completes its state updates without calling it again (those matches are not
 *  reported). Returns SIGMA_OK, SIGMA_E_TERMINATED, SIGMA_E_NOMEM or
 *  SIGMA_E_INVALID_ARG (a rule index out of range). A late event (older than the
 *  tolerance) is not an error: it is counted and skipped. */
SIGMA_API int SIGMA_CALL sigma_correlator_feed(sigma_correlator *c, const sigma_event *ev,
                                               int64_t time_ms, uint64_t event_ref,
                                               const uint32_t *matched_rules, size_t n,
                                               sigma_correlation_fn on_match, void *user_data);
/** Moves stream time to `time_ms` without an event (e.g. on a timer): decides and
 *  drops every window that ends before it. Earlier times than the current are a no-op. */
SIGMA_API int SIGMA_CALL sigma_correlator_advance(sigma_correlator *c, int64_t time_ms,
                                                  sigma_correlation_fn on_match, void *user_data);
/** End of stream: decides every open window as if time had run past it, then
 *  empties the state (the correlator can be fed again). */
SIGMA_API int SIGMA_CALL sigma_correlator_flush(sigma_correlator *c, sigma_correlation_fn on_match,
                                                void *user_data);

/** Rule index of the correlation rule that matched. */
SIGMA_API uint32_t SIGMA_CALL sigma_correlation_match_rule(const sigma_correlation_match *m);
/** Number of group-by fields (0 without group-by). */
SIGMA_API uint32_t SIGMA_CALL sigma_correlation_match_group_count(const sigma_correlation_match *m);
/** Name of group-by field i (an alias name for an alias), or NULL when out of range. */
SIGMA_API const char *SIGMA_CALL
sigma_correlation_match_group_field(const sigma_correlation_match *m, uint32_t i);
/** Value of group-by field i as text (numbers as the event gave them, booleans
 *  "true"/"false"); *len_out (may be NULL) gets its length. NULL when out of range. */
SIGMA_API const char *SIGMA_CALL
sigma_correlation_match_group_value(const sigma_correlation_match *m, uint32_t i, size_t *len_out);
/** The figure that met the condition: event count (event_count), distinct values
 *  (value_count), distinct referenced rules seen (temporal, temporal_ordered), sum,
 *  average, percentile or median of the field values (value_*). */
SIGMA_API double SIGMA_CALL sigma_correlation_match_value(const sigma_correlation_match *m);
/** Time of the first and last event of the window (ms). */
SIGMA_API int64_t SIGMA_CALL sigma_correlation_match_first_time(const sigma_correlation_match *m);
SIGMA_API int64_t SIGMA_CALL sigma_correlation_match_last_time(const sigma_correlation_match *m);
/** Number of contributing events (all of them, even beyond the reported refs). */
SIGMA_API uint64_t SIGMA_CALL sigma_correlation_match_event_total(const sigma_correlation_match *m);
/** Number of event refs reported (<= max_event_refs; the earliest ones). */
SIGMA_API uint32_t SIGMA_CALL
sigma_correlation_match_event_ref_count(const sigma_correlation_match *m);
/** Event ref i (as passed to sigma_correlator_feed; a chained correlation reports
 *  the refs of the inner matches' events), or UINT64_MAX when out of range. */
SIGMA_API uint64_t SIGMA_CALL sigma_correlation_match_event_ref(const sigma_correlation_match *m,
                                                                uint32_t i);

/** Counters of a correlator (set `size` first). */
typedef struct sigma_correlator_stats {
    size_t size;
    uint64_t events;         /* feed calls accepted */
    uint64_t events_late;    /* feed calls older than the out-of-order tolerance */
    uint64_t events_dropped; /* events removed from a full group (max_events_per_group) */
    uint64_t groups_live;    /* groups holding state now, over all correlations */
    uint64_t groups_created;
    uint64_t groups_evicted; /* removed by the max_groups limit */
    uint64_t groups_expired; /* removed by idle_expiry_ms */
    uint64_t groups_closed;  /* removed because their window was over */
    uint64_t matches;        /* correlation matches reported (chained ones included) */
    uint64_t bytes_in_use;   /* heap held by the correlator's state now */
    uint64_t bytes_peak;     /* highest bytes_in_use so far */
} sigma_correlator_stats;
SIGMA_API int SIGMA_CALL sigma_correlator_get_stats(const sigma_correlator *c,
                                                    sigma_correlator_stats *stats);

/** Whether matches of `rule` should be raised as alerts on their own: 0 for a rule
 *  that some correlation references without `generate: true` (sigma_match still
 *  reports it, because the correlator needs it), 1 otherwise (correlation rules
 *  included, unless a chaining correlation references them). -1 when out of range. */
SIGMA_API int SIGMA_CALL sigma_ruleset_rule_alerts(const sigma_ruleset *rs, uint32_t rule);
/** Number of correlation rules in `rs` the correlator evaluates. */
SIGMA_API uint32_t SIGMA_CALL sigma_ruleset_correlation_count(const sigma_ruleset *rs);
/** Type of correlation rule `rule` ("event_count", "value_count", "temporal",
 *  "temporal_ordered", "value_sum", "value_avg", "value_percentile",
 *  "value_median"); NULL for a detection rule or an index out of range. Static. */
SIGMA_API const char *SIGMA_CALL sigma_ruleset_correlation_type(const sigma_ruleset *rs,
                                                                uint32_t rule);

#ifdef __cplusplus
}
#endif

#endif /* SIGMA_SIGMA_H */
