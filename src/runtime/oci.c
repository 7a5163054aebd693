/* config.json as dockerd (daemon/oci_linux.go over oci/defaults.go) writes it for
 * `docker run`; HostConfig's resources are layered on afterwards by engine/resources.c. */
#include "oci.h"
#include "oci-internal.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define OCI_VERSION "1.0.2"
#define DEFAULT_SHM_SIZE (64LL << 20)
/* containerd gives runc's children the daemon's RLIMIT_NOFILE, which systemd's docker unit
 * sets to infinity (1048576 on Linux). */
#define DEFAULT_NOFILE 1048576

static const char *const masked_paths[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    NULL,
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static json_t *strv_json(const char *const *v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

/* ---- process ---- */

static int env_has(char *const *env, const char *key)
{
	size_t n = strlen(key);
	for (; env && *env; env++)
		if (!strncmp(*env, key, n) && (*env)[n] == '=')
			return 1;
	return 0;
}

/* docker's value, but never above our own hard limit: raising it needs CAP_SYS_RESOURCE,
 * which a daemon inside a container often lacks, and runc would then fail the start. */
static json_int_t nofile_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    rl.rlim_max < DEFAULT_NOFILE)
		return (json_int_t)rl.rlim_max;
	return DEFAULT_NOFILE;
}

static json_t *build_process(const struct oci_spec_opts *o, const struct oci_user *u)
{
	json_t *user, *env, *caps, *gids;
	char *const *dc = oci_default_caps();

	user = json_pack("{s:I, s:I}", "uid", (json_int_t)u->uid, "gid", (json_int_t)u->gid);
	if (u->ngroups) {
		gids = json_array();
		for (size_t i = 0; i < u->ngroups; i++)
			json_array_append_new(gids, json_integer(u->groups[i]));
		json_object_set_new(user, "additionalGids", gids);
	}
	env = json_strv_new(o->env);
	/* runc would fill HOME itself; docker's documented contract is that it is set */
	if (!env_has(o->env, "HOME")) {
		_cleanup_free_ char *home = NULL;
		if (asprintf(&home, "HOME=%s", u->home ? u->home : "/") < 0)
			abort();
		json_array_append_new(env, json_string(home));
	}
	caps = json_pack("{s:o, s:o, s:o}", "bounding", json_strv_new(dc), "effective",
	                 json_strv_new(dc), "permitted", json_strv_new(dc));
	json_int_t nofile = nofile_limit();
	return json_pack("{s:b, s:o, s:o, s:o, s:s, s:o, s:[{s:s, s:I, s:I}], s:b, s:i}",
	                 "terminal", o->tty, "user", user, "args", json_strv_new(o->args), "env",
	                 env, "cwd", o->cwd && *o->cwd ? o->cwd : "/", "capabilities", caps,
	                 "rlimits", "type", "RLIMIT_NOFILE", "hard", nofile, "soft", nofile,
	                 "noNewPrivileges", 0, "oomScoreAdj", 0);
}

/* ---- mounts ---- */


enum { MODE_RW = 1, MODE_LABEL = 2, MODE_PROP = 4, MODE_COPY = 8 };

struct bind {
	char *src, *dst;
	int ro;
	const char *prop; /* rprivate, shared, ... */
	int depth;
	const json_t *raw; /* an OCI mount object given as is (borrowed), or NULL */
};

static int mode_kind(const char *m)
{
	static const char *const props[] = {"shared",  "rshared",  "slave", "rslave",
	                                    "private", "rprivate", NULL};
	if (!strcmp(m, "rw") || !strcmp(m, "ro"))
		return MODE_RW;
	if (!strcmp(m, "z") || !strcmp(m, "Z"))
		return MODE_LABEL;
	if (!strcmp(m, "nocopy"))
		return MODE_COPY;
	for (int i = 0; props[i]; i++)
		if (!strcmp(m, props[i]))
			return MODE_PROP;
	return 0;
}

