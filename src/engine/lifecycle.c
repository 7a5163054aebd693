/* Start, stop, kill, restart, remove, rename, wait and attach. */
#include "engine-internal.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../common/strv.h"
#include "../image/store.h"
#include "../network/network.h"
#include "../runtime/oci.h"
#include "../runtime/seccomp_bpf.h"
#include "events.h"
#include "mounts.h"
#include "resources.h"
#include "security.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int is_running(const struct container *c)
{
	return c->status == CTR_RUNNING || c->status == CTR_PAUSED;
}

/* Waits (eng->lock held) until c exits or `ms` passes (ms < 0: forever). 0 when it exited. */
static int wait_exit_locked(struct engine *eng, struct container *c, int64_t ms)
{
	struct timespec ts;
	if (ms >= 0)
		deadline_after_ms(&ts, ms);
	while (is_running(c)) {
		if (ms < 0)
			pthread_cond_wait(&eng->changed, &eng->lock);
		else if (pthread_cond_timedwait(&eng->changed, &eng->lock, &ts) == ETIMEDOUT)
			return is_running(c) ? -1 : 0;
	}
	return 0;
}

/* The runtime's executable: daemon.json's path, or the name looked up on PATH. Caller frees. */
char *runtime_path(struct engine *eng, const char *name, eng_error_t *err)
{
	const char *p = json_str(json_object_get(eng->cfg.runtimes, name), "path");
	const char *path = getenv("PATH");
	_cleanup_free_ char *dirs = strdup(path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

	if (p)
		name = p;
	if (strchr(name, '/'))
		return strdup(name);
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *full = path_join(d, name);
		if (access(full, X_OK) == 0)
			return full;
		free(full);
	}
	eng_error_make(err, ENOENT, ERR_INVALID, "runtime %s: executable not found in $PATH", name);
	return NULL;
}

/* resolv.conf: --dns, --dns-search and --dns-option replace the host's lines; otherwise the
 * host's file minus loopback resolvers, which mean nothing in another network namespace. */
