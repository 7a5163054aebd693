#pragma once
/* berthd's side of the shim protocol (docs/shim.md). berth-shim is started once per
 * container, double-forked and in its own session, so it outlives berthd. It runs
 * `<runtime> run --detach`, becomes the container's subreaper, owns its stdio (pipes or the
 * PTY master), writes the json-file log, serves attach clients, and on exit writes the
 * exit record atomically before it exits. */
#include <stdint.h>
#include <sys/types.h>
#include "../common/error.h"

#define SHIM_STDIN 1u
#define SHIM_STDOUT 2u
#define SHIM_STDERR 4u

#define SHIM_DETACH_MAX 16 /* keeps the control line short enough for older shims */

struct shim_attach {
	int fd;         /* hijacked client connection; ownership passes to the shim */
	unsigned flags; /* SHIM_STDIN | SHIM_STDOUT | SHIM_STDERR */
	/* the detach sequence of a TTY client with stdin; none: the shim's ctrl-p,ctrl-q */
	unsigned char detach_keys[SHIM_DETACH_MAX];
	size_t ndetach;
};

/* Parses docker's --detach-keys format (moby's term.ToBytes: comma-separated "ctrl-<c>",
 * "DEL" or one character) into a->detach_keys. An empty or NULL `keys` keeps the default.
 * -1 when invalid; the caller words the error (attach and exec say it differently). */
int shim_parse_detach_keys(const char *keys, struct shim_attach *a);

struct shim_start_opts {
	const char *shim_path;    /* berth-shim */
	const char *runtime_path; /* runc, crun, ... */
	const char *runtime_root; /* runtime's --root (state dir) */
	const char *id;
	const char *bundle;       /* holds config.json; the shim's socket and exit file go here */
	/* docker exec: run <bundle>/process.json (an OCI process) in the running container
	 * `id` with `<runtime> exec`; `bundle` is then the exec's own directory. No log. */
	const char *exec_id;
	/* with exec_id: the shim starts the process itself from <bundle>/exec.spec */
	int exec_native;
	const char *log_path;     /* json-file log; NULL for no log */
	int64_t log_max_size;     /* bytes, 0 for unlimited */
	int log_max_file;         /* files kept with rotation, >= 1 */
	int tty, open_stdin, stdin_once;
	const struct shim_attach *attach; /* clients attached before start (docker run) */
	size_t nattach;
};

/* Starts the container under a new shim. On success the container runs: *ret_shim_pid and
 * *ret_pid (the container's init, host PID) are set. On failure the runtime's message is in
 * err (ERR_INVALID when the runtime refused the container's config, e.g. executable not
 * found), and nothing is left running. The attach fds are consumed either way. */
int shim_start(const struct shim_start_opts *o, pid_t *ret_shim_pid, pid_t *ret_pid,
	       eng_error_t *err);

/* Hands one more client to a running container's shim. `fd` is consumed. */
int shim_attach(const char *bundle, const struct shim_attach *a, eng_error_t *err);

/* Resizes the container's PTY. */
int shim_resize(const char *bundle, unsigned rows, unsigned cols, eng_error_t *err);

struct shim_exit {
	int exit_code;       /* 128+signal when killed by a signal */
	int oom_killed;
	int64_t finished_ns;
};
/* Reads <bundle>/exit. ERR_NOT_FOUND when the container has not exited. */
int shim_read_exit(const char *bundle, struct shim_exit *ret, eng_error_t *err);
