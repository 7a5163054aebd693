#pragma once
/* Builds the OCI runtime config.json for a container, with docker's defaults: namespaces,
 * the default capability set, masked and read-only paths, /dev, /dev/shm, /dev/pts, /proc,
 * /sys, the cgroup mount, rlimits, and the seccomp profile. */
#include <sys/types.h>
#include <jansson.h>
#include "../common/error.h"

struct oci_spec_opts {
	const char *container_id;
	const char *rootfs;        /* absolute path of the mounted root filesystem */
	char *const *args;         /* process args, args[0] non-NULL */
	char *const *env;          /* "K=V"; PATH added by the caller */
	const char *cwd;           /* NULL or "" means "/" */
	const char *user;          /* docker -u: "", "name", "uid", "name:group", "uid:gid" */
	int tty;
	const char *hostname;
	char *const *binds;        /* docker -v "src:dst[:opts]" with absolute src */
	const json_t *mounts;      /* extra OCI mount objects (tmpfs), sorted with the binds */
	const char *hosts_path;    /* files bind-mounted at /etc/hosts, /etc/hostname, */
	const char *hostname_path; /* /etc/resolv.conf; NULL to skip */
	const char *resolv_path;
	const char *netns_path;    /* NULL: a new network namespace */
	const json_t *seccomp;     /* OCI linux.seccomp object, NULL for unconfined */
	const char *cgroups_path;  /* e.g. "/berth/<id>" */
	int64_t shm_size;          /* bytes, 0 for docker's 64 MiB */
};

/* New reference. ERR_INVALID for a bad user ("unable to find user foo: no matching entries
 * in passwd file") or bind spec. */
json_t *oci_spec_build(const struct oci_spec_opts *o, eng_error_t *err);

/* Docker's seccomp profile format (reference/seccomp-default.json) to the OCI form for this
 * architecture and capability set (capabilities as "CAP_CHOWN", ...). New reference. */
json_t *seccomp_to_oci(const json_t *profile, char *const *caps, eng_error_t *err);

/* Every capability name the project knows, without "CAP_", by number; NULL-terminated. */
char *const *oci_cap_names(void);
/* ["CAP_...", ...] for a privileged process: what this kernel has, less what berthd's own
 * bounding set lacks (the runtime could not grant it). New reference. */
json_t *oci_all_caps(void);

/* docker's default capabilities, NULL-terminated, static. */
char *const *oci_default_caps(void);

/* Resolves docker's -u inside `rootfs` from its /etc/passwd and /etc/group (never following
 * links out of the rootfs). Supplementary groups from /etc/group; caller frees *ret_groups. */
int oci_resolve_user(const char *rootfs, const char *user, uid_t *ret_uid, gid_t *ret_gid,
		     gid_t **ret_groups, size_t *ret_ngroups, eng_error_t *err);
