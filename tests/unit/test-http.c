/* The HTTP server over a real unix socket: parsing, chunked bodies, keep-alive, hijack. */
#include "tap.h"
#include "common/strv.h"
#include "http/server.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char sock_path[108];
static struct http_server *srv;

static void handler(struct http_request *req, void *ctx)
{
	(void)ctx;
	if (!strcmp(req->path, "/echo")) {
		char body[256] = "";
		size_t len = 0;
		ssize_t n;
		while ((n = http_body_read(req, body + len, sizeof(body) - 1 - len)) > 0)
			len += (size_t)n;
		char **all = http_query_all(req, "n");
		char out[512];
		int m = snprintf(out, sizeof(out), "v=%s q=%s all=%zu body=%.*s", req->api_version,
				 http_query(req, "q") ?: "-", strv_len(all), (int)len, body);
		strv_free(all);
		http_reply(req, 200, "text/plain", out, (size_t)m);
	} else if (!strcmp(req->path, "/stream")) {
		http_stream_begin(req, 200, "application/json");
		http_stream_json(req, json_pack("{s:i}", "n", 1));
		http_stream_end(req);
	} else if (!strcmp(req->path, "/hijack")) {
		char *pending;
		size_t np;
		int fd = http_hijack(req, "application/vnd.docker.raw-stream", &pending, &np);
		char buf[64];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0)
			write_all(fd, buf, (size_t)n);
		free(pending);
		close(fd);
	} else {
		http_reply_error(req, 404, "page not found");
	}
}

static void *serve(void *arg)
{
	(void)arg;
	http_server_run(srv);
	return NULL;
}

static int dial(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, sock_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends `req` and reads until `want` appears or the peer closes. */
static int exchange(int fd, const char *req, const char *want, char *out, size_t cap)
{
	size_t len = 0;
	write_all(fd, req, strlen(req));
	out[0] = 0;
	while (len + 1 < cap && !strstr(out, want)) {
		ssize_t n = read(fd, out + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		out[len] = 0;
	}
	return strstr(out, want) ? 0 : -1;
}

static int test_versioned_query(void)
{
	char buf[2048];
	int fd = dial();
	CHECK(fd >= 0);
	CHECK(exchange(fd, "GET /v1.41/echo?q=a%20b&n=1&n=2 HTTP/1.1\r\nHost: x\r\n\r\n",
		       "body=", buf, sizeof(buf)) == 0);
	CHECK(strstr(buf, "HTTP/1.1 200 OK"));
	CHECK(strstr(buf, "Api-Version: 1.51"));
	CHECK(strstr(buf, "v=1.41 q=a b all=2"));
	close(fd);
	return 0;
}

static int test_keepalive_and_chunked_body(void)
{
	char buf[4096];
	int fd = dial();
	CHECK(fd >= 0);
	CHECK(exchange(fd,
		       "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
		       "body=abcde", buf, sizeof(buf)) == 0);
	CHECK(exchange(fd, "POST /echo HTTP/1.1\r\nContent-Length: 2\r\n\r\nxy", "body=xy", buf,
		       sizeof(buf)) == 0);
	CHECK(strstr(buf, "v= q=-"));
	close(fd);
	return 0;
}

static int test_stream(void)
{
	char buf[2048];
	int fd = dial();
	CHECK(exchange(fd, "GET /stream HTTP/1.1\r\n\r\n", "0\r\n\r\n", buf, sizeof(buf)) == 0);
	CHECK(strstr(buf, "Transfer-Encoding: chunked"));
	CHECK(strstr(buf, "8\r\n{\"n\":1}\n\r\n"));
	close(fd);
	return 0;
}

static int test_errors(void)
{
	char buf[2048];
	int fd = dial();
	CHECK(exchange(fd, "GET /nothing HTTP/1.1\r\n\r\n", "}\n", buf, sizeof(buf)) == 0);
	CHECK(strstr(buf, "404 Not Found"));
	CHECK(strstr(buf, "{\"message\":\"page not found\"}"));
	close(fd);
	fd = dial();
	CHECK(exchange(fd, "garbage\r\n\r\n", "}\n", buf, sizeof(buf)) == 0);
	CHECK(strstr(buf, "400 Bad Request"));
	close(fd);
	return 0;
}

static int test_hijack(void)
{
	char buf[2048];
	int fd = dial();
	CHECK(exchange(fd, "POST /hijack HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
		       "\r\n\r\n", buf, sizeof(buf)) == 0);
	CHECK(strstr(buf, "101 UPGRADED"));
	CHECK(exchange(fd, "ping", "ping", buf, sizeof(buf)) == 0);
	close(fd);
	return 0;
}

int main(void)
{
	static const struct tap_test tests[] = {T(test_versioned_query),
						T(test_keepalive_and_chunked_body), T(test_stream),
						T(test_errors), T(test_hijack)};
	eng_error_t err;
	pthread_t t;
	int rc;

	snprintf(sock_path, sizeof(sock_path), "/tmp/berth-test-http-%d.sock", getpid());
	srv = http_server_new(handler, NULL);
	if (http_server_listen_unix(srv, sock_path, &err) < 0) {
		fprintf(stderr, "# %s\n", err.msg);
		return 1;
	}
	pthread_create(&t, NULL, serve, NULL);
	rc = tap_run(tests, (int)(sizeof(tests) / sizeof(tests[0])));
	http_server_stop(srv);
	pthread_join(t, NULL);
	http_server_free(srv);
	return rc;
}
