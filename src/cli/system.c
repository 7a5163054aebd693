#include "system.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "client.h"
#include "format.h"
#include "opts.h"
#include "../common/cleanup.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

static const char *arch_name(void)
{
	static struct utsname u;

	if (uname(&u) < 0)
		return "unknown";
	if (!strcmp(u.machine, "x86_64"))
		return "amd64";
	if (!strcmp(u.machine, "aarch64"))
		return "arm64";
	return u.machine;
}

static const char *s_or(json_t *o, const char *k, const char *def)
{
	const char *v = json_str(o, k);
	return v ? v : def;
}

/* Renders --format against `data`; returns the exit code. */
static int print_template(const char *format, json_t *data)
{
	int table;
	_cleanup_free_ char *tmpl = fmt_prepare(format, format, &table);
	const char *err = NULL;
	char *out = fmt_render(tmpl, data, &err);

	if (!out) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%s\n", out);
	free(out);
	return 0;
}

static const struct cli_cmd_ctx version_ctx = {"version", "version [OPTIONS]"};

int cmd_version(int argc, char **argv)
{
	const char *format = NULL;
	const struct cli_opt opts[] = {
	    {"format", 'f', OPT_STRING, &format, "Format output using a custom template"}, {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *msg = NULL, *osarch = NULL;
	_cleanup_json_ json_t *server = NULL, *all = NULL;
	int status, r;

	CLI_PARSE(&version_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&version_ctx, args, 0, 0)))
		return r;
	if (asprintf(&osarch, "linux/%s", arch_name()) < 0)
		return 1;
	server = client_json("GET", "/version", NULL, &status, &msg);
	all = json_pack("{s:{s:s, s:s, s:s, s:s}}", "Client", "Version", BERTH_CLI_VERSION,
	                "ApiVersion", CLIENT_API_VERSION, "Os", "linux", "Arch", arch_name());
	if (server)
		json_object_set(all, "Server", server);
	if (format && *format) {
		r = print_template(format, all);
		if (!server && msg)
			fmt_daemon_error(msg);
		return r || !server;
	}
	printf("Client:\n");
	printf(" Version:           %s\n", BERTH_CLI_VERSION);
	printf(" API version:       %s\n", CLIENT_API_VERSION);
	printf(" OS/Arch:           %s\n", osarch);
	printf(" Context:           default\n");
	if (!server) {
		if (msg)
			fmt_daemon_error(msg);
		return 1;
	}
	const char *pname = json_str(json_object_get(server, "Platform"), "Name");
	printf("\nServer:%s%s\n", pname && *pname ? " " : "", pname ? pname : "");
	printf(" Engine:\n");
	printf("  Version:          %s\n", s_or(server, "Version", ""));
	printf("  API version:      %s (minimum version %s)\n", s_or(server, "ApiVersion", ""),
	       s_or(server, "MinAPIVersion", ""));
	printf("  Go version:       %s\n", s_or(server, "GoVersion", ""));
	printf("  Git commit:       %s\n", s_or(server, "GitCommit", ""));
	printf("  Built:            %s\n", s_or(server, "BuildTime", ""));
	printf("  OS/Arch:          %s/%s\n", s_or(server, "Os", ""), s_or(server, "Arch", ""));
	printf("  Experimental:     %s\n", json_bool(server, "Experimental", 0) ? "true" : "false");
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(server, "Components"), i, c)
	{
		const char *name = json_str(c, "Name");
		if (!name || !strcmp(name, "Engine"))
			continue;
		printf(" %s:\n", name);
		printf("  Version:          %s\n", s_or(c, "Version", ""));
		const char *commit = json_str(json_object_get(c, "Details"), "GitCommit");
		if (commit)
			printf("  GitCommit:        %s\n", commit);
	}
	return 0;
}

static void bytes_size(double size, char out[32])
{
	static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	int i = 0;

	while (size >= 1024.0 && i < 5) {
		size /= 1024.0;
		i++;
	}
	snprintf(out, 32, "%.4g%s", size, units[i]);
}

static const struct cli_cmd_ctx info_ctx = {"info", "info [OPTIONS]"};

int cmd_info(int argc, char **argv)
{
	const char *format = NULL;
	const struct cli_opt opts[] = {
	    {"format", 'f', OPT_STRING, &format, "Format output using a custom template"}, {0}};
	_cleanup_strv_ char **args = NULL;
	_cleanup_free_ char *msg = NULL;
	_cleanup_json_ json_t *info = NULL;
	char mem[32];
	int status, r;

	CLI_PARSE(&info_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&info_ctx, args, 0, 0)))
		return r;
	info = client_json("GET", "/info", NULL, &status, &msg);
	if (!info) {
		if (msg)
			fmt_daemon_error(msg);
		return 1;
	}
	if (format && *format)
		return print_template(format, info);
	printf("Client:\n Version:    %s\n Context:    default\n Debug Mode: false\n\n",
	       BERTH_CLI_VERSION);
	printf("Server:\n");
	printf(" Containers: %lld\n", json_int(info, "Containers", 0));
	printf("  Running: %lld\n", json_int(info, "ContainersRunning", 0));
	printf("  Paused: %lld\n", json_int(info, "ContainersPaused", 0));
	printf("  Stopped: %lld\n", json_int(info, "ContainersStopped", 0));
	printf(" Images: %lld\n", json_int(info, "Images", 0));
	printf(" Server Version: %s\n", s_or(info, "ServerVersion", ""));
	printf(" Storage Driver: %s\n", s_or(info, "Driver", ""));
	printf(" Logging Driver: %s\n", s_or(info, "LoggingDriver", ""));
	printf(" Cgroup Driver: %s\n", s_or(info, "CgroupDriver", ""));
	printf(" Cgroup Version: %s\n", s_or(info, "CgroupVersion", ""));
	printf(" Default Runtime: %s\n", s_or(info, "DefaultRuntime", ""));
	printf(" Kernel Version: %s\n", s_or(info, "KernelVersion", ""));
	printf(" Operating System: %s\n", s_or(info, "OperatingSystem", ""));
	printf(" OSType: %s\n", s_or(info, "OSType", ""));
	printf(" Architecture: %s\n", s_or(info, "Architecture", ""));
	printf(" CPUs: %lld\n", json_int(info, "NCPU", 0));
	bytes_size(json_int(info, "MemTotal", 0), mem);
	printf(" Total Memory: %s\n", mem);
	printf(" Name: %s\n", s_or(info, "Name", ""));
	printf(" ID: %s\n", s_or(info, "ID", ""));
	printf(" Docker Root Dir: %s\n", s_or(info, "DockerRootDir", ""));
	printf(" Debug Mode: %s\n", json_bool(info, "Debug", 0) ? "true" : "false");
	printf(" Experimental: %s\n", json_bool(info, "ExperimentalBuild", 0) ? "true" : "false");
	printf(" Live Restore Enabled: %s\n",
	       json_bool(info, "LiveRestoreEnabled", 0) ? "true" : "false");
	return 0;
}
