"""docker run -it under a real pseudo-terminal (script(1)): the container's terminal has the
client's size from the start, and exit codes come back."""
import os
import shutil
import subprocess

import pytest

from conftest import DOCKER


def in_pty(daemon, command, timeout=30):
    if not shutil.which("script"):
        pytest.skip("script(1) is not installed")
    env = dict(os.environ, DOCKER_HOST=daemon.host,
               DOCKER_CONFIG=os.path.join(daemon.base, "docker-config"))
    return subprocess.run(["script", "-qec", "stty rows 33 cols 111; " + command, "/dev/null"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_run_it_has_terminal_of_client_size(daemon):
    r = in_pty(daemon, "%s run -it --rm busybox sh -c 'stty size; tty; exit 4'" % DOCKER)
    assert "33 111" in r.stdout
    assert "/dev/pts/0" in r.stdout
    assert r.returncode == 4


def test_resize_reaches_the_container(daemon, docker, api):
    cid = docker("run", "-d", "-t", "busybox", "sh", "-c",
                 "trap 'stty size; exit 0' WINCH; while true; do sleep 0.1; done").stdout.strip()
    r = api("POST", "/containers/%s/resize?h=20&w=70" % cid)
    assert r.status == 200
    assert docker("wait", cid, timeout=20).stdout == "0\n"
    assert "20 70" in docker("logs", cid).stdout
    r = api("POST", "/containers/%s/resize?h=20&w=70" % cid)
    assert r.status == 409


def test_resize_without_tty_is_refused(docker, api):
    cid = docker("run", "-d", "busybox", "sleep", "30").stdout.strip()
    r = api("POST", "/containers/%s/resize?h=20&w=70" % cid)
    assert r.status == 409
