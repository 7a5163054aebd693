#pragma once
/* ls and inspect of the objects known by name (volumes, networks), as the docker CLI
 * prints them. */
#include <stdbool.h>
#include <jansson.h>

/* docker's inspect of /<collection>/<name> for each name: the found ones printed, then
 * the errors. `remarshal` when the docker CLI decodes the object into its Go type before
 * printing it (volumes) rather than indenting the daemon's JSON. Returns 0 or 1. */
int inspect_objects(const char *collection, char **names, const char *format, bool remarshal);

struct list_spec {
	const char *collection; /* GET /<collection>?filters=... */
	const char *array_key;  /* the list's key in the answer, NULL when it is the array */
	json_t *(*row)(json_t *obj, bool trunc); /* new reference */
	const char *quiet_tmpl, *def;             /* -q's template, the default format */
};
/* The filtered list in natural order of Name, rendered through --format, -q or the default.
 * Returns the exit code. */
int list_objects(const struct list_spec *spec, char **filters, const char *format, bool quiet,
                 bool trunc, json_t *headers);

/* DELETE /<collection>/<name><query> for each name, printing each removed name; a missing
 * one is no error when `ignore_missing`. Returns the exit code. */
int remove_objects(const char *collection, char **names, const char *query, bool ignore_missing);
