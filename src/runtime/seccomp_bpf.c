/* OCI linux.seccomp -> classic BPF with libseccomp, rule for rule as runc's InitSeccomp and
 * matchCall build it, plus an -ENOSYS stub with the meaning of runc's patchbpf. */
#include "seccomp_bpf.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"

#include <errno.h>
#include <pthread.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define X32_SYSCALL_BIT 0x40000000u

static int unsupported(eng_error_t *err, const char *what)
{
	return eng_error_make(err, ENOTSUP, ERR_NOT_IMPLEMENTED, "seccomp: %s", what);
}

/* runc's getAction: KILL is KILL_THREAD, ERRNO and TRACE default to EPERM. */
static int action_of(const char *name, const json_t *errno_ret, uint32_t *ret, eng_error_t *err)
{
	uint16_t code = json_is_integer(errno_ret) ? (uint16_t)json_integer_value(errno_ret) : EPERM;

	if (!name)
		return eng_error_make(err, EINVAL, ERR_INVALID, "seccomp: missing action");
	if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD"))
		*ret = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS"))
		*ret = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(name, "SCMP_ACT_ERRNO"))
		*ret = SCMP_ACT_ERRNO(code);
	else if (!strcmp(name, "SCMP_ACT_TRAP"))
		*ret = SCMP_ACT_TRAP;
	else if (!strcmp(name, "SCMP_ACT_ALLOW"))
		*ret = SCMP_ACT_ALLOW;
	else if (!strcmp(name, "SCMP_ACT_TRACE"))
		*ret = SCMP_ACT_TRACE(code);
	else if (!strcmp(name, "SCMP_ACT_LOG"))
		*ret = SCMP_ACT_LOG;
	else if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		return unsupported(err, "SCMP_ACT_NOTIFY needs the runtime's listener");
	else
		return eng_error_make(err, EINVAL, ERR_INVALID, "seccomp: invalid action %s", name);
	return 0;
}

