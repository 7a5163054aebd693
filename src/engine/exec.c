/* docker exec: in-memory exec instances, their shims, and a watcher for the shims' exits. */
#include "exec.h"
#include "engine-internal.h"
#include "events.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../common/strv.h"
#include "../runtime/exec.h"
#include "../runtime/execspec.h"
#include "../runtime/seccomp_bpf.h"
#include "../runtime/shim.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* dockerd waits this long in resize for an exec that is still starting */
#define RESIZE_WAIT_MS 10000

struct exec {
	char id[65];
	struct container *c; /* referenced */
	char **argv;         /* Cmd: entrypoint and arguments */
	char **env;          /* the complete environment */
	char *user, *workdir, *detach_keys;
	int tty, privileged, open_stdin, open_stdout, open_stderr;
	unsigned rows, cols; /* ConsoleSize at create */
	char *dir;           /* <bundle>/execs/<id>, once started */

	int started; /* start was tried: success or failure is known */
	int running, exited, exit_code;
	pid_t pid, shim_pid;
	int monitor_fd; /* pidfd of the shim, owned by the watcher; -1 otherwise */
	int refs;
};

struct exec_store {
	struct exec **v;
	size_t n;
	int epoll_fd, wake_fd;
	pthread_t watcher;
	int have_watcher;
};

static void exec_free(struct engine *eng, struct exec *e)
{
	container_unref(eng, e->c);
	strv_free(e->argv);
	strv_free(e->env);
	free(e->user);
	free(e->workdir);
	free(e->detach_keys);
	free(e->dir);
	free(e);
}

/* Drops one reference; eng->lock held. True when the caller must exec_free (unlocked). */
static int unref_locked(struct exec *e)
{
	return --e->refs == 0;
}

void engine_exec_unref(struct engine *eng, struct exec *e)
{
	int last;

	if (!e)
		return;
	pthread_mutex_lock(&eng->lock);
	last = unref_locked(e);
	pthread_mutex_unlock(&eng->lock);
	if (last)
		exec_free(eng, e);
}

/* ---- exits ---- */

/* <bundle>/execs/<id>: the exec's own directory. Caller frees. */
static char *exec_dir(struct engine *eng, struct exec *e)
{
	_cleanup_free_ char *bundle = engine_container_bundle(eng, e->c);
	_cleanup_free_ char *execs = path_join(bundle, "execs");

	return path_join(execs, e->id);
}

/* Records the exit once; eng->lock held. */
static void exec_finish_locked(struct engine *eng, struct exec *e, int code)
{
	char num[16];

	if (e->exited)
		return;
	e->running = 0;
	e->exited = 1;
	e->exit_code = code;
	snprintf(num, sizeof(num), "%d", code);
	container_event_locked(eng, e->c, "exec_die",
	                       json_pack("{s:s, s:s}", "execID", e->id, "exitCode", num));
	pthread_cond_broadcast(&eng->changed);
}

/* The exit record, when the shim has written it; eng->lock held. The docker CLI asks for
 * the exit code the moment the stream ends, which may be before the watcher has seen the
 * shim go, so inspect looks too. */
static void exec_poll_exit_locked(struct engine *eng, struct exec *e)
{
	_cleanup_free_ char *starting = NULL;
	struct shim_exit ex;

	if (!e->running)
		return;
	/* start has not recorded the shim's answer yet, but a quick process may be done and
	 * its client, at EOF, asking for the exit code */
	if (!e->dir)
		starting = exec_dir(eng, e);
	if (shim_read_exit(e->dir ? e->dir : starting, &ex, NULL) == 0)
		exec_finish_locked(eng, e, ex.exit_code);
}

