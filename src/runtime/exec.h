#pragma once
/* The OCI process object of a `docker exec` (the file `<runtime> exec --process` reads),
 * derived from the container's config.json as dockerd derives it from the container's spec. */
#include <jansson.h>
#include "../common/error.h"

struct oci_exec_opts {
	char *const *args; /* args[0] non-NULL */
	char *const *env;  /* the complete environment; HOME is added when absent */
	const char *cwd;   /* NULL or "" means "/" */
	const char *user;  /* docker -u; NULL or "" keeps the container's user */
	int tty;
	int privileged;      /* every capability the kernel knows */
	unsigned rows, cols; /* console size with a TTY, 0 for the runtime's default */
};

/* `spec` is the container's config.json (borrowed); users resolve against its root.path.
 * New reference. ERR_INVALID for an unknown user, as docker words it. */
json_t *oci_exec_process(const json_t *spec, const struct oci_exec_opts *o, eng_error_t *err);

/* Checks docker -u against the container's rootfs, for an early error at exec create. */
int oci_exec_check_user(const json_t *spec, const char *user, eng_error_t *err);
