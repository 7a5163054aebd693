/* json-file log reader: parsing, tail across rotated files, since/until, follow. */
#include "tap.h"
#include "common/fsutil.h"
#include "runtime/logfile.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEC 1000000000LL
/* 2023-11-14T22:13:20Z */
#define T0 (1700000000LL * SEC)

static char dir[] = "/tmp/berth-test-logfile-XXXXXX";

struct collect {
	char out[8192];
	size_t len;
	int n, stop_after;
	int64_t times[64];
	int streams[64];
};

static int collect_fn(void *ctx, const struct log_entry *e)
{
	struct collect *c = ctx;
	if (c->len + e->len < sizeof(c->out)) {
		memcpy(c->out + c->len, e->data, e->len);
		c->len += e->len;
		c->out[c->len] = 0;
	}
	if (c->n < 64) {
		c->times[c->n] = e->time_ns;
		c->streams[c->n] = e->stream;
	}
	c->n++;
	return c->stop_after && c->n >= c->stop_after;
}

static char *line(const char *text, const char *stream, int64_t t)
{
	char ts[40], *s;
	format_time_ns(t, ts);
	if (asprintf(&s, "{\"log\":\"%s\",\"stream\":\"%s\",\"time\":\"%s\"}\n", text, stream, ts) <
	    0)
		abort();
	return s;
}

/* Writes entries "<prefix><i>\n" for i in [from, to) at T0 + i seconds. */
static int write_log(const char *path, const char *prefix, int from, int to)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	for (int i = from; i < to; i++) {
		char text[64];
		snprintf(text, sizeof(text), "%s%d\\n", prefix, i);
		char *l = line(text, i % 2 ? "stderr" : "stdout", T0 + i * SEC);
		fputs(l, f);
		free(l);
	}
	return fclose(f);
}

static char *logpath(const char *name)
{
	return path_join(dir, name);
}

static int test_parse_plain(void)
{
	const char *l = "{\"log\":\"hello\\n\",\"stream\":\"stderr\",\"time\":"
	                "\"2023-11-14T22:13:20.123456789Z\"}";
	char *scratch = NULL;
	size_t cap = 0;
	struct log_entry e;

	CHECK(logfile_parse_line(l, strlen(l), &scratch, &cap, &e) == 0);
	CHECK(e.len == 6 && !memcmp(e.data, "hello\n", 6));
	CHECK(e.stream == 2);
	CHECK(e.time_ns == T0 + 123456789);
	free(scratch);
	return 0;
}

static int test_parse_escapes(void)
{
	/* quotes, backslash, control bytes, docker's HTML escapes, a BMP char, a surrogate
	 * pair (U+1F600), a lone surrogate, and an "attrs" object to skip */
	const char *l =
	    "{\"log\":\"a\\\"b\\\\c\\t\\u0001\\u003c\\u0026\\u00e9\\ud83d\\ude00"
	    "\\udc00/\\/\\n\",\"stream\":\"stdout\",\"attrs\":{\"k\":\"v}\\\"\",\"n\":[1,"
	    "{}]},\"time\":\"2023-11-15T00:13:20+02:00\"}";
	const char *want = "a\"b\\c\t\x01<&\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd//\n";
	char *scratch = NULL;
	size_t cap = 0;
	struct log_entry e;

	CHECK(logfile_parse_line(l, strlen(l), &scratch, &cap, &e) == 0);
	CHECK(e.len == strlen(want) && !memcmp(e.data, want, e.len));
	CHECK(e.stream == 1);
	CHECK(e.time_ns == T0);
	CHECK(logfile_parse_line("{\"log\":\"x", 8, &scratch, &cap, &e) < 0);
	CHECK(logfile_parse_line("garbage", 7, &scratch, &cap, &e) < 0);
	CHECK(logfile_parse_line("{\"stream\":\"stdout\"}", 19, &scratch, &cap, &e) < 0);
	free(scratch);
	return 0;
}

