#pragma once
/* docker exec: exec instances of running containers. Like dockerd, berthd keeps them in
 * memory only; each started exec runs under a berth-shim of its own (docs/shim.md, exec
 * mode) with its files in <bundle>/execs/<exec-id>/. Fields are guarded by eng->lock. */
#include <stdint.h>
#include <jansson.h>
#include "../common/error.h"

struct engine;
struct container;
struct exec;

/* POST /containers/{id}/exec. `name` is the reference the client used (docker's paused
 * error quotes it). `body` is docker's ExecConfig. */
int engine_exec_create(struct engine *eng, struct container *c, const char *name,
                       const json_t *body, char ret_id[65], eng_error_t *err);

/* Exact ID lookup, a new reference (engine_exec_unref); ERR_NOT_FOUND "No such exec
 * instance: <id>", also once its container is gone. */
struct exec *engine_exec_get(struct engine *eng, const char *id, eng_error_t *err);
void engine_exec_unref(struct engine *eng, struct exec *e);

/* dockerd's ExecExists check before start and resize: the container must be running and
 * not paused (ERR_CONFLICT). */
int engine_exec_check(struct engine *eng, struct exec *e, eng_error_t *err);
int engine_exec_tty(struct engine *eng, struct exec *e);
/* The streams the exec was created with, as SHIM_STDIN | SHIM_STDOUT | SHIM_STDERR. */
unsigned engine_exec_streams(struct engine *eng, struct exec *e);

/* Starts the exec. `fd` is the hijacked client connection (consumed; the process's stdio
 * from its first byte), or -1 for a detached start. rows/cols: the console size, 0 for
 * the one given at create. On failure the exec has run (ExitCode 126/127/128 as docker
 * derives it from the runtime's message) and err says why. */
int engine_exec_start(struct engine *eng, struct exec *e, int fd, unsigned rows, unsigned cols,
                      eng_error_t *err);

/* GET /exec/{id}/json (new reference). */
json_t *engine_exec_inspect(struct engine *eng, struct exec *e);

/* Waits up to timeout_ms for the exec to end: 0 and its exit code, or -1 on timeout. */
int engine_exec_wait(struct engine *eng, struct exec *e, int64_t timeout_ms, int *ret_code);
/* Signals a running exec's process. */
void engine_exec_kill(struct engine *eng, struct exec *e, int sig);

/* Resizes the exec's PTY. */
int engine_exec_resize(struct engine *eng, struct exec *e, unsigned rows, unsigned cols,
                       eng_error_t *err);
