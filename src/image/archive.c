/* docker load and docker save.
 *
 * load: the upload is streamed into <data-root>/tmp/image-<rand>/ (never into memory:
 * archives can be gigabytes), keeping only its regular files (under numbered names) and
 * its symlinks (as a name map, resolved inside the archive's own namespace: legacy docker
 * save links duplicate layers to one another). Nothing in the archive names a path on our
 * disk. Then each image's config is verified against its digest, each layer unpacked by
 * berth-untar and its computed diff ID compared with the config's rootfs.diff_ids, and
 * only when everything checked out is anything moved into the store, under the lock.
 *
 * The uncompressed layer tars are kept in content/sha256/<diff ID hex>: that costs disk,
 * but it lets save write exactly the layers that were loaded (docker 25+ names them by
 * diff ID), so an image saved and loaded again keeps its ID, without re-creating tars from
 * the unpacked directories (which would not be byte-identical). */
#include "store-internal.h"
#include "tarpath.h"
#include "../common/cleanup.h"
#include "../common/digest.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"
#include "reference.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_JSON_SIZE (64 << 20)
#define MAX_LINK_DEPTH 40

struct outer {
	char *dir;
	json_t *files; /* archive name -> path of our copy */
	json_t *links; /* archive name -> archive name it points to */
	unsigned n;
};

static void outer_free(struct outer *o)
{
	if (o->dir)
		rm_rf(o->dir, NULL);
	free(o->dir);
	json_decref(o->files);
	json_decref(o->links);
}

static int bad_archive(eng_error_t *err, const char *fmt, const char *arg)
{
	eng_error_make(err, EINVAL, ERR_INVALID, fmt, arg);
	return -1;
}

static int copy_entry(struct archive *a, const char *path, eng_error_t *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	char buf[64 * 1024];
	la_ssize_t n;

	if (fd < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "creating %s: %m", path);
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		const char *p = buf;
		while (n > 0) {
			ssize_t w = write(fd, p, (size_t)n);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return eng_error_make(err, errno, ERR_INTERNAL, "writing %s: %m",
				                      path);
			p += w;
			n -= w;
		}
	}
	if (n < 0)
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid archive: %s",
		                      archive_error_string(a));
	return 0;
}

