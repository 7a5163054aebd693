/* POST /containers/create: validate the request, merge it with the image's config, and
 * make the container's directories and root filesystem. */
#include "engine-internal.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../common/strv.h"
#include "../image/reference.h"
#include "../image/store.h"
#include "events.h"
#include "mounts.h"
#include "resources.h"
#include "security.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* Fields of Config and HostConfig whose JSON type we check, as Go's decoder would. */
struct field_type {
	const char *name;
	json_type type; /* JSON_STRING, JSON_TRUE (any boolean), JSON_INTEGER, JSON_ARRAY, ... */
};

static const struct field_type config_fields[] = {
	{"Hostname", JSON_STRING},     {"Domainname", JSON_STRING}, {"User", JSON_STRING},
	{"AttachStdin", JSON_TRUE},    {"AttachStdout", JSON_TRUE}, {"AttachStderr", JSON_TRUE},
	{"Tty", JSON_TRUE},            {"OpenStdin", JSON_TRUE},    {"StdinOnce", JSON_TRUE},
	{"Env", JSON_ARRAY},           {"Cmd", JSON_ARRAY},         {"Image", JSON_STRING},
	{"WorkingDir", JSON_STRING},   {"Entrypoint", JSON_ARRAY},  {"Labels", JSON_OBJECT},
	{"StopSignal", JSON_STRING},   {"StopTimeout", JSON_INTEGER},
	{"ExposedPorts", JSON_OBJECT}, {"Volumes", JSON_OBJECT},
};

static const struct field_type host_fields[] = {
	{"Binds", JSON_ARRAY},       {"NetworkMode", JSON_STRING}, {"AutoRemove", JSON_TRUE},
	{"LogConfig", JSON_OBJECT},  {"Runtime", JSON_STRING},     {"Privileged", JSON_TRUE},
	{"SecurityOpt", JSON_ARRAY}, {"ShmSize", JSON_INTEGER},    {"Memory", JSON_INTEGER},
	{"MemorySwap", JSON_INTEGER}, {"CpuShares", JSON_INTEGER}, {"NanoCpus", JSON_INTEGER},
	{"CpuQuota", JSON_INTEGER},  {"CpuPeriod", JSON_INTEGER},  {"PidsLimit", JSON_INTEGER},
	{"CapAdd", JSON_ARRAY},      {"CapDrop", JSON_ARRAY},      {"Ulimits", JSON_ARRAY},
	{"Sysctls", JSON_OBJECT},    {"GroupAdd", JSON_ARRAY},     {"ReadonlyRootfs", JSON_TRUE},
	{"OomKillDisable", JSON_TRUE}, {"CpusetCpus", JSON_STRING},
};

static const char *type_name(json_type t)
{
	switch (t) {
	case JSON_STRING:
		return "string";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_ARRAY:
		return "array";
	case JSON_OBJECT:
		return "object";
	default:
		return "null";
	}
}

static int check_types(json_t *obj, const char *where, const struct field_type *f, size_t n,
		       eng_error_t *err)
{
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(obj, f[i].name);
		json_type t;
		int ok;
		if (!v || json_is_null(v))
			continue;
		t = json_typeof(v);
		switch (f[i].type) {
		case JSON_TRUE:
			ok = json_is_boolean(v);
			break;
		case JSON_INTEGER:
			ok = json_is_integer(v);
			break;
		case JSON_ARRAY: /* Cmd and Entrypoint also take a single string */
			ok = t == JSON_ARRAY || t == JSON_STRING;
			break;
		default:
			ok = t == f[i].type;
		}
		if (!ok)
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "json: cannot unmarshal %s into Go struct field "
					      "%s.%s of type %s",
					      type_name(t), where, f[i].name, type_name(f[i].type));
	}
	return 0;
}

static size_t env_key_len(const char *s)
{
	return strcspn(s, "=");
}

/* moby's merge(): the user's entries, then the image's whose key the user did not give
 * ("K" without a value counts: it unsets K when the process starts). */
static json_t *merge_env(json_t *image_env, json_t *user_env)
{
	json_t *out = json_array(), *v, *u;
	size_t i, j;

	json_array_foreach(user_env, i, v) if (json_is_string(v)) json_array_append(out, v);
	json_array_foreach(image_env, i, v)
	{
		const char *s = json_string_value(v);
		int found = 0;
		if (!s)
			continue;
		json_array_foreach(user_env, j, u)
		{
			const char *us = json_string_value(u);
			if (us && env_key_len(us) == env_key_len(s) && !strncmp(us, s, env_key_len(s))) {
				found = 1;
				break;
			}
		}
		if (!found)
			json_array_append(out, v);
	}
	return out;
}

static int is_empty(json_t *v)
{
	return !v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_string(v) && !*json_string_value(v));
}

