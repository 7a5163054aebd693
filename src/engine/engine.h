#pragma once
/* The engine: containers, their state machine and persistence, and the wiring between the
 * image store, the runtime and the shims. Never includes http/ or api/. */
#include <stdint.h>
#include <jansson.h>
#include "../common/error.h"

struct image_store;

struct engine_config {
	char *data_root;       /* /var/lib/berth */
	char *exec_root;       /* /run/berth */
	char *default_runtime; /* "runc" */
	json_t *runtimes;      /* daemon.json "runtimes": {"name": {"path": ...}} */
	char *libexec_dir;     /* where berth-shim and berth-untar live */
	char *seccomp_profile; /* path of docker's seccomp profile JSON, NULL for built-in search */
	char *log_driver;      /* "json-file" */
	json_t *log_opts;      /* {"max-size": "10m", "max-file": "3"} */
	int init;              /* --init for every container */
	char *init_path;       /* docker-init (tini) to use; NULL: search PATH */
	int no_new_privileges; /* --no-new-privileges for every container */
	char **insecure_registries; /* daemon.json "insecure-registries" (NULL-terminated) */
	char **registry_mirrors;    /* daemon.json "registry-mirrors" */
	char *certs_dir;            /* /etc/berth/certs.d: <host:port>/{ca.crt,client.*} */
	char *bridge;          /* -b: the default bridge's interface, "none" for no bridge */
	char *bip;             /* --bip */
	json_t *address_pools; /* default-address-pools */
	int mtu;
};

struct engine;

int engine_open(const struct engine_config *cfg, struct engine **ret, eng_error_t *err);
void engine_free(struct engine *eng);

/* Borrowed while the engine lives. */
struct image_store *engine_image_store(struct engine *eng);
const struct engine_config *engine_config(struct engine *eng);
