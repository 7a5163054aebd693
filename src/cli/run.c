#include "run.h"
#include "registry.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "format.h"
#include "opts.h"
#include "session.h"
#include "values.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

/* ---- container options (create and run) ---- */

struct run_opts {
	bool detach, rm, interactive, tty, read_only, init, privileged, sig_proxy;
	bool quiet;
	const char *detach_keys;
	const char *name, *workdir, *user, *entrypoint, *hostname, *network, *restart, *memory;
	const char *cpus, *stop_signal, *pull, *log_driver, *platform, *runtime, *memory_swap;
	const char *ipc, *pid, *shm_size;
	long long pids_limit, stop_timeout;
	bool pids_set, stop_timeout_set;
	char **env, **env_file, **label, **volume, **log_opt, **cap_add, **cap_drop, **add_host,
	    **dns, **publish, **tmpfs, **sysctl, **ulimit, **security_opt, **expose, **device,
	    **dns_search, **dns_option, **group_add;
};

#define RUN_OPTS(o)                                                                                \
	{"add-host", 0, OPT_LIST, &(o).add_host, "Add a custom host-to-IP mapping (host:ip)"},     \
	    {"cap-add", 0, OPT_LIST, &(o).cap_add, "Add Linux capabilities"},                      \
	    {"cap-drop", 0, OPT_LIST, &(o).cap_drop, "Drop Linux capabilities"},                   \
	    {"cpus", 0, OPT_STRING, &(o).cpus, "Number of CPUs"},                                  \
	    {"device", 0, OPT_LIST, &(o).device, "Add a host device to the container"},            \
	    {"dns", 0, OPT_LIST, &(o).dns, "Set custom DNS servers"},                              \
	    {"dns-option", 0, OPT_LIST, &(o).dns_option, "Set DNS options"},                       \
	    {"dns-search", 0, OPT_LIST, &(o).dns_search, "Set custom DNS search domains"},         \
	    {"entrypoint", 0, OPT_STRING, &(o).entrypoint,                                         \
	     "Overwrite the default ENTRYPOINT of the image"},                                     \
	    {"env", 'e', OPT_LIST, &(o).env, "Set environment variables"},                         \
	    {"env-file", 0, OPT_LIST, &(o).env_file, "Read in a file of environment variables"},   \
	    {"expose", 0, OPT_LIST, &(o).expose, "Expose a port or a range of ports"},             \
	    {"group-add", 0, OPT_LIST, &(o).group_add, "Add additional groups to join"},           \
	    {"hostname", 'h', OPT_STRING, &(o).hostname, "Container host name"},                   \
	    {"init", 0, OPT_BOOL, &(o).init, "Run an init inside the container that forwards signals and reaps processes"},    \
	    {"interactive", 'i', OPT_BOOL, &(o).interactive,                                       \
	     "Keep STDIN open even if not attached"},                                              \
	    {"ipc", 0, OPT_STRING, &(o).ipc, "IPC mode to use"},                                   \
	    {"label", 'l', OPT_LIST, &(o).label, "Set meta data on a container"},                  \
	    {"log-driver", 0, OPT_STRING, &(o).log_driver, "Logging driver for the container"},    \
	    {"log-opt", 0, OPT_LIST, &(o).log_opt, "Log driver options"},                          \
	    {"memory", 'm', OPT_STRING, &(o).memory, "Memory limit"},                              \
	    {"memory-swap", 0, OPT_STRING, &(o).memory_swap,                                       \
	     "Swap limit equal to memory plus swap"},                                              \
	    {"name", 0, OPT_STRING, &(o).name, "Assign a name to the container"},                  \
	    {"network", 0, OPT_STRING, &(o).network, "Connect a container to a network"},          \
	    {"net", 0, OPT_STRING, &(o).network, "Connect a container to a network"},              \
	    {"pid", 0, OPT_STRING, &(o).pid, "PID namespace to use"},                              \
	    {"pids-limit", 0, OPT_INT, &(o).pids_limit, "Tune container pids limit"},              \
	    {"platform", 0, OPT_STRING, &(o).platform,                                             \
	     "Set platform if server is multi-platform capable"},                                  \
	    {"privileged", 0, OPT_BOOL, &(o).privileged,                                           \
	     "Give extended privileges to this container"},                                        \
	    {"publish", 'p', OPT_LIST, &(o).publish, "Publish a container's port(s) to the host"}, \
	    {"pull", 0, OPT_STRING, &(o).pull,                                                     \
	     "Pull image before running (\"always\", \"missing\", \"never\")"},                    \
	    {"quiet", 'q', OPT_BOOL, &(o).quiet, "Suppress the pull output"},                      \
	    {"read-only", 0, OPT_BOOL, &(o).read_only,                                             \
	     "Mount the container's root filesystem as read only"},                                \
	    {"restart", 0, OPT_STRING, &(o).restart, "Restart policy to apply"},                   \
	    {"rm", 0, OPT_BOOL, &(o).rm, "Automatically remove the container when it exits"},      \
	    {"runtime", 0, OPT_STRING, &(o).runtime, "Runtime to use for this container"},         \
	    {"security-opt", 0, OPT_LIST, &(o).security_opt, "Security Options"},                  \
	    {"shm-size", 0, OPT_STRING, &(o).shm_size, "Size of /dev/shm"},                        \
	    {"stop-signal", 0, OPT_STRING, &(o).stop_signal, "Signal to stop the container"},      \
	    {"stop-timeout", 0, OPT_INT, &(o).stop_timeout,                                        \
	     "Timeout (in seconds) to stop a container"},                                          \
	    {"sysctl", 0, OPT_LIST, &(o).sysctl, "Sysctl options"},                                \
	    {"tmpfs", 0, OPT_LIST, &(o).tmpfs, "Mount a tmpfs directory"},                         \
	    {"tty", 't', OPT_BOOL, &(o).tty, "Allocate a pseudo-TTY"},                             \
	    {"ulimit", 0, OPT_LIST, &(o).ulimit, "Ulimit options"},                                \
	    {"user", 'u', OPT_STRING, &(o).user,                                                   \
	     "Username or UID (format: <name|uid>[:<group|gid>])"},                                \
	    {"volume", 'v', OPT_LIST, &(o).volume, "Bind mount a volume"},                         \
	{                                                                                          \
		"workdir", 'w', OPT_STRING, &(o).workdir, "Working directory inside the container" \
	}

