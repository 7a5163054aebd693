#pragma once
/* HostConfig's privilege and isolation options on a container's OCI spec: --privileged,
 * --device, --device-cgroup-rule, --pid/--ipc/--uts/--cgroupns, --init, --security-opt,
 * and the seccomp filter for the container's capability set. */
#include <jansson.h>
#include "../common/error.h"

struct engine;
struct container;

/* At create: docker's errors for bad modes, device rules and security options. */
int security_check(const json_t *hc, eng_error_t *err);
/* At create: dockerd's defaults that inspect shows (IpcMode private, CgroupnsMode). */
void security_defaults(json_t *hc);
/* At start, after the resource options: edits `spec` in place. May mount the host-side
 * /dev/shm of a shareable IPC namespace, which security_release unmounts at exit. */
int security_apply(struct engine *eng, struct container *c, json_t *spec, eng_error_t *err);
void security_release(struct engine *eng, struct container *c);
