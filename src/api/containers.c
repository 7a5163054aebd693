/* Container endpoints: decode the request, call the engine, encode the answer. */
#include "containers.h"
#include "../common/cleanup.h"
#include "../common/filters.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../common/spawn.h"
#include "../common/strv.h"
#include "../engine/container.h"
#include "../engine/engine.h"
#include "../image/store.h"
#include "../runtime/logfile.h"

#include <errno.h>
#include <poll.h>
#include <regex.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

struct container *path_container(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	struct container *c = engine_container_get(eng, req->params[0], &err);
	if (!c)
		http_reply_err(req, &err);
	return c;
}

void api_container_create(struct http_request *req, struct engine *eng)
{
	json_auto_t *body = NULL, *warnings = NULL;
	eng_error_t err;
	char id[65];

	if (http_body_json(req, &body, &err) < 0) {
		http_reply_err(req, &err);
		return;
	}
	if (engine_container_create(eng, http_query(req, "name"), body, id, &warnings, &err) <
	    0) {
		http_reply_err(req, &err);
		return;
	}
	http_reply_json(req, 201, json_pack("{s:s, s:O}", "Id", id, "Warnings", warnings));
}

void api_container_inspect(struct http_request *req, struct engine *eng)
{
	struct container *c = path_container(req, eng);
	if (!c)
		return;
	http_reply_json(req, 200, engine_container_inspect(eng, c, http_query_bool(req, "size", 0)));
	container_unref(eng, c);
}

/* ---- list and prune ---- */

struct list_filter {
	json_t *f;
	int64_t before_ns, since_ns;
	char **ancestor_ids;
};

static int id_or_name_created(struct engine *eng, const char *name, int64_t *ret,
			      eng_error_t *err)
{
	struct container *c = engine_container_get(eng, name, err);
	if (!c)
		return -1;
	*ret = c->created_ns;
	container_unref(eng, c);
	return 0;
}

static int any_value(json_t *vals, int (*pred)(const char *v, void *ctx), void *ctx)
{
	json_t *v;
	size_t i;
	if (!vals)
		return 1;
	json_array_foreach(vals, i, v) if (pred(json_string_value(v), ctx)) return 1;
	return 0;
}

static int match_id(const char *v, void *ctx)
{
	return !strncmp(((struct container *)ctx)->id, v, strlen(v));
}