static int outer_extract(struct image_store *s, int fd, struct outer *o, eng_error_t *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r, rc = -1;
	char rnd[65];

	random_hex_id(rnd);
	if (asprintf(&o->dir, "%s/image-load-%.16s", s->tmp_dir, rnd) < 0)
		abort();
	if (mkdir(o->dir, 0700) < 0) {
		eng_error_make(err, errno, ERR_INTERNAL, "creating %s: %m", o->dir);
		free(o->dir);
		o->dir = NULL;
		goto out;
	}
	o->files = json_object();
	o->links = json_object();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
		bad_archive(err, "invalid archive: %s", archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		_cleanup_free_ char *name = NULL, *target = NULL, *path = NULL;
		const char *raw = archive_entry_pathname(e);
		mode_t type = archive_entry_filetype(e);
		const char *hl = archive_entry_hardlink(e);
		if (!raw || tarpath_clean(raw, &name) < 0) {
			bad_archive(err, "invalid archive: unsafe path %s", raw ? raw : "");
			goto out;
		}
		if (hl) {
			if (tarpath_clean(hl, &target) < 0) {
				bad_archive(err, "invalid archive: hardlink %s points outside it",
				            name);
				goto out;
			}
			json_object_set_new(o->links, name, json_string(target));
		} else if (type == AE_IFLNK) {
			if (tarpath_resolve_link(name, archive_entry_symlink(e), &target) < 0) {
				bad_archive(err, "invalid archive: symlink %s points outside it",
				            name);
				goto out;
			}
			json_object_set_new(o->links, name, json_string(target));
		} else if (type == AE_IFREG) {
			if (asprintf(&path, "%s/%u", o->dir, o->n++) < 0)
				abort();
			if (copy_entry(a, path, err) < 0)
				goto out;
			json_object_set_new(o->files, name, json_string(path));
		}
	}
	if (r != ARCHIVE_EOF) {
		bad_archive(err, "invalid archive: %s", archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	archive_read_free(a);
	return rc;
}

/* Our copy of archive member `name`, following the archive's own links; borrowed. */
static const char *outer_lookup(struct outer *o, const char *name)
{
	_cleanup_free_ char *cur = NULL;

	if (tarpath_clean(name, &cur) < 0)
		return NULL;
	for (int depth = 0; depth < MAX_LINK_DEPTH; depth++) {
		const char *f = json_str(o->files, cur), *l;
		if (f)
			return f;
		l = json_str(o->links, cur);
		if (!l)
			return NULL;
		free(cur);
		cur = strdup(l);
	}
	return NULL;
}

static json_t *outer_json(struct outer *o, const char *name, eng_error_t *err)
{
	const char *path = outer_lookup(o, name);
	json_error_t jerr;
	struct stat st;
	json_t *doc;

	if (!path)
		return bad_archive(err, "invalid archive: %s is missing", name), NULL;
	if (stat(path, &st) < 0 || st.st_size > MAX_JSON_SIZE)
		return bad_archive(err, "invalid archive: %s is too large", name), NULL;
	doc = json_load_file(path, 0, &jerr);
	if (!doc)
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid archive: %s: %s", name,
		                      jerr.text),
		       NULL;
	return doc;
}

/* The digest a member's name claims: "blobs/sha256/<hex>" or "<hex>.json", else NULL. */
static int named_digest(const char *name, char hex[65])
{
	const char *base = strrchr(name, '/');
	size_t n;

	base = base ? base + 1 : name;
	n = strlen(base);
	if ((n == 64 && !strncmp(name, "blobs/sha256/", 13)) ||
	    (n == 69 && !strcmp(base + 64, ".json"))) {
		memcpy(hex, base, 64);
		hex[64] = 0;
		return 1;
	}
	return 0;
}

/* ---- the images an archive holds ---- */

struct spec {
	char *config;  /* archive name of the config blob */
	char **layers; /* archive names of the layer tars */
	char **tags;   /* familiar references */
};

static void specs_free(struct spec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].config);
		strv_free(v[i].layers);
		strv_free(v[i].tags);
	}
	free(v);
}

static int add_tag(struct spec *sp, const char *name, eng_error_t *err)
{
	_cleanup_free_ char *ref = store_normalise_tag(name, err);
	if (!ref)
		return eng_error_wrap(err, "invalid archive: tag %s", name);
	if (!strv_contains(sp->tags, ref))
		sp->tags = strv_push(sp->tags, ref);
	return 0;
}

static int specs_from_manifest(json_t *m, struct spec **ret, size_t *ret_n, eng_error_t *err)
{
	struct spec *v;
	json_t *e, *x;
	size_t i, j;

	if (!json_is_array(m))
		return bad_archive(err, "invalid archive: %s is not a list", "manifest.json");
	v = calloc(json_array_size(m) + 1, sizeof(*v));
	json_array_foreach(m, i, e)
	{
		const char *c = json_str(e, "Config");
		v[i].layers = calloc(1, sizeof(char *));
		v[i].tags = calloc(1, sizeof(char *));
		if (!c)
			goto bad;
		v[i].config = strdup(c);
		json_array_foreach(json_object_get(e, "Layers"), j, x)
		{
			if (!json_is_string(x))
				goto bad;
			v[i].layers = strv_push(v[i].layers, json_string_value(x));
		}
		json_array_foreach(json_object_get(e, "RepoTags"), j, x)
		{
			if (!json_is_string(x) || add_tag(&v[i], json_string_value(x), err) < 0) {
				specs_free(v, i + 1);
				return -1;
			}
		}
	}
	*ret = v;
	*ret_n = json_array_size(m);
	return 0;
bad:
	specs_free(v, i + 1);
	return bad_archive(err, "invalid archive: malformed %s", "manifest.json");
}

