"""Volumes and mounts (issue 5): named and anonymous volumes, binds, --mount, tmpfs,
--volumes-from, read-only root filesystems, copy-up, prune and system df, driven by the real
docker CLI against our own berthd."""
import json
import os
import shutil
import subprocess
import tempfile
import urllib.parse

import pytest

from conftest import IMAGE


@pytest.fixture
def vols(daemon):
    """Removes the volumes a test made (after the daemon fixture removed the containers)."""
    yield
    r = daemon.docker("ps", "-aq", check=False)
    if r.stdout.split():
        daemon.docker("rm", "-f", *r.stdout.split(), check=False)
    r = daemon.docker("volume", "ls", "-q", check=False)
    if r.stdout.split():
        daemon.docker("volume", "rm", "-f", *r.stdout.split(), check=False)


@pytest.fixture
def hostdir():
    d = tempfile.mkdtemp(prefix="berth-vol-", dir="/tmp")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def volume_names(docker):
    return set(docker("volume", "ls", "-q").stdout.split())


def q(filters):
    return urllib.parse.quote(json.dumps(filters))


# ---- named volumes ----

def test_named_volume_outlives_container(docker, vols):
    docker("volume", "create", "keep")
    docker("run", "--name", "writer", "-v", "keep:/data", IMAGE, "sh", "-c", "echo kept > /data/f")
    docker("rm", "writer")
    r = docker("run", "--rm", "-v", "keep:/data", IMAGE, "cat", "/data/f")
    assert r.stdout.strip() == "kept"
    assert "keep" in volume_names(docker)


def test_volume_created_on_first_use_and_inspect(docker, vols):
    docker("run", "--rm", "-v", "auto:/data", IMAGE, "true")
    v = json.loads(docker("volume", "inspect", "auto").stdout)[0]
    assert v["Name"] == "auto"
    assert v["Driver"] == "local"
    assert v["Scope"] == "local"
    assert v["Mountpoint"].endswith("/volumes/auto/_data")
    assert os.path.isdir(v["Mountpoint"])
    assert v["CreatedAt"].endswith("Z")


def test_volume_labels_and_filters(docker, api, vols):
    docker("volume", "create", "--label", "team=a", "va")
    docker("volume", "create", "--label", "team=b", "vb")
    docker("create", "--name", "user", "-v", "va:/x", IMAGE, "true")
    assert docker("volume", "ls", "-q", "-f", "label=team=a").stdout.split() == ["va"]
    assert docker("volume", "ls", "-q", "-f", "label=team").stdout.split() == ["va", "vb"]
    assert docker("volume", "ls", "-q", "-f", "name=vb").stdout.split() == ["vb"]
    assert docker("volume", "ls", "-q", "-f", "dangling=true").stdout.split() == ["vb"]
    assert docker("volume", "ls", "-q", "-f", "dangling=false").stdout.split() == ["va"]
    assert docker("volume", "ls", "-q", "-f", "driver=local").stdout.split() == ["va", "vb"]
    r = api("GET", "/v1.51/volumes?filters=" + q({"bogus": ["x"]}))
    assert r.status == 400
    v = api("GET", "/v1.51/volumes/va").json()
    assert v["Labels"] == {"team": "a"}


def test_volume_not_found(api, docker, vols):
    r = api("GET", "/v1.51/volumes/nosuch")
    assert r.status == 404
    assert r.message == "get nosuch: no such volume"
    r = api("DELETE", "/v1.51/volumes/nosuch")
    assert r.status == 404
    assert api("DELETE", "/v1.51/volumes/nosuch?force=1").status == 204


def test_remove_volume_in_use(docker, api, vols):
    docker("volume", "create", "busy")
    cid = docker("create", "-v", "busy:/data", IMAGE, "true").stdout.strip()
    r = api("DELETE", "/v1.51/volumes/busy")
    assert r.status == 409
    assert r.message == "remove busy: volume is in use - [%s]" % cid
    r = docker("volume", "rm", "busy", check=False)
    assert r.returncode != 0 and "volume is in use" in r.stderr
    docker("rm", cid)
    docker("volume", "rm", "busy")
    assert "busy" not in volume_names(docker)