static void run_opts_free(struct run_opts *o)
{
	strv_free(o->env);
	strv_free(o->env_file);
	strv_free(o->label);
	strv_free(o->volume);
	strv_free(o->log_opt);
	strv_free(o->cap_add);
	strv_free(o->cap_drop);
	strv_free(o->add_host);
	strv_free(o->dns);
	strv_free(o->publish);
	strv_free(o->tmpfs);
	strv_free(o->sysctl);
	strv_free(o->ulimit);
	strv_free(o->security_opt);
	strv_free(o->expose);
	strv_free(o->device);
	strv_free(o->dns_search);
	strv_free(o->dns_option);
	strv_free(o->group_add);
}

/* -p [ip:][hostPort:]containerPort[/proto] */
static int add_publish(json_t *cfg, json_t *hc, const char *spec)
{
	_cleanup_free_ char *s = strdup(spec);
	char *proto = strchr(s, '/'), *parts[3] = {0}, key[64];
	int n = 0;

	if (proto)
		*proto++ = 0;
	for (char *p = s, *tok; n < 3 && (tok = strsep(&p, ":"));)
		parts[n++] = tok;
	const char *cport = parts[n - 1], *hport = n >= 2 ? parts[n - 2] : "",
	           *hip = n == 3 ? parts[0] : "";
	if (!*cport) {
		fprintf(stderr, "invalid publish spec: %s\n", spec);
		return -1;
	}
	snprintf(key, sizeof(key), "%s/%s", cport, proto ? proto : "tcp");
	json_t *exposed = json_object_get(cfg, "ExposedPorts");
	json_object_set_new(exposed, key, json_object());
	json_t *pb = json_object_get(hc, "PortBindings");
	json_t *arr = json_object_get(pb, key);
	if (!arr)
		json_object_set_new(pb, key, arr = json_array());
	json_array_append_new(arr, json_pack("{s:s, s:s}", "HostIp", hip, "HostPort", hport));
	return 0;
}

static json_t *strv_json(char **v)
{
	return v ? json_strv_new(v) : json_null();
}

