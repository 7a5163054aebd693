#include "fsutil.h"
#include "cleanup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *path_clean(const char *p)
{
	size_t n = strlen(p);
	char *out = malloc(n + 2), *o = out;
	int abs = *p == '/';

	if (!out)
		abort();
	if (abs)
		*o++ = '/';
	while (*p) {
		const char *s = p;
		while (*s == '/')
			s++;
		const char *e = strchrnul(s, '/');
		size_t len = (size_t)(e - s);
		p = e;
		if (len == 0 || (len == 1 && s[0] == '.'))
			continue;
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			char *base = out + abs;
			if (o > base) {
				while (o > base && o[-1] != '/')
					o--;
				if (o > base)
					o--; /* the separator */
				continue;
			}
			if (abs)
				continue; /* "/.." is "/" */
		}
		if (o > out + abs)
			*o++ = '/';
		memcpy(o, s, len);
		o += len;
	}
	if (o == out)
		*o++ = '.';
	*o = 0;
	return out;
}

int fsync_dir(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	return fsync(fd);
}

int write_file_atomic(const char *path, const void *data, size_t len, eng_error_t *err)
{
	_cleanup_free_ char *tmp = NULL, *dcopy = strdup(path);
	_cleanup_close_ int fd = -1;
	const char *p = data;

	if (asprintf(&tmp, "%s.tmp%d", path, gettid()) < 0)
		return eng_error_make(err, ENOMEM, ERR_INTERNAL, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "creating %s: %m", tmp);
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			eng_error_make(err, errno, ERR_INTERNAL, "writing %s: %m", tmp);
			unlink(tmp);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0 || rename(tmp, path) < 0) {
		eng_error_make(err, errno, ERR_INTERNAL, "committing %s: %m", path);
		unlink(tmp);
		return -1;
	}
	fsync_dir(dirname(dcopy));
	return 0;
}

