"""Health checks run as execs on the container's schedule, with dockerd's status rules."""
import json
import time
from urllib.parse import quote

from conftest import wait_for


def health(docker, name):
    out = docker("inspect", "-f", "{{json .State.Health}}", name).stdout.strip()
    return json.loads(out)


def test_healthy_then_unhealthy(docker):
    docker("run", "-d", "--name", "hc", "--health-cmd", "cat /tmp/ok",
           "--health-interval", "200ms", "--health-retries", "2", "busybox",
           "sh", "-c", "echo fine > /tmp/ok; exec sleep 300")
    assert wait_for(lambda: health(docker, "hc")["Status"] == "healthy")
    h = health(docker, "hc")
    assert h["FailingStreak"] == 0
    assert h["Log"][-1]["ExitCode"] == 0 and h["Log"][-1]["Output"] == "fine\n"
    assert "(healthy)" in docker("ps", "--filter", "name=hc", "--format",
                                 "{{.Status}}").stdout
    assert docker("ps", "-q", "--filter", "health=healthy").stdout.strip() != ""
    docker("exec", "hc", "rm", "/tmp/ok")
    assert wait_for(lambda: health(docker, "hc")["Status"] == "unhealthy")
    h = health(docker, "hc")
    assert h["FailingStreak"] >= 2
    assert len(h["Log"]) <= 5
    assert "No such file or directory" in h["Log"][-1]["Output"]
    assert h["Log"][-1]["ExitCode"] == 1
    assert docker("ps", "-q", "--filter", "health=healthy").stdout.strip() == ""


def test_starting_and_events(docker):
    since = str(int(time.time()) - 1)
    docker("run", "-d", "--name", "hcs", "--health-cmd", "true", "--health-interval", "1h",
           "--health-start-period", "1h", "--health-start-interval", "100ms", "busybox",
           "sleep", "300")
    assert wait_for(lambda: health(docker, "hcs")["Status"] == "healthy")
    until = str(int(time.time()) + 1)
    r = docker("events", "--since", since, "--until", until, "--filter", "container=hcs",
               "--format", "{{.Action}}", timeout=20)
    actions = r.stdout.splitlines()
    assert "health_status: healthy" in actions
    assert any(a == "exec_create: /bin/sh -c true" for a in actions), actions


def test_start_period_failures_do_not_count(docker):
    docker("run", "-d", "--name", "hcp", "--health-cmd", "false", "--health-interval", "1h",
           "--health-start-period", "1h", "--health-start-interval", "100ms",
           "--health-retries", "1", "busybox", "sleep", "300")
    assert wait_for(lambda: len(health(docker, "hcp")["Log"]) >= 2)
    h = health(docker, "hcp")
    assert h["Status"] == "starting" and h["FailingStreak"] == 0
    assert "(health: starting)" in docker("ps", "--filter", "name=hcp", "--format",
                                          "{{.Status}}").stdout


def test_timeout(docker):
    docker("run", "-d", "--name", "hct", "--health-cmd", "sleep 5", "--health-interval",
           "100ms", "--health-timeout", "300ms", "--health-retries", "1", "busybox",
           "sleep", "300")
    assert wait_for(lambda: health(docker, "hct")["Status"] == "unhealthy", timeout=15)
    log = health(docker, "hct")["Log"][-1]
    assert log["ExitCode"] == -1
    assert log["Output"] == "Health check exceeded timeout (300ms)"


def test_stop_leaves_unhealthy_and_no_healthcheck(docker, api):
    docker("run", "-d", "--name", "hcx", "--health-cmd", "true", "--health-interval",
           "100ms", "busybox", "sleep", "300")
    assert wait_for(lambda: health(docker, "hcx")["Status"] == "healthy")
    docker("stop", "-t", "0", "hcx")
    assert health(docker, "hcx")["Status"] == "unhealthy"
    docker("run", "-d", "--name", "hcn", "--no-healthcheck", "busybox", "sleep", "300")
    assert docker("inspect", "-f", "{{json .State.Health}}", "hcn").stdout.strip() == "null"
    assert "hcn" in docker("ps", "--filter", "health=none", "--format", "{{.Names}}").stdout
    r = api("POST", "/containers/create", {"Image": "busybox", "Healthcheck": {
        "Test": ["CMD", "true"], "Interval": 1000}})
    assert r.status == 400
    assert r.message == "Interval in Healthcheck cannot be less than 1ms"
    r = api("GET", "/containers/json?filters=" + quote(json.dumps({"health": ["sick"]})))
    assert r.status == 400 and r.message == "Unrecognised filter value for health: sick"