static int match_name(const char *v, void *ctx)
{
	struct container *c = ctx;
	regex_t re;
	char full[512];
	int m;
	if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	snprintf(full, sizeof(full), "/%s", c->name);
	m = regexec(&re, full, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

static int match_status(const char *v, void *ctx)
{
	return !strcmp(ctr_status_name(((struct container *)ctx)->status), v);
}

static int match_exited(const char *v, void *ctx)
{
	struct container *c = ctx;
	return c->status == CTR_EXITED && c->finished_ns > 0 && c->exit_code == atoi(v);
}

static int match_string(const char *v, void *ctx)
{
	return !strcmp(v, ctx);
}

static int container_matches(struct engine *eng, struct container *c, struct list_filter *lf)
{
	if (!any_value(filters_get(lf->f, "id"), match_id, c) ||
	    !any_value(filters_get(lf->f, "name"), match_name, c) ||
	    !any_value(filters_get(lf->f, "status"), match_status, c) ||
	    !any_value(filters_get(lf->f, "exited"), match_exited, c) ||
	    !any_value(filters_get(lf->f, "health"), match_string,
		       engine_container_health(eng, c, (char[16]){0})) ||
	    !filters_match_labels(lf->f, "label", json_object_get(c->config, "Labels")) ||
	    !filters_match_labels(lf->f, "label!", json_object_get(c->config, "Labels")))
		return 0;
	if (lf->ancestor_ids && !strv_contains(lf->ancestor_ids, c->image_id))
		return 0;
	if (lf->before_ns && c->created_ns >= lf->before_ns)
		return 0;
	if (lf->since_ns && c->created_ns <= lf->since_ns)
		return 0;
	return 1;
}

static int list_filter_init(struct engine *eng, struct list_filter *lf, const char *query,
			    eng_error_t *err)
{
	static const char *const keys[] = {"id",      "name",     "label",  "label!", "status",
					   "exited",  "ancestor", "before", "since",  "network",
					   "volume",  "health",   "isolation", "publish", "expose",
					   "is-task", NULL};
	json_t *v;
	size_t i;

	memset(lf, 0, sizeof(*lf));
	lf->f = filters_parse(query, err);
	if (!lf->f || filters_check_keys(lf->f, keys, err) < 0)
		return -1;
	json_array_foreach(filters_get(lf->f, "status"), i, v)
	{
		static const char *ok[] = {"created", "restarting", "running", "removing",
					   "paused",  "exited",     "dead"};
		int found = 0;
		for (size_t k = 0; k < 7; k++)
			found |= !strcmp(ok[k], json_string_value(v));
		if (!found)
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "invalid filter 'status=%s'", json_string_value(v));
	}
	json_array_foreach(filters_get(lf->f, "health"), i, v)
	{
		static const char *ok[] = {"starting", "healthy", "unhealthy", "none"};
		int found = 0;
		for (size_t k = 0; k < 4; k++)
			found |= !strcmp(ok[k], json_string_value(v));
		if (!found)
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "Unrecognised filter value for health: %s",
					      json_string_value(v));
	}
	json_array_foreach(filters_get(lf->f, "exited"), i, v)
	{
		char *end;
		strtol(json_string_value(v), &end, 10);
		if (*end || !*json_string_value(v))
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "invalid filter 'exited=%s'", json_string_value(v));
	}
	json_array_foreach(filters_get(lf->f, "ancestor"), i, v)
	{
		eng_error_t e;
		struct image *img = image_get(engine_image_store(eng), json_string_value(v), &e);
		/* an unknown ancestor matches nothing, as with docker */
		lf->ancestor_ids = strv_push(lf->ancestor_ids, img ? img->id : "-");
		image_free(img);
	}
	if ((v = filters_get(lf->f, "before")) &&
	    id_or_name_created(eng, json_string_value(json_array_get(v, 0)), &lf->before_ns,
			       err) < 0)
		return -1;
	if ((v = filters_get(lf->f, "since")) &&
	    id_or_name_created(eng, json_string_value(json_array_get(v, 0)), &lf->since_ns,
			       err) < 0)
		return -1;
	return 0;
}

static void list_filter_free(struct list_filter *lf)
{
	json_decref(lf->f);
	strv_free(lf->ancestor_ids);
}

/* The network filter: a network name, full ID or ID prefix of one of the container's
 * networks (matched on the summary, which is taken under the engine's lock). */
static int summary_on_networks(json_t *doc, json_t *wanted)
{
	json_t *nets = json_object_get(json_object_get(doc, "NetworkSettings"), "Networks"), *ep, *w;
	const char *name;
	size_t i;
	if (!wanted)
		return 1;
	json_array_foreach(wanted, i, w)
	{
		const char *v = json_string_value(w);
		json_object_foreach(nets, name, ep)
		{
			const char *id = json_str(ep, "NetworkID");
			if (v && (!strcmp(name, v) || (id && *id && !strncmp(id, v, strlen(v)))))
				return 1;
		}
	}
	return 0;
}

/* publish= and expose=: "port[/proto]" or a range "a-b[/proto]" against the summary's
 * public (publish) or private (expose) ports. */
static int summary_has_port(json_t *doc, json_t *wanted, const char *key)
{
	json_t *ports = json_object_get(doc, "Ports"), *p, *w;
	size_t i, k;
	if (!wanted)
		return 1;
	json_array_foreach(wanted, i, w)
	{
		const char *v = json_string_value(w), *slash = v ? strchr(v, '/') : NULL;
		int lo = 0, hi = 0;
		if (!v || sscanf(v, "%d-%d", &lo, &hi) < 1)
			continue;
		if (hi < lo)
			hi = lo;
		json_array_foreach(ports, k, p)
		{
			int port = (int)json_int(p, key, 0);
			if (port >= lo && port <= hi &&
			    (!slash || !strcmp(slash + 1, json_str(p, "Type") ?: "")))
				return 1;
		}
	}
	return 0;
}

