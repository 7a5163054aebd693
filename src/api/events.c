/* GET /events: replay (since) and live events as a JSON stream, with docker's filters. */
#include "events.h"
#include "../common/cleanup.h"
#include "../common/filters.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../engine/events.h"

#include <poll.h>
#include <string.h>
#include <sys/socket.h>

struct events_ctx {
	struct http_request *req;
	json_t *filters;
};

static int value_in(json_t *vals, const char *v)
{
	json_t *x;
	size_t i;
	if (!vals)
		return 1;
	json_array_foreach(vals, i, x) if (v && !strcmp(json_string_value(x), v)) return 1;
	return 0;
}

/* Container and image filters match the ID (or a prefix of it) or the name. */
static int actor_in(json_t *vals, json_t *ev)
{
	json_t *actor = json_object_get(ev, "Actor"), *x;
	const char *id = json_str(actor, "ID");
	const char *name = json_str(json_object_get(actor, "Attributes"), "name");
	size_t i;
	if (!vals)
		return 1;
	json_array_foreach(vals, i, x)
	{
		const char *v = json_string_value(x);
		if ((id && !strncmp(id, v, strlen(v))) || (name && !strcmp(name, v)))
			return 1;
	}
	return 0;
}

static int event_matches(json_t *f, json_t *ev)
{
	const char *type = json_str(ev, "Type");
	json_t *attrs = json_object_get(json_object_get(ev, "Actor"), "Attributes");

	if (!value_in(filters_get(f, "type"), type) ||
	    !value_in(filters_get(f, "event"), json_str(ev, "Action")))
		return 0;
	if (filters_get(f, "container") &&
	    (strcmp(type, "container") || !actor_in(filters_get(f, "container"), ev)))
		return 0;
	if (filters_get(f, "image")) {
		const char *img = !strcmp(type, "image") ? json_str(attrs, "name")
							  : json_str(attrs, "image");
		if (!value_in(filters_get(f, "image"), img) &&
		    !(!strcmp(type, "image") && actor_in(filters_get(f, "image"), ev)))
			return 0;
	}
	return filters_match_labels(f, "label", attrs);
}

static int emit(void *arg, json_t *ev)
{
	struct events_ctx *ctx = arg;
	if (!event_matches(ctx->filters, ev))
		return 0;
	return http_stream_json(ctx->req, json_incref(ev)) < 0;
}

static int gone(void *arg)
{
	struct events_ctx *ctx = arg;
	struct pollfd p = {ctx->req->fd, POLLIN | POLLRDHUP, 0};
	char b;
	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (p.revents & (POLLHUP | POLLRDHUP | POLLERR))
		return 1;
	return recv(ctx->req->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

void api_events(struct http_request *req, struct engine *eng)
{
	static const char *const keys[] = {"container", "event", "image", "label", "type",
					   "daemon", "network", "volume", "plugin", "node",
					   "service", "secret", "config", "scope", NULL};
	const char *since = http_query(req, "since"), *until = http_query(req, "until");
	int64_t since_ns = 0, until_ns = 0, now = now_ns();
	eng_error_t err;
	json_auto_t *f = filters_parse(http_query(req, "filters"), &err);

	if (!f || filters_check_keys(f, keys, &err) < 0) {
		http_reply_err(req, &err);
		return;
	}
	if (since && *since && parse_time_filter(since, now, &since_ns) < 0) {
		http_reply_error(req, 400, "invalid value for \"since\": %s", since);
		return;
	}
	if (until && *until && parse_time_filter(until, now, &until_ns) < 0) {
		http_reply_error(req, 400, "invalid value for \"until\": %s", until);
		return;
	}
	if (since_ns && until_ns && until_ns < since_ns) {
		http_reply_error(req, 400, "`since` time (%s) cannot be after `until` time (%s)",
				 since, until);
		return;
	}
	struct events_ctx ctx = {req, f};
	http_stream_begin(req, 200, "application/json");
	engine_events_follow(eng, since_ns, until_ns, emit, gone, &ctx);
	http_stream_end(req);
}
