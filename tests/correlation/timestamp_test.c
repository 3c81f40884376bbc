/* sigma-scan's timestamp parser (examples/timestamp.c): ISO 8601 / RFC 3339 text,
 * epoch numbers by magnitude, numeric strings, rejects, and the ISO output form. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "timestamp.h"

/* 2024-03-05T06:07:08Z */
#define T0 INT64_C(1709618828000000)

static void check_text(const char *text, int64_t want, int line)
{
    ts_micros got = 0;
    int rc = ts_parse_text(text, strlen(text), &got);
    CHECK_MSG(rc == 0 && got == want, "line %d: '%s' -> rc %d, %lld (want %lld)", line, text, rc,
              (long long)got, (long long)want);
}

static void check_bad(const char *text, int line)
{
    ts_micros got = 0;
    int rc = ts_parse_text(text, strlen(text), &got);
    CHECK_MSG(rc != 0, "line %d: '%s' should be rejected, got %lld", line, text, (long long)got);
}

static void check_format(int64_t t, const char *want, int line)
{
    char buf[TS_FORMAT_CAP];
    size_t n = ts_format(t, buf);
    CHECK_MSG(n == strlen(want) && strcmp(buf, want) == 0, "line %d: %lld -> '%s' (want '%s')",
              line, (long long)t, buf, want);
}

#define TEXT(s, v) check_text((s), (v), __LINE__)
#define BAD(s) check_bad((s), __LINE__)
#define FMT(t, s) check_format((t), (s), __LINE__)

static void iso_forms(void)
{
    TEXT("2024-03-05T06:07:08Z", T0);
    TEXT("2024-03-05t06:07:08z", T0);
    TEXT("2024-03-05 06:07:08", T0);     /* no zone: UTC */
    TEXT("2024-03-05T06:07:08", T0);     /* no zone: UTC */
    TEXT(" 2024-03-05T06:07:08Z\n", T0); /* white space around */
    TEXT("2024-03-05T06:07Z", T0 - 8000000);
    TEXT("2024-03-05", T0 - (6 * 3600 + 7 * 60 + 8) * INT64_C(1000000));
    /* Fractions: any number of digits, truncated to microseconds. */
    TEXT("2024-03-05T06:07:08.5Z", T0 + 500000);
    TEXT("2024-03-05T06:07:08,25Z", T0 + 250000);
    TEXT("2024-03-05T06:07:08.123Z", T0 + 123000);
    TEXT("2024-03-05T06:07:08.123456Z", T0 + 123456);
    TEXT("2024-03-05T06:07:08.1234567Z", T0 + 123456); /* FILETIME, 7 digits */
    TEXT("2024-03-05T06:07:08.123456789Z", T0 + 123456);
    /* Offsets: local time minus offset is UTC. */
    TEXT("2024-03-05T08:07:08+02:00", T0);
    TEXT("2024-03-05T08:07:08+0200", T0);
    TEXT("2024-03-05T08:07:08+02", T0);
    TEXT("2024-03-05T00:37:08-05:30", T0);
    TEXT("2024-03-05T06:07:08.250-00:00", T0 + 250000);
    TEXT("2024-03-05T11:37:08.5+05:30", T0 + 500000);
    /* Across a day, a leap day, a year boundary. */
    TEXT("2024-03-04T23:30:00-07:00", T0 + (30 * 60 - 7 * 60 - 8) * INT64_C(1000000));
    TEXT("2024-02-29T00:00:00Z", INT64_C(1709164800000000));
    TEXT("1970-01-01T00:00:00Z", 0);
    TEXT("1969-12-31T23:59:59.5Z", -500000);
    TEXT("2000-01-01T00:00:00Z", INT64_C(946684800000000));
    TEXT("2016-12-31T23:59:60Z", INT64_C(1483228800000000)); /* leap second: next second */
    /* Shapes of the corpus: Sysmon UtcTime, TimeCreated_SystemTime. */
    TEXT("2020-10-22 03:28:09.370", INT64_C(1603337289370000));
    TEXT("2020-10-18T05:15:14.796000Z", INT64_C(1602998114796000));
}

static void iso_rejects(void)
{
    BAD("");
    BAD("   ");
    BAD("2024-03");
    BAD("2024-3-05T06:07:08Z");
    BAD("2024-13-05T06:07:08Z");
    BAD("2024-00-05T06:07:08Z");
    BAD("2023-02-29T00:00:00Z"); /* not a leap year */
    BAD("2024-04-31T00:00:00Z");
    BAD("2024-03-05T24:00:00Z");
    BAD("2024-03-05T06:60:00Z");
    BAD("2024-03-05T06:07:61Z");
    BAD("2024-03-05T06:07:08.Z");
    BAD("2024-03-05T06:07:08ZZ");
    BAD("2024-03-05T06:07:08+2:00");
    BAD("2024-03-05T06:07:08+24:00");
    BAD("2024-03-05T06:07:08+02:60");
    BAD("2024-03-05T06:07:08 UTC");
    BAD("2024-03-05X06:07:08Z");
    BAD("2024-03-05T06");
    BAD("0000-01-01T00:00:00Z");
    BAD("6/9/2020 5:53:46 AM");
    BAD("yesterday");
}

