/* Reads exec.spec: one "key value" per line; string values escape "\" as "\\" and a
 * newline as "\n". See docs/shim.md. */
#include "execspec.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *unescape(const char *v)
{
	char *out = malloc(strlen(v) + 1), *o = out;

	if (!out)
		return NULL;
	for (; *v; v++) {
		if (*v == '\\' && v[1] == 'n')
			*o++ = '\n', v++;
		else if (*v == '\\' && v[1] == '\\')
			*o++ = '\\', v++;
		else
			*o++ = *v;
	}
	*o = 0;
	return out;
}

static int push(char ***v, size_t *n, const char *val)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(**v));

	if (!nv)
		return -1;
	*v = nv;
	if (!(nv[*n] = unescape(val)))
		return -1;
	nv[++*n] = NULL;
	return 0;
}

static int ns_flag(const char *name)
{
	static const struct {
		const char *name;
		int flag;
	} t[] = {{"mnt", CLONE_NEWNS},       {"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC},
	         {"net", CLONE_NEWNET},      {"pid", CLONE_NEWPID}, {"user", CLONE_NEWUSER},
	         {"cgroup", CLONE_NEWCGROUP}};

	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
		if (!strcmp(t[i].name, name))
			return t[i].flag;
	return -1;
}

static int parse_line(struct exec_spec *s, const char *key, char *val)
{
	unsigned long long a, b;
	int r;

	if (!strcmp(key, "arg"))
		return push(&s->args, &s->nargs, val);
	if (!strcmp(key, "env"))
		return push(&s->env, &s->nenv, val);
	if (!strcmp(key, "cwd"))
		return (s->cwd = unescape(val)) ? 0 : -1;
	if (!strcmp(key, "apparmor"))
		return (s->apparmor = unescape(val)) ? 0 : -1;
	if (!strcmp(key, "seccomp"))
		return (s->seccomp = unescape(val)) ? 0 : -1;
	if (!strcmp(key, "keyring"))
		return (s->keyring = unescape(val)) ? 0 : -1;
	if (!strcmp(key, "container"))
		return (s->container = unescape(val)) ? 0 : -1;
	if (!strcmp(key, "init_pid"))
		return (s->init_pid = atoi(val)) > 0 ? 0 : -1;
	if (!strcmp(key, "user")) {
		unsigned u, g;
		if (sscanf(val, "%u %u", &u, &g) != 2)
			return -1;
		s->uid = u, s->gid = g;
		return 0;
	}
	if (!strcmp(key, "groups")) {
		for (char *save = NULL, *t = strtok_r(val, " ", &save); t;
		     t = strtok_r(NULL, " ", &save)) {
			gid_t *ng = realloc(s->groups, (s->ngroups + 1) * sizeof(*ng));
			if (!ng)
				return -1;
			s->groups = ng;
			s->groups[s->ngroups++] = (gid_t)strtoul(t, NULL, 10);
		}
		return 0;
	}
	if (!strcmp(key, "umask"))
		return sscanf(val, "%d", &s->umask) == 1 ? 0 : -1;
	if (!strcmp(key, "caps")) {
		unsigned long long bd, ef, pe, in, am;
		if (sscanf(val, "%llx %llx %llx %llx %llx", &bd, &ef, &pe, &in, &am) != 5)
			return -1;
		s->cap_bounding = bd, s->cap_effective = ef, s->cap_permitted = pe;
		s->cap_inheritable = in, s->cap_ambient = am;
		return 0;
	}
	if (!strcmp(key, "no_new_privs"))
		return s->no_new_privs = atoi(val), 0;
	if (!strcmp(key, "terminal"))
		return s->terminal = atoi(val), 0;
	if (!strcmp(key, "console"))
		return sscanf(val, "%u %u", &s->rows, &s->cols) == 2 ? 0 : -1;
	if (!strcmp(key, "oom_score_adj")) {
		s->have_oom_score_adj = 1;
		return sscanf(val, "%d", &s->oom_score_adj) == 1 ? 0 : -1;
	}
	if (!strcmp(key, "rlimit")) {
		if (s->nrlimits >= SPEC_MAX_RLIMITS ||
		    sscanf(val, "%d %llu %llu", &r, &a, &b) != 3)
			return -1;
		s->rlimits[s->nrlimits].resource = r;
		s->rlimits[s->nrlimits].soft = a;
		s->rlimits[s->nrlimits++].hard = b;
		return 0;
	}
	if (!strcmp(key, "namespaces")) {
		for (char *save = NULL, *t = strtok_r(val, " ", &save); t;
		     t = strtok_r(NULL, " ", &save)) {
			int f = ns_flag(t);
			if (f < 0)
				return -1;
			s->ns_flags |= f;
		}
		return 0;
	}
	return -1; /* a key this shim does not know: berthd and shim disagree */
}

int exec_spec_load(const char *path, struct exec_spec *s, char *msg, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	ssize_t n;
	size_t lineno = 0;

	*s = (struct exec_spec){.umask = -1};
	if (fd < 0 || fstat(fd, &st) < 0 || !(buf = malloc((size_t)st.st_size + 1))) {
		snprintf(msg, cap, "reading %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		snprintf(msg, cap, "reading %s: short read", path);
		free(buf);
		return -1;
	}
	buf[n] = 0;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');
		lineno++;
		if (sp)
			*sp = 0;
		if (parse_line(s, l, sp ? sp + 1 : l + strlen(l)) < 0) {
			snprintf(msg, cap, "%s:%zu: bad line for %s", path, lineno, l);
			free(buf);
			return -1;
		}
	}
	free(buf);
	if (!s->nargs || !s->cwd || s->init_pid <= 0 || !s->container) {
		snprintf(msg, cap, "%s: args, cwd, init_pid or container missing", path);
		return -1;
	}
	if (!s->env) {
		s->env = calloc(1, sizeof(*s->env));
		if (!s->env)
			return -1;
	}
	return 0;
}
