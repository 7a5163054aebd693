#pragma once
/* The prune request of each object kind, printed as the docker CLI prints it; shared by the
 * kind's own prune command and system prune. */

/* POST /<kind>/prune ("containers", "images", "volumes", "networks", "build") with the
 * --filter values; prints "Deleted ...:" and the list, adds the reclaimed bytes to *space.
 * Returns 0, or the exit code after printing the error (125 for a bad filter). */
int prune_run(const char *kind, char **filters, long long *space);

/* "Total reclaimed space: 1.2MB" */
void prune_print_total(long long space);