static int op_of(const char *name, enum scmp_compare *ret)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} t[] = {{"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
	         {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
	         {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
	         {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};

	for (size_t i = 0; name && i < sizeof(t) / sizeof(*t); i++)
		if (!strcmp(t[i].name, name)) {
			*ret = t[i].op;
			return 0;
		}
	return -1;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token. */
static uint32_t arch_of(const char *oci)
{
	char name[32];
	size_t i;

	if (!oci || strncmp(oci, "SCMP_ARCH_", 10))
		return 0;
	for (i = 0; oci[10 + i] && i + 1 < sizeof(name); i++)
		name[i] = (char)(oci[10 + i] >= 'A' && oci[10 + i] <= 'Z' ? oci[10 + i] + 32
		                                                          : oci[10 + i]);
	name[i] = 0;
	if (!strcmp(name, "native"))
		return seccomp_arch_native();
	return seccomp_arch_resolve_name(name);
}

/* One rule per name, as runc's matchCall: two conditions on one argument cannot be ANDed
 * by libseccomp, so each condition then makes a rule of its own. */
static int add_rule(scmp_filter_ctx ctx, const json_t *rule, uint32_t def, eng_error_t *err)
{
	const json_t *args = json_object_get(rule, "args"), *a, *n;
	struct scmp_arg_cmp conds[6];
	unsigned counts[6] = {0};
	int multi = 0;
	size_t nconds = json_array_size(args), i, j;
	uint32_t act;

	if (action_of(json_str(rule, "action"), json_object_get(rule, "errnoRet"), &act, err) < 0)
		return -1;
	if (act == def)
		return 0; /* redundant, and libseccomp refuses it */
	if (nconds > 6)
		return eng_error_make(err, EINVAL, ERR_INVALID, "seccomp: too many arguments");
	json_array_foreach(args, i, a)
	{
		json_int_t idx = json_int(a, "index", -1);
		enum scmp_compare op;
		if (idx < 0 || idx > 5 || op_of(json_str(a, "op"), &op) < 0)
			return eng_error_make(err, EINVAL, ERR_INVALID,
			                      "seccomp: invalid syscall argument condition");
		conds[i] = (struct scmp_arg_cmp){(unsigned)idx, op,
		                                 (scmp_datum_t)json_integer_value(
		                                     json_object_get(a, "value")),
		                                 (scmp_datum_t)json_integer_value(
		                                     json_object_get(a, "valueTwo"))};
		multi |= ++counts[idx] > 1;
	}
	json_array_foreach(json_object_get(rule, "names"), j, n)
	{
		const char *name = json_string_value(n);
		int nr = name && *name ? seccomp_syscall_resolve_name(name) : __NR_SCMP_ERROR;
		int rc = 0;
		if (nr == __NR_SCMP_ERROR)
			continue; /* unknown to this libseccomp: runc ignores it too */
		if (!nconds)
			rc = seccomp_rule_add(ctx, act, nr, 0);
		else if (!multi)
			rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)nconds, conds);
		else
			for (i = 0; i < nconds && rc == 0; i++)
				rc = seccomp_rule_add_array(ctx, act, nr, 1, &conds[i]);
		if (rc < 0)
			return eng_error_make(err, -rc, ERR_INVALID,
			                      "seccomp: error adding rule for syscall %s: %s", name,
			                      strerror(-rc));
	}
	return 0;
}

/* ---- the -ENOSYS stub ---- */

struct prog {
	struct sock_filter *v;
	size_t n;
};

static void emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	p->v = realloc(p->v, (p->n + 1) * sizeof(*p->v));
	if (!p->v)
		abort();
	p->v[p->n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

/* The highest number any rule names on `arch` (runc's findLastSyscalls), 0 for none. */
static uint32_t last_syscall(const json_t *seccomp, uint32_t arch)
{
	const json_t *rule, *n;
	size_t i, j;
	int64_t last = 0;

	json_array_foreach(json_object_get(seccomp, "syscalls"), i, rule)
	    json_array_foreach(json_object_get(rule, "names"), j, n)
	{
		const char *name = json_string_value(n);
		int nr = name ? seccomp_syscall_resolve_name_arch(arch, name) : __NR_SCMP_ERROR;
		if (nr != __NR_SCMP_ERROR && nr > last)
			last = nr;
	}
	return (uint32_t)last;
}

/* Before the filter: for each audit architecture of the profile, a syscall number above
 * every one the profile names returns ENOSYS. x86-64 and x32 share AUDIT_ARCH_X86_64 and
 * are told apart by X32_SYSCALL_BIT. Layout:
 *   ld arch; (jeq A -> section A)...; ja filter; sections...; ret ENOSYS; filter */
static int enosys_stub(const json_t *seccomp, struct prog *out, eng_error_t *err)
{
	struct {
		uint32_t audit, last, last_x32;
	} arches[4];
	size_t na = 0, i, section_len[4];
	const json_t *a;
	const char *def = json_str(seccomp, "defaultAction");
	json_t *dr = json_object_get(seccomp, "defaultErrnoRet");

	if (def && (!strcmp(def, "SCMP_ACT_ALLOW") || !strcmp(def, "SCMP_ACT_LOG")))
		return 0; /* runc: nothing to patch when unknown syscalls are allowed */
	if (json_is_integer(dr) && json_integer_value(dr) == ENOSYS)
		return 0;
	json_array_foreach(json_object_get(seccomp, "architectures"), i, a)
	{
		uint32_t arch = arch_of(json_string_value(a)), audit, last;
		size_t k;
		switch (arch) {
		case SCMP_ARCH_X86_64:
		case SCMP_ARCH_X32:
			audit = AUDIT_ARCH_X86_64;
			break;
		case SCMP_ARCH_X86:
			audit = AUDIT_ARCH_I386;
			break;
		case SCMP_ARCH_AARCH64:
			audit = AUDIT_ARCH_AARCH64;
			break;
		case SCMP_ARCH_ARM:
			audit = AUDIT_ARCH_ARM;
			break;
		default:
			return unsupported(err, "no -ENOSYS stub for this architecture");
		}
		last = last_syscall(seccomp, arch);
		for (k = 0; k < na && arches[k].audit != audit; k++)
			;
		if (k == na) {
			if (na == 4)
				return unsupported(err, "too many architectures");
			arches[na++] = (typeof(arches[0])){audit, 0, 0};
		}
		if (arch == SCMP_ARCH_X32)
			arches[k].last_x32 = last;
		else
			arches[k].last = last;
	}
	if (!na)
		return 0;
	/* sections: ld nr; [jset x32 -> x32 check]; jgt last -> enosys; ja filter; [x32 check] */
	for (i = 0; i < na; i++)
		section_len[i] = arches[i].audit == AUDIT_ARCH_X86_64 ? 6 : 3;
	emit(out, BPF_LD | BPF_W | BPF_ABS, 0, 0, 4); /* seccomp_data.arch */
	for (i = 0; i < na; i++) {
		/* from the instruction after this jeq to section i */
		size_t skip = (na - 1 - i) + 1;
		for (size_t k = 0; k < i; k++)
			skip += section_len[k];
		if (skip > 255)
			return unsupported(err, "stub too long");
		emit(out, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)skip, 0, arches[i].audit);
	}
	size_t total = 0;
	for (i = 0; i < na; i++)
		total += section_len[i];
	emit(out, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(total + 1)); /* over sections and ret */
	for (i = 0; i < na; i++) {
		size_t after = 0; /* sections after this one */
		for (size_t k = i + 1; k < na; k++)
			after += section_len[k];
		emit(out, BPF_LD | BPF_W | BPF_ABS, 0, 0, 0); /* seccomp_data.nr */
		if (arches[i].audit == AUDIT_ARCH_X86_64) {
			/* jset x32 -> the x32 check; a bound of 0 means the arch is not listed:
			 * its calls go straight to the filter */
			emit(out, BPF_JMP | BPF_JSET | BPF_K, 2, 0, X32_SYSCALL_BIT);
			if (arches[i].last)
				emit(out, BPF_JMP | BPF_JGT | BPF_K, (uint8_t)(3 + after), 0,
				     arches[i].last);
			else
				emit(out, BPF_JMP | BPF_JA, 0, 0, 0);
			emit(out, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(2 + after + 1));
			if (arches[i].last_x32)
				emit(out, BPF_JMP | BPF_JGT | BPF_K, (uint8_t)(1 + after), 0,
				     arches[i].last_x32);
			else
				emit(out, BPF_JMP | BPF_JA, 0, 0, 0);
			emit(out, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(after + 1));
		} else {
			if (arches[i].last)
				emit(out, BPF_JMP | BPF_JGT | BPF_K, (uint8_t)(1 + after), 0,
				     arches[i].last);
			else
				emit(out, BPF_JMP | BPF_JA, 0, 0, 0);
			emit(out, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(after + 1));
		}
		if (after + 3 > 255)
			return unsupported(err, "stub too long");
	}
	emit(out, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS);
	return 0;
}

/* ---- the whole program ---- */

static int export_filter(scmp_filter_ctx ctx, struct prog *out, eng_error_t *err)
{
	_cleanup_close_ int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	off_t size;
	int rc;

	if (fd < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "memfd_create: %m");
	if ((rc = seccomp_export_bpf(ctx, fd)) < 0)
		return eng_error_make(err, -rc, ERR_INTERNAL, "seccomp: exporting the filter: %s",
		                      strerror(-rc));
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % sizeof(struct sock_filter))
		return eng_error_make(err, EINVAL, ERR_INTERNAL, "seccomp: bad exported filter");
	out->v = realloc(out->v, out->n * sizeof(*out->v) + (size_t)size);
	if (!out->v)
		abort();
	if (pread(fd, out->v + out->n, (size_t)size, 0) != size)
		return eng_error_make(err, errno, ERR_INTERNAL, "seccomp: reading the filter: %m");
	out->n += (size_t)size / sizeof(struct sock_filter);
	return 0;
}

static int compile(const json_t *seccomp, struct prog *out, eng_error_t *err)
{
	scmp_filter_ctx ctx = NULL;
	struct prog p = {NULL, 0};
	const json_t *rule, *a;
	uint32_t def;
	size_t i;
	int rc = -1;

	if (json_array_size(json_object_get(seccomp, "flags")) ||
	    json_str(seccomp, "listenerPath"))
		return unsupported(err, "filter flags and listeners need the runtime");
	if (action_of(json_str(seccomp, "defaultAction"), json_object_get(seccomp, "defaultErrnoRet"),
	              &def, err) < 0)
		return -1;
	if (!(ctx = seccomp_init(def)))
		return eng_error_make(err, EINVAL, ERR_INTERNAL, "seccomp: seccomp_init failed");
	json_array_foreach(json_object_get(seccomp, "architectures"), i, a)
	{
		uint32_t arch = arch_of(json_string_value(a));
		int r = arch ? seccomp_arch_add(ctx, arch) : -EINVAL;
		if (r < 0 && r != -EEXIST) {
			eng_error_make(err, EINVAL, ERR_INVALID,
			               "seccomp: error adding architecture %s: %s",
			               json_string_value(a) ?: "?", strerror(-r));
			goto out;
		}
	}
	/* the no_new_privs bit is the process's business (noNewPrivileges), not the filter's */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0) {
		eng_error_make(err, EINVAL, ERR_INTERNAL, "seccomp: unsetting no_new_privs failed");
		goto out;
	}
	json_array_foreach(json_object_get(seccomp, "syscalls"), i, rule)
	{
		if (add_rule(ctx, rule, def, err) < 0)
			goto out;
	}
	if (enosys_stub(seccomp, &p, err) < 0 || export_filter(ctx, &p, err) < 0)
		goto out;
	if (p.n > BPF_MAXINSNS) {
		unsupported(err, "filter too long");
		goto out;
	}
	*out = p;
	p.v = NULL;
	rc = 0;
out:
	seccomp_release(ctx);
	free(p.v);
	return rc;
}

