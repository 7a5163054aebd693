/* Disk usage: images (with the size they share with other images), containers (SizeRw),
 * volumes (size and reference count), and an empty build cache, for berth has none. */
#include "system_df.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"
#include "../engine/container.h"
#include "../engine/engine.h"
#include "../engine/volumes.h"
#include "../image/store.h"

#include <stdlib.h>
#include <string.h>

static int wanted(char **types, const char *t)
{
	return !types || !*types || strv_contains(types, t);
}

static json_t *images_usage(struct engine *eng, struct container **ctrs, size_t nctrs,
			    int64_t *ret_layers)
{
	struct image **list = image_list(engine_image_store(eng));
	json_auto_t *users = json_object(); /* chain id -> number of images using it */
	json_auto_t *sizes = json_object();
	json_t *out = json_array(), *v;
	const char *k;

	for (struct image **p = list; *p; p++)
		for (char **c = (*p)->chain_ids; c && *c; c++) {
			json_t *n = json_object_get(users, *c);
			json_object_set_new(users, *c, json_integer(n ? json_integer_value(n) + 1 : 1));
			if (!n)
				json_object_set_new(sizes, *c, json_integer(image_layer_size(engine_image_store(eng), *c)));
		}
	*ret_layers = 0;
	json_object_foreach(sizes, k, v) *ret_layers += json_integer_value(v);
	for (struct image **p = list; *p; p++) {
		int64_t shared = 0;
		int containers = 0;
		for (char **c = (*p)->chain_ids; c && *c; c++)
			if (json_integer_value(json_object_get(users, *c)) > 1)
				shared += json_integer_value(json_object_get(sizes, *c));
		for (size_t i = 0; i < nctrs; i++)
			containers += !strcmp(ctrs[i]->image_id, (*p)->id);
		json_t *doc = image_summary_json(*p, containers);
		json_object_set_new(doc, "SharedSize", json_integer(shared));
		json_array_append_new(out, doc);
	}
	image_list_free(list);
	return out;
}

void api_system_df(struct http_request *req, struct engine *eng)
{
	_cleanup_strv_ char **types = http_query_all(req, "type");
	static const char *const known[] = {"container", "image", "volume", "build-cache", NULL};
	json_t *out = json_object();
	size_t n;
	struct container **ctrs;

	http_body_discard(req);
	for (char **t = types; t && *t; t++) {
		int ok = 0;
		for (size_t i = 0; known[i]; i++)
			ok |= !strcmp(*t, known[i]);
		if (!ok) {
			json_decref(out);
			http_reply_error(req, 400, "unknown object type: %s", *t);
			return;
		}
	}
	ctrs = engine_container_list(eng, &n);
	if (wanted(types, "image")) {
		int64_t layers = 0;
		json_object_set_new(out, "Images", images_usage(eng, ctrs, n, &layers));
		json_object_set_new(out, "LayersSize", json_integer(layers));
	}
	if (wanted(types, "container")) {
		json_t *cs = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(cs, engine_container_summary(eng, ctrs[i], 1));
		json_object_set_new(out, "Containers", cs);
	}
	engine_container_list_free(eng, ctrs, n);
	if (wanted(types, "volume"))
		json_object_set_new(out, "Volumes", engine_volume_usage(eng));
	if (wanted(types, "build-cache"))
		json_object_set_new(out, "BuildCache", json_array());
	http_reply_json(req, 200, out);
}

void api_build_prune(struct http_request *req, struct engine *eng)
{
	(void)eng;
	http_body_discard(req);
	http_reply_json(req, 200, json_pack("{s:n, s:i}", "CachesDeleted", "SpaceReclaimed", 0));
}
