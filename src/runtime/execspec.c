/* OCI process -> exec.spec lines. Everything of the process runc's setns init applies is
 * carried over; anything else makes the exec go through the runtime. */
#include "execspec.h"
#include "oci.h"
#include "../common/jsonutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static int unsupported(eng_error_t *err, const char *what)
{
	return eng_error_make(err, ENOTSUP, ERR_NOT_IMPLEMENTED, "native exec: %s", what);
}

/* "key value\n" with the value's "\" and newlines escaped. */
static void put(FILE *f, const char *key, const char *val)
{
	fprintf(f, "%s ", key);
	for (; *val; val++) {
		if (*val == '\\')
			fputs("\\\\", f);
		else if (*val == '\n')
			fputs("\\n", f);
		else
			fputc(*val, f);
	}
	fputc('\n', f);
}

static int put_strv(FILE *f, const char *key, const json_t *arr)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v))
			return -1;
		put(f, key, json_string_value(v));
	}
	return 0;
}

static unsigned long long cap_mask(const json_t *names)
{
	char *const *known = oci_cap_names();
	unsigned long long m = 0;
	const json_t *v;
	size_t i;

	json_array_foreach(names, i, v)
	{
		const char *n = json_string_value(v);
		if (!n || strncmp(n, "CAP_", 4))
			continue;
		for (size_t c = 0; known[c]; c++)
			if (!strcmp(known[c], n + 4))
				m |= 1ULL << c;
	}
	return m; /* names this kernel does not know are skipped, as runc warns and skips */
}

static int rlimit_of(const char *name)
{
	static const char *const t[] = {
	    [RLIMIT_CPU] = "RLIMIT_CPU",         [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
	    [RLIMIT_DATA] = "RLIMIT_DATA",       [RLIMIT_STACK] = "RLIMIT_STACK",
	    [RLIMIT_CORE] = "RLIMIT_CORE",       [RLIMIT_RSS] = "RLIMIT_RSS",
	    [RLIMIT_NPROC] = "RLIMIT_NPROC",     [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
	    [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK", [RLIMIT_AS] = "RLIMIT_AS",
	    [RLIMIT_LOCKS] = "RLIMIT_LOCKS",     [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
	    [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
	    [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",   [RLIMIT_RTTIME] = "RLIMIT_RTTIME"};

	for (size_t i = 0; name && i < sizeof(t) / sizeof(*t); i++)
		if (t[i] && !strcmp(t[i], name))
			return (int)i;
	return -1;
}

static int put_namespaces(FILE *f, const json_t *lnx, eng_error_t *err)
{
	static const struct {
		const char *oci, *shim;
	} t[] = {{"mount", "mnt"}, {"uts", "uts"},   {"ipc", "ipc"},      {"network", "net"},
	         {"pid", "pid"},   {"user", "user"}, {"cgroup", "cgroup"}};
	const json_t *ns;
	size_t i;

	fputs("namespaces", f);
	json_array_foreach(json_object_get(lnx, "namespaces"), i, ns)
	{
		const char *type = json_str(ns, "type");
		size_t k;
		for (k = 0; k < sizeof(t) / sizeof(*t) && (!type || strcmp(t[k].oci, type)); k++)
			;
		if (k == sizeof(t) / sizeof(*t))
			return unsupported(err, "a namespace the shim does not join");
		fprintf(f, " %s", t[k].shim);
	}
	fputc('\n', f);
	return 0;
}

static int put_process(FILE *f, const json_t *proc, eng_error_t *err)
{
	const json_t *user = json_object_get(proc, "user"), *caps = json_object_get(proc, "capabilities");
	const json_t *v, *cs;
	const char *s;
	size_t i;

	if ((s = json_str(proc, "selinuxLabel")) && *s)
		return unsupported(err, "SELinux labels");
	if (json_object_get(proc, "scheduler") || json_object_get(proc, "ioPriority") ||
	    json_object_get(proc, "execCPUAffinity"))
		return unsupported(err, "scheduler, I/O priority or CPU affinity");
	if (put_strv(f, "arg", json_object_get(proc, "args")) < 0 ||
	    put_strv(f, "env", json_object_get(proc, "env")) < 0)
		return eng_error_make(err, EINVAL, ERR_INTERNAL, "exec process: bad args or env");
	put(f, "cwd", json_str(proc, "cwd") ?: "/");
	fprintf(f, "user %lld %lld\n", (long long)json_int(user, "uid", 0),
	        (long long)json_int(user, "gid", 0));
	if (json_array_size(json_object_get(user, "additionalGids"))) {
		fputs("groups", f);
		json_array_foreach(json_object_get(user, "additionalGids"), i, v)
		    fprintf(f, " %lld", (long long)json_integer_value(v));
		fputc('\n', f);
	}
	if ((v = json_object_get(user, "umask")) && json_is_integer(v))
		fprintf(f, "umask %lld\n", (long long)json_integer_value(v));
	fprintf(f, "caps %llx %llx %llx %llx %llx\n", cap_mask(json_object_get(caps, "bounding")),
	        cap_mask(json_object_get(caps, "effective")),
	        cap_mask(json_object_get(caps, "permitted")),
	        cap_mask(json_object_get(caps, "inheritable")),
	        cap_mask(json_object_get(caps, "ambient")));
	fprintf(f, "no_new_privs %d\n", json_bool(proc, "noNewPrivileges", 0));
	json_array_foreach(json_object_get(proc, "rlimits"), i, v)
	{
		int r = rlimit_of(json_str(v, "type"));
		if (r < 0)
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid rlimit type %s",
			                      json_str(v, "type") ?: "");
		fprintf(f, "rlimit %d %llu %llu\n", r,
		        (unsigned long long)json_integer_value(json_object_get(v, "soft")),
		        (unsigned long long)json_integer_value(json_object_get(v, "hard")));
	}
	if ((v = json_object_get(proc, "oomScoreAdj")) && json_is_integer(v))
		fprintf(f, "oom_score_adj %lld\n", (long long)json_integer_value(v));
	if ((s = json_str(proc, "apparmorProfile")) && *s)
		put(f, "apparmor", s);
	fprintf(f, "terminal %d\n", json_bool(proc, "terminal", 0));
	cs = json_object_get(proc, "consoleSize");
	if (cs)
		fprintf(f, "console %lld %lld\n", (long long)json_int(cs, "height", 0),
		        (long long)json_int(cs, "width", 0));
	return 0;
}

char *oci_exec_spec_text(const json_t *spec, const json_t *proc, const struct oci_exec_target *t,
                         eng_error_t *err)
{
	const json_t *lnx = json_object_get(spec, "linux");
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (json_object_get(lnx, "seccomp") && !t->seccomp_bpf)
		return unsupported(err, "the container's seccomp filter is not compiled"), NULL;
	if (json_object_get(lnx, "intelRdt") || json_object_get(lnx, "personality"))
		return unsupported(err, "Intel RDT or personality"), NULL;
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	fprintf(f, "init_pid %d\n", (int)t->init_pid);
	put(f, "container", t->container_id);
	/* runc's setns init joins "_ses.<id>" unless the container has noNewKeyring */
	fprintf(f, "keyring _ses.%s\n", t->container_id);
	if (t->seccomp_bpf)
		put(f, "seccomp", t->seccomp_bpf);
	rc = put_namespaces(f, lnx, err);
	if (rc == 0)
		rc = put_process(f, proc, err);
	fclose(f);
	if (rc < 0) {
		free(text);
		return NULL;
	}
	return text;
}