/* The create body from the flags, like the docker CLI's parse(); NULL after an error. */
static json_t *build_config(struct run_opts *o, const char *image, char **cmd)
{
	_cleanup_json_ json_t *cfg = json_object();
	json_t *hc = json_object(), *env = json_array();
	bool attach = !o->detach;

	json_object_set_new(cfg, "HostConfig", hc);
	if (cli_env(env, o->env_file, o->env) < 0) {
		json_decref(env);
		return NULL;
	}
	json_object_set_new(cfg, "Hostname", json_string(o->hostname ? o->hostname : ""));
	json_object_set_new(cfg, "Domainname", json_string(""));
	json_object_set_new(cfg, "User", json_string(o->user ? o->user : ""));
	json_object_set_new(cfg, "AttachStdin", json_boolean(attach && o->interactive));
	json_object_set_new(cfg, "AttachStdout", json_boolean(attach));
	json_object_set_new(cfg, "AttachStderr", json_boolean(attach));
	json_object_set_new(cfg, "ExposedPorts", json_object());
	json_object_set_new(cfg, "Tty", json_boolean(o->tty));
	json_object_set_new(cfg, "OpenStdin", json_boolean(o->interactive));
	json_object_set_new(cfg, "StdinOnce", json_boolean(attach && o->interactive));
	json_object_set_new(cfg, "Env", env);
	json_object_set_new(cfg, "Cmd", cmd && *cmd ? json_strv_new(cmd) : json_null());
	json_object_set_new(cfg, "Image", json_string(image));
	json_object_set_new(cfg, "Volumes", json_object());
	json_object_set_new(cfg, "WorkingDir", json_string(o->workdir ? o->workdir : ""));
	if (o->entrypoint)
		json_object_set_new(cfg, "Entrypoint", json_pack("[s]", o->entrypoint));
	else
		json_object_set_new(cfg, "Entrypoint", json_null());
	json_object_set_new(cfg, "Labels", cli_kv_object(o->label));
	if (o->stop_signal)
		json_object_set_new(cfg, "StopSignal", json_string(o->stop_signal));
	if (o->stop_timeout_set)
		json_object_set_new(cfg, "StopTimeout", json_integer(o->stop_timeout));

	json_t *binds = json_array();
	for (char **v = o->volume; v && *v; v++) {
		if (strchr(*v, ':'))
			json_array_append_new(binds, json_string(*v));
		else
			json_object_set_new(json_object_get(cfg, "Volumes"), *v, json_object());
	}
	json_object_set_new(hc, "Binds", binds);
	json_t *logcfg = cli_kv_object(o->log_opt);
	json_object_set_new(
	    hc, "LogConfig",
	    json_pack("{s:s, s:o}", "Type", o->log_driver ? o->log_driver : "", "Config", logcfg));
	json_object_set_new(hc, "NetworkMode", json_string(o->network ? o->network : "default"));
	json_object_set_new(hc, "PortBindings", json_object());
	for (char **p = o->publish; p && *p; p++)
		if (add_publish(cfg, hc, *p) < 0)
			return NULL;
	for (char **p = o->expose; p && *p; p++) {
		char key[64];
		snprintf(key, sizeof(key), "%s%s", *p, strchr(*p, '/') ? "" : "/tcp");
		json_object_set_new(json_object_get(cfg, "ExposedPorts"), key, json_object());
	}
	if (cli_restart_policy(o->restart ? o->restart : "no", hc) < 0)
		return NULL;
	json_object_set_new(hc, "AutoRemove", json_boolean(o->rm));
	json_object_set_new(hc, "CapAdd", strv_json(o->cap_add));
	json_object_set_new(hc, "CapDrop", strv_json(o->cap_drop));
	json_object_set_new(hc, "Dns", json_strv_new(o->dns));
	json_object_set_new(hc, "DnsOptions", json_strv_new(o->dns_option));
	json_object_set_new(hc, "DnsSearch", json_strv_new(o->dns_search));
	json_object_set_new(hc, "ExtraHosts", strv_json(o->add_host));
	json_object_set_new(hc, "GroupAdd", strv_json(o->group_add));
	json_object_set_new(hc, "ReadonlyRootfs", json_boolean(o->read_only));
	json_object_set_new(hc, "Privileged", json_boolean(o->privileged));
	if (o->init)
		json_object_set_new(hc, "Init", json_true());
	json_object_set_new(hc, "SecurityOpt", strv_json(o->security_opt));
	if (o->ipc)
		json_object_set_new(hc, "IpcMode", json_string(o->ipc));
	if (o->pid)
		json_object_set_new(hc, "PidMode", json_string(o->pid));
	if (o->runtime)
		json_object_set_new(hc, "Runtime", json_string(o->runtime));
	if (o->memory) {
		int64_t m;
		if (parse_size(o->memory, &m) < 0) {
			fprintf(stderr,
			        "invalid argument \"%s\" for \"-m, --memory\" flag: invalid size: "
			        "'%s'\n",
			        o->memory, o->memory);
			return NULL;
		}
		json_object_set_new(hc, "Memory", json_integer(m));
	}
	if (o->memory_swap) {
		int64_t m = -1;
		if (strcmp(o->memory_swap, "-1") && parse_size(o->memory_swap, &m) < 0) {
			fprintf(stderr, "invalid argument \"%s\" for \"--memory-swap\" flag\n",
			        o->memory_swap);
			return NULL;
		}
		json_object_set_new(hc, "MemorySwap", json_integer(m));
	}
	if (o->shm_size) {
		int64_t m;
		if (parse_size(o->shm_size, &m) < 0) {
			fprintf(stderr, "invalid argument \"%s\" for \"--shm-size\" flag\n",
			        o->shm_size);
			return NULL;
		}
		json_object_set_new(hc, "ShmSize", json_integer(m));
	}
	if (o->cpus) {
		char *end;
		double c = strtod(o->cpus, &end);
		if (*end || end == o->cpus || c < 0) {
			fprintf(stderr,
			        "invalid argument \"%s\" for \"--cpus\" flag: failed to parse %s "
			        "as a rational number\n",
			        o->cpus, o->cpus);
			return NULL;
		}
		json_object_set_new(hc, "NanoCpus", json_integer((long long)(c * 1e9 + 0.5)));
	}
	if (o->pids_set)
		json_object_set_new(hc, "PidsLimit", json_integer(o->pids_limit));
	if (o->tmpfs) {
		json_t *t = json_object();
		for (char **p = o->tmpfs; *p; p++) {
			char *colon = strchr(*p, ':');
			_cleanup_free_ char *k = colon ? strndup(*p, colon - *p) : strdup(*p);
			json_object_set_new(t, k, json_string(colon ? colon + 1 : ""));
		}
		json_object_set_new(hc, "Tmpfs", t);
	}
	if (o->sysctl)
		json_object_set_new(hc, "Sysctls", cli_kv_object(o->sysctl));
	if (o->ulimit) {
		json_t *u = json_array();
		for (char **p = o->ulimit; *p; p++) {
			char *eq = strchr(*p, '=');
			if (!eq) {
				fprintf(stderr, "invalid ulimit argument: %s\n", *p);
				json_decref(u);
				return NULL;
			}
			_cleanup_free_ char *k = strndup(*p, eq - *p);
			long long soft = atoll(eq + 1), hard = soft;
			char *colon = strchr(eq + 1, ':');
			if (colon)
				hard = atoll(colon + 1);
			json_array_append_new(
			    u, json_pack("{s:s, s:I, s:I}", "Name", k, "Soft", soft, "Hard", hard));
		}
		json_object_set_new(hc, "Ulimits", u);
	}
	if (o->device) {
		json_t *d = json_array();
		for (char **p = o->device; *p; p++) {
			_cleanup_strv_ char **parts = NULL;
			_cleanup_free_ char *s = strdup(*p);
			char *sp = s, *tok;
			while ((tok = strsep(&sp, ":")))
				parts = strv_push(parts, tok);
			size_t n = strv_len(parts);
			json_array_append_new(
			    d, json_pack("{s:s, s:s, s:s}", "PathOnHost", parts[0],
			                 "PathInContainer", n > 1 ? parts[1] : parts[0],
			                 "CgroupPermissions", n > 2 ? parts[2] : "rwm"));
		}
		json_object_set_new(hc, "Devices", d);
	}
	json_object_set_new(cfg, "NetworkingConfig", json_pack("{s:{}}", "EndpointsConfig"));
	return TAKE_PTR(cfg);
}

