/* Event timestamps: ISO 8601 text and epoch numbers <-> microseconds (timestamp.h). */
#include "timestamp.h"

#include <math.h>
#include <stdio.h>

#define MICROS_PER_SEC INT64_C(1000000)
#define MICROS_PER_DAY (INT64_C(86400) * MICROS_PER_SEC)

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (Howard
 * Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Years 0001..9999: what ISO text can say in four digits, and what ts_format writes. */
static int64_t min_micros(void)
{
    return days_from_civil(1, 1, 1) * MICROS_PER_DAY;
}

static int64_t max_micros(void)
{
    return days_from_civil(10000, 1, 1) * MICROS_PER_DAY - 1;
}

static int in_range(int64_t t)
{
    return t >= min_micros() && t <= max_micros();
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Reads exactly `count` digits at s[*i]. */
static int digits(const char *s, size_t n, size_t *i, int count, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < count; k++) {
        if (*i >= n || !is_digit(s[*i]))
            return -1;
        v = v * 10 + (unsigned)(s[*i] - '0');
        (*i)++;
    }
    *out = v;
    return 0;
}

static int leap_year(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

static int parse_iso(const char *s, size_t n, ts_micros *out)
{
    size_t i = 0;
    unsigned year, month, day, hour = 0, minute = 0, second = 0;
    int64_t micros = 0;
    if (digits(s, n, &i, 4, &year) || i >= n || s[i++] != '-' || digits(s, n, &i, 2, &month) ||
        i >= n || s[i++] != '-' || digits(s, n, &i, 2, &day))
        return -1;
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
        return -1;
    int64_t offset_sec = 0;
    if (i < n) {
        if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
            return -1;
        i++;
        if (digits(s, n, &i, 2, &hour) || i >= n || s[i++] != ':' || digits(s, n, &i, 2, &minute))
            return -1;
        if (i < n && s[i] == ':') {
            i++;
            if (digits(s, n, &i, 2, &second))
                return -1;
            if (i < n && (s[i] == '.' || s[i] == ',')) {
                i++;
                size_t start = i;
                int64_t scale = 100000;
                while (i < n && is_digit(s[i])) {
                    micros += (s[i] - '0') * scale;
                    scale /= 10;
                    i++;
                }
                if (i == start)
                    return -1;
            }
        }
        if (hour > 23 || minute > 59 || second > 60)
            return -1;
        if (i < n) {
            if (s[i] == 'Z' || s[i] == 'z') {
                i++;
            } else if (s[i] == '+' || s[i] == '-') {
                int sign = s[i++] == '-' ? -1 : 1;
                unsigned oh, om = 0;
                if (digits(s, n, &i, 2, &oh))
                    return -1;
                if (i < n && s[i] == ':') {
                    i++;
                    if (digits(s, n, &i, 2, &om))
                        return -1;
                } else if (i < n && digits(s, n, &i, 2, &om)) {
                    return -1;
                }
                if (oh > 23 || om > 59)
                    return -1;
                offset_sec = sign * (int64_t)(oh * 3600 + om * 60);
            } else {
                return -1;
            }
        }
    }
    if (i != n)
        return -1;
    int64_t secs = days_from_civil(year, month, day) * 86400 + (int64_t)hour * 3600 +
                   (int64_t)minute * 60 + (int64_t)second - offset_sec;
    int64_t t = secs * MICROS_PER_SEC + micros;
    if (!in_range(t))
        return -1;
    *out = t;
    return 0;
}

/* A plain decimal number: [-]digits[.digits], unit by the magnitude of the
 * integer part (timestamp.h). Integer arithmetic keeps every digit exact. */
static int parse_number(const char *s, size_t n, ts_micros *out)
{
    size_t i = 0;
    int negative = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        negative = s[i++] == '-';
    size_t start = i;
    uint64_t whole = 0;
    while (i < n && is_digit(s[i])) {
        if (whole > (UINT64_MAX - 9) / 10)
            return -1;
        whole = whole * 10 + (uint64_t)(s[i] - '0');
        i++;
    }
    if (i == start)
        return -1;
    const char *frac = NULL;
    size_t frac_len = 0;
    if (i < n && s[i] == '.') {
        frac = s + ++i;
        while (i < n && is_digit(s[i]))
            i++;
        frac_len = (size_t)(s + i - frac);
        if (frac_len == 0)
            return -1;
    }
    if (i != n)
        return -1;
    uint64_t scale, frac_digits;
    if (whole < UINT64_C(100000000000)) {
        scale = 1000000; /* seconds */
        frac_digits = 6;
    } else if (whole < UINT64_C(100000000000000)) {
        scale = 1000; /* milliseconds */
        frac_digits = 3;
    } else if (whole < UINT64_C(100000000000000000)) {
        scale = 1; /* microseconds */
        frac_digits = 0;
    } else {
        whole /= 1000; /* nanoseconds */
        scale = 1;
        frac_digits = 0;
    }
    if (whole > (uint64_t)INT64_MAX / scale)
        return -1;
    uint64_t v = whole * scale;
    uint64_t unit = scale;
    for (uint64_t k = 0; k < frac_digits; k++) {
        unit /= 10;
        if (k < frac_len)
            v += (uint64_t)(frac[k] - '0') * unit;
    }
    if (v > (uint64_t)INT64_MAX)
        return -1;
    int64_t t = negative ? -(int64_t)v : (int64_t)v;
    if (!in_range(t))
        return -1;
    *out = t;
    return 0;
}

int ts_parse_text(const char *s, size_t n, ts_micros *out)
{
    while (n > 0 && is_space(s[0])) {
        s++;
        n--;
    }
    while (n > 0 && is_space(s[n - 1]))
        n--;
    if (n == 0)
        return -1;
    /* ISO text starts with a four-digit year and a dash; anything else may be a number. */
    if (n >= 5 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
        s[4] == '-')
        return parse_iso(s, n, out);
    return parse_number(s, n, out);
}

int ts_from_int(int64_t v, ts_micros *out)
{
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int64_t t;
    if (mag < UINT64_C(100000000000))
        t = v * 1000000;
    else if (mag < UINT64_C(100000000000000))
        t = v * 1000;
    else if (mag < UINT64_C(100000000000000000))
        t = v;
    else
        t = v / 1000;
    if (!in_range(t))
        return -1;
    *out = t;
    return 0;
}

int ts_from_double(double v, ts_micros *out)
{
    if (!isfinite(v))
        return -1;
    double mag = fabs(v);
    double scaled;
    if (mag < 1e11)
        scaled = v * 1e6;
    else if (mag < 1e14)
        scaled = v * 1e3;
    else if (mag < 1e17)
        scaled = v;
    else
        scaled = v / 1e3;
    /* Nearest microsecond: 1700000000.123 is 1700000000.12299990654 as a double. */
    scaled = round(scaled);
    if (!(scaled >= (double)min_micros() && scaled <= (double)max_micros()))
        return -1;
    *out = (int64_t)scaled;
    return 0;
}

size_t ts_format(ts_micros t, char buf[TS_FORMAT_CAP])
{
    int64_t days = t / MICROS_PER_DAY;
    int64_t rem = t % MICROS_PER_DAY;
    if (rem < 0) {
        rem += MICROS_PER_DAY;
        days--;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int64_t secs = rem / MICROS_PER_SEC;
    int64_t frac = rem % MICROS_PER_SEC;
    int len;
    unsigned hh = (unsigned)(secs / 3600), mm = (unsigned)(secs / 60 % 60),
             ss = (unsigned)(secs % 60);
    if (frac == 0)
        len = snprintf(buf, TS_FORMAT_CAP, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
                       hh, mm, ss);
    else if (frac % 1000 == 0)
        len = snprintf(buf, TS_FORMAT_CAP, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, m,
                       d, hh, mm, ss, (unsigned)(frac / 1000));
    else
        len = snprintf(buf, TS_FORMAT_CAP, "%04lld-%02u-%02uT%02u:%02u:%02u.%06uZ", (long long)y, m,
                       d, hh, mm, ss, (unsigned)frac);
    return len > 0 ? (size_t)len : 0;
}
