/* The image store: records, names, queries and removal. Layers live in layers.c, load and
 * save in archive.c, import in import.c.
 *
 * The records live in memory (an array with a hash index by ID, a hash of names) and every
 * change is written with json_write_atomic before the lock is released, so a crash leaves
 * the old or the new state. */
#include "store-internal.h"
#include "reference.h"
#include "../common/cleanup.h"
#include "../common/digest.h"
#include "../common/filters.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* ---- records ---- */

void store_rec_free(struct img_rec *r)
{
	if (!r)
		return;
	json_decref(r->config);
	strv_free(r->diff_ids);
	strv_free(r->chain_ids);
	strv_free(r->tags);
	strv_free(r->digests);
	free(r);
}

int store_chain_ids(char **diff_ids, char ***ret)
{
	char **out = calloc(strv_len(diff_ids) + 1, sizeof(char *));
	size_t i = 0;

	for (; diff_ids && diff_ids[i]; i++) {
		if (!digest_valid(diff_ids[i])) {
			strv_free(out);
			return -1;
		}
		if (i == 0) {
			out[i] = strdup(diff_ids[i]);
		} else {
			_cleanup_free_ char *in = NULL;
			char hex[65];
			if (asprintf(&in, "%s %s", out[i - 1], diff_ids[i]) < 0 ||
			    asprintf(&out[i], "sha256:%s", (sha256_hex(in, strlen(in), hex), hex)) <
			        0)
				abort();
		}
	}
	*ret = out;
	return 0;
}

struct img_rec *store_rec_new(const char *id, json_t *config, eng_error_t *err)
{
	struct img_rec *r = calloc(1, sizeof(*r));
	json_t *rootfs = json_object_get(config, "rootfs");
	const char *created = json_str(config, "created");

	r->config = config;
	snprintf(r->id, sizeof(r->id), "%s", id);
	if (!json_is_object(config) || !json_is_object(rootfs) ||
	    json_strv(rootfs, "diff_ids", &r->diff_ids, err) < 0) {
		store_rec_free(r);
		return eng_error_make(err, EINVAL, ERR_INVALID,
		                      "invalid image config %s: no rootfs.diff_ids", id),
		       NULL;
	}
	if (!r->diff_ids)
		r->diff_ids = calloc(1, sizeof(char *));
	if (store_chain_ids(r->diff_ids, &r->chain_ids) < 0) {
		store_rec_free(r);
		return eng_error_make(err, EINVAL, ERR_INVALID,
		                      "invalid image config %s: malformed diff ID", id),
		       NULL;
	}
	r->tags = calloc(1, sizeof(char *));
	r->digests = calloc(1, sizeof(char *));
	if (created)
		parse_time_rfc3339(created, &r->created_ns);
	return r;
}

char *store_content_path(struct image_store *s, const char *digest)
{
	return path_join(s->content_dir, digest_hex(digest));
}

static char *record_path(struct image_store *s, const char *id)
{
	char *p;
	if (asprintf(&p, "%s/%s.json", s->records_dir, digest_hex(id)) < 0)
		abort();
	return p;
}

static int rec_save(struct image_store *s, struct img_rec *r, eng_error_t *err)
{
	_cleanup_free_ char *path = record_path(s, r->id);
	json_auto_t *doc =
	    json_pack("{s:s, s:I, s:I, s:s}", "id", r->id, "size", (json_int_t)r->size,
	              "last_tag_time", (json_int_t)r->last_tag_ns, "parent", r->parent);
	return json_write_atomic(path, doc, err);
}

static int repos_save(struct image_store *s, eng_error_t *err)
{
	return json_write_atomic(s->repos_path, s->repos, err);
}

struct img_rec *store_find_id_locked(struct image_store *s, const char *id)
{
	json_t *pos = json_object_get(s->index, digest_hex(id));
	return pos ? s->imgs[json_integer_value(pos)] : NULL;
}

