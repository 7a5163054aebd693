#include "archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "format.h"
#include "opts.h"
#include "values.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

/* ---- cp ---- */

DEFINE_CLEANUP(struct archive_entry, archive_entry_free)

/* Go's os.ModeDir in the path stat header's mode */
#define GO_MODE_DIR (1u << 31)

/* docker's splitCpArg: "CONTAINER:PATH", or a local path (absolute or starting with '.'
 * even when it has a colon). */
static bool split_cp_arg(const char *arg, char **ret_container, const char **ret_path)
{
	const char *colon = strchr(arg, ':');

	*ret_container = NULL;
	*ret_path = arg;
	if (arg[0] == '/' || arg[0] == '.' || !colon)
		return false;
	*ret_container = strndup(arg, colon - arg);
	*ret_path = colon + 1;
	return true;
}

/* HEAD /containers/ID/archive: the decoded X-Docker-Container-Path-Stat, or NULL with
 * *ret_status (404 when the path does not exist). */
static json_t *stat_path(const char *container, const char *path, int *ret_status)
{
	_cleanup_free_ char *ec = client_escape(container), *ep = client_escape(path), *req = NULL;
	struct client_resp r;
	json_t *st = NULL;

	*ret_status = 0;
	if (asprintf(&req, "/containers/%s/archive?path=%s", ec, ep) < 0)
		return NULL;
	if (client_request("HEAD", req, NULL, NULL, 0, &r) == 0) {
		*ret_status = r.status;
		if (r.status < 300 && r.path_stat) {
			_cleanup_free_ char *dec = cli_unbase64(r.path_stat, NULL);
			st = dec ? json_loads(dec, 0, NULL) : NULL;
		}
	}
	client_resp_close(&r);
	return st;
}

static bool is_dir_stat(json_t *st)
{
	return st && ((unsigned long long)json_int(st, "mode", 0) & GO_MODE_DIR);
}

/* "dir/." asks for a directory's contents rather than the directory */
static bool wants_contents(const char *path)
{
	size_t n = strlen(path);
	return n >= 2 && !strcmp(path + n - 2, "/.");
}

static void print_copied(long long bytes, const char *to, bool quiet)
{
	char sz[32];

	if (quiet)
		return;
	fmt_size_prec(bytes, 4, sz);
	fprintf(stderr, "Successfully copied %s to %s\n", sz, to);
}

struct tar_source {
	struct client_resp *r;
	long long bytes;
	char buf[65536];
};

static la_ssize_t tar_read(struct archive *a, void *arg, const void **ret_buf)
{
	struct tar_source *t = arg;
	ssize_t n = client_read(t->r, t->buf, sizeof(t->buf));

	(void)a;
	if (n > 0)
		t->bytes += n;
	*ret_buf = t->buf;
	return n < 0 ? -1 : n;
}

/* Where an entry of the daemon's archive goes: the archive's top component is replaced by
 * `target`. NULL for entries outside it. */
static char *rebase(const char *name, const char *root, const char *target)
{
	size_t rl = strlen(root);
	char *out = NULL;

	while (name[0] == '.' && name[1] == '/')
		name += 2;
	if (strncmp(name, root, rl) || (name[rl] && name[rl] != '/'))
		return NULL;
	if (asprintf(&out, "%s%s", target, name + rl) < 0)
		return NULL;
	return out;
}

/* Extracts the archive in `r` with its top component renamed `target` (docker's
 * RebaseArchiveEntries), or into `target` itself for `contents`. */
static int extract(struct client_resp *r, const char *target, bool contents, long long *bytes)
{
	struct tar_source src = {.r = r};
	struct archive *in = archive_read_new(), *out = archive_write_disk_new();
	struct archive_entry *e;
	_cleanup_free_ char *root = NULL;
	int ret = 0, rc;

	archive_read_support_format_tar(in);
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
	                                        ARCHIVE_EXTRACT_SECURE_NODOTDOT);
	if (archive_read_open(in, &src, NULL, tar_read, NULL) != ARCHIVE_OK) {
		fprintf(stderr, "%s\n", archive_error_string(in));
		ret = 1;
		goto out;
	}
	while ((rc = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e), *link = archive_entry_hardlink(e);
		if (!root) {
			while (name[0] == '.' && name[1] == '/')
				name += 2;
			root = strndup(name, strcspn(name, "/"));
		}
		_cleanup_free_ char *to = rebase(archive_entry_pathname(e), root, target);
		_cleanup_free_ char *lto = link ? rebase(link, root, target) : NULL;
		if (!to || (contents && !strcmp(to, target)))
			continue;
		archive_entry_set_pathname(e, to);
		if (lto)
			archive_entry_set_hardlink(e, lto);
		if (archive_write_header(out, e) != ARCHIVE_OK) {
			fprintf(stderr, "%s\n", archive_error_string(out));
			ret = 1;
			continue;
		}
		const void *buf;
		size_t n;
		la_int64_t off;
		while (archive_read_data_block(in, &buf, &n, &off) == ARCHIVE_OK)
			archive_write_data_block(out, buf, n, off);
		archive_write_finish_entry(out);
	}
	if (rc != ARCHIVE_EOF) {
		fprintf(stderr, "%s\n", archive_error_string(in));
		ret = 1;
	}
