"""berthd itself: restart with running containers (live restore), clean shutdown."""
import json
import os
import signal
import tempfile

import pytest

from conftest import Daemon, make_busybox_archive, wait_for


@pytest.fixture
def own_daemon():
    base = tempfile.mkdtemp(prefix="berth-own-", dir="/tmp")
    d = Daemon(base)
    try:
        d.start()
        archive = os.path.join(base, "bb.tar")
        make_busybox_archive(archive)
        d.docker("load", "-i", archive)
        yield d
    finally:
        d.close()


def test_sigkill_and_restart_keeps_containers(own_daemon):
    d = own_daemon
    d.docker("run", "-d", "--name", "longrun", "busybox", "sleep", "300")
    d.docker("run", "--name", "finished", "busybox", "echo", "kept log")
    before = json.loads(d.docker("inspect", "longrun", "finished").stdout)
    pid = before[0]["State"]["Pid"]
    d.kill9()
    os.kill(pid, 0)  # the container outlives the daemon
    d.start()
    after = json.loads(d.docker("inspect", "longrun", "finished").stdout)
    assert after[0]["State"]["Running"] is True and after[0]["State"]["Pid"] == pid
    for key in ("Id", "Name", "Created", "Config", "HostConfig", "Image", "LogPath"):
        assert after[0][key] == before[0][key] and after[1][key] == before[1][key]
    assert after[1]["State"] == before[1]["State"]
    assert d.docker("logs", "finished").stdout == "kept log\n"
    names = sorted(d.docker("ps", "-a", "--format", "{{.Names}}").stdout.split())
    assert names == ["finished", "longrun"]
    d.docker("stop", "-t", "0", "longrun")
    assert d.docker("inspect", "-f", "{{.State.ExitCode}}", "longrun").stdout == "137\n"


def test_exit_while_daemon_down_is_recorded(own_daemon):
    d = own_daemon
    d.docker("run", "-d", "--name", "shortlived", "busybox", "sh", "-c", "sleep 1; exit 9")
    d.kill9()
    pid_gone = wait_for(lambda: not any(
        b"shortlived" in open("/proc/%s/cmdline" % p, "rb").read()
        for p in os.listdir("/proc") if p.isdigit() and os.path.exists("/proc/%s/cmdline" % p)),
        timeout=5)
    import time
    time.sleep(1.5)
    d.start()
    assert d.docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}",
                    "shortlived").stdout == "exited 9\n"


def test_sigterm_is_clean(own_daemon):
    d = own_daemon
    d.docker("run", "-d", "--name", "survivor", "busybox", "sleep", "300")
    assert d.stop(signal.SIGTERM) == 0
    assert not os.path.exists(d.sock)
    assert not os.path.exists(d.pidfile)
    d.start()
    assert d.docker("inspect", "-f", "{{.State.Running}}", "survivor").stdout == "true\n"


def test_daemon_json(tmp_path):
    base = tempfile.mkdtemp(prefix="berth-cfg-", dir="/tmp")
    d = Daemon(base)
    cfg = os.path.join(base, "daemon.json")
    with open(cfg, "w") as f:
        json.dump({"log-opts": {"max-size": "2k"}, "default-runtime": "runc"}, f)
    try:
        d.start("--config-file", cfg)
        info = json.loads(d.docker("info", "--format", "{{json .}}").stdout)
        assert info["DefaultRuntime"] == "runc"
        d.stop()
        with open(cfg, "w") as f:
            json.dump({"no-such-key": 1}, f)
        import subprocess
        from conftest import BUILD
        r = subprocess.run([os.path.join(BUILD, "berthd"), "--config-file", cfg, "-H",
                            d.host, "--data-root", d.data_root, "--exec-root", d.exec_root],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode != 0 and "no-such-key" in r.stderr
    finally:
        d.close()
