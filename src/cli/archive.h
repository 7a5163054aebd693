#pragma once
/* Commands on a container's filesystem: cp, diff, export, commit. argv[0] is the command
 * name, the return value the exit code. */

int cmd_cp(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_commit(int argc, char **argv);
