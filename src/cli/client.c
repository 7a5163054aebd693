#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/cleanup.h"

#define DEFAULT_HOST "unix:///run/berth.sock"

static const char *host_flag;

void client_set_host(const char *host)
{
	host_flag = host;
}

const char *client_host(void)
{
	const char *h = host_flag;

	if (!h || !*h)
		h = getenv("DOCKER_HOST");
	if (!h || !*h)
		h = getenv("BERTH_HOST");
	if (!h || !*h)
		h = DEFAULT_HOST;
	return h;
}

static int connect_daemon(void)
{
	const char *host = client_host();
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = host;
	int fd;

	if (!strncmp(host, "unix://", 7))
		path = host + 7;
	else if (strstr(host, "://")) {
		fprintf(stderr, "unsupported host `%s`: only unix:// sockets are supported\n",
		        host);
		return -1;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* the docker CLI's wording, so scripts matching it keep working */
		fprintf(stderr,
		        "Cannot connect to the berth daemon at %s. Is the berth daemon running?\n",
		        host);
		close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= w;
	}
	return 0;
}

static int fill(struct client_resp *r)
{
	ssize_t n;

	if (r->off == r->len)
		r->off = r->len = 0;
	if (r->len == sizeof(r->buf)) {
		if (r->off == 0)
			return -1;
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	do
		n = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -1 : 0;
	r->len += n;
	return (int)n;
}

/* One CRLF-terminated line from the buffer into `out` (without the CRLF). */
static int read_line(struct client_resp *r, char *out, size_t cap)
{
	for (;;) {
		char *nl = memchr(r->buf + r->off, '\n', r->len - r->off);
		if (nl) {
			size_t n = nl - (r->buf + r->off);
			size_t c = n;
			if (c && r->buf[r->off + c - 1] == '\r')
				c--;
			if (c >= cap)
				c = cap - 1;
			memcpy(out, r->buf + r->off, c);
			out[c] = 0;
			r->off += n + 1;
			return 0;
		}
		if (fill(r) <= 0)
			return -1;
	}
}

static int read_head(struct client_resp *r)
{
	char line[8192];

	if (read_line(r, line, sizeof(line)) < 0 || strncmp(line, "HTTP/1.", 7)) {
		fprintf(stderr, "error during connect: malformed response from the daemon\n");
		return -1;
	}
	r->status = atoi(line + 9);
	r->left = -1;
	for (;;) {
		if (read_line(r, line, sizeof(line)) < 0) {
			fprintf(stderr, "error during connect: truncated response headers\n");
			return -1;
		}
		if (!*line)
			break;
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = 0;
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (!strcasecmp(line, "Content-Length"))
			r->left = strtoll(v, NULL, 10);
		else if (!strcasecmp(line, "Transfer-Encoding") && strcasestr(v, "chunked"))
			r->chunked = 1;
		else if (!strcasecmp(line, "Content-Type")) {
			free(r->ctype);
			r->ctype = strdup(v);
		} else if (!strcasecmp(line, "X-Docker-Container-Path-Stat")) {
			free(r->path_stat);
			r->path_stat = strdup(v);
		}
	}
	if (r->status == 101 || r->status == 204 || r->status == 304)
		r->left = r->status == 101 ? -1 : 0;
	if (r->status == 101)
		r->chunked = 0;
	return 0;
}

static int send_head(int fd, const char *method, const char *path, const char *ctype, long long len,
                     const char *extra)
{
	_cleanup_free_ char *head = NULL;
	char clen[64] = "";
	int n;

	if (len >= 0)
		snprintf(clen, sizeof(clen), "Content-Length: %lld\r\n", len);
	else if (len == -2)
		snprintf(clen, sizeof(clen), "Transfer-Encoding: chunked\r\n");
	n = asprintf(&head,
	             "%s /v" CLIENT_API_VERSION "%s HTTP/1.1\r\nHost: api.moby.localhost\r\n"
	             "User-Agent: berth-cli/0.1\r\n%s%s%s%s%s\r\n",
	             method, path, ctype ? "Content-Type: " : "", ctype ? ctype : "",
	             ctype ? "\r\n" : "", clen, extra);
	if (n < 0)
		return -1;
	return write_all(fd, head, n);
}

static int start(const char *method, const char *path, const char *ctype, const void *body,
                 size_t len, const char *extra, struct client_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if ((r->fd = connect_daemon()) < 0)
		return -1;
	if (send_head(r->fd, method, path, ctype, body || ctype ? (long long)len : 0, extra) < 0) {
		fprintf(stderr, "error during connect: %s\n", strerror(errno));
		return -1;
	}
	/* the daemon may answer (404) and close before reading the body: its answer counts */
	if (len && write_all(r->fd, body, len) < 0)
		shutdown(r->fd, SHUT_WR);
	return read_head(r);
}

static char *registry_auth;

void client_set_registry_auth(const char *value)
{
	free(registry_auth);
	registry_auth = value ? strdup(value) : NULL;
}

int client_request(const char *method, const char *path, const char *ctype, const void *body,
                   size_t len, struct client_resp *r)
{
	_cleanup_free_ char *extra = NULL;

	if (asprintf(&extra, "Connection: close\r\n%s%s%s",
	             registry_auth ? "X-Registry-Auth: " : "", registry_auth ? registry_auth : "",
	             registry_auth ? "\r\n" : "") < 0)
		return -1;
	return start(method, path, ctype, body, len, extra, r);
}

int client_hijack(const char *method, const char *path, const char *ctype, const void *body,
                  size_t len, struct client_resp *r)
{
	return start(method, path, ctype, body, len, "Connection: Upgrade\r\nUpgrade: tcp\r\n", r);
}

int client_request_fd(const char *method, const char *path, const char *ctype, int in_fd,
                      struct client_resp *r)
{
	char buf[65536], hdr[32];

	memset(r, 0, sizeof(*r));
	if ((r->fd = connect_daemon()) < 0)
		return -1;
	if (send_head(r->fd, method, path, ctype, -2, "Connection: close\r\n") < 0)
		goto fail;
	for (;;) {
		ssize_t n = read(in_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "read: %s\n", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		int h = snprintf(hdr, sizeof(hdr), "%zx\r\n", (size_t)n);
		if (write_all(r->fd, hdr, h) < 0 || write_all(r->fd, buf, n) < 0 ||
		    write_all(r->fd, "\r\n", 2) < 0)
			break; /* the daemon may have answered early; read its reply */
	}
	write_all(r->fd, "0\r\n\r\n", 5);
	return read_head(r);
fail:
	fprintf(stderr, "error during connect: %s\n", strerror(errno));
	return -1;
}

static ssize_t raw_read(struct client_resp *r, void *buf, size_t n)
{
	if (r->off == r->len) {
		int f = fill(r);
		if (f <= 0)
			return f;
	}
	size_t c = r->len - r->off;
	if (c > n)
		c = n;
	memcpy(buf, r->buf + r->off, c);
	r->off += c;
	return c;
}

ssize_t client_read(struct client_resp *r, void *buf, size_t n)
{
	char line[128];
	ssize_t got;

	if (r->eof || n == 0)
		return 0;
	if (!r->chunked) {
		if (r->left == 0)
			return 0;
		if (r->left > 0 && (long long)n > r->left)
			n = r->left;
		got = raw_read(r, buf, n);
		if (got > 0 && r->left > 0)
			r->left -= got;
		if (got == 0)
			r->eof = 1;
		return got;
	}
	if (r->chunk == 0) {
		if (read_line(r, line, sizeof(line)) < 0)
			return -1;
		if (!*line && read_line(r, line, sizeof(line)) < 0) /* CRLF after a chunk */
			return -1;
		r->chunk = strtoll(line, NULL, 16);
		if (r->chunk == 0) {
			r->eof = 1;
			return 0;
		}
	}
	if ((long long)n > r->chunk)
		n = r->chunk;
	got = raw_read(r, buf, n);
	if (got <= 0)
		return -1;
	r->chunk -= got;
	return got;
}

char *client_read_all(struct client_resp *r, size_t *ret_len)
{
	size_t cap = 4096, len = 0;
	char *out = malloc(cap);
	ssize_t n;

	for (;;) {
		if (cap - len < 4096)
			out = realloc(out, cap *= 2);
		n = client_read(r, out + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
	}
	out[len] = 0;
	if (ret_len)
		*ret_len = len;
	return out;
}

void client_resp_close(struct client_resp *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->ctype);
	r->ctype = NULL;
	free(r->path_stat);
	r->path_stat = NULL;
}

char *client_error_message(struct client_resp *r)
{
	_cleanup_free_ char *body = client_read_all(r, NULL);
	json_t *j = json_loads(body, 0, NULL);
	char *msg = NULL;

	if (j && json_is_string(json_object_get(j, "message")))
		msg = strdup(json_string_value(json_object_get(j, "message")));
	json_decref(j);
	if (!msg) {
		size_t l = strlen(body);
		while (l && (body[l - 1] == '\n' || body[l - 1] == '\r'))
			body[--l] = 0;
		msg = strdup(*body ? body : "unknown error");
	}
	return msg;
}

json_t *client_json(const char *method, const char *path, json_t *body, int *ret_status,
                    char **ret_msg)
{
	_cleanup_free_ char *data = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct client_resp r;
	json_t *out;

	*ret_status = 0;
	*ret_msg = NULL;
	if (client_request(method, path, data ? "application/json" : NULL, data,
	                   data ? strlen(data) : 0, &r) < 0) {
		client_resp_close(&r);
		return NULL;
	}
	*ret_status = r.status;
	if (r.status >= 400) {
		*ret_msg = client_error_message(&r);
		client_resp_close(&r);
		return NULL;
	}
	_cleanup_free_ char *resp = client_read_all(&r, NULL);
	client_resp_close(&r);
	out = *resp ? json_loads(resp, JSON_DECODE_ANY, NULL) : json_null();
	if (!out)
		out = json_null();
	return out;
}

json_t *client_call(const char *method, const char *path, json_t *body)
{
	_cleanup_free_ char *msg = NULL;
	int status;
	json_t *j = client_json(method, path, body, &status, &msg);

	if (!j && msg)
		fprintf(stderr, "Error response from daemon: %s\n", msg);
	return j;
}

int client_each_json(struct client_resp *r, int (*fn)(json_t *v, void *arg), void *arg)
{
	char buf[65536];
	size_t len = 0;
	ssize_t n;
	int ret = 0;

	while (!ret && (n = client_read(r, buf + len, sizeof(buf) - len - 1)) > 0) {
		len += n;
		buf[len] = 0;
		char *line = buf, *nl;
		while (!ret && (nl = strchr(line, '\n'))) {
			*nl = 0;
			json_t *v = json_loads(line, JSON_DECODE_ANY, NULL);
			if (v)
				ret = fn(v, arg);
			json_decref(v);
			line = nl + 1;
		}
		len = strlen(line);
		memmove(buf, line, len + 1);
		if (len >= sizeof(buf) - 1)
			len = 0; /* a line longer than the buffer: drop it */
	}
	return ret;
}

int client_open(const char *method, const char *path, struct client_resp *r)
{
	if (client_request(method, path, NULL, NULL, 0, r) < 0) {
		client_resp_close(r);
		return -1;
	}
	if (r->status >= 400) {
		_cleanup_free_ char *msg = client_error_message(r);
		fprintf(stderr, "Error response from daemon: %s\n", msg);
		client_resp_close(r);
		return -1;
	}
	return 0;
}

int client_download(const char *path, const char *output, const char *what)
{
	_cleanup_close_ int fd = -1;
	struct client_resp r;
	char buf[65536];
	ssize_t n;
	int ret = 0;

	if (!output && isatty(STDOUT_FILENO)) {
		fprintf(stderr,
		        "cowardly refusing to save to a terminal. Use the -o flag or redirect\n");
		return 1;
	}
	if (client_open("GET", path, &r) < 0)
		return 1;
	fd = output ? open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
	            : fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", what, output, strerror(errno));
		client_resp_close(&r);
		return 1;
	}
	while ((n = client_read(&r, buf, sizeof(buf))) > 0) {
		for (const char *p = buf; n > 0;) {
			ssize_t w = write(fd, p, n);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				fprintf(stderr, "write: %s\n", strerror(errno));
				client_resp_close(&r);
				return 1;
			}
			p += w;
			n -= w;
		}
	}
	if (n < 0) {
		fprintf(stderr, "error reading the response from the daemon\n");
		ret = 1;
	}
	client_resp_close(&r);
	return ret;
}

char *client_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1), *p = out;

	for (; *s; s++) {
		unsigned char c = *s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-_.~", c))
			*p++ = c;
		else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = 0;
	return out;
}
