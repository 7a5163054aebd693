#pragma once
/* docker's `filters` query parameter: {"key": ["v1", "v2"]}, or the older
 * {"key": {"v1": true}} form. Parsed into an object of string arrays. */
#include <jansson.h>
#include "error.h"

/* NULL or "" gives an empty object. ERR_INVALID for malformed JSON. New reference. */
json_t *filters_parse(const char *s, eng_error_t *err);
/* ERR_INVALID "invalid filter 'k'" when a key is not in the NULL-terminated list. */
int filters_check_keys(const json_t *f, const char *const *allowed, eng_error_t *err);
/* The values of `key` (borrowed array, NULL when absent). */
json_t *filters_get(const json_t *f, const char *key);
/* Every "label" value ("k" or "k=v") matches `labels` (an object, may be NULL);
 * `key` is "label" or "label!" (negated: none may match). */
int filters_match_labels(const json_t *f, const char *key, const json_t *labels);
