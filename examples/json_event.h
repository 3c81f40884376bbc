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

/* Adds every field of `obj` (a JSON object) to `ev` (not cleared first).
 * Returns SIGMA_OK or a negative SIGMA_E_* status. */
int json_event_fill(sigma_event *ev, const json_t *obj);

/* Parses one JSON line (NUL bytes inside strings allowed). Integers beyond int64,
 * which jansson refuses and EVTX converters write (UInt64 18446744073709551615), are
 * read as strings of the same digits. NULL on malformed input, with *err (may be
 * NULL) describing it. The caller json_decref()s the result. */
json_t *json_event_load_line(const char *line, size_t len, json_error_t *err);

#endif
