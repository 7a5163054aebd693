/* OCI config.json builder and docker -u resolution against a temporary rootfs. */
#include "tap.h"
#include "common/fsutil.h"
#include "common/jsonutil.h"
#include "runtime/oci.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/berth-test-oci-XXXXXX";
static char rootfs[256], rootfs2[256];

static int put(const char *base, const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", base, rel);
	return write_file_atomic(path, text, strlen(text), NULL);
}

static int setup(void)
{
	char p[512];
	if (!mkdtemp(dir))
		return -1;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
	snprintf(rootfs2, sizeof(rootfs2), "%s/rootfs2", dir);
	snprintf(p, sizeof(p), "%s/etc", rootfs);
	CHECK(mkdir_p(p, 0755, NULL) == 0);
	snprintf(p, sizeof(p), "%s/etc", rootfs2);
	CHECK(mkdir_p(p, 0755, NULL) == 0);
	CHECK(put(rootfs, "etc/passwd",
	          "root:x:0:0:root:/root:/bin/sh\n"
	          "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
	          "  \n"
	          "app:x:1000:1000:App:/home/app:/bin/sh\n"
	          "nohome:x:1001:1001:::/bin/sh\n") == 0);
	CHECK(put(rootfs, "etc/group",
	          "root:x:0:root\n"
	          "bin:x:1:root,bin,daemon\n"
	          "wheel:x:10:root,app\n"
	          "app:x:1000:\n"
	          "audio:x:29:app\n") == 0);
	/* rootfs2's passwd is an absolute symlink: it must resolve inside rootfs2, and its
	 * group file escapes with ".." which must stay clamped at the root */
	CHECK(put(rootfs2, "etc/shadow-like", "evil:x:4242:4343::/evil:/bin/sh\n") == 0);
	CHECK(put(dir, "outside-group", "escaped:x:777:evil\n") == 0);
	CHECK(put(dir, "outside-passwd", "outsider:x:778:778::/:/bin/sh\n") == 0);
	snprintf(p, sizeof(p), "%s/etc/passwd", rootfs2);
	CHECK(symlink("/etc/shadow-like", p) == 0);
	snprintf(p, sizeof(p), "%s/etc/group", rootfs2);
	CHECK(symlink("../../../outside-group", p) == 0);
	return 0;
}

static int teardown(void)
{
	return rm_rf(dir, NULL);
}

static int resolve(const char *root, const char *user, uid_t *uid, gid_t *gid, char *groups,
                   size_t gsize, eng_error_t *err)
{
	gid_t *g = NULL;
	size_t n = 0;
	if (oci_resolve_user(root, user, uid, gid, &g, &n, err) < 0)
		return -1;
	groups[0] = 0;
	for (size_t i = 0; i < n; i++)
		snprintf(groups + strlen(groups), gsize - strlen(groups), "%s%u", i ? "," : "",
		         (unsigned)g[i]);
	free(g);
	return 0;
}

static int test_user_resolution(void)
{
	struct {
		const char *spec;
		uid_t uid;
		gid_t gid;
		const char *groups;
	} ok[] = {
	    {"", 0, 0, "0,1,10"},          {"root", 0, 0, "0,1,10"},
	    {"0", 0, 0, "0,1,10"},         {"app", 1000, 1000, "10,29"},
	    {"1000", 1000, 1000, "10,29"}, {"daemon", 1, 1, "1"},
	    {"4000", 4000, 0, ""},         {"4000:4001", 4000, 4001, ""},
	    {"app:wheel", 1000, 10, ""},   {"app:29", 1000, 29, ""},
	    {"root:app", 0, 1000, ""},     {"nohome", 1001, 1001, ""},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uid_t uid;
		gid_t gid;
		char groups[256];
		eng_error_t err;
		if (resolve(rootfs, ok[i].spec, &uid, &gid, groups, sizeof(groups), &err) < 0) {
			fprintf(stderr, "# %s: %s\n", ok[i].spec, err.msg);
			return -1;
		}
		if (uid != ok[i].uid || gid != ok[i].gid || strcmp(groups, ok[i].groups)) {
			fprintf(stderr, "# %s: got %u:%u [%s]\n", ok[i].spec, uid, gid, groups);
			return -1;
		}
	}
	return 0;
}

static int test_user_errors(void)
{
	uid_t uid;
	gid_t gid;
	char groups[64];
	eng_error_t err;

	CHECK(resolve(rootfs, "nosuch", &uid, &gid, groups, sizeof(groups), &err) < 0);
	CHECK(err.kind == ERR_INVALID);
	CHECK(!strcmp(err.msg, "unable to find user nosuch: no matching entries in passwd file"));
	CHECK(resolve(rootfs, "app:nogroup", &uid, &gid, groups, sizeof(groups), &err) < 0);
	CHECK(!strcmp(err.msg, "unable to find group nogroup: no matching entries in group file"));
	CHECK(resolve(rootfs, "-1", &uid, &gid, groups, sizeof(groups), &err) < 0);
	CHECK(strstr(err.msg, "must be in range"));
	/* no passwd at all: numeric ids still work, names do not */
	CHECK(resolve(dir, "", &uid, &gid, groups, sizeof(groups), &err) == 0);
	CHECK(uid == 0 && gid == 0 && !*groups);
	CHECK(resolve(dir, "5:6", &uid, &gid, groups, sizeof(groups), &err) == 0);
	CHECK(uid == 5 && gid == 6);
	CHECK(resolve(dir, "app", &uid, &gid, groups, sizeof(groups), &err) < 0);
	return 0;
}