static char *blob_name(const char *digest)
{
	char *out;
	const char *colon = digest ? strchr(digest, ':') : NULL;
	if (!colon || !digest_valid(digest))
		return NULL;
	if (asprintf(&out, "blobs/sha256/%s", colon + 1) < 0)
		abort();
	return out;
}

/* An OCI index or manifest blob, verified against its digest. */
static json_t *oci_blob(struct outer *o, const char *digest, eng_error_t *err)
{
	_cleanup_free_ char *name = blob_name(digest);
	const char *path = name ? outer_lookup(o, name) : NULL;
	char hex[65];

	if (!path)
		return bad_archive(err, "invalid archive: blob %s is missing", digest ?: ""), NULL;
	if (sha256_file_hex(path, hex, err) < 0)
		return NULL;
	if (strcmp(hex, digest + 7))
		return bad_archive(err, "invalid archive: blob %s does not match its digest",
		                   digest),
		       NULL;
	return outer_json(o, name, err);
}

static int oci_manifest(struct outer *o, const json_t *desc, struct spec *sp, int depth,
                        eng_error_t *err)
{
	json_auto_t *m = NULL;
	json_t *x, *pick = NULL;
	size_t i;

	if (depth > 4)
		return bad_archive(err, "invalid archive: %s", "indexes nested too deep");
	m = oci_blob(o, json_str(desc, "digest"), err);
	if (!m)
		return -1;
	if (json_object_get(m, "manifests")) {
		/* a multi-platform index: this host's platform, else the first */
		json_array_foreach(json_object_get(m, "manifests"), i, x)
		{
			json_t *p = json_object_get(x, "platform");
			if (!pick)
				pick = x;
			if (!p || (!strcmp(json_str(p, "os") ?: "", "linux") &&
			           !strcmp(json_str(p, "architecture") ?: "", store_host_arch()))) {
				pick = x;
				break;
			}
		}
		if (!pick)
			return bad_archive(err, "invalid archive: %s", "empty index");
		return oci_manifest(o, pick, sp, depth + 1, err);
	}
	sp->config = blob_name(json_str(json_object_get(m, "config"), "digest"));
	if (!sp->config)
		return bad_archive(err, "invalid archive: %s", "manifest without a config");
	json_array_foreach(json_object_get(m, "layers"), i, x)
	{
		_cleanup_free_ char *b = blob_name(json_str(x, "digest"));
		if (!b)
			return bad_archive(err, "invalid archive: %s", "malformed layer digest");
		sp->layers = strv_push(sp->layers, b);
	}
	return 0;
}

static int specs_from_index(struct outer *o, json_t *index, struct spec **ret, size_t *ret_n,
                            eng_error_t *err)
{
	json_t *ms = json_object_get(index, "manifests"), *d;
	struct spec *v = calloc(json_array_size(ms) + 1, sizeof(*v));
	size_t i;

	json_array_foreach(ms, i, d)
	{
		json_t *ann = json_object_get(d, "annotations");
		const char *full = json_str(ann, "io.containerd.image.name");
		const char *ref = json_str(ann, "org.opencontainers.image.ref.name");
		v[i].layers = calloc(1, sizeof(char *));
		v[i].tags = calloc(1, sizeof(char *));
		if (oci_manifest(o, d, &v[i], 0, err) < 0)
			goto fail;
		/* a bare ref.name ("latest") names no repository: the image stays untagged */
		if (!full && ref && (strchr(ref, ':') || strchr(ref, '/')))
			full = ref;
		if (full && add_tag(&v[i], full, err) < 0)
			goto fail;
	}
	*ret = v;
	*ret_n = json_array_size(ms);
	return 0;
fail:
	specs_free(v, i + 1);
	return -1;
}

/* ---- loading ---- */

struct plan {
	json_t *chains; /* chain hex -> index into news, or -1 when pinned */
	struct layer_new *news;
	size_t nnews;
	char **pinned;
};

