#include "system.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "client.h"
#include "containers.h"
#include "format.h"
#include "opts.h"
#include "prune.h"
#include "values.h"
#include "../common/cleanup.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

static const char *arch_name(void)
{
	static struct utsname u;

	if (uname(&u) < 0)
		return "unknown";
	if (!strcmp(u.machine, "x86_64"))
		return "amd64";
	if (!strcmp(u.machine, "aarch64"))
		return "arm64";
	return u.machine;
}

static const char *s_or(json_t *o, const char *k, const char *def)
{
	const char *v = json_str(o, k);
	return v ? v : def;
}

/* Renders --format against `data`; returns the exit code. */
static int print_template(const char *format, json_t *data)
{
	int table;
	_cleanup_free_ char *tmpl = fmt_prepare(format, format, &table);
	const char *err = NULL;
	char *out = fmt_render(tmpl, data, &err);

	if (!out) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%s\n", out);
	free(out);
	return 0;
}

static const struct cli_cmd_ctx version_ctx = {"version", "version [OPTIONS]"};

int cmd_version(int argc, char **argv)
{
	const char *format = NULL;
	const struct cli_opt opts[] = {
	    {"format", 'f', OPT_STRING, &format, "Format output using a custom template"}, {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *msg = NULL, *osarch = NULL;
	_cleanup_json_ json_t *server = NULL, *all = NULL;
	int status, r;

	CLI_PARSE(&version_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&version_ctx, args, 0, 0)))
		return r;
	if (asprintf(&osarch, "linux/%s", arch_name()) < 0)
		return 1;
	server = client_json("GET", "/version", NULL, &status, &msg);
	all = json_pack("{s:{s:s, s:s, s:s, s:s}}", "Client", "Version", BERTH_CLI_VERSION,
	                "ApiVersion", CLIENT_API_VERSION, "Os", "linux", "Arch", arch_name());
	if (server)
		json_object_set(all, "Server", server);
	if (format && *format) {
		r = print_template(format, all);
		if (!server && msg)
			fmt_daemon_error(msg);
		return r || !server;
	}
	printf("Client:\n");
	printf(" Version:           %s\n", BERTH_CLI_VERSION);
	printf(" API version:       %s\n", CLIENT_API_VERSION);
	printf(" OS/Arch:           %s\n", osarch);
	printf(" Context:           default\n");
	if (!server) {
		if (msg)
			fmt_daemon_error(msg);
		return 1;
	}
	const char *pname = json_str(json_object_get(server, "Platform"), "Name");
	printf("\nServer:%s%s\n", pname && *pname ? " " : "", pname ? pname : "");
	printf(" Engine:\n");
	printf("  Version:          %s\n", s_or(server, "Version", ""));
	printf("  API version:      %s (minimum version %s)\n", s_or(server, "ApiVersion", ""),
	       s_or(server, "MinAPIVersion", ""));
	printf("  Go version:       %s\n", s_or(server, "GoVersion", ""));
	printf("  Git commit:       %s\n", s_or(server, "GitCommit", ""));
	printf("  Built:            %s\n", s_or(server, "BuildTime", ""));
	printf("  OS/Arch:          %s/%s\n", s_or(server, "Os", ""), s_or(server, "Arch", ""));
	printf("  Experimental:     %s\n", json_bool(server, "Experimental", 0) ? "true" : "false");
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(server, "Components"), i, c)
	{
		const char *name = json_str(c, "Name");
		if (!name || !strcmp(name, "Engine"))
			continue;
		printf(" %s:\n", name);
		printf("  Version:          %s\n", s_or(c, "Version", ""));
		const char *commit = json_str(json_object_get(c, "Details"), "GitCommit");
		if (commit)
			printf("  GitCommit:        %s\n", commit);
	}
	return 0;
}

static const struct cli_cmd_ctx info_ctx = {"info", "info [OPTIONS]"};

