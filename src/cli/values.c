#include "values.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "../common/fsutil.h"
#include "../common/cleanup.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

static void strip_nl(char *s)
{
	size_t l = strlen(s);
	while (l && (s[l - 1] == '\n' || s[l - 1] == '\r'))
		s[--l] = 0;
}

/* "VAR" alone takes its value from our environment, as the docker CLI does. */
static void add_env(json_t *env, const char *e)
{
	if (!strchr(e, '=')) {
		const char *v = getenv(e);
		if (v) {
			_cleanup_free_ char *kv = NULL;
			if (asprintf(&kv, "%s=%s", e, v) > 0)
				json_array_append_new(env, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(e));
}

static int read_env_file(json_t *env, const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[8192];

	if (!f) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		strip_nl(line);
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		add_env(env, p);
	}
	return 0;
}

int cli_env(json_t *env, char **env_files, char **env_flags)
{
	for (char **f = env_files; f && *f; f++)
		if (read_env_file(env, *f) < 0)
			return -1;
	for (char **e = env_flags; e && *e; e++)
		add_env(env, *e);
	return 0;
}

json_t *cli_kv_object(char **list)
{
	json_t *o = json_object();

	for (char **p = list; p && *p; p++) {
		char *eq = strchr(*p, '=');
		if (eq) {
			_cleanup_free_ char *k = strndup(*p, eq - *p);
			json_object_set_new(o, k, json_string(eq + 1));
		} else
			json_object_set_new(o, *p, json_string(""));
	}
	return o;
}

int cli_restart_policy(const char *s, json_t *hc)
{
	const char *colon = strchr(s, ':');
	_cleanup_free_ char *name = colon ? strndup(s, colon - s) : strdup(s);
	long long max = colon ? atoll(colon + 1) : 0;

	if (strcmp(name, "no") && strcmp(name, "always") && strcmp(name, "unless-stopped") &&
	    strcmp(name, "on-failure")) {
		fprintf(stderr, "invalid restart policy format: %s\n", s);
		return -1;
	}
	if (max && strcmp(name, "on-failure")) {
		fprintf(stderr, "invalid restart policy format: maximum retry count can only be "
		                "used with 'on-failure'\n");
		return -1;
	}
	json_object_set_new(hc, "RestartPolicy",
	                    json_pack("{s:s, s:I}", "Name", name, "MaximumRetryCount", max));
	return 0;
}

char *cli_filters_query(char **filters, const char *key, const char *value)
{
	_cleanup_json_ json_t *f = json_object();
	_cleanup_free_ char *dump = NULL;
	_cleanup_strv_ char **all = strv_copy(filters);
	_cleanup_free_ char *extra = NULL;

	if (key && value && asprintf(&extra, "%s=%s", key, value) > 0)
		all = strv_push(all, extra);
	for (char **p = all; p && *p; p++) {
		char *eq = strchr(*p, '=');
		if (!eq) {
			fprintf(stderr, "bad format of filter (expected name=value)\n");
			return NULL;
		}
		_cleanup_free_ char *k = strndup(*p, eq - *p);
		json_t *vals = json_object_get(f, k);
		if (!vals)
			json_object_set_new(f, k, vals = json_object());
		json_object_set_new(vals, eq + 1, json_true());
	}
	if (!json_object_size(f))
		return strdup("");
	dump = json_dumps(f, JSON_COMPACT);
	return client_escape(dump);
}

int cli_time_arg(const char *flag, const char *v, char out[48])
{
	int64_t ns;

	if (!v) {
		out[0] = 0;
		return 0;
	}
	if (parse_time_filter(v, now_ns(), &ns) < 0) {
		fprintf(
		    stderr,
		    "invalid value for \"%s\": failed to parse value as time or duration: \"%s\"\n",
		    flag, v);
		return -1;
	}
	snprintf(out, 48, "%lld.%09lld", (long long)(ns / 1000000000LL),
	         (long long)(ns % 1000000000LL));
	return 0;
}