/* dockerd's bounds: a duration given is at least 1ms, retries not negative. */
static int check_healthcheck(const json_t *hc, eng_error_t *err)
{
	static const char *const durations[] = {"Interval", "Timeout", "StartPeriod",
						"StartInterval"};
	for (size_t i = 0; i < 4; i++) {
		long long v = json_int(hc, durations[i], 0);
		if (v != 0 && v < 1000000)
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "%s in Healthcheck cannot be less than 1ms",
					      durations[i]);
	}
	if (json_int(hc, "Retries", 0) < 0)
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "Retries in Healthcheck cannot be negative");
	return 0;
}

/* moby's merge: the user's Healthcheck, its unset fields from the image's. */
static void merge_healthcheck(json_t *cfg, const json_t *image_hc)
{
	json_t *hc = json_object_get(cfg, "Healthcheck");
	const char *key;
	json_t *v;

	if (!json_is_object(image_hc) || !json_is_object(hc))
		return;
	json_object_foreach((json_t *)image_hc, key, v)
	{
		json_t *mine = json_object_get(hc, key);
		if (!mine || json_is_null(mine) || (json_is_integer(mine) && !json_integer_value(mine)) ||
		    (json_is_array(mine) && !json_array_size(mine)))
			json_object_set(hc, key, v);
	}
}

/* Config as docker shows it: the request's Config filled in from the image's. */
static json_t *merge_config(json_t *req, const json_t *image_cfg)
{
	json_t *cfg = json_deep_copy(req), *ic = json_object_get(image_cfg, "config");
	static const char *copy_if_empty[] = {"User", "WorkingDir", "StopSignal", "Healthcheck",
					      "OnBuild", "Shell"};

	if (!json_is_object(ic))
		ic = NULL;
	/* a command given without an entrypoint keeps the image's entrypoint; an entrypoint
	 * given resets the image's command */
	if (is_empty(json_object_get(cfg, "Entrypoint"))) {
		if (ic && json_object_get(ic, "Entrypoint"))
			json_object_set(cfg, "Entrypoint", json_object_get(ic, "Entrypoint"));
		if (is_empty(json_object_get(cfg, "Cmd")) && ic && json_object_get(ic, "Cmd"))
			json_object_set(cfg, "Cmd", json_object_get(ic, "Cmd"));
	}
	/* a bare string Entrypoint/Cmd becomes a one-element list */
	static const char *lists[] = {"Entrypoint", "Cmd"};
	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_object_get(cfg, lists[i]);
		if (json_is_string(v))
			json_object_set_new(cfg, lists[i], json_pack("[s]", json_string_value(v)));
	}
	json_object_set_new(cfg, "Env", merge_env(ic ? json_object_get(ic, "Env") : NULL,
						  json_object_get(cfg, "Env")));
	for (size_t i = 0; ic && i < sizeof(copy_if_empty) / sizeof(*copy_if_empty); i++)
		if (is_empty(json_object_get(cfg, copy_if_empty[i])) &&
		    json_object_get(ic, copy_if_empty[i]))
			json_object_set(cfg, copy_if_empty[i], json_object_get(ic, copy_if_empty[i]));
	merge_healthcheck(cfg, ic ? json_object_get(ic, "Healthcheck") : NULL);
	static const char *maps[] = {"Labels", "ExposedPorts", "Volumes"};
	for (size_t i = 0; i < 3; i++) {
		json_t *m = json_object(), *im = ic ? json_object_get(ic, maps[i]) : NULL;
		if (json_is_object(im))
			json_object_update(m, im);
		if (json_is_object(json_object_get(cfg, maps[i])))
			json_object_update(m, json_object_get(cfg, maps[i]));
		if (json_object_size(m) || !strcmp(maps[i], "Labels"))
			json_object_set_new(cfg, maps[i], m);
		else
			json_decref(m);
	}
	/* the fields docker always shows */
	static const char *strs[] = {"Hostname", "Domainname", "User", "WorkingDir"};
	for (size_t i = 0; i < 4; i++)
		if (!json_is_string(json_object_get(cfg, strs[i])))
			json_object_set_new(cfg, strs[i], json_string(""));
	static const char *bools[] = {"AttachStdin", "AttachStdout", "AttachStderr",
				      "Tty", "OpenStdin", "StdinOnce"};
	for (size_t i = 0; i < 6; i++)
		if (!json_is_boolean(json_object_get(cfg, bools[i])))
			json_object_set_new(cfg, bools[i], json_false());
	if (!json_object_get(cfg, "Cmd"))
		json_object_set_new(cfg, "Cmd", json_null());
	if (!json_object_get(cfg, "Entrypoint"))
		json_object_set_new(cfg, "Entrypoint", json_null());
	if (!json_object_get(cfg, "OnBuild"))
		json_object_set_new(cfg, "OnBuild", json_null());
	return cfg;
}