static void *watcher_thread(void *arg)
{
	struct engine *eng = arg;
	struct exec_store *s = eng->execs;
	struct epoll_event evs[16];

	for (;;) {
		int n = epoll_wait(s->epoll_fd, evs, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (int i = 0; i < n; i++) {
			struct exec *e = evs[i].data.ptr;
			_cleanup_free_ char *dir = NULL;
			int last;
			if (!e) /* shutdown */
				return NULL;
			pthread_mutex_lock(&eng->lock);
			epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, e->monitor_fd, NULL);
			close(e->monitor_fd);
			e->monitor_fd = -1;
			exec_poll_exit_locked(eng, e);
			/* no record: the shim was killed before it could write one */
			exec_finish_locked(eng, e, 255);
			e->shim_pid = 0;
			dir = TAKE_PTR(e->dir);
			last = unref_locked(e);
			pthread_mutex_unlock(&eng->lock);
			/* nothing of an exec outlives it: docker keeps no exec files either */
			if (dir)
				rm_rf(dir, NULL);
			if (last)
				exec_free(eng, e);
		}
	}
}

/* The store and its watcher, made on first use; eng->lock held. */
static struct exec_store *store_locked(struct engine *eng)
{
	struct exec_store *s = eng->execs;

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	s->wake_fd = eventfd(0, EFD_CLOEXEC);
	eng->execs = s;
	if (s->epoll_fd >= 0 && s->wake_fd >= 0) {
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
		epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->wake_fd, &ev);
		s->have_watcher = pthread_create(&s->watcher, NULL, watcher_thread, eng) == 0;
	}
	if (!s->have_watcher)
		log_error("exec: cannot watch exec processes: %m");
	return s;
}

/* Watches the shim's exit; eng->lock held. */
static void watch_locked(struct engine *eng, struct exec *e)
{
	struct exec_store *s = store_locked(eng);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.ptr = e};

	e->monitor_fd = (int)syscall(SYS_pidfd_open, e->shim_pid, 0);
	if (e->monitor_fd >= 0 && epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, e->monitor_fd, &ev) == 0) {
		e->refs++; /* the watcher's, until the shim is gone */
		return;
	}
	/* the shim is already gone (or cannot be watched): its record is all there is */
	if (e->monitor_fd >= 0)
		close(e->monitor_fd);
	e->monitor_fd = -1;
	exec_poll_exit_locked(eng, e);
	if (!e->exited)
		log_warn("exec %.12s: cannot watch its shim: %m", e->id);
}