static char *resolv_conf(struct container *c)
{
	_cleanup_free_ char *host = read_file("/etc/resolv.conf", NULL, NULL);
	json_t *dns = json_object_get(c->host_config, "Dns");
	json_t *search = json_object_get(c->host_config, "DnsSearch");
	json_t *opts = json_object_get(c->host_config, "DnsOptions"), *v;
	size_t cap = (host ? strlen(host) : 0) + 4096, len = 0, i;
	char *out = calloc(1, cap);
	int have_ns = 0;

	for (char *save = NULL, *line = host ? strtok_r(host, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char ns[256];
		int is_ns = sscanf(line, " nameserver %255s", ns) == 1;
		if (is_ns && (json_array_size(dns) || !strncmp(ns, "127.", 4) || !strcmp(ns, "::1")))
			continue;
		if ((!strncmp(line, "search", 6) && json_array_size(search)) ||
		    (!strncmp(line, "options", 7) && json_array_size(opts)))
			continue;
		have_ns |= is_ns;
		len += (size_t)snprintf(out + len, cap - len, "%s\n", line);
	}
	json_array_foreach(dns, i, v)
	{
		len += (size_t)snprintf(out + len, cap - len, "nameserver %s\n", json_string_value(v));
		have_ns = 1;
	}
	if (!have_ns)
		len += (size_t)snprintf(out + len, cap - len,
					"nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	static const char *const keys[] = {"DnsSearch", "DnsOptions"};
	static const char *const words[] = {"search", "options"};
	for (size_t k = 0; k < 2; k++) {
		json_t *arr = json_object_get(c->host_config, keys[k]);
		if (!json_array_size(arr))
			continue;
		len += (size_t)snprintf(out + len, cap - len, "%s", words[k]);
		json_array_foreach(arr, i, v)
			len += (size_t)snprintf(out + len, cap - len, " %s", json_string_value(v));
		len += (size_t)snprintf(out + len, cap - len, "\n");
	}
	return out;
}

/* /etc/hosts, /etc/hostname and /etc/resolv.conf for the container, as docker writes them
 * for a container without networks, plus --add-host entries. */
/* A running container joins its first network with the embedded DNS: its resolv.conf
 * becomes the internal resolver's, as dockerd does, unless the user changed the file. It is
 * bind-mounted into the container, so it is rewritten in place, not replaced. */
void container_resolv_conf_to_dns(struct engine *eng, struct container *c)
{
	_cleanup_free_ char *dir = container_dir(eng, c->id);
	_cleanup_free_ char *path = path_join(dir, "resolv.conf");
	_cleanup_free_ char *cur = read_file(path, NULL, NULL);
	_cleanup_free_ char *was = resolv_conf(c);
	if (!cur || !was || strcmp(cur, was))
		return;
	_cleanup_free_ char *rc = container_resolv_conf_dns(c, NULL, NULL);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (!rc || fd < 0 || write(fd, rc, strlen(rc)) != (ssize_t)strlen(rc))
		log_warn("container %.12s: rewriting resolv.conf: %m, ignoring", c->id);
}

/* --network container:<id>: the other container's /etc files, as docker shares them. */
static int copy_etc_files(struct engine *eng, struct container *c, const char *other_name,
			  eng_error_t *err)
{
	static const char *const files[] = {"hosts", "hostname", "resolv.conf"};
	struct container *o = engine_container_get(eng, other_name, err);
	if (!o)
		return -1;
	_cleanup_free_ char *odir = container_dir(eng, o->id), *dir = container_dir(eng, c->id);
	container_unref(eng, o);
	for (size_t i = 0; i < 3; i++) {
		_cleanup_free_ char *src = path_join(odir, files[i]), *dst = path_join(dir, files[i]);
		size_t len;
		_cleanup_free_ char *data = read_file(src, &len, err);
		if (!data || write_file_atomic(dst, data, len, err) < 0)
			return -1;
	}
	return 0;
}

static int write_etc_files(struct engine *eng, struct container *c, eng_error_t *err)
{
	const char *ip = NULL, *k;
	json_t *ep;
	_cleanup_free_ char *dir = container_dir(eng, c->id);
	_cleanup_free_ char *hosts = path_join(dir, "hosts");
	_cleanup_free_ char *hostname = path_join(dir, "hostname");
	_cleanup_free_ char *resolv = path_join(dir, "resolv.conf");
	_cleanup_free_ char *rc = container_has_dns(c) ? container_resolv_conf_dns(c, NULL, NULL)
							: resolv_conf(c);
	json_t *extra = json_object_get(c->host_config, "ExtraHosts"), *v;
	const char *hn = json_str(c->config, "Hostname");
	_cleanup_free_ char *links = NULL;
	size_t cap, i;
	_cleanup_free_ char *buf = NULL;
	const char *mode = json_str(c->host_config, "NetworkMode");
	int n;

	if (mode && !strncmp(mode, "container:", 10))
		return copy_etc_files(eng, c, mode + 10, err);

	if (container_links_hosts(eng, c, &links, err) < 0)
		return -1;
	cap = 1024 + 300 * json_array_size(extra) + strlen(links);
	buf = malloc(cap);

	n = snprintf(buf, cap,
		     "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
		     "fe00::\tip6-localnet\nff00::\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
		     "ff02::2\tip6-allrouters\n");
	/* as docker: the container's first address names its hostname */
	json_object_foreach(json_object_get(c->net, "Networks"), k, ep)
		if (!ip && json_str(ep, "IPAddress") && *json_str(ep, "IPAddress"))
			ip = json_str(ep, "IPAddress");
	json_array_foreach(extra, i, v)
	{
		/* "name:ip"; the IP may itself hold colons (IPv6) */
		const char *e = json_string_value(v), *colon = e ? strchr(e, ':') : NULL;
		char gw[16];
		if (colon && !strcmp(colon + 1, "host-gateway") &&
		    net_gateway(eng->nets, "bridge", gw) == 0)
			n += snprintf(buf + n, cap - (size_t)n, "%s\t%.*s\n", gw, (int)(colon - e),
				      e);
		else if (colon)
			n += snprintf(buf + n, cap - (size_t)n, "%s\t%.*s\n", colon + 1,
				      (int)(colon - e), e);
	}
	n += snprintf(buf + n, cap - (size_t)n, "%s", links);
	if (ip)
		n += snprintf(buf + n, cap - (size_t)n, "%s\t%s\n", ip, hn);
	if (write_file_atomic(hosts, buf, (size_t)n, err) < 0)
		return -1;
	n = snprintf(buf, cap, "%s\n", hn);
	if (write_file_atomic(hostname, buf, (size_t)n, err) < 0)
		return -1;
	return write_file_atomic(resolv, rc, strlen(rc), err);
}

/* <bundle>/seccomp.bpf: the container's filter compiled once, for the shim's native exec
 * (docs/shim.md). Without it, execs go through the runtime, which compiles it each time. */
static void write_seccomp_program(struct container *c, const char *bundle, const json_t *seccomp)
{
	_cleanup_free_ char *path = path_join(bundle, SECCOMP_BPF_FILE);
	eng_error_t e = {0};

	unlink(path);
	if (seccomp && seccomp_bpf_write(seccomp, path, &e) < 0)
		log_warn("container %.12s: exec goes through the runtime: %s", c->id, e.msg);
}

/* Writes <bundle>/config.json. */
static int write_bundle(struct engine *eng, struct container *c, const char *rootfs,
			const char *bundle, const char *netns, eng_error_t *err)
{
	_cleanup_free_ char *dir = container_dir(eng, c->id);
	_cleanup_free_ char *hosts = path_join(dir, "hosts");
	_cleanup_free_ char *hostname = path_join(dir, "hostname");
	_cleanup_free_ char *resolv = path_join(dir, "resolv.conf");
	_cleanup_free_ char *cfgpath = path_join(bundle, "config.json");
	_cleanup_free_ char *cgpath = NULL;
	_cleanup_strv_ char **args = NULL, **ep = NULL, **cmd = NULL, **env = NULL;
	_cleanup_strv_ char **binds = NULL;
	json_auto_t *spec = NULL, *extra_mounts = NULL;

	json_strv(c->config, "Entrypoint", &ep, NULL);
	json_strv(c->config, "Cmd", &cmd, NULL);
	for (char **p = ep; p && *p; p++)
		args = strv_push(args, *p);
	for (char **p = cmd; p && *p; p++)
		args = strv_push(args, *p);
	if (mounts_start(eng, c, rootfs, &binds, &extra_mounts, err) < 0)
		return -1;
	env = container_process_env(c, json_bool(c->config, "Tty", 0), NULL);
	if (asprintf(&cgpath, "/berth/%s", c->id) < 0)
		abort();
	struct oci_spec_opts o = {
		.container_id = c->id,
		.rootfs = rootfs,
		.args = args,
		.env = env,
		.cwd = json_str(c->config, "WorkingDir"),
		.user = json_str(c->config, "User"),
		.tty = json_bool(c->config, "Tty", 0),
		.hostname = json_str(c->config, "Hostname"),
		.binds = binds,
		.mounts = extra_mounts,
		.hosts_path = hosts,
		.hostname_path = hostname,
		.resolv_path = resolv,
		.netns_path = netns,
		.cgroups_path = cgpath,
		.shm_size = json_int(c->host_config, "ShmSize", 0),
	};
	spec = oci_spec_build(&o, err);
	if (!spec || host_config_apply(spec, c->host_config, err) < 0 ||
	    security_apply(eng, c, spec, err) < 0)
		return -1;
	if (mkdir_p(bundle, 0700, err) < 0)
		return -1;
	if (json_write_atomic(cfgpath, spec, err) < 0)
		return -1;
	write_seccomp_program(c, bundle, json_object_get(json_object_get(spec, "linux"), "seccomp"));
	return 0;
}

/* Exit code docker reports when the runtime could not start the process. */
static int start_failure_code(const char *msg)
{
	if (strstr(msg, "executable file not found") || strstr(msg, "no such file or directory"))
		return 127;
	if (strstr(msg, "permission denied") || strstr(msg, "is a directory"))
		return 126;
	return 128;
}

static void autoremove_async(struct engine *eng, struct container *c);

/* how long a start waits for attach requests already answered to be handed over */
#define ATTACH_WAIT_MS 2000

int engine_container_start(struct engine *eng, struct container *c, eng_error_t *err)
{
	_cleanup_free_ char *bundle = engine_container_bundle(eng, c);
	_cleanup_free_ char *log = engine_container_log_path(eng, c);
	_cleanup_free_ char *rootfs = NULL, *runtime = NULL, *netns = NULL;
	_cleanup_free_ char *exitf = path_join(bundle, "exit");
	struct shim_attach *attach = NULL;
	size_t nattach = 0;
	pid_t shim_pid = 0, pid = 0;
	int rc = -1, nsfd = -1;
	int64_t t0, t1, tn, t2, max_size = 0;
	struct shim_start_opts so;
	struct timespec ts;
	json_t *lc;
	const char *ms, *mf;

	/* clients whose attach was answered but is not registered yet: the docker CLI starts
	 * the moment it has the answer. Before op_lock, which registering takes; bounded, so a
	 * client that never finishes cannot hold the start. */
	pthread_mutex_lock(&eng->lock);
	deadline_after_ms(&ts, ATTACH_WAIT_MS);
	while (c->attaching > 0 &&
	       pthread_cond_timedwait(&eng->changed, &eng->lock, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&eng->lock);

	pthread_mutex_lock(&c->op_lock);
	pthread_mutex_lock(&eng->lock);
	if (c->status == CTR_PAUSED)
		rc = eng_error_make(err, EBUSY, ERR_CONFLICT,
				    "cannot start a paused container, try unpause instead");
	else if (is_running(c))
		rc = eng_error_make(err, EALREADY, ERR_NOT_MODIFIED, "container is already running");
	else if (c->status == CTR_REMOVING || c->removed)
		rc = eng_error_make(err, EBUSY, ERR_CONFLICT,
				    "container is marked for removal and cannot be started");
	else
		rc = 0;
	pthread_mutex_unlock(&eng->lock);
	if (rc < 0)
		goto out_unlock;
	rc = -1;

	t0 = now_ns();
	if (!(runtime = runtime_path(eng, c->runtime, err)) ||
	    image_rootfs_mount(eng->images, c->id, &rootfs, err) < 0)
		goto fail;
	t1 = now_ns();
	if (container_net_start(eng, c, &nsfd, &netns, err) < 0)
		goto fail;
	tn = now_ns();
	if (write_etc_files(eng, c, err) < 0 || write_bundle(eng, c, rootfs, bundle, netns, err) < 0)
		goto fail;
	t2 = now_ns();

	/* the exit record of a previous run must not be mistaken for this one's */
	unlink(exitf);
	lc = json_object_get(c->host_config, "LogConfig");
	ms = json_str(json_object_get(lc, "Config"), "max-size");
	mf = json_str(json_object_get(lc, "Config"), "max-file");
	if (ms)
		parse_size(ms, &max_size);
	pthread_mutex_lock(&eng->lock);
	attach = c->pending;
	nattach = c->npending;
	c->pending = NULL;
	c->npending = 0;
	pthread_mutex_unlock(&eng->lock);
	so = (struct shim_start_opts){
		.shim_path = eng->shim_path,
		.runtime_path = runtime,
		.runtime_root = eng->runtime_root,
		.id = c->id,
		.bundle = bundle,
		.log_path = !strcmp(json_str(lc, "Type") ?: "json-file", "none") ? NULL : log,
		.log_max_size = max_size,
		.log_max_file = mf ? atoi(mf) : 1,
		.tty = json_bool(c->config, "Tty", 0),
		.open_stdin = json_bool(c->config, "OpenStdin", 0),
		.stdin_once = json_bool(c->config, "StdinOnce", 0),
		.attach = attach,
		.nattach = nattach,
	};
	if (shim_start(&so, &shim_pid, &pid, err) < 0)
		goto fail;
	/* the container's processes hold the namespace now */
	if (nsfd >= 0)
		close(nsfd);
	nsfd = -1;
	log_debug("container %.12s: started in %lld ms (mount %lld, network %.1f, bundle %lld, "
		  "shim %lld)",
		  c->id, (long long)(now_ns() - t0) / 1000000, (long long)(t1 - t0) / 1000000,
		  (double)(tn - t1) / 1e6, (long long)(t2 - tn) / 1000000,
		  (long long)(now_ns() - t2) / 1000000);

	pthread_mutex_lock(&eng->lock);
	c->status = CTR_RUNNING;
	c->pid = pid;
	c->shim_pid = shim_pid;
	c->started_ns = now_ns();
	c->exit_code = 0;
	c->oom_killed = 0;
	c->stop_requested = 0;
	free(c->error);
	c->error = NULL;
	health_monitor_locked(eng, c, 1);
	container_save(eng, c);
	container_event_locked(eng, c, "start", NULL);
	monitor_watch(eng, c);
	pthread_cond_broadcast(&eng->changed);
	pthread_mutex_unlock(&eng->lock);
	rc = 0;
	goto out_unlock;

fail:
	if (rootfs)
		image_rootfs_unmount(eng->images, c->id, NULL);
	security_release(eng, c);
	if (nsfd >= 0)
		close(nsfd);
	pthread_mutex_lock(&eng->lock);
	container_net_stop_locked(eng, c);
	free(c->error);
	c->error = strdup(err->msg);
	c->exit_code = start_failure_code(err->msg);
	container_save(eng, c);
	pthread_cond_broadcast(&eng->changed);
	pthread_mutex_unlock(&eng->lock);
	if (json_bool(c->host_config, "AutoRemove", 0))
		autoremove_async(eng, c);
out_unlock:
	free(attach);
	pthread_mutex_unlock(&c->op_lock);
	return rc;
}

/* Sends sig to the container's init; eng->lock held. */
static int signal_locked(struct container *c, int sig, eng_error_t *err)
{
	if (c->pid <= 0 || kill(c->pid, sig) < 0) {
		if (errno == ESRCH || c->pid <= 0)
			return 0; /* exiting: the monitor will see it */
		return eng_error_make(err, errno, ERR_INTERNAL, "cannot kill container %s: %m",
				      c->id);
	}
	return 0;
}

/* A stop while a restart is pending: the container stays down. */
static int cancel_restart_locked(struct engine *eng, struct container *c)
{
	c->stop_requested = 1;
	c->status = CTR_EXITED;
	container_save(eng, c);
	pthread_cond_broadcast(&eng->changed);
	return 0;
}

/* A paused container gets signals only once thawed: like dockerd, signal first, then thaw so
 * the signal is the first thing the processes see. */
static void thaw_after_signal_locked(struct engine *eng, struct container *c)
{
	eng_error_t err;
	if (c->status != CTR_PAUSED)
		return;
	if (container_freeze(c, 0, &err) < 0) {
		log_warn("container %.12s: %s, ignoring", c->id, err.msg);
		return;
	}
	c->status = CTR_RUNNING;
	container_event_locked(eng, c, "unpause", NULL);
	health_monitor_locked(eng, c, 0);
}

static int stop_locked(struct engine *eng, struct container *c, int timeout, int sig,
		       eng_error_t *err)
{
	char num[16];
	c->stop_requested = 1;
	snprintf(num, sizeof(num), "%d", sig);
	container_event_locked(eng, c, "kill", json_pack("{s:s}", "signal", num));
	if (signal_locked(c, sig, err) < 0)
		return -1;
	thaw_after_signal_locked(eng, c);
	if (wait_exit_locked(eng, c, timeout < 0 ? -1 : (int64_t)timeout * 1000) == 0)
		return 0;
	log_info("container %.12s: failed to exit within %d seconds of signal %d - using the "
		 "force",
		 c->id, timeout, sig);
	if (signal_locked(c, SIGKILL, err) < 0)
		return -1;
	if (wait_exit_locked(eng, c, 30000) < 0)
		return eng_error_make(err, ETIMEDOUT, ERR_INTERNAL,
				      "container %s did not exit after SIGKILL", c->id);
	return 0;
}

static int stop_params(struct container *c, int timeout, const char *signame, int *ret_sig,
		       int *ret_timeout, eng_error_t *err)
{
	const char *cfg_sig = json_str(c->config, "StopSignal");
	if (signame && *signame) {
		*ret_sig = signal_parse(signame);
		if (*ret_sig < 0)
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid signal: %s",
					      signame);
	} else {
		*ret_sig = cfg_sig && *cfg_sig ? signal_parse(cfg_sig) : SIGTERM;
		if (*ret_sig < 0)
			*ret_sig = SIGTERM;
	}
	*ret_timeout = timeout >= 0 ? timeout : (int)json_int(c->config, "StopTimeout", 10);
	return 0;
}

int engine_container_stop(struct engine *eng, struct container *c, int timeout, const char *sig,
			  eng_error_t *err)
{
	int signum, secs, rc;

	if (stop_params(c, timeout, sig, &signum, &secs, err) < 0)
		return -1;
	pthread_mutex_lock(&c->op_lock);
	pthread_mutex_lock(&eng->lock);
	if (c->status == CTR_RESTARTING)
		rc = cancel_restart_locked(eng, c);
	else if (!is_running(c))
		rc = eng_error_make(err, EALREADY, ERR_NOT_MODIFIED, "container is already stopped");
	else
		rc = stop_locked(eng, c, secs, signum, err);
	pthread_mutex_unlock(&eng->lock);
	pthread_mutex_unlock(&c->op_lock);
	return rc;
}

int engine_container_restart(struct engine *eng, struct container *c, int timeout,
			     const char *sig, eng_error_t *err)
{
	int signum, secs, rc = 0;

	if (stop_params(c, timeout, sig, &signum, &secs, err) < 0)
		return -1;
	pthread_mutex_lock(&c->op_lock);
	pthread_mutex_lock(&eng->lock);
	if (c->status == CTR_RESTARTING)
		cancel_restart_locked(eng, c);
	else if (is_running(c))
		rc = stop_locked(eng, c, secs, signum, err);
	pthread_mutex_unlock(&eng->lock);
	pthread_mutex_unlock(&c->op_lock);
	if (rc < 0 || engine_container_start(eng, c, err) < 0)
		return -1;
	engine_container_event(eng, c, "restart", NULL);
	return 0;
}

int engine_container_kill(struct engine *eng, struct container *c, const char *signame,
			  eng_error_t *err)
{
	int sig = SIGKILL, rc;

	if (signame && *signame && (sig = signal_parse(signame)) < 0)
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid signal: %s", signame);
	pthread_mutex_lock(&eng->lock);
	if (!is_running(c)) {
		rc = eng_error_make(err, ESRCH, ERR_CONFLICT,
				    "cannot kill container: %s: container %s is not running",
				    c->name, c->id);
	} else {
		char num[16];
		if (sig == SIGKILL)
			c->stop_requested = 1;
		snprintf(num, sizeof(num), "%d", sig);
		container_event_locked(eng, c, "kill", json_pack("{s:s}", "signal", num));
		rc = signal_locked(c, sig, err);
		if (rc == 0)
			thaw_after_signal_locked(eng, c);
		/* like dockerd, a SIGKILL returns once the container is gone */
		if (rc == 0 && sig == SIGKILL)
			wait_exit_locked(eng, c, 10000);
	}
	pthread_mutex_unlock(&eng->lock);
	return rc;
}

int container_destroy(struct engine *eng, struct container *c, eng_error_t *err)
{
	_cleanup_free_ char *dir = container_dir(eng, c->id);
	_cleanup_free_ char *bundle = engine_container_bundle(eng, c);
	eng_error_t e2;

	pthread_mutex_lock(&eng->lock);
	c->status = CTR_REMOVING;
	container_save(eng, c);
	pthread_mutex_unlock(&eng->lock);

	if (image_rootfs_remove(eng->images, c->id, err) < 0)
		return eng_error_wrap(err, "unable to remove filesystem for %s", c->id);
	if (rm_rf(bundle, &e2) < 0)
		log_warn("container %.12s: %s, ignoring", c->id, e2.msg);
	if (rm_rf(dir, err) < 0)
		return eng_error_wrap(err, "unable to remove filesystem for %s", c->id);

	pthread_mutex_lock(&eng->lock);
	for (size_t i = 0; i < eng->nctrs; i++) {
		if (eng->ctrs[i] != c)
			continue;
		memmove(&eng->ctrs[i], &eng->ctrs[i + 1], (eng->nctrs - i - 1) * sizeof(c));
		eng->nctrs--;
		c->removed = 1;
		c->refs--; /* the table's reference; the caller still holds one */
		break;
	}
	pthread_cond_broadcast(&eng->changed);
	pthread_mutex_unlock(&eng->lock);
	exec_container_removed(eng, c);
	engine_container_event(eng, c, "destroy", NULL);
	return 0;
}

int engine_container_remove(struct engine *eng, struct container *c, int force, int volumes,
			    eng_error_t *err)
{
	int rc = 0;

	pthread_mutex_lock(&c->op_lock);
	pthread_mutex_lock(&eng->lock);
	if (c->status == CTR_RESTARTING && force)
		cancel_restart_locked(eng, c);
	if (c->removed || c->status == CTR_REMOVING) {
		rc = eng_error_make(err, EBUSY, ERR_CONFLICT,
				    "removal of container %s is already in progress", c->name);
	} else if (c->status == CTR_RESTARTING) {
		rc = eng_error_make(err, EBUSY, ERR_CONFLICT,
				    "cannot remove container \"/%s\": container is restarting: "
				    "stop the container before removing or force remove",
				    c->name);
	} else if (is_running(c)) {
		if (!force)
			rc = eng_error_make(err, EBUSY, ERR_CONFLICT,
					    "cannot remove container \"/%s\": container is %s: stop "
					    "the container before removing or force remove",
					    c->name, ctr_status_name(c->status));
		else if (signal_locked(c, SIGKILL, err) < 0 ||
			 (thaw_after_signal_locked(eng, c), wait_exit_locked(eng, c, 30000) < 0))
			rc = eng_error_make(err, ETIMEDOUT, ERR_INTERNAL,
					    "cannot remove container \"/%s\": could not kill "
					    "container",
					    c->name);
	}
	pthread_mutex_unlock(&eng->lock);
	if (rc == 0)
		rc = container_destroy(eng, c, err);
	if (rc == 0)
		mounts_remove(eng, c, volumes);
	pthread_mutex_unlock(&c->op_lock);
	return rc;
}

struct autoremove_job {
	struct engine *eng;
	struct container *c;
};

static void *autoremove_thread(void *arg)
{
	struct autoremove_job *job = arg;
	eng_error_t err;

	if (engine_container_remove(job->eng, job->c, 1, 1, &err) < 0 &&
	    err.kind != ERR_CONFLICT)
		log_error("container %.12s: auto-remove: %s", job->c->id, err.msg);
	container_unref(job->eng, job->c);
	free(job);
	return NULL;
}

/* Removal runs on its own thread: the caller may hold locks the removal takes. */
static void autoremove_async(struct engine *eng, struct container *c)
{
	struct autoremove_job *job = malloc(sizeof(*job));
	pthread_t t;
	pthread_attr_t attr;

	pthread_mutex_lock(&eng->lock);
	c->refs++;
	pthread_mutex_unlock(&eng->lock);
	job->eng = eng;
	job->c = c;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, autoremove_thread, job) != 0)
		autoremove_thread(job);
	pthread_attr_destroy(&attr);
}