int cmd_info(int argc, char **argv)
{
	const char *format = NULL;
	const struct cli_opt opts[] = {
	    {"format", 'f', OPT_STRING, &format, "Format output using a custom template"}, {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *msg = NULL;
	_cleanup_json_ json_t *info = NULL;
	char mem[32];
	int status, r;

	CLI_PARSE(&info_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&info_ctx, args, 0, 0)))
		return r;
	info = client_json("GET", "/info", NULL, &status, &msg);
	if (!info) {
		if (msg)
			fmt_daemon_error(msg);
		return 1;
	}
	if (format && *format)
		return print_template(format, info);
	printf("Client:\n Version:    %s\n Context:    default\n Debug Mode: false\n\n",
	       BERTH_CLI_VERSION);
	printf("Server:\n");
	printf(" Containers: %lld\n", json_int(info, "Containers", 0));
	printf("  Running: %lld\n", json_int(info, "ContainersRunning", 0));
	printf("  Paused: %lld\n", json_int(info, "ContainersPaused", 0));
	printf("  Stopped: %lld\n", json_int(info, "ContainersStopped", 0));
	printf(" Images: %lld\n", json_int(info, "Images", 0));
	printf(" Server Version: %s\n", s_or(info, "ServerVersion", ""));
	printf(" Storage Driver: %s\n", s_or(info, "Driver", ""));
	printf(" Logging Driver: %s\n", s_or(info, "LoggingDriver", ""));
	printf(" Cgroup Driver: %s\n", s_or(info, "CgroupDriver", ""));
	printf(" Cgroup Version: %s\n", s_or(info, "CgroupVersion", ""));
	printf(" Default Runtime: %s\n", s_or(info, "DefaultRuntime", ""));
	printf(" Kernel Version: %s\n", s_or(info, "KernelVersion", ""));
	printf(" Operating System: %s\n", s_or(info, "OperatingSystem", ""));
	printf(" OSType: %s\n", s_or(info, "OSType", ""));
	printf(" Architecture: %s\n", s_or(info, "Architecture", ""));
	printf(" CPUs: %lld\n", json_int(info, "NCPU", 0));
	fmt_bytes(json_int(info, "MemTotal", 0), mem);
	printf(" Total Memory: %s\n", mem);
	printf(" Name: %s\n", s_or(info, "Name", ""));
	printf(" ID: %s\n", s_or(info, "ID", ""));
	printf(" Docker Root Dir: %s\n", s_or(info, "DockerRootDir", ""));
	printf(" Debug Mode: %s\n", json_bool(info, "Debug", 0) ? "true" : "false");
	printf(" Experimental: %s\n", json_bool(info, "ExperimentalBuild", 0) ? "true" : "false");
	printf(" Live Restore Enabled: %s\n",
	       json_bool(info, "LiveRestoreEnabled", 0) ? "true" : "false");
	return 0;
}

/* ---- events ---- */

/* Go's RFC3339NanoFixed in local time: 2006-01-02T15:04:05.000000000Z07:00 */
static void event_time(long long ns, char out[64])
{
	time_t t = ns / 1000000000LL;
	struct tm tm;
	char date[32], zone[8] = "Z";

	localtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	if (tm.tm_gmtoff)
		snprintf(zone, sizeof(zone), "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+',
		         labs(tm.tm_gmtoff) / 3600, labs(tm.tm_gmtoff) % 3600 / 60);
	snprintf(out, 64, "%s.%09lld%s", date, ns % 1000000000LL, zone);
}

/* The message as the docker CLI re-encodes its events.Message: Go field order, empty
 * legacy fields left out, attributes sorted. */
static json_t *event_message(json_t *ev)
{
	static const char *const fields[] = {"status", "id",    "from", "Type",    "Action",
	                                     "Actor",  "scope", "time", "timeNano"};
	json_t *out = json_object(), *actor = json_object_get(ev, "Actor");

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *v = json_object_get(ev, fields[i]);
		if (i < 3 && (!v || !*json_string_value(v)))
			continue;
		if (v == actor && actor) {
			_cleanup_free_ char *s = json_dumps(json_object_get(actor, "Attributes"),
			                                    JSON_SORT_KEYS | JSON_ENCODE_ANY);
			v = json_pack("{s:O?, s:o}", "ID", json_object_get(actor, "ID"), "Attributes",
			              s ? json_loads(s, JSON_DECODE_ANY, NULL) : json_null());
		} else
			json_incref(v);
		json_object_set_new(out, fields[i], v ? v : json_null());
	}
	return out;
}

