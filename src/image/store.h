#pragma once
/* The image store: content blobs, unpacked layers, image records and their names, and the
 * container root filesystems built on them (overlayfs, with a vfs fallback).
 *
 * Layout under <data-root>:
 *   image/content/sha256/<hex>     blobs (configs, manifests, uncompressed layer tars by diff ID)
 *   image/images/<hex>.json        one record per image (config digest)
 *   image/repositories.json        familiar reference -> image ID
 *   overlay/<chain-id hex>/        unpacked read-only layer: diff/, link (short name), size
 *   overlay/l/<short>              symlink to ../<dir>/diff, keeps overlay mount options short
 *   overlay/<container id>/        a container's diff/ (upper), work/, merged/, lower
 *
 * Thread-safe: every function takes the store's lock itself. */
#include <stdint.h>
#include <jansson.h>
#include "../common/error.h"

struct image_store;

/* A snapshot of one image; caller frees with image_free. */
struct image {
	char id[72];         /* "sha256:<hex>" (digest of the config blob) */
	json_t *config;      /* the OCI image config document (owned) */
	char **repo_tags;    /* familiar "name:tag", NULL-terminated (may be empty) */
	char **repo_digests; /* familiar "name@sha256:..." */
	char **diff_ids;     /* "sha256:..." bottom layer first */
	char **chain_ids;    /* "sha256:..." matching diff_ids */
	int64_t created_ns;  /* config "created" */
	int64_t size;        /* total unpacked size of the layers */
	char parent[72];     /* "" when none */
	int64_t last_tag_ns; /* when a name was last given to it, 0 if never */
	json_t *graph_driver; /* docker's GraphDriver {"Name", "Data"} (owned) */
};

int image_store_open(const char *data_root, struct image_store **ret, eng_error_t *err);
void image_store_free(struct image_store *s);
void image_free(struct image *img);
void image_list_free(struct image **list);

/* By full or short ID (with or without "sha256:"), by reference, or by digest reference.
 * ERR_NOT_FOUND "No such image: <name>". */
struct image *image_get(struct image_store *s, const char *name, eng_error_t *err);
/* All images, NULL-terminated; caller frees with image_list_free. */
struct image **image_list(struct image_store *s);

/* Tells the store which images containers use. Returns the number of containers using
 * `image_id`, and in *ret_running whether one of them is running (for rmi's conflict
 * messages, which name a container: *ret_container gets its short ID, caller frees). */
typedef int (*image_usage_fn)(void *ctx, const char *image_id, int *ret_running,
			      char **ret_container);
void image_store_set_usage(struct image_store *s, image_usage_fn fn, void *ctx);

/* Progress of long operations, as docker's JSON message objects (stolen). */
typedef void (*image_progress_fn)(void *ctx, json_t *msg);

/* docker save archive or OCI layout, as a tar stream on `fd`. *ret_loaded gets lines such as
 * "Loaded image: busybox:latest" / "Loaded image ID: sha256:..." (new reference). Nothing
 * is kept when the archive is bad. */
int image_load(struct image_store *s, int fd, image_progress_fn progress, void *ctx,
	       json_t **ret_loaded, eng_error_t *err);
/* Writes a docker save archive (with an OCI layout inside, as docker 25+ does) to `fd`. */
int image_save(struct image_store *s, char *const *names, int fd, eng_error_t *err);
/* A root filesystem tar stream on `fd` (any compression) becomes a one-layer image.
 * `changes` are Dockerfile lines (CMD, ENV, ...); `repo_tag` may be NULL. */
int image_import(struct image_store *s, int fd, const char *repo_tag, char *const *changes,
		 const char *message, char ret_id[72], eng_error_t *err);
/* docker commit: the layer tar on `fd` (whiteouts as .wh. files) on top of the image
 * `parent_id`, the image config derived from the parent's with `config` (docker's Config,
 * borrowed) as its "config", and a history entry. `repo_tag`, `author`, `comment` may be
 * NULL; `created_by` is the history's "created_by". */
struct image_commit_opts {
	const char *parent_id, *container_id, *repo_tag, *author, *comment, *created_by;
	const json_t *config;
	const json_t *container_config;
};
int image_commit(struct image_store *s, const struct image_commit_opts *o, int fd,
		 char ret_id[72], eng_error_t *err);
/* Adds `repo:tag` (tag defaults to latest) for the image `source`. */
int image_tag(struct image_store *s, const char *source, const char *repo, const char *tag,
	      eng_error_t *err);
/* docker rmi: *ret_report is [{"Untagged": ...}, {"Deleted": ...}] (new reference). */
int image_remove(struct image_store *s, const char *name, int force, int noprune,
		 json_t **ret_report, eng_error_t *err);
/* docker image prune: dangling only unless `all`; `filters` is the decoded filters JSON
 * (until, label, label!), may be NULL. *ret_report is {"ImagesDeleted": [...],
 * "SpaceReclaimed": n}. */
int image_prune(struct image_store *s, int all, json_t *filters, json_t **ret_report,
		eng_error_t *err);
json_t *image_history(struct image_store *s, const char *name, eng_error_t *err);
/* GET /images/{name}/json and one element of GET /images/json. */
json_t *image_inspect_json(const struct image *img);
json_t *image_summary_json(const struct image *img, int containers);

/* Container root filesystems. `create` makes the container's upper layer over the image's
 * layers; `mount` mounts it and returns the merged path (caller frees); `unmount` is a no-op
 * when not mounted; `remove` unmounts and deletes the upper layer. */
int image_rootfs_create(struct image_store *s, const char *image_id, const char *container_id,
			eng_error_t *err);
int image_rootfs_mount(struct image_store *s, const char *container_id, char **ret_path,
		       eng_error_t *err);
int image_rootfs_unmount(struct image_store *s, const char *container_id, eng_error_t *err);
int image_rootfs_remove(struct image_store *s, const char *container_id, eng_error_t *err);
/* The container's upper directory (docker diff, commit), and the diff/ directories of its
 * image's layers, topmost first (NULL-terminated). Caller frees. */
char *image_rootfs_upper_path(struct image_store *s, const char *container_id);
char **image_rootfs_lower_paths(struct image_store *s, const char *container_id,
				eng_error_t *err);
/* Path of berth-untar (borrowed). */
const char *image_store_untar_path(struct image_store *s);
/* Size of the container's upper layer (SizeRw). */
int64_t image_rootfs_size_rw(struct image_store *s, const char *container_id);
/* Unpacked size of one layer, by chain ID ("sha256:..." or bare hex); 0 when unknown. */
int64_t image_layer_size(struct image_store *s, const char *chain_id);
/* "overlay2" or "vfs". */
const char *image_store_driver(struct image_store *s);
