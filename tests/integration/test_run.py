"""docker run end to end: output, exit codes, flags, isolation."""
import os

import pytest


def test_run_echo(docker):
    r = docker("run", "--rm", "busybox", "echo", "hello world")
    assert r.stdout == "hello world\n"
    assert docker("ps", "-aq").stdout == ""


def test_exit_code_propagates(docker):
    r = docker("run", "--rm", "busybox", "sh", "-c", "exit 3", check=False)
    assert r.returncode == 3


def test_command_not_found_is_127(docker):
    r = docker("run", "--rm", "busybox", "nosuchcommand", check=False)
    assert r.returncode == 127
    assert "executable file not found" in r.stderr


def test_not_executable_is_126(docker):
    r = docker("run", "--rm", "busybox", "/etc/passwd", check=False)
    assert r.returncode == 126
    assert "permission denied" in r.stderr


def test_daemon_error_is_125(docker):
    r = docker("run", "--pull", "never", "--rm", "nosuchimage:1", "true", check=False)
    assert r.returncode == 125
    assert "No such image" in r.stderr


def test_failed_start_with_rm_leaves_nothing(docker):
    docker("run", "--rm", "busybox", "nosuchcommand", check=False)
    assert docker("ps", "-aq").stdout == ""


def test_detached(docker):
    cid = docker("run", "-d", "busybox", "sleep", "30").stdout.strip()
    assert len(cid) == 64
    assert docker("inspect", "-f", "{{.State.Running}}", cid).stdout.strip() == "true"


def test_env_and_env_file(docker, tmp_path):
    envf = tmp_path / "env"
    envf.write_text("FROM_FILE=yes\n# comment\nOTHER=2\n")
    r = docker("run", "--rm", "-e", "A=1", "--env-file", str(envf), "busybox", "env")
    env = dict(l.split("=", 1) for l in r.stdout.splitlines())
    assert env["A"] == "1" and env["FROM_FILE"] == "yes" and env["OTHER"] == "2"
    assert env["PATH"].startswith("/usr/local/sbin")
    assert env["HOSTNAME"]
    assert env["HOME"] == "/root"


def test_workdir_user_entrypoint(docker):
    assert docker("run", "--rm", "-w", "/tmp", "busybox", "pwd").stdout == "/tmp\n"
    r = docker("run", "--rm", "-u", "tester", "busybox", "id")
    assert "uid=1000(tester) gid=1000(tester)" in r.stdout and "1001(extra)" in r.stdout
    assert docker("run", "--rm", "-u", "1234:5678", "busybox", "id", "-u").stdout == "1234\n"
    r = docker("run", "--rm", "--entrypoint", "echo", "busybox", "from", "entrypoint")
    assert r.stdout == "from entrypoint\n"


def test_unknown_user_fails(docker):
    r = docker("run", "--rm", "-u", "nobodyhere", "busybox", "true", check=False)
    assert r.returncode != 0
    assert "unable to find user nobodyhere" in r.stderr


def test_name_label_hostname(docker):
    docker("run", "-d", "--name", "named", "-l", "a=b", "-h", "myhost", "busybox", "sleep", "30")
    assert docker("inspect", "-f", "{{index .Config.Labels \"a\"}}", "named").stdout == "b\n"
    assert docker("inspect", "-f", "{{.Name}}", "named").stdout == "/named\n"
    r = docker("run", "--rm", "-h", "myhost", "busybox", "sh", "-c", "hostname; cat /etc/hostname")
    assert r.stdout == "myhost\nmyhost\n"


def test_network_none_has_only_lo(docker):
    r = docker("run", "--rm", "--network", "none", "busybox", "cat", "/proc/net/dev")
    ifaces = [l.split(":")[0].strip() for l in r.stdout.splitlines()[2:]]
    assert ifaces == ["lo"]


def test_stdin_piped_with_eof(docker):
    r = docker("run", "-i", "--rm", "busybox", "sh", "-c", "cat; echo done", input="hello\n")
    assert r.stdout == "hello\ndone\n"


def test_tty(docker):
    r = docker("run", "-t", "--rm", "busybox", "tty")
    assert r.stdout.strip() == "/dev/pts/0"


