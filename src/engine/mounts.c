/* A container's mounts, after moby's registerMountPoints: volumes-from first, then -v binds
 * (which replace what volumes-from gave at the same destination), then --mount, then the
 * image's VOLUME entries and -v /path as anonymous volumes where nothing is mounted yet.
 *
 * Each mount point is a JSON object kept in c->mounts and in the container document:
 *   Type        "bind" | "volume" | "tmpfs"
 *   Name        volume name (volume)
 *   Source      host path: the bind source or the volume's _data (empty for tmpfs)
 *   Destination cleaned absolute path in the container
 *   Driver      "local" (volume)
 *   Mode        docker's mode string as shown by inspect ("", "ro", "z", ...)
 *   RW, Propagation
 *   CopyData    copy image content into the volume at the next start
 *   Named       the user named the volume (docker rm -v keeps those)
 *   Data        tmpfs options ("size=64m,mode=1777") */
#include "mounts.h"
#include "engine-internal.h"
#include "events.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../common/strv.h"
#include "../volume/copy.h"
#include "../volume/store.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* ---- paths and modes ---- */


enum { M_RW = 1, M_LABEL = 2, M_PROP = 4, M_COPY = 8, M_CONSIST = 16 };

static int is_propagation(const char *s)
{
	static const char *const props[] = {"private", "rprivate", "slave", "rslave",
					    "shared",  "rshared",  NULL};
	for (int i = 0; props[i]; i++)
		if (!strcmp(s, props[i]))
			return 1;
	return 0;
}

static int mode_word(const char *w)
{
	if (!strcmp(w, "rw") || !strcmp(w, "ro"))
		return M_RW;
	if (!strcmp(w, "z") || !strcmp(w, "Z"))
		return M_LABEL;
	if (is_propagation(w))
		return M_PROP;
	if (!strcmp(w, "nocopy"))
		return M_COPY;
	if (!strcmp(w, "consistent") || !strcmp(w, "cached") || !strcmp(w, "delegated"))
		return M_CONSIST;
	return 0;
}

/* docker's linuxValidMountMode; *ret_seen gets the kinds present. */
static int mode_valid(const char *mode, int *ret_seen)
{
	_cleanup_free_ char *copy = strdup(mode);
	int seen = 0;

	*ret_seen = 0;
	if (!*mode)
		return 1;
	/* strings.Split keeps empty fields, and an empty field is no valid mode */
	for (char *p = copy, *e;; p = e + 1) {
		e = strchrnul(p, ',');
		int end = !*e, k;
		*e = 0;
		k = mode_word(p);
		if (!k || (seen & k))
			return 0;
		seen |= k;
		if (end)
			break;
	}
	*ret_seen = seen;
	return 1;
}

static int mode_has(const char *mode, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = mode; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && !strncmp(p, word, n))
			return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

static const char *mode_propagation(const char *mode)
{
	static const char *const props[] = {"private", "rprivate", "slave", "rslave",
					    "shared",  "rshared",  NULL};
	for (int i = 0; props[i]; i++)
		if (mode_has(mode, props[i]))
			return props[i];
	return NULL;
}

static int mount_config_error(eng_error_t *err, const char *type, const char *fmt, const char *a)
{
	char msg[1024];
	snprintf(msg, sizeof(msg), fmt, a);
	return eng_error_make(err, EINVAL, ERR_INVALID, "invalid mount config for type \"%s\": %s",
			      type, msg);
}

/* Target checks shared by every mount type. */
static int check_target(const char *type, const char *target, eng_error_t *err)
{
	if (!target || !*target)
		return mount_config_error(err, type, "field %s must not be empty", "Target");
	_cleanup_free_ char *clean = path_clean(target);
	if (!strcmp(clean, "/"))
		return mount_config_error(err, type, "invalid specification: destination can't be "
					  "'%s'", "/");
	if (target[0] != '/')
		return mount_config_error(err, type,
					  "invalid mount path: '%s' mount path must be absolute",
					  target);
	return 0;
}

static json_t *point_new(const char *type, const char *dst, int rw)
{
	_cleanup_free_ char *d = path_clean(dst);
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", type, "Source", "",
			 "Destination", d, "Mode", "", "RW", rw, "Propagation", "");
}

