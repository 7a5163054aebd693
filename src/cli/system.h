#pragma once
/* berth version / info: argv[0] is the command name, the return value the exit code. */

int cmd_version(int argc, char **argv);
int cmd_info(int argc, char **argv);

/* The client's version string, for `berth -v`. */
#define BERTH_CLI_VERSION "0.1.0"
