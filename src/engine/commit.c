/* docker diff and docker commit: both read the container's overlay upper directory. A 0/0
 * character device there is a deleted file, a directory with trusted.overlay.opaque=y hides
 * what the image had below it; commit turns both into the OCI ".wh." entries of a new layer. */
#include "ctrfs.h"
#include "ctrfs-internal.h"
#include "engine-internal.h"
#include "events.h"
#include "../common/cleanup.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../common/strv.h"
#include "../image/import.h"
#include "../image/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

enum { KIND_MODIFY = 0, KIND_ADD = 1, KIND_DELETE = 2 };

struct differ {
	int *lowers; /* O_PATH fds of the image's layer directories, topmost first */
	size_t nlowers;
	json_t *changes;
	json_t *changed_dirs;
};

/* What docker's init layer holds: mount points the runtime makes in the upper directory
 * (berth has no init layer), not changes of the container's. */
static const char *const init_paths[] = {
    "/dev",        "/dev/pts",  "/dev/shm",        "/dev/console", "/dev/mqueue",
    "/proc",       "/sys",      "/etc/resolv.conf", "/etc/hosts",   "/etc/hostname",
    "/.dockerenv", "/etc/mtab", NULL,
};

static int is_init_path(const char *path, const struct stat *st)
{
	if (!S_ISDIR(st->st_mode) && !(S_ISREG(st->st_mode) && st->st_size == 0))
		return 0;
	for (const char *const *p = init_paths; *p; p++)
		if (!strcmp(*p, path))
			return 1;
	return 0;
}

static int is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* The path as the image's layers show it: found in the topmost layer that has it (a
 * whiteout there means the image has no such file). */
static int lower_stat(struct differ *d, const char *path, struct stat *ret)
{
	for (size_t i = 0; i < d->nlowers; i++) {
		_cleanup_close_ int fd = open_in_root(d->lowers[i], path, O_PATH);
		struct stat st;
		if (fd < 0) {
			_cleanup_close_ int wfd = open_in_root(d->lowers[i], path, O_PATH | O_NOFOLLOW);
			if (wfd >= 0 && fstat(wfd, &st) == 0 && is_whiteout(&st))
				return -1;
			continue;
		}
		if (fstat(fd, &st) < 0 || is_whiteout(&st))
			return -1;
		*ret = st;
		return 0;
	}
	return -1;
}

