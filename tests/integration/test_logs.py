"""docker logs against the json-file driver: streams, --since/--until bounds (inclusive, as
docker's reader), --tail, -f with both streams, tty output, the log file's format."""
import json
import os
import subprocess
import time

from conftest import DOCKER


def test_since_until_are_inclusive_bounds(docker):
    docker("run", "--name", "bounds", "busybox", "sh", "-c",
           "echo first; sleep 0.2; echo second; sleep 0.2; echo third")
    lines = docker("logs", "-t", "bounds").stdout.splitlines()
    ts = [l.split(" ", 1)[0] for l in lines]
    assert [l.split(" ", 1)[1] for l in lines] == ["first", "second", "third"]
    assert ts[0] < ts[1] < ts[2]
    # the CLI sends these as seconds.nanoseconds: exact to the nanosecond
    assert docker("logs", "--since", ts[1], "bounds").stdout == "second\nthird\n"
    assert docker("logs", "--until", ts[1], "bounds").stdout == "first\nsecond\n"
    assert docker("logs", "--since", ts[1], "--until", ts[1], "bounds").stdout == "second\n"
    # a unix timestamp works as well
    assert docker("logs", "--since", str(int(time.time()) + 3600), "bounds").stdout == ""


def test_tail_variants(docker):
    docker("run", "--name", "tails", "busybox", "sh", "-c", "seq 1 10")
    assert docker("logs", "--tail", "3", "tails").stdout == "8\n9\n10\n"
    assert docker("logs", "--tail", "0", "tails").stdout == ""
    assert docker("logs", "--tail", "all", "tails").stdout.split() == [str(i) for i in
                                                                        range(1, 11)]
    assert docker("logs", "--tail", "100", "tails").stdout.count("\n") == 10


def test_follow_both_streams(docker):
    docker("run", "-d", "--name", "both", "busybox", "sh", "-c",
           "for i in 1 2 3; do echo o$i; echo e$i >&2; sleep 0.2; done")
    r = docker("logs", "-f", "both", timeout=20)
    assert r.stdout == "o1\no2\no3\n" and r.stderr == "e1\ne2\ne3\n"


def test_follow_sees_new_output(daemon, docker):
    docker("run", "-d", "--name", "live", "busybox", "sh", "-c",
           "echo early; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo late")
    env = dict(os.environ, DOCKER_HOST=daemon.host,
               DOCKER_CONFIG=os.path.join(daemon.base, "docker-config"))
    p = subprocess.Popen([DOCKER, "logs", "-f", "live"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert p.stdout.readline() == "early\n"
        # the follower keeps waiting while the container runs
        assert p.poll() is None
        docker("exec", "live", "touch", "/tmp/go")
        assert p.stdout.readline() == "late\n"
        assert p.wait(timeout=20) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_logs_of_created_container_is_empty(docker):
    docker("create", "--name", "never", "busybox", "echo", "x")
    r = docker("logs", "never")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""


def test_tty_output_is_one_stream(docker, api):
    docker("run", "-t", "--name", "ttylog", "busybox", "sh", "-c", "echo out; echo err >&2")
    r = docker("logs", "ttylog")
    assert r.stdout == "out\nerr\n" and r.stderr == ""
    # raw bytes (the helper's text mode folds \r\n): a terminal turns \n into \r\n, and
    # the stream has no multiplexing headers
    r = api("GET", "/containers/ttylog/logs?stdout=1&stderr=1")
    assert r.status == 200 and r.body == b"out\r\nerr\r\n"


def test_json_file_format(daemon, docker):
    docker("run", "--name", "jf", "busybox", "sh", "-c", "echo to-out; echo to-err >&2")
    cid = docker("inspect", "-f", "{{.Id}}", "jf").stdout.strip()
    path = docker("inspect", "-f", "{{.LogPath}}", "jf").stdout.strip()
    assert path == os.path.join(daemon.data_root, "containers", cid, cid + "-json.log")
    with open(path) as f:
        recs = [json.loads(l) for l in f]
    assert [(r["stream"], r["log"]) for r in recs] == [
        ("stdout", "to-out\n"), ("stderr", "to-err\n")]
    assert all(r["time"].endswith("Z") for r in recs)


def test_rotation_keeps_the_newest(daemon, docker):
    docker("run", "--name", "rot", "--log-opt", "max-size=1k", "--log-opt", "max-file=3",
           "busybox", "sh", "-c", "for i in $(seq 1 300); do echo line-$i; done")
    cid = docker("inspect", "-f", "{{.Id}}", "rot").stdout.strip()
    d = os.path.join(daemon.data_root, "containers", cid)
    files = sorted(f for f in os.listdir(d) if "-json.log" in f)
    assert files == [cid + "-json.log", cid + "-json.log.1", cid + "-json.log.2"]
    out = docker("logs", "rot").stdout.split()
    assert out[-1] == "line-300"
    # what is left is a contiguous run of the newest lines
    nums = [int(l.split("-")[1]) for l in out]
    assert nums == list(range(nums[0], 301))
    assert docker("logs", "--tail", "2", "rot").stdout == "line-299\nline-300\n"
    assert json.loads(docker("inspect", "-f", "{{json .HostConfig.LogConfig}}", "rot").stdout) \
        == {"Type": "json-file", "Config": {"max-file": "3", "max-size": "1k"}}


def test_rm_removes_log_dir(daemon, docker):
    docker("run", "--name", "gonelog", "busybox", "echo", "x")
    cid = docker("inspect", "-f", "{{.Id}}", "gonelog").stdout.strip()
    d = os.path.join(daemon.data_root, "containers", cid)
    assert os.path.isdir(d)
    docker("rm", "gonelog")
    assert not os.path.exists(d)
