#include "server.h"
#include "../common/cleanup.h"
#include "../common/log.h"
#include "../common/strv.h"

#include <ctype.h>
#include <malloc.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/un.h>

#define MAX_HEADER_BYTES (64 * 1024)
#define MAX_LISTENERS 16
/* Handler threads only need a small stack: nothing recursive, buffers are on the heap. */
#define CONN_STACK_SIZE (256 * 1024)

struct http_conn {
	int fd;
	char buf[MAX_HEADER_BYTES];
	size_t start, end; /* unread bytes are buf[start..end) */
	struct http_server *srv;
};

struct http_server {
	atomic_int active; /* connections being served */
	http_handler_fn handler;
	void *ctx;
	int listeners[MAX_LISTENERS];
	char *paths[MAX_LISTENERS];
	int nlisteners;
	int wake[2];
};

const char *http_reason(int status)
{
	switch (status) {
	case 101:
		return "UPGRADED";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Request Entity Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, p, len);
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

/* ---- reading ---- */

/* Fills the connection buffer; returns bytes added, 0 on EOF, -1 on error. */
static ssize_t conn_fill(struct http_conn *c)
{
	ssize_t n;
	if (c->start == c->end)
		c->start = c->end = 0;
	if (c->end == sizeof(c->buf)) {
		if (c->start == 0)
			return -1;
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	do
		n = read(c->fd, c->buf + c->end, sizeof(c->buf) - c->end);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		c->end += (size_t)n;
	return n;
}

/* Reads up to len bytes, from the buffer first. */
static ssize_t conn_read(struct http_conn *c, void *out, size_t len)
{
	ssize_t n;
	if (c->start < c->end) {
		size_t avail = c->end - c->start;
		if (avail > len)
			avail = len;
		memcpy(out, c->buf + c->start, avail);
		c->start += avail;
		return (ssize_t)avail;
	}
	do
		n = read(c->fd, out, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/* A line ending in \r\n from the buffer (without it), for chunk sizes. */
static int conn_line(struct http_conn *c, char *out, size_t cap)
{
	for (;;) {
		char *nl = memchr(c->buf + c->start, '\n', c->end - c->start);
		if (nl) {
			size_t len = (size_t)(nl - (c->buf + c->start));
			if (len > 0 && nl[-1] == '\r')
				len--;
			if (len >= cap)
				return -1;
			memcpy(out, c->buf + c->start, len);
			out[len] = 0;
			c->start = (size_t)(nl - c->buf) + 1;
			return 0;
		}
		if (conn_fill(c) <= 0)
			return -1;
	}
}

ssize_t http_body_read(struct http_request *req, void *buf, size_t len)
{
	struct http_conn *c = req->conn;
	ssize_t n;

	if (req->body_done)
		return 0;
	if (!req->body_chunked) {
		if (req->body_left <= 0) {
			req->body_done = 1;
			return 0;
		}
		if ((int64_t)len > req->body_left)
			len = (size_t)req->body_left;
		n = conn_read(c, buf, len);
		if (n <= 0)
			return -1; /* truncated body */
		req->body_left -= n;
		return n;
	}
	if (req->chunk_left == 0) {
		char line[128];
		if (req->chunk_eof) {
			req->body_done = 1;
			return 0;
		}
		if (conn_line(c, line, sizeof(line)) < 0)
			return -1;
		req->chunk_left = strtoll(line, NULL, 16);
		if (req->chunk_left < 0)
			return -1;
		if (req->chunk_left == 0) {
			/* trailers until an empty line */
			do
				if (conn_line(c, line, sizeof(line)) < 0)
					return -1;
			while (line[0]);
			req->chunk_eof = 1;
			req->body_done = 1;
			return 0;
		}
	}
	if ((int64_t)len > req->chunk_left)
		len = (size_t)req->chunk_left;
	n = conn_read(c, buf, len);
	if (n <= 0)
		return -1;
	req->chunk_left -= n;
	if (req->chunk_left == 0) {
		char crlf[8];
		if (conn_line(c, crlf, sizeof(crlf)) < 0)
			return -1;
	}
	return n;
}

void http_body_discard(struct http_request *req)
{
	char buf[8192];
	while (http_body_read(req, buf, sizeof(buf)) > 0)
		;
}

int http_body_json(struct http_request *req, json_t **ret, eng_error_t *err)
{
	size_t cap = 4096, len = 0;
	_cleanup_free_ char *buf = malloc(cap);
	json_error_t jerr;
	ssize_t n;

	*ret = NULL;
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= 64 * 1024 * 1024)
				return eng_error_make(err, E2BIG, ERR_INVALID, "request body too large");
			buf = realloc(buf, cap *= 2);
		}
		n = http_body_read(req, buf + len, cap - len - 1);
		if (n < 0)
			return eng_error_make(err, EIO, ERR_INVALID, "error reading request body");
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	size_t i = 0;
	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	if (i == len)
		return 0;
	*ret = json_loadb(buf, len, JSON_DECODE_INT_AS_REAL * 0, &jerr);
	if (!*ret)
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid JSON: %s", jerr.text);
	return 0;
}

/* ---- request accessors ---- */

const char *http_header(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nhdr; i++)
		if (!strcasecmp(req->hdr_names[i], name))
			return req->hdr_values[i];
	return NULL;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Percent-decodes [s, s+len) into a new string; '+' is a space in queries. */
static char *url_decode(const char *s, size_t len, int plus_is_space)
{
	char *out = malloc(len + 1), *o = out;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hexval((unsigned char)s[i + 1]) >= 0 &&
		    hexval((unsigned char)s[i + 2]) >= 0) {
			*o++ = (char)(hexval((unsigned char)s[i + 1]) * 16 +
				      hexval((unsigned char)s[i + 2]));
			i += 2;
		} else if (s[i] == '+' && plus_is_space) {
			*o++ = ' ';
		} else {
			*o++ = s[i];
		}
	}
	*o = 0;
	return out;
}