static void add_change(struct differ *d, const char *path, int kind)
{
	json_array_append_new(d->changes, json_pack("{s:s, s:i}", "Path", path, "Kind", kind));
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **sorted_names(int dfd)
{
	int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	_cleanup_closedir_ DIR *dir = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	char **names = calloc(1, sizeof(char *));
	struct dirent *de;

	if (!dir) {
		if (dup_fd >= 0)
			close(dup_fd);
		return names;
	}
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			names = strv_push(names, de->d_name);
	qsort(names, strv_len(names), sizeof(char *), name_cmp);
	return names;
}

/* An opaque directory hides the image's entries below it: each is a deletion. */
static void opaque_deletions(struct differ *d, int upper_dfd, const char *path)
{
	json_auto_t *seen = json_object();

	for (size_t i = 0; i < d->nlowers; i++) {
		_cleanup_close_ int fd = open_in_root(d->lowers[i], path, O_RDONLY | O_DIRECTORY);
		_cleanup_strv_ char **names = NULL;
		if (fd < 0)
			continue;
		names = sorted_names(fd);
		for (char **n = names; *n; n++) {
			struct stat st;
			if (json_object_get(seen, *n) ||
			    fstatat(upper_dfd, *n, &st, AT_SYMLINK_NOFOLLOW) == 0)
				continue;
			json_object_set_new(seen, *n, json_true());
			if (fstatat(fd, *n, &st, AT_SYMLINK_NOFOLLOW) == 0 && is_whiteout(&st))
				continue;
			_cleanup_free_ char *p = NULL;
			if (asprintf(&p, "%s/%s", path, *n) < 0)
				abort();
			add_change(d, p, KIND_DELETE);
		}
	}
}

/* archive.collectChanges with overlay whiteouts, over the upper directory `dfd` at `rel`. */
static void diff_dir(struct differ *d, int dfd, const char *rel)
{
	_cleanup_strv_ char **names = sorted_names(dfd);

	for (char **n = names; *n; n++) {
		_cleanup_free_ char *path = NULL;
		struct stat st, lst;
		int kind = KIND_ADD, record = 1;

		if (asprintf(&path, "%s/%s", rel, *n) < 0)
			abort();
		if (fstatat(dfd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (is_whiteout(&st)) {
			kind = KIND_DELETE;
		} else if (lower_stat(d, path, &lst) < 0 && is_init_path(path, &st)) {
			record = 0;
		} else if (lower_stat(d, path, &lst) == 0) {
			/* a directory that is only there as the parent of a change is not one */
			if (S_ISDIR(st.st_mode) && S_ISDIR(lst.st_mode) && st.st_size == lst.st_size &&
			    st.st_mode == lst.st_mode && st.st_mtim.tv_sec == lst.st_mtim.tv_sec &&
			    st.st_mtim.tv_nsec == lst.st_mtim.tv_nsec)
				record = 0;
			kind = KIND_MODIFY;
		}
		if (record && S_ISDIR(st.st_mode))
			json_object_set_new(d->changed_dirs, path, json_true());
		if (record && kind != KIND_MODIFY) {
			const char *slash = strrchr(path, '/');
			_cleanup_free_ char *parent = strndup(path, (size_t)(slash - path));
			if (*parent && !json_object_get(d->changed_dirs, parent)) {
				add_change(d, parent, KIND_MODIFY);
				json_object_set_new(d->changed_dirs, parent, json_true());
			}
		}
		if (record)
			add_change(d, path, kind);
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int sub =
			    openat(dfd, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			char v[2];
			if (sub < 0)
				continue;
			if (kind == KIND_MODIFY &&
			    fgetxattr(sub, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y')
				opaque_deletions(d, sub, path);
			diff_dir(d, sub, path);
		}
	}
}

static int not_with_vfs(struct engine *eng, const char *what, eng_error_t *err)
{
	if (strcmp(image_store_driver(eng->images), "vfs"))
		return 0;
	return eng_error_make(err, ENOSYS, ERR_NOT_IMPLEMENTED,
			      "%s is not implemented for the vfs storage driver", what);
}

/* Opens the image's layer directories of c (topmost first). */
static int differ_open(struct engine *eng, struct container *c, struct differ *d,
		       eng_error_t *err)
{
	_cleanup_strv_ char **lowers = image_rootfs_lower_paths(eng->images, c->id, err);

	if (!lowers)
		return -1;
	d->nlowers = strv_len(lowers);
	d->lowers = calloc(d->nlowers + 1, sizeof(int));
	for (size_t i = 0; i < d->nlowers; i++)
		d->lowers[i] = open(lowers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
	return 0;
}

static void differ_close(struct differ *d)
{
	for (size_t i = 0; i < d->nlowers; i++)
		if (d->lowers[i] >= 0)
			close(d->lowers[i]);
	free(d->lowers);
	json_decref(d->changes);
	json_decref(d->changed_dirs);
	memset(d, 0, sizeof(*d));
}

json_t *engine_container_changes(struct engine *eng, struct container *c, eng_error_t *err)
{
	_cleanup_free_ char *upper = NULL;
	_cleanup_close_ int upper_fd = -1;
	struct differ d = {0};
	json_t *out = NULL;

	if (not_with_vfs(eng, "docker diff", err) < 0)
		return NULL;
	pthread_mutex_lock(&c->op_lock); /* not removed meanwhile */
	upper = image_rootfs_upper_path(eng->images, c->id);
	if (differ_open(eng, c, &d, err) < 0)
		goto out;
	upper_fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (upper_fd < 0) {
		eng_error_make(err, errno, ERR_INTERNAL, "opening %s: %m", upper);
		goto out;
	}
	d.changes = json_array();
	d.changed_dirs = json_object();
	diff_dir(&d, upper_fd, "");
	out = TAKE_PTR(d.changes);
out:
	pthread_mutex_unlock(&c->op_lock);
	differ_close(&d);
	return out;
}

/* ---- commit ---- */

static int fd_write(void *ctx, const void *buf, size_t len)
{
	int fd = *(int *)ctx;
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int no_begin(void *ctx, const json_t *stat)
{
	(void)ctx;
	(void)stat;
	return 0;
}

struct layer_writer {
	struct differ *lowers;
	int upper_fd, out_fd;
	pthread_t thread;
	eng_error_t err;
	int rc;
};

/* The runtime's mount points are not part of the image (docker's init layer is not
 * committed either). */
static int skip_init_path(void *ctx, const char *arcname, const struct stat *st)
{
	struct differ *d = ctx;
	_cleanup_free_ char *path = NULL;
	struct stat lst;

	if (asprintf(&path, "/%s", arcname) < 0)
		abort();
	return is_init_path(path, st) && lower_stat(d, path, &lst) < 0;
}

static void *write_layer(void *arg)
{
	struct layer_writer *w = arg;
	struct ctr_sink sink = {&w->out_fd, no_begin, fd_write};
	struct tarw t;

	tarw_open(&t, &sink);
	t.whiteouts = 1;
	t.skip = skip_init_path;
	t.skip_ctx = w->lowers;
	w->rc = tarw_tree(&t, w->upper_fd, "");
	if (tarw_close(&t, &w->err) < 0)
		w->rc = -1;
	close(w->out_fd);
	return NULL;
}

/* docker's merge(): the committed config keeps what the container had where the request's
 * config is silent. */
static void merge_config(json_t *user, const json_t *ctr)
{
	json_t *v, *x;
	const char *k;
	size_t i;

	if (!*(json_str(user, "User") ?: ""))
		json_object_set(user, "User", json_object_get(ctr, "User") ?: json_string(""));
	v = json_object_get(user, "ExposedPorts");
	if (!json_is_object(v) || !json_object_size(v)) {
		if (json_object_get(ctr, "ExposedPorts"))
			json_object_set_new(user, "ExposedPorts",
					    json_deep_copy(json_object_get(ctr, "ExposedPorts")));
	} else {
		json_object_foreach(json_object_get(ctr, "ExposedPorts"), k, x)
		    if (!json_object_get(v, k)) json_object_set_new(v, k, json_object());
	}
	v = json_object_get(user, "Env");
	if (!json_is_array(v) || !json_array_size(v)) {
		json_object_set_new(user, "Env", json_deep_copy(json_object_get(ctr, "Env")));
	} else {
		json_array_foreach(json_object_get(ctr, "Env"), i, x)
		{
			const char *e = json_string_value(x);
			size_t kl = strcspn(e ? e : "", "=");
			int found = 0;
			json_t *y;
			size_t j;
			json_array_foreach(v, j, y)
			{
				const char *u = json_string_value(y);
				if (u && strcspn(u, "=") == kl && !strncmp(u, e, kl))
					found = 1;
			}
			if (e && !found)
				json_array_append(v, x);
		}
	}
	v = json_object_get(user, "Labels");
	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(user, "Labels", v);
	}
	json_object_foreach(json_object_get(ctr, "Labels"), k, x)
	    if (!json_object_get(v, k)) json_object_set(v, k, x);
	if (!json_array_size(json_object_get(user, "Entrypoint"))) {
		if (!json_array_size(json_object_get(user, "Cmd")))
			json_object_set(user, "Cmd", json_object_get(ctr, "Cmd") ?: json_null());
		if (!json_is_array(json_object_get(user, "Entrypoint")))
			json_object_set(user, "Entrypoint",
					json_object_get(ctr, "Entrypoint") ?: json_null());
	}
	if (!*(json_str(user, "WorkingDir") ?: ""))
		json_object_set(user, "WorkingDir",
				json_object_get(ctr, "WorkingDir") ?: json_string(""));
	v = json_object_get(user, "Volumes");
	if (!json_is_object(v) || !json_object_size(v)) {
		if (json_object_get(ctr, "Volumes"))
			json_object_set_new(user, "Volumes",
					    json_deep_copy(json_object_get(ctr, "Volumes")));
	} else {
		json_object_foreach(json_object_get(ctr, "Volumes"), k, x)
		    json_object_set(v, k, x);
	}
	if (!*(json_str(user, "StopSignal") ?: "") && json_object_get(ctr, "StopSignal"))
		json_object_set(user, "StopSignal", json_object_get(ctr, "StopSignal"));
	if (!json_object_get(user, "Healthcheck") && json_object_get(ctr, "Healthcheck"))
		json_object_set(user, "Healthcheck", json_object_get(ctr, "Healthcheck"));
}

static char *joined_cmd(const json_t *cfg)
{
	json_t *cmd = json_object_get(cfg, "Cmd"), *x;
	char *out = strdup("");
	size_t i;

	json_array_foreach(cmd, i, x)
	{
		char *next = NULL;
		if (asprintf(&next, "%s%s%s", out, i ? " " : "", json_string_value(x) ?: "") < 0)
			abort();
		free(out);
		out = next;
	}
	return out;
}

int engine_container_commit(struct engine *eng, struct container *c,
			    const struct commit_opts *o, char ret_id[72], eng_error_t *err)
{
	json_auto_t *cfg = NULL, *ctr_cfg = NULL;
	_cleanup_free_ char *upper = NULL, *created_by = NULL;
	char image_id[72];
	int paused = 0, rc = -1, sv[2] = {-1, -1};
	struct layer_writer w = {.upper_fd = -1};
	struct differ lowers = {0};
	struct image_commit_opts io;
	enum ctr_status status;

	if (not_with_vfs(eng, "docker commit", err) < 0)
		return -1;
	pthread_mutex_lock(&eng->lock);
	status = c->status;
	ctr_cfg = json_deep_copy(c->config);
	snprintf(image_id, sizeof(image_id), "%s", c->image_id);
	pthread_mutex_unlock(&eng->lock);
	if (status == CTR_DEAD)
		return eng_error_make(err, EINVAL, ERR_CONFLICT,
				      "You cannot commit container %s which is Dead", c->id);
	if (status == CTR_REMOVING)
		return eng_error_make(err, EBUSY, ERR_CONFLICT,
				      "You cannot commit container %s which is being removed",
				      c->id);
	cfg = o->config && json_is_object(o->config) ? json_deep_copy(o->config)
						    : json_deep_copy(ctr_cfg);
	for (char *const *ch = o->changes; ch && *ch; ch++)
		if (image_apply_change(cfg, *ch, err) < 0)
			return -1;
	merge_config(cfg, ctr_cfg);
	created_by = joined_cmd(ctr_cfg);

	if (o->pause && status == CTR_RUNNING) {
		eng_error_t perr;
		if (engine_container_pause(eng, c, &perr) == 0)
			paused = 1;
	}
	pthread_mutex_lock(&c->op_lock); /* not removed meanwhile */
	upper = image_rootfs_upper_path(eng->images, c->id);
	if (differ_open(eng, c, &lowers, err) < 0)
		goto out;
	w.lowers = &lowers;
	w.upper_fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.upper_fd < 0) {
		eng_error_make(err, errno, ERR_INTERNAL, "opening %s: %m", upper);
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		eng_error_make(err, errno, ERR_INTERNAL, "socketpair: %m");
		goto out;
	}
	w.out_fd = sv[1];
	if (pthread_create(&w.thread, NULL, write_layer, &w) != 0) {
		close(sv[1]);
		eng_error_make(err, EAGAIN, ERR_INTERNAL, "starting the layer writer");
		goto out;
	}
	io = (struct image_commit_opts){
	    .parent_id = image_id,
	    .container_id = c->id,
	    .repo_tag = o->repo_tag,
	    .author = o->author,
	    .comment = o->comment,
	    .created_by = created_by,
	    .config = cfg,
	    .container_config = ctr_cfg,
	};
	rc = image_commit(eng->images, &io, sv[0], ret_id, err);
	close(sv[0]); /* a writer still going gets EPIPE and stops */
	sv[0] = -1;
	pthread_join(w.thread, NULL);
	if (rc == 0 && w.rc < 0) {
		/* the store took a short stream: report the writer's error */
		*err = w.err;
		rc = -1;
	}
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (w.upper_fd >= 0)
		close(w.upper_fd);
	differ_close(&lowers);
	pthread_mutex_unlock(&c->op_lock);
	if (paused) {
		eng_error_t uerr;
		if (engine_container_unpause(eng, c, &uerr) < 0)
			log_warn("container %.12s: unpausing after commit: %s", c->id, uerr.msg);
	}
	if (rc == 0)
		engine_container_event(eng, c, "commit",
				       json_pack("{s:s, s:s, s:s}", "comment",
						 o->comment ? o->comment : "", "imageID", ret_id,
						 "imageRef", o->repo_tag ? o->repo_tag : ""));
	return rc;
}