/* ---- image pull ---- */

struct jsonmessage_out {
	int quiet;
	FILE *out;
};

static int print_jsonmessage(json_t *m, void *arg)
{
	const struct jsonmessage_out *o = arg;
	const char *e = json_str(m, "error");
	json_t *ed = json_object_get(m, "errorDetail");

	if (!e && ed)
		e = json_str(ed, "message");
	if (e) {
		fprintf(stderr, "%s\n", e);
		return -1;
	}
	if (json_str(m, "stream")) {
		if (!o->quiet)
			fputs(json_str(m, "stream"), o->out);
	} else if (json_object_get(m, "progress")) {
		/* no progress bars here: docker's non-terminal output */
	} else if (json_str(m, "status") && !o->quiet) {
		if (json_str(m, "id"))
			fprintf(o->out, "%s: %s\n", json_str(m, "id"), json_str(m, "status"));
		else
			fprintf(o->out, "%s\n", json_str(m, "status"));
	}
	fflush(o->out);
	return 0;
}

static int print_jsonmessages(struct client_resp *r, int quiet, FILE *out)
{
	struct jsonmessage_out o = {quiet, out};
	return client_each_json(r, print_jsonmessage, &o);
}

int run_print_jsonmessages(struct client_resp *r, int quiet)
{
	return print_jsonmessages(r, quiet, stdout);
}

