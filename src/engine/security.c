/* HostConfig's privilege and isolation options on a container's OCI spec, as moby's
 * oci_linux.go applies them: --privileged, --device, --device-cgroup-rule, the pid, ipc,
 * uts and cgroup namespace modes, --init, --security-opt, and the seccomp filter for the
 * container's final capability set (docker's profile allows more to CAP_SYS_ADMIN & co). */
#include "security.h"
#include "engine-internal.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../common/strv.h"
#include "../runtime/oci.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define INIT_PATH_IN_CONTAINER "/sbin/docker-init"

static int parse_bool(const char *v, int *ret)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True", NULL};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False", NULL};
	for (size_t i = 0; yes[i]; i++) {
		if (!strcmp(v, yes[i]))
			return *ret = 1, 0;
		if (!strcmp(v, no[i]))
			return *ret = 0, 0;
	}
	return -1;
}

/* moby's parseSecurityOpt. A NULL `seccomp` or `nnp` skips that output. */
static int parse_security_opts(const json_t *hc, const char **seccomp, int *nnp, eng_error_t *err)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(hc, "SecurityOpt"), i, v)
	{
		const char *opt = json_string_value(v);
		char key[32];
		const char *val;
		int b;
		if (!opt)
			continue;
		if (!strcmp(opt, "no-new-privileges")) {
			*nnp = 1;
			continue;
		}
		if (!strcmp(opt, "writable-cgroups") || !strcmp(opt, "disable"))
			continue;
		size_t k = strcspn(opt, strchr(opt, '=') ? "=" : ":");
		if (!opt[k] || k >= sizeof(key))
			return eng_error_make(err, EINVAL, ERR_INTERNAL,
					      "invalid --security-opt 1: \"%s\"", opt);
		memcpy(key, opt, k);
		key[k] = 0;
		val = opt + k + 1;
		if (!strcmp(key, "label") || !strcmp(key, "apparmor"))
			continue; /* neither SELinux nor AppArmor confine berth's containers */
		if (!strcmp(key, "seccomp"))
			*seccomp = val;
		else if (!strcmp(key, "no-new-privileges") && parse_bool(val, &b) == 0)
			*nnp = b;
		else if (!(!strcmp(key, "writable-cgroups") && parse_bool(val, &b) == 0))
			return eng_error_make(err, EINVAL, ERR_INTERNAL,
					      "invalid --security-opt 2: \"%s\"", opt);
	}
	return 0;
}

/* "", "host", "container:<name>"; plus the extra words a mode takes. */
static int mode_valid(const char *m, const char *const *extra)
{
	if (!m || !*m || !strcmp(m, "host") || (!strncmp(m, "container:", 10) && m[10]))
		return 1;
	for (; extra && *extra; extra++)
		if (!strcmp(m, *extra))
			return 1;
	return 0;
}

/* "c 1:3 rwm", "b *:* m", "a" as an OCI device cgroup rule. */
static json_t *cgroup_rule(const char *s)
{
	char type, maj[16], min[16], access[8] = "rwm";
	int n = sscanf(s, "%c %15[0-9*]:%15[0-9*] %7[rwm]", &type, maj, min, access);
	json_t *r;

	if (n < 3 || (type != 'a' && type != 'b' && type != 'c'))
		return NULL;
	r = json_pack("{s:b, s:s, s:s}", "allow", 1, "type", (char[]){type, 0}, "access", access);
	if (strcmp(maj, "*"))
		json_object_set_new(r, "major", json_integer(atoll(maj)));
	if (strcmp(min, "*"))
		json_object_set_new(r, "minor", json_integer(atoll(min)));
	return r;
}

int security_check(const json_t *hc, eng_error_t *err)
{
	static const char *const ipc[] = {"none", "private", "shareable", NULL};
	static const char *const cgroupns[] = {"private", NULL};
	const char *seccomp = NULL;
	int nnp = 0;
	json_t *v;
	size_t i;

	if (!mode_valid(json_str(hc, "IpcMode"), ipc))
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid IPC mode: %s",
				      json_str(hc, "IpcMode"));
	if (!mode_valid(json_str(hc, "PidMode"), NULL))
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid PID mode: %s",
				      json_str(hc, "PidMode"));
	const char *uts = json_str(hc, "UTSMode");
	if (uts && *uts && strcmp(uts, "host"))
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid UTS mode: %s", uts);
	const char *cg = json_str(hc, "CgroupnsMode");
	if (cg && *cg && strcmp(cg, "host") && !mode_valid(cg, cgroupns))
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "invalid cgroup namespace mode: %s", cg);
	json_array_foreach(json_object_get(hc, "DeviceCgroupRules"), i, v)
	{
		json_auto_t *r = json_is_string(v) ? cgroup_rule(json_string_value(v)) : NULL;
		if (!r)
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "invalid device cgroup format '%s'",
					      json_is_string(v) ? json_string_value(v) : "?");
	}
	return parse_security_opts(hc, &seccomp, &nnp, err);
}

