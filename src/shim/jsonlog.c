#include "jsonlog.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* docker's copier reads into a 16 KiB buffer and emits a partial message when it fills up
 * without a newline. */
#define LINE_MAX_BYTES 16384

static struct {
	int fd;
	char path[PATH_MAX];
	int64_t max_size, size;
	int max_file;
	char line[2][LINE_MAX_BYTES];
	size_t len[2];
	size_t outlen; /* entries in out[] not yet written */
	/* the entries of one read from the container share its arrival time, formatted once */
	char time[40];
	size_t timelen;
} L = {.fd = -1};

/* An entry's worst case: every byte becomes \u00XX, plus the fixed fields. */
#define ENTRY_MAX(n) ((n) * 6 + 128)
/* Entries are gathered here and written once per read from the container, not once per
 * line: 100-byte lines cost a syscall each otherwise. Holds at least one entry of any size. */
#define OUT_CAP (128 * 1024)
static char out[OUT_CAP];
_Static_assert(OUT_CAP >= ENTRY_MAX(LINE_MAX_BYTES), "out[] must hold the largest entry");

int jsonlog_open(const char *path, int64_t max_size, int max_file)
{
	struct stat st;

	if (!path)
		return 0;
	snprintf(L.path, sizeof(L.path), "%s", path);
	L.max_size = max_size;
	L.max_file = max_file < 1 ? 1 : max_file;
	L.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (L.fd < 0)
		return -1;
	L.size = fstat(L.fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (Go's utf8.DecodeRune rules), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	unsigned lo = 0x80, hi = 0xBF;
	size_t need;

	if (c >= 0xC2 && c <= 0xDF)
		need = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return need;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Whether any of the eight bytes in w is one escape() must look at: a control byte,
 * '"', '\\', '<', '>', '&', or a byte of a multi-byte sequence. (SWAR: a zero byte of
 * w ^ c*ONES shows as a high bit of (x - ONES) & ~x.) */
static inline int needs_escape(uint64_t w)
{
	uint64_t t = (w - 0x20 * ONES) | w; /* below 0x20, or 0x80 and up */
	t |= ((w ^ ('"' * ONES)) - ONES) & ~(w ^ ('"' * ONES));
	t |= ((w ^ ('\\' * ONES)) - ONES) & ~(w ^ ('\\' * ONES));
	t |= ((w ^ ('<' * ONES)) - ONES) & ~(w ^ ('<' * ONES));
	t |= ((w ^ ('>' * ONES)) - ONES) & ~(w ^ ('>' * ONES));
	t |= ((w ^ ('&' * ONES)) - ONES) & ~(w ^ ('&' * ONES));
	return (t & HIGHS) != 0;
}

/* docker's jsonlog escaping (Go's encoder with HTML escaping): < > & and control bytes as
 * \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped. */
static size_t escape(char *out, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		/* runs of plain bytes, eight at a time, are the common case */
		while (n - i >= 8) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (needs_escape(w))
				break;
			memcpy(out + o, &w, 8);
			o += 8;
			i += 8;
		}
		if (i == n)
			break;
		unsigned c = s[i];
		if (c < 0x80) {
			if (c == '"' || c == '\\') {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else if (c == '\n') {
				out[o++] = '\\';
				out[o++] = 'n';
			} else if (c == '\r') {
				out[o++] = '\\';
				out[o++] = 'r';
			} else if (c == '\t') {
				out[o++] = '\\';
				out[o++] = 't';
			} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
				memcpy(out + o, "\\u00", 4);
				o += 4;
				out[o++] = hex[c >> 4];
				out[o++] = hex[c & 15];
			} else {
				out[o++] = (char)c;
			}
			i++;
			continue;
		}
		size_t l = utf8_len(s + i, n - i);
		if (!l) {
			memcpy(out + o, "\\ufffd", 6);
			o += 6;
			i++;
		} else if (l == 3 && c == 0xE2 && s[i + 1] == 0x80 &&
		           (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
			memcpy(out + o, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
			o += 6;
			i += 3;
		} else {
			memcpy(out + o, s + i, l);
			o += l;
			i += l;
		}
	}
	return o;
}

/* docker's rotation: path.N-1 -> path.N ... path -> path.1, then a new path; with
 * max-file 1 the file is truncated instead. */
static void rotate(void)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];

	if (L.max_file < 2) {
		if (ftruncate(L.fd, 0) < 0)
			util_diag("truncating %s: %m", L.path);
		L.size = 0;
		return;
	}
	for (int i = L.max_file - 1; i > 1; i--) {
		snprintf(from, sizeof(from), "%s.%d", L.path, i - 1);
		snprintf(to, sizeof(to), "%s.%d", L.path, i);
		if (rename(from, to) < 0 && errno != ENOENT)
			util_diag("rotating %s: %m", from);
	}
	snprintf(to, sizeof(to), "%s.1", L.path);
	if (rename(L.path, to) < 0)
		util_diag("rotating %s: %m", L.path);
	close(L.fd);
	L.fd = open(L.path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (L.fd < 0)
		util_diag("reopening %s: %m", L.path);
	L.size = 0;
}

/* Writes the gathered entries; whole entries only, so a reader following the file sees
 * complete lines. */
static void flush_out(void)
{
	if (L.outlen == 0 || L.fd < 0) {
		L.outlen = 0;
		return;
	}
	if (util_write_all(L.fd, out, L.outlen) < 0)
		util_diag("writing %s: %m", L.path);
	else
		L.size += (int64_t)L.outlen;
	L.outlen = 0;
}

static void add_entry(int stream, const char *data, size_t len)
{
	static const char head[] = "{\"log\":\"";
	static const char mid_out[] = "\",\"stream\":\"stdout\",\"time\":\"";
	static const char mid_err[] = "\",\"stream\":\"stderr\",\"time\":\"";
	const char *mid = stream == JSONLOG_STDERR ? mid_err : mid_out;
	char *e;
	size_t o;

	if (L.fd < 0)
		return;
	/* docker's rule: rotate once the file has reached max-size, before the next entry */
	if (L.max_size > 0 && L.size + (int64_t)L.outlen >= L.max_size) {
		flush_out();
		rotate();
		if (L.fd < 0)
			return;
	}
	if (OUT_CAP - L.outlen < ENTRY_MAX(len))
		flush_out();
	e = out + L.outlen;
	memcpy(e, head, sizeof(head) - 1);
	o = sizeof(head) - 1;
	o += escape(e + o, (const unsigned char *)data, len);
	memcpy(e + o, mid, sizeof(mid_out) - 1);
	o += sizeof(mid_out) - 1;
	memcpy(e + o, L.time, L.timelen);
	o += L.timelen;
	memcpy(e + o, "\"}\n", 3);
	L.outlen += o + 3;
}

void jsonlog_data(int stream, const char *buf, size_t len)
{
	int s = stream == JSONLOG_STDERR;

	if (L.fd < 0)
		return;
	L.timelen = util_format_time(util_now_ns(), L.time);
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t take = nl ? (size_t)(nl - buf) + 1 : len;
		size_t room = LINE_MAX_BYTES - L.len[s];

		if (take > room)
			take = room;
		if (L.len[s] == 0 && nl && take == (size_t)(nl - buf) + 1) {
			/* a whole line in the buffer: no copy */
			add_entry(stream, buf, take);
		} else {
			memcpy(L.line[s] + L.len[s], buf, take);
			L.len[s] += take;
			if (L.line[s][L.len[s] - 1] == '\n' || L.len[s] == LINE_MAX_BYTES) {
				add_entry(stream, L.line[s], L.len[s]);
				L.len[s] = 0;
			}
		}
		buf += take;
		len -= take;
	}
	flush_out();
}

void jsonlog_flush(int stream)
{
	int s = stream == JSONLOG_STDERR;

	if (L.len[s] > 0) {
		L.timelen = util_format_time(util_now_ns(), L.time);
		add_entry(stream, L.line[s], L.len[s]);
	}
	L.len[s] = 0;
	flush_out();
}