/* Whether c's restart policy restarts it after this exit; eng->lock held. */
static int restart_wanted(struct container *c)
{
	json_t *rp = json_object_get(c->host_config, "RestartPolicy");
	const char *pol = json_str(rp, "Name") ?: "no";
	long long max = json_int(rp, "MaximumRetryCount", 0);

	if (c->stop_requested || c->removed)
		return 0;
	if (!strcmp(pol, "always") || !strcmp(pol, "unless-stopped"))
		return 1;
	if (!strcmp(pol, "on-failure"))
		return c->exit_code != 0 && (max == 0 || c->restart_count < max);
	return 0;
}

struct restart_job {
	struct engine *eng;
	struct container *c;
	int64_t delay_ms;
};

static void *restart_thread(void *arg)
{
	struct restart_job *job = arg;
	struct engine *eng = job->eng;
	struct container *c = job->c;
	struct timespec ts;
	int go;
	eng_error_t err;

	deadline_after_ms(&ts, job->delay_ms);
	pthread_mutex_lock(&eng->lock);
	while (c->status == CTR_RESTARTING && !c->stop_requested && !eng->stopping &&
	       pthread_cond_timedwait(&eng->changed, &eng->lock, &ts) != ETIMEDOUT)
		;
	go = c->status == CTR_RESTARTING && !c->stop_requested && !c->removed && !eng->stopping;
	if (go)
		c->restart_count++;
	pthread_mutex_unlock(&eng->lock);
	if (go && engine_container_start(eng, c, &err) < 0) {
		log_error("container %.12s: restart: %s", c->id, err.msg);
		pthread_mutex_lock(&eng->lock);
		if (c->status == CTR_RESTARTING) {
			c->status = CTR_EXITED;
			container_save(eng, c);
			pthread_cond_broadcast(&eng->changed);
		}
		pthread_mutex_unlock(&eng->lock);
	}
	container_unref(eng, c);
	free(job);
	return NULL;
}