void security_defaults(json_t *hc)
{
	const char *ipc = json_str(hc, "IpcMode");
	const char *cg = json_str(hc, "CgroupnsMode");
	struct stat st;

	/* dockerd's defaults since 20.10, shown in inspect */
	if (!ipc || !*ipc)
		json_object_set_new(hc, "IpcMode", json_string("private"));
	if (!cg || !*cg)
		json_object_set_new(hc, "CgroupnsMode",
				    json_string(stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0
							? "private"
							: "host"));
}

/* ---- namespaces ---- */

static json_t *namespace_get(json_t *spec, const char *type)
{
	json_t *nss = json_object_get(json_object_get(spec, "linux"), "namespaces"), *ns;
	size_t i;
	json_array_foreach(nss, i, ns) if (!strcmp(json_str(ns, "type") ?: "", type)) return ns;
	return NULL;
}

static void namespace_remove(json_t *spec, const char *type)
{
	json_t *nss = json_object_get(json_object_get(spec, "linux"), "namespaces"), *ns;
	size_t i;
	json_array_foreach(nss, i, ns) if (!strcmp(json_str(ns, "type") ?: "", type))
	{
		json_array_remove(nss, i);
		return;
	}
}

static void namespace_set(json_t *spec, const char *type, const char *path)
{
	json_t *ns = namespace_get(spec, type);
	if (!ns) {
		ns = json_pack("{s:s}", "type", type);
		json_array_append_new(json_object_get(json_object_get(spec, "linux"), "namespaces"),
				      ns);
	}
	if (path)
		json_object_set_new(ns, "path", json_string(path));
}

/* A shareable IPC namespace's /dev/shm lives on the host, as dockerd's ShmPath does, so
 * that containers joining it can mount the same tmpfs. */
static char *shm_dir(struct engine *eng, const char *id)
{
	_cleanup_free_ char *dir = container_dir(eng, id);
	return path_join(dir, "mounts/shm");
}

