/* cgroup v1 and v2 stats parsing from sample files, /proc/stat and /proc/<pid>/net/dev. */
#include "tap.h"
#include "common/fsutil.h"
#include "engine/cgstats.h"

#include <stdlib.h>
#include <string.h>

static char dir[] = "/tmp/berth-test-cgstats-XXXXXX";

#define GIB (1024LL * 1024 * 1024)
#define HOST_MEMORY (8 * GIB)

static int put(const char *rel, const char *content)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	char *slash = strrchr(path, '/');
	*slash = 0;
	if (mkdir_p(path, 0755, NULL) < 0)
		return -1;
	*slash = '/';
	return write_file_atomic(path, content, strlen(content), NULL);
}

static long long at(json_t *doc, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(doc, a);
	if (b)
		v = json_object_get(v, b);
	if (c)
		v = json_object_get(v, c);
	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static int test_v1(void)
{
	CHECK(put("v1/memory/berth/c1/memory.usage_in_bytes", "52690944\n") == 0);
	CHECK(put("v1/memory/berth/c1/memory.max_usage_in_bytes", "60000000\n") == 0);
	CHECK(put("v1/memory/berth/c1/memory.failcnt", "0\n") == 0);
	CHECK(put("v1/memory/berth/c1/memory.limit_in_bytes", "9223372036854771712\n") == 0);
	CHECK(put("v1/memory/berth/c1/memory.stat",
		  "cache 52428800\nrss 57344\nshmem 52428800\ntotal_inactive_file 4096\n"
		  "hierarchical_memory_limit 9223372036854771712\n") == 0);
	CHECK(put("v1/cpuacct/berth/c1/cpuacct.usage", "4657028405\n") == 0);
	CHECK(put("v1/cpuacct/berth/c1/cpuacct.usage_percpu", "1003735935 3653292470 \n") == 0);
	CHECK(put("v1/cpuacct/berth/c1/cpuacct.stat", "user 461\nsystem 4\n") == 0);
	CHECK(put("v1/cpu/berth/c1/cpu.stat",
		  "nr_periods 10\nnr_throttled 3\nthrottled_time 123456\n") == 0);
	CHECK(put("v1/pids/berth/c1/pids.current", "3\n") == 0);
	CHECK(put("v1/pids/berth/c1/pids.max", "42\n") == 0);
	CHECK(put("v1/blkio/berth/c1/blkio.io_serviced_recursive", "Total 0\n") == 0);
	CHECK(put("v1/blkio/berth/c1/blkio.throttle.io_service_bytes",
		  "8:0 Read 4096\n8:0 Write 1048576\n8:0 Sync 0\n8:0 Async 1052672\n"
		  "8:0 Discard 0\n8:0 Total 1052672\nTotal 1052672\n") == 0);
	CHECK(put("v1/blkio/berth/c1/blkio.throttle.io_serviced", "8:0 Read 1\nTotal 1\n") == 0);

	char root[256];
	snprintf(root, sizeof(root), "%s/v1", dir);
	json_t *doc = json_object();
	cgstats_read(doc, root, "berth/c1", 0, HOST_MEMORY);

	CHECK(at(doc, "memory_stats", "usage", NULL) == 52690944);
	CHECK(at(doc, "memory_stats", "max_usage", NULL) == 60000000);
	CHECK(!json_object_get(json_object_get(doc, "memory_stats"), "failcnt"));
	CHECK(at(doc, "memory_stats", "limit", NULL) == HOST_MEMORY);
	CHECK(at(doc, "memory_stats", "stats", "shmem") == 52428800);
	CHECK(at(doc, "memory_stats", "stats", "total_inactive_file") == 4096);
	CHECK(at(doc, "memory_stats", "stats", "hierarchical_memory_limit") ==
	      9223372036854771712LL);

	json_t *usage = json_object_get(json_object_get(doc, "cpu_stats"), "cpu_usage");
	CHECK(at(usage, "total_usage", NULL, NULL) == 4657028405LL);
	CHECK(json_array_size(json_object_get(usage, "percpu_usage")) == 2);
	CHECK(json_integer_value(json_array_get(json_object_get(usage, "percpu_usage"), 1)) ==
	      3653292470LL);
	CHECK(at(usage, "usage_in_usermode", NULL, NULL) == 4610000000LL);
	CHECK(at(usage, "usage_in_kernelmode", NULL, NULL) == 40000000LL);
	CHECK(at(doc, "cpu_stats", "throttling_data", "periods") == 10);
	CHECK(at(doc, "cpu_stats", "throttling_data", "throttled_periods") == 3);
	CHECK(at(doc, "cpu_stats", "throttling_data", "throttled_time") == 123456);

	CHECK(at(doc, "pids_stats", "current", NULL) == 3);
	CHECK(at(doc, "pids_stats", "limit", NULL) == 42);

	json_t *bytes = json_object_get(json_object_get(doc, "blkio_stats"),
					"io_service_bytes_recursive");
	CHECK(json_array_size(bytes) == 6); /* the device's lines, not the grand total */
	json_t *w = json_array_get(bytes, 1);
	CHECK(at(w, "major", NULL, NULL) == 8 && at(w, "minor", NULL, NULL) == 0);
	CHECK(!strcmp(json_string_value(json_object_get(w, "op")), "Write"));
	CHECK(at(w, "value", NULL, NULL) == 1048576);
	CHECK(json_array_size(json_object_get(json_object_get(doc, "blkio_stats"),
					      "io_serviced_recursive")) == 1);
	CHECK(json_is_null(json_object_get(json_object_get(doc, "blkio_stats"),
					   "io_queue_recursive")));
	json_decref(doc);
	return 0;
}

static int test_v1_limit_and_no_pids_limit(void)
{
	CHECK(put("v1b/memory/berth/c2/memory.usage_in_bytes", "1000\n") == 0);
	CHECK(put("v1b/memory/berth/c2/memory.limit_in_bytes", "67108864\n") == 0);
	CHECK(put("v1b/pids/berth/c2/pids.current", "1\n") == 0);
	CHECK(put("v1b/pids/berth/c2/pids.max", "max\n") == 0);
	char root[256];
	snprintf(root, sizeof(root), "%s/v1b", dir);
	json_t *doc = json_object();
	cgstats_read(doc, root, "berth/c2", 0, HOST_MEMORY);
	CHECK(at(doc, "memory_stats", "limit", NULL) == 67108864);
	CHECK(!json_object_get(json_object_get(doc, "pids_stats"), "limit"));
	/* no blkio files at all: docker's null lists */
	CHECK(json_is_null(json_object_get(json_object_get(doc, "blkio_stats"),
					   "io_service_bytes_recursive")));
	json_decref(doc);
	return 0;
}

static int test_v2(void)
{
	CHECK(put("v2/berth/c3/memory.current", "53477376\n") == 0);
	CHECK(put("v2/berth/c3/memory.max", "max\n") == 0);
	CHECK(put("v2/berth/c3/memory.stat",
		  "anon 49152\nfile 52428800\nshmem 52428800\ninactive_file 8192\n"
		  "pgfault 1200\n") == 0);
	CHECK(put("v2/berth/c3/memory.events", "low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n") == 0);
	CHECK(put("v2/berth/c3/cpu.stat",
		  "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnr_periods 7\n"
		  "nr_throttled 2\nthrottled_usec 300\n") == 0);
	CHECK(put("v2/berth/c3/pids.current", "4\n") == 0);
	CHECK(put("v2/berth/c3/pids.max", "100\n") == 0);
	CHECK(put("v2/berth/c3/io.stat",
		  "8:0 rbytes=4096 wbytes=20971520 rios=1 wios=160 dbytes=0 dios=0\n"
		  "253:1 rbytes=0 wbytes=512 rios=0 wios=1 dbytes=0 dios=0\n") == 0);
	char root[256];
	snprintf(root, sizeof(root), "%s/v2", dir);
	json_t *doc = json_object();
	cgstats_read(doc, root, "berth/c3", 1, HOST_MEMORY);

	CHECK(at(doc, "memory_stats", "usage", NULL) == 53477376);
	CHECK(at(doc, "memory_stats", "limit", NULL) == HOST_MEMORY);
	CHECK(at(doc, "memory_stats", "failcnt", NULL) == 1);
	CHECK(!json_object_get(json_object_get(doc, "memory_stats"), "max_usage"));
	CHECK(at(doc, "memory_stats", "stats", "inactive_file") == 8192);
	CHECK(at(doc, "memory_stats", "stats", "anon") == 49152);

	json_t *usage = json_object_get(json_object_get(doc, "cpu_stats"), "cpu_usage");
	CHECK(at(usage, "total_usage", NULL, NULL) == 2500000000LL);
	CHECK(at(usage, "usage_in_usermode", NULL, NULL) == 2000000000LL);
	CHECK(at(usage, "usage_in_kernelmode", NULL, NULL) == 500000000LL);
	CHECK(!json_object_get(usage, "percpu_usage"));
	CHECK(at(doc, "cpu_stats", "throttling_data", "periods") == 7);
	CHECK(at(doc, "cpu_stats", "throttling_data", "throttled_periods") == 2);
	CHECK(at(doc, "cpu_stats", "throttling_data", "throttled_time") == 300000);

	CHECK(at(doc, "pids_stats", "current", NULL) == 4);
	CHECK(at(doc, "pids_stats", "limit", NULL) == 100);

	json_t *bytes = json_object_get(json_object_get(doc, "blkio_stats"),
					"io_service_bytes_recursive");
	CHECK(json_array_size(bytes) == 4);
	json_t *r = json_array_get(bytes, 0), *w = json_array_get(bytes, 1);
	CHECK(!strcmp(json_string_value(json_object_get(r, "op")), "read"));
	CHECK(at(r, "value", NULL, NULL) == 4096);
	CHECK(!strcmp(json_string_value(json_object_get(w, "op")), "write"));
	CHECK(at(w, "value", NULL, NULL) == 20971520);
	CHECK(at(json_array_get(bytes, 2), "major", NULL, NULL) == 253);
	CHECK(at(json_array_get(bytes, 3), "value", NULL, NULL) == 512);
	json_decref(doc);

	/* a set limit below the host's memory is shown as is */
	CHECK(put("v2/berth/c3/memory.max", "104857600\n") == 0);
	doc = json_object();
	cgstats_read(doc, root, "berth/c3", 1, HOST_MEMORY);
	CHECK(at(doc, "memory_stats", "limit", NULL) == 104857600);
	json_decref(doc);
	return 0;
}

static int test_system_cpu(void)
{
	uint64_t ns;
	unsigned n;
	const char *stat = "cpu  100 2 30 4000 5 6 7 8 0 0\n"
			   "cpu0 50 1 15 2000 2 3 3 4 0 0\n"
			   "cpu1 50 1 15 2000 3 3 4 4 0 0\n"
			   "intr 12345 0 0\nctxt 999\n";
	CHECK(cgstats_system_cpu(stat, &ns, &n) == 0);
	/* user..softirq (seven fields, steal excluded) in 1/100 s */
	CHECK(ns == (100 + 2 + 30 + 4000 + 5 + 6 + 7) * 10000000ULL);
	CHECK(n == 2);
	CHECK(cgstats_system_cpu("intr 1\n", &ns, &n) < 0);
	return 0;
}

static int test_net_dev(void)
{
	const char *dev =
		"Inter-|   Receive                                                |  Transmit\n"
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
		"errs drop fifo colls carrier compressed\n"
		"    lo:     120       2    0    0    0     0          0         0      120       2 "
		"   0    0    0     0       0          0\n"
		"  eth0:    5306      41    1    2    0     0          0         0      866      11 "
		"   3    4    0     0       0          0\n";
	json_t *nets = cgstats_net_dev(dev);
	CHECK(nets && json_object_size(nets) == 1);
	json_t *eth = json_object_get(nets, "eth0");
	CHECK(at(eth, "rx_bytes", NULL, NULL) == 5306 && at(eth, "rx_packets", NULL, NULL) == 41);
	CHECK(at(eth, "rx_errors", NULL, NULL) == 1 && at(eth, "rx_dropped", NULL, NULL) == 2);
	CHECK(at(eth, "tx_bytes", NULL, NULL) == 866 && at(eth, "tx_packets", NULL, NULL) == 11);
	CHECK(at(eth, "tx_errors", NULL, NULL) == 3 && at(eth, "tx_dropped", NULL, NULL) == 4);
	json_decref(nets);
	/* only the loopback (--network none): no networks */
	const char *lo_only = "Inter-|\n face |\n    lo: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
	CHECK(cgstats_net_dev(lo_only) == NULL);
	return 0;
}

static int setup(void)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void)
{
	return rm_rf(dir, NULL);
}

TAP_MAIN(T(setup), T(test_v1), T(test_v1_limit_and_no_pids_limit), T(test_v2),
	 T(test_system_cpu), T(test_net_dev), T(teardown))