void exec_store_free(struct engine *eng)
{
	struct exec_store *s = eng->execs;

	if (!s)
		return;
	if (s->have_watcher) {
		uint64_t one = 1;
		if (write(s->wake_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(s->watcher, NULL);
	}
	/* the exec shims keep running; what they were watched for ends with berthd */
	for (size_t i = 0; i < s->n; i++) {
		struct exec *e = s->v[i];
		int last;
		pthread_mutex_lock(&eng->lock);
		if (e->monitor_fd >= 0) {
			close(e->monitor_fd);
			e->monitor_fd = -1;
			unref_locked(e);
		}
		last = unref_locked(e);
		pthread_mutex_unlock(&eng->lock);
		if (last)
			exec_free(eng, e);
	}
	if (s->epoll_fd >= 0)
		close(s->epoll_fd);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	free(s->v);
	free(s);
	eng->execs = NULL;
}

void exec_container_removed(struct engine *eng, struct container *c)
{
	struct exec **gone = NULL;
	size_t ngone = 0, keep = 0;
	struct exec_store *s;

	pthread_mutex_lock(&eng->lock);
	s = eng->execs;
	for (size_t i = 0; s && i < s->n; i++) {
		struct exec *e = s->v[i];
		if (e->c != c) {
			s->v[keep++] = e;
			continue;
		}
		if (unref_locked(e)) {
			gone = realloc(gone, (ngone + 1) * sizeof(*gone));
			gone[ngone++] = e;
		}
	}
	if (s)
		s->n = keep;
	pthread_mutex_unlock(&eng->lock);
	for (size_t i = 0; i < ngone; i++)
		exec_free(eng, gone[i]);
	free(gone);
}

json_t *exec_ids_locked(struct engine *eng, struct container *c)
{
	json_t *ids = NULL;

	for (size_t i = 0; eng->execs && i < eng->execs->n; i++) {
		struct exec *e = eng->execs->v[i];
		if (e->c != c || e->exited)
			continue;
		if (!ids)
			ids = json_array();
		json_array_append_new(ids, json_string(e->id));
	}
	return ids ? ids : json_null();
}

/* ---- create ---- */

/* Container state checks shared by create and start, in dockerd's words; eng->lock held. */
static int check_container_locked(struct container *c, const char *name, eng_error_t *err)
{
	if (c->removed || c->status == CTR_REMOVING)
		return eng_error_make(err, ENOENT, ERR_NOT_FOUND, "No such container: %s", name);
	if (c->status == CTR_PAUSED)
		return eng_error_make(err, EBUSY, ERR_CONFLICT,
		                      "Container %s is paused, unpause the container before exec",
		                      name);
	if (c->status == CTR_RESTARTING)
		return eng_error_make(err, EBUSY, ERR_CONFLICT,
		                      "Container %s is restarting, wait until the container is "
		                      "running",
		                      c->id);
	if (c->status != CTR_RUNNING)
		return eng_error_make(err, ESRCH, ERR_CONFLICT, "container %s is not running",
		                      c->id);
	return 0;
}

static json_t *container_spec(struct engine *eng, struct container *c, eng_error_t *err)
{
	_cleanup_free_ char *bundle = engine_container_bundle(eng, c);
	_cleanup_free_ char *path = path_join(bundle, "config.json");

	return json_read_file(path, err);
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

/* "exec_create: sh -c exit 7", with dockerd's trailing space when there are no args. */
static char *exec_action(const char *what, struct exec *e)
{
	size_t len = strlen(what) + 3;
	char *out, *p;

	for (char **a = e->argv; *a; a++)
		len += strlen(*a) + 1;
	p = out = malloc(len);
	p += sprintf(p, "%s: %s ", what, e->argv[0]);
	for (char **a = e->argv + 1; *a; a++)
		p += sprintf(p, a == e->argv + 1 ? "%s" : " %s", *a);
	return out;
}

int engine_exec_create(struct engine *eng, struct container *c, const char *name,
                       const json_t *body, char ret_id[65], eng_error_t *err)
{
	_cleanup_strv_ char **argv = NULL, **env = NULL;
	_cleanup_json_ json_t *spec = NULL;
	_cleanup_free_ char *action = NULL;
	const char *user = json_str(body, "User"), *wd = json_str(body, "WorkingDir");
	json_t *cs = json_object_get(body, "ConsoleSize");
	struct exec *e;
	int rc;

	if (json_strv(body, "Cmd", &argv, err) < 0)
		return -1;
	if (!argv || !argv[0])
		return eng_error_make(err, EINVAL, ERR_INVALID, "No exec command specified");
	if (json_strv(body, "Env", &env, err) < 0)
		return -1;
	pthread_mutex_lock(&eng->lock);
	rc = check_container_locked(c, name, err);
	pthread_mutex_unlock(&eng->lock);
	if (rc < 0)
		return -1;
	/* dockerd's words, and a plain error: a 500 */
	if (shim_parse_detach_keys(json_str(body, "DetachKeys"), &(struct shim_attach){0}) < 0)
		return eng_error_make(err, EINVAL, ERR_INTERNAL,
		                      "Invalid escape keys (%s) provided",
		                      json_str(body, "DetachKeys"));
	/* dockerd looks the user up at create already, for an early error */
	if (user && *user) {
		spec = container_spec(eng, c, err);
		if (!spec || oci_exec_check_user(spec, user, err) < 0)
			return -1;
	}

	e = calloc(1, sizeof(*e));
	if (!e)
		return eng_error_make(err, ENOMEM, ERR_INTERNAL, "out of memory");
	random_hex_id(e->id);
	e->argv = TAKE_PTR(argv);
	e->tty = json_bool(body, "Tty", 0);
	e->env = container_process_env(c, e->tty, env);
	e->user = dup_or_null(user && *user ? user : json_str(c->config, "User"));
	e->workdir = dup_or_null(wd && *wd ? wd : json_str(c->config, "WorkingDir"));
	e->detach_keys = dup_or_null(json_str(body, "DetachKeys"));
	e->privileged = json_bool(body, "Privileged", 0);
	e->open_stdin = json_bool(body, "AttachStdin", 0);
	e->open_stdout = json_bool(body, "AttachStdout", 0);
	e->open_stderr = json_bool(body, "AttachStderr", 0);
	if (json_array_size(cs) == 2) {
		e->rows = (unsigned)json_integer_value(json_array_get(cs, 0));
		e->cols = (unsigned)json_integer_value(json_array_get(cs, 1));
	}
	e->monitor_fd = -1;
	e->refs = 1; /* the store's */
	action = exec_action("exec_create", e);

	pthread_mutex_lock(&eng->lock);
	if (check_container_locked(c, name, err) < 0) {
		pthread_mutex_unlock(&eng->lock);
		e->c = NULL;
		exec_free(eng, e);
		return -1;
	}
	struct exec_store *s = store_locked(eng);
	struct exec **nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
	if (!nv)
		abort();
	s->v = nv;
	s->v[s->n++] = e;
	e->c = c;
	c->refs++;
	container_event_locked(eng, c, action, json_pack("{s:s}", "execID", e->id));
	pthread_mutex_unlock(&eng->lock);
	memcpy(ret_id, e->id, 65);
	return 0;
}

/* ---- lookups ---- */

struct exec *engine_exec_get(struct engine *eng, const char *id, eng_error_t *err)
{
	struct exec *found = NULL;

	pthread_mutex_lock(&eng->lock);
	for (size_t i = 0; eng->execs && i < eng->execs->n; i++) {
		struct exec *e = eng->execs->v[i];
		if (!strcmp(e->id, id) && !e->c->removed) {
			found = e;
			found->refs++;
			break;
		}
	}
	pthread_mutex_unlock(&eng->lock);
	if (!found)
		eng_error_make(err, ENOENT, ERR_NOT_FOUND, "No such exec instance: %s", id);
	return found;
}

int engine_exec_check(struct engine *eng, struct exec *e, eng_error_t *err)
{
	int rc;

	pthread_mutex_lock(&eng->lock);
	rc = check_container_locked(e->c, e->c->id, err);
	pthread_mutex_unlock(&eng->lock);
	return rc;
}

int engine_exec_tty(struct engine *eng, struct exec *e)
{
	(void)eng;
	return e->tty; /* fixed at create */
}

unsigned engine_exec_streams(struct engine *eng, struct exec *e)
{
	(void)eng;
	return (e->open_stdin ? SHIM_STDIN : 0) | (e->open_stdout ? SHIM_STDOUT : 0) |
	       (e->open_stderr ? SHIM_STDERR : 0);
}

/* ---- start ---- */

/* dockerd's setExitCodeFromError: the docker CLI shows these as its exit status. */
static int start_failure_code(const char *msg)
{
	_cleanup_free_ char *low = strdup(msg);

	for (char *p = low; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!low)
		return 128;
	if (strstr(low, "permission denied") || strstr(low, "is a directory"))
		return 126;
	if (strstr(low, "not a directory") || strstr(low, "executable file not found") ||
	    strstr(low, "no such file or directory"))
		return 127;
	return 128;
}

/* The exec spec the shim starts the process from itself, for containers runc runs; NULL
 * (with the reason logged) when the runtime must run it. */
static char *native_spec(struct engine *eng, struct exec *e, const char *bundle,
                         const json_t *spec, const json_t *proc)
{
	_cleanup_free_ char *bpf = path_join(bundle, SECCOMP_BPF_FILE);
	struct oci_exec_target t = {.container_id = e->c->id};
	eng_error_t err = {0};
	char *text;

	if (!e->c->runtime || strcmp(e->c->runtime, "runc"))
		return NULL;
	pthread_mutex_lock(&eng->lock);
	t.init_pid = e->c->pid;
	pthread_mutex_unlock(&eng->lock);
	if (t.init_pid <= 0)
		return NULL;
	if (access(bpf, R_OK) == 0)
		t.seccomp_bpf = bpf;
	text = oci_exec_spec_text(spec, proc, &t, &err);
	if (!text)
		log_debug("exec %.12s: through the runtime: %s", e->id, err.msg);
	return text;
}

/* Writes exec.spec (native) or process.json (the runtime's) into a fresh exec directory.
 * Caller frees the directory path. */
static char *prepare_dir(struct engine *eng, struct exec *e, unsigned rows, unsigned cols,
                         int *ret_native, eng_error_t *err)
{
	_cleanup_free_ char *bundle = engine_container_bundle(eng, e->c);
	_cleanup_free_ char *dir = exec_dir(eng, e);
	_cleanup_free_ char *pj = path_join(dir, "process.json");
	_cleanup_free_ char *sp = path_join(dir, "exec.spec");
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_t *spec = container_spec(eng, e->c, err);
	_cleanup_json_ json_t *proc = NULL;
	struct oci_exec_opts o = {
	    .args = e->argv,
	    .env = e->env,
	    .cwd = e->workdir,
	    .user = e->user,
	    .tty = e->tty,
	    .privileged = e->privileged,
	    .rows = rows ? rows : e->rows,
	    .cols = cols ? cols : e->cols,
	};

	if (!spec || !(proc = oci_exec_process(spec, &o, err)))
		return NULL;
	text = native_spec(eng, e, bundle, spec, proc);
	*ret_native = text != NULL;
	if (mkdir_p(dir, 0700, err) < 0)
		return NULL;
	if (text ? write_file_new(sp, text, strlen(text), 0600, err) < 0
	         : json_write_atomic(pj, proc, err) < 0)
		return NULL;
	return TAKE_PTR(dir);
}

int engine_exec_start(struct engine *eng, struct exec *e, int fd, unsigned rows, unsigned cols,
                      eng_error_t *err)
{
	_cleanup_free_ char *runtime = NULL, *dir = NULL, *action = NULL;
	struct shim_attach a = {.fd = fd, .flags = engine_exec_streams(eng, e)};
	struct shim_start_opts so;
	pid_t shim_pid = 0, pid = 0;
	int rc, native = 0;

	/* checked at create */
	shim_parse_detach_keys(e->detach_keys, &a);
	pthread_mutex_lock(&eng->lock);
	rc = check_container_locked(e->c, e->c->id, err);
	if (rc == 0 && e->exited)
		rc = eng_error_make(err, EALREADY, ERR_CONFLICT, "exec command %s has already run",
		                    e->id);
	else if (rc == 0 && (e->running || e->started))
		rc = eng_error_make(err, EALREADY, ERR_CONFLICT,
		                    "exec command %s is already running", e->id);
	if (rc == 0) {
		e->running = 1;
		e->started = 1;
		action = exec_action("exec_start", e);
		container_event_locked(eng, e->c, action, json_pack("{s:s}", "execID", e->id));
	}
	pthread_mutex_unlock(&eng->lock);
	if (rc < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}

	if (!(runtime = runtime_path(eng, e->c->runtime, err)) ||
	    !(dir = prepare_dir(eng, e, rows, cols, &native, err))) {
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	so = (struct shim_start_opts){
	    .shim_path = eng->shim_path,
	    .runtime_path = runtime,
	    .runtime_root = eng->runtime_root,
	    .id = e->c->id,
	    .exec_id = e->id,
	    .exec_native = native,
	    .bundle = dir,
	    .tty = e->tty,
	    /* docker closes the process's stdin when the client's ends */
	    .open_stdin = e->open_stdin,
	    .stdin_once = 1,
	    .attach = &a,
	    .nattach = fd >= 0,
	};
	if (shim_start(&so, &shim_pid, &pid, err) < 0)
		goto fail;

	pthread_mutex_lock(&eng->lock);
	e->pid = pid;
	e->shim_pid = shim_pid;
	e->dir = TAKE_PTR(dir);
	watch_locked(eng, e);
	/* the shim was gone before it could be watched: nobody else removes the directory */
	if (e->monitor_fd < 0 && e->exited)
		dir = TAKE_PTR(e->dir);
	pthread_cond_broadcast(&eng->changed);
	pthread_mutex_unlock(&eng->lock);
	if (dir)
		rm_rf(dir, NULL);
	return 0;

fail:
	log_debug("exec %.12s: start failed: %s", e->id, err->msg);
	if (dir)
		rm_rf(dir, NULL);
	pthread_mutex_lock(&eng->lock);
	/* dockerd records a failed start as run, without an exec_die */
	e->running = 0;
	e->exited = 1;
	e->exit_code = start_failure_code(err->msg);
	pthread_cond_broadcast(&eng->changed);
	pthread_mutex_unlock(&eng->lock);
	return -1;
}

/* ---- inspect and resize ---- */

json_t *engine_exec_inspect(struct engine *eng, struct exec *e)
{
	json_t *doc, *args = json_array();

	for (char **a = e->argv + 1; *a; a++)
		json_array_append_new(args, json_string(*a));
	pthread_mutex_lock(&eng->lock);
	exec_poll_exit_locked(eng, e);
	doc = json_pack("{s:s, s:b, s:o, s:{s:b, s:s, s:o, s:b, s:s}, s:b, s:b, s:b, s:b, s:s, "
	                "s:s, s:i}",
	                "ID", e->id, "Running", e->running, "ExitCode",
	                e->exited ? json_integer(e->exit_code) : json_null(), "ProcessConfig",
	                "tty", e->tty, "entrypoint", e->argv[0], "arguments", args, "privileged",
	                e->privileged, "user", e->user ? e->user : "", "OpenStdin", e->open_stdin,
	                "OpenStderr", e->open_stderr, "OpenStdout", e->open_stdout, "CanRemove", 0,
	                "ContainerID", e->c->id, "DetachKeys", e->detach_keys ? e->detach_keys : "",
	                "Pid", (int)e->pid);
	pthread_mutex_unlock(&eng->lock);
	return doc;
}

int engine_exec_resize(struct engine *eng, struct exec *e, unsigned rows, unsigned cols,
                       eng_error_t *err)
{
	_cleanup_free_ char *dir = NULL;
	struct timespec ts;
	int rc = 0;

	deadline_after_ms(&ts, RESIZE_WAIT_MS);
	pthread_mutex_lock(&eng->lock);
	rc = check_container_locked(e->c, e->c->id, err);
	/* like dockerd, a resize right after start waits for the process */
	while (rc == 0 && e->running && !e->dir)
		if (pthread_cond_timedwait(&eng->changed, &eng->lock, &ts) == ETIMEDOUT) {
			rc = eng_error_make(err, ETIMEDOUT, ERR_INTERNAL,
			                    "timeout waiting for exec session ready");
			break;
		}
	if (rc == 0 && !e->running && !e->pid)
		rc = eng_error_make(err, ESRCH, ERR_INVALID, "exec process is not started");
	else if (rc == 0 && !e->running)
		rc = eng_error_make(err, ESRCH, ERR_CONFLICT, "process %d of exec %s has exited",
		                    (int)e->pid, e->id);
	if (rc == 0)
		dir = strdup(e->dir);
	pthread_mutex_unlock(&eng->lock);
	if (rc < 0)
		return -1;
	return shim_resize(dir, rows, cols, err);
}

/* ---- for the daemon's own execs (health checks) ---- */

int engine_exec_wait(struct engine *eng, struct exec *e, int64_t timeout_ms, int *ret_code)
{
	struct timespec ts;
	int rc = 0;

	deadline_after_ms(&ts, timeout_ms);
	pthread_mutex_lock(&eng->lock);
	for (;;) {
		exec_poll_exit_locked(eng, e);
		if (e->exited || !e->running)
			break;
		if (pthread_cond_timedwait(&eng->changed, &eng->lock, &ts) == ETIMEDOUT) {
			rc = -1;
			break;
		}
	}
	if (rc == 0)
		*ret_code = e->exited ? e->exit_code : -1;
	pthread_mutex_unlock(&eng->lock);
	return rc;
}

void engine_exec_kill(struct engine *eng, struct exec *e, int sig)
{
	pthread_mutex_lock(&eng->lock);
	if (e->running && e->pid > 0)
		kill(e->pid, sig);
	pthread_mutex_unlock(&eng->lock);
}
