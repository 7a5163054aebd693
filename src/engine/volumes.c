/* Volume operations that need to know which containers use a volume. */
#include "volumes.h"
#include "engine-internal.h"
#include "events.h"
#include "mounts.h"
#include "../common/cleanup.h"
#include "../common/filters.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../volume/store.h"

#include <errno.h>
#include <regex.h>
#include <string.h>

static int check_driver(const char *name, const char *driver, eng_error_t *err)
{
	if (!driver || !*driver || !strcmp(driver, "local"))
		return 0;
	return eng_error_make(err, ENOENT, ERR_NOT_FOUND,
			      "create %s: error looking up volume plugin %s: plugin \"%s\" not "
			      "found",
			      name ? name : "", driver, driver);
}

json_t *engine_volume_create(struct engine *eng, const char *name, const char *driver,
			     const json_t *opts, const json_t *labels, eng_error_t *err)
{
	struct volume *v;
	json_t *doc;

	if (check_driver(name, driver, err) < 0)
		return NULL;
	if (labels && !json_is_object(labels) && !json_is_null(labels)) {
		eng_error_make(err, EINVAL, ERR_INVALID, "json: cannot unmarshal into Go struct "
			       "field CreateOptions.Labels of type map[string]string");
		return NULL;
	}
	if (opts && !json_is_object(opts) && !json_is_null(opts)) {
		eng_error_make(err, EINVAL, ERR_INVALID, "json: cannot unmarshal into Go struct "
			       "field CreateOptions.DriverOpts of type map[string]string");
		return NULL;
	}
	int created;
	v = volume_create(eng->volumes, name, opts, labels, &created, err);
	if (!v)
		return NULL;
	if (created)
		engine_event(eng, "volume", "create", v->name, json_pack("{s:s}", "driver", "local"));
	doc = volume_to_json(v);
	volume_free(v);
	return doc;
}

json_t *engine_volume_inspect(struct engine *eng, const char *name, eng_error_t *err)
{
	struct volume *v = volume_get(eng->volumes, name, err);
	json_t *doc;
	if (!v)
		return NULL;
	doc = volume_to_json(v);
	volume_free(v);
	return doc;
}

/* docker's filters.GetBoolOrDefault */
static int filter_bool(const json_t *f, const char *key, int *ret, eng_error_t *err)
{
	json_t *vals = filters_get(f, key), *v;
	int t = 0, fl = 0;
	size_t i;

	json_array_foreach(vals, i, v)
	{
		const char *s = json_string_value(v);
		t |= s && (!strcmp(s, "1") || !strcmp(s, "true"));
		fl |= s && (!strcmp(s, "0") || !strcmp(s, "false"));
	}
	if (t == fl)
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid filter '%s=%s'", key,
				      json_string_value(json_array_get(vals, 0)) ?: "");
	*ret = t;
	return 0;
}

/* docker's filter.Match: any value as a regular expression matching somewhere. */
static int filter_match(const json_t *f, const char *key, const char *s)
{
	json_t *vals = filters_get(f, key), *v;
	size_t i;

	if (!json_array_size(vals))
		return 1;
	json_array_foreach(vals, i, v)
	{
		const char *pat = json_string_value(v);
		regex_t re;
		int ok;
		if (!pat)
			continue;
		if (regcomp(&re, pat, REG_EXTENDED | REG_NOSUB) != 0) {
			if (strstr(s, pat))
				return 1;
			continue;
		}
		ok = regexec(&re, s, 0, NULL, 0) == 0;
		regfree(&re);
		if (ok)
			return 1;
	}
	return 0;
}

static int filter_exact(const json_t *f, const char *key, const char *s)
{
	json_t *vals = filters_get(f, key), *v;
	size_t i;
	if (!json_array_size(vals))
		return 1;
	json_array_foreach(vals, i, v) if (json_string_value(v) && !strcmp(json_string_value(v), s))
		return 1;
	return 0;
}

static int in_use(struct engine *eng, const char *name)
{
	json_auto_t *users = mounts_volume_users(eng, name);
	return json_array_size(users) > 0;
}

json_t *engine_volume_list(struct engine *eng, const json_t *filters, eng_error_t *err)
{
	static const char *const keys[] = {"dangling", "name", "driver", "label", NULL};
	struct volume **list;
	json_t *out;
	int dangling = -1;

	if (filters && filters_check_keys(filters, keys, err) < 0)
		return NULL;
	if (filters && filters_get(filters, "dangling") &&
	    filter_bool(filters, "dangling", &dangling, err) < 0)
		return NULL;
	list = volume_list(eng->volumes);
	out = json_array();
	for (struct volume **p = list; *p; p++) {
		struct volume *v = *p;
		if (filters && (!filter_exact(filters, "driver", v->driver) ||
				!filter_match(filters, "name", v->name) ||
				!filters_match_labels(filters, "label", v->labels)))
			continue;
		if (dangling >= 0 && in_use(eng, v->name) == dangling)
			continue;
		json_array_append_new(out, volume_to_json(v));
	}
	volume_list_free(list);
	return out;
}