static int normalize_host_config(struct engine *eng, json_t *hc, eng_error_t *err)
{
	const char *mode = json_str(hc, "NetworkMode");
	json_t *lc = json_object_get(hc, "LogConfig");
	const char *runtime = json_str(hc, "Runtime");

	if (!mode || !*mode || !strcmp(mode, "default"))
		json_object_set_new(hc, "NetworkMode", json_string("bridge"));

	if (!json_is_object(lc) || !json_str(lc, "Type") || !*json_str(lc, "Type")) {
		json_t *opts = json_is_object(lc) && json_is_object(json_object_get(lc, "Config"))
				       ? json_deep_copy(json_object_get(lc, "Config"))
				       : json_object();
		if (!json_object_size(opts) && eng->cfg.log_opts)
			json_object_update(opts, eng->cfg.log_opts);
		json_object_set_new(hc, "LogConfig",
				    json_pack("{s:s, s:o}", "Type", eng->cfg.log_driver, "Config",
					      opts));
		lc = json_object_get(hc, "LogConfig");
	}
	const char *type = json_str(lc, "Type");
	if (strcmp(type, "json-file") && strcmp(type, "none"))
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "failed to create logger: logger: no log driver named '%s' "
				      "is registered",
				      type);
	if (!json_is_object(json_object_get(lc, "Config")))
		json_object_set_new(lc, "Config", json_object());
	const char *ms = json_str(json_object_get(lc, "Config"), "max-size");
	const char *mf = json_str(json_object_get(lc, "Config"), "max-file");
	int64_t sz;
	if (ms && parse_size(ms, &sz) < 0)
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "failed to create logger: invalid max-size: %s", ms);
	if (mf && atoi(mf) < 1)
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "failed to create logger: max-file cannot be less than 1");
	if (runtime && *runtime && strcmp(runtime, "runc") && strcmp(runtime, "crun") &&
	    !json_object_get(eng->cfg.runtimes, runtime))
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "unknown or invalid runtime name: %s", runtime);
	if (!runtime || !*runtime)
		json_object_set_new(hc, "Runtime", json_string(eng->cfg.default_runtime));
	if (host_config_check_resources(hc, 0, err) < 0 || security_check(hc, err) < 0)
		return -1;
	security_defaults(hc);
	/* dockerd's default, visible in inspect: as much swap as memory */
	if (json_int(hc, "Memory", 0) > 0 && json_int(hc, "MemorySwap", 0) == 0)
		json_object_set_new(hc, "MemorySwap", json_integer(2 * json_int(hc, "Memory", 0)));
	static const char *arrays[] = {"Binds", "SecurityOpt"};
	for (size_t i = 0; i < 2; i++)
		if (!json_object_get(hc, arrays[i]))
			json_object_set_new(hc, arrays[i], json_null());
	if (!json_is_boolean(json_object_get(hc, "AutoRemove")))
		json_object_set_new(hc, "AutoRemove", json_false());
	json_t *rp = json_object_get(hc, "RestartPolicy");
	if (!json_is_object(rp)) {
		rp = json_object();
		json_object_set_new(hc, "RestartPolicy", rp);
	}
	const char *pol = json_str(rp, "Name");
	if (!pol || !*pol)
		json_object_set_new(rp, "Name", json_string(pol = "no"));
	if (strcmp(pol, "no") && strcmp(pol, "always") && strcmp(pol, "unless-stopped") &&
	    strcmp(pol, "on-failure"))
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid restart policy: unknown "
				      "policy '%s'; use one of 'no', 'always', 'on-failure', or "
				      "'unless-stopped'", pol);
	long long retries = json_int(rp, "MaximumRetryCount", 0);
	if (retries < 0)
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid restart policy: maximum "
				      "retry count cannot be negative");
	if (retries && strcmp(pol, "on-failure"))
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid restart policy: maximum "
				      "retry count can only be used with 'on-failure'");
	json_object_set_new(rp, "MaximumRetryCount", json_integer(retries));
	if (json_is_true(json_object_get(hc, "AutoRemove")) && strcmp(pol, "no"))
		return eng_error_make(err, EINVAL, ERR_INVALID, "can't create 'AutoRemove' "
				      "container with restart policy");
	return 0;
}

