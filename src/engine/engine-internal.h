#pragma once
/* State shared by the engine's files; nothing outside engine/ includes this. */
#include <pthread.h>
#include <stdint.h>
#include "engine.h"
#include "container.h"

/* Docker keeps the last 256 events for `since`; a little more costs nothing. */
#define EVENT_HISTORY 1024

struct event_log {
	pthread_mutex_t lock;
	pthread_cond_t added;
	json_t *ring[EVENT_HISTORY];
	uint64_t next; /* sequence number of the next event */
};
void event_log_init(struct event_log *log);
void event_log_free(struct event_log *log);

struct engine {
	struct engine_config cfg;
	struct image_store *images;
	struct volume_store *volumes;
	json_t *seccomp;          /* OCI seccomp object for docker's default caps */
	json_t *seccomp_profile;  /* the profile in docker's format, for other capability sets */
	char *shim_path;
	char *runtime_root;       /* <exec-root>/runc */

	pthread_mutex_t lock;
	pthread_cond_t changed;   /* broadcast on every state change */
	struct container **ctrs;
	size_t nctrs, cap;

	int epoll_fd;             /* shim pidfds */
	pthread_t monitor;
	int stopping;
	struct event_log events;
	struct exec_store *execs; /* exec.c: docker exec instances; NULL until the first */
	struct net_store *nets;   /* networking.c: networks and endpoints */
	struct dns_server *dns;   /* networking.c: the embedded DNS of user-defined networks */
};

/* Persists c's document; called with eng->lock held. Logs on failure. */
void container_save(struct engine *eng, struct container *c);
json_t *container_to_json(struct container *c);
struct container *container_from_json(json_t *doc);
void container_free(struct container *c);
char *container_dir(struct engine *eng, const char *id);
/* A process's environment as dockerd's CreateDaemonEnvironment makes it: PATH, HOSTNAME and
 * TERM (tty), overridden by the container's Env, then by `extra` (an exec's Env); a bare "K"
 * unsets K (moby's ReplaceOrAppendEnvValues). */
char **container_process_env(struct container *c, int tty, char *const *extra);
/* A free generated name (caller frees); called with eng->lock held. */
char *names_generate(struct engine *eng);
struct container *container_by_name_locked(struct engine *eng, const char *name);

/* True on a unified-only (cgroup v2) host; v1 and hybrid hosts keep controllers in v1. */
int cgroup_v2_only(void);
/* Freezes (1) or thaws (0) c's cgroup and waits for the kernel to finish. */
int container_freeze(const struct container *c, int frozen, eng_error_t *err);

/* health.c: starts or stops c's health monitor to suit its state (running, not paused,
 * with a health check); `fresh` after a start: the status begins again at "starting". */
void health_monitor_locked(struct engine *eng, struct container *c, int fresh);

/* Starts watching c's shim; called with eng->lock held. */
void monitor_watch(struct engine *eng, struct container *c);
/* Records an exit read from the shim; called with eng->lock held. */
void container_exited(struct engine *eng, struct container *c);
/* Restores containers from disk at startup. */
int containers_restore(struct engine *eng, eng_error_t *err);
/* Removes c from the table and disk; c->op_lock held, eng->lock not held. */
int container_destroy(struct engine *eng, struct container *c, eng_error_t *err);
/* The runtime's executable for a runtime name (daemon.json path or $PATH); caller frees. */
char *runtime_path(struct engine *eng, const char *name, eng_error_t *err);
/* exec.c: forgets c's execs (eng->lock not held); the exec IDs of c that have not exited,
 * as inspect's ExecIDs (null when none; eng->lock held); stops the exec watcher. */
void exec_container_removed(struct engine *eng, struct container *c);
json_t *exec_ids_locked(struct engine *eng, struct container *c);
void exec_store_free(struct engine *eng);

/* networking.c: the network store; c->net at create from HostConfig.NetworkMode and
 * NetworkingConfig (ERR_NOT_FOUND for an unknown network); the namespace for start (its
 * path for the runtime, and an fd to close once the runtime holds it); leaving the networks
 * at exit (eng->lock held); endpoints of running containers after a restart; inspect's
 * NetworkSettings (eng->lock held). */
int networking_open(struct engine *eng, eng_error_t *err);
int network_create_settings(struct engine *eng, json_t *hc, json_t *networking, json_t **ret,
			    eng_error_t *err);
/* Whether c is on a network with the embedded DNS (a user-defined one). */
int container_has_dns(struct container *c);
/* c's resolv.conf for the embedded DNS, as dockerd writes it (caller frees); its upstreams
 * (caller frees) and ndots setting when the pointers are not NULL. */
char *container_resolv_conf_dns(struct container *c, char ***ret_upstreams, int *ret_ndots_set);
/* lifecycle.c: a running container's resolv.conf switched to the embedded DNS in place. */
void container_resolv_conf_to_dns(struct engine *eng, struct container *c);
int container_net_start(struct engine *eng, struct container *c, int *ret_nsfd,
			char **ret_path, eng_error_t *err);
void container_net_stop_locked(struct engine *eng, struct container *c);
void containers_net_restore(struct engine *eng);
json_t *container_net_inspect_locked(struct container *c);
json_t *container_net_summary_ports_locked(struct container *c);
int container_links_hosts(struct engine *eng, struct container *c, char **ret, eng_error_t *err);
