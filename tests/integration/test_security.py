"""Privilege and isolation flags of docker run: --privileged, --cap-add with the seccomp
profile that follows the capabilities, --device, --pid/--ipc/--uts/--cgroupns, --init and
--security-opt."""
import os
import socket


def run(docker, *args, check=True):
    return docker("run", "--rm", *args, check=check)


def status_field(docker, field, *flags):
    out = run(docker, *flags, "busybox", "grep", field + ":", "/proc/self/status").stdout
    return out.split(":", 1)[1].strip()


def test_default_confinement(docker):
    assert status_field(docker, "Seccomp") == "2"
    assert status_field(docker, "NoNewPrivs") == "0"
    assert status_field(docker, "CapEff") == "00000000a80425fb"
    r = run(docker, "busybox", "mount", "-t", "tmpfs", "none", "/tmp", check=False)
    assert r.returncode != 0
    hc = docker("create", "busybox", "true").stdout.strip()
    assert docker("inspect", "-f", "{{.HostConfig.IpcMode}} {{.HostConfig.CgroupnsMode}}",
                  hc).stdout.split()[0] == "private"


def test_privileged(docker):
    caps = status_field(docker, "CapEff", "--privileged")
    assert int(caps, 16) > 0xa80425fb
    assert status_field(docker, "Seccomp", "--privileged") == "0"
    out = run(docker, "--privileged", "busybox", "sh", "-c",
              "mount -t tmpfs none /tmp && echo mounted; grep ' /sys ' /proc/self/mounts; "
              "ls /dev").stdout
    assert "mounted" in out
    assert " rw," in out.splitlines()[1]
    host_devs = set(os.listdir("/dev"))
    assert "kmsg" in out.split() and "kmsg" in host_devs


def test_cap_add_widens_seccomp(docker):
    out = run(docker, "--cap-add", "SYS_ADMIN", "busybox", "sh", "-c",
              "mount -t tmpfs none /tmp && echo mounted").stdout
    assert out == "mounted\n"


def test_no_new_privileges_and_seccomp_opts(docker, api):
    assert status_field(docker, "NoNewPrivs", "--security-opt", "no-new-privileges") == "1"
    assert status_field(docker, "NoNewPrivs", "--security-opt",
                        "no-new-privileges=true") == "1"
    assert status_field(docker, "Seccomp", "--security-opt", "seccomp=unconfined") == "0"
    # the docker CLI checks the form of the options itself; the daemon checks them too
    r = api("POST", "/containers/create", {"Image": "busybox",
                                           "HostConfig": {"SecurityOpt": ["bogus"]}})
    assert r.status == 500 and r.message == 'invalid --security-opt 1: "bogus"'
    r = run(docker, "--security-opt", "foo=bar", "busybox", "true", check=False)
    assert 'Error response from daemon: invalid --security-opt 2: "foo=bar"' in r.stderr


def test_custom_seccomp_profile(docker, tmp_path):
    profile = tmp_path / "p.json"
    profile.write_text('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": '
                       '["mkdirat", "mkdir"], "action": "SCMP_ACT_ERRNO"}]}')
    r = run(docker, "--security-opt", "seccomp=%s" % profile, "busybox", "mkdir", "/tmp/x",
            check=False)
    assert r.returncode == 1 and "Operation not permitted" in r.stderr


def test_devices(docker, api):
    out = run(docker, "--device", "/dev/null:/dev/mynull", "busybox", "sh", "-c",
              "ls -l /dev/mynull; echo x > /dev/mynull && echo wrote").stdout
    assert out.startswith("c") and "1," in out and "wrote" in out
    r = run(docker, "--device", "/dev/nope", "busybox", "true", check=False)
    assert r.returncode != 0
    assert 'error gathering device information while adding custom device "/dev/nope"' in \
        r.stderr.replace('\\"', '"')
    r = api("POST", "/containers/create", {"Image": "busybox", "HostConfig": {
        "DeviceCgroupRules": ["x 1:2 rwm"]}})
    assert r.status == 400 and r.message == "invalid device cgroup format 'x 1:2 rwm'"
    out = run(docker, "--device-cgroup-rule", "c 1:3 rwm", "busybox", "true").returncode
    assert out == 0


def test_namespace_modes(docker, api):
    host_pid_ns = os.readlink("/proc/self/ns/pid")
    assert run(docker, "--pid", "host", "busybox", "readlink",
               "/proc/self/ns/pid").stdout.strip() == host_pid_ns
    assert run(docker, "--ipc", "host", "busybox", "readlink",
               "/proc/self/ns/ipc").stdout.strip() == os.readlink("/proc/self/ns/ipc")
    assert run(docker, "--uts", "host", "busybox", "hostname").stdout.strip() == \
        socket.gethostname()
    docker("run", "-d", "--name", "donor", "--ipc", "shareable", "busybox", "sh", "-c",
           "echo shared > /dev/shm/f; exec sleep 300")
    donor_ns = docker("exec", "donor", "readlink", "/proc/self/ns/pid").stdout.strip()
    assert run(docker, "--pid", "container:donor", "busybox", "readlink",
               "/proc/self/ns/pid").stdout.strip() == donor_ns
    out = run(docker, "--ipc", "container:donor", "busybox", "cat", "/dev/shm/f").stdout
    assert out == "shared\n"
    docker("run", "-d", "--name", "private", "busybox", "sleep", "300")
    r = run(docker, "--ipc", "container:private", "busybox", "true", check=False)
    assert "non-shareable IPC" in r.stderr
    r = run(docker, "--pid", "container:nosuch", "busybox", "true", check=False)
    assert r.returncode != 0 and "No such container: nosuch" in r.stderr
    r = api("POST", "/containers/create", {"Image": "busybox", "HostConfig": {"PidMode": "x"}})
    assert r.status == 400 and r.message == "invalid PID mode: x"
    out = run(docker, "--cgroupns", "private", "busybox", "cat", "/proc/self/cgroup").stdout
    assert all(line.endswith(":/") for line in out.split())


def test_init(docker):
    out = run(docker, "--init", "busybox", "sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline").stdout
    assert out.startswith("/sbin/docker-init -- sh -c")
