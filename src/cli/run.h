#pragma once
/* berth create / run / start / attach. Each takes argv with argv[0] the command name and
 * returns the process exit code. */

int cmd_create(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_attach(int argc, char **argv);

/* Prints a JSON message stream (pull/load progress) the way the docker CLI does when
 * stdout is not a terminal. Returns 0, or -1 after printing the stream's error. */
struct client_resp;
int run_print_jsonmessages(struct client_resp *r, int quiet);
/* POST /images/create?fromImage=...; returns 0 or -1 after printing the error. */
int run_pull_image(const char *ref, const char *platform, int all_tags, int quiet);
