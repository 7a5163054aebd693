#include "cgstats.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_TICK (1000000000ULL / 100) /* USER_HZ is 100 on Linux, as docker assumes */

/* The contents of a cgroup file; v1 puts each controller in its own hierarchy. */
static char *cg_read(const char *root, const char *ctrl, const char *rel, const char *file)
{
	char path[1024];
	if (ctrl)
		snprintf(path, sizeof(path), "%s/%s/%s/%s", root, ctrl, rel, file);
	else
		snprintf(path, sizeof(path), "%s/%s/%s", root, rel, file);
	return read_file(path, NULL, NULL);
}

/* A single-number file; "max" (no limit) and a missing file give 0. */
static uint64_t cg_u64(const char *root, const char *ctrl, const char *rel, const char *file,
		       int *ret_found)
{
	_cleanup_free_ char *s = cg_read(root, ctrl, rel, file);
	if (ret_found)
		*ret_found = s != NULL;
	return s && strncmp(s, "max", 3) ? strtoull(s, NULL, 10) : 0;
}

static void set_u64(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

/* Go's omitempty: a zero figure is left out. */
static void set_nonzero(json_t *o, const char *key, uint64_t v)
{
	if (v)
		set_u64(o, key, v);
}

/* "key value" lines (memory.stat, cpu.stat, cpuacct.stat) into an object. */
static json_t *flat_keyed(const char *text)
{
	json_t *o = json_object();
	for (const char *l = text; l && *l;) {
		const char *nl = strchrnul(l, '\n'), *sp = memchr(l, ' ', (size_t)(nl - l));
		if (sp && sp > l) {
			char key[128];
			size_t klen = (size_t)(sp - l) < sizeof(key) - 1 ? (size_t)(sp - l) : sizeof(key) - 1;
			memcpy(key, l, klen);
			key[klen] = 0;
			set_u64(o, key, strtoull(sp + 1, NULL, 10));
		}
		l = *nl ? nl + 1 : nl;
	}
	return o;
}

static uint64_t get_u64(const json_t *o, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(o, key));
}

/* blkio v1 lines "8:0 Read 4096"; the "Total N" line is dropped, as containerd does.
 * Go encodes an empty slice as null. */
static json_t *blkio_v1_entries(const char *text)
{
	json_t *a = json_array();
	for (const char *l = text; l && *l;) {
		const char *nl = strchrnul(l, '\n');
		unsigned long long major, minor, value;
		char op[32];
		if (sscanf(l, "%llu:%llu %31s %llu", &major, &minor, op, &value) == 4)
			json_array_append_new(a, json_pack("{s:I, s:I, s:s, s:I}", "major",
							   (json_int_t)major, "minor",
							   (json_int_t)minor, "op", op, "value",
							   (json_int_t)value));
		l = *nl ? nl + 1 : nl;
	}
	if (!json_array_size(a)) {
		json_decref(a);
		return json_null();
	}
	return a;
}

static const char *blkio_keys[] = {
	"io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive",
	"io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive",
	"io_time_recursive", "sectors_recursive",
};

static json_t *blkio_v1(const char *root, const char *rel)
{
	/* the CFQ/BFQ files when the scheduler provides them, else the throttle layer's
	 * counters, which every kernel keeps */
	static const char *cfq[] = {
		"blkio.io_service_bytes_recursive", "blkio.io_serviced_recursive",
		"blkio.io_queued_recursive", "blkio.io_service_time_recursive",
		"blkio.io_wait_time_recursive", "blkio.io_merged_recursive",
		"blkio.time_recursive", "blkio.sectors_recursive",
	};
	static const char *throttle[] = {"blkio.throttle.io_service_bytes",
					 "blkio.throttle.io_serviced"};
	json_t *b = json_object();
	for (size_t i = 0; i < sizeof(blkio_keys) / sizeof(*blkio_keys); i++) {
		_cleanup_free_ char *s = cg_read(root, "blkio", rel, cfq[i]);
		json_object_set_new(b, blkio_keys[i], blkio_v1_entries(s));
	}
	if (json_is_null(json_object_get(b, "io_serviced_recursive")))
		for (size_t i = 0; i < 2; i++) {
			_cleanup_free_ char *s = cg_read(root, "blkio", rel, throttle[i]);
			json_object_set_new(b, blkio_keys[i], blkio_v1_entries(s));
		}
	return b;
}

/* io.stat lines "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...": a read and a write entry per
 * device in io_service_bytes_recursive, the only list docker fills on v2. */