static void plan_release(struct image_store *s, struct plan *p)
{
	for (size_t i = 0; i < p->nnews; i++)
		layer_new_discard(&p->news[i]);
	free(p->news);
	pthread_mutex_lock(&s->lock);
	for (char **c = p->pinned; c && *c; c++)
		layer_unref_locked(s, *c);
	pthread_mutex_unlock(&s->lock);
	strv_free(p->pinned);
	json_decref(p->chains);
}

static int read_config(struct outer *o, const char *name, char id[72], json_t **ret,
                       eng_error_t *err)
{
	const char *path = outer_lookup(o, name);
	char hex[65], claimed[65];

	if (!path)
		return bad_archive(err, "invalid archive: config %s is missing", name);
	if (sha256_file_hex(path, hex, err) < 0)
		return -1;
	if (named_digest(name, claimed) && strcmp(claimed, hex))
		return bad_archive(err, "invalid archive: config %s does not match its digest",
		                   name);
	snprintf(id, 72, "sha256:%s", hex);
	*ret = outer_json(o, name, err);
	return *ret ? 0 : -1;
}

/* Unpacks (or pins) every layer of one image; `sp` is its spec, `r` its record. */
static int prepare_layers(struct image_store *s, struct outer *o, struct spec *sp,
                          struct img_rec *r, struct plan *p, eng_error_t *err)
{
	_cleanup_free_ char *parent = NULL;
	size_t n = strv_len(r->diff_ids);

	if (strv_len(sp->layers) != n)
		return eng_error_make(err, EINVAL, ERR_INVALID,
		                      "invalid archive: image %s has %zu layers but its config "
		                      "lists %zu",
		                      r->id, strv_len(sp->layers), n);
	r->size = 0;
	for (size_t k = 0; k < n; k++) {
		const char *chain = digest_hex(r->chain_ids[k]);
		json_t *known = json_object_get(p->chains, chain);
		int pinned = 0;
		if (!known) {
			pthread_mutex_lock(&s->lock);
			pinned = layer_pin_locked(s, chain);
			pthread_mutex_unlock(&s->lock);
			if (pinned) {
				p->pinned = strv_push(p->pinned, chain);
				json_object_set_new(p->chains, chain, json_integer(-1));
				known = json_object_get(p->chains, chain);
			}
		}
		if (known) {
			json_int_t idx = json_integer_value(known);
			free(parent);
			if (idx < 0) {
				parent = layer_diff_path(s, chain);
				r->size += layer_size(s, chain);
			} else {
				parent = path_join(p->news[idx].dir, "diff");
				r->size += p->news[idx].size;
			}
			continue;
		}
		const char *file = outer_lookup(o, sp->layers[k]);
		if (!file)
			return bad_archive(err, "invalid archive: layer %s is missing",
			                   sp->layers[k]);
		_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
		struct layer_new l = {0};
		if (fd < 0)
			return eng_error_make(err, errno, ERR_INTERNAL, "opening %s: %m", file);
		if (layer_unpack(s, fd, parent, &l, err) < 0)
			return eng_error_wrap(err, "loading %s", sp->layers[k]);
		p->news = realloc(p->news, (p->nnews + 1) * sizeof(*p->news));
		p->news[p->nnews] = l;
		json_object_set_new(p->chains, chain, json_integer((json_int_t)p->nnews));
		p->nnews++;
		if (strcmp(l.diff_id, r->diff_ids[k]))
			return eng_error_make(
			    err, EINVAL, ERR_INVALID,
			    "invalid archive: layer %s has diff ID %s, the config "
			    "says %s",
			    sp->layers[k], l.diff_id, r->diff_ids[k]);
		snprintf(p->news[p->nnews - 1].chain_hex, 65, "%s", chain);
		r->size += l.size;
		free(parent);
		parent = path_join(l.dir, "diff");
	}
	return 0;
}

