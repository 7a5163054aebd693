"""More of the container lifecycle as docker shows it: inspect through every state, ps filters
and formats docker's CLI offers, stop --signal, wait on several containers, manual restarts."""
import json

ZERO_TIME = "0001-01-01T00:00:00Z"


def inspect(docker, name):
    return json.loads(docker("inspect", name).stdout)[0]


def test_inspect_through_states(docker):
    docker("create", "--name", "st", "busybox", "sh", "-c", "sleep 0.3; exit 3")
    doc = inspect(docker, "st")
    assert doc["State"]["Status"] == "created"
    assert doc["State"]["Running"] is False and doc["State"]["Pid"] == 0
    assert doc["State"]["StartedAt"] == ZERO_TIME and doc["State"]["FinishedAt"] == ZERO_TIME
    assert doc["State"]["ExitCode"] == 0
    assert doc["Path"] == "sh" and doc["Args"] == ["-c", "sleep 0.3; exit 3"]
    assert doc["HostConfig"]["AutoRemove"] is False
    assert len(doc["Id"]) == 64 and doc["Created"].endswith("Z")

    docker("start", "st")
    assert docker("wait", "st").stdout == "3\n"
    doc = inspect(docker, "st")
    st = doc["State"]
    assert st["Status"] == "exited" and st["Running"] is False and st["Pid"] == 0
    assert st["ExitCode"] == 3 and st["OOMKilled"] is False and st["Dead"] is False
    assert st["Paused"] is False and st["Restarting"] is False
    assert st["StartedAt"] != ZERO_TIME and st["FinishedAt"] != ZERO_TIME
    # RFC 3339 with nanoseconds in UTC sort as text
    assert doc["Created"] <= st["StartedAt"] <= st["FinishedAt"]
    assert doc["RestartCount"] == 0


def test_inspect_image_and_config(docker):
    iid = docker("image", "inspect", "-f", "{{.Id}}", "busybox").stdout.strip()
    docker("create", "--name", "cfg", "-e", "X=1", "-w", "/tmp", "-u", "tester", "-l", "k=v",
           "--entrypoint", "/bin/sh", "busybox", "-c", "true")
    doc = inspect(docker, "cfg")
    assert doc["Image"] == iid
    cfg = doc["Config"]
    assert cfg["Image"] == "busybox"
    assert cfg["Entrypoint"] == ["/bin/sh"] and cfg["Cmd"] == ["-c", "true"]
    assert doc["Path"] == "/bin/sh" and doc["Args"] == ["-c", "true"]
    assert "X=1" in cfg["Env"]
    assert any(e.startswith("PATH=") for e in cfg["Env"])
    assert cfg["WorkingDir"] == "/tmp" and cfg["User"] == "tester"
    assert cfg["Labels"] == {"k": "v"}
    assert cfg["Hostname"] == doc["Id"][:12]
    assert doc["HostConfig"]["NetworkMode"] in ("default", "bridge")
    assert doc["Driver"] in ("overlay2", "vfs")


def test_inspect_format_and_several(docker):
    docker("create", "--name", "i1", "busybox", "true")
    docker("create", "--name", "i2", "busybox", "true")
    r = docker("inspect", "-f", "{{.Name}} {{.State.Status}}", "i1", "i2")
    assert r.stdout == "/i1 created\n/i2 created\n"
    r = docker("inspect", "i1", "nosuch", check=False)
    assert r.returncode == 1
    assert json.loads(r.stdout)[0]["Name"] == "/i1"
    assert "No such object: nosuch" in r.stderr
    r = docker("inspect", "--type", "container", "-f", "{{json .Config.Cmd}}", "i1")
    assert r.stdout == '["true"]\n'


def test_id_prefixes_resolve(docker):
    cid = docker("create", "--name", "pfx", "busybox", "true").stdout.strip()
    for ref in (cid, cid[:12], cid[:5], "pfx"):
        assert docker("inspect", "-f", "{{.Id}}", ref).stdout.strip() == cid


def test_stop_with_signal_flag(docker):
    docker("run", "-d", "--name", "sigflag", "busybox", "sh", "-c",
           "trap 'exit 7' USR1; while true; do sleep 0.1; done")
    r = docker("stop", "--signal", "USR1", "sigflag")
    assert r.stdout == "sigflag\n"
    assert docker("inspect", "-f", "{{.State.ExitCode}}", "sigflag").stdout == "7\n"


def test_stop_timeout_then_kill(docker):
    # SIGTERM is ignored: after -t seconds docker sends SIGKILL
    docker("run", "-d", "--name", "stubborn", "busybox", "sh", "-c",
           "trap '' TERM; while true; do sleep 0.1; done")
    docker("stop", "-t", "1", "stubborn")
    st = docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "stubborn").stdout
    assert st == "exited 137\n"


def test_wait_several(docker):
    docker("run", "-d", "--name", "w1", "busybox", "sh", "-c", "exit 1")
    docker("run", "-d", "--name", "w2", "busybox", "sh", "-c", "sleep 0.3; exit 2")
    assert docker("wait", "w1", "w2").stdout == "1\n2\n"
    r = docker("wait", "nosuch", check=False)
    assert r.returncode == 1 and "No such container: nosuch" in r.stderr