static void index_put(struct image_store *s, struct img_rec *r)
{
	if (s->nimgs == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->imgs = realloc(s->imgs, s->cap * sizeof(*s->imgs));
	}
	s->imgs[s->nimgs] = r;
	json_object_set_new(s->index, digest_hex(r->id), json_integer((json_int_t)s->nimgs));
	s->nimgs++;
}

static void index_drop(struct image_store *s, struct img_rec *r)
{
	size_t pos = (size_t)json_integer_value(json_object_get(s->index, digest_hex(r->id)));
	json_object_del(s->index, digest_hex(r->id));
	s->nimgs--;
	if (pos != s->nimgs) {
		s->imgs[pos] = s->imgs[s->nimgs];
		json_object_set_new(s->index, digest_hex(s->imgs[pos]->id),
		                    json_integer((json_int_t)pos));
	}
}

int store_add_locked(struct image_store *s, struct img_rec *rec, eng_error_t *err)
{
	if (rec_save(s, rec, err) < 0)
		return -1;
	for (char **c = rec->chain_ids; *c; c++)
		layer_ref_locked(s, digest_hex(*c));
	for (char **d = rec->diff_ids; *d; d++)
		content_ref_locked(s, *d);
	index_put(s, rec);
	return 0;
}

static void strv_remove(char **v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++) {
		if (strcmp(v[i], s))
			continue;
		free(v[i]);
		memmove(&v[i], &v[i + 1], (strv_len(v + i + 1) + 1) * sizeof(char *));
		return;
	}
}

/* Points `ref` (a tag, or a name@digest with `digest`) at rec, moving it off the image that
 * had it; the references document is written first, so a failure changes nothing. */
static int set_ref_locked(struct image_store *s, struct img_rec *rec, const char *ref,
			  int digest, char **ret_old_untagged, eng_error_t *err)
{
	const char *old_id = json_str(s->repos, ref);
	struct img_rec *old = old_id ? store_find_id_locked(s, old_id) : NULL;

	if (old == rec)
		return 0;
	json_object_set_new(s->repos, ref, json_string(rec->id));
	if (repos_save(s, err) < 0) {
		if (old)
			json_object_set_new(s->repos, ref, json_string(old->id));
		else
			json_object_del(s->repos, ref);
		return -1;
	}
	if (digest) {
		if (old)
			strv_remove(old->digests, ref);
		rec->digests = strv_push(rec->digests, ref);
		return 0;
	}
	if (old) {
		strv_remove(old->tags, ref);
		if (!old->tags[0])
			*ret_old_untagged = strdup(old->id);
	}
	rec->tags = strv_push(rec->tags, ref);
	rec->last_tag_ns = now_ns();
	rec_save(s, rec, NULL);
	return 0;
}

int store_set_tag_locked(struct image_store *s, struct img_rec *rec, const char *ref,
                         char **ret_old_untagged, eng_error_t *err)
{
	*ret_old_untagged = NULL;
	return set_ref_locked(s, rec, ref, 0, ret_old_untagged, err);
}

int store_set_digest_locked(struct image_store *s, struct img_rec *rec, const char *ref,
                            eng_error_t *err)
{
	return set_ref_locked(s, rec, ref, 1, NULL, err);
}

char *store_normalise_tag(const char *name, eng_error_t *err)
{
	struct image_ref r = {0};
	char *out;

	if (ref_parse(name, &r, err) < 0)
		return NULL;
	out = ref_familiar_string(&r);
	ref_free(&r);
	return out;
}

const char *store_host_arch(void)
{
	static char arch[32];
	struct utsname u;

	uname(&u);
	if (!strcmp(u.machine, "x86_64"))
		return "amd64";
	if (!strcmp(u.machine, "aarch64"))
		return "arm64";
	snprintf(arch, sizeof(arch), "%s", u.machine);
	return arch;
}

/* ---- open ---- */

