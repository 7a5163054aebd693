#pragma once
/* jansson helpers shared by every module. */
#include <jansson.h>
#include "cleanup.h"
#include "error.h"

/* jansson provides json_decrefp (NULL-safe). */
#define _cleanup_json_ _cleanup_(json_decrefp)

/* Borrowed string member or NULL when absent / not a string. */
const char *json_str(const json_t *obj, const char *key);
/* Integer member (also accepts real), `def` when absent. */
long long json_int(const json_t *obj, const char *key, long long def);
/* Boolean member, `def` when absent or null. */
int json_bool(const json_t *obj, const char *key, int def);
/* Array of strings -> NULL-terminated strv (caller frees with strv_free); NULL for null/absent.
 * Returns -1 with ERR_INVALID when the member is not an array of strings. */
int json_strv(const json_t *obj, const char *key, char ***ret, eng_error_t *err);
json_t *json_strv_new(char *const *v); /* new reference; [] for NULL */

/* Writes `doc` to `path` atomically (tmp, fsync, rename, fsync dir). */
int json_write_atomic(const char *path, const json_t *doc, eng_error_t *err);
/* Reads a JSON document from `path` (new reference). */
json_t *json_read_file(const char *path, eng_error_t *err);
