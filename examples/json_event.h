/* Turning one JSON object into a sigma_event (used by sigma-scan, the benchmarks and
 * the conformance runner; not part of the library, which has no JSON dependency).
 *
 * Mapping: nested objects become dotted names ("a": {"b": 1} -> "a.b"); arrays
 * become multi-valued fields (each element added to the same name; objects inside
 * arrays fan out to dotted names); an empty array -> sigma_event_add_empty; JSON
 * types are kept (string, integer, real, true/false, null). */
#ifndef SIGMA_EXAMPLES_JSON_EVENT_H
#define SIGMA_EXAMPLES_JSON_EVENT_H

#include <jansson.h>
#include <sigma/sigma.h>

#include <stddef.h>
#include <stdint.h>

/* Receives the fields of one event, in document order, with their dotted names (the
 * name is only valid during the call). Each returns SIGMA_OK or a negative SIGMA_E_*
 * status, which stops the walk. json_event_sigma_sink adds them to a sigma_event
 * (ctx); the JSON-lines parser of json_fast.h produces the same calls. */
typedef struct json_event_sink {
    int (*str)(void *ctx, const char *name, size_t name_len, const char *s, size_t n);
    int (*integer)(void *ctx, const char *name, size_t name_len, int64_t v);
    int (*real)(void *ctx, const char *name, size_t name_len, double v);
    int (*boolean)(void *ctx, const char *name, size_t name_len, int v);
    int (*null)(void *ctx, const char *name, size_t name_len);
    int (*empty)(void *ctx, const char *name, size_t name_len); /* an empty array */
} json_event_sink;

extern const json_event_sink json_event_sigma_sink;

/* Calls `sink` for every field of `obj` (a JSON object), as described above.
 * Returns SIGMA_OK, SIGMA_E_INVALID_ARG or the first error a sink call returned. */
int json_event_walk(const json_t *obj, const json_event_sink *sink, void *ctx);

/* Adds every field of `obj` (a JSON object) to `ev` (not cleared first).
 * Returns SIGMA_OK or a negative SIGMA_E_* status. */
int json_event_fill(sigma_event *ev, const json_t *obj);

/* Parses one JSON line (NUL bytes inside strings allowed). Integers beyond int64,
 * which jansson refuses and EVTX converters write (UInt64 18446744073709551615), are
 * read as strings of the same digits. NULL on malformed input, with *err (may be
 * NULL) describing it. The caller json_decref()s the result. */
json_t *json_event_load_line(const char *line, size_t len, json_error_t *err);

/* The JSON type of j as a word for messages ("object", "number", "boolean", ...). */
const char *json_event_type_name(const json_t *j);

#endif
