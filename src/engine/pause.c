/* docker pause / unpause: the cgroup freezer, v1 (freezer.state) or v2 (cgroup.freeze). */
#include "engine-internal.h"
#include "events.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/log.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int cgroup_v2_only(void)
{
	struct stat st;
	return stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0;
}

/* Freezes or thaws the container's cgroup and waits until the kernel says it is done. */
int container_freeze(const struct container *c, int frozen, eng_error_t *err)
{
	char path[512], check[512];
	const char *want, *value;
	struct timespec pause = {0, 2 * 1000 * 1000};

	if (cgroup_v2_only()) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup/berth/%s/cgroup.freeze", c->id);
		snprintf(check, sizeof(check), "/sys/fs/cgroup/berth/%s/cgroup.events", c->id);
		value = frozen ? "1" : "0";
		want = frozen ? "frozen 1" : "frozen 0";
	} else {
		snprintf(path, sizeof(path), "/sys/fs/cgroup/freezer/berth/%s/freezer.state", c->id);
		snprintf(check, sizeof(check), "%s", path);
		value = want = frozen ? "FROZEN" : "THAWED";
	}
	if (write_file_string(path, value, err) < 0)
		return eng_error_wrap(err, "%s container %s", frozen ? "pausing" : "unpausing", c->id);
	/* v1 passes through FREEZING; both need the tasks to reach the state */
	for (int i = 0; i < 1000; i++) {
		_cleanup_free_ char *state = read_file(check, NULL, NULL);
		if (state && strstr(state, want))
			return 0;
		nanosleep(&pause, NULL);
	}
	/* a freeze that did not finish must not finish later behind our back: the container
	 * would stay frozen while its state says running, and no kill would reach it */
	if (frozen)
		write_file_string(path, strcmp(value, "1") ? "THAWED" : "0", NULL);
	return eng_error_make(err, ETIMEDOUT, ERR_INTERNAL, "container %s did not %s in time",
			      c->id, frozen ? "freeze" : "thaw");
}

int engine_container_pause(struct engine *eng, struct container *c, eng_error_t *err)
{
	int rc = 0;

	pthread_mutex_lock(&c->op_lock);
	pthread_mutex_lock(&eng->lock);
	if (c->status == CTR_PAUSED)
		rc = eng_error_make(err, EALREADY, ERR_CONFLICT, "container %s is already paused",
				    c->id);
	else if (c->status == CTR_RESTARTING)
		rc = eng_error_make(err, EBUSY, ERR_CONFLICT,
				    "Container %s is restarting, wait until the container is "
				    "running",
				    c->id);
	else if (c->status != CTR_RUNNING)
		rc = eng_error_make(err, ESRCH, ERR_CONFLICT, "container %s is not running", c->id);
	pthread_mutex_unlock(&eng->lock);
	if (rc == 0 && (rc = container_freeze(c, 1, err)) == 0) {
		pthread_mutex_lock(&eng->lock);
		if (c->status == CTR_RUNNING) {
			c->status = CTR_PAUSED;
			health_monitor_locked(eng, c, 0);
			container_save(eng, c);
			container_event_locked(eng, c, "pause", NULL);
			pthread_cond_broadcast(&eng->changed);
		}
		pthread_mutex_unlock(&eng->lock);
	}
	pthread_mutex_unlock(&c->op_lock);
	return rc;
}

int engine_container_unpause(struct engine *eng, struct container *c, eng_error_t *err)
{
	int rc = 0;

	pthread_mutex_lock(&c->op_lock);
	pthread_mutex_lock(&eng->lock);
	if (c->status != CTR_PAUSED)
		rc = eng_error_make(err, EINVAL, ERR_CONFLICT, "container %s is not paused", c->id);
	pthread_mutex_unlock(&eng->lock);
	if (rc == 0 && (rc = container_freeze(c, 0, err)) == 0) {
		pthread_mutex_lock(&eng->lock);
		if (c->status == CTR_PAUSED) {
			c->status = CTR_RUNNING;
			health_monitor_locked(eng, c, 0);
			container_save(eng, c);
			container_event_locked(eng, c, "unpause", NULL);
			pthread_cond_broadcast(&eng->changed);
		}
		pthread_mutex_unlock(&eng->lock);
	}
	pthread_mutex_unlock(&c->op_lock);
	return rc;
}
