/* The local volume driver: directories under <data-root>/volumes with a JSON document each. */
#include "store.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct volume_store {
	pthread_mutex_t lock;
	char *root;     /* <data-root>/volumes */
	json_t *docs;   /* name -> document */
	json_t *active; /* name -> number of users of a mounted volume */
};

static char *volume_dir(struct volume_store *s, const char *name)
{
	return path_join(s->root, name);
}

static char *data_dir(struct volume_store *s, const char *name)
{
	_cleanup_free_ char *d = volume_dir(s, name);
	return path_join(d, "_data");
}

static json_t *object_or_empty(const json_t *o)
{
	return json_is_object(o) ? json_deep_copy(o) : json_object();
}

static struct volume *volume_from_doc(struct volume_store *s, const char *name, const json_t *doc)
{
	struct volume *v = calloc(1, sizeof(*v));
	if (!v)
		abort();
	v->name = strdup(name);
	v->driver = strdup(json_str(doc, "Driver") ?: "local");
	v->mountpoint = data_dir(s, name);
	v->created_ns = json_int(doc, "Created", 0);
	v->labels = object_or_empty(json_object_get(doc, "Labels"));
	v->options = object_or_empty(json_object_get(doc, "Options"));
	return v;
}

void volume_free(struct volume *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->driver);
	free(v->mountpoint);
	json_decref(v->labels);
	json_decref(v->options);
	free(v);
}

void volume_list_free(struct volume **list)
{
	for (struct volume **p = list; p && *p; p++)
		volume_free(*p);
	free(list);
}

int volume_store_open(const char *data_root, struct volume_store **ret, eng_error_t *err)
{
	struct volume_store *s = calloc(1, sizeof(*s));
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (!s)
		abort();
	pthread_mutex_init(&s->lock, NULL);
	s->root = path_join(data_root, "volumes");
	s->docs = json_object();
	s->active = json_object();
	if (mkdir_p(s->root, 0701, err) < 0) {
		volume_store_free(s);
		return -1;
	}
	d = opendir(s->root);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *dir = volume_dir(s, de->d_name);
		_cleanup_free_ char *path = path_join(dir, "volume.json");
		json_t *doc = json_read_file(path, NULL);
		if (!json_is_object(doc)) {
			/* a create that never finished: nothing of it is kept */
			json_decref(doc);
			rm_rf(dir, NULL);
			continue;
		}
		json_object_set_new(s->docs, de->d_name, doc);
	}
	*ret = s;
	return 0;
}

void volume_store_free(struct volume_store *s)
{
	if (!s)
		return;
	json_decref(s->docs);
	json_decref(s->active);
	free(s->root);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int volume_name_check(const char *name, eng_error_t *err)
{
	int ok = isalnum((unsigned char)name[0]);

	if (strlen(name) == 1)
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "volume name is too short, names should be at least two "
				      "alphanumeric characters");
	for (const char *p = name + 1; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-';
	if (!ok)
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "\"%s\" includes invalid characters for a local volume name, "
				      "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you "
				      "intended to pass a host directory, use absolute path",
				      name);
	return 0;
}

int volume_opts_check(const json_t *opts, eng_error_t *err)
{
	/* docker's local driver: each option needs its partners */
	static const char *const mandatory[][2] = {
		{"device", "type"}, {"type", "device"}, {"o", "device"}};
	const char *k;
	json_t *v;

	if (!json_is_object(opts))
		return 0;
	json_object_foreach((json_t *)opts, k, v)
	{
		if (strcmp(k, "type") && strcmp(k, "device") && strcmp(k, "o") && strcmp(k, "size"))
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid option: \"%s\"", k);
		if (!json_is_string(v))
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "json: cannot unmarshal non-string into Go value of "
					      "type string");
	}
	if (json_object_get(opts, "size"))
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "quota size requested but no quota support");
	for (size_t i = 0; i < sizeof(mandatory) / sizeof(*mandatory); i++)
		if (json_object_get(opts, mandatory[i][0]) && !json_object_get(opts, mandatory[i][1]))
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "missing required option: \"%s\"", mandatory[i][1]);
	return 0;
}

/* Writes a new volume's directory and document; s->lock held. Returns the document
 * (borrowed from s->docs). */
