/* berth-untar: unpacks one layer stream into a directory it cannot leave.
 *
 *   berth-untar [--vfs] [--tee FILE] TARGET  < layer(.tar|.tar.gz|.tar.zst|...)
 *   berth-untar --plain [--no-overwrite-dir-nondir] [--chown UID:GID] TARGET  < archive
 *
 * It chroot()s into TARGET first, so whatever the archive says ("..", absolute names, links
 * through symlinks) nothing is written outside it; libarchive's secure flags refuse those
 * entries too, so a hostile layer fails loudly instead of being silently rewritten. The
 * stream is decompressed here (gzip, zstd, xz, bzip2 or none, detected from the data) and
 * the SHA-256 of the uncompressed stream, read to its very end (padding included), is the
 * layer's diff ID. On success it prints "sha256:<hex> <bytes>" (bytes: the sum of the
 * regular files' sizes) and exits 0; otherwise a message on stderr and exit 1.
 *
 * --tee FILE (opened before the chroot, must not exist) receives the uncompressed stream.
 * --vfs applies whiteouts by deleting (for a TARGET that holds a copy of the parent layer);
 * without it they become overlayfs whiteouts (0/0 char devices, trusted.overlay.opaque).
 *
 * --plain is docker cp's upload (PUT /containers/{id}/archive) into a directory of a
 * container: ".wh." names are ordinary files and device nodes are refused (a 0/0 one would
 * be a whiteout in the container's upper layer). --no-overwrite-dir-nondir refuses to
 * replace a directory with a non-directory or the other way round; --chown gives every entry
 * that owner instead of the archive's.
 *
 * The input is opened (and an external decompressor, if libarchive needs one, started) and
 * glibc's iconv configuration loaded before the chroot: nothing from inside TARGET is ever
 * executed or loaded (the CVE-2019-14271 class). */
#include "../image/tarpath.h"
#include "../common/digest.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define BUF_SIZE (128 * 1024)

struct untar {
	struct archive *raw;  /* decompressed stdin */
	struct archive *tar;  /* tar entries read from `raw` */
	struct archive *disk; /* archive_write_disk into "/" (the chroot) */
	sha256_ctx *sha;
	int tee_fd;
	int vfs;
	int plain, no_overwrite_dir_nondir;
	long chown_uid, chown_gid; /* -1: keep the archive's */
	json_t *written; /* names written by this layer (vfs opaque directories keep them) */
	char buf[BUF_SIZE];
	long long size;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("berth-untar: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void write_all_fd(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("writing the layer copy: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Every uncompressed byte goes through here: hashed, copied to --tee, given to `tar`. */
static ssize_t raw_read(struct archive *a, void *ctx, const void **ret)
{
	struct untar *u = ctx;
	la_ssize_t n = archive_read_data(u->raw, u->buf, sizeof(u->buf));

	(void)a;
	if (n < 0)
		die("reading the layer: %s", archive_error_string(u->raw));
	if (n > 0) {
		sha256_update(u->sha, u->buf, (size_t)n);
		if (u->tee_fd >= 0)
			write_all_fd(u->tee_fd, u->buf, (size_t)n);
	}
	*ret = u->buf;
	return n;
}

static void open_streams(struct untar *u)
{
	struct archive_entry *e;

	u->raw = archive_read_new();
	archive_read_support_filter_all(u->raw);
	archive_read_support_format_raw(u->raw);
	if (archive_read_open_fd(u->raw, 0, BUF_SIZE) != ARCHIVE_OK ||
	    archive_read_next_header(u->raw, &e) != ARCHIVE_OK)
		die("reading the layer: %s", archive_error_string(u->raw) ?: "empty stream");
	u->tar = archive_read_new();
	archive_read_support_format_tar(u->tar);
	if (archive_read_open(u->tar, u, NULL, raw_read, NULL) != ARCHIVE_OK)
		die("reading the layer: %s", archive_error_string(u->tar));
	u->disk = archive_write_disk_new();
	archive_write_disk_set_options(
	    u->disk, ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	                 ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_UNLINK |
	                 ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_XATTR |
	                 ARCHIVE_EXTRACT_TIME);
}

static void write_header(struct untar *u, struct archive_entry *e)
{
	if (archive_write_header(u->disk, e) < ARCHIVE_WARN)
		die("extracting %s: %s", archive_entry_pathname(e), archive_error_string(u->disk));
}

/* Removes everything in `dir` this layer did not write: an opaque directory hides the
 * lower layers' contents (vfs only; overlayfs does it with the xattr). */
static void empty_dir(struct untar *u, const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(*dir ? dir : ".");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&p, "%s%s%s", dir, *dir ? "/" : "", de->d_name) < 0)
			abort();
		if (json_object_get(u->written, p))
			continue;
		eng_error_t err;
		if (rm_rf(p, &err) < 0)
			die("applying opaque directory %s: %s", dir, err.msg);
	}
}

