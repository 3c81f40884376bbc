/* The compile cost of introspection on the SigmaHQ corpus: loads the rules the way
 * sigma-bench does (examples/placeholders.yml, the five rule folders) with
 * SIGMA_PARAM_INTROSPECTION set to argv[3] (0 or 1) and prints one JSON object
 * {"introspection", "rules", "compile_s", "peak_rss_kb"}. As a test it also checks that
 * the ruleset has (1) or lacks (0) introspection data.
 * argv[1] = source root, argv[2] = corpus dir, argv[3] = 0|1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <sigma/sigma.h>

#include "test.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n + 65536 > cap) {
            char *p = realloc(buf, cap = n + 65536);
            if (!p)
                break;
            buf = p;
        }
        got = fread(buf + n, 1, cap - n, fp);
        n += got;
    } while (got);
    fclose(fp);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: intro_cost ROOT CORPUS 0|1\n");
        return 2;
    }
    const char *root = argv[1], *corpus = argv[2];
    int on = atoi(argv[3]) != 0;
    struct stat st;
    char path[4096];
    snprintf(path, sizeof path, "%s/sigmahq", corpus);
    if (stat(path, &st) != 0) {
        const char *ci = getenv("CI");
        printf("SKIPPED: ../shared/corpus not found\n");
        return ci && strcmp(ci, "true") == 0 ? 1 : 77;
    }
    double t0 = now();
    sigma_compile_options *o = NULL;
    sigma_builder *b = NULL;
    sigma_ruleset *rs = NULL;
    CHECK(sigma_compile_options_new(&o) == SIGMA_OK);
    CHECK(sigma_compile_options_set(o, SIGMA_PARAM_INTROSPECTION, on) == SIGMA_OK);
    CHECK(sigma_builder_new(o, &b) == SIGMA_OK);
    sigma_compile_options_free(o);
    snprintf(path, sizeof path, "%s/examples/placeholders.yml", root);
    size_t len = 0;
    char *ph = slurp(path, &len);
    CHECK(ph != NULL);
    if (ph)
        CHECK(sigma_builder_add_placeholders_yaml(b, path, SIGMA_NUL_TERMINATED, ph, len) ==
              SIGMA_OK);
    free(ph);
    const char *dirs[] = {"rules", "rules-emerging-threats", "rules-threat-hunting",
                          "rules-compliance", "rules-placeholder"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/sigmahq/%s", corpus, dirs[i]);
        sigma_builder_add_path(b, path, SIGMA_NUL_TERMINATED, NULL);
    }
    CHECK(sigma_builder_build(b, &rs) == SIGMA_OK);
    sigma_builder_free(b);
    double compile_s = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (!rs)
        return TEST_DONE();
    uint32_t n = sigma_ruleset_rule_count(rs);
    printf("{\"introspection\": %d, \"rules\": %u, \"compile_s\": %.3f, \"peak_rss_kb\": %ld}\n",
           on, n, compile_s, ru.ru_maxrss);
    CHECK(n > 3000);
    /* Introspection data present exactly when asked for; basics always. */
    uint32_t with_yaml = 0, with_stages = 0, with_title = 0;
    for (uint32_t i = 0; i < n; i++) {
        with_yaml += sigma_ruleset_rule_attr(rs, i, SIGMA_ATTR_YAML, NULL) != NULL;
        with_stages += sigma_ruleset_rule_stage_count(rs, i) != 0;
        with_title += sigma_ruleset_rule_attr(rs, i, SIGMA_ATTR_TITLE, NULL) != NULL;
    }
    CHECK_EQ_INT(with_title, n);
    CHECK_EQ_INT(with_yaml, on ? n : 0);
    CHECK(on ? with_stages > n / 2 : with_stages == 0);
    sigma_ruleset_unref(rs);
    return TEST_DONE();
}