/* Pulls `ref`; the daemon's refusal is returned in *ret_msg (caller frees) for the caller
 * to word, a failure inside the progress stream is printed here. */
static int pull_image(const char *ref, const char *platform, int all_tags, int quiet, FILE *out,
                      char **ret_msg)
{
	const char *slash = strrchr(ref, '/'), *at = strchr(ref, '@');
	const char *colon = strrchr(slash ? slash : ref, ':');
	_cleanup_free_ char *name = NULL, *tag = NULL, *path = NULL, *en = NULL, *et = NULL;
	struct client_resp r;
	int ret;

	if (at) {
		name = strdup(ref);
		tag = strdup("");
	} else if (colon) {
		name = strndup(ref, colon - ref);
		tag = strdup(colon + 1);
	} else {
		name = strdup(ref);
		tag = strdup("latest");
	}
	en = client_escape(name);
	et = client_escape(tag);
	if (all_tags) {
		free(et);
		et = NULL;
	}
	_cleanup_free_ char *ep = platform && *platform ? client_escape(platform) : NULL;
	if (asprintf(&path, "/images/create?fromImage=%s%s%s%s%s", en, et ? "&tag=" : "",
	             et ? et : "", ep ? "&platform=" : "", ep ? ep : "") < 0)
		return -1;
	cli_registry_auth_for(ref);
	if (client_request("POST", path, NULL, NULL, 0, &r) < 0) {
		client_set_registry_auth(NULL);
		client_resp_close(&r);
		return -1;
	}
	if (r.status >= 400) {
		client_set_registry_auth(NULL);
		*ret_msg = client_error_message(&r);
		client_resp_close(&r);
		return -1;
	}
	client_set_registry_auth(NULL);
	ret = print_jsonmessages(&r, quiet, out);
	client_resp_close(&r);
	return ret;
}

int run_pull_image(const char *ref, const char *platform, int all_tags, int quiet)
{
	_cleanup_free_ char *msg = NULL;

	if (pull_image(ref, platform, all_tags, quiet, stdout, &msg) < 0) {
		if (msg)
			fmt_daemon_error(msg);
		return -1;
	}
	return 0;
}

/* ---- create ---- */

static int is_no_such_image(const char *msg)
{
	return msg && (strstr(msg, "No such image") || strstr(msg, "not found"));
}

/* "busybox" -> "busybox:latest", as the docker CLI names the image it looks for. */
static char *normalized_ref(const char *ref)
{
	const char *slash = strrchr(ref, '/');
	char *out = NULL;

	if (strchr(ref, '@') || strchr(slash ? slash : ref, ':'))
		return strdup(ref);
	if (asprintf(&out, "%s:latest", ref) < 0)
		return NULL;
	return out;
}

/* Returns the new container's ID (caller frees) or NULL with *ret_msg the daemon's error
 * (caller frees), or NULL with *ret_msg NULL after a local error already printed. */
static char *create_container(struct run_opts *o, json_t *cfg, const char *image, char **ret_msg)
{
	_cleanup_free_ char *path = NULL, *en = NULL;
	const char *pull = o->pull ? o->pull : "missing";
	json_t *resp;
	int status;

	*ret_msg = NULL;
	if (strcmp(pull, "missing") && strcmp(pull, "always") && strcmp(pull, "never")) {
		*ret_msg = strdup(
		    "invalid pull option: must be one of \"always\", \"missing\" or \"never\"");
		return NULL;
	}
	if (o->name)
		en = client_escape(o->name);
	if (asprintf(&path, "/containers/create%s%s", en ? "?name=" : "", en ? en : "") < 0)
		return NULL;
	if (!strcmp(pull, "always") &&
	    pull_image(image, o->platform, 0, o->quiet, stderr, ret_msg) < 0)
		return NULL;
	resp = client_json("POST", path, cfg, &status, ret_msg);
	if (!resp && status == 404 && !strcmp(pull, "missing") && is_no_such_image(*ret_msg)) {
		_cleanup_free_ char *full = normalized_ref(image);
		fprintf(stderr, "Unable to find image '%s' locally\n", full);
		free(*ret_msg);
		*ret_msg = NULL;
		if (pull_image(image, o->platform, 0, o->quiet, stderr, ret_msg) < 0)
			return NULL;
		free(*ret_msg);
		resp = client_json("POST", path, cfg, &status, ret_msg);
	}
	if (!resp)
		return NULL;
	json_t *w = json_object_get(resp, "Warnings");
	size_t i;
	json_t *e;
	json_array_foreach(w, i, e) fprintf(stderr, "WARNING: %s\n", json_string_value(e));
	char *id = json_str(resp, "Id") ? strdup(json_str(resp, "Id")) : NULL;
	json_decref(resp);
	if (!id)
		*ret_msg = strdup("malformed create response");
	return id;
}