static int test_user_symlinks_stay_inside(void)
{
	uid_t uid;
	gid_t gid;
	char groups[64];
	eng_error_t err;

	/* /etc/passwd -> /etc/shadow-like resolves to rootfs2/etc/shadow-like */
	CHECK(resolve(rootfs2, "evil", &uid, &gid, groups, sizeof(groups), &err) == 0);
	CHECK(uid == 4242 && gid == 4343);
	/* /etc/group -> ../../../outside-group is clamped at rootfs2: no "escaped" group */
	CHECK(!*groups);
	CHECK(resolve(rootfs2, "evil:escaped", &uid, &gid, groups, sizeof(groups), &err) < 0);
	CHECK(resolve(rootfs2, "outsider", &uid, &gid, groups, sizeof(groups), &err) < 0);
	return 0;
}

static json_t *build(const char *user, char *const *binds, char *const *env, eng_error_t *err)
{
	static char *const args[] = {"/bin/sh", "-c", "id", NULL};
	static const char *seccomp = "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}";
	json_t *sc = json_loads(seccomp, 0, NULL);
	struct oci_spec_opts o = {
	    .container_id = "0123456789abcdef0123",
	    .rootfs = rootfs,
	    .args = args,
	    .env = env,
	    .user = user,
	    .binds = binds,
	    .hosts_path = "/run/x/hosts",
	    .hostname_path = "/run/x/hostname",
	    .resolv_path = "/run/x/resolv.conf",
	    .netns_path = "/var/run/netns/x",
	    .seccomp = sc,
	    .cgroups_path = "/berth/0123",
	};
	json_t *spec = oci_spec_build(&o, err);
	json_decref(sc);
	return spec;
}

static int has_str(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) if (!strcmp(json_string_value(v), s)) return 1;
	return 0;
}

static const json_t *mount_at(const json_t *spec, const char *dst, int *ret_index)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		if (!strcmp(json_str(m, "destination"), dst)) {
			if (ret_index)
				*ret_index = (int)i;
			return m;
		}
	}
	return NULL;
}

static int test_spec_defaults(void)
{
	static char *const env[] = {"PATH=/bin", NULL};
	eng_error_t err;
	json_t *spec = build("", NULL, env, &err);
	CHECK(spec);
	json_t *proc = json_object_get(spec, "process");
	CHECK(!strcmp(json_str(spec, "ociVersion"), "1.0.2"));
	CHECK(!strcmp(json_str(spec, "hostname"), "0123456789ab"));
	CHECK(!strcmp(json_str(proc, "cwd"), "/"));
	CHECK(json_is_false(json_object_get(proc, "terminal")));
	CHECK(json_is_false(json_object_get(proc, "noNewPrivileges")));
	CHECK(json_int(proc, "oomScoreAdj", -1) == 0);
	CHECK(has_str(json_object_get(proc, "env"), "HOME=/root"));
	CHECK(json_array_size(json_object_get(json_object_get(proc, "user"), "additionalGids")) ==
	      3);

	json_t *caps = json_object_get(proc, "capabilities");
	CHECK(json_array_size(json_object_get(caps, "bounding")) == 14);
	CHECK(json_array_size(json_object_get(caps, "effective")) == 14);
	CHECK(json_array_size(json_object_get(caps, "permitted")) == 14);
	CHECK(has_str(json_object_get(caps, "bounding"), "CAP_NET_BIND_SERVICE"));
	CHECK(!has_str(json_object_get(caps, "bounding"), "CAP_SYS_ADMIN"));
	CHECK(!json_array_size(json_object_get(caps, "inheritable")));

	json_t *rl = json_array_get(json_object_get(proc, "rlimits"), 0);
	struct rlimit lim;
	CHECK(getrlimit(RLIMIT_NOFILE, &lim) == 0);
	long long want = lim.rlim_max != RLIM_INFINITY && lim.rlim_max < 1048576
	                     ? (long long)lim.rlim_max
	                     : 1048576;
	CHECK(!strcmp(json_str(rl, "type"), "RLIMIT_NOFILE") && json_int(rl, "hard", 0) == want);
	CHECK(json_int(rl, "soft", 0) == want);

	json_t *lx = json_object_get(spec, "linux");
	json_t *ns = json_object_get(lx, "namespaces");
	CHECK(json_array_size(ns) == 5);
	CHECK(!strcmp(json_str(json_array_get(ns, 1), "type"), "network"));
	CHECK(!strcmp(json_str(json_array_get(ns, 1), "path"), "/var/run/netns/x"));
	CHECK(!strcmp(json_str(lx, "cgroupsPath"), "/berth/0123"));
	CHECK(has_str(json_object_get(lx, "maskedPaths"), "/proc/kcore"));
	CHECK(has_str(json_object_get(lx, "readonlyPaths"), "/proc/sysrq-trigger"));
	CHECK(!strcmp(json_str(json_object_get(lx, "seccomp"), "defaultAction"), "SCMP_ACT_ERRNO"));
	json_t *dev = json_object_get(json_object_get(lx, "resources"), "devices");
	CHECK(json_is_false(json_object_get(json_array_get(dev, 0), "allow")));
	CHECK(json_array_size(dev) == 8);

	const char *order[] = {"/proc",          "/dev",        "/dev/pts", "/sys",
	                       "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm", "/etc/resolv.conf",
	                       "/etc/hostname",  "/etc/hosts"};
	for (int i = 0; i < 10; i++) {
		int at = -1;
		CHECK(mount_at(spec, order[i], &at) && at == i);
	}
	CHECK(
	    has_str(json_object_get(mount_at(spec, "/dev/shm", NULL), "options"), "size=67108864"));
	const json_t *hosts = mount_at(spec, "/etc/hosts", NULL);
	CHECK(!strcmp(json_str(hosts, "type"), "bind"));
	CHECK(!strcmp(json_str(hosts, "source"), "/run/x/hosts"));
	CHECK(has_str(json_object_get(hosts, "options"), "rbind"));
	CHECK(has_str(json_object_get(hosts, "options"), "rprivate"));
	json_decref(spec);
	return 0;
}