static json_t *blkio_v2(const char *root, const char *rel)
{
	_cleanup_free_ char *s = cg_read(root, NULL, rel, "io.stat");
	json_t *b = json_object(), *a = json_array();

	for (const char *l = s; l && *l;) {
		const char *nl = strchrnul(l, '\n');
		unsigned long long major, minor, rbytes = 0, wbytes = 0;
		int n = 0;
		if (sscanf(l, "%llu:%llu%n", &major, &minor, &n) == 2) {
			for (const char *p = l + n; p < nl;) {
				while (p < nl && *p == ' ')
					p++;
				if (!strncmp(p, "rbytes=", 7))
					rbytes = strtoull(p + 7, NULL, 10);
				else if (!strncmp(p, "wbytes=", 7))
					wbytes = strtoull(p + 7, NULL, 10);
				while (p < nl && *p != ' ')
					p++;
			}
			json_array_append_new(a, json_pack("{s:I, s:I, s:s, s:I}", "major",
							   (json_int_t)major, "minor",
							   (json_int_t)minor, "op", "read", "value",
							   (json_int_t)rbytes));
			json_array_append_new(a, json_pack("{s:I, s:I, s:s, s:I}", "major",
							   (json_int_t)major, "minor",
							   (json_int_t)minor, "op", "write", "value",
							   (json_int_t)wbytes));
		}
		l = *nl ? nl + 1 : nl;
	}
	for (size_t i = 0; i < sizeof(blkio_keys) / sizeof(*blkio_keys); i++)
		json_object_set_new(b, blkio_keys[i], json_null());
	if (json_array_size(a))
		json_object_set_new(b, blkio_keys[0], a);
	else
		json_decref(a);
	return b;
}

static json_t *throttling(uint64_t periods, uint64_t throttled, uint64_t time_ns)
{
	return json_pack("{s:I, s:I, s:I}", "periods", (json_int_t)periods, "throttled_periods",
			 (json_int_t)throttled, "throttled_time", (json_int_t)time_ns);
}

static json_t *cpu_v1(const char *root, const char *rel)
{
	_cleanup_free_ char *percpu = cg_read(root, "cpuacct", rel, "cpuacct.usage_percpu");
	_cleanup_free_ char *acct = cg_read(root, "cpuacct", rel, "cpuacct.stat");
	_cleanup_free_ char *stat = cg_read(root, "cpu", rel, "cpu.stat");
	json_auto_t *ticks = flat_keyed(acct), *cs = flat_keyed(stat);
	json_t *usage = json_object(), *per = json_array();

	set_u64(usage, "total_usage", cg_u64(root, "cpuacct", rel, "cpuacct.usage", NULL));
	for (char *p = percpu, *end; p && *p; p = end) {
		uint64_t v = strtoull(p, &end, 10);
		if (end == p)
			break;
		json_array_append_new(per, json_integer((json_int_t)v));
	}
	if (json_array_size(per))
		json_object_set_new(usage, "percpu_usage", per);
	else
		json_decref(per);
	set_u64(usage, "usage_in_kernelmode", get_u64(ticks, "system") * NS_PER_TICK);
	set_u64(usage, "usage_in_usermode", get_u64(ticks, "user") * NS_PER_TICK);
	return json_pack("{s:o, s:o}", "cpu_usage", usage, "throttling_data",
			 throttling(get_u64(cs, "nr_periods"), get_u64(cs, "nr_throttled"),
				    get_u64(cs, "throttled_time")));
}

static json_t *cpu_v2(const char *root, const char *rel)
{
	_cleanup_free_ char *stat = cg_read(root, NULL, rel, "cpu.stat");
	json_auto_t *cs = flat_keyed(stat);
	json_t *usage = json_pack("{s:I, s:I, s:I}", "total_usage",
				  (json_int_t)(get_u64(cs, "usage_usec") * 1000),
				  "usage_in_kernelmode",
				  (json_int_t)(get_u64(cs, "system_usec") * 1000),
				  "usage_in_usermode", (json_int_t)(get_u64(cs, "user_usec") * 1000));
	return json_pack("{s:o, s:o}", "cpu_usage", usage, "throttling_data",
			 throttling(get_u64(cs, "nr_periods"), get_u64(cs, "nr_throttled"),
				    get_u64(cs, "throttled_usec") * 1000));
}

static json_t *memory_v1(const char *root, const char *rel, uint64_t host_memory)
{
	_cleanup_free_ char *stat = cg_read(root, "memory", rel, "memory.stat");
	json_t *m = json_object();
	int found;
	uint64_t usage = cg_u64(root, "memory", rel, "memory.usage_in_bytes", &found);
	uint64_t limit = cg_u64(root, "memory", rel, "memory.limit_in_bytes", NULL);

	if (stat)
		json_object_set_new(m, "stats", flat_keyed(stat));
	if (!found)
		return m;
	set_nonzero(m, "usage", usage);
	set_nonzero(m, "max_usage", cg_u64(root, "memory", rel, "memory.max_usage_in_bytes", NULL));
	set_nonzero(m, "failcnt", cg_u64(root, "memory", rel, "memory.failcnt", NULL));
	if (host_memory && limit > host_memory)
		limit = host_memory;
	set_nonzero(m, "limit", limit);
	return m;
}