def test_invalid_volume_name(docker, api, vols):
    msg = ('create bad@name: "bad@name" includes invalid characters for a local volume name, '
           'only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host '
           'directory, use absolute path')
    r = api("POST", "/v1.51/volumes/create", {"Name": "bad@name"})
    assert r.status == 400
    assert r.message == msg
    before = volume_names(docker)
    n = len(docker("ps", "-aq").stdout.split())
    r = docker("run", "--rm", "-v", "bad@name:/data", IMAGE, "true", check=False)
    assert r.returncode == 125
    assert msg in r.stderr
    assert volume_names(docker) == before
    assert len(docker("ps", "-aq").stdout.split()) == n


def test_driver_opts_tmpfs_volume(docker, vols):
    docker("volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt",
           "o=size=5m", "tv")
    v = json.loads(docker("volume", "inspect", "tv").stdout)[0]
    assert v["Options"] == {"type": "tmpfs", "device": "tmpfs", "o": "size=5m"}
    r = docker("run", "--rm", "-v", "tv:/t", IMAGE, "sh", "-c", "grep ' /t ' /proc/mounts")
    fields = r.stdout.split()
    assert fields[2] == "tmpfs"
    assert "size=5120k" in fields[3]


def test_driver_opts_bind_volume(docker, hostdir, vols):
    with open(os.path.join(hostdir, "f"), "w") as f:
        f.write("from host\n")
    docker("volume", "create", "-o", "type=none", "-o", "device=" + hostdir, "-o", "o=bind",
           "bv")
    r = docker("run", "--rm", "-v", "bv:/b", IMAGE, "sh", "-c", "cat /b/f; echo back > /b/g")
    assert r.stdout.strip() == "from host"
    assert open(os.path.join(hostdir, "g")).read() == "back\n"


def test_driver_opts_errors(api, vols):
    r = api("POST", "/v1.51/volumes/create", {"Name": "x1", "DriverOpts": {"type": "tmpfs"}})
    assert r.status == 400
    assert r.message == 'create x1: missing required option: "device"'
    r = api("POST", "/v1.51/volumes/create", {"Name": "x2", "DriverOpts": {"foo": "bar"}})
    assert r.status == 400
    assert r.message == 'create x2: invalid option: "foo"'


# ---- binds ----

def test_bind_mount_both_ways(docker, hostdir, vols):
    with open(os.path.join(hostdir, "in"), "w") as f:
        f.write("host side\n")
    r = docker("run", "--rm", "-v", hostdir + ":/h", IMAGE, "sh", "-c",
               "cat /h/in; echo container side > /h/out")
    assert r.stdout.strip() == "host side"
    assert open(os.path.join(hostdir, "out")).read() == "container side\n"
    c = json.loads(docker("inspect", docker("create", "-v", hostdir + ":/h:ro,z", IMAGE,
                                            "true").stdout.strip()).stdout)[0]
    m = c["Mounts"][0]
    assert m == {"Type": "bind", "Source": hostdir, "Destination": "/h", "Mode": "ro,z",
                 "RW": False, "Propagation": "rprivate"}


def test_readonly_bind_refuses_writes(docker, hostdir, vols):
    r = docker("run", "--rm", "-v", hostdir + ":/h:ro", IMAGE, "sh", "-c", "echo x > /h/f",
               check=False)
    assert r.returncode != 0
    assert "Read-only file system" in r.stderr
    assert not os.path.exists(os.path.join(hostdir, "f"))
    r = docker("run", "--rm", "--mount", "type=bind,source=%s,target=/h,readonly" % hostdir,
               IMAGE, "touch", "/h/f", check=False)
    assert r.returncode != 0 and "Read-only file system" in r.stderr


def test_bind_propagation_accepted(docker, hostdir, vols):
    cid = docker("create", "-v", hostdir + ":/h:rslave", "--mount",
                 "type=bind,source=%s,target=/m,bind-propagation=rshared,consistency=cached" %
                 hostdir, IMAGE, "true").stdout.strip()
    mounts = {m["Destination"]: m for m in
              json.loads(docker("inspect", cid).stdout)[0]["Mounts"]}
    assert mounts["/h"]["Propagation"] == "rslave"
    assert mounts["/m"]["Propagation"] == "rshared"


def test_missing_bind_source(docker, hostdir, vols):
    src = os.path.join(hostdir, "made", "by", "v")
    docker("run", "--rm", "-v", src + ":/x", IMAGE, "true")
    assert os.path.isdir(src)  # -v creates it, as docker does
    missing = os.path.join(hostdir, "nope")
    n = len(docker("ps", "-aq").stdout.split())
    r = docker("run", "--rm", "--mount", "type=bind,source=%s,target=/x" % missing, IMAGE,
               "true", check=False)
    assert r.returncode == 125
    assert ('invalid mount config for type "bind": bind source path does not exist: %s' %
            missing) in r.stderr
    assert not os.path.exists(missing)
    assert len(docker("ps", "-aq").stdout.split()) == n