static char *find_untar(void)
{
	const char *dir = getenv("BERTH_LIBEXEC_DIR");
	char buf[PATH_MAX];
	char *out;
	ssize_t n;

	if (dir && *dir)
		return path_join(dir, "berth-untar");
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n < 0)
		return strdup("berth-untar");
	buf[n] = 0;
	out = path_join(dirname(buf), "berth-untar");
	return out;
}

static int load_record(struct image_store *s, const char *hex, eng_error_t *err)
{
	_cleanup_free_ char *rpath = NULL, *cpath = NULL;
	json_auto_t *doc = NULL;
	json_t *config;
	struct img_rec *r;
	char id[72];

	snprintf(id, sizeof(id), "sha256:%s", hex);
	rpath = record_path(s, id);
	cpath = store_content_path(s, id);
	doc = json_read_file(rpath, err);
	config = doc ? json_read_file(cpath, err) : NULL;
	if (!config)
		return -1;
	r = store_rec_new(id, config, err);
	if (!r)
		return -1;
	r->size = json_int(doc, "size", 0);
	r->last_tag_ns = json_int(doc, "last_tag_time", 0);
	snprintf(r->parent, sizeof(r->parent), "%s", json_str(doc, "parent") ?: "");
	for (char **c = r->chain_ids; *c; c++)
		layer_ref_locked(s, digest_hex(*c));
	for (char **d = r->diff_ids; *d; d++)
		content_ref_locked(s, *d);
	index_put(s, r);
	return 0;
}

static int load_records(struct image_store *s, eng_error_t *err)
{
	_cleanup_closedir_ DIR *d = opendir(s->records_dir);
	struct dirent *de;
	const char *ref;
	json_t *id, *tmp;

	if (!d)
		return eng_error_make(err, errno, ERR_INTERNAL, "opening %s: %m", s->records_dir);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char hex[65];
		eng_error_t e;
		if (n != 69 || strcmp(de->d_name + 64, ".json"))
			continue;
		memcpy(hex, de->d_name, 64);
		hex[64] = 0;
		if (load_record(s, hex, &e) < 0)
			continue; /* a half-written image: its blobs are collected below */
	}
	s->repos = json_read_file(s->repos_path, NULL);
	if (!json_is_object(s->repos)) {
		json_decref(s->repos);
		s->repos = json_object();
	}
	json_object_foreach_safe(s->repos, tmp, ref, id)
	{
		struct img_rec *r = store_find_id_locked(s, json_string_value(id) ?: "");
		if (!r) {
			json_object_del(s->repos, ref);
			continue;
		}
		if (strchr(ref, '@'))
			r->digests = strv_push(r->digests, ref);
		else
			r->tags = strv_push(r->tags, ref);
	}
	return 0;
}

