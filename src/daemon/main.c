/* berthd: flags and daemon.json, the data-root lock, signals, and the API server. */
#include "../api/api.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../common/strv.h"
#include "../engine/engine.h"
#include "../http/server.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_CONFIG "/etc/berth/daemon.json"

struct options {
	char **hosts;
	char *data_root, *exec_root, *pidfile, *log_level, *default_runtime, *config_file;
	char *seccomp_profile, *log_driver, *init_path, *certs_dir;
	char **insecure_registries, **registry_mirrors;
	char *bridge, *bip, *mtu;
	json_t *runtimes, *log_opts, *pools;
	int init, no_new_privileges; /* -1: not given */
};

static void usage(FILE *f)
{
	fprintf(f, "Usage:\tberthd [OPTIONS]\n\n"
		   "A Docker-compatible container engine.\n\n"
		   "Options:\n"
		   "  -H, --host list              Daemon socket(s) to connect to (unix://PATH)\n"
		   "      --data-root string       Root directory of persistent state (default "
		   "\"/var/lib/berth\")\n"
		   "      --exec-root string       Root directory for execution state files "
		   "(default \"/run/berth\")\n"
		   "  -p, --pidfile string         Path to use for daemon PID file (default "
		   "\"/run/berthd.pid\")\n"
		   "  -l, --log-level string       Set the logging level (\"debug\"|\"info\"|"
		   "\"warn\"|\"error\"|\"fatal\") (default \"info\")\n"
		   "  -D, --debug                  Enable debug mode\n"
		   "      --default-runtime string Default OCI runtime for containers (default "
		   "\"runc\")\n"
		   "      --add-runtime name=path  Register an additional OCI compatible runtime\n"
		   "      --config-file string     Daemon configuration file (default "
		   "\"" DEFAULT_CONFIG "\")\n"
		   "      --seccomp-profile string Path to seccomp profile\n"
		   "      --log-driver string      Default driver for container logs (default "
		   "\"json-file\")\n"
		   "      --log-opt map            Default log driver options for containers\n"
		   "      --init                   Run an init in every container\n"
		   "      --init-path string       Path to the docker-init binary\n"
		   "      --no-new-privileges      Set no-new-privileges by default for new "
		   "containers\n"
		   "      --insecure-registry list Enable insecure registry communication\n"
		   "      --registry-mirror list   Preferred Docker registry mirror\n"
		   "      --certs-dir string       Per-registry certificates (default "
		   "\"/etc/berth/certs.d\")\n"
		   "  -b, --bridge string          Attach containers to a network bridge (default "
		   "\"berth0\", \"none\": no default bridge)\n"
		   "      --bip string             Network bridge IP\n"
		   "      --mtu int                Set the containers network MTU\n"
		   "  -h, --help                   Print usage\n"
		   "  -v, --version                Print version information and quit\n");
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
}

/* Applies daemon.json; flags given on the command line win. */
static int load_config(struct options *o, const struct options *flags, eng_error_t *err)
{
	static const char *const known[] = {
		"data-root", "exec-root", "hosts", "pidfile", "log-level", "debug",
		"default-runtime", "runtimes", "log-driver", "log-opts", "seccomp-profile",
		"live-restore", "insecure-registries", "registry-mirrors", "bip",
		"default-address-pools", "dns", "dns-opts", "dns-search", "storage-driver",
		"experimental", "features", "init", "init-path", "no-new-privileges", "bridge", "mtu",
		NULL};
	json_auto_t *doc = NULL;
	struct stat st;
	const char *k;
	json_t *v;
	_cleanup_free_ char *unknown = NULL;

	if (stat(o->config_file, &st) < 0) {
		if (errno == ENOENT && !strcmp(o->config_file, DEFAULT_CONFIG))
			return 0;
		return eng_error_make(err, errno, ERR_INVALID, "unable to configure the daemon: "
				      "open %s: %m", o->config_file);
	}
	doc = json_read_file(o->config_file, err);
	if (!json_is_object(doc))
		return eng_error_wrap(err, "unable to configure the daemon with file %s",
				      o->config_file);
	json_object_foreach(doc, k, v)
	{
		int ok = 0;
		for (const char *const *p = known; *p; p++)
			ok |= !strcmp(*p, k);
		if (!ok) {
			char *u;
			if (asprintf(&u, "%s%s%s", unknown ? unknown : "", unknown ? ", " : "", k) < 0)
				abort();
			free(unknown);
			unknown = u;
		}
	}
	if (unknown)
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "unable to configure the daemon with file %s: the following "
				      "directives don't match any configuration option: %s",
				      o->config_file, unknown);
