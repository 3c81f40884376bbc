/* Time-part modifiers (sigma-semantics.md §4.2): a strict ISO 8601 / RFC 3339
 * timestamp parser returning wall-clock fields as written. */
#include "match/timepart.h"

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads exactly n digits at s[*i]; advances *i. */
static int digits(const char *s, size_t len, size_t *i, int n, int *out)
{
    int v = 0;
    if (len - *i < (size_t)n)
        return 0;
    for (int k = 0; k < n; k++) {
        char c = s[*i + (size_t)k];
        if (!is_digit(c))
            return 0;
        v = v * 10 + (c - '0');
    }
    *i += (size_t)n;
    *out = v;
    return 1;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* ISO weekday, Monday = 1 .. Sunday = 7. 1970-01-01 was a Thursday. */
static int iso_weekday(int64_t y, int m, int d)
{
    int64_t r = (days_from_civil(y, m, d) + 3) % 7;
    if (r < 0)
        r += 7;
    return (int)r + 1;
}

/* 53 if the year's 1 January is a Thursday, or a Wednesday in a leap year. */
static int iso_weeks_in_year(int64_t y)
{
    int jan1 = iso_weekday(y, 1, 1);
    return jan1 == 4 || (jan1 == 3 && is_leap(y)) ? 53 : 52;
}

static int iso_week(int64_t y, int m, int d)
{
    int64_t ordinal = days_from_civil(y, m, d) - days_from_civil(y, 1, 1) + 1;
    int64_t w = (ordinal - iso_weekday(y, m, d) + 10) / 7;
    if (w < 1)
        return iso_weeks_in_year(y - 1);
    if (w > iso_weeks_in_year(y))
        return 1;
    return (int)w;
}

int sg_time_part(const char *s, size_t len, sg_timepart part, int64_t *out)
{
    if (!s || !out)
        return 0;
    size_t i = 0;
    int y, mo, d, h = -1, mi = -1, sec;

    /* date: YYYY-MM-DD */
    if (!digits(s, len, &i, 4, &y) || i >= len || s[i++] != '-' || !digits(s, len, &i, 2, &mo) ||
        i >= len || s[i++] != '-' || !digits(s, len, &i, 2, &d))
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return 0;

    if (i < len) {
        /* time: HH:MM[:SS[.frac]] after 'T' (RFC 3339 also allows 't') or ' ' */
        char sep = s[i++];
        if (sep != 'T' && sep != 't' && sep != ' ')
            return 0;
        if (!digits(s, len, &i, 2, &h) || i >= len || s[i++] != ':' || !digits(s, len, &i, 2, &mi))
            return 0;
        if (h > 23 || mi > 59)
            return 0;
        if (i < len && s[i] == ':') {
            i++;
            if (!digits(s, len, &i, 2, &sec) || sec > 60)
                return 0;
            if (i < len && (s[i] == '.' || s[i] == ',')) { /* ISO 8601 allows either mark */
                i++;
                size_t start = i;
                while (i < len && is_digit(s[i]))
                    i++;
                if (i == start)
                    return 0;
            }
        }
        /* zone: Z | +HH:MM | +HHMM | +HH (or '-') */
        if (i < len) {
            char z = s[i++];
            if (z == 'Z' || z == 'z') {
                /* nothing follows */
            } else if (z == '+' || z == '-') {
                int oh, om = 0;
                if (!digits(s, len, &i, 2, &oh))
                    return 0;
                if (i < len) {
                    if (s[i] == ':')
                        i++;
                    if (!digits(s, len, &i, 2, &om))
                        return 0;
                }
                if (oh > 23 || om > 59)
                    return 0;
            } else {
                return 0;
            }
        }
        if (i != len)
            return 0;
    }

    switch (part) {
    case SG_TP_MINUTE:
        if (mi < 0)
            return 0;
        *out = mi;
        return 1;
    case SG_TP_HOUR:
        if (h < 0)
            return 0;
        *out = h;
        return 1;
    case SG_TP_DAY:
        *out = d;
        return 1;
    case SG_TP_WEEK:
        *out = iso_week(y, mo, d);
        return 1;
    case SG_TP_MONTH:
        *out = mo;
        return 1;
    case SG_TP_YEAR:
        *out = y;
        return 1;
    }
    return 0;
}
