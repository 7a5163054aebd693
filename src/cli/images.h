#pragma once
/* Image commands: argv[0] is the command name, the return value the exit code. */

int cmd_images(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_rmi(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_pull(int argc, char **argv);
int cmd_image_prune(int argc, char **argv);
int cmd_image_inspect(int argc, char **argv);