int write_file_new(const char *path, const void *data, size_t len, mode_t mode, eng_error_t *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	const char *p = data;

	if (fd < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "creating %s: %m", path);
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			eng_error_make(err, errno, ERR_INTERNAL, "writing %s: %m", path);
			unlink(path);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int write_file_string(const char *path, const char *s, eng_error_t *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(s);

	if (fd < 0)
		return eng_error_make(err, errno, errno == ENOENT ? ERR_NOT_FOUND : ERR_INTERNAL,
				      "opening %s: %m", path);
	if (write(fd, s, len) != (ssize_t)len)
		return eng_error_make(err, errno, ERR_INTERNAL, "writing %s: %m", path);
	return 0;
}

char *read_file(const char *path, size_t *ret_len, eng_error_t *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, len = 0;
	char *buf;

	if (fd < 0) {
		eng_error_make(err, errno, errno == ENOENT ? ERR_NOT_FOUND : ERR_INTERNAL,
			       "opening %s: %m", path);
		return NULL;
	}
	buf = malloc(cap);
	for (;;) {
		ssize_t n;
		if (len + 1 >= cap)
			buf = realloc(buf, cap *= 2);
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			eng_error_make(err, errno, ERR_INTERNAL, "reading %s: %m", path);
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	if (ret_len)
		*ret_len = len;
	return buf;
}

int mkdir_p(const char *path, mode_t mode, eng_error_t *err)
{
	_cleanup_free_ char *p = strdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return eng_error_make(err, errno, ERR_INTERNAL, "mkdir %s: %m", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return eng_error_make(err, errno, ERR_INTERNAL, "mkdir %s: %m", p);
	return 0;
}

static int rm_rf_at(int dfd, const char *name, dev_t dev)
{
	struct stat st;
	int fd, r = 0;
	DIR *d;
	struct dirent *de;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	if (st.st_dev != dev) /* a mount point: never descend */
		return -1;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (rm_rf_at(fd, de->d_name, dev) < 0)
			r = -1;
	}
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = -1;
	return r;
}

int rm_rf(const char *path, eng_error_t *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : eng_error_make(err, errno, ERR_INTERNAL, "stat %s: %m", path);
	if (rm_rf_at(AT_FDCWD, path, st.st_dev) < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "removing %s: %m", path);
	return 0;
}

static int64_t dir_size_at(int dfd, const char *name, dev_t dev)
{
	struct stat st;
	int64_t total;
	int fd;
	DIR *d;
	struct dirent *de;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? (int64_t)st.st_size : 0;
	if (st.st_dev != dev)
		return 0;
	total = 0;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			total += dir_size_at(fd, de->d_name, dev);
	closedir(d);
	return total;
}

int64_t dir_size(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return 0;
	return dir_size_at(AT_FDCWD, path, st.st_dev);
}

char *path_join(const char *a, const char *b)
{
	char *out;
	while (*b == '/')
		b++;
	if (asprintf(&out, "%s%s%s", a, a[0] && a[strlen(a) - 1] == '/' ? "" : "/", b) < 0)
		abort();
	return out;
}

void random_hex_id(char out[65])
{
	unsigned char raw[32];
	static const char hex[] = "0123456789abcdef";
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[64] = 0;
}

void deadline_after_ms(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void format_time_ns(int64_t ns, char out[40])
{
	struct tm tm;
	time_t secs;
	long frac;
	char base[32];

	if (ns <= 0) {
		strcpy(out, "0001-01-01T00:00:00Z");
		return;
	}
	secs = (time_t)(ns / 1000000000LL);
	frac = (long)(ns % 1000000000LL);
	gmtime_r(&secs, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac == 0) {
		snprintf(out, 40, "%sZ", base);
		return;
	}
	/* Go's RFC3339Nano trims trailing zeros of the fraction */
	char f[16];
	snprintf(f, sizeof(f), "%09ld", frac);
	for (int i = 8; i > 0 && f[i] == '0'; i--)
		f[i] = 0;
	snprintf(out, 40, "%s.%sZ", base, f);
}

int parse_time_rfc3339(const char *s, int64_t *ret_ns)
{
	struct tm tm = {0};
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	int64_t frac = 0, off = 0;

	if (!p)
		return -1;
	if (*p == '.') {
		int digits = 0;
		p++;
		while (isdigit((unsigned char)*p)) {
			if (digits < 9) {
				frac = frac * 10 + (*p - '0');
				digits++;
			}
			p++;
		}
		while (digits++ < 9)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int h, m;
		if (sscanf(p + 1, "%2d:%2d", &h, &m) != 2)
			return -1;
		off = (h * 3600 + m * 60) * (*p == '+' ? 1 : -1);
		p += 6;
	} else if (*p) {
		return -1;
	}
	if (*p)
		return -1;
	*ret_ns = ((int64_t)timegm(&tm) - off) * 1000000000LL + frac;
	return 0;
}

int parse_duration(const char *s, int64_t *ret_ns)
{
	double total = 0;
	const char *p = s;

	if (!*p)
		return -1;
	if (!strcmp(p, "0")) {
		*ret_ns = 0;
		return 0;
	}
	while (*p) {
		char *end;
		double v = strtod(p, &end);
		double unit;
		if (end == p)
			return -1;
		p = end;
		if (!strncmp(p, "ns", 2))
			unit = 1, p += 2;
		else if (!strncmp(p, "us", 2) || !strncmp(p, "µs", 3))
			unit = 1e3, p += (*p == 'u' ? 2 : 3);
		else if (!strncmp(p, "ms", 2))
			unit = 1e6, p += 2;
		else if (*p == 's')
			unit = 1e9, p++;
		else if (*p == 'm')
			unit = 60e9, p++;
		else if (*p == 'h')
			unit = 3600e9, p++;
		else
			return -1;
		total += v * unit;
	}
	*ret_ns = (int64_t)total;
	return 0;
}

int parse_time_filter(const char *s, int64_t now, int64_t *ret_ns)
{
	int64_t d;
	char *end;
	long long secs;

	if (!*s)
		return -1;
	if (parse_duration(s, &d) == 0) {
		*ret_ns = now - d;
		return 0;
	}
	if (parse_time_rfc3339(s, ret_ns) == 0)
		return 0;
	/* date only, as docker accepts */
	struct tm tm = {0};
	const char *p = strptime(s, "%Y-%m-%d", &tm);
	if (p && !*p) {
		*ret_ns = (int64_t)timegm(&tm) * 1000000000LL;
		return 0;
	}
	/* "seconds[.fraction]" as the docker CLI sends it: integers, because a double loses the
	 * nanoseconds that make --since/--until bounds exact */
	errno = 0;
	secs = strtoll(s, &end, 10);
	if (end == s || errno || secs > INT64_MAX / 1000000000LL || secs < INT64_MIN / 1000000000LL)
		return -1;
	*ret_ns = secs * 1000000000LL;
	if (*end == '.') {
		int64_t frac = 0, scale = 100000000LL;
		const char *p = end + 1;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += (*p - '0') * scale;
		*ret_ns += s[0] == '-' ? -frac : frac;
		end = (char *)p;
	}
	return *end ? -1 : 0;
}

/* "<int>[.<frac>]" of v/unit with the fraction's trailing zeros dropped. */
static int format_fraction(char *out, size_t cap, int64_t v, int64_t unit, int digits)
{
	int n = snprintf(out, cap, "%lld", (long long)(v / unit));
	int64_t frac = v % unit;
	if (frac) {
		char f[24];
		snprintf(f, sizeof(f), "%0*lld", digits, (long long)frac);
		for (size_t l = strlen(f); l && f[l - 1] == '0'; l--)
			f[l - 1] = 0;
		n += snprintf(out + n, cap - (size_t)n, ".%s", f);
	}
	return n;
}

void format_duration(int64_t ns, char out[40])
{
	const char *sign = ns < 0 ? "-" : "";
	uint64_t u = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
	int64_t v = (int64_t)(u > INT64_MAX ? INT64_MAX : u);
	char num[32];

	if (v == 0) {
		strcpy(out, "0s");
	} else if (v < 1000) {
		snprintf(out, 40, "%s%lldns", sign, (long long)v);
	} else if (v < 1000000) {
		format_fraction(num, sizeof(num), v, 1000, 3);
		snprintf(out, 40, "%s%sµs", sign, num);
	} else if (v < 1000000000) {
		format_fraction(num, sizeof(num), v, 1000000, 6);
		snprintf(out, 40, "%s%sms", sign, num);
	} else {
		int64_t h = v / 3600000000000LL, m = v / 60000000000LL % 60;
		format_fraction(num, sizeof(num), v % 60000000000LL, 1000000000, 9);
		if (h)
			snprintf(out, 40, "%s%lldh%lldm%ss", sign, (long long)h, (long long)m, num);
		else if (m)
			snprintf(out, 40, "%s%lldm%ss", sign, (long long)m, num);
		else
			snprintf(out, 40, "%s%ss", sign, num);
	}
}

int parse_size(const char *s, int64_t *ret)
{
	char *end;
	double v = strtod(s, &end);
	int64_t mult = 1;

	if (end == s || v < 0)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case 0:
		break;
	case 'b':
		break;
	case 'k':
		mult = 1LL << 10;
		break;
	case 'm':
		mult = 1LL << 20;
		break;
	case 'g':
		mult = 1LL << 30;
		break;
	case 't':
		mult = 1LL << 40;
		break;
	default:
		return -1;
	}
	if (*end) {
		end++;
		if (tolower((unsigned char)*end) == 'i')
			end++;
		if (tolower((unsigned char)*end) == 'b')
			end++;
		if (*end)
			return -1;
	}
	*ret = (int64_t)(v * (double)mult);
	return 0;
}