static void make_whiteout(struct untar *u, struct archive_entry *src, const char *target)
{
	struct archive_entry *e;

	if (u->vfs) {
		eng_error_t err;
		if (rm_rf(target, &err) < 0 && err.errnum != ENOENT)
			die("applying whiteout %s: %s", target, err.msg);
		return;
	}
	e = archive_entry_new();
	archive_entry_set_pathname(e, target);
	archive_entry_set_filetype(e, AE_IFCHR);
	archive_entry_set_perm(e, 0);
	archive_entry_set_rdev(e, makedev(0, 0));
	archive_entry_set_uid(e, archive_entry_uid(src));
	archive_entry_set_gid(e, archive_entry_gid(src));
	write_header(u, e);
	archive_write_finish_entry(u->disk);
	archive_entry_free(e);
}

static void make_opaque(struct untar *u, const char *dir)
{
	if (u->vfs) {
		empty_dir(u, dir);
		return;
	}
	if (*dir) {
		_cleanup_free_ char *copy = strdup(dir);
		eng_error_t err;
		/* the directory entry normally comes first; create it when it did not */
		if (mkdir_p(copy, 0755, &err) < 0)
			die("creating %s: %s", dir, err.msg);
	}
	if (setxattr(*dir ? dir : ".", "trusted.overlay.opaque", "y", 1, 0) < 0)
		die("marking %s opaque: %s", dir, strerror(errno));
}

/* Layers must not smuggle overlayfs' own attributes (redirects, metacopy, opaque). */
static void drop_overlay_xattrs(struct archive_entry *e)
{
	const char *name;
	const void *val;
	size_t len;
	int n = archive_entry_xattr_reset(e), keep = 0;
	struct {
		char *name;
		void *val;
		size_t len;
	} *kept = calloc((size_t)n + 1, sizeof(*kept));

	if (n == 0) {
		free(kept);
		return;
	}
	while (archive_entry_xattr_next(e, &name, &val, &len) == ARCHIVE_OK) {
		if (!strncmp(name, "trusted.overlay.", 16))
			continue;
		kept[keep].name = strdup(name);
		kept[keep].val = malloc(len + 1);
		memcpy(kept[keep].val, val, len);
		kept[keep].len = len;
		keep++;
	}
	archive_entry_xattr_clear(e);
	for (int i = 0; i < keep; i++) {
		archive_entry_xattr_add_entry(e, kept[i].name, kept[i].val, kept[i].len);
		free(kept[i].name);
		free(kept[i].val);
	}
	free(kept);
}

static void copy_data(struct untar *u, struct archive_entry *e)
{
	const void *block;
	size_t len;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(u->tar, &block, &len, &off)) == ARCHIVE_OK) {
		if (archive_write_data_block(u->disk, block, len, off) < ARCHIVE_WARN)
			die("extracting %s: %s", archive_entry_pathname(e),
			    archive_error_string(u->disk));
	}
	if (r != ARCHIVE_EOF)
		die("reading %s: %s", archive_entry_pathname(e), archive_error_string(u->tar));
}

/* Refuses names whose directories pass through a symlink: libarchive would replace the
 * link (ARCHIVE_EXTRACT_UNLINK), silently changing what the archive meant; an archive
 * that does this is hostile or broken, and docker calls it a breakout too. */