static int test_read_all_and_missing(void)
{
	char *p = logpath("a.log");
	struct collect c = {0};

	CHECK(logfile_read(p, NULL, collect_fn, &c, NULL) == 0 && c.n == 0);
	CHECK(write_log(p, "a", 0, 5) == 0);
	CHECK(logfile_read(p, NULL, collect_fn, &c, NULL) == 0);
	CHECK(c.n == 5);
	CHECK(!strcmp(c.out, "a0\na1\na2\na3\na4\n"));
	CHECK(c.streams[0] == 1 && c.streams[1] == 2);
	CHECK(c.times[4] == T0 + 4 * SEC);
	free(p);
	return 0;
}

/* Rotation: b.log.2 oldest, b.log.1, then b.log newest. */
static int make_rotated(char **ret)
{
	char *p = logpath("b.log"), name[512];
	snprintf(name, sizeof(name), "%s.2", p);
	if (write_log(name, "x", 0, 3) < 0)
		return -1;
	snprintf(name, sizeof(name), "%s.1", p);
	if (write_log(name, "x", 3, 6) < 0)
		return -1;
	if (write_log(p, "x", 6, 8) < 0)
		return -1;
	*ret = p;
	return 0;
}

static int test_rotation_order(void)
{
	char *p;
	struct collect c = {0};

	CHECK(make_rotated(&p) == 0);
	CHECK(logfile_read(p, NULL, collect_fn, &c, NULL) == 0);
	CHECK(!strcmp(c.out, "x0\nx1\nx2\nx3\nx4\nx5\nx6\nx7\n"));
	free(p);
	return 0;
}