/* Docker's back-off: 100 ms doubling per quick exit, reset after 10 s of running. */
static void schedule_restart(struct engine *eng, struct container *c)
{
	struct restart_job *job = malloc(sizeof(*job));
	pthread_attr_t attr;
	pthread_t t;

	if (c->finished_ns - c->started_ns >= 10LL * 1000000000LL || !c->restart_delay_ms)
		c->restart_delay_ms = 100;
	else if (c->restart_delay_ms < 60000)
		c->restart_delay_ms *= 2;
	c->status = CTR_RESTARTING;
	container_save(eng, c);
	pthread_cond_broadcast(&eng->changed);
	c->refs++;
	job->eng = eng;
	job->c = c;
	job->delay_ms = c->restart_delay_ms;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, restart_thread, job) != 0) {
		c->refs--;
		c->status = CTR_EXITED;
		free(job);
	}
	pthread_attr_destroy(&attr);
}

void engine_restart_policies_boot(struct engine *eng)
{
	size_t n;
	struct container **list = engine_container_list(eng, &n);
	for (size_t i = n; i-- > 0;) {
		struct container *c = list[i];
		const char *pol = json_str(json_object_get(c->host_config, "RestartPolicy"), "Name");
		eng_error_t err;
		int want;
		pthread_mutex_lock(&eng->lock);
		want = (c->status == CTR_EXITED || c->status == CTR_CREATED) && c->finished_ns &&
		       pol && (!strcmp(pol, "always") ||
			       (!strcmp(pol, "unless-stopped") && !c->stop_requested));
		pthread_mutex_unlock(&eng->lock);
		if (want && engine_container_start(eng, c, &err) < 0)
			log_error("container %.12s: restart at boot: %s", c->id, err.msg);
	}
	engine_container_list_free(eng, list, n);
}

