"""docker update: limits reach the running container's cgroup and persist for its next start;
the refusals are dockerd's."""

MEM = "/sys/fs/cgroup/memory/memory.limit_in_bytes"
SWAP = "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"
SHARES = "/sys/fs/cgroup/cpu/cpu.shares"
PIDS = "/sys/fs/cgroup/pids/pids.max"


def inside(docker, name, path):
    return docker("exec", name, "cat", path).stdout.strip()


def field(docker, name, f):
    return docker("inspect", "-f", "{{.HostConfig.%s}}" % f, name).stdout.strip()


def test_update_running_memory_and_cpu(docker):
    docker("run", "-d", "--name", "upd", "-m", "300M", "--cpu-shares", "800", "busybox",
           "sleep", "300")
    assert field(docker, "upd", "MemorySwap") == str(600 * 1024 * 1024)
    docker("update", "-m", "500M", "--cpu-shares", "512", "upd")
    assert field(docker, "upd", "Memory") == "524288000"
    assert field(docker, "upd", "CpuShares") == "512"
    assert inside(docker, "upd", MEM) == "524288000"
    assert inside(docker, "upd", SHARES) == "512"
    # kept for the next start
    docker("restart", "-t", "0", "upd")
    assert inside(docker, "upd", MEM) == "524288000"


def test_update_pids_limit_and_lift(docker):
    docker("run", "-d", "--name", "updp", "busybox", "sleep", "300")
    docker("update", "--pids-limit", "42", "updp")
    assert inside(docker, "updp", PIDS) == "42"
    docker("update", "--pids-limit", "-1", "updp")
    assert inside(docker, "updp", PIDS) == "max"


def test_update_stopped_applies_at_start(docker):
    docker("create", "--name", "upds", "-m", "300M", "busybox", "cat", MEM)
    docker("update", "-m", "400M", "upds")
    assert docker("start", "-a", "upds").stdout.strip() == str(400 * 1024 * 1024)


def test_update_restart_policy(docker):
    docker("create", "--name", "updr", "busybox", "true")
    docker("update", "--restart", "on-failure:3", "updr")
    assert field(docker, "updr", "RestartPolicy.Name") == "on-failure"
    assert field(docker, "updr", "RestartPolicy.MaximumRetryCount") == "3"
    docker("create", "--name", "updrm", "--rm", "busybox", "true")
    r = docker("update", "--restart", "always", "updrm", check=False)
    assert r.returncode == 1
    assert "Restart policy cannot be updated because AutoRemove is enabled for the container" \
        in r.stderr


def test_update_refusals(docker, api):
    docker("run", "-d", "--name", "updbad", "--memory", "300M", "busybox", "sleep", "300")
    r = docker("update", "-m", "2M", "updbad", check=False)
    assert r.returncode == 1 and "Minimum memory limit allowed is 6MB" in r.stderr
    r = docker("update", "--memory", "800M", "updbad", check=False)
    assert r.returncode == 1
    assert "Memory limit should be smaller than already set memoryswap limit" in r.stderr
    docker("update", "--memory", "800M", "--memory-swap", "1000M", "updbad")
    assert field(docker, "updbad", "Memory") == str(800 * 1024 * 1024)
    assert inside(docker, "updbad", SWAP) == str(1000 * 1024 * 1024)
    docker("run", "-d", "--name", "updnano", "--cpus", "0.5", "busybox", "sleep", "300")
    r = docker("update", "--cpu-quota", "80000", "updnano", check=False)
    assert r.returncode == 1
    assert "Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set" \
        in r.stderr
    r = api("POST", "/containers/nosuch/update", {"Memory": 10 << 20})
    assert r.status == 404 and r.message == "No such container: nosuch"
    r = api("POST", "/containers/updbad/update", b"{bad")
    assert r.status == 400