static int print_event(json_t *raw, void *arg)
{
	_cleanup_json_ json_t *ev = event_message(raw);
	const char *tmpl = arg;
	json_t *actor = json_object_get(ev, "Actor");
	long long ns = json_int(ev, "timeNano", json_int(ev, "time", 0) * 1000000000LL);
	char when[64];

	if (tmpl) {
		const char *err = NULL;
		_cleanup_free_ char *line = fmt_render(tmpl, ev, &err);
		if (!line) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		printf("%s\n", line);
	} else {
		_cleanup_free_ char *attrs =
		    fmt_join_keys(json_object_get(actor, "Attributes"), ", ", true);
		if (ns) {
			event_time(ns, when);
			printf("%s ", when);
		}
		printf("%s %s %s", s_or(ev, "Type", ""), s_or(ev, "Action", ""),
		       s_or(actor, "ID", ""));
		if (*attrs)
			printf(" (%s)", attrs);
		printf("\n");
	}
	fflush(stdout);
	return 0;
}

static const struct cli_cmd_ctx events_ctx = {"events", "events [OPTIONS]"};

int cmd_events(int argc, char **argv)
{
	const char *since = NULL, *until = NULL, *format = NULL;
	_cleanup_strv_ char **args = NULL, **filters = NULL;
	const struct cli_opt opts[] = {
	    {"filter", 'f', OPT_LIST, &filters, "Filter output based on conditions provided"},
	    {"format", 0, OPT_STRING, &format, "Format output using a custom template"},
	    {"since", 0, OPT_STRING, &since, "Show all events created since timestamp"},
	    {"until", 0, OPT_STRING, &until, "Stream events until this timestamp"},
	    {0}};
	_cleanup_free_ char *fq = NULL, *path = NULL, *tmpl = NULL;
	char s_since[48], s_until[48];
	struct client_resp resp;
	int r, table;

	CLI_PARSE(&events_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&events_ctx, args, 0, 0)))
		return r;
	if (cli_time_arg("since", since, s_since) < 0 || cli_time_arg("until", until, s_until) < 0)
		return 1;
	if (!(fq = cli_filters_query(filters, NULL, NULL)))
		return 125;
	if (format && *format)
		tmpl = fmt_prepare(format, format, &table);
	if (asprintf(&path, "/events?%s%s%s%s%s%s", *s_since ? "since=" : "", s_since,
	             *s_until ? "&until=" : "", s_until, *fq ? "&filters=" : "", fq) < 0)
		return 1;
	if (client_open("GET", path, &resp) < 0)
		return 1;
	r = client_each_json(&resp, print_event, tmpl);
	client_resp_close(&resp);
	return r;
}

/* ---- system df ---- */

static void df_row(json_t *rows, const char *type, size_t total, size_t active, long long size,
                   long long reclaimable, bool percent)
{
	char ssize[32], srec[32], rec[48], stotal[24], sactive[24];

	fmt_size_prec(size, 4, ssize);
	fmt_size_prec(reclaimable, 4, srec);
	if (percent && size > 0)
		snprintf(rec, sizeof(rec), "%s (%lld%%)", srec, reclaimable * 100 / size);
	else
		snprintf(rec, sizeof(rec), "%s", srec);
	snprintf(stotal, sizeof(stotal), "%zu", total);
	snprintf(sactive, sizeof(sactive), "%zu", active);
	json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s}", "Active", sactive,
	                                      "Reclaimable", rec, "Size", ssize, "TotalCount",
	                                      stotal, "Type", type));
}

static bool container_active(json_t *c)
{
	const char *st = s_or(c, "State", "");
	return strstr(st, "running") || strstr(st, "paused") || strstr(st, "restarting");
}

static const struct cli_cmd_ctx df_ctx = {"system df", "system df [OPTIONS]"};

