/* Native exec: what `runc exec` does (libcontainer's nsexec + setns init), in the shim.
 *
 *   shim: setns(pidfd of the init, CLONE_NEWPID)   only its children's PID namespace
 *     └─ fork ──▶ child, in the container's PID namespace: cgroups of the init joined,
 *                 setns(every other namespace), user, caps, seccomp, execve
 *   shim: setns(its own PID namespace) again
 *
 * runc needs two processes for this (a process cannot change its own PID namespace); the
 * shim's pid_for_children does it with one, which is the shim's own child from the start.
 * The child reports on a SOCK_SEQPACKET pair: "M" with the PTY master, "E<message>", and
 * EOF once it has exec'd (its end is close-on-exec). */
#include "nsexec.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <grp.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1
/* how long the shim waits for the process to exec */
#define START_TIMEOUT_MS 55000

extern char **environ;

/* ---- in the shim, before the fork ---- */

#define MAX_CGROUPS 32

struct cgroups {
	char *procs[MAX_CGROUPS]; /* cgroup.procs files to write "0" into */
	size_t n;
};

static char *read_text(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				break;
			buf = nb;
		}
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

/* All of want's comma-separated items in the mount's super options. */
static int has_options(const char *opts, const char *want)
{
	char w[256], o[1024];

	snprintf(w, sizeof(w), "%s", want);
	for (char *s1 = NULL, *x = strtok_r(w, ",", &s1); x; x = strtok_r(NULL, ",", &s1)) {
		int found = 0;
		snprintf(o, sizeof(o), "%s", opts);
		for (char *s2 = NULL, *y = strtok_r(o, ",", &s2); y && !found;
		     y = strtok_r(NULL, ",", &s2))
			found = !strcmp(x, y);
		if (!found)
			return 0;
	}
	return 1;
}

/* Where hierarchy `ctrls` ("" for v2) is mounted, from our mountinfo, and that mount's root. */
static int find_mount(const char *mountinfo, const char *ctrls, char *mnt, char *root,
                      size_t cap)
{
	const char *l = mountinfo;

	while (l && *l) {
		const char *end = strchr(l, '\n');
		char line[4096], r[PATH_MAX], m[PATH_MAX], fstype[64], super[1024];
		size_t len = end ? (size_t)(end - l) : strlen(l);
		char *dash;

		snprintf(line, sizeof(line), "%.*s", (int)len, l);
		l = end ? end + 1 : NULL;
		dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", r, m) != 2 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2)
			continue;
		if (*ctrls ? strcmp(fstype, "cgroup") || !has_options(super, ctrls)
		           : strcmp(fstype, "cgroup2"))
			continue;
		snprintf(mnt, cap, "%s", m);
		snprintf(root, cap, "%s", r);
		return 0;
	}
	return -1;
}

/* The cgroup.procs of every hierarchy the init is in, v1 and v2, as runc joins them. The init
 * must be in the container's cgroups, which name its ID: a recycled PID is refused. */
static int cgroups_of(pid_t pid, const char *id, struct cgroups *cg, char *msg, size_t cap)
{
	char path[64], *text, *mi;
	int named = 0;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	text = read_text(path);
	mi = read_text("/proc/self/mountinfo");
	if (!text || !mi) {
		snprintf(msg, cap, "reading %s: %s", path, strerror(errno));
		free(text);
		free(mi);
		return -1;
	}
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && cg->n < MAX_CGROUPS;
	     l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *rel;
		char mnt[PATH_MAX], root[PATH_MAX];
		if (!c2)
			continue;
		*c2 = 0;
		rel = c2 + 1;
		named |= strstr(rel, id) != NULL;
		if (find_mount(mi, c1 + 1, mnt, root, sizeof(mnt)) < 0)
			continue;
		/* a cgroup namespace or a bind of a sub-tree: paths are relative to the mount */
		if (strcmp(root, "/") && !strncmp(rel, root, strlen(root)))
			rel += strlen(root);
		if (asprintf(&cg->procs[cg->n], "%s%s/cgroup.procs", mnt, rel) < 0)
			break;
		/* v1 hierarchies co-mounted (cpu,cpuacct) appear once per line: join once */
		for (size_t i = 0; i < cg->n; i++)
			if (!strcmp(cg->procs[i], cg->procs[cg->n])) {
				free(cg->procs[cg->n--]);
				break;
			}
		cg->n++;
	}
	free(text);
	free(mi);
	if (!named) {
		snprintf(msg, cap, "process %d is not the container's init", (int)pid);
		return -1;
	}
	return 0;
}

