/* docker push. For each layer, what the store knows about where its compressed blobs live
 * (distmeta.c: recorded by pulls and earlier pushes) comes first: a blob the repository
 * already has is skipped ("Layer already exists"), one another repository of the same
 * registry has is mounted ("Mounted from"). Otherwise the uncompressed layer tar the store
 * keeps (content/sha256/<diff ID>) is gzip-compressed, deterministically (zlib, no name,
 * no time), into a temporary file while its digest is computed, and uploaded from there:
 * the digest must be known before the upload finishes, and the file lets a chunked
 * upload be retried. The config goes as it is, the manifest as an OCI manifest. */
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
#include <zlib.h>

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define PROGRESS_EVERY_NS (100 * 1000 * 1000)
#define IO_BUF (128 * 1024)

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
	if (!p->id || (now - p->last_ns < PROGRESS_EVERY_NS && sent < total))
		return;
	p->last_ns = now;
	say(p, p->id, "Pushing", sent, total);
}

/* The OCI media type for the same bytes (a docker one would not fit an OCI manifest). */
static const char *oci_layer_type(const char *mt)
{
	if (!mt)
		return MT_OCI_LAYER_GZIP;
	if (!strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar.gzip"))
		return MT_OCI_LAYER_GZIP;
	if (!strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar"))
		return MT_OCI_LAYER;
	return mt;
}

/* gzip of the layer tar into a temporary file (caller unlinks and frees *ret_path). */
static int compress_layer(struct image_store *s, const char *diff_id, char **ret_path,
                          char digest[72], int64_t *ret_size, eng_error_t *err)
{
	_cleanup_free_ char *src = store_content_path(s, diff_id), *dst = NULL;
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC), out = -1;
	/* on the heap: connection threads have small stacks */
	_cleanup_free_ unsigned char *ibuf = malloc(IO_BUF), *obuf = malloc(IO_BUF);
	sha256_ctx *sha = sha256_new();
	z_stream z = {0};
	char rnd[65], hex[65];
	int64_t size = 0;
	int rc = -1, flush = Z_NO_FLUSH;

	random_hex_id(rnd);
	if (asprintf(&dst, "%s/image-push-%.16s.tar.gz", s->tmp_dir, rnd) < 0)
		abort();
	if (in < 0) {
		eng_error_make(err, errno, ERR_INTERNAL, "layer %s is missing from the store: %m",
		               diff_id);
		goto out;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		eng_error_make(err, errno, ERR_INTERNAL, "creating %s: %m", dst);
		goto out;
	}
	/* windowBits 31: a gzip wrapper; zlib's default header has no name and time 0 */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	while (flush != Z_FINISH) {
		ssize_t n = read(in, ibuf, IO_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			eng_error_make(err, errno, ERR_INTERNAL, "reading %s: %m", src);
			goto out;
		}
		flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
		z.next_in = ibuf;
		z.avail_in = (uInt)n;
		do {
			z.next_out = obuf;
			z.avail_out = IO_BUF;
			deflate(&z, flush);
			size_t have = IO_BUF - z.avail_out;
			const unsigned char *q = obuf;
			sha256_update(sha, obuf, have);
			size += (int64_t)have;
			while (have > 0) {
				ssize_t w = write(out, q, have);
				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0) {
					eng_error_make(err, errno, ERR_INTERNAL, "writing %s: %m",
					               dst);
					goto out;
				}
				q += w;
				have -= (size_t)w;
			}
		} while (z.avail_out == 0);
	}
	rc = 0;
out:
	deflateEnd(&z);
	sha256_final_hex(sha, hex);
	if (rc < 0) {
		unlink(dst);
		return -1;
	}
	snprintf(digest, 72, "sha256:%s", hex);
	*ret_size = size;
	*ret_path = TAKE_PTR(dst);
	return 0;
}

