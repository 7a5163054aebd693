/* docker import: a root filesystem tar becomes a one-layer image, its config shaped by
 * Dockerfile-style `changes` (the subset docker accepts for import and commit). */
#include "store-internal.h"
#include "import.h"
#include "../common/cleanup.h"
#include "../common/digest.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

/* ["a", "b"] when `args` is a JSON array of strings, else NULL. */
static json_t *json_form(const char *args)
{
	json_t *v = json_loads(args, JSON_DECODE_ANY, NULL), *x;
	size_t i;

	if (!json_is_array(v))
		goto no;
	json_array_foreach(v, i, x) if (!json_is_string(x)) goto no;
	return v;
no:
	json_decref(v);
	return NULL;
}

static json_t *exec_form(const char *args)
{
	json_t *v = json_form(args);
	return v ? v : json_pack("[s, s, s]", "/bin/sh", "-c", args);
}

static json_t *words(const char *args)
{
	json_t *v = json_form(args), *out = json_array();
	if (v)
		return json_decref(out), v;
	_cleanup_free_ char *copy = strdup(args);
	for (char *save = NULL, *t = strtok_r(copy, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save))
		json_array_append_new(out, json_string(t));
	return out;
}

static char *unquote(const char *s)
{
	size_t n = strlen(s);
	if (n >= 2 && ((s[0] == '"' && s[n - 1] == '"') || (s[0] == '\'' && s[n - 1] == '\'')))
		return strndup(s + 1, n - 2);
	return strdup(s);
}

