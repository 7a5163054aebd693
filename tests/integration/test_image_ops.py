"""Image operations beyond test_images.py: dangling images and prune, filters by label,
before and since, rmi -f and its 409 without, import's USER and ENTRYPOINT, history."""
import json
import os
import subprocess
import tarfile

from conftest import DOCKER
from test_images import directory, reg, sym, tar_bytes


def rootfs_tar(tmp_path, name, marker):
    data = tar_bytes([directory("bin/"), reg("bin/busybox", open("/bin/busybox", "rb").read(),
                                             0o755),
                      sym("bin/sh", "busybox"), sym("bin/cat", "busybox"),
                      sym("bin/id", "busybox"), reg("marker", marker.encode())])
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def image_id(docker, ref):
    return docker("image", "inspect", "-f", "{{.Id}}", ref).stdout.strip()


def test_retag_leaves_dangling_and_prune_removes_it(docker, tmp_path):
    docker("import", rootfs_tar(tmp_path, "a.tar", "one"), "dang:1")
    old = image_id(docker, "dang:1")
    docker("import", rootfs_tar(tmp_path, "b.tar", "two"), "dang:1")
    new = image_id(docker, "dang:1")
    assert old != new
    r = docker("images", "--filter", "dangling=true", "-q", "--no-trunc")
    assert r.stdout == old + "\n"
    r = docker("images", "--filter", "dangling=false", "--format", "{{.Repository}}:{{.Tag}}")
    assert sorted(r.stdout.split()) == ["busybox:latest", "dang:1"]
    r = docker("images", "-a", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")
    assert "<none>:<none> " + old[7:19] in r.stdout
    r = docker("image", "prune", "-f")
    assert r.stdout.splitlines()[0] == "Deleted Images:"
    assert "deleted: " + old in r.stdout
    assert "Total reclaimed space:" in r.stdout
    assert docker("images", "--filter", "dangling=true", "-q").stdout == ""
    assert image_id(docker, "dang:1") == new


def test_prune_all_keeps_images_in_use(docker, tmp_path):
    docker("import", rootfs_tar(tmp_path, "u.tar", "unused"), "unused:1")
    docker("create", "--name", "holder", "busybox", "true")
    r = docker("image", "prune", "-a", "-f")
    assert "untagged: unused:1" in r.stdout
    refs = docker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    assert refs == ["busybox:latest"]


def test_image_filters(docker, tmp_path):
    docker("import", "-c", "LABEL tier=gold", rootfs_tar(tmp_path, "g.tar", "g"), "gold:1")
    docker("import", "-c", "LABEL tier=tin", rootfs_tar(tmp_path, "t.tar", "t"), "tin:1")
    refs = lambda *a: sorted(docker("images", "--format", "{{.Repository}}:{{.Tag}}",
                                    *a).stdout.split())
    assert refs("--filter", "label=tier=gold") == ["gold:1"]
    assert refs("--filter", "label=tier") == ["gold:1", "tin:1"]
    # busybox says it was made in 2024; the imports were made now, gold before tin
    assert refs("--filter", "before=gold:1") == ["busybox:latest"]
    assert refs("--filter", "since=busybox") == ["gold:1", "tin:1"]
    assert refs("--filter", "since=gold:1") == ["tin:1"]
    assert refs("--filter", "reference=*:1") == ["gold:1", "tin:1"]
    assert refs("--filter", "reference=busy*") == ["busybox:latest"]
    assert refs("busybox") == ["busybox:latest"]
    r = docker("images", "--filter", "before=nosuch:1", check=False)
    assert r.returncode != 0 and "No such image: nosuch:1" in r.stderr


def test_rmi_conflicts(docker, api):
    iid = image_id(docker, "busybox")
    cid = docker("create", "busybox", "true").stdout.strip()
    r = api("DELETE", "/images/busybox")
    assert r.status == 409
    assert r.message == ('conflict: unable to remove repository reference "busybox" (must '
                         'force) - container %s is using its referenced image %s' %
                         (cid[:12], iid[7:19]))
    r = api("DELETE", "/images/" + iid)
    assert r.status == 409
    assert "image is being used by stopped container %s" % cid[:12] in r.message
    # forced, a stopped container does not keep the image
    r = docker("rmi", "-f", "busybox")
    assert "Untagged: busybox:latest" in r.stdout and "Deleted: " + iid in r.stdout
    assert docker("images", "-q").stdout == ""
    assert docker("inspect", "-f", "{{.Image}}", cid).stdout.strip() == iid


def test_rmi_running_container_image(docker, api):
    iid = image_id(docker, "busybox")
    cid = docker("run", "-d", "busybox", "sleep", "30").stdout.strip()
    r = api("DELETE", "/images/%s?force=1" % iid)
    assert r.status == 409
    assert "image is being used by running container %s" % cid[:12] in r.message
    assert image_id(docker, "busybox") == iid


def test_rmi_untags_one_of_several(docker):
    iid = image_id(docker, "busybox")
    docker("tag", "busybox", "second:tag")
    r = docker("rmi", "second:tag")
    assert r.stdout == "Untagged: second:tag\n"
    assert image_id(docker, "busybox") == iid
    docker("tag", "busybox", "third:tag")
    r = docker("rmi", iid[7:19], check=False)
    assert r.returncode != 0
    assert "image is referenced in multiple repositories" in r.stderr


def test_import_user_entrypoint_and_message(docker, tmp_path):
    docker("import", "-c", "USER 1000:1000", "-c", 'ENTRYPOINT ["cat"]', "-c",
           'CMD ["/marker"]', "-m", "imported by a test",
           rootfs_tar(tmp_path, "e.tar", "entry\n"), "entry:1")
    assert docker("run", "--rm", "entry:1").stdout == "entry\n"
    doc = json.loads(docker("image", "inspect", "entry:1").stdout)[0]
    assert doc["Config"]["User"] == "1000:1000"
    assert doc["Config"]["Entrypoint"] == ["cat"] and doc["Config"]["Cmd"] == ["/marker"]
    assert doc["Comment"] == "imported by a test"
    assert doc["RepoTags"] == ["entry:1"] and doc["RepoDigests"] == []
    r = docker("run", "--rm", "--entrypoint", "id", "entry:1")
    assert r.stdout.startswith("uid=1000 gid=1000")
    r = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Comment}}", "entry:1")
    assert r.stdout.splitlines()[0] == "|imported by a test"


