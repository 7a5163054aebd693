/* docker cp, export and diff: a container's files, reached through a directory fd on its
 * root and never by host path strings the container could redirect.
 *
 * A running container is reached through /proc/<pid>/root, so its volumes and bind mounts
 * appear at their container paths, as docker shows them; a stopped one gets its root
 * filesystem mounted for the operation and unmounted after, as docker does. c->op_lock is
 * held throughout, so a start or stop cannot change what the fd means underneath.
 *
 * Reading: paths are opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) and trees
 * walked with openat(O_NOFOLLOW) and fstatat(AT_SYMLINK_NOFOLLOW): a component swapped for a
 * symlink mid-walk is archived as the symlink it now is (CVE-2018-15664). Writing: the
 * target directory is resolved the same way and berth-untar chroot()s into it through
 * /proc/<berthd>/fd/<n>; nothing from the container runs or is loaded (CVE-2019-14271). */
#include "ctrfs.h"
#include "ctrfs-internal.h"
#include "engine-internal.h"
#include "events.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../common/spawn.h"
#include "../image/store.h"
#include "../runtime/oci.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

int open_in_root(int root_fd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, root_fd, *path ? path : "/", &how, sizeof(how));
}

/* ---- access to the container's root ---- */

static int same_inode(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int ctrfs_open(struct engine *eng, struct container *c, int with_mounts, struct ctrfs *fs,
	       eng_error_t *err)
{
	_cleanup_free_ char *merged = NULL;
	pid_t pid = 0;
	int removing;

	memset(fs, 0, sizeof(*fs));
	fs->root_fd = -1;
	pthread_mutex_lock(&c->op_lock);
	pthread_mutex_lock(&eng->lock);
	if (c->status == CTR_RUNNING || c->status == CTR_PAUSED)
		pid = c->pid;
	removing = c->status == CTR_REMOVING || c->removed;
	pthread_mutex_unlock(&eng->lock);
	if (removing) {
		pthread_mutex_unlock(&c->op_lock);
		return eng_error_make(err, EBUSY, ERR_CONFLICT,
				      "container %s is marked for removal", c->id);
	}
	if (pid > 0 && with_mounts) {
		if (asprintf(&fs->root_path, "/proc/%d/root", (int)pid) < 0)
			abort();
		fs->root_fd = open(fs->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		/* the pid must still be the container's: its "/" is the overlay we mounted, not
		 * the root of whatever process got the pid after an exit */
		if (fs->root_fd >= 0 && image_rootfs_mount(eng->images, c->id, &merged, err) == 0 &&
		    same_inode(fs->root_fd, merged)) {
			fs->via_proc = 1;
			return 0;
		}
		if (fs->root_fd >= 0)
			close(fs->root_fd);
		fs->root_fd = -1;
		free(fs->root_path); /* it exited meanwhile: its root filesystem then */
		fs->root_path = NULL;
		free(merged);
		merged = NULL;
		pid = 0;
	}
	if (image_rootfs_mount(eng->images, c->id, &merged, err) < 0) {
		pthread_mutex_unlock(&c->op_lock);
		return -1;
	}
	fs->mounted = pid <= 0; /* a running container's mount belongs to its start */
	fs->root_fd = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fs->root_fd < 0) {
		eng_error_make(err, errno, ERR_INTERNAL, "opening %s: %m", merged);
		if (fs->mounted)
			image_rootfs_unmount(eng->images, c->id, NULL);
		pthread_mutex_unlock(&c->op_lock);
		return -1;
	}
	fs->root_path = TAKE_PTR(merged);
	return 0;
}

void ctrfs_close(struct engine *eng, struct container *c, struct ctrfs *fs)
{
	eng_error_t err;

	if (fs->root_fd >= 0)
		close(fs->root_fd);
	if (fs->mounted && image_rootfs_unmount(eng->images, c->id, &err) < 0)
		log_warn("container %.12s: %s", c->id, err.msg);
	free(fs->root_path);
	free(fs->prefix);
	fs->root_fd = -1;
	fs->root_path = NULL;
	fs->prefix = NULL;
	pthread_mutex_unlock(&c->op_lock);
}

/* ---- paths as docker treats them ---- */

/* "/" + path, cleaned, keeping a trailing "/" or "/." (archive.PreserveTrailingDotOrSeparator). */
static char *abs_path(const char *path)
{
	_cleanup_free_ char *joined = NULL, *clean = NULL;
	size_t n = strlen(path);
	char *out;

	if (asprintf(&joined, "/%s", path) < 0)
		abort();
	clean = path_clean(joined);
	size_t cl = strlen(clean);
	int dot = n >= 2 && !strcmp(path + n - 2, "/.");
	int slash = n >= 1 && path[n - 1] == '/';
	if (dot && !(cl >= 2 && !strcmp(clean + cl - 2, "/.")))
		out = cl == 1 ? strdup("/.") : (asprintf(&out, "%s/.", clean) < 0 ? NULL : out);
	else if (slash && clean[cl - 1] != '/')
		out = asprintf(&out, "%s/", clean) < 0 ? NULL : out;
	else
		out = strdup(clean);
	if (!out)
		abort();
	return out;
}

/* Go's filepath.Base. */
static char *go_base(const char *p)
{
	size_t n = strlen(p);
	const char *s;

	while (n > 1 && p[n - 1] == '/')
		n--;
	if (n == 1 && p[0] == '/')
		return strdup("/");
	s = memrchr(p, '/', n);
	s = s ? s + 1 : p;
	return strndup(s, (size_t)(p + n - s));
}

/* symlink.FollowSymlinkInScope: every link along `path` followed inside the root, as far as
 * the path exists; the rest is kept as written. */
char *follow_in_scope(int root_fd, const char *path)
{
	_cleanup_free_ char *todo = strdup(path);
	char *out = strdup("");
	int links = 0;

	while (*todo) {
		char *slash = strchr(todo, '/');
		_cleanup_free_ char *comp = slash ? strndup(todo, (size_t)(slash - todo))
						  : strdup(todo);
		_cleanup_free_ char *rest = strdup(slash ? slash + 1 : "");
		_cleanup_free_ char *cand = NULL;
		_cleanup_close_ int fd = -1;
		struct stat st;
		char target[PATH_MAX];
		ssize_t tl;

		free(todo);
		todo = TAKE_PTR(rest);
		if (!*comp || !strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			char *last = strrchr(out, '/');
			if (last)
				*last = 0;
			continue;
		}
		if (asprintf(&cand, "%s/%s", out, comp) < 0)
			abort();
		fd = open_in_root(root_fd, cand, O_PATH | O_NOFOLLOW);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode) && ++links <= 255 &&
		    (tl = readlinkat(fd, "", target, sizeof(target) - 1)) > 0) {
			char *next = NULL;
			target[tl] = 0;
			if (target[0] == '/')
				out[0] = 0;
			if (asprintf(&next, "%s/%s", target, todo) < 0)
				abort();
			free(todo);
			todo = next;
			continue;
		}
		free(out);
		out = TAKE_PTR(cand);
	}
	if (!*out) {
		free(out);
		out = strdup("/");
	}
	return out;
}