/* ---- the list being built ---- */

struct plan {
	json_t *points;   /* array of mount points */
	json_t *fixed;    /* destinations taken by -v and --mount: {dst: true} */
	json_t *tmpfs;    /* HostConfig.Tmpfs, borrowed */
};

static json_t *find_dst(struct plan *p, const char *dst, size_t *ret_i)
{
	size_t i;
	json_t *m;
	json_array_foreach(p->points, i, m) if (!strcmp(json_str(m, "Destination"), dst))
	{
		if (ret_i)
			*ret_i = i;
		return m;
	}
	return NULL;
}

/* Adds or replaces the point at its destination (docker's dereferenceIfExists). */
static void plan_put(struct plan *p, json_t *m /* stolen */)
{
	size_t i;
	if (find_dst(p, json_str(m, "Destination"), &i))
		json_array_set_new(p->points, i, m);
	else
		json_array_append_new(p->points, m);
}

static int duplicate(eng_error_t *err, const char *dst)
{
	return eng_error_make(err, EINVAL, ERR_INVALID, "Duplicate mount point: %s", dst);
}

/* ---- VolumesFrom ---- */

static int plan_volumes_from(struct engine *eng, struct plan *p, json_t *hc, eng_error_t *err)
{
	json_t *from = json_object_get(hc, "VolumesFrom"), *v;
	size_t i;

	json_array_foreach(from, i, v)
	{
		const char *spec = json_string_value(v);
		if (!spec || !*spec)
			return eng_error_make(err, EINVAL, ERR_INVALID, "volumes-from specification "
					      "cannot be an empty string");
		_cleanup_free_ char *id = strdup(spec);
		char *mode = strchr(id, ':');
		int seen;
		if (mode)
			*mode++ = 0;
		if (mode && *mode &&
		    (!mode_valid(mode, &seen) || (seen & (M_PROP | M_COPY))))
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid mode: %s", mode);
		struct container *src = engine_container_get(eng, id, err);
		if (!src) {
			err->kind = ERR_INVALID;
			return -1;
		}
		int ro = mode && mode_has(mode, "ro");
		pthread_mutex_lock(&eng->lock);
		size_t k;
		json_t *m;
		json_array_foreach(src->mounts, k, m)
		{
			json_t *cp = json_deep_copy(m);
			json_object_set_new(cp, "RW", json_boolean(json_bool(m, "RW", 1) && !ro));
			json_object_set_new(cp, "CopyData", json_false());
			plan_put(p, cp);
		}
		pthread_mutex_unlock(&eng->lock);
		container_unref(eng, src);
	}
	return 0;
}

/* ---- -v / HostConfig.Binds ---- */

static int bind_spec_error(eng_error_t *err, const char *raw)
{
	return eng_error_wrap(err, "invalid volume specification: '%s'", raw);
}

