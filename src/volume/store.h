#pragma once
/* Named volumes of the `local` driver. Each volume is a directory with a JSON document:
 *
 *   <data-root>/volumes/<name>/volume.json   name, driver, created, labels, options
 *   <data-root>/volumes/<name>/_data         what containers see
 *
 * DriverOpts (type, device, o) make _data a mount point (tmpfs, a bind of a host path, any
 * filesystem mount(2) knows) while at least one user has the volume mounted; volume_mount /
 * volume_unmount count those users. Which containers reference a volume is the engine's
 * business, not this store's. Thread-safe: every function takes the store's lock. */
#include <stdint.h>
#include <jansson.h>
#include "../common/error.h"

/* docker marks volumes made without a name with this label; prune removes only those
 * unless asked for all. */
#define VOLUME_ANON_LABEL "com.docker.volume.anonymous"

struct volume_store;

/* A snapshot of one volume; caller frees with volume_free. */
struct volume {
	char *name;
	char *driver;     /* "local" */
	char *mountpoint; /* <data-root>/volumes/<name>/_data */
	int64_t created_ns;
	json_t *labels;   /* object (owned), never NULL */
	json_t *options;  /* DriverOpts object (owned), never NULL */
};

int volume_store_open(const char *data_root, struct volume_store **ret, eng_error_t *err);
void volume_store_free(struct volume_store *s);
void volume_free(struct volume *v);
/* NULL-terminated list from volume_list. */
void volume_list_free(struct volume **list);

/* 0 when `name` is a valid local volume name, else -1 with docker's ERR_INVALID message
 * (without the "create <name>: " prefix). */
int volume_name_check(const char *name, eng_error_t *err);
/* Checks DriverOpts for the local driver (type, device, o). */
int volume_opts_check(const json_t *opts, eng_error_t *err);

/* Creates the volume, or returns the existing one of that name. `name` NULL or "" makes an
 * anonymous volume (random name, VOLUME_ANON_LABEL). `opts` and `labels` may be NULL.
 * *ret_created tells whether it is new (may be NULL). Errors are docker's
 * "create <name>: ..." messages. Caller frees the result. */
struct volume *volume_create(struct volume_store *s, const char *name, const json_t *opts,
			     const json_t *labels, int *ret_created, eng_error_t *err);
/* ERR_NOT_FOUND "get <name>: no such volume". Caller frees. */
struct volume *volume_get(struct volume_store *s, const char *name, eng_error_t *err);
/* All volumes sorted by name, NULL-terminated. Caller frees with volume_list_free. */
struct volume **volume_list(struct volume_store *s);
/* Deletes the volume and its data (unmounting it first). The caller has checked that no
 * container uses it. ERR_NOT_FOUND "get <name>: no such volume". */
int volume_remove(struct volume_store *s, const char *name, eng_error_t *err);

/* Makes the volume's data available for one more user: mounts its DriverOpts filesystem on
 * the first. *ret_path gets the host path to bind into a container (caller frees). */
int volume_mount(struct volume_store *s, const char *name, char **ret_path, eng_error_t *err);
/* Drops one user; unmounts with the last. No-op for an unknown name. */
void volume_unmount(struct volume_store *s, const char *name);

int volume_is_anonymous(const struct volume *v);
/* docker's Volume document (Name, Driver, Mountpoint, CreatedAt, Labels, Scope, Options).
 * New reference. */
json_t *volume_to_json(const struct volume *v);
/* Bytes used by the volume's data (as du counts them). */
int64_t volume_size(const struct volume *v);