static int shm_mount(struct engine *eng, struct container *c, eng_error_t *err)
{
	_cleanup_free_ char *dir = shm_dir(eng, c->id);
	char opts[64];
	long long size = json_int(c->host_config, "ShmSize", 0);

	snprintf(opts, sizeof(opts), "mode=1777,size=%lld", size > 0 ? size : 64LL << 20);
	if (mkdir_p(dir, 0700, err) < 0)
		return -1;
	umount2(dir, MNT_DETACH); /* a leftover of a crash */
	if (mount("shm", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "mounting shm tmpfs at %s: %m", dir);
	return 0;
}

void security_release(struct engine *eng, struct container *c)
{
	_cleanup_free_ char *dir = shm_dir(eng, c->id);
	if (umount2(dir, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		log_warn("container %.12s: unmounting %s: %m", c->id, dir);
}

/* The running container a "container:<name>" mode joins: its init's pid. */
static int donor_pid(struct engine *eng, const char *name, const char *what, int need_shareable,
		     pid_t *ret, char ret_id[65], eng_error_t *err)
{
	struct container *d = engine_container_get(eng, name, err);
	int rc = 0;

	if (!d)
		return eng_error_wrap(err, "failed to join %s namespace", what);
	pthread_mutex_lock(&eng->lock);
	if (d->status == CTR_RESTARTING)
		rc = eng_error_make(err, EBUSY, ERR_CONFLICT,
				    "Container %s is restarting, wait until the container is running",
				    name);
	else if (d->status != CTR_RUNNING && d->status != CTR_PAUSED)
		rc = eng_error_make(err, ESRCH, ERR_CONFLICT, "container %s is not running", name);
	else if (need_shareable && strcmp(json_str(d->host_config, "IpcMode") ?: "", "shareable"))
		rc = eng_error_make(err, EINVAL, ERR_INVALID,
				    "container %s: non-shareable IPC (hint: use IpcMode:shareable "
				    "for the donor container)",
				    name);
	*ret = d->pid;
	memcpy(ret_id, d->id, 65);
	pthread_mutex_unlock(&eng->lock);
	container_unref(eng, d);
	return rc < 0 ? eng_error_wrap(err, "failed to join %s namespace", what) : 0;
}

static json_t *mount_get(json_t *spec, const char *dst)
{
	json_t *m;
	size_t i;
	json_array_foreach(json_object_get(spec, "mounts"), i, m) if (!strcmp(json_str(m, "destination") ?: "", dst)) return m;
	return NULL;
}

static void mount_remove(json_t *spec, const char *dst)
{
	json_t *ms = json_object_get(spec, "mounts"), *m;
	size_t i;
	json_array_foreach(ms, i, m) if (!strcmp(json_str(m, "destination") ?: "", dst))
	{
		json_array_remove(ms, i);
		return;
	}
}

/* /dev/shm as a bind of another one (host or donor), unless the user mounted their own. */
static void shm_bind(json_t *spec, const char *src)
{
	json_t *m = mount_get(spec, "/dev/shm");
	if (m && strcmp(json_str(m, "source") ?: "", "shm"))
		return;
	mount_remove(spec, "/dev/shm");
	json_array_append_new(json_object_get(spec, "mounts"),
			      json_pack("{s:s, s:s, s:s, s:[s, s]}", "destination", "/dev/shm",
					"type", "bind", "source", src, "options", "rbind", "rprivate"));
}

static int apply_namespaces(struct engine *eng, struct container *c, json_t *spec,
			    eng_error_t *err)
{
	const json_t *hc = c->host_config;
	const char *pid = json_str(hc, "PidMode") ?: "", *ipc = json_str(hc, "IpcMode") ?: "";
	char path[64], donor[65];
	pid_t p;

	if (!strcmp(pid, "host")) {
		namespace_remove(spec, "pid");
	} else if (!strncmp(pid, "container:", 10)) {
		if (donor_pid(eng, pid + 10, "PID", 0, &p, donor, err) < 0)
			return -1;
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)p);
		namespace_set(spec, "pid", path);
	}
	if (!strcmp(ipc, "host")) {
		namespace_remove(spec, "ipc");
		shm_bind(spec, "/dev/shm");
	} else if (!strncmp(ipc, "container:", 10)) {
		if (donor_pid(eng, ipc + 10, "IPC", 1, &p, donor, err) < 0)
			return -1;
		snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int)p);
		namespace_set(spec, "ipc", path);
		_cleanup_free_ char *dir = shm_dir(eng, donor);
		shm_bind(spec, dir);
	} else if (!strcmp(ipc, "shareable")) {
		_cleanup_free_ char *dir = shm_dir(eng, c->id);
		if (shm_mount(eng, c, err) < 0)
			return -1;
		shm_bind(spec, dir);
	} else if (!strcmp(ipc, "none")) {
		json_t *m = mount_get(spec, "/dev/shm");
		if (m && !strcmp(json_str(m, "source") ?: "", "shm"))
			mount_remove(spec, "/dev/shm");
	}
	if (!strcmp(json_str(hc, "UTSMode") ?: "", "host")) {
		namespace_remove(spec, "uts");
		json_object_del(spec, "hostname");
	}
	if (!strcmp(json_str(hc, "CgroupnsMode") ?: "", "private"))
		namespace_set(spec, "cgroup", NULL);
	return 0;
}

/* ---- devices ---- */

static json_t *device_json(const char *path_in_ctr, const struct stat *st)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:i, s:i, s:i}", "path", path_in_ctr, "type",
			 S_ISBLK(st->st_mode) ? "b" : "c", "major", (json_int_t)major(st->st_rdev),
			 "minor", (json_int_t)minor(st->st_rdev), "fileMode", (int)(st->st_mode & 07777),
			 "uid", (int)st->st_uid, "gid", (int)st->st_gid);
}

