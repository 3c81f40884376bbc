/* The string map behind field names (lib/util/strmap): word-at-a-time hash and
 * inline key comparison, checked on keys of every length 0..70 and on near-miss
 * keys (one byte changed at each position), at unaligned addresses; then the same
 * through the public API: field names of lengths 1..40 resolve to their slot, a
 * near-miss name matches no rule, and one scratch and event serve two rulesets
 * whose slots differ. */
#include <sigma/sigma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/strmap.h"

enum { MAXLEN = 70, NKEYS = (MAXLEN + 1) * (MAXLEN + 2) / 2 };

/* Key k of length len: a base pattern; variant v > 0 has byte v-1 changed. */
static void make_key(char *out, size_t len, size_t variant)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (char)('a' + (i * 7 + len) % 26);
    if (variant)
        out[variant - 1] ^= 0x20; /* case flip: the near miss a folding bug would hide */
}

typedef struct key {
    char *s;
    size_t len;
} key;

static void test_map(void)
{
    /* Every key lives at an odd offset inside its own buffer: loads are unaligned. */
    static key keys[NKEYS];
    size_t n = 0;
    for (size_t len = 0; len <= MAXLEN; len++)
        for (size_t v = 0; v <= len; v++) {
            char *buf = malloc(len + 2);
            make_key(buf + 1, len, v);
            keys[n++] = (key){buf + 1, len};
        }
    CHECK_EQ_INT(n, NKEYS);

    /* No two of these keys share a hash (a byte-sum or tail-dropping hash would). */
    size_t same = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            same += sg_hash_bytes(keys[i].s, keys[i].len) == sg_hash_bytes(keys[j].s, keys[j].len);
    CHECK_EQ_INT(same, 0);

    /* The hash depends on the bytes, not on their address. */
    char copy[MAXLEN + 8];
    for (size_t i = 0; i < n; i++)
        for (size_t off = 0; off < 8; off++) {
            memcpy(copy + off, keys[i].s, keys[i].len);
            CHECK(sg_hash_bytes(copy + off, keys[i].len) == sg_hash_bytes(keys[i].s, keys[i].len));
            CHECK(sg_bytes_equal(copy + off, keys[i].s, keys[i].len));
        }

    /* Each variant differs from its base key of the same length in one byte. */
    for (size_t i = 0, base = 0; i < n; i++) {
        if (i == 0 || keys[i].len != keys[i - 1].len)
            base = i;
        else
            CHECK_MSG(!sg_bytes_equal(keys[i].s, keys[base].s, keys[i].len),
                      "len %zu variant %zu compares equal", keys[i].len, i - base);
    }

    /* Every key under one hash: only the key comparison tells them apart. */
    sg_strmap c = {0};
    uint32_t val;
    for (size_t i = 0; i < n; i++)
        CHECK(sg_strmap_put_hashed(&c, keys[i].s, keys[i].len, 42, (uint32_t)i) == 0);
    CHECK_EQ_INT(c.count, n);
    for (size_t i = 0; i < n; i++) {
        val = UINT32_MAX;
        CHECK(sg_strmap_get_hashed(&c, keys[i].s, keys[i].len, 42, &val) && val == i);
    }
    CHECK(!sg_strmap_get_hashed(&c, "zzz", 3, 42, &val));
    sg_strmap_free(&c);

    /* Base keys only: every variant must be absent. */
    sg_strmap m = {0};
    CHECK(!sg_strmap_get(&m, "x", 1, &val)); /* empty map */
    for (size_t i = 0; i < n; i++)
        if (i == 0 || keys[i].len != keys[i - 1].len) /* variant 0 of each length */
            CHECK(sg_strmap_put(&m, keys[i].s, keys[i].len, (uint32_t)(1000 + keys[i].len)) == 0);
    CHECK_EQ_INT(m.count, MAXLEN + 1);
    for (size_t i = 0; i < n; i++) {
        const int base = i == 0 || keys[i].len != keys[i - 1].len;
        val = UINT32_MAX;
        int got = sg_strmap_get(&m, keys[i].s, keys[i].len, &val);
        CHECK_MSG(got == base, "len %zu key %zu: found %d", keys[i].len, i, got);
        if (base)
            CHECK_EQ_INT(val, 1000 + keys[i].len);
        uint32_t val2 = UINT32_MAX;
        CHECK(sg_strmap_get_hashed(&m, keys[i].s, keys[i].len,
                                   sg_hash_bytes(keys[i].s, keys[i].len), &val2) == got);
        CHECK(val2 == val);
    }

    /* All keys (the map grows several times), then overwrite a few. */
    for (size_t i = 0; i < n; i++)
        CHECK(sg_strmap_put_hashed(&m, keys[i].s, keys[i].len,
                                   sg_hash_bytes(keys[i].s, keys[i].len), (uint32_t)i) == 0);
    CHECK_EQ_INT(m.count, n);
    for (size_t i = 0; i < n; i += 17)
        CHECK(sg_strmap_put(&m, keys[i].s, keys[i].len, (uint32_t)(i + 5000000)) == 0);
    CHECK_EQ_INT(m.count, n);
    for (size_t i = 0; i < n; i++) {
        val = UINT32_MAX;
        CHECK(sg_strmap_get(&m, keys[i].s, keys[i].len, &val));
        CHECK_EQ_INT(val, i % 17 == 0 ? i + 5000000 : i);
    }
    sg_strmap_free(&m);
    CHECK(!sg_strmap_get(&m, keys[1].s, keys[1].len, &val));
    for (size_t i = 0; i < n; i++)
        free(keys[i].s - 1);
}