/* Docker's ValidMountMode: comma-separated, at most one of each kind. */
static int parse_mode(const char *mode, struct bind *b, eng_error_t *err)
{
	_cleanup_free_ char *copy = strdup(mode);
	char *save = NULL;
	int seen = 0;

	if (!copy)
		abort();
	if (!*mode)
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid mode: %s", mode);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k = mode_kind(t);
		if (!k || (seen & k))
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid mode: %s", mode);
		seen |= k;
		if (k == MODE_RW)
			b->ro = !strcmp(t, "ro");
		else if (k == MODE_PROP)
			b->prop = mode + (t - copy); /* into `mode`, which the caller keeps alive */
	}
	return 0;
}

static int path_depth(const char *p)
{
	int d = 1;
	for (; *p; p++)
		d += *p == '/';
	return d;
}

static int invalid_spec(eng_error_t *err, const char *spec)
{
	return eng_error_make(err, EINVAL, ERR_INVALID, "invalid volume specification: '%s'", spec);
}

static int parse_bind(const char *spec, struct bind *b, char **ret_mode, eng_error_t *err)
{
	_cleanup_strv_ char **parts = NULL;
	_cleanup_free_ char *copy = strdup(spec);
	char *tok;
	size_t n;

	if (!copy)
		abort();
	/* strtok would merge "a::b"; docker's strings.Split keeps the empty field */
	for (char *p = copy;; p = tok + 1) {
		tok = strchrnul(p, ':');
		int end = !*tok;
		*tok = 0;
		parts = strv_push(parts, p);
		if (end)
			break;
	}
	n = strv_len(parts);
	if (n < 2 || n > 3 || !*parts[0] || !*parts[1])
		return invalid_spec(err, spec);
	if (n == 3) {
		*ret_mode = strdup(parts[2]);
		if (parse_mode(*ret_mode, b, err) < 0)
			return -1;
	}
	if (parts[0][0] != '/')
		/* a named volume: the engine resolves those to a host path before us */
		return invalid_spec(err, spec);
	b->src = path_clean(parts[0]);
	b->dst = path_clean(parts[1]);
	if (b->dst[0] != '/')
		return eng_error_make(
		    err, EINVAL, ERR_INVALID,
		    "invalid volume specification: '%s': invalid mount config for "
		    "type \"bind\": invalid mount path: '%s' mount path must be "
		    "absolute",
		    spec, parts[1]);
	if (!strcmp(b->dst, "/"))
		return eng_error_make(
		    err, EINVAL, ERR_INVALID,
		    "invalid volume specification: '%s': invalid mount config for "
		    "type \"bind\": invalid specification: destination can't be '/'",
		    spec);
	b->depth = path_depth(b->dst);
	return 0;
}

static json_t *mount_json(const char *dst, const char *type, const char *src,
                          const char *const *opts)
{
	return json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type", type, "source", src,
	                 "options", strv_json(opts));
}

static json_t *bind_json(const struct bind *b)
{
	char prop[16];
	const char *opts[4];
	int n = 0;

	if (b->raw)
		return json_deep_copy(b->raw);
	/* b->prop may point into a "ro,shared,z" string: copy just the word */
	snprintf(prop, sizeof(prop), "%.*s", b->prop ? (int)strcspn(b->prop, ",") : 8,
	         b->prop ? b->prop : "rprivate");
	opts[n++] = "rbind";
	if (b->ro)
		opts[n++] = "ro";
	opts[n++] = prop;
	opts[n] = NULL;
	return mount_json(b->dst, "bind", b->src, opts);
}

struct bind_list {
	struct bind *v;
	char **modes; /* backing storage of v[i].prop */
	size_t n;
};

static void bind_list_free(struct bind_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].src);
		free(l->v[i].dst);
		free(l->modes[i]);
	}
	free(l->v);
	free(l->modes);
}

static struct bind *bind_list_add(struct bind_list *l)
{
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->modes = realloc(l->modes, (l->n + 1) * sizeof(*l->modes));
	if (!l->v || !l->modes)
		abort();
	memset(&l->v[l->n], 0, sizeof(*l->v));
	l->modes[l->n] = NULL;
	return &l->v[l->n++];
}

