/* json-file log reader. Parsing is by hand: the line format is fixed by our own writer (and
 * docker's), and a specialised scanner is several times faster than jansson per line, which
 * matters for `docker logs` of a few hundred MB. Unknown keys (docker's "attrs") are skipped. */
#include "logfile.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK (1 << 20)
/* An entry is at most 16 KiB of text, 6x when escaped; anything longer is not ours. */
#define LINE_LIMIT (4 << 20)
#define FOLLOW_POLL_MS 250
#define MAX_FILES 1024

/* ---- parsing ---- */

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex4(const char *p, const char *end)
{
	int v = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Unescapes the JSON string body at p (after the opening quote) into `out`, which must hold
 * end - p bytes (unescaping never grows). Returns the position after the closing quote. Lone
 * surrogates become U+FFFD, as Go's decoder does. */
static const char *unescape(const char *p, const char *end, char *out, size_t *ret_len)
{
	char *o = out;

	while (p < end) {
		/* copy the run up to the next backslash or the closing quote at memchr speed */
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		const char *q = memchr(p, '"', (size_t)((bs ? bs : end) - p));
		if (q) {
			memcpy(o, p, (size_t)(q - p));
			o += q - p;
			*ret_len = (size_t)(o - out);
			return q + 1;
		}
		if (!bs || end - bs < 2)
			return NULL;
		memcpy(o, p, (size_t)(bs - p));
		o += bs - p;
		char c = bs[1];
		p = bs + 2;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			*o++ = c;
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u': {
			int cp = hex4(p, end);
			if (cp < 0)
				return NULL;
			p += 4;
			if (cp >= 0xD800 && cp < 0xDC00) {
				int lo = end - p >= 6 && p[0] == '\\' && p[1] == 'u'
				             ? hex4(p + 2, end)
				             : -1;
				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				} else {
					cp = 0xFFFD;
				}
			} else if (cp >= 0xDC00 && cp < 0xE000) {
				cp = 0xFFFD;
			}
			o += put_utf8(o, (unsigned)cp);
			break;
		}
		default:
			return NULL;
		}
	}
	return NULL;
}

/* A string starting at p (after its opening quote): a view into the line when it has no
 * escapes, else unescaped into `buf` (which must hold end - p bytes), or with `buf` NULL only
 * skipped (*ret NULL). Returns the position after the closing quote. */
static const char *parse_string(const char *p, const char *end, char *buf, const char **ret,
                                size_t *ret_len)
{
	const char *q = memchr(p, '"', (size_t)(end - p));
	if (!q)
		return NULL;
	if (!memchr(p, '\\', (size_t)(q - p))) {
		*ret = p;
		*ret_len = (size_t)(q - p);
		return q + 1;
	}
	if (buf) {
		*ret = buf;
		return unescape(p, end, buf, ret_len);
	}
	/* the first quote not escaped by an odd run of backslashes */
	for (;;) {
		size_t bs = 0;
		for (const char *b = q - 1; b >= p && *b == '\\'; b--)
			bs++;
		if (!(bs & 1)) {
			*ret = NULL;
			*ret_len = 0;
			return q + 1;
		}
		q = memchr(q + 1, '"', (size_t)(end - q - 1));
		if (!q)
			return NULL;
	}
}

/* Skips any JSON value (numbers, literals, nested objects from docker's "attrs"). */
static const char *skip_value(const char *p, const char *end)
{
	const char *s;
	size_t n;
	int depth = 0;

	do {
		p = skip_ws(p, end);
		if (p >= end)
			return NULL;
		if (*p == '"') {
			p = parse_string(p + 1, end, NULL, &s, &n);
			if (!p)
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		else if (depth == 0) {
			while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ')
				p++;
			return p;
		}
		p++;
	} while (depth > 0);
	return p;
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* RFC 3339 as Go's RFC3339Nano writes it; falls back to the general parser. */
static int parse_time(const char *s, size_t n, int64_t *ret)
{
	int Y, M, D, h, m, sec, off = 0;
	int64_t frac = 0;
	size_t i = 19;

	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		goto slow;
	Y = digits(s, 4), M = digits(s + 5, 2), D = digits(s + 8, 2);
	h = digits(s + 11, 2), m = digits(s + 14, 2), sec = digits(s + 17, 2);
	if (Y < 0 || M < 1 || M > 12 || D < 1 || D > 31 || h < 0 || h > 23 || m < 0 || m > 59 ||
	    sec < 0 || sec > 60)
		goto slow;
	if (s[i] == '.') {
		int nd = 0;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, nd++)
			if (nd < 9)
				frac = frac * 10 + (s[i] - '0');
		if (nd == 0)
			goto slow;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
		off = 0;
	} else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
		if (oh < 0 || om < 0)
			goto slow;
		off = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
	} else {
		goto slow;
	}
	*ret = ((days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + m * 60 + sec) -
	        off) *
	           1000000000LL +
	       frac;
	return 0;
slow : {
	char tmp[64];
	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	return parse_time_rfc3339(tmp, ret);
}
}

