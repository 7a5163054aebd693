#pragma once
/* Reader of docker's json-file logs, the format berth-shim writes (src/shim/jsonlog.c): one
 * {"log":"...","stream":"stdout"|"stderr","time":"RFC3339Nano"} object per line, rotated as
 * <path>.1 (newest) ... <path>.N (oldest). Serves GET /containers/{id}/logs and attach logs=1. */
#include <stddef.h>
#include <stdint.h>
#include "../common/error.h"

struct log_entry {
	int stream;       /* 1 stdout, 2 stderr */
	const char *data; /* borrowed for the duration of the callback; not NUL-terminated */
	size_t len;
	int64_t time_ns; /* since the epoch */
};

/* Returns non-zero to stop reading (the client went away). */
typedef int (*log_entry_fn)(void *ctx, const struct log_entry *e);

struct log_read_opts {
	int64_t since_ns; /* entries before this are skipped; 0 = no bound */
	int64_t until_ns; /* reading stops at the first entry after this; 0 = no bound */
	long tail;        /* last N lines across the rotated files (before since/until); -1 all */
	int follow;       /* then wait for new entries, across rotations */
	/* follow stops once this returns true and the file is drained; rechecked at least
	 * every 250 ms. NULL: follow until `fn` stops. */
	int (*done)(void *ctx);
	void *done_ctx;
	/* following: called when everything written so far has been passed to `fn`, before
	 * waiting for more (callers that batch their output send it here). May be NULL. */
	void (*caught_up)(void *ctx);
	void *caught_up_ctx;
};

/* Calls `fn` for each entry, oldest first. A missing log is empty. Lines that are not valid
 * entries are skipped. 0 when the end was reached or `fn` stopped; -1 with `err` on I/O
 * errors. `o` NULL means everything, no follow. */
int logfile_read(const char *path, const struct log_read_opts *o, log_entry_fn fn, void *ctx,
                 eng_error_t *err);

/* Parses one line (without its '\n'). ret->data points into `line`, or into *scratch when the
 * text had escapes (*scratch grows with realloc; caller frees it once done). 0 or -1. */
int logfile_parse_line(const char *line, size_t len, char **scratch, size_t *scratch_cap,
                       struct log_entry *ret);