static int commit_locked(struct image_store *s, struct outer *o, struct plan *p,
                         struct img_rec **recs, struct spec *specs, size_t n, json_t *loaded,
                         eng_error_t *err)
{
	for (size_t i = 0; i < p->nnews; i++)
		if (layer_commit_locked(s, &p->news[i], p->news[i].chain_hex, err) < 0)
			return -1;
	for (size_t i = 0; i < n; i++) {
		struct img_rec *r = store_find_id_locked(s, recs[i]->id);
		if (!r) {
			/* the config's own bytes: its digest is the image ID */
			_cleanup_free_ char *cpath = store_content_path(s, recs[i]->id);
			size_t len;
			_cleanup_free_ char *data =
			    read_file(outer_lookup(o, specs[i].config), &len, err);
			if (!data || write_file_atomic(cpath, data, len, err) < 0 ||
			    store_add_locked(s, recs[i], err) < 0)
				return -1;
			r = TAKE_PTR(recs[i]);
		}
		for (char **t = specs[i].tags; *t; t++) {
			_cleanup_free_ char *old = NULL;
			if (store_set_tag_locked(s, r, *t, &old, err) < 0)
				return -1;
			if (old) {
				char *line;
				if (asprintf(&line,
				             "The image %s already exists, renaming the old one "
				             "with ID %s to empty string",
				             *t, old) < 0)
					abort();
				json_array_append_new(loaded, json_string(line));
				free(line);
			}
			char *line;
			if (asprintf(&line, "Loaded image: %s", *t) < 0)
				abort();
			json_array_append_new(loaded, json_string(line));
			free(line);
		}
		if (!specs[i].tags[0]) {
			char *line;
			if (asprintf(&line, "Loaded image ID: %s", r->id) < 0)
				abort();
			json_array_append_new(loaded, json_string(line));
			free(line);
		}
	}
	return 0;
}

int image_load(struct image_store *s, int fd, image_progress_fn progress, void *ctx,
               json_t **ret_loaded, eng_error_t *err)
{
	struct outer o = {0};
	struct spec *specs = NULL;
	struct img_rec **recs = NULL;
	struct plan p = {0};
	json_t *loaded = json_array();
	size_t n = 0;
	int rc = -1;

	(void)progress;
	(void)ctx;
	p.chains = json_object();
	if (outer_extract(s, fd, &o, err) < 0)
		goto out;
	if (outer_lookup(&o, "manifest.json")) {
		json_auto_t *m = outer_json(&o, "manifest.json", err);
		if (!m || specs_from_manifest(m, &specs, &n, err) < 0)
			goto out;
	} else if (outer_lookup(&o, "index.json")) {
		json_auto_t *idx = outer_json(&o, "index.json", err);
		if (!idx || specs_from_index(&o, idx, &specs, &n, err) < 0)
			goto out;
	} else {
		eng_error_make(err, EINVAL, ERR_INVALID,
		               "invalid archive: neither manifest.json nor index.json found "
		               "(not a docker save archive or OCI layout)");
		goto out;
	}
	recs = calloc(n + 1, sizeof(*recs));
	for (size_t i = 0; i < n; i++) {
		char id[72];
		json_t *config = NULL;
		if (read_config(&o, specs[i].config, id, &config, err) < 0)
			goto out;
		recs[i] = store_rec_new(id, config, err);
		if (!recs[i] || prepare_layers(s, &o, &specs[i], recs[i], &p, err) < 0)
			goto out;
	}
	pthread_mutex_lock(&s->lock);
	rc = commit_locked(s, &o, &p, recs, specs, n, loaded, err);
	pthread_mutex_unlock(&s->lock);
out:
	plan_release(s, &p);
	for (size_t i = 0; recs && i < n; i++)
		store_rec_free(recs[i]);
	free(recs);
	specs_free(specs, n);
	outer_free(&o);
	if (rc < 0) {
		json_decref(loaded);
		return -1;
	}
	*ret_loaded = loaded;
	return 0;
}

/* ---- saving ---- */