/* The decoded values of `key` in the query (all of them, or just the first). */
static char **query_values(const struct http_request *req, const char *key, int first_only)
{
	char **out = NULL;
	const char *p = req->query;
	size_t klen = strlen(key);

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t nlen = eq ? (size_t)(eq - p) : len;
		_cleanup_free_ char *name = url_decode(p, nlen, 1);
		if (strlen(name) == klen && !memcmp(name, key, klen)) {
			_cleanup_free_ char *val =
				eq ? url_decode(eq + 1, len - nlen - 1, 1) : strdup("");
			out = strv_push(out, val);
			if (first_only)
				return out;
		}
		p = amp ? amp + 1 : NULL;
	}
	return out;
}

const char *http_query(const struct http_request *req, const char *key)
{
	/* The decoded value is kept on the request so the borrowed pointer stays valid. */
	struct http_request *r = (struct http_request *)req;
	char **v = query_values(req, key, 1);
	if (!v)
		return NULL;
	r->owned = strv_push(r->owned, v[0]);
	strv_free(v);
	return r->owned[strv_len(r->owned) - 1];
}

char **http_query_all(const struct http_request *req, const char *key)
{
	return query_values(req, key, 0);
}

int http_query_bool(const struct http_request *req, const char *key, int def)
{
	const char *v = http_query(req, key);
	if (!v || !*v)
		return def;
	/* docker's BoolValue: anything but "", "0", "no", "false", "none" is true */
	return !(!strcasecmp(v, "0") || !strcasecmp(v, "no") || !strcasecmp(v, "false") ||
		 !strcasecmp(v, "none"));
}

long long http_query_int(const struct http_request *req, const char *key, long long def)
{
	const char *v = http_query(req, key);
	char *end;
	long long n;
	if (!v || !*v)
		return def;
	n = strtoll(v, &end, 10);
	return *end ? def : n;
}

/* ---- responses ---- */

static int send_head(struct http_request *req, int status, const char *content_type,
		     long long content_length, const char *extra)
{
	char head[4096];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\n"
			 "Api-Version: 1.51\r\n"
			 "Docker-Experimental: false\r\n"
			 "Ostype: linux\r\n"
			 "Server: berth (linux)\r\n"
			 "%s%s%s",
			 status, http_reason(status), content_type ? "Content-Type: " : "",
			 content_type ? content_type : "", content_type ? "\r\n" : "");
	if (content_length >= 0)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %lld\r\n",
			      content_length);
	if (!req->keep_alive)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Connection: close\r\n");
	if (req->reply_headers)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "%s", req->reply_headers);
	n += snprintf(head + n, sizeof(head) - (size_t)n, "%s\r\n", extra ? extra : "");
	if (n >= (int)sizeof(head))
		return -1;
	req->responded = 1;
	return write_all(req->fd, head, (size_t)n);
}

