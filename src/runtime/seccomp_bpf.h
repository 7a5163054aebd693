#pragma once
/* The container's OCI linux.seccomp compiled to the classic BPF program runc loads, for the
 * shim's native exec (docs/shim.md): same libseccomp rules as runc's InitSeccomp, and the
 * same -ENOSYS stub in front (syscalls newer than every one the profile names fail with
 * ENOSYS, not the default action, so programs fall back to older ones). */
#include <jansson.h>
#include "../common/error.h"

/* in the container's bundle */
#define SECCOMP_BPF_FILE "seccomp.bpf"

/* Writes the program (struct sock_filter[]) to `path`, which must not exist (no fsync: it is
 * rewritten at every start). ERR_NOT_IMPLEMENTED for what the native
 * exec does not do (SCMP_ACT_NOTIFY, filter flags, an architecture without a stub): the exec
 * then goes through the runtime. */
int seccomp_bpf_write(const json_t *seccomp, const char *path, eng_error_t *err);