static json_t *create_locked(struct volume_store *s, const char *name, int anonymous,
			     const json_t *opts, const json_t *labels, eng_error_t *err)
{
	_cleanup_free_ char *dir = volume_dir(s, name);
	_cleanup_free_ char *data = path_join(dir, "_data");
	_cleanup_free_ char *path = path_join(dir, "volume.json");
	json_auto_t *lab = object_or_empty(labels);
	json_t *doc;

	if (anonymous)
		json_object_set_new(lab, VOLUME_ANON_LABEL, json_string(""));
	doc = json_pack("{s:s, s:s, s:I, s:O, s:o}", "Name", name, "Driver", "local", "Created",
			(json_int_t)now_ns(), "Labels", lab, "Options", object_or_empty(opts));
	if (mkdir_p(data, 0755, err) < 0 || json_write_atomic(path, doc, err) < 0) {
		rm_rf(dir, NULL);
		json_decref(doc);
		return NULL;
	}
	json_object_set_new(s->docs, name, doc);
	return doc;
}

struct volume *volume_create(struct volume_store *s, const char *name, const json_t *opts,
			     const json_t *labels, int *ret_created, eng_error_t *err)
{
	char anon[65];
	int anonymous = !name || !*name, created = 0;
	json_t *doc;
	struct volume *v = NULL;

	if (anonymous) {
		random_hex_id(anon);
		name = anon;
	}
	if (volume_name_check(name, err) < 0 || volume_opts_check(opts, err) < 0) {
		eng_error_wrap(err, "create %s", name);
		return NULL;
	}
	pthread_mutex_lock(&s->lock);
	doc = json_object_get(s->docs, name);
	if (!doc && (doc = create_locked(s, name, anonymous, opts, labels, err)))
		created = 1;
	if (doc)
		v = volume_from_doc(s, name, doc);
	pthread_mutex_unlock(&s->lock);
	if (!v)
		eng_error_wrap(err, "create %s", name);
	if (ret_created)
		*ret_created = created;
	return v;
}

struct volume *volume_get(struct volume_store *s, const char *name, eng_error_t *err)
{
	struct volume *v = NULL;
	json_t *doc;

	pthread_mutex_lock(&s->lock);
	doc = json_object_get(s->docs, name);
	if (doc)
		v = volume_from_doc(s, name, doc);
	pthread_mutex_unlock(&s->lock);
	if (!v)
		eng_error_make(err, ENOENT, ERR_NOT_FOUND, "get %s: no such volume", name);
	return v;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct volume *const *)a)->name, (*(struct volume *const *)b)->name);
}

struct volume **volume_list(struct volume_store *s)
{
	struct volume **out;
	const char *name;
	json_t *doc;
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	out = calloc(json_object_size(s->docs) + 1, sizeof(*out));
	if (!out)
		abort();
	json_object_foreach(s->docs, name, doc) out[n++] = volume_from_doc(s, name, doc);
	pthread_mutex_unlock(&s->lock);
	qsort(out, n, sizeof(*out), by_name);
	return out;
}

static int is_mountpoint(const char *path)
{
	struct stat st, parent;
	_cleanup_free_ char *up = path_join(path, "..");
	return stat(path, &st) == 0 && stat(up, &parent) == 0 &&
	       (st.st_dev != parent.st_dev || st.st_ino == parent.st_ino);
}

/* s->lock held. */
static int remove_locked(struct volume_store *s, const char *name, eng_error_t *err)
{
	_cleanup_free_ char *dir = volume_dir(s, name);
	_cleanup_free_ char *data = path_join(dir, "_data");
	_cleanup_free_ char *doc = path_join(dir, "volume.json");

	if (!json_object_get(s->docs, name))
		return eng_error_make(err, ENOENT, ERR_NOT_FOUND, "get %s: no such volume", name);
	/* a DriverOpts volume still mounted: the mounted data is not ours to delete */
	if (json_object_get(s->active, name) || is_mountpoint(data))
		umount2(data, MNT_DETACH);
	json_object_del(s->active, name);
	/* the document goes first: a crash half-way leaves no volume rather than a torn one */
	if (unlink(doc) < 0 && errno != ENOENT)
		return eng_error_make(err, errno, ERR_INTERNAL, "remove %s: %m", name);
	json_object_del(s->docs, name);
	if (rm_rf(dir, err) < 0)
		return eng_error_wrap(err, "remove %s", name);
	return 0;
}

