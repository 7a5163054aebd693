/* The container's seccomp filter as berthd compiles it for native exec: docker's profile
 * decides as runc's program does, with the -ENOSYS stub in front. */
#include "tap.h"
#include "common/jsonutil.h"
#include "runtime/oci.h"
#include "runtime/seccomp_bpf.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PROFILE "../shared/reference/seccomp-default.json"

static struct sock_filter prog[BPF_MAXINSNS];
static size_t nprog;

/* Enough of classic BPF for seccomp programs. */
static uint32_t run(int nr, uint32_t arch, uint64_t arg0)
{
	struct seccomp_data d = {.nr = nr, .arch = arch, .args = {arg0}};
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};

	for (size_t pc = 0; pc < nprog; pc++) {
		struct sock_filter f = prog[pc];
		uint32_t v = BPF_SRC(f.code) == BPF_X ? x : f.k;
		switch (BPF_CLASS(f.code)) {
		case BPF_LD:
			if (BPF_MODE(f.code) == BPF_ABS)
				memcpy(&a, (char *)&d + f.k, sizeof(a)); /* no aliasing of d's u64s */
			else
				a = BPF_MODE(f.code) == BPF_MEM ? mem[f.k] : f.k;
			break;
		case BPF_LDX:
			x = BPF_MODE(f.code) == BPF_MEM ? mem[f.k] : f.k;
			break;
		case BPF_ST:
			mem[f.k] = a;
			break;
		case BPF_STX:
			mem[f.k] = x;
			break;
		case BPF_ALU:
			switch (BPF_OP(f.code)) {
			case BPF_AND: a &= v; break;
			case BPF_OR: a |= v; break;
			case BPF_ADD: a += v; break;
			case BPF_SUB: a -= v; break;
			case BPF_XOR: a ^= v; break;
			case BPF_LSH: a <<= v; break;
			case BPF_RSH: a >>= v; break;
			default: return 0xdead;
			}
			break;
		case BPF_JMP:
			if (BPF_OP(f.code) == BPF_JA)
				pc += f.k;
			else if (BPF_OP(f.code) == BPF_JEQ ? a == v
			         : BPF_OP(f.code) == BPF_JGT ? a > v
			         : BPF_OP(f.code) == BPF_JGE ? a >= v
			                                     : (a & v) != 0)
				pc += f.jt;
			else
				pc += f.jf;
			break;
		case BPF_RET:
			return BPF_RVAL(f.code) == BPF_A ? a : f.k;
		case BPF_MISC:
			if (BPF_MISCOP(f.code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	return 0xdead;
}

static int test_docker_profile(void)
{
	json_t *p = json_load_file(PROFILE, 0, NULL), *sc;
	char dir[] = "/tmp/berth-bpf-XXXXXX", path[64];
	eng_error_t err;
	struct timespec t0, t1;
	FILE *f;

	if (!p)
		return 77;
	sc = seccomp_to_oci(p, oci_default_caps(), &err);
	CHECK(sc && mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/seccomp.bpf", dir);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(seccomp_bpf_write(sc, path, &err) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# compiled in %.1f ms\n",
	       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	CHECK((f = fopen(path, "rb")));
	nprog = fread(prog, sizeof(*prog), BPF_MAXINSNS, f);
	fclose(f);
	unlink(path);
	rmdir(dir);
	CHECK(nprog > 100);

	const uint32_t allow = SECCOMP_RET_ALLOW, eperm = SECCOMP_RET_ERRNO | EPERM,
	               enosys = SECCOMP_RET_ERRNO | ENOSYS;
	CHECK(run(SYS_read, AUDIT_ARCH_X86_64, 0) == allow);
	CHECK(run(SYS_unshare, AUDIT_ARCH_X86_64, 0) == eperm);
	CHECK(run(SYS_keyctl, AUDIT_ARCH_X86_64, 0) == eperm);
	CHECK(run(SYS_mount, AUDIT_ARCH_X86_64, 0) == eperm);
	/* argument rules: personality(0) is allowed, personality(0x40000) is not */
	CHECK(run(SYS_personality, AUDIT_ARCH_X86_64, 0) == allow);
	CHECK(run(SYS_personality, AUDIT_ARCH_X86_64, 0x40000) == eperm);
	/* clone without namespace flags is allowed, with CLONE_NEWUSER it is not */
	CHECK(run(SYS_clone, AUDIT_ARCH_X86_64, 0x11) == allow);
	CHECK(run(SYS_clone, AUDIT_ARCH_X86_64, 0x10000000) == eperm);
	/* newer than anything the profile names: ENOSYS, on each architecture */
	CHECK(run(1000, AUDIT_ARCH_X86_64, 0) == enosys);
	CHECK(run(0x40000000 + 1000, AUDIT_ARCH_X86_64, 0) == enosys);
	CHECK(run(1000, AUDIT_ARCH_I386, 0) == enosys);
	CHECK(run(0x40000000 + 0, AUDIT_ARCH_X86_64, 0) == allow); /* x32 read */
	CHECK(run(3, AUDIT_ARCH_I386, 0) == allow);                 /* i386 read */
	/* an architecture the profile does not list: libseccomp's bad-arch action */
	CHECK(run(0, AUDIT_ARCH_AARCH64, 0) == SECCOMP_RET_KILL_THREAD);
	json_decref(sc);
	json_decref(p);
	return 0;
}

static int test_notify_goes_through_the_runtime(void)
{
	json_t *sc = json_pack("{s:s, s:[s], s:[{s:[s], s:s}]}", "defaultAction", "SCMP_ACT_ALLOW",
	                       "architectures", "SCMP_ARCH_X86_64", "syscalls", "names", "mkdir",
	                       "action", "SCMP_ACT_NOTIFY");
	eng_error_t err;

	CHECK(seccomp_bpf_write(sc, "/nonexistent/x", &err) < 0);
	CHECK(err.kind == ERR_NOT_IMPLEMENTED);
	json_decref(sc);
	return 0;
}

int main(void)
{
	static const struct tap_test t[] = {
	    {"docker's profile", test_docker_profile},
	    {"SCMP_ACT_NOTIFY is left to the runtime", test_notify_goes_through_the_runtime},
	};
	return tap_run(t, sizeof(t) / sizeof(*t));
}