static int ensure_cap(char **buf, size_t *cap, size_t need)
{
	if (*cap >= need)
		return 0;
	size_t n = *cap ? *cap : 4096;
	while (n < need)
		n *= 2;
	char *b = realloc(*buf, n);
	if (!b)
		return -1;
	*buf = b;
	*cap = n;
	return 0;
}

int logfile_parse_line(const char *line, size_t len, char **scratch, size_t *scratch_cap,
                       struct log_entry *ret)
{
	const char *p = line, *end = line + len, *s;
	size_t n;
	int have_log = 0, have_time = 0;
	struct log_entry e = {.stream = 1};

	p = skip_ws(p, end);
	if (p >= end || *p++ != '{')
		return -1;
	for (;;) {
		p = skip_ws(p, end);
		if (p >= end)
			return -1;
		if (*p == '}')
			break;
		if (*p++ != '"')
			return -1;
		/* docker never escapes its keys: an escaped key is an unknown one */
		p = parse_string(p, end, NULL, &s, &n);
		if (!p)
			return -1;
		p = skip_ws(p, end);
		if (p >= end || *p++ != ':')
			return -1;
		p = skip_ws(p, end);
		if (p >= end)
			return -1;
		if (s && n == 3 && !memcmp(s, "log", 3) && *p == '"') {
			p++;
			if (ensure_cap(scratch, scratch_cap, (size_t)(end - p) + 1) < 0)
				return -1;
			p = parse_string(p, end, *scratch, &e.data, &e.len);
			have_log = 1;
		} else if (s && n == 6 && !memcmp(s, "stream", 6) && *p == '"') {
			const char *v;
			size_t vn;
			p = parse_string(p + 1, end, NULL, &v, &vn);
			if (p && v)
				e.stream = vn == 6 && !memcmp(v, "stderr", 6) ? 2 : 1;
		} else if (s && n == 4 && !memcmp(s, "time", 4) && *p == '"') {
			const char *v;
			size_t vn;
			p = parse_string(p + 1, end, NULL, &v, &vn);
			if (p && v && parse_time(v, vn, &e.time_ns) == 0)
				have_time = 1;
		} else {
			p = skip_value(p, end);
		}
		if (!p)
			return -1;
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}')
			break;
		return -1;
	}
	if (!have_log)
		return -1;
	(void)have_time; /* docker accepts entries without time: the zero time */
	*ret = e;
	return 0;
}

/* ---- files ---- */

struct reader {
	const struct log_read_opts *o;
	log_entry_fn fn;
	void *ctx;
	char *buf; /* pending bytes [0, len) of the file being read */
	size_t cap, len;
	char *scratch;
	size_t scratch_cap;
	int stop;
};

static void handle_line(struct reader *r, const char *line, size_t len)
{
	const struct log_read_opts *o = r->o;
	struct log_entry e;

	if (len == 0 || logfile_parse_line(line, len, &r->scratch, &r->scratch_cap, &e) < 0)
		return;
	if (o->since_ns && e.time_ns < o->since_ns)
		return;
	if (o->until_ns && e.time_ns > o->until_ns) {
		r->stop = 1;
		return;
	}
	if (r->fn(r->ctx, &e))
		r->stop = 1;
}

/* Emits the complete lines in the buffer and keeps the partial tail. */
static void emit_lines(struct reader *r)
{
	size_t pos = 0;

	while (pos < r->len && !r->stop) {
		char *nl = memchr(r->buf + pos, '\n', r->len - pos);
		if (!nl)
			break;
		handle_line(r, r->buf + pos, (size_t)(nl - (r->buf + pos)));
		pos = (size_t)(nl - r->buf) + 1;
	}
	if (pos) {
		memmove(r->buf, r->buf + pos, r->len - pos);
		r->len -= pos;
	}
	if (r->len == r->cap && r->cap >= LINE_LIMIT)
		r->len = 0; /* a "line" this long is garbage; drop it rather than grow forever */
}

/* The last line of a file may lack its newline: the writer never does that, but a
 * truncated or foreign file might. */
