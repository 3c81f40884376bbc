/* sigma_event_pack: a packed event matches exactly as before, and stays an
 * ordinary event.
 *
 *  - events with copied, borrowed, multi-valued, numeric, by-slot and long values
 *    (several storage blocks), a keyword message and a logsource give the same
 *    hits before and after packing, with the index and without;
 *  - packing twice, adding fields and values after packing (the arrays move out
 *    again), appending to a field that existed before packing (the name map
 *    still finds it: one field, two values), sigma_event_clear and rebuilding a
 *    packed event, all give the expected hits;
 *  - NULL is refused.
 * Under AddressSanitizer a pointer left into a freed piece is a use-after-free.
 * Only <sigma/sigma.h> is used. */
#include <sigma/sigma.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruleset_helpers.h"
#include "test.h"

static const char *const rules[] = {
    /* 0 */
    "title: image\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "    sel: {Image|endswith: '\\whoami.exe'}\n"
    "    condition: sel\n",
    /* 1 */
    "title: cmd and parent\n"
    "logsource: {product: windows, category: process_creation}\n"
    "detection:\n"
    "    sel:\n"
    "        CommandLine|contains: 'secret-token'\n"
    "        ParentImage|endswith: '\\explorer.exe'\n"
    "    condition: sel\n",
    /* 2 */
    "title: number\n"
    "logsource: {product: windows}\n"
    "detection:\n"
    "    sel: {EventID: 4688}\n"
    "    condition: sel\n",
    /* 3 */
    "title: keyword\n"
    "logsource: {product: linux}\n"
    "detection:\n"
    "    keywords: ['needle-in-message']\n"
    "    condition: keywords\n",
    /* 4 */
    "title: multi\n"
    "logsource: {product: windows}\n"
    "detection:\n"
    "    sel: {Tags|contains|all: ['alpha', 'omega']}\n"
    "    condition: sel\n",
    /* 5 */
    "title: long tail\n"
    "logsource: {product: windows}\n"
    "detection:\n"
    "    sel: {Blob|endswith: 'the-end-marker'}\n"
    "    condition: sel\n",
    /* 6 */
    "title: borrowed\n"
    "logsource: {product: windows}\n"
    "detection:\n"
    "    sel: {User|startswith: 'NT AUTHORITY\\'}\n"
    "    condition: sel\n",
    /* 7 */
    "title: added later\n"
    "logsource: {product: windows}\n"
    "detection:\n"
    "    sel: {Late: 'arrived'}\n"
    "    condition: sel\n",
};
enum { NRULES = sizeof rules / sizeof rules[0] };

static sigma_ruleset *build(void)
{
    return test_compile_rules(rules, NRULES, "pack");
}

/* The hit set of ev as a bit mask (index and no-index must agree). */
static unsigned hits(const sigma_ruleset *rs, sigma_scratch *s, const sigma_event *ev)
{
    return test_hit_mask(rs, s, ev);
}

static void str(sigma_event *ev, const char *name, const char *value, uint32_t flags)
{
    CHECK_EQ_INT(
        sigma_event_add_str(ev, name, SIGMA_NUL_TERMINATED, value, SIGMA_NUL_TERMINATED, flags),
        SIGMA_OK);
}

static const char borrowed_user[] = "NT AUTHORITY\\SYSTEM";

