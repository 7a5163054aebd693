/* Engine set-up, the exit monitor and live restore. */
#include "engine-internal.h"
#include "../network/dns.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../common/strv.h"
#include "../image/store.h"
#include "../network/network.h"
#include "../runtime/oci.h"
#include "../volume/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Docker's default seccomp profile, compiled in so the daemon needs no data files. */
__asm__(".section .rodata\n"
	".global berth_seccomp_default\n"
	"berth_seccomp_default:\n"
	".incbin \"src/runtime/seccomp-default.json\"\n"
	".byte 0\n"
	".previous\n");
extern const char berth_seccomp_default[];

struct image_store *engine_image_store(struct engine *eng)
{
	return eng->images;
}

const struct engine_config *engine_config(struct engine *eng)
{
	return &eng->cfg;
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

void monitor_watch(struct engine *eng, struct container *c)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.ptr = c};

	c->monitor_fd = pidfd_open_(c->shim_pid);
	if (c->monitor_fd < 0) {
		/* the shim is already gone: the container exited before we looked */
		container_exited(eng, c);
		return;
	}
	c->refs++; /* held by the monitor until the exit is handled */
	if (epoll_ctl(eng->epoll_fd, EPOLL_CTL_ADD, c->monitor_fd, &ev) < 0) {
		log_error("container %.12s: watching shim: %m", c->id);
		c->refs--;
	}
}

static void *monitor_thread(void *arg)
{
	struct engine *eng = arg;
	struct epoll_event evs[32];

	for (;;) {
		int n = epoll_wait(eng->epoll_fd, evs, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < n; i++) {
			struct container *c = evs[i].data.ptr;
			if (!c) /* the wake-up for shutdown */
				return NULL;
			pthread_mutex_lock(&eng->lock);
			if (c->monitor_fd >= 0) {
				epoll_ctl(eng->epoll_fd, EPOLL_CTL_DEL, c->monitor_fd, NULL);
				container_exited(eng, c);
			}
			pthread_mutex_unlock(&eng->lock);
			container_unref(eng, c);
		}
	}
	return NULL;
}

/* True when `pid` is the shim of container `id` (and not a recycled PID). */
static int is_our_shim(pid_t pid, const char *id)
{
	char path[64];
	_cleanup_free_ char *cmd = NULL;
	size_t len;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	cmd = read_file(path, &len, NULL);
	if (!cmd)
		return 0;
	for (size_t i = 0; i + 1 < len; i++)
		if (!cmd[i])
			cmd[i] = ' ';
	return strstr(cmd, "berth-shim") && strstr(cmd, id);
}

int containers_restore(struct engine *eng, eng_error_t *err)
{
	_cleanup_free_ char *root = path_join(eng->cfg.data_root, "containers");
	_cleanup_closedir_ DIR *d = opendir(root);
	struct dirent *de;
	struct container **gone = NULL;
	size_t ngone = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (strlen(de->d_name) != 64)
			continue;
		_cleanup_free_ char *dir = path_join(root, de->d_name);
		_cleanup_free_ char *path = path_join(dir, "config.v2.json");
		eng_error_t e;
		json_auto_t *doc = json_read_file(path, &e);
		struct container *c = doc ? container_from_json(doc) : NULL;
		if (!c) {
			/* a create that never finished: nothing of it is kept */
			log_warn("container %.12s: no valid state (%s), removing", de->d_name,
				 doc ? "bad document" : e.msg);
			image_rootfs_remove(eng->images, de->d_name, NULL);
			rm_rf(dir, NULL);
			continue;
		}
		if (eng->nctrs == eng->cap) {
			eng->cap = eng->cap ? eng->cap * 2 : 64;
			eng->ctrs = realloc(eng->ctrs, eng->cap * sizeof(*eng->ctrs));
		}
		eng->ctrs[eng->nctrs++] = c;
	}
	/* oldest first, so lists come out newest first */
	for (size_t i = 1; i < eng->nctrs; i++)
		for (size_t j = i; j > 0 && eng->ctrs[j - 1]->created_ns > eng->ctrs[j]->created_ns;
		     j--) {
			struct container *t = eng->ctrs[j];
			eng->ctrs[j] = eng->ctrs[j - 1];
			eng->ctrs[j - 1] = t;
		}

	pthread_mutex_lock(&eng->lock);
	for (size_t i = 0; i < eng->nctrs; i++) {
		struct container *c = eng->ctrs[i];
		if (c->status == CTR_REMOVING) {
			gone = realloc(gone, (ngone + 1) * sizeof(*gone));
			gone[ngone++] = c;
			continue;
		}
		if (c->status != CTR_RUNNING && c->status != CTR_PAUSED &&
		    c->status != CTR_RESTARTING)
			continue;
		if (is_our_shim(c->shim_pid, c->id)) {
			log_info("container %.12s: still running (shim %d), reattached", c->id,
				 c->shim_pid);
			if (c->status == CTR_RESTARTING)
				c->status = CTR_RUNNING;
			monitor_watch(eng, c);
			health_monitor_locked(eng, c, 1);
		} else {
			container_exited(eng, c);
		}
	}
	pthread_mutex_unlock(&eng->lock);
	for (size_t i = 0; i < ngone; i++) {
		eng_error_t e;
		gone[i]->refs++;
		if (container_destroy(eng, gone[i], &e) < 0)
			log_warn("container %.12s: finishing removal: %s", gone[i]->id, e.msg);
		container_unref(eng, gone[i]);
	}
	free(gone);
	(void)err;
	return 0;
}

