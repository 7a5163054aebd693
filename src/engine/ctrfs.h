#pragma once
/* A container's files for docker cp (HEAD/GET/PUT archive), export, diff and commit. Every
 * path is resolved inside the container's root (openat2 RESOLVE_IN_ROOT) and archives are
 * built by walking directory fds without following symlinks, so a link planted or swapped
 * by the container never leads out of it. */
#include <stddef.h>
#include <jansson.h>
#include "../common/error.h"

struct engine;
struct container;

/* Where archive bytes go. `begin` is called once, before the first byte, with the stat of
 * the copied path (NULL for export); both return -1 once the client is gone. */
struct ctr_sink {
	void *ctx;
	int (*begin)(void *ctx, const json_t *stat);
	int (*write)(void *ctx, const void *buf, size_t len);
};

/* docker's ContainerPathStat {name, size, mode, mtime, linkTarget} of `path` (new
 * reference). `name` is the container as the client named it, for docker's "Could not find
 * the file <path> in container <name>" (ERR_NOT_FOUND). */
json_t *engine_container_path_stat(struct engine *eng, struct container *c, const char *name,
				   const char *path, eng_error_t *err);
/* GET /containers/{id}/archive: a tar of `path` (a directory's entries under its base name). */
int engine_container_archive_get(struct engine *eng, struct container *c, const char *name,
				 const char *path, const struct ctr_sink *sink, eng_error_t *err);
/* PUT /containers/{id}/archive: extracts the tar stream on `fd` into the directory `path`. */
int engine_container_archive_put(struct engine *eng, struct container *c, const char *name,
				 const char *path, int fd, int copy_uidgid,
				 int no_overwrite_dir_nondir, eng_error_t *err);
/* GET /containers/{id}/export: the root filesystem (without volumes) as a tar. */
int engine_container_export(struct engine *eng, struct container *c,
			    const struct ctr_sink *sink, eng_error_t *err);
/* GET /containers/{id}/changes: [{"Path", "Kind"}] (new reference); Kind 0 modified,
 * 1 added, 2 deleted. */
json_t *engine_container_changes(struct engine *eng, struct container *c, eng_error_t *err);

/* POST /commit. `config` (borrowed, may be NULL) overrides the container's Config;
 * `changes` are Dockerfile lines; `pause` freezes a running container meanwhile. */
struct commit_opts {
	const char *repo_tag, *author, *comment;
	char *const *changes;
	const json_t *config;
	int pause;
};
int engine_container_commit(struct engine *eng, struct container *c,
			    const struct commit_opts *o, char ret_id[72], eng_error_t *err);