void container_exited(struct engine *eng, struct container *c)
{
	_cleanup_free_ char *bundle = engine_container_bundle(eng, c);
	struct shim_exit ex = {.exit_code = 255};
	eng_error_t err;

	if (shim_read_exit(bundle, &ex, &err) < 0) {
		log_warn("container %.12s: no exit record (%s), assuming 255", c->id, err.msg);
		ex.exit_code = 255;
		ex.finished_ns = now_ns();
	}
	if (c->monitor_fd >= 0) {
		close(c->monitor_fd);
		c->monitor_fd = -1;
	}
	c->status = CTR_EXITED;
	c->exit_code = ex.exit_code;
	c->oom_killed = ex.oom_killed;
	c->finished_ns = ex.finished_ns ? ex.finished_ns : now_ns();
	c->pid = 0;
	c->shim_pid = 0;
	c->exit_seq++;
	health_monitor_locked(eng, c, 0);
	char code[16];
	snprintf(code, sizeof(code), "%d", c->exit_code);
	if (c->oom_killed)
		container_event_locked(eng, c, "oom", NULL);
	container_event_locked(eng, c, "die", json_pack("{s:s}", "exitCode", code));
	if (image_rootfs_unmount(eng->images, c->id, &err) < 0)
		log_warn("container %.12s: %s, ignoring", c->id, err.msg);
	security_release(eng, c);
	container_net_stop_locked(eng, c);
	if (restart_wanted(c) && !eng->stopping) {
		schedule_restart(eng, c);
		return;
	}
	container_save(eng, c);
	pthread_cond_broadcast(&eng->changed);
	if (json_bool(c->host_config, "AutoRemove", 0) && !eng->stopping) {
		pthread_mutex_unlock(&eng->lock);
		autoremove_async(eng, c);
		pthread_mutex_lock(&eng->lock);
	}
}

