"""Images: load (docker-archive and OCI layout), save, import, tag, rmi, prune, history, and
hostile archives that must be refused without leaving anything behind."""
import hashlib
import io
import json
import os
import tarfile
import time
import uuid

import pytest


def tar_bytes(entries):
    """entries: list of (TarInfo, data-or-None)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for info, data in entries:
            if data is not None:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            else:
                t.addfile(info)
    return buf.getvalue()


def reg(name, data=b"x", mode=0o644):
    i = tarfile.TarInfo(name)
    i.mode = mode
    i.mtime = 1700000000
    return (i, data)


def sym(name, target):
    i = tarfile.TarInfo(name)
    i.type = tarfile.SYMTYPE
    i.linkname = target
    return (i, None)


def hardlink(name, target):
    i = tarfile.TarInfo(name)
    i.type = tarfile.LNKTYPE
    i.linkname = target
    return (i, None)


def directory(name):
    i = tarfile.TarInfo(name)
    i.type = tarfile.DIRTYPE
    i.mode = 0o755
    return (i, None)


def chardev(name, major=8, minor=0):
    i = tarfile.TarInfo(name)
    i.type = tarfile.CHRTYPE
    i.devmajor, i.devminor = major, minor
    return (i, None)


def docker_archive(layers, tag="hostile:latest", diff_ids=None, config_extra=None):
    """A docker save archive with the given layer tars (bytes)."""
    ids = diff_ids or ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
    config = {"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
              "rootfs": {"type": "layers", "diff_ids": ids},
              "created": "2024-01-01T00:00:00Z"}
    config.update(config_extra or {})
    cfg = json.dumps(config).encode()
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    entries = [reg(cfg_name, cfg)]
    names = []
    for i, l in enumerate(layers):
        n = "layer%d/layer.tar" % i
        entries.append(reg(n, l))
        names.append(n)
    manifest = [{"Config": cfg_name, "RepoTags": [tag] if tag else [], "Layers": names}]
    entries.append(reg("manifest.json", json.dumps(manifest).encode()))
    return tar_bytes(entries)


def snapshot(daemon):
    """What the data root holds, to check a failed load left nothing behind."""
    out = set()
    for sub in ("image", "overlay", "tmp"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(daemon.data_root, sub)):
            for n in dirnames + filenames:
                out.add(os.path.join(dirpath, n))
    return out


def load_fails(daemon, docker, archive, tmp_path):
    before = snapshot(daemon)
    images_before = docker("images", "-q", "--no-trunc").stdout
    p = tmp_path / "bad.tar"
    p.write_bytes(archive)
    r = docker("load", "-i", str(p), check=False)
    assert r.returncode != 0, r.stdout
    assert r.stderr.strip()
    assert docker("images", "-q", "--no-trunc").stdout == images_before
    assert snapshot(daemon) == before
    return r.stderr


def test_load_save_round_trip(docker, tmp_path):
    iid = docker("image", "inspect", "-f", "{{.Id}}", "busybox").stdout.strip()
    out = tmp_path / "saved.tar"
    docker("save", "-o", str(out), "busybox")
    with tarfile.open(out) as t:
        names = t.getnames()
    assert "manifest.json" in names and "index.json" in names and "oci-layout" in names
    docker("tag", "busybox", "copy:1")
    docker("rmi", "busybox")
    docker("rmi", "copy:1")
    assert docker("images", "-q").stdout == ""
    r = docker("load", "-i", str(out))
    assert "Loaded image: busybox:latest" in r.stdout
    assert docker("image", "inspect", "-f", "{{.Id}}", "busybox").stdout.strip() == iid
    assert docker("run", "--rm", "busybox", "echo", "ok").stdout == "ok\n"


def test_load_oci_layout_and_multilayer(docker, tmp_path):
    l1 = tar_bytes([directory("data/"), reg("data/a", b"one"), reg("data/gone", b"x"),
                    directory("opq/"), reg("opq/old", b"old")])
    l2 = tar_bytes([reg("data/.wh.gone", b""), directory("opq/"),
                    reg("opq/.wh..wh..opq", b""), reg("opq/new", b"new"), reg("data/orig", b"o"),
                    hardlink("data/link", "data/orig"), sym("data/sym", "/data/a")])
    busybox_layer = None
    with tarfile.open(fileobj=io.BytesIO(
            open(docker.__self__.busybox_archive, "rb").read())) as t:
        for m in t.getmembers():
            if m.name.endswith("layer.tar"):
                busybox_layer = t.extractfile(m).read()
    layers = [busybox_layer, l1, l2]
    # an OCI image layout, no manifest.json
    blobs = {}

    def blob(data):
        h = hashlib.sha256(data).hexdigest()
        blobs[h] = data
        return {"digest": "sha256:" + h, "size": len(data)}
    ldescs = [dict(blob(l), mediaType="application/vnd.oci.image.layer.v1.tar") for l in layers]
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "config": {"Cmd": ["sh"], "Env": ["PATH=/bin"]},
                      "rootfs": {"type": "layers",
                                 "diff_ids": [d["digest"] for d in ldescs]}}).encode()
    cdesc = dict(blob(cfg), mediaType="application/vnd.oci.image.config.v1+json")
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": cdesc, "layers": ldescs}).encode()
    mdesc = dict(blob(man), mediaType="application/vnd.oci.image.manifest.v1+json",
                 annotations={"org.opencontainers.image.ref.name": "multi:1",
                              "io.containerd.image.name": "docker.io/library/multi:1"})
    index = json.dumps({"schemaVersion": 2, "manifests": [mdesc]}).encode()
    entries = [reg("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), reg("index.json", index)]
    entries += [reg("blobs/sha256/" + h, d) for h, d in blobs.items()]
    p = tmp_path / "oci.tar"
    p.write_bytes(tar_bytes(entries))
    docker("load", "-i", str(p))
    r = docker("run", "--rm", "multi:1", "sh", "-c",
               "ls /data | sort; ls /opq; cat /data/link; readlink /data/sym; "
               "stat -c %i /data/link /data/orig | uniq | wc -l")
    assert r.stdout.split("\n") == ["a", "link", "orig", "sym", "new", "o/data/a", "1", ""]


def test_import_with_changes(docker, tmp_path):
    export = tar_bytes([directory("bin/"), reg("bin/busybox",
                        open("/bin/busybox", "rb").read(), 0o755), sym("bin/sh", "busybox"),
                        sym("bin/cat", "busybox"), sym("bin/pwd", "busybox"),
                        sym("bin/env", "busybox"), directory("work/"), reg("hello", b"imported\n")])
    p = tmp_path / "rootfs.tar"
    p.write_bytes(export)
    iid = docker("import", "-c", "CMD [\"cat\", \"/hello\"]", "-c", "ENV FOO=bar",
                 "-c", "WORKDIR /work", "-c", "LABEL team=x", "-c", "EXPOSE 80",
                 "-c", "USER 0", "-m", "my import", str(p), "imported:v1").stdout.strip()
    assert iid.startswith("sha256:")
    assert docker("run", "--rm", "imported:v1").stdout == "imported\n"
    assert docker("run", "--rm", "imported:v1", "pwd").stdout == "/work\n"
    assert "FOO=bar" in docker("run", "--rm", "imported:v1", "env").stdout
    doc = json.loads(docker("image", "inspect", "imported:v1").stdout)[0]
    assert doc["Config"]["Labels"] == {"team": "x"}
    assert "80/tcp" in doc["Config"]["ExposedPorts"]
    assert doc["Comment"] == "my import"


def test_tag_rmi_and_conflicts(docker):
    docker("tag", "busybox", "mine:a")
    docker("tag", "busybox", "localhost:5000/team/mine:b")
    tags = docker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    assert sorted(tags) == ["busybox:latest", "localhost:5000/team/mine:b", "mine:a"]
    docker("create", "--name", "user", "mine:a", "true")
    r = docker("rmi", "mine:a")
    assert "Untagged: mine:a" in r.stdout
    docker("rmi", "localhost:5000/team/mine:b")
    r = docker("rmi", "busybox", check=False)
    assert r.returncode != 0 and "conflict" in r.stderr and "must force" in r.stderr
    docker("rm", "user")
    r = docker("tag", "busybox", "Bad:Name", check=False)
    assert r.returncode != 0 and "invalid reference format" in r.stderr
    r = docker("rmi", "nosuch:image", check=False)
    assert r.returncode != 0 and "No such image: nosuch:image" in r.stderr


def test_images_filters_and_prune(docker):
    docker("tag", "busybox", "keep:1")
    r = docker("images", "--filter", "reference=keep", "--format", "{{.Repository}}:{{.Tag}}")
    assert r.stdout == "keep:1\n"
    assert docker("images", "--filter", "dangling=true", "-q").stdout == ""
    r = docker("image", "prune", "-f")
    assert "Total reclaimed space" in r.stdout
    assert "keep:1" in docker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout
    r = docker("images", "--filter", "bogus=1", check=False)
    assert r.returncode != 0 and "invalid filter" in r.stderr


def test_image_inspect_and_history(docker):
    doc = json.loads(docker("image", "inspect", "busybox").stdout)[0]
    assert doc["RepoTags"] == ["busybox:latest"]
    assert doc["Os"] == "linux" and doc["Architecture"] == "amd64"
    assert doc["RootFS"]["Type"] == "layers" and len(doc["RootFS"]["Layers"]) == 1
    assert doc["Size"] > 1000000
    assert doc["Config"]["Cmd"] == ["sh"]
    r = docker("history", "busybox")
    assert "busybox-image.sh" in r.stdout or "CREATED BY" in r.stdout


# ---- hostile and broken archives ----

def test_load_rejects_dotdot(daemon, docker, tmp_path):
    target = "/tmp/berth-escape-%s" % uuid.uuid4().hex
    layer = tar_bytes([reg("../../../../../../.." + target, b"pwned")])
    load_fails(daemon, docker, docker_archive([layer]), tmp_path)
    assert not os.path.exists(target)


def test_load_rejects_write_through_symlink(daemon, docker, tmp_path):
    outside = "/tmp/berth-escape-%s" % uuid.uuid4().hex
    os.mkdir(outside)
    try:
        layer = tar_bytes([sym("etc", outside), reg("etc/pwned", b"pwned")])
        load_fails(daemon, docker, docker_archive([layer]), tmp_path)
        assert os.listdir(outside) == []
        layer = tar_bytes([sym("up", "../../../../../../../../.." + outside),
                           reg("up/pwned", b"pwned")])
        load_fails(daemon, docker, docker_archive([layer]), tmp_path)
        assert os.listdir(outside) == []
    finally:
        os.rmdir(outside)


def test_load_rejects_escaping_hardlink(daemon, docker, tmp_path):
    layer = tar_bytes([hardlink("shadow", "/etc/shadow")])
    load_fails(daemon, docker, docker_archive([layer]), tmp_path)
    layer = tar_bytes([hardlink("x", "../../../../etc/passwd")])
    load_fails(daemon, docker, docker_archive([layer]), tmp_path)


def test_load_rejects_device_nodes(daemon, docker, tmp_path):
    layer = tar_bytes([chardev("dev/sda", 8, 0)])
    load_fails(daemon, docker, docker_archive([layer]), tmp_path)


def test_load_rejects_wrong_diff_id(daemon, docker, tmp_path):
    layer = tar_bytes([reg("file", b"content")])
    bad = docker_archive([layer], diff_ids=["sha256:" + "0" * 64])
    load_fails(daemon, docker, bad, tmp_path)


def test_load_rejects_truncated(daemon, docker, tmp_path):
    with open(docker.__self__.busybox_archive, "rb") as f:
        data = f.read()
    load_fails(daemon, docker, data[: len(data) // 2], tmp_path)
    load_fails(daemon, docker, b"this is not a tar archive at all" * 100, tmp_path)


def test_bad_json_and_names(api, docker):
    r = api("POST", "/containers/create", body="{not json", headers={"Content-Type":
                                                                      "application/json"})
    assert r.status == 400
    r = api("POST", "/containers/create", body={"Image": "busybox", "Cmd": 5})
    assert r.status == 400 and "cannot unmarshal" in r.message
    r = api("POST", "/containers/create", body={"Image": "busybox", "Tty": "yes"})
    assert r.status == 400
    r = api("POST", "/containers/create?name=bad%20name", body={"Image": "busybox"})
    assert r.status == 400 and "Invalid container name" in r.message
    r = api("POST", "/containers/create", body={"Image": "nosuch:tag"})
    assert r.status == 404 and "No such image" in r.message
    r = api("POST", "/containers/create", body={"Image": "Busybox"})
    assert r.status == 400 and "must be lowercase" in r.message
    r = api("GET", "/containers/nosuch/json")
    assert r.status == 404 and r.message == "No such container: nosuch"
    r = api("POST", "/containers/nosuch/start")
    assert r.status == 404
    r = api("POST", "/containers/create", body={"Image": "busybox",
                                                "HostConfig": {"Binds": ["/tmp:rel"]}})
    assert r.status == 400
    assert docker("ps", "-aq").stdout == ""
