/* Container records: persistence, lookup and the documents the API shows. */
#include "engine-internal.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../common/strv.h"
#include "../image/store.h"
#include "mounts.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

const char *ctr_status_name(enum ctr_status s)
{
	static const char *names[] = {"created", "running",  "paused", "restarting",
				      "removing", "exited", "dead"};
	return names[s];
}

static enum ctr_status status_parse(const char *s)
{
	for (int i = CTR_CREATED; i <= CTR_DEAD; i++)
		if (s && !strcmp(s, ctr_status_name((enum ctr_status)i)))
			return (enum ctr_status)i;
	return CTR_EXITED;
}

char *container_dir(struct engine *eng, const char *id)
{
	char *p;
	if (asprintf(&p, "%s/containers/%s", eng->cfg.data_root, id) < 0)
		abort();
	return p;
}

char *engine_container_log_path(struct engine *eng, const struct container *c)
{
	char *p;
	if (asprintf(&p, "%s/containers/%s/%s-json.log", eng->cfg.data_root, c->id, c->id) < 0)
		abort();
	return p;
}

char *engine_container_bundle(struct engine *eng, const struct container *c)
{
	char *p;
	if (asprintf(&p, "%s/containers/%s", eng->cfg.exec_root, c->id) < 0)
		abort();
	return p;
}

json_t *container_to_json(struct container *c)
{
	return json_pack("{s:s, s:s, s:I, s:O, s:O, s:s, s:s?, s:i, s:{s:s, s:i, s:i, s:i, s:b, "
			 "s:s, s:I, s:I, s:b}, s:O?, s:O?, s:O?}",
			 "ID", c->id, "Name", c->name, "Created", (json_int_t)c->created_ns,
			 "Config", c->config, "HostConfig", c->host_config, "Image", c->image_id,
			 "Runtime", c->runtime, "RestartCount", c->restart_count, "State",
			 "Status", ctr_status_name(c->status), "Pid", (int)c->pid, "ShimPid",
			 (int)c->shim_pid, "ExitCode", c->exit_code, "OOMKilled", c->oom_killed,
			 "Error", c->error ? c->error : "", "StartedAt",
			 (json_int_t)c->started_ns, "FinishedAt", (json_int_t)c->finished_ns,
			 "ManuallyStopped", c->stop_requested, "MountPoints", c->mounts,
			 "Health", c->health, "NetworkSettings", c->net);
}

static struct container *container_new(void)
{
	struct container *c = calloc(1, sizeof(*c));
	pthread_mutex_init(&c->op_lock, NULL);
	c->monitor_fd = -1;
	c->refs = 1;
	return c;
}

struct container *container_from_json(json_t *doc)
{
	json_t *st = json_object_get(doc, "State");
	const char *id = json_str(doc, "ID"), *name = json_str(doc, "Name");
	struct container *c;

	if (!id || strlen(id) != 64 || !name || !json_is_object(st))
		return NULL;
	c = container_new();
	memcpy(c->id, id, 65);
	c->name = strdup(name);
	c->created_ns = json_int(doc, "Created", 0);
	c->config = json_incref(json_object_get(doc, "Config"));
	c->host_config = json_incref(json_object_get(doc, "HostConfig"));
	snprintf(c->image_id, sizeof(c->image_id), "%s", json_str(doc, "Image") ?: "");
	c->runtime = json_str(doc, "Runtime") ? strdup(json_str(doc, "Runtime")) : NULL;
	c->restart_count = (int)json_int(doc, "RestartCount", 0);
	c->status = status_parse(json_str(st, "Status"));
	c->pid = (pid_t)json_int(st, "Pid", 0);
	c->shim_pid = (pid_t)json_int(st, "ShimPid", 0);
	c->exit_code = (int)json_int(st, "ExitCode", 0);
	c->oom_killed = json_bool(st, "OOMKilled", 0);
	c->error = json_str(st, "Error") && *json_str(st, "Error") ? strdup(json_str(st, "Error"))
								    : NULL;
	c->started_ns = json_int(st, "StartedAt", 0);
	c->finished_ns = json_int(st, "FinishedAt", 0);
	c->stop_requested = json_bool(st, "ManuallyStopped", 0);
	if (json_is_array(json_object_get(doc, "MountPoints")))
		c->mounts = json_incref(json_object_get(doc, "MountPoints"));
	if (json_is_object(json_object_get(doc, "Health")))
		c->health = json_deep_copy(json_object_get(doc, "Health"));
	if (json_is_object(json_object_get(doc, "NetworkSettings")))
		c->net = json_incref(json_object_get(doc, "NetworkSettings"));
	if (!json_is_object(c->config) || !json_is_object(c->host_config)) {
		container_free(c);
		return NULL;
	}
	return c;
}

