/* Event timestamps for sigma-scan's correlations: text and numbers -> microseconds
 * since the Unix epoch (UTC), and back to ISO 8601 text.
 *
 * Text (ISO 8601 / RFC 3339 profiles that logs use):
 *   YYYY-MM-DD                      midnight UTC
 *   YYYY-MM-DD(T|t| )hh:mm[:ss[(.|,)fraction]][zone]
 *   zone: Z, z, +hh:mm, -hh:mm, +hhmm, +hh; no zone means UTC
 * The fraction may have any number of digits (digits past microseconds are
 * truncated); a leap second (:60) is accepted and counts as the next second.
 * Leading and trailing white space is ignored; anything else is an error.
 *
 * Numbers (JSON numbers, or strings that are a plain decimal number with an optional
 * fraction and sign) are epoch times whose unit is decided by magnitude:
 *   |v| <  1e11  seconds       (1e11 s is the year 5138)
 *   |v| <  1e14  milliseconds  (1e11 ms is 1973-03-03, 1e14 ms is the year 5138)
 *   |v| <  1e17  microseconds
 *   otherwise    nanoseconds
 * so seconds and milliseconds of any date between 1973 and 5138 are told apart.
 */
#ifndef SIGMA_EXAMPLES_TIMESTAMP_H
#define SIGMA_EXAMPLES_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

/* Microseconds since 1970-01-01T00:00:00Z. */
typedef int64_t ts_micros;

/* Parses ISO text or a numeric string. 0 on success, -1 when `s` is not a timestamp
 * (or is outside years 0001..9999). */
int ts_parse_text(const char *s, size_t n, ts_micros *out);

/* An epoch number (unit by magnitude, see above). -1 for NaN, infinities or values
 * outside years 0001..9999. */
int ts_from_double(double v, ts_micros *out);
int ts_from_int(int64_t v, ts_micros *out);

/* Writes "YYYY-MM-DDThh:mm:ss[.fff|.ffffff]Z" (milliseconds when the time has no
 * finer part, no fraction for whole seconds) and returns its length. */
#define TS_FORMAT_CAP 40
size_t ts_format(ts_micros t, char buf[TS_FORMAT_CAP]);

#endif
