#include "images.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "containers.h"
#include "format.h"
#include "opts.h"
#include "prune.h"
#include "values.h"
#include "run.h"
#include "../common/cleanup.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

/* Splits "repo:tag" at the last colon after the last slash; the tag may be NULL. */
static void split_ref(const char *ref, char **ret_repo, char **ret_tag)
{
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');

	if (colon && !strchr(ref, '@')) {
		*ret_repo = strndup(ref, colon - ref);
		*ret_tag = strdup(colon + 1);
	} else {
		*ret_repo = strdup(ref);
		*ret_tag = NULL;
	}
}

static int print_daemon_error(char *msg)
{
	if (msg)
		fmt_daemon_error(msg);
	free(msg);
	return 1;
}

/* ---- images ---- */

static json_t *image_row(json_t *img, const char *repo, const char *tag, const char *digest,
                         bool trunc)
{
	json_t *row = json_object();
	const char *id = json_str(img, "Id") ? json_str(img, "Id") : "";
	char created[64], since[64], size[32], sid[13], cont[24];
	long long t = json_int(img, "Created", 0), nc = json_int(img, "Containers", -1);

	fmt_time_local(t, created);
	fmt_since(t, since);
	fmt_size(json_int(img, "Size", 0), size);
	fmt_short_id(id, sid);
	if (nc < 0)
		snprintf(cont, sizeof(cont), "N/A");
	else
		snprintf(cont, sizeof(cont), "%lld", nc);
	json_object_set_new(row, "Containers", json_string(cont));
	json_object_set_new(row, "CreatedAt", json_string(created));
	json_object_set_new(row, "CreatedSince", json_string(since));
	json_object_set_new(row, "Digest", json_string(digest));
	json_object_set_new(row, "ID", json_string(trunc ? sid : id));
	json_object_set_new(row, "Repository", json_string(repo));
	json_object_set_new(row, "SharedSize", json_string("N/A"));
	json_object_set_new(row, "Size", json_string(size));
	json_object_set_new(row, "Tag", json_string(tag));
	json_object_set_new(row, "UniqueSize", json_string("N/A"));
	json_object_set_new(row, "VirtualSize", json_string(size));
	return row;
}

static const struct cli_cmd_ctx images_ctx = {"images", "images [OPTIONS] [REPOSITORY[:TAG]]"};

