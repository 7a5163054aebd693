#include "containers.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "format.h"
#include "opts.h"
#include "prune.h"
#include "session.h"
#include "values.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

/* ---- shared helpers ---- */

/* A request on /containers/NAME<suffix>; the decoded answer (new reference), or NULL after
 * printing the daemon's error. */
static json_t *container_call(const char *method, const char *name, const char *suffix,
                              json_t *body)
{
	_cleanup_free_ char *path = NULL, *en = client_escape(name);

	if (asprintf(&path, "/containers/%s%s", en, suffix) < 0)
		return NULL;
	return client_call(method, path, body);
}

static int container_post(const char *method, const char *name, const char *suffix)
{
	json_t *j = container_call(method, name, suffix, NULL);

	json_decref(j);
	return j ? 0 : -1;
}

int containers_confirm(const char *warning)
{
	char line[64];

	fprintf(stderr, "%s\nAre you sure you want to continue? [y/N] ", warning);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

/* ---- ps ---- */

static char *ports_string(json_t *ports)
{
	_cleanup_free_ char *out = strdup("");
	size_t i;
	json_t *p;

	json_array_foreach(ports, i, p)
	{
		char one[160];
		const char *ip = json_str(p, "IP");
		long long pub = json_int(p, "PublicPort", 0), priv = json_int(p, "PrivatePort", 0);
		const char *type = json_str(p, "Type") ? json_str(p, "Type") : "tcp";
		if (pub && ip && strchr(ip, ':'))
			snprintf(one, sizeof(one), "[%s]:%lld->%lld/%s", ip, pub, priv, type);
		else if (pub)
			snprintf(one, sizeof(one), "%s:%lld->%lld/%s", ip ? ip : "", pub, priv,
			         type);
		else
			snprintf(one, sizeof(one), "%lld/%s", priv, type);
		char *n = NULL;
		if (asprintf(&n, "%s%s%s", out, *out ? ", " : "", one) < 0)
			break;
		free(out);
		out = n;
	}
	return TAKE_PTR(out);
}

static const char *strip_slash(const char *name)
{
	return name && *name == '/' ? name + 1 : name;
}

static char *names_string(json_t *names, bool trunc)
{
	_cleanup_strv_ char **v = NULL;
	size_t i, len = 1;
	json_t *n;

	json_array_foreach(names, i, n)
	{
		const char *s = strip_slash(json_string_value(n));
		if (!s || (trunc && strchr(s, '/')))
			continue;
		v = strv_push(v, s);
		len += strlen(s) + 1;
	}
	char *out = calloc(1, len);
	for (char **p = v; p && *p; p++) {
		if (p != v)
			strcat(out, ",");
		strcat(out, *p);
	}
	return out;
}

static char *image_string(json_t *c, bool trunc)
{
	const char *img = json_str(c, "Image");
	char sid[13];

	if (!img || !*img)
		return strdup("<no image>");
	if (!trunc)
		return strdup(img);
	if (!strncmp(img, "sha256:", 7)) {
		fmt_short_id(img, sid);
		return strdup(sid);
	}
	const char *at = strchr(img, '@');
	return at ? strndup(img, at - img) : strdup(img);
}

static char *mounts_string(json_t *mounts, bool trunc)
{
	_cleanup_free_ char *out = strdup("");
	size_t i;
	json_t *m;

	json_array_foreach(mounts, i, m)
	{
		const char *name = json_str(m, "Name");
		_cleanup_free_ char *src = NULL;
		if (!name || !*name)
			name = json_str(m, "Source");
		if (!name)
			continue;
		src = trunc ? fmt_ellipsis(name, 15) : strdup(name);
		char *n = NULL;
		if (asprintf(&n, "%s%s%s", out, *out ? "," : "", src) < 0)
			break;
		free(out);
		out = n;
	}
	return TAKE_PTR(out);
}

static json_t *ps_row(json_t *c, bool trunc)
{
	json_t *row = json_object();
	const char *id = json_str(c, "Id") ? json_str(c, "Id") : "";
	_cleanup_free_ char *cmd = NULL, *quoted = NULL, *ports = NULL, *names = NULL,
	                    *image = NULL, *labels = NULL, *mounts = NULL, *nets = NULL;
	char created[64], running[64], srw[32], sv[32], size[80], sid[13], nvol[16];
	long long t = json_int(c, "Created", 0);
	json_t *mlist = json_object_get(c, "Mounts");
	size_t i, nlocal = 0;
	json_t *m;

	cmd = trunc ? fmt_ellipsis(json_str(c, "Command") ? json_str(c, "Command") : "", 20)
	            : strdup(json_str(c, "Command") ? json_str(c, "Command") : "");
	quoted = fmt_quote(cmd);
	ports = ports_string(json_object_get(c, "Ports"));
	names = names_string(json_object_get(c, "Names"), trunc);
	image = image_string(c, trunc);
	labels = fmt_join_keys(json_object_get(c, "Labels"), ",", true);
	mounts = mounts_string(mlist, trunc);
	nets = fmt_join_keys(json_object_get(json_object_get(c, "NetworkSettings"), "Networks"), ",",
	                 false);
	json_array_foreach(mlist, i, m) if (json_str(m, "Driver") &&
	                                    !strcmp(json_str(m, "Driver"), "local")) nlocal++;
	snprintf(nvol, sizeof(nvol), "%zu", nlocal);
	fmt_time_local(t, created);
	fmt_since(t, running);
	fmt_size(json_int(c, "SizeRw", 0), srw);
	fmt_size(json_int(c, "SizeRootFs", 0), sv);
	if (json_int(c, "SizeRootFs", 0) > 0)
		snprintf(size, sizeof(size), "%s (virtual %s)", srw, sv);
	else
		snprintf(size, sizeof(size), "%s", srw);
	fmt_short_id(id, sid);

	/* alphabetical, as {{json .}} prints them */
	json_object_set_new(row, "Command", json_string(quoted));
	json_object_set_new(row, "CreatedAt", json_string(created));
	json_object_set_new(row, "ID", json_string(trunc ? sid : id));
	json_object_set_new(row, "Image", json_string(image));
	json_object_set_new(row, "Labels", json_string(labels));
	json_object_set_new(row, "LocalVolumes", json_string(nvol));
	json_object_set_new(row, "Mounts", json_string(mounts));
	json_object_set_new(row, "Names", json_string(names));
	json_object_set_new(row, "Networks", json_string(nets));
	json_object_set_new(row, "Platform", json_null());
	json_object_set_new(row, "Ports", json_string(ports));
	json_object_set_new(row, "RunningFor", json_string(running));
	json_object_set_new(row, "Size", json_string(size));
	json_object_set_new(row, "State",
	                    json_string(json_str(c, "State") ? json_str(c, "State") : ""));
	json_object_set_new(row, "Status",
	                    json_string(json_str(c, "Status") ? json_str(c, "Status") : ""));
	return row;
}

static const struct cli_cmd_ctx ps_ctx = {"ps", "ps [OPTIONS]"};

int cmd_ps(int argc, char **argv)
{
	bool all = false, quiet = false, latest = false, size = false, no_trunc = false;
	long long last = -1;
	const char *format = NULL;
	_cleanup_strv_ char **filters = NULL, **args = NULL;
	const struct cli_opt opts[] = {
	    {"all", 'a', OPT_BOOL, &all, "Show all containers (default shows just running)"},
	    {"filter", 'f', OPT_LIST, &filters, "Filter output based on conditions provided"},
	    {"format", 0, OPT_STRING, &format, "Format output using a custom template"},
	    {"last", 'n', OPT_INT, &last, "Show n last created containers (includes all states)"},
	    {"latest", 'l', OPT_BOOL, &latest,
	     "Show the latest created container (includes all states)"},
	    {"no-trunc", 0, OPT_BOOL, &no_trunc, "Don't truncate output"},
	    {"quiet", 'q', OPT_BOOL, &quiet, "Only display container IDs"},
	    {"size", 's', OPT_BOOL, &size, "Display total file sizes"},
	    {0}};
	_cleanup_free_ char *fq = NULL, *path = NULL, *msg = NULL;
	_cleanup_json_ json_t *list = NULL, *rows = json_array(), *headers = NULL;
	const char *def;
	int status, r;

	CLI_PARSE(&ps_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&ps_ctx, args, 0, 0)))
		return r;
	if (!(fq = cli_filters_query(filters, NULL, NULL)))
		return 125;
	if (latest)
		last = 1;
	if (asprintf(&path, "/containers/json?all=%d&size=%d%s%lld%s%s", all || last > 0, size,
	             last > 0 ? "&limit=" : "&_=", last > 0 ? last : 0LL, *fq ? "&filters=" : "",
	             fq) < 0)
		return 1;
	list = client_json("GET", path, NULL, &status, &msg);
	if (!list) {
		if (msg)
			fmt_daemon_error(msg);
		return 1;
	}
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c) json_array_append_new(rows, ps_row(c, !no_trunc));
	headers =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	              "ID", "CONTAINER ID", "Image", "IMAGE", "Command", "COMMAND", "CreatedAt",
	              "CREATED AT", "RunningFor", "CREATED", "Ports", "PORTS", "State", "STATE",
	              "Status", "STATUS", "Size", "SIZE", "Names", "NAMES", "Labels", "LABELS",
	              "Mounts", "MOUNTS", "Networks", "NETWORKS", "LocalVolumes", "LOCAL VOLUMES");
	if (quiet && !(format && *format))
		def = "{{.ID}}";
	else if (size)
		def = "table "
		      "{{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{."
		      "Ports}}\\t{{.Names}}\\t{{.Size}}";
	else
		def = "table "
		      "{{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{."
		      "Ports}}\\t{{.Names}}";
	return fmt_rows(quiet && !(format && *format) ? NULL : format, def, headers, rows);
}

