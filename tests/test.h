/* Tiny test helpers: plain C, no framework. A test program returns non-zero if
 * any CHECK failed and prints each failure with its file and line. */
#ifndef SG_TEST_H
#define SG_TEST_H

#include <stdio.h>
#include <string.h>

static int sg_test_failures;
static int sg_test_checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        sg_test_checks++;                                                                          \
        if (!(cond)) {                                                                             \
            sg_test_failures++;                                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        sg_test_checks++;                                                                          \
        if (!(cond)) {                                                                             \
            sg_test_failures++;                                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    CHECK_MSG((long long)(a) == (long long)(b), "%lld != %lld", (long long)(a), (long long)(b))

#define CHECK_EQ_STR(a, b)                                                                         \
    CHECK_MSG((a) != NULL && strcmp((a), (b)) == 0, "\"%s\" != \"%s\"", (a) ? (a) : "(null)", (b))

#define TEST_DONE()                                                                                \
    (printf("%d checks, %d failed\n", sg_test_checks, sg_test_failures), sg_test_failures ? 1 : 0)

#endif
