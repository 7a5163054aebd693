#pragma once
/* berth network COMMAND: argv[0] is the subcommand name, the return value the exit code. */

int cmd_network_create(int argc, char **argv);
int cmd_network_ls(int argc, char **argv);
int cmd_network_inspect(int argc, char **argv);
int cmd_network_rm(int argc, char **argv);
int cmd_network_connect(int argc, char **argv);
int cmd_network_disconnect(int argc, char **argv);
int cmd_network_prune(int argc, char **argv);
