/* docker pull: a manifest (or an index and then the platform's manifest) from the registry,
 * the config blob, and the layers, which go straight from the network into berth-untar.
 *
 * Each layer is streamed through SHA-256 (of the compressed bytes, checked against the
 * manifest's digest and size) into a pipe whose other end is berth-untar's stdin; berth-untar
 * decompresses (gzip, zstd or none), unpacks into a temporary layer directory, and reports
 * the diff ID, which must match the config's. Nothing is held in memory but the small
 * buffers on the way, and nothing enters the store before every layer checked out: then,
 * under the store lock, layers are committed, the record added and the name set, with the
 * same entry points docker load uses. Three layers are fetched at a time, as docker does.
 * A pull cut short leaves only temporary directories, which the next start removes. */
#include "store-internal.h"
#include "pull.h"
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
#include <unistd.h>

#define CONCURRENT_LAYERS 3
#define MAX_CONFIG (8 << 20)
#define PROGRESS_EVERY_NS (100 * 1000 * 1000)

#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"

struct job {
	const char *digest;
	const char *media_type;
	int64_t size;
	char short_id[13];
	char chain_hex[65];
	char diff_id[72];
	int pinned; /* the store has it and this pull holds a reference on it */
	int done;
	int64_t unpacked_size;
	struct layer_new l;
	/* while downloading */
	struct pull *p;
	sha256_ctx *sha;
	int64_t got;
	int fd;
	int unpack_gone;  /* berth-untar stopped reading: the rest is only hashed */
	int too_long;     /* more bytes than the manifest said */
	int content_held; /* this pull stored the layer's tar and holds a reference on it */
	int64_t last_report_ns;
};

struct pull {
	struct image_store *s;
	struct registry *reg;
	image_progress_fn progress;
	void *ctx;
	const int *cancel;
	pthread_mutex_t lock; /* jobs' state, the first error, and progress output */
	pthread_cond_t cond;
	struct job *jobs;
	size_t njobs, next;
	int failed;
	eng_error_t err;
};

/* ---- progress, as docker's JSON messages ---- */

static void human(int64_t n, char out[16])
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)n;
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(out, 16, "%.3g%s", v, units[u]);
}

static json_t *bar(int64_t cur, int64_t total)
{
	char c[16], t[16], box[52];
	int fill = total > 0 ? (int)(50 * (cur > total ? total : cur) / total) : 0;
	char *s;

	human(cur, c);
	human(total, t);
	for (int i = 0; i < 50; i++)
		box[i] = i < fill ? '=' : i == fill ? '>' : ' ';
	box[50] = 0;
	if (asprintf(&s, "[%s] %8s/%s", box, c, t) < 0)
		abort();
	json_t *j = json_string(s);
	free(s);
	return j;
}

/* Caller holds p->lock (progress lines must not interleave). */
static void say_locked(struct pull *p, const char *id, const char *status, int64_t cur,
                       int64_t total)
{
	json_t *m;

	if (!p->progress)
		return;
	m = json_pack("{s:s}", "status", status);
	if (id) {
		json_t *detail = json_object();
		if (total > 0) {
			json_object_set_new(detail, "current", json_integer(cur));
			json_object_set_new(detail, "total", json_integer(total));
			json_object_set_new(m, "progress", bar(cur, total));
		}
		json_object_set_new(m, "progressDetail", detail);
		json_object_set_new(m, "id", json_string(id));
	}
	p->progress(p->ctx, m);
}

static void say(struct pull *p, const char *id, const char *status, int64_t cur, int64_t total)
{
	pthread_mutex_lock(&p->lock);
	say_locked(p, id, status, cur, total);
	pthread_mutex_unlock(&p->lock);
}

