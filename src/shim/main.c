/* berth-shim: one per container, the container's parent once it runs. See docs/shim.md.
 *
 * berth-shim --id ID --bundle DIR --runtime PATH --runtime-root DIR --sync-fd N
 *            [--cgroup PATH] [--log PATH [--log-max-size N] [--log-max-file N]]
 *            [--tty] [--stdin] [--stdin-once] [--attach FD:FLAGS[:HEXKEYS]]...
 *            [--exec-id EID [--exec-native]]
 *
 * With --exec-id the shim runs one `docker exec` process in the running container ID:
 * `<runtime> exec --process <bundle>/process.json` instead of `run`, where --bundle is the
 * exec's own directory. Same stdio, clients and exit record; no log, no `delete`. With
 * --exec-native it starts the process itself from <bundle>/exec.spec (nsexec.c), without
 * the runtime.
 */
#include "jsonlog.h"
#include "loop.h"
#include "nsexec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ATTACH 32
/* berthd waits 60 s for the answer; the runtime gets a little less so the shim can still
 * clean up and say why. */
#define RUNTIME_TIMEOUT_MS 55000

extern char **environ;

static struct {
	const char *id, *bundle, *runtime, *runtime_root, *cgroup, *log_path;
	const char *exec_id; /* exec mode: the bundle is the exec's directory */
	int64_t log_max_size;
	int log_max_file;
	int tty, open_stdin, stdin_once;
	int exec_native;
	int sync_fd;
	int nattach;
	int attach_fd[MAX_ATTACH];
	unsigned attach_flags[MAX_ATTACH];
	char attach_keys[MAX_ATTACH][65];
} O = {.sync_fd = -1, .log_max_file = 1};

static int parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = 1;
		if (!strcmp(a, "--tty"))
			O.tty = 1, takes = 0;
		else if (!strcmp(a, "--stdin"))
			O.open_stdin = 1, takes = 0;
		else if (!strcmp(a, "--stdin-once"))
			O.stdin_once = 1, takes = 0;
		else if (!strcmp(a, "--exec-native"))
			O.exec_native = 1, takes = 0;
		else if (!v)
			return -1;
		else if (!strcmp(a, "--id"))
			O.id = v;
		else if (!strcmp(a, "--bundle"))
			O.bundle = v;
		else if (!strcmp(a, "--exec-id"))
			O.exec_id = v;
		else if (!strcmp(a, "--runtime"))
			O.runtime = v;
		else if (!strcmp(a, "--runtime-root"))
			O.runtime_root = v;
		else if (!strcmp(a, "--cgroup"))
			O.cgroup = v;
		else if (!strcmp(a, "--log"))
			O.log_path = v;
		else if (!strcmp(a, "--log-max-size"))
			O.log_max_size = strtoll(v, NULL, 10);
		else if (!strcmp(a, "--log-max-file"))
			O.log_max_file = atoi(v);
		else if (!strcmp(a, "--sync-fd"))
			O.sync_fd = atoi(v);
		else if (!strcmp(a, "--attach")) {
			if (O.nattach >= MAX_ATTACH)
				return -1;
			O.attach_keys[O.nattach][0] = 0;
			/* FD:FLAGS[:HEX detach keys]; without keys the loop's default */
			if (sscanf(v, "%d:%u:%64[0-9a-f]", &O.attach_fd[O.nattach],
			           &O.attach_flags[O.nattach], O.attach_keys[O.nattach]) < 2)
				return -1;
			O.nattach++;
		} else
			return -1;
		i += takes;
	}
	return O.id && O.bundle && O.runtime && O.runtime_root ? 0 : -1;
}