static void flush_partial(struct reader *r)
{
	if (r->len && !r->stop)
		handle_line(r, r->buf, r->len);
	r->len = 0;
}

/* Reads fd from its offset *pos to EOF (or `limit` bytes when limit >= 0). */
static int drain(struct reader *r, int fd, off_t *pos, off_t limit, eng_error_t *err)
{
	while (!r->stop && (limit < 0 || limit > 0)) {
		if (r->len == r->cap) {
			size_t ncap = r->cap ? r->cap * 2 : READ_CHUNK;
			char *b = realloc(r->buf, ncap);
			if (!b)
				return eng_error_make(err, ENOMEM, ERR_INTERNAL, "out of memory");
			r->buf = b;
			r->cap = ncap;
		}
		size_t want = r->cap - r->len;
		if (limit >= 0 && (off_t)want > limit)
			want = (size_t)limit;
		ssize_t n = pread(fd, r->buf + r->len, want, *pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return eng_error_make(err, errno, ERR_INTERNAL, "reading log: %m");
		if (n == 0)
			break;
		*pos += n;
		if (limit > 0)
			limit -= n;
		r->len += (size_t)n;
		emit_lines(r);
	}
	return 0;
}

/* Offset where the last *want lines of the file begin; *want is lowered by the lines found.
 * Reads backwards in blocks, so a tail of a huge log costs only what it returns. */
static off_t tail_start(int fd, off_t size, long *want)
{
	char blk[65536];
	off_t end = size;
	char last;

	if (*want <= 0 || size == 0)
		return size;
	if (pread(fd, &last, 1, size - 1) == 1 && last == '\n')
		end--; /* the newline ending the last line starts nothing */
	while (end > 0) {
		size_t n = end > (off_t)sizeof(blk) ? sizeof(blk) : (size_t)end;
		off_t off = end - (off_t)n;
		size_t got = 0;
		while (got < n) {
			ssize_t k = pread(fd, blk + got, n - got, off + (off_t)got);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return 0; /* shrank under us: read it all */
			got += (size_t)k;
		}
		for (size_t i = n; i > 0;) {
			char *nl = memrchr(blk, '\n', i);
			if (!nl)
				break;
			if (--*want == 0)
				return off + (nl - blk) + 1;
			i = (size_t)(nl - blk);
		}
		end = off;
	}
	--*want; /* the first line of the file */
	return 0;
}

/* Time of the file's last entry; -1 when unknown. */
static int64_t last_time(struct reader *r, int fd, off_t size)
{
	long one = 1;
	off_t start = tail_start(fd, size, &one);
	size_t n = (size_t)(size - start);
	_cleanup_free_ char *buf = NULL;
	struct log_entry e;

	if (n == 0 || n > LINE_LIMIT || !(buf = malloc(n)) ||
	    pread(fd, buf, n, start) != (ssize_t)n)
		return -1;
	while (n && buf[n - 1] == '\n')
		n--;
	if (logfile_parse_line(buf, n, &r->scratch, &r->scratch_cap, &e) < 0)
		return -1;
	return e.time_ns;
}

struct logf {
	int fd;
	off_t start, size;
};

/* Opens path, path.1, ... newest first. A file seen twice (rotated while we opened them) is
 * kept once. */
static int open_files(const char *path, struct logf *f, int *ret_n, eng_error_t *err)
{
	char name[PATH_MAX + 16];
	struct stat st;
	struct {
		dev_t dev;
		ino_t ino;
	} seen[MAX_FILES];
	int n = 0;

	for (int i = 0; i < MAX_FILES; i++) {
		if (i == 0)
			snprintf(name, sizeof(name), "%s", path);
		else
			snprintf(name, sizeof(name), "%s.%d", path, i);
		int fd = open(name, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT && i == 0)
				continue; /* between a rotation's rename and create */
			if (errno == ENOENT)
				break;
			int e = errno;
			for (int j = 0; j < n; j++)
				close(f[j].fd);
			return eng_error_make(err, e, ERR_INTERNAL, "opening log `%s`: %s", name,
			                      strerror(e));
		}
		if (fstat(fd, &st) < 0) {
			close(fd);
			continue;
		}
		int dup = 0;
		for (int j = 0; j < n; j++)
			dup |= seen[j].ino == st.st_ino && seen[j].dev == st.st_dev;
		if (dup) {
			close(fd);
			continue;
		}
		seen[n].dev = st.st_dev;
		seen[n].ino = st.st_ino;
		f[n].fd = fd;
		f[n].start = 0;
		f[n].size = st.st_size;
		n++;
	}
	*ret_n = n;
	return 0;
}

