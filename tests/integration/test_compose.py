"""docker-compose (Debian's 1.29, on docker-py) drives berthd unchanged: a project network,
service names through the embedded DNS, published ports, health checks, down."""
import os
import shutil
import socket
import subprocess
import urllib.request

import pytest

from conftest import wait_for

COMPOSE = shutil.which("docker-compose")
pytestmark = pytest.mark.skipif(not COMPOSE, reason="docker-compose is not installed")

PROJECT = """version: "3"
services:
  web:
    image: busybox
    command: httpd -f -p 80 -h /etc
    ports: ["%(port)d:80"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/passwd"]
      interval: 1s
  client:
    image: busybox
    command: sh -c "until wget -q -O - http://web/hostname; do sleep 0.2; done; echo reached"
    depends_on: [web]
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def compose(daemon, cwd, *args, timeout=120):
    env = dict(os.environ, DOCKER_HOST=daemon.host, COMPOSE_PROJECT_NAME="bproj")
    return subprocess.run([COMPOSE, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_compose_up_and_down(daemon, docker, tmp_path):
    port = free_port()
    (tmp_path / "docker-compose.yml").write_text(PROJECT % {"port": port})
    try:
        r = compose(daemon, tmp_path, "up", "-d")
        assert r.returncode == 0, r.stderr
        assert wait_for(lambda: "(healthy)" in docker("ps", "--filter", "name=bproj_web",
                                                      "--format", "{{.Status}}").stdout,
                        timeout=30)
        body = urllib.request.urlopen("http://127.0.0.1:%d/passwd" % port, timeout=10).read()
        assert b"root:x:0:0" in body
        assert wait_for(lambda: "reached" in docker("logs", "bproj_client_1").stdout,
                        timeout=30)
        nets = docker("network", "ls", "--format", "{{.Name}}").stdout.split()
        assert "bproj_default" in nets
    finally:
        r = compose(daemon, tmp_path, "down")
    assert r.returncode == 0, r.stderr
    assert "bproj_default" not in docker("network", "ls", "--format", "{{.Name}}").stdout
    assert docker("ps", "-aq").stdout.strip() == ""