int image_store_open(const char *data_root, struct image_store **ret, eng_error_t *err)
{
	struct image_store *s = calloc(1, sizeof(*s));

	pthread_mutex_init(&s->lock, NULL);
	s->root = strdup(data_root);
	if (asprintf(&s->content_dir, "%s/image/content/sha256", data_root) < 0 ||
	    asprintf(&s->records_dir, "%s/image/images", data_root) < 0 ||
	    asprintf(&s->repos_path, "%s/image/repositories.json", data_root) < 0 ||
	    asprintf(&s->overlay_dir, "%s/overlay", data_root) < 0 ||
	    asprintf(&s->tmp_dir, "%s/tmp", data_root) < 0)
		abort();
	s->untar_path = find_untar();
	s->index = json_object();
	s->layer_refs = json_object();
	s->content_refs = json_object();
	if (mkdir_p(s->content_dir, 0700, err) < 0 || mkdir_p(s->records_dir, 0700, err) < 0 ||
	    mkdir_p(s->tmp_dir, 0700, err) < 0)
		goto fail;
	if (load_records(s, err) < 0 || layers_open(s, err) < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	image_store_free(s);
	return eng_error_wrap(err, "opening the image store");
}

void image_store_free(struct image_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nimgs; i++)
		store_rec_free(s->imgs[i]);
	free(s->imgs);
	json_decref(s->repos);
	json_decref(s->index);
	json_decref(s->layer_refs);
	json_decref(s->content_refs);
	free(s->root);
	free(s->content_dir);
	free(s->records_dir);
	free(s->repos_path);
	free(s->overlay_dir);
	free(s->tmp_dir);
	free(s->untar_path);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void image_store_set_usage(struct image_store *s, image_usage_fn fn, void *ctx)
{
	pthread_mutex_lock(&s->lock);
	s->usage = fn;
	s->usage_ctx = ctx;
	pthread_mutex_unlock(&s->lock);
}

const char *image_store_driver(struct image_store *s)
{
	return s->vfs ? "vfs" : "overlay2";
}

/* ---- lookups and snapshots ---- */

void image_free(struct image *img)
{
	if (!img)
		return;
	json_decref(img->config);
	json_decref(img->graph_driver);
	strv_free(img->repo_tags);
	strv_free(img->repo_digests);
	strv_free(img->diff_ids);
	strv_free(img->chain_ids);
	free(img);
}

void image_list_free(struct image **list)
{
	for (struct image **p = list; p && *p; p++)
		image_free(*p);
	free(list);
}

static struct image *snapshot(struct image_store *s, const struct img_rec *r)
{
	struct image *img = calloc(1, sizeof(*img));

	memcpy(img->id, r->id, sizeof(img->id));
	img->config = json_deep_copy(r->config);
	img->repo_tags = strv_copy(r->tags);
	img->repo_digests = strv_copy(r->digests);
	img->diff_ids = strv_copy(r->diff_ids);
	img->chain_ids = strv_copy(r->chain_ids);
	img->created_ns = r->created_ns;
	img->size = r->size;
	img->last_tag_ns = r->last_tag_ns;
	memcpy(img->parent, r->parent, sizeof(img->parent));
	img->graph_driver = layer_graph_driver(s, r->chain_ids);
	return img;
}

static int is_hex(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
			return 0;
	return 1;
}

/* docker's lookup order: full ID, reference, then unique ID prefix. */
static struct img_rec *find_locked(struct image_store *s, const char *name, eng_error_t *err)
{
	const char *hex = digest_hex(name);
	struct image_ref ref = {0};
	struct img_rec *r = NULL;
	eng_error_t perr;
	int parsed;

	if (strlen(hex) == 64 && is_hex(hex) && (r = store_find_id_locked(s, hex)))
		return r;
	parsed = ref_parse(name, &ref, &perr) == 0;
	if (parsed) {
		_cleanup_free_ char *fam = ref_familiar_string(&ref);
		const char *id = json_str(s->repos, fam);
		if (id && (r = store_find_id_locked(s, id))) {
			ref_free(&ref);
			return r;
		}
	}
	if (is_hex(hex) && strlen(hex) < 64) {
		size_t n = strlen(hex), found = 0;
		for (size_t i = 0; i < s->nimgs; i++) {
			if (!strncmp(s->imgs[i]->id + 7, hex, n)) {
				r = s->imgs[i];
				found++;
			}
		}
		if (found == 1) {
			ref_free(&ref);
			return r;
		}
	}
	if (!parsed && !is_hex(hex))
		return eng_error_make(err, EINVAL, ERR_INVALID, "%s", perr.msg), NULL;
	if (parsed) {
		_cleanup_free_ char *fam = ref_familiar_string(&ref);
		eng_error_make(err, ENOENT, ERR_NOT_FOUND, "No such image: %s", fam);
	} else {
		eng_error_make(err, ENOENT, ERR_NOT_FOUND, "No such image: %s", name);
	}
	ref_free(&ref);
	return NULL;
}

struct image *image_get(struct image_store *s, const char *name, eng_error_t *err)
{
	struct image *img = NULL;
	struct img_rec *r;

	pthread_mutex_lock(&s->lock);
	r = find_locked(s, name, err);
	if (r)
		img = snapshot(s, r);
	pthread_mutex_unlock(&s->lock);
	return img;
}

struct image **image_list(struct image_store *s)
{
	struct image **out;

	pthread_mutex_lock(&s->lock);
	out = calloc(s->nimgs + 1, sizeof(*out));
	for (size_t i = 0; i < s->nimgs; i++)
		out[i] = snapshot(s, s->imgs[i]);
	pthread_mutex_unlock(&s->lock);
	return out;
}

int image_tag(struct image_store *s, const char *source, const char *repo, const char *tag,
              eng_error_t *err)
{
	_cleanup_free_ char *full = NULL, *ref = NULL, *old = NULL;
	struct image_ref parsed = {0};
	struct img_rec *r;
	int rc;

	if (!repo || !*repo)
		return eng_error_make(err, EINVAL, ERR_INVALID,
		                      "repository name must have at "
		                      "least one component");
	if (tag && *tag && !ref_tag_valid(tag))
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid tag format");
	if (asprintf(&full, "%s%s%s", repo, tag && *tag ? ":" : "", tag && *tag ? tag : "") < 0)
		abort();
	if (ref_parse(full, &parsed, err) < 0)
		return -1;
	if (parsed.digest) {
		ref_free(&parsed);
		return eng_error_make(err, EINVAL, ERR_INVALID,
		                      "refusing to create a tag with a digest reference");
	}
	ref = ref_familiar_string(&parsed);
	ref_free(&parsed);
	pthread_mutex_lock(&s->lock);
	r = find_locked(s, source, err);
	rc = r ? store_set_tag_locked(s, r, ref, &old, err) : -1;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* ---- JSON views ---- */

static json_t *copy_or_null(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return v && !json_is_null(v) ? json_deep_copy(v) : json_null();
}

/* docker's ContainerConfig shape from the OCI config's "config" (whose keys are already
 * docker's capitalised names). */
static json_t *docker_config(const json_t *c)
{
	json_t *out =
	    json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b}", "Hostname", "", "Domainname",
	              "", "User", json_str(c, "User") ?: "", "AttachStdin", 0, "AttachStdout", 0,
	              "AttachStderr", 0, "Tty", 0, "OpenStdin", 0, "StdinOnce", 0);
	if (json_object_get(c, "ExposedPorts"))
		json_object_set_new(out, "ExposedPorts", copy_or_null(c, "ExposedPorts"));
	json_object_set_new(out, "Env", copy_or_null(c, "Env"));
	json_object_set_new(out, "Cmd", copy_or_null(c, "Cmd"));
	if (json_object_get(c, "Healthcheck"))
		json_object_set_new(out, "Healthcheck", copy_or_null(c, "Healthcheck"));
	if (json_object_get(c, "ArgsEscaped"))
		json_object_set_new(out, "ArgsEscaped", copy_or_null(c, "ArgsEscaped"));
	json_object_set_new(out, "Image", json_string(""));
	json_object_set_new(out, "Volumes", copy_or_null(c, "Volumes"));
	json_object_set_new(out, "WorkingDir", json_string(json_str(c, "WorkingDir") ?: ""));
	json_object_set_new(out, "Entrypoint", copy_or_null(c, "Entrypoint"));
	json_object_set_new(out, "OnBuild", copy_or_null(c, "OnBuild"));
	json_object_set_new(out, "Labels", copy_or_null(c, "Labels"));
	if (json_object_get(c, "StopSignal"))
		json_object_set_new(out, "StopSignal", copy_or_null(c, "StopSignal"));
	if (json_object_get(c, "Shell"))
		json_object_set_new(out, "Shell", copy_or_null(c, "Shell"));
	return out;
}