/* One layer: its descriptor in *ret_desc. */
static int push_layer(struct image_store *s, struct registry *reg, struct push *p,
                      const struct image_ref *to, const char *diff_id, json_t **ret_desc,
                      eng_error_t *err)
{
	json_auto_t *known = NULL;
	json_t *e;
	size_t i;
	char sid[13], digest[72];
	_cleanup_free_ char *tmp = NULL;
	int64_t size;
	int rc;

	snprintf(sid, sizeof(sid), "%.12s", digest_hex(diff_id));
	pthread_mutex_lock(&s->lock);
	known = distmeta_get_locked(s, diff_id);
	pthread_mutex_unlock(&s->lock);
	/* a blob the repository has, then one to mount from a sibling repository */
	for (int pass = 0; pass < 2; pass++) {
		json_array_foreach(known, i, e)
		{
			const char *d = json_str(e, "digest"), *repo = json_str(e, "repository");
			if (!d || !repo || strcmp(json_str(e, "registry") ?: "", to->domain))
				continue;
			if (pass == 0)
				rc = registry_blob_exists(reg, d, NULL, err);
			else if (strcmp(repo, to->path))
				rc = registry_blob_mount(reg, d, repo, err);
			else
				continue;
			if (rc < 0)
				return -1;
			if (!rc)
				continue;
			if (pass == 0) {
				say(p, sid, "Layer already exists", 0, 0);
			} else {
				_cleanup_free_ char *msg = NULL;
				if (asprintf(&msg, "Mounted from %s", repo) < 0)
					abort();
				say(p, sid, msg, 0, 0);
			}
			*ret_desc = json_pack("{s:s, s:s, s:I}", "mediaType",
			                      oci_layer_type(json_str(e, "mediaType")), "digest", d,
			                      "size", (json_int_t)json_int(e, "size", 0));
			return 0;
		}
	}
	if (compress_layer(s, diff_id, &tmp, digest, &size, err) < 0)
		return -1;
	rc = registry_blob_exists(reg, digest, NULL, err);
	if (rc == 0) {
		_cleanup_close_ int fd = open(tmp, O_RDONLY | O_CLOEXEC);
		p->id = sid;
		p->last_ns = 0;
		rc = fd < 0 ? eng_error_make(err, errno, ERR_INTERNAL, "opening %s: %m", tmp)
		            : registry_blob_upload(reg, digest, fd, size, on_sent, p, err);
		p->id = NULL;
		if (rc == 0)
			say(p, sid, "Pushed", 0, 0);
	} else if (rc > 0) {
		say(p, sid, "Layer already exists", 0, 0);
		rc = 0;
	}
	unlink(tmp);
	if (rc < 0)
		return -1;
	*ret_desc = json_pack("{s:s, s:s, s:I}", "mediaType", MT_OCI_LAYER_GZIP, "digest", digest,
	                      "size", (json_int_t)size);
	return 0;
}

static int push_config(struct image_store *s, struct registry *reg, const char *id,
                       int64_t *ret_size, eng_error_t *err)
{
	_cleanup_free_ char *path = store_content_path(s, id);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int have;

	if (fd < 0 || fstat(fd, &st) < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "config %s is missing: %m", id);
	*ret_size = st.st_size;
	have = registry_blob_exists(reg, id, NULL, err);
	if (have != 0)
		return have < 0 ? -1 : 0;
	return registry_blob_upload(reg, id, fd, st.st_size, NULL, NULL, err);
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
	json_auto_t *man = NULL;
	json_t *layers, *d;
	const char *tag;
	int64_t size = 0;
	size_t n, i;
	char hex[65], dg[72];
	int rc = -1;
	eng_error_t gerr;

	if (ref_parse(name, &ref, err) < 0)
		return -1;
	tag = ref.tag ? ref.tag : "latest";
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
	n = strv_len(img->diff_ids);
	for (size_t k = n; k-- > 0;) {
		char sid[13];
		snprintf(sid, sizeof(sid), "%.12s", digest_hex(img->diff_ids[k]));
		say(&p, sid, "Preparing", 0, 0);
	}
	layers = json_array();
	man = json_pack("{s:i, s:s, s:n, s:o}", "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST,
	                "config", "layers", layers);
	for (size_t k = 0; k < n; k++)
		json_array_append_new(layers, json_null());
	/* top layer first, as docker shows them */
	for (size_t k = n; k-- > 0;) {
		json_t *desc = NULL;
		if (push_layer(s, reg, &p, &ref, img->diff_ids[k], &desc, err) < 0)
			goto out;
		json_array_set_new(layers, k, desc);
	}
	if (push_config(s, reg, img->id, &size, err) < 0)
		goto out;
	json_object_set_new(man, "config",
	                    json_pack("{s:s, s:s, s:I}", "mediaType", MT_OCI_CONFIG, "digest",
	                              img->id, "size", (json_int_t)size));
	body = json_dumps(man, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (registry_put_manifest(reg, tag, MT_OCI_MANIFEST, body, strlen(body), err) < 0)
		goto out;
	sha256_hex(body, strlen(body), hex);
	snprintf(dg, sizeof(dg), "sha256:%s", hex);
	{
		_cleanup_free_ char *msg = NULL;
		if (asprintf(&msg, "%s: digest: %s size: %zu", tag, dg, strlen(body)) < 0)
			abort();
		say(&p, NULL, msg, 0, 0);
	}
	if (progress)
		progress(ctx, json_pack("{s:o, s:{s:s, s:s, s:I}}", "progressDetail", json_object(),
		                        "aux", "Tag", tag, "Digest", dg, "Size",
		                        (json_int_t)strlen(body)));
	if (asprintf(&digest_ref, "%s@%s", fam, dg) < 0)
		abort();
	pthread_mutex_lock(&s->lock);
	{
		struct img_rec *r = store_find_id_locked(s, img->id);
		if (r)
			store_set_digest_locked(s, r, digest_ref, NULL);
		json_array_foreach(layers, i, d) distmeta_add_locked(
		    s, img->diff_ids[i], json_str(d, "digest"), json_int(d, "size", 0),
		    json_str(d, "mediaType"), ref.domain, ref.path);
	}
	pthread_mutex_unlock(&s->lock);
	rc = 0;
out:
	registry_close(reg);
	image_free(img);
	ref_free(&ref);
	return rc;
}
