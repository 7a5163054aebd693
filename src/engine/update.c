/* docker update: new resource limits and restart policy for a container, applied to the
 * running container through the runtime's `update` and kept for its next start. The rules
 * are moby's Container.UpdateContainer: a zero field leaves the old value. */
#include "engine-internal.h"
#include "events.h"
#include "resources.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../common/spawn.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

/* The fields `docker update` sends that replace the container's value when non-zero. */
static const char *const replaced_when_set[] = {
	"BlkioWeight", "CpuShares", "NanoCpus", "CpuPeriod", "CpuQuota", "CpusetCpus",
	"CpusetMems", "Memory", "MemorySwap", "MemoryReservation", "CpuRealtimePeriod",
	"CpuRealtimeRuntime", NULL,
};

static int is_set(const json_t *v)
{
	return (json_is_integer(v) && json_integer_value(v) != 0) ||
	       (json_is_string(v) && *json_string_value(v));
}

static int conflict(eng_error_t *err, const char *msg)
{
	return eng_error_make(err, EINVAL, ERR_CONFLICT, "%s", msg);
}

/* Merges `upd` into `hc` (a copy of the container's HostConfig). */
static int merge_update(json_t *hc, const json_t *upd, eng_error_t *err)
{
	int nano_set = json_int(hc, "NanoCpus", 0) > 0;

	if (json_int(upd, "NanoCpus", 0) > 0 && json_int(hc, "CpuPeriod", 0) > 0)
		return conflict(err, "Conflicting options: Nano CPUs cannot be updated as CPU "
				     "Period has already been set");
	if (json_int(upd, "NanoCpus", 0) > 0 && json_int(hc, "CpuQuota", 0) > 0)
		return conflict(err, "Conflicting options: Nano CPUs cannot be updated as CPU "
				     "Quota has already been set");
	if (json_int(upd, "CpuPeriod", 0) > 0 && nano_set)
		return conflict(err, "Conflicting options: CPU Period cannot be updated as NanoCPUs "
				     "has already been set");
	if (json_int(upd, "CpuQuota", 0) > 0 && nano_set)
		return conflict(err, "Conflicting options: CPU Quota cannot be updated as NanoCPUs "
				     "has already been set");
	if (json_int(upd, "Memory", 0) > json_int(hc, "MemorySwap", 0) &&
	    json_int(upd, "MemorySwap", 0) == 0)
		return conflict(err, "Memory limit should be smaller than already set memoryswap "
				     "limit, update the memoryswap at the same time");
	for (const char *const *k = replaced_when_set; *k; k++) {
		json_t *v = json_object_get(upd, *k);
		if (is_set(v))
			json_object_set(hc, *k, v);
	}
	json_t *pids = json_object_get(upd, "PidsLimit");
	if (json_is_integer(pids))
		json_object_set(hc, "PidsLimit", pids);

	json_t *rp = json_object_get(upd, "RestartPolicy");
	const char *pol = json_str(rp, "Name");
	if (pol && *pol) {
		if (json_bool(hc, "AutoRemove", 0) && strcmp(pol, "no"))
			return conflict(err, "Restart policy cannot be updated because AutoRemove is "
					     "enabled for the container");
		json_object_set(hc, "RestartPolicy", rp);
	}
	return 0;
}

/* `runc update` with the resources the merged HostConfig gives, as the spec at start does. */
static int runtime_update(struct engine *eng, struct container *c, const json_t *hc,
			  const json_t *upd, eng_error_t *err)
{
	json_auto_t *spec = json_object();
	_cleanup_free_ char *runtime = NULL, *bundle = engine_container_bundle(eng, c);
	_cleanup_free_ char *file = path_join(bundle, "update.json"), *out = NULL, *errout = NULL;
	int status;

	if (host_config_apply(spec, hc, err) < 0)
		return -1;
	json_t *res = json_object_get(json_object_get(spec, "linux"), "resources");
	/* a limit lifted (0 or -1) must reach the cgroup too: "max" */
	if (json_is_integer(json_object_get(upd, "PidsLimit")) && json_int(hc, "PidsLimit", 0) <= 0)
		json_object_set_new(res, "pids", json_pack("{s:i}", "limit", -1));
	if (json_dump_file(res, file, JSON_COMPACT) < 0)
		return eng_error_make(err, EIO, ERR_INTERNAL, "writing %s", file);
	if (!(runtime = runtime_path(eng, c->runtime, err)))
		return -1;
	char *argv[] = {runtime, "--root", eng->runtime_root, "update", "--resources", file,
			c->id, NULL};
	int rc = spawn_run(argv, -1, &out, &errout, &status, err);
	unlink(file);
	if (rc < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char *msg = errout && *errout ? errout : out;
		size_t n = msg ? strlen(msg) : 0;
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = 0;
		return eng_error_make(err, EIO, ERR_INTERNAL, "%s", n ? msg : "runtime update failed");
	}
	return 0;
}

int engine_container_update(struct engine *eng, struct container *c, const json_t *upd,
			    eng_error_t *err)
{
	json_auto_t *hc = NULL;
	int rc = -1;

	if (!json_is_object(upd))
		return eng_error_make(err, EINVAL, ERR_INVALID, "config cannot be empty");
	if (host_config_check_resources(upd, 1, err) < 0)
		return -1;
	pthread_mutex_lock(&c->op_lock);
	pthread_mutex_lock(&eng->lock);
	int running = c->status == CTR_RUNNING || c->status == CTR_PAUSED;
	if (c->status == CTR_REMOVING || c->status == CTR_DEAD) {
		eng_error_make(err, EBUSY, ERR_INTERNAL,
			       "container is marked for removal and cannot be \"update\"");
		goto out_locked;
	}
	hc = json_deep_copy(c->host_config);
	if (merge_update(hc, upd, err) < 0 || host_config_check_resources(hc, 1, err) < 0)
		goto out_locked;
	pthread_mutex_unlock(&eng->lock);

	/* the runtime first: a limit the kernel refuses leaves the old configuration */
	if (running && runtime_update(eng, c, hc, upd, err) < 0)
		goto out;

	pthread_mutex_lock(&eng->lock);
	json_decref(c->host_config);
	c->host_config = json_incref(hc);
	container_save(eng, c);
	pthread_mutex_unlock(&eng->lock);
	engine_container_event(eng, c, "update", NULL);
	rc = 0;
	goto out;

out_locked:
	pthread_mutex_unlock(&eng->lock);
out:
	pthread_mutex_unlock(&c->op_lock);
	if (rc < 0)
		eng_error_wrap(err, "Cannot update container %s", c->id);
	return rc;
}
