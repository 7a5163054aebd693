#pragma once
/* Files and directories. Every fd is O_CLOEXEC. */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"

/* tmp file beside `path`, fsync, rename, fsync the directory. */
int write_file_atomic(const char *path, const void *data, size_t len, eng_error_t *err);
/* Creates `path` (it must not exist) and writes it, without fsync: for scratch files nobody
 * reads after a crash (an exec's spec). */
int write_file_new(const char *path, const void *data, size_t len, mode_t mode, eng_error_t *err);
/* Writes `s` into an existing file in place (kernel interfaces such as cgroup files). */
int write_file_string(const char *path, const char *s, eng_error_t *err);
/* Whole file into a NUL-terminated buffer (caller frees). NULL with err on failure. */
char *read_file(const char *path, size_t *ret_len, eng_error_t *err);
int mkdir_p(const char *path, mode_t mode, eng_error_t *err);
/* Removes a tree without crossing mount points or following symlinks. */
int rm_rf(const char *path, eng_error_t *err);
/* Bytes used by files under `path` (st_blocks based, like du). */
int64_t dir_size(const char *path);
/* Joins with '/': caller frees. */
char *path_join(const char *a, const char *b);
/* Lexical clean-up as Go's filepath.Clean: no "." or empty components, ".." resolved (never
 * above "/" for absolute paths), "." for an empty result. Caller frees. */
char *path_clean(const char *p);
int fsync_dir(const char *dir);

/* 64 lowercase hex characters from getrandom(); `out` must hold 65 bytes. */
void random_hex_id(char out[65]);

/* The CLOCK_REALTIME instant `ms` from now, for pthread_cond_timedwait. */
struct timespec;
void deadline_after_ms(struct timespec *ts, int64_t ms);
/* Wall clock in nanoseconds since the epoch. */
int64_t now_ns(void);
/* RFC 3339 with nanoseconds, UTC, as docker writes ("2024-01-02T03:04:05.123456789Z").
 * A zero time gives "0001-01-01T00:00:00Z". */
void format_time_ns(int64_t ns, char out[40]);
/* Parses RFC 3339 (fractional seconds optional) into ns; -1 on error. */
int parse_time_rfc3339(const char *s, int64_t *ret_ns);
/* Parses docker's time filters: unix seconds ("1700000000.5"), RFC 3339, or a duration
 * relative to now ("10m", "1h30m"). */
int parse_time_filter(const char *s, int64_t now, int64_t *ret_ns);
/* Go-style duration ("1h30m", "500ms", "10s") into ns. */
int parse_duration(const char *s, int64_t *ret_ns);
/* ns as Go's Duration.String writes it ("30s", "1m30s", "1.5s", "500ms"), as docker's
 * messages show durations. */
void format_duration(int64_t ns, char out[40]);
/* Human size ("10m", "1g", "100k", "512") into bytes, docker's RAMInBytes rules. */
int parse_size(const char *s, int64_t *ret);
