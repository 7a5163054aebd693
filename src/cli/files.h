#pragma once
/* A container's files: cp, export, diff, commit. */

int cmd_cp(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_commit(int argc, char **argv);