void container_free(struct container *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->runtime);
	free(c->error);
	json_decref(c->config);
	json_decref(c->host_config);
	json_decref(c->mounts);
	json_decref(c->health);
	json_decref(c->net);
	for (size_t i = 0; i < c->npending; i++)
		close(c->pending[i].fd);
	free(c->pending);
	if (c->monitor_fd >= 0)
		close(c->monitor_fd);
	pthread_mutex_destroy(&c->op_lock);
	free(c);
}

void container_save(struct engine *eng, struct container *c)
{
	eng_error_t err;
	_cleanup_free_ char *dir = container_dir(eng, c->id);
	_cleanup_free_ char *path = path_join(dir, "config.v2.json");
	json_auto_t *doc = container_to_json(c);

	if (c->removed)
		return;
	if (json_write_atomic(path, doc, &err) < 0)
		log_error("container %.12s: saving state: %s", c->id, err.msg);
}

void container_unref(struct engine *eng, struct container *c)
{
	int last;
	if (!c)
		return;
	pthread_mutex_lock(&eng->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&eng->lock);
	if (last)
		container_free(c);
}

struct container *container_by_name_locked(struct engine *eng, const char *name)
{
	if (name[0] == '/')
		name++;
	for (size_t i = 0; i < eng->nctrs; i++)
		if (!strcmp(eng->ctrs[i]->name, name))
			return eng->ctrs[i];
	return NULL;
}

struct container *engine_container_get(struct engine *eng, const char *name, eng_error_t *err)
{
	struct container *found = NULL;
	size_t len = strlen(name);
	int ambiguous = 0;

	pthread_mutex_lock(&eng->lock);
	for (size_t i = 0; i < eng->nctrs && !found; i++)
		if (!strcmp(eng->ctrs[i]->id, name))
			found = eng->ctrs[i];
	if (!found && len)
		found = container_by_name_locked(eng, name);
	if (!found && len > 0 && len < 64) {
		for (size_t i = 0; i < eng->nctrs; i++) {
			if (strncmp(eng->ctrs[i]->id, name, len))
				continue;
			if (found)
				ambiguous = 1;
			found = eng->ctrs[i];
		}
	}
	if (found && !ambiguous)
		found->refs++;
	pthread_mutex_unlock(&eng->lock);
	if (ambiguous) {
		eng_error_make(err, EINVAL, ERR_INVALID, "multiple IDs found with provided prefix: %s",
			       name);
		return NULL;
	}
	if (!found)
		eng_error_make(err, ENOENT, ERR_NOT_FOUND, "No such container: %s", name);
	return found;
}

struct container **engine_container_list(struct engine *eng, size_t *ret_n)
{
	struct container **out;
	pthread_mutex_lock(&eng->lock);
	out = calloc(eng->nctrs + 1, sizeof(*out));
	/* newest first, as docker ps lists them */
	for (size_t i = 0; i < eng->nctrs; i++) {
		out[i] = eng->ctrs[eng->nctrs - 1 - i];
		out[i]->refs++;
	}
	*ret_n = eng->nctrs;
	pthread_mutex_unlock(&eng->lock);
	return out;
}

void engine_container_list_free(struct engine *eng, struct container **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		container_unref(eng, list[i]);
	free(list);
}

int engine_container_is_running(struct engine *eng, struct container *c)
{
	int r;
	pthread_mutex_lock(&eng->lock);
	r = c->status == CTR_RUNNING || c->status == CTR_PAUSED || c->status == CTR_RESTARTING;
	pthread_mutex_unlock(&eng->lock);
	return r;
}

