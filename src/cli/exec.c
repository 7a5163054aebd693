/* berth exec: create the exec, then either start it detached or hijack its start and run
 * the same attached session as run and attach; the exec's exit code becomes ours. */
#include "exec.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "format.h"
#include "opts.h"
#include "session.h"
#include "values.h"
#include "../common/cleanup.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

struct exec_opts {
	bool interactive, tty, detach, privileged;
	const char *workdir, *user, *detach_keys;
	char **env, **env_file;
};

static json_t *exec_config(const struct exec_opts *o, char **cmd)
{
	json_t *env = json_array();

	if (cli_env(env, o->env_file, o->env) < 0) {
		json_decref(env);
		return NULL;
	}
	json_t *cfg = json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:o, s:s, s:o}", "User",
	                        o->user ? o->user : "", "Privileged", o->privileged, "Tty", o->tty,
	                        "AttachStdin", o->interactive && !o->detach, "AttachStdout",
	                        !o->detach, "AttachStderr", !o->detach, "Env", env, "WorkingDir",
	                        o->workdir ? o->workdir : "", "Cmd", json_strv_new(cmd));
	if (o->detach_keys)
		json_object_set_new(cfg, "DetachKeys", json_string(o->detach_keys));
	return cfg;
}

/* [rows, cols] of our terminal for a TTY exec, as the docker CLI sends it. */
static json_t *console_size(bool tty)
{
	struct winsize ws;

	if (!tty || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
		return json_pack("[ii]", 0, 0);
	return json_pack("[ii]", ws.ws_row, ws.ws_col);
}

/* The exit code once the exec has ended; the stream can close a moment before the
 * daemon records it. */
static int exec_exit_code(const char *path)
{
	for (int tries = 0; tries < 100; tries++) {
		_cleanup_json_ json_t *j = client_call("GET", path, NULL);

		if (!j)
			return 1;
		if (!json_bool(j, "Running", 0))
			return (int)json_int(j, "ExitCode", 0);
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	return 0;
}

static int start_attached(const struct exec_opts *o, const char *id)
{
	_cleanup_free_ char *path = NULL, *inspect = NULL, *body = NULL;
	_cleanup_json_ json_t *start =
	    json_pack("{s:b, s:b, s:o}", "Detach", false, "Tty", o->tty, "ConsoleSize",
	              console_size(o->tty));
	struct session s = {.tty = o->tty, .in = o->interactive};

	if (asprintf(&path, "/exec/%s/start", id) < 0 ||
	    asprintf(&inspect, "/exec/%s/json", id) < 0)
		return 1;
	snprintf(s.resize_path, sizeof(s.resize_path), "/exec/%s/resize", id);
	session_set_detach_keys(&s, o->detach_keys); /* checked by the daemon's create */
	body = json_dumps(start, JSON_COMPACT);
	if (client_hijack("POST", path, "application/json", body, strlen(body), &s.conn) < 0) {
		client_resp_close(&s.conn);
		return 1;
	}
	if (s.conn.status >= 400) {
		_cleanup_free_ char *msg = client_error_message(&s.conn);
		fmt_daemon_error(msg);
		client_resp_close(&s.conn);
		return 1;
	}
	if (session_run(&s))
		return 0;
	return exec_exit_code(inspect);
}

static const struct cli_cmd_ctx exec_ctx = {"exec",
                                            "exec [OPTIONS] CONTAINER COMMAND [ARG...]"};

int cmd_exec(int argc, char **argv)
{
	struct exec_opts o = {0};
	const struct cli_opt opts[] = {
	    {"detach", 'd', OPT_BOOL, &o.detach, "Detached mode: run command in the background"},
	    {"detach-keys", 0, OPT_STRING, &o.detach_keys,
	     "Override the key sequence for detaching a container"},
	    {"env", 'e', OPT_LIST, &o.env, "Set environment variables"},
	    {"env-file", 0, OPT_LIST, &o.env_file, "Read in a file of environment variables"},
	    {"interactive", 'i', OPT_BOOL, &o.interactive, "Keep STDIN open even if not attached"},
	    {"privileged", 0, OPT_BOOL, &o.privileged,
	     "Give extended privileges to the command"},
	    {"tty", 't', OPT_BOOL, &o.tty, "Allocate a pseudo-TTY"},
	    {"user", 'u', OPT_STRING, &o.user,
	     "Username or UID (format: \"<name|uid>[:<group|gid>]\")"},
	    {"workdir", 'w', OPT_STRING, &o.workdir, "Working directory inside the container"},
	    {0}};
	_cleanup_strv_ char **args = NULL, **env = NULL, **env_file = NULL;
	_cleanup_free_ char *path = NULL, *en = NULL;
	_cleanup_json_ json_t *cfg = NULL, *resp = NULL;
	int r;

	r = cli_parse(&exec_ctx, argc, argv, opts, true, &args);
	env = o.env;
	env_file = o.env_file;
	if (r)
		return r - 1;
	if ((r = cli_check_args(&exec_ctx, args, 2, -1)))
		return r;
	en = client_escape(args[0]);
	if (asprintf(&path, "/containers/%s/json", en) < 0)
		return 1;
	if (!(resp = client_call("GET", path, NULL)))
		return 1;
	json_decref(TAKE_PTR(resp));
	if (!o.detach && o.tty && o.interactive && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "the input device is not a TTY\n");
		return 1;
	}
	if (!(cfg = exec_config(&o, args + 1)))
		return 1;
	free(path);
	if (asprintf(&path, "/containers/%s/exec", en) < 0)
		return 1;
	if (!(resp = client_call("POST", path, cfg)))
		return 1;
	const char *id = json_str(resp, "Id");
	if (!id || !*id) {
		fprintf(stderr, "exec ID empty\n");
		return 1;
	}
	if (!o.detach)
		return start_attached(&o, id);
	free(path);
	if (asprintf(&path, "/exec/%s/start", id) < 0)
		return 1;
	json_decref(cfg);
	cfg = json_pack("{s:b, s:b, s:o}", "Detach", true, "Tty", o.tty, "ConsoleSize",
	                console_size(o.tty));
	json_decref(TAKE_PTR(resp));
	if (!(resp = client_call("POST", path, cfg)))
		return 1;
	return 0;
}
