"""berth cp, export, diff, commit: the CLI side of a container's files, checked against the
docker CLI's results on the same daemon."""
import os
import shutil
import subprocess
import tarfile
import tempfile

import pytest

from conftest import BUILD, IMAGE

BERTH = os.path.join(BUILD, "berth")


@pytest.fixture
def berth(daemon):
    if not os.path.exists(BERTH):
        pytest.skip("build/berth is not built")

    def run(*args, input=None, timeout=60):
        e = dict(os.environ)
        e.pop("DOCKER_HOST", None)
        e["BERTH_HOST"] = daemon.host
        return subprocess.run([BERTH, *args], input=input, capture_output=True,
                              timeout=timeout, env=e)
    return run


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="berth-clif-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_berth_cp_both_ways(berth, docker, tmp):
    src = os.path.join(tmp, "tree")
    os.makedirs(os.path.join(src, "sub"))
    with open(os.path.join(src, "sub", "f"), "w") as f:
        f.write("hello\n")
    os.symlink("sub/f", os.path.join(src, "l"))
    docker("run", "-d", "--name", "bcp", IMAGE, "sleep", "300")
    r = berth("cp", src, "bcp:/tmp/")
    assert r.returncode == 0, r.stderr
    assert docker("exec", "bcp", "cat", "/tmp/tree/sub/f").stdout == "hello\n"
    assert docker("exec", "bcp", "readlink", "/tmp/tree/l").stdout == "sub/f\n"
    # a file to a new name, and back to a new local name
    r = berth("cp", os.path.join(src, "sub", "f"), "bcp:/renamed")
    assert r.returncode == 0, r.stderr
    assert docker("exec", "bcp", "cat", "/renamed").stdout == "hello\n"
    r = berth("cp", "bcp:/tmp/tree", os.path.join(tmp, "back"))
    assert r.returncode == 0, r.stderr
    with open(os.path.join(tmp, "back", "sub", "f")) as f:
        assert f.read() == "hello\n"
    assert os.readlink(os.path.join(tmp, "back", "l")) == "sub/f"
    r = berth("cp", "bcp:/renamed", "-")
    assert r.returncode == 0
    t = tarfile.open(fileobj=__import__("io").BytesIO(r.stdout))
    assert t.getnames() == ["renamed"]
    r = berth("cp", "bcp:/nope", tmp)
    assert r.returncode == 1
    assert b"Could not find the file /nope in container bcp" in r.stderr


def test_berth_export_diff_commit(berth, docker, tmp):
    docker("run", "--name", "bx", IMAGE, "sh", "-c", "echo v > /v.txt; rm /bin/vi")
    out = os.path.join(tmp, "x.tar")
    r = berth("export", "-o", out, "bx")
    assert r.returncode == 0, r.stderr
    with tarfile.open(out) as t:
        assert "v.txt" in t.getnames()
    r = berth("diff", "bx")
    assert r.returncode == 0
    assert r.stdout.decode() == docker("diff", "bx").stdout
    assert "A /v.txt" in r.stdout.decode().splitlines()
    r = berth("commit", "-m", "msg", "-c", "CMD cat /v.txt", "bx", "bxc:1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().startswith("sha256:")
    assert docker("run", "--rm", "bxc:1").stdout == "v\n"
    r = berth("diff", "nosuch")
    assert r.returncode == 1 and b"No such container: nosuch" in r.stderr
