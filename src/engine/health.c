/* Health checks: the container's Healthcheck run as an exec on a schedule, with dockerd's
 * rules (daemon/health.go): intervals, start period, retries, the last five results, and a
 * health_status event when the status changes. One detached thread per monitored container;
 * a monitor runs while its generation matches the container's. */
#include "engine-internal.h"
#include "events.h"
#include "exec.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/log.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SEC 1000000000LL
#define DEFAULT_INTERVAL (30 * SEC)
#define DEFAULT_TIMEOUT (30 * SEC)
#define DEFAULT_START_INTERVAL (5 * SEC)
#define DEFAULT_RETRIES 3
#define MAX_LOG_ENTRIES 5
#define MAX_OUTPUT 4096

struct monitor {
	struct engine *eng;
	struct container *c; /* referenced */
	unsigned gen;
};

/* The probe's command, NULL when there is none ("NONE", empty, unknown type). */
static json_t *probe_cmd(const struct container *c)
{
	json_t *test = json_object_get(json_object_get(c->config, "Healthcheck"), "Test");
	const char *kind = json_string_value(json_array_get(test, 0));
	json_t *cmd, *v;
	size_t i;

	if (!kind || json_array_size(test) < 2)
		return NULL;
	if (!strcmp(kind, "CMD")) {
		cmd = json_array();
	} else if (!strcmp(kind, "CMD-SHELL")) {
		json_t *shell = json_object_get(c->config, "Shell");
		cmd = json_array_size(shell) ? json_deep_copy(shell)
					     : json_pack("[s, s]", "/bin/sh", "-c");
	} else {
		return NULL;
	}
	json_array_foreach(test, i, v) if (i > 0) json_array_append(cmd, v);
	return cmd;
}

static int64_t setting(const struct container *c, const char *key, int64_t def)
{
	int64_t v = json_int(json_object_get(c->config, "Healthcheck"), key, 0);
	return v > 0 ? v : def;
}

static void set_status_locked(struct container *c, const char *status)
{
	json_object_set_new(c->health, "Status", json_string(status));
}

/* Appends the payload of docker's multiplexed frames in buf to out, up to MAX_OUTPUT bytes;
 * returns the bytes of buf consumed (a partial frame stays for the next read). */
static size_t demux(const unsigned char *buf, size_t len, char *out, size_t *outlen,
		    size_t *frame_left)
{
	size_t used = 0;
	while (used < len) {
		if (!*frame_left) {
			if (len - used < 8)
				break;
			*frame_left = (size_t)buf[used + 4] << 24 | (size_t)buf[used + 5] << 16 |
				      (size_t)buf[used + 6] << 8 | buf[used + 7];
			used += 8;
			continue;
		}
		size_t n = len - used < *frame_left ? len - used : *frame_left;
		size_t room = MAX_OUTPUT - *outlen;
		memcpy(out + *outlen, buf + used, n < room ? n : room);
		*outlen += n < room ? n : room;
		*frame_left -= n;
		used += n;
	}
	return used;
}