int engine_container_create(struct engine *eng, const char *name, json_t *body, char ret_id[65],
			    json_t **ret_warnings, eng_error_t *err)
{
	json_auto_t *hc = NULL, *cfg_req = NULL;
	struct image *img = NULL;
	struct container *c = NULL;
	_cleanup_free_ char *dir = NULL;
	const char *image_name;
	json_auto_t *net = NULL;
	int rc = -1;

	*ret_warnings = json_array();
	if (!json_is_object(body))
		return eng_error_make(err, EINVAL, ERR_INVALID, "config cannot be empty in order "
				      "to create a container");
	if (name && *name && !container_name_valid(name))
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] "
				      "are allowed",
				      name);
	cfg_req = json_deep_copy(body);
	hc = json_object_get(cfg_req, "HostConfig");
	hc = json_is_object(hc) ? json_incref(hc) : json_object();
	json_object_del(cfg_req, "HostConfig");
	json_object_del(cfg_req, "NetworkingConfig");
	if (check_types(cfg_req, "container.Config", config_fields,
			sizeof(config_fields) / sizeof(*config_fields), err) < 0 ||
	    check_types(hc, "container.HostConfig", host_fields,
			sizeof(host_fields) / sizeof(*host_fields), err) < 0)
		return -1;
	for (const char *k = "Env"; k; k = NULL) {
		char **v = NULL;
		if (json_strv(cfg_req, k, &v, err) < 0)
			return -1;
		strv_free(v);
	}
	const char *wd = json_str(cfg_req, "WorkingDir");
	if (wd && *wd && wd[0] != '/')
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "the working directory '%s' is invalid, it needs to be an "
				      "absolute path",
				      wd);
	if (check_healthcheck(json_object_get(cfg_req, "Healthcheck"), err) < 0)
		return -1;
	const char *ss = json_str(cfg_req, "StopSignal");
	if (ss && *ss && signal_parse(ss) < 0)
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid signal: %s", ss);
	image_name = json_str(cfg_req, "Image");
	if (!image_name || !*image_name)
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "no image specified: config.Image must be set");
	if (normalize_host_config(eng, hc, err) < 0 ||
	    network_create_settings(eng, hc, json_object_get(body, "NetworkingConfig"), &net,
				    err) < 0)
		return -1;
	img = image_get(eng->images, image_name, err);
	if (!img) {
		struct image_ref ref;
		eng_error_t perr;
		/* a malformed name is a bad request, not a missing image */
		if (ref_parse(image_name, &ref, &perr) < 0) {
			*err = perr;
			return -1;
		}
		ref_free(&ref);
		return -1;
	}

	c = calloc(1, sizeof(*c));
	pthread_mutex_init(&c->op_lock, NULL);
	c->monitor_fd = -1;
	c->refs = 1;
	random_hex_id(c->id);
	c->config = merge_config(cfg_req, img->config);
	c->host_config = json_incref(hc);
	c->net = TAKE_PTR(net);
	snprintf(c->image_id, sizeof(c->image_id), "%s", img->id);
	c->created_ns = now_ns();
	c->runtime = strdup(json_str(hc, "Runtime"));
	c->status = CTR_CREATED;
	if (is_empty(json_object_get(c->config, "Cmd")) &&
	    is_empty(json_object_get(c->config, "Entrypoint"))) {
		eng_error_make(err, EINVAL, ERR_INVALID, "no command specified");
		goto out;
	}
	if (!*json_str(c->config, "Hostname"))
		json_object_set_new(c->config, "Hostname", json_stringn(c->id, 12));
	/* last of the checks: it creates volumes and -v host directories */
	if (mounts_create(eng, c, err) < 0)
		goto out;

	dir = container_dir(eng, c->id);
	if (mkdir_p(dir, 0710, err) < 0)
		goto out;
	if (image_rootfs_create(eng->images, img->id, c->id, err) < 0) {
		rm_rf(dir, NULL);
		goto out;
	}

	pthread_mutex_lock(&eng->lock);
	if (name && *name) {
		struct container *other = container_by_name_locked(eng, name);
		if (other) {
			eng_error_make(err, EEXIST, ERR_CONFLICT,
				       "Conflict. The container name \"/%s\" is already in use by "
				       "container \"%s\". You have to remove (or rename) that "
				       "container to be able to reuse that name.",
				       name[0] == '/' ? name + 1 : name, other->id);
			pthread_mutex_unlock(&eng->lock);
			image_rootfs_remove(eng->images, c->id, NULL);
			rm_rf(dir, NULL);
			goto out;
		}
		c->name = strdup(name[0] == '/' ? name + 1 : name);
	} else {
		c->name = names_generate(eng);
	}
	if (eng->nctrs == eng->cap) {
		eng->cap = eng->cap ? eng->cap * 2 : 64;
		eng->ctrs = realloc(eng->ctrs, eng->cap * sizeof(*eng->ctrs));
	}
	eng->ctrs[eng->nctrs++] = c;
	container_save(eng, c);
	c->refs++;
	pthread_mutex_unlock(&eng->lock);
	memcpy(ret_id, c->id, 65);
	engine_container_event(eng, c, "create", NULL);
	container_unref(eng, c);
	c = NULL;
	rc = 0;
out:
	if (c) {
		mounts_abort(eng, c);
		container_free(c);
	}
	image_free(img);
	return rc;
}
