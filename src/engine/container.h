#pragma once
/* Container objects: the in-memory record, its persisted document, and the container
 * operations the API calls. The engine lock (eng->lock) guards every field below except
 * where noted; c->op_lock serialises lifecycle operations on one container (taken before
 * the engine lock, never after). */
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "../common/error.h"
#include "../runtime/shim.h"

struct engine;

enum ctr_status {
	CTR_CREATED,
	CTR_RUNNING,
	CTR_PAUSED,
	CTR_RESTARTING,
	CTR_REMOVING,
	CTR_EXITED,
	CTR_DEAD,
};

struct container {
	char id[65];
	char *name;         /* without the leading '/' */
	json_t *config;     /* docker's Config, merged with the image's */
	json_t *host_config;
	char image_id[72];  /* "sha256:..." */
	int64_t created_ns;
	char *runtime;      /* runtime name */

	/* state */
	enum ctr_status status;
	pid_t pid, shim_pid;
	int exit_code, oom_killed;
	char *error;
	int64_t started_ns, finished_ns;
	int restart_count;
	unsigned exit_seq;  /* bumps at every exit: wait next-exit */
	int removed;        /* gone from the table: wait removed */
	int stop_requested; /* stopped by the user: no restart policy applies */
	int64_t restart_delay_ms;
	int monitor_fd;     /* pidfd of the shim while running, -1 otherwise */
	json_t *mounts;     /* docker's MountPoints, see mounts.c; NULL before create */
	json_t *health;     /* docker's State.Health once a health check ran; see health.c */
	unsigned health_gen; /* the running health monitor's generation */
	int health_monitored;

	struct shim_attach *pending; /* clients attached before start */
	size_t npending;
	int attaching; /* attach requests answered (101) but not yet handed over */

	pthread_mutex_t op_lock;
	int refs;
};

const char *ctr_status_name(enum ctr_status s);

/* Lookup by full ID, name (with or without '/'), or unique ID prefix. Returns a new
 * reference (container_unref) or NULL with ERR_NOT_FOUND "No such container: <name>". */
struct container *engine_container_get(struct engine *eng, const char *name, eng_error_t *err);
void container_unref(struct engine *eng, struct container *c);
/* All containers, newest first, each referenced; free with engine_container_list_free. */
struct container **engine_container_list(struct engine *eng, size_t *ret_n);
void engine_container_list_free(struct engine *eng, struct container **list, size_t n);

/* POST /containers/create. `body` is the request document (Config + HostConfig). */
int engine_container_create(struct engine *eng, const char *name, json_t *body, char ret_id[65],
			    json_t **ret_warnings, eng_error_t *err);
int engine_container_start(struct engine *eng, struct container *c, eng_error_t *err);
/* timeout < 0: the container's StopTimeout or 10 s. signal NULL: StopSignal or SIGTERM. */
int engine_container_stop(struct engine *eng, struct container *c, int timeout, const char *sig,
			  eng_error_t *err);
int engine_container_restart(struct engine *eng, struct container *c, int timeout,
			     const char *sig, eng_error_t *err);
int engine_container_kill(struct engine *eng, struct container *c, const char *sig,
			  eng_error_t *err);
int engine_container_remove(struct engine *eng, struct container *c, int force, int volumes,
			    eng_error_t *err);
int engine_container_rename(struct engine *eng, struct container *c, const char *name,
			    eng_error_t *err);

enum wait_condition { WAIT_NOT_RUNNING, WAIT_NEXT_EXIT, WAIT_REMOVED };
/* Blocks until the condition holds or `gone(ctx)` says the client went away (checked about
 * once a second). Returns the exit code. */
int engine_container_wait(struct engine *eng, struct container *c, enum wait_condition cond,
			  int (*gone)(void *), void *ctx, int *ret_code, eng_error_t *err);
/* Attach a hijacked client (a->fd, consumed): handed to the shim when running, kept until
 * start otherwise. The API calls engine_container_attach_begin before it answers the
 * request: the docker CLI starts the container the moment it has the answer, and start
 * waits for such clients; every begin is followed by one attach or attach_end. */
void engine_container_attach_begin(struct engine *eng, struct container *c);
void engine_container_attach_end(struct engine *eng, struct container *c);
int engine_container_attach(struct engine *eng, struct container *c,
			    const struct shim_attach *a, eng_error_t *err);

/* docker pause / unpause through the cgroup freezer; ERR_CONFLICT with docker's messages. */
int engine_container_pause(struct engine *eng, struct container *c, eng_error_t *err);
/* docker update: `upd` is the UpdateConfig body (resources and RestartPolicy). */
int engine_container_update(struct engine *eng, struct container *c, const json_t *upd,
			    eng_error_t *err);
int engine_container_unpause(struct engine *eng, struct container *c, eng_error_t *err);

/* Resizes the container's terminal. ERR_CONFLICT when not running or without a TTY. */
int engine_container_resize(struct engine *eng, struct container *c, unsigned rows, unsigned cols,
			    eng_error_t *err);

/* Documents for the API (new references, taken under the engine lock). */
json_t *engine_container_inspect(struct engine *eng, struct container *c, int size);
json_t *engine_container_summary(struct engine *eng, struct container *c, int size);
/* Paths. Caller frees. */
char *engine_container_log_path(struct engine *eng, const struct container *c);
char *engine_container_bundle(struct engine *eng, const struct container *c);
/* Host PIDs of the container's processes (cgroup.procs); caller frees. */
int engine_container_pids(struct engine *eng, struct container *c, pid_t **ret, size_t *ret_n,
			  eng_error_t *err);
int engine_container_is_running(struct engine *eng, struct container *c);
/* The health status for filters: starting, healthy, unhealthy, or none without a check. */
char *engine_container_health(struct engine *eng, struct container *c, char out[16]);
/* Counts for /info. */
void engine_container_counts(struct engine *eng, int *total, int *running, int *paused,
			     int *stopped);
/* Parses "SIGKILL", "KILL", "9". -1 when unknown. */
int signal_parse(const char *s);
/* Starts the containers whose restart policy says so, after a daemon start. */
void engine_restart_policies_boot(struct engine *eng);
/* Valid container name per docker's rules. */
int container_name_valid(const char *name);