void api_containers_list(struct http_request *req, struct engine *eng)
{
	struct list_filter lf;
	eng_error_t err;
	int all = http_query_bool(req, "all", 0), size = http_query_bool(req, "size", 0);
	long long limit = http_query_int(req, "limit", -1);
	size_t n;
	json_t *out = json_array();

	if (list_filter_init(eng, &lf, http_query(req, "filters"), &err) < 0) {
		list_filter_free(&lf);
		json_decref(out);
		http_reply_err(req, &err);
		return;
	}
	if (limit > 0)
		all = 1;
	struct container **list = engine_container_list(eng, &n);
	for (size_t i = 0; i < n; i++) {
		struct container *c = list[i];
		int running = engine_container_is_running(eng, c);
		if (!all && !running && !filters_get(lf.f, "status") && !filters_get(lf.f, "exited"))
			continue;
		if (!container_matches(eng, c, &lf))
			continue;
		if (limit > 0 && (long long)json_array_size(out) >= limit)
			break;
		json_t *doc = engine_container_summary(eng, c, size);
		if (!summary_on_networks(doc, filters_get(lf.f, "network")) ||
		    !summary_has_port(doc, filters_get(lf.f, "publish"), "PublicPort") ||
		    !summary_has_port(doc, filters_get(lf.f, "expose"), "PrivatePort")) {
			json_decref(doc);
			continue;
		}
		json_array_append_new(out, doc);
	}
	engine_container_list_free(eng, list, n);
	list_filter_free(&lf);
	http_reply_json(req, 200, out);
}

void api_containers_prune(struct http_request *req, struct engine *eng)
{
	static const char *const keys[] = {"until", "label", "label!", NULL};
	json_auto_t *f = NULL;
	eng_error_t err;
	int64_t until = 0, reclaimed = 0;
	json_t *deleted = json_array(), *v;
	size_t n;

	http_body_discard(req);
	f = filters_parse(http_query(req, "filters"), &err);
	if (!f || filters_check_keys(f, keys, &err) < 0) {
		json_decref(deleted);
		http_reply_err(req, &err);
		return;
	}
	if ((v = filters_get(f, "until")) &&
	    parse_time_filter(json_string_value(json_array_get(v, 0)), now_ns(), &until) < 0) {
		json_decref(deleted);
		http_reply_error(req, 400, "invalid filter 'until=%s'",
				 json_string_value(json_array_get(v, 0)));
		return;
	}
	struct container **list = engine_container_list(eng, &n);
	for (size_t i = 0; i < n; i++) {
		struct container *c = list[i];
		if (engine_container_is_running(eng, c))
			continue;
		if (until && c->created_ns >= until)
			continue;
		if (!filters_match_labels(f, "label", json_object_get(c->config, "Labels")) ||
		    !filters_match_labels(f, "label!", json_object_get(c->config, "Labels")))
			continue;
		int64_t size = image_rootfs_size_rw(engine_image_store(eng), c->id);
		if (engine_container_remove(eng, c, 0, 0, &err) < 0) {
			log_warn("prune: container %.12s: %s", c->id, err.msg);
			continue;
		}
		reclaimed += size;
		json_array_append_new(deleted, json_string(c->id));
	}
	engine_container_list_free(eng, list, n);
	http_reply_json(req, 200,
			json_pack("{s:o, s:I}", "ContainersDeleted",
				  json_array_size(deleted) ? deleted : (json_decref(deleted), json_null()),
				  "SpaceReclaimed", (json_int_t)reclaimed));
}

/* ---- lifecycle ---- */

static void reply_result(struct http_request *req, int rc, eng_error_t *err)
{
	if (rc < 0)
		http_reply_err(req, err);
	else
		http_reply_empty(req, 204);
}

void api_container_start(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	struct container *c = path_container(req, eng);
	if (!c)
		return;
	http_body_discard(req);
	reply_result(req, engine_container_start(eng, c, &err), &err);
	container_unref(eng, c);
}