def test_relative_target(docker, api, hostdir, vols):
    r = api("POST", "/v1.51/containers/create",
            {"Image": IMAGE, "Cmd": ["true"], "HostConfig": {"Binds": [hostdir + ":rel"]}})
    assert r.status == 400
    assert r.message == ("invalid volume specification: '%s:rel': invalid mount config for "
                         "type \"bind\": invalid mount path: 'rel' mount path must be absolute"
                         % hostdir)
    r = docker("run", "--rm", "--mount", "type=volume,target=data", IMAGE, "true", check=False)
    assert r.returncode == 125
    assert ('invalid mount config for type "volume": invalid mount path: \'data\' mount path '
            'must be absolute') in r.stderr
    r = api("POST", "/v1.51/containers/create",
            {"Image": IMAGE, "Cmd": ["true"], "HostConfig": {"Tmpfs": {"rel": ""}}})
    assert r.status == 400
    assert "mount path must be absolute" in r.message


def test_duplicate_mount_point(docker, api, hostdir, vols):
    before = volume_names(docker)
    for args in (["-v", hostdir + ":/data", "-v", "dupvol:/data"],
                 ["-v", hostdir + ":/data", "--mount", "type=volume,source=dupvol,target=/data"],
                 ["-v", hostdir + ":/data", "--tmpfs", "/data"]):
        r = docker("create", *args, IMAGE, "true", check=False)
        assert r.returncode != 0
        assert "Duplicate mount point: /data" in r.stderr
    r = api("POST", "/v1.51/containers/create",
            {"Image": IMAGE, "Cmd": ["true"], "HostConfig": {"Binds": ["a1:/d", "a2:/d"]}})
    assert r.status == 400 and r.message == "Duplicate mount point: /d"
    assert volume_names(docker) == before
    assert docker("ps", "-aq").stdout.split() == []


# ---- read-only rootfs, tmpfs ----

def test_readonly_rootfs(docker, vols):
    r = docker("run", "--rm", "--read-only", IMAGE, "touch", "/x", check=False)
    assert r.returncode != 0
    assert "Read-only file system" in r.stderr
    # volumes and tmpfs stay writable on a read-only root
    docker("run", "--rm", "--read-only", "-v", "rw1:/data", "--tmpfs", "/run", IMAGE, "sh",
           "-c", "touch /data/x /run/y")


def test_tmpfs_size(docker, vols):
    r = docker("run", "--rm", "--tmpfs", "/t:size=10m,exec", IMAGE, "sh", "-c",
               "grep ' /t ' /proc/mounts; df -k /t | tail -1")
    lines = r.stdout.splitlines()
    fields = lines[0].split()
    assert fields[2] == "tmpfs"
    opts = fields[3].split(",")
    assert "size=10240k" in opts and "nosuid" in opts and "nodev" in opts
    assert "noexec" not in opts
    assert lines[1].split()[1] == "10240"
    r = docker("run", "--rm", "--mount", "type=tmpfs,target=/m,tmpfs-size=20m,tmpfs-mode=1770",
               IMAGE, "sh", "-c", "grep ' /m ' /proc/mounts; stat -c %a /m")
    lines = r.stdout.splitlines()
    assert "size=20480k" in lines[0] and "mode=1770" in lines[0]
    assert lines[1] == "1770"


def test_tmpfs_mount_in_inspect(docker, vols):
    cid = docker("create", "--mount", "type=tmpfs,target=/m", IMAGE, "true").stdout.strip()
    m = json.loads(docker("inspect", cid).stdout)[0]["Mounts"]
    assert m == [{"Type": "tmpfs", "Source": "", "Destination": "/m", "Mode": "", "RW": True,
                  "Propagation": ""}]


# ---- volumes-from ----

