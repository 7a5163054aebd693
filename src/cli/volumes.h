#pragma once
/* berth volume COMMAND: argv[0] is the subcommand name, the return value the exit code. */

int cmd_volume_create(int argc, char **argv);
int cmd_volume_ls(int argc, char **argv);
int cmd_volume_inspect(int argc, char **argv);
int cmd_volume_rm(int argc, char **argv);
int cmd_volume_prune(int argc, char **argv);