int engine_volume_remove(struct engine *eng, const char *name, int force, eng_error_t *err)
{
	struct volume *v = volume_get(eng->volumes, name, err);
	json_auto_t *users = NULL;

	if (!v)
		return force && err->kind == ERR_NOT_FOUND ? 0 : -1;
	volume_free(v);
	users = mounts_volume_users(eng, name);
	if (json_array_size(users)) {
		char ids[4096];
		size_t len = 0, i;
		json_t *id;
		ids[0] = 0;
		json_array_foreach(users, i, id)
			len += (size_t)snprintf(ids + len, len < sizeof(ids) ? sizeof(ids) - len : 0,
						"%s%s", i ? " " : "", json_string_value(id));
		return eng_error_make(err, EBUSY, ERR_CONFLICT,
				      "remove %s: volume is in use - [%s]", name, ids);
	}
	if (volume_remove(eng->volumes, name, err) < 0)
		return -1;
	engine_event(eng, "volume", "destroy", name, json_pack("{s:s}", "driver", "local"));
	return 0;
}

json_t *engine_volume_prune(struct engine *eng, const json_t *filters, int all,
			    eng_error_t *err)
{
	static const char *const keys[] = {"label", "label!", "all", NULL};
	json_t *deleted, *allv = filters ? filters_get(filters, "all") : NULL;
	struct volume **list;
	int64_t reclaimed = 0;

	if (filters && filters_check_keys(filters, keys, err) < 0)
		return NULL;
	if (json_array_size(allv) > 1) {
		eng_error_make(err, EINVAL, ERR_INVALID, "invalid filter 'all=[%s %s]': only one "
			       "value is expected",
			       json_string_value(json_array_get(allv, 0)),
			       json_string_value(json_array_get(allv, 1)));
		return NULL;
	}
	if (json_array_size(allv) == 1) {
		const char *s = json_string_value(json_array_get(allv, 0)) ?: "";
		if (!strcmp(s, "1") || !strcasecmp(s, "true") || !strcmp(s, "t"))
			all = 1;
		else if (strcmp(s, "0") && strcasecmp(s, "false") && strcmp(s, "f")) {
			eng_error_make(err, EINVAL, ERR_INVALID, "invalid filter 'all': "
				       "strconv.ParseBool: parsing \"%s\": invalid syntax", s);
			return NULL;
		}
	}
	deleted = json_array();
	list = volume_list(eng->volumes);
	for (struct volume **p = list; *p; p++) {
		struct volume *v = *p;
		eng_error_t e;
		/* volumes with mount options hold data prune must not throw away */
		if (json_object_size(v->options) || (!all && !volume_is_anonymous(v)))
			continue;
		if (filters && (!filters_match_labels(filters, "label", v->labels) ||
				!filters_match_labels(filters, "label!", v->labels)))
			continue;
		if (in_use(eng, v->name))
			continue;
		int64_t size = volume_size(v);
		if (volume_remove(eng->volumes, v->name, &e) < 0) {
			log_warn("prune: volume %s: %s, ignoring", v->name, e.msg);
			continue;
		}
		reclaimed += size;
		engine_event(eng, "volume", "destroy", v->name,
			     json_pack("{s:s}", "driver", "local"));
		json_array_append_new(deleted, json_string(v->name));
	}
	volume_list_free(list);
	return json_pack("{s:o, s:I}", "VolumesDeleted", deleted, "SpaceReclaimed",
			 (json_int_t)reclaimed);
}

json_t *engine_volume_usage(struct engine *eng)
{
	struct volume **list = volume_list(eng->volumes);
	json_t *out = json_array();

	for (struct volume **p = list; *p; p++) {
		/* docker leaves out volumes with mount options: their data may be remote */
		if (json_object_size((*p)->options))
			continue;
		json_auto_t *users = mounts_volume_users(eng, (*p)->name);
		json_t *doc = volume_to_json(*p);
		int64_t size = volume_size(*p);
		json_object_set_new(doc, "UsageData",
				    json_pack("{s:I, s:I}", "Size", (json_int_t)size, "RefCount",
					      (json_int_t)json_array_size(users)));
		json_array_append_new(out, doc);
	}
	volume_list_free(list);
	return out;
}