out:
	archive_read_free(in);
	archive_write_free(out);
	*bytes = src.bytes;
	return ret;
}

static int copy_from(const char *ctr, const char *src, const char *dst, bool follow, bool quiet)
{
	_cleanup_free_ char *ec = client_escape(ctr), *path = NULL, *ep = NULL, *target = NULL;
	_cleanup_json_ json_t *st = NULL;
	struct client_resp r;
	struct stat ds;
	long long bytes = 0;
	int status, ret;
	bool contents = wants_contents(src), dexists = stat(dst, &ds) == 0;

	if (follow && (st = stat_path(ctr, src, &status)) && json_str(st, "linkTarget") &&
	    *json_str(st, "linkTarget"))
		src = json_str(st, "linkTarget");
	ep = client_escape(src);
	if (asprintf(&path, "/containers/%s/archive?path=%s", ec, ep) < 0)
		return 1;
	if (!strcmp(dst, "-"))
		return client_download(path, STDOUT_FILENO, NULL);
	if (!dexists && dst[strlen(dst) - 1] == '/') {
		fprintf(stderr, "destination directory \"%s\" must exist\n", dst);
		return 1;
	}
	if (client_request("GET", path, NULL, NULL, 0, &r) < 0) {
		client_resp_close(&r);
		return 1;
	}
	if (r.status >= 400) {
		_cleanup_free_ char *msg = client_error_message(&r);
		fmt_daemon_error(msg);
		client_resp_close(&r);
		return 1;
	}
	_cleanup_free_ char *hdr = r.path_stat ? cli_unbase64(r.path_stat, NULL) : NULL;
	_cleanup_json_ json_t *sst = hdr ? json_loads(hdr, 0, NULL) : NULL;
	bool sdir = is_dir_stat(sst);
	if (dexists && S_ISDIR(ds.st_mode) && !contents) {
		_cleanup_free_ char *base = strdup(json_str(sst, "name") ? json_str(sst, "name")
		                                                         : src);
		target = path_join(dst, base);
	} else if (dexists && !S_ISDIR(ds.st_mode) && sdir) {
		fprintf(stderr, "cannot copy a directory to a file: %s\n", dst);
		client_resp_close(&r);
		return 1;
	} else
		target = strdup(dst);
	ret = extract(&r, target, contents && dexists, &bytes);
	client_resp_close(&r);
	if (!ret)
		print_copied(bytes, dst, quiet);
	return ret;
}

/* Adds `path` (and what is under it) to the archive as `name`; the top entry follows a
 * symlink when `follow`. Returns 0 or -1 after printing the error. */
static int tar_add(struct archive *a, const char *path, const char *name, bool follow)
{
	struct stat st;
	_cleanup_(archive_entry_freep) struct archive_entry *e = NULL;

	if ((follow ? stat(path, &st) : lstat(path, &st)) < 0) {
		fprintf(stderr, "lstat %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (*name) { /* "" is the top of a contents copy: only what is under it */
		e = archive_entry_new();
		archive_entry_copy_stat(e, &st);
		archive_entry_set_pathname(e, name);
		if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlink(path, target, sizeof(target) - 1);
			target[n > 0 ? n : 0] = 0;
			archive_entry_set_symlink(e, target);
		}
		if (archive_write_header(a, e) != ARCHIVE_OK) {
			fprintf(stderr, "%s\n", archive_error_string(a));
			return -1;
		}
		if (S_ISREG(st.st_mode)) {
			_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
			char buf[65536];
			ssize_t n;
			if (fd < 0) {
				fprintf(stderr, "open %s: %s\n", path, strerror(errno));
				return -1;
			}
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				archive_write_data(a, buf, n);
		}
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	_cleanup_closedir_ DIR *d = opendir(path);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *sub = NULL, *subname = NULL;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&sub, "%s/%s", path, de->d_name) < 0 ||
		    asprintf(&subname, "%s%s%s", name, *name ? "/" : "", de->d_name) < 0 ||
		    tar_add(a, sub, subname, false) < 0)
			return -1;
	}
	return 0;
}

