#pragma once
/* Reading a cgroup's resource usage into docker's stats JSON (GET /containers/{id}/stats):
 * cgroup v1 (one hierarchy per controller under `root`) and v2 (one unified hierarchy),
 * plus the host-wide figures docker puts beside them (/proc/stat, /proc/<pid>/net/dev).
 * Pure file parsing: the paths are parameters so the unit tests feed sample files. */
#include <stdint.h>
#include <jansson.h>

/* docker's cpu_stats (without system_cpu_usage and online_cpus), memory_stats, pids_stats
 * and blkio_stats of the cgroup `rel` ("berth/<id>") under `root` ("/sys/fs/cgroup"),
 * merged into `doc`. `host_memory` caps memory_stats.limit (no limit set: the host's
 * memory, as docker shows). Missing files leave their figures out, as docker does. */
void cgstats_read(json_t *doc, const char *root, const char *rel, int v2, uint64_t host_memory);

/* /proc/stat text: the sum of the first seven "cpu " fields in nanoseconds (USER_HZ 100, as
 * docker computes it) and the number of "cpuN" lines. -1 when there is no "cpu " line. */
int cgstats_system_cpu(const char *proc_stat, uint64_t *ret_ns, unsigned *ret_ncpus);

/* /proc/<pid>/net/dev text: docker's networks object keyed by interface, without "lo";
 * NULL when no other interface exists. */
json_t *cgstats_net_dev(const char *net_dev);
