"""docker exec: the CLI end to end (output, exit codes, stdin, TTY, detach, env, workdir, user,
privileged), the raw API (create/start/inspect/resize, docker's errors), ExecIDs and events."""
import json
import os
import shutil
import socket
import struct
import subprocess
import time

import pytest

from conftest import DOCKER, wait_for


@pytest.fixture
def ctr(docker):
    return docker("run", "-d", "busybox", "sleep", "1000").stdout.strip()


def exec_create(api, cid, **cfg):
    cfg.setdefault("AttachStdout", True)
    cfg.setdefault("AttachStderr", True)
    r = api("POST", "/containers/%s/exec" % cid, cfg)
    assert r.status == 201, r.body
    return r.json()["Id"]


def exec_inspect(api, eid):
    r = api("GET", "/exec/%s/json" % eid)
    assert r.status == 200, r.body
    return r.json()


def hijacked_start(daemon, eid, body, version="v1.51"):
    """POST /exec/{id}/start with Upgrade: tcp; returns the response head and every byte of
    the stream up to EOF."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(daemon.sock)
    data = json.dumps(body).encode()
    s.sendall(("POST /%s/exec/%s/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: %d\r\n\r\n"
               % (version, eid, len(data))).encode() + data)
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head.decode(), rest


def demux(stream):
    out = {1: b"", 2: b""}
    while stream:
        kind, size = struct.unpack(">BxxxI", stream[:8])
        out[kind] += stream[8:8 + size]
        stream = stream[8 + size:]
    return out[1], out[2]


def test_output_and_exit_codes(docker, ctr):
    r = docker("exec", ctr, "sh", "-c", "echo out; echo err >&2")
    assert r.stdout == "out\n"
    assert r.stderr == "err\n"
    assert docker("exec", ctr, "sh", "-c", "exit 7", check=False).returncode == 7
    assert docker("exec", ctr, "true").returncode == 0


def test_command_not_found_is_127(docker, ctr):
    r = docker("exec", ctr, "nosuch", check=False)
    assert r.returncode == 127
    assert ('OCI runtime exec failed: exec failed: unable to start container process: exec: '
            '"nosuch": executable file not found in $PATH: unknown') in r.stdout + r.stderr
    # the container is untouched by the failed exec
    assert docker("inspect", "-f", "{{.State.Running}}", ctr).stdout == "true\n"


def test_not_executable_is_126(docker, ctr):
    r = docker("exec", ctr, "/etc", check=False)
    assert r.returncode == 126
    assert "permission denied" in r.stdout + r.stderr


def test_stdin_pipe_and_eof(docker, ctr):
    data = "".join("line %d\n" % i for i in range(2000))
    r = docker("exec", "-i", ctr, "cat", input=data)
    assert r.stdout == data
    # EOF reaches the process: it goes on after cat ends
    r = docker("exec", "-i", ctr, "sh", "-c", "wc -l; echo after", input="a\nb\n")
    assert r.stdout.split() == ["2", "after"]
    # without -i the process's stdin is empty
    assert docker("exec", ctr, "cat", input="ignored").stdout == ""


def test_tty(docker, ctr):
    r = docker("exec", "-t", ctr, "sh", "-c", "tty; echo $TERM; exit 3", check=False)
    assert r.returncode == 3
    assert r.stdout.split() == ["/dev/pts/0", "xterm"]
    # no TERM without a TTY, unless the container sets one
    assert "TERM=" not in docker("exec", ctr, "env").stdout


def test_tty_has_client_size_under_a_terminal(daemon, ctr):
    if not shutil.which("script"):
        pytest.skip("script(1) is not installed")
    env = dict(os.environ, DOCKER_HOST=daemon.host,
               DOCKER_CONFIG=os.path.join(daemon.base, "docker-config"))
    r = subprocess.run(["script", "-qec", "stty rows 33 cols 111; %s exec -it %s sh -c "
                        "'stty size; exit 4'" % (DOCKER, ctr), "/dev/null"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
                       env=env)
    assert "33 111" in r.stdout
    assert r.returncode == 4


def test_detach(docker, ctr):
    r = docker("exec", "-d", ctr, "sh", "-c", "sleep 0.3; echo done > /tmp/detached")
    assert r.stdout == ""
    assert wait_for(lambda: docker("exec", ctr, "cat", "/tmp/detached",
                                   check=False).stdout == "done\n")


def test_env_and_workdir(docker):
    cid = docker("run", "-d", "-e", "A=from-ctr", "-e", "B=keep", "-w", "/etc", "busybox",
                 "sleep", "1000").stdout.strip()
    env = docker("exec", "-e", "A=from-exec", "-e", "C=new", cid, "env").stdout.split("\n")
    assert "A=from-exec" in env and "A=from-ctr" not in env
    assert "B=keep" in env and "C=new" in env
    assert "HOME=/root" in env
    assert any(e.startswith("HOSTNAME=") for e in env)
    assert any(e.startswith("PATH=") for e in env)
    # the container's working directory, unless -w says otherwise
    assert docker("exec", cid, "pwd").stdout == "/etc\n"
    assert docker("exec", "-w", "/tmp", cid, "pwd").stdout == "/tmp\n"


def test_user(docker, ctr):
    # the fixture image has tester (1000), also in group extra (1001)
    r = docker("exec", "-u", "tester", ctr, "sh", "-c", "id -u; id -un; id -G; echo $HOME")
    assert r.stdout.split() == ["1000", "tester", "1000", "1001", "/home/tester"]
    assert docker("exec", "-u", "1000:0", ctr, "id", "-g").stdout == "0\n"
    assert docker("exec", ctr, "id", "-u").stdout == "0\n"
    r = docker("exec", "-u", "nosuchuser", ctr, "true", check=False)
    assert r.returncode != 0
    assert "unable to find user nosuchuser: no matching entries in passwd file" in r.stderr


def cap_field(text, name):
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1], 16)
    raise AssertionError("no %s in %r" % (name, text))


def test_privileged(docker, ctr):
    with open("/proc/self/status") as f:
        host_bnd = cap_field(f.read(), "CapBnd")
    plain = cap_field(docker("exec", ctr, "cat", "/proc/self/status").stdout, "CapEff")
    priv = cap_field(docker("exec", "--privileged", ctr, "cat", "/proc/self/status").stdout,
                     "CapEff")
    # every capability there is (that berthd itself holds)
    assert priv == host_bnd
    assert plain != priv and plain & ~priv == 0


def test_stopped_container(docker):
    cid = docker("create", "busybox", "sleep", "1000").stdout.strip()
    r = docker("exec", cid, "true", check=False)
    assert r.returncode != 0
    assert "container %s is not running" % cid in r.stderr


def test_api_errors(daemon, api, ctr):
    r = api("GET", "/exec/nosuchexec/json")
    assert r.status == 404 and r.message == "No such exec instance: nosuchexec"
    r = api("POST", "/exec/nosuchexec/start", {"Detach": True})
    assert r.status == 404 and r.message == "No such exec instance: nosuchexec"
    r = api("POST", "/exec/nosuchexec/resize?h=10&w=10")
    assert r.status == 404
    r = api("POST", "/containers/%s/exec" % ctr, {"Cmd": []})
    assert r.status == 400 and r.message == "No exec command specified"
    r = api("POST", "/containers/nosuch/exec", {"Cmd": ["true"]})
    assert r.status == 404 and r.message == "No such container: nosuch"


def test_api_exec_on_stopped_container(api, docker):
    cid = docker("run", "-d", "busybox", "true").stdout.strip()
    docker("wait", cid)
    r = api("POST", "/containers/%s/exec" % cid, {"Cmd": ["true"]})
    assert r.status == 409
    assert r.message == "container %s is not running" % cid


def test_api_lifecycle_inspect_and_exec_ids(api, docker, ctr):
    eid = exec_create(api, ctr, Cmd=["sh", "-c", "sleep 1; exit 3"], User="root",
                      AttachStdin=True, DetachKeys="ctrl-x")
    assert len(eid) == 64
    doc = exec_inspect(api, eid)
    assert doc["ID"] == eid and doc["ContainerID"] == ctr
    assert doc["Running"] is False and doc["ExitCode"] is None and doc["Pid"] == 0
    assert doc["ProcessConfig"] == {"tty": False, "entrypoint": "sh",
                                    "arguments": ["-c", "sleep 1; exit 3"],
                                    "privileged": False, "user": "root"}
    assert doc["OpenStdin"] is True and doc["OpenStdout"] is True
    assert doc["OpenStderr"] is True and doc["DetachKeys"] == "ctrl-x"
    assert doc["CanRemove"] is False
    assert docker("inspect", "-f", "{{json .ExecIDs}}", ctr).stdout.strip() == '["%s"]' % eid

    r = api("POST", "/exec/%s/start" % eid, {"Detach": True})
    assert r.status == 200
    doc = exec_inspect(api, eid)
    assert doc["Running"] is True and doc["ExitCode"] is None and doc["Pid"] > 0
    r = api("POST", "/exec/%s/start" % eid, {"Detach": True})
    assert r.status == 409
    assert r.message == "exec command %s is already running" % eid

    doc = wait_for(lambda: (lambda d: d if not d["Running"] else None)(exec_inspect(api, eid)))
    assert doc["ExitCode"] == 3
    r = api("POST", "/exec/%s/start" % eid, {"Detach": True})
    assert r.status == 409 and r.message == "exec command %s has already run" % eid
    # exited execs leave the container's list but can still be inspected
    assert docker("inspect", "-f", "{{json .ExecIDs}}", ctr).stdout.strip() == "null"


def test_api_hijacked_stream_is_multiplexed(daemon, api, ctr):
    eid = exec_create(api, ctr, Cmd=["sh", "-c", "echo out; echo err >&2; exit 2"])
    head, stream = hijacked_start(daemon, eid, {"Detach": False, "Tty": False})
    assert head.startswith("HTTP/1.1 101")
    assert "application/vnd.docker.multiplexed-stream" in head
    assert demux(stream) == (b"out\n", b"err\n")
    assert exec_inspect(api, eid)["ExitCode"] == 2


def test_api_hijacked_tty_stream_is_raw(daemon, api, ctr):
    eid = exec_create(api, ctr, Cmd=["echo", "hello"], Tty=True)
    head, stream = hijacked_start(daemon, eid, {"Detach": False, "Tty": True})
    assert "application/vnd.docker.raw-stream" in head
    assert stream == b"hello\r\n"


def test_api_start_error_goes_into_the_stream(daemon, api, ctr):
    eid = exec_create(api, ctr, Cmd=["nosuch"])
    head, stream = hijacked_start(daemon, eid, {"Detach": False})
    assert head.startswith("HTTP/1.1 101")
    out, _ = demux(stream)
    assert b'exec: "nosuch": executable file not found in $PATH' in out
    doc = exec_inspect(api, eid)
    assert doc["Running"] is False and doc["ExitCode"] == 127


def test_api_resize(api, docker, ctr):
    eid = exec_create(api, ctr, Cmd=["sh", "-c", "sleep 1; stty size > /tmp/size"], Tty=True)
    assert api("POST", "/exec/%s/start" % eid, {"Detach": True, "Tty": True}).status == 200
    r = api("POST", "/exec/%s/resize?h=20&w=70" % eid)
    assert r.status == 200, r.body
    assert wait_for(lambda: docker("exec", ctr, "cat", "/tmp/size",
                                   check=False).stdout == "20 70\n")
    r = api("POST", "/exec/%s/resize?h=x&w=70" % eid)
    assert r.status == 400
    # no terminal to resize
    eid = exec_create(api, ctr, Cmd=["sleep", "5"])
    assert api("POST", "/exec/%s/start" % eid, {"Detach": True}).status == 200
    assert api("POST", "/exec/%s/resize?h=20&w=70" % eid).status >= 400


def test_events(daemon, docker, ctr):
    since = "%.9f" % time.time()
    docker("exec", ctr, "sh", "-c", "exit 5", check=False)
    docker("exec", ctr, "true")
    until = "%.9f" % (time.time() + 1)
    r = docker("events", "--since", since, "--until", until, "--format", "{{json .}}")
    evs = [json.loads(line) for line in r.stdout.splitlines()]
    actions = [e["Action"] for e in evs if e["Type"] == "container"]
    assert actions == ["exec_create: sh -c exit 5", "exec_start: sh -c exit 5", "exec_die",
                       "exec_create: true ", "exec_start: true ", "exec_die"]
    die = [e for e in evs if e["Action"] == "exec_die"]
    assert die[0]["Actor"]["Attributes"]["exitCode"] == "5"
    assert die[1]["Actor"]["Attributes"]["exitCode"] == "0"
    eid = die[0]["Actor"]["Attributes"]["execID"]
    assert all(e["Actor"]["Attributes"]["execID"] == eid for e in evs[:3])
    assert all(e["Actor"]["ID"] == ctr for e in evs)


def test_exec_ends_with_its_container(api, docker, ctr):
    eid = exec_create(api, ctr, Cmd=["sleep", "1000"])
    assert api("POST", "/exec/%s/start" % eid, {"Detach": True}).status == 200
    docker("kill", ctr)
    doc = wait_for(lambda: (lambda d: d if not d["Running"] else None)(exec_inspect(api, eid)))
    assert doc["ExitCode"] == 137
    # and execs go with the container
    docker("rm", ctr)
    r = api("GET", "/exec/%s/json" % eid)
    assert r.status == 404 and r.message == "No such exec instance: %s" % eid


def test_many_execs_leave_nothing_behind(daemon, docker, ctr):
    for _ in range(5):
        docker("exec", ctr, "true")
    bundle = os.path.join(daemon.exec_root, "containers", ctr, "execs")
    assert wait_for(lambda: not os.path.isdir(bundle) or os.listdir(bundle) == [])