static int write_member(struct archive *a, const char *name, const void *data, size_t len,
                        const char *from_path, eng_error_t *err)
{
	struct archive_entry *e = archive_entry_new();
	_cleanup_close_ int fd = -1;
	int64_t size = (int64_t)len;
	struct stat st;

	if (from_path) {
		fd = open(from_path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			archive_entry_free(e);
			return eng_error_make(err, errno, ERR_INTERNAL, "opening %s: %m",
			                      from_path);
		}
		size = st.st_size;
	}
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		archive_entry_free(e);
		return eng_error_make(err, EIO, ERR_INTERNAL, "writing the archive: %s",
		                      archive_error_string(a));
	}
	archive_entry_free(e);
	if (!from_path) {
		if (len && archive_write_data(a, data, len) < 0)
			return eng_error_make(err, EIO, ERR_INTERNAL, "writing the archive: %s",
			                      archive_error_string(a));
		return 0;
	}
	char buf[64 * 1024];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(a, buf, (size_t)n) < 0)
			return eng_error_make(err, EIO, ERR_INTERNAL, "writing the archive: %s",
			                      archive_error_string(a));
	if (n < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "reading %s: %m", from_path);
	return 0;
}

static int write_json_member(struct archive *a, const char *name, json_t *doc, char hex[65],
                             eng_error_t *err)
{
	_cleanup_free_ char *data = json_dumps(doc, JSON_COMPACT);
	if (hex)
		sha256_hex(data, strlen(data), hex);
	return write_member(a, name, data, strlen(data), NULL, err);
}

struct save_item {
	struct image *img;
	char **tags;
};

static int save_blob(struct image_store *s, struct archive *a, json_t *written, const char *digest,
                     int64_t *ret_size, eng_error_t *err)
{
	_cleanup_free_ char *path = store_content_path(s, digest);
	_cleanup_free_ char *name = blob_name(digest);
	struct stat st;

	if (stat(path, &st) < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "blob %s: %m", digest);
	*ret_size = st.st_size;
	if (json_object_get(written, name))
		return 0;
	json_object_set_new(written, name, json_true());
	return write_member(a, name, NULL, 0, path, err);
}

static int save_image(struct image_store *s, struct archive *a, struct save_item *it,
                      json_t *written, json_t *index, json_t *manifest, json_t *repos,
                      eng_error_t *err)
{
	json_auto_t *m = NULL;
	json_t *layers = json_array(), *layer_names = json_array();
	_cleanup_free_ char *cfg_name = blob_name(it->img->id), *mdata = NULL, *mname = NULL;
	int64_t cfg_size, size;
	char hex[65], mdigest[72];

	m = json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType",
	              "application/vnd.oci.image.manifest.v1+json", "config", json_object(),
	              "layers", layers);
	if (save_blob(s, a, written, it->img->id, &cfg_size, err) < 0)
		goto fail;
	json_object_set_new(m, "config",
	                    json_pack("{s:s, s:s, s:I}", "mediaType",
	                              "application/vnd.oci.image.config.v1+json", "digest",
	                              it->img->id, "size", (json_int_t)cfg_size));
	for (char **d = it->img->diff_ids; *d; d++) {
		if (save_blob(s, a, written, *d, &size, err) < 0)
			goto fail;
		json_array_append_new(layers, json_pack("{s:s, s:s, s:I}", "mediaType",
		                                        "application/vnd.oci.image.layer.v1.tar",
		                                        "digest", *d, "size", (json_int_t)size));
		char *bn = blob_name(*d);
		json_array_append_new(layer_names, json_string(bn));
		free(bn);
	}
	mdata = json_dumps(m, JSON_COMPACT);
	sha256_hex(mdata, strlen(mdata), hex);
	snprintf(mdigest, sizeof(mdigest), "sha256:%s", hex);
	mname = blob_name(mdigest);
	if (!json_object_get(written, mname)) {
		json_object_set_new(written, mname, json_true());
		if (write_member(a, mname, mdata, strlen(mdata), NULL, err) < 0)
			goto fail;
	}
	for (size_t i = 0; i == 0 || it->tags[i]; i++) {
		json_t *desc = json_pack("{s:s, s:s, s:I}", "mediaType",
		                         "application/vnd.oci.image.manifest.v1+json", "digest",
		                         mdigest, "size", (json_int_t)strlen(mdata));
		if (it->tags[i]) {
			struct image_ref r = {0};
			_cleanup_free_ char *fullname = NULL, *fam = NULL;
			if (ref_parse(it->tags[i], &r, NULL) == 0) {
				if (asprintf(&fullname, "%s/%s:%s", r.domain, r.path,
				             r.tag ? r.tag : "latest") < 0)
					abort();
				fam = ref_familiar_name(&r);
				json_object_set_new(desc, "annotations",
				                    json_pack("{s:s, s:s}",
				                              "io.containerd.image.name", fullname,
				                              "org.opencontainers.image.ref.name",
				                              r.tag ? r.tag : "latest"));
				json_t *repo = json_object_get(repos, fam);
				if (!repo)
					json_object_set_new(repos, fam, repo = json_object());
				json_object_set_new(repo, r.tag ? r.tag : "latest",
				                    json_string(digest_hex(it->img->id)));
				ref_free(&r);
			}
		}
		json_array_append_new(json_object_get(index, "manifests"), desc);
		if (!it->tags[i])
			break;
	}
	json_array_append_new(manifest,
	                      json_pack("{s:s, s:o, s:o}", "Config", cfg_name, "RepoTags",
	                                it->tags[0] ? json_strv_new(it->tags) : json_null(),
	                                "Layers", layer_names));
	return 0;
