#include "resources.h"
#include "../common/jsonutil.h"
#include "../runtime/oci.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MIN_MEMORY (6 * 1024 * 1024)


/* "NET_ADMIN", "cap_net_admin", "CAP_NET_ADMIN" -> "CAP_NET_ADMIN"; NULL if unknown. */
static int cap_normalize(const char *in, char out[64])
{
	const char *name = !strncasecmp(in, "CAP_", 4) ? in + 4 : in;
	char up[64];
	size_t i;
	if (!strcasecmp(name, "ALL")) {
		strcpy(out, "ALL");
		return 0;
	}
	for (i = 0; name[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)name[i]);
	up[i] = 0;
	for (char *const *c = oci_cap_names(); *c; c++)
		if (!strcmp(*c, up)) {
			snprintf(out, 64, "CAP_%s", up);
			return 0;
		}
	return -1;
}

static int check_caps(const json_t *hc, const char *key, eng_error_t *err)
{
	json_t *v;
	size_t i;
	json_array_foreach(json_object_get(hc, key), i, v)
	{
		char n[64];
		if (!json_is_string(v) || cap_normalize(json_string_value(v), n) < 0)
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid %s: unknown capability: \"%s\"",
					      !strcmp(key, "CapAdd") ? "CapAdd" : "CapDrop",
					      json_is_string(v) ? json_string_value(v) : "?");
	}
	return 0;
}

int host_config_check_resources(const json_t *hc, int update, eng_error_t *err)
{
	long long mem = json_int(hc, "Memory", 0), swap = json_int(hc, "MemorySwap", 0);
	long long nano = json_int(hc, "NanoCpus", 0), quota = json_int(hc, "CpuQuota", 0);
	long long period = json_int(hc, "CpuPeriod", 0);

	if (mem && mem < MIN_MEMORY)
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "Minimum memory limit allowed is 6MB");
	if (mem && swap > 0 && swap < mem)
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "Minimum memoryswap limit should be larger than memory limit, "
				      "see usage");
	if (!mem && swap > 0 && !update)
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "You should always set the Memory limit when using Memoryswap "
				      "limit, see usage");
	if (nano && (quota || period))
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "Conflicting options: Nano CPUs and CPU Period cannot both be "
				      "set");
	if (nano < 0)
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid CPU value: must be positive");
	if (period && (period < 1000 || period > 1000000))
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "CPU cfs period can not be less than 1ms (i.e. 1000) or larger "
				      "than 1s (i.e. 1000000)");
	if (quota > 0 && quota < 1000)
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "CPU cfs quota can not be less than 1ms (i.e. 1000)");
	long long shm = json_int(hc, "ShmSize", 0);
	if (shm < 0)
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "SHM size can not be less than 0");
	return check_caps(hc, "CapAdd", err) < 0 ? -1 : check_caps(hc, "CapDrop", err);
}

static json_t *obj_path(json_t *root, const char *a, const char *b)
{
	json_t *o = json_object_get(root, a);
	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(root, a, o);
	}
	if (!b)
		return o;
	json_t *p = json_object_get(o, b);
	if (!json_is_object(p)) {
		p = json_object();
		json_object_set_new(o, b, p);
	}
	return p;
}

static void apply_caps(json_t *spec, const json_t *hc)
{
	json_t *caps = json_object_get(json_object_get(spec, "process"), "capabilities");
	json_t *bounding = json_object_get(caps, "bounding"), *v, *set = json_array();
	size_t i;
	int add_all = 0, drop_all = 0;

	if (!json_is_object(caps))
		return;
	json_array_foreach(json_object_get(hc, "CapAdd"), i, v)
	{
		char n[64];
		if (cap_normalize(json_string_value(v), n) == 0 && !strcmp(n, "ALL"))
			add_all = 1;
	}
	json_array_foreach(json_object_get(hc, "CapDrop"), i, v)
	{
		char n[64];
		if (cap_normalize(json_string_value(v), n) == 0 && !strcmp(n, "ALL"))
			drop_all = 1;
	}
	if (add_all) {
		json_decref(set);
		set = oci_all_caps();
	} else if (!drop_all) {
		json_array_foreach(bounding, i, v) json_array_append(set, v);
	}
	json_array_foreach(json_object_get(hc, "CapAdd"), i, v)
	{
		char n[64];
		int have = 0;
		size_t j;
		json_t *x;
		if (cap_normalize(json_string_value(v), n) < 0 || !strcmp(n, "ALL"))
			continue;
		json_array_foreach(set, j, x) have |= !strcmp(json_string_value(x), n);
		if (!have)
			json_array_append_new(set, json_string(n));
	}
	json_array_foreach(json_object_get(hc, "CapDrop"), i, v)
	{
		char n[64];
		size_t j;
		json_t *x;
		if (cap_normalize(json_string_value(v), n) < 0 || !strcmp(n, "ALL"))
			continue;
		json_array_foreach(set, j, x) if (!strcmp(json_string_value(x), n))
		{
			json_array_remove(set, j);
			break;
		}
	}
	static const char *sets[] = {"bounding", "effective", "permitted"};
	for (size_t k = 0; k < 3; k++)
		json_object_set_new(caps, sets[k], json_deep_copy(set));
	json_decref(set);
}

