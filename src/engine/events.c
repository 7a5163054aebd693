#include "events.h"
#include "engine-internal.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static struct event_log *event_log(struct engine *eng)
{
	return &eng->events;
}

void event_log_init(struct event_log *log)
{
	pthread_mutex_init(&log->lock, NULL);
	pthread_cond_init(&log->added, NULL);
}

void event_log_free(struct event_log *log)
{
	for (size_t i = 0; i < EVENT_HISTORY; i++)
		json_decref(log->ring[i]);
}

void engine_event(struct engine *eng, const char *type, const char *action, const char *id,
		  json_t *attrs)
{
	struct event_log *log = event_log(eng);
	int64_t now = now_ns();
	json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:o}, s:s, s:I, s:I}", "Type", type, "Action",
			       action, "Actor", "ID", id, "Attributes",
			       attrs ? attrs : json_object(), "scope", "local", "time",
			       (json_int_t)(now / 1000000000LL), "timeNano", (json_int_t)now);
	if (!strcmp(type, "container") || !strcmp(type, "image")) {
		/* the deprecated top-level fields older clients still read */
		json_object_set_new(ev, "status", json_string(action));
		json_object_set_new(ev, "id", json_string(id));
		const char *from = json_str(json_object_get(json_object_get(ev, "Actor"),
							    "Attributes"),
					    "image");
		if (from)
			json_object_set_new(ev, "from", json_string(from));
	}
	pthread_mutex_lock(&log->lock);
	json_decref(log->ring[log->next % EVENT_HISTORY]);
	log->ring[log->next % EVENT_HISTORY] = ev;
	log->next++;
	pthread_cond_broadcast(&log->added);
	pthread_mutex_unlock(&log->lock);
}

void container_event_locked(struct engine *eng, struct container *c, const char *action,
			    json_t *extra)
{
	json_t *attrs = json_object(), *labels;
	const char *k;
	json_t *v;

	labels = json_object_get(c->config, "Labels");
	json_object_foreach(labels, k, v) json_object_set(attrs, k, v);
	json_object_set_new(attrs, "image", json_string(json_str(c->config, "Image") ?: ""));
	json_object_set_new(attrs, "name", json_string(c->name));
	if (extra) {
		json_object_update(attrs, extra);
		json_decref(extra);
	}
	engine_event(eng, "container", action, c->id, attrs);
}

void engine_container_event(struct engine *eng, struct container *c, const char *action,
			    json_t *extra)
{
	pthread_mutex_lock(&eng->lock);
	container_event_locked(eng, c, action, extra);
	pthread_mutex_unlock(&eng->lock);
}

void engine_events_follow(struct engine *eng, int64_t since_ns, int64_t until_ns, event_fn fn,
			  int (*gone)(void *), void *ctx)
{
	struct event_log *log = event_log(eng);
	uint64_t seq;

	pthread_mutex_lock(&log->lock);
	seq = log->next;
	if (since_ns > 0) {
		uint64_t oldest = log->next > EVENT_HISTORY ? log->next - EVENT_HISTORY : 0;
		seq = oldest;
		while (seq < log->next &&
		       json_int(log->ring[seq % EVENT_HISTORY], "timeNano", 0) < since_ns)
			seq++;
	}
	for (;;) {
		while (seq < log->next) {
			json_t *ev = json_incref(log->ring[seq % EVENT_HISTORY]);
			int stop;
			seq++;
			if (until_ns && json_int(ev, "timeNano", 0) > until_ns) {
				json_decref(ev);
				goto out;
			}
			pthread_mutex_unlock(&log->lock);
			stop = fn(ctx, ev);
			json_decref(ev);
			pthread_mutex_lock(&log->lock);
			if (stop)
				goto out;
			/* fell behind by more than the history: skip what was lost */
			if (log->next - seq > EVENT_HISTORY)
				seq = log->next - EVENT_HISTORY;
		}
		if (until_ns && now_ns() > until_ns)
			break;
		struct timespec ts;
		deadline_after_ms(&ts, 1000);
		pthread_cond_timedwait(&log->added, &log->lock, &ts);
		if (gone && gone(ctx))
			break;
	}
out:
	pthread_mutex_unlock(&log->lock);
}