static int load_filter(const char *path, struct sock_fprog *prog, char *msg, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n = -1;

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0 &&
	    st.st_size % sizeof(struct sock_filter) == 0 && st.st_size <= 65536 * 8) {
		prog->filter = malloc((size_t)st.st_size);
		prog->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
		if (prog->filter)
			n = read(fd, prog->filter, (size_t)st.st_size);
		if (n != st.st_size)
			n = -1;
	}
	if (fd >= 0)
		close(fd);
	if (n < 0)
		snprintf(msg, cap, "loading the seccomp filter %s: %s", path,
		         errno ? strerror(errno) : "bad size");
	return n < 0 ? -1 : 0;
}

/* ---- in the children: report and die ---- */

static int report_fd = -1;

static void send_msg(char kind, const char *text, int fd)
{
	char buf[2048];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {buf, 0};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	buf[0] = kind;
	iov.iov_len = 1 + (size_t)snprintf(buf + 1, sizeof(buf) - 1, "%s", text);
	if (iov.iov_len > sizeof(buf))
		iov.iov_len = sizeof(buf);
	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	while (sendmsg(report_fd, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* Go's errno texts, which runc prints: strerror's, lower-cased first letter. */
static const char *errtext(int e)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s", strerror(e));
	buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	char msg[1800];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	send_msg('E', msg, -1);
	_exit(1);
}

/* Go's %q for the paths runc quotes (enough for what a path holds). */
static const char *quoted(const char *s)
{
	static char buf[PATH_MAX * 2 + 3];
	size_t o = 0;

	buf[o++] = '"';
	for (; *s && o + 3 < sizeof(buf); s++) {
		if (*s == '"' || *s == '\\')
			buf[o++] = '\\';
		buf[o++] = *s;
	}
	buf[o++] = '"';
	buf[o] = 0;
	return buf;
}

/* ---- the child, inside the container ---- */

static void setup_console(const struct exec_spec *s)
{
	int unlock = 0, master, slave;
	struct stat st;

	/* the container's devpts: the PTY belongs to the container, as with runc */
	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		die("unable to start container process: open /dev/ptmx: %s", errtext(errno));
	if (fstat(master, &st) < 0 || !S_ISCHR(st.st_mode) ||
	    ioctl(master, TIOCSPTLCK, &unlock) < 0)
		die("unable to start container process: /dev/ptmx is not a pty multiplexer");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		die("unable to start container process: opening the pty peer: %s",
		    errtext(errno));
	if (s->rows && s->cols) {
		struct winsize ws = {.ws_row = (unsigned short)s->rows,
		                     .ws_col = (unsigned short)s->cols};
		ioctl(master, TIOCSWINSZ, &ws);
	}
	send_msg('M', "", master);
	close(master);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			die("unable to start container process: dup2: %s", errtext(errno));
	close(slave);
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		die("unable to start container process: setctty: %s", errtext(errno));
}

static void load_seccomp(const struct sock_fprog *prog)
{
	if (prog->len && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
		die("unable to start container process: error loading seccomp filter into kernel: "
		    "%s",
		    errtext(errno));
}

/* the kernel's highest capability number, read by the shim before the fork */
static int cap_last = 40;

static int last_cap(void)
{
	return cap_last;
}

static void drop_bounding(const struct exec_spec *s)
{
	int last = last_cap();

	for (int c = 0; c <= last; c++)
		if (!(s->cap_bounding >> c & 1) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			die("unable to start container process: unable to apply bounding set: %s",
			    errtext(errno));
}

static void apply_caps(const struct exec_spec *s)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {
	    {(uint32_t)s->cap_effective, (uint32_t)s->cap_permitted,
	     (uint32_t)s->cap_inheritable},
	    {(uint32_t)(s->cap_effective >> 32), (uint32_t)(s->cap_permitted >> 32),
	     (uint32_t)(s->cap_inheritable >> 32)}};
	int last = last_cap();

	if (syscall(SYS_capset, &h, d) < 0)
		die("unable to start container process: unable to apply caps: %s",
		    errtext(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		die("unable to start container process: unable to apply caps: %s",
		    errtext(errno));
	for (int c = 0; c <= last; c++)
		if (s->cap_ambient >> c & 1)
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0); /* as runc: best effort */
}

/* fixStdioPermissions: the user must own its stdio (the PTY slave, the pipes). */
static void chown_stdio(uid_t uid)
{
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			die("unable to start container process: fstat stdio: %s", errtext(errno));
		if (st.st_uid == uid ||
		    (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))) /* /dev/null */
			continue;
		if (fchown(fd, uid, (gid_t)-1) < 0 && errno != EPERM && errno != EROFS)
			die("unable to start container process: chown stdio: %s", errtext(errno));
	}
}

static void setup_user(const struct exec_spec *s)
{
	char *sg = read_text("/proc/self/setgroups");
	int allow = !sg || strncmp(sg, "deny", 4);

	free(sg);
	chown_stdio(s->uid);
	if (allow && setgroups(s->ngroups, s->groups) < 0)
		die("unable to start container process: unable to setup user: setgroups: %s",
		    errtext(errno));
	if (setgid(s->gid) < 0)
		die("unable to start container process: unable to setup user: %s",
		    errtext(errno));
	if (setuid(s->uid) < 0)
		die("unable to start container process: unable to setup user: %s",
		    errtext(errno));
}

/* finalizeNamespace: cwd, bounding set, user, capabilities. */
static void finalize(const struct exec_spec *s)
{
	int chdir_later = 0;
	char cwd[PATH_MAX];

	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	if (chdir(s->cwd) < 0) {
		if (errno != EACCES && errno != EPERM)
			die("unable to start container process: chdir to cwd (%s) set in "
			    "config.json failed: %s",
			    quoted(s->cwd), errtext(errno));
		chdir_later = 1; /* the user may reach what root cannot (root-squashed mounts) */
	}
	drop_bounding(s);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		die("unable to start container process: unable to set keep caps: %s",
		    errtext(errno));
	setup_user(s);
	if (chdir_later && chdir(s->cwd) < 0)
		die("unable to start container process: chdir to cwd (%s) set in config.json "
		    "failed: %s",
		    quoted(s->cwd), errtext(errno));
	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		die("unable to start container process: current working directory is outside of "
		    "container mount namespace root -- possible container breakout detected");
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		die("unable to start container process: unable to clear keep caps: %s",
		    errtext(errno));
	apply_caps(s);
}

/* read by the shim, before its child leaves the host's mount namespace */
static int apparmor_enabled;

static void apply_apparmor(const char *profile)
{
	char line[512];
	int fd, n;

	if (!profile || !*profile || !apparmor_enabled)
		return;
	fd = open("/proc/self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open("/proc/self/attr/exec", O_WRONLY | O_CLOEXEC);
	n = snprintf(line, sizeof(line), "exec %s", profile);
	if (fd < 0 || write(fd, line, (size_t)n) != n)
		die("unable to start container process: apply apparmor profile: apparmor failed "
		    "to apply profile: %s",
		    errtext(errno));
	close(fd);
}

static const char *env_get(char **env, const char *key)
{
	size_t kl = strlen(key);

	for (; env && *env; env++)
		if (!strncmp(*env, key, kl) && (*env)[kl] == '=')
			return *env + kl + 1;
	return NULL;
}

/* Go 1.19's exec.LookPath, as runc uses it (PATH from the process's environment; a
 * directory or a file without x bits is "permission denied"). */
static int executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	return !S_ISDIR(st.st_mode) && (st.st_mode & 0111) ? 0 : -EACCES;
}

static char *look_path(const char *file, char **env)
{
	const char *path = env_get(env, "PATH");
	char *dirs, *full = NULL;
	int e;

	if (strchr(file, '/')) {
		if ((e = executable(file)) == -EACCES)
			die("unable to start container process: exec: %s: permission denied",
			    quoted(file));
		if (e < 0)
			die("unable to start container process: exec: %s: stat %s: %s",
			    quoted(file), file, errtext(-e));
		return (char *)file;
	}
	dirs = strdup(path ? path : "");
	for (char *p = dirs, *d; p; p = d) {
		d = strchr(p, ':');
		if (d)
			*d++ = 0;
		if (asprintf(&full, "%s/%s", *p ? p : ".", file) < 0)
			break;
		if (executable(full) == 0)
			return full;
		free(full);
		full = NULL;
	}
	die("unable to start container process: exec: %s: executable file not found in $PATH",
	    quoted(file));
}

static __attribute__((noreturn)) void become_process(const struct exec_spec *s,
                                            const struct sock_fprog *prog)
{
	char *path;

	if (setsid() < 0)
		die("unable to start container process: setsid: %s", errtext(errno));
	for (size_t i = 0; i < s->nrlimits; i++) {
		struct rlimit rl = {(rlim_t)s->rlimits[i].soft, (rlim_t)s->rlimits[i].hard};
		if (setrlimit(s->rlimits[i].resource, &rl) < 0)
			die("unable to start container process: error setting rlimit type %d: %s",
			    s->rlimits[i].resource, errtext(errno));
	}
	/* a session keyring of the container's, not the shim's (runc's "_ses.<id>") */
	if (s->keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, s->keyring) < 0 &&
	    errno != ENOSYS)
		die("unable to start container process: unable to join session keyring: %s",
		    errtext(errno));
	if (s->terminal)
		setup_console(s);
	if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("unable to start container process: no_new_privs: %s", errtext(errno));
	if (s->umask >= 0)
		umask((mode_t)s->umask);
	/* without no_new_privs loading a filter needs CAP_SYS_ADMIN: before the caps go */
	if (!s->no_new_privs)
		load_seccomp(prog);
	finalize(s);
	apply_apparmor(s->apparmor);
	path = look_path(s->args[0], s->env);
	/* as late as possible, so the filter sees as few of our own syscalls as possible */
	if (s->no_new_privs)
		load_seccomp(prog);
	execve(path, s->args, s->env);
	die("unable to start container process: exec: %s: %s", quoted(s->args[0]),
	    errtext(errno));
}

/* ---- the child: joins, then becomes the process ---- */

static __attribute__((noreturn)) void run_child(const struct exec_spec *s, int pidfd,
                                                const struct cgroups *cg,
                                                const struct sock_fprog *prog, int in,
                                                int out, int errfd)
{
	sigset_t none;
	char num[16];

	/* nothing of the container may reach us through /proc/<pid>/exe or ptrace until the
	 * execve: the shim binary is the host's (CVE-2019-5736) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (!s->terminal && (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0))
		die("unable to start container process: dup2: %s", errtext(errno));
	if (s->have_oom_score_adj) {
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
		int n = snprintf(num, sizeof(num), "%d", s->oom_score_adj);
		if (fd < 0 || write(fd, num, (size_t)n) != n)
			die("unable to start container process: setting oom_score_adj: %s",
			    errtext(errno));
		close(fd);
	}
	/* the cgroups first, while their files are still ours to see: entering the cgroup
	 * namespace afterwards makes them its root, as runc does */
	for (size_t i = 0; i < cg->n; i++) {
		int fd = open(cg->procs[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			die("unable to start container process: joining cgroup %s: %s", cg->procs[i],
			    errtext(errno));
		close(fd);
	}
	/* the PID namespace is ours already: created in it */
	if ((s->ns_flags & ~CLONE_NEWPID) && setns(pidfd, s->ns_flags & ~CLONE_NEWPID) < 0)
		die("unable to start container process: joining the namespaces of the "
		    "container's init: %s",
		    errtext(errno));
	close(pidfd);
	become_process(s, prog);
}

/* ---- the shim's side ---- */

static void free_cgroups(struct cgroups *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		free(cg->procs[i]);
}

pid_t nsexec_start(const struct exec_spec *s, int in, int out, int errfd, int *ret_master,
                   char *msg, size_t cap)
{
	struct cgroups cg = {{0}, 0};
	struct sock_fprog prog = {0, NULL};
	int sv[2] = {-1, -1}, pidfd, st, failed = 0, own_pidns = -1, fork_errno;
	pid_t b = -1;

	*ret_master = -1;
	msg[0] = 0;
	pidfd = (int)syscall(SYS_pidfd_open, s->init_pid, 0);
	if (pidfd < 0) {
		snprintf(msg, cap, "container's init %d: %s", (int)s->init_pid, strerror(errno));
		return -1;
	}
	if (cgroups_of(s->init_pid, s->container, &cg, msg, cap) < 0 ||
	    (s->seccomp && load_filter(s->seccomp, &prog, msg, cap) < 0) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		if (!msg[0])
			snprintf(msg, cap, "socketpair: %s", strerror(errno));
		goto out;
	}
	{
		char *t = read_text("/proc/sys/kernel/cap_last_cap");
		int n = t ? atoi(t) : 0;
		if (n > 0 && n < 64)
			cap_last = n;
		free(t);
	}
	if (s->apparmor) {
		char *en = read_text("/sys/module/apparmor/parameters/enabled");
		apparmor_enabled = en && en[0] == 'Y';
		free(en);
	}
	/* our children's PID namespace becomes the container's for the one fork, so the child
	 * is in it from the start and still ours */
	if ((s->ns_flags & CLONE_NEWPID) &&
	    ((own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) < 0 ||
	     setns(pidfd, CLONE_NEWPID) < 0)) {
		snprintf(msg, cap, "unable to start container process: joining the PID namespace "
		                   "of the container's init: %s",
		         errtext(errno));
		goto out;
	}
	b = fork();
	fork_errno = errno;
	if (b == 0) {
		close(sv[0]);
		report_fd = sv[1];
		run_child(s, pidfd, &cg, &prog, in, out, errfd);
	}
	if (own_pidns >= 0 && setns(own_pidns, CLONE_NEWPID) < 0)
		util_diag("returning to our PID namespace: %m"); /* we fork nothing after this */
	if (b < 0) {
		snprintf(msg, cap, "fork: %s", strerror(fork_errno));
		goto out;
	}
	close(sv[1]);
	sv[1] = -1;
	for (;;) {
		char buf[2048], cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = {buf, sizeof(buf) - 1};
		struct msghdr mh = {.msg_iov = &iov,
		                    .msg_iovlen = 1,
		                    .msg_control = cbuf,
		                    .msg_controllen = sizeof(cbuf)};
		struct pollfd p = {sv[0], POLLIN, 0};
		ssize_t n;
		int rc = poll(&p, 1, START_TIMEOUT_MS);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0) {
			snprintf(msg, cap, "the exec process did not start in %d ms",
			         START_TIMEOUT_MS);
			failed = 1;
			break;
		}
		n = recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf[n] = 0;
		if (buf[0] == 'M') {
			struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
			if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
				memcpy(ret_master, CMSG_DATA(cm), sizeof(int));
		} else if (buf[0] == 'E') {
			snprintf(msg, cap, "%s", buf + 1);
			failed = 1;
		}
	}
	if (!failed && s->terminal && *ret_master < 0) {
		snprintf(msg, cap, "the exec process did not start");
		failed = 1;
	}
	if (failed) {
		/* it has exited, or is killed here */
		kill(b, SIGKILL);
		while (waitpid(b, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (failed && *ret_master >= 0) {
		close(*ret_master);
		*ret_master = -1;
	}
out:
	if (own_pidns >= 0)
		close(own_pidns);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	close(pidfd);
	free(prog.filter);
	free_cgroups(&cg);
	return msg[0] ? -1 : b;
}