static int has_dst(const struct bind_list *l, const char *dst)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].dst, dst))
			return 1;
	return 0;
}

static void add_etc_file(struct bind_list *l, size_t nuser, const char *src, const char *dst)
{
	struct bind_list user = {l->v, l->modes, nuser};

	if (!src || has_dst(&user, dst)) /* a user's -v over /etc/hosts wins, as in docker */
		return;
	struct bind *b = bind_list_add(l);
	b->src = strdup(src);
	b->dst = strdup(dst);
	b->depth = path_depth(dst);
	if (!b->src || !b->dst)
		abort();
}

static const char *root_propagation(const struct bind_list *l)
{
	const char *r = NULL;
	for (size_t i = 0; i < l->n; i++) {
		const char *p = l->v[i].prop;
		if (!p)
			continue;
		if (!strncmp(p, "shared", 6) || !strncmp(p, "rshared", 7))
			return "shared";
		if (!strncmp(p, "slave", 5) || !strncmp(p, "rslave", 6))
			r = "rslave";
	}
	return r;
}

static json_t *default_mounts(const struct oci_spec_opts *o, const struct bind_list *user)
{
	static const char *const proc[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
	static const char *const pts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
	                                  "mode=0620", "gid=5",  NULL};
	static const char *const sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
	static const char *const cg[] = {"ro", "nosuid", "noexec", "nodev", NULL};
	char shm_size[40];
	const char *shm[] = {"nosuid", "noexec", "nodev", "mode=1777", shm_size, NULL};
	json_t *m = json_array();

	snprintf(shm_size, sizeof(shm_size), "size=%lld",
	         (long long)(o->shm_size > 0 ? o->shm_size : DEFAULT_SHM_SIZE));
	struct {
		const char *dst, *type, *src;
		const char *const *opts;
	} defs[] = {
	    {"/proc", "proc", "proc", proc},
	    {"/dev", "tmpfs", "tmpfs", dev},
	    {"/dev/pts", "devpts", "devpts", pts},
	    {"/sys", "sysfs", "sysfs", sys},
	    {"/sys/fs/cgroup", "cgroup", "cgroup", cg},
	    {"/dev/mqueue", "mqueue", "mqueue", proc},
	    {"/dev/shm", "tmpfs", "shm", shm},
	};
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
		if (!has_dst(user, defs[i].dst))
			json_array_append_new(
			    m, mount_json(defs[i].dst, defs[i].type, defs[i].src, defs[i].opts));
	return m;
}

/* The caller's OCI mount objects take part in the has_dst checks and the depth sort. */
static void add_raw_mounts(struct bind_list *l, const json_t *mounts)
{
	for (size_t i = 0; i < json_array_size(mounts); i++) {
		const json_t *raw = json_array_get(mounts, i);
		const char *dst = json_string_value(json_object_get(raw, "destination"));
		struct bind *b;
		if (!dst)
			continue;
		b = bind_list_add(l);
		b->raw = raw;
		b->dst = strdup(dst);
		b->depth = path_depth(dst);
	}
}

static json_t *build_mounts(const struct oci_spec_opts *o, const char **ret_prop, eng_error_t *err)
{
	struct bind_list l = {0};
	json_t *m = NULL;
	struct bind *b, *sorted;
	size_t nuser, k = 0;

	for (char *const *s = o->binds; s && *s; s++) {
		b = bind_list_add(&l);
		if (parse_bind(*s, b, &l.modes[l.n - 1], err) < 0)
			goto out;
	}
	add_raw_mounts(&l, o->mounts);
	nuser = l.n;
	m = default_mounts(o, &l);
	add_etc_file(&l, nuser, o->resolv_path, "/etc/resolv.conf");
	add_etc_file(&l, nuser, o->hostname_path, "/etc/hostname");
	add_etc_file(&l, nuser, o->hosts_path, "/etc/hosts");
	/* the /etc files first, then the user's, each group in its order; parents before
	 * children so -v /x:/etc does not hide /etc/hosts */
	sorted = malloc((l.n ? l.n : 1) * sizeof(*sorted));
	if (!sorted)
		abort();
	for (size_t i = nuser; i < l.n; i++)
		sorted[k++] = l.v[i];
	for (size_t i = 0; i < nuser; i++)
		sorted[k++] = l.v[i];
	/* stable insertion sort by depth: lists are short */
	for (size_t i = 1; i < k; i++) {
		struct bind t = sorted[i];
		size_t j = i;
		while (j > 0 && sorted[j - 1].depth > t.depth) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = t;
	}
	for (size_t i = 0; i < k; i++)
		json_array_append_new(m, bind_json(&sorted[i]));
	free(sorted);
	*ret_prop = root_propagation(&l);
out:
	bind_list_free(&l);
	return m;
}

