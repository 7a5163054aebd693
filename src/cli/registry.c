/* berth login, logout and push, and the credentials pull and push send. Credentials live
 * where the docker CLI keeps them ($DOCKER_CONFIG/config.json, else ~/.docker/config.json,
 * "auths" with base64 "user:password" or an identity token), so a `docker login` serves
 * berth too and the other way round. Credential helpers are not supported. */
#include "registry.h"
#include "client.h"
#include "format.h"
#include "opts.h"
#include "run.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HUB_SERVER "https://index.docker.io/v1/"

static char *config_path(void)
{
	const char *dir = getenv("DOCKER_CONFIG");
	_cleanup_free_ char *home_dir = NULL;

	if (!dir || !*dir) {
		const char *home = getenv("HOME");
		home_dir = path_join(home && *home ? home : "/root", ".docker");
		dir = home_dir;
	}
	return path_join(dir, "config.json");
}

static char *b64(const void *data, size_t n, bool url)
{
	char *out = malloc((n + 2) / 3 * 4 + 1);
	EVP_EncodeBlock((unsigned char *)out, data, (int)n);
	for (char *p = out; url && *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	return out;
}

/* The registry part of an image reference, as docker's config keys name it. */
static char *server_of(const char *ref)
{
	const char *slash = strchr(ref, '/');
	if (slash && (memchr(ref, '.', slash - ref) || memchr(ref, ':', slash - ref) ||
	              (slash - ref == 9 && !strncmp(ref, "localhost", 9))))
		return strndup(ref, slash - ref);
	return strdup(HUB_SERVER);
}

static int is_hub(const char *server)
{
	return !strcmp(server, HUB_SERVER) || !strcmp(server, "docker.io") ||
	       !strcmp(server, "index.docker.io") || !strcmp(server, "registry-1.docker.io");
}

/* The X-Registry-Auth value for `server` from the config file, NULL when none. */
static char *auth_header_for(const char *server)
{
	_cleanup_free_ char *path = config_path(), *raw = NULL, *dump = NULL;
	json_auto_t *cfg = json_read_file(path, NULL);
	json_t *e = json_object_get(json_object_get(cfg, "auths"), server);
	json_auto_t *out = NULL;
	unsigned char dec[1024];
	const char *a;
	int n;

	if (!e)
		return NULL;
	out = json_pack("{s:s}", "serveraddress", server);
	if (json_str(e, "identitytoken") && *json_str(e, "identitytoken"))
		json_object_set_new(out, "identitytoken",
		                    json_string(json_str(e, "identitytoken")));
	a = json_str(e, "auth");
	if (a && strlen(a) < 1300) {
		n = EVP_DecodeBlock(dec, (const unsigned char *)a, (int)strlen(a));
		if (n > 0) {
			dec[n] = 0;
			char *colon = strchr((char *)dec, ':');
			if (colon) {
				*colon = 0;
				json_object_set_new(out, "username", json_string((char *)dec));
				/* EVP_DecodeBlock counts padding as zero bytes */
				json_object_set_new(out, "password", json_string(colon + 1));
			}
		}
	}
	dump = json_dumps(out, JSON_COMPACT);
	return b64(dump, strlen(dump), true);
}

void cli_registry_auth_for(const char *ref)
{
	_cleanup_free_ char *server = server_of(ref);
	char *hdr = auth_header_for(server);
	client_set_registry_auth(hdr);
	free(hdr);
}

/* ---- login / logout ---- */

static const struct cli_cmd_ctx login_ctx = {"login", "login [OPTIONS] [SERVER]"};

static int read_line(FILE *f, char *buf, size_t n)
{
	if (!fgets(buf, (int)n, f))
		return -1;
	buf[strcspn(buf, "\r\n")] = 0;
	return 0;
}

static int save_auth(const char *server, const char *user, const char *pass, const char *token)
{
	_cleanup_free_ char *path = config_path(), *pair = NULL, *enc = NULL, *dir = NULL;
	json_auto_t *cfg = json_read_file(path, NULL);
	json_t *auths, *e;
	eng_error_t err;

	if (!json_is_object(cfg)) {
		json_decref(cfg);
		cfg = json_object();
	}
	auths = json_object_get(cfg, "auths");
	if (!json_is_object(auths))
		json_object_set_new(cfg, "auths", auths = json_object());
	e = json_object();
	if (token && *token) {
		if (asprintf(&pair, "%s:", user) < 0)
			return -1;
		json_object_set_new(e, "identitytoken", json_string(token));
	} else if (asprintf(&pair, "%s:%s", user, pass) < 0) {
		return -1;
	}
	enc = b64(pair, strlen(pair), false);
	json_object_set_new(e, "auth", json_string(enc));
	json_object_set_new(auths, server, e);
	dir = strndup(path, strrchr(path, '/') - path);
	if (mkdir_p(dir, 0700, &err) < 0 || json_write_atomic(path, cfg, &err) < 0) {
		fprintf(stderr, "Error saving credentials: %s\n", err.msg);
		return -1;
	}
	chmod(path, 0600);
	return 0;
}

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
	_cleanup_free_ char *msg = NULL;
	_cleanup_json_ json_t *resp = NULL;
	char ubuf[256], pbuf[1024];
	const char *server;
	int r, status;

	CLI_PARSE(&login_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&login_ctx, args, 0, 1)))
		return r;
	server = args[0] ? args[0] : HUB_SERVER;
	if (is_hub(server))
		server = HUB_SERVER;
	if (pass_stdin && pass) {
		fprintf(stderr, "--password and --password-stdin are mutually exclusive\n");
		return 1;
	}
	if (!user) {
		printf("Username: ");
		fflush(stdout);
		if (read_line(stdin, ubuf, sizeof(ubuf)) < 0 || !*ubuf) {
			fprintf(stderr, "Error: Non-null Username Required\n");
			return 1;
		}
		user = ubuf;
	}
	if (!pass) {
		if (!pass_stdin) {
			printf("Password: ");
			fflush(stdout);
		}
		if (read_line(stdin, pbuf, sizeof(pbuf)) < 0 || !*pbuf) {
			fprintf(stderr, "Error: Password Required\n");
			return 1;
		}
		pass = pbuf;
	}
	json_t *body = json_pack("{s:s, s:s, s:s}", "username", user, "password", pass,
	                         "serveraddress", server);
	resp = client_json("POST", "/auth", body, &status, &msg);
	json_decref(body);
	if (!resp) {
		if (msg)
			fmt_daemon_error(msg);
		return 1;
	}
	if (save_auth(server, user, pass, json_str(resp, "IdentityToken")) < 0)
		return 1;
	printf("%s\n", json_str(resp, "Status") ?: "Login Succeeded");
	return 0;
}

