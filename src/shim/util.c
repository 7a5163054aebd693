#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int diag_fd = -1;

void util_diag_open(const char *path)
{
	diag_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

void util_diag(const char *fmt, ...)
{
	char buf[1024];
	size_t n;
	va_list ap;

	if (diag_fd < 0)
		return;
	n = util_format_time(util_now_ns(), buf);
	buf[n++] = ' ';
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(buf);
	buf[n++] = '\n';
	(void)!write(diag_fd, buf, n);
}

int util_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int64_t util_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t util_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *put_num(char *p, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

size_t util_format_time(int64_t ns, char out[40])
{
	time_t sec = (time_t)(ns / 1000000000);
	unsigned frac = (unsigned)(ns % 1000000000);
	struct tm tm;
	char *p = out;
	int digits = 9;

	gmtime_r(&sec, &tm);
	p = put_num(p, (unsigned)tm.tm_year + 1900, 4);
	*p++ = '-';
	p = put_num(p, (unsigned)tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_num(p, (unsigned)tm.tm_mday, 2);
	*p++ = 'T';
	p = put_num(p, (unsigned)tm.tm_hour, 2);
	*p++ = ':';
	p = put_num(p, (unsigned)tm.tm_min, 2);
	*p++ = ':';
	p = put_num(p, (unsigned)tm.tm_sec, 2);
	if (frac) {
		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		*p++ = '.';
		p = put_num(p, frac, digits);
	}
	*p++ = 'Z';
	*p = 0;
	return (size_t)(p - out);
}

int util_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}