def test_bind_mounts(docker, tmp_path):
    (tmp_path / "in.txt").write_text("from host")
    r = docker("run", "--rm", "-v", "%s:/data" % tmp_path, "busybox", "sh", "-c",
               "cat /data/in.txt; echo from container > /data/out.txt")
    assert r.stdout == "from host"
    assert (tmp_path / "out.txt").read_text() == "from container\n"
    r = docker("run", "--rm", "-v", "%s:/data:ro" % tmp_path, "busybox", "touch", "/data/x",
               check=False)
    assert r.returncode != 0 and "Read-only file system" in r.stderr
    missing = tmp_path / "created" / "by-docker"
    docker("run", "--rm", "-v", "%s:/m" % missing, "busybox", "true")
    assert missing.is_dir()


def test_rm_removes_container(docker):
    docker("run", "--rm", "--name", "gone", "busybox", "true")
    r = docker("inspect", "gone", check=False)
    assert r.returncode != 0 and "No such" in r.stderr


def test_etc_files(docker):
    r = docker("run", "--rm", "--add-host", "db:10.1.2.3", "--dns", "9.9.9.9", "busybox", "sh",
               "-c", "cat /etc/hosts /etc/resolv.conf")
    assert "127.0.0.1\tlocalhost" in r.stdout
    assert "10.1.2.3\tdb" in r.stdout
    assert "nameserver 9.9.9.9" in r.stdout


def test_isolation_defaults(docker):
    r = docker("run", "--rm", "busybox", "cat", "/proc/self/status")
    st = dict(l.split(":", 1) for l in r.stdout.splitlines() if ":" in l)
    assert st["CapEff"].strip() == "00000000a80425fb"
    assert st["Seccomp"].strip() == "2"
    assert st["NoNewPrivs"].strip() == "0"
    # masked paths read as empty (a /dev/null bind) or are gone
    r = docker("run", "--rm", "busybox", "sh", "-c", "cat /proc/timer_list /proc/keys | wc -c")
    assert r.stdout.strip() == "0"
    r = docker("run", "--rm", "busybox", "sh", "-c", "echo 1 > /proc/sys/kernel/domainname",
               check=False)
    assert r.returncode != 0
    r = docker("run", "--rm", "busybox", "cat", "/proc/1/cmdline")
    assert r.stdout.startswith("cat")


def test_seccomp_unconfined_and_cap_add(docker):
    r = docker("run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "grep",
               "Seccomp:", "/proc/self/status")
    assert r.stdout.split()[1] == "0"
    r = docker("run", "--rm", "--cap-add", "NET_ADMIN", "--cap-drop", "CHOWN", "busybox", "grep",
               "CapEff", "/proc/self/status")
    eff = int(r.stdout.split()[1], 16)
    assert eff & (1 << 12) and not eff & 1


def test_memory_and_pids_limits_are_enforced(docker):
    r = docker("run", "--rm", "-m", "64m", "busybox", "cat",
               "/sys/fs/cgroup/memory/memory.limit_in_bytes", check=False)
    if r.returncode != 0:
        r = docker("run", "--rm", "-m", "64m", "busybox", "cat", "/sys/fs/cgroup/memory.max")
    assert r.stdout.strip() == str(64 * 1024 * 1024)
    r = docker("run", "--rm", "--pids-limit", "5", "busybox", "sh", "-c",
               "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; wait", check=False)
    assert "can't fork" in r.stderr or "Resource temporarily unavailable" in r.stderr


def test_restart_policy_on_failure(docker):
    from conftest import wait_for
    docker("run", "-d", "--name", "rp", "--restart", "on-failure:2", "busybox", "sh", "-c",
           "exit 1")
    assert wait_for(lambda: docker("inspect", "-f", "{{.RestartCount}} {{.State.Status}}",
                                   "rp").stdout.strip() == "2 exited", timeout=20)


def test_oom_kill_is_recorded(docker):
    r = docker("run", "--name", "oomer", "-m", "8m", "--memory-swap", "8m", "busybox", "sh",
               "-c", "x=$(head -c 60000000 /dev/zero | tr '\\0' a); echo survived", check=False)
    assert r.returncode == 137 and "survived" not in r.stdout
    assert docker("inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}",
                  "oomer").stdout == "true 137\n"


def test_cap_add_all(docker):
    r = docker("run", "--rm", "--cap-add", "ALL", "busybox", "grep", "CapEff", "/proc/self/status")
    eff = int(r.stdout.split()[1], 16)
    assert eff & (1 << 21)  # CAP_SYS_ADMIN, beyond the default set