/* An event hitting rules 0, 1, 2, 3, 4, 5 and 6, in several storage blocks. */
static void fill(sigma_event *ev, const sigma_ruleset *rs)
{
    str(ev, "Image", "C:\\Windows\\System32\\WHOAMI.EXE", 0);
    str(ev, "CommandLine", "whoami /all --secret-token", 0);
    uint32_t slot = 0;
    CHECK_EQ_INT(sigma_ruleset_field_slot(rs, "ParentImage", SIGMA_NUL_TERMINATED, &slot),
                 SIGMA_OK);
    CHECK_EQ_INT(sigma_event_add_str_slot(ev, rs, slot, "C:\\Windows\\explorer.exe",
                                          SIGMA_NUL_TERMINATED, 0),
                 SIGMA_OK);
    CHECK_EQ_INT(sigma_event_add_int(ev, "EventID", SIGMA_NUL_TERMINATED, 4688), SIGMA_OK);
    str(ev, "Tags", "alpha", 0);
    str(ev, "Other", "filler", 0);
    str(ev, "Tags", "omega", 0); /* the second value of Tags */
    char blob[3000];
    memset(blob, 'x', sizeof blob);
    memcpy(blob + sizeof blob - 15, "the-end-marker", 15); /* with its NUL */
    str(ev, "Blob", blob, 0);
    str(ev, "User", borrowed_user, SIGMA_VALUE_BORROW);
    for (int i = 0; i < 40; i++) { /* more fields than the arrays first hold */
        char name[32], value[64];
        snprintf(name, sizeof name, "Extra%d", i);
        snprintf(value, sizeof value, "value number %d of the extra fields", i);
        str(ev, name, value, 0);
    }
    CHECK_EQ_INT(sigma_event_set_message(ev, "a needle-in-message here", SIGMA_NUL_TERMINATED, 0),
                 SIGMA_OK);
}

int main(void)
{
    sigma_ruleset *rs = build();
    if (!rs)
        return TEST_DONE();
    sigma_scratch *s = NULL;
    CHECK_EQ_INT(sigma_scratch_reserve(rs, &s), SIGMA_OK);
    const unsigned all = 0x7f; /* rules 0..6 */

    sigma_event *ev = NULL;
    CHECK_EQ_INT(sigma_event_new(&ev), SIGMA_OK);
    fill(ev, rs);
    CHECK_EQ_INT(hits(rs, s, ev), all);
    CHECK_EQ_INT(sigma_event_pack(ev), SIGMA_OK);
    CHECK_EQ_INT(hits(rs, s, ev), all);
    CHECK_EQ_INT(sigma_event_pack(ev), SIGMA_OK); /* again: nothing to do */
    CHECK_EQ_INT(hits(rs, s, ev), all);

    /* a value for a field that existed before packing: the same field */
    str(ev, "Tags", "beta", 0);
    /* a new field after packing: the arrays move out of the block */
    str(ev, "Late", "arrived", 0);
    CHECK_EQ_INT(hits(rs, s, ev), all | 1u << 7);
    CHECK_EQ_INT(sigma_event_pack(ev), SIGMA_OK); /* packed again, with them */
    CHECK_EQ_INT(hits(rs, s, ev), all | 1u << 7);
    /* one Tags field with three values: a fourth name would be another field */
    sigma_event *one = NULL;
    CHECK_EQ_INT(sigma_event_new(&one), SIGMA_OK);
    str(one, "Tags", "alpha", 0);
    CHECK_EQ_INT(sigma_event_pack(one), SIGMA_OK);
    str(one, "Tags", "omega", 0);
    CHECK_EQ_INT(hits(rs, s, one), 1u << 4); /* both values on one field */
    sigma_event_free(one);

    /* clear, then the same event again, packed and not */
    sigma_event_clear(ev);
    CHECK_EQ_INT(hits(rs, s, ev), 0);
    fill(ev, rs);
    CHECK_EQ_INT(hits(rs, s, ev), all);
    CHECK_EQ_INT(sigma_event_pack(ev), SIGMA_OK);
    CHECK_EQ_INT(hits(rs, s, ev), all);
    sigma_event_clear(ev);
    str(ev, "Image", "c:\\x\\whoami.exe", 0);
    CHECK_EQ_INT(hits(rs, s, ev), 1u << 0);
    sigma_event_free(ev);

    /* an empty event packs too */
    sigma_event *empty = NULL;
    CHECK_EQ_INT(sigma_event_new(&empty), SIGMA_OK);
    CHECK_EQ_INT(sigma_event_pack(empty), SIGMA_OK);
    CHECK_EQ_INT(hits(rs, s, empty), 0);
    str(empty, "Image", "c:\\y\\WhoAmI.exe", 0);
    CHECK_EQ_INT(hits(rs, s, empty), 1u << 0);
    sigma_event_free(empty);

    CHECK_EQ_INT(sigma_event_pack(NULL), SIGMA_E_INVALID_ARG);
    sigma_scratch_free(s);
    sigma_ruleset_unref(rs);
    return TEST_DONE();
}
