#pragma once
/* The exec spec berthd writes for a native `docker exec` (<exec dir>/exec.spec): the OCI
 * process of the exec, flattened to lines the shim parses without a JSON parser. Format in
 * docs/shim.md; written by src/runtime/execspec.c. */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SPEC_MAX_RLIMITS 16

struct exec_spec {
	char **args, **env; /* NULL-terminated */
	size_t nargs, nenv;
	char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	int umask; /* -1: keep */
	/* capability sets as bit masks by capability number */
	uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
	int no_new_privs;
	struct {
		int resource;
		uint64_t soft, hard;
	} rlimits[SPEC_MAX_RLIMITS];
	size_t nrlimits;
	int have_oom_score_adj, oom_score_adj;
	char *apparmor;  /* NULL: none */
	char *seccomp;   /* path of the classic BPF program; NULL: unconfined */
	char *keyring;   /* session keyring to join; NULL: keep (noNewKeyring) */
	int terminal;
	unsigned rows, cols;
	pid_t init_pid;  /* the container's init, whose namespaces and cgroups are joined */
	char *container; /* the container's ID: its init's cgroups must name it */
	int ns_flags;    /* CLONE_NEW* of the namespaces to join */
};

/* 0, or -1 with a message in msg. */
int exec_spec_load(const char *path, struct exec_spec *s, char *msg, size_t cap);
