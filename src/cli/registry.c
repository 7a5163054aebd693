#include "registry.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "client.h"
#include "format.h"
#include "opts.h"
#include "run.h"
#include "values.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

#define DEFAULT_REGISTRY "https://index.docker.io/v1/"

static char *config_path(void)
{
	const char *dir = getenv("BERTH_CONFIG"), *home = getenv("HOME");
	char *p = NULL;

	if (dir && *dir)
		return path_join(dir, "config.json");
	if (asprintf(&p, "%s/.berth/config.json", home && *home ? home : "/root") < 0)
		return NULL;
	return p;
}

/* The whole config (new reference); an empty object when there is none yet. */
static json_t *config_load(void)
{
	_cleanup_free_ char *path = config_path();
	eng_error_t err;
	json_t *cfg = access(path, F_OK) == 0 ? json_read_file(path, &err) : NULL;

	if (!json_is_object(cfg)) {
		json_decref(cfg);
		cfg = json_object();
	}
	if (!json_is_object(json_object_get(cfg, "auths")))
		json_object_set_new(cfg, "auths", json_object());
	return cfg;
}

static int config_save(json_t *cfg)
{
	_cleanup_free_ char *path = config_path(), *dir = strdup(path);
	eng_error_t err;

	*strrchr(dir, '/') = 0;
	if (mkdir_p(dir, 0700, &err) < 0 || json_write_atomic(path, cfg, &err) < 0) {
		fprintf(stderr, "Error saving credentials: %s\n", err.msg);
		return -1;
	}
	chmod(path, 0600);
	return 0;
}

/* The config key of a registry as the user names it: the default index keeps docker's
 * URL, others their host[:port]. */
static char *server_key(const char *server)
{
	const char *s = server;

	if (!s || !*s || !strcmp(s, "docker.io") || !strcmp(s, "index.docker.io") ||
	    !strcmp(s, DEFAULT_REGISTRY))
		return strdup(DEFAULT_REGISTRY);
	if (!strncmp(s, "https://", 8))
		s += 8;
	else if (!strncmp(s, "http://", 7))
		s += 7;
	return strndup(s, strcspn(s, "/"));
}

/* The registry part of an image reference (docker's splitReposName). */
static char *ref_registry(const char *ref)
{
	size_t n = strcspn(ref, "/");

	if (!ref[n] || (!memchr(ref, '.', n) && !memchr(ref, ':', n) && strncmp(ref, "localhost", n)))
		return strdup(DEFAULT_REGISTRY);
	return strndup(ref, n);
}

char *registry_auth_header(const char *ref)
{
	_cleanup_json_ json_t *cfg = config_load(), *auth = json_object();
	_cleanup_free_ char *key = ref_registry(ref), *dump = NULL;
	json_t *entry = json_object_get(json_object_get(cfg, "auths"), key);
	const char *b64 = json_str(entry, "auth");

	if (b64) {
		_cleanup_free_ char *up = cli_unbase64(b64, NULL);
		char *colon = up ? strchr(up, ':') : NULL;
		if (colon) {
			*colon = 0;
			json_object_set_new(auth, "username", json_string(up));
			json_object_set_new(auth, "password", json_string(colon + 1));
			json_object_set_new(auth, "serveraddress", json_string(key));
		}
	}
	if (json_str(entry, "identitytoken"))
		json_object_set_new(auth, "identitytoken",
		                    json_string(json_str(entry, "identitytoken")));
	dump = json_dumps(auth, JSON_COMPACT);
	return cli_base64(dump, strlen(dump), true);
}

/* A line from the terminal, without echo for a password; caller frees. */
static char *prompt(const char *label, bool secret)
{
	struct termios old, t;
	char line[1024];
	bool restore = false;

	fprintf(stderr, "%s", label);
	fflush(stderr);
	if (secret && tcgetattr(STDIN_FILENO, &old) == 0) {
		t = old;
		t.c_lflag &= ~ECHO;
		restore = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
	}
	char *got = fgets(line, sizeof(line), stdin);
	if (restore) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		fprintf(stderr, "\n");
	}
	if (!got)
		return strdup("");
	line[strcspn(line, "\r\n")] = 0;
	return strdup(line);
}

static const struct cli_cmd_ctx login_ctx = {"login", "login [OPTIONS] [SERVER]"};