static int plan_bind(struct plan *p, const char *raw, eng_error_t *err)
{
	_cleanup_strv_ char **parts = NULL;
	_cleanup_free_ char *copy = strdup(raw);
	const char *src = "", *dst, *mode = "";
	int seen = 0;
	size_t n;

	/* strings.SplitN(raw, ":", 4) */
	for (char *s = copy, *e;; s = e + 1) {
		e = strv_len(parts) < 3 ? strchrnul(s, ':') : s + strlen(s);
		int end = !*e;
		*e = 0;
		parts = strv_push(parts, s);
		if (end)
			break;
	}
	n = strv_len(parts);
	if (!*parts[0] || n > 3 || (n == 2 && mode_valid(parts[1], &seen)))
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid volume specification: "
				      "'%s'", raw);
	if (n == 1) {
		dst = parts[0];
	} else {
		src = parts[0];
		dst = parts[1];
		mode = n == 3 ? parts[2] : "";
	}
	if (!mode_valid(mode, &seen))
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid mode: %s", mode);
	const char *type = src[0] == '/' ? "bind" : "volume";
	/* a propagation mode sets BindOptions, nocopy sets VolumeOptions: each belongs to
	 * one type only */
	if (!strcmp(type, "volume") && (seen & M_PROP))
		return mount_config_error(err, type, "field %s must not be specified",
					  "BindOptions"),
		       bind_spec_error(err, raw);
	if (!strcmp(type, "bind") && (seen & M_COPY))
		return mount_config_error(err, type, "field %s must not be specified",
					  "VolumeOptions"),
		       bind_spec_error(err, raw);
	if (check_target(type, dst, err) < 0)
		return bind_spec_error(err, raw);

	json_t *m = point_new(type, dst, !mode_has(mode, "ro"));
	const char *d = json_str(m, "Destination");
	if (json_object_get(p->fixed, d) || json_object_get(p->tmpfs, d)) {
		duplicate(err, d);
		json_decref(m);
		return -1;
	}
	json_object_set_new(m, "Mode", json_string(mode));
	if (!strcmp(type, "bind")) {
		_cleanup_free_ char *s = path_clean(src);
		const char *prop = mode_propagation(mode);
		json_object_set_new(m, "Source", json_string(s));
		json_object_set_new(m, "Propagation", json_string(prop ? prop : "rprivate"));
		json_object_set_new(m, "CreateSource", json_true());
	} else {
		if (*src)
			json_object_set_new(m, "Name", json_string(src));
		json_object_set_new(m, "Named", json_boolean(*src));
		json_object_set_new(m, "Driver", json_string("local"));
		json_object_set_new(m, "CopyData", json_boolean(!(seen & M_COPY)));
		if (!*mode) /* setBindModeIfNull */
			json_object_set_new(m, "Mode", json_string("z"));
	}
	json_object_set_new(p->fixed, d, json_true());
	plan_put(p, m);
	return 0;
}

/* ---- --mount / HostConfig.Mounts ---- */

static int tmpfs_data(json_t *opts, int ro, char **ret, eng_error_t *err)
{
	char buf[1024];
	size_t len = 0;
	json_int_t size = json_int(opts, "SizeBytes", 0), mode = json_int(opts, "Mode", 0);
	json_t *extra = json_object_get(opts, "Options"), *o;
	size_t i;

	buf[0] = 0;
	if (ro)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "ro");
	if (mode)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%smode=%llo", len ? "," : "",
					(unsigned long long)mode);
	if (size) {
		const char *suffix = "";
		if (size % (1LL << 30) == 0)
			size >>= 30, suffix = "g";
		else if (size % (1LL << 20) == 0)
			size >>= 20, suffix = "m";
		else if (size % (1LL << 10) == 0)
			size >>= 10, suffix = "k";
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%ssize=%lld%s",
					len ? "," : "", (long long)size, suffix);
	}
	json_array_foreach(extra, i, o)
	{
		const char *k = json_string_value(json_array_get(o, 0));
		const char *v = json_string_value(json_array_get(o, 1));
		if (!json_is_array(o) || json_array_size(o) < 1 || json_array_size(o) > 2)
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid option array length");
		if (!k || (strcmp(k, "exec") && strcmp(k, "noexec")))
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid option: %s",
					      k ? k : "");
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s%s%s", len ? "," : "",
					k, v ? "=" : "", v ? v : "");
	}
	*ret = strdup(buf);
	return 0;
}

