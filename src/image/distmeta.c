/* Where each layer lives in registries: for a diff ID, the compressed blobs (digest, size,
 * media type) that unpack to it and the registry repositories known to hold them, as
 * <data-root>/image/distribution/<diff hex>.json. Pull records what it fetched, push what
 * it uploaded; push uses it to skip blobs a repository has and to mount blobs from another
 * repository of the same registry instead of uploading them again (docker's v2 metadata). */
#include "store-internal.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"

#include <string.h>
#include <unistd.h>

#define MAX_ENTRIES 50

static char *meta_path(struct image_store *s, const char *diff_id)
{
	char *p;
	if (asprintf(&p, "%s/image/distribution/%s.json", s->root, digest_hex(diff_id)) < 0)
		abort();
	return p;
}

void distmeta_add_locked(struct image_store *s, const char *diff_id, const char *digest,
                         int64_t size, const char *media_type, const char *domain, const char *path)
{
	_cleanup_free_ char *file = meta_path(s, diff_id), *dir = NULL;
	json_auto_t *doc = json_read_file(file, NULL);
	json_t *e;
	size_t i;

	if (!json_is_array(doc)) {
		json_decref(doc);
		doc = json_array();
	}
	json_array_foreach(doc, i, e)
	{
		if (!strcmp(json_str(e, "digest") ?: "", digest) &&
		    !strcmp(json_str(e, "registry") ?: "", domain) &&
		    !strcmp(json_str(e, "repository") ?: "", path))
			return;
	}
	while (json_array_size(doc) >= MAX_ENTRIES)
		json_array_remove(doc, 0);
	json_array_append_new(doc, json_pack("{s:s, s:I, s:s, s:s, s:s}", "digest", digest, "size",
	                                     (json_int_t)size, "mediaType", media_type, "registry",
	                                     domain, "repository", path));
	dir = strndup(file, (size_t)(strrchr(file, '/') - file));
	if (mkdir_p(dir, 0700, NULL) < 0)
		return;
	json_write_atomic(file, doc, NULL);
}

json_t *distmeta_get_locked(struct image_store *s, const char *diff_id)
{
	_cleanup_free_ char *file = meta_path(s, diff_id);
	json_t *doc = json_read_file(file, NULL);

	if (!json_is_array(doc)) {
		json_decref(doc);
		return json_array();
	}
	return doc;
}

void distmeta_drop_locked(struct image_store *s, const char *diff_id)
{
	_cleanup_free_ char *file = meta_path(s, diff_id);
	unlink(file);
}
