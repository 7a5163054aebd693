#pragma once
/* The prune request of each object kind, printed as the docker CLI prints it; shared by the
 * kind's own prune command and system prune. */

/* POST /<kind>/prune ("containers", "images", "volumes", "networks", "build") with the
 * --filter values; prints "Deleted ...:" and the list, adds the reclaimed bytes to *space.
 * Returns 0, or the exit code after printing the error (125 for a bad filter). */
int prune_run(const char *kind, char **filters, long long *space);

/* "Total reclaimed space: 1.2MB" */
void prune_print_total(long long space);

/* A kind's prune command: --filter, -f/--force and, when the spec has `all_warning`,
 * -a/--all; the confirmation prompt, the request, the total when docker prints one. */
#include <stdbool.h>
struct cli_cmd_ctx;
struct prune_spec {
	const char *kind;
	const char *warning, *all_warning; /* the prompt without and with --all */
	const char *filter, *all_filter;   /* added to the filters without and with --all */
	bool total;
};
int prune_command(const struct cli_cmd_ctx *ctx, int argc, char **argv,
                  const struct prune_spec *spec);