/* Every device node under dir (containerd's HostDevices: /dev less pts, shm, mqueue...). */
static void host_devices(const char *dir, json_t *out)
{
	static const char *const skip[] = {"pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts",
					   ".udev", "console", NULL};
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char path[4096];
		struct stat st;
		int skipped = 0;
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		for (size_t i = 0; skip[i]; i++)
			skipped |= !strcmp(de->d_name, skip[i]);
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (skipped || lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			host_devices(path, out);
		else if ((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && st.st_rdev)
			json_array_append_new(out, device_json(path, &st));
	}
}

/* --device HOST[:CONTAINER[:PERMS]]: one node, or every node below a directory. */
static int add_device(json_t *devices, json_t *rules, const json_t *map, int privileged,
		      eng_error_t *err)
{
	const char *host = json_str(map, "PathOnHost") ?: "";
	const char *ctr = json_str(map, "PathInContainer");
	const char *perms = json_str(map, "CgroupPermissions");
	json_auto_t *found = json_array();
	struct stat st;
	json_t *d;
	size_t i;

	if (!ctr || !*ctr)
		ctr = host;
	if (!perms || !*perms || privileged)
		perms = "rwm";
	if (stat(host, &st) < 0)
		return eng_error_make(err, errno, ERR_INTERNAL,
				      "error gathering device information while adding custom "
				      "device \"%s\": %s",
				      host, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		host_devices(host, found);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		json_array_append_new(found, device_json(host, &st));
	} else {
		return eng_error_make(err, EINVAL, ERR_INTERNAL,
				      "error gathering device information while adding custom "
				      "device \"%s\": not a device node",
				      host);
	}
	json_array_foreach(found, i, d)
	{
		/* the same place below the container path as below the host path */
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s%s", ctr, json_str(d, "path") + strlen(host)) < 0)
			abort();
		json_object_set_new(d, "path", json_string(p));
		json_array_append(devices, d);
		if (!privileged)
			json_array_append_new(
			    rules, json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1, "type",
					     json_str(d, "type"), "major", json_int(d, "major", 0),
					     "minor", json_int(d, "minor", 0), "access", perms));
	}
	return 0;
}

static int apply_devices(json_t *spec, const json_t *hc, int privileged, eng_error_t *err)
{
	json_t *lnx = json_object_get(spec, "linux");
	json_t *res = json_object_get(lnx, "resources");
	json_t *rules = json_object_get(res, "devices");
	json_t *devices = json_array(), *v;
	size_t i;

	json_object_set_new(lnx, "devices", devices);
	if (privileged) {
		host_devices("/dev", devices);
		rules = json_pack("[{s:b, s:s}]", "allow", 1, "access", "rwm");
		json_object_set_new(res, "devices", rules);
	}
	json_array_foreach(json_object_get(hc, "Devices"), i, v)
	{
		/* privileged containers have the host's /dev already */
		if (privileged && !strcmp(json_str(v, "PathOnHost") ?: "",
					  json_str(v, "PathInContainer") ?: ""))
			continue;
		if (add_device(devices, rules, v, privileged, err) < 0)
			return -1;
	}
	if (!privileged)
		json_array_foreach(json_object_get(hc, "DeviceCgroupRules"), i, v)
		    json_array_append_new(rules, cgroup_rule(json_string_value(v)));
	return 0;
}

/* ---- privileges ---- */

static void mount_make_rw(json_t *spec, const char *dst)
{
	json_t *opts = json_object_get(mount_get(spec, dst), "options"), *o;
	size_t i;
	json_array_foreach(opts, i, o) if (!strcmp(json_string_value(o), "ro"))
	{
		json_array_set_new(opts, i, json_string("rw"));
		return;
	}
}

static void apply_privileged(json_t *spec)
{
	json_t *caps = json_object_get(json_object_get(spec, "process"), "capabilities");
	json_auto_t *all = oci_all_caps();
	static const char *const sets[] = {"bounding", "effective", "permitted"};

	for (size_t i = 0; i < 3; i++)
		json_object_set_new(caps, sets[i], json_deep_copy(all));
	json_object_set_new(json_object_get(spec, "linux"), "maskedPaths", json_array());
	json_object_set_new(json_object_get(spec, "linux"), "readonlyPaths", json_array());
	mount_make_rw(spec, "/sys");
	mount_make_rw(spec, "/sys/fs/cgroup");
}

/* HostConfig.MaskedPaths/ReadonlyPaths replace the defaults (the CLI's systempaths=unconfined
 * sends them empty). */
static void apply_system_paths(json_t *spec, const json_t *hc)
{
	static const char *const keys[][2] = {{"MaskedPaths", "maskedPaths"},
					       {"ReadonlyPaths", "readonlyPaths"}};
	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_object_get(hc, keys[i][0]);
		if (json_is_array(v))
			json_object_set(json_object_get(spec, "linux"), keys[i][1], v);
	}
}

/* The capability list of the spec as a NULL-terminated vector (borrowed strings). */
static const char **spec_caps(json_t *spec)
{
	json_t *b = json_object_get(
	    json_object_get(json_object_get(spec, "process"), "capabilities"), "bounding");
	const char **v = calloc(json_array_size(b) + 1, sizeof(*v));
	for (size_t i = 0; v && i < json_array_size(b); i++)
		v[i] = json_string_value(json_array_get(b, i));
	return v;
}

