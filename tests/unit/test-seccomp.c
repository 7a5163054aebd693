/* docker's seccomp profile converted to the OCI form for x86_64. */
#include "tap.h"
#include "common/jsonutil.h"
#include "common/strv.h"
#include "runtime/oci.h"

#include <string.h>

#define PROFILE "../shared/reference/seccomp-default.json"

static json_t *convert(char *const *caps)
{
	json_t *p = json_load_file(PROFILE, 0, NULL), *out;
	eng_error_t err;
	if (!p)
		return NULL;
	out = seccomp_to_oci(p, caps, &err);
	if (!out)
		fprintf(stderr, "# %s\n", err.msg);
	json_decref(p);
	return out;
}

/* The rule that names `sys` with `action` (and args when want_args), or NULL. */
static const json_t *rule_for(const json_t *sc, const char *sys, const char *action, int n)
{
	size_t i, j;
	json_t *r, *name;
	int seen = 0;
	json_array_foreach(json_object_get(sc, "syscalls"), i, r)
	{
		json_array_foreach(json_object_get(r, "names"), j, name)
		{
			if (!strcmp(json_string_value(name), sys) &&
			    (!action || !strcmp(json_str(r, "action"), action)) && seen++ == n)
				return r;
		}
	}
	return NULL;
}

static int test_default_profile(void)
{
	json_t *sc = convert(oci_default_caps());
	if (!sc)
		return 77;
	CHECK(!strcmp(json_str(sc, "defaultAction"), "SCMP_ACT_ERRNO"));
	CHECK(json_int(sc, "defaultErrnoRet", 0) == 1);
	json_t *arch = json_object_get(sc, "architectures");
	CHECK(json_array_size(arch) == 3);
	CHECK(!strcmp(json_string_value(json_array_get(arch, 0)), "SCMP_ARCH_X86_64"));
	CHECK(!strcmp(json_string_value(json_array_get(arch, 1)), "SCMP_ARCH_X86"));
	CHECK(!strcmp(json_string_value(json_array_get(arch, 2)), "SCMP_ARCH_X32"));

	CHECK(rule_for(sc, "read", "SCMP_ACT_ALLOW", 0));
	/* arch-gated */
	CHECK(rule_for(sc, "arch_prctl", NULL, 0));
	CHECK(rule_for(sc, "modify_ldt", NULL, 0));
	CHECK(!rule_for(sc, "s390_runtime_instr", NULL, 0));
	CHECK(!rule_for(sc, "riscv_flush_icache", NULL, 0));
	/* ptrace: allowed by the minKernel 4.8 rule only, not by the CAP_SYS_PTRACE one */
	const json_t *pt = rule_for(sc, "ptrace", NULL, 0);
	CHECK(pt && !strcmp(json_str(pt, "action"), "SCMP_ACT_ALLOW"));
	CHECK(!rule_for(sc, "ptrace", NULL, 1));
	CHECK(!rule_for(sc, "kcmp", NULL, 0));
	/* cap-gated syscalls are absent without their capability */
	CHECK(!rule_for(sc, "reboot", NULL, 0));
	CHECK(!rule_for(sc, "mount", NULL, 0));
	CHECK(!rule_for(sc, "bpf", NULL, 0));
	/* chroot is gated on CAP_SYS_CHROOT, which docker grants */
	CHECK(rule_for(sc, "chroot", NULL, 0));
	/* clone is allowed with the namespace-flags mask; clone3 gets ENOSYS */
	const json_t *cl = rule_for(sc, "clone", NULL, 0);
	CHECK(cl);
	json_t *arg = json_array_get(json_object_get(cl, "args"), 0);
	CHECK(json_int(arg, "index", -1) == 0 && json_int(arg, "value", 0) == 2114060288);
	CHECK(!strcmp(json_str(arg, "op"), "SCMP_CMP_MASKED_EQ"));
	CHECK(!rule_for(sc, "clone", NULL, 1)); /* the s390 variant is dropped */
	const json_t *c3 = rule_for(sc, "clone3", NULL, 0);
	CHECK(c3 && !strcmp(json_str(c3, "action"), "SCMP_ACT_ERRNO"));
	CHECK(json_int(c3, "errnoRet", 0) == 38);
	/* rules with args keep them; rules without have no "args" key */
	CHECK(json_array_size(json_object_get(rule_for(sc, "personality", NULL, 0), "args")) == 1);
	CHECK(!json_object_get(rule_for(sc, "read", NULL, 0), "args"));
	CHECK(!json_object_get(rule_for(sc, "read", NULL, 0), "includes"));
	json_decref(sc);
	return 0;
}

static int test_caps_gate(void)
{
	char **caps = strv_copy(oci_default_caps());
	caps = strv_push(caps, "CAP_SYS_ADMIN");
	caps = strv_push(caps, "CAP_SYS_BOOT");
	caps = strv_push(caps, "CAP_SYS_PTRACE");
	json_t *sc = convert(caps);
	strv_free(caps);
	if (!sc)
		return 77;
	CHECK(rule_for(sc, "reboot", "SCMP_ACT_ALLOW", 0));
	CHECK(rule_for(sc, "mount", "SCMP_ACT_ALLOW", 0));
	CHECK(rule_for(sc, "kcmp", "SCMP_ACT_ALLOW", 0));
	CHECK(rule_for(sc, "ptrace", NULL, 1)); /* now also through the capability rule */
	/* bpf is in the CAP_SYS_ADMIN group; its CAP_BPF rule stays out */
	CHECK(rule_for(sc, "bpf", NULL, 0) && !rule_for(sc, "bpf", NULL, 1));
	CHECK(!rule_for(sc, "syslog", NULL, 1) && !rule_for(sc, "acct", NULL, 0));
	/* excludes {caps: CAP_SYS_ADMIN}: the masked clone and clone3's ENOSYS go away */
	CHECK(!rule_for(sc, "clone3", "SCMP_ACT_ERRNO", 0));
	const json_t *cl = rule_for(sc, "clone", NULL, 0);
	CHECK(cl && !json_object_get(cl, "args"));
	json_decref(sc);
	return 0;
}

static int test_bad_profiles(void)
{
	eng_error_t err;
	json_t *p = json_loads("{\"architectures\":[\"SCMP_ARCH_X86_64\"],\"archMap\":[{"
	                       "\"architecture\":\"SCMP_ARCH_X86_64\"}]}",
	                       0, NULL);
	CHECK(p);
	CHECK(!seccomp_to_oci(p, oci_default_caps(), &err) && err.kind == ERR_INVALID);
	json_decref(p);
	p = json_string("x");
	CHECK(!seccomp_to_oci(p, oci_default_caps(), &err));
	json_decref(p);
	/* a plain "architectures" list and "name" are accepted as is */
	p = json_loads(
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
	    "\"syscalls\":[{\"name\":\"kill\",\"action\":\"SCMP_ACT_ERRNO\"}]}",
	    0, NULL);
	json_t *sc = seccomp_to_oci(p, oci_default_caps(), &err);
	CHECK(sc && json_array_size(json_object_get(sc, "architectures")) == 1);
	CHECK(rule_for(sc, "kill", "SCMP_ACT_ERRNO", 0));
	json_decref(sc);
	json_decref(p);
	return 0;
}

TAP_MAIN(T(test_default_profile), T(test_caps_gate), T(test_bad_profiles))
