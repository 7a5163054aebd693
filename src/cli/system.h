#pragma once
/* berth version / info / events / system df / system prune: argv[0] is the command name, the return value the exit code. */

int cmd_version(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_system_df(int argc, char **argv);
int cmd_system_prune(int argc, char **argv);

/* The client's version string, for `berth -v`. */
#define BERTH_CLI_VERSION "0.1.0"