/* docker's toStatusError: the exit code tells a missing command from a bad one. */
static int run_status_error(const char *msg, bool from_daemon)
{
	int code = 125;

	if (strstr(msg, "executable file not found") || strstr(msg, "no such file or directory"))
		code = 127;
	else if (strstr(msg, "permission denied") || strstr(msg, "is a directory"))
		code = 126;
	fprintf(stderr, "berth: %s%s\n\nRun 'berth run --help' for more information\n",
	        from_daemon ? "Error response from daemon: " : "", msg);
	return code;
}

static int validate_opts(const struct cli_cmd_ctx *ctx, struct run_opts *o)
{
	if (o->rm && o->restart && strcmp(o->restart, "no")) {
		fprintf(stderr,
		        "berth: Conflicting options: --restart and --rm\n\nRun 'berth %s --help' "
		        "for more information\n",
		        ctx->name);
		return 125;
	}
	return 0;
}

static const struct cli_cmd_ctx create_ctx = {"create",
                                              "create [OPTIONS] IMAGE [COMMAND] [ARG...]"};

int cmd_create(int argc, char **argv)
{
	struct run_opts o = {0};
	o.pids_limit = 0;
	const struct cli_opt opts[] = {RUN_OPTS(o), {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_json_ json_t *cfg = NULL;
	_cleanup_free_ char *id = NULL, *msg = NULL;
	int r;

	o.detach = true; /* create attaches nothing */
	r = cli_parse(&create_ctx, argc, argv, opts, true, &args);
	if (r) {
		run_opts_free(&o);
		return r - 1;
	}
	o.pids_set = o.pids_limit != 0;
	o.stop_timeout_set = o.stop_timeout != 0;
	if ((r = cli_check_args(&create_ctx, args, 1, -1)) || (r = validate_opts(&create_ctx, &o)))
		goto out;
	o.detach = false; /* docker create still sets the Attach* fields */
	if (!(cfg = build_config(&o, args[0], args + 1))) {
		r = 125;
		goto out;
	}
	id = create_container(&o, cfg, args[0], &msg);
	if (!id) {
		if (msg)
			fmt_daemon_error(msg);
		r = 1;
		goto out;
	}
	printf("%s\n", id);
	r = 0;
out:
	run_opts_free(&o);
	return r;
}

/* ---- the attached session ---- */

/* Hijacks the container's attach stream into s->conn; prints the error and returns -1. */
static int open_attach(struct session *s, const char *id, bool sig_proxy, const char *keys)
{
	_cleanup_free_ char *path = NULL, *ek = client_escape(keys ? keys : "");

	snprintf(s->resize_path, sizeof(s->resize_path), "/containers/%s/resize", id);
	s->signal_id = sig_proxy ? id : NULL;
	if (asprintf(&path, "/containers/%s/attach?stream=1&stdin=%d&stdout=1&stderr=1%s%s", id,
	             s->in, keys ? "&detachKeys=" : "", keys ? ek : "") < 0)
		return -1;
	if (client_hijack("POST", path, NULL, NULL, 0, &s->conn) < 0)
		return -1;
	if (s->conn.status >= 400) {
		_cleanup_free_ char *msg = client_error_message(&s->conn);
		fmt_daemon_error(msg);
		return -1;
	}
	if (session_set_detach_keys(s, keys) < 0) { /* berthd checked them already */
		fprintf(stderr, "Invalid detach keys (%s) provided\n", keys);
		return -1;
	}
	return 0;
}

/* POST /containers/{id}/wait?condition=...: the response head arrives at once; the body
 * (the exit status) when the condition is met. */
static int open_wait(const char *id, const char *cond, struct client_resp *r)
{
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "/containers/%s/wait?condition=%s", id, cond) < 0)
		return -1;
	if (client_request("POST", path, NULL, NULL, 0, r) < 0)
		return -1;
	if (r->status >= 400) {
		_cleanup_free_ char *msg = client_error_message(r);
		fmt_daemon_error(msg);
		return -1;
	}
	return 0;
}

