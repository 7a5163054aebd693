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
} L = {.fd = -1};

/* Worst case: every byte becomes \u00XX, plus the fixed fields. */
static char entry[LINE_MAX_BYTES * 6 + 128];

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

/* docker's jsonlog escaping (Go's encoder with HTML escaping): < > & and control bytes as
 * \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped. */
static size_t escape(char *out, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < n;) {
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

static void write_entry(int stream, const char *data, size_t len)
{
	static const char head[] = "{\"log\":\"";
	const char *mid = stream == JSONLOG_STDERR ? "\",\"stream\":\"stderr\",\"time\":\""
	                                           : "\",\"stream\":\"stdout\",\"time\":\"";
	size_t o = 0;

	if (L.fd < 0)
		return;
	memcpy(entry, head, sizeof(head) - 1);
	o = sizeof(head) - 1;
	o += escape(entry + o, (const unsigned char *)data, len);
	memcpy(entry + o, mid, strlen(mid));
	o += strlen(mid);
	o += util_format_time(util_now_ns(), entry + o);
	memcpy(entry + o, "\"}\n", 3);
	o += 3;
	if (L.max_size > 0 && L.size >= L.max_size)
		rotate();
	if (L.fd < 0)
		return;
	/* one write per entry: readers following the file never see a torn line */
	if (util_write_all(L.fd, entry, o) < 0) {
		util_diag("writing %s: %m", L.path);
		return;
	}
	L.size += (int64_t)o;
}

void jsonlog_data(int stream, const char *buf, size_t len)
{
	int s = stream == JSONLOG_STDERR;

	if (L.fd < 0)
		return;
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t take = nl ? (size_t)(nl - buf) + 1 : len;
		size_t room = LINE_MAX_BYTES - L.len[s];

		if (take > room)
			take = room;
		if (L.len[s] == 0 && nl && take == (size_t)(nl - buf) + 1) {
			/* a whole line in the buffer: no copy */
			write_entry(stream, buf, take);
		} else {
			memcpy(L.line[s] + L.len[s], buf, take);
			L.len[s] += take;
			if (L.line[s][L.len[s] - 1] == '\n' || L.len[s] == LINE_MAX_BYTES) {
				write_entry(stream, L.line[s], L.len[s]);
				L.len[s] = 0;
			}
		}
		buf += take;
		len -= take;
	}
}

void jsonlog_flush(int stream)
{
	int s = stream == JSONLOG_STDERR;

	if (L.len[s] > 0)
		write_entry(stream, L.line[s], L.len[s]);
	L.len[s] = 0;
}