int volume_remove(struct volume_store *s, const char *name, eng_error_t *err)
{
	int rc;
	pthread_mutex_lock(&s->lock);
	rc = remove_locked(s, name, err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* mount(8)-style "o=" options: the flags mount(2) takes as bits, the rest as data. */
static unsigned long split_mount_opts(const char *o, char *data, size_t cap)
{
	static const struct {
		const char *name;
		unsigned long set, clear;
	} flags[] = {
		{"ro", MS_RDONLY, 0},       {"rw", 0, MS_RDONLY},     {"nosuid", MS_NOSUID, 0},
		{"suid", 0, MS_NOSUID},     {"nodev", MS_NODEV, 0},   {"dev", 0, MS_NODEV},
		{"noexec", MS_NOEXEC, 0},   {"exec", 0, MS_NOEXEC},   {"sync", MS_SYNCHRONOUS, 0},
		{"async", 0, MS_SYNCHRONOUS}, {"noatime", MS_NOATIME, 0}, {"atime", 0, MS_NOATIME},
		{"nodiratime", MS_NODIRATIME, 0}, {"relatime", MS_RELATIME, 0},
		{"strictatime", MS_STRICTATIME, 0}, {"bind", MS_BIND, 0},
		{"rbind", MS_BIND | MS_REC, 0}, {"defaults", 0, 0},
	};
	_cleanup_free_ char *copy = strdup(o ? o : "");
	unsigned long f = 0;
	size_t len = 0;

	data[0] = 0;
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof(flags) / sizeof(*flags); i++)
			if (!strcmp(t, flags[i].name))
				break;
		if (i < sizeof(flags) / sizeof(*flags)) {
			f = (f | flags[i].set) & ~flags[i].clear;
			continue;
		}
		len += (size_t)snprintf(data + len, cap > len ? cap - len : 0, "%s%s",
					len ? "," : "", t);
	}
	return f;
}

static int mount_opts_volume(json_t *opts, const char *path, eng_error_t *err)
{
	const char *type = json_str(opts, "type"), *device = json_str(opts, "device");
	const char *o = json_str(opts, "o");
	char data[4096];
	unsigned long flags = split_mount_opts(o, data, sizeof(data));

	if (mount(device, path, type, flags & ~MS_RDONLY, data[0] ? data : NULL) < 0)
		return eng_error_make(err, errno, ERR_INTERNAL,
				      "failed to mount local volume: mount %s:%s, flags: %#lx, "
				      "data: %s: %m",
				      device, path, flags, data);
	/* a bind ignores most flags on the first call; a remount applies them */
	if ((flags & MS_BIND) && (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)))
		mount(NULL, path, NULL, flags | MS_REMOUNT, NULL);
	else if (flags & MS_RDONLY)
		mount(NULL, path, NULL, flags | MS_REMOUNT, data[0] ? data : NULL);
	return 0;
}

/* One more user of the volume `name` (s->lock held). */
static int mount_locked(struct volume_store *s, const char *name, const char *path,
			eng_error_t *err)
{
	json_t *doc = json_object_get(s->docs, name), *opts;
	long long users;

	if (!doc)
		return eng_error_make(err, ENOENT, ERR_NOT_FOUND, "get %s: no such volume", name);
	opts = json_object_get(doc, "Options");
	if (!json_str(opts, "device"))
		return 0;
	users = json_integer_value(json_object_get(s->active, name));
	/* still mounted from before a daemon restart: use that mount */
	if (users == 0 && !is_mountpoint(path) && mount_opts_volume(opts, path, err) < 0)
		return eng_error_wrap(err, "error while mounting volume '%s'", path);
	json_object_set_new(s->active, name, json_integer(users + 1));
	return 0;
}

int volume_mount(struct volume_store *s, const char *name, char **ret_path, eng_error_t *err)
{
	_cleanup_free_ char *path = data_dir(s, name);
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = mount_locked(s, name, path, err);
	pthread_mutex_unlock(&s->lock);
	if (rc == 0)
		*ret_path = TAKE_PTR(path);
	return rc;
}

void volume_unmount(struct volume_store *s, const char *name)
{
	json_t *n;

	pthread_mutex_lock(&s->lock);
	n = json_object_get(s->active, name);
	if (n && json_integer_value(n) <= 1) {
		_cleanup_free_ char *path = data_dir(s, name);
		umount2(path, MNT_DETACH);
		json_object_del(s->active, name);
	} else if (n) {
		json_object_set_new(s->active, name, json_integer(json_integer_value(n) - 1));
	}
	pthread_mutex_unlock(&s->lock);
}

int volume_is_anonymous(const struct volume *v)
{
	return json_object_get(v->labels, VOLUME_ANON_LABEL) != NULL;
}

json_t *volume_to_json(const struct volume *v)
{
	char created[40];
	time_t t = (time_t)(v->created_ns / 1000000000LL);
	struct tm tm;

	/* docker's local driver shows seconds, RFC 3339 */
	gmtime_r(&t, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:o, s:s}", "CreatedAt", created, "Driver",
			 v->driver, "Labels",
			 json_object_size(v->labels) ? json_deep_copy(v->labels) : json_null(),
			 "Mountpoint", v->mountpoint, "Name", v->name, "Options",
			 json_object_size(v->options) ? json_deep_copy(v->options) : json_null(),
			 "Scope", "local");
}

int64_t volume_size(const struct volume *v)
{
	return dir_size(v->mountpoint);
}