int cmd_images(int argc, char **argv)
{
	bool all = false, quiet = false, no_trunc = false, digests = false, tree = false;
	const char *format = NULL;
	_cleanup_strv_ char **filters = NULL, **args = NULL;
	const struct cli_opt opts[] = {
	    {"all", 'a', OPT_BOOL, &all, "Show all images (default hides intermediate images)"},
	    {"digests", 0, OPT_BOOL, &digests, "Show digests"},
	    {"filter", 'f', OPT_LIST, &filters, "Filter output based on conditions provided"},
	    {"format", 0, OPT_STRING, &format, "Format output using a custom template"},
	    {"no-trunc", 0, OPT_BOOL, &no_trunc, "Don't truncate output"},
	    {"quiet", 'q', OPT_BOOL, &quiet, "Only show image IDs"},
	    {"tree", 0, OPT_BOOL, &tree, "List multi-platform images as a tree (unsupported)"},
	    {0}};
	_cleanup_free_ char *fq = NULL, *path = NULL, *msg = NULL;
	_cleanup_json_ json_t *list = NULL, *rows = json_array(), *headers = NULL;
	const char *def;
	int status, r;

	CLI_PARSE(&images_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&images_ctx, args, 0, 1)))
		return r;
	if (!(fq = cli_filters_query(filters, "reference", args[0])))
		return 125;
	if (asprintf(&path, "/images/json?all=%d%s%s", all, *fq ? "&filters=" : "", fq) < 0)
		return 1;
	if (!(list = client_json("GET", path, NULL, &status, &msg)))
		return print_daemon_error(msg);
	size_t i, k;
	json_t *img, *t;
	json_array_foreach(list, i, img)
	{
		json_t *tags = json_object_get(img, "RepoTags");
		json_t *dig = json_array_get(json_object_get(img, "RepoDigests"), 0);
		const char *digest = "<none>";
		if (json_is_string(dig) && strchr(json_string_value(dig), '@'))
			digest = strchr(json_string_value(dig), '@') + 1;
		bool any = false;
		json_array_foreach(tags, k, t)
		{
			const char *rt = json_string_value(t);
			if (!rt || !strcmp(rt, "<none>:<none>"))
				continue;
			_cleanup_free_ char *repo = NULL, *tag = NULL;
			split_ref(rt, &repo, &tag);
			json_array_append_new(
			    rows, image_row(img, repo, tag ? tag : "<none>", digest, !no_trunc));
			any = true;
		}
		if (!any)
			json_array_append_new(
			    rows, image_row(img, "<none>", "<none>", digest, !no_trunc));
	}
	headers = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Repository",
	                    "REPOSITORY", "Tag", "TAG", "ID", "IMAGE ID", "CreatedSince", "CREATED",
	                    "CreatedAt", "CREATED AT", "Size", "SIZE", "Digest", "DIGEST",
	                    "Containers", "CONTAINERS", "SharedSize", "SHARED SIZE", "UniqueSize",
	                    "UNIQUE SIZE", "VirtualSize", "VIRTUAL SIZE");
	if (quiet && !(format && *format))
		def = "{{.ID}}";
	else if (digests)
		def = "table "
		      "{{.Repository}}\\t{{.Tag}}\\t{{.Digest}}\\t{{.ID}}\\t{{.CreatedSince}}\\t{{."
		      "Size}}";
	else
		def = "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.CreatedSince}}\\t{{.Size}}";
	return fmt_rows(quiet && !(format && *format) ? NULL : format, def, headers, rows);
}

/* ---- load / save / import ---- */