/* The local `src` as a tar in an unlinked temporary file, its top entry named `name`. */
static int make_tar(const char *src, const char *name, bool follow, long long *ret_size)
{
	FILE *f = tmpfile();
	struct archive *a;
	int fd, ret;

	if (!f) {
		fprintf(stderr, "tmpfile: %s\n", strerror(errno));
		return -1;
	}
	fd = dup(fileno(f));
	fclose(f);
	a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_open_fd(a, fd);
	ret = tar_add(a, src, name, follow);
	archive_write_close(a);
	archive_write_free(a);
	*ret_size = lseek(fd, 0, SEEK_CUR);
	if (ret < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int copy_to(const char *src, const char *ctr, const char *dst, bool follow, bool keep_ids,
                   bool quiet)
{
	_cleanup_free_ char *ec = client_escape(ctr), *path = NULL, *ep = NULL, *dir = NULL,
	                    *name = NULL, *to = NULL;
	_cleanup_json_ json_t *st = NULL;
	_cleanup_close_ int fd = -1;
	struct client_resp r;
	struct stat ss;
	long long size = 0;
	int status, ret = 0;
	bool from_stdin = !strcmp(src, "-");

	st = stat_path(ctr, dst, &status);
	if (from_stdin) {
		if (st && !is_dir_stat(st)) {
			fprintf(stderr, "destination \"%s:%s\" must be a directory\n", ctr, dst);
			return 1;
		}
		dir = strdup(dst);
	} else {
		if ((follow ? stat(src, &ss) : lstat(src, &ss)) < 0) {
			fprintf(stderr, "lstat %s: %s\n", src, strerror(errno));
			return 1;
		}
		_cleanup_free_ char *s1 = strdup(src), *d1 = strdup(dst), *d2 = strdup(dst);
		if (is_dir_stat(st)) { /* into the directory */
			dir = strdup(dst);
			name = strdup(wants_contents(src) ? "" : basename(s1));
		} else if (st && S_ISDIR(ss.st_mode)) {
			fprintf(stderr, "cannot copy a directory to a file: %s:%s\n", ctr, dst);
			return 1;
		} else { /* a new name, or a file to overwrite */
			dir = strdup(dirname(d1));
			name = strdup(basename(d2));
		}
		if ((fd = make_tar(src, name, follow, &size)) < 0)
			return 1;
	}
	ep = client_escape(dir);
	if (asprintf(&path, "/containers/%s/archive?path=%s&copyUIDGID=%d", ec, ep, keep_ids) < 0)
		return 1;
	if (client_request_fd("PUT", path, "application/x-tar", from_stdin ? STDIN_FILENO : fd,
	                      &r) < 0) {
		client_resp_close(&r);
		return 1;
	}
	if (r.status >= 400) {
		_cleanup_free_ char *msg = client_error_message(&r);
		fmt_daemon_error(msg);
		ret = 1;
	}
	client_resp_close(&r);
	if (!ret && !from_stdin && asprintf(&to, "%s:%s", ctr, dst) > 0)
		print_copied(size, to, quiet);
	return ret;
}

static const struct cli_cmd_ctx cp_ctx = {
    "cp", "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- "
          "CONTAINER:DEST_PATH"};

int cmd_cp(int argc, char **argv)
{
	bool archive_mode = false, follow = false, quiet = false;
	const struct cli_opt opts[] = {
	    {"archive", 'a', OPT_BOOL, &archive_mode, "Archive mode (copy all uid/gid information)"},
	    {"follow-link", 'L', OPT_BOOL, &follow, "Always follow symbol link in SRC_PATH"},
	    {"quiet", 'q', OPT_BOOL, &quiet, "Suppress progress output during copy"},
	    {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *sc = NULL, *dc = NULL;
	const char *sp, *dp;
	int r;

	CLI_PARSE(&cp_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&cp_ctx, args, 2, 2)))
		return r;
	split_cp_arg(args[0], &sc, &sp);
	split_cp_arg(args[1], &dc, &dp);
	if (!*sp || !*dp) {
		fprintf(stderr, "%s\n", !*sp ? "source can not be empty" : "destination can not be empty");
		return 1;
	}
	if (sc && dc) {
		fprintf(stderr, "copying between containers is not supported\n");
		return 1;
	}
	if (sc)
		return copy_from(sc, sp, dp, follow, quiet);
	if (dc)
		return copy_to(sp, dc, dp, follow, archive_mode, quiet);
	fprintf(stderr, "must specify at least one container source\n");
	return 1;
}

/* ---- diff / export / commit ---- */

static const struct cli_cmd_ctx diff_ctx = {"diff", "diff CONTAINER"};

int cmd_diff(int argc, char **argv)
{
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *path = NULL, *en = NULL;
	_cleanup_json_ json_t *changes = NULL;
	size_t i;
	json_t *c;
	int r;

	CLI_PARSE(&diff_ctx, argc, argv, NULL, false, &args);
	if ((r = cli_check_args(&diff_ctx, args, 1, 1)))
		return r;
	en = client_escape(args[0]);
	if (asprintf(&path, "/containers/%s/changes", en) < 0 ||
	    !(changes = client_call("GET", path, NULL)))
		return 1;
	json_array_foreach(changes, i, c)
	{
		long long kind = json_int(c, "Kind", 0);
		printf("%s %s\n", kind == 1 ? "A" : kind == 2 ? "D" : "C",
		       json_str(c, "Path") ? json_str(c, "Path") : "");
	}
	return 0;
}

static const struct cli_cmd_ctx export_ctx = {"export", "export [OPTIONS] CONTAINER"};

int cmd_export(int argc, char **argv)
{
	const char *output = NULL;
	const struct cli_opt opts[] = {
	    {"output", 'o', OPT_STRING, &output, "Write to a file, instead of STDOUT"}, {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *path = NULL, *en = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	CLI_PARSE(&export_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&export_ctx, args, 1, 1)))
		return r;
	if (!output && isatty(STDOUT_FILENO)) {
		fprintf(stderr,
		        "cowardly refusing to save to a terminal. Use the -o flag or redirect\n");
		return 1;
	}
	if (output && (fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		fprintf(stderr, "failed to export container: %s: %s\n", output, strerror(errno));
		return 1;
	}
	en = client_escape(args[0]);
	if (asprintf(&path, "/containers/%s/export", en) < 0)
		return 1;
	return client_download(path, fd >= 0 ? fd : STDOUT_FILENO, NULL);
}

static const struct cli_cmd_ctx commit_ctx = {"commit",
                                              "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]"};

int cmd_commit(int argc, char **argv)
{
	const char *author = "", *message = "";
	bool pause = true;
	_cleanup_strv_ char **args = NULL, **changes = NULL;
	const struct cli_opt opts[] = {
	    {"author", 'a', OPT_STRING, &author,
	     "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")"},
	    {"change", 'c', OPT_LIST, &changes, "Apply Dockerfile instruction to the created image"},
	    {"message", 'm', OPT_STRING, &message, "Commit message"},
	    {"pause", 'p', OPT_BOOL, &pause, "Pause container during commit"},
	    {0}};
	_cleanup_free_ char *path = NULL, *ec = NULL, *ea = NULL, *em = NULL, *repo = NULL,
	                    *tag = NULL, *er = NULL, *et = NULL;
	_cleanup_json_ json_t *resp = NULL;
	int r;

	CLI_PARSE(&commit_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&commit_ctx, args, 1, 2)))
		return r;
	if (args[1]) {
		const char *slash = strrchr(args[1], '/'), *colon = strrchr(slash ? slash : args[1], ':');
		repo = colon ? strndup(args[1], colon - args[1]) : strdup(args[1]);
		tag = strdup(colon ? colon + 1 : "");
	}
	ec = client_escape(args[0]);
	ea = client_escape(author);
	em = client_escape(message);
	er = client_escape(repo ? repo : "");
	et = client_escape(tag ? tag : "");
	if (asprintf(&path, "/commit?container=%s&repo=%s&tag=%s&author=%s&comment=%s&pause=%d",
	             ec, er, et, ea, em, pause) < 0)
		return 1;
	for (char **c = changes; c && *c; c++) {
		_cleanup_free_ char *ech = client_escape(*c);
		char *np = NULL;
		if (asprintf(&np, "%s&changes=%s", path, ech) < 0)
			return 1;
		free(path);
		path = np;
	}
	if (!(resp = client_call("POST", path, NULL)))
		return 1;
	printf("%s\n", json_str(resp, "Id") ? json_str(resp, "Id") : "");
	return 0;
}