void http_reply_header(struct http_request *req, const char *name, const char *value)
{
	char *line = NULL;

	if (asprintf(&line, "%s%s: %s\r\n", req->reply_headers ? req->reply_headers : "", name,
		     value) < 0)
		abort();
	free(req->reply_headers);
	req->reply_headers = line;
}

void http_reply(struct http_request *req, int status, const char *content_type, const void *body,
		size_t len)
{
	if (req->responded)
		return;
	if (send_head(req, status, content_type, (long long)len, NULL) < 0) {
		req->keep_alive = 0;
		return;
	}
	if (len && strcmp(req->method, "HEAD") && write_all(req->fd, body, len) < 0)
		req->keep_alive = 0;
}

void http_reply_json(struct http_request *req, int status, json_t *body)
{
	if (!body) { /* a json_pack format mistake: a bug, but not a crash */
		log_error("%s %s: response document could not be built", req->method, req->path);
		body = json_pack("{s:s}", "message", "internal error building the response");
		status = 500;
	}
	_cleanup_free_ char *s = json_dumps(body, JSON_COMPACT);
	size_t len = strlen(s);
	s = realloc(s, len + 2);
	s[len] = '\n'; /* as Go's json.Encoder writes */
	s[len + 1] = 0;
	json_decref(body);
	http_reply(req, status, "application/json", s, len + 1);
}

void http_reply_error(struct http_request *req, int status, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (status >= 500)
		log_debug("%s %s: %d %s", req->method, req->path, status, msg);
	http_reply_json(req, status, json_pack("{s:s}", "message", msg));
}

void http_reply_err(struct http_request *req, const eng_error_t *err)
{
	int status = eng_error_status(err);
	if (status == 304) {
		http_reply_empty(req, 304);
		return;
	}
	http_reply_error(req, status, "%s", err->msg);
}

void http_reply_empty(struct http_request *req, int status)
{
	if (req->responded)
		return;
	if (send_head(req, status, NULL, status == 204 || status == 304 ? -1 : 0, NULL) < 0)
		req->keep_alive = 0;
}

int http_stream_begin(struct http_request *req, int status, const char *content_type)
{
	if (req->responded)
		return -1;
	req->streaming = 1;
	if (send_head(req, status, content_type, -1, "Transfer-Encoding: chunked\r\n") < 0) {
		req->keep_alive = 0;
		return -1;
	}
	return 0;
}