int engine_container_rename(struct engine *eng, struct container *c, const char *name,
			    eng_error_t *err)
{
	struct container *other;
	int rc = 0;

	if (!name || !*name)
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "Neither old nor new names may be empty");
	if (!container_name_valid(name))
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] "
				      "are allowed",
				      name);
	if (name[0] == '/')
		name++;
	pthread_mutex_lock(&eng->lock);
	other = container_by_name_locked(eng, name);
	if (other == c) {
		rc = eng_error_make(err, EINVAL, ERR_INVALID,
				    "Renaming a container with the same name as its current name");
	} else if (other) {
		rc = eng_error_make(err, EEXIST, ERR_CONFLICT,
				    "Error when allocating new name: Conflict. The container name "
				    "\"/%s\" is already in use by container \"%s\". You have to "
				    "remove (or rename) that container to be able to reuse that "
				    "name.",
				    name, other->id);
	} else {
		char old[512];
		snprintf(old, sizeof(old), "/%s", c->name);
		free(c->name);
		c->name = strdup(name);
		container_save(eng, c);
		pthread_mutex_unlock(&eng->lock);
		engine_container_event(eng, c, "rename", json_pack("{s:s}", "oldName", old));
		return 0;
	}
	pthread_mutex_unlock(&eng->lock);
	return rc;
}

