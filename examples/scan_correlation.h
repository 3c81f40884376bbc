/* Correlation rules in sigma-scan: event timestamps, the libsigma correlator, and the
 * correlation match lines (docs/cli.md, "Correlations").
 *
 * sigma-scan reads each event's time while it parses the event (--timestamp-field or
 * the default fields), matches it as usual, then hands it in input order with its
 * matched rules to scan_corr_feed, which feeds the correlator and collects the
 * correlation match lines; the caller writes those of windows the event's time closed
 * (scan_corr_write_closed) before the event's own match lines and the others (scan_corr_write)
 * after them. At the end, scan_corr_finish flushes the correlator (windows still open are decided)
 * and prints the counted warnings (events without a timestamp, late events).
 */
#ifndef SIGMA_EXAMPLES_SCAN_CORRELATION_H
#define SIGMA_EXAMPLES_SCAN_CORRELATION_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <sigma/sigma.h>

#include "json_event.h"

typedef struct scan_corr scan_corr;

/* The default timestamp fields, in the order they are tried (NULL-terminated). */
extern const char *const scan_corr_default_fields[];

typedef struct scan_corr_config {
    const char *const *timestamp_fields; /* NULL: scan_corr_default_fields */
    size_t n_timestamp_fields;
    int64_t max_disorder_ms;  /* out-of-order tolerance */
    const char *const *files; /* input names as given ("-" for stdin) */
    size_t n_files;           /* more than one: events are {"file": ..., "event": n} */
    uint32_t max_groups;      /* correlator limits (sigma_correlator_options); 0: default */
    uint32_t max_events_per_group;
    int64_t idle_expiry_ms;
} scan_corr_config;

/* NULL when `rs` has no correlation rules (nothing to do: every rule alerts).
 * Exits with a message when out of memory. */
scan_corr *scan_corr_new(const sigma_ruleset *rs, const scan_corr_config *cfg);
void scan_corr_free(scan_corr *sc);

/* Whether a detection match of `rule` is printed: not for rules that correlations
 * reference without `generate: true`. */
int scan_corr_alerts(const scan_corr *sc, uint32_t rule);

/* The event's time (ms since the epoch) from a flat jansson object: the first
 * timestamp field that is present and parses. 0, or -1 without a usable time. */
int scan_corr_time_json(const scan_corr *sc, const json_t *flat, int64_t *ms);

/* The same while an event is read by the JSON-lines parser, without a jansson tree:
 * scan_corr_time_begin before the line, parse it through scan_corr_tee_sink (ctx a
 * scan_corr_tee: every field goes on to `inner`, the timestamp fields are watched;
 * `sc` NULL just forwards), then scan_corr_time_end (0, or -1 without a usable time).
 * Only the first value of a field counts, as with a JSON array in the object. */
typedef struct scan_corr_tee {
    scan_corr *sc;
    const json_event_sink *inner;
    void *inner_ctx;
} scan_corr_tee;
extern const json_event_sink scan_corr_tee_sink;
void scan_corr_time_begin(scan_corr *sc);
int scan_corr_time_end(const scan_corr *sc, int64_t *ms);

/* One event, in input order: its time (`has_time` 0: none could be read), the
 * sigma_event the rules saw and the rules it matched (`hits`, `n`). `file` indexes
 * cfg->files, `number` is the line or record number; `display` names the input in
 * messages. Returns the number of correlation match lines now waiting for
 * scan_corr_write, or -1 on a fatal error (message printed). */
int scan_corr_feed(scan_corr *sc, int has_time, int64_t ms, const sigma_event *ev,
                   const uint32_t *hits, uint32_t n, size_t file, uint64_t number,
                   const char *display);

/* Writes and forgets the lines of the windows that the event's time closed: they
 * belong before the event's own detection lines. 0, or -1 on a write error. */
int scan_corr_write_closed(scan_corr *sc, FILE *out);
/* Writes and forgets every waiting match line (the ones the event completed come
 * after its detection lines); 0, or -1 on a write error. */
int scan_corr_write(scan_corr *sc, FILE *out);

/* End of input: decides the open windows (their lines are then waiting, write them
 * with scan_corr_write) and prints the warnings on stderr; with `stats`, a
 * "stats: correlations ..." line too. Returns the number of lines waiting or -1. */
int scan_corr_finish(scan_corr *sc, int stats);

#endif