#define STR_KEY(key, field)                                                                        \
	if (json_str(doc, key) && !flags->field)                                                   \
		set_str(&o->field, json_str(doc, key));
	STR_KEY("data-root", data_root)
	STR_KEY("exec-root", exec_root)
	STR_KEY("pidfile", pidfile)
	STR_KEY("log-level", log_level)
	STR_KEY("default-runtime", default_runtime)
	STR_KEY("seccomp-profile", seccomp_profile)
	STR_KEY("log-driver", log_driver)
	STR_KEY("init-path", init_path)
	STR_KEY("bridge", bridge)
	STR_KEY("bip", bip)
#undef STR_KEY
	if (json_is_boolean(json_object_get(doc, "init")) && flags->init < 0)
		o->init = json_is_true(json_object_get(doc, "init"));
	if (json_is_boolean(json_object_get(doc, "no-new-privileges")) &&
	    flags->no_new_privileges < 0)
		o->no_new_privileges = json_is_true(json_object_get(doc, "no-new-privileges"));
	if (json_is_integer(json_object_get(doc, "mtu")) && !flags->mtu &&
	    asprintf(&o->mtu, "%lld", json_int(doc, "mtu", 0)) < 0)
		abort();
	if (json_is_array(json_object_get(doc, "default-address-pools")))
		o->pools = json_incref(json_object_get(doc, "default-address-pools"));
	if (json_is_true(json_object_get(doc, "debug")) && !flags->log_level)
		set_str(&o->log_level, "debug");
	if (!flags->hosts && json_is_array(json_object_get(doc, "hosts"))) {
		size_t i;
		json_array_foreach(json_object_get(doc, "hosts"), i, v) if (json_is_string(v))
			o->hosts = strv_push(o->hosts, json_string_value(v));
	}
	if (!flags->insecure_registries &&
	    json_strv(doc, "insecure-registries", &o->insecure_registries, err) < 0)
		return eng_error_wrap(err, "unable to configure the daemon with file %s",
				      o->config_file);
	if (!flags->registry_mirrors &&
	    json_strv(doc, "registry-mirrors", &o->registry_mirrors, err) < 0)
		return eng_error_wrap(err, "unable to configure the daemon with file %s",
				      o->config_file);
	if (json_is_object(json_object_get(doc, "runtimes")))
		json_object_update(o->runtimes, json_object_get(doc, "runtimes"));
	if (json_is_object(json_object_get(doc, "log-opts")) && !json_object_size(o->log_opts))
		json_object_update(o->log_opts, json_object_get(doc, "log-opts"));
	return 0;
}

static struct http_server *server;

static void *signal_thread(void *arg)
{
	sigset_t *set = arg;
	int sig;
	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP)
			continue; /* config reload: nothing reloadable yet */
		log_info("received signal %d, shutting down", sig);
		http_server_stop(server);
		return NULL;
	}
}

/* One daemon per data-root: an flock held for the daemon's lifetime. */
static int lock_data_root(const char *root, eng_error_t *err)
{
	_cleanup_free_ char *path = path_join(root, "berthd.lock");
	int fd;
	if (mkdir_p(root, 0711, err) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "opening %s: %m", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return eng_error_make(err, EBUSY, ERR_CONFLICT,
				      "another berthd is already running with data-root %s "
				      "(lock %s is held)",
				      root, path);
	}
	return fd; /* kept open: the lock lives as long as the process */
}