int engine_container_wait(struct engine *eng, struct container *c, enum wait_condition cond,
			  int (*gone)(void *), void *ctx, int *ret_code, eng_error_t *err)
{
	unsigned seq;
	int rc = 0;

	pthread_mutex_lock(&eng->lock);
	seq = c->exit_seq;
	for (;;) {
		int done;
		if (cond == WAIT_REMOVED)
			done = c->removed;
		else if (cond == WAIT_NEXT_EXIT)
			done = c->exit_seq != seq || c->removed;
		else
			done = !is_running(c) || c->removed;
		if (done)
			break;
		struct timespec ts;
		deadline_after_ms(&ts, 1000);
		pthread_cond_timedwait(&eng->changed, &eng->lock, &ts);
		if (gone && gone(ctx)) {
			rc = eng_error_make(err, ECONNRESET, ERR_INTERNAL, "client went away");
			break;
		}
	}
	*ret_code = c->exit_code;
	pthread_mutex_unlock(&eng->lock);
	return rc;
}

void engine_container_attach_begin(struct engine *eng, struct container *c)
{
	pthread_mutex_lock(&eng->lock);
	c->attaching++;
	pthread_mutex_unlock(&eng->lock);
}

static void pending_add_locked(struct container *c, const struct shim_attach *a)
{
	c->pending = realloc(c->pending, (c->npending + 1) * sizeof(*c->pending));
	c->pending[c->npending++] = *a;
}