static int test_tail(void)
{
	char *p;
	CHECK(make_rotated(&p) == 0);
	struct {
		long tail;
		const char *want;
	} cases[] = {
	    {0, ""},
	    {1, "x7\n"},
	    {2, "x6\nx7\n"},
	    {4, "x4\nx5\nx6\nx7\n"},
	    {6, "x2\nx3\nx4\nx5\nx6\nx7\n"},
	    {100, "x0\nx1\nx2\nx3\nx4\nx5\nx6\nx7\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct collect c = {0};
		struct log_read_opts o = {.tail = cases[i].tail};
		CHECK(logfile_read(p, &o, collect_fn, &c, NULL) == 0);
		if (strcmp(c.out, cases[i].want)) {
			fprintf(stderr, "# tail %ld: got %s\n", cases[i].tail, c.out);
			return -1;
		}
	}
	free(p);
	return 0;
}

static int test_tail_big(void)
{
	/* larger than the backwards block size, so the scan crosses blocks */
	char *p = logpath("big.log");
	struct collect c = {0};
	struct log_read_opts o = {.tail = 3};

	CHECK(write_log(p, "line-with-some-padding-to-make-it-longer-", 0, 5000) == 0);
	CHECK(logfile_read(p, &o, collect_fn, &c, NULL) == 0);
	CHECK(c.n == 3);
	CHECK(strstr(c.out, "longer-4997\n") && strstr(c.out, "longer-4999\n"));
	CHECK(!strstr(c.out, "longer-4996\n"));
	o.tail = 2000;
	memset(&c, 0, sizeof(c));
	CHECK(logfile_read(p, &o, collect_fn, &c, NULL) == 0);
	CHECK(c.n == 2000 && c.times[0] == T0 + 3000 * SEC);
	free(p);
	return 0;
}

static int test_since_until(void)
{
	char *p;
	CHECK(make_rotated(&p) == 0);
	struct collect c = {0};
	struct log_read_opts o = {.tail = -1, .since_ns = T0 + 4 * SEC, .until_ns = T0 + 6 * SEC};
	CHECK(logfile_read(p, &o, collect_fn, &c, NULL) == 0);
	CHECK(!strcmp(c.out, "x4\nx5\nx6\n"));
	/* tail applies first, then since: docker's order */
	memset(&c, 0, sizeof(c));
	struct log_read_opts o2 = {.tail = 3, .since_ns = T0 + 6 * SEC};
	CHECK(logfile_read(p, &o2, collect_fn, &c, NULL) == 0);
	CHECK(!strcmp(c.out, "x6\nx7\n"));
	/* the callback stopping ends the read */
	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	CHECK(logfile_read(p, NULL, collect_fn, &c, NULL) == 0);
	CHECK(c.n == 2);
	free(p);
	return 0;
}

static int test_skips_bad_lines(void)
{
	char *p = logpath("bad.log");
	struct collect c = {0};
	char *a = line("ok1\\n", "stdout", T0), *b = line("ok2", "stdout", T0);
	FILE *f = fopen(p, "w");
	CHECK(f);
	b[strlen(b) - 1] = 0; /* a last line without its newline still counts */
	fprintf(f, "%snot json\n\n{\"log\":\"trunc\n%s", a, b);
	fclose(f);
	CHECK(logfile_read(p, NULL, collect_fn, &c, NULL) == 0);
	CHECK(!strcmp(c.out, "ok1\nok2"));
	free(a);
	free(b);
	free(p);
	return 0;
}

/* ---- follow ---- */

struct writer {
	char *path;
	int rotate;
	volatile int finished;
};

static void append(const char *path, const char *text, int64_t t)
{
	char *l = line(text, "stdout", t);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd >= 0) {
		if (write(fd, l, strlen(l)) < 0)
			abort();
		close(fd);
	}
	free(l);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char rot[512];

	usleep(100000);
	append(w->path, "f1\\n", T0 + 1);
	usleep(50000);
	if (w->rotate == 1) {
		snprintf(rot, sizeof(rot), "%s.1", w->path);
		rename(w->path, rot);
		usleep(50000);
	}
	append(w->path, "f2\\n", T0 + 2);
	usleep(50000);
	if (w->rotate == 2) {
		/* max-file 1: truncated in place */
		truncate(w->path, 0);
		append(w->path, "f3\\n", T0 + 3);
	}
	usleep(100000);
	w->finished = 1;
	return NULL;
}

static int writer_done(void *ctx)
{
	return ((struct writer *)ctx)->finished;
}

static int run_follow(const char *name, int rotate, const char *want)
{
	char *p = logpath(name);
	struct writer w = {.path = p, .rotate = rotate};
	struct collect c = {0};
	pthread_t th;

	CHECK(write_log(p, "s", 0, 2) == 0);
	struct log_read_opts o = {.tail = 1, .follow = 1, .done = writer_done, .done_ctx = &w};
	CHECK(pthread_create(&th, NULL, writer_main, &w) == 0);
	int rc = logfile_read(p, &o, collect_fn, &c, NULL);
	pthread_join(th, NULL);
	CHECK(rc == 0);
	if (strcmp(c.out, want)) {
		fprintf(stderr, "# follow %s: got %s\n", name, c.out);
		return -1;
	}
	free(p);
	return 0;
}

static int test_follow(void)
{
	return run_follow("f.log", 0, "s1\nf1\nf2\n");
}

static int test_follow_rotation(void)
{
	return run_follow("r.log", 1, "s1\nf1\nf2\n");
}

static int test_follow_truncate(void)
{
	return run_follow("t.log", 2, "s1\nf1\nf2\nf3\n");
}

static int setup(void)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void)
{
	return rm_rf(dir, NULL);
}

TAP_MAIN(T(setup), T(test_parse_plain), T(test_parse_escapes), T(test_read_all_and_missing),
         T(test_rotation_order), T(test_tail), T(test_tail_big), T(test_since_until),
         T(test_skips_bad_lines), T(test_follow), T(test_follow_rotation), T(test_follow_truncate),
         T(teardown))