static int plan_mount(struct plan *p, json_t *cfg, eng_error_t *err)
{
	const char *type = json_str(cfg, "Type"), *src = json_str(cfg, "Source") ?: "";
	const char *target = json_str(cfg, "Target");
	json_t *bo = json_object_get(cfg, "BindOptions"), *vo = json_object_get(cfg, "VolumeOptions");
	json_t *to = json_object_get(cfg, "TmpfsOptions");
	int ro = json_bool(cfg, "ReadOnly", 0);
	struct stat st;

	if (!json_is_object(cfg))
		return eng_error_make(err, EINVAL, ERR_INVALID, "json: cannot unmarshal into Go "
				      "struct field HostConfig.Mounts of type mount.Mount");
	if (!type)
		type = "";
	if (json_is_null(bo))
		bo = NULL;
	if (json_is_null(vo))
		vo = NULL;
	if (json_is_null(to))
		to = NULL;
	if (strcmp(type, "bind") && bo)
		return mount_config_error(err, type, "field %s must not be specified", "BindOptions");
	if (strcmp(type, "volume") && vo)
		return mount_config_error(err, type, "field %s must not be specified",
					  "VolumeOptions");
	if (strcmp(type, "tmpfs") && to)
		return mount_config_error(err, type, "field %s must not be specified",
					  "TmpfsOptions");
	if (check_target(type, target, err) < 0)
		return -1;

	json_t *m;
	if (!strcmp(type, "bind")) {
		const char *prop = json_str(bo, "Propagation");
		if (!*src)
			return mount_config_error(err, type, "field %s must not be empty", "Source");
		if (prop && *prop && !is_propagation(prop))
			return mount_config_error(err, type, "invalid propagation mode: %s", prop);
		if (src[0] != '/')
			return mount_config_error(err, type, "invalid mount path: '%s' mount path "
						  "must be absolute", src);
		if (stat(src, &st) < 0 && !json_bool(bo, "CreateMountpoint", 0))
			return mount_config_error(err, type, "bind source path does not exist: %s",
						  src);
		_cleanup_free_ char *s = path_clean(src);
		m = point_new(type, target, !ro);
		json_object_set_new(m, "Source", json_string(s));
		json_object_set_new(m, "Propagation", json_string(prop && *prop ? prop : "rprivate"));
		if (json_bool(bo, "CreateMountpoint", 0))
			json_object_set_new(m, "CreateSource", json_true());
	} else if (!strcmp(type, "volume")) {
		const char *sub = json_str(vo, "Subpath");
		json_t *dc = json_object_get(vo, "DriverConfig");
		const char *driver = json_str(dc, "Name");
		if (sub && *sub)
			return eng_error_make(err, ENOTSUP, ERR_NOT_IMPLEMENTED,
					      "volume subpaths are not supported by berth");
		if (driver && *driver && strcmp(driver, "local"))
			return eng_error_make(err, ENOENT, ERR_NOT_FOUND,
					      "error looking up volume plugin %s: plugin \"%s\" "
					      "not found",
					      driver, driver);
		m = point_new(type, target, !ro);
		if (*src)
			json_object_set_new(m, "Name", json_string(src));
		json_object_set_new(m, "Named", json_boolean(*src));
		json_object_set_new(m, "Driver", json_string("local"));
		json_object_set_new(m, "Mode", json_string("z"));
		json_object_set_new(m, "CopyData", json_boolean(!json_bool(vo, "NoCopy", 0)));
		if (json_is_object(json_object_get(dc, "Options")))
			json_object_set(m, "VolOpts", json_object_get(dc, "Options"));
		if (json_is_object(json_object_get(vo, "Labels")))
			json_object_set(m, "VolLabels", json_object_get(vo, "Labels"));
	} else if (!strcmp(type, "tmpfs")) {
		_cleanup_free_ char *data = NULL;
		if (*src)
			return mount_config_error(err, type, "field %s must not be specified", "Source");
		if (tmpfs_data(to, ro, &data, err) < 0) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			return mount_config_error(err, type, "%s", msg);
		}
		m = point_new(type, target, !ro);
		json_object_set_new(m, "Data", json_string(data));
	} else if (!strcmp(type, "image") || !strcmp(type, "npipe") || !strcmp(type, "cluster")) {
		return eng_error_make(err, ENOTSUP, ERR_NOT_IMPLEMENTED,
				      "mounts of type \"%s\" are not supported by berth", type);
	} else {
		return mount_config_error(err, type, "%s", "mount type unknown");
	}
	const char *d = json_str(m, "Destination");
	if (json_object_get(p->fixed, d) || json_object_get(p->tmpfs, d)) {
		json_decref(m);
		return duplicate(err, target); /* target is the request's: still valid */
	}
	json_object_set_new(p->fixed, d, json_true());
	plan_put(p, m);
	return 0;
}

/* ---- HostConfig.Tmpfs and Config.Volumes ---- */

