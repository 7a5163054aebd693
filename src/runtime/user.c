/* docker -u resolution against the container's own /etc/passwd and /etc/group, with the
 * rules of runc's libcontainer/user.GetExecUser that dockerd uses. */
#include "oci.h"
#include "oci-internal.h"
#include "../common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ID_MAX 2147483647L
/* /etc/passwd bigger than this is not a passwd file we want to hold in memory */
#define DB_MAX (16L << 20)

/* strconv.Atoi: optional sign, decimal digits, nothing else. */
static int parse_id(const char *s, long *ret)
{
	const char *p = s;
	long v = 0;
	int neg = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!*p)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > LONG_MAX / 10 - 10)
			v = LONG_MAX / 10 - 10; /* saturate: only the range check cares */
		v = v * 10 + (*p - '0');
	}
	*ret = neg ? -v : v;
	return 0;
}

/* Reads rootfs/<rel> with every path component resolved inside the rootfs, so a symlinked
 * /etc/passwd cannot reach the host's. NULL (and errno) when it cannot be read: callers treat
 * that as "no entries", as runc does. */
static char *read_in_root(int rootfd, const char *rel)
{
	struct open_how how = {
	    .flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	struct stat st;
	char *buf;
	size_t len = 0;

	if (fd < 0)
		return NULL;
	/* a FIFO or device planted at /etc/passwd must not block or feed us forever */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > DB_MAX) {
		errno = EINVAL;
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return NULL;
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	return buf;
}

/* Splits one line in place into at most `max` ':' fields; returns the count. */
static int split_fields(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ':') {
			*p = 0;
			f[n++] = p + 1;
		}
	return n;
}

/* Next trimmed non-empty line of `*cur`, NUL-terminated in place; NULL at the end. */
static char *next_line(char **cur)
{
	while (*cur && **cur) {
		char *line = *cur, *nl = strchr(line, '\n'), *end;
		*cur = nl ? nl + 1 : NULL;
		if (nl)
			*nl = 0;
		while (*line == ' ' || *line == '\t' || *line == '\r')
			line++;
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = 0;
		if (*line)
			return line;
	}
	return NULL;
}

static long atoi_or_zero(const char *s)
{
	long v;
	return s && parse_id(s, &v) == 0 ? v : 0;
}

static int range_error(eng_error_t *err)
{
	return eng_error_make(err, ERANGE, ERR_INVALID, "uids and gids must be in range 0-%ld",
	                      ID_MAX);
}

struct passwd_match {
	int found;
	long uid, gid;
	char *name, *home;
};

static int find_passwd(char *db, const char *user_arg, int numeric, long uid_arg,
                       struct passwd_match *m)
{
	char *cur = db, *line, *f[7];

	while ((line = next_line(&cur))) {
		int n = split_fields(line, f, 7);
		long uid = n > 2 ? atoi_or_zero(f[2]) : 0;
		int hit;

		if (!*user_arg)
			hit = uid == 0; /* "" means the current default: uid 0 */
		else if (numeric)
			hit = uid == uid_arg;
		else
			hit = !strcmp(f[0], user_arg);
		if (!hit)
			continue;
		m->found = 1;
		m->uid = uid;
		m->gid = n > 3 ? atoi_or_zero(f[3]) : 0;
		m->name = strdup(f[0]);
		m->home = n > 5 && *f[5] ? strdup(f[5]) : NULL;
		if (!m->name)
			return -1;
		return 0;
	}
	return 0;
}

static int member_of(char *list, const char *name)
{
	char *save = NULL;

	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, name))
			return 1;
	return 0;
}

/* Groups: with an explicit group arg, the first entry matching it (by name or gid); without,
 * every group that lists `user_name` as a member (the supplementary groups). */
