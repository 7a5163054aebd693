#pragma once
/* Shared by ctrfs.c (docker cp, export) and commit.c (diff, commit). */
#include <jansson.h>
#include <sys/stat.h>
#include "ctrfs.h"
#include "../common/error.h"

struct archive;

/* The container's root, held open with c->op_lock taken (see ctrfs.c). */
struct ctrfs {
	int root_fd;     /* O_PATH directory fd of the container's "/" */
	char *root_path; /* "/proc/<pid>/root" or the mounted root filesystem */
	int mounted;     /* mounted for this operation: unmounted at close */
	int via_proc;    /* a running container's root as its processes see it */
	char *prefix;    /* root_fd is the source of the mount at this container path ("") */
};
/* with_mounts: a running container seen with its volumes and binds (/proc/<pid>/root);
 * otherwise its root filesystem alone. */
int ctrfs_open(struct engine *eng, struct container *c, int with_mounts, struct ctrfs *fs,
	       eng_error_t *err);
void ctrfs_close(struct engine *eng, struct container *c, struct ctrfs *fs);

/* openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); "" means the root. */
int open_in_root(int root_fd, const char *path, int flags);
/* symlink.FollowSymlinkInScope; caller frees. */
char *follow_in_scope(int root_fd, const char *path);

/* A tar stream written to a sink from directory fds. */
struct tarw {
	struct archive *a;
	const struct ctr_sink *sink;
	json_t *inodes;   /* "dev:ino" -> first name, for hard links */
	int whiteouts;    /* an overlay upper dir: 0/0 devices and opaque dirs become .wh. */
	int skip_virtual; /* do not descend into proc, sysfs, cgroup, devpts mounts */
	/* entries for which this returns true are left out (NULL: none) */
	int (*skip)(void *ctx, const char *arcname, const struct stat *st);
	void *skip_ctx;
	int failed, gone;
	eng_error_t err;
};
void tarw_open(struct tarw *t, const struct ctr_sink *sink);
/* The directory `dir_fd` and everything below it, names under `prefix` ("" for none). */
int tarw_tree(struct tarw *t, int dir_fd, const char *prefix);
int tarw_close(struct tarw *t, eng_error_t *err);
