#pragma once
/* Small helpers of berth-shim. The shim links libc only (static, -Os), so these replace what
 * src/common/ gives berthd. */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Diagnostics go to <bundle>/shim.log: the shim's own stdio is /dev/null. */
void util_diag_open(const char *path);
void util_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes everything, retrying on EINTR; -1 on error (EAGAIN included). */
int util_write_all(int fd, const void *buf, size_t len);
/* CLOCK_REALTIME / CLOCK_MONOTONIC in ns. */
int64_t util_now_ns(void);
int64_t util_mono_ms(void);
/* Go's time.RFC3339Nano in UTC: trailing zeros of the fraction trimmed, as docker writes. */
size_t util_format_time(int64_t ns, char out[40]);
int util_set_nonblock(int fd);