def test_import_from_stdin(docker, tmp_path):
    data = open(rootfs_tar(tmp_path, "s.tar", "stdin\n"), "rb").read()
    d = docker.__self__
    e = dict(os.environ, DOCKER_HOST=d.host, DOCKER_CONFIG=os.path.join(d.base, "docker-config"))
    r = subprocess.run([DOCKER, "import", "-", "fromstdin:1"], input=data,
                       capture_output=True, env=e, timeout=60)
    assert r.returncode == 0, r.stderr
    assert docker("run", "--rm", "fromstdin:1", "cat", "/marker").stdout == "stdin\n"


def test_save_several_and_load_keeps_tags(docker, tmp_path):
    docker("tag", "busybox", "other:2")
    out = tmp_path / "two.tar"
    docker("save", "-o", str(out), "busybox", "other:2")
    with tarfile.open(out) as t:
        manifest = json.load(t.extractfile("manifest.json"))
    assert len(manifest) == 1
    assert sorted(manifest[0]["RepoTags"]) == ["busybox:latest", "other:2"]
    docker("rmi", "other:2")
    r = docker("load", "-i", str(out))
    assert "Loaded image: other:2" in r.stdout and "Loaded image: busybox:latest" in r.stdout
    r = docker("save", "nosuch:1", "-o", str(tmp_path / "x.tar"), check=False)
    assert r.returncode != 0 and "No such image: nosuch:1" in r.stderr


def test_image_inspect_fields(docker):
    doc = json.loads(docker("image", "inspect", "busybox").stdout)[0]
    assert doc["Id"].startswith("sha256:") and len(doc["Id"]) == 71
    assert doc["Created"].startswith("2024-01-01T00:00:00")
    assert doc["Config"]["Env"] == ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                                    "/sbin:/bin"]
    assert doc["GraphDriver"]["Name"] in ("overlay2", "vfs")
    assert doc["RootFS"]["Layers"][0].startswith("sha256:")
    r = docker("image", "inspect", "nosuch:1", check=False)
    assert r.returncode == 1 and "No such image: nosuch:1" in r.stderr