def test_volumes_from(docker, hostdir, vols):
    docker("create", "--name", "data", "-v", "shared:/shared", "-v", "/anon", "-v",
           hostdir + ":/h", IMAGE, "true")
    docker("run", "--rm", "--volumes-from", "data", IMAGE, "sh", "-c",
           "echo s > /shared/f; echo a > /anon/f; echo h > /h/f")
    assert open(os.path.join(hostdir, "f")).read() == "h\n"
    r = docker("run", "--rm", "-v", "shared:/x", IMAGE, "cat", "/x/f")
    assert r.stdout.strip() == "s"
    r = docker("run", "--rm", "--volumes-from", "data:ro", IMAGE, "sh", "-c",
               "cat /anon/f; touch /shared/g", check=False)
    assert r.stdout.strip() == "a"
    assert r.returncode != 0 and "Read-only file system" in r.stderr
    r = docker("run", "--rm", "--volumes-from", "nosuchctr", IMAGE, "true", check=False)
    assert r.returncode == 125 and "No such container: nosuchctr" in r.stderr


# ---- anonymous volumes and copy-up ----

@pytest.fixture
def volimage(daemon, tmp_path):
    """An image with VOLUME /data over content owned by 1000:1001 with modes 750 and 640."""
    root = tmp_path / "rootfs"
    (root / "bin").mkdir(parents=True)
    shutil.copy("/bin/busybox", root / "bin" / "busybox")
    for app in ("sh", "cat", "stat", "ls", "touch", "echo", "readlink"):
        os.symlink("busybox", root / "bin" / app)
    data = root / "data"
    (data / "sub").mkdir(parents=True)
    (data / "file").write_text("image content\n")
    os.symlink("/etc/passwd", data / "link")
    os.chown(data / "file", 1000, 1000)
    os.chmod(data / "file", 0o640)
    os.chown(data, 1000, 1001)
    os.chmod(data, 0o750)
    tar = tmp_path / "img.tar"
    subprocess.run(["tar", "--numeric-owner", "-C", str(root), "-cf", str(tar), "."],
                   check=True)
    daemon.docker("import", "--change", "VOLUME /data", "--change", 'CMD ["sh"]', str(tar),
                  "volimg:1")
    return "volimg:1"


def test_image_volume_is_anonymous_with_copy_up(docker, volimage, vols):
    r = docker("run", "--name", "cu", volimage, "sh", "-c",
               "stat -c '%u:%g %a' /data /data/file; cat /data/file; readlink /data/link;"
               " ls /data")
    lines = r.stdout.splitlines()
    assert lines[0] == "1000:1001 750"
    assert lines[1] == "1000:1000 640"
    assert lines[2] == "image content"
    assert lines[3] == "/etc/passwd"
    assert lines[4:] == ["file", "link", "sub"]
    m = json.loads(docker("inspect", "cu").stdout)[0]["Mounts"]
    assert len(m) == 1 and m[0]["Type"] == "volume" and m[0]["Destination"] == "/data"
    assert m[0]["Mode"] == "" and m[0]["RW"] is True
    v = json.loads(docker("volume", "inspect", m[0]["Name"]).stdout)[0]
    assert v["Labels"] == {"com.docker.volume.anonymous": ""}
    # the volume keeps what the container wrote, not the image's content again
    docker("run", "--rm", "-v", m[0]["Name"] + ":/v", IMAGE, "rm", "/v/file")
    docker("start", "-a", "cu")
    st = os.stat(os.path.join(m[0]["Source"]))
    assert (st.st_uid, st.st_gid) == (1000, 1001)
    assert not os.path.exists(os.path.join(m[0]["Source"], "file"))


def test_named_volume_copy_up_and_nocopy(docker, volimage, vols):
    r = docker("run", "--rm", "-v", "cu1:/data", volimage, "cat", "/data/file")
    assert r.stdout.strip() == "image content"
    r = docker("run", "--rm", "--mount", "type=volume,source=cu2,target=/data,volume-nocopy",
               volimage, "ls", "-A", "/data")
    assert r.stdout.strip() == ""
    r = docker("run", "--rm", "-v", "cu3:/data:nocopy", volimage, "ls", "-A", "/data")
    assert r.stdout.strip() == ""
    # a volume that already has data is not overwritten
    docker("run", "--rm", "-v", "cu4:/data", IMAGE, "sh", "-c", "echo mine > /data/own")
    r = docker("run", "--rm", "-v", "cu4:/data", volimage, "ls", "/data")
    assert r.stdout.split() == ["own"]