/* Exit status from a wait response; 125 with the error printed when it failed. */
static int finish_wait(struct client_resp *r)
{
	_cleanup_free_ char *body = client_read_all(r, NULL);
	_cleanup_json_ json_t *j = json_loads(body, 0, NULL);
	json_t *e;

	if (!j) {
		fprintf(stderr, "berth: error waiting for the container: unexpected response\n");
		return 125;
	}
	e = json_object_get(j, "Error");
	if (e && json_str(e, "Message") && *json_str(e, "Message")) {
		fprintf(stderr, "berth: Error response from daemon: %s\n", json_str(e, "Message"));
		return 125;
	}
	return (int)json_int(j, "StatusCode", 125);
}

static int start_container(const char *id, char **ret_msg)
{
	_cleanup_free_ char *path = NULL;
	struct client_resp r;
	int ret = 0;

	*ret_msg = NULL;
	if (asprintf(&path, "/containers/%s/start", id) < 0)
		return -1;
	if (client_request("POST", path, NULL, NULL, 0, &r) < 0) {
		client_resp_close(&r);
		return -1;
	}
	if (r.status >= 400) {
		*ret_msg = client_error_message(&r);
		ret = -1;
	} else
		free(client_read_all(&r, NULL));
	client_resp_close(&r);
	return ret;
}

static const struct cli_cmd_ctx run_ctx = {"run", "run [OPTIONS] IMAGE [COMMAND] [ARG...]"};

static int do_run(struct run_opts *o, char **args)
{
	_cleanup_json_ json_t *cfg = NULL;
	_cleanup_free_ char *id = NULL, *msg = NULL;
	struct session s = {0};
	struct client_resp w = {.fd = -1};
	int r, detached;

	if (o->tty && o->interactive && !o->detach && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "the input device is not a TTY\n");
		return 1;
	}
	if (!(cfg = build_config(o, args[0], args + 1)))
		return 125;
	id = create_container(o, cfg, args[0], &msg);
	if (!id)
		return msg ? run_status_error(msg, true) : 125;
	s.conn.fd = -1;
	s.tty = o->tty;
	s.in = o->interactive;
	if (!o->detach) {
		if (open_attach(&s, id, o->sig_proxy, o->detach_keys) < 0) {
			client_resp_close(&s.conn);
			return 125;
		}
		if (open_wait(id, o->rm ? "removed" : "next-exit", &w) < 0) {
			client_resp_close(&s.conn);
			client_resp_close(&w);
			return 125;
		}
	}
	if (start_container(id, &msg) < 0) {
		client_resp_close(&s.conn);
		if (w.fd >= 0 && o->rm)
			free(client_read_all(&w, NULL)); /* wait until it is removed */
		client_resp_close(&w);
		return msg ? run_status_error(msg, true) : 125;
	}
	if (o->detach) {
		printf("%s\n", id);
		return 0;
	}
	detached = session_run(&s);
	if (detached) {
		client_resp_close(&w);
		return 0;
	}
	r = finish_wait(&w);
	client_resp_close(&w);
	return r;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {0};
	bool sig_proxy = true;
	const struct cli_opt opts[] = {
	    {"detach", 'd', OPT_BOOL, &o.detach,
	     "Run container in background and print container ID"},
	    {"sig-proxy", 0, OPT_BOOL, &sig_proxy, "Proxy received signals to the process"},
	    {"detach-keys", 0, OPT_STRING, &o.detach_keys,
	     "Override the key sequence for detaching a container"},
	    RUN_OPTS(o),
	    {0}};
	_cleanup_strv_ char **args = NULL;
	int r;

	r = cli_parse(&run_ctx, argc, argv, opts, true, &args);
	if (r) {
		run_opts_free(&o);
		return r - 1;
	}
	o.sig_proxy = sig_proxy;
	o.pids_set = o.pids_limit != 0;
	o.stop_timeout_set = o.stop_timeout != 0;
	if (!(r = cli_check_args(&run_ctx, args, 1, -1)) && !(r = validate_opts(&run_ctx, &o)))
		r = do_run(&o, args);
	run_opts_free(&o);
	fflush(stdout);
	return r;
}

/* ---- start / attach ---- */

static json_t *inspect_container(const char *name)
{
	_cleanup_free_ char *path = NULL, *msg = NULL, *en = client_escape(name);
	json_t *j;
	int status;

	if (asprintf(&path, "/containers/%s/json", en) < 0)
		return NULL;
	j = client_json("GET", path, NULL, &status, &msg);
	if (!j && msg)
		fmt_daemon_error(msg);
	return j;
}

