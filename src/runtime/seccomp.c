/* docker's seccomp profile format to the OCI linux.seccomp object, filtered the way moby's
 * profiles/seccomp.setupSeccomp does: per architecture, capability set and kernel version. */
#include "oci.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

/* Go's GOARCH and libseccomp's name for the native architecture. */
#if defined(__x86_64__)
#define NATIVE_GOARCH "amd64"
#define NATIVE_SCMP "SCMP_ARCH_X86_64"
#elif defined(__aarch64__)
#define NATIVE_GOARCH "arm64"
#define NATIVE_SCMP "SCMP_ARCH_AARCH64"
#elif defined(__i386__)
#define NATIVE_GOARCH "386"
#define NATIVE_SCMP "SCMP_ARCH_X86"
#else
#error "unsupported architecture"
#endif

static char *const default_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

char *const *oci_default_caps(void)
{
	return default_caps;
}

static int in_array(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		const char *x = json_string_value(v);
		if (x && !strcmp(x, s))
			return 1;
	}
	return 0;
}

/* "major.minor" of a kernel release ("6.1.0-18-amd64" -> 6, 1). */
static int parse_kver(const char *s, int *maj, int *min)
{
	*min = 0;
	return sscanf(s, "%d.%d", maj, min) >= 1 ? 0 : -1;
}

/* 1 when the running kernel is >= `want`, 0 when older, -1 when `want` is malformed. */
static int kernel_at_least(const char *want)
{
	static int kmaj = -1, kmin;
	int wmaj, wmin;

	if (parse_kver(want, &wmaj, &wmin) < 0)
		return -1;
	if (kmaj < 0) {
		struct utsname u;
		if (uname(&u) < 0 || parse_kver(u.release, &kmaj, &kmin) < 0)
			return 1; /* unknown kernel: assume modern */
	}
	return kmaj > wmaj || (kmaj == wmaj && kmin >= wmin);
}

static int any_cap(const json_t *want, char *const *caps)
{
	size_t i;
	json_t *v;

	json_array_foreach(want, i, v)
	{
		const char *c = json_string_value(v);
		if (c && strv_contains(caps, c))
			return 1;
	}
	return 0;
}

static int all_caps(const json_t *want, char *const *caps)
{
	size_t i;
	json_t *v;

	json_array_foreach(want, i, v)
	{
		const char *c = json_string_value(v);
		if (!c || !strv_contains(caps, c))
			return 0;
	}
	return 1;
}

/* 1 to keep the rule, 0 to drop it, -1 on a malformed minKernel. */
static int rule_applies(const json_t *call, char *const *caps, eng_error_t *err)
{
	const json_t *ex = json_object_get(call, "excludes");
	const json_t *in = json_object_get(call, "includes");
	const char *mk;
	int r;

	if (json_is_object(ex)) {
		if (in_array(json_object_get(ex, "arches"), NATIVE_GOARCH))
			return 0;
		if (any_cap(json_object_get(ex, "caps"), caps))
			return 0;
		if ((mk = json_str(ex, "minKernel")) && *mk) {
			if ((r = kernel_at_least(mk)) < 0)
				goto bad_kernel;
			if (r)
				return 0;
		}
	}
	if (json_is_object(in)) {
		const json_t *arches = json_object_get(in, "arches");
		if (json_array_size(arches) && !in_array(arches, NATIVE_GOARCH))
			return 0;
		if (!all_caps(json_object_get(in, "caps"), caps))
			return 0;
		if ((mk = json_str(in, "minKernel")) && *mk) {
			if ((r = kernel_at_least(mk)) < 0)
				goto bad_kernel;
			if (!r)
				return 0;
		}
	}
	return 1;
bad_kernel:
	return eng_error_make(err, EINVAL, ERR_INVALID, "invalid kernel version: %s", mk);
}

static json_t *convert_rule(const json_t *call, eng_error_t *err)
{
	const json_t *names = json_object_get(call, "names");
	const char *name = json_str(call, "name"), *action = json_str(call, "action");
	json_t *r = json_object(), *v;

	if (name && *name) {
		if (json_array_size(names)) {
			json_decref(r);
			eng_error_make(err, EINVAL, ERR_INVALID,
			               "use either 'name' or 'names' in the seccomp profile");
			return NULL;
		}
		json_object_set_new(r, "names", json_pack("[s]", name));
	} else {
		json_object_set_new(r, "names",
		                    json_is_array(names) ? json_deep_copy(names) : json_array());
	}
	json_object_set_new(r, "action", json_string(action ? action : ""));
	if ((v = json_object_get(call, "errnoRet")) && json_is_integer(v))
		json_object_set(r, "errnoRet", v);
	if ((v = json_object_get(call, "args")) && json_array_size(v))
		json_object_set_new(r, "args", json_deep_copy(v));
	return r;
}

static void set_architectures(json_t *out, const json_t *profile)
{
	const json_t *map = json_object_get(profile, "archMap"), *arches;
	json_t *list = json_array(), *a;
	size_t i;

	if ((arches = json_object_get(profile, "architectures")) && json_is_array(arches))
		json_array_extend(list, (json_t *)arches);
	json_array_foreach(map, i, a)
	{
		const char *name = json_str(a, "architecture");
		if (!name || strcmp(name, NATIVE_SCMP))
			continue;
		json_array_append_new(list, json_string(name));
		json_array_extend(list, json_object_get(a, "subArchitectures"));
		break;
	}
	json_object_set_new(out, "architectures", list);
}

json_t *seccomp_to_oci(const json_t *profile, char *const *caps, eng_error_t *err)
{
	json_auto_t *out = NULL;
	const json_t *calls, *call, *v;
	json_t *list;
	size_t i;

	if (!json_is_object(profile)) {
		eng_error_make(err, EINVAL, ERR_INVALID,
		               "decoding seccomp profile failed: not an object");
		return NULL;
	}
	if (json_array_size(json_object_get(profile, "architectures")) &&
	    json_array_size(json_object_get(profile, "archMap"))) {
		eng_error_make(err, EINVAL, ERR_INVALID,
		               "both 'architectures' and 'archMap' are specified in the seccomp "
		               "profile, use either 'architectures' or 'archMap'");
		return NULL;
	}
	out = json_object();
	json_object_set_new(out, "defaultAction",
	                    json_string(json_str(profile, "defaultAction") ?: "SCMP_ACT_ALLOW"));
	if ((v = json_object_get(profile, "defaultErrnoRet")) && json_is_integer(v))
		json_object_set(out, "defaultErrnoRet", (json_t *)v);
	set_architectures(out, profile);
	if ((v = json_object_get(profile, "flags")) && json_array_size(v))
		json_object_set(out, "flags", (json_t *)v);
	if ((v = json_object_get(profile, "listenerPath")) && json_is_string(v))
		json_object_set(out, "listenerPath", (json_t *)v);
	if ((v = json_object_get(profile, "listenerMetadata")) && json_is_string(v))
		json_object_set(out, "listenerMetadata", (json_t *)v);

	list = json_array();
	json_object_set_new(out, "syscalls", list);
	calls = json_object_get(profile, "syscalls");
	json_array_foreach(calls, i, call)
	{
		int keep = rule_applies(call, caps, err);
		if (keep < 0)
			return NULL;
		if (!keep)
			continue;
		json_t *r = convert_rule(call, err);
		if (!r)
			return NULL;
		json_array_append_new(list, r);
	}
	return json_incref(out);
}
