#include "filters.h"
#include "jsonutil.h"

#include <errno.h>
#include <string.h>

json_t *filters_parse(const char *s, eng_error_t *err)
{
	json_t *out = json_object(), *in, *v;
	json_error_t jerr;
	const char *k;

	if (!s || !*s)
		return out;
	in = json_loads(s, 0, &jerr);
	if (!json_is_object(in)) {
		json_decref(in);
		json_decref(out);
		eng_error_make(err, EINVAL, ERR_INVALID, "invalid filter: %s", jerr.text);
		return NULL;
	}
	json_object_foreach(in, k, v)
	{
		json_t *arr = json_array(), *x;
		size_t i;
		const char *vk;
		if (json_is_array(v)) {
			json_array_foreach(v, i, x) if (json_is_string(x)) json_array_append(arr, x);
		} else if (json_is_object(v)) {
			json_object_foreach(v, vk, x) if (json_is_true(x))
				json_array_append_new(arr, json_string(vk));
		} else if (json_is_string(v)) {
			json_array_append(arr, v);
		}
		json_object_set_new(out, k, arr);
	}
	json_decref(in);
	return out;
}

int filters_check_keys(const json_t *f, const char *const *allowed, eng_error_t *err)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)f, k, v)
	{
		int ok = 0;
		for (const char *const *a = allowed; *a; a++)
			ok |= !strcmp(*a, k);
		if (!ok)
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid filter '%s'", k);
	}
	return 0;
}

json_t *filters_get(const json_t *f, const char *key)
{
	json_t *v = json_object_get(f, key);
	return json_is_array(v) && json_array_size(v) ? v : NULL;
}

static int label_matches(const char *spec, const json_t *labels)
{
	const char *eq = strchr(spec, '=');
	char key[512];
	const char *have;

	snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - spec) : (int)strlen(spec), spec);
	if (!json_is_object(labels) || !json_object_get(labels, key))
		return 0;
	if (!eq)
		return 1;
	have = json_str(labels, key);
	return have && !strcmp(have, eq + 1);
}

int filters_match_labels(const json_t *f, const char *key, const json_t *labels)
{
	json_t *vals = filters_get(f, key), *v;
	int negate = key[strlen(key) - 1] == '!';
	size_t i;

	json_array_foreach(vals, i, v)
	{
		int m = label_matches(json_string_value(v), labels);
		if (negate ? m : !m)
			return 0;
	}
	return 1;
}
