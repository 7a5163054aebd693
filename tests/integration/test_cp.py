"""docker cp both ways (HEAD/GET/PUT /containers/{id}/archive), confined to the container's
root however its symlinks point; docker export."""
import base64
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile

import pytest

from conftest import DOCKER

HOST = []


@pytest.fixture(autouse=True)
def _host(daemon):
    HOST[:] = [daemon.host]


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="berth-cp-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def make_tree(root):
    os.makedirs(os.path.join(root, "dir", "sub"))
    with open(os.path.join(root, "dir", "a.txt"), "wb") as f:
        f.write(b"alpha\n" * 1000)
    with open(os.path.join(root, "dir", "sub", "b.bin"), "wb") as f:
        f.write(os.urandom(300000))
    os.symlink("a.txt", os.path.join(root, "dir", "link"))
    os.chmod(os.path.join(root, "dir", "a.txt"), 0o640)


def tree_of(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("dir", oct(st.st_mode & 0o7777))
            else:
                with open(p, "rb") as f:
                    out[rel] = ("file", oct(st.st_mode & 0o7777), f.read())
    return out


@pytest.mark.parametrize("running", [True, False])
def test_cp_round_trip(docker, tmp, running):
    src = os.path.join(tmp, "src")
    make_tree(src)
    docker("create", "--name", "cpt", "busybox", "sleep", "300")
    if running:
        docker("start", "cpt")
    docker("cp", os.path.join(src, "dir"), "cpt:/tmp/")
    r = docker("exec" if running else "ps", *(["cpt", "cat", "/tmp/dir/a.txt"] if running else []))
    if running:
        assert r.stdout == "alpha\n" * 1000
    out = os.path.join(tmp, "out")
    os.mkdir(out)
    docker("cp", "cpt:/tmp/dir", out)
    assert tree_of(os.path.join(out, "dir")) == tree_of(os.path.join(src, "dir"))
    # a single file, renamed on the way in, and to stdout as a tar
    docker("cp", os.path.join(src, "dir", "a.txt"), "cpt:/renamed.txt")
    r = subprocess.run([DOCKER, "cp", "cpt:/renamed.txt", "-"], capture_output=True,
                       env=dict(os.environ, DOCKER_HOST=HOST[0]))
    assert r.returncode == 0, r.stderr
    t = tarfile.open(fileobj=io.BytesIO(r.stdout))
    assert t.getnames() == ["renamed.txt"]
    assert t.extractfile("renamed.txt").read() == b"alpha\n" * 1000


def test_cp_archive_mode_keeps_owner(docker, api, tmp):
    f = os.path.join(tmp, "owned")
    with open(f, "w") as fh:
        fh.write("x")
    os.chown(f, 1234, 5678)
    docker("run", "-d", "--name", "own", "busybox", "sleep", "300")
    docker("cp", "-a", f, "own:/owned")
    assert docker("exec", "own", "stat", "-c", "%u:%g", "/owned").stdout == "1234:5678\n"
    # the archive the CLI gets carries the owner (the CLI itself extracts without chown)
    r = api("GET", "/containers/own/archive?path=/owned")
    assert r.status == 200
    m = tarfile.open(fileobj=io.BytesIO(r.body)).getmember("owned")
    assert (m.uid, m.gid, m.size) == (1234, 5678, 1)


def test_cp_follow_link(docker, tmp):
    docker("run", "-d", "--name", "fl", "busybox", "sh", "-c",
           "echo target > /data.txt; ln -s /data.txt /ln; sleep 300")
    docker("exec", "fl", "ls", "/ln")
    docker("cp", "fl:/ln", os.path.join(tmp, "nolink"))
    assert os.path.islink(os.path.join(tmp, "nolink"))
    docker("cp", "-L", "fl:/ln", os.path.join(tmp, "followed"))
    with open(os.path.join(tmp, "followed")) as f:
        assert f.read() == "target\n"


def test_stat_header(docker, api):
    docker("run", "-d", "--name", "st", "busybox", "sh", "-c",
           "printf 12345 > /five; ln -s /five /lnk; sleep 300")
    docker("exec", "st", "ls", "/lnk")
    r = api("HEAD", "/containers/st/archive?path=/five")
    assert r.status == 200
    st = json.loads(base64.b64decode(r.headers["X-Docker-Container-Path-Stat"]))
    assert st["name"] == "five" and st["size"] == 5 and st["mode"] == 0o644
    assert st["linkTarget"] == ""
    r = api("HEAD", "/containers/st/archive?path=/lnk")
    st = json.loads(base64.b64decode(r.headers["X-Docker-Container-Path-Stat"]))
    assert st["linkTarget"] == "/five" and st["mode"] & (1 << 27)
    r = api("HEAD", "/containers/st/archive?path=/etc")
    st = json.loads(base64.b64decode(r.headers["X-Docker-Container-Path-Stat"]))
    assert st["mode"] & (1 << 31)


def test_cp_missing_path(docker, api, tmp):
    docker("run", "-d", "--name", "miss", "busybox", "sleep", "300")
    r = docker("cp", "miss:/nope", tmp, check=False)
    assert r.returncode == 1
    assert "Could not find the file /nope in container miss" in r.stderr
    f = os.path.join(tmp, "f")
    open(f, "w").close()
    r = docker("cp", f, "miss:/no/such/dir/f", check=False)
    assert r.returncode == 1
    assert "Could not find the file /no/such/dir in container miss" in r.stderr
    r = api("GET", "/containers/miss/archive?path=/nope")
    assert r.status == 404
    assert r.message == "Could not find the file /nope in container miss"
    r = api("PUT", "/containers/miss/archive?path=/etc/passwd", body=b"")
    assert r.status == 400 and r.message == "extraction point is not a directory"
    r = api("GET", "/containers/miss/archive")
    assert r.status == 400 and r.message == "bad parameter: path cannot be empty"
    r = api("GET", "/containers/nosuch/archive?path=/")
    assert r.status == 404 and r.message == "No such container: nosuch"


def test_cp_symlinks_stay_inside(docker, tmp):
    """Links to / and /etc inside the container lead to the container's / and /etc."""
    marker = "berth-escape-%d" % os.getpid()
    docker("run", "-d", "--name", "esc", "busybox", "sh", "-c",
           "ln -s / /rootlink; ln -s /etc /etclink; ln -s ../../../../.. /up; sleep 300")
    docker("exec", "esc", "ls", "/rootlink")
    f = os.path.join(tmp, marker)
    with open(f, "w") as fh:
        fh.write("inside\n")
    docker("cp", f, "esc:/rootlink/%s" % marker)
    docker("cp", f, "esc:/etclink/")
    docker("cp", f, "esc:/up/tmp/")
    assert not os.path.exists("/" + marker)
    assert not os.path.exists("/etc/" + marker)
    assert not os.path.exists("/tmp/" + marker)
    assert docker("exec", "esc", "cat", "/" + marker).stdout == "inside\n"
    assert docker("exec", "esc", "cat", "/etc/" + marker).stdout == "inside\n"
    assert docker("exec", "esc", "cat", "/tmp/" + marker).stdout == "inside\n"
    # reading through the links gives the container's files, not the host's
    out = os.path.join(tmp, "hn")
    docker("cp", "esc:/etclink/hostname", out)
    with open(out) as fh:
        assert fh.read().strip() == docker("exec", "esc", "hostname").stdout.strip()


def tar_bytes(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for m, data in members:
            t.addfile(m, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def test_archive_upload_is_confined(docker, api):
    marker = "berth-upload-%d" % os.getpid()
    docker("run", "-d", "--name", "conf", "busybox", "sleep", "300")
    dotdot = tarfile.TarInfo("../../../../../../tmp/" + marker)
    dotdot.size = 3
    r = api("PUT", "/containers/conf/archive?path=/tmp", body=tar_bytes([(dotdot, b"bad")]))
    assert r.status >= 400
    assert not os.path.exists("/tmp/" + marker)
    # an absolute link, then a file written through it
    link = tarfile.TarInfo("evil")
    link.type = tarfile.SYMTYPE
    link.linkname = "/tmp"
    through = tarfile.TarInfo("evil/" + marker)
    through.size = 3
    r = api("PUT", "/containers/conf/archive?path=/", body=tar_bytes([(link, None), (through, b"bad")]))
    assert not os.path.exists("/tmp/" + marker)
    # a hard link to a host file
    hard = tarfile.TarInfo("hl")
    hard.type = tarfile.LNKTYPE
    hard.linkname = "../../../../../../etc/passwd"
    r = api("PUT", "/containers/conf/archive?path=/tmp", body=tar_bytes([(hard, None)]))
    assert r.status >= 400
    r = docker("exec", "conf", "ls", "/tmp/hl", check=False)
    assert r.returncode != 0


def test_cp_symlink_swap_stays_inside(docker, tmp):
    """/w/d flips between a directory and a link to /etc while copies run both ways: what
    comes out is the container's file or its /etc/passwd, never the host's; what goes in
    never reaches the host's /etc."""
    marker = "berth-swap-%d" % os.getpid()
    docker("run", "-d", "--name", "swap", "busybox", "sh", "-c",
           "mkdir -p /w/d; echo mine > /w/d/passwd; "
           "while true; do mv /w/d /w/real; ln -s /etc /w/d; rm /w/d; mv /w/real /w/d; done")
    with open("/etc/passwd") as f:
        host = f.read()
    theirs = docker("exec", "swap", "cat", "/etc/passwd").stdout
    assert host != theirs
    f = os.path.join(tmp, marker)
    with open(f, "w") as fh:
        fh.write("x\n")
    for i in range(30):
        out = os.path.join(tmp, "o%d" % i)
        r = docker("cp", "swap:/w/d/passwd", out, check=False)
        if r.returncode == 0:
            with open(out) as fh:
                data = fh.read()
            assert data in ("mine\n", theirs)
        docker("cp", f, "swap:/w/d/", check=False)
        assert not os.path.exists("/etc/" + marker)


def test_export(docker, tmp):
    docker("run", "--name", "exp", "busybox", "sh", "-c", "echo exported > /made-here")
    out = os.path.join(tmp, "exp.tar")
    docker("export", "-o", out, "exp")
    with tarfile.open(out) as t:
        names = t.getnames()
        assert "made-here" in names
        assert "bin/sh" in names or "bin/busybox" in names
        assert t.extractfile("made-here").read() == b"exported\n"
    # import it back: the same files
    docker("import", out, "exported:1")
    r = docker("run", "--rm", "exported:1", "cat", "/made-here")
    assert r.stdout == "exported\n"


@pytest.mark.parametrize("running", [True, False])
def test_cp_into_volumes(docker, tmp, running):
    """Files copied to a volume's path land in the volume, as docker resolves mounts."""
    name = "cpvol%d" % running
    bind = os.path.join(tmp, "bind")
    os.mkdir(bind)
    docker("volume", "create", name)
    try:
        docker("create", "--name", "vc", "-v", name + ":/data", "-v", bind + ":/bound",
               "-v", bind + ":/robound:ro", "busybox", "sleep", "300")
        if running:
            docker("start", "vc")
        f = os.path.join(tmp, "payload")
        with open(f, "w") as fh:
            fh.write("in the volume\n")
        docker("cp", f, "vc:/data/")
        docker("cp", f, "vc:/bound/copied")
        with open(os.path.join(bind, "copied")) as fh:
            assert fh.read() == "in the volume\n"
        r = docker("cp", f, "vc:/robound/", check=False)
        assert r.returncode == 1 and "mounted volume is marked read-only" in r.stderr
        out = os.path.join(tmp, "out")
        docker("cp", "vc:/data/payload", out)
        with open(out) as fh:
            assert fh.read() == "in the volume\n"
        if not running:
            docker("start", "vc")
        assert docker("exec", "vc", "cat", "/data/payload").stdout == "in the volume\n"
    finally:
        docker("rm", "-f", "vc", check=False)
        docker("volume", "rm", name, check=False)


def test_cp_path_forms(docker, tmp):
    """docker's path rules: contents with /., a directory under a new name, stdin tar."""
    src = os.path.join(tmp, "src")
    make_tree(src)
    docker("run", "-d", "--name", "pf", "busybox", "sleep", "300")
    docker("cp", os.path.join(src, "dir"), "pf:/newname")
    assert docker("exec", "pf", "ls", "/newname/sub/b.bin").returncode == 0
    docker("exec", "pf", "mkdir", "/into")
    docker("cp", os.path.join(src, "dir") + "/.", "pf:/into")
    assert docker("exec", "pf", "ls", "/into").stdout.split() == ["a.txt", "link", "sub"]
    out = os.path.join(tmp, "contents")
    docker("cp", "pf:/into/.", out)
    assert sorted(os.listdir(out)) == ["a.txt", "link", "sub"]
    # a tar on stdin goes into the directory as it is
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        ti = tarfile.TarInfo("from-stdin")
        ti.size = 2
        t.addfile(ti, io.BytesIO(b"hi"))
    env = dict(os.environ)
    r = subprocess.run([DOCKER, "cp", "-", "pf:/tmp"], input=buf.getvalue(),
                       capture_output=True, env=dict(env, DOCKER_HOST=HOST[0]))
    assert r.returncode == 0, r.stderr
    assert docker("exec", "pf", "cat", "/tmp/from-stdin").stdout == "hi"
    # a directory cannot replace a file
    docker("exec", "pf", "touch", "/afile")
    r = docker("cp", os.path.join(src, "dir"), "pf:/afile", check=False)
    assert r.returncode != 0


def test_cp_hard_links(docker, tmp):
    docker("run", "-d", "--name", "hl", "busybox", "sh", "-c",
           "mkdir /h; echo x > /h/a; ln /h/a /h/b; sleep 300")
    docker("exec", "hl", "ls", "/h/b")
    out = os.path.join(tmp, "h")
    docker("cp", "hl:/h", out)
    assert os.stat(os.path.join(out, "a")).st_ino == os.stat(os.path.join(out, "b")).st_ino


def test_cp_archive_mode_container_user(docker, api, tmp):
    """-a with a container user: the files become that user's, as docker does."""
    f = os.path.join(tmp, "mine")
    with open(f, "w") as fh:
        fh.write("x")
    docker("create", "-u", "tester", "--name", "usr", "busybox", "true")
    docker("cp", "-a", f, "usr:/tmp/")
    docker("cp", f, "usr:/tmp/plain")
    r = api("GET", "/containers/usr/archive?path=/tmp")
    t = tarfile.open(fileobj=io.BytesIO(r.body))
    assert (t.getmember("tmp/mine").uid, t.getmember("tmp/mine").gid) == (1000, 1000)
    assert t.getmember("tmp/plain").uid == 0


def test_cp_events_and_read_only_rootfs(docker, tmp):
    import time
    since = "%.9f" % time.time()
    docker("run", "-d", "--read-only", "--name", "ro", "busybox", "sleep", "300")
    f = os.path.join(tmp, "f")
    open(f, "w").close()
    r = docker("cp", f, "ro:/tmp/", check=False)
    assert r.returncode == 1 and "container rootfs is marked read-only" in r.stderr
    docker("run", "-d", "--name", "ev", "busybox", "sleep", "300")
    docker("cp", f, "ev:/tmp/")
    docker("cp", "ev:/tmp/f", os.path.join(tmp, "g"))
    docker("export", "-o", os.path.join(tmp, "e.tar"), "ev")
    until = "%.9f" % (time.time() + 1)
    r = docker("events", "--since", since, "--until", until, "--filter", "container=ev",
               "--format", "{{.Action}}")
    actions = r.stdout.split()
    assert "extract-to-dir" in actions and "archive-path" in actions and "export" in actions
