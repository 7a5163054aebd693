/* docker stats: one sample of a container's cgroup, host CPU time and network counters. */
#include "engine-internal.h"
#include "cgstats.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>

static uint64_t host_memory(void)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return 0;
	return (uint64_t)si.totalram * si.mem_unit;
}

/* The figures a container that is not running shows: Go's zero values. */
static json_t *zeroed_doc(const struct container *c, const char *name)
{
	json_t *blkio = json_object();
	static const char *lists[] = {
		"io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive",
		"io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive",
		"io_time_recursive", "sectors_recursive",
	};
	for (size_t i = 0; i < sizeof(lists) / sizeof(*lists); i++)
		json_object_set_new(blkio, lists[i], json_null());
	return json_pack("{s:s, s:{}, s:o, s:i, s:{}, s:{s:{s:i, s:i, s:i}, s:{s:i, s:i, s:i}},"
			 " s:{}, s:s, s:s, s:s}",
			 "read", "0001-01-01T00:00:00Z", "pids_stats", "blkio_stats", blkio,
			 "num_procs", 0, "storage_stats", "cpu_stats", "cpu_usage", "total_usage", 0,
			 "usage_in_kernelmode", 0, "usage_in_usermode", 0, "throttling_data",
			 "periods", 0, "throttled_periods", 0, "throttled_time", 0, "memory_stats",
			 "name", name, "id", c->id, "os_type", "linux");
}

json_t *engine_container_stats(struct engine *eng, struct container *c)
{
	char name[300], rel[128], read[40], path[64];
	pid_t pid;
	int running;

	pthread_mutex_lock(&eng->lock);
	if (c->removed) {
		pthread_mutex_unlock(&eng->lock);
		return NULL;
	}
	snprintf(name, sizeof(name), "/%s", c->name);
	running = c->status == CTR_RUNNING || c->status == CTR_PAUSED;
	pid = c->pid;
	const char *netmode = json_str(c->host_config, "NetworkMode");
	int host_net = netmode && !strcmp(netmode, "host");
	pthread_mutex_unlock(&eng->lock);

	json_t *doc = zeroed_doc(c, name);
	if (!running || pid <= 0)
		return doc;
	format_time_ns(now_ns(), read);
	json_object_set_new(doc, "read", json_string(read));
	/* the cgroupsPath the runtime was given (lifecycle.c) */
	snprintf(rel, sizeof(rel), "berth/%s", c->id);
	cgstats_read(doc, "/sys/fs/cgroup", rel, cgroup_v2_only(), host_memory());

	/* sampled right after the cgroup, so the CPU percentage's two deltas line up */
	_cleanup_free_ char *proc_stat = read_file("/proc/stat", NULL, NULL);
	uint64_t system_ns;
	unsigned ncpus;
	json_t *cpu = json_object_get(doc, "cpu_stats");
	if (proc_stat && cgstats_system_cpu(proc_stat, &system_ns, &ncpus) == 0) {
		json_object_set_new(cpu, "system_cpu_usage", json_integer((json_int_t)system_ns));
		json_object_set_new(cpu, "online_cpus", json_integer(ncpus));
	}

	/* the host's interfaces are not the container's, as docker shows none for them */
	if (!host_net) {
		snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
		_cleanup_free_ char *net_dev = read_file(path, NULL, NULL);
		json_t *nets = net_dev ? cgstats_net_dev(net_dev) : NULL;
		if (nets)
			json_object_set_new(doc, "networks", nets);
	}
	return doc;
}