/* Containers nearly always share one profile (docker's, for the default capabilities):
 * compiling it costs 10-15 ms, so the last few programs are kept by their JSON. */
#define CACHE_SIZE 4
static struct {
	char *key;
	struct prog p;
} cache[CACHE_SIZE];
static size_t cache_next;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

int seccomp_bpf_write(const json_t *seccomp, const char *path, eng_error_t *err)
{
	_cleanup_free_ char *key = json_dumps(seccomp, JSON_COMPACT | JSON_SORT_KEYS);
	struct prog p = {NULL, 0};
	int rc;

	if (!key)
		return eng_error_make(err, ENOMEM, ERR_INTERNAL, "out of memory");
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CACHE_SIZE && !p.v; i++)
		if (cache[i].key && !strcmp(cache[i].key, key)) {
			rc = write_file_new(path, cache[i].p.v, cache[i].p.n * sizeof(*p.v), 0600, err);
			pthread_mutex_unlock(&cache_lock);
			return rc;
		}
	pthread_mutex_unlock(&cache_lock);
	if (compile(seccomp, &p, err) < 0)
		return -1;
	rc = write_file_new(path, p.v, p.n * sizeof(*p.v), 0600, err);
	pthread_mutex_lock(&cache_lock);
	free(cache[cache_next].key);
	free(cache[cache_next].p.v);
	cache[cache_next].key = TAKE_PTR(key);
	cache[cache_next].p = p;
	cache_next = (cache_next + 1) % CACHE_SIZE;
	pthread_mutex_unlock(&cache_lock);
	return rc;
}