/* ------------------------------------------------------------ public API */

enum { NFIELDS = 40 };

static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* Rule i (0-based, titled "rI") tests the field named by the first len(i)
 * letters; `reverse` adds the rules from the longest name down, so slots differ. */
static size_t name_len_of(size_t i)
{
    return i + 1;
}

static sigma_ruleset *build(int reverse)
{
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    if (sigma_builder_new(NULL, &b) != SIGMA_OK)
        return NULL;
    for (size_t k = 0; k < NFIELDS; k++) {
        size_t i = reverse ? NFIELDS - 1 - k : k;
        char yaml[512];
        snprintf(yaml, sizeof yaml,
                 "title: r%zu\nlogsource: {product: test}\ndetection:\n    sel:\n"
                 "        %.*s: 'value%zu'\n    condition: sel\nlevel: low\n",
                 i, (int)name_len_of(i), letters, i);
        uint32_t added = 0;
        CHECK(sigma_builder_add_yaml(b, "t", SIGMA_NUL_TERMINATED, yaml, SIGMA_NUL_TERMINATED,
                                     &added) == SIGMA_OK &&
              added == 1);
    }
    CHECK(sigma_builder_build(b, &rs) == SIGMA_OK);
    sigma_builder_free(b);
    return rs;
}

/* The title number of the only rule that matched, -1 for none, -2 for several. */
static int only_hit(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev)
{
    CHECK(sigma_match(rs, s, ev, 0, NULL, NULL) == SIGMA_OK);
    uint32_t n = sigma_scratch_hit_count(s);
    if (n != 1)
        return n ? -2 : -1;
    sigma_rule_info info = {.size = sizeof info};
    CHECK(sigma_ruleset_rule_info(rs, sigma_scratch_hit_rule(s, 0), &info) == SIGMA_OK);
    return info.title ? atoi(info.title + 1) : -3;
}

static void test_api(void)
{
    sigma_ruleset *rs[2] = {build(0), build(1)};
    CHECK(rs[0] && rs[1]);
    if (!rs[0] || !rs[1])
        return;
    sigma_scratch *s = NULL;
    CHECK(sigma_scratch_reserve(rs[0], &s) == SIGMA_OK);
    CHECK(sigma_scratch_reserve(rs[1], &s) == SIGMA_OK);
    sigma_event *ev = NULL;
    CHECK(sigma_event_new(&ev) == SIGMA_OK);

    uint32_t slot0 = 0, slot1 = 0;
    CHECK(sigma_ruleset_field_slot(rs[0], letters, 1, &slot0) == SIGMA_OK);
    CHECK(sigma_ruleset_field_slot(rs[1], letters, 1, &slot1) == SIGMA_OK);
    CHECK(slot0 != slot1); /* the two rulesets number the fields differently */

    for (size_t i = 0; i < NFIELDS; i++) {
        const size_t len = name_len_of(i);
        char name[64], value[32];
        uint32_t slot = UINT32_MAX;
        memcpy(name, letters, len);
        snprintf(value, sizeof value, "value%zu", i);
        for (int r = 0; r < 2; r++) {
            CHECK(sigma_ruleset_field_slot(rs[r], name, len, &slot) == SIGMA_OK);
            CHECK(slot < sigma_ruleset_field_count(rs[r]) &&
                  strlen(sigma_ruleset_field_name(rs[r], slot)) == len &&
                  memcmp(sigma_ruleset_field_name(rs[r], slot), name, len) == 0);
        }
        /* The exact name, with other fields around it at the same positions each
         * time: rule i matches, in both rulesets, alternately on one scratch. */
        sigma_event_clear(ev);
        CHECK(sigma_event_add_str(ev, "Other", 5, "x", 1, 0) == SIGMA_OK);
        CHECK(sigma_event_add_str(ev, name, len, value, SIGMA_NUL_TERMINATED, 0) == SIGMA_OK);
        for (int r = 0; r < 2; r++)
            CHECK_MSG(only_hit(rs[r], s, ev) == (int)i, "exact name of length %zu", len);
        /* One byte changed at each position (case flip, or a byte appended /
         * removed): no rule has that field, so nothing matches. */
        for (size_t p = 0; p <= len; p++) {
            char near[64];
            size_t nlen = len;
            memcpy(near, name, len);
            if (p < len)
                near[p] ^= 0x20;
            else
                near[nlen++] = '_';
            sigma_event_clear(ev);
            CHECK(sigma_event_add_str(ev, "Other", 5, "x", 1, 0) == SIGMA_OK);
            CHECK(sigma_event_add_str(ev, near, nlen, value, SIGMA_NUL_TERMINATED, 0) == SIGMA_OK);
            for (int r = 0; r < 2; r++)
                CHECK_MSG(only_hit(rs[r], s, ev) == -1, "near miss of length %zu at %zu", len, p);
        }
        if (len > 1) {
            sigma_event_clear(ev);
            CHECK(sigma_event_add_str(ev, name, len - 1, value, SIGMA_NUL_TERMINATED, 0) ==
                  SIGMA_OK);
            for (int r = 0; r < 2; r++)
                CHECK(only_hit(rs[r], s, ev) != (int)i);
        }
    }
    sigma_event_free(ev);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs[0]);
    sigma_ruleset_unref(rs[1]);
}

int main(void)
{
    test_map();
    test_api();
    return TEST_DONE();
}