def test_manual_restart_keeps_restart_count(docker):
    docker("run", "-d", "--name", "mr", "busybox", "sleep", "30")
    started = docker("inspect", "-f", "{{.State.StartedAt}}", "mr").stdout
    docker("restart", "-t", "0", "mr")
    doc = inspect(docker, "mr")
    assert doc["State"]["Running"] is True
    assert doc["RestartCount"] == 0
    assert doc["State"]["StartedAt"] + "\n" != started
    # restarting a stopped container starts it
    docker("stop", "-t", "0", "mr")
    docker("restart", "mr")
    assert docker("inspect", "-f", "{{.State.Running}}", "mr").stdout == "true\n"


def test_start_stopped_container_again(docker):
    docker("run", "--name", "again", "busybox", "sh", "-c", "echo run")
    docker("start", "again")
    assert docker("wait", "again").stdout == "0\n"
    assert docker("logs", "again").stdout == "run\nrun\n"


def test_rm_several_and_force(docker):
    docker("create", "--name", "r1", "busybox", "true")
    docker("run", "-d", "--name", "r2", "busybox", "sleep", "30")
    r = docker("rm", "r1", "r2", check=False)
    assert r.returncode == 1
    assert r.stdout == "r1\n" and "container is running" in r.stderr
    r = docker("rm", "-f", "r2")
    assert r.stdout == "r2\n"
    assert docker("ps", "-aq").stdout == ""


def test_ps_id_filter_and_last(docker):
    a = docker("create", "--name", "fa", "busybox", "true").stdout.strip()
    docker("create", "--name", "fb", "busybox", "true")
    docker("create", "--name", "fc", "busybox", "true")
    r = docker("ps", "-a", "--filter", "id=" + a[:10], "--format", "{{.Names}}")
    assert r.stdout == "fa\n"
    r = docker("ps", "-a", "-q", "--no-trunc", "--filter", "name=fa")
    assert r.stdout == a + "\n"
    assert docker("ps", "-aq").stdout.split()[-1] == a[:12]  # newest first
    r = docker("ps", "--last", "2", "--format", "{{.Names}}")
    assert r.stdout == "fc\nfb\n"
    assert docker("ps", "-l", "--format", "{{.Names}}").stdout == "fc\n"
    # two filters of the same key are ORed, different keys ANDed
    r = docker("ps", "-a", "--filter", "name=fa", "--filter", "name=fb", "--format",
               "{{.Names}}")
    assert sorted(r.stdout.split()) == ["fa", "fb"]
    r = docker("ps", "-a", "--filter", "name=fa", "--filter", "status=running", "-q")
    assert r.stdout == ""


def test_ps_status_filters(docker):
    docker("run", "-d", "--name", "up", "busybox", "sleep", "30")
    docker("run", "--name", "ok", "busybox", "true")
    docker("run", "--name", "bad", "busybox", "false", check=False)
    names = lambda *a: sorted(docker("ps", "-a", "--format", "{{.Names}}", *a).stdout.split())
    assert names("--filter", "status=running") == ["up"]
    assert names("--filter", "status=exited") == ["bad", "ok"]
    assert names("--filter", "exited=0") == ["ok"]
    assert names("--filter", "exited=1") == ["bad"]
    assert names("--filter", "label=nosuch") == []


def test_ps_format_fields(docker):
    cid = docker("run", "-d", "--name", "fmt", "-l", "a=1", "busybox", "sleep", "30").stdout
    r = docker("ps", "--format", "{{.ID}}|{{.Image}}|{{.Command}}|{{.Names}}|{{.Labels}}")
    assert r.stdout == '%s|busybox|"sleep 30"|fmt|a=1\n' % cid[:12]
    r = docker("ps", "--format", "{{.Status}}")
    assert r.stdout.startswith("Up ")
    r = docker("ps", "--format", "{{json .}}")
    doc = json.loads(r.stdout)
    assert doc["Names"] == "fmt" and doc["State"] == "running"
    r = docker("ps", "--no-trunc", "--format", "{{.ID}}")
    assert r.stdout == cid
    header = docker("ps").stdout.splitlines()[0]
    for col in ("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"):
        assert col in header


def test_container_prune_output(docker):
    a = docker("create", "busybox", "true").stdout.strip()
    docker("run", "-d", "busybox", "sleep", "30")
    r = docker("container", "prune", "-f")
    assert r.stdout.splitlines()[0] == "Deleted Containers:"
    assert a in r.stdout
    assert "Total reclaimed space:" in r.stdout
    assert len(docker("ps", "-aq").stdout.split()) == 1
    r = docker("container", "prune", "-f", "--filter", "until=2000-01-01T00:00:00Z")
    assert "Deleted Containers" not in r.stdout


def test_top_args(docker):
    docker("run", "-d", "--name", "topa", "busybox", "sleep", "32")
    r = docker("top", "topa", "-o", "pid,comm")
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["PID", "COMMAND"]
    assert lines[1].split()[1] == "sleep"
    pid = int(docker("inspect", "-f", "{{.State.Pid}}", "topa").stdout)
    assert int(lines[1].split()[0]) == pid


def test_rename(docker):
    cid = docker("run", "-d", "--name", "old", "busybox", "sleep", "30").stdout.strip()
    docker("rename", "old", "new")
    assert docker("inspect", "-f", "{{.Name}}", cid).stdout == "/new\n"
    assert docker("ps", "--format", "{{.Names}}").stdout == "new\n"
    r = docker("inspect", "old", check=False)
    assert r.returncode == 1
    # the old name is free again
    docker("create", "--name", "old", "busybox", "true")
    r = docker("rename", "new", "bad name", check=False)
    assert r.returncode != 0 and "Invalid container name" in r.stderr
