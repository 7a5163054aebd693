"""docker-py (Debian's python3-docker), the SDK that Testcontainers and many tools use,
driving berthd unchanged."""
import io
import tarfile
import time

import pytest

docker_sdk = pytest.importorskip("docker")
# Debian's docker-py 5 compares versions with distutils
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def client(daemon):
    c = docker_sdk.DockerClient(base_url=daemon.host, version="auto", timeout=60)
    yield c
    c.close()


def test_ping_version_info(client):
    assert client.ping() is True
    v = client.version()
    assert v["ApiVersion"] == "1.51" and v["Os"] == "linux"
    info = client.info()
    assert "Containers" in info and "Images" in info


def test_run_returns_output(client):
    out = client.containers.run("busybox", ["sh", "-c", "echo out; echo err >&2"],
                                remove=True, stderr=True)
    assert b"out\n" in out and b"err\n" in out


def test_run_failure_raises_container_error(client):
    with pytest.raises(docker_sdk.errors.ContainerError) as e:
        client.containers.run("busybox", ["sh", "-c", "exit 3"], remove=True)
    assert e.value.exit_status == 3


def test_detached_lifecycle(client):
    c = client.containers.run("busybox", ["sh", "-c", "echo hello; exec sleep 300"],
                              detach=True, name="sdk-life", labels={"app": "sdk"},
                              environment={"K": "v"})
    c.reload()
    assert c.status == "running" and c.name == "sdk-life"
    assert "K=v" in c.attrs["Config"]["Env"]
    assert [x.name for x in client.containers.list(filters={"label": "app=sdk"})] == ["sdk-life"]
    deadline = time.time() + 10
    while b"hello" not in c.logs() and time.time() < deadline:
        time.sleep(0.05)
    assert c.logs() == b"hello\n"
    top = c.top()
    assert any("sleep" in " ".join(p) for p in top["Processes"])
    c.pause()
    c.reload()
    assert c.status == "paused"
    c.unpause()
    c.stop(timeout=1)
    assert c.wait()["StatusCode"] == 137
    c.remove()
    with pytest.raises(docker_sdk.errors.NotFound):
        client.containers.get("sdk-life")


def test_exec_run(client):
    c = client.containers.run("busybox", ["sleep", "300"], detach=True)
    try:
        r = c.exec_run(["sh", "-c", "echo in-exec; exit 4"])
        assert r.exit_code == 4 and r.output == b"in-exec\n"
        r = c.exec_run("id -u", user="1000")
        assert r.output.strip() == b"1000"
        r = c.exec_run("pwd", workdir="/tmp")
        assert r.output.strip() == b"/tmp"
        r = c.exec_run(["sh", "-c", "echo a; echo b >&2"], demux=True)
        assert r.output == (b"a\n", b"b\n")
    finally:
        c.remove(force=True)


def test_images_and_volumes(client, tmp_path):
    img = client.images.get("busybox")
    assert "busybox:latest" in img.tags
    img.tag("sdk-tag", "1")
    assert "sdk-tag:1" in client.images.get("sdk-tag:1").tags
    data = b"".join(img.save(named=True))
    client.images.remove("sdk-tag:1")
    with pytest.raises(docker_sdk.errors.ImageNotFound):
        client.images.get("sdk-tag:1")
    loaded = client.images.load(data)
    assert loaded[0].id == img.id
    v = client.volumes.create("sdk-vol", labels={"k": "v"})
    try:
        assert v.attrs["Labels"] == {"k": "v"}
        out = client.containers.run("busybox", ["sh", "-c", "echo kept > /v/f; cat /v/f"],
                                    volumes={"sdk-vol": {"bind": "/v", "mode": "rw"}},
                                    remove=True)
        assert out == b"kept\n"
        assert "sdk-vol" in [x.name for x in client.volumes.list()]
    finally:
        v.remove(force=True)


def test_events_and_errors(client):
    since = int(time.time()) - 1
    c = client.containers.create("busybox", ["true"], name="sdk-ev")
    c.remove()
    evs = list(client.events(since=since, until=int(time.time()) + 1, decode=True,
                             filters={"container": "sdk-ev"}))
    assert [e["Action"] for e in evs] == ["create", "destroy"]
    with pytest.raises(docker_sdk.errors.ImageNotFound):
        client.containers.create("no-such-image:nope", ["true"])
    with pytest.raises(docker_sdk.errors.APIError) as e:
        client.containers.create("busybox", ["true"], name="x")
    assert e.value.status_code == 400
