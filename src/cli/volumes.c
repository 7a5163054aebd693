#include "volumes.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "objects.h"
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

/* The row docker's volume formatter renders. */
static json_t *volume_row(json_t *v, bool trunc)
{
	(void)trunc;
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
	static const struct list_spec spec = {"volumes", "Volumes", volume_row, "{{.Name}}",
	                                      "table {{.Driver}}\\t{{.Name}}"};
	_cleanup_json_ json_t *headers = NULL;
	int r;

	CLI_PARSE(&ls_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&ls_ctx, args, 0, 0)))
		return r;
	headers = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Driver", "DRIVER", "Name",
	                    "VOLUME NAME", "Labels", "LABELS", "Links", "LINKS", "Mountpoint",
	                    "MOUNTPOINT", "Scope", "SCOPE", "Size", "SIZE");
	return list_objects(&spec, filters, format, quiet, false, headers);
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
	int r;

	CLI_PARSE(&rm_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&rm_ctx, args, 1, -1)))
		return r;
	return remove_objects("volumes", args, force ? "?force=1" : "", false);
}

static const struct cli_cmd_ctx prune_ctx = {"volume prune", "volume prune [OPTIONS]"};

int cmd_volume_prune(int argc, char **argv)
{
	static const struct prune_spec spec = {
	    .kind = "volumes",
	    .warning = "WARNING! This will remove anonymous local volumes not used by at least "
	               "one container.",
	    .all_warning = "WARNING! This will remove all local volumes not used by at least one "
	                   "container.",
	    .all_filter = "all=true",
	    .total = true};
	return prune_command(&prune_ctx, argc, argv, &spec);
}