fail:
	json_decref(layer_names);
	return -1;
}

int image_save(struct image_store *s, char *const *names, int fd, eng_error_t *err)
{
	size_t n = strv_len(names), nitems = 0;
	struct save_item *items = calloc(n + 1, sizeof(*items));
	json_auto_t *written = json_object(), *manifest = json_array(), *repos = json_object();
	json_auto_t *index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
	                               "application/vnd.oci.image.index.v1+json", "manifests");
	json_auto_t *layout = json_pack("{s:s}", "imageLayoutVersion", "1.0.0");
	struct archive *a = NULL;
	int rc = -1;

	for (size_t i = 0; i < n; i++) {
		struct image *img = image_get(s, names[i], err);
		struct save_item *it = NULL;
		eng_error_t perr;
		_cleanup_free_ char *ref = NULL;
		if (!img)
			goto out;
		for (size_t j = 0; j < nitems; j++)
			if (!strcmp(items[j].img->id, img->id))
				it = &items[j];
		if (!it) {
			it = &items[nitems++];
			it->img = img;
			it->tags = calloc(1, sizeof(char *));
		} else {
			image_free(img);
		}
		/* a name keeps its tag in the archive; an ID saves the image untagged */
		if (strncmp(it->img->id + 7, digest_hex(names[i]), strlen(digest_hex(names[i]))) &&
		    (ref = store_normalise_tag(names[i], &perr)) && !strv_contains(it->tags, ref))
			it->tags = strv_push(it->tags, ref);
	}
	a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		eng_error_make(err, EIO, ERR_INTERNAL, "writing the archive: %s",
		               archive_error_string(a));
		goto out;
	}
	for (size_t i = 0; i < nitems; i++)
		if (save_image(s, a, &items[i], written, index, manifest, repos, err) < 0)
			goto out;
	if (write_json_member(a, "index.json", index, NULL, err) < 0 ||
	    write_json_member(a, "manifest.json", manifest, NULL, err) < 0 ||
	    write_json_member(a, "oci-layout", layout, NULL, err) < 0 ||
	    (json_object_size(repos) && write_json_member(a, "repositories", repos, NULL, err) < 0))
		goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		eng_error_make(err, EIO, ERR_INTERNAL, "writing the archive: %s",
		               archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	if (a)
		archive_write_free(a);
	for (size_t i = 0; i < nitems; i++) {
		image_free(items[i].img);
		strv_free(items[i].tags);
	}
	free(items);
	return rc;
}