/* "k=v k2=v2" or the old "k v" form, into `obj` (ENV: as a list of "k=v" in `env`). */
static int key_values(const char *args, json_t *obj, json_t *env, const char *what,
                      eng_error_t *err)
{
	const char *eq = strchr(args, '='), *sp = args + strcspn(args, " \t");

	if (!eq || sp < eq) {
		/* the legacy form: one key, the rest of the line is the value */
		_cleanup_free_ char *k = strndup(args, (size_t)(sp - args));
		const char *v = sp + strspn(sp, " \t");
		if (!*k || (!*sp && !obj))
			return eng_error_make(err, EINVAL, ERR_INVALID,
			                      "%s requires at least one argument", what);
		if (obj)
			json_object_set_new(obj, k, json_string(v));
		else {
			_cleanup_free_ char *kv = NULL;
			if (asprintf(&kv, "%s=%s", k, v) < 0)
				abort();
			json_array_append_new(env, json_string(kv));
		}
		return 0;
	}
	_cleanup_free_ char *copy = strdup(args);
	for (char *save = NULL, *t = strtok_r(copy, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		char *e = strchr(t, '=');
		if (!e || e == t)
			return eng_error_make(err, EINVAL, ERR_INVALID, "%s names can not be blank",
			                      what);
		*e = 0;
		_cleanup_free_ char *v = unquote(e + 1);
		if (obj) {
			json_object_set_new(obj, t, json_string(v));
		} else {
			_cleanup_free_ char *kv = NULL;
			size_t i;
			json_t *x;
			if (asprintf(&kv, "%s=%s", t, v) < 0)
				abort();
			/* a later value of a key replaces the earlier one */
			json_array_foreach(env, i, x)
			{
				const char *s = json_string_value(x);
				if (!strncmp(s, t, strlen(t)) && s[strlen(t)] == '=') {
					json_array_remove(env, i);
					break;
				}
			}
			json_array_append_new(env, json_string(kv));
		}
	}
	return 0;
}

static json_t *get_or_new(json_t *cfg, const char *key, json_t *(*make)(void))
{
	json_t *v = json_object_get(cfg, key);
	if (!v || json_is_null(v)) {
		v = make();
		json_object_set_new(cfg, key, v);
	}
	return v;
}

int image_apply_change(json_t *cfg, const char *line, eng_error_t *err)
{
	const char *p = line + strspn(line, " \t");
	size_t kl = strcspn(p, " \t");
	_cleanup_free_ char *kw = strndup(p, kl);
	const char *args = p + kl;
	_cleanup_free_ char *a = NULL;
	size_t al;

	args += strspn(args, " \t");
	a = strdup(args);
	al = strlen(a);
	while (al && (a[al - 1] == ' ' || a[al - 1] == '\t' || a[al - 1] == '\n'))
		a[--al] = 0;
	for (char *c = kw; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	if (!*kw)
		return 0;
	if (!strcmp(kw, "CMD"))
		json_object_set_new(cfg, "Cmd", exec_form(a));
	else if (!strcmp(kw, "ENTRYPOINT"))
		json_object_set_new(cfg, "Entrypoint", exec_form(a));
	else if (!strcmp(kw, "ENV"))
		return key_values(a, NULL, get_or_new(cfg, "Env", json_array), "ENV", err);
	else if (!strcmp(kw, "LABEL"))
		return key_values(a, get_or_new(cfg, "Labels", json_object), NULL, "LABEL", err);
	else if (!strcmp(kw, "WORKDIR"))
		json_object_set_new(cfg, "WorkingDir", json_string(a));
	else if (!strcmp(kw, "USER"))
		json_object_set_new(cfg, "User", json_string(a));
	else if (!strcmp(kw, "STOPSIGNAL"))
		json_object_set_new(cfg, "StopSignal", json_string(a));
	else if (!strcmp(kw, "EXPOSE") || !strcmp(kw, "VOLUME")) {
		int expose = kw[0] == 'E';
		json_t *set = get_or_new(cfg, expose ? "ExposedPorts" : "Volumes", json_object);
		json_auto_t *w = words(a);
		json_t *x;
		size_t i;
		json_array_foreach(w, i, x)
		{
			_cleanup_free_ char *k = NULL;
			const char *s = json_string_value(x);
			if (expose && asprintf(&k, "%s%s", s, strchr(s, '/') ? "" : "/tcp") < 0)
				abort();
			json_object_set_new(set, k ? k : s, json_object());
		}
	} else if (!strcmp(kw, "ONBUILD")) {
		json_array_append_new(get_or_new(cfg, "OnBuild", json_array), json_string(a));
	} else {
		for (char *c = kw; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		return eng_error_make(err, EINVAL, ERR_INVALID, "%s is not a valid change command",
		                      kw);
	}
	return 0;
}

/* Stores the image `doc` (borrowed) whose top layer is the unpacked, not yet committed `l`,
 * and tags it `ref`. The ID is the digest of the canonical config. */
static int add_image(struct image_store *s, struct layer_new *l, json_t *doc, int64_t size,
		     const char *parent, const char *ref, char ret_id[72], eng_error_t *err)
{
	_cleanup_free_ char *data = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	_cleanup_free_ char *cpath = NULL, *old = NULL;
	struct img_rec *rec, *r;
	char hex[65], id[72];
	int rc = -1;

	sha256_hex(data, strlen(data), hex);
	snprintf(id, sizeof(id), "sha256:%s", hex);
	if (!(rec = store_rec_new(id, json_incref(doc), err)))
		return -1;
	rec->size = size;
	if (parent)
		snprintf(rec->parent, sizeof(rec->parent), "%s", parent);
	cpath = store_content_path(s, id);
	pthread_mutex_lock(&s->lock);
	if (layer_commit_locked(s, l, digest_hex(rec->chain_ids[strv_len(rec->chain_ids) - 1]),
				err) < 0)
		goto unlock;
	r = store_find_id_locked(s, id);
	if (!r) {
		if (write_file_atomic(cpath, data, strlen(data), err) < 0 ||
		    store_add_locked(s, rec, err) < 0)
			goto unlock;
		r = TAKE_PTR(rec);
	}
	if (ref && store_set_tag_locked(s, r, ref, &old, err) < 0)
		goto unlock;
	snprintf(ret_id, 72, "%s", id);
	rc = 0;
unlock:
	/* a layer committed but left unused by a failure is collected at the next start */
	pthread_mutex_unlock(&s->lock);
	store_rec_free(rec);
	return rc;
}

int image_import(struct image_store *s, int fd, const char *repo_tag, char *const *changes,
                 const char *message, char ret_id[72], eng_error_t *err)
{
	_cleanup_free_ char *ref = NULL;
	json_auto_t *cfg = json_object();
	struct layer_new l = {0};
	char created[40];
	int rc;

	if (repo_tag && *repo_tag && !(ref = store_normalise_tag(repo_tag, err)))
		return -1;
	for (char *const *c = changes; c && *c; c++)
		if (image_apply_change(cfg, *c, err) < 0)
			return -1;
	if (layer_unpack(s, fd, NULL, &l, err) < 0)
		return eng_error_wrap(err, "importing");
	format_time_ns(now_ns(), created);
	json_auto_t *config =
	    json_pack("{s:s, s:s, s:s, s:O, s:s, s:{s:s, s:[s]}, s:[{s:s, s:s}]}", "architecture",
	              store_host_arch(), "os", "linux", "created", created, "config", cfg, "comment",
	              message ? message : "", "rootfs", "type", "layers", "diff_ids", l.diff_id,
	              "history", "created", created, "comment", message ? message : "");
	rc = add_image(s, &l, config, l.size, NULL, ref, ret_id, err);
	layer_new_discard(&l);
	return rc;
}

int image_commit(struct image_store *s, const struct image_commit_opts *o, int fd,
                 char ret_id[72], eng_error_t *err)
{
	_cleanup_free_ char *ref = NULL;
	_cleanup_free_ char *top = NULL, *parent_diff = NULL;
	_cleanup_strv_ char **diff_ids = NULL;
	json_auto_t *doc = NULL;
	struct layer_new l = {0};
	struct img_rec *r;
	char created[40];
	json_t *hist, *rootfs, *h;
	int64_t parent_size = 0;
	size_t n;
	int rc = -1;

	if (o->repo_tag && *o->repo_tag && !(ref = store_normalise_tag(o->repo_tag, err)))
		return -1;
	pthread_mutex_lock(&s->lock);
	r = store_find_id_locked(s, o->parent_id);
	if (r) {
		doc = json_deep_copy(r->config);
		parent_size = r->size;
		diff_ids = strv_copy(r->diff_ids);
		n = strv_len(r->chain_ids);
		/* held until the new layer is in: vfs copies the parent's files */
		if (n && layer_pin_locked(s, digest_hex(r->chain_ids[n - 1])))
			top = strdup(digest_hex(r->chain_ids[n - 1]));
	}
	pthread_mutex_unlock(&s->lock);
	if (!r)
		return eng_error_make(err, ENOENT, ERR_NOT_FOUND, "No such image: %s",
		                      o->parent_id);
	if (top)
		parent_diff = layer_diff_path(s, top);
	if (layer_unpack(s, fd, parent_diff, &l, err) < 0) {
		eng_error_wrap(err, "committing");
		goto out;
	}
	diff_ids = strv_push(diff_ids, l.diff_id);

	format_time_ns(now_ns(), created);
	hist = json_object_get(doc, "history");
	rootfs = json_object_get(doc, "rootfs");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(doc, "history", hist);
	}
	h = json_pack("{s:s}", "created", created);
	if (o->author && *o->author)
		json_object_set_new(h, "author", json_string(o->author));
	if (o->created_by)
		json_object_set_new(h, "created_by", json_string(o->created_by));
	if (o->comment && *o->comment)
		json_object_set_new(h, "comment", json_string(o->comment));
	json_array_append_new(hist, h);
	if (!json_is_object(rootfs)) {
		rootfs = json_pack("{s:s, s:[]}", "type", "layers", "diff_ids");
		json_object_set_new(doc, "rootfs", rootfs);
	}
	json_object_set_new(rootfs, "diff_ids", json_strv_new(diff_ids));
	json_object_set_new(doc, "config", json_deep_copy(o->config));
	if (o->container_config)
		json_object_set_new(doc, "container_config", json_deep_copy(o->container_config));
	json_object_set_new(doc, "container", json_string(o->container_id ? o->container_id : ""));
	json_object_set_new(doc, "created", json_string(created));
	if (o->author && *o->author)
		json_object_set_new(doc, "author", json_string(o->author));
	else
		json_object_del(doc, "author");
	json_object_set_new(doc, "comment", json_string(o->comment ? o->comment : ""));

	rc = add_image(s, &l, doc, parent_size + l.size, o->parent_id, ref, ret_id, err);
out:
	if (top) {
		pthread_mutex_lock(&s->lock);
		layer_unref_locked(s, top);
		pthread_mutex_unlock(&s->lock);
	}
	layer_new_discard(&l);
	return rc;
}