static int test_spec_user_and_home(void)
{
	static char *const env[] = {"PATH=/bin", "HOME=/custom", NULL};
	eng_error_t err;
	json_t *spec = build("app:wheel", NULL, env, &err);
	CHECK(spec);
	json_t *proc = json_object_get(spec, "process");
	json_t *user = json_object_get(proc, "user");
	CHECK(json_int(user, "uid", -1) == 1000 && json_int(user, "gid", -1) == 10);
	CHECK(!json_object_get(user, "additionalGids"));
	CHECK(has_str(json_object_get(proc, "env"), "HOME=/custom"));
	json_decref(spec);

	spec = build("4000", NULL, NULL, &err);
	CHECK(spec);
	CHECK(has_str(json_object_get(json_object_get(spec, "process"), "env"), "HOME=/"));
	json_decref(spec);

	CHECK(!build("ghost", NULL, NULL, &err));
	CHECK(err.kind == ERR_INVALID && strstr(err.msg, "unable to find user ghost"));
	return 0;
}

static int test_spec_binds(void)
{
	static char *const binds[] = {"/srv/data:/data/sub:ro", "/srv:/data", "/h/hosts:/etc/hosts",
	                              "/src//x/../y:/mnt/y:rw,rshared,Z", NULL};
	eng_error_t err;
	json_t *spec = build("", binds, NULL, &err);
	CHECK(spec);
	int parent = -1, child = -1;
	const json_t *m = mount_at(spec, "/data/sub", &child);
	CHECK(m && has_str(json_object_get(m, "options"), "ro"));
	CHECK(mount_at(spec, "/data", &parent) && parent < child);
	/* the user's /etc/hosts replaces the generated one */
	m = mount_at(spec, "/etc/hosts", NULL);
	CHECK(m && !strcmp(json_str(m, "source"), "/h/hosts"));
	m = mount_at(spec, "/mnt/y", NULL);
	CHECK(m && !strcmp(json_str(m, "source"), "/src/y"));
	CHECK(has_str(json_object_get(m, "options"), "rshared"));
	CHECK(!has_str(json_object_get(m, "options"), "ro"));
	CHECK(!strcmp(json_str(json_object_get(spec, "linux"), "rootfsPropagation"), "shared"));
	json_decref(spec);

	struct {
		const char *bind, *msg;
	} bad[] = {
	    {"/a", "invalid volume specification: '/a'"},
	    {"/a:/b:/c:/d", "invalid volume specification: '/a:/b:/c:/d'"},
	    {"/a:/b:xyz", "invalid mode: xyz"},
	    {"/a:/b:ro,rw", "invalid mode: ro,rw"},
	    {"/a:rel", "invalid volume specification: '/a:rel': invalid mount config for type "
	               "\"bind\": invalid mount path: 'rel' mount path must be absolute"},
	    {"/a:/", "invalid volume specification: '/a:/': invalid mount config for type "
	             "\"bind\": invalid specification: destination can't be '/'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *const b[] = {(char *)bad[i].bind, NULL};
		CHECK(!build("", b, NULL, &err));
		if (err.kind != ERR_INVALID || strcmp(err.msg, bad[i].msg)) {
			fprintf(stderr, "# %s: %s\n", bad[i].bind, err.msg);
			return -1;
		}
	}
	return 0;
}

TAP_MAIN(T(setup), T(test_user_resolution), T(test_user_errors), T(test_user_symlinks_stay_inside),
         T(test_spec_defaults), T(test_spec_user_and_home), T(test_spec_binds), T(teardown))