static void wait_events(int ifd)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd p = {.fd = ifd, .events = POLLIN};

	if (ifd < 0) {
		poll(NULL, 0, FOLLOW_POLL_MS);
		return;
	}
	if (poll(&p, 1, FOLLOW_POLL_MS) > 0)
		while (read(ifd, ev, sizeof(ev)) > 0)
			;
}

static int same_file(int fd, const struct stat *st)
{
	struct stat cur;
	return fstat(fd, &cur) == 0 && cur.st_ino == st->st_ino && cur.st_dev == st->st_dev;
}

/* Follows `path` from (fd, pos): new data, rotation (path renamed to path.1 and recreated)
 * and truncation (max-file 1). The directory watch sees all three; the poll timeout bounds
 * both a missed event and the recheck of `done`. */
static int follow(struct reader *r, const char *path, int fd, off_t pos, eng_error_t *err)
{
	const struct log_read_opts *o = r->o;
	_cleanup_close_ int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	_cleanup_free_ char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	int rc = 0;

	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	if (ifd >= 0 &&
	    inotify_add_watch(ifd, slash ? dir : ".",
	                      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM) < 0) {
		close(ifd);
		ifd = -1;
	}
	for (;;) {
		int done = o->done && o->done(o->done_ctx);
		int rotated = 0;
		struct stat pst, fst;

		if (fd < 0) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			pos = 0;
		} else if (stat(path, &pst) == 0 && !same_file(fd, &pst)) {
			rotated = 1;
		}
		if (fd >= 0) {
			if (fstat(fd, &fst) == 0 && fst.st_size < pos) {
				pos = 0; /* truncated in place */
				r->len = 0;
			}
			if ((rc = drain(r, fd, &pos, -1, err)) < 0 || r->stop)
				break;
		}
		if (rotated) {
			/* every write to the old file happened before the rename we saw */
			flush_partial(r);
			close(fd);
			fd = -1;
			continue;
		}
		if (done)
			break;
		if (o->caught_up)
			o->caught_up(o->caught_up_ctx);
		wait_events(ifd);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int logfile_read(const char *path, const struct log_read_opts *opts, log_entry_fn fn, void *ctx,
                 eng_error_t *err)
{
	static const struct log_read_opts all = {.tail = -1};
	const struct log_read_opts *o = opts ? opts : &all;
	struct reader r = {.o = o, .fn = fn, .ctx = ctx};
	struct logf *f = calloc(MAX_FILES, sizeof(*f));
	int n = 0, rc = 0, newest_fd = -1;
	off_t newest_pos = 0;

	if (!f)
		return eng_error_make(err, ENOMEM, ERR_INTERNAL, "out of memory");
	if (open_files(path, f, &n, err) < 0) {
		free(f);
		return -1;
	}
	/* f[0] is the newest; tail walks backwards from it */
	if (o->tail >= 0) {
		long want = o->tail;
		for (int i = 0; i < n; i++) {
			if (want <= 0) {
				f[i].start = f[i].size;
				continue;
			}
			f[i].start = tail_start(f[i].fd, f[i].size, &want);
		}
	}
	/* rotated files wholly older than `since` need not be parsed */
	if (o->since_ns)
		for (int i = 1; i < n; i++)
			if (f[i].start < f[i].size) {
				int64_t t = last_time(&r, f[i].fd, f[i].size);
				if (t >= 0 && t < o->since_ns)
					f[i].start = f[i].size;
			}
	for (int i = n - 1; i >= 0 && !r.stop; i--) {
		off_t pos = f[i].start;
		/* without follow, stop at the size seen at open so a busy writer cannot keep us
		 * here forever */
		off_t limit = (i == 0 && o->follow) ? -1 : f[i].size - f[i].start;
		if ((rc = drain(&r, f[i].fd, &pos, limit, err)) < 0)
			break;
		if (i == 0 && o->follow) {
			newest_fd = f[i].fd;
			newest_pos = pos;
			f[i].fd = -1;
		} else {
			flush_partial(&r);
		}
	}
	for (int i = 0; i < n; i++)
		if (f[i].fd >= 0)
			close(f[i].fd);
	free(f);
	if (rc == 0 && o->follow && !r.stop)
		rc = follow(&r, path, newest_fd, newest_pos, err);
	else if (newest_fd >= 0)
		close(newest_fd);
	free(r.buf);
	free(r.scratch);
	return rc;
}