static void check_no_symlink_parent(const char *clean, const char *orig)
{
	_cleanup_free_ char *p = strdup(clean);
	struct stat st;

	for (char *slash = strchr(p, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
			die("refusing to extract %s through the symlink %s", orig, p);
		*slash = '/';
	}
}

static void extract_entry(struct untar *u, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	const char *link = archive_entry_hardlink(e);
	_cleanup_free_ char *clean = NULL, *clean_link = NULL, *target = NULL;
	mode_t type = archive_entry_filetype(e);
	int kind;

	if (!name || tarpath_clean(name, &clean) < 0)
		die("refusing entry with an unsafe path: %s", name ? name : "(none)");
	if (!*clean)
		return; /* the root directory itself keeps the layer directory's metadata */
	check_no_symlink_parent(clean, name);
	kind = u->plain ? TARPATH_PLAIN : tarpath_whiteout(clean, &target);
	if (kind < 0)
		die("refusing malformed whiteout: %s", name);
	if (kind == TARPATH_SKIP)
		return;
	if (kind == TARPATH_WHITEOUT) {
		make_whiteout(u, e, target);
		return;
	}
	if (kind == TARPATH_OPAQUE) {
		make_opaque(u, target);
		return;
	}
	if (link) {
		if (tarpath_clean(link, &clean_link) < 0 || !*clean_link)
			die("refusing hardlink %s to a path outside the layer: %s", name, link);
		check_no_symlink_parent(clean_link, link);
		archive_entry_set_hardlink(e, clean_link);
	}
	if (type == AE_IFBLK || (type == AE_IFCHR && (u->plain || archive_entry_rdev(e) != 0)))
		die("refusing device node: %s", name);
	if (u->no_overwrite_dir_nondir) {
		struct stat st;
		if (lstat(clean, &st) == 0 && S_ISDIR(st.st_mode) && type != AE_IFDIR)
			die("cannot overwrite directory \"/%s\" with non-directory \"%s\"", clean,
			    name);
		if (lstat(clean, &st) == 0 && !S_ISDIR(st.st_mode) && type == AE_IFDIR)
			die("cannot overwrite non-directory \"/%s\" with directory \"%s\"", clean,
			    name);
	}
	if (u->chown_uid >= 0) {
		archive_entry_set_uid(e, u->chown_uid);
		archive_entry_set_gid(e, u->chown_gid);
	}
	if (type == AE_IFCHR) {
		/* a 0/0 character device is already an overlay whiteout */
		make_whiteout(u, e, clean);
		return;
	}
	archive_entry_set_pathname(e, clean);
	drop_overlay_xattrs(e);
	if (u->vfs)
		json_object_set_new(u->written, clean, json_true());
	write_header(u, e);
	if (type == AE_IFREG && !link) {
		u->size += archive_entry_size(e);
		copy_data(u, e);
	}
	if (archive_write_finish_entry(u->disk) < ARCHIVE_WARN)
		die("extracting %s: %s", name, archive_error_string(u->disk));
}

/* libarchive converts names between UTF-8 and the locale's charset with iconv; glibc reads
 * its gconv configuration (and could dlopen a module it names) on first use, which must
 * happen here, from the host's files, and not after the chroot. */
static void load_iconv(void)
{
	static const char *pairs[][2] = {
	    {"UTF-8", "ANSI_X3.4-1968"}, {"ANSI_X3.4-1968", "UTF-8"},
	    {"UTF-8", "ISO-8859-1"},     {"ISO-8859-1", "UTF-8"},
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(*pairs); i++) {
		iconv_t cd = iconv_open(pairs[i][0], pairs[i][1]);
		if (cd != (iconv_t)-1)
			iconv_close(cd);
	}
}

static void usage(void)
{
	fputs("usage: berth-untar [--vfs] [--tee FILE] TARGET < layer\n"
	      "       berth-untar --plain [--no-overwrite-dir-nondir] [--chown UID:GID] TARGET < "
	      "archive\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct untar u = {.tee_fd = -1, .chown_uid = -1, .chown_gid = -1};
	struct archive_entry *e;
	const char *target = NULL;
	char hex[65];
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--vfs"))
			u.vfs = 1;
		else if (!strcmp(argv[i], "--plain"))
			u.plain = 1;
		else if (!strcmp(argv[i], "--no-overwrite-dir-nondir"))
			u.no_overwrite_dir_nondir = 1;
		else if (!strcmp(argv[i], "--chown") && i + 1 < argc) {
			if (sscanf(argv[++i], "%ld:%ld", &u.chown_uid, &u.chown_gid) != 2 ||
			    u.chown_uid < 0 || u.chown_gid < 0)
				usage();
		}
		else if (!strcmp(argv[i], "--tee") && i + 1 < argc) {
			u.tee_fd = open(argv[++i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (u.tee_fd < 0)
				die("creating %s: %s", argv[i], strerror(errno));
		} else if (argv[i][0] == '-' || target)
			usage();
		else
			target = argv[i];
	}
	if (!target)
		usage();
	u.sha = sha256_new();
	u.written = json_object();
	load_iconv();
	open_streams(&u);
	if (chdir(target) < 0 || chroot(".") < 0 || chdir("/") < 0)
		die("entering %s: %s", target, strerror(errno));
	umask(022); /* for parents the archive does not list; listed entries keep their mode */
	while ((r = archive_read_next_header(u.tar, &e)) == ARCHIVE_OK)
		extract_entry(&u, e);
	if (r != ARCHIVE_EOF)
		die("reading the layer: %s", archive_error_string(u.tar));
	if (archive_write_close(u.disk) != ARCHIVE_OK)
		die("finishing the layer: %s", archive_error_string(u.disk));
	/* the diff ID covers the whole stream, the zero blocks after the end marker too */
	while (1) {
		const void *p;
		if (raw_read(u.tar, &u, &p) <= 0)
			break;
	}
	if (u.tee_fd >= 0 && fsync(u.tee_fd) < 0)
		die("writing the layer copy: %s", strerror(errno));
	sha256_final_hex(u.sha, hex);
	printf("sha256:%s %lld\n", hex, u.size);
	return fflush(stdout) == 0 ? 0 : 1;
}