static void ensure_engine_id(const char *root)
{
	_cleanup_free_ char *path = path_join(root, "engine-id");
	struct stat st;
	char id[65], uuid[40];
	if (stat(path, &st) == 0)
		return;
	random_hex_id(id);
	snprintf(uuid, sizeof(uuid), "%.8s-%.4s-%.4s-%.4s-%.12s", id, id + 8, id + 12, id + 16,
		 id + 20);
	write_file_atomic(path, uuid, strlen(uuid), NULL);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"host", required_argument, NULL, 'H'},
		{"data-root", required_argument, NULL, 1},
		{"exec-root", required_argument, NULL, 2},
		{"pidfile", required_argument, NULL, 'p'},
		{"log-level", required_argument, NULL, 'l'},
		{"debug", no_argument, NULL, 'D'},
		{"default-runtime", required_argument, NULL, 3},
		{"config-file", required_argument, NULL, 4},
		{"add-runtime", required_argument, NULL, 5},
		{"seccomp-profile", required_argument, NULL, 6},
		{"log-driver", required_argument, NULL, 7},
		{"log-opt", required_argument, NULL, 8},
		{"init", no_argument, NULL, 9},
		{"init-path", required_argument, NULL, 10},
		{"no-new-privileges", no_argument, NULL, 11},
		{"insecure-registry", required_argument, NULL, 12},
		{"registry-mirror", required_argument, NULL, 13},
		{"certs-dir", required_argument, NULL, 14},
		{"bridge", required_argument, NULL, 'b'},
		{"bip", required_argument, NULL, 15},
		{"mtu", required_argument, NULL, 16},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		{0},
	};
	struct options o = {.runtimes = json_object(), .log_opts = json_object()};
	struct options given = {.init = -1, .no_new_privileges = -1};
	eng_error_t err;
	struct engine *eng = NULL;
	int ch, lockfd, rc = 1, n;
	char pid[32];
	sigset_t sigs;
	pthread_t sigthr;

	/* one malloc arena: per-thread arenas would keep the heap of every past connection
	 * thread resident, and the daemon's allocations are small and short */
	mallopt(M_ARENA_MAX, 1);
	while ((ch = getopt_long(argc, argv, "H:p:l:b:Dhv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			o.hosts = strv_push(o.hosts, optarg);
			given.hosts = o.hosts;
			break;
		case 1:
			set_str(&o.data_root, optarg);
			given.data_root = o.data_root;
			break;
		case 2:
			set_str(&o.exec_root, optarg);
			given.exec_root = o.exec_root;
			break;
		case 'p':
			set_str(&o.pidfile, optarg);
			given.pidfile = o.pidfile;
			break;
		case 'l':
			set_str(&o.log_level, optarg);
			given.log_level = o.log_level;
			break;
		case 'D':
			set_str(&o.log_level, "debug");
			given.log_level = o.log_level;
			break;
		case 3:
			set_str(&o.default_runtime, optarg);
			given.default_runtime = o.default_runtime;
			break;
		case 4:
			set_str(&o.config_file, optarg);
			break;
		case 5: {
			char *eq = strchr(optarg, '=');
			if (!eq) {
				fprintf(stderr, "berthd: --add-runtime needs name=path\n");
				return 1;
			}
			*eq = 0;
			json_object_set_new(o.runtimes, optarg, json_pack("{s:s}", "path", eq + 1));
			break;
		}
		case 6:
			set_str(&o.seccomp_profile, optarg);
			given.seccomp_profile = o.seccomp_profile;
			break;
		case 7:
			set_str(&o.log_driver, optarg);
			given.log_driver = o.log_driver;
			break;
		case 8: {
			char *eq = strchr(optarg, '=');
			if (!eq) {
				fprintf(stderr, "berthd: --log-opt needs key=value\n");
				return 1;
			}
			*eq = 0;
			json_object_set_new(o.log_opts, optarg, json_string(eq + 1));
			break;
		}
		case 9:
			o.init = given.init = 1;
			break;
		case 10:
			set_str(&o.init_path, optarg);
			given.init_path = o.init_path;
			break;
		case 11:
			o.no_new_privileges = given.no_new_privileges = 1;
			break;
		case 12:
			o.insecure_registries = strv_push(o.insecure_registries, optarg);
			given.insecure_registries = o.insecure_registries;
			break;
		case 13:
			o.registry_mirrors = strv_push(o.registry_mirrors, optarg);
			given.registry_mirrors = o.registry_mirrors;
			break;
		case 14:
			set_str(&o.certs_dir, optarg);
			break;
		case 'b':
			set_str(&o.bridge, optarg);
			given.bridge = o.bridge;
			break;
		case 15:
			set_str(&o.bip, optarg);
			given.bip = o.bip;
			break;
		case 16:
			set_str(&o.mtu, optarg);
			given.mtu = o.mtu;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			printf("berthd version 0.1.0, API 1.51\n");
			return 0;
		default:
			usage(stderr);
			return 125;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "berthd: unexpected argument: %s\n", argv[optind]);
		return 125;
	}
	if (!o.config_file)
		o.config_file = strdup(DEFAULT_CONFIG);
	if (load_config(&o, &given, &err) < 0) {
		fprintf(stderr, "berthd: %s\n", err.msg);
		return 1;
	}
	if (!o.data_root)
		o.data_root = strdup("/var/lib/berth");
	if (!o.exec_root)
		o.exec_root = strdup("/run/berth");
	if (!o.pidfile)
		o.pidfile = strdup("/run/berthd.pid");
	if (!o.default_runtime)
		o.default_runtime = strdup("runc");
	if (!o.log_driver)
		o.log_driver = strdup("json-file");
	if (!o.certs_dir)
		o.certs_dir = strdup("/etc/berth/certs.d");
	if (!o.hosts)
		o.hosts = strv_push(o.hosts, "unix:///run/berth.sock");
	if (o.log_level && log_set_level(o.log_level) < 0) {
		fprintf(stderr, "berthd: unable to parse logging level: %s\n", o.log_level);
		return 1;
	}
	if (strcmp(o.log_driver, "json-file") && strcmp(o.log_driver, "none")) {
		fprintf(stderr, "berthd: logger: no log driver named '%s' is registered\n",
			o.log_driver);
		return 1;
	}

	/* signals go to one thread; every other thread (connections) blocks them */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	lockfd = lock_data_root(o.data_root, &err);
	if (lockfd < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	ensure_engine_id(o.data_root);
	if (mkdir_p(o.exec_root, 0700, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	struct engine_config cfg = {
		.data_root = o.data_root,
		.exec_root = o.exec_root,
		.default_runtime = o.default_runtime,
		.runtimes = o.runtimes,
		.seccomp_profile = o.seccomp_profile,
		.log_driver = o.log_driver,
		.log_opts = o.log_opts,
		.init = o.init,
		.init_path = o.init_path,
		.no_new_privileges = o.no_new_privileges,
		.insecure_registries = o.insecure_registries,
		.registry_mirrors = o.registry_mirrors,
		.certs_dir = o.certs_dir,
		.bridge = o.bridge,
		.bip = o.bip,
		.address_pools = o.pools,
		.mtu = o.mtu ? atoi(o.mtu) : 0,
	};
	if (engine_open(&cfg, &eng, &err) < 0) {
		log_error("starting the engine: %s", err.msg);
		return 1;
	}
	server = http_server_new(api_handle, eng);
	for (char **h = o.hosts; *h; h++) {
		const char *path = *h;
		if (!strncmp(path, "unix://", 7))
			path += 7;
		else if (strstr(path, "://")) {
			log_error("listener %s: only unix:// sockets are supported so far", *h);
			goto out;
		}
		if (http_server_listen_unix(server, path, &err) < 0) {
			log_error("%s", err.msg);
			goto out;
		}
		log_info("API listen on %s", path);
	}
	n = snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_file_atomic(o.pidfile, pid, (size_t)n, &err) < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	pthread_create(&sigthr, NULL, signal_thread, &sigs);
	log_info("berthd started (data-root %s, exec-root %s)", o.data_root, o.exec_root);
	http_server_run(server);
	unlink(o.pidfile);
	rc = 0;
	log_info("berthd stopped; containers keep running under their shims");
out:
	engine_free(eng);
	http_server_free(server);
	close(lockfd);
	return rc;
}
