#pragma once
/* The exec spec of a native `docker exec` (docs/shim.md): the OCI process that
 * oci_exec_process builds, flattened to the shim's line format, plus what the shim needs of
 * the container (its init, namespaces, seccomp program). */
#include <sys/types.h>
#include <jansson.h>
#include "../common/error.h"

struct oci_exec_target {
	pid_t init_pid;           /* the container's init, host PID */
	const char *container_id;
	const char *seccomp_bpf;  /* the container's compiled filter; NULL when there is none */
};

/* `spec` is the container's config.json, `proc` the exec's OCI process. Caller frees.
 * ERR_NOT_IMPLEMENTED when the shim cannot start this process itself (the runtime must). */
char *oci_exec_spec_text(const json_t *spec, const json_t *proc, const struct oci_exec_target *t,
                         eng_error_t *err);