static void numeric_strings(void)
{
    /* Seconds below 1e11, milliseconds below 1e14, microseconds below 1e17. */
    TEXT("1709618828", T0);
    TEXT("1709618828.5", T0 + 500000);
    TEXT("1709618828.1234567", T0 + 123456);
    TEXT("1709618828123", T0 + 123000);
    TEXT("1709618828123.9", T0 + 123900);
    TEXT("1709618828123456", T0 + 123456);
    TEXT("1709618828123456789", T0 + 123456);
    TEXT("0", 0);
    TEXT("2024", INT64_C(2024000000));               /* a bare year is a number: epoch seconds */
    TEXT("99999999999", INT64_C(99999999999000000)); /* the largest seconds value */
    TEXT("100000000000", INT64_C(100000000000000));  /* the smallest milliseconds value */
    TEXT("-86400", -INT64_C(86400000000));
    TEXT("+60", INT64_C(60000000));
    BAD("1709618828.");
    BAD("17096x");
    BAD("-");
    BAD("1.5e9");
    BAD("99999999999999999999999"); /* overflows */
}

static void numbers(void)
{
    ts_micros t = 0;
    CHECK(ts_from_int(1709618828, &t) == 0 && t == T0);
    CHECK(ts_from_int(INT64_C(1709618828123), &t) == 0 && t == T0 + 123000);
    CHECK(ts_from_int(INT64_C(1709618828123456), &t) == 0 && t == T0 + 123456);
    CHECK(ts_from_int(INT64_C(1709618828123456789), &t) == 0 && t == T0 + 123456);
    CHECK(ts_from_int(0, &t) == 0 && t == 0);
    CHECK(ts_from_int(-1, &t) == 0 && t == -1000000);
    CHECK(ts_from_int(INT64_MAX, &t) == 0 && t == INT64_MAX / 1000); /* ns: 2262 */
    CHECK(ts_from_int(INT64_MIN, &t) == 0 && t == INT64_MIN / 1000);
    CHECK(ts_from_double(1709618828.0, &t) == 0 && t == T0);
    CHECK(ts_from_double(1709618828.123, &t) == 0 && t == T0 + 123000); /* nearest microsecond */
    CHECK(ts_from_double(1709618828.5, &t) == 0 && t == T0 + 500000);
    CHECK(ts_from_double(1709618828123.0, &t) == 0 && t == T0 + 123000);
    CHECK(ts_from_double(1709618828123.5, &t) == 0 && t == T0 + 123500);
    CHECK(ts_from_double(NAN, &t) != 0);
    CHECK(ts_from_double(INFINITY, &t) != 0);
    CHECK(ts_from_double(1e30, &t) != 0);
    CHECK(ts_from_double(-1e30, &t) != 0);
}

static void formatting(void)
{
    FMT(T0, "2024-03-05T06:07:08Z");
    FMT(T0 + 500000, "2024-03-05T06:07:08.500Z");
    FMT(T0 + 123000, "2024-03-05T06:07:08.123Z");
    FMT(T0 + 123456, "2024-03-05T06:07:08.123456Z");
    FMT(T0 + 1, "2024-03-05T06:07:08.000001Z");
    FMT(0, "1970-01-01T00:00:00Z");
    FMT(-500000, "1969-12-31T23:59:59.500Z");
    FMT(INT64_C(1709164800000000), "2024-02-29T00:00:00Z");
    FMT(INT64_C(253402300799999999), "9999-12-31T23:59:59.999999Z");
    /* Round trip over many days and fractions, including dates before 1970. */
    for (int64_t day = -719000; day <= 2900000; day += 997) {
        int64_t t = day * INT64_C(86400000000) + (day % 86400) * INT64_C(1000003) % 86400000000;
        char buf[TS_FORMAT_CAP];
        ts_format(t, buf);
        ts_micros back = 0;
        int rc = ts_parse_text(buf, strlen(buf), &back);
        if (rc != 0 || back != t) {
            CHECK_MSG(0, "round trip %lld -> %s -> %lld", (long long)t, buf, (long long)back);
            break;
        }
    }
}

int main(void)
{
    iso_forms();
    iso_rejects();
    numeric_strings();
    numbers();
    formatting();
    return TEST_DONE();
}
