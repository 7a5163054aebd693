#include "jsonutil.h"
#include "fsutil.h"
#include "strv.h"

#include <errno.h>
#include <string.h>

const char *json_str(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

long long json_int(const json_t *obj, const char *key, long long def)
{
	json_t *v = json_object_get(obj, key);
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (long long)json_real_value(v);
	return def;
}

int json_bool(const json_t *obj, const char *key, int def)
{
	json_t *v = json_object_get(obj, key);
	if (json_is_boolean(v))
		return json_is_true(v);
	return def;
}

int json_strv(const json_t *obj, const char *key, char ***ret, eng_error_t *err)
{
	json_t *arr = json_object_get(obj, key), *v;
	size_t i;
	char **out;

	*ret = NULL;
	if (!arr || json_is_null(arr))
		return 0;
	if (json_is_string(arr)) {
		/* docker accepts a bare string for Cmd/Entrypoint and friends */
		out = calloc(2, sizeof(char *));
		out[0] = strdup(json_string_value(arr));
		*ret = out;
		return 0;
	}
	if (!json_is_array(arr))
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "json: cannot unmarshal %s into field %s of type []string",
				      json_is_object(arr) ? "object" : "number", key);
	out = calloc(json_array_size(arr) + 1, sizeof(char *));
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v)) {
			strv_free(out);
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "json: cannot unmarshal non-string into field %s of type string",
					      key);
		}
		out[i] = strdup(json_string_value(v));
	}
	*ret = out;
	return 0;
}

json_t *json_strv_new(char *const *v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

int json_write_atomic(const char *path, const json_t *doc, eng_error_t *err)
{
	_cleanup_free_ char *s = json_dumps(doc, JSON_COMPACT);
	if (!s)
		return eng_error_make(err, ENOMEM, ERR_INTERNAL, "encoding %s", path);
	return write_file_atomic(path, s, strlen(s), err);
}

json_t *json_read_file(const char *path, eng_error_t *err)
{
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	if (!j) {
		eng_error_make(err, errno, ERR_INTERNAL, "reading %s: %s", path, jerr.text);
		return NULL;
	}
	return j;
}