int cmd_login(int argc, char **argv)
{
	const char *user = NULL, *pass = NULL;
	bool pass_stdin = false;
	const struct cli_opt opts[] = {
	    {"password", 'p', OPT_STRING, &pass, "Password or Personal Access Token (PAT)"},
	    {"password-stdin", 0, OPT_BOOL, &pass_stdin, "Take the Password or PAT from stdin"},
	    {"username", 'u', OPT_STRING, &user, "Username"},
	    {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *key = NULL, *u = NULL, *p = NULL, *up = NULL, *b64 = NULL;
	_cleanup_json_ json_t *body = NULL, *resp = NULL, *cfg = NULL;
	int r;

	CLI_PARSE(&login_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&login_ctx, args, 0, 1)))
		return r;
	if (pass && pass_stdin) {
		fprintf(stderr, "conflicting options: cannot specify both --password and --password-stdin\n");
		return 1;
	}
	if (pass_stdin && !user) {
		fprintf(stderr, "the --password-stdin option requires --username to be set\n");
		return 1;
	}
	if (pass)
		fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use "
		                "--password-stdin.\n");
	key = server_key(args[0]);
	if (pass_stdin) {
		char buf[4096];
		size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
		buf[n] = 0;
		buf[strcspn(buf, "\r\n")] = 0;
		p = strdup(buf);
	} else if (pass)
		p = strdup(pass);
	if (!user || !p) {
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr,
			        "Error: Cannot perform an interactive login from a non TTY device\n");
			return 1;
		}
		u = user ? strdup(user) : prompt("Username: ", false);
		if (!p)
			p = prompt("Password: ", true);
	} else
		u = strdup(user);
	if (!*u) {
		fprintf(stderr, "Error: Non-null Username Required\n");
		return 1;
	}
	if (!*p) {
		fprintf(stderr, "Error: Password Required\n");
		return 1;
	}
	body = json_pack("{s:s, s:s, s:s}", "username", u, "password", p, "serveraddress", key);
	if (!(resp = client_call("POST", "/auth", body)))
		return 1;
	if (asprintf(&up, "%s:%s", u, p) < 0)
		return 1;
	b64 = cli_base64(up, strlen(up), false);
	cfg = config_load();
	json_object_set_new(json_object_get(cfg, "auths"), key, json_pack("{s:s}", "auth", b64));
	if (json_str(resp, "IdentityToken") && *json_str(resp, "IdentityToken"))
		json_object_set_new(json_object_get(json_object_get(cfg, "auths"), key),
		                    "identitytoken", json_string(json_str(resp, "IdentityToken")));
	if (config_save(cfg) < 0)
		return 1;
	printf("%s\n", json_str(resp, "Status") ? json_str(resp, "Status") : "Login Succeeded");
	return 0;
}

static const struct cli_cmd_ctx logout_ctx = {"logout", "logout [SERVER]"};

int cmd_logout(int argc, char **argv)
{
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *key = NULL;
	_cleanup_json_ json_t *cfg = NULL;
	int r;

	CLI_PARSE(&logout_ctx, argc, argv, NULL, false, &args);
	if ((r = cli_check_args(&logout_ctx, args, 0, 1)))
		return r;
	key = server_key(args[0]);
	cfg = config_load();
	printf("Removing login credentials for %s\n", key);
	if (json_object_del(json_object_get(cfg, "auths"), key) < 0)
		return 0; /* was not logged in: docker says the same */
	return config_save(cfg) < 0;
}

static const struct cli_cmd_ctx push_ctx = {"push", "push [OPTIONS] NAME[:TAG]"};

int cmd_push(int argc, char **argv)
{
	bool all_tags = false, quiet = false;
	const char *platform = NULL;
	const struct cli_opt opts[] = {
	    {"all-tags", 'a', OPT_BOOL, &all_tags, "Push all tags of an image to the repository"},
	    {"platform", 0, OPT_STRING, &platform, "Push a platform-specific manifest"},
	    {"quiet", 'q', OPT_BOOL, &quiet, "Suppress verbose output"},
	    {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *name = NULL, *tag = NULL, *path = NULL, *en = NULL, *et = NULL,
	                    *auth = NULL;
	struct client_resp resp;
	int r;

	CLI_PARSE(&push_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&push_ctx, args, 1, 1)))
		return r;
	const char *slash = strrchr(args[0], '/'), *colon = strrchr(slash ? slash : args[0], ':');
	if (colon && all_tags) {
		fprintf(stderr, "tag can't be used with --all-tags/-a\n");
		return 1;
	}
	name = colon ? strndup(args[0], colon - args[0]) : strdup(args[0]);
	tag = strdup(colon ? colon + 1 : all_tags ? "" : "latest");
	en = client_escape(name);
	et = client_escape(tag);
	auth = registry_auth_header(args[0]);
	if (asprintf(&path, "/images/%s/push?tag=%s", en, et) < 0)
		return 1;
	if (client_request_auth("POST", path, auth, &resp) < 0) {
		client_resp_close(&resp);
		return 1;
	}
	if (resp.status >= 400) {
		_cleanup_free_ char *msg = client_error_message(&resp);
		fmt_daemon_error(msg);
		client_resp_close(&resp);
		return 1;
	}
	r = run_print_jsonmessages(&resp, quiet) < 0;
	client_resp_close(&resp);
	if (!r && quiet)
		printf("%s\n", args[0]);
	return r;
}
