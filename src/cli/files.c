/* berth cp, export, diff, commit: a container's files. cp does docker's client-side path
 * logic: it asks the daemon for the destination's stat (HEAD archive) to decide whether the
 * copy goes into a directory or replaces/creates a name, and renames the archive's top
 * entry accordingly. */
#include "files.h"
#include "client.h"
#include "format.h"
#include "opts.h"
#include "../common/cleanup.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int daemon_error(struct client_resp *r)
{
	_cleanup_free_ char *msg = client_error_message(r);
	if (msg)
		fmt_daemon_error(msg);
	return 1;
}

/* "/containers/<ctr>/archive?path=<path>" (caller frees). */
static char *archive_url(const char *ctr, const char *path, const char *extra)
{
	_cleanup_free_ char *ec = client_escape(ctr), *ep = client_escape(path);
	char *url = NULL;
	if (asprintf(&url, "/containers/%s/archive?path=%s%s", ec, ep, extra ? extra : "") < 0)
		abort();
	return url;
}

/* The daemon's stat of ctr:path; NULL with *ret_status (404 when missing). */
static json_t *remote_stat(const char *ctr, const char *path, int *ret_status)
{
	_cleanup_free_ char *url = archive_url(ctr, path, NULL);
	unsigned char raw[4096];
	struct client_resp r;
	json_t *st = NULL;
	int n;

	*ret_status = 0;
	if (client_request("HEAD", url, NULL, NULL, 0, &r) < 0) {
		client_resp_close(&r);
		return NULL;
	}
	*ret_status = r.status;
	if (r.status == 200 && r.path_stat && strlen(r.path_stat) < sizeof(raw)) {
		n = EVP_DecodeBlock(raw, (unsigned char *)r.path_stat, (int)strlen(r.path_stat));
		if (n > 0) {
			raw[n] = 0;
			st = json_loads((char *)raw, JSON_DISABLE_EOF_CHECK, NULL);
		}
	}
	client_resp_close(&r);
	return st;
}

static int stat_is_dir(const json_t *st)
{
	return (json_integer_value(json_object_get(st, "mode")) >> 31) & 1;
}

/* Splits "CTR:PATH"; a local path has no ':' before its first '/' (docker's rule). */
static int split_remote(const char *arg, char **ret_ctr, const char **ret_path)
{
	const char *colon = strchr(arg, ':');
	if (!colon || arg[0] == '/' || arg[0] == '.' || (strchr(arg, '/') && strchr(arg, '/') < colon))
		return 0;
	*ret_ctr = strndup(arg, (size_t)(colon - arg));
	*ret_path = colon + 1;
	return 1;
}

/* Replaces the first path component `from` of `name` by `to` (NULL: unchanged). */
static char *rebase(const char *name, const char *from, const char *to)
{
	size_t fl = strlen(from);
	char *out = NULL;

	while (!strncmp(name, "./", 2) && strcmp(from, "."))
		name += 2;
	if (!to || strncmp(name, from, fl) || (name[fl] && name[fl] != '/'))
		return strdup(name);
	if (asprintf(&out, "%s%s", to, name + fl) < 0)
		abort();
	return out;
}

/* ---- container -> local ---- */

