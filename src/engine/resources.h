#pragma once
/* HostConfig's resource, capability and process options applied to an OCI spec built by
 * runtime/oci.c: memory, CPU, pids and block I/O limits, ulimits, cap-add/cap-drop,
 * sysctls, group-add, OOM score, read-only root. */
#include <jansson.h>
#include "../common/error.h"

/* Validates at create time, or (update) a `docker update` body or its result, with
 * docker's messages (ERR_INVALID). */
int host_config_check_resources(const json_t *hc, int update, eng_error_t *err);
/* Edits `spec` in place. */
int host_config_apply(json_t *spec, const json_t *hc, eng_error_t *err);