static int apply_ulimits(json_t *spec, const json_t *hc, eng_error_t *err)
{
	json_t *process = obj_path(spec, "process", NULL), *rl = json_object_get(process, "rlimits");
	json_t *u;
	size_t i;

	if (!json_is_array(rl)) {
		rl = json_array();
		json_object_set_new(process, "rlimits", rl);
	}
	json_array_foreach(json_object_get(hc, "Ulimits"), i, u)
	{
		const char *name = json_str(u, "Name");
		char type[64];
		size_t j;
		json_t *x;
		if (!name || !*name)
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid ulimit: no name");
		snprintf(type, sizeof(type), "RLIMIT_");
		for (size_t k = 0; name[k] && k < 50; k++)
			type[7 + k] = (char)toupper((unsigned char)name[k]), type[8 + k] = 0;
		json_array_foreach(rl, j, x) if (!strcmp(json_str(x, "type") ?: "", type))
		{
			json_array_remove(rl, j);
			break;
		}
		json_array_append_new(rl, json_pack("{s:s, s:I, s:I}", "type", type, "hard",
						    (json_int_t)json_int(u, "Hard", 0), "soft",
						    (json_int_t)json_int(u, "Soft", 0)));
	}
	return 0;
}

int host_config_apply(json_t *spec, const json_t *hc, eng_error_t *err)
{
	json_t *linux_ = obj_path(spec, "linux", NULL);
	json_t *res = obj_path(linux_, "resources", NULL);
	long long v;
	const char *s;

	if ((v = json_int(hc, "Memory", 0)) > 0) {
		json_t *mem = obj_path(res, "memory", NULL);
		long long swap = json_int(hc, "MemorySwap", 0);
		json_object_set_new(mem, "limit", json_integer(v));
		/* docker's default: as much swap as memory (swap = 2 x memory) */
		json_object_set_new(mem, "swap", json_integer(swap == 0 ? 2 * v : swap));
	}
	if ((v = json_int(hc, "MemoryReservation", 0)) > 0)
		json_object_set_new(obj_path(res, "memory", NULL), "reservation", json_integer(v));
	if (json_bool(hc, "OomKillDisable", 0))
		json_object_set_new(obj_path(res, "memory", NULL), "disableOOMKiller", json_true());
	if ((v = json_int(hc, "MemorySwappiness", -1)) >= 0)
		json_object_set_new(obj_path(res, "memory", NULL), "swappiness", json_integer(v));
	if ((v = json_int(hc, "CpuShares", 0)) > 0)
		json_object_set_new(obj_path(res, "cpu", NULL), "shares", json_integer(v));
	if ((v = json_int(hc, "NanoCpus", 0)) > 0) {
		json_object_set_new(obj_path(res, "cpu", NULL), "period", json_integer(100000));
		json_object_set_new(obj_path(res, "cpu", NULL), "quota",
				    json_integer(v * 100000 / 1000000000LL));
	}
	if ((v = json_int(hc, "CpuPeriod", 0)) > 0)
		json_object_set_new(obj_path(res, "cpu", NULL), "period", json_integer(v));
	if ((v = json_int(hc, "CpuQuota", 0)) != 0)
		json_object_set_new(obj_path(res, "cpu", NULL), "quota", json_integer(v));
	if ((s = json_str(hc, "CpusetCpus")) && *s)
		json_object_set_new(obj_path(res, "cpu", NULL), "cpus", json_string(s));
	if ((s = json_str(hc, "CpusetMems")) && *s)
		json_object_set_new(obj_path(res, "cpu", NULL), "mems", json_string(s));
	if ((v = json_int(hc, "PidsLimit", 0)) != 0)
		json_object_set_new(obj_path(res, "pids", NULL), "limit", json_integer(v));
	if ((v = json_int(hc, "BlkioWeight", 0)) > 0)
		json_object_set_new(obj_path(res, "blockIO", NULL), "weight", json_integer(v));
	if ((v = json_int(hc, "OomScoreAdj", 0)) != 0)
		json_object_set_new(obj_path(spec, "process", NULL), "oomScoreAdj", json_integer(v));
	/* the size the client's terminal had at create time, so the first output is laid out
	 * right before any resize arrives */
	json_t *cs = json_object_get(hc, "ConsoleSize");
	json_t *proc = json_object_get(spec, "process");
	if (json_is_true(json_object_get(proc, "terminal")) && json_array_size(cs) == 2 &&
	    json_integer_value(json_array_get(cs, 0)) > 0 &&
	    json_integer_value(json_array_get(cs, 1)) > 0)
		json_object_set_new(proc, "consoleSize",
				    json_pack("{s:I, s:I}", "height",
					      json_integer_value(json_array_get(cs, 0)), "width",
					      json_integer_value(json_array_get(cs, 1))));
	if (json_bool(hc, "ReadonlyRootfs", 0))
		json_object_set_new(obj_path(spec, "root", NULL), "readonly", json_true());
	json_t *sysctls = json_object_get(hc, "Sysctls");
	if (json_is_object(sysctls) && json_object_size(sysctls))
		json_object_update(obj_path(linux_, "sysctl", NULL), sysctls);
	json_t *groups = json_object_get(hc, "GroupAdd"), *g;
	size_t i;
	json_array_foreach(groups, i, g)
	{
		json_t *user = obj_path(obj_path(spec, "process", NULL), "user", NULL);
		json_t *add = json_object_get(user, "additionalGids");
		const char *gs = json_string_value(g);
		char *end;
		long gid = gs ? strtol(gs, &end, 10) : -1;
		if (!gs || *end || gid < 0)
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "unable to find group %s: group names in --group-add "
					      "are not supported yet, use a numeric GID",
					      gs ? gs : "?");
		if (!json_is_array(add)) {
			add = json_array();
			json_object_set_new(user, "additionalGids", add);
		}
		json_array_append_new(add, json_integer(gid));
	}
	apply_caps(spec, hc);
	return apply_ulimits(spec, hc, err);
}