static int print_stream_response(struct client_resp *r, bool quiet)
{
	if (r->ctype && strstr(r->ctype, "json"))
		return run_print_jsonmessages(r, quiet) < 0 ? 1 : 0;
	char buf[32768];
	ssize_t n;
	while ((n = client_read(r, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	return 0;
}

static const struct cli_cmd_ctx load_ctx = {"load", "load [OPTIONS]"};

/* load and import: a tar from fd to the daemon, its JSON message stream printed. */
static int post_tar(const char *path, int fd)
{
	struct client_resp r;
	int ret;

	if (client_request_fd("POST", path, "application/x-tar", fd, &r) < 0) {
		client_resp_close(&r);
		return 1;
	}
	if (r.status >= 400)
		ret = print_daemon_error(client_error_message(&r));
	else
		ret = print_stream_response(&r, false);
	client_resp_close(&r);
	return ret;
}

int cmd_load(int argc, char **argv)
{
	const char *input = NULL, *platform = NULL;
	bool quiet = false;
	const struct cli_opt opts[] = {
	    {"input", 'i', OPT_STRING, &input, "Read from tar archive file, instead of STDIN"},
	    {"platform", 0, OPT_STRING, &platform, "Load only the given platform(s)"},
	    {"quiet", 'q', OPT_BOOL, &quiet, "Suppress the load output"},
	    {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_close_ int fd = -1;
	int ret;

	CLI_PARSE(&load_ctx, argc, argv, opts, false, &args);
	if ((ret = cli_check_args(&load_ctx, args, 0, 0)))
		return ret;
	if (input) {
		fd = open(input, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "open %s: %s\n", input, strerror(errno));
			return 1;
		}
	} else if (isatty(STDIN_FILENO)) {
		fprintf(stderr, "requested load from stdin, but stdin is empty\n");
		return 1;
	}
	return post_tar(quiet ? "/images/load?quiet=1" : "/images/load?quiet=0",
	                fd >= 0 ? fd : STDIN_FILENO);
}

static const struct cli_cmd_ctx save_ctx = {"save", "save [OPTIONS] IMAGE [IMAGE...]"};

int cmd_save(int argc, char **argv)
{
	const char *output = NULL, *platform = NULL;
	const struct cli_opt opts[] = {
	    {"output", 'o', OPT_STRING, &output, "Write to a file, instead of STDOUT"},
	    {"platform", 0, OPT_STRING, &platform, "Save only the given platform(s)"},
	    {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *path = strdup("/images/get?");
	int ret;

	CLI_PARSE(&save_ctx, argc, argv, opts, false, &args);
	if ((ret = cli_check_args(&save_ctx, args, 1, -1)))
		return ret;
	for (char **a = args; *a; a++) {
		_cleanup_free_ char *en = client_escape(*a);
		char *np = NULL;
		if (asprintf(&np, "%s%snames=%s", path, a == args ? "" : "&", en) < 0)
			return 1;
		free(path);
		path = np;
	}
	return client_download(path, output,
	                       "failed to save image: unable to validate output path");
}

static const struct cli_cmd_ctx import_ctx = {"import",
                                              "import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]"};

int cmd_import(int argc, char **argv)
{
	const char *message = NULL, *platform = NULL;
	_cleanup_strv_ char **changes = NULL, **args = NULL;
	const struct cli_opt opts[] = {
	    {"change", 'c', OPT_LIST, &changes,
	     "Apply Dockerfile instruction to the created image"},
	    {"message", 'm', OPT_STRING, &message, "Set commit message for imported image"},
	    {"platform", 0, OPT_STRING, &platform,
	     "Set platform if server is multi-platform capable"},
	    {0}};
	_cleanup_free_ char *path = NULL, *repo = NULL, *tag = NULL, *q = NULL;
	_cleanup_close_ int fd = -1;
	int ret;

	CLI_PARSE(&import_ctx, argc, argv, opts, false, &args);
	if ((ret = cli_check_args(&import_ctx, args, 1, 2)))
		return ret;
	if (strcmp(args[0], "-")) {
		if (strstr(args[0], "://")) {
			fprintf(stderr, "importing from a URL is not supported by berth\n");
			return 1;
		}
		fd = open(args[0], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "open %s: %s\n", args[0], strerror(errno));
			return 1;
		}
	}
	q = strdup("/images/create?fromSrc=-");
	if (args[1]) {
		split_ref(args[1], &repo, &tag);
		_cleanup_free_ char *er = client_escape(repo), *et = client_escape(tag ? tag : "");
		char *np = NULL;
		if (asprintf(&np, "%s&repo=%s&tag=%s", q, er, et) < 0)
			return 1;
		free(q);
		q = np;
	}
	if (message) {
		_cleanup_free_ char *em = client_escape(message);
		char *np = NULL;
		if (asprintf(&np, "%s&message=%s", q, em) < 0)
			return 1;
		free(q);
		q = np;
	}
	for (char **c = changes; c && *c; c++) {
		_cleanup_free_ char *ec = client_escape(*c);
		char *np = NULL;
		if (asprintf(&np, "%s&changes=%s", q, ec) < 0)
			return 1;
		free(q);
		q = np;
	}
	return post_tar(q, fd >= 0 ? fd : STDIN_FILENO);
}

/* ---- tag / rmi / history / pull ---- */

static const struct cli_cmd_ctx tag_ctx = {"tag", "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]"};

int cmd_tag(int argc, char **argv)
{
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *repo = NULL, *tag = NULL, *path = NULL, *es = NULL, *er = NULL,
	                    *et = NULL, *msg = NULL;
	json_t *j;
	int status, r;

	CLI_PARSE(&tag_ctx, argc, argv, NULL, false, &args);
	if ((r = cli_check_args(&tag_ctx, args, 2, 2)))
		return r;
	split_ref(args[1], &repo, &tag);
	es = client_escape(args[0]);
	er = client_escape(repo);
	et = client_escape(tag ? tag : "latest");
	if (asprintf(&path, "/images/%s/tag?repo=%s&tag=%s", es, er, et) < 0)
		return 1;
	if (!(j = client_json("POST", path, NULL, &status, &msg)))
		return print_daemon_error(TAKE_PTR(msg));
	json_decref(j);
	return 0;
}

static const struct cli_cmd_ctx rmi_ctx = {"rmi", "rmi [OPTIONS] IMAGE [IMAGE...]"};

int cmd_rmi(int argc, char **argv)
{
	bool force = false, no_prune = false;
	const struct cli_opt opts[] = {
	    {"force", 'f', OPT_BOOL, &force, "Force removal of the image"},
	    {"no-prune", 0, OPT_BOOL, &no_prune, "Do not delete untagged parents"},
	    {0}};
	_cleanup_strv_ char **args = NULL;
	int r, failed = 0;

	CLI_PARSE(&rmi_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&rmi_ctx, args, 1, -1)))
		return r;
	for (char **a = args; *a; a++) {
		_cleanup_free_ char *path = NULL, *en = client_escape(*a), *msg = NULL;
		_cleanup_json_ json_t *j = NULL;
		int status;
		size_t i;
		json_t *e;
		if (asprintf(&path, "/images/%s?force=%d&noprune=%d", en, force, no_prune) < 0)
			return 1;
		if (!(j = client_json("DELETE", path, NULL, &status, &msg))) {
			print_daemon_error(TAKE_PTR(msg));
			failed = 1;
			continue;
		}
		json_array_foreach(j, i, e)
		{
			if (json_str(e, "Untagged"))
				printf("Untagged: %s\n", json_str(e, "Untagged"));
			if (json_str(e, "Deleted"))
				printf("Deleted: %s\n", json_str(e, "Deleted"));
		}
	}
	return failed;
}

static const struct cli_cmd_ctx history_ctx = {"history", "history [OPTIONS] IMAGE"};

int cmd_history(int argc, char **argv)
{
	bool human = true, no_trunc = false, quiet = false;
	const char *format = NULL, *platform = NULL;
	const struct cli_opt opts[] = {
	    {"format", 0, OPT_STRING, &format, "Format output using a custom template"},
	    {"human", 'H', OPT_BOOL, &human, "Print sizes and dates in human readable format"},
	    {"no-trunc", 0, OPT_BOOL, &no_trunc, "Don't truncate output"},
	    {"platform", 0, OPT_STRING, &platform, "Show history for the given platform"},
	    {"quiet", 'q', OPT_BOOL, &quiet, "Only show image IDs"},
	    {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *path = NULL, *en = NULL, *msg = NULL;
	_cleanup_json_ json_t *list = NULL, *rows = json_array(), *headers = NULL;
	int status, r;
	size_t i;
	json_t *h;

	CLI_PARSE(&history_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&history_ctx, args, 1, 1)))
		return r;
	en = client_escape(args[0]);
	if (asprintf(&path, "/images/%s/history", en) < 0)
		return 1;
	if (!(list = client_json("GET", path, NULL, &status, &msg)))
		return print_daemon_error(TAKE_PTR(msg));
	json_array_foreach(list, i, h)
	{
		json_t *row = json_object();
		const char *id = json_str(h, "Id") ? json_str(h, "Id") : "<missing>";
		char sid[13], since[64], size[32], created[64];
		long long t = json_int(h, "Created", 0);
		_cleanup_free_ char *by =
		    strdup(json_str(h, "CreatedBy") ? json_str(h, "CreatedBy") : "");
		for (char *c = by; *c; c++)
			if (*c == '\t')
				*c = ' ';
		_cleanup_free_ char *byt = no_trunc ? strdup(by) : fmt_ellipsis(by, 45);
		fmt_short_id(id, sid);
		fmt_since(t, since);
		fmt_time_local(t, created);
		if (human)
			fmt_size(json_int(h, "Size", 0), size);
		else
			snprintf(size, sizeof(size), "%lld", json_int(h, "Size", 0));
		if (!human) {
			time_t tt = t;
			struct tm tm;
			localtime_r(&tt, &tm);
			strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%S%z", &tm);
		}
		json_object_set_new(
		    row, "Comment",
		    json_string(json_str(h, "Comment") ? json_str(h, "Comment") : ""));
		json_object_set_new(row, "CreatedAt", json_string(created));
		json_object_set_new(row, "CreatedBy", json_string(byt));
		json_object_set_new(row, "CreatedSince", json_string(since));
		json_object_set_new(row, "ID",
		                    json_string(strcmp(id, "<missing>") && !no_trunc ? sid : id));
		json_object_set_new(row, "Size", json_string(size));
		json_array_append_new(rows, row);
	}
	headers = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "IMAGE", "CreatedSince",
	                    "CREATED", "CreatedAt", "CREATED AT", "CreatedBy", "CREATED BY", "Size",
	                    "SIZE", "Comment", "COMMENT");
	if (quiet && !(format && *format))
		return fmt_rows(NULL, "{{.ID}}", headers, rows);
	return fmt_rows(
	    format, "table {{.ID}}\\t{{.CreatedSince}}\\t{{.CreatedBy}}\\t{{.Size}}\\t{{.Comment}}",
	    headers, rows);
}

static const struct cli_cmd_ctx pull_ctx = {"pull", "pull [OPTIONS] NAME[:TAG|@DIGEST]"};

int cmd_pull(int argc, char **argv)
{
	bool quiet = false, all_tags = false;
	const char *platform = NULL;
	const struct cli_opt opts[] = {
	    {"all-tags", 'a', OPT_BOOL, &all_tags, "Download all tagged images in the repository"},
	    {"platform", 0, OPT_STRING, &platform,
	     "Set platform if server is multi-platform capable"},
	    {"quiet", 'q', OPT_BOOL, &quiet, "Suppress verbose output"},
	    {0}};
	_cleanup_strv_ char **args = NULL;
	int r;

	CLI_PARSE(&pull_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&pull_ctx, args, 1, 1)))
		return r;
	if (run_pull_image(args[0], platform, all_tags, quiet) < 0)
		return 1;
	if (quiet)
		printf("%s\n", args[0]);
	return 0;
}