/* ---- inspect ---- */

int containers_print_inspect(json_t *objs, const char *format)
{
	size_t i;
	json_t *o;

	if (!format || !*format) {
		char *s = json_dumps(objs, JSON_INDENT(4) | JSON_REAL_PRECISION(17));
		if (json_array_size(objs) == 0)
			printf("[]\n");
		else
			printf("%s\n", s);
		free(s);
		return 0;
	}
	int table;
	_cleanup_free_ char *tmpl = fmt_prepare(format, format, &table);
	json_array_foreach(objs, i, o)
	{
		const char *err = NULL;
		char *line = fmt_render(tmpl, o, &err);
		if (!line) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		printf("%s\n", line);
		free(line);
	}
	return 0;
}

/* GET one object; NULL with *ret_status (404 for a missing one) and *ret_msg. */
static json_t *get_object(const char *kind, const char *name, bool size, int *ret_status,
                          char **ret_msg)
{
	_cleanup_free_ char *path = NULL, *en = client_escape(name);

	if (asprintf(&path, "/%s/%s/json%s", kind, en, size ? "?size=1" : "") < 0)
		return NULL;
	return client_json("GET", path, NULL, ret_status, ret_msg);
}

static int do_inspect(const struct cli_cmd_ctx *ctx, int argc, char **argv, const char *only)
{
	const char *format = NULL, *type = only;
	bool size = false;
	const struct cli_opt opts[] = {
	    {"format", 'f', OPT_STRING, &format, "Format output using a custom template"},
	    {"size", 's', OPT_BOOL, &size, "Display total file sizes"},
	    {"type", 0, OPT_STRING, &type, "Only inspect objects of the given type"},
	    {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_json_ json_t *out = json_array();
	int r, failed = 0;

	CLI_PARSE(ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(ctx, args, 1, -1)))
		return r;
	if (type && strcmp(type, "container") && strcmp(type, "image")) {
		fprintf(stderr, "\"%s\" is not a valid value for --type\n", type);
		return 1;
	}
	_cleanup_strv_ char **errs = NULL;
	for (char **a = args; *a; a++) {
		json_t *j = NULL;
		char *msg = NULL;
		int status = 0;
		if (!type || !strcmp(type, "container"))
			j = get_object("containers", *a, size, &status, &msg);
		if (!j && (!type || !strcmp(type, "image")) && (status == 404 || type)) {
			free(msg);
			msg = NULL;
			j = get_object("images", *a, false, &status, &msg);
		}
		if (j) {
			json_array_append_new(out, j);
		} else {
			char *e = NULL;
			if (status == 404 && !type)
				r = asprintf(&e, "Error: No such object: %s", *a);
			else if (status == 404)
				r = asprintf(&e, "Error response from daemon: %s", msg);
			else if (msg)
				r = asprintf(&e, "Error response from daemon: %s", msg);
			if (e)
				errs = strv_push(errs, e);
			free(e);
			failed = 1;
		}
		free(msg);
	}
	if (containers_print_inspect(out, format))
		failed = 1;
	for (char **e = errs; e && *e; e++)
		fprintf(stderr, "%s\n", *e);
	return failed;
}

static const struct cli_cmd_ctx inspect_ctx = {"inspect", "inspect [OPTIONS] NAME|ID [NAME|ID...]"};
static const struct cli_cmd_ctx cinspect_ctx = {
    "container inspect", "container inspect [OPTIONS] CONTAINER [CONTAINER...]"};

int cmd_inspect(int argc, char **argv)
{
	return do_inspect(&inspect_ctx, argc, argv, NULL);
}

int cmd_container_inspect(int argc, char **argv)
{
	return do_inspect(&cinspect_ctx, argc, argv, "container");
}

/* ---- logs ---- */

static const struct cli_cmd_ctx logs_ctx = {"logs", "logs [OPTIONS] CONTAINER"};

int cmd_logs(int argc, char **argv)
{
	bool follow = false, timestamps = false, details = false;
	const char *since = NULL, *until = NULL, *tail = "all";
	const struct cli_opt opts[] = {
	    {"details", 0, OPT_BOOL, &details, "Show extra details provided to logs"},
	    {"follow", 'f', OPT_BOOL, &follow, "Follow log output"},
	    {"since", 0, OPT_STRING, &since, "Show logs since timestamp or relative"},
	    {"tail", 'n', OPT_STRING, &tail, "Number of lines to show from the end of the logs"},
	    {"timestamps", 't', OPT_BOOL, &timestamps, "Show timestamps"},
	    {"until", 0, OPT_STRING, &until, "Show logs before a timestamp or relative"},
	    {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *path = NULL, *en = NULL, *msg = NULL, *et = NULL;
	_cleanup_json_ json_t *c = NULL;
	char s_since[48], s_until[48], buf[32768];
	struct client_resp resp;
	int status, r;
	bool tty;

	CLI_PARSE(&logs_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&logs_ctx, args, 1, 1)))
		return r;
	if (cli_time_arg("since", since, s_since) < 0 || cli_time_arg("until", until, s_until) < 0)
		return 1;
	en = client_escape(args[0]);
	if (asprintf(&path, "/containers/%s/json", en) < 0)
		return 1;
	if (!(c = client_json("GET", path, NULL, &status, &msg))) {
		if (msg)
			fmt_daemon_error(msg);
		return 1;
	}
	tty = json_bool(json_object_get(c, "Config"), "Tty", 0);
	free(path);
	et = client_escape(tail);
	if (asprintf(&path,
	             "/containers/%s/"
	             "logs?stdout=1&stderr=1&follow=%d&timestamps=%d&details=%d&tail=%s%s%s%s%s",
	             en, follow, timestamps, details, et, *s_since ? "&since=" : "", s_since,
	             *s_until ? "&until=" : "", s_until) < 0)
		return 1;
	if (client_open("GET", path, &resp) < 0)
		return 1;
	struct demux d = {.tty = tty};
	ssize_t n;
	while ((n = client_read(&resp, buf, sizeof(buf))) > 0)
		demux_feed(&d, buf, n);
	client_resp_close(&resp);
	return 0;
}

/* ---- stop / kill / restart / rm ---- */

/* Runs `suffix` on each container, printing the name as given on success. */
static int each_container(char **args, const char *method, const char *suffix)
{
	int failed = 0;

	for (char **a = args; *a; a++) {
		if (container_post(method, *a, suffix) < 0)
			failed = 1;
		else
			printf("%s\n", *a);
	}
	return failed;
}

static const struct cli_cmd_ctx stop_ctx = {"stop", "stop [OPTIONS] CONTAINER [CONTAINER...]"};
static const struct cli_cmd_ctx restart_ctx = {"restart",
                                               "restart [OPTIONS] CONTAINER [CONTAINER...]"};

static int stop_like(const struct cli_cmd_ctx *ctx, const char *action, int argc, char **argv)
{
	long long t = -1;
	const char *sig = NULL, *time_s = NULL;
	const struct cli_opt opts[] = {
	    {"signal", 's', OPT_STRING, &sig, "Signal to send to the container"},
	    {"time", 't', OPT_STRING, &time_s, "Seconds to wait before killing the container"},
	    {"timeout", 0, OPT_STRING, &time_s, "Seconds to wait before killing the container"},
	    {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *suffix = NULL, *es = NULL;
	char ts[32] = "";
	int r;

	CLI_PARSE(ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(ctx, args, 1, -1)))
		return r;
	if (time_s) {
		char *end;
		t = strtoll(time_s, &end, 10);
		if (!*time_s || *end)
			return cli_usage_error(ctx,
			                       "invalid argument \"%s\" for \"-t, --time\" flag: "
			                       "strconv.ParseInt: parsing \"%s\": invalid syntax",
			                       time_s, time_s);
		snprintf(ts, sizeof(ts), "t=%lld", t);
	}
	if (sig)
		es = client_escape(sig);
	if (asprintf(&suffix, "/%s?%s%s%s", action, ts, es ? "&signal=" : "", es ? es : "") < 0)
		return 1;
	return each_container(args, "POST", suffix);
}

int cmd_stop(int argc, char **argv)
{
	return stop_like(&stop_ctx, "stop", argc, argv);
}

int cmd_restart(int argc, char **argv)
{
	return stop_like(&restart_ctx, "restart", argc, argv);
}

static const struct cli_cmd_ctx kill_ctx = {"kill", "kill [OPTIONS] CONTAINER [CONTAINER...]"};

int cmd_kill(int argc, char **argv)
{
	const char *sig = NULL;
	const struct cli_opt opts[] = {
	    {"signal", 's', OPT_STRING, &sig, "Signal to send to the container"}, {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *suffix = NULL, *es = NULL;
	int r;

	CLI_PARSE(&kill_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&kill_ctx, args, 1, -1)))
		return r;
	if (sig)
		es = client_escape(sig);
	if (asprintf(&suffix, "/kill%s%s", es ? "?signal=" : "", es ? es : "") < 0)
		return 1;
	return each_container(args, "POST", suffix);
}

static const struct cli_cmd_ctx rm_ctx = {"rm", "rm [OPTIONS] CONTAINER [CONTAINER...]"};

int cmd_rm(int argc, char **argv)
{
	bool force = false, volumes = false, link = false;
	const struct cli_opt opts[] = {{"force", 'f', OPT_BOOL, &force,
	                                "Force the removal of a running container (uses SIGKILL)"},
	                               {"link", 'l', OPT_BOOL, &link, "Remove the specified link"},
	                               {"volumes", 'v', OPT_BOOL, &volumes,
	                                "Remove anonymous volumes associated with the container"},
	                               {0}};
	_cleanup_strv_ char **args = NULL;
	char suffix[64];
	int r;

	CLI_PARSE(&rm_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&rm_ctx, args, 1, -1)))
		return r;
	snprintf(suffix, sizeof(suffix), "?force=%d&v=%d&link=%d", force, volumes, link);
	return each_container(args, "DELETE", suffix);
}

