/* docker exec over the API. The start hijacks the connection like attach and hands it to the
 * exec's shim, so the process's output never passes through berthd. */
#include "exec.h"
#include "../common/cleanup.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../engine/container.h"
#include "../engine/engine.h"
#include "../engine/exec.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void api_exec_create(struct http_request *req, struct engine *eng)
{
	json_auto_t *body = NULL;
	struct container *c;
	eng_error_t err;
	char id[65];

	if (http_body_json(req, &body, &err) < 0) {
		http_reply_err(req, &err);
		return;
	}
	if (!body || !json_is_object(body)) {
		http_reply_error(req, 400, "No exec command specified");
		return;
	}
	if (!(c = engine_container_get(eng, req->params[0], &err))) {
		http_reply_err(req, &err);
		return;
	}
	if (engine_exec_create(eng, c, req->params[0], body, id, &err) < 0) {
		log_debug("exec create in %s: %s", req->params[0], err.msg);
		http_reply_err(req, &err);
	} else {
		http_reply_json(req, 201, json_pack("{s:s}", "Id", id));
	}
	container_unref(eng, c);
}

static struct exec *path_exec(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	struct exec *e = engine_exec_get(eng, req->params[0], &err);

	if (!e)
		http_reply_err(req, &err);
	return e;
}

/* dockerd writes a start error into the hijacked stream (as stdout without a TTY), and the
 * client learns the exit code from inspect. */
static void stream_error(int fd, int tty, const char *msg)
{
	char line[2200];
	size_t len = (size_t)snprintf(line + 8, sizeof(line) - 8, "%s\r\n", msg);
	size_t off = 8;

	if (len > sizeof(line) - 9)
		len = sizeof(line) - 9;
	if (!tty) {
		line[0] = 1;
		line[1] = line[2] = line[3] = 0;
		line[4] = (char)(len >> 24);
		line[5] = (char)(len >> 16);
		line[6] = (char)(len >> 8);
		line[7] = (char)len;
		off = 0;
	}
	(void)!write_all(fd, line + off, len + 8 - off);
}

void api_exec_start(struct http_request *req, struct engine *eng)
{
	json_auto_t *body = NULL;
	_cleanup_free_ char *pending = NULL;
	_cleanup_close_ int errfd = -1;
	struct exec *e;
	eng_error_t err;
	unsigned rows = 0, cols = 0;
	size_t npending = 0;
	json_t *cs;
	int fd, tty, multiplexed;

	if (http_body_json(req, &body, &err) < 0) {
		http_reply_err(req, &err);
		return;
	}
	if (!(e = path_exec(req, eng)))
		return;
	if (engine_exec_check(eng, e, &err) < 0) {
		http_reply_err(req, &err);
		goto out;
	}
	tty = engine_exec_tty(eng, e);
	cs = json_object_get(body, "ConsoleSize");
	if (tty && json_array_size(cs) == 2) {
		rows = (unsigned)json_integer_value(json_array_get(cs, 0));
		cols = (unsigned)json_integer_value(json_array_get(cs, 1));
	}
	if (json_bool(body, "Detach", 0)) {
		if (engine_exec_start(eng, e, -1, rows, cols, &err) < 0)
			http_reply_err(req, &err);
		else
			http_reply_empty(req, 200);
		goto out;
	}
	/* like dockerd: multiplexed only for an upgraded connection from API 1.42 on */
	multiplexed = !tty && http_header(req, "Upgrade") &&
	              (!req->api_version[0] || strverscmp(req->api_version, "1.42") >= 0);
	fd = http_hijack(req,
	                 multiplexed ? "application/vnd.docker.multiplexed-stream"
	                             : "application/vnd.docker.raw-stream",
	                 &pending, &npending);
	if (fd < 0)
		goto out;
	if (npending)
		log_debug("exec %.12s: %zu early stdin bytes dropped", req->params[0], npending);
	/* our copy for an error message: the shim takes fd, and once it runs the stream must
	 * end when the shim closes it, so this one goes at once */
	errfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (engine_exec_start(eng, e, fd, rows, cols, &err) < 0) {
		log_debug("exec %.12s: %s", req->params[0], err.msg);
		if (errfd >= 0)
			stream_error(errfd, tty, err.msg);
	}
out:
	engine_exec_unref(eng, e);
}

void api_exec_inspect(struct http_request *req, struct engine *eng)
{
	struct exec *e = path_exec(req, eng);

	if (!e)
		return;
	http_reply_json(req, 200, engine_exec_inspect(eng, e));
	engine_exec_unref(eng, e);
}

void api_exec_resize(struct http_request *req, struct engine *eng)
{
	long long h = http_query_int(req, "h", -1), w = http_query_int(req, "w", -1);
	struct exec *e;
	eng_error_t err;

	if (h < 0 || h > 65535) {
		http_reply_error(req, 400, "invalid resize height \"%s\"",
		                 http_query(req, "h") ?: "");
		return;
	}
	if (w < 0 || w > 65535) {
		http_reply_error(req, 400, "invalid resize width \"%s\"",
		                 http_query(req, "w") ?: "");
		return;
	}
	if (!(e = path_exec(req, eng)))
		return;
	http_body_discard(req);
	if (engine_exec_resize(eng, e, (unsigned)h, (unsigned)w, &err) < 0)
		http_reply_err(req, &err);
	else
		http_reply(req, 200, "text/plain", "", 0);
	engine_exec_unref(eng, e);
}