static int same_caps(const char **a, char *const *b)
{
	size_t na = 0, nb = strv_len(b);
	for (; a[na]; na++)
		if (!strv_contains(b, a[na]))
			return 0;
	return na == nb;
}

static int apply_seccomp(struct engine *eng, json_t *spec, const char *opt, int privileged,
			 eng_error_t *err)
{
	json_t *lnx = json_object_get(spec, "linux"), *oci;
	_cleanup_free_ const char **caps = NULL;
	json_auto_t *custom = NULL;
	json_error_t jerr;

	if (privileged || (opt && !strcmp(opt, "unconfined")))
		return 0;
	if (opt && *opt) {
		/* the docker CLI sends the profile's content, not its path */
		if (!(custom = json_loads(opt, 0, &jerr)))
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "Decoding seccomp profile failed: %s", jerr.text);
	}
	caps = spec_caps(spec);
	if (!caps)
		return eng_error_make(err, ENOMEM, ERR_INTERNAL, "out of memory");
	if (!custom && same_caps(caps, oci_default_caps()))
		oci = json_deep_copy(eng->seccomp);
	else
		oci = seccomp_to_oci(custom ? custom : eng->seccomp_profile, (char *const *)caps,
				     err);
	if (!oci)
		return -1;
	json_object_set_new(lnx, "seccomp", oci);
	return 0;
}

/* ---- init ---- */

static char *find_init(struct engine *eng, eng_error_t *err)
{
	static const char *const names[] = {"docker-init", "tini-static", NULL};
	static const char *const dirs[] = {"/usr/local/libexec/docker", "/usr/libexec/docker",
					   "/usr/local/lib/docker", "/usr/lib/docker", NULL};
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = strdup(path ? path : "/usr/local/bin:/usr/bin:/bin");

	if (eng->cfg.init_path && *eng->cfg.init_path) {
		if (access(eng->cfg.init_path, X_OK) == 0)
			return strdup(eng->cfg.init_path);
	} else {
		for (size_t n = 0; names[n]; n++) {
			char *save = NULL, buf[4096];
			_cleanup_free_ char *dup = strdup(copy);
			for (char *d = strtok_r(dup, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
				snprintf(buf, sizeof(buf), "%s/%s", d, names[n]);
				if (access(buf, X_OK) == 0)
					return strdup(buf);
			}
			for (size_t i = 0; dirs[i]; i++) {
				snprintf(buf, sizeof(buf), "%s/%s", dirs[i], names[n]);
				if (access(buf, X_OK) == 0)
					return strdup(buf);
			}
		}
	}
	eng_error_make(err, ENOENT, ERR_INTERNAL,
		       "exec: \"%s\": executable file not found in $PATH",
		       eng->cfg.init_path && *eng->cfg.init_path ? eng->cfg.init_path : "docker-init");
	return NULL;
}

static int apply_init(struct engine *eng, json_t *spec, eng_error_t *err)
{
	_cleanup_free_ char *init = find_init(eng, err);
	json_t *proc = json_object_get(spec, "process");
	json_t *args = json_pack("[s, s]", INIT_PATH_IN_CONTAINER, "--");

	if (!init) {
		json_decref(args);
		return -1;
	}
	json_array_extend(args, json_object_get(proc, "args"));
	json_object_set_new(proc, "args", args);
	json_array_append_new(json_object_get(spec, "mounts"),
			      json_pack("{s:s, s:s, s:s, s:[s, s, s]}", "destination",
					INIT_PATH_IN_CONTAINER, "type", "bind", "source", init,
					"options", "bind", "ro", "rprivate"));
	return 0;
}

int security_apply(struct engine *eng, struct container *c, json_t *spec, eng_error_t *err)
{
	const json_t *hc = c->host_config;
	int privileged = json_bool(hc, "Privileged", 0), nnp = eng->cfg.no_new_privileges;
	const char *seccomp = NULL;
	json_t *init = json_object_get(hc, "Init");

	if (parse_security_opts(hc, &seccomp, &nnp, err) < 0)
		return -1;
	if (privileged)
		apply_privileged(spec);
	else
		apply_system_paths(spec, hc);
	json_object_set_new(json_object_get(spec, "process"), "noNewPrivileges",
			    json_boolean(nnp && !privileged));
	if (apply_namespaces(eng, c, spec, err) < 0 || apply_devices(spec, hc, privileged, err) < 0 ||
	    apply_seccomp(eng, spec, seccomp, privileged, err) < 0)
		return -1;
	if ((json_is_boolean(init) ? json_is_true(init) : eng->cfg.init) &&
	    apply_init(eng, spec, err) < 0)
		return -1;
	return 0;
}
