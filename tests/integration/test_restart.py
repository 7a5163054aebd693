"""berthd restarts with containers around: output written while it was down is in the logs,
wait and logs -f work on restored containers, ps and inspect are unchanged, the pidfile and
the socket follow the daemon's life."""
import json
import os
import subprocess

from conftest import BUILD, DOCKER, wait_for
from test_daemon import own_daemon  # noqa: F401  (fixture)


def test_output_while_down_reaches_logs(own_daemon, tmp_path):
    d = own_daemon
    gate = tmp_path / "gate"
    gate.mkdir()
    d.docker("run", "-d", "--name", "writer", "-v", "%s:/gate" % gate, "busybox", "sh", "-c",
             "echo before; while [ ! -e /gate/go ]; do sleep 0.1; done; echo during; "
             "while [ ! -e /gate/end ]; do sleep 0.1; done; echo after; exit 5")
    log = d.docker("inspect", "-f", "{{.LogPath}}", "writer").stdout.strip()
    assert wait_for(lambda: "before" in d.docker("logs", "writer").stdout)
    d.kill9()
    (gate / "go").touch()
    # the shim keeps writing the log file while no daemon runs
    assert wait_for(lambda: "during" in open(log).read(), timeout=10)
    d.start()
    assert d.docker("logs", "writer").stdout == "before\nduring\n"
    env = dict(os.environ, DOCKER_HOST=d.host,
               DOCKER_CONFIG=os.path.join(d.base, "docker-config"))
    follower = subprocess.Popen([DOCKER, "logs", "-f", "writer"], stdout=subprocess.PIPE,
                                text=True, env=env)
    waiter = subprocess.Popen([DOCKER, "wait", "writer"], stdout=subprocess.PIPE, text=True,
                              env=env)
    try:
        assert follower.stdout.readline() == "before\n"
        assert follower.stdout.readline() == "during\n"
        (gate / "end").touch()
        assert follower.stdout.readline() == "after\n"
        assert follower.wait(timeout=20) == 0
        out, _ = waiter.communicate(timeout=20)
        assert out == "5\n"
    finally:
        for p in (follower, waiter):
            if p.poll() is None:
                p.kill()
                p.wait()
    st = json.loads(d.docker("inspect", "writer").stdout)[0]["State"]
    assert st["Status"] == "exited" and st["ExitCode"] == 5 and st["Pid"] == 0


def test_restored_container_can_be_killed_and_removed(own_daemon):
    d = own_daemon
    d.docker("run", "-d", "--name", "victim", "--label", "x=y", "busybox", "sh", "-c",
             "trap 'exit 11' USR1; while true; do sleep 0.1; done")
    pid = int(d.docker("inspect", "-f", "{{.State.Pid}}", "victim").stdout)
    d.kill9()
    d.start()
    assert d.docker("ps", "--filter", "label=x=y", "--format", "{{.Names}}").stdout == \
        "victim\n"
    assert int(d.docker("inspect", "-f", "{{.State.Pid}}", "victim").stdout) == pid
    r = d.docker("top", "victim")
    assert str(pid) in r.stdout
    d.docker("kill", "-s", "USR1", "victim")
    assert d.docker("wait", "victim").stdout == "11\n"
    d.docker("rm", "victim")
    assert d.docker("ps", "-aq").stdout == ""


def test_restart_twice_and_counts(own_daemon):
    d = own_daemon
    d.docker("run", "-d", "--name", "r1", "busybox", "sleep", "300")
    d.docker("run", "--name", "r2", "busybox", "true")
    d.docker("create", "--name", "r3", "busybox", "true")
    for _ in range(2):
        d.kill9()
        d.start()
    info = json.loads(d.docker("info", "--format", "{{json .}}").stdout)
    assert (info["Containers"], info["ContainersRunning"], info["ContainersStopped"]) == \
        (3, 1, 2)
    assert d.docker("inspect", "-f", "{{.State.Status}}", "r3").stdout == "created\n"
    d.docker("start", "r3")
    assert d.docker("wait", "r3").stdout == "0\n"


def test_pidfile_holds_the_pid(own_daemon):
    d = own_daemon
    with open(d.pidfile) as f:
        assert int(f.read().strip()) == d.proc.pid


def test_stale_pidfile_does_not_block_start(own_daemon):
    d = own_daemon
    d.kill9()
    # SIGKILL leaves the pidfile behind; the next daemon replaces it
    assert os.path.exists(d.pidfile)
    d.start()
    with open(d.pidfile) as f:
        assert int(f.read().strip()) == d.proc.pid


def test_second_daemon_keeps_the_first_intact(own_daemon):
    d = own_daemon
    r = subprocess.run([os.path.join(BUILD, "berthd"), "-H", d.host, "--data-root",
                        d.data_root, "--exec-root", d.exec_root, "--pidfile", d.pidfile],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode != 0 and r.stderr.strip()
    # the loser touched neither the socket nor the pidfile of the winner
    assert d.api("GET", "/_ping").status == 200
    with open(d.pidfile) as f:
        assert int(f.read().strip()) == d.proc.pid