static int check_tmpfs(json_t *hc, eng_error_t *err)
{
	json_t *t = json_object_get(hc, "Tmpfs"), *v;
	const char *dst;

	if (t && !json_is_object(t) && !json_is_null(t))
		return eng_error_make(err, EINVAL, ERR_INVALID, "json: cannot unmarshal %s into Go "
				      "struct field HostConfig.Tmpfs of type map[string]string",
				      json_is_array(t) ? "array" : "value");
	json_object_foreach(t, dst, v)
	{
		_cleanup_free_ char *clean = path_clean(dst);
		if (!json_is_string(v))
			return eng_error_make(err, EINVAL, ERR_INVALID, "json: cannot unmarshal "
					      "value into Go struct field HostConfig.Tmpfs of type "
					      "string");
		if (!strcmp(clean, "/"))
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid specification: "
					      "destination can't be '/'");
		if (dst[0] != '/')
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid mount path: '%s' "
					      "mount path must be absolute", dst);
	}
	return 0;
}

static void plan_anonymous(struct plan *p, json_t *cfg)
{
	json_t *vols = json_object_get(cfg, "Volumes"), *v;
	const char *dst;

	json_object_foreach(vols, dst, v)
	{
		_cleanup_free_ char *clean = path_clean(dst);
		if (dst[0] != '/' || !strcmp(clean, "/") || find_dst(p, clean, NULL) ||
		    json_object_get(p->tmpfs, clean))
			continue;
		json_t *m = point_new("volume", clean, 1);
		json_object_set_new(m, "Driver", json_string("local"));
		json_object_set_new(m, "Named", json_false());
		json_object_set_new(m, "CopyData", json_true());
		json_array_append_new(p->points, m);
	}
}

/* ---- side effects: volumes and host directories ---- */

static struct volume_store *vstore(struct engine *eng)
{
	return eng->volumes;
}

/* Creates the volumes and missing -v sources. On failure removes the volumes it made. */
static int realize(struct engine *eng, json_t *points, eng_error_t *err)
{
	json_auto_t *made = json_array();
	size_t i;
	json_t *m;

	json_array_foreach(points, i, m)
	{
		const char *type = json_str(m, "Type");
		if (!strcmp(type, "bind") && json_bool(m, "CreateSource", 0)) {
			struct stat st;
			const char *src = json_str(m, "Source");
			if (stat(src, &st) < 0 && mkdir_p(src, 0755, err) < 0) {
				eng_error_wrap(err, "error while creating mount source path '%s'", src);
				goto fail;
			}
		}
		json_object_del(m, "CreateSource");
		if (strcmp(type, "volume") || *json_str(m, "Source"))
			continue; /* volumes-from gave it: it exists already */
		int created = 0;
		struct volume *v = volume_create(vstore(eng), json_str(m, "Name"),
						 json_object_get(m, "VolOpts"),
						 json_object_get(m, "VolLabels"), &created, err);
		if (!v)
			goto fail;
		if (created) {
			json_array_append_new(made, json_string(v->name));
			engine_event(eng, "volume", "create", v->name,
				     json_pack("{s:s}", "driver", "local"));
		}
		json_object_set_new(m, "Name", json_string(v->name));
		json_object_set_new(m, "Source", json_string(v->mountpoint));
		json_object_del(m, "VolOpts");
		json_object_del(m, "VolLabels");
		volume_free(v);
	}
	return 0;
fail:
	json_array_foreach(made, i, m) volume_remove(vstore(eng), json_string_value(m), NULL);
	return -1;
}

