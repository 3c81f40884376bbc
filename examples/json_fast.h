/* json_fast - a small, strict JSON-lines parser that turns one line holding a JSON
 * object straight into sink calls (json_event.h), without building a jansson tree and
 * without allocating per line once its buffers have grown.
 *
 * It produces exactly the calls json_event_walk() makes for the same line parsed by
 * json_event_load_line(): the same dotted names, types, values and order (nested
 * objects, arrays, empty arrays, escapes, \u surrogate pairs, \u0000, integers beyond
 * int64 as strings of their digits). Whatever it does not handle the same way it
 * declines with JSON_FAST_FALLBACK, and the caller parses the line with jansson
 * instead: every malformed line (so the diagnostic is jansson's, as before), duplicate
 * keys in one object (jansson keeps the first position and the last value), keys
 * containing NUL, nesting deeper than JSON_FAST_MAX_DEPTH, very long real numbers and
 * real overflow, and a top-level "Event" object when JSON_FAST_DECLINE_EVENT is set
 * (a nested Windows event, converted by windows_event.c). */
#ifndef SIGMA_EXAMPLES_JSON_FAST_H
#define SIGMA_EXAMPLES_JSON_FAST_H

#include <stddef.h>

#include "json_event.h"

#define JSON_FAST_FALLBACK 1 /* not handled here: parse the line with jansson */
#define JSON_FAST_MAX_DEPTH 64

enum json_fast_flags {
    JSON_FAST_DECLINE_EVENT = 1u << 0 /* decline objects with an "Event" object member */
};

typedef struct json_fast json_fast;

/* NULL when out of memory. */
json_fast *json_fast_new(void);
void json_fast_free(json_fast *p);

/* Parses `line` (`len` bytes, no NUL terminator needed) and calls `sink` for each
 * field. Returns SIGMA_OK, JSON_FAST_FALLBACK (the sink may have received some of the
 * fields already: discard them) or the negative SIGMA_E_* status a sink call or an
 * allocation failed with. */
int json_fast_parse(json_fast *p, const char *line, size_t len, unsigned flags,
                    const json_event_sink *sink, void *ctx);

#define JSON_FAST_MALFORMED 2 /* json_fast_fill_event: the line is not a JSON object */

/* One JSON line to `ev` (cleared first) the way sigma-scan reads flat events: the fast
 * parser, else jansson (json_event_load_line + json_event_fill), so the event is the
 * same either way. Returns SIGMA_OK, JSON_FAST_MALFORMED (err, may be NULL, says why:
 * jansson's message or "expected an object, got ...") or a negative SIGMA_E_* status
 * from building the event. */
int json_fast_fill_event(json_fast *p, sigma_event *ev, const char *line, size_t len,
                         json_error_t *err);

/* After SIGMA_OK: the string value of the top-level "Channel" member (NULL when there
 * is none or it is not a string), NUL-terminated, valid until the next parse. */
const char *json_fast_channel(const json_fast *p, size_t *len);

#endif