json_t *image_inspect_json(const struct image *img)
{
	const json_t *cfg = img->config;
	char created[40], tagged[40];
	json_t *doc;

	format_time_ns(img->created_ns, created);
	doc = json_pack("{s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:I}", "Id",
	                img->id, "RepoTags", json_strv_new(img->repo_tags), "RepoDigests",
	                json_strv_new(img->repo_digests), "Parent", img->parent, "Comment",
	                json_str(cfg, "comment") ?: "", "Created", created, "DockerVersion",
	                json_str(cfg, "docker_version") ?: "", "Author",
	                json_str(cfg, "author") ?: "", "Config",
	                docker_config(json_object_get(cfg, "config")), "Architecture",
	                json_str(cfg, "architecture") ?: "", "Os", json_str(cfg, "os") ?: "",
	                "Size", (json_int_t)img->size);
	if (json_str(cfg, "variant"))
		json_object_set_new(doc, "Variant", json_string(json_str(cfg, "variant")));
	if (json_str(cfg, "os.version"))
		json_object_set_new(doc, "OsVersion", json_string(json_str(cfg, "os.version")));
	json_object_set_new(doc, "GraphDriver",
	                    img->graph_driver ? json_deep_copy(img->graph_driver) : json_null());
	json_object_set_new(
	    doc, "RootFS",
	    json_pack("{s:s, s:o}", "Type", "layers", "Layers", json_strv_new(img->diff_ids)));
	if (img->last_tag_ns) {
		format_time_ns(img->last_tag_ns, tagged);
		json_object_set_new(doc, "Metadata", json_pack("{s:s}", "LastTagTime", tagged));
	} else {
		json_object_set_new(doc, "Metadata",
		                    json_pack("{s:s}", "LastTagTime", "0001-01-01T00:00:00Z"));
	}
	return doc;
}