void engine_container_counts(struct engine *eng, int *total, int *running, int *paused,
			     int *stopped)
{
	*total = *running = *paused = *stopped = 0;
	pthread_mutex_lock(&eng->lock);
	for (size_t i = 0; i < eng->nctrs; i++) {
		struct container *c = eng->ctrs[i];
		(*total)++;
		if (c->status == CTR_RUNNING || c->status == CTR_RESTARTING)
			(*running)++;
		else if (c->status == CTR_PAUSED)
			(*paused)++;
		else
			(*stopped)++;
	}
	pthread_mutex_unlock(&eng->lock);
}

int container_name_valid(const char *name)
{
	if (*name == '/')
		name++;
	if (!isalnum((unsigned char)name[0]) || !name[1])
		return 0;
	for (const char *p = name + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return 0;
	return 1;
}

int signal_parse(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = {
		{"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT},   {"ILL", SIGILL},
		{"TRAP", SIGTRAP}, {"ABRT", SIGABRT},   {"IOT", SIGIOT},     {"BUS", SIGBUS},
		{"FPE", SIGFPE},   {"KILL", SIGKILL},   {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
		{"USR2", SIGUSR2}, {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},   {"TERM", SIGTERM},
		{"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP},
		{"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},   {"TTOU", SIGTTOU},   {"URG", SIGURG},
		{"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
		{"WINCH", SIGWINCH}, {"IO", SIGIO},     {"POLL", SIGPOLL},   {"PWR", SIGPWR},
		{"SYS", SIGSYS},
	};
	char *end;
	long n;

	if (!s || !*s)
		return -1;
	n = strtol(s, &end, 10);
	if (!*end)
		return n > 0 && n < 65 ? (int)n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcasecmp(s, sigs[i].name))
			return sigs[i].sig;
	if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
		int base = !strncasecmp(s, "RTMIN", 5) ? SIGRTMIN : SIGRTMAX;
		int off = s[5] ? atoi(s + 5) : 0;
		return base + off;
	}
	return -1;
}

/* ---- documents ---- */

static char **container_argv(struct container *c)
{
	char **argv = NULL, **ep = NULL, **cmd = NULL;
	json_strv(c->config, "Entrypoint", &ep, NULL);
	json_strv(c->config, "Cmd", &cmd, NULL);
	for (char **p = ep; p && *p; p++)
		argv = strv_push(argv, *p);
	for (char **p = cmd; p && *p; p++)
		argv = strv_push(argv, *p);
	strv_free(ep);
	strv_free(cmd);
	return argv;
}

static json_t *network_settings(struct container *c)
{
	json_t *ns = container_net_inspect_locked(c);
	json_t *nets = json_incref(json_object_get(ns, "Networks"));
	json_decref(ns);
	return nets;
}

static void human_duration(int64_t ns, char *out, size_t cap)
{
	int64_t s = ns / 1000000000LL;
	if (s < 1)
		snprintf(out, cap, "Less than a second");
	else if (s == 1)
		snprintf(out, cap, "1 second");
	else if (s < 60)
		snprintf(out, cap, "%lld seconds", (long long)s);
	else if (s / 60 == 1)
		snprintf(out, cap, "About a minute");
	else if (s < 3600)
		snprintf(out, cap, "%lld minutes", (long long)(s / 60));
	else if (s / 3600 == 1)
		snprintf(out, cap, "About an hour");
	else if (s < 48 * 3600)
		snprintf(out, cap, "%lld hours", (long long)(s / 3600));
	else if (s < 7 * 24 * 3600 * 2)
		snprintf(out, cap, "%lld days", (long long)(s / 86400));
	else if (s < 30 * 24 * 3600 * 3)
		snprintf(out, cap, "%lld weeks", (long long)(s / (7 * 86400)));
	else if (s < 365 * 24 * 3600 * 2)
		snprintf(out, cap, "%lld months", (long long)(s / (30 * 86400)));
	else
		snprintf(out, cap, "%lld years", (long long)(s / (365 * 86400)));
}

static void status_text(struct container *c, char *out, size_t cap)
{
	char d[64];
	int64_t now = now_ns();

	switch (c->status) {
	case CTR_RUNNING:
	case CTR_PAUSED:
		human_duration(now - c->started_ns, d, sizeof(d));
		if (c->status == CTR_PAUSED)
			snprintf(out, cap, "Up %s (Paused)", d);
		else if (c->health && !strcmp(json_str(c->health, "Status") ?: "", "starting"))
			snprintf(out, cap, "Up %s (health: starting)", d);
		else if (c->health)
			snprintf(out, cap, "Up %s (%s)", d, json_str(c->health, "Status") ?: "");
		else
			snprintf(out, cap, "Up %s", d);
		break;
	case CTR_RESTARTING:
		human_duration(now - c->finished_ns, d, sizeof(d));
		snprintf(out, cap, "Restarting (%d) %s ago", c->exit_code, d);
		break;
	case CTR_REMOVING:
		snprintf(out, cap, "Removal In Progress");
		break;
	case CTR_DEAD:
		snprintf(out, cap, "Dead");
		break;
	case CTR_CREATED:
		snprintf(out, cap, "Created");
		break;
	case CTR_EXITED:
		if (c->finished_ns <= 0) {
			snprintf(out, cap, "Created");
			break;
		}
		human_duration(now - c->finished_ns, d, sizeof(d));
		snprintf(out, cap, "Exited (%d) %s ago", c->exit_code, d);
		break;
	}
}

static json_t *state_json(struct container *c)
{
	char started[40], finished[40];
	json_t *st;
	format_time_ns(c->started_ns, started);
	format_time_ns(c->finished_ns, finished);
	st = json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}", "Status",
			 ctr_status_name(c->status), "Running",
			 c->status == CTR_RUNNING || c->status == CTR_PAUSED, "Paused",
			 c->status == CTR_PAUSED, "Restarting", c->status == CTR_RESTARTING,
			 "OOMKilled", c->oom_killed, "Dead", c->status == CTR_DEAD, "Pid",
			 c->status == CTR_RUNNING || c->status == CTR_PAUSED ? (int)c->pid : 0,
			 "ExitCode", c->exit_code, "Error", c->error ? c->error : "", "StartedAt",
			 started, "FinishedAt", finished);
	if (c->health)
		json_object_set_new(st, "Health", json_deep_copy(c->health));
	return st;
}

/* SizeRw: the container's own layer; SizeRootFs: everything it sees, image included. */
static void add_sizes(struct engine *eng, struct container *c, json_t *doc)
{
	int64_t rw = image_rootfs_size_rw(eng->images, c->id);
	struct image *img = image_get(eng->images, c->image_id, NULL);

	json_object_set_new(doc, "SizeRw", json_integer(rw));
	json_object_set_new(doc, "SizeRootFs", json_integer(rw + (img ? img->size : 0)));
	image_free(img);
}

json_t *engine_container_inspect(struct engine *eng, struct container *c, int size)
{
	_cleanup_free_ char *dir = container_dir(eng, c->id);
	_cleanup_free_ char *log = engine_container_log_path(eng, c);
	_cleanup_free_ char *hosts = path_join(dir, "hosts");
	_cleanup_free_ char *hostname = path_join(dir, "hostname");
	_cleanup_free_ char *resolv = path_join(dir, "resolv.conf");
	_cleanup_free_ char *ovl = NULL;
	char created[40], name[512];
	json_t *doc, *args = json_array();

	pthread_mutex_lock(&eng->lock);
	_cleanup_strv_ char **argv = container_argv(c);
	for (size_t i = 1; argv && argv[i]; i++)
		json_array_append_new(args, json_string(argv[i]));
	format_time_ns(c->created_ns, created);
	snprintf(name, sizeof(name), "/%s", c->name);
	if (asprintf(&ovl, "%s/overlay/%s", eng->cfg.data_root, c->id) < 0)
		abort();
	_cleanup_free_ char *upper = path_join(ovl, "diff");
	_cleanup_free_ char *work = path_join(ovl, "work");
	_cleanup_free_ char *merged = path_join(ovl, "merged");
	doc = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, "
			"s:s, s:s, s:s, s:n, s:O, s:{s:{s:s, s:s, s:s}, s:s}, s:o, s:O}",
			"Id", c->id, "Created", created, "Path", argv && argv[0] ? argv[0] : "",
			"Args", args, "State", state_json(c), "Image", c->image_id,
			"ResolvConfPath", resolv, "HostnamePath", hostname, "HostsPath", hosts,
			"LogPath", log, "Name", name, "RestartCount", c->restart_count, "Driver",
			image_store_driver(eng->images), "Platform", "linux", "MountLabel", "",
			"ProcessLabel", "", "AppArmorProfile", "", "ExecIDs", "HostConfig",
			c->host_config, "GraphDriver", "Data", "UpperDir", upper, "WorkDir", work,
			"MergedDir", merged, "Name", image_store_driver(eng->images), "Mounts",
			mounts_inspect(c), "Config", c->config);
	json_object_set_new(doc, "ExecIDs", exec_ids_locked(eng, c));
	json_t *ns = container_net_inspect_locked(c);
	json_object_set_new(doc, "NetworkSettings", ns);
	pthread_mutex_unlock(&eng->lock);
	if (size)
		add_sizes(eng, c, doc);
	return doc;
}

json_t *engine_container_summary(struct engine *eng, struct container *c, int size)
{
	char names[512], status[128];
	json_t *doc;
	const char *netmode;

	pthread_mutex_lock(&eng->lock);
	_cleanup_strv_ char **argv = container_argv(c);
	size_t len = 0;
	for (char **p = argv; p && *p; p++)
		len += strlen(*p) + 1;
	_cleanup_free_ char *cmd = calloc(1, len + 1);
	for (char **p = argv; p && *p; p++) {
		if (p != argv)
			strcat(cmd, " ");
		strcat(cmd, *p);
	}
	snprintf(names, sizeof(names), "/%s", c->name);
	status_text(c, status, sizeof(status));
	netmode = json_str(c->host_config, "NetworkMode");
	json_t *labels = json_object_get(c->config, "Labels");
	doc = json_pack("{s:s, s:[s], s:s, s:s, s:s, s:I, s:[], s:o, s:s, s:s, s:{s:s}, "
			"s:{s:o}, s:o}",
			"Id", c->id, "Names", names, "Image", json_str(c->config, "Image") ?: "",
			"ImageID", c->image_id, "Command", cmd, "Created",
			(json_int_t)(c->created_ns / 1000000000LL), "Ports", "Labels",
			json_is_object(labels) ? json_deep_copy(labels) : json_object(), "State",
			ctr_status_name(c->status), "Status", status, "HostConfig", "NetworkMode",
			netmode ? netmode : "default", "NetworkSettings", "Networks",
			network_settings(c), "Mounts", mounts_inspect(c));
	json_object_set_new(doc, "Ports", container_net_summary_ports_locked(c));
	pthread_mutex_unlock(&eng->lock);
	if (size)
		add_sizes(eng, c, doc);
	return doc;
}

/* moby's ReplaceOrAppendEnvValues: "K=V" replaces K or is appended; a bare "K" unsets K. */
static char **env_merge(char **env, char *const *over)
{
	for (; over && *over; over++) {
		const char *eq = strchr(*over, '=');
		size_t klen = eq ? (size_t)(eq - *over) : strlen(*over);
		size_t i, n = strv_len(env);
		for (i = 0; i < n; i++)
			if (!strncmp(env[i], *over, klen) && env[i][klen] == '=')
				break;
		if (i < n && eq) {
			free(env[i]);
			env[i] = strdup(*over);
		} else if (i < n) {
			free(env[i]);
			memmove(&env[i], &env[i + 1], (n - i) * sizeof(*env));
		} else if (eq) {
			env = strv_push(env, *over);
		}
	}
	return env;
}

char **container_process_env(struct container *c, int tty, char *const *extra)
{
	_cleanup_strv_ char **cenv = NULL;
	char **env = NULL, buf[512];

	env = strv_push(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	snprintf(buf, sizeof(buf), "HOSTNAME=%s", json_str(c->config, "Hostname") ?: "");
	env = strv_push(env, buf);
	if (tty)
		env = strv_push(env, "TERM=xterm");
	json_strv(c->config, "Env", &cenv, NULL);
	env = env_merge(env, cenv);
	return env_merge(env, extra);
}

char *engine_container_health(struct engine *eng, struct container *c, char out[16])
{
	pthread_mutex_lock(&eng->lock);
	/* moby's Health.Status(): a health object without a status yet counts as unhealthy */
	snprintf(out, 16, "%s", !c->health ? "none" : json_str(c->health, "Status") ?: "unhealthy");
	pthread_mutex_unlock(&eng->lock);
	return out;
}
