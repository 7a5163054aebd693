"""docker exec started by the shim itself (containers run by runc): the exec'd process must be
what `runc exec` makes of it. Its capabilities, seccomp filter, cgroups, namespaces, user,
workdir and environment are compared with the container's init, and with an exec that goes
through `runc exec` (a runtime registered under another name)."""
import ctypes
import json
import os
import shutil
import struct
import tempfile

import pytest

from conftest import Daemon, make_busybox_archive, wait_for

AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_I386 = 0x40000003
AUDIT_ARCH_AARCH64 = 0xC00000B7


@pytest.fixture
def ctr(docker):
    cid = docker("run", "-d", "--hostname", "nativehost", "busybox", "sleep", "1000").stdout
    return cid.strip()


def status_lines(text, prefixes):
    return [l for l in text.splitlines() if l.split(":")[0] in prefixes]


CAPS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")
SECCOMP = ("Seccomp", "Seccomp_filters", "NoNewPrivs")


def test_capabilities_and_seccomp_equal_the_init(docker, ctr):
    init = docker("exec", ctr, "cat", "/proc/1/status").stdout
    own = docker("exec", ctr, "cat", "/proc/self/status").stdout
    assert status_lines(own, CAPS) == status_lines(init, CAPS)
    assert status_lines(own, SECCOMP) == status_lines(init, SECCOMP)
    assert "Seccomp:\t2" in own


def test_non_root_user_capabilities_equal_the_init(docker):
    cid = docker("run", "-d", "-u", "1000:1000", "busybox", "sleep", "1000").stdout.strip()
    init = docker("exec", cid, "cat", "/proc/1/status").stdout
    own = docker("exec", cid, "cat", "/proc/self/status").stdout
    assert status_lines(own, CAPS) == status_lines(init, CAPS)
    assert "CapEff:\t0000000000000000" in own
    assert docker("exec", cid, "id", "-u").stdout == "1000\n"
    assert docker("exec", cid, "id", "-g").stdout == "1000\n"


def host_bounding():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapBnd:"):
                return int(line.split()[1], 16)


def test_privileged_exec_has_every_capability(docker, ctr):
    own = docker("exec", "--privileged", ctr, "cat", "/proc/self/status").stdout
    caps = {l.split(":")[0]: int(l.split()[1], 16) for l in status_lines(own, CAPS)}
    assert caps["CapEff"] == caps["CapPrm"] == caps["CapBnd"] == host_bounding()
    # the container's seccomp filter stays, as with dockerd: docker exec --privileged does
    # not take it away
    assert "Seccomp:\t2" in own


def test_seccomp_blocks_what_it_blocks_in_the_init(docker):
    # unshare(CLONE_NEWUSER) needs no capability: only the profile refuses it
    r = docker("run", "--rm", "busybox", "sh", "-c", "unshare -U true; echo rc=$?")
    assert "rc=1" in r.stdout and "Operation not permitted" in r.stderr
    cid = docker("run", "-d", "busybox", "sleep", "1000").stdout.strip()
    r = docker("exec", cid, "unshare", "-U", "true", check=False)
    assert r.returncode == 1
    assert "Operation not permitted" in r.stdout + r.stderr
    r = docker("exec", cid, "sh", "-c", "mkdir -p /x && mount -t tmpfs none /x", check=False)
    assert r.returncode != 0 and "permission denied" in r.stderr
    # an unconfined container's exec has no filter
    cid = docker("run", "-d", "--privileged", "busybox", "sleep", "1000").stdout.strip()
    assert docker("exec", cid, "unshare", "-U", "true").returncode == 0
    own = docker("exec", cid, "cat", "/proc/self/status").stdout
    assert "Seccomp:\t0" in own


def test_cgroups_namespaces_and_mounts_are_the_containers(docker, ctr):
    assert docker("exec", ctr, "cat", "/proc/self/cgroup").stdout == \
        docker("exec", ctr, "cat", "/proc/1/cgroup").stdout
    assert docker("exec", ctr, "hostname").stdout == "nativehost\n"
    pid = int(docker("exec", ctr, "sh", "-c", "echo $$").stdout)
    assert 1 < pid < 100
    ps = docker("exec", ctr, "ps", "-o", "pid,args").stdout
    assert any(l.split()[:2] == ["1", "sleep"] for l in ps.splitlines())
    for ns in ("mnt", "uts", "ipc", "net", "pid", "cgroup"):
        assert docker("exec", ctr, "readlink", "/proc/self/ns/" + ns).stdout == \
            docker("exec", ctr, "readlink", "/proc/1/ns/" + ns).stdout, ns
    assert docker("exec", ctr, "cat", "/proc/self/mountinfo").stdout == \
        docker("exec", ctr, "cat", "/proc/1/mountinfo").stdout


