"""More of docker run as docker does it: default /etc files and hostname, masked and
read-only /proc, env pass-through, stdin without -i, working directories that do not
exist yet, users and groups."""
import os

from conftest import wait_for


def test_default_etc_files_and_hostname(docker):
    cid = docker("run", "-d", "busybox", "sleep", "30").stdout.strip()
    r = docker("exec", cid, "sh", "-c",
               "hostname; cat /etc/hostname; cat /etc/hosts; ls /etc/resolv.conf")
    lines = r.stdout.splitlines()
    assert lines[0] == cid[:12] and lines[1] == cid[:12]
    assert "127.0.0.1\tlocalhost" in lines
    assert lines[-1] == "/etc/resolv.conf"
    for f in ("HostnamePath", "HostsPath", "ResolvConfPath"):
        path = docker("inspect", "-f", "{{.%s}}" % f, cid).stdout.strip()
        assert os.path.isfile(path), f


def test_network_none_hosts(docker):
    r = docker("run", "--rm", "--network", "none", "-h", "solo", "busybox", "cat", "/etc/hosts")
    assert "127.0.0.1\tlocalhost" in r.stdout
    assert "::1\tlocalhost ip6-localhost ip6-loopback" in r.stdout


def test_proc_is_masked_and_read_only(docker):
    if os.path.exists("/proc/kcore"):  # runc masks only what the kernel has
        r = docker("run", "--rm", "busybox", "sh", "-c", "wc -c < /proc/kcore")
        assert r.stdout.strip() == "0"
    r = docker("run", "--rm", "busybox", "find", "/proc/acpi", "/proc/scsi", "-mindepth", "1",
               check=False)
    assert r.stdout == ""
    r = docker("run", "--rm", "busybox", "sh", "-c", "echo 1 > /proc/sys/vm/drop_caches",
               check=False)
    assert r.returncode != 0 and "Read-only file system" in r.stderr
    if os.path.exists("/proc/sysrq-trigger"):
        r = docker("run", "--rm", "busybox", "sh", "-c", "echo x > /proc/sysrq-trigger",
                   check=False)
        assert r.returncode != 0 and "Read-only file system" in r.stderr
    r = docker("run", "--rm", "busybox", "grep", " /proc/sys ", "/proc/self/mounts")
    assert " ro," in r.stdout


def test_env_pass_through_and_override(docker):
    r = docker("run", "--rm", "-e", "FROM_CLIENT", "-e", "UNSET_IN_CLIENT", "-e",
               "PATH=/bin", "busybox", "env", env={"FROM_CLIENT": "passed"})
    env = dict(l.split("=", 1) for l in r.stdout.splitlines())
    assert env["FROM_CLIENT"] == "passed"
    assert "UNSET_IN_CLIENT" not in env
    assert env["PATH"] == "/bin"
    r = docker("run", "--rm", "--env-file", "/nonexistent/env", "busybox", "true", check=False)
    assert r.returncode == 125 and "no such file or directory" in r.stderr


def test_stdin_without_i_is_empty(docker):
    r = docker("run", "--rm", "busybox", "sh", "-c", "cat; echo end", input="ignored\n")
    assert r.stdout == "end\n"


def test_it_without_terminal_is_refused(docker):
    r = docker("run", "-it", "--rm", "busybox", "true", check=False, input="")
    assert r.returncode == 1
    assert "the input device is not a TTY" in r.stderr
    assert docker("ps", "-aq").stdout == ""


def test_workdir_is_created(docker):
    assert docker("run", "--rm", "-w", "/new/work/dir", "busybox", "pwd").stdout == \
        "/new/work/dir\n"
    r = docker("run", "--rm", "-w", "relative", "busybox", "pwd", check=False)
    assert r.returncode == 125 and "the working directory 'relative' is invalid" in r.stderr


def test_users(docker):
    assert docker("run", "--rm", "-u", "nobody", "busybox", "id", "-u").stdout == "65534\n"
    r = docker("run", "--rm", "-u", "1000", "busybox", "id")
    assert r.stdout.startswith("uid=1000(tester) gid=1000(tester)")
    r = docker("run", "--rm", "-u", "tester", "--group-add", "1234", "busybox", "id", "-G")
    assert sorted(r.stdout.split()) == ["1000", "1001", "1234"]
    r = docker("run", "--rm", "-u", "tester", "busybox", "sh", "-c", "echo $HOME")
    assert r.stdout == "/home/tester\n"


def test_detached_output_is_full_id(docker):
    r = docker("run", "-d", "--name", "full", "busybox", "true")
    cid = r.stdout.strip()
    assert len(cid) == 64 and all(c in "0123456789abcdef" for c in cid)
    assert docker("wait", "full").stdout == "0\n"
    assert docker("inspect", "-f", "{{.Id}}", "full").stdout.strip() == cid


def test_rm_with_detach(docker):
    docker("run", "-d", "--rm", "--name", "selfclean", "busybox", "true")
    assert wait_for(lambda: docker("ps", "-aq", "--filter", "name=selfclean").stdout == "",
                    timeout=10)
