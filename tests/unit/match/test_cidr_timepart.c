/* The cidr and time-part modifiers (lib/match/cidr.h, lib/match/timepart.h). */
#include "match/cidr.h"
#include "match/timepart.h"
#include "test.h"

#include <stdint.h>
#include <string.h>

/* ---------------------------------------------------------------- cidr helpers */

/* 1 if the rule value parses. */
static int net_ok(const char *rule)
{
    sg_cidr c;
    char err[256] = "";
    int rc = sg_cidr_parse(rule, strlen(rule), &c, err, sizeof err);
    if (rc != 0 && err[0] == '\0')
        fprintf(stderr, "cidr '%s': error without a message\n", rule);
    return rc == 0;
}

/* 1 if the rule value parses and the event value matches, 0 if it does not match,
 * -1 if the rule does not parse. */
static int cm(const char *rule, const char *value)
{
    sg_cidr c;
    char err[256];
    if (sg_cidr_parse(rule, strlen(rule), &c, err, sizeof err) != 0) {
        fprintf(stderr, "cidr '%s' did not parse: %s\n", rule, err);
        return -1;
    }
    return sg_cidr_match(&c, value, strlen(value));
}

/* Parses a rule expected to be valid and checks its normalized text. */
static int fmt_is(const char *rule, const char *want)
{
    sg_cidr c;
    char err[256], buf[64];
    if (sg_cidr_parse(rule, strlen(rule), &c, err, sizeof err) != 0) {
        fprintf(stderr, "cidr '%s' did not parse: %s\n", rule, err);
        return 0;
    }
    size_t n = sg_cidr_format(&c, buf, sizeof buf);
    int ok = strcmp(buf, want) == 0 && n == strlen(want);
    if (!ok)
        fprintf(stderr, "format('%s') = '%s', want '%s'\n", rule, buf, want);
    return ok;
}

/* The error message of a rule expected to fail. */
static const char *net_err(const char *rule, char *err, size_t cap)
{
    sg_cidr c;
    err[0] = '\0';
    if (sg_cidr_parse(rule, strlen(rule), &c, err, cap) == 0)
        return "(parsed)";
    return err;
}

/* Address family of a bare value (4, 6, or 0 = not an address), with bytes. */
static int ipf(const char *s)
{
    uint8_t a[16];
    return sg_ip_parse(s, strlen(s), a);
}

static int ip_bytes(const char *s, const uint8_t *want, size_t n)
{
    uint8_t a[16];
    if (!sg_ip_parse(s, strlen(s), a))
        return 0;
    return memcmp(a, want, n) == 0;
}

static void test_vectors(void)
{
    /* vector 37 */
    CHECK_EQ_INT(cm("10.0.0.0/8", "10.255.1.2"), 1);
    CHECK_EQ_INT(cm("10.0.0.0/8", "100.1.1.1"), 0);
    CHECK_EQ_INT(cm("10.0.0.0/8", "10.1.1.1:80"), 0);
    CHECK_EQ_INT(cm("10.0.0.0/8", "10.0.0.0"), 1);
    CHECK_EQ_INT(cm("10.0.0.0/8", "9.255.255.255"), 0);
    CHECK_EQ_INT(cm("10.0.0.0/8", "11.0.0.0"), 0);
    /* vector 38 */
    CHECK_EQ_INT(cm("fe80::/10", "FE80::1"), 1);
    CHECK_EQ_INT(cm("fe80::/10", "febf:ffff::1"), 1);
    CHECK_EQ_INT(cm("fe80::/10", "fec0::1"), 0);
    CHECK(!net_ok("10.0.0.1/8"));
}