static int copy_from(const char *ctr, const char *path, const char *dst, bool follow,
		     bool archive_mode)
{
	_cleanup_json_ json_t *st = NULL;
	_cleanup_free_ char *url = NULL, *dir = NULL, *newname = NULL, *target = NULL;
	const char *src = path;
	struct client_resp r;
	struct stat lst;
	int status, rc = 0;

	if (follow) {
		st = remote_stat(ctr, path, &status);
		if (st && *(json_string_value(json_object_get(st, "linkTarget")) ?: ""))
			src = target = strdup(json_string_value(json_object_get(st, "linkTarget")));
	}
	url = archive_url(ctr, src, NULL);
	if (client_request("GET", url, NULL, NULL, 0, &r) < 0) {
		client_resp_close(&r);
		return 1;
	}
	if (r.status >= 400) {
		rc = daemon_error(&r);
		client_resp_close(&r);
		return rc;
	}
	if (!strcmp(dst, "-")) {
		char buf[65536];
		ssize_t n;
		while ((n = client_read(&r, buf, sizeof(buf))) > 0)
			if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
				rc = 1;
				break;
			}
		client_resp_close(&r);
		return fflush(stdout) == 0 && n == 0 && !rc ? 0 : 1;
	}
	json_decref(st);
	st = NULL;
	if (r.path_stat) {
		unsigned char raw[4096];
		int n = strlen(r.path_stat) < sizeof(raw)
			    ? EVP_DecodeBlock(raw, (unsigned char *)r.path_stat,
					      (int)strlen(r.path_stat))
			    : -1;
		if (n > 0) {
			raw[n] = 0;
			st = json_loads((char *)raw, JSON_DISABLE_EOF_CHECK, NULL);
		}
	}
	const char *srcname = json_string_value(json_object_get(st, "name")) ?: "";
	if (!strcmp(srcname, "/"))
		srcname = ".";
	if (stat(dst, &lst) == 0 && S_ISDIR(lst.st_mode)) {
		dir = strdup(dst);
	} else {
		_cleanup_free_ char *d1 = strdup(dst), *d2 = strdup(dst);
		if (stat(dst, &lst) == 0 && stat_is_dir(st)) {
			fprintf(stderr, "cannot copy a directory to a file: %s\n", dst);
			client_resp_close(&r);
			return 1;
		}
		dir = strdup(dirname(d1));
		newname = strdup(basename(d2));
		if (stat(dir, &lst) < 0 || !S_ISDIR(lst.st_mode)) {
			fprintf(stderr, "destination directory %s must exist\n", dir);
			client_resp_close(&r);
			return 1;
		}
	}

	struct archive *in = archive_read_new(), *out = archive_write_disk_new();
	struct archive_entry *e;
	_cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
		    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
		    ARCHIVE_EXTRACT_UNLINK;
	if (archive_mode || geteuid() == 0)
		flags |= ARCHIVE_EXTRACT_OWNER;
	archive_write_disk_set_options(out, flags);
	archive_read_support_format_tar(in);
	if (chdir(dir) < 0) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		archive_read_free(in);
		archive_write_free(out);
		client_resp_close(&r);
		return 1;
	}
	/* the body comes through client_read: a child pumps it into a pipe libarchive reads */
	int pfd[2];
	if (pipe(pfd) < 0) {
		perror("pipe");
		client_resp_close(&r);
		return 1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		char buf[65536];
		ssize_t n;
		close(pfd[0]);
		while ((n = client_read(&r, buf, sizeof(buf))) > 0)
			if (write(pfd[1], buf, (size_t)n) != n)
				_exit(1);
		_exit(n == 0 ? 0 : 1);
	}
	close(pfd[1]);
	if (archive_read_open_fd(in, pfd[0], 65536) != ARCHIVE_OK) {
		fprintf(stderr, "reading the archive: %s\n", archive_error_string(in));
		rc = 1;
	}
	while (!rc && archive_read_next_header(in, &e) == ARCHIVE_OK) {
		_cleanup_free_ char *name = rebase(archive_entry_pathname(e), srcname, newname);
		const char *hl = archive_entry_hardlink(e);
		if (hl) {
			_cleanup_free_ char *h = rebase(hl, srcname, newname);
			archive_entry_set_hardlink(e, h);
		}
		archive_entry_set_pathname(e, name);
		if (archive_write_header(out, e) < ARCHIVE_WARN) {
			fprintf(stderr, "%s: %s\n", name, archive_error_string(out));
			rc = 1;
			break;
		}
		if (archive_entry_size(e) > 0) {
			const void *blk;
			size_t len;
			la_int64_t off;
			while (archive_read_data_block(in, &blk, &len, &off) == ARCHIVE_OK)
				if (archive_write_data_block(out, blk, len, off) < ARCHIVE_WARN) {
					rc = 1;
					break;
				}
		}
		archive_write_finish_entry(out);
	}
	archive_write_close(out);
	archive_write_free(out);
	archive_read_free(in);
	close(pfd[0]);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	client_resp_close(&r);
	if (cwd >= 0 && fchdir(cwd) < 0)
		rc = 1;
	return rc;
}

/* ---- local -> container ---- */

/* Writes a tar of `src` (its top entry renamed `name`) to `fd`; runs in a child. */
static int write_local_tar(const char *src, const char *name, bool follow, int fd)
{
	struct archive *disk = archive_read_disk_new(), *out = archive_write_new();
	struct archive_entry *e;
	size_t sl = strlen(src);
	int rc = 0;

	if (follow)
		archive_read_disk_set_symlink_hybrid(disk);
	else
		archive_read_disk_set_symlink_physical(disk);
	archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL |
						 ARCHIVE_READDISK_NO_FFLAGS);
	archive_write_set_format_pax_restricted(out);
	archive_write_set_bytes_in_last_block(out, 1);
	archive_write_open_fd(out, fd);
	if (archive_read_disk_open(disk, src) != ARCHIVE_OK) {
		fprintf(stderr, "%s\n", archive_error_string(disk));
		return 1;
	}
	for (;;) {
		e = archive_entry_new();
		int r = archive_read_next_header2(disk, e);
		if (r == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (r < ARCHIVE_WARN) {
			fprintf(stderr, "%s\n", archive_error_string(disk));
			archive_entry_free(e);
			rc = 1;
			break;
		}
		archive_read_disk_descend(disk);
		const char *p = archive_entry_pathname(e);
		_cleanup_free_ char *arc = NULL;
		if (asprintf(&arc, "%s%s", name, p + (strncmp(p, src, sl) ? 0 : sl)) < 0)
			abort();
		archive_entry_set_pathname(e, arc);
		archive_entry_set_uname(e, NULL);
		archive_entry_set_gname(e, NULL);
		if (archive_write_header(out, e) < ARCHIVE_WARN) {
			fprintf(stderr, "%s\n", archive_error_string(out));
			archive_entry_free(e);
			rc = 1;
			break;
		}
		if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0) {
			_cleanup_close_ int f = open(archive_entry_sourcepath(e), O_RDONLY | O_CLOEXEC);
			char buf[65536];
			ssize_t n;
			while (f >= 0 && (n = read(f, buf, sizeof(buf))) > 0)
				archive_write_data(out, buf, (size_t)n);
		}
		archive_entry_free(e);
	}
	archive_read_free(disk);
	archive_write_close(out);
	archive_write_free(out);
	return rc;
}

