/* Copy-up of image content into a new volume. Everything goes through directory fds with
 * O_NOFOLLOW and *at() calls, and the source is opened with RESOLVE_IN_ROOT: a symlink in
 * the image never leads the copy outside the container's root filesystem. */
#include "copy.h"
#include "../common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int openat2_in_root(int root, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

static void copy_meta(int fd, const struct stat *st)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	if (fchown(fd, st->st_uid, st->st_gid) < 0) {
		/* keep going: the mode and times still matter */
	}
	fchmod(fd, st->st_mode & 07777);
	futimens(fd, ts);
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st,
		     eng_error_t *err)
{
	_cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	off_t left = st->st_size;

	if (in < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "copy-up: opening %s: %m", name);
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "copy-up: creating %s: %m", name);
	while (left > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL))
			n = sendfile(out, in, NULL, (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return eng_error_make(err, errno, ERR_INTERNAL, "copy-up: copying %s: %m",
					      name);
		if (n == 0)
			break;
		left -= n;
	}
	copy_meta(out, st);
	return 0;
}

static int copy_dir(int sdir, int ddir, eng_error_t *err);

static int copy_entry(int sdir, int ddir, const char *name, eng_error_t *err)
{
	struct stat st;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "copy-up: %s: %m", name);
	if (S_ISREG(st.st_mode))
		return copy_file(sdir, ddir, name, &st, err);
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int s = -1, d = -1;
		if (mkdirat(ddir, name, 0700) < 0 && errno != EEXIST)
			return eng_error_make(err, errno, ERR_INTERNAL, "copy-up: mkdir %s: %m",
					      name);
		s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return eng_error_make(err, errno, ERR_INTERNAL, "copy-up: opening %s: %m",
					      name);
		if (copy_dir(s, d, err) < 0)
			return -1;
		copy_meta(d, &st);
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);
		struct timespec ts[2] = {st.st_atim, st.st_mtim};
		if (n < 0)
			return eng_error_make(err, errno, ERR_INTERNAL, "copy-up: readlink %s: %m",
					      name);
		target[n] = 0;
		if (symlinkat(target, ddir, name) < 0)
			return eng_error_make(err, errno, ERR_INTERNAL, "copy-up: symlink %s: %m",
					      name);
		fchownat(ddir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
		utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW);
		return 0;
	}
	/* devices, fifos, sockets */
	if (mknodat(ddir, name, st.st_mode, st.st_rdev) < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "copy-up: mknod %s: %m", name);
	fchownat(ddir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
	fchmodat(ddir, name, st.st_mode & 07777, 0);
	return 0;
}

static int copy_dir(int sdir, int ddir, eng_error_t *err)
{
	/* fdopendir takes its fd: give it a duplicate, the caller keeps sdir */
	int fd = fcntl(sdir, F_DUPFD_CLOEXEC, 3);
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return eng_error_make(err, errno, ERR_INTERNAL, "copy-up: reading a directory: %m");
	}
	while (rc == 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			rc = copy_entry(sdir, ddir, de->d_name, err);
	closedir(d);
	return rc;
}

static int dir_is_empty(int fd)
{
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
	struct dirent *de;
	int empty = 1;

	if (!d) {
		if (dup >= 0)
			close(dup);
		return 0;
	}
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

int volume_copy_up(const char *rootfs, const char *src_in_root, const char *dst,
		   eng_error_t *err)
{
	_cleanup_close_ int root = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int src = -1;
	_cleanup_close_ int out = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (root < 0 || out < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "copy-up into %s: %m", dst);
	src = openat2_in_root(root, src_in_root);
	if (src < 0)
		return 0; /* nothing there in the image (or not a directory): nothing to copy */
	if (!dir_is_empty(out) || fstat(src, &st) < 0)
		return 0;
	if (copy_dir(src, out, err) < 0)
		return eng_error_wrap(err, "copying image content of %s", src_in_root);
	copy_meta(out, &st);
	return 0;
}