int cmd_system_df(int argc, char **argv)
{
	const char *format = NULL;
	bool verbose = false;
	_cleanup_strv_ char **args = NULL;
	const struct cli_opt opts[] = {
	    {"format", 0, OPT_STRING, &format, "Format output using a custom template"},
	    {"verbose", 'v', OPT_BOOL, &verbose, "Show detailed information on space usage"},
	    {0}};
	_cleanup_json_ json_t *du = NULL, *rows = json_array(), *headers = NULL;
	size_t i, active;
	long long size, used;
	json_t *o;
	int r;

	CLI_PARSE(&df_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&df_ctx, args, 0, 0)))
		return r;
	if (!(du = client_call("GET", "/system/df", NULL)))
		return 1;
	json_t *images = json_object_get(du, "Images"), *ctrs = json_object_get(du, "Containers"),
	       *vols = json_object_get(du, "Volumes"), *cache = json_object_get(du, "BuildCache");

	active = used = 0;
	json_array_foreach(images, i, o) if (json_int(o, "Containers", 0) > 0)
	{
		active++;
		if (json_int(o, "Size", -1) >= 0 && json_int(o, "SharedSize", -1) >= 0)
			used += json_int(o, "Size", 0) - json_int(o, "SharedSize", 0);
	}
	size = json_int(du, "LayersSize", 0);
	df_row(rows, "Images", json_array_size(images), active, size, size - used, true);

	active = size = used = 0;
	json_array_foreach(ctrs, i, o)
	{
		size += json_int(o, "SizeRw", 0);
		if (container_active(o)) {
			active++;
			used += json_int(o, "SizeRw", 0);
		}
	}
	df_row(rows, "Containers", json_array_size(ctrs), active, size, size - used, true);

	active = size = used = 0;
	json_array_foreach(vols, i, o)
	{
		json_t *u = json_object_get(o, "UsageData");
		long long vs = json_int(u, "Size", -1);
		if (vs > 0)
			size += vs;
		if (json_int(u, "RefCount", 0) > 0) {
			active++;
			used += vs > 0 ? vs : 0;
		}
	}
	df_row(rows, "Local Volumes", json_array_size(vols), active, size, size - used, true);

	active = size = used = 0;
	json_array_foreach(cache, i, o)
	{
		size += json_int(o, "Size", 0);
		if (json_bool(o, "InUse", 0))
			active++;
		if (json_bool(o, "InUse", 0) || json_bool(o, "Shared", 0))
			used += json_int(o, "Size", 0);
	}
	df_row(rows, "Build Cache", json_array_size(cache), active, size, size - used, false);

	headers = json_pack("{s:s, s:s, s:s, s:s, s:s}", "Type", "TYPE", "TotalCount", "TOTAL",
	                    "Active", "ACTIVE", "Size", "SIZE", "Reclaimable", "RECLAIMABLE");
	return fmt_rows(format, "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{"
	                        ".Reclaimable}}",
	                headers, rows);
}

/* ---- system prune ---- */

static const struct cli_cmd_ctx sprune_ctx = {"system prune", "system prune [OPTIONS]"};

int cmd_system_prune(int argc, char **argv)
{
	bool force = false, all = false, volumes = false;
	_cleanup_strv_ char **args = NULL, **filters = NULL, **img_filters = NULL,
	                    **vol_filters = NULL;
	const struct cli_opt opts[] = {
	    {"all", 'a', OPT_BOOL, &all, "Remove all unused images not just dangling ones"},
	    {"filter", 0, OPT_LIST, &filters, "Provide filter values (e.g. \"label=<key>=<value>\")"},
	    {"force", 'f', OPT_BOOL, &force, "Do not prompt for confirmation"},
	    {"volumes", 0, OPT_BOOL, &volumes, "Prune anonymous volumes"},
	    {0}};
	_cleanup_free_ char *warning = NULL;
	long long space = 0;
	int r;

	CLI_PARSE(&sprune_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&sprune_ctx, args, 0, 0)))
		return r;
	if (asprintf(&warning,
	             "WARNING! This will remove:\n  - all stopped containers\n  - all networks "
	             "not used by at least one container\n%s  - %s\n  - %s\n",
	             volumes ? "  - all anonymous volumes not used by at least one container\n"
	                     : "",
	             all ? "all images without at least one container associated to them"
	                 : "all dangling images",
	             all ? "all build cache" : "unused build cache") < 0)
		return 1;
	if (!force && !containers_confirm(warning))
		return 0;
	img_filters = strv_copy(filters);
	img_filters = strv_push(img_filters, all ? "dangling=false" : "dangling=true");
	vol_filters = strv_copy(filters);
	if ((r = prune_run("containers", filters, &space)) ||
	    (r = prune_run("networks", filters, &space)) ||
	    (volumes && (r = prune_run("volumes", vol_filters, &space))) ||
	    (r = prune_run("images", img_filters, &space)) ||
	    (r = prune_run("build", filters, &space)))
		return r;
	prune_print_total(space);
	return 0;
}
