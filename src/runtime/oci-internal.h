#pragma once
/* Private to runtime/oci.c, seccomp.c and user.c. */
#include <sys/types.h>
#include "../common/error.h"

struct oci_user {
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* supplementary groups, owned */
	size_t ngroups;
	char *home; /* from passwd, "/" when there is no entry; owned */
};

/* oci_resolve_user plus the home directory docker puts in HOME. */
int oci_user_lookup(const char *rootfs, const char *user, struct oci_user *ret, eng_error_t *err);
void oci_user_clear(struct oci_user *u);
