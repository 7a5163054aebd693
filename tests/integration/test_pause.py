"""docker pause / unpause through the cgroup freezer: the processes really stop."""
import json
import time

from conftest import wait_for


def read_count(docker, name, daemon):
    # read the counter file through the container's merged root, which works while paused
    merged = json.loads(docker("inspect", name).stdout)[0]["GraphDriver"]["Data"]["MergedDir"]
    try:
        with open(merged + "/tmp/n") as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return -1


def test_pause_stops_processes(docker, daemon):
    docker("run", "-d", "--name", "ticker", "busybox", "sh", "-c",
           "i=0; while true; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done")
    assert wait_for(lambda: read_count(docker, "ticker", daemon) > 2)
    docker("pause", "ticker")
    assert docker("inspect", "-f", "{{.State.Status}} {{.State.Paused}}",
                  "ticker").stdout == "paused true\n"
    assert "(Paused)" in docker("ps", "--format", "{{.Status}}").stdout
    frozen = read_count(docker, "ticker", daemon)
    time.sleep(0.5)
    assert read_count(docker, "ticker", daemon) == frozen
    r = docker("pause", "ticker", check=False)
    assert r.returncode != 0 and "is already paused" in r.stderr
    docker("unpause", "ticker")
    assert wait_for(lambda: read_count(docker, "ticker", daemon) > frozen + 2)
    r = docker("unpause", "ticker", check=False)
    assert r.returncode != 0 and "is not paused" in r.stderr


def test_stop_and_kill_paused(docker):
    docker("run", "-d", "--name", "pstop", "busybox", "sleep", "300")
    docker("pause", "pstop")
    docker("stop", "-t", "1", "pstop")
    assert docker("inspect", "-f", "{{.State.Status}}", "pstop").stdout == "exited\n"
    docker("run", "-d", "--name", "pkill", "busybox", "sleep", "300")
    docker("pause", "pkill")
    docker("kill", "pkill")
    assert docker("inspect", "-f", "{{.State.Status}}", "pkill").stdout == "exited\n"
    docker("run", "-d", "--name", "prm", "busybox", "sleep", "300")
    docker("pause", "prm")
    docker("rm", "-f", "prm")


def test_pause_not_running(docker):
    docker("create", "--name", "idle", "busybox", "true")
    r = docker("pause", "idle", check=False)
    assert r.returncode != 0 and "is not running" in r.stderr


def test_exec_into_paused(docker):
    docker("run", "-d", "--name", "pexec", "busybox", "sleep", "300")
    docker("pause", "pexec")
    r = docker("exec", "pexec", "true", check=False)
    assert r.returncode != 0 and "is paused, unpause the container before exec" in r.stderr
    docker("unpause", "pexec")
    assert docker("exec", "pexec", "echo", "ok").stdout == "ok\n"