/* write_all for several pieces: one sendmsg for the usual case. */
static int writev_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};
		ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
		if (w < 0 && errno == ENOTSOCK)
			w = writev(fd, iov, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

int http_stream_write(struct http_request *req, const void *data, size_t len)
{
	char head[32];
	if (len == 0)
		return 0;
	/* size line, data and CRLF in one syscall: one read for the client, too */
	struct iovec iov[3] = {
		{head, (size_t)snprintf(head, sizeof(head), "%zx\r\n", len)},
		{(void *)data, len},
		{"\r\n", 2},
	};
	if (writev_all(req->fd, iov, 3) < 0) {
		req->keep_alive = 0;
		return -1;
	}
	return 0;
}

int http_stream_json(struct http_request *req, json_t *obj)
{
	_cleanup_free_ char *s = json_dumps(obj, JSON_COMPACT);
	size_t len = strlen(s);
	json_decref(obj);
	s = realloc(s, len + 2);
	s[len] = '\n';
	return http_stream_write(req, s, len + 1);
}

void http_stream_end(struct http_request *req)
{
	if (!req->streaming)
		return;
	req->streaming = 0;
	if (write_all(req->fd, "0\r\n\r\n", 5) < 0)
		req->keep_alive = 0;
}

int http_hijack(struct http_request *req, const char *content_type, char **ret_pending,
		size_t *ret_npending)
{
	struct http_conn *c = req->conn;
	const char *upgrade = http_header(req, "Upgrade");
	char head[512];
	int n;

	if (upgrade)
		n = snprintf(head, sizeof(head),
			     "HTTP/1.1 101 UPGRADED\r\nContent-Type: %s\r\nConnection: Upgrade\r\n"
			     "Upgrade: tcp\r\nApi-Version: 1.51\r\n\r\n",
			     content_type);
	else
		n = snprintf(head, sizeof(head),
			     "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nApi-Version: 1.51\r\n\r\n",
			     content_type);
	req->responded = 1;
	req->hijacked = 1;
	req->keep_alive = 0;
	if (write_all(req->fd, head, (size_t)n) < 0)
		return -1;
	*ret_npending = c->end - c->start;
	*ret_pending = NULL;
	if (*ret_npending) {
		*ret_pending = malloc(*ret_npending);
		memcpy(*ret_pending, c->buf + c->start, *ret_npending);
		c->start = c->end;
	}
	return req->fd;
}

/* ---- parsing and the connection loop ---- */

static void request_reset(struct http_request *req)
{
	free(req->path);
	free(req->query);
	for (size_t i = 0; i < req->nhdr; i++) {
		free(req->hdr_names[i]);
		free(req->hdr_values[i]);
	}
	free(req->hdr_names);
	free(req->hdr_values);
	strv_free(req->owned);
	free(req->reply_headers);
	memset(req, 0, sizeof(*req));
}

/* Splits off "/v1.xx" into api_version. */
static void strip_version(struct http_request *req)
{
	const char *p = req->path;
	if (p[0] == '/' && p[1] == 'v' && isdigit((unsigned char)p[2])) {
		const char *q = p + 2;
		while (isdigit((unsigned char)*q) || *q == '.')
			q++;
		if (*q == '/' && (size_t)(q - p - 2) < sizeof(req->api_version)) {
			memcpy(req->api_version, p + 2, (size_t)(q - p - 2));
			req->api_version[q - p - 2] = 0;
			memmove(req->path, q, strlen(q) + 1);
		}
	}
}

/* Reads and parses one request head. 0 ok, 1 clean EOF, -1 bad request. */
static int read_request(struct http_conn *c, struct http_request *req)
{
	char *eoh;
	for (;;) {
		eoh = memmem(c->buf + c->start, c->end - c->start, "\r\n\r\n", 4);
		if (eoh)
			break;
		ssize_t n = conn_fill(c);
		if (n == 0 && c->start == c->end)
			return 1;
		if (n <= 0)
			return -1;
	}
	char *line = c->buf + c->start, *end = eoh + 2;
	char *sp1, *sp2, *cr;

	cr = memchr(line, '\r', (size_t)(end - line));
	sp1 = memchr(line, ' ', (size_t)(cr - line));
	if (!sp1 || (size_t)(sp1 - line) >= sizeof(req->method))
		return -1;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(cr - sp1 - 1));
	if (!sp2)
		return -1;
	memcpy(req->method, line, (size_t)(sp1 - line));
	req->method[sp1 - line] = 0;
	char *target = sp1 + 1;
	size_t tlen = (size_t)(sp2 - target);
	char *qm = memchr(target, '?', tlen);
	req->path = url_decode(target, qm ? (size_t)(qm - target) : tlen, 0);
	req->query = qm ? strndup(qm + 1, (size_t)(sp2 - qm - 1)) : strdup("");
	int http10 = !strncmp(sp2 + 1, "HTTP/1.0", 8);
	strip_version(req);

	for (char *h = cr + 2; h < end;) {
		char *hend = memmem(h, (size_t)(end - h), "\r\n", 2);
		char *colon = memchr(h, ':', (size_t)(hend - h));
		if (!hend)
			break;
		if (colon) {
			char *v = colon + 1;
			while (v < hend && (*v == ' ' || *v == '\t'))
				v++;
			req->hdr_names = realloc(req->hdr_names, (req->nhdr + 1) * sizeof(char *));
			req->hdr_values = realloc(req->hdr_values, (req->nhdr + 1) * sizeof(char *));
			req->hdr_names[req->nhdr] = strndup(h, (size_t)(colon - h));
			req->hdr_values[req->nhdr] = strndup(v, (size_t)(hend - v));
			req->nhdr++;
		}
		h = hend + 2;
	}
	c->start = (size_t)(eoh + 4 - c->buf);

	const char *te = http_header(req, "Transfer-Encoding");
	const char *cl = http_header(req, "Content-Length");
	const char *conn = http_header(req, "Connection");
	req->body_chunked = te && strcasestr(te, "chunked");
	req->body_left = req->body_chunked ? -1 : (cl ? strtoll(cl, NULL, 10) : 0);
	req->keep_alive = http10 ? (conn && !strcasecmp(conn, "keep-alive"))
				 : !(conn && !strcasecmp(conn, "close"));
	return 0;
}

