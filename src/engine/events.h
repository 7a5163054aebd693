#pragma once
/* The event stream (GET /events): a bounded history for since/until replays and live
 * delivery to subscribers. Events are docker's JSON messages. */
#include <stdint.h>
#include <jansson.h>

struct engine;

/* Records an event. `attrs` (stolen, may be NULL) become Actor.Attributes. Thread-safe;
 * may be called with eng->lock held (the event log's lock is taken after it). */
void engine_event(struct engine *eng, const char *type, const char *action, const char *id,
		  json_t *attrs);
/* Container events carry the image and name and the container's labels. eng->lock must
 * NOT be held. */
struct container;
void engine_container_event(struct engine *eng, struct container *c, const char *action,
			    json_t *extra_attrs);
/* The same with eng->lock held. */
void container_event_locked(struct engine *eng, struct container *c, const char *action,
			    json_t *extra_attrs);

/* Calls `fn` for each event with time >= since_ns (0: only new ones) until `fn` returns
 * non-zero, `until_ns` passes (0: never), or `gone(ctx)` says the client left (checked
 * about once a second). */
typedef int (*event_fn)(void *ctx, json_t *ev /* borrowed */);
void engine_events_follow(struct engine *eng, int64_t since_ns, int64_t until_ns, event_fn fn,
			  int (*gone)(void *), void *ctx);