/* ---- rename / top / wait / prune ---- */

static const struct cli_cmd_ctx rename_ctx = {"rename", "rename CONTAINER NEW_NAME"};

int cmd_rename(int argc, char **argv)
{
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *suffix = NULL, *en = NULL;
	int r;

	CLI_PARSE(&rename_ctx, argc, argv, NULL, false, &args);
	if ((r = cli_check_args(&rename_ctx, args, 2, 2)))
		return r;
	if (!*args[1]) {
		fprintf(stderr, "Error: neither old nor new names may be empty\n");
		return 1;
	}
	en = client_escape(args[1]);
	if (asprintf(&suffix, "/rename?name=%s", en) < 0)
		return 1;
	if (container_post("POST", args[0], suffix) < 0) {
		fprintf(stderr, "Error: failed to rename container named %s\n", args[0]);
		return 1;
	}
	return 0;
}

static const struct cli_cmd_ctx top_ctx = {"top", "top CONTAINER [ps OPTIONS]"};

int cmd_top(int argc, char **argv)
{
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *path = NULL, *en = NULL, *msg = NULL, *psargs = NULL;
	_cleanup_json_ json_t *j = NULL;
	struct fmt_table t = {0};
	size_t i, k;
	json_t *row, *cell;
	int status, r;

	CLI_PARSE(&top_ctx, argc, argv, NULL, true, &args);
	if ((r = cli_check_args(&top_ctx, args, 1, -1)))
		return r;
	en = client_escape(args[0]);
	if (args[1]) {
		size_t len = 1;
		for (char **a = args + 1; *a; a++)
			len += strlen(*a) + 1;
		_cleanup_free_ char *joined = calloc(1, len);
		for (char **a = args + 1; *a; a++) {
			if (a != args + 1)
				strcat(joined, " ");
			strcat(joined, *a);
		}
		psargs = client_escape(joined);
	}
	if (asprintf(&path, "/containers/%s/top%s%s", en, psargs ? "?ps_args=" : "",
	             psargs ? psargs : "") < 0)
		return 1;
	if (!(j = client_json("GET", path, NULL, &status, &msg))) {
		if (msg)
			fmt_daemon_error(msg);
		return 1;
	}
	json_t *rows = json_array();
	json_array_append_new(rows, json_incref(json_object_get(j, "Titles")));
	json_array_foreach(json_object_get(j, "Processes"), i, row)
	    json_array_append_new(rows, json_incref(row));
	json_array_foreach(rows, i, row)
	{
		_cleanup_free_ char *line = strdup("");
		json_array_foreach(row, k, cell)
		{
			char *n = NULL;
			if (asprintf(&n, "%s%s%s", line, k ? "\t" : "",
			             json_string_value(cell) ? json_string_value(cell) : "") < 0)
				break;
			free(line);
			line = n;
		}
		fmt_table_add(&t, line);
	}
	json_decref(rows);
	fmt_table_flush(&t, stdout, 20);
	return 0;
}

