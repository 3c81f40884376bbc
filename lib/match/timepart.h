/* Time-part modifiers (minute, hour, day, week, month, year): extract a field of an
 * ISO 8601 / RFC 3339 timestamp written in the event value. */
#ifndef SG_MATCH_TIMEPART_H
#define SG_MATCH_TIMEPART_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SG_TP_MINUTE = 1, /* 0-59 */
    SG_TP_HOUR,       /* 0-23 */
    SG_TP_DAY,        /* day of month 1-31 */
    SG_TP_WEEK,       /* ISO 8601 week number 1-53 */
    SG_TP_MONTH,      /* 1-12 */
    SG_TP_YEAR
} sg_timepart;

/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.frac]][Z|+HH:MM|-HH:MM|+HHMM]" with
 * 'T' or ' ' as separator, and returns the requested part as written (wall clock,
 * no time-zone conversion). Parts that need a time (minute, hour) fail on a bare
 * date. Validates ranges (month 1-12, day within the month incl. leap years, hour
 * 0-23, minute 0-59, second 0-60). Returns 1 and *out, or 0 if unparsable. */
int sg_time_part(const char *s, size_t len, sg_timepart part, int64_t *out);

#endif
