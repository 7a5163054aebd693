#pragma once
/* Shared between the image store's files: store.c (records, names, queries), layers.c (the
 * layer store and container root filesystems), archive.c (load/save), import.c. */
#include "store.h"

#include <pthread.h>
#include <stddef.h>

/* An image as the store keeps it; `struct image` is a caller-owned snapshot of one. */
struct img_rec {
	char id[72];
	json_t *config;
	char **diff_ids;
	char **chain_ids;
	char **tags; /* familiar references naming this image, in tagging order */
	char **digests; /* familiar "name@sha256:..." it was pulled by (RepoDigests) */
	int64_t created_ns;
	int64_t size;
	int64_t last_tag_ns;
	char parent[72];
};

struct image_store {
	pthread_mutex_t lock;
	char *root;        /* data root */
	char *content_dir; /* <root>/image/content/sha256 */
	char *records_dir; /* <root>/image/images */
	char *repos_path;  /* <root>/image/repositories.json */
	char *overlay_dir; /* <root>/overlay */
	char *tmp_dir;     /* <root>/tmp */
	char *untar_path;  /* berth-untar */
	int vfs;
	json_t *repos; /* familiar reference -> image ID */
	json_t *index; /* id hex -> position in imgs */
	struct img_rec **imgs;
	size_t nimgs, cap;
	json_t *layer_refs;   /* chain hex -> users (images and containers) */
	json_t *content_refs; /* diff hex -> images using that layer tar */
	image_usage_fn usage;
	void *usage_ctx;
};

/* ---- store.c ---- */
struct img_rec *store_find_id_locked(struct image_store *s, const char *id);
/* Adds a new record (owned by the store now) and its layer/content references. */
int store_add_locked(struct image_store *s, struct img_rec *rec, eng_error_t *err);
/* Points `ref` (a familiar string) at `rec`; *ret_old_untagged gets the ID of an image
 * that lost its last name through this (caller frees) or NULL. */
int store_set_tag_locked(struct image_store *s, struct img_rec *rec, const char *ref,
                         char **ret_old_untagged, eng_error_t *err);
/* Points the digest reference `ref` ("name@sha256:...") at `rec` (RepoDigests). */
int store_set_digest_locked(struct image_store *s, struct img_rec *rec, const char *ref,
                            eng_error_t *err);
/* A record from a config blob (parses created, diff IDs, computes chain IDs). */
struct img_rec *store_rec_new(const char *id, json_t *config /* stolen */, eng_error_t *err);
void store_rec_free(struct img_rec *r);
char *store_content_path(struct image_store *s, const char *digest);
/* Resolves a name to a familiar reference string for tagging ("busybox" ->
 * "busybox:latest"); ERR_INVALID for bad references. */
char *store_normalise_tag(const char *name, eng_error_t *err);
/* ID -> "sha256:" + 64 hex into out; -1 when not a valid digest */
int store_chain_ids(char **diff_ids, char ***ret);

/* "amd64", "arm64", ... for this host. */
const char *store_host_arch(void);

/* ---- layers.c ---- */
/* A layer unpacked by this operation but not yet in the store. */
struct layer_new {
	char chain_hex[65];
	char diff_id[72];
	int64_t size;
	char *dir;         /* overlay/.tmp-<rand> (holds diff/) */
	char *content_tmp; /* tmp/image-<rand>.tar: the uncompressed stream */
};

int layers_open(struct image_store *s, eng_error_t *err);
/* Takes a reference on an existing layer so nobody deletes it while an operation that is
 * going to use it runs; 1 when pinned, 0 when there is no such layer. */
int layer_pin_locked(struct image_store *s, const char *chain_hex);
/* Drops one reference; the layer is deleted when it was the last. */
void layer_unref_locked(struct image_store *s, const char *chain_hex);
void layer_ref_locked(struct image_store *s, const char *chain_hex);
/* Path of the diff/ directory of a stored layer (caller frees). */
char *layer_diff_path(struct image_store *s, const char *chain_hex);
/* Unpacks the stream on `fd` with berth-untar into a new temporary layer. `parent_diff` is
 * the diff/ directory below it (used by vfs, which keeps full copies), NULL for the base. */
int layer_unpack(struct image_store *s, int fd, const char *parent_diff, struct layer_new *ret,
                 eng_error_t *err);
/* Moves an unpacked layer into place under `chain_hex` (dropping it if an identical one
 * appeared meanwhile) together with its content tar; no reference is taken. */
int layer_commit_locked(struct image_store *s, struct layer_new *l, const char *chain_hex,
                        eng_error_t *err);
/* Deletes whatever of an uncommitted layer is left; accepts a zeroed struct. */
void layer_new_discard(struct layer_new *l);
int64_t layer_size(struct image_store *s, const char *chain_hex);
json_t *layer_graph_driver(struct image_store *s, char *const *chain_ids);
/* Drops content/sha256/<diff> when no image uses it any more. */
void content_unref_locked(struct image_store *s, const char *diff_id);
void content_ref_locked(struct image_store *s, const char *diff_id);

/* ---- distmeta.c ---- */
/* Records that compressed blob `digest` unpacks to `diff_id` and that repository
 * `domain`/`path` holds it. */
void distmeta_add_locked(struct image_store *s, const char *diff_id, const char *digest,
                         int64_t size, const char *media_type, const char *domain,
                         const char *path);
/* [{"digest", "size", "mediaType", "registry", "repository"}] (new reference; [] if none). */
json_t *distmeta_get_locked(struct image_store *s, const char *diff_id);
void distmeta_drop_locked(struct image_store *s, const char *diff_id);

/* ---- small helpers ---- */
/* "sha256:<hex>" -> "<hex>" (borrowed), the string itself when it has no prefix */
static inline const char *digest_hex(const char *d)
{
	return (d[0] == 's' && d[1] == 'h' && d[2] == 'a' && d[3] == '2' && d[4] == '5' &&
	        d[5] == '6' && d[6] == ':')
	           ? d + 7
	           : d;
}