static const struct cli_cmd_ctx wait_ctx = {"wait", "wait CONTAINER [CONTAINER...]"};

int cmd_wait(int argc, char **argv)
{
	_cleanup_strv_ char **args = NULL;
	int r, failed = 0;

	CLI_PARSE(&wait_ctx, argc, argv, NULL, false, &args);
	if ((r = cli_check_args(&wait_ctx, args, 1, -1)))
		return r;
	for (char **a = args; *a; a++) {
		_cleanup_free_ char *path = NULL, *en = client_escape(*a), *body = NULL;
		struct client_resp resp;
		if (asprintf(&path, "/containers/%s/wait", en) < 0)
			return 1;
		if (client_request("POST", path, NULL, NULL, 0, &resp) < 0) {
			client_resp_close(&resp);
			failed = 1;
			continue;
		}
		if (resp.status >= 400) {
			_cleanup_free_ char *msg = client_error_message(&resp);
			fmt_daemon_error(msg);
			client_resp_close(&resp);
			failed = 1;
			continue;
		}
		body = client_read_all(&resp, NULL);
		client_resp_close(&resp);
		_cleanup_json_ json_t *j = json_loads(body, 0, NULL);
		json_t *e = json_object_get(j, "Error");
		if (!j || (e && json_str(e, "Message") && *json_str(e, "Message"))) {
			fmt_daemon_error(j ? json_str(e, "Message") : "unexpected wait response");
			failed = 1;
			continue;
		}
		printf("%lld\n", json_int(j, "StatusCode", 0));
		fflush(stdout);
	}
	return failed;
}