int mounts_create(struct engine *eng, struct container *c, eng_error_t *err)
{
	json_t *hc = c->host_config, *mounts = json_object_get(hc, "Mounts"), *v;
	json_t *binds = json_object_get(hc, "Binds");
	struct plan p = {json_array(), json_object(), json_object_get(hc, "Tmpfs")};
	size_t i;
	int rc = -1;

	if (!json_is_object(p.tmpfs))
		p.tmpfs = NULL;
	if (binds && !json_is_array(binds) && !json_is_null(binds)) {
		eng_error_make(err, EINVAL, ERR_INVALID, "json: cannot unmarshal value into Go "
			       "struct field HostConfig.Binds of type []string");
		goto out;
	}
	if (mounts && !json_is_array(mounts) && !json_is_null(mounts)) {
		eng_error_make(err, EINVAL, ERR_INVALID, "json: cannot unmarshal value into Go "
			       "struct field HostConfig.Mounts of type []mount.Mount");
		goto out;
	}
	if (check_tmpfs(hc, err) < 0 || plan_volumes_from(eng, &p, hc, err) < 0)
		goto out;
	json_array_foreach(binds, i, v)
	{
		if (!json_is_string(v)) {
			eng_error_make(err, EINVAL, ERR_INVALID, "json: cannot unmarshal non-string "
				       "into Go struct field HostConfig.Binds of type string");
			goto out;
		}
		if (plan_bind(&p, json_string_value(v), err) < 0)
			goto out;
	}
	json_array_foreach(mounts, i, v) if (plan_mount(&p, v, err) < 0) goto out;
	plan_anonymous(&p, c->config);
	if (realize(eng, p.points, err) < 0)
		goto out;
	json_decref(c->mounts);
	c->mounts = TAKE_PTR(p.points);
	rc = 0;
out:
	json_decref(p.points);
	json_decref(p.fixed);
	return rc;
}

static void remove_anonymous(struct engine *eng, struct container *c)
{
	size_t i;
	json_t *m;

	json_array_foreach(c->mounts, i, m)
	{
		const char *name = json_str(m, "Name");
		if (strcmp(json_str(m, "Type"), "volume") || !name || json_bool(m, "Named", 0))
			continue;
		struct volume *v = volume_get(vstore(eng), name, NULL);
		int anon = v && volume_is_anonymous(v);
		volume_free(v);
		if (!anon)
			continue;
		json_auto_t *users = mounts_volume_users(eng, name);
		eng_error_t e;
		if (json_array_size(users))
			continue; /* docker ignores "volume is in use" here too */
		if (volume_remove(vstore(eng), name, &e) < 0)
			log_warn("container %.12s: removing volume %s: %s, ignoring", c->id, name,
				 e.msg);
	}
}

void mounts_abort(struct engine *eng, struct container *c)
{
	if (c->mounts)
		remove_anonymous(eng, c);
}

void mounts_remove(struct engine *eng, struct container *c, int volumes)
{
	if (volumes && c->mounts)
		remove_anonymous(eng, c);
}

/* ---- start ---- */

/* Merges docker's tmpfs defaults with the user's options: a later word replaces an earlier
 * one of the same key or its negation. */
static json_t *tmpfs_options(const char *user, int ro)
{
	static const char *const pairs[][2] = {
		{"exec", "noexec"}, {"suid", "nosuid"}, {"dev", "nodev"}, {"rw", "ro"}};
	json_t *opts = json_pack("[s, s, s]", "noexec", "nosuid", "nodev");
	_cleanup_free_ char *copy = strdup(user ? user : "");

	if (ro)
		json_array_append_new(opts, json_string("ro"));
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t klen = strcspn(t, "="), i;
		json_t *o;
		const char *other = NULL;
		for (size_t k = 0; k < sizeof(pairs) / sizeof(*pairs); k++) {
			if (!strcmp(t, pairs[k][0]))
				other = pairs[k][1];
			else if (!strcmp(t, pairs[k][1]))
				other = pairs[k][0];
		}
		json_array_foreach(opts, i, o)
		{
			const char *s = json_string_value(o);
			if ((other && !strcmp(s, other)) || !strncmp(s, t, klen + 1) ||
			    (!strncmp(s, t, klen) && (s[klen] == '=' || !s[klen]))) {
				json_array_remove(opts, i);
				break;
			}
		}
		json_array_append_new(opts, json_string(t));
	}
	json_array_append_new(opts, json_string("rprivate"));
	return opts;
}

static json_t *tmpfs_mount(const char *dst, const char *data, int ro)
{
	return json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type", "tmpfs", "source",
			 "tmpfs", "options", tmpfs_options(data, ro));
}

