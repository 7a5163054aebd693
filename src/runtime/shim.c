#include "shim.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long shim_start waits for the shim's answer; the shim gives the runtime 55 s. */
#define SHIM_START_TIMEOUT_MS 60000
#define SHIM_CTL_TIMEOUT_S 5

extern char **environ;

static void free_argv(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}
DEFINE_CLEANUP(char *, free_argv)

static int argv_add(char ***argv, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int argv_add(char ***argv, size_t *n, const char *fmt, ...)
{
	char **nv = realloc(*argv, (*n + 2) * sizeof(char *));
	va_list ap;
	int rc;

	if (!nv)
		return -1;
	*argv = nv;
	va_start(ap, fmt);
	rc = vasprintf(&nv[*n], fmt, ap);
	va_end(ap);
	if (rc < 0) {
		nv[*n] = NULL;
		return -1;
	}
	nv[++*n] = NULL;
	return 0;
}

/* Fds below 3 would be overwritten by /dev/null in the shim's child. */
static int fd_above_stdio(int fd)
{
	int nfd;

	if (fd < 0 || fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

/* The detach keys as hex for the shim ("" for its default): no separator can clash. */
static void detach_hex(const struct shim_attach *a, char out[2 * SHIM_DETACH_MAX + 1])
{
	size_t n = a->ndetach < SHIM_DETACH_MAX ? a->ndetach : SHIM_DETACH_MAX;

	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", a->detach_keys[i]);
	out[2 * n] = 0;
}

int shim_parse_detach_keys(const char *keys, struct shim_attach *a)
{
	size_t n = 0;

	a->ndetach = 0;
	if (!keys || !*keys)
		return 0;
	for (const char *p = keys;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int code = -1;

		if (len == 1)
			code = (unsigned char)*p;
		else if (len == 3 && !strncmp(p, "DEL", 3))
			code = 127;
		else if (len == 6 && !strncmp(p, "ctrl-", 5) && p[5] >= 'a' && p[5] <= 'z')
			code = p[5] - 'a' + 1;
		else if (len == 6 && !strncmp(p, "ctrl-", 5) && strchr("@[\\]^_", p[5]))
			code = p[5] - '@'; /* ctrl-@ 0, ctrl-[ 27 ... ctrl-_ 31 */
		if (code < 0 || n >= SHIM_DETACH_MAX)
			return -1;
		a->detach_keys[n++] = (unsigned char)code;
		if (!end)
			break;
		p = end + 1;
	}
	a->ndetach = n;
	return 0;
}

static char **build_argv(const struct shim_start_opts *o, int sync_fd, const int *afd)
{
	char **argv = NULL;
	size_t n = 0;
	int rc = 0;

	rc |= argv_add(&argv, &n, "%s", o->shim_path);
	rc |= argv_add(&argv, &n, "--id");
	rc |= argv_add(&argv, &n, "%s", o->id);
	rc |= argv_add(&argv, &n, "--bundle");
	rc |= argv_add(&argv, &n, "%s", o->bundle);
	rc |= argv_add(&argv, &n, "--runtime");
	rc |= argv_add(&argv, &n, "%s", o->runtime_path);
	rc |= argv_add(&argv, &n, "--runtime-root");
	rc |= argv_add(&argv, &n, "%s", o->runtime_root);
	if (o->exec_id) {
		rc |= argv_add(&argv, &n, "--exec-id");
		rc |= argv_add(&argv, &n, "%s", o->exec_id);
		if (o->exec_native)
			rc |= argv_add(&argv, &n, "--exec-native");
	} else {
		/* OOM kills are the container's, counted in its cgroup */
		rc |= argv_add(&argv, &n, "--cgroup");
		rc |= argv_add(&argv, &n, "/berth/%s", o->id);
	}
	rc |= argv_add(&argv, &n, "--sync-fd");
	rc |= argv_add(&argv, &n, "%d", sync_fd);
	if (o->log_path) {
		rc |= argv_add(&argv, &n, "--log");
		rc |= argv_add(&argv, &n, "%s", o->log_path);
		rc |= argv_add(&argv, &n, "--log-max-size");
		rc |= argv_add(&argv, &n, "%lld", (long long)o->log_max_size);
		rc |= argv_add(&argv, &n, "--log-max-file");
		rc |= argv_add(&argv, &n, "%d", o->log_max_file);
	}
	if (o->tty)
		rc |= argv_add(&argv, &n, "--tty");
	if (o->open_stdin)
		rc |= argv_add(&argv, &n, "--stdin");
	if (o->stdin_once)
		rc |= argv_add(&argv, &n, "--stdin-once");
	for (size_t i = 0; i < o->nattach; i++) {
		if (afd[i] < 0)
			continue;
		char hex[2 * SHIM_DETACH_MAX + 1];
		detach_hex(&o->attach[i], hex);
		rc |= argv_add(&argv, &n, "--attach");
		rc |= argv_add(&argv, &n, "%d:%u%s%s", afd[i], o->attach[i].flags, *hex ? ":" : "",
		               hex);
	}
	if (rc) {
		free_argv(argv);
		return NULL;
	}
	return argv;
}

/* posix_spawn (vfork-like: berthd's page tables are not copied, which a fork of a threaded
 * daemon would do twice) into a new session. The shim forks once more itself and this first
 * process exits at once, so the shim is reparented to init (or berthd's subreaper) and never
 * becomes berthd's zombie or dies with berthd's session. Only the answer pipe and the
 * pre-start attach clients are inherited: dup2 onto themselves clears their close-on-exec. */
static pid_t spawn_shim(char **argv, int devnull, int sync_fd, const int *afd, size_t nafd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;
	int rc;

	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, devnull, 0);
	posix_spawn_file_actions_adddup2(&fa, devnull, 1);
	posix_spawn_file_actions_adddup2(&fa, devnull, 2);
	posix_spawn_file_actions_adddup2(&fa, sync_fd, sync_fd);
	for (size_t i = 0; i < nafd; i++)
		if (afd[i] >= 0)
			posix_spawn_file_actions_adddup2(&fa, afd[i], afd[i]);
	rc = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc) {
		errno = rc;
		return -1;
	}
	return pid;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the shim's one-line answer (until EOF) with a deadline. */
static int read_answer(int fd, char *buf, size_t cap)
{
	int64_t deadline = mono_ms() + SHIM_START_TIMEOUT_MS;
	size_t len = 0;

	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		int64_t left = deadline - mono_ms();
		int rc;
		if (left <= 0)
			return -1;
		rc = poll(&p, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return -1;
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == cap - 1)
			break;
	}
	buf[len] = 0;
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = 0;
	return 0;
}

/* docker shows a runtime's refusal as containerd words it: runc's "runc run failed: X"
 * becomes "... OCI runtime create failed: runc create failed: X: unknown". The docker CLI
 * derives exit codes 126/127 from the text, so X is kept as the runtime wrote it. */
static int runtime_failure(const char *msg, int exec, eng_error_t *err)
{
	const char *p;
	char runtime[64] = "";

	/* exec: runc's "runc exec failed: X" is "OCI runtime exec failed: exec failed: X:
	 * unknown" in dockerd's words */
	if (exec) {
		p = strstr(msg, " exec failed: ");
		if (p && !memchr(msg, ' ', (size_t)(p - msg)))
			msg = p + strlen(" exec failed: ");
		else if (!strncmp(msg, "exec failed: ", 13))
			msg += 13;
		return eng_error_make(err, EINVAL, ERR_INVALID,
		                      "OCI runtime exec failed: exec failed: %s: unknown", msg);
	}
	p = strstr(msg, " run failed: ");

	if (p && (size_t)(p - msg) < sizeof(runtime) && !memchr(msg, ' ', (size_t)(p - msg))) {
		memcpy(runtime, msg, (size_t)(p - msg));
		runtime[p - msg] = 0;
		return eng_error_make(
		    err, EINVAL, ERR_INVALID,
		    "failed to create task for container: failed to create shim "
		    "task: OCI runtime create failed: %s create failed: %s: unknown",
		    runtime, p + strlen(" run failed: "));
	}
	return eng_error_make(err, EINVAL, ERR_INVALID,
	                      "failed to create task for container: failed to create shim task: "
	                      "OCI runtime create failed: %s: unknown",
	                      msg);
}

int shim_start(const struct shim_start_opts *o, pid_t *ret_shim_pid, pid_t *ret_pid,
               eng_error_t *err)
{
	_cleanup_(free_argvp) char **argv = NULL;
	_cleanup_close_ int devnull = -1, rd = -1, wr = -1;
	_cleanup_free_ int *afd = calloc(o->nattach + 1, sizeof(int));
	char answer[2048];
	int sp[2], rc = -1, st;
	pid_t pid;

	if (!afd) {
		for (size_t i = 0; i < o->nattach; i++)
			close(o->attach[i].fd);
		return eng_error_make(err, ENOMEM, ERR_INTERNAL, "out of memory");
	}
	for (size_t i = 0; i < o->nattach; i++)
		afd[i] = fd_above_stdio(o->attach[i].fd);
	devnull = fd_above_stdio(open("/dev/null", O_RDWR | O_CLOEXEC));
	if (devnull < 0 || pipe2(sp, O_CLOEXEC) < 0) {
		rc = eng_error_make(err, errno, ERR_INTERNAL, "starting the shim: %m");
		goto out;
	}
	rd = fd_above_stdio(sp[0]);
	wr = fd_above_stdio(sp[1]);
	argv = build_argv(o, wr, afd);
	if (rd < 0 || wr < 0 || !argv) {
		rc = eng_error_make(err, errno ?: ENOMEM, ERR_INTERNAL, "starting the shim: %m");
		goto out;
	}
	pid = spawn_shim(argv, devnull, wr, afd, o->nattach);
	if (pid < 0) {
		rc = eng_error_make(err, errno, ERR_INTERNAL, "starting the shim: %m");
		goto out;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	close(TAKE_FD(wr));
	/* the attach fds belong to the shim now (or are lost with it) */
	for (size_t i = 0; i < o->nattach; i++) {
		if (afd[i] >= 0)
			close(afd[i]);
		afd[i] = -1;
	}
	if (read_answer(rd, answer, sizeof(answer)) < 0) {
		rc = eng_error_make(err, ETIMEDOUT, ERR_INTERNAL,
		                    "timed out waiting for the shim of container %s", o->id);
		goto out;
	}
	int spid, cpid;
	if (sscanf(answer, "ok %d %d", &spid, &cpid) == 2) {
		*ret_shim_pid = spid;
		*ret_pid = cpid;
		rc = 0;
	} else if (!strncmp(answer, "error ", 6)) {
		rc = runtime_failure(answer + 6, o->exec_id != NULL, err);
	} else if (!strncmp(answer, "fail ", 5)) {
		rc = eng_error_make(err, EIO, ERR_INTERNAL, "starting container: %s", answer + 5);
	} else {
		rc = eng_error_make(err, EIO, ERR_INTERNAL,
		                    "berth-shim exited without an answer (see %s/shim.log)",
		                    o->bundle);
	}
out:
	for (size_t i = 0; i < o->nattach; i++)
		if (afd[i] >= 0)
			close(afd[i]);
	return rc;
}

/* sun_path holds 108 bytes; longer bundle paths go through the directory's fd. */
static int shim_connect(const char *bundle, eng_error_t *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int dfd = -1;
	_cleanup_close_ int fd = -1;
	struct timeval tv = {.tv_sec = SHIM_CTL_TIMEOUT_S};

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/shim.sock", bundle) >=
	    (int)sizeof(sa.sun_path)) {
		dfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return eng_error_make(err, errno, ERR_CONFLICT, "container is not running");
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/shim.sock", dfd);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "socket: %m");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			return eng_error_make(err, errno, ERR_CONFLICT, "container is not running");
		return eng_error_make(err, errno, ERR_INTERNAL, "connecting to the shim: %m");
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return TAKE_FD(fd);
}

/* Sends one request line (with `pass_fd` in SCM_RIGHTS unless -1) and reads the reply. */
static int shim_request(const char *bundle, const char *line, int pass_fd, eng_error_t *err)
{
	_cleanup_close_ int fd = shim_connect(bundle, err);
	char cbuf[CMSG_SPACE(sizeof(int))] = {0}, reply[256];
	struct iovec iov = {(void *)line, strlen(line)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	size_t len = 0;

	if (fd < 0)
		return -1;
	if (pass_fd >= 0) {
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return eng_error_make(err, errno, ERR_INTERNAL, "talking to the shim: %m");
	}
	while (len < sizeof(reply) - 1) {
		ssize_t n = read(fd, reply + len, sizeof(reply) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (reply[len - 1] == '\n')
			break;
	}
	reply[len] = 0;
	if (len && reply[len - 1] == '\n')
		reply[len - 1] = 0;
	if (!strcmp(reply, "ok"))
		return 0;
	if (!strncmp(reply, "error ", 6))
		return eng_error_make(err, EIO, ERR_CONFLICT, "%s", reply + 6);
	return eng_error_make(err, EIO, ERR_CONFLICT, "container is not running");
}

int shim_attach(const char *bundle, const struct shim_attach *a, eng_error_t *err)
{
	char line[64 + 2 * SHIM_DETACH_MAX], hex[2 * SHIM_DETACH_MAX + 1];
	int rc;

	detach_hex(a, hex);
	/* a shim of an older berthd reads "attach %u" and ignores the rest */
	snprintf(line, sizeof(line), "attach %u%s%s\n", a->flags, *hex ? " " : "", hex);
	rc = shim_request(bundle, line, a->fd, err);
	close(a->fd);
	return rc;
}

int shim_resize(const char *bundle, unsigned rows, unsigned cols, eng_error_t *err)
{
	char line[64];

	snprintf(line, sizeof(line), "resize %u %u\n", rows, cols);
	return shim_request(bundle, line, -1, err);
}

int shim_read_exit(const char *bundle, struct shim_exit *ret, eng_error_t *err)
{
	_cleanup_free_ char *path = path_join(bundle, "exit");
	_cleanup_free_ char *data = read_file(path, NULL, err);
	_cleanup_json_ json_t *doc = NULL;
	json_error_t jerr;

	if (!data)
		return -1; /* ERR_NOT_FOUND: still running, or never started */
	doc = json_loads(data, 0, &jerr);
	if (!doc)
		return eng_error_make(err, EINVAL, ERR_INTERNAL, "parsing %s: %s", path, jerr.text);
	ret->exit_code = (int)json_int(doc, "exit_code", 255);
	ret->oom_killed = json_int(doc, "oom_killed", 0) != 0;
	ret->finished_ns = json_int(doc, "finished", 0);
	return 0;
}