static const struct cli_cmd_ctx cprune_ctx = {"container prune", "container prune [OPTIONS]"};

int cmd_container_prune(int argc, char **argv)
{
	static const struct prune_spec spec = {
	    .kind = "containers",
	    .warning = "WARNING! This will remove all stopped containers.",
	    .total = true};
	return prune_command(&cprune_ctx, argc, argv, &spec);
}

/* ---- pause / unpause / port / update ---- */

static const struct cli_cmd_ctx pause_ctx = {"pause", "pause CONTAINER [CONTAINER...]"};
static const struct cli_cmd_ctx unpause_ctx = {"unpause", "unpause CONTAINER [CONTAINER...]"};

static int simple_action(const struct cli_cmd_ctx *ctx, const char *suffix, int argc,
                         char **argv)
{
	_cleanup_strv_ char **args = NULL;
	int r;

	CLI_PARSE(ctx, argc, argv, NULL, false, &args);
	if ((r = cli_check_args(ctx, args, 1, -1)))
		return r;
	return each_container(args, "POST", suffix);
}

int cmd_pause(int argc, char **argv)
{
	return simple_action(&pause_ctx, "/pause", argc, argv);
}

int cmd_unpause(int argc, char **argv)
{
	return simple_action(&unpause_ctx, "/unpause", argc, argv);
}