static void test_cidr_parse(void)
{
    char err[256];

    /* bare addresses = full-length prefixes */
    CHECK(fmt_is("192.168.1.1", "192.168.1.1/32"));
    CHECK(fmt_is("::1", "::1/128"));
    CHECK_EQ_INT(cm("192.168.1.1", "192.168.1.1"), 1);
    CHECK_EQ_INT(cm("192.168.1.1", "192.168.1.2"), 0);
    CHECK_EQ_INT(cm("2001:db8::1", "2001:DB8:0:0:0:0:0:1"), 1);
    CHECK_EQ_INT(cm("2001:db8::1", "2001:db8::2"), 0);

    /* /0, /32, /128 */
    CHECK_EQ_INT(cm("0.0.0.0/0", "255.255.255.255"), 1);
    CHECK_EQ_INT(cm("0.0.0.0/0", "0.0.0.0"), 1);
    CHECK_EQ_INT(cm("0.0.0.0/0", "::1"), 0); /* family must match */
    CHECK_EQ_INT(cm("::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
    CHECK_EQ_INT(cm("::/0", "1.2.3.4"), 0);
    CHECK_EQ_INT(cm("1.2.3.4/32", "1.2.3.4"), 1);
    CHECK_EQ_INT(cm("1.2.3.4/32", "1.2.3.5"), 0);
    CHECK_EQ_INT(cm("2001:db8::7/128", "2001:db8::7"), 1);
    CHECK_EQ_INT(cm("2001:db8::7/128", "2001:db8::6"), 0);
    CHECK(!net_ok("1.2.3.4/33"));
    CHECK(!net_ok("::/129"));
    CHECK(net_ok("::/128"));
    CHECK(!net_ok("10.0.0.0/08")); /* prefix with a leading zero */
    CHECK(!net_ok("10.0.0.0/"));
    CHECK(!net_ok("10.0.0.0/-1"));
    CHECK(!net_ok("10.0.0.0/+8"));
    CHECK(!net_ok("10.0.0.0/8 "));
    CHECK(!net_ok(" 10.0.0.0/8"));
    CHECK(!net_ok("10.0.0.0/8/8"));
    CHECK(!net_ok("10.0.0.0/0008"));
    CHECK(!net_ok("/8"));
    CHECK(net_ok("0.0.0.0/0"));
    CHECK(!net_ok("1.0.0.0/0"));

    /* non-octet prefixes */
    CHECK_EQ_INT(cm("172.16.0.0/12", "172.31.255.255"), 1);
    CHECK_EQ_INT(cm("172.16.0.0/12", "172.32.0.0"), 0);
    CHECK_EQ_INT(cm("172.16.0.0/12", "172.15.255.255"), 0);
    CHECK(!net_ok("172.17.0.0/12"));
    CHECK_EQ_INT(cm("2001:db8:8000::/33", "2001:db8:ffff::1"), 1);
    CHECK_EQ_INT(cm("2001:db8:8000::/33", "2001:db8:7fff::1"), 0);

    /* host bits: the message names the network */
    CHECK_EQ_STR(net_err("192.168.1.1/24", err, sizeof err),
                 "'192.168.1.1/24' has host bits set; did you mean '192.168.1.0/24'?");
    CHECK_EQ_STR(net_err("10.0.0.1/8", err, sizeof err),
                 "'10.0.0.1/8' has host bits set; did you mean '10.0.0.0/8'?");
    CHECK_EQ_STR(net_err("fe80::1/10", err, sizeof err),
                 "'fe80::1/10' has host bits set; did you mean 'fe80::/10'?");
    CHECK_EQ_STR(net_err("2001:db8:0:1:0:0:1:1/64", err, sizeof err),
                 "'2001:db8:0:1:0:0:1:1/64' has host bits set; did you mean '2001:db8:0:1::/64'?");
    CHECK(strstr(net_err("10.0.0.0/33", err, sizeof err), "prefix") != NULL);
    CHECK(strstr(net_err("banana", err, sizeof err), "'banana'") != NULL);
    /* small / absent error buffers are safe */
    {
        sg_cidr c;
        char tiny[8];
        CHECK(sg_cidr_parse("192.168.1.1/24", 14, &c, tiny, sizeof tiny) == 1);
        CHECK(strlen(tiny) == 7);
        CHECK(sg_cidr_parse("192.168.1.1/24", 14, &c, NULL, 0) == 1);
        CHECK(sg_cidr_parse(NULL, 0, &c, NULL, 0) == 1);
        /* len bounds the input: the trailing garbage is not looked at */
        CHECK(sg_cidr_parse("10.0.0.0/8xyz", 10, &c, NULL, 0) == 0);
        CHECK_EQ_INT(c.family, 4);
        CHECK_EQ_INT(c.prefix, 8);
        CHECK_EQ_INT(c.addr[0], 10);
    }

    /* RFC 5952 normalization */
    CHECK(fmt_is("2001:0db8:0000:0000:0000:0000:0000:0000/32", "2001:db8::/32"));
    CHECK(fmt_is("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1/128"));
    CHECK(fmt_is("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1/128")); /* no :: for one group */
    CHECK(fmt_is("::", "::/128"));
    CHECK(fmt_is("1::", "1::/128"));
    CHECK(fmt_is("::ffff:1.2.3.4", "::ffff:1.2.3.4/128"));
    CHECK(fmt_is("0.0.0.0/0", "0.0.0.0/0"));
    CHECK(fmt_is("FE80::/10", "fe80::/10"));
}

static void test_addresses(void)
{
    /* IPv4 strictness */
    CHECK_EQ_INT(ipf("0.0.0.0"), 4);
    CHECK_EQ_INT(ipf("255.255.255.255"), 4);
    CHECK_EQ_INT(ipf("256.1.1.1"), 0);
    CHECK_EQ_INT(ipf("010.1.1.1"), 0); /* leading zero */
    CHECK_EQ_INT(ipf("10.01.1.1"), 0);
    CHECK_EQ_INT(ipf("10.1.1.00"), 0);
    CHECK_EQ_INT(ipf("1.2.3"), 0);
    CHECK_EQ_INT(ipf("1.2.3.4.5"), 0);
    CHECK_EQ_INT(ipf("1.2.3."), 0);
    CHECK_EQ_INT(ipf(".1.2.3"), 0);
    CHECK_EQ_INT(ipf("1..2.3"), 0);
    CHECK_EQ_INT(ipf("1.2.3.4 "), 0);
    CHECK_EQ_INT(ipf(" 1.2.3.4"), 0);
    CHECK_EQ_INT(ipf("1.2.3.4/32"), 0);
    CHECK_EQ_INT(ipf("1.2.3.4:80"), 0);
    CHECK_EQ_INT(ipf("1.2.3.1000"), 0);
    CHECK_EQ_INT(ipf("0x1.2.3.4"), 0);
    CHECK_EQ_INT(ipf("1.2.3.-4"), 0);
    CHECK_EQ_INT(ipf("16909060"), 0); /* inet_aton's single-number form */
    CHECK_EQ_INT(ipf("1.2.3.+4"), 0);
    CHECK_EQ_INT(ipf(""), 0);
    CHECK_EQ_INT(sg_ip_parse(NULL, 0, (uint8_t[16]){0}), 0);
    {
        static const uint8_t want[4] = {192, 0, 2, 255};
        CHECK(ip_bytes("192.0.2.255", want, 4));
    }

    /* IPv6 forms */
    CHECK_EQ_INT(ipf("::"), 6);
    CHECK_EQ_INT(ipf("::1"), 6);
    CHECK_EQ_INT(ipf("1::"), 6);
    CHECK_EQ_INT(ipf("1:2:3:4:5:6:7:8"), 6);
    CHECK_EQ_INT(ipf("1:2:3:4:5:6:7::"), 6);
    CHECK_EQ_INT(ipf("::2:3:4:5:6:7:8"), 6);
    CHECK_EQ_INT(ipf("1:2:3::6:7:8"), 6);
    CHECK_EQ_INT(ipf("ABCD:ef01:2345:6789:AbCd:EF01:2345:6789"), 6);
    CHECK_EQ_INT(ipf("0000:0000:0000:0000:0000:0000:0000:0001"), 6);
    CHECK_EQ_INT(ipf("1:2:3:4:5:6:7:8:9"), 0);
    CHECK_EQ_INT(ipf("1:2:3:4:5:6:7"), 0);
    CHECK_EQ_INT(ipf("1:2:3:4:5:6:7:8::"), 0); /* "::" must stand for >= 1 group */
    CHECK_EQ_INT(ipf("::1:2:3:4:5:6:7:8"), 0);
    CHECK_EQ_INT(ipf("1:2:3:4::5:6:7:8"), 0);
    CHECK_EQ_INT(ipf(":::"), 0);
    CHECK_EQ_INT(ipf("::::"), 0);
    CHECK_EQ_INT(ipf("1:::2"), 0);
    CHECK_EQ_INT(ipf("1::2::3"), 0);
    CHECK_EQ_INT(ipf(":1::"), 0);
    CHECK_EQ_INT(ipf("::1:"), 0);
    CHECK_EQ_INT(ipf(":"), 0);
    CHECK_EQ_INT(ipf("1:2:3:4:5:6:7:8:"), 0);
    CHECK_EQ_INT(ipf(":1:2:3:4:5:6:7:8"), 0);
    CHECK_EQ_INT(ipf("12345::"), 0); /* at most 4 hex digits */
    CHECK_EQ_INT(ipf("00001::"), 0);
    CHECK_EQ_INT(ipf("g::"), 0);
    CHECK_EQ_INT(ipf("fe80::1%eth0"), 0); /* zone */
    CHECK_EQ_INT(ipf("fe80::1%1"), 0);
    CHECK_EQ_INT(ipf("[::1]"), 0); /* brackets */
    CHECK_EQ_INT(ipf("[::1]:443"), 0);
    CHECK_EQ_INT(ipf("::1/128"), 0);
    CHECK_EQ_INT(ipf(" ::1"), 0);
    CHECK_EQ_INT(ipf("::1 "), 0);
    CHECK_EQ_INT(ipf("::-1"), 0);
    CHECK_EQ_INT(ipf("::+1"), 0);

    /* embedded IPv4 tail */
    CHECK_EQ_INT(ipf("::ffff:1.2.3.4"), 6);
    CHECK_EQ_INT(ipf("::1.2.3.4"), 6);
    CHECK_EQ_INT(ipf("1:2:3:4:5:6:1.2.3.4"), 6);
    CHECK_EQ_INT(ipf("1:2:3:4:5::1.2.3.4"), 6);
    CHECK_EQ_INT(ipf("1:2:3:4:5:6:7:1.2.3.4"), 0); /* 9 groups */
    CHECK_EQ_INT(ipf("1:2:3:4:5:6::1.2.3.4"), 0);  /* "::" would stand for nothing */
    CHECK_EQ_INT(ipf("1:2:3:4:5:1.2.3.4"), 0);     /* 7 groups */
    CHECK_EQ_INT(ipf("::1.2.3.4:1"), 0);           /* IPv4 only at the end */
    CHECK_EQ_INT(ipf("::1.2.3"), 0);
    CHECK_EQ_INT(ipf("::1.2.3.4.5"), 0);
    CHECK_EQ_INT(ipf("::01.2.3.4"), 0);
    CHECK_EQ_INT(ipf("::256.2.3.4"), 0);
    CHECK_EQ_INT(ipf("::ffff:1.2.3.4%eth0"), 0);
    {
        static const uint8_t want[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4};
        CHECK(ip_bytes("::ffff:1.2.3.4", want, 16));
        CHECK(ip_bytes("::FFFF:0102:0304", want, 16));
        static const uint8_t want2[16] = {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 7, 8, 9, 10};
        CHECK(ip_bytes("1:2:3:4:5:6:7.8.9.10", want2, 16));
        static const uint8_t want3[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                          0,    0,    0,    0,    0, 0, 0, 1};
        CHECK(ip_bytes("2001:db8::1", want3, 16));
        CHECK(ip_bytes("2001:DB8:0::0:1", want3, 16));
    }
    CHECK_EQ_INT(cm("::ffff:0:0/96", "::ffff:10.1.2.3"), 1);

    /* no family folding in either direction */
    CHECK_EQ_INT(cm("10.0.0.0/8", "::ffff:10.1.2.3"), 0);
    CHECK_EQ_INT(cm("::ffff:10.0.0.0/104", "10.1.2.3"), 0);
    CHECK_EQ_INT(cm("::ffff:10.0.0.0/104", "::ffff:10.1.2.3"), 1);

    /* malformed event values never match, even under /0 */
    static const char *bad[] = {
        "",          ":::",          "1.2.3",     "1.2.3.4.5", "10.1.1.1:80",
        "010.1.1.1", "fe80::1%eth0", "[fe80::1]", "::1/128",   " 10.1.1.1",
        "10.1.1.1 ", "localhost",    "-",         "10.1.1.1\n"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        CHECK_MSG(cm("0.0.0.0/0", bad[k]) == 0, "v4 /0 matched '%s'", bad[k]);
        CHECK_MSG(cm("::/0", bad[k]) == 0, "v6 /0 matched '%s'", bad[k]);
    }
    CHECK(!net_ok(""));
    CHECK(!net_ok(":::"));
    CHECK(!net_ok("1.2.3"));
    CHECK(!net_ok("1.2.3.4.5"));
    CHECK(!net_ok("fe80::1%eth0"));
    CHECK(!net_ok("[fe80::]/10"));
    CHECK(!net_ok("010.0.0.0/8"));

    /* embedded NUL: len is authoritative */
    {
        sg_cidr c;
        CHECK(sg_cidr_parse("10.0.0.0/8", 10, &c, NULL, 0) == 0);
        CHECK_EQ_INT(sg_cidr_match(&c, "10.1.1.1\0", 9), 0);
        CHECK_EQ_INT(sg_cidr_match(&c, "10.1.1.1\0", 8), 1);
        CHECK_EQ_INT(sg_cidr_match(&c, NULL, 0), 0);
    }

    /* very long strings */
    {
        char big[4096];
        memset(big, '1', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        CHECK_EQ_INT(ipf(big), 0);
        CHECK(!net_ok(big));
        for (size_t k = 0; k + 1 < sizeof big; k++)
            big[k] = k % 2 ? ':' : '1';
        CHECK_EQ_INT(ipf(big), 0);
        CHECK(!net_ok(big));
        for (size_t k = 0; k + 1 < sizeof big; k++)
            big[k] = k % 2 ? '.' : '1';
        CHECK_EQ_INT(ipf(big), 0);
        for (size_t k = 0; k + 1 < sizeof big; k++)
            big[k] = ':';
        CHECK_EQ_INT(ipf(big), 0);
        char err[64];
        CHECK(strlen(net_err(big, err, sizeof err)) == sizeof err - 1);
        /* a valid network followed by a huge prefix */
        memcpy(big, "10.0.0.0/", 9);
        memset(big + 9, '8', sizeof big - 10);
        CHECK(!net_ok(big));
    }
}

/* ---------------------------------------------------------------- time parts */

static int64_t tp(const char *s, sg_timepart part)
{
    int64_t v = -12345;
    if (!sg_time_part(s, strlen(s), part, &v))
        return -1;
    return v;
}

static void test_timepart(void)
{
    /* vector 44 */
    const char *t = "2024-01-02T03:04:05Z";
    CHECK_EQ_INT(tp(t, SG_TP_HOUR), 3);
    CHECK_EQ_INT(tp(t, SG_TP_MINUTE), 4);
    CHECK_EQ_INT(tp(t, SG_TP_DAY), 2);
    CHECK_EQ_INT(tp(t, SG_TP_MONTH), 1);
    CHECK_EQ_INT(tp(t, SG_TP_YEAR), 2024);
    CHECK_EQ_INT(tp(t, SG_TP_WEEK), 1);

    /* separators, optional seconds, fractions, zones */
    CHECK_EQ_INT(tp("2024-01-02 03:04:05", SG_TP_HOUR), 3);
    CHECK_EQ_INT(tp("2024-01-02t03:04:05z", SG_TP_HOUR), 3);
    CHECK_EQ_INT(tp("2024-01-02T23:59", SG_TP_MINUTE), 59);
    CHECK_EQ_INT(tp("2024-01-02T23:59Z", SG_TP_HOUR), 23);
    CHECK_EQ_INT(tp("2024-01-02T23:59+01:00", SG_TP_HOUR), 23);
    CHECK_EQ_INT(tp("2024-01-02T03:04:05.1Z", SG_TP_MINUTE), 4);
    CHECK_EQ_INT(tp("2024-01-02T03:04:05.123456789012345Z", SG_TP_MINUTE), 4);
    CHECK_EQ_INT(tp("2024-01-02 03:04:05.123", SG_TP_HOUR), 3);
    CHECK_EQ_INT(tp("2024-01-02 03:04:05,123", SG_TP_HOUR), 3);
    CHECK_EQ_INT(tp("2024-01-02T03:04:05+05:30", SG_TP_HOUR), 3); /* wall clock as written */
    CHECK_EQ_INT(tp("2024-01-02T03:04:05-08:00", SG_TP_DAY), 2);
    CHECK_EQ_INT(tp("2024-01-02T03:04:05+0530", SG_TP_MINUTE), 4);
    CHECK_EQ_INT(tp("2024-01-02T03:04:05-05", SG_TP_HOUR), 3);
    CHECK_EQ_INT(tp("2024-01-02T03:04:05.999+00:00", SG_TP_YEAR), 2024);
    CHECK_EQ_INT(tp("2024-01-02T03:04:05-00:00", SG_TP_HOUR), 3);
    CHECK_EQ_INT(tp("2024-01-02T00:00:00Z", SG_TP_HOUR), 0);
    CHECK_EQ_INT(tp("2024-01-02T00:00:00Z", SG_TP_MINUTE), 0);
    CHECK_EQ_INT(tp("2016-12-31T23:59:60Z", SG_TP_MINUTE), 59); /* leap second */
    CHECK_EQ_INT(tp("9999-12-31", SG_TP_YEAR), 9999);
    CHECK_EQ_INT(tp("0001-01-01", SG_TP_WEEK), 1); /* a Monday */

    /* bare dates: date parts yes, time parts no */
    CHECK_EQ_INT(tp("2024-03-15", SG_TP_DAY), 15);
    CHECK_EQ_INT(tp("2024-03-15", SG_TP_MONTH), 3);
    CHECK_EQ_INT(tp("2024-03-15", SG_TP_YEAR), 2024);
    CHECK_EQ_INT(tp("2024-03-15", SG_TP_WEEK), 11);
    CHECK_EQ_INT(tp("2024-03-15", SG_TP_HOUR), -1);
    CHECK_EQ_INT(tp("2024-03-15", SG_TP_MINUTE), -1);
    {
        int64_t v = 77;
        CHECK_EQ_INT(sg_time_part("2024-03-15", 10, SG_TP_HOUR, &v), 0);
    }

    /* ISO weeks */
    CHECK_EQ_INT(tp("2020-12-31", SG_TP_WEEK), 53);
    CHECK_EQ_INT(tp("2021-01-01", SG_TP_WEEK), 53);
    CHECK_EQ_INT(tp("2021-01-03", SG_TP_WEEK), 53);
    CHECK_EQ_INT(tp("2021-01-04", SG_TP_WEEK), 1);
    CHECK_EQ_INT(tp("2024-12-29", SG_TP_WEEK), 52);
    CHECK_EQ_INT(tp("2024-12-30", SG_TP_WEEK), 1);
    CHECK_EQ_INT(tp("2024-12-31T23:59:59Z", SG_TP_WEEK), 1);
    CHECK_EQ_INT(tp("2026-11-27", SG_TP_WEEK), 48);
    CHECK_EQ_INT(tp("2026-11-27T10:00:00+02:00", SG_TP_WEEK), 48);
    CHECK_EQ_INT(tp("2023-01-01", SG_TP_WEEK), 52); /* Sunday: last week of 2022 */
    CHECK_EQ_INT(tp("2023-01-02", SG_TP_WEEK), 1);
    CHECK_EQ_INT(tp("2015-12-31", SG_TP_WEEK), 53); /* 2015 starts on a Thursday */
    CHECK_EQ_INT(tp("2016-01-03", SG_TP_WEEK), 53);
    CHECK_EQ_INT(tp("2016-01-04", SG_TP_WEEK), 1);
    CHECK_EQ_INT(tp("2008-12-29", SG_TP_WEEK), 1);  /* leap year, Dec 29 Monday */
    CHECK_EQ_INT(tp("2004-12-31", SG_TP_WEEK), 53); /* leap year starting on Thursday */
    CHECK_EQ_INT(tp("2020-02-29", SG_TP_WEEK), 9);
    CHECK_EQ_INT(tp("2024-06-30", SG_TP_WEEK), 26);
    CHECK_EQ_INT(tp("2000-01-01", SG_TP_WEEK), 52); /* Saturday */
    CHECK_EQ_INT(tp("2000-12-31", SG_TP_WEEK), 52);
    CHECK_EQ_INT(tp("1970-01-01", SG_TP_WEEK), 1);
    CHECK_EQ_INT(tp("1969-12-29", SG_TP_WEEK), 1);
    CHECK_EQ_INT(tp("1969-12-28", SG_TP_WEEK), 52);

    /* leap years */
    CHECK_EQ_INT(tp("2024-02-29", SG_TP_DAY), 29);
    CHECK_EQ_INT(tp("2000-02-29", SG_TP_DAY), 29);
    CHECK_EQ_INT(tp("2023-02-29", SG_TP_DAY), -1);
    CHECK_EQ_INT(tp("1900-02-29", SG_TP_DAY), -1);
    CHECK_EQ_INT(tp("2100-02-29T00:00:00Z", SG_TP_YEAR), -1);

    /* invalid dates, times, and shapes */
    static const char *bad[] = {
        "",
        "2024",
        "2024-01",
        "2024-1-02",
        "2024-01-2",
        "24-01-02",
        "20240102",
        "2024/01/02",
        "2024-00-10",
        "2024-13-10",
        "2024-01-00",
        "2024-01-32",
        "2024-04-31",
        "2024-06-31",
        "2024-01-02T",
        "2024-01-02 ",
        " 2024-01-02",
        "2024-01-02X03:04:05",
        "2024-01-02T3:04:05",
        "2024-01-02T03",
        "2024-01-02T03:",
        "2024-01-02T03:4",
        "2024-01-02T03:04:",
        "2024-01-02T03:04:5",
        "2024-01-02T24:00:00",
        "2024-01-02T23:60:00",
        "2024-01-02T23:59:61",
        "2024-01-02T03:04:05.",
        "2024-01-02T03:04:05.Z",
        "2024-01-02T03:04:05.12a",
        "2024-01-02T03:04:05ZZ",
        "2024-01-02T03:04:05Z ",
        "2024-01-02T03:04:05 Z",
        "2024-01-02T03:04:05+",
        "2024-01-02T03:04:05+1",
        "2024-01-02T03:04:05+01:",
        "2024-01-02T03:04:05+01:0",
        "2024-01-02T03:04:05+010",
        "2024-01-02T03:04:05+01:00:00",
        "2024-01-02T03:04:05+24:00",
        "2024-01-02T03:04:05+01:60",
        "2024-01-02T03:04:05+01:00Z",
        "2024-01-02T03:04:05UTC",
        "2024-01-02T03:04:05 +01:00",
        "2024-01-02T03:04:05junk",
        "2024-01-02T03:04:05\n",
        "2024-01-02Z",
        "2024-01-02+01:00",
        "+2024-01-02",
        "-2024-01-02",
        "2024-01-02T03:04:05.5.5",
        "2024-01-02T03:04.5",
        "2024-01-02T03:04:05:06",
        "12024-01-02",
        "2024-01-02T03:04:05Z2024",
        "1715000000",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        for (int part = SG_TP_MINUTE; part <= SG_TP_YEAR; part++) {
            int64_t v = 0;
            CHECK_MSG(!sg_time_part(bad[k], strlen(bad[k]), (sg_timepart)part, &v),
                      "'%s' part %d parsed as %lld", bad[k], part, (long long)v);
        }
    }

    /* len is authoritative; NULL is safe */
    {
        int64_t v = 0;
        CHECK(sg_time_part("2024-01-02T03:04:05Zjunk", 20, SG_TP_HOUR, &v) && v == 3);
        CHECK(sg_time_part("2024-01-02T03:04:05Z", 10, SG_TP_DAY, &v) && v == 2);
        CHECK(!sg_time_part("2024-01-02T03:04:05Z", 10, SG_TP_HOUR, &v));
        CHECK(!sg_time_part("2024-01-02", 9, SG_TP_DAY, &v));
        CHECK(!sg_time_part(NULL, 0, SG_TP_DAY, &v));
        CHECK(!sg_time_part("2024-01-02", 10, (sg_timepart)0, &v));
        CHECK(!sg_time_part("2024-01-02", 10, (sg_timepart)99, &v));
    }

    /* very long fraction and very long garbage */
    {
        char big[4096];
        memcpy(big, "2024-01-02T03:04:05.", 20);
        memset(big + 20, '9', sizeof big - 22);
        big[sizeof big - 2] = 'Z';
        big[sizeof big - 1] = '\0';
        CHECK_EQ_INT(tp(big, SG_TP_MINUTE), 4);
        big[sizeof big - 2] = 'x';
        CHECK_EQ_INT(tp(big, SG_TP_MINUTE), -1);
        memset(big, '2', sizeof big - 1);
        CHECK_EQ_INT(tp(big, SG_TP_YEAR), -1);
    }

    /* every day of 1900..2100 round-trips day/month/year and has a sane week */
    {
        int bad_days = 0;
        int prev_week = 0;
        for (int y = 1900; y <= 2100; y++) {
            for (int m = 1; m <= 12; m++) {
                for (int d = 1; d <= 31; d++) {
                    char buf[64];
                    snprintf(buf, sizeof buf, "%04d-%02d-%02dT12:34:56Z", y, m, d);
                    int64_t dd = tp(buf, SG_TP_DAY);
                    if (dd < 0)
                        continue; /* day does not exist */
                    int64_t mm = tp(buf, SG_TP_MONTH), yy = tp(buf, SG_TP_YEAR);
                    int64_t w = tp(buf, SG_TP_WEEK);
                    if (dd != d || mm != m || yy != y || w < 1 || w > 53)
                        bad_days++;
                    /* the week number changes by +1 or resets to 1 */
                    if (prev_week && w != prev_week && w != prev_week + 1 && w != 1)
                        bad_days++;
                    prev_week = (int)w;
                }
            }
        }
        CHECK_EQ_INT(bad_days, 0);
    }
}

int main(void)
{
    test_vectors();
    test_cidr_parse();
    test_addresses();
    test_timepart();
    return TEST_DONE();
}
