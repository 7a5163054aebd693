#pragma once
/* A container's mounts: resolved once at create time from HostConfig.VolumesFrom, Binds,
 * Mounts, Tmpfs and Config.Volumes into a normalized list kept in c->mounts (docker's
 * MountPoints), turned into OCI mounts at each start (with copy-up of image content into
 * new volumes), and released at removal. */
#include <jansson.h>
#include "../common/error.h"

struct engine;
struct container;

/* Validates and resolves c's mounts, creating the volumes it names (and anonymous ones) and
 * missing -v host directories. Sets c->mounts. On error nothing it created is left. Called
 * before c is in the container table, without eng->lock. */
int mounts_create(struct engine *eng, struct container *c, eng_error_t *err);
/* Undoes mounts_create for a container that was never added (its anonymous volumes go). */
void mounts_abort(struct engine *eng, struct container *c);

/* At start, with the root filesystem mounted at `rootfs`: mounts DriverOpts volumes, copies
 * image content into new volumes, and returns the binds for oci_spec_opts.binds ("src:dst:
 * mode", caller frees) and the extra OCI mount objects (tmpfs; new reference). */
int mounts_start(struct engine *eng, struct container *c, const char *rootfs, char ***ret_binds,
		 json_t **ret_mounts, eng_error_t *err);

/* After c was removed from the table: with `volumes`, removes its anonymous volumes that no
 * other container uses (docker rm -v, run --rm). */
void mounts_remove(struct engine *eng, struct container *c, int volumes);

/* docker inspect's "Mounts" (new reference); eng->lock held. */
json_t *mounts_inspect(const struct container *c);

/* Containers (full IDs) using the volume `name`; eng->lock NOT held. New reference. */
json_t *mounts_volume_users(struct engine *eng, const char *name);
