#include "prune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "containers.h"
#include "format.h"
#include "opts.h"
#include "values.h"
#include "../common/cleanup.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

static const struct {
	const char *kind, *key, *title;
} kinds[] = {
    {"containers", "ContainersDeleted", "Deleted Containers:"},
    {"images", "ImagesDeleted", "Deleted Images:"},
    {"volumes", "VolumesDeleted", "Deleted Volumes:"},
    {"networks", "NetworksDeleted", "Deleted Networks:"},
    {"build", "CachesDeleted", "Deleted build cache objects:"},
};

int prune_run(const char *kind, char **filters, long long *space)
{
	_cleanup_free_ char *fq = cli_filters_query(filters, NULL, NULL), *path = NULL;
	_cleanup_json_ json_t *j = NULL;
	size_t k = 0, i;
	json_t *e;

	while (strcmp(kinds[k].kind, kind))
		k++;
	if (!fq)
		return 125;
	if (asprintf(&path, "/%s/prune%s%s", kind, *fq ? "?filters=" : "", fq) < 0 ||
	    !(j = client_call("POST", path, NULL)))
		return 1;
	json_t *del = json_object_get(j, kinds[k].key);
	if (json_array_size(del)) {
		printf("%s\n", kinds[k].title);
		json_array_foreach(del, i, e)
		{
			if (json_is_string(e))
				printf("%s\n", json_string_value(e));
			if (json_str(e, "Untagged"))
				printf("untagged: %s\n", json_str(e, "Untagged"));
			if (json_str(e, "Deleted"))
				printf("deleted: %s\n", json_str(e, "Deleted"));
		}
		printf("\n");
	}
	*space += json_int(j, "SpaceReclaimed", 0);
	return 0;
}

void prune_print_total(long long space)
{
	char sz[32];

	fmt_size(space, sz);
	printf("Total reclaimed space: %s\n", sz);
}

int prune_command(const struct cli_cmd_ctx *ctx, int argc, char **argv,
                  const struct prune_spec *spec)
{
	bool force = false, all = false;
	_cleanup_strv_ char **filters = NULL, **args = NULL;
	const struct cli_opt opts[] = {
	    {"filter", 0, OPT_LIST, &filters, "Provide filter values (e.g. \"until=<timestamp>\")"},
	    {"force", 'f', OPT_BOOL, &force, "Do not prompt for confirmation"},
	    {spec->all_warning ? "all" : NULL, 'a', OPT_BOOL, &all,
	     "Remove all unused objects, not just dangling or anonymous ones"},
	    {0}};
	const char *extra;
	long long space = 0;
	int r;

	CLI_PARSE(ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(ctx, args, 0, 0)))
		return r;
	if ((extra = all ? spec->all_filter : spec->filter))
		filters = strv_push(filters, extra);
	if (!force && !containers_confirm(all ? spec->all_warning : spec->warning))
		return 0;
	if ((r = prune_run(spec->kind, filters, &space)))
		return r;
	if (spec->total)
		prune_print_total(space);
	return 0;
}