/* Runs one probe: 0 with its exit code and output, or -1 and err (the probe could not run). */
static int run_probe(struct engine *eng, struct container *c, json_t *cmd, int64_t timeout_ns,
		     int *ret_code, char *out, size_t *outlen, eng_error_t *err)
{
	json_auto_t *body = json_pack("{s:O, s:b, s:b}", "Cmd", cmd, "AttachStdout", 1,
				      "AttachStderr", 1);
	struct exec *e = NULL;
	unsigned char buf[8192];
	size_t have = 0, frame_left = 0;
	int64_t deadline = now_ns() + timeout_ns;
	int sv[2] = {-1, -1}, rc = -1, timed_out = 0;
	char id[65];

	*outlen = 0;
	if (engine_exec_create(eng, c, c->id, body, id, err) < 0 ||
	    !(e = engine_exec_get(eng, id, err)))
		goto out;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		eng_error_make(err, errno, ERR_INTERNAL, "socketpair: %m");
		goto out;
	}
	if (engine_exec_start(eng, e, sv[1], 0, 0, err) < 0) {
		sv[1] = -1; /* consumed */
		goto out;
	}
	sv[1] = -1;
	/* the shim closes its end when the process's output has been delivered */
	for (;;) {
		int64_t left = deadline - now_ns();
		struct pollfd p = {.fd = sv[0], .events = POLLIN};
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		int n = poll(&p, 1, (int)(left / 1000000) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		ssize_t r = read(sv[0], buf + have, sizeof(buf) - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
		size_t used = demux(buf, have, out, outlen, &frame_left);
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	if (!timed_out) {
		int64_t left = deadline - now_ns();
		if (engine_exec_wait(eng, e, left > 0 ? left / 1000000 : 0, ret_code) < 0)
			timed_out = 1;
	}
	if (timed_out) {
		char d[40];
		engine_exec_kill(eng, e, SIGKILL);
		format_duration(timeout_ns, d);
		/* dockerd's words, with what the probe printed so far */
		char msg[MAX_OUTPUT + 128];
		int n = *outlen ? snprintf(msg, sizeof(msg), "Health check exceeded timeout (%s): %.*s",
					   d, (int)*outlen, out)
				: snprintf(msg, sizeof(msg), "Health check exceeded timeout (%s)", d);
		*outlen = (size_t)n < MAX_OUTPUT ? (size_t)n : MAX_OUTPUT;
		memcpy(out, msg, *outlen);
		*ret_code = -1;
	}
	rc = 0;
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	engine_exec_unref(eng, e);
	return rc;
}

/* dockerd's handleProbeResult; eng->lock held. */
static void record_result_locked(struct engine *eng, struct container *c, int64_t start,
				 int code, const char *out, size_t outlen)
{
	json_t *log = json_object_get(c->health, "Log");
	const char *old = json_str(c->health, "Status");
	_cleanup_free_ char *was = strdup(old ? old : "");
	char s[40], e[40];

	if (!json_is_array(log)) {
		log = json_array();
		json_object_set_new(c->health, "Log", log);
	}
	format_time_ns(start, s);
	format_time_ns(now_ns(), e);
	while (json_array_size(log) >= MAX_LOG_ENTRIES)
		json_array_remove(log, 0);
	json_array_append_new(log, json_pack("{s:s, s:s, s:i, s:s%}", "Start", s, "End", e,
					     "ExitCode", code, "Output", out, outlen));
	if (code == 0) {
		json_object_set_new(c->health, "FailingStreak", json_integer(0));
		set_status_locked(c, "healthy");
	} else if (strcmp(was, "starting") || start - c->started_ns >= setting(c, "StartPeriod", 0)) {
		int64_t streak = json_int(c->health, "FailingStreak", 0) + 1;
		json_object_set_new(c->health, "FailingStreak", json_integer(streak));
		if (streak >= setting(c, "Retries", DEFAULT_RETRIES))
			set_status_locked(c, "unhealthy");
	}
	const char *now = json_str(c->health, "Status");
	if (strcmp(was, now)) {
		char action[64];
		snprintf(action, sizeof(action), "health_status: %s", now);
		container_event_locked(eng, c, action, NULL);
		container_save(eng, c);
	}
}

static int64_t next_interval_locked(const struct container *c)
{
	int64_t period = setting(c, "StartPeriod", 0);
	if (now_ns() - c->started_ns < period &&
	    !strcmp(json_str(c->health, "Status") ?: "", "starting"))
		return setting(c, "StartInterval", DEFAULT_START_INTERVAL);
	return setting(c, "Interval", DEFAULT_INTERVAL);
}

static void *monitor_thread(void *arg)
{
	struct monitor *m = arg;
	struct engine *eng = m->eng;
	struct container *c = m->c;

	pthread_mutex_lock(&eng->lock);
	while (c->health_gen == m->gen && !eng->stopping) {
		struct timespec ts;
		int64_t start;
		deadline_after_ms(&ts, next_interval_locked(c) / 1000000);
		while (c->health_gen == m->gen && !eng->stopping &&
		       pthread_cond_timedwait(&eng->changed, &eng->lock, &ts) != ETIMEDOUT)
			;
		if (c->health_gen != m->gen || eng->stopping)
			break;
		json_auto_t *cmd = probe_cmd(c);
		int64_t timeout = setting(c, "Timeout", DEFAULT_TIMEOUT);
		pthread_mutex_unlock(&eng->lock);

		char out[MAX_OUTPUT];
		size_t outlen = 0;
		int code = -1;
		eng_error_t err;
		start = now_ns();
		if (!cmd || run_probe(eng, c, cmd, timeout, &code, out, &outlen, &err) < 0) {
			log_warn("Health check for container %.12s error: %s", c->id,
				 cmd ? err.msg : "no command");
			outlen = cmd ? strlen(err.msg) : 0;
			memcpy(out, err.msg, outlen < MAX_OUTPUT ? outlen : MAX_OUTPUT);
			code = -1;
		}
		pthread_mutex_lock(&eng->lock);
		if (c->health_gen == m->gen)
			record_result_locked(eng, c, start, code, out, outlen);
	}
	pthread_mutex_unlock(&eng->lock);
	container_unref(eng, c);
	free(m);
	return NULL;
}

void health_monitor_locked(struct engine *eng, struct container *c, int fresh)
{
	json_auto_t *cmd = probe_cmd(c);
	int want = cmd && c->status == CTR_RUNNING;

	if (!want) {
		if (c->health_monitored) {
			c->health_monitored = 0;
			c->health_gen++;
			/* dockerd: unhealthy once the monitor stops, for compatibility */
			set_status_locked(c, "unhealthy");
		}
		return;
	}
	if (fresh || !c->health) {
		if (!c->health)
			c->health = json_pack("{s:s, s:i, s:[]}", "Status", "starting",
					      "FailingStreak", 0, "Log");
		set_status_locked(c, "starting");
		json_object_set_new(c->health, "FailingStreak", json_integer(0));
	}
	if (c->health_monitored && !fresh)
		return;

	struct monitor *m = malloc(sizeof(*m));
	pthread_attr_t attr;
	pthread_t t;
	if (!m)
		return;
	c->health_gen++;
	c->health_monitored = 1;
	*m = (struct monitor){.eng = eng, .c = c, .gen = c->health_gen};
	c->refs++;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, monitor_thread, m) != 0) {
		log_warn("container %.12s: cannot start the health monitor", c->id);
		c->refs--;
		c->health_monitored = 0;
		free(m);
	}
	pthread_attr_destroy(&attr);
}