/* A stopped container's volumes and binds are not mounted: a path under one of them is
 * served from the mount's source, which then becomes the root (a link there cannot leave
 * the volume). Returns the path to use with fs->root_fd (caller frees). */
static char *mount_path(struct engine *eng, struct container *c, struct ctrfs *fs,
			const char *abs)
{
	_cleanup_free_ char *copy = strdup(abs), *parent = NULL, *where = NULL, *src = NULL;
	_cleanup_free_ char *dst = NULL;
	size_t n = strlen(copy), best = 0;
	const char *suffix = "";
	json_t *m;
	size_t i;
	int fd;

	if (fs->via_proc)
		return strdup(abs);
	/* the last component is looked at as written: stat and archive do not follow it */
	if (n > 2 && !strcmp(copy + n - 2, "/.")) {
		suffix = "/.";
		copy[n - 2] = 0;
	} else if (n > 1 && copy[n - 1] == '/') {
		suffix = "/";
		copy[n - 1] = 0;
	}
	char *slash = strrchr(copy, '/');
	*slash = 0;
	parent = follow_in_scope(fs->root_fd, *copy ? copy : "/");
	if (asprintf(&where, "%s%s%s", strcmp(parent, "/") ? parent : "", "/", slash + 1) < 0)
		abort();
	pthread_mutex_lock(&eng->lock);
	json_array_foreach(c->mounts, i, m)
	{
		const char *d = json_str(m, "Destination") ?: "", *s = json_str(m, "Source") ?: "";
		size_t dl = strlen(d);
		if (!*s || dl <= 1 || dl <= best || strncmp(where, d, dl) ||
		    (where[dl] && where[dl] != '/'))
			continue;
		best = dl;
		free(src);
		free(dst);
		src = strdup(s);
		dst = strdup(d);
	}
	pthread_mutex_unlock(&eng->lock);
	if (!src || (fd = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return strdup(abs);
	close(fs->root_fd);
	fs->root_fd = fd;
	free(fs->prefix);
	fs->prefix = TAKE_PTR(dst);
	char *out = NULL;
	if (asprintf(&out, "/%s%s", where + best + (where[best] == '/'), suffix) < 0)
		abort();
	return out;
}

/* os.FileMode bits, as Go's JSON of ContainerPathStat carries them. */
static uint32_t go_mode(mode_t m)
{
	uint32_t r = m & 0777;

	switch (m & S_IFMT) {
	case S_IFDIR: r |= 1u << 31; break;
	case S_IFLNK: r |= 1u << 27; break;
	case S_IFBLK: r |= 1u << 26; break;
	case S_IFCHR: r |= (1u << 26) | (1u << 21); break;
	case S_IFIFO: r |= 1u << 25; break;
	case S_IFSOCK: r |= 1u << 24; break;
	}
	if (m & S_ISUID)
		r |= 1u << 23;
	if (m & S_ISGID)
		r |= 1u << 22;
	if (m & S_ISVTX)
		r |= 1u << 20;
	return r;
}

static int not_found(eng_error_t *err, const char *name, const char *path)
{
	return eng_error_make(err, ENOENT, ERR_NOT_FOUND, "Could not find the file %s in container %s",
			      path, name);
}

/* Opens `abs` without following a final symlink (O_PATH) and stats it. */
static int open_path(struct ctrfs *fs, const char *name, const char *path, const char *abs,
		     struct stat *st, eng_error_t *err)
{
	int fd = open_in_root(fs->root_fd, abs, O_PATH | O_NOFOLLOW);

	if (fd < 0 || fstat(fd, st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (e == ENOENT)
			return not_found(err, name, path);
		return eng_error_make(err, e, ERR_INTERNAL, "lstat %s: %s", abs, strerror(e));
	}
	return fd;
}

static json_t *stat_json(struct ctrfs *fs, const char *abs, const char *at,
			 const struct stat *st)
{
	_cleanup_free_ char *base = go_base(abs), *target = NULL;
	char mtime[40];

	int64_t ns = (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
	if (ns == 0)
		snprintf(mtime, sizeof(mtime), "1970-01-01T00:00:00Z"); /* not Go's zero time */
	else
		format_time_ns(ns, mtime);
	if (S_ISLNK(st->st_mode)) {
		target = follow_in_scope(fs->root_fd, at);
		if (fs->prefix) {
			char *full = NULL;
			if (asprintf(&full, "%s%s", fs->prefix, strcmp(target, "/") ? target : "") <
			    0)
				abort();
			free(target);
			target = full;
		}
	}
	return json_pack("{s:s, s:I, s:I, s:s, s:s}", "name", base, "size", (json_int_t)st->st_size,
			 "mode", (json_int_t)go_mode(st->st_mode), "mtime", mtime, "linkTarget",
			 target ? target : "");
}

json_t *engine_container_path_stat(struct engine *eng, struct container *c, const char *name,
				   const char *path, eng_error_t *err)
{
	_cleanup_free_ char *abs = abs_path(path), *at = NULL;
	struct ctrfs fs;
	struct stat st;
	json_t *out = NULL;
	int fd;

	if (ctrfs_open(eng, c, 1, &fs, err) < 0)
		return NULL;
	at = mount_path(eng, c, &fs, abs);
	fd = open_path(&fs, name, path, at, &st, err);
	if (fd >= 0) {
		out = stat_json(&fs, abs, at, &st);
		close(fd);
	}
	ctrfs_close(eng, c, &fs);
	return out;
}

/* ---- tar writing ---- */

static la_ssize_t sink_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
	struct tarw *t = ctx;

	(void)a;
	if (t->sink->write(t->sink->ctx, buf, len) < 0) {
		t->gone = 1;
		return -1;
	}
	return (la_ssize_t)len;
}

void tarw_open(struct tarw *t, const struct ctr_sink *sink)
{
	memset(t, 0, sizeof(*t));
	t->sink = sink;
	t->inodes = json_object();
	t->a = archive_write_new();
	archive_write_set_format_pax_restricted(t->a);
	archive_write_set_bytes_in_last_block(t->a, 1);
	archive_write_open(t->a, t, NULL, sink_write, NULL);
}

int tarw_close(struct tarw *t, eng_error_t *err)
{
	int rc = archive_write_close(t->a) == ARCHIVE_OK && !t->failed ? 0 : -1;

	if (rc < 0 && !t->failed)
		eng_error_make(err, EIO, ERR_INTERNAL, "writing the archive: %s",
			       archive_error_string(t->a) ?: "client gone");
	else if (rc < 0)
		*err = t->err;
	archive_write_free(t->a);
	json_decref(t->inodes);
	return rc;
}

static int tar_fail(struct tarw *t, const char *what)
{
	if (!t->failed) {
		t->failed = 1;
		eng_error_make(&t->err, EIO, ERR_INTERNAL, "archiving %s: %s", what,
			       t->gone ? "client gone" : archive_error_string(t->a) ?: "error");
	}
	return -1;
}

static int write_empty_file(struct tarw *t, const char *arcname, const struct stat *like)
{
	struct archive_entry *e = archive_entry_new();
	int rc;

	archive_entry_set_pathname(e, arcname);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_uid(e, like->st_uid);
	archive_entry_set_gid(e, like->st_gid);
	archive_entry_set_mtime(e, like->st_mtim.tv_sec, like->st_mtim.tv_nsec);
	archive_entry_set_size(e, 0);
	rc = archive_write_header(t->a, e) < ARCHIVE_WARN ? tar_fail(t, arcname) : 0;
	archive_entry_free(e);
	return rc;
}

/* /proc, /sys and friends inside a running container are not files to copy. */
static int is_virtual_fs(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return 0;
	return sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC ||
	       sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC ||
	       sf.f_type == DEVPTS_SUPER_MAGIC;
}

static int tar_dir(struct tarw *t, int dfd, const char *prefix);

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Archives the object `fd` (O_PATH, never a followed link) with stat `st` as `arcname`. */
static int tar_obj(struct tarw *t, int fd, const struct stat *st, const char *arcname)
{
	struct archive_entry *e;
	char target[PATH_MAX], key[64];
	_cleanup_close_ int data_fd = -1, dir_fd = -1;
	int rc = 0;

	if (S_ISSOCK(st->st_mode))
		return 0; /* as docker: sockets are not archived */
	if (t->skip && *arcname && t->skip(t->skip_ctx, arcname, st))
		return 0;
	if (t->whiteouts && S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0)) {
		/* an overlay whiteout becomes the OCI ".wh.<name>" */
		_cleanup_free_ char *wh = NULL;
		const char *slash = strrchr(arcname, '/');
		if (asprintf(&wh, "%.*s.wh.%s", slash ? (int)(slash - arcname + 1) : 0, arcname,
			     slash ? slash + 1 : arcname) < 0)
			abort();
		return write_empty_file(t, wh, st);
	}
	e = archive_entry_new();
	archive_entry_copy_stat(e, st);
	archive_entry_set_pathname(e, arcname);
	archive_entry_set_ino(e, 0);
	archive_entry_set_nlink(e, 0);
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
		if (n < 0)
			goto skip;
		target[n] = 0;
		archive_entry_set_symlink(e, target);
	} else if (S_ISREG(st->st_mode)) {
		char self[64];
		if (st->st_nlink > 1) {
			json_t *first;
			snprintf(key, sizeof(key), "%lu:%lu", (unsigned long)st->st_dev,
				 (unsigned long)st->st_ino);
			first = json_object_get(t->inodes, key);
			if (first) {
				archive_entry_set_hardlink(e, json_string_value(first));
				archive_entry_set_size(e, 0);
				goto header;
			}
			json_object_set_new(t->inodes, key, json_string(arcname));
		}
		/* reopens this very inode: O_PATH fds cannot be read */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		data_fd = open(self, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (data_fd < 0)
			goto skip; /* unreadable: docker fails the copy; a missing entry is kinder */
	} else if (S_ISDIR(st->st_mode)) {
		dir_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir_fd < 0)
			goto skip;
	}
header:
	if (*arcname && archive_write_header(t->a, e) < ARCHIVE_WARN) {
		archive_entry_free(e);
		return tar_fail(t, arcname);
	}
	archive_entry_free(e);
	if (data_fd >= 0) {
		char buf[64 * 1024];
		int64_t left = st->st_size;
		while (left > 0) {
			ssize_t n = read(data_fd, buf, left < (int64_t)sizeof(buf) ? (size_t)left
										: sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				/* it shrank while we read: the header promised st_size bytes */
				memset(buf, 0, sizeof(buf));
				n = left < (int64_t)sizeof(buf) ? left : (int64_t)sizeof(buf);
			}
			if (archive_write_data(t->a, buf, (size_t)n) < 0)
				return tar_fail(t, arcname);
			left -= n;
		}
	}
	if (dir_fd >= 0) {
		if (t->whiteouts) {
			char v[2];
			if (fgetxattr(dir_fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 &&
			    v[0] == 'y') {
				_cleanup_free_ char *opq = NULL;
				if (asprintf(&opq, "%s%s.wh..wh..opq", arcname, *arcname ? "/" : "") <
				    0)
					abort();
				if (write_empty_file(t, opq, st) < 0)
					return -1;
			}
		}
		if (t->skip_virtual && is_virtual_fs(dir_fd))
			return 0;
		rc = tar_dir(t, dir_fd, arcname);
	}
	return rc;
skip:
	archive_entry_free(e);
	return 0;
}

/* Every entry of the directory `dfd`, in name order, as "<prefix>/<name>". */
static int tar_dir(struct tarw *t, int dfd, const char *prefix)
{
	int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	_cleanup_closedir_ DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = 0;

	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return 0;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = realloc(names, cap * sizeof(char *));
		}
		names[n++] = strdup(de->d_name);
	}
	if (n)
		qsort(names, n, sizeof(char *), name_cmp);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *arc = NULL;
		_cleanup_close_ int fd = -1;
		struct stat st;
		if (rc < 0)
			break;
		if (asprintf(&arc, "%s%s%s", prefix,
			     *prefix && prefix[strlen(prefix) - 1] != '/' ? "/" : "", names[i]) < 0)
			abort();
		fd = openat(dfd, names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			continue; /* gone meanwhile */
		rc = tar_obj(t, fd, &st, arc);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int tarw_tree(struct tarw *t, int dir_fd, const char *prefix)
{
	struct stat st;
	_cleanup_close_ int fd = openat(dir_fd, ".", O_PATH | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		return tar_fail(t, prefix);
	return tar_obj(t, fd, &st, prefix);
}

/* ---- docker cp ---- */

int engine_container_archive_get(struct engine *eng, struct container *c, const char *name,
				 const char *path, const struct ctr_sink *sink, eng_error_t *err)
{
	_cleanup_free_ char *abs = abs_path(path), *base = go_base(abs), *at = NULL;
	_cleanup_close_ int fd = -1;
	json_auto_t *stat = NULL;
	struct ctrfs fs;
	struct tarw t;
	struct stat st;
	int rc;

	if (ctrfs_open(eng, c, 1, &fs, err) < 0)
		return -1;
	at = mount_path(eng, c, &fs, abs);
	fd = open_path(&fs, name, path, at, &st, err);
	if (fd < 0) {
		ctrfs_close(eng, c, &fs);
		return -1;
	}
	stat = stat_json(&fs, abs, at, &st);
	if (sink->begin(sink->ctx, stat) < 0) {
		ctrfs_close(eng, c, &fs);
		return eng_error_make(err, EPIPE, ERR_INTERNAL, "client gone");
	}
	tarw_open(&t, sink);
	t.skip_virtual = 1;
	/* a directory's entries go under its base name, "/" itself under "." */
	rc = tar_obj(&t, fd, &st, strcmp(base, "/") ? base : ".");
	rc = tarw_close(&t, err) < 0 ? -1 : rc;
	ctrfs_close(eng, c, &fs);
	if (rc == 0)
		engine_container_event(eng, c, "archive-path", NULL);
	return rc;
}

/* docker refuses writes into read-only volumes and a read-only root filesystem. */
static int check_writable(struct engine *eng, struct container *c, const char *resolved,
			  eng_error_t *err)
{
	json_t *m;
	size_t i, best = 0;
	int rw = -1, ro_root;

	pthread_mutex_lock(&eng->lock);
	ro_root = json_bool(c->host_config, "ReadonlyRootfs", 0);
	json_array_foreach(c->mounts, i, m)
	{
		const char *d = json_str(m, "Destination");
		size_t dl = d ? strlen(d) : 0;
		while (dl > 1 && d[dl - 1] == '/')
			dl--;
		if (!d || dl <= best || strncmp(resolved, d, dl) ||
		    (resolved[dl] && resolved[dl] != '/' && dl > 1))
			continue;
		best = dl;
		rw = json_bool(m, "RW", 1);
	}
	pthread_mutex_unlock(&eng->lock);
	if (rw == 0)
		return eng_error_make(err, EROFS, ERR_INVALID, "mounted volume is marked read-only");
	if (rw < 0 && ro_root)
		return eng_error_make(err, EROFS, ERR_INVALID,
				      "container rootfs is marked read-only");
	return 0;
}

int engine_container_archive_put(struct engine *eng, struct container *c, const char *name,
				 const char *path, int in_fd, int copy_uidgid,
				 int no_overwrite_dir_nondir, eng_error_t *err)
{
	_cleanup_free_ char *abs = abs_path(path), *resolved = NULL, *user = NULL, *at = NULL;
	_cleanup_free_ char *target = NULL, *owner = NULL, *out = NULL, *errout = NULL;
	_cleanup_close_ int fd = -1;
	struct ctrfs fs;
	struct stat st;
	char *argv[8];
	int argc = 0, status, rc = -1;

	if (ctrfs_open(eng, c, 1, &fs, err) < 0)
		return -1;
	/* the last component too: extracting "into" a link to a directory is allowed */
	at = mount_path(eng, c, &fs, abs);
	fd = open_in_root(fs.root_fd, at, O_PATH);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (errno == ENOENT)
			not_found(err, name, path);
		else
			eng_error_make(err, errno, ERR_INTERNAL, "lstat %s: %m", abs);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		eng_error_make(err, ENOTDIR, ERR_INVALID, "extraction point is not a directory");
		goto out;
	}
	resolved = follow_in_scope(fs.root_fd, at);
	if (fs.prefix) {
		char *full = NULL;
		if (asprintf(&full, "%s%s", fs.prefix, strcmp(resolved, "/") ? resolved : "") < 0)
			abort();
		free(resolved);
		resolved = full;
	}
	if (check_writable(eng, c, resolved, err) < 0)
		goto out;
	pthread_mutex_lock(&eng->lock);
	user = copy_uidgid ? strdup(json_str(c->config, "User") ?: "") : NULL;
	pthread_mutex_unlock(&eng->lock);
	if (user && *user) {
		uid_t uid;
		gid_t gid, *groups = NULL;
		size_t ng = 0;
		if (oci_resolve_user(fs.root_path, user, &uid, &gid, &groups, &ng, err) < 0) {
			err->kind = ERR_INVALID;
			goto out;
		}
		free(groups);
		if (asprintf(&owner, "%u:%u", (unsigned)uid, (unsigned)gid) < 0)
			abort();
	}
	if (asprintf(&target, "/proc/%d/fd/%d", (int)getpid(), fd) < 0)
		abort();
	argv[argc++] = (char *)image_store_untar_path(eng->images);
	argv[argc++] = "--plain";
	if (no_overwrite_dir_nondir)
		argv[argc++] = "--no-overwrite-dir-nondir";
	if (owner) {
		argv[argc++] = "--chown";
		argv[argc++] = owner;
	}
	argv[argc++] = target;
	argv[argc] = NULL;
	if (spawn_run(argv, in_fd, &out, &errout, &status, err) < 0)
		goto out;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		const char *msg = errout ? errout : "";
		if (!strncmp(msg, "berth-untar: ", 13))
			msg += 13;
		eng_error_make(err, EIO, ERR_INTERNAL, "%.*s", (int)strcspn(msg, "\n"),
			       *msg ? msg : "extracting the archive failed");
		goto out;
	}
	rc = 0;
out:
	ctrfs_close(eng, c, &fs);
	if (rc == 0)
		engine_container_event(eng, c, "extract-to-dir", NULL);
	return rc;
}

/* ---- export ---- */

int engine_container_export(struct engine *eng, struct container *c,
			    const struct ctr_sink *sink, eng_error_t *err)
{
	struct ctrfs fs;
	struct tarw t;
	int rc;

	if (ctrfs_open(eng, c, 0, &fs, err) < 0)
		return -1;
	if (sink->begin(sink->ctx, NULL) < 0) {
		ctrfs_close(eng, c, &fs);
		return eng_error_make(err, EPIPE, ERR_INTERNAL, "client gone");
	}
	tarw_open(&t, sink);
	rc = tarw_tree(&t, fs.root_fd, "");
	rc = tarw_close(&t, err) < 0 ? -1 : rc;
	ctrfs_close(eng, c, &fs);
	if (rc == 0)
		engine_container_event(eng, c, "export", NULL);
	return rc;
}
