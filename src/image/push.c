/* docker push. The store keeps every layer as the uncompressed tar it was unpacked from
 * (content/sha256/<diff ID>), so those exact bytes are pushed, as OCI uncompressed layers
 * whose digest is the diff ID: nothing is recompressed, the pushed image has the same
 * config (same ID) and pulling it back needs no other data. Blobs the repository has are
 * skipped (HEAD), blobs another repository of the same registry has (from RepoDigests) are
 * mounted, the rest uploaded from the file, streamed. */
#include "store-internal.h"
#include "push.h"
#include "reference.h"
#include "../common/cleanup.h"
#include "../common/digest.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"
#include "../registry/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define PROGRESS_EVERY_NS (100 * 1000 * 1000)

struct push {
	image_progress_fn progress;
	void *ctx;
	const char *id;
	int64_t last_ns;
};

static void say(struct push *p, const char *id, const char *status, int64_t cur, int64_t total)
{
	json_t *m;
	if (!p->progress)
		return;
	m = json_pack("{s:s}", "status", status);
	if (id) {
		json_t *d = json_object();
		if (total > 0) {
			json_object_set_new(d, "current", json_integer(cur));
			json_object_set_new(d, "total", json_integer(total));
		}
		json_object_set_new(m, "progressDetail", d);
		json_object_set_new(m, "id", json_string(id));
	}
	p->progress(p->ctx, m);
}

static void on_sent(void *ctx, int64_t sent, int64_t total)
{
	struct push *p = ctx;
	int64_t now = now_ns();
	if (now - p->last_ns < PROGRESS_EVERY_NS && sent < total)
		return;
	p->last_ns = now;
	say(p, p->id, "Pushing", sent, total);
}