static json_t *memory_v2(const char *root, const char *rel, uint64_t host_memory)
{
	_cleanup_free_ char *stat = cg_read(root, NULL, rel, "memory.stat");
	_cleanup_free_ char *events = cg_read(root, NULL, rel, "memory.events");
	_cleanup_free_ char *max = cg_read(root, NULL, rel, "memory.max");
	json_auto_t *ev = flat_keyed(events);
	json_t *m = json_object();
	/* "max": no limit */
	uint64_t limit = max && strncmp(max, "max", 3) ? strtoull(max, NULL, 10) : UINT64_MAX;

	if (stat)
		json_object_set_new(m, "stats", flat_keyed(stat));
	set_nonzero(m, "usage", cg_u64(root, NULL, rel, "memory.current", NULL));
	set_nonzero(m, "failcnt", get_u64(ev, "oom"));
	if (host_memory && limit > host_memory)
		limit = host_memory;
	if (max || host_memory)
		set_nonzero(m, "limit", limit);
	return m;
}

void cgstats_read(json_t *doc, const char *root, const char *rel, int v2, uint64_t host_memory)
{
	const char *pids_ctrl = v2 ? NULL : "pids";
	json_t *pids = json_object();

	set_nonzero(pids, "current", cg_u64(root, pids_ctrl, rel, "pids.current", NULL));
	set_nonzero(pids, "limit", cg_u64(root, pids_ctrl, rel, "pids.max", NULL));
	json_object_set_new(doc, "pids_stats", pids);
	json_object_set_new(doc, "blkio_stats", v2 ? blkio_v2(root, rel) : blkio_v1(root, rel));
	json_object_set_new(doc, "cpu_stats", v2 ? cpu_v2(root, rel) : cpu_v1(root, rel));
	json_object_set_new(doc, "memory_stats", v2 ? memory_v2(root, rel, host_memory)
						    : memory_v1(root, rel, host_memory));
}

int cgstats_system_cpu(const char *proc_stat, uint64_t *ret_ns, unsigned *ret_ncpus)
{
	int found = 0;

	*ret_ns = 0;
	*ret_ncpus = 0;
	/* the cpu lines come first, as glibc and docker assume */
	for (const char *l = proc_stat; l && !strncmp(l, "cpu", 3);) {
		const char *nl = strchrnul(l, '\n');
		if (l[3] == ' ') {
			unsigned long long f[7];
			if (sscanf(l + 3, "%llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1], &f[2],
				   &f[3], &f[4], &f[5], &f[6]) != 7)
				return -1;
			uint64_t ticks = 0;
			for (int i = 0; i < 7; i++)
				ticks += f[i];
			*ret_ns = ticks * NS_PER_TICK;
			found = 1;
		} else if (l[3] >= '0' && l[3] <= '9') {
			(*ret_ncpus)++;
		}
		l = *nl ? nl + 1 : NULL;
	}
	return found ? 0 : -1;
}

json_t *cgstats_net_dev(const char *net_dev)
{
	json_t *nets = json_object();

	for (const char *l = net_dev; l && *l;) {
		const char *nl = strchrnul(l, '\n'), *colon = memchr(l, ':', (size_t)(nl - l));
		unsigned long long f[16];
		if (colon) {
			const char *name = l;
			while (name < colon && *name == ' ')
				name++;
			_cleanup_free_ char *ifname = strndup(name, (size_t)(colon - name));
			if (strcmp(ifname, "lo") &&
			    sscanf(colon + 1,
				   "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
				   &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8],
				   &f[9], &f[10], &f[11]) == 12)
				json_object_set_new(
					nets, ifname,
					json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
						  "rx_bytes", (json_int_t)f[0], "rx_packets",
						  (json_int_t)f[1], "rx_errors", (json_int_t)f[2],
						  "rx_dropped", (json_int_t)f[3], "tx_bytes",
						  (json_int_t)f[8], "tx_packets", (json_int_t)f[9],
						  "tx_errors", (json_int_t)f[10], "tx_dropped",
						  (json_int_t)f[11]));
		}
		l = *nl ? nl + 1 : nl;
	}
	if (!json_object_size(nets)) {
		json_decref(nets);
		return NULL;
	}
	return nets;
}
