"""json-file logs, logs options, attach with and without a TTY, events."""
import glob
import json
import os
import subprocess
import threading
import time

from conftest import wait_for, DOCKER


def test_logs_streams_and_options(docker):
    docker("run", "--name", "lg", "busybox", "sh", "-c",
           "for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.05; done")
    r = docker("logs", "lg")
    assert r.stdout == "out1\nout2\nout3\n"
    assert r.stderr == "err1\nerr2\nerr3\n"
    r = docker("logs", "--tail", "1", "lg")
    assert r.stdout + r.stderr in ("out3\n", "err3\n")
    r = docker("logs", "-t", "lg")
    first = r.stdout.splitlines()[0]
    assert first.endswith(" out1") and first[4] == "-" and "T" in first.split()[0]
    assert docker("logs", "--since", "1h", "lg").stdout == "out1\nout2\nout3\n"
    assert docker("logs", "--until", "2000-01-01T00:00:00Z", "lg").stdout == ""


def test_logs_follow_until_exit(docker):
    docker("run", "-d", "--name", "fol", "busybox", "sh", "-c",
           "for i in 1 2 3; do echo line$i; sleep 0.3; done")
    r = docker("logs", "-f", "fol", timeout=20)
    assert r.stdout == "line1\nline2\nline3\n"


def test_log_rotation(docker, daemon):
    cid = docker("run", "--log-opt", "max-size=1k", "--log-opt", "max-file=2", "busybox", "sh",
                 "-c", "for i in $(seq 1 200); do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxx; done"
                 ).stdout
    cid = docker("ps", "-alq", "--no-trunc").stdout.strip()
    files = glob.glob(os.path.join(daemon.data_root, "containers", cid, "*-json.log*"))
    assert len(files) == 2
    assert all(os.path.getsize(f) <= 1024 + 200 for f in files)
    out = docker("logs", cid).stdout.splitlines()
    assert out[-1] == "line-200-xxxxxxxxxxxxxxxxxxxxxxxx"
    assert 0 < len(out) < 200


def test_log_driver_none(docker):
    docker("run", "--name", "nolog", "--log-driver", "none", "busybox", "echo", "x")
    r = docker("logs", "nolog", check=False)
    assert r.returncode != 0 and "does not support reading" in r.stderr


def test_start_attach(docker):
    docker("create", "--name", "sa", "busybox", "sh", "-c", "echo hi; exit 6")
    r = docker("start", "-a", "sa", check=False)
    assert r.stdout == "hi\n" and r.returncode == 6


def test_attach_to_running(daemon, docker):
    docker("run", "-d", "--name", "att", "busybox", "sh", "-c",
           "sleep 2; echo after-attach; sleep 0.5")
    env = dict(os.environ, DOCKER_HOST=daemon.host)
    r = subprocess.run([DOCKER, "attach", "att"], capture_output=True, text=True, timeout=20,
                       env=env)
    assert "after-attach" in r.stdout


def test_attach_logs_api(api, docker):
    cid = docker("run", "-d", "busybox", "echo", "replayed").stdout.strip()
    docker("wait", cid)
    r = api("POST", "/containers/%s/attach?logs=1&stdout=1&stderr=1" % cid)
    assert r.status == 200
    # one multiplexed frame: stream 1, length 9
    assert r.body[:8] == b"\x01\x00\x00\x00\x00\x00\x00\x09" and r.body[8:] == b"replayed\n"


def test_events_stream(daemon, docker):
    since = str(int(time.time()) - 1)
    docker("run", "--name", "ev", "busybox", "true")
    docker("rm", "ev")
    until = str(int(time.time()) + 1)
    r = docker("events", "--since", since, "--until", until, "--filter", "container=ev",
               "--format", "{{json .}}", timeout=20)
    evs = [json.loads(l) for l in r.stdout.splitlines()]
    actions = [e["Action"] for e in evs]
    for a in ("create", "attach", "start", "die", "destroy"):
        assert a in actions
    assert actions.index("create") < actions.index("start") < actions.index("die") < \
        actions.index("destroy")
    die = evs[actions.index("die")]
    assert die["Actor"]["Attributes"]["exitCode"] == "0"
    assert die["Actor"]["Attributes"]["name"] == "ev"


def test_image_events(docker):
    since = str(int(time.time()) - 1)
    docker("tag", "busybox", "evtag:1")
    docker("rmi", "evtag:1")
    until = str(int(time.time()) + 1)
    r = docker("events", "--since", since, "--until", until, "--filter", "type=image",
               "--format", "{{.Action}} {{.Actor.Attributes.name}}", timeout=20)
    assert r.stdout.splitlines() == ["tag evtag:1", "untag evtag:1"]


def test_image_save_event(docker, tmp_path):
    image_id = docker("inspect", "-f", "{{.Id}}", "busybox").stdout.strip()
    since = str(int(time.time()) - 1)
    docker("save", "-o", str(tmp_path / "bb.tar"), "busybox")
    until = str(int(time.time()) + 1)
    r = docker("events", "--since", since, "--until", until, "--filter", "type=image",
               "--filter", "event=save", "--format", "{{.Action}} {{.Actor.ID}}", timeout=20)
    assert r.stdout.splitlines() == ["save " + image_id]