static void attach_done_locked(struct engine *eng, struct container *c)
{
	c->attaching--;
	pthread_cond_broadcast(&eng->changed);
}

int engine_container_attach_end(struct engine *eng, struct container *c,
				const struct shim_attach *ap, eng_error_t *err)
{
	_cleanup_free_ char *bundle = engine_container_bundle(eng, c);
	int running, rc = 0;

	if (!ap) {
		pthread_mutex_lock(&eng->lock);
		attach_done_locked(eng, c);
		pthread_mutex_unlock(&eng->lock);
		return 0;
	}
	/* a start waiting for this attach holds op_lock: keep it for the next start without */
	pthread_mutex_lock(&eng->lock);
	if (c->attaching > 0)
		c->attaching--;
	pthread_cond_broadcast(&eng->changed);
	running = is_running(c);
	if (!running)
		pending_add_locked(c, ap);
	attach_done_locked(eng, c);
	pthread_mutex_unlock(&eng->lock);
	if (running) {
		pthread_mutex_lock(&c->op_lock);
		pthread_mutex_lock(&eng->lock);
		running = is_running(c);
		if (!running) /* stopped meanwhile: for the next start, as before */
			pending_add_locked(c, ap);
		pthread_mutex_unlock(&eng->lock);
		if (running)
			rc = shim_attach(bundle, ap, err);
		pthread_mutex_unlock(&c->op_lock);
	}
	if (rc == 0)
		engine_container_event(eng, c, "attach", NULL);
	return rc;
}

int engine_container_pids(struct engine *eng, struct container *c, pid_t **ret, size_t *ret_n,
			  eng_error_t *err)
{
	static const char *roots[] = {"/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory",
				      "/sys/fs/cgroup/systemd", "/sys/fs/cgroup"};
	*ret = NULL;
	*ret_n = 0;
	for (size_t i = 0; i < sizeof(roots) / sizeof(*roots); i++) {
		char path[512];
		_cleanup_free_ char *data = NULL;
		snprintf(path, sizeof(path), "%s/berth/%s/cgroup.procs", roots[i], c->id);
		data = read_file(path, NULL, NULL);
		if (!data)
			continue;
		for (char *save = NULL, *l = strtok_r(data, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			*ret = realloc(*ret, (*ret_n + 1) * sizeof(pid_t));
			(*ret)[(*ret_n)++] = (pid_t)atoi(l);
		}
		return 0;
	}
	/* no cgroup found: at least the init process */
	pthread_mutex_lock(&eng->lock);
	if (c->pid > 0) {
		*ret = malloc(sizeof(pid_t));
		(*ret)[0] = c->pid;
		*ret_n = 1;
	}
	pthread_mutex_unlock(&eng->lock);
	return 0;
}

int engine_container_resize(struct engine *eng, struct container *c, unsigned rows, unsigned cols,
			    eng_error_t *err)
{
	_cleanup_free_ char *bundle = engine_container_bundle(eng, c);
	int running;

	pthread_mutex_lock(&eng->lock);
	running = is_running(c);
	pthread_mutex_unlock(&eng->lock);
	if (!running)
		return eng_error_make(err, ESRCH, ERR_CONFLICT, "container %s is not running",
				      c->id);
	if (!json_bool(c->config, "Tty", 0))
		return eng_error_make(err, ENOTTY, ERR_CONFLICT,
				      "cannot resize a container without a TTY: %s", c->id);
	if (shim_resize(bundle, rows, cols, err) < 0)
		return -1;
	char h[16], w[16];
	snprintf(h, sizeof(h), "%u", rows);
	snprintf(w, sizeof(w), "%u", cols);
	engine_container_event(eng, c, "resize", json_pack("{s:s, s:s}", "height", h, "width", w));
	return 0;
}
