/* berth stats: one stats sample per container per round (stream=0, so the daemon fills
 * precpu_stats), computed into docker's columns the way the docker CLI does. */
#include "stats.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "client.h"
#include "format.h"
#include "opts.h"
#include "../common/cleanup.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : 0;
}

/* calculateCPUPercentUnix */
static double cpu_percent(json_t *s)
{
	json_t *cpu = json_object_get(s, "cpu_stats"), *pre = json_object_get(s, "precpu_stats");
	json_t *usage = json_object_get(cpu, "cpu_usage");
	double cpu_delta = num(usage, "total_usage") -
	                   num(json_object_get(pre, "cpu_usage"), "total_usage");
	double sys_delta = num(cpu, "system_cpu_usage") - num(pre, "system_cpu_usage");
	double online = num(cpu, "online_cpus");

	if (online == 0)
		online = json_array_size(json_object_get(usage, "percpu_usage"));
	if (sys_delta > 0 && cpu_delta > 0)
		return cpu_delta / sys_delta * online * 100.0;
	return 0;
}

/* calculateMemUsageUnixNoCache: the page cache that can be dropped does not count */
static double mem_usage(json_t *mem)
{
	json_t *st = json_object_get(mem, "stats");
	double usage = num(mem, "usage");

	if (json_object_get(st, "total_inactive_file") && num(st, "total_inactive_file") < usage)
		return usage - num(st, "total_inactive_file");
	if (num(st, "inactive_file") < usage)
		return usage - num(st, "inactive_file");
	return usage;
}

static void pair(char out[72], double a, double b, bool binary)
{
	char sa[32], sb[32];

	if (binary) {
		fmt_bytes(a, sa);
		fmt_bytes(b, sb);
	} else {
		fmt_size(a, sa);
		fmt_size(b, sb);
	}
	snprintf(out, 72, "%s / %s", sa, sb);
}

static json_t *stats_row(json_t *s, const char *given, bool trunc)
{
	json_t *mem = json_object_get(s, "memory_stats"), *nets = json_object_get(s, "networks");
	json_t *blkio = json_object_get(json_object_get(s, "blkio_stats"),
	                                "io_service_bytes_recursive");
	const char *id = json_str(s, "id") ? json_str(s, "id") : "";
	const char *name = json_str(s, "name") ? json_str(s, "name") : "";
	double m = mem_usage(mem), limit = num(mem, "limit"), rx = 0, tx = 0, rd = 0, wr = 0;
	char cpu[32], memp[32], memu[72], netio[72], blockio[72], pids[24], sid[13];
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(nets, key, v)
	{
		rx += num(v, "rx_bytes");
		tx += num(v, "tx_bytes");
	}
	json_array_foreach(blkio, i, v)
	{
		const char *op = json_str(v, "op") ? json_str(v, "op") : "";
		if (!strcasecmp(op, "read"))
			rd += num(v, "value");
		else if (!strcasecmp(op, "write"))
			wr += num(v, "value");
	}
	snprintf(cpu, sizeof(cpu), "%.2f%%", cpu_percent(s));
	snprintf(memp, sizeof(memp), "%.2f%%", limit ? m / limit * 100.0 : 0.0);
	pair(memu, m, limit, true);
	pair(netio, rx, tx, false);
	pair(blockio, rd, wr, false);
	snprintf(pids, sizeof(pids), "%lld", json_int(json_object_get(s, "pids_stats"), "current", 0));
	fmt_short_id(id, sid);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "BlockIO", blockio,
	                 "CPUPerc", cpu, "Container", given ? given : sid, "ID", trunc ? sid : id,
	                 "MemPerc", memp, "MemUsage", memu, "Name", *name == '/' ? name + 1 : name,
	                 "NetIO", netio, "PIDs", pids);
}

/* One round: a row per container, or NULL after printing the error. */
static json_t *sample(char **names, bool given, bool trunc)
{
	json_t *rows = json_array();

	for (char **n = names; n && *n; n++) {
		_cleanup_free_ char *path = NULL, *en = client_escape(*n);
		_cleanup_json_ json_t *s = NULL;
		if (asprintf(&path, "/containers/%s/stats?stream=0", en) < 0 ||
		    !(s = client_call("GET", path, NULL))) {
			json_decref(rows);
			return NULL;
		}
		json_array_append_new(rows, stats_row(s, given ? *n : NULL, trunc));
	}
	return rows;
}

static char **list_containers(bool all)
{
	_cleanup_json_ json_t *list = client_call("GET", all ? "/containers/json?all=1"
	                                                     : "/containers/json", NULL);
	char **ids = calloc(1, sizeof(char *));
	size_t i;
	json_t *c;

	json_array_foreach(list, i, c) ids = strv_push(ids, json_str(c, "Id"));
	return ids;
}

static const struct cli_cmd_ctx stats_ctx = {"stats", "stats [OPTIONS] [CONTAINER...]"};

int cmd_stats(int argc, char **argv)
{
	bool all = false, no_stream = false, no_trunc = false;
	const char *format = NULL;
	const struct cli_opt opts[] = {
	    {"all", 'a', OPT_BOOL, &all, "Show all containers (default shows just running)"},
	    {"format", 0, OPT_STRING, &format, "Format output using a custom template"},
	    {"no-stream", 0, OPT_BOOL, &no_stream,
	     "Disable streaming stats and only pull the first result"},
	    {"no-trunc", 0, OPT_BOOL, &no_trunc, "Do not truncate output"},
	    {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_json_ json_t *headers = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Container", "CONTAINER", "ID",
	    "CONTAINER ID", "Name", "NAME", "CPUPerc", "CPU %", "MemUsage", "MEM USAGE / LIMIT",
	    "MemPerc", "MEM %", "NetIO", "NET I/O", "BlockIO", "BLOCK I/O", "PIDs", "PIDS");
	const char *def = "table {{.ID}}\\t{{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}\\t{{.MemPerc}}"
	                  "\\t{{.NetIO}}\\t{{.BlockIO}}\\t{{.PIDs}}";
	bool given;
	int r;

	CLI_PARSE(&stats_ctx, argc, argv, opts, false, &args);
	given = args && *args;
	for (;;) {
		_cleanup_strv_ char **names = given ? strv_copy(args) : list_containers(all);
		_cleanup_json_ json_t *rows = sample(names, given, !no_trunc);
		if (!rows)
			return 1;
		if (!no_stream && isatty(STDOUT_FILENO))
			printf("\033[2J\033[H"); /* redraw in place, as the docker CLI does */
		if ((r = fmt_rows(format, def, headers, rows)))
			return r;
		fflush(stdout);
		if (no_stream)
			return 0;
		sleep(1);
	}
}