/* ---- image prune / inspect ---- */

static const struct cli_cmd_ctx iprune_ctx = {"image prune", "image prune [OPTIONS]"};

int cmd_image_prune(int argc, char **argv)
{
	static const struct prune_spec spec = {
	    .kind = "images",
	    .warning = "WARNING! This will remove all dangling images.",
	    .all_warning = "WARNING! This will remove all images without at least one container "
	                   "associated to them.",
	    .filter = "dangling=true",
	    .all_filter = "dangling=false",
	    .total = true};
	return prune_command(&iprune_ctx, argc, argv, &spec);
}

static const struct cli_cmd_ctx iinspect_ctx = {"image inspect",
                                                "image inspect [OPTIONS] IMAGE [IMAGE...]"};

int cmd_image_inspect(int argc, char **argv)
{
	const char *format = NULL;
	const struct cli_opt opts[] = {
	    {"format", 'f', OPT_STRING, &format, "Format output using a custom template"}, {0}};
	_cleanup_strv_ char **args = NULL, **errs = NULL;
	_cleanup_json_ json_t *out = json_array();
	int r, failed = 0;

	CLI_PARSE(&iinspect_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&iinspect_ctx, args, 1, -1)))
		return r;
	for (char **a = args; *a; a++) {
		_cleanup_free_ char *path = NULL, *en = client_escape(*a), *msg = NULL;
		int status;
		if (asprintf(&path, "/images/%s/json", en) < 0)
			return 1;
		json_t *j = client_json("GET", path, NULL, &status, &msg);
		if (j)
			json_array_append_new(out, j);
		else {
			char *e = NULL;
			if (msg && asprintf(&e, "Error response from daemon: %s", msg) > 0)
				errs = strv_push(errs, e);
			free(e);
			failed = 1;
		}
	}
	if (containers_print_inspect(out, format))
		failed = 1;
	for (char **e = errs; e && *e; e++)
		fprintf(stderr, "%s\n", *e);
	return failed;
}
