#pragma once
/* The shim's single poll() loop: container output to the log and to attached clients,
 * client stdin to the container, the control socket, and reaping through a signalfd. */
#include <sys/types.h>

/* The attach flags, as in src/runtime/shim.h. */
#define LOOP_STDIN 1u
#define LOOP_STDOUT 2u
#define LOOP_STDERR 4u

struct loop_config {
	int out_fd, err_fd; /* read ends of the stdout/stderr pipes, or out_fd = PTY master */
	int in_fd;          /* write end of the stdin pipe, the PTY master, or -1 */
	int tty, stdin_once;
	int listen_fd; /* control socket */
	int sig_fd;    /* signalfd for SIGCHLD */
	pid_t init_pid;
};

/* Takes `fd`. Clients attached before the loop runs see output from the first byte.
 * hex_keys: the detach sequence of a TTY client with stdin as hex; NULL or "" for docker's
 * ctrl-p,ctrl-q. */
void loop_add_client(int fd, unsigned flags, const char *hex_keys);
/* Runs until the container's init has exited and its output is drained (at most about a
 * second after the exit if some other process holds the pipes). Returns init's wait status. */
int loop_run(const struct loop_config *cfg);
/* Flushes what clients still have buffered (bounded in time) and closes them: the end of
 * the stream tells `docker run` that the container is done. */
void loop_close_clients(void);
/* Reaps every exited child without blocking. */
void loop_reap(void);
