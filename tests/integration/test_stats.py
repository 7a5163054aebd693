"""GET /containers/{id}/stats and `docker stats`: figures that match what the container does."""
import json

from conftest import UnixHTTPConnection, wait_for

MB = 1024 * 1024


def stats(api, name, query="stream=false&one-shot=true"):
    r = api("GET", "/containers/%s/stats?%s" % (name, query))
    assert r.status == 200, r.body
    return json.loads(r.body)


def test_stats_memory_held(docker, api):
    # tmpfs pages are charged to the container's memory cgroup
    docker("run", "-d", "--name", "hold50", "--network", "none", "--tmpfs", "/t", "busybox",
           "sh", "-c",
           "dd if=/dev/zero of=/t/f bs=1M count=50 2>/dev/null; touch /t/done; sleep 300")
    assert wait_for(lambda: docker("exec", "hold50", "test", "-e", "/t/done",
                                   check=False).returncode == 0, timeout=30)
    s = stats(api, "hold50")
    assert s["name"] == "/hold50"
    assert len(s["id"]) == 64
    mem = s["memory_stats"]
    assert mem["usage"] >= 50 * MB
    assert 50 * MB <= mem["limit"]
    assert "stats" in mem and len(mem["stats"]) > 5
    assert s["pids_stats"]["current"] >= 1
    cpu = s["cpu_stats"]
    assert cpu["online_cpus"] >= 1 and cpu["system_cpu_usage"] > 0
    assert "io_service_bytes_recursive" in s["blkio_stats"]
    assert s["num_procs"] == 0 and s["storage_stats"] == {}
    # only a loopback in its network namespace: no networks, as docker
    assert "networks" not in s
    # one-shot takes no earlier sample
    assert s["preread"] == "0001-01-01T00:00:00Z"
    assert s["precpu_stats"]["cpu_usage"]["total_usage"] == 0


def test_stats_networks_follow_the_namespace(docker, api):
    # whatever interfaces the default network gives the container, stats shows those
    docker("run", "-d", "--name", "netted", "busybox", "sleep", "300")
    dev = docker("exec", "netted", "cat", "/proc/net/dev").stdout.splitlines()[2:]
    names = sorted(line.split(":")[0].strip() for line in dev if ":" in line)
    names = [n for n in names if n != "lo"]
    s = stats(api, "netted")
    if not names:
        assert "networks" not in s
    else:
        assert sorted(s["networks"]) == names
        for n in names:
            assert set(s["networks"][n]) >= {"rx_bytes", "rx_packets", "tx_bytes", "tx_packets",
                                             "rx_errors", "rx_dropped", "tx_errors",
                                             "tx_dropped"}


def test_stats_memory_limit_and_pids_limit(docker, api):
    docker("run", "-d", "--name", "lim", "--memory", "64m", "--pids-limit", "42", "busybox",
           "sleep", "300")
    s = stats(api, "lim")
    assert s["memory_stats"]["limit"] == 64 * MB
    assert s["pids_stats"]["limit"] == 42
    assert s["pids_stats"]["current"] == 1


def test_stats_cpu_grows_and_precpu(docker, api):
    docker("run", "-d", "--name", "busy", "busybox", "sh", "-c", "while :; do :; done")
    # without one-shot: two samples a second apart, the first as precpu_stats
    s = stats(api, "busy", "stream=false")
    cpu, pre = s["cpu_stats"], s["precpu_stats"]
    assert pre["cpu_usage"]["total_usage"] > 0
    assert cpu["cpu_usage"]["total_usage"] > pre["cpu_usage"]["total_usage"]
    assert cpu["system_cpu_usage"] > pre["system_cpu_usage"]
    assert s["preread"] < s["read"]
    # one-shot came with API 1.41: older clients get the earlier sample regardless
    r = api("GET", "/v1.40/containers/busy/stats?stream=false&one-shot=true")
    assert r.status == 200
    assert json.loads(r.body)["preread"] != "0001-01-01T00:00:00Z"


def test_stats_stream(daemon, docker):
    docker("run", "-d", "--name", "streamed", "busybox", "sh", "-c", "while :; do :; done")
    conn = UnixHTTPConnection(daemon.sock, timeout=30)
    try:
        conn.request("GET", "/containers/streamed/stats")
        r = conn.getresponse()
        assert r.status == 200
        first = json.loads(r.readline())
        second = json.loads(r.readline())
        # the stream ends when the container goes away
        docker("rm", "-f", "streamed")
        rest = r.read().splitlines()
        assert all(json.loads(line)["name"] == "/streamed" for line in rest)
    finally:
        conn.close()
    assert first["preread"] == "0001-01-01T00:00:00Z"
    assert second["preread"] == first["read"]
    assert second["precpu_stats"] == first["cpu_stats"]
    assert (second["cpu_stats"]["cpu_usage"]["total_usage"] >
            first["cpu_stats"]["cpu_usage"]["total_usage"])


def test_stats_stopped_container(docker, api):
    docker("create", "--name", "idle", "busybox", "true")
    s = stats(api, "idle", "stream=false")
    assert s["name"] == "/idle"
    assert s["read"] == "0001-01-01T00:00:00Z"
    assert s["memory_stats"] == {} and s["pids_stats"] == {}
    assert s["cpu_stats"]["cpu_usage"]["total_usage"] == 0


def mib(usage):
    """The used part of docker's "20.5MiB / 100MiB"."""
    used = usage.split("/")[0].strip()
    for unit, scale in (("GiB", 1024), ("MiB", 1), ("KiB", 1 / 1024), ("B", 1 / MB)):
        if used.endswith(unit):
            return float(used[:-len(unit)]) * scale
    return 0


def test_docker_stats_no_stream(docker):
    docker("run", "-d", "--name", "table", "--memory", "100m", "--tmpfs", "/t", "busybox",
           "sh", "-c", "dd if=/dev/zero of=/t/f bs=1M count=20 2>/dev/null; sleep 300")
    assert wait_for(lambda: mib(docker("stats", "--no-stream", "--format", "{{.MemUsage}}",
                                       "table").stdout) >= 20, timeout=20)
    out = docker("stats", "--no-stream", "table").stdout
    header, row = out.splitlines()[:2]
    for col in ("CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"):
        assert col in header
    assert "table" in row
    assert "/ 100MiB" in row
    f = docker("stats", "--no-stream", "--format",
               "{{.Name}}|{{.MemUsage}}|{{.MemPerc}}|{{.PIDs}}", "table").stdout.strip()
    name, usage, perc, pids = f.split("|")
    assert name == "table"
    used = mib(usage)
    assert 20 <= used < 100
    assert 20 <= float(perc.rstrip("%")) < 100
    assert pids == "1"


def test_stats_unknown_container(api, docker):
    r = api("GET", "/containers/nosuchthing/stats?stream=false")
    assert r.status == 404
    assert json.loads(r.body)["message"] == "No such container: nosuchthing"
    r = docker("stats", "--no-stream", "nosuchthing", check=False)
    assert r.returncode != 0 and "No such container: nosuchthing" in r.stderr