static int cmp_natural(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* net.JoinHostPort */
static char *host_port(json_t *binding)
{
	const char *ip = json_str(binding, "HostIp") ? json_str(binding, "HostIp") : "";
	const char *port = json_str(binding, "HostPort") ? json_str(binding, "HostPort") : "";
	char *out = NULL;

	if (asprintf(&out, strchr(ip, ':') ? "[%s]:%s" : "%s:%s", ip, port) < 0)
		return NULL;
	return out;
}

static const struct cli_cmd_ctx port_ctx = {"port", "port CONTAINER [PRIVATE_PORT[/PROTO]]"};

int cmd_port(int argc, char **argv)
{
	_cleanup_strv_ char **args = NULL, **out = NULL;
	_cleanup_json_ json_t *c = NULL;
	_cleanup_free_ char *want = NULL;
	const char *key;
	json_t *bindings, *b;
	size_t i;
	int r;

	CLI_PARSE(&port_ctx, argc, argv, NULL, false, &args);
	if ((r = cli_check_args(&port_ctx, args, 1, 2)))
		return r;
	if (args[1]) {
		char *end;
		unsigned long p = strtoul(args[1], &end, 10);
		int n = (int)strcspn(args[1], "/");
		if (end == args[1] || (*end && *end != '/') || p > 65535) {
			fprintf(stderr,
			        "Error: invalid port (%.*s): strconv.ParseUint: parsing \"%.*s\": %s\n",
			        n, args[1], n, args[1],
			        end - args[1] == n ? "value out of range" : "invalid syntax");
			return 1;
		}
		if (asprintf(&want, "%s%s", args[1], *end ? "" : "/tcp") < 0)
			return 1;
	}
	if (!(c = container_call("GET", args[0], "/json", NULL)))
		return 1;
	json_t *ports = json_object_get(json_object_get(c, "NetworkSettings"), "Ports");
	json_object_foreach(ports, key, bindings)
	{
		if (want && strcmp(key, want))
			continue;
		json_array_foreach(bindings, i, b)
		{
			_cleanup_free_ char *hp = host_port(b), *line = NULL;
			if (want)
				out = strv_push(out, hp);
			else if (asprintf(&line, "%s -> %s", key, hp) > 0)
				out = strv_push(out, line);
		}
	}
	if (want && !out) {
		fprintf(stderr, "Error: No public port '%s' published for %s\n", args[1], args[0]);
		return 1;
	}
	if (!out)
		return 0;
	qsort(out, strv_len(out), sizeof(char *), cmp_natural); /* out is nonnull for qsort */
	for (char **l = out; *l; l++)
		printf("%s\n", *l);
	return 0;
}

/* docker update's resource flags and the HostConfig field each sets. */
enum update_kind { UPD_INT, UPD_SIZE, UPD_SWAP, UPD_CPUS, UPD_STRING };
static const struct {
	const char *flag;
	char sname;
	const char *field;
	enum update_kind kind;
	const char *help;
} update_flags[] = {
    {"blkio-weight", 0, "BlkioWeight", UPD_INT,
     "Block IO (relative weight), between 10 and 1000, or 0 to disable"},
    {"cpu-period", 0, "CpuPeriod", UPD_INT, "Limit CPU CFS (Completely Fair Scheduler) period"},
    {"cpu-quota", 0, "CpuQuota", UPD_INT, "Limit CPU CFS (Completely Fair Scheduler) quota"},
    {"cpu-shares", 'c', "CpuShares", UPD_INT, "CPU shares (relative weight)"},
    {"cpus", 0, "NanoCpus", UPD_CPUS, "Number of CPUs"},
    {"cpuset-cpus", 0, "CpusetCpus", UPD_STRING, "CPUs in which to allow execution (0-3, 0,1)"},
    {"cpuset-mems", 0, "CpusetMems", UPD_STRING, "MEMs in which to allow execution (0-3, 0,1)"},
    {"memory", 'm', "Memory", UPD_SIZE, "Memory limit"},
    {"memory-reservation", 0, "MemoryReservation", UPD_SIZE, "Memory soft limit"},
    {"memory-swap", 0, "MemorySwap", UPD_SWAP,
     "Swap limit equal to memory plus swap: -1 to enable unlimited swap"},
    {"pids-limit", 0, "PidsLimit", UPD_INT,
     "Tune container pids limit (set -1 for unlimited)"},
};
#define N_UPDATE (sizeof(update_flags) / sizeof(update_flags[0]))

/* One flag's value into the body; prints pflag's message and returns 125 when it is bad. */
static int update_value(const struct cli_cmd_ctx *ctx, size_t i, const char *v, json_t *body)
{
	char shown[64], *end;
	int64_t n;
	double d;

	if (update_flags[i].sname)
		snprintf(shown, sizeof(shown), "-%c, --%s", update_flags[i].sname,
		         update_flags[i].flag);
	else
		snprintf(shown, sizeof(shown), "--%s", update_flags[i].flag);
	switch (update_flags[i].kind) {
	case UPD_STRING:
		json_object_set_new(body, update_flags[i].field, json_string(v));
		return 0;
	case UPD_INT: /* parsed by cli_parse */
		return 0;
	case UPD_SWAP:
	case UPD_SIZE:
		if (update_flags[i].kind == UPD_SWAP && !strcmp(v, "-1"))
			n = -1;
		else if (parse_size(v, &n) < 0)
			return cli_usage_error(
			    ctx, "invalid argument \"%s\" for \"%s\" flag: invalid size: '%s'", v,
			    shown, v);
		break;
	case UPD_CPUS:
		d = strtod(v, &end);
		if (!*v || *end || d < 0)
			return cli_usage_error(ctx,
			                       "invalid argument \"%s\" for \"%s\" flag: failed to "
			                       "parse %s as a rational number",
			                       v, shown, v);
		n = (int64_t)(d * 1e9 + 0.5);
		break;
	}
	json_object_set_new(body, update_flags[i].field, json_integer(n));
	return 0;
}

static const struct cli_cmd_ctx update_ctx = {"update",
                                              "update [OPTIONS] CONTAINER [CONTAINER...]"};

int cmd_update(int argc, char **argv)
{
	const char *vals[N_UPDATE] = {0}, *restart = NULL;
	long long ints[N_UPDATE];
	struct cli_opt opts[N_UPDATE + 2] = {0};
	_cleanup_strv_ char **args = NULL, **warns = NULL;
	_cleanup_json_ json_t *body = json_object();
	int r, failed = 0;

	for (size_t i = 0; i < N_UPDATE; i++) {
		bool is_int = update_flags[i].kind == UPD_INT;
		ints[i] = LLONG_MIN; /* not given */
		opts[i] = (struct cli_opt){update_flags[i].flag, update_flags[i].sname,
		                           is_int ? OPT_INT : OPT_STRING,
		                           is_int ? (void *)&ints[i] : (void *)&vals[i],
		                           update_flags[i].help};
	}
	opts[N_UPDATE] = (struct cli_opt){"restart", 0, OPT_STRING, &restart,
	                                  "Restart policy to apply when a container exits"};
	CLI_PARSE(&update_ctx, argc, argv, opts, false, &args);
	for (size_t i = 0; i < N_UPDATE; i++) {
		if (vals[i] && (r = update_value(&update_ctx, i, vals[i], body)))
			return r;
		if (ints[i] != LLONG_MIN)
			json_object_set_new(body, update_flags[i].field, json_integer(ints[i]));
	}
	if ((r = cli_check_args(&update_ctx, args, 1, -1)))
		return r;
	if (restart && cli_restart_policy(restart, body) < 0)
		return 1;
	if (!json_object_size(body)) {
		fprintf(stderr, "you must provide one or more flags when using this command\n");
		return 1;
	}
	for (char **a = args; *a; a++) {
		_cleanup_json_ json_t *j = container_call("POST", *a, "/update", body);
		size_t i;
		json_t *w;
		if (!j) {
			failed = 1;
			continue;
		}
		printf("%s\n", *a);
		json_array_foreach(json_object_get(j, "Warnings"), i, w)
		    warns = strv_push(warns, json_string_value(w));
	}
	for (char **w = warns; w && *w; w++)
		printf("%s\n", *w);
	return failed;
}
