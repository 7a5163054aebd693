#include "volumes.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "containers.h"
#include "format.h"
#include "opts.h"
#include "prune.h"
#include "values.h"
#include "../common/cleanup.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

static const struct cli_cmd_ctx create_ctx = {"volume create",
                                              "volume create [OPTIONS] [VOLUME]"};

int cmd_volume_create(int argc, char **argv)
{
	const char *driver = "local", *name = NULL;
	_cleanup_strv_ char **args = NULL, **opt = NULL, **labels = NULL;
	const struct cli_opt opts[] = {
	    {"driver", 'd', OPT_STRING, &driver, "Specify volume driver name"},
	    {"label", 0, OPT_LIST, &labels, "Set metadata for a volume"},
	    {"name", 0, OPT_STRING, &name, "Specify volume name"},
	    {"opt", 'o', OPT_LIST, &opt, "Set driver specific options"},
	    {0}};
	_cleanup_json_ json_t *body = NULL, *v = NULL;
	int r;

	CLI_PARSE(&create_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&create_ctx, args, 0, 1)))
		return r;
	if (args[0] && name && strcmp(args[0], name)) {
		fprintf(stderr, "conflicting options: cannot specify a volume-name through both "
		                "--name and as a positional arg\n");
		return 1;
	}
	body = json_pack("{s:s, s:s, s:o, s:o}", "Name", args[0] ? args[0] : name ? name : "",
	                 "Driver", driver, "DriverOpts", cli_kv_object(opt), "Labels",
	                 cli_kv_object(labels));
	if (!(v = client_call("POST", "/volumes/create", body)))
		return 1;
	printf("%s\n", json_str(v, "Name") ? json_str(v, "Name") : "");
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strverscmp(json_str(*(json_t *const *)a, "Name"),
	                  json_str(*(json_t *const *)b, "Name"));
}

/* The row docker's volume formatter renders. */
static json_t *volume_row(json_t *v)
{
	_cleanup_free_ char *labels = fmt_join_keys(json_object_get(v, "Labels"), ",", true);
	json_t *usage = json_object_get(v, "UsageData");
	char size[32] = "N/A";

	if (usage && json_int(usage, "Size", -1) >= 0)
		fmt_size(json_int(usage, "Size", 0), size);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Availability",
	                 "N/A", "Driver", json_str(v, "Driver") ? json_str(v, "Driver") : "",
	                 "Group", "N/A", "Labels", labels, "Links", "N/A", "Mountpoint",
	                 json_str(v, "Mountpoint") ? json_str(v, "Mountpoint") : "", "Name",
	                 json_str(v, "Name") ? json_str(v, "Name") : "", "Scope",
	                 json_str(v, "Scope") ? json_str(v, "Scope") : "local", "Size", size,
	                 "Status", "N/A");
}

static const struct cli_cmd_ctx ls_ctx = {"volume ls", "volume ls [OPTIONS]"};

int cmd_volume_ls(int argc, char **argv)
{
	bool quiet = false;
	const char *format = NULL;
	_cleanup_strv_ char **args = NULL, **filters = NULL;
	const struct cli_opt opts[] = {
	    {"filter", 'f', OPT_LIST, &filters, "Provide filter values (e.g. \"dangling=true\")"},
	    {"format", 0, OPT_STRING, &format, "Format output using a custom template"},
	    {"quiet", 'q', OPT_BOOL, &quiet, "Only display volume names"},
	    {0}};
	_cleanup_free_ char *fq = NULL, *path = NULL;
	_cleanup_json_ json_t *list = NULL, *rows = json_array(), *headers = NULL;
	json_t **vols, *v;
	size_t i, n;
	int r;

	CLI_PARSE(&ls_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&ls_ctx, args, 0, 0)))
		return r;
	if (!(fq = cli_filters_query(filters, NULL, NULL)))
		return 125;
	if (asprintf(&path, "/volumes%s%s", *fq ? "?filters=" : "", fq) < 0)
		return 1;
	if (!(list = client_call("GET", path, NULL)))
		return 1;
	json_t *arr = json_object_get(list, "Volumes");
	n = json_array_size(arr);
	vols = calloc(n + 1, sizeof(*vols));
	json_array_foreach(arr, i, v) vols[i] = v;
	qsort(vols, n, sizeof(*vols), cmp_name);
	for (i = 0; i < n; i++)
		json_array_append_new(rows, volume_row(vols[i]));
	free(vols);
	headers = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Driver", "DRIVER", "Name",
	                    "VOLUME NAME", "Labels", "LABELS", "Links", "LINKS", "Mountpoint",
	                    "MOUNTPOINT", "Scope", "SCOPE", "Size", "SIZE");
	if (quiet && !(format && *format))
		return fmt_rows(NULL, "{{.Name}}", headers, rows);
	return fmt_rows(format, "table {{.Driver}}\\t{{.Name}}", headers, rows);
}

static const struct cli_cmd_ctx inspect_ctx = {"volume inspect",
                                               "volume inspect [OPTIONS] VOLUME [VOLUME...]"};

int cmd_volume_inspect(int argc, char **argv)
{
	const char *format = NULL;
	_cleanup_strv_ char **args = NULL;
	const struct cli_opt opts[] = {
	    {"format", 'f', OPT_STRING, &format, "Format output using a custom template"}, {0}};
	int r;

	CLI_PARSE(&inspect_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&inspect_ctx, args, 1, -1)))
		return r;
	return inspect_objects("volumes", args, format, true);
}

static const struct cli_cmd_ctx rm_ctx = {"volume rm",
                                          "volume rm [OPTIONS] VOLUME [VOLUME...]"};

int cmd_volume_rm(int argc, char **argv)
{
	bool force = false;
	_cleanup_strv_ char **args = NULL;
	const struct cli_opt opts[] = {
	    {"force", 'f', OPT_BOOL, &force, "Force the removal of one or more volumes"}, {0}};
	int r, failed = 0;

	CLI_PARSE(&rm_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&rm_ctx, args, 1, -1)))
		return r;
	for (char **a = args; *a; a++) {
		_cleanup_free_ char *path = NULL, *en = client_escape(*a);
		json_t *j;
		if (asprintf(&path, "/volumes/%s?force=%d", en, force) < 0)
			return 1;
		if (!(j = client_call("DELETE", path, NULL))) {
			failed = 1;
			continue;
		}
		json_decref(j);
		printf("%s\n", *a);
	}
	return failed;
}

static const struct cli_cmd_ctx prune_ctx = {"volume prune", "volume prune [OPTIONS]"};

int cmd_volume_prune(int argc, char **argv)
{
	bool force = false, all = false;
	_cleanup_strv_ char **args = NULL, **filters = NULL;
	const struct cli_opt opts[] = {
	    {"all", 'a', OPT_BOOL, &all, "Remove all unused volumes, not just anonymous ones"},
	    {"filter", 0, OPT_LIST, &filters, "Provide filter values (e.g. \"label=<label>\")"},
	    {"force", 'f', OPT_BOOL, &force, "Do not prompt for confirmation"},
	    {0}};
	long long space = 0;
	int r;

	CLI_PARSE(&prune_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&prune_ctx, args, 0, 0)))
		return r;
	if (all)
		filters = strv_push(filters, "all=true");
	if (!force && !containers_confirm(all ? "WARNING! This will remove all local volumes not "
	                                        "used by at least one container."
	                                      : "WARNING! This will remove anonymous local "
	                                        "volumes not used by at least one container."))
		return 0;
	if ((r = prune_run("volumes", filters, &space)))
		return r;
	prune_print_total(space);
	return 0;
}