static int scan_groups(char *db, const char *group_arg, int numeric, long gid_arg,
                       const char *user_name, struct oci_user *u, int *ret_found)
{
	char *cur = db, *line, *f[4];

	*ret_found = 0;
	while (db && (line = next_line(&cur))) {
		int n = split_fields(line, f, 4);
		long gid = n > 2 ? atoi_or_zero(f[2]) : 0;

		if (*group_arg) {
			if (numeric ? gid != gid_arg : strcmp(f[0], group_arg) != 0)
				continue;
			u->gid = (gid_t)gid;
			*ret_found = 1;
			return 0;
		}
		if (n < 4 || !member_of(f[3], user_name))
			continue;
		gid_t *g = realloc(u->groups, (u->ngroups + 1) * sizeof(*g));
		if (!g)
			return -1;
		u->groups = g;
		u->groups[u->ngroups++] = (gid_t)gid;
		*ret_found = 1;
	}
	return 0;
}

void oci_user_clear(struct oci_user *u)
{
	free(u->groups);
	free(u->home);
	memset(u, 0, sizeof(*u));
}

int oci_user_lookup(const char *rootfs, const char *user, struct oci_user *ret, eng_error_t *err)
{
	_cleanup_free_ char *spec = strdup(user ? user : "");
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	_cleanup_close_ int rootfd = -1;
	struct passwd_match m = {0};
	struct oci_user u = {0};
	const char *user_arg, *group_arg = "";
	long uid_arg = 0, gid_arg = 0;
	int uid_num, gid_num, found;

	if (!spec)
		return eng_error_make(err, ENOMEM, ERR_INTERNAL, "out of memory");
	user_arg = spec;
	char *colon = strchr(spec, ':');
	if (colon) {
		*colon = 0;
		group_arg = colon + 1;
	}
	uid_num = parse_id(user_arg, &uid_arg) == 0;
	gid_num = parse_id(group_arg, &gid_arg) == 0;

	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "opening rootfs `%s`: %m", rootfs);
	passwd = read_in_root(rootfd, "etc/passwd");
	group = read_in_root(rootfd, "etc/group");

	if (passwd && find_passwd(passwd, user_arg, uid_num, uid_arg, &m) < 0)
		goto oom;
	if (m.found) {
		u.uid = (uid_t)m.uid;
		u.gid = (gid_t)m.gid;
		u.home = m.home;
		m.home = NULL;
	} else {
		if (*user_arg && !uid_num) {
			free(m.name);
			return eng_error_make(
			    err, ENOENT, ERR_INVALID,
			    "unable to find user %s: no matching entries in passwd file", user_arg);
		}
		if (*user_arg) {
			if (uid_arg < 0 || uid_arg > ID_MAX)
				return range_error(err);
			u.uid = (uid_t)uid_arg;
		}
	}

	if (*group_arg || m.found) {
		if (scan_groups(group, group_arg, gid_num, gid_arg, m.name ? m.name : "", &u,
		                &found) < 0)
			goto oom;
		if (*group_arg && !found) {
			if (!gid_num) {
				free(m.name);
				oci_user_clear(&u);
				return eng_error_make(
				    err, ENOENT, ERR_INVALID,
				    "unable to find group %s: no matching entries in group file",
				    group_arg);
			}
			if (gid_arg < 0 || gid_arg > ID_MAX) {
				free(m.name);
				oci_user_clear(&u);
				return range_error(err);
			}
			u.gid = (gid_t)gid_arg;
		}
	}
	free(m.name);
	if (!u.home && !(u.home = strdup("/")))
		goto oom;
	*ret = u;
	return 0;
oom:
	free(m.name);
	free(m.home);
	oci_user_clear(&u);
	return eng_error_make(err, ENOMEM, ERR_INTERNAL, "out of memory");
}

int oci_resolve_user(const char *rootfs, const char *user, uid_t *ret_uid, gid_t *ret_gid,
                     gid_t **ret_groups, size_t *ret_ngroups, eng_error_t *err)
{
	struct oci_user u;

	if (oci_user_lookup(rootfs, user, &u, err) < 0)
		return -1;
	*ret_uid = u.uid;
	*ret_gid = u.gid;
	*ret_groups = u.groups;
	*ret_ngroups = u.ngroups;
	free(u.home);
	return 0;
}