/* ---- linux ---- */

static json_t *device_rule(int allow, int major, int minor)
{
	json_t *r = json_pack("{s:b, s:s}", "allow", allow, "type", "c");
	json_object_set_new(r, "major", json_integer(major));
	json_object_set_new(r, "minor", json_integer(minor));
	json_object_set_new(r, "access", json_string("rwm"));
	return r;
}

/* moby's DefaultLinuxSpec device cgroup: deny everything, then the character devices
 * runc creates in /dev (runc adds pts, ptmx and mknod itself). */
static json_t *device_rules(void)
{
	static const int allowed[][2] = {{1, 5}, {1, 3}, {1, 9}, {1, 8}, {5, 0}, {5, 1}};
	json_t *a = json_array();

	json_array_append_new(a, json_pack("{s:b, s:s}", "allow", 0, "access", "rwm"));
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		json_array_append_new(a, device_rule(1, allowed[i][0], allowed[i][1]));
	json_array_append_new(a, device_rule(0, 10, 229)); /* /dev/fuse */
	return a;
}

static json_t *build_linux(const struct oci_spec_opts *o, const char *root_prop)
{
	json_t *ns, *net, *l;

	net = json_pack("{s:s}", "type", "network");
	if (o->netns_path && *o->netns_path)
		json_object_set_new(net, "path", json_string(o->netns_path));
	ns = json_pack("[{s:s}, o, {s:s}, {s:s}, {s:s}]", "type", "mount", net, "type", "uts",
	               "type", "pid", "type", "ipc");
	l = json_pack("{s:o, s:{s:o}, s:o, s:o}", "namespaces", ns, "resources", "devices",
	              device_rules(), "maskedPaths", strv_json(masked_paths), "readonlyPaths",
	              strv_json(readonly_paths));
	if (o->cgroups_path && *o->cgroups_path)
		json_object_set_new(l, "cgroupsPath", json_string(o->cgroups_path));
	if (o->seccomp)
		json_object_set_new(l, "seccomp", json_deep_copy(o->seccomp));
	if (root_prop)
		json_object_set_new(l, "rootfsPropagation", json_string(root_prop));
	return l;
}

json_t *oci_spec_build(const struct oci_spec_opts *o, eng_error_t *err)
{
	struct oci_user u = {0};
	json_t *process, *mounts, *lnx;
	const char *root_prop = NULL;
	char hostname[13] = "";

	if (!o->rootfs || !o->args || !o->args[0]) {
		eng_error_make(err, EINVAL, ERR_INVALID, "no command specified");
		return NULL;
	}
	if (oci_user_lookup(o->rootfs, o->user, &u, err) < 0)
		return NULL;
	mounts = build_mounts(o, &root_prop, err);
	if (!mounts) {
		oci_user_clear(&u);
		return NULL;
	}
	process = build_process(o, &u);
	oci_user_clear(&u);
	lnx = build_linux(o, root_prop);
	if (o->container_id)
		snprintf(hostname, sizeof(hostname), "%s", o->container_id);
	return json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", OCI_VERSION,
	                 "process", process, "root", "path", o->rootfs, "readonly", 0, "hostname",
	                 o->hostname && *o->hostname ? o->hostname : hostname, "mounts", mounts,
	                 "linux", lnx);
}