/* The answer berthd waits for; one line, then the pipe is closed. */
static int sync_send(const char *kind, const char *msg)
{
	char line[2048];
	int n;

	if (O.sync_fd < 0)
		return 0;
	n = snprintf(line, sizeof(line), "%s %s", kind, msg);
	if (n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2;
	for (int i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	int rc = util_write_all(O.sync_fd, line, (size_t)n);
	close(O.sync_fd);
	O.sync_fd = -1;
	return rc;
}

static pid_t spawn(char *const argv[], int in, int out, int errfd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, def;
	pid_t pid;
	int rc;

	/* the container inherits these through the runtime: it must see a clean slate, not
	 * the shim's ignored SIGPIPE/SIGHUP/SIGINT and blocked SIGCHLD */
	sigemptyset(&none);
	sigfillset(&def);
	sigdelset(&def, SIGKILL);
	sigdelset(&def, SIGSTOP);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	rc = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc) {
		errno = rc;
		return -1;
	}
	return pid;
}

/* Waits for one child with a deadline; kills it when the deadline passes. */
static int wait_child(pid_t pid, int timeout_ms)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int st = 0;

	if (pidfd >= 0) {
		struct pollfd p = {pidfd, POLLIN, 0};
		int rc;
		while ((rc = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
			;
		if (rc == 0) {
			util_diag("%s did not finish in %d ms, killing it", O.runtime, timeout_ms);
			kill(pid, SIGKILL);
		}
		close(pidfd);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return st;
}

static void runtime_delete(int devnull)
{
	char *argv[] = {(char *)O.runtime, "--root", (char *)O.runtime_root, "delete", "--force",
	                (char *)O.id,      NULL};
	pid_t pid = spawn(argv, devnull, devnull, devnull);

	if (pid < 0)
		util_diag("running %s delete: %m", O.runtime);
	else
		wait_child(pid, 30000);
}

/* Decodes the JSON string starting after the opening quote into out. */
static void json_unquote(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	for (; *s && *s != '"' && o + 4 < cap; s++) {
		if (*s != '\\') {
			out[o++] = *s;
			continue;
		}
		s++;
		switch (*s) {
		case 'n':
			out[o++] = '\n';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 'b':
		case 'f':
			out[o++] = ' ';
			break;
		case 'u': {
			unsigned cp = 0;
			if (sscanf(s + 1, "%4x", &cp) != 1)
				break;
			s += 4;
			if (cp < 0x80) {
				out[o++] = (char)cp;
			} else if (cp < 0x800) {
				out[o++] = (char)(0xC0 | cp >> 6);
				out[o++] = (char)(0x80 | (cp & 0x3F));
			} else {
				out[o++] = (char)(0xE0 | cp >> 12);
				out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				out[o++] = (char)(0x80 | (cp & 0x3F));
			}
			break;
		}
		case 0:
			s--;
			break;
		default:
			out[o++] = *s;
		}
	}
	out[o] = 0;
}

/* The last error of the runtime's JSON log (`--log-format json`), as runc and crun write:
 * {"level":"error","msg":"runc run failed: ...","time":"..."}. */
static int runtime_error(char *out, size_t cap)
{
	static char buf[32768];
	int fd = open("runtime.log", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	off_t size;
	int found = 0;

	if (fd < 0)
		return 0;
	size = lseek(fd, 0, SEEK_END);
	lseek(fd, size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *m;
		if (!strstr(l, "\"level\":\"error\"") && !strstr(l, "\"level\":\"fatal\""))
			continue;
		m = strstr(l, "\"msg\":\"");
		if (!m)
			continue;
		json_unquote(m + 7, out, cap);
		found = 1;
	}
	return found;
}

/* What the runtime printed on its stderr, trimmed to its last non-empty line. */
static void stderr_text(int fd, char *out, size_t cap)
{
	ssize_t n;
	char *line, *msg;

	util_set_nonblock(fd);
	n = read(fd, out, cap - 1);
	out[n > 0 ? n : 0] = 0;
	while ((line = strrchr(out, '\n')) && line[1] == 0)
		*line = 0;
	line = strrchr(out, '\n');
	if (line)
		memmove(out, line + 1, strlen(line + 1) + 1);
	/* logrus text format: time="..." level=error msg="..." */
	msg = strstr(out, "msg=\"");
	if (msg) {
		char tmp[2048];
		json_unquote(msg + 5, tmp, sizeof(tmp));
		snprintf(out, cap, "%s", tmp);
	}
}

static int console_listen(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "console.sock"};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	unlink(sa.sun_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The runtime sends the PTY master over the console socket before it exits. */
static int console_receive(int lfd)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte[64];
	struct iovec iov = {byte, sizeof(byte)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct pollfd p = {lfd, POLLIN, 0};
	int cfd, master = -1;

	if (poll(&p, 1, 5000) <= 0)
		return -1;
	cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd < 0)
		return -1;
	p.fd = cfd;
	if (poll(&p, 1, 5000) > 0 && recvmsg(cfd, &mh, MSG_CMSG_CLOEXEC) >= 0) {
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&master, CMSG_DATA(cm), sizeof(int));
	}
	close(cfd);
	return master;
}

static int control_listen(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "shim.sock"};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	unlink(sa.sun_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static long read_counter(const char *path, const char *key)
{
	char buf[1024], *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t kl = strlen(key);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	for (p = buf; (p = strstr(p, key)); p += kl)
		if ((p == buf || p[-1] == '\n') && p[kl] == ' ')
			return atol(p + kl + 1);
	return -1;
}

/* The kernel counts OOM kills per cgroup: v1 in memory.oom_control, v2 in memory.events. */
static int oom_killed(void)
{
	static const char *fmts[] = {"/sys/fs/cgroup/memory%s/memory.oom_control",
	                             "/sys/fs/cgroup%s/memory.events",
	                             "/sys/fs/cgroup/unified%s/memory.events"};
	char path[PATH_MAX];

	if (!O.cgroup)
		return 0;
	for (size_t i = 0; i < sizeof(fmts) / sizeof(*fmts); i++) {
		snprintf(path, sizeof(path), fmts[i], O.cgroup);
		long v = read_counter(path, "oom_kill");
		if (v >= 0)
			return v > 0;
	}
	return 0;
}

static void write_exit(int code, int oom)
{
	char buf[160];
	int n =
	    snprintf(buf, sizeof(buf), "{\"exit_code\":%d,\"oom_killed\":%d,\"finished\":%lld}\n",
	             code, oom, (long long)util_now_ns());
	int fd = open("exit.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	/* a container's record must survive a crash of the host; an exec's lives as long as
	 * berthd's memory of it, and its client waits for it */
	if (fd < 0 || util_write_all(fd, buf, (size_t)n) < 0 || (!O.exec_id && fsync(fd) < 0)) {
		util_diag("writing the exit record: %m");
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	if (rename("exit.tmp", "exit") < 0) {
		util_diag("renaming the exit record: %m");
		return;
	}
	fd = O.exec_id ? -1 : open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static void setup_signals(int *ret_sigfd)
{
	sigset_t set;

	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	/* berthd's terminal, session or socket going away must not take the container along */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_SETMASK, &set, NULL);
	*ret_sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Stdio of the container: pipes without a TTY; with one the runtime creates the PTY. */
struct stdio {
	int in[2], out[2], err[2]; /* [0] read end, [1] write end */
	int console;               /* listening console socket */
	int master;
};

static int stdio_create(struct stdio *io, int devnull)
{
	*io = (struct stdio){{-1, -1}, {-1, -1}, {-1, -1}, -1, -1};
	if (O.tty && O.exec_native)
		return 0; /* the PTY comes from the container's devpts, made by nsexec */
	if (O.tty) {
		io->console = console_listen();
		/* the runtime's own stderr, for its message when the console socket is used */
		return io->console < 0 || pipe2(io->err, O_CLOEXEC) < 0 ? -1 : 0;
	}
	if (O.open_stdin && pipe2(io->in, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(io->out, O_CLOEXEC) < 0 || pipe2(io->err, O_CLOEXEC) < 0)
		return -1;
	(void)devnull;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void fail(int devnull, const char *kind, const char *msg)
{
	util_diag("start failed: %s", msg);
	if (O.exec_id) {
		/* the container stays; berthd writes the error into the client's stream, so
		 * the client is only closed here, not shut down */
		unlink("init.pid");
		sync_send(kind, msg);
		exit(1);
	}
	runtime_delete(devnull);
	unlink("init.pid");
	sync_send(kind, msg);
	loop_close_clients();
	exit(1);
}

static pid_t read_pid_file(void)
{
	char buf[32];
	int fd = open("init.pid", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return (pid_t)atoi(buf);
}

/* `<runtime> run` or `<runtime> exec`: the runtime starts the process and writes its PID. */
static pid_t start_runtime(struct stdio *io, int devnull)
{
	char pidfile[PATH_MAX], logopt[PATH_MAX], msg[2048];
	pid_t rt, init;
	int st;

	snprintf(pidfile, sizeof(pidfile), "%s/init.pid", O.bundle);
	snprintf(logopt, sizeof(logopt), "%s/runtime.log", O.bundle);
	unlink("init.pid");
	unlink("runtime.log");
	unlink("exit");
	char *rargv[20];
	int n = 0;
	rargv[n++] = (char *)O.runtime;
	rargv[n++] = "--root";
	rargv[n++] = (char *)O.runtime_root;
	rargv[n++] = "--log";
	rargv[n++] = logopt;
	rargv[n++] = "--log-format";
	rargv[n++] = "json";
	if (O.exec_id) {
		rargv[n++] = "exec";
		rargv[n++] = "--detach";
		rargv[n++] = "--process";
		rargv[n++] = "process.json";
	} else {
		rargv[n++] = "run";
		rargv[n++] = "--detach";
		rargv[n++] = "--bundle";
		rargv[n++] = (char *)O.bundle;
	}
	rargv[n++] = "--pid-file";
	rargv[n++] = pidfile;
	if (O.tty) {
		rargv[n++] = "--console-socket";
		rargv[n++] = "console.sock";
	}
	rargv[n++] = (char *)O.id;
	rargv[n] = NULL;

	util_diag("starting %s (tty=%d stdin=%d once=%d)", O.id, O.tty, O.open_stdin, O.stdin_once);
	if (O.tty)
		rt = spawn(rargv, devnull, devnull, io->err[1]);
	else
		rt = spawn(rargv, io->in[0] >= 0 ? io->in[0] : devnull, io->out[1], io->err[1]);
	if (rt < 0) {
		snprintf(msg, sizeof(msg), "running %s: %s", O.runtime, strerror(errno));
		fail(devnull, "fail", msg);
	}
	/* only the container holds these now: EOF on the read ends means it is gone */
	close_fd(&io->in[0]);
	close_fd(&io->out[1]);
	close_fd(&io->err[1]);
	st = wait_child(rt, RUNTIME_TIMEOUT_MS);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (!runtime_error(msg, sizeof(msg)))
			stderr_text(io->err[0], msg, sizeof(msg));
		if (!msg[0])
			snprintf(msg, sizeof(msg), "%s run failed with status %d", O.runtime, st);
		fail(devnull, "error", msg);
	}
	if (O.tty) {
		io->master = console_receive(io->console);
		close_fd(&io->console);
		unlink("console.sock");
		close_fd(&io->err[0]);
		if (io->master < 0)
			fail(devnull, "fail", "receiving the console from the runtime failed");
	}
	init = read_pid_file();
	if (init <= 0)
		fail(devnull, "fail", "the runtime wrote no pid file");
	return init;
}

/* docker exec without the runtime: nsexec.c does what `runc exec` would. */
static pid_t start_native(struct stdio *io, int devnull)
{
	struct exec_spec spec;
	char msg[2048];
	pid_t pid;

	if (exec_spec_load("exec.spec", &spec, msg, sizeof(msg)) < 0)
		fail(devnull, "fail", msg);
	util_diag("starting exec in %s (tty=%d stdin=%d)", O.id, O.tty, O.open_stdin);
	pid = nsexec_start(&spec, io->in[0] >= 0 ? io->in[0] : devnull,
	                   io->out[1] >= 0 ? io->out[1] : devnull,
	                   io->err[1] >= 0 ? io->err[1] : devnull, &io->master, msg, sizeof(msg));
	close_fd(&io->in[0]);
	close_fd(&io->out[1]);
	close_fd(&io->err[1]);
	/* the container refused the process (runc's words): docker's "OCI runtime exec failed" */
	if (pid < 0)
		fail(devnull, strncmp(msg, NSEXEC_REFUSED, strlen(NSEXEC_REFUSED)) ? "fail" : "error",
		     msg);
	return pid;
}

int main(int argc, char **argv)
{
	char msg[2048];
	struct stdio io;
	struct loop_config lc;
	int devnull, sigfd, lfd, st, code;
	pid_t init;

	if (parse_args(argc, argv) < 0) {
		sync_send("fail", "berth-shim: bad arguments");
		return 2;
	}
	/* berthd spawned us as its child in a new session: the shim proper is our child, which
	 * berthd does not wait for and which is no session leader (it can never acquire a
	 * controlling terminal by accident) */
	switch (fork()) {
	case -1:
		snprintf(msg, sizeof(msg), "berth-shim: fork: %s", strerror(errno));
		sync_send("fail", msg);
		return 1;
	case 0:
		break;
	default:
		_exit(0);
	}
	setup_signals(&sigfd);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (chdir(O.bundle) < 0 || devnull < 0 || sigfd < 0) {
		snprintf(msg, sizeof(msg), "berth-shim: %s: %s", O.bundle, strerror(errno));
		sync_send("fail", msg);
		return 1;
	}
	umask(022);
	util_diag_open("shim.log");
	fcntl(O.sync_fd, F_SETFD, FD_CLOEXEC);
	for (int i = 0; i < O.nattach; i++) {
		fcntl(O.attach_fd[i], F_SETFD, FD_CLOEXEC);
		loop_add_client(O.attach_fd[i], O.attach_flags[i], O.attach_keys[i]);
	}
	/* orphaned container processes (the init, once the runtime exits) come to us */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		util_diag("PR_SET_CHILD_SUBREAPER: %m");
	if (jsonlog_open(O.log_path, O.log_max_size, O.log_max_file) < 0) {
		snprintf(msg, sizeof(msg), "opening log file %s: %s", O.log_path, strerror(errno));
		fail(devnull, "fail", msg);
	}
	if (stdio_create(&io, devnull) < 0) {
		snprintf(msg, sizeof(msg), "creating the container's stdio: %s", strerror(errno));
		fail(devnull, "fail", msg);
	}

	init = O.exec_native ? start_native(&io, devnull) : start_runtime(&io, devnull);
	lfd = control_listen();
	if (lfd < 0) {
		snprintf(msg, sizeof(msg), "listening on %s/shim.sock: %s", O.bundle,
		         strerror(errno));
		fail(devnull, "fail", msg);
	}
	snprintf(msg, sizeof(msg), "%d %d", (int)getpid(), (int)init);
	if (sync_send("ok", msg) < 0) {
		/* berthd gave up on us (timeout, crash): it reported a failure, so the container
		 * must not keep running */
		util_diag("berthd did not take the answer, removing the container");
		if (O.exec_id)
			kill(init, SIGKILL);
		else
			runtime_delete(devnull);
	}
	util_diag("container %s running as pid %d", O.id, (int)init);

	lc = (struct loop_config){
	    .out_fd = O.tty ? io.master : io.out[0],
	    .err_fd = O.tty ? -1 : io.err[0],
	    .in_fd = O.tty ? io.master : io.in[1],
	    .tty = O.tty,
	    .stdin_once = O.stdin_once,
	    .listen_fd = lfd,
	    .sig_fd = sigfd,
	    .init_pid = init,
	};
	st = loop_run(&lc);
	code = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
	write_exit(code, oom_killed());
	util_diag("container %s exited with %d", O.id, code);
	close(lfd);
	unlink("shim.sock");
	if (!O.exec_id)
		runtime_delete(devnull);
	loop_reap();
	loop_close_clients();
	return 0;
}