static int image_usage(void *ctx, const char *image_id, int *ret_running, char **ret_container)
{
	struct engine *eng = ctx;
	int n = 0;

	*ret_running = 0;
	*ret_container = NULL;
	pthread_mutex_lock(&eng->lock);
	for (size_t i = 0; i < eng->nctrs; i++) {
		struct container *c = eng->ctrs[i];
		int running = c->status == CTR_RUNNING || c->status == CTR_PAUSED;
		if (strcmp(c->image_id, image_id))
			continue;
		n++;
		if (!*ret_container || (running && !*ret_running)) {
			free(*ret_container);
			*ret_container = strndup(c->id, 12);
		}
		*ret_running |= running;
	}
	pthread_mutex_unlock(&eng->lock);
	return n;
}

static char *self_dir(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n < 0)
		return strdup(".");
	buf[n] = 0;
	return strdup(dirname(buf));
}

int engine_open(const struct engine_config *cfg, struct engine **ret, eng_error_t *err)
{
	struct engine *eng = calloc(1, sizeof(*eng));
	json_auto_t *profile = NULL;
	json_error_t jerr;
	_cleanup_free_ char *ctrs = NULL, *tmp = NULL;

	eng->cfg = *cfg;
	eng->epoll_fd = -1;
	pthread_mutex_init(&eng->lock, NULL);
	pthread_cond_init(&eng->changed, NULL);
	event_log_init(&eng->events);
	if (!eng->cfg.libexec_dir)
		eng->cfg.libexec_dir = self_dir();
	if (asprintf(&eng->shim_path, "%s/berth-shim", eng->cfg.libexec_dir) < 0 ||
	    asprintf(&eng->runtime_root, "%s/runc", eng->cfg.exec_root) < 0)
		abort();
	ctrs = path_join(cfg->data_root, "containers");
	if (mkdir_p(ctrs, 0710, err) < 0 || mkdir_p(eng->runtime_root, 0700, err) < 0)
		goto fail;

	if (eng->cfg.seccomp_profile)
		profile = json_load_file(eng->cfg.seccomp_profile, 0, &jerr);
	else
		profile = json_loads(berth_seccomp_default, 0, &jerr);
	if (!profile) {
		eng_error_make(err, EINVAL, ERR_INVALID, "loading seccomp profile: %s", jerr.text);
		goto fail;
	}
	eng->seccomp_profile = json_incref(profile);
	eng->seccomp = seccomp_to_oci(profile, oci_default_caps(), err);
	if (!eng->seccomp)
		goto fail;

	if (image_store_open(cfg->data_root, &eng->images, err) < 0)
		goto fail;
	image_store_set_usage(eng->images, image_usage, eng);
	if (volume_store_open(cfg->data_root, &eng->volumes, err) < 0)
		goto fail;

	eng->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (eng->epoll_fd < 0) {
		eng_error_make(err, errno, ERR_INTERNAL, "epoll: %m");
		goto fail;
	}
	if (networking_open(eng, err) < 0 || containers_restore(eng, err) < 0)
		goto fail;
	containers_net_restore(eng);
	if (pthread_create(&eng->monitor, NULL, monitor_thread, eng) != 0) {
		eng_error_make(err, EAGAIN, ERR_INTERNAL, "starting the monitor thread");
		goto fail;
	}
	engine_restart_policies_boot(eng);
	*ret = eng;
	return 0;
fail:
	engine_free(eng);
	return -1;
}

void engine_free(struct engine *eng)
{
	if (!eng)
		return;
	if (eng->monitor) {
		/* wake the monitor with an fd that is always readable */
		int efd = eventfd(1, EFD_CLOEXEC);
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
		pthread_mutex_lock(&eng->lock);
		eng->stopping = 1;
		pthread_mutex_unlock(&eng->lock);
		epoll_ctl(eng->epoll_fd, EPOLL_CTL_ADD, efd, &ev);
		pthread_join(eng->monitor, NULL);
		close(efd);
	}
	/* Containers keep running under their shims: the next berthd picks them up. Their
	 * records stay in memory until exit, as connection threads may still hold them. */
	if (eng->epoll_fd >= 0)
		close(eng->epoll_fd);
	exec_store_free(eng);
	dns_server_stop(eng->dns);
	net_store_free(eng->nets);
	image_store_free(eng->images);
	volume_store_free(eng->volumes);
	json_decref(eng->seccomp);
	json_decref(eng->seccomp_profile);
	event_log_free(&eng->events);
	free(eng->shim_path);
	free(eng->runtime_root);
	free(eng);
}
