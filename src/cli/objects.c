#include "objects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "containers.h"
#include "format.h"
#include "values.h"
#include "../common/cleanup.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

int inspect_objects(const char *collection, char **names, const char *format, bool remarshal)
{
	_cleanup_json_ json_t *out = json_array();
	_cleanup_strv_ char **errs = NULL;
	int failed = 0;

	for (char **n = names; *n; n++) {
		_cleanup_free_ char *path = NULL, *en = client_escape(*n), *msg = NULL;
		json_t *j;
		int status;
		if (asprintf(&path, "/%s/%s", collection, en) < 0)
			return 1;
		if ((j = client_json("GET", path, NULL, &status, &msg)) && remarshal) {
			/* Go map keys come out sorted */
			_cleanup_free_ char *sorted = json_dumps(j, JSON_SORT_KEYS);
			json_decref(j);
			j = json_loads(sorted, 0, NULL);
		}
		if (j)
			json_array_append_new(out, j);
		else if (msg)
			errs = strv_push(errs, msg);
		failed |= !j;
	}
	failed |= containers_print_inspect(out, format);
	for (char **e = errs; e && *e; e++)
		fmt_daemon_error(*e);
	return failed;
}

static int cmp_name(const void *a, const void *b)
{
	const char *x = json_str(*(json_t *const *)a, "Name"), *y = json_str(*(json_t *const *)b, "Name");
	return strverscmp(x ? x : "", y ? y : "");
}

int list_objects(const struct list_spec *spec, char **filters, const char *format, bool quiet,
                 bool trunc, json_t *headers)
{
	_cleanup_free_ char *fq = cli_filters_query(filters, NULL, NULL), *path = NULL;
	_cleanup_free_ json_t **objs = NULL;
	_cleanup_json_ json_t *list = NULL, *rows = json_array();
	json_t *arr, *o;
	size_t i, n;

	if (!fq)
		return 125;
	if (asprintf(&path, "/%s%s%s", spec->collection, *fq ? "?filters=" : "", fq) < 0 ||
	    !(list = client_call("GET", path, NULL)))
		return 1;
	arr = spec->array_key ? json_object_get(list, spec->array_key) : list;
	n = json_array_size(arr);
	objs = calloc(n + 1, sizeof(*objs));
	json_array_foreach(arr, i, o) objs[i] = o;
	qsort(objs, n, sizeof(*objs), cmp_name);
	for (i = 0; i < n; i++)
		json_array_append_new(rows, spec->row(objs[i], trunc));
	if (quiet && !(format && *format))
		return fmt_rows(NULL, spec->quiet_tmpl, headers, rows);
	return fmt_rows(format, spec->def, headers, rows);
}

int remove_objects(const char *collection, char **names, const char *query, bool ignore_missing)
{
	int failed = 0;

	for (char **n = names; *n; n++) {
		_cleanup_free_ char *path = NULL, *en = client_escape(*n), *msg = NULL;
		json_t *j;
		int status;
		if (asprintf(&path, "/%s/%s%s", collection, en, query) < 0)
			return 1;
		if ((j = client_json("DELETE", path, NULL, &status, &msg))) {
			json_decref(j);
			printf("%s\n", *n);
		} else if (!(ignore_missing && status == 404)) {
			if (msg)
				fmt_daemon_error(msg);
			failed = 1;
		}
	}
	return failed;
}