/* Other repositories of the same registry this image came from or went to. */
static char **mount_sources(struct image_store *s, const char *id, const struct image_ref *to)
{
	char **out = calloc(1, sizeof(char *));

	pthread_mutex_lock(&s->lock);
	struct img_rec *r = store_find_id_locked(s, id);
	for (char **d = r ? r->digests : NULL; d && *d; d++) {
		struct image_ref x = {0};
		if (ref_parse(*d, &x, NULL) == 0) {
			if (!strcmp(x.domain, to->domain) && strcmp(x.path, to->path) &&
			    !strv_contains(out, x.path))
				out = strv_push(out, x.path);
			ref_free(&x);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return out;
}

static int push_blob(struct image_store *s, struct registry *reg, struct push *p,
                     const char *digest, char **sources, int show, int64_t *ret_size,
                     eng_error_t *err)
{
	_cleanup_free_ char *path = store_content_path(s, digest);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char sid[13];
	struct stat st;
	int have;

	snprintf(sid, sizeof(sid), "%.12s", digest_hex(digest));
	if (fd < 0 || fstat(fd, &st) < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "blob %s is missing from the store",
		                      digest);
	*ret_size = st.st_size;
	have = registry_blob_exists(reg, digest, NULL, err);
	if (have < 0)
		return -1;
	if (have) {
		if (show)
			say(p, sid, "Layer already exists", 0, 0);
		return 0;
	}
	for (char **from = sources; from && *from; from++) {
		int m = registry_blob_mount(reg, digest, *from, err);
		if (m < 0)
			return -1;
		if (m) {
			if (show) {
				_cleanup_free_ char *msg = NULL;
				if (asprintf(&msg, "Mounted from %s", *from) < 0)
					abort();
				say(p, sid, msg, 0, 0);
			}
			return 0;
		}
	}
	p->id = show ? sid : NULL;
	p->last_ns = 0;
	if (registry_blob_upload(reg, digest, fd, st.st_size, show ? on_sent : NULL, p, err) < 0)
		return -1;
	if (show)
		say(p, sid, "Pushed", 0, 0);
	return 0;
}

int image_push(struct image_store *s, const struct registry_options *o, const char *name,
               const struct registry_auth *auth, image_progress_fn progress, void *ctx,
               eng_error_t *err)
{
	struct push p = {.progress = progress, .ctx = ctx};
	struct image_ref ref = {0};
	struct image *img = NULL;
	struct registry *reg = NULL;
	_cleanup_free_ char *fam = NULL, *line = NULL, *body = NULL, *digest_ref = NULL;
	_cleanup_strv_ char **sources = NULL;
	json_auto_t *man = NULL;
	json_t *layers;
	int64_t size;
	char hex[65];
	int rc = -1;
	eng_error_t gerr;

	if (ref_parse(name, &ref, err) < 0)
		return -1;
	fam = ref_familiar_name(&ref);
	img = image_get(s, name, &gerr);
	if (!img) {
		eng_error_make(err, ENOENT, ERR_NOT_FOUND,
		               "An image does not exist locally with the tag: %s", fam);
		goto out;
	}
	if (registry_open(o, ref.domain, ref.path, auth, 1, &reg, err) < 0)
		goto out;
	if (asprintf(&line, "The push refers to repository [%s/%s]", ref.domain, ref.path) < 0)
		abort();
	say(&p, NULL, line, 0, 0);
	sources = mount_sources(s, img->id, &ref);
	for (size_t i = strv_len(img->diff_ids); i-- > 0;) {
		char sid[13];
		snprintf(sid, sizeof(sid), "%.12s", digest_hex(img->diff_ids[i]));
		say(&p, sid, "Preparing", 0, 0);
	}
	layers = json_array();
	man = json_pack("{s:i, s:s, s:n, s:o}", "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST,
	                "config", "layers", layers);
	for (size_t i = strv_len(img->diff_ids); i-- > 0;) {
		if (push_blob(s, reg, &p, img->diff_ids[i], sources, 1, &size, err) < 0)
			goto out;
	}
	for (char **d = img->diff_ids; *d; d++) {
		_cleanup_free_ char *path = store_content_path(s, *d);
		struct stat st;
		if (stat(path, &st) < 0) {
			eng_error_make(err, errno, ERR_INTERNAL, "blob %s: %m", *d);
			goto out;
		}
		json_array_append_new(layers,
		                      json_pack("{s:s, s:s, s:I}", "mediaType", MT_OCI_LAYER,
		                                "digest", *d, "size", (json_int_t)st.st_size));
	}
	if (push_blob(s, reg, &p, img->id, sources, 0, &size, err) < 0)
		goto out;
	json_object_set_new(man, "config",
	                    json_pack("{s:s, s:s, s:I}", "mediaType", MT_OCI_CONFIG, "digest",
	                              img->id, "size", (json_int_t)size));
	body = json_dumps(man, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (registry_put_manifest(reg, ref.tag ? ref.tag : "latest", MT_OCI_MANIFEST, body,
	                          strlen(body), err) < 0)
		goto out;
	sha256_hex(body, strlen(body), hex);
	{
		_cleanup_free_ char *msg = NULL;
		char dg[72];
		snprintf(dg, sizeof(dg), "sha256:%s", hex);
		if (asprintf(&msg, "%s: digest: %s size: %zu", ref.tag ? ref.tag : "latest", dg,
		             strlen(body)) < 0)
			abort();
		say(&p, NULL, msg, 0, 0);
		if (progress)
			progress(ctx, json_pack("{s:o, s:{s:s, s:s, s:I}}", "progressDetail",
			                        json_object(), "aux", "Tag",
			                        ref.tag ? ref.tag : "latest", "Digest", dg, "Size",
			                        (json_int_t)strlen(body)));
		if (asprintf(&digest_ref, "%s@%s", fam, dg) < 0)
			abort();
	}
	pthread_mutex_lock(&s->lock);
	{
		struct img_rec *r = store_find_id_locked(s, img->id);
		if (r)
			store_set_digest_locked(s, r, digest_ref, NULL);
	}
	pthread_mutex_unlock(&s->lock);
	rc = 0;
out:
	registry_close(reg);
	image_free(img);
	ref_free(&ref);
	return rc;
}