void api_container_stop(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	struct container *c = path_container(req, eng);
	if (!c)
		return;
	reply_result(req,
		     engine_container_stop(eng, c, (int)http_query_int(req, "t", -1),
					   http_query(req, "signal"), &err),
		     &err);
	container_unref(eng, c);
}

void api_container_restart(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	struct container *c = path_container(req, eng);
	if (!c)
		return;
	reply_result(req,
		     engine_container_restart(eng, c, (int)http_query_int(req, "t", -1),
					      http_query(req, "signal"), &err),
		     &err);
	container_unref(eng, c);
}

void api_container_kill(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	struct container *c = path_container(req, eng);
	if (!c)
		return;
	int rc = engine_container_kill(eng, c, http_query(req, "signal"), &err);
	if (rc < 0 && err.kind == ERR_CONFLICT) {
		/* the API names the container as the user did */
		http_reply_error(req, 409, "cannot kill container: %s: container %s is not running",
				 req->params[0], c->id);
	} else {
		reply_result(req, rc, &err);
	}
	container_unref(eng, c);
}

void api_container_pause(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	struct container *c = path_container(req, eng);
	if (!c)
		return;
	reply_result(req, engine_container_pause(eng, c, &err), &err);
	container_unref(eng, c);
}

void api_container_update(struct http_request *req, struct engine *eng)
{
	json_auto_t *body = NULL;
	eng_error_t err;
	struct container *c = path_container(req, eng);
	if (!c)
		return;
	if (http_body_json(req, &body, &err) < 0 || engine_container_update(eng, c, body, &err) < 0)
		http_reply_err(req, &err);
	else
		http_reply_json(req, 200, json_pack("{s:[]}", "Warnings"));
	container_unref(eng, c);
}

void api_container_unpause(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	struct container *c = path_container(req, eng);
	if (!c)
		return;
	reply_result(req, engine_container_unpause(eng, c, &err), &err);
	container_unref(eng, c);
}

void api_container_delete(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	struct container *c = path_container(req, eng);
	if (!c)
		return;
	reply_result(req,
		     engine_container_remove(eng, c, http_query_bool(req, "force", 0),
					     http_query_bool(req, "v", 0), &err),
		     &err);
	container_unref(eng, c);
}

void api_container_rename(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	struct container *c = path_container(req, eng);
	if (!c)
		return;
	reply_result(req, engine_container_rename(eng, c, http_query(req, "name"), &err), &err);
	container_unref(eng, c);
}

void api_container_resize(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	long long h = http_query_int(req, "h", -1), w = http_query_int(req, "w", -1);
	struct container *c;

	if (h < 0 || w < 0 || h > 65535 || w > 65535) {
		http_reply_error(req, 400, "invalid height or width: h=%s w=%s",
				 http_query(req, "h") ?: "", http_query(req, "w") ?: "");
		return;
	}
	if (!(c = path_container(req, eng)))
		return;
	http_body_discard(req);
	if (engine_container_resize(eng, c, (unsigned)h, (unsigned)w, &err) < 0)
		http_reply_err(req, &err);
	else
		http_reply(req, 200, "text/plain", "", 0);
	container_unref(eng, c);
}