json_t *image_summary_json(const struct image *img, int containers)
{
	json_t *labels = json_object_get(json_object_get(img->config, "config"), "Labels");

	return json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, s:i, s:o, s:i}", "Id", img->id, "ParentId",
	                 img->parent, "RepoTags", json_strv_new(img->repo_tags), "RepoDigests",
	                 json_strv_new(img->repo_digests), "Created",
	                 (json_int_t)(img->created_ns / 1000000000LL), "Size",
	                 (json_int_t)img->size, "SharedSize", -1, "Labels",
	                 json_is_object(labels) ? json_deep_copy(labels) : json_object(),
	                 "Containers", containers);
}

const char *image_store_untar_path(struct image_store *s)
{
	return s->untar_path;
}

json_t *image_history(struct image_store *s, const char *name, eng_error_t *err)
{
	json_t *out, *hist, *h;
	struct img_rec *r;
	size_t i, layer = 0, n;

	pthread_mutex_lock(&s->lock);
	r = find_locked(s, name, err);
	if (!r) {
		pthread_mutex_unlock(&s->lock);
		return NULL;
	}
	out = json_array();
	hist = json_object_get(r->config, "history");
	n = json_array_size(hist);
	json_array_foreach(hist, i, h)
	{
		int64_t created = 0, size = 0;
		json_t *e;
		const char *cs = json_str(h, "created");
		if (cs)
			parse_time_rfc3339(cs, &created);
		if (!json_bool(h, "empty_layer", 0) && r->chain_ids[layer])
			size = layer_size(s, digest_hex(r->chain_ids[layer++]));
		e = json_pack("{s:s, s:I, s:s, s:o, s:I, s:s}", "Id",
		              i + 1 == n ? r->id : "<missing>", "Created",
		              (json_int_t)(created / 1000000000LL), "CreatedBy",
		              json_str(h, "created_by") ?: "", "Tags",
		              i + 1 == n && r->tags[0] ? json_strv_new(r->tags) : json_null(),
		              "Size", (json_int_t)size, "Comment", json_str(h, "comment") ?: "");
		json_array_insert_new(out, 0, e);
	}
	pthread_mutex_unlock(&s->lock);
	return out;
}

/* ---- removal ---- */