/* Attaches to `name`, optionally starts it, pumps stdio and returns its exit code. */
static int attach_session(const char *name, bool with_stdin, bool do_start, bool sig_proxy,
                          const char *keys)
{
	_cleanup_json_ json_t *c = inspect_container(name);
	_cleanup_free_ char *msg = NULL, *id = NULL;
	struct session s = {0};
	struct client_resp w = {.fd = -1};
	int r, detached;

	if (!c)
		return 1;
	id = strdup(json_str(c, "Id") ? json_str(c, "Id") : name);
	json_t *cfg = json_object_get(c, "Config");
	s.tty = json_bool(cfg, "Tty", 0);
	s.in = with_stdin && json_bool(cfg, "OpenStdin", 0);
	if (!do_start && !json_bool(json_object_get(c, "State"), "Running", 0)) {
		fprintf(stderr, "You cannot attach to a stopped container, start it first\n");
		return 1;
	}
	if (s.tty && s.in && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "the input device is not a TTY\n");
		return 1;
	}
	if (open_attach(&s, id, sig_proxy, keys) < 0) {
		client_resp_close(&s.conn);
		return 1;
	}
	if (do_start) {
		bool autorm = json_bool(json_object_get(c, "HostConfig"), "AutoRemove", 0);
		if (open_wait(id, autorm ? "removed" : "next-exit", &w) < 0) {
			client_resp_close(&s.conn);
			return 1;
		}
		if (start_container(id, &msg) < 0) {
			client_resp_close(&s.conn);
			client_resp_close(&w);
			if (msg)
				fmt_daemon_error(msg);
			return 1;
		}
	}
	detached = session_run(&s);
	if (detached) {
		client_resp_close(&w);
		return 0;
	}
	if (w.fd < 0 && open_wait(id, "not-running", &w) < 0) {
		client_resp_close(&w);
		return 1;
	}
	r = finish_wait(&w);
	client_resp_close(&w);
	return r;
}

static const struct cli_cmd_ctx start_ctx = {"start", "start [OPTIONS] CONTAINER [CONTAINER...]"};

int cmd_start(int argc, char **argv)
{
	bool attach = false, interactive = false;
	const char *detach_keys = NULL;
	const struct cli_opt opts[] = {
	    {"attach", 'a', OPT_BOOL, &attach, "Attach STDOUT/STDERR and forward signals"},
	    {"detach-keys", 0, OPT_STRING, &detach_keys,
	     "Override the key sequence for detaching a container"},
	    {"interactive", 'i', OPT_BOOL, &interactive, "Attach container's STDIN"},
	    {0}};
	_cleanup_strv_ char **args = NULL, **failed = NULL;
	int r;

	CLI_PARSE(&start_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&start_ctx, args, 1, -1)))
		return r;
	if (attach || interactive) {
		if (strv_len(args) > 1) {
			fprintf(stderr,
			        "you cannot start and attach multiple containers at once\n");
			return 1;
		}
		return attach_session(args[0], interactive, true, true, detach_keys);
	}
	for (char **a = args; *a; a++) {
		_cleanup_free_ char *msg = NULL, *en = client_escape(*a);
		if (start_container(en, &msg) < 0) {
			if (msg)
				fmt_daemon_error(msg);
			failed = strv_push(failed, *a);
			continue;
		}
		printf("%s\n", *a);
	}
	if (!failed)
		return 0;
	fprintf(stderr, "Error: failed to start containers: ");
	for (char **a = failed; *a; a++)
		fprintf(stderr, "%s%s", *a, a[1] ? ", " : "\n");
	return 1;
}

static const struct cli_cmd_ctx attach_ctx = {"attach", "attach [OPTIONS] CONTAINER"};

int cmd_attach(int argc, char **argv)
{
	bool no_stdin = false, sig_proxy = true;
	const char *detach_keys = NULL;
	const struct cli_opt opts[] = {
	    {"no-stdin", 0, OPT_BOOL, &no_stdin, "Do not attach STDIN"},
	    {"sig-proxy", 0, OPT_BOOL, &sig_proxy, "Proxy all received signals to the process"},
	    {"detach-keys", 0, OPT_STRING, &detach_keys, "Override the key sequence for detaching"},
	    {0}};
	_cleanup_strv_ char **args = NULL;
	int r;

	CLI_PARSE(&attach_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&attach_ctx, args, 1, 1)))
		return r;
	return attach_session(args[0], !no_stdin, false, sig_proxy, detach_keys);
}