def test_user_workdir_env_and_ulimit(docker):
    cid = docker("run", "-d", "--ulimit", "nofile=1234:1234", "busybox", "sleep",
                 "1000").stdout.strip()
    assert docker("exec", "-u", "nobody", cid, "id", "-u").stdout == "65534\n"
    assert docker("exec", "-u", "1234:5678", cid, "id").stdout.startswith("uid=1234 gid=5678")
    assert docker("exec", "-w", "/tmp", cid, "pwd").stdout == "/tmp\n"
    assert docker("exec", "-e", "FOO=bar baz", cid, "sh", "-c", "echo $FOO").stdout == \
        "bar baz\n"
    assert docker("exec", cid, "sh", "-c", "ulimit -n").stdout == "1234\n"
    r = docker("exec", "-w", "/nosuch", cid, "true", check=False)
    assert r.returncode != 0
    assert 'chdir to cwd ("/nosuch") set in config.json failed' in r.stdout + r.stderr


def test_exec_pid_is_the_host_pid(docker, api, ctr):
    r = api("POST", "/containers/%s/exec" % ctr, {"Cmd": ["sleep", "321"]})
    eid = r.json()["Id"]
    assert api("POST", "/exec/%s/start" % eid, {"Detach": True}).status == 200
    pid = wait_for(lambda: api("GET", "/exec/%s/json" % eid).json()["Pid"])
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        assert f.read() == b"sleep\x00321\x00"
    with open("/proc/%d/status" % pid) as f:
        nspid = [l for l in f if l.startswith("NSpid:")][0].split()
    assert len(nspid) == 3 and int(nspid[2]) < 100  # host pid, then the container's


# ---- the seccomp program itself ----

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_SECCOMP_GET_FILTER, PTRACE_DETACH = \
    0x4206, 0x4207, 0x420C, 17


def seccomp_program(pid):
    """The process's (only) seccomp filter, as (code, jt, jf, k) tuples."""
    assert libc.ptrace(PTRACE_SEIZE, pid, None, None) == 0, ctypes.get_errno()
    try:
        assert libc.ptrace(PTRACE_INTERRUPT, pid, None, None) == 0
        os.waitpid(pid, 0x40000000)  # __WALL
        n = libc.ptrace(PTRACE_SECCOMP_GET_FILTER, pid, None, None)
        assert n > 0, ctypes.get_errno()
        buf = ctypes.create_string_buffer(n * 8)
        assert libc.ptrace(PTRACE_SECCOMP_GET_FILTER, pid, None, buf) == n
        return [struct.unpack_from("<HBBI", buf.raw, i * 8) for i in range(n)]
    finally:
        libc.ptrace(PTRACE_DETACH, pid, None, None)