static void fail(struct pull *p, const eng_error_t *e)
{
	pthread_mutex_lock(&p->lock);
	if (!p->failed) {
		p->failed = 1;
		p->err = *e;
	}
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* ---- one layer ---- */

struct unpack_arg {
	struct image_store *s;
	int fd;
	char *parent;
	struct layer_new *l;
	eng_error_t err;
	int rc;
};

static void *unpack_thread(void *arg)
{
	struct unpack_arg *u = arg;
	u->rc = layer_unpack(u->s, u->fd, u->parent, u->l, &u->err);
	return NULL;
}

static int write_pipe(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int layer_sink(void *ctx, const void *data, size_t len)
{
	struct job *j = ctx;
	struct pull *p = j->p;
	int64_t now;

	if (p->failed)
		return -1;
	if (p->cancel && __atomic_load_n(p->cancel, __ATOMIC_RELAXED)) {
		eng_error_t e;
		eng_error_make(&e, ECANCELED, ERR_INTERNAL, "context canceled");
		fail(p, &e);
		return -1;
	}
	if (j->size > 0 && j->got + (int64_t)len > j->size) {
		j->too_long = 1;
		return -1;
	}
	sha256_update(j->sha, data, len);
	/* when berth-untar gives up, the blob is still read to its end: a digest mismatch,
	 * not the unpacker's complaint about the garbage, is what went wrong then */
	if (!j->unpack_gone && write_pipe(j->fd, data, len) < 0)
		j->unpack_gone = 1;
	j->got += (int64_t)len;
	now = now_ns();
	if (now - j->last_report_ns >= PROGRESS_EVERY_NS) {
		j->last_report_ns = now;
		say(p, j->short_id, "Downloading", j->got, j->size);
	}
	return 0;
}

/* vfs keeps full copies: a layer is unpacked on top of a copy of its parent, which must
 * be there first. Overlay layers are independent. */
static char *parent_dir(struct pull *p, size_t k, eng_error_t *err)
{
	struct job *prev;

	if (!p->s->vfs || k == 0)
		return NULL;
	prev = &p->jobs[k - 1];
	pthread_mutex_lock(&p->lock);
	while (!prev->done && !p->failed)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	if (p->failed)
		return NULL;
	return layer_diff_path(p->s, prev->chain_hex);
}

static int fetch_layer(struct pull *p, size_t k, eng_error_t *err)
{
	struct job *j = &p->jobs[k];
	struct unpack_arg u = {.s = p->s, .l = &j->l};
	pthread_t thr;
	int fds[2];
	int rc;
	char hex[65];
	eng_error_t derr;

	u.parent = parent_dir(p, k, err);
	if (p->failed) {
		free(u.parent);
		return 0;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(u.parent);
		return eng_error_make(err, errno, ERR_INTERNAL, "pipe: %m");
	}
	u.fd = fds[0];
	j->fd = fds[1];
	j->p = p;
	j->sha = sha256_new();
	if (pthread_create(&thr, NULL, unpack_thread, &u) != 0)
		abort();
	say(p, j->short_id, "Downloading", 0, j->size);
	rc = registry_get_blob(p->reg, j->digest, layer_sink, j, &derr);
	close(fds[1]);
	pthread_join(thr, NULL);
	close(fds[0]);
	free(u.parent);
	sha256_final_hex(j->sha, hex);
	j->sha = NULL;
	if (p->failed)
		return 0;
	if (rc < 0 && !j->too_long) {
		*err = derr;
		return -1;
	}
	if (j->too_long || strcmp(hex, digest_hex(j->digest)) || (j->size > 0 && j->got != j->size))
		return eng_error_make(err, EINVAL, ERR_INVALID,
		                      "filesystem layer verification failed for digest %s",
		                      j->digest);
	if (u.rc < 0) {
		*err = u.err;
		return -1;
	}
	say(p, j->short_id, "Verifying Checksum", 0, 0);
	say(p, j->short_id, "Download complete", 0, 0);
	if (strcmp(j->l.diff_id, j->diff_id))
		return eng_error_make(err, EINVAL, ERR_INVALID,
		                      "layer %s has diff ID %s, the image config says %s",
		                      j->digest, j->l.diff_id, j->diff_id);
	say(p, j->short_id, "Extracting", j->size, j->size);
	say(p, j->short_id, "Pull complete", 0, 0);
	snprintf(j->l.chain_hex, sizeof(j->l.chain_hex), "%s", j->chain_hex);
	return 0;
}

/* Layers some pull is fetching right now, by chain ID: a second pull of the same layer
 * waits for the first and then uses its result, instead of fetching it again. Each layer
 * enters the store as soon as it is complete (held by a reference of its pull), so
 * nobody ever waits for a whole other pull, only for one layer. */
static pthread_mutex_t inflight_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t inflight_cond = PTHREAD_COND_INITIALIZER;
static json_t *inflight;

/* 1: this pull fetches the layer; 0: it is in the store now (and pinned for us). */
static int claim_layer(struct image_store *s, const char *chain_hex)
{
	int pinned;

	pthread_mutex_lock(&inflight_lock);
	if (!inflight)
		inflight = json_object();
	while (json_object_get(inflight, chain_hex))
		pthread_cond_wait(&inflight_cond, &inflight_lock);
	pthread_mutex_lock(&s->lock);
	pinned = layer_pin_locked(s, chain_hex);
	pthread_mutex_unlock(&s->lock);
	if (!pinned)
		json_object_set_new(inflight, chain_hex, json_true());
	pthread_mutex_unlock(&inflight_lock);
	return !pinned;
}

static void release_layer(const char *chain_hex)
{
	pthread_mutex_lock(&inflight_lock);
	json_object_del(inflight, chain_hex);
	pthread_cond_broadcast(&inflight_cond);
	pthread_mutex_unlock(&inflight_lock);
}

static int commit_layer(struct pull *p, struct job *j, eng_error_t *err)
{
	int rc;

	pthread_mutex_lock(&p->s->lock);
	rc = layer_commit_locked(p->s, &j->l, j->chain_hex, err);
	if (rc == 0) {
		layer_ref_locked(p->s, j->chain_hex);
		/* the layer's tar too: dropped with the last reference if the pull fails */
		content_ref_locked(p->s, j->diff_id);
		j->content_held = 1;
	}
	pthread_mutex_unlock(&p->s->lock);
	return rc;
}

static void *worker(void *arg)
{
	struct pull *p = arg;

	for (;;) {
		size_t k;
		struct job *j;
		eng_error_t e;
		int rc;
		pthread_mutex_lock(&p->lock);
		while (p->next < p->njobs && p->jobs[p->next].pinned)
			p->next++;
		if (p->failed || p->next >= p->njobs) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		k = p->next++;
		j = &p->jobs[k];
		pthread_mutex_unlock(&p->lock);
		if (!claim_layer(p->s, j->chain_hex)) {
			j->unpacked_size = layer_size(p->s, j->chain_hex);
			say(p, j->short_id, "Already exists", 0, 0);
		} else {
			j->l.size = 0;
			rc = fetch_layer(p, k, &e);
			if (rc == 0 && !p->failed && (rc = commit_layer(p, j, &e)) == 0) {
				pthread_mutex_lock(&p->lock);
				j->pinned = 1; /* the reference commit_layer took */
				pthread_mutex_unlock(&p->lock);
			}
			j->unpacked_size = j->l.size;
			layer_new_discard(&j->l);
			release_layer(j->chain_hex);
			if (rc < 0) {
				fail(p, &e);
				return NULL;
			}
			if (p->failed)
				return NULL;
		}
		pthread_mutex_lock(&p->lock);
		j->pinned = 1;
		j->done = 1;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
}

/* ---- manifests ---- */

struct platform {
	char os[32], arch[32], variant[32];
};

static int parse_platform(const char *s, struct platform *pf, eng_error_t *err)
{
	char buf[100];
	char *save = NULL, *a, *b, *c;

	snprintf(pf->os, sizeof(pf->os), "linux");
	snprintf(pf->arch, sizeof(pf->arch), "%s", store_host_arch());
	pf->variant[0] = 0;
	if (!s || !*s)
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	a = strtok_r(buf, "/", &save);
	b = strtok_r(NULL, "/", &save);
	c = strtok_r(NULL, "/", &save);
	if (!a || strtok_r(NULL, "/", &save))
		return eng_error_make(err, EINVAL, ERR_INVALID,
		                      "\"%s\": unknown operating system or architecture: invalid "
		                      "argument",
		                      s);
	if (!b) {
		/* "amd64" alone names an architecture on linux */
		if (strcmp(a, "linux")) {
			snprintf(pf->arch, sizeof(pf->arch), "%s", a);
			return 0;
		}
		return 0;
	}
	snprintf(pf->os, sizeof(pf->os), "%s", a);
	snprintf(pf->arch, sizeof(pf->arch), "%s", b);
	if (c)
		snprintf(pf->variant, sizeof(pf->variant), "%s", c);
	if (!strcmp(pf->arch, "x86_64"))
		snprintf(pf->arch, sizeof(pf->arch), "amd64");
	if (!strcmp(pf->arch, "aarch64"))
		snprintf(pf->arch, sizeof(pf->arch), "arm64");
	return 0;
}

static int platform_matches(const struct platform *want, json_t *p)
{
	const char *v = json_str(p, "variant") ?: "";

	if (strcmp(json_str(p, "os") ?: "", want->os) ||
	    strcmp(json_str(p, "architecture") ?: "", want->arch))
		return 0;
	if (!want->variant[0])
		return 1;
	return !strcmp(v, want->variant) ||
	       (!*v && !strcmp(want->arch, "arm64") && !strcmp(want->variant, "v8"));
}

static int is_index(json_t *m, const char *mt)
{
	const char *body_mt = json_str(m, "mediaType") ?: "";
	return !strcmp(mt, MT_DOCKER_LIST) || !strcmp(mt, MT_OCI_INDEX) ||
	       !strcmp(body_mt, MT_DOCKER_LIST) || !strcmp(body_mt, MT_OCI_INDEX) ||
	       (json_is_array(json_object_get(m, "manifests")) && !json_object_get(m, "config"));
}

/* Fetches `reference` and checks it against `want_digest` (when it is a digest). */
static json_t *get_manifest(struct pull *p, const char *reference, char **ret_mt, char digest[72],
                            eng_error_t *err)
{
	_cleanup_free_ char *body = NULL;
	size_t len;
	json_t *m;

	if (registry_get_manifest(p->reg, reference, &body, &len, ret_mt, digest, err) < 0)
		return NULL;
	if (!strncmp(reference, "sha256:", 7) && strcmp(reference, digest)) {
		free(*ret_mt);
		return eng_error_make(err, EINVAL, ERR_INVALID,
		                      "manifest verification failed for digest %s", reference),
		       NULL;
	}
	m = json_loadb(body, len, 0, NULL);
	if (!json_is_object(m)) {
		json_decref(m);
		free(*ret_mt);
		return eng_error_make(err, EINVAL, ERR_INVALID, "malformed manifest %s", reference),
		       NULL;
	}
	if (json_int(m, "schemaVersion", 0) == 1) {
		json_decref(m);
		free(*ret_mt);
		return eng_error_make(
		           err, EINVAL, ERR_INVALID,
		           "[DEPRECATION NOTICE] Docker Image Format v1 and Docker "
		           "Image manifest version 2, schema 1 support has been removed. "
		           "Suggest the author of %s to upgrade the image to the OCI "
		           "Format or Docker Image manifest v2, schema 2.",
		           reference),
		       NULL;
	}
	return m;
}

static int blob_sink(void *ctx, const void *data, size_t len)
{
	struct {
		char *buf;
		size_t len;
	} *b = ctx;
	if (b->len + len > MAX_CONFIG)
		return -1;
	b->buf = realloc(b->buf, b->len + len + 1);
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = 0;
	return 0;
}

static char *get_config(struct pull *p, const char *digest, size_t *ret_len, eng_error_t *err)
{
	struct {
		char *buf;
		size_t len;
	} b = {0};
	char hex[65];

	if (!digest_valid(digest))
		return eng_error_make(err, EINVAL, ERR_INVALID, "malformed config digest"), NULL;
	if (registry_get_blob(p->reg, digest, blob_sink, &b, err) < 0) {
		free(b.buf);
		return NULL;
	}
	sha256_hex(b.buf ? b.buf : "", b.len, hex);
	if (strcmp(hex, digest + 7)) {
		free(b.buf);
		return eng_error_make(err, EINVAL, ERR_INVALID,
		                      "image config verification failed for digest %s", digest),
		       NULL;
	}
	*ret_len = b.len;
	return b.buf ? b.buf : strdup("");
}

/* docker's translation of registry errors for pulls. */
static int pull_error(eng_error_t *err, const char *familiar_name, const char *familiar_ref)
{
	const char *code = registry_error_code();
	char msg[sizeof(err->msg)];

	snprintf(msg, sizeof(msg), "%s", err->msg);
	if (!strcmp(code, "DENIED") || !strcmp(code, "UNAUTHORIZED"))
		return eng_error_make(err, ENOENT, ERR_NOT_FOUND,
		                      "pull access denied for %s, repository does not exist or may "
		                      "require 'docker login': %s",
		                      familiar_name, msg);
	if (!strcmp(code, "MANIFEST_UNKNOWN"))
		return eng_error_make(err, ENOENT, ERR_NOT_FOUND, "manifest for %s not found: %s",
		                      familiar_ref, msg);
	if (!strcmp(code, "NAME_UNKNOWN"))
		return eng_error_make(err, ENOENT, ERR_NOT_FOUND, "repository %s not found: %s",
		                      familiar_name, msg);
	return -1;
}

static int layer_type_ok(const char *mt)
{
	return !mt || strstr(mt, "tar") || !strcmp(mt, "application/octet-stream");
}

/* ---- the pull ---- */

static int commit_locked(struct pull *p, struct img_rec **recp, const char *config,
                         size_t config_len, const char *tag_ref, const char *digest_ref,
                         int *ret_updated, eng_error_t *err)
{
	struct image_store *s = p->s;
	struct img_rec *r;
	const char *old;

	r = store_find_id_locked(s, (*recp)->id);
	if (!r) {
		_cleanup_free_ char *cpath = store_content_path(s, (*recp)->id);
		if (write_file_atomic(cpath, config, config_len, err) < 0 ||
		    store_add_locked(s, *recp, err) < 0)
			return -1;
		r = TAKE_PTR(*recp);
		*ret_updated = 1;
	}
	if (tag_ref) {
		_cleanup_free_ char *gone = NULL;
		old = json_str(s->repos, tag_ref);
		if (!old || strcmp(old, r->id))
			*ret_updated = 1;
		if (store_set_tag_locked(s, r, tag_ref, &gone, err) < 0)
			return -1;
	}
	return store_set_digest_locked(s, r, digest_ref, err);
}

int image_pull(struct image_store *s, const struct registry_options *o, const char *name,
               const char *tag, const char *platform, const struct registry_auth *auth,
               image_progress_fn progress, void *ctx, const int *cancel,
               struct image_pull_result *ret, eng_error_t *err)
{
	struct pull p = {.s = s, .progress = progress, .ctx = ctx, .cancel = cancel};
	struct image_ref ref = {0};
	struct platform pf;
	_cleanup_free_ char *full = NULL, *fam_name = NULL, *fam_ref = NULL, *mt = NULL;
	_cleanup_free_ char *config = NULL, *tag_ref = NULL, *digest_ref = NULL;
	json_auto_t *top = NULL, *man = NULL;
	struct img_rec *rec = NULL;
	char top_digest[72], man_digest[72];
	const char *reference;
	pthread_t threads[CONCURRENT_LAYERS];
	size_t nthreads = 0, config_len = 0, nlayers;
	int rc = -1, updated = 0;
	json_t *layers, *x;

	memset(ret, 0, sizeof(*ret));
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	if (tag && *tag &&
	    asprintf(&full, "%s%s%s", name, strncmp(tag, "sha256:", 7) ? ":" : "@", tag) < 0)
		abort();
	if (ref_parse(full ? full : name, &ref, err) < 0 || parse_platform(platform, &pf, err) < 0)
		goto out;
	fam_name = ref_familiar_name(&ref);
	fam_ref = ref_familiar_string(&ref);
	reference = ref.digest ? ref.digest : ref.tag ? ref.tag : "latest";
	if (registry_open(o, ref.domain, ref.path, auth, 0, &p.reg, err) < 0) {
		pull_error(err, fam_name, fam_ref);
		goto out;
	}
	top = get_manifest(&p, reference, &mt, top_digest, err);
	while (!top) {
		/* a mirror without the image is skipped, as docker does */
		eng_error_t ferr;
		if (registry_fallback(p.reg, &ferr) <= 0)
			break;
		top = get_manifest(&p, reference, &mt, top_digest, err);
	}
	if (!top) {
		pull_error(err, fam_name, fam_ref);
		goto out;
	}
	if (is_index(top, mt)) {
		json_t *pick = NULL;
		size_t i;
		json_array_foreach(json_object_get(top, "manifests"), i, x)
		{
			if (platform_matches(&pf, json_object_get(x, "platform"))) {
				pick = x;
				break;
			}
		}
		if (!pick) {
			eng_error_make(err, ENOENT, ERR_NOT_FOUND,
			               "no matching manifest for %s/%s%s%s in the manifest list "
			               "entries",
			               pf.os, pf.arch, pf.variant[0] ? "/" : "", pf.variant);
			goto out;
		}
		free(mt);
		mt = NULL;
		if (!digest_valid(json_str(pick, "digest") ?: "")) {
			eng_error_make(err, EINVAL, ERR_INVALID, "malformed manifest list");
			goto out;
		}
		man = get_manifest(&p, json_str(pick, "digest"), &mt, man_digest, err);
		if (!man) {
			pull_error(err, fam_name, fam_ref);
			goto out;
		}
		if (is_index(man, mt)) {
			eng_error_make(err, EINVAL, ERR_INVALID,
			               "unsupported nested manifest list");
			goto out;
		}
	} else {
		man = json_incref(top);
		memcpy(man_digest, top_digest, sizeof(man_digest));
	}
	layers = json_object_get(man, "layers");
	if (!json_is_array(layers) || !json_is_object(json_object_get(man, "config"))) {
		eng_error_make(err, EINVAL, ERR_INVALID, "unsupported media type %s", mt);
		goto out;
	}
	/* the registry answered: from here on the progress stream is the channel */
	{
		char *line;
		json_t *m;
		if (asprintf(&line, "Pulling from %s", fam_name) < 0)
			abort();
		m = json_pack("{s:s, s:s}", "status", line, "id",
		              ref.digest ? ref.digest : reference);
		free(line);
		if (progress)
			progress(ctx, m);
		else
			json_decref(m);
	}
	config = get_config(&p, json_str(json_object_get(man, "config"), "digest") ?: "",
	                    &config_len, err);
	if (!config)
		goto out;
	{
		json_t *cj = json_loadb(config, config_len, 0, NULL);
		char id[72];
		snprintf(id, sizeof(id), "%s", json_str(json_object_get(man, "config"), "digest"));
		if (!cj) {
			eng_error_make(err, EINVAL, ERR_INVALID, "malformed image config %s", id);
			goto out;
		}
		rec = store_rec_new(id, cj, err);
		if (!rec)
			goto out;
	}
	nlayers = json_array_size(layers);
	if (nlayers != strv_len(rec->diff_ids)) {
		eng_error_make(err, EINVAL, ERR_INVALID,
		               "image %s has %zu layers but its config lists %zu diff IDs", fam_ref,
		               nlayers, strv_len(rec->diff_ids));
		goto out;
	}
	p.jobs = calloc(nlayers + 1, sizeof(*p.jobs));
	p.njobs = nlayers;
	rec->size = 0;
	{
		size_t i;
		json_array_foreach(layers, i, x)
		{
			struct job *j = &p.jobs[i];
			j->digest = json_str(x, "digest");
			j->media_type = json_str(x, "mediaType");
			j->size = json_int(x, "size", -1);
			snprintf(j->chain_hex, sizeof(j->chain_hex), "%s",
			         digest_hex(rec->chain_ids[i]));
			snprintf(j->diff_id, sizeof(j->diff_id), "%s", rec->diff_ids[i]);
			j->fd = -1;
			if (!j->digest || !digest_valid(j->digest) ||
			    !layer_type_ok(json_str(x, "mediaType"))) {
				eng_error_make(err, EINVAL, ERR_INVALID,
				               "unsupported media type %s",
				               json_str(x, "mediaType") ?: "(none)");
				goto out;
			}
			snprintf(j->short_id, sizeof(j->short_id), "%.12s", j->digest + 7);
			pthread_mutex_lock(&s->lock);
			j->pinned = layer_pin_locked(s, j->chain_hex);
			pthread_mutex_unlock(&s->lock);
			if (j->pinned) {
				j->done = 1;
				j->unpacked_size = layer_size(s, j->chain_hex);
				say(&p, j->short_id, "Already exists", 0, 0);
			} else {
				say(&p, j->short_id, "Pulling fs layer", 0, 0);
			}
		}
	}
	for (size_t k = 0, waiting = 0; k < nlayers; k++)
		if (!p.jobs[k].pinned && ++waiting > CONCURRENT_LAYERS)
			say(&p, p.jobs[k].short_id, "Waiting", 0, 0);
	for (; nthreads < CONCURRENT_LAYERS; nthreads++)
		if (pthread_create(&threads[nthreads], NULL, worker, &p) != 0)
			abort();
	for (size_t i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	if (p.failed) {
		*err = p.err;
		goto out;
	}
	for (size_t k = 0; k < nlayers; k++)
		rec->size += p.jobs[k].unpacked_size;
	if (ref.tag || !ref.digest)
		tag_ref = ref_familiar_string(
		    &(struct image_ref){.domain = ref.domain, .path = ref.path, .tag = ref.tag});
	if (asprintf(&digest_ref, "%s@%s", fam_name, top_digest) < 0)
		abort();
	snprintf(ret->id, sizeof(ret->id), "%s", rec->id);
	pthread_mutex_lock(&s->lock);
	rc = commit_locked(&p, &rec, config, config_len, tag_ref, digest_ref, &updated, err);
	/* where these layers can be found again, for pushes to the same registry */
	for (size_t k = 0; rc == 0 && k < nlayers; k++)
		distmeta_add_locked(s, p.jobs[k].diff_id, p.jobs[k].digest, p.jobs[k].size,
		                    p.jobs[k].media_type ? p.jobs[k].media_type : MT_OCI_LAYER_GZIP,
		                    ref.domain, ref.path);
	pthread_mutex_unlock(&s->lock);
	if (rc < 0)
		goto out;
	snprintf(ret->digest, sizeof(ret->digest), "%s", top_digest);
	ret->updated = updated;
	ret->reference = strdup(tag_ref ? tag_ref : digest_ref);
out:
	for (size_t k = 0; k < p.njobs; k++) {
		layer_new_discard(&p.jobs[k].l);
		pthread_mutex_lock(&s->lock);
		if (p.jobs[k].pinned)
			layer_unref_locked(s, p.jobs[k].chain_hex);
		if (p.jobs[k].content_held)
			content_unref_locked(s, p.jobs[k].diff_id);
		pthread_mutex_unlock(&s->lock);
	}
	free(p.jobs);
	store_rec_free(rec);
	registry_close(p.reg);
	ref_free(&ref);
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.cond);
	return rc;
}

int image_remote_tags(const struct registry_options *o, const char *name,
                      const struct registry_auth *auth, char ***ret, eng_error_t *err)
{
	struct image_ref ref = {0};
	struct registry *reg = NULL;
	_cleanup_free_ char *fam_name = NULL, *fam_ref = NULL;
	int rc = -1;

	if (ref_parse(name, &ref, err) < 0)
		return -1;
	fam_name = ref_familiar_name(&ref);
	fam_ref = ref_familiar_string(&ref);
	if (registry_open(o, ref.domain, ref.path, auth, 0, &reg, err) < 0 ||
	    registry_list_tags(reg, ret, err) < 0)
		pull_error(err, fam_name, fam_ref);
	else
		rc = 0;
	registry_close(reg);
	ref_free(&ref);
	return rc;
}
