import os

from conftest import wait_for


def test_ping(api):
    r = api("GET", "/_ping")
    assert r.status == 200 and r.body == b"OK"
    assert r.headers["Api-Version"] == "1.51"
    r = api("HEAD", "/_ping")
    assert r.status == 200 and r.body == b""


def test_version_paths(api, docker):
    assert api("GET", "/version").json()["ApiVersion"] == "1.51"
    assert api("GET", "/v1.24/version").json()["MinAPIVersion"] == "1.24"
    out = docker("version", "--format", "{{.Server.APIVersion}}").stdout.strip()
    assert out == "1.51"
    r = api("GET", "/v1.12/version")
    assert r.status == 400 and "too old" in r.message


def test_info_reports_real_values(docker, daemon):
    docker("run", "-d", "--name", "info-run", "busybox", "sleep", "30")
    docker("create", "--name", "info-created", "busybox", "true")
    info = __import__("json").loads(docker("info", "--format", "{{json .}}").stdout)
    assert info["Containers"] == 2
    assert info["ContainersRunning"] == 1
    assert info["ContainersStopped"] == 1
    assert info["Images"] >= 1
    assert info["Driver"] in ("overlay2", "vfs")
    assert info["CgroupVersion"] in ("1", "2")
    assert info["DockerRootDir"] == daemon.data_root
    assert info["DefaultRuntime"] == "runc" and "runc" in info["Runtimes"]
    assert info["NCPU"] == os.cpu_count()
    assert info["MemTotal"] > 0
    assert info["KernelVersion"] == os.uname().release


def test_unknown_and_unimplemented_endpoints(api):
    r = api("GET", "/nothing/here")
    assert r.status == 404 and r.message
    r = api("POST", "/build")
    assert r.status == 501 and "not implemented" in r.message


def test_second_daemon_on_same_root_fails(daemon, tmp_path):
    import subprocess
    from conftest import BUILD
    r = subprocess.run([os.path.join(BUILD, "berthd"), "-H", "unix://%s/s.sock" % tmp_path,
                        "--data-root", daemon.data_root, "--exec-root", str(tmp_path / "e"),
                        "--pidfile", str(tmp_path / "p")], capture_output=True, text=True,
                       timeout=20)
    assert r.returncode != 0
    assert "already running" in r.stderr
    assert os.path.exists(daemon.sock)