def run_bpf(prog, data):
    """A classic BPF interpreter, enough for seccomp programs; returns the action."""
    a = x = pc = 0
    mem = [0] * 16
    while True:
        code, jt, jf, k = prog[pc]
        pc += 1
        cls = code & 0x07
        if cls == 0x00:  # ld
            mode = code & 0xE0
            a = struct.unpack_from("<I", data, k)[0] if mode == 0x20 else \
                mem[k] if mode == 0x60 else k
        elif cls == 0x01:  # ldx
            x = mem[k] if code & 0xE0 == 0x60 else k
        elif cls == 0x02:
            mem[k] = a
        elif cls == 0x03:
            mem[k] = x
        elif cls == 0x04:  # alu
            v = x if code & 0x08 else k
            op = code & 0xF0
            a = {0x00: lambda: a + v, 0x10: lambda: a - v, 0x20: lambda: a * v,
                 0x40: lambda: a | v, 0x50: lambda: a & v, 0x60: lambda: a << v,
                 0x70: lambda: a >> v, 0x80: lambda: -a, 0xA0: lambda: a ^ v,
                 0x30: lambda: a // v, 0x90: lambda: a % v}[op]() & 0xFFFFFFFF
        elif cls == 0x05:  # jmp
            v = x if code & 0x08 else k
            op = code & 0xF0
            if op == 0x00:
                pc += k
                continue
            cond = {0x10: a == v, 0x20: a > v, 0x30: a >= v, 0x40: a & v != 0}[op]
            pc += jt if cond else jf
        elif cls == 0x06:
            return a if code & 0x18 == 0x10 else k
        elif cls == 0x07:
            if code & 0xF8 == 0x00:
                x = a
            else:
                a = x


def seccomp_data(nr, arch, arg0):
    return struct.pack("<iIQ6Q", nr, arch, 0, arg0, 0, 0, 0, 0, 0)


def assert_same_filter(mine, theirs):
    inputs = []
    for arch, base in ((AUDIT_ARCH_X86_64, 0), (AUDIT_ARCH_X86_64, 0x40000000),
                       (AUDIT_ARCH_I386, 0), (AUDIT_ARCH_AARCH64, 0)):
        for nr in range(0, 560):
            for arg0 in (0, 0x10000000, 0x7E020000, 8, 0xFFFFFFFF):
                inputs.append(seccomp_data(base + nr, arch, arg0))
    for d in inputs:
        got, want = run_bpf(mine, d), run_bpf(theirs, d)
        assert got == want, (struct.unpack_from("<iI", d), hex(got), hex(want))


def exec_detached(api, cid, cmd):
    eid = api("POST", "/containers/%s/exec" % cid, {"Cmd": cmd}).json()["Id"]
    assert api("POST", "/exec/%s/start" % eid, {"Detach": True}).status == 200
    return wait_for(lambda: api("GET", "/exec/%s/json" % eid).json()["Pid"])


def test_seccomp_program_decides_as_the_inits(docker, api):
    cid = docker("run", "-d", "busybox", "sleep", "1000").stdout.strip()
    init = json.loads(docker("inspect", cid).stdout)[0]["State"]["Pid"]
    pid = exec_detached(api, cid, ["sleep", "1001"])
    mine, theirs = seccomp_program(pid), seccomp_program(init)
    assert_same_filter(mine, theirs)
    # ENOSYS for syscalls newer than the profile, the default action's EPERM otherwise
    assert run_bpf(mine, seccomp_data(1000, AUDIT_ARCH_X86_64, 0)) == 0x50000 | 38
    assert run_bpf(mine, seccomp_data(272, AUDIT_ARCH_X86_64, 0)) == 0x50000 | 1  # unshare


# ---- native exec against `runc exec` ----

@pytest.fixture(scope="module")
def two_runtimes():
    """A daemon where `plainrunc` is runc under another name: its execs go through
    `runc exec`, the default runtime's through the shim."""
    runc = shutil.which("runc")
    if not runc:
        pytest.skip("runc is not installed")
    base = tempfile.mkdtemp(prefix="berth-native-", dir="/tmp")
    d = Daemon(base)
    try:
        d.start("--add-runtime", "plainrunc=" + runc)
        archive = os.path.join(base, "bb.tar")
        make_busybox_archive(archive)
        d.docker("load", "-i", archive)
        yield d
    finally:
        d.close()


@pytest.mark.parametrize("flags", [[], ["-u", "1000:1000"], ["--privileged"],
                                   ["-w", "/tmp", "-e", "A=1"]])
def test_native_exec_equals_runc_exec(two_runtimes, flags):
    d = two_runtimes
    ids = [d.docker("run", "-d", "--hostname", "h", *rt, "busybox", "sleep", "1000")
           .stdout.strip() for rt in ([], ["--runtime", "plainrunc"])]
    try:
        script = ("grep -E '^(Cap|Seccomp|NoNewPrivs|Groups|Uid|Gid)' /proc/self/status; "
                  "pwd; hostname; env | sort; ulimit -a; umask; "
                  "sed 's/[0-9a-f]\\{64\\}/ID/' /proc/self/cgroup; "
                  "readlink /proc/self/ns/pid | cut -c1-4; ls -l /proc/self/fd/0 | cut -c1-10")
        outs = [d.docker("exec", *flags, cid, "sh", "-c", script).stdout for cid in ids]
        assert outs[0] == outs[1]
        # and the TTY: a PTY of the container's devpts, the controlling terminal
        tty = [d.docker("exec", "-t", *flags, cid, "sh", "-c",
                        "tty; stat -c '%U %a' $(tty); awk '{print $6 == $1, $7}' /proc/self/stat")
               .stdout for cid in ids]
        assert tty[0] == tty[1]
    finally:
        d.docker("rm", "-f", *ids, check=False)