int mounts_start(struct engine *eng, struct container *c, const char *rootfs, char ***ret_binds,
		 json_t **ret_mounts, eng_error_t *err)
{
	json_auto_t *points = NULL, *extra = json_array();
	json_t *m, *t = json_object_get(c->host_config, "Tmpfs"), *v;
	char **binds = NULL;
	const char *dst;
	size_t i;
	int copied = 0;

	pthread_mutex_lock(&eng->lock);
	points = c->mounts ? json_deep_copy(c->mounts) : NULL;
	pthread_mutex_unlock(&eng->lock);
	if (!points) /* a container from before mount points were kept: its binds as given */
		json_strv(c->host_config, "Binds", &binds, NULL);

	json_array_foreach(points, i, m)
	{
		const char *type = json_str(m, "Type");
		_cleanup_free_ char *src = NULL, *spec = NULL;
		dst = json_str(m, "Destination");
		if (!strcmp(type, "tmpfs")) {
			json_array_append_new(extra, tmpfs_mount(dst, json_str(m, "Data"), 0));
			continue;
		}
		if (!strcmp(type, "volume")) {
			if (volume_mount(vstore(eng), json_str(m, "Name"), &src, err) < 0)
				goto fail;
			if (json_bool(m, "CopyData", 0)) {
				if (volume_copy_up(rootfs, dst, src, err) < 0)
					goto fail;
				copied = 1;
			}
		} else {
			src = strdup(json_str(m, "Source"));
		}
		const char *prop = json_str(m, "Propagation");
		if (asprintf(&spec, "%s:%s:%s%s%s", src, dst, json_bool(m, "RW", 1) ? "rw" : "ro",
			     prop && *prop ? "," : "", prop ? prop : "") < 0)
			abort();
		binds = strv_push(binds, spec);
	}
	json_object_foreach(t, dst, v)
	{
		_cleanup_free_ char *clean = path_clean(dst);
		json_array_append_new(extra, tmpfs_mount(clean, json_string_value(v), 0));
	}
	if (copied) {
		/* copy-up happens once: the volume keeps what the container writes after */
		pthread_mutex_lock(&eng->lock);
		json_array_foreach(c->mounts, i, m)
			if (!strcmp(json_str(m, "Type"), "volume"))
				json_object_set_new(m, "CopyData", json_false());
		container_save(eng, c);
		pthread_mutex_unlock(&eng->lock);
	}
	*ret_binds = binds;
	*ret_mounts = TAKE_PTR(extra);
	return 0;
fail:
	strv_free(binds);
	return -1;
}

/* ---- queries ---- */

json_t *mounts_inspect(const struct container *c)
{
	json_t *out = json_array(), *m;
	size_t i;

	json_array_foreach(c->mounts, i, m)
	{
		const char *type = json_str(m, "Type");
		json_t *o = json_pack("{s:s}", "Type", type);
		if (json_str(m, "Name"))
			json_object_set_new(o, "Name", json_string(json_str(m, "Name")));
		json_object_set_new(o, "Source", json_string(json_str(m, "Source") ?: ""));
		json_object_set_new(o, "Destination", json_string(json_str(m, "Destination")));
		if (json_str(m, "Driver"))
			json_object_set_new(o, "Driver", json_string(json_str(m, "Driver")));
		json_object_set_new(o, "Mode", json_string(json_str(m, "Mode") ?: ""));
		json_object_set_new(o, "RW", json_boolean(json_bool(m, "RW", 1)));
		json_object_set_new(o, "Propagation", json_string(json_str(m, "Propagation") ?: ""));
		json_array_append_new(out, o);
	}
	return out;
}

json_t *mounts_volume_users(struct engine *eng, const char *name)
{
	json_t *out = json_array(), *m;
	size_t i;

	pthread_mutex_lock(&eng->lock);
	for (size_t k = 0; k < eng->nctrs; k++) {
		struct container *c = eng->ctrs[k];
		json_array_foreach(c->mounts, i, m)
		{
			const char *n = json_str(m, "Name");
			if (n && !strcmp(n, name) && !strcmp(json_str(m, "Type"), "volume")) {
				json_array_append_new(out, json_string(c->id));
				break;
			}
		}
	}
	pthread_mutex_unlock(&eng->lock);
	return out;
}
