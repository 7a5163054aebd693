/* berth: the command-line client. Global flags, then a {name, handler} table like crun's;
 * each handler parses its own flags and speaks only the HTTP API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include "client.h"
#include "containers.h"
#include "files.h"
#include "images.h"
#include "registry.h"
#include "run.h"
#include "system.h"
#include "exec.h"
#include "networks.h"
#include "stats.h"
#include "volumes.h"

typedef int (*cmd_fn)(int argc, char **argv);

struct command {
	const char *name;
	cmd_fn fn;
	const char *help;
};

static const struct command commands[] = {
    {"run", cmd_run, "Create and run a new container from an image"},
    {"create", cmd_create, "Create a new container"},
    {"start", cmd_start, "Start one or more stopped containers"},
    {"attach", cmd_attach,
     "Attach local standard input, output, and error streams to a running container"},
    {"exec", cmd_exec, "Execute a command in a running container"},
    {"ps", cmd_ps, "List containers"},
    {"inspect", cmd_inspect, "Return low-level information on berth objects"},
    {"logs", cmd_logs, "Fetch the logs of a container"},
    {"stop", cmd_stop, "Stop one or more running containers"},
    {"kill", cmd_kill, "Kill one or more running containers"},
    {"restart", cmd_restart, "Restart one or more containers"},
    {"rm", cmd_rm, "Remove one or more containers"},
    {"rename", cmd_rename, "Rename a container"},
    {"top", cmd_top, "Display the running processes of a container"},
    {"wait", cmd_wait, "Block until one or more containers stop, then print their exit codes"},
    {"cp", cmd_cp, "Copy files/folders between a container and the local filesystem"},
    {"export", cmd_export, "Export a container's filesystem as a tar archive"},
    {"diff", cmd_diff, "Inspect changes to files or directories on a container's filesystem"},
    {"commit", cmd_commit, "Create a new image from a container's changes"},
    {"images", cmd_images, "List images"},
    {"pull", cmd_pull, "Download an image from a registry"},
    {"push", cmd_push, "Upload an image to a registry"},
    {"login", cmd_login, "Authenticate to a registry"},
    {"logout", cmd_logout, "Log out from a registry"},
    {"load", cmd_load, "Load an image from a tar archive or STDIN"},
    {"save", cmd_save, "Save one or more images to a tar archive (streamed to STDOUT by default)"},
    {"import", cmd_import, "Import the contents from a tarball to create a filesystem image"},
    {"tag", cmd_tag, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"},
    {"rmi", cmd_rmi, "Remove one or more images"},
    {"history", cmd_history, "Show the history of an image"},
    {"pause", cmd_pause, "Pause all processes within one or more containers"},
    {"unpause", cmd_unpause, "Unpause all processes within one or more containers"},
    {"update", cmd_update, "Update configuration of one or more containers"},
    {"port", cmd_port, "List port mappings or a specific mapping for the container"},
    {"events", cmd_events, "Get real time events from the server"},
    {"stats", cmd_stats, "Display a live stream of container(s) resource usage statistics"},
    {"version", cmd_version, "Show the berth version information"},
    {"info", cmd_info, "Display system-wide information"},
    {NULL, NULL, NULL},
};

static const struct command container_cmds[] = {
    {"run", cmd_run, NULL},       {"create", cmd_create, NULL},
    {"start", cmd_start, NULL},   {"attach", cmd_attach, NULL},
    {"exec", cmd_exec, NULL},     {"pause", cmd_pause, NULL},
    {"unpause", cmd_unpause, NULL}, {"update", cmd_update, NULL},
    {"port", cmd_port, NULL},     {"stats", cmd_stats, NULL},
    {"ls", cmd_ps, NULL},         {"list", cmd_ps, NULL},
    {"ps", cmd_ps, NULL},         {"inspect", cmd_container_inspect, NULL},
    {"logs", cmd_logs, NULL},     {"stop", cmd_stop, NULL},
    {"kill", cmd_kill, NULL},     {"restart", cmd_restart, NULL},
    {"rm", cmd_rm, NULL},         {"remove", cmd_rm, NULL},
    {"rename", cmd_rename, NULL}, {"top", cmd_top, NULL},
    {"wait", cmd_wait, NULL},     {"prune", cmd_container_prune, NULL},
    {"cp", cmd_cp, NULL},         {"export", cmd_export, NULL},
    {"diff", cmd_diff, NULL},     {"commit", cmd_commit, NULL},
    {NULL, NULL, NULL},
};

static const struct command image_cmds[] = {
    {"ls", cmd_images, NULL},
    {"list", cmd_images, NULL},
    {"pull", cmd_pull, NULL},
    {"push", cmd_push, NULL},
    {"load", cmd_load, NULL},
    {"save", cmd_save, NULL},
    {"import", cmd_import, NULL},
    {"tag", cmd_tag, NULL},
    {"rm", cmd_rmi, NULL},
    {"remove", cmd_rmi, NULL},
    {"history", cmd_history, NULL},
    {"prune", cmd_image_prune, NULL},
    {"inspect", cmd_image_inspect, NULL},
    {NULL, NULL, NULL},
};

static const struct command system_cmds[] = {
    {"info", cmd_info, NULL},
    {"df", cmd_system_df, NULL},
    {"prune", cmd_system_prune, NULL},
    {"events", cmd_events, NULL},
    {NULL, NULL, NULL},
};

static const struct command volume_cmds[] = {
    {"create", cmd_volume_create, NULL},
    {"ls", cmd_volume_ls, NULL},
    {"list", cmd_volume_ls, NULL},
    {"inspect", cmd_volume_inspect, NULL},
    {"rm", cmd_volume_rm, NULL},
    {"remove", cmd_volume_rm, NULL},
    {"prune", cmd_volume_prune, NULL},
    {NULL, NULL, NULL},
};

static const struct command network_cmds[] = {
    {"create", cmd_network_create, NULL},
    {"ls", cmd_network_ls, NULL},
    {"list", cmd_network_ls, NULL},
    {"inspect", cmd_network_inspect, NULL},
    {"rm", cmd_network_rm, NULL},
    {"remove", cmd_network_rm, NULL},
    {"connect", cmd_network_connect, NULL},
    {"disconnect", cmd_network_disconnect, NULL},
    {"prune", cmd_network_prune, NULL},
    {NULL, NULL, NULL},
};

static const struct group {
	const char *name;
	const struct command *cmds;
	const char *help;
} groups[] = {
    {"container", container_cmds, "Manage containers"},
    {"image", image_cmds, "Manage images"},
    {"network", network_cmds, "Manage networks"},
    {"system", system_cmds, "Manage berth"},
    {"volume", volume_cmds, "Manage volumes"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out, "\nUsage:  berth [OPTIONS] COMMAND\n\nA client for the berth container "
	             "engine\n\nCommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->help);
	fprintf(out, "\nManagement Commands:\n");
	for (const struct group *g = groups; g->name; g++)
		fprintf(out, "  %-10s %s\n", g->name, g->help);
	fprintf(out, "\nGlobal Options:\n  -H, --host string   Daemon socket to connect to\n  -v, "
	             "--version       Print version information and quit\n\nRun 'berth COMMAND "
	             "--help' for more information on a command.\n");
}

static void group_usage(const char *group, const struct command *cmds, FILE *out)
{
	fprintf(out, "\nUsage:  berth %s COMMAND\n\nCommands:\n", group);
	for (const struct command *c = cmds; c->name; c++)
		fprintf(out, "  %s\n", c->name);
	fprintf(out, "\nRun 'berth %s COMMAND --help' for more information on a command.\n", group);
}

static int dispatch(const struct command *table, int argc, char **argv)
{
	for (const struct command *c = table; c->name; c++)
		if (!strcmp(c->name, argv[0]))
			return c->fn(argc, argv);
	return -1;
}

static int run_group(const char *group, const struct command *table, int argc, char **argv)
{
	int r;

	if (argc < 2 || !strcmp(argv[1], "--help")) {
		group_usage(group, table, stdout);
		return 0;
	}
	if ((r = dispatch(table, argc - 1, argv + 1)) >= 0)
		return r;
	fprintf(
	    stderr,
	    "berth: unknown command: berth %s %s\n\nRun 'berth %s --help' for more information\n",
	    group, argv[1], group);
	return 1;
}

int main(int argc, char **argv)
{
	int i, r;

	/* a closed pipe ends the write, not the process (`berth logs x | head`) */
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-H") || !strcmp(a, "--host")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "flag needs an argument: %s\n", a);
				return 125;
			}
			client_set_host(argv[++i]);
		} else if (!strncmp(a, "--host=", 7))
			client_set_host(a + 7);
		else if (!strncmp(a, "-H", 2))
			client_set_host(a + 2);
		else if (!strcmp(a, "-v") || !strcmp(a, "--version")) {
			printf("berth version %s\n", BERTH_CLI_VERSION);
			return 0;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-D") || !strcmp(a, "--debug"))
			continue;
		else if (!strcmp(a, "-l") || !strcmp(a, "--log-level")) {
			i++;
		} else if (!strncmp(a, "--log-level=", 12))
			continue;
		else {
			fprintf(stderr, "unknown flag: %s\nSee 'berth --help'.\n", a);
			return 125;
		}
	}
	if (i >= argc) {
		usage(stdout);
		return 0;
	}
	argc -= i;
	argv += i;
	for (const struct group *g = groups; g->name; g++)
		if (!strcmp(argv[0], g->name))
			return run_group(g->name, g->cmds, argc, argv);
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	if ((r = dispatch(commands, argc, argv)) >= 0)
		return r;
	fprintf(stderr, "berth: '%s' is not a berth command.\nSee 'berth --help'\n", argv[0]);
	return 1;
}