def test_rm_v_and_run_rm_remove_anonymous_volumes(docker, vols):
    before = volume_names(docker)
    docker("run", "--rm", "-v", "/anon", "-v", "named1:/named", IMAGE, "true")
    assert volume_names(docker) == before | {"named1"}
    cid = docker("create", "-v", "/anon", "-v", "named2:/named", IMAGE,
                 "true").stdout.strip()
    anon = [m["Name"] for m in json.loads(docker("inspect", cid).stdout)[0]["Mounts"]
            if m["Destination"] == "/anon"][0]
    assert anon in volume_names(docker)
    docker("rm", "-v", cid)
    assert volume_names(docker) == before | {"named1", "named2"}
    cid = docker("create", "-v", "/anon", IMAGE, "true").stdout.strip()
    anon = json.loads(docker("inspect", cid).stdout)[0]["Mounts"][0]["Name"]
    docker("rm", cid)  # without -v the volume stays
    assert anon in volume_names(docker)


# ---- prune and df ----

def test_volume_prune(docker, api, vols):
    docker("volume", "create", "named-unused")
    docker("volume", "create", "--label", "keep=1", "named-labelled")
    docker("create", "--name", "holder", "-v", "named-used:/u", "-v", "/anon-used", IMAGE,
           "true")
    cid = docker("create", "-v", "/anon-unused", IMAGE, "true").stdout.strip()
    anon = json.loads(docker("inspect", cid).stdout)[0]["Mounts"][0]["Name"]
    docker("rm", cid)
    used = {m["Name"] for m in json.loads(docker("inspect", "holder").stdout)[0]["Mounts"]}
    r = api("POST", "/v1.51/volumes/prune")
    assert r.status == 200
    assert r.json()["VolumesDeleted"] == [anon]
    names = volume_names(docker)
    assert used <= names and {"named-unused", "named-labelled"} <= names
    r = api("POST", "/v1.51/volumes/prune?filters=" +
            q({"all": ["true"], "label!": ["keep"]})).json()
    assert r["VolumesDeleted"] == ["named-unused"]
    docker("volume", "prune", "-af")
    assert volume_names(docker) == used
    r = api("POST", "/v1.51/volumes/prune?filters=" + q({"all": ["maybe"]}))
    assert r.status == 400


def test_system_df_matches_du(docker, api, vols):
    docker("run", "--name", "sizer", "-v", "dfvol:/data", IMAGE, "sh", "-c",
           "dd if=/dev/zero of=/data/blob bs=1024 count=1024 2>/dev/null;"
           " echo -n abc > /data/small; dd if=/dev/zero of=/rootblob bs=1024 count=100"
           " 2>/dev/null")
    df = api("GET", "/v1.51/system/df").json()
    vol = [v for v in df["Volumes"] if v["Name"] == "dfvol"][0]
    mp = vol["Mountpoint"]
    total = 0
    for dirpath, _, files in os.walk(mp):
        for f in files:
            total += os.lstat(os.path.join(dirpath, f)).st_size
    assert vol["UsageData"] == {"Size": total, "RefCount": 1}
    du = int(subprocess.run(["du", "-sb", mp], capture_output=True, text=True,
                            check=True).stdout.split()[0])
    assert abs(du - total) <= 64 * 1024  # du adds the directories' own sizes
    ctr = [c for c in df["Containers"] if c["Names"] == ["/sizer"]][0]
    assert ctr["SizeRw"] >= 100 * 1024
    img = [i for i in df["Images"] if IMAGE in i["RepoTags"]][0]
    assert img["Containers"] == 1
    assert df["LayersSize"] >= img["Size"] > 0
    assert df["BuildCache"] == []
    out = docker("system", "df").stdout
    assert "Local Volumes" in out and "Build Cache" in out
    v = docker("system", "df", "-v").stdout
    assert "dfvol" in v


def test_system_prune(docker, api, vols):
    docker("create", "--name", "stopped", "-v", "/anon1", "-v", "sp-named:/n", IMAGE, "true")
    docker("volume", "create", "sp-named2")
    out = docker("system", "prune", "-f", "--volumes").stdout
    assert "Total reclaimed space" in out
    assert docker("ps", "-aq").stdout.split() == []
    # named volumes survive system prune --volumes; anonymous ones go
    assert volume_names(docker) == {"sp-named", "sp-named2"}
    assert api("POST", "/v1.51/build/prune").json() == {"CachesDeleted": None,
                                                        "SpaceReclaimed": 0}
    # -a removes unused images too; our busybox comes back for later tests via the fixture
    docker("system", "prune", "-af")
    assert docker("images", "-q").stdout.split() == []
