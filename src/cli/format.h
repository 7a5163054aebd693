#pragma once
/* Output helpers shared by the commands: a subset of Go templates as the docker CLI's
 * --format understands them, a tabwriter with docker's settings, docker's human units. */
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

/* Renders `tmpl` against `data`: literal text, {{.A.B}}, {{.}}, {{json .X}}, {{index .X "k"}},
 * {{join .X "sep"}}, {{lower .X}}, {{upper .X}}, {{len .X}}, {{println}} and `|` pipes into
 * those functions. Returns a new string, or NULL with *ret_err (static text) on a template
 * error. */
char *fmt_render(const char *tmpl, json_t *data, const char **ret_err);

/* Go's fmt %v of a JSON value ("map[a:b]", "[x y]", "<nil>"); caller frees. */
char *fmt_value(json_t *v);

/* docker's format key handling: "table ..." and `\t` / `\n` escapes. `fmt` NULL or "" means
 * `def`. Caller frees the result; *ret_table tells whether a header is wanted. */
char *fmt_prepare(const char *fmt, const char *def, int *ret_table);

/* Rows of tab-separated cells, printed aligned like Go's tabwriter (padding 3; the
 * formatter's minwidth is 10, top's 20) by fmt_table_flush. */
struct fmt_table {
	char **lines;
	size_t n, cap;
};
void fmt_table_add(struct fmt_table *t, const char *line);             /* copies */
void fmt_table_flush(struct fmt_table *t, FILE *out, size_t minwidth); /* prints, frees */

/* Renders rows through a template: table header first when the format is a table. A JSON
 * object `headers` maps field names to column titles. "json" prints each row as JSON.
 * Returns 0, or 1 after printing a template error. */
int fmt_rows(const char *fmt, const char *def, json_t *headers, json_t *rows);

/* "4.26MB" (units.HumanSizeWithPrecision(size, 3)) into out[32]. */
void fmt_size(double size, char out[32]);
/* The same with `prec` significant digits (units.HumanSize is 4). */
void fmt_size_prec(double size, int prec, char out[32]);
/* "1.5MiB" (units.BytesSize) into out[32]. */
void fmt_bytes(double size, char out[32]);
/* "5 seconds", "About a minute" (units.HumanDuration) from seconds into out[48]. */
void fmt_duration(int64_t secs, char out[48]);
/* "5 seconds ago" for a unix time. */
void fmt_since(int64_t unix_secs, char out[64]);
/* Go's time.Time.String() for a unix time in local time: "2024-01-02 03:04:05 +0000 UTC". */
void fmt_time_local(int64_t unix_secs, char out[64]);

/* Ellipsis by display width (runes here), docker's formatter.Ellipsis; caller frees. */
char *fmt_ellipsis(const char *s, size_t width);
/* Go strconv.Quote; caller frees. */
char *fmt_quote(const char *s);
/* First 12 characters of an ID without its "sha256:" prefix, into out[13]. */
void fmt_short_id(const char *id, char out[13]);

/* The keys of a JSON object (as k=v for string values when `with_values`), sorted and
 * joined by `sep`; caller frees. */
#include <stdbool.h>
char *fmt_join_keys(json_t *obj, const char *sep, bool with_values);

/* "Error response from daemon: <msg>" on stderr. */
void fmt_daemon_error(const char *msg);
