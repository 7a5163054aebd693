#pragma once
/* Native `docker exec` for containers run by runc: the shim starts the process inside the
 * running container itself, as `runc exec` would (namespaces and cgroups of the container's
 * init, user, capabilities, rlimits, no_new_privs, AppArmor, the container's seccomp filter,
 * a PTY from the container's devpts). See docs/shim.md. */
#include "execspec.h"

/* The process's host PID once it has exec'd; *ret_master is the PTY master with a terminal.
 * Non-TTY stdio is in, out, errfd. On failure -1 and msg in runc's words ("unable to start
 * container process: exec: \"x\": executable file not found in $PATH"). */
#define NSEXEC_REFUSED "unable to start container process"
pid_t nsexec_start(const struct exec_spec *s, int in, int out, int errfd, int *ret_master,
                   char *msg, size_t cap);