static void delete_image_locked(struct image_store *s, struct img_rec *r, json_t *report)
{
	_cleanup_free_ char *rpath = record_path(s, r->id);
	_cleanup_free_ char *cpath = store_content_path(s, r->id);
	int repos_changed = 0;

	for (char **t = r->tags; *t; t++) {
		json_array_append_new(report, json_pack("{s:s}", "Untagged", *t));
		json_object_del(s->repos, *t);
		repos_changed = 1;
	}
	for (char **t = r->digests; *t; t++) {
		json_array_append_new(report, json_pack("{s:s}", "Untagged", *t));
		json_object_del(s->repos, *t);
		repos_changed = 1;
	}
	if (repos_changed)
		repos_save(s, NULL);
	unlink(rpath);
	unlink(cpath);
	index_drop(s, r);
	json_array_append_new(report, json_pack("{s:s}", "Deleted", r->id));
	for (size_t i = strv_len(r->chain_ids); i-- > 0;) {
		const char *hex = digest_hex(r->chain_ids[i]);
		if (json_integer_value(json_object_get(s->layer_refs, hex)) == 1)
			json_array_append_new(report,
			                      json_pack("{s:s}", "Deleted", r->chain_ids[i]));
		layer_unref_locked(s, hex);
	}
	for (char **d = r->diff_ids; *d; d++)
		content_unref_locked(s, *d);
	store_rec_free(r);
}

static int untag_locked(struct image_store *s, struct img_rec *r, const char *ref, json_t *report)
{
	json_object_del(s->repos, ref);
	if (repos_save(s, NULL) < 0) {
		json_object_set_new(s->repos, ref, json_string(r->id));
		return -1;
	}
	json_array_append_new(report, json_pack("{s:s}", "Untagged", ref));
	strv_remove(r->tags, ref);
	strv_remove(r->digests, ref);
	return 0;
}

static int usage_locked(struct image_store *s, const char *id, int *running, char **ctr)
{
	*running = 0;
	*ctr = NULL;
	return s->usage ? s->usage(s->usage_ctx, id, running, ctr) : 0;
}

static const char *short_id(const char *id, char out[13])
{
	snprintf(out, 13, "%s", digest_hex(id));
	return out;
}

static int remove_locked(struct image_store *s, const char *name, int force, json_t *report,
                         eng_error_t *err)
{
	struct img_rec *r = find_locked(s, name, err);
	_cleanup_free_ char *ctr = NULL, *ref = NULL;
	const char *hex = digest_hex(name);
	int running, used, quiet = 0;
	char sid[13];

	if (!r)
		return -1;
	used = usage_locked(s, r->id, &running, &ctr);
	short_id(r->id, sid);
	if (!(is_hex(hex) && !strncmp(r->id + 7, hex, strlen(hex)))) {
		/* a reference: untag it; the image goes only with its last name */
		ref = store_normalise_tag(name, err);
		if (!ref)
			return -1;
		if (!force && strv_len(r->tags) <= 1 && used)
			return eng_error_make(err, EBUSY, ERR_CONFLICT,
			                      "conflict: unable to remove repository reference "
			                      "\"%s\" (must force) - container %s is using its "
			                      "referenced image %s",
			                      name, ctr, sid);
		if (untag_locked(s, r, ref, report) < 0)
			return eng_error_make(err, EIO, ERR_INTERNAL, "untagging %s", ref);
		if (r->tags[0])
			return 0;
		quiet = 1;
	} else if (r->tags[0] && !r->tags[1]) {
		/* an ID whose image has one name: the name goes with it */
		if (used && (running || !force))
			return eng_error_make(err, EBUSY, ERR_CONFLICT,
			                      "conflict: unable to delete %s (%s) - image is being "
			                      "used by %s container %s",
			                      sid, running ? "cannot be forced" : "must be forced",
			                      running ? "running" : "stopped", ctr);
		if (untag_locked(s, r, r->tags[0], report) < 0)
			return eng_error_make(err, EIO, ERR_INTERNAL, "untagging %s", name);
	}
	if (used && running) {
		if (quiet)
			return 0; /* the name went; the image stays for its container */
		return eng_error_make(err, EBUSY, ERR_CONFLICT,
		                      "conflict: unable to delete %s (cannot be forced) - image is "
		                      "being used by running container %s",
		                      sid, ctr);
	}
	if (!force && r->tags[0])
		return eng_error_make(err, EBUSY, ERR_CONFLICT,
		                      "conflict: unable to delete %s (must be forced) - image is "
		                      "referenced in multiple repositories",
		                      sid);
	if (!force && used) {
		if (quiet)
			return 0;
		return eng_error_make(err, EBUSY, ERR_CONFLICT,
		                      "conflict: unable to delete %s (must be forced) - image is "
		                      "being used by stopped container %s",
		                      sid, ctr);
	}
	delete_image_locked(s, r, report);
	return 0;
}