static const struct cli_cmd_ctx logout_ctx = {"logout", "logout [SERVER]"};

int cmd_logout(int argc, char **argv)
{
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *path = config_path();
	json_auto_t *cfg = NULL;
	const struct cli_opt opts[] = {{0}};
	const char *server;
	eng_error_t err;
	int r;

	CLI_PARSE(&logout_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&logout_ctx, args, 0, 1)))
		return r;
	server = args[0] && !is_hub(args[0]) ? args[0] : HUB_SERVER;
	cfg = json_read_file(path, NULL);
	if (!json_object_get(json_object_get(cfg, "auths"), server)) {
		printf("Not logged in to %s\n", server);
		return 0;
	}
	printf("Removing login credentials for %s\n", server);
	json_object_del(json_object_get(cfg, "auths"), server);
	if (json_write_atomic(path, cfg, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	return 0;
}

/* ---- push ---- */

static const struct cli_cmd_ctx push_ctx = {"push", "push [OPTIONS] NAME[:TAG]"};

int cmd_push(int argc, char **argv)
{
	bool quiet = false;
	const struct cli_opt opts[] = {{"quiet", 'q', OPT_BOOL, &quiet, "Suppress verbose output"},
	                               {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *name = NULL, *tag = NULL, *path = NULL, *et = NULL;
	struct client_resp resp;
	const char *slash, *colon;
	int r;

	CLI_PARSE(&push_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&push_ctx, args, 1, 1)))
		return r;
	slash = strrchr(args[0], '/');
	colon = strrchr(slash ? slash : args[0], ':');
	name = colon ? strndup(args[0], colon - args[0]) : strdup(args[0]);
	tag = strdup(colon ? colon + 1 : "latest");
	if (!colon)
		printf("Using default tag: latest\n");
	et = client_escape(tag);
	if (asprintf(&path, "/images/%s/push?tag=%s", name, et) < 0)
		return 1;
	cli_registry_auth_for(args[0]);
	if (client_request("POST", path, NULL, NULL, 0, &resp) < 0) {
		client_resp_close(&resp);
		return 1;
	}
	if (resp.status >= 400) {
		char *msg = client_error_message(&resp);
		client_resp_close(&resp);
		if (msg)
			fmt_daemon_error(msg);
		free(msg);
		return 1;
	}
	r = run_print_jsonmessages(&resp, quiet);
	client_resp_close(&resp);
	if (r < 0)
		return 1;
	if (quiet)
		printf("%s:%s\n", name, tag);
	return 0;
}
