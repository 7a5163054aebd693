#pragma once
/* Volumes as the API sees them: the volume store plus which containers use each volume.
 * Documents are docker's Volume objects (new references). */
#include <jansson.h>
#include "../common/error.h"

struct engine;

/* POST /volumes/create. `driver` NULL or "" means local; `opts` and `labels` may be NULL. */
json_t *engine_volume_create(struct engine *eng, const char *name, const char *driver,
			     const json_t *opts, const json_t *labels, eng_error_t *err);
json_t *engine_volume_inspect(struct engine *eng, const char *name, eng_error_t *err);
/* GET /volumes: filters dangling, driver, label, name (decoded filters object, may be
 * NULL). Returns an array. */
json_t *engine_volume_list(struct engine *eng, const json_t *filters, eng_error_t *err);
/* DELETE /volumes/{name}: ERR_CONFLICT "remove <name>: volume is in use - [<ids>]". With
 * `force`, a missing volume is no error. */
int engine_volume_remove(struct engine *eng, const char *name, int force, eng_error_t *err);
/* POST /volumes/prune: unused anonymous volumes, or all unused ones with `all` (filters:
 * label, label!, all). Returns {"VolumesDeleted": [...], "SpaceReclaimed": n}. */
json_t *engine_volume_prune(struct engine *eng, const json_t *filters, int all,
			    eng_error_t *err);
/* Volumes with UsageData {Size, RefCount}, for GET /system/df. */
json_t *engine_volume_usage(struct engine *eng);
