/* GET /containers/{id}/stats. Samples come from the engine; this file pairs each with the
 * one before it (preread, precpu_stats), as docker's stats collector does, a second apart. */
#include "stats.h"
#include "../common/jsonutil.h"
#include "../engine/container.h"
#include "../engine/engine.h"

#include <poll.h>
#include <stdio.h>

#define ZERO_TIME "0001-01-01T00:00:00Z"

/* Waits out the interval between samples; true once the client has hung up. */
static int wait_interval_gone(int fd)
{
	struct pollfd p = {fd, POLLRDHUP, 0};
	return poll(&p, 1, 1000) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* Gives `doc` the previous sample's read time and cpu_stats (zero ones for the first). */
static void set_previous(json_t *doc, const json_t *prev)
{
	json_t *read = prev ? json_object_get(prev, "read") : NULL;
	json_t *cpu = prev ? json_object_get(prev, "cpu_stats") : NULL;
	json_object_set_new(doc, "preread", read ? json_copy(read) : json_string(ZERO_TIME));
	json_object_set_new(doc, "precpu_stats",
			    cpu ? json_deep_copy(cpu)
				: json_pack("{s:{s:i, s:i, s:i}, s:{s:i, s:i, s:i}}", "cpu_usage",
					    "total_usage", 0, "usage_in_kernelmode", 0,
					    "usage_in_usermode", 0, "throttling_data", "periods", 0,
					    "throttled_periods", 0, "throttled_time", 0));
}

static void stats_once(struct http_request *req, struct engine *eng, struct container *c,
		       int one_shot)
{
	json_t *prev = NULL, *doc;

	/* without one-shot the answer carries a CPU delta, so it needs a sample a second
	 * earlier; a stopped container has none to give */
	if (!one_shot && engine_container_is_running(eng, c)) {
		prev = engine_container_stats(eng, c);
		if (wait_interval_gone(req->fd)) {
			json_decref(prev);
			return;
		}
	}
	if (!(doc = engine_container_stats(eng, c))) {
		json_decref(prev);
		http_reply_error(req, 404, "No such container: %s", req->params[0]);
		return;
	}
	set_previous(doc, prev);
	json_decref(prev);
	http_reply_json(req, 200, doc);
}

static void stats_stream(struct http_request *req, struct engine *eng, struct container *c)
{
	json_t *prev = NULL;

	if (http_stream_begin(req, 200, "application/json") < 0)
		return;
	/* as dockerd: one document a second until the client leaves or the container is
	 * removed, zeroed ones while it is not running */
	for (;;) {
		json_t *doc = engine_container_stats(eng, c);
		if (!doc)
			break;
		set_previous(doc, prev);
		json_decref(prev);
		prev = json_incref(doc);
		if (http_stream_json(req, doc) < 0 || wait_interval_gone(req->fd))
			break;
	}
	json_decref(prev);
	http_stream_end(req);
}

void api_container_stats(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	struct container *c = engine_container_get(eng, req->params[0], &err);

	if (!c) {
		http_reply_err(req, &err);
		return;
	}
	/* one-shot came with API 1.41; older clients always get the precpu sample */
	int major = 1, minor = 51;
	if (req->api_version[0])
		sscanf(req->api_version, "%d.%d", &major, &minor);
	if (http_query_bool(req, "stream", 1))
		stats_stream(req, eng, c);
	else
		stats_once(req, eng, c, minor >= 41 && http_query_bool(req, "one-shot", 0));
	container_unref(eng, c);
}
