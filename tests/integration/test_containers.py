"""Container lifecycle through the CLI: create/start/stop/kill/restart/wait/rm/rename/top/ps."""
import json

from conftest import wait_for


def state(docker, name, fmt="{{.State.Status}}"):
    return docker("inspect", "-f", fmt, name).stdout.strip()


def test_create_start_stop(docker):
    docker("create", "--name", "c1", "busybox", "sleep", "30")
    assert state(docker, "c1") == "created"
    docker("start", "c1")
    assert state(docker, "c1") == "running"
    pid = int(state(docker, "c1", "{{.State.Pid}}"))
    assert pid > 0
    r = docker("stop", "-t", "1", "c1")
    assert r.stdout == "c1\n"
    assert state(docker, "c1", "{{.State.Status}} {{.State.ExitCode}}") == "exited 137"
    assert state(docker, "c1", "{{.State.Pid}}") == "0"


def test_stop_signal_and_wait(docker):
    docker("run", "-d", "--name", "trap", "busybox", "sh", "-c",
           "trap 'exit 42' TERM; while true; do sleep 0.1; done")
    docker("stop", "trap")
    assert docker("wait", "trap").stdout == "42\n"
    docker("run", "-d", "--name", "usr", "--stop-signal", "USR1", "busybox", "sh", "-c",
           "trap 'exit 7' USR1; while true; do sleep 0.1; done")
    docker("stop", "usr")
    assert state(docker, "usr", "{{.State.ExitCode}}") == "7"


def test_kill_with_signal(docker):
    docker("run", "-d", "--name", "killme", "busybox", "sh", "-c",
           "trap 'exit 5' HUP; while true; do sleep 0.1; done")
    docker("kill", "-s", "HUP", "killme")
    assert docker("wait", "killme").stdout == "5\n"
    r = docker("kill", "killme", check=False)
    assert r.returncode != 0 and "is not running" in r.stderr


def test_restart(docker):
    docker("run", "-d", "--name", "rst", "busybox", "sleep", "30")
    pid1 = state(docker, "rst", "{{.State.Pid}}")
    docker("restart", "-t", "0", "rst")
    assert state(docker, "rst") == "running"
    assert state(docker, "rst", "{{.State.Pid}}") != pid1


def test_rm_running_needs_force(docker):
    docker("run", "-d", "--name", "busy", "busybox", "sleep", "30")
    r = docker("rm", "busy", check=False)
    assert r.returncode != 0
    assert "container is running: stop the container before removing or force remove" in r.stderr
    docker("rm", "-f", "busy")
    assert docker("ps", "-aq").stdout == ""


def test_rename_and_conflicts(docker):
    docker("create", "--name", "one", "busybox", "true")
    docker("create", "--name", "two", "busybox", "true")
    r = docker("rename", "one", "two", check=False)
    assert r.returncode != 0 and "is already in use" in r.stderr
    docker("rename", "one", "three")
    assert state(docker, "three", "{{.Name}}") == "/three"
    r = docker("create", "--name", "two", "busybox", "true", check=False)
    assert r.returncode != 0
    assert 'Conflict. The container name "/two" is already in use by container' in r.stderr


def test_top(docker):
    docker("run", "-d", "--name", "topc", "busybox", "sleep", "31")
    r = docker("top", "topc")
    assert "PID" in r.stdout.splitlines()[0]
    assert "sleep 31" in r.stdout
    docker("stop", "-t", "0", "topc")
    r = docker("top", "topc", check=False)
    assert r.returncode != 0 and "is not running" in r.stderr


def test_ps_filters_and_formats(docker):
    docker("run", "-d", "--name", "alpha", "-l", "team=a", "busybox", "sleep", "30")
    docker("run", "--name", "beta", "-l", "team=b", "busybox", "sh", "-c", "exit 2", check=False)
    docker("create", "--name", "gamma", "busybox", "true")
    names = lambda *a: sorted(docker("ps", "--format", "{{.Names}}", *a).stdout.split())
    assert names() == ["alpha"]
    assert names("-a") == ["alpha", "beta", "gamma"]
    assert names("-a", "--filter", "label=team=b") == ["beta"]
    assert names("-a", "--filter", "status=created") == ["gamma"]
    assert names("-a", "--filter", "exited=2") == ["beta"]
    assert names("-a", "--filter", "name=alp") == ["alpha"]
    assert names("-a", "--filter", "ancestor=busybox") == ["alpha", "beta", "gamma"]
    assert names("-a", "--filter", "before=gamma") == ["alpha", "beta"]
    assert names("-a", "--filter", "since=alpha") == ["beta", "gamma"]
    assert docker("ps", "-a", "-n", "1", "--format", "{{.Names}}").stdout == "gamma\n"
    assert len(docker("ps", "-aq").stdout.split()) == 3
    r = docker("ps", "-a", "--filter", "status=bogus", check=False)
    assert r.returncode != 0 and "invalid filter" in r.stderr
    status = docker("ps", "-a", "--filter", "name=beta", "--format", "{{.Status}}").stdout
    assert status.startswith("Exited (2)")


def test_inspect_fields(docker):
    docker("run", "-d", "--name", "insp", "--rm", "busybox", "sleep", "30")
    doc = json.loads(docker("inspect", "insp").stdout)[0]
    assert doc["Name"] == "/insp"
    assert doc["Path"] == "sleep" and doc["Args"] == ["30"]
    assert doc["Config"]["Cmd"] == ["sleep", "30"]
    assert doc["Config"]["Image"] == "busybox"
    assert doc["Image"].startswith("sha256:")
    assert doc["HostConfig"]["AutoRemove"] is True
    assert doc["State"]["Running"] is True and doc["State"]["Pid"] > 0
    assert doc["State"]["StartedAt"].endswith("Z")
    assert doc["RestartCount"] == 0
    assert doc["LogPath"].endswith("-json.log")


def test_wait_conditions(api, docker):
    cid = docker("create", "busybox", "sh", "-c", "exit 4").stdout.strip()
    r = api("POST", "/containers/%s/wait?condition=not-running" % cid)
    assert r.status == 200 and r.json()["StatusCode"] == 0
    docker("start", cid)
    assert docker("wait", cid).stdout == "4\n"
    r = api("POST", "/containers/%s/wait?condition=bogus" % cid)
    assert r.status == 400


def test_container_prune(docker):
    docker("create", "--name", "keepme", "-l", "keep=1", "busybox", "true")
    docker("create", "--name", "pruneme", "busybox", "true")
    docker("run", "-d", "--name", "running", "busybox", "sleep", "30")
    r = docker("container", "prune", "-f", "--filter", "label!=keep=1")
    assert "Deleted Containers" in r.stdout
    names = sorted(docker("ps", "-a", "--format", "{{.Names}}").stdout.split())
    assert names == ["keepme", "running"]
    docker("container", "prune", "-f", "--filter", "until=1h")
    assert sorted(docker("ps", "-a", "--format", "{{.Names}}").stdout.split()) == \
        ["keepme", "running"]