/* True once the peer closed its end (used while a handler blocks on a container). */
static int client_gone(void *arg)
{
	int fd = *(int *)arg;
	struct pollfd p = {fd, POLLIN | POLLRDHUP, 0};
	char b;
	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (p.revents & (POLLHUP | POLLRDHUP | POLLERR))
		return 1;
	return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

void api_container_wait(struct http_request *req, struct engine *eng)
{
	const char *cond = http_query(req, "condition");
	enum wait_condition wc = WAIT_NOT_RUNNING;
	eng_error_t err;
	int code;
	struct container *c;

	if (cond && *cond) {
		if (!strcmp(cond, "next-exit"))
			wc = WAIT_NEXT_EXIT;
		else if (!strcmp(cond, "removed"))
			wc = WAIT_REMOVED;
		else if (strcmp(cond, "not-running")) {
			http_reply_error(req, 400, "invalid condition: \"%s\"", cond);
			return;
		}
	}
	if (!(c = path_container(req, eng)))
		return;
	http_body_discard(req);
	/* headers go out at once, as dockerd does: clients start the container meanwhile */
	if (http_stream_begin(req, 200, "application/json") == 0) {
		if (engine_container_wait(eng, c, wc, client_gone, &req->fd, &code, &err) == 0)
			http_stream_json(req, json_pack("{s:i, s:n}", "StatusCode", code, "Error"));
		http_stream_end(req);
	}
	container_unref(eng, c);
}

/* ---- top ---- */

/* Runs ps on the host and keeps the rows of the container's processes. */
static void top_reply(struct http_request *req, struct engine *eng, struct container *c)
{
	const char *ps_args = http_query(req, "ps_args");
	_cleanup_free_ char *out = NULL, *errout = NULL;
	_cleanup_free_ char *args = strdup(ps_args && *ps_args ? ps_args : "-ef");
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_strv_ char **argv = strv_push(NULL, "/bin/ps");
	size_t npids = 0;
	eng_error_t err;
	int status, pid_col = -1, ncols = 0;
	char *save = NULL, *line;

	if (!engine_container_is_running(eng, c)) {
		http_reply_error(req, 409, "container %s is not running", c->id);
		return;
	}
	if (engine_container_pids(eng, c, &pids, &npids, &err) < 0) {
		http_reply_err(req, &err);
		return;
	}
	for (char *s2 = NULL, *t = strtok_r(args, " ", &s2); t; t = strtok_r(NULL, " ", &s2))
		argv = strv_push(argv, t);
	if (spawn_run(argv, -1, &out, &errout, &status, &err) < 0) {
		http_reply_err(req, &err);
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		http_reply_error(req, 500, "ps: %s", errout);
		return;
	}
	json_t *titles = json_array(), *procs = json_array();
	line = strtok_r(out, "\n", &save);
	_cleanup_free_ char *header = strdup(line ? line : "");
	for (char *s2 = NULL, *t = strtok_r(header, " \t", &s2); t;
	     t = strtok_r(NULL, " \t", &s2)) {
		if (!strcmp(t, "PID"))
			pid_col = ncols;
		json_array_append_new(titles, json_string(t));
		ncols++;
	}
	if (pid_col < 0) {
		json_decref(titles);
		json_decref(procs);
		http_reply_error(req, 500, "Couldn't find PID field in ps output");
		return;
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		json_t *row = json_array();
		char *p = line;
		int mine = 0;
		for (int col = 0; col < ncols && *p; col++) {
			while (*p == ' ' || *p == '\t')
				p++;
			size_t len = col == ncols - 1 ? strlen(p) : strcspn(p, " \t");
			json_array_append_new(row, json_stringn(p, len));
			p += len;
		}
		pid_t pid = (pid_t)atoi(json_string_value(json_array_get(row, (size_t)pid_col)) ?: "0");
		for (size_t i = 0; i < npids; i++)
			mine |= pids[i] == pid;
		if (mine)
			json_array_append_new(procs, row);
		else
			json_decref(row);
	}
	http_reply_json(req, 200, json_pack("{s:o, s:o}", "Titles", titles, "Processes", procs));
}

void api_container_top(struct http_request *req, struct engine *eng)
{
	struct container *c = path_container(req, eng);
	if (!c)
		return;
	top_reply(req, eng, c);
	container_unref(eng, c);
}

/* ---- logs and attach ---- */

/* Entries are gathered into one buffer and sent as one chunk; consecutive entries of a
 * stream share one multiplexed frame (frame boundaries mean nothing to clients). Per line,
 * a frame, a chunk and three writes made `docker logs` of 100-byte lines slower than
 * dockerd, and the docker CLI pays a write per frame too. */
#define LOG_OUT_CAP (128 * 1024)
#define FRAME_HDR 8

struct log_out {
	struct http_request *req; /* chunked response, or NULL to write raw to fd */
	int fd;
	int tty, timestamps, want_stdout, want_stderr;
	char *buf; /* LOG_OUT_CAP bytes, allocated on the first entry */
	size_t len;
	size_t frame; /* offset of the open frame's header in buf */
	int frame_stream; /* its stream; 0: no frame open */
	int failed;
};

static int log_write(struct log_out *o, const void *data, size_t len)
{
	if (o->req)
		return http_stream_write(o->req, data, len);
	return write_all(o->fd, data, len);
}

/* Sends what is gathered. 0, or -1 once the client is gone. */
static int log_flush(struct log_out *o)
{
	if (o->len && !o->failed && log_write(o, o->buf, o->len) < 0)
		o->failed = 1;
	o->len = 0;
	o->frame_stream = 0;
	return o->failed ? -1 : 0;
}

static void frame_header(char *h, int stream, size_t len)
{
	h[0] = (char)stream;
	h[1] = h[2] = h[3] = 0;
	h[4] = (char)(len >> 24);
	h[5] = (char)(len >> 16);
	h[6] = (char)(len >> 8);
	h[7] = (char)len;
}

static void log_append(struct log_out *o, const void *data, size_t len)
{
	memcpy(o->buf + o->len, data, len);
	o->len += len;
}

static int log_emit(void *ctx, const struct log_entry *e)
{
	struct log_out *o = ctx;
	char ts[64] = "";
	size_t tslen = 0;

	if ((e->stream == 1 && !o->want_stdout) || (e->stream == 2 && !o->want_stderr))
		return 0;
	if (o->timestamps) {
		/* docker's RFC3339NanoFixed: always nine fraction digits */
		char base[40];
		time_t secs = (time_t)(e->time_ns / 1000000000LL);
		struct tm tm;
		gmtime_r(&secs, &tm);
		strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
		tslen = (size_t)snprintf(ts, sizeof(ts), "%s.%09lldZ ", base,
					 (long long)(e->time_ns % 1000000000LL));
	}
	size_t plen = tslen + e->len;
	if (!o->buf && !(o->buf = malloc(LOG_OUT_CAP)))
		return 1;
	if (o->len + FRAME_HDR + plen > LOG_OUT_CAP && log_flush(o) < 0)
		return 1;
	if (FRAME_HDR + plen > LOG_OUT_CAP) {
		/* longer than the buffer (a 16 KiB line with a timestamp never is): on its own */
		char h[FRAME_HDR];
		frame_header(h, e->stream, plen);
		if ((!o->tty && log_write(o, h, FRAME_HDR) < 0) || log_write(o, ts, tslen) < 0 ||
		    log_write(o, e->data, e->len) < 0)
			o->failed = 1;
		return o->failed;
	}
	if (!o->tty && o->frame_stream != e->stream) {
		o->frame = o->len;
		o->frame_stream = e->stream;
		o->len += FRAME_HDR;
	}
	log_append(o, ts, tslen);
	log_append(o, e->data, e->len);
	if (!o->tty)
		frame_header(o->buf + o->frame, e->stream, o->len - o->frame - FRAME_HDR);
	return 0;
}

/* The reader caught up with the log: what is gathered goes out before it waits. */
static void log_caught_up(void *ctx)
{
	log_flush(ctx);
}

struct follow_ctx {
	struct engine *eng;
	struct container *c;
	int fd;
};

static int follow_done(void *arg)
{
	struct follow_ctx *f = arg;
	return !engine_container_is_running(f->eng, f->c) || client_gone(&f->fd);
}

void api_container_logs(struct http_request *req, struct engine *eng)
{
	struct container *c = path_container(req, eng);
	_cleanup_free_ char *path = NULL;
	const char *since = http_query(req, "since"), *until = http_query(req, "until");
	const char *tail = http_query(req, "tail");
	struct log_read_opts ro = {.tail = -1};
	eng_error_t err;
	int64_t now = now_ns();

	if (!c)
		return;
	struct log_out o = {
		.req = req,
		.fd = req->fd,
		.tty = json_bool(c->config, "Tty", 0),
		.timestamps = http_query_bool(req, "timestamps", 0),
		.want_stdout = http_query_bool(req, "stdout", 0),
		.want_stderr = http_query_bool(req, "stderr", 0),
	};
	struct follow_ctx fc = {eng, c, req->fd};
	if (!o.want_stdout && !o.want_stderr) {
		http_reply_error(req, 400, "Bad parameters: you must choose at least one stream");
		goto out;
	}
	if (!strcmp(json_str(json_object_get(c->host_config, "LogConfig"), "Type") ?: "", "none")) {
		http_reply_error(req, 501, "configured logging driver does not support reading");
		goto out;
	}
	if (since && *since && strcmp(since, "0") && parse_time_filter(since, now, &ro.since_ns) < 0) {
		http_reply_error(req, 400, "invalid value for \"since\": %s", since);
		goto out;
	}
	if (until && *until && strcmp(until, "0") && parse_time_filter(until, now, &ro.until_ns) < 0) {
		http_reply_error(req, 400, "invalid value for \"until\": %s", until);
		goto out;
	}
	if (tail && *tail && strcmp(tail, "all")) {
		char *end;
		ro.tail = strtol(tail, &end, 10);
		if (*end || ro.tail < 0)
			ro.tail = -1;
	}
	ro.follow = http_query_bool(req, "follow", 0) && !ro.until_ns;
	ro.done = follow_done;
	ro.done_ctx = &fc;
	ro.caught_up = log_caught_up;
	ro.caught_up_ctx = &o;
	path = engine_container_log_path(eng, c);
	http_stream_begin(req, 200,
			  o.tty ? "application/vnd.docker.raw-stream"
				: "application/vnd.docker.multiplexed-stream");
	if (logfile_read(path, &ro, log_emit, &o, &err) < 0)
		log_debug("logs %.12s: %s", c->id, err.msg);
	log_flush(&o);
	free(o.buf);
	http_stream_end(req);
out:
	container_unref(eng, c);
}

void api_container_attach(struct http_request *req, struct engine *eng)
{
	struct container *c = path_container(req, eng);
	_cleanup_free_ char *pending = NULL;
	size_t npending = 0;
	unsigned flags = 0;
	eng_error_t err;
	struct shim_attach a = {0};
	const char *keys = http_query(req, "detachKeys");
	int fd, tty;

	if (!c)
		return;
	if (shim_parse_detach_keys(keys, &a) < 0) {
		eng_error_make(&err, EINVAL, ERR_INVALID, "Invalid detach keys (%s) provided", keys);
		http_reply_err(req, &err);
		goto out;
	}
	tty = json_bool(c->config, "Tty", 0);
	if (http_query_bool(req, "stdin", 0))
		flags |= SHIM_STDIN;
	if (http_query_bool(req, "stdout", 0))
		flags |= SHIM_STDOUT;
	if (http_query_bool(req, "stderr", 0))
		flags |= SHIM_STDERR;
	http_body_discard(req);
	engine_container_attach_begin(eng, c);
	fd = http_hijack(req,
			 tty ? "application/vnd.docker.raw-stream"
			     : "application/vnd.docker.multiplexed-stream",
			 &pending, &npending);
	if (fd < 0)
		goto out_end;
	if (npending)
		log_debug("attach %.12s: %zu early stdin bytes dropped", c->id, npending);
	if (http_query_bool(req, "logs", 0)) {
		_cleanup_free_ char *path = engine_container_log_path(eng, c);
		struct log_out o = {.fd = fd, .tty = tty, .want_stdout = !!(flags & SHIM_STDOUT),
				    .want_stderr = !!(flags & SHIM_STDERR)};
		struct log_read_opts ro = {.tail = -1};
		logfile_read(path, &ro, log_emit, &o, &err);
		log_flush(&o);
		free(o.buf);
	}
	if (!http_query_bool(req, "stream", 0) || flags == 0) {
		close(fd);
		goto out_end;
	}
	a.fd = fd;
	a.flags = flags;
	if (engine_container_attach_end(eng, c, &a, &err) < 0)
		log_warn("attach %.12s: %s", c->id, err.msg);
	goto out;
out_end:
	engine_container_attach_end(eng, c, NULL, &err);
out:
	container_unref(eng, c);
}
