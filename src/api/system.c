/* /_ping, /version, /info. */
#include "system.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../engine/container.h"
#include "../engine/engine.h"
#include "../image/store.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#define BERTH_VERSION "0.1.0"

void api_ping(struct http_request *req, struct engine *eng)
{
	(void)eng;
	/* dockerd's headers: proxies must never answer a ping from a cache */
	http_reply_header(req, "Cache-Control", "no-cache, no-store, must-revalidate");
	http_reply_header(req, "Pragma", "no-cache");
	http_reply(req, 200, "text/plain; charset=utf-8", "OK", strcmp(req->method, "HEAD") ? 2 : 0);
}

void api_version(struct http_request *req, struct engine *eng)
{
	struct utsname u;
	char built[40];
	(void)eng;
	uname(&u);
	format_time_ns(now_ns(), built);
	http_reply_json(
		req, 200,
		json_pack("{s:{s:s}, s:[{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}], "
			  "s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			  "Platform", "Name", "berth", "Components", "Name", "Engine", "Version",
			  BERTH_VERSION, "Details", "ApiVersion", "1.51", "Arch", "amd64",
			  "BuildTime", built, "Experimental", "false", "GitCommit", "berth",
			  "GoVersion", "none (C)", "KernelVersion", u.release, "MinAPIVersion",
			  "1.24", "Version", BERTH_VERSION, "ApiVersion", "1.51", "MinAPIVersion",
			  "1.24", "GitCommit", "berth", "GoVersion", "none (C)", "Os", "linux",
			  "Arch", "amd64", "KernelVersion", u.release, "BuildTime", built));
}

static char *os_pretty_name(void)
{
	_cleanup_free_ char *data = read_file("/etc/os-release", NULL, NULL);
	char *p, *end;
	if (!data || !(p = strstr(data, "PRETTY_NAME=")))
		return strdup("Linux");
	p += 12;
	if (*p == '"')
		p++;
	end = p + strcspn(p, "\"\n");
	return strndup(p, (size_t)(end - p));
}

static char *os_version(void)
{
	_cleanup_free_ char *data = read_file("/etc/os-release", NULL, NULL);
	char *p, *end;
	if (!data || !(p = strstr(data, "VERSION_ID=")))
		return strdup("");
	p += 11;
	if (*p == '"')
		p++;
	end = p + strcspn(p, "\"\n");
	return strndup(p, (size_t)(end - p));
}

static const char *cgroup_version(void)
{
	struct stat st;
	/* cgroup2 alone has cgroup.controllers at the root */
	return stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0 ? "2" : "1";
}

static json_t *runtimes_json(const struct engine_config *cfg)
{
	json_t *out = json_pack("{s:{s:s}}", "runc", "path", "runc");
	const char *name;
	json_t *v;
	if (access("/usr/bin/crun", X_OK) == 0)
		json_object_set_new(out, "crun", json_pack("{s:s}", "path", "crun"));
	json_object_foreach(cfg->runtimes, name, v)
		json_object_set_new(out, name,
				    json_pack("{s:s}", "path", json_str(v, "path") ?: name));
	return out;
}

void api_info(struct http_request *req, struct engine *eng)
{
	const struct engine_config *cfg = engine_config(eng);
	struct image **imgs = image_list(engine_image_store(eng));
	int total, running, paused, stopped, nimages = 0;
	struct utsname u;
	struct sysinfo si;
	char host[256] = "", now[40];
	_cleanup_free_ char *os = os_pretty_name(), *osver = os_version();
	_cleanup_free_ char *idfile = path_join(cfg->data_root, "engine-id");
	_cleanup_free_ char *id = read_file(idfile, NULL, NULL);

	while (imgs && imgs[nimages])
		nimages++;
	image_list_free(imgs);
	engine_container_counts(eng, &total, &running, &paused, &stopped);
	uname(&u);
	sysinfo(&si);
	gethostname(host, sizeof(host) - 1);
	format_time_ns(now_ns(), now);
	const char *cgv = cgroup_version();
	json_t *doc = json_pack(
		"{s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:[[s,s]], s:b, s:b, s:b, s:b, s:b, s:b, "
		"s:b, s:b, s:b, s:b, s:b, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, "
		"s:I, s:s, s:s, s:s, s:[], s:b, s:s, s:o, s:s, s:{s:s, s:s, s:s, s:b, s:s, "
		"s:n}, s:b, s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:[s], s:[], s:{s:[], s:b}}",
		"ID", id ? id : "", "Containers", total, "ContainersRunning", running,
		"ContainersPaused", paused, "ContainersStopped", stopped, "Images", nimages,
		"Driver", image_store_driver(engine_image_store(eng)), "DriverStatus",
		"Backing Filesystem", "extfs", "MemoryLimit", 1, "SwapLimit", 1, "CpuCfsPeriod", 1,
		"CpuCfsQuota", 1, "CPUShares", 1, "CPUSet", 1, "PidsLimit", 1, "IPv4Forwarding", 1,
		"Debug", 0, "OomKillDisable", cgv[0] == '1', "KernelMemoryTCP", 0, "BridgeNfIptables",
		0, "SystemTime", now, "LoggingDriver", cfg->log_driver, "CgroupDriver", "cgroupfs",
		"CgroupVersion", cgv, "KernelVersion", u.release, "OperatingSystem", os, "OSVersion",
		osver, "OSType", "linux", "NCPU", (int)sysconf(_SC_NPROCESSORS_ONLN), "MemTotal",
		(json_int_t)si.totalram * si.mem_unit, "Architecture", u.machine, "Name", host,
		"ServerVersion", BERTH_VERSION, "Labels", "ExperimentalBuild", 0, "DockerRootDir",
		cfg->data_root, "Runtimes", runtimes_json(cfg), "DefaultRuntime",
		cfg->default_runtime, "Swarm", "NodeID", "", "NodeAddr", "", "LocalNodeState",
		"inactive", "ControlAvailable", 0, "Error", "", "RemoteManagers",
		"LiveRestoreEnabled", 1, "Isolation", "", "InitBinary", "", "ContainerdCommit",
		"ID", "", "RuncCommit", "ID", "", "InitCommit", "ID", "", "SecurityOptions",
		"name=seccomp,profile=builtin", "Warnings", "Plugins", "Volume", "NEventsListener",
		0);
	json_object_set_new(doc, "Plugins",
			    json_pack("{s:[s], s:[s,s,s,s], s:[s,s], s:n}", "Volume", "local",
				      "Network", "bridge", "host", "none", "null", "Log",
				      "json-file", "none", "Authorization"));
	json_object_set_new(doc, "IndexServerAddress",
			    json_string("https://index.docker.io/v1/"));
	json_object_set_new(doc, "RegistryConfig",
			    json_pack("{s:[], s:{}, s:[]}", "InsecureRegistryCIDRs", "IndexConfigs",
				      "Mirrors"));
	json_object_set_new(doc, "NFd", json_integer(0));
	json_object_set_new(doc, "NGoroutines", json_integer(0));
	json_object_set_new(doc, "HttpProxy", json_string(""));
	json_object_set_new(doc, "HttpsProxy", json_string(""));
	json_object_set_new(doc, "NoProxy", json_string(""));
	http_reply_json(req, 200, doc);
}
