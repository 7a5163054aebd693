#pragma once
/* Container commands other than create/run/start/attach: argv[0] is the command name,
 * the return value the exit code. */

int cmd_ps(int argc, char **argv);
int cmd_inspect(int argc, char **argv);           /* containers, then images */
int cmd_container_inspect(int argc, char **argv); /* containers only */
int cmd_logs(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_rename(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_container_prune(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_port(int argc, char **argv);
int cmd_update(int argc, char **argv);

/* Shared by image inspect: prints `objs` (a JSON array) as docker inspect does, through the
 * template when `format` is set. Returns 0 or 1. */
#include <jansson.h>
int containers_print_inspect(json_t *objs, const char *format);
/* Asks "Are you sure you want to continue? [y/N] " after `warning`; 1 for yes. */
int containers_confirm(const char *warning);