static void *conn_thread(void *arg)
{
	struct http_conn *c = arg;
	struct http_request req = {0};

	for (;;) {
		int r = read_request(c, &req);
		if (r != 0) {
			if (r < 0) {
				req.fd = c->fd;
				req.keep_alive = 0;
				http_reply_error(&req, 400, "malformed HTTP request");
			}
			break;
		}
		req.fd = c->fd;
		req.conn = c;
		c->srv->handler(&req, c->srv->ctx);
		if (req.hijacked) {
			c->fd = -1; /* the handler owns the connection now */
			break;
		}
		if (!req.responded)
			http_reply_error(&req, 500, "handler did not reply");
		if (req.streaming)
			http_stream_end(&req);
		if (!req.keep_alive)
			break;
		if (!req.body_done) {
			/* skip an unread body so the next request parses */
			char buf[8192];
			ssize_t n;
			int64_t budget = 16 * 1024 * 1024;
			while (budget > 0 && (n = http_body_read(&req, buf, sizeof(buf))) > 0)
				budget -= n;
			if (!req.body_done)
				break;
		}
		request_reset(&req);
	}
	request_reset(&req);
	if (c->fd >= 0)
		close(c->fd);
	/* the last connection gone: give freed heap back, so an idle daemon stays small */
	if (atomic_fetch_sub(&c->srv->active, 1) == 1)
		malloc_trim(0);
	free(c);
	return NULL;
}

struct http_server *http_server_new(http_handler_fn handler, void *ctx)
{
	struct http_server *s = calloc(1, sizeof(*s));
	s->handler = handler;
	s->ctx = ctx;
	if (pipe2(s->wake, O_CLOEXEC) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

int http_server_listen_unix(struct http_server *s, const char *path, eng_error_t *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;

	if (s->nlisteners == MAX_LISTENERS)
		return eng_error_make(err, E2BIG, ERR_INVALID, "too many listeners");
	if (strlen(path) >= sizeof(sa.sun_path))
		return eng_error_make(err, ENAMETOOLONG, ERR_INVALID, "socket path too long: %s",
				      path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "socket: %m");
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "listen on %s: %m", path);
	chmod(path, 0660);
	if (listen(fd, 512) < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "listen on %s: %m", path);
	s->paths[s->nlisteners] = strdup(path);
	s->listeners[s->nlisteners++] = TAKE_FD(fd);
	return 0;
}

void http_server_run(struct http_server *s)
{
	struct pollfd pfd[MAX_LISTENERS + 1];
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, CONN_STACK_SIZE);
	for (int i = 0; i < s->nlisteners; i++)
		pfd[i] = (struct pollfd){s->listeners[i], POLLIN, 0};
	pfd[s->nlisteners] = (struct pollfd){s->wake[0], POLLIN, 0};
	for (;;) {
		if (poll(pfd, (nfds_t)s->nlisteners + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[s->nlisteners].revents)
			break;
		for (int i = 0; i < s->nlisteners; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			int fd = accept4(s->listeners[i], NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			struct http_conn *c = malloc(sizeof(*c));
			pthread_t t;
			c->fd = fd;
			c->start = c->end = 0;
			c->srv = s;
			atomic_fetch_add(&s->active, 1);
			if (pthread_create(&t, &attr, conn_thread, c) != 0) {
				atomic_fetch_sub(&s->active, 1);
				close(fd);
				free(c);
			}
		}
	}
	pthread_attr_destroy(&attr);
	for (int i = 0; i < s->nlisteners; i++) {
		close(s->listeners[i]);
		unlink(s->paths[i]);
	}
	s->nlisteners = 0;
}

void http_server_stop(struct http_server *s)
{
	/* async-signal-safe: called from the signal path */
	ssize_t r = write(s->wake[1], "x", 1);
	(void)r;
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	for (int i = 0; i < MAX_LISTENERS; i++)
		free(s->paths[i]);
	close(s->wake[0]);
	close(s->wake[1]);
	free(s);
}