static int copy_to(const char *src, const char *ctr, const char *path, bool follow,
		   bool archive_mode)
{
	_cleanup_json_ json_t *st = NULL;
	_cleanup_free_ char *url = NULL, *dstdir = NULL, *name = NULL, *s1 = strdup(src);
	_cleanup_free_ char *target = NULL;
	const char *extra = archive_mode ? "&noOverwriteDirNonDir=true&copyUIDGID=true"
					 : "&noOverwriteDirNonDir=true";
	struct client_resp r;
	struct stat lst;
	int status, rc, pfd[2];
	pid_t pid = -1;

	if (!strcmp(src, "-")) {
		url = archive_url(ctr, path, extra);
		if (client_request_fd("PUT", url, "application/x-tar", STDIN_FILENO, &r) < 0) {
			client_resp_close(&r);
			return 1;
		}
		rc = r.status >= 400 ? daemon_error(&r) : 0;
		client_resp_close(&r);
		return rc;
	}
	if ((follow ? stat(src, &lst) : lstat(src, &lst)) < 0) {
		fprintf(stderr, "lstat %s: %s\n", src, strerror(errno));
		return 1;
	}
	st = remote_stat(ctr, path, &status);
	if (st && *(json_string_value(json_object_get(st, "linkTarget")) ?: "")) {
		target = strdup(json_string_value(json_object_get(st, "linkTarget")));
		path = target;
		json_decref(st);
		st = remote_stat(ctr, path, &status);
	}
	if (status != 200 && status != 404) {
		if (status)
			fprintf(stderr, "Error response from daemon: unexpected status %d\n", status);
		return 1;
	}
	if (st && stat_is_dir(st)) {
		dstdir = strdup(path);
		name = strdup(basename(s1));
	} else {
		_cleanup_free_ char *p1 = strdup(path), *p2 = strdup(path);
		size_t pl = strlen(path);
		if (!st && pl && path[pl - 1] == '/') {
			fprintf(stderr, "Error response from daemon: Could not find the file %s in "
					"container %s\n", path, ctr);
			return 1;
		}
		if (st && S_ISDIR(lst.st_mode)) {
			fprintf(stderr, "cannot copy a directory to a file: %s\n", path);
			return 1;
		}
		dstdir = strdup(dirname(p1));
		name = strdup(basename(p2));
	}
	if (pipe(pfd) < 0) {
		perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		_exit(write_local_tar(src, name, follow, pfd[1]));
	}
	close(pfd[1]);
	url = archive_url(ctr, dstdir, extra);
	rc = client_request_fd("PUT", url, "application/x-tar", pfd[0], &r) < 0;
	close(pfd[0]);
	if (!rc && r.status >= 400)
		rc = daemon_error(&r);
	client_resp_close(&r);
	waitpid(pid, &status, 0);
	if (!rc && (!WIFEXITED(status) || WEXITSTATUS(status)))
		rc = 1;
	return rc;
}

static const struct cli_cmd_ctx cp_ctx = {
    "cp", "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- "
	  "CONTAINER:DEST_PATH"};

int cmd_cp(int argc, char **argv)
{
	bool follow = false, archive_mode = false, quiet = false;
	const struct cli_opt opts[] = {
	    {"archive", 'a', OPT_BOOL, &archive_mode, "Archive mode (copy all uid/gid information)"},
	    {"follow-link", 'L', OPT_BOOL, &follow, "Always follow symbol link in SRC_PATH"},
	    {"quiet", 'q', OPT_BOOL, &quiet, "Suppress progress output during copy"},
	    {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *sctr = NULL, *dctr = NULL;
	const char *spath, *dpath;
	int r, sremote, dremote;

	CLI_PARSE(&cp_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&cp_ctx, args, 2, 2)))
		return r;
	sremote = split_remote(args[0], &sctr, &spath);
	dremote = split_remote(args[1], &dctr, &dpath);
	if (sremote == dremote) {
		fprintf(stderr, sremote ? "copying between containers is not supported\n"
					: "must specify at least one container source\n");
		return 1;
	}
	if (sremote && !*spath)
		spath = "/";
	if (dremote && !*dpath)
		dpath = "/";
	return sremote ? copy_from(sctr, spath, args[1], follow, archive_mode)
		       : copy_to(args[0], dctr, dpath, follow, archive_mode);
}