int image_remove(struct image_store *s, const char *name, int force, int noprune,
                 json_t **ret_report, eng_error_t *err)
{
	json_t *report = json_array();
	int rc;

	(void)noprune; /* images here have no parent chain to prune */
	pthread_mutex_lock(&s->lock);
	rc = remove_locked(s, name, force, report, err);
	pthread_mutex_unlock(&s->lock);
	if (rc < 0) {
		json_decref(report);
		return -1;
	}
	*ret_report = report;
	return 0;
}

int image_prune(struct image_store *s, int all, json_t *filters, json_t **ret_report,
                eng_error_t *err)
{
	static const char *const keys[] = {"dangling", "until", "label", "label!", NULL};
	json_t *deleted = json_array(), *v;
	int64_t until = 0, reclaimed = 0, now = now_ns();
	char **victims;
	size_t i, nv = 0;

	if (filters) {
		if (filters_check_keys(filters, keys, err) < 0)
			goto fail;
		json_array_foreach(filters_get(filters, "dangling"), i, v)
		{
			const char *d = json_string_value(v);
			if (!strcmp(d, "false") || !strcmp(d, "0"))
				all = 1;
			else if (!strcmp(d, "true") || !strcmp(d, "1"))
				all = 0;
			else {
				eng_error_make(err, EINVAL, ERR_INVALID,
				               "invalid filter 'dangling=%s'", d);
				goto fail;
			}
		}
		json_array_foreach(filters_get(filters, "until"), i, v)
		{
			if (parse_time_filter(json_string_value(v), now, &until) < 0) {
				eng_error_make(err, EINVAL, ERR_INVALID,
				               "failed to parse value as time or duration: \"%s\"",
				               json_string_value(v));
				goto fail;
			}
		}
	}
	pthread_mutex_lock(&s->lock);
	/* collect first: deleting moves records around in the array */
	victims = calloc(s->nimgs + 1, sizeof(char *));
	for (i = 0; i < s->nimgs; i++) {
		struct img_rec *r = s->imgs[i];
		json_t *labels = json_object_get(json_object_get(r->config, "config"), "Labels");
		_cleanup_free_ char *ctr = NULL;
		int running;
		if (!all && r->tags[0])
			continue;
		if (until && r->created_ns >= until)
			continue;
		if (filters && (!filters_match_labels(filters, "label", labels) ||
		                !filters_match_labels(filters, "label!", labels)))
			continue;
		if (usage_locked(s, r->id, &running, &ctr) > 0)
			continue;
		victims[nv++] = strdup(r->id);
	}
	for (i = 0; i < nv; i++) {
		struct img_rec *r = store_find_id_locked(s, victims[i]);
		int64_t size = r->size;
		delete_image_locked(s, r, deleted);
		reclaimed += size;
	}
	strv_free(victims);
	pthread_mutex_unlock(&s->lock);
	*ret_report =
	    json_pack("{s:o, s:I}", "ImagesDeleted",
	              json_array_size(deleted) ? deleted : (json_decref(deleted), json_null()),
	              "SpaceReclaimed", (json_int_t)reclaimed);
	return 0;
fail:
	json_decref(deleted);
	return -1;
}