/* ---- export, diff, commit ---- */

static const struct cli_cmd_ctx export_ctx = {"export", "export [OPTIONS] CONTAINER"};

int cmd_export(int argc, char **argv)
{
	const char *output = NULL;
	const struct cli_opt opts[] = {
	    {"output", 'o', OPT_STRING, &output, "Write to a file, instead of STDOUT"}, {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *url = NULL, *ec = NULL;
	int rc;

	CLI_PARSE(&export_ctx, argc, argv, opts, false, &args);
	if ((rc = cli_check_args(&export_ctx, args, 1, 1)))
		return rc;
	ec = client_escape(args[0]);
	if (asprintf(&url, "/containers/%s/export", ec) < 0)
		return 1;
	return client_download(url, output, "failed to export container");
}

static const struct cli_cmd_ctx diff_ctx = {"diff", "diff CONTAINER"};

int cmd_diff(int argc, char **argv)
{
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *url = NULL, *ec = NULL, *msg = NULL;
	_cleanup_json_ json_t *j = NULL;
	json_t *c;
	size_t i;
	int status, rc;

	CLI_PARSE(&diff_ctx, argc, argv, NULL, false, &args);
	if ((rc = cli_check_args(&diff_ctx, args, 1, 1)))
		return rc;
	ec = client_escape(args[0]);
	if (asprintf(&url, "/containers/%s/changes", ec) < 0)
		return 1;
	if (!(j = client_json("GET", url, NULL, &status, &msg))) {
		if (msg)
			fmt_daemon_error(msg);
		return 1;
	}
	json_array_foreach(j, i, c)
	{
		json_int_t k = json_integer_value(json_object_get(c, "Kind"));
		printf("%c %s\n", k == 0 ? 'C' : k == 1 ? 'A' : 'D',
		       json_string_value(json_object_get(c, "Path")) ?: "");
	}
	return 0;
}

static const struct cli_cmd_ctx commit_ctx = {"commit",
					      "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]"};

static void add_query(char **q, const char *key, const char *value)
{
	_cleanup_free_ char *ev = client_escape(value);
	char *n = NULL;
	if (asprintf(&n, "%s&%s=%s", *q, key, ev) < 0)
		abort();
	free(*q);
	*q = n;
}

int cmd_commit(int argc, char **argv)
{
	const char *author = NULL, *message = NULL;
	bool no_pause = false, pause_flag = true;
	_cleanup_strv_ char **changes = NULL, **args = NULL;
	const struct cli_opt opts[] = {
	    {"author", 'a', OPT_STRING, &author,
	     "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")"},
	    {"change", 'c', OPT_LIST, &changes, "Apply Dockerfile instruction to the created image"},
	    {"message", 'm', OPT_STRING, &message, "Commit message"},
	    {"no-pause", 0, OPT_BOOL, &no_pause, "Disable pausing container during commit"},
	    {"pause", 'p', OPT_BOOL, &pause_flag, "Pause container during commit (deprecated)"},
	    {0}};
	_cleanup_free_ char *q = NULL, *ec = NULL, *msg = NULL;
	_cleanup_json_ json_t *j = NULL;
	int status, rc;

	CLI_PARSE(&commit_ctx, argc, argv, opts, false, &args);
	if ((rc = cli_check_args(&commit_ctx, args, 1, 2)))
		return rc;
	ec = client_escape(args[0]);
	if (asprintf(&q, "/commit?container=%s&pause=%s", ec,
		     no_pause || !pause_flag ? "false" : "true") < 0)
		return 1;
	if (args[1]) {
		_cleanup_free_ char *repo = strdup(args[1]);
		char *slash = strrchr(repo, '/'), *colon = strrchr(repo, ':');
		if (colon && (!slash || colon > slash)) {
			*colon = 0;
			add_query(&q, "tag", colon + 1);
		}
		add_query(&q, "repo", repo);
	}
	if (author)
		add_query(&q, "author", author);
	if (message)
		add_query(&q, "comment", message);
	for (char **c = changes; c && *c; c++)
		add_query(&q, "changes", *c);
	if (!(j = client_json("POST", q, NULL, &status, &msg))) {
		if (msg)
			fmt_daemon_error(msg);
		return 1;
	}
	printf("%s\n", json_string_value(json_object_get(j, "Id")) ?: "");
	return 0;
}
