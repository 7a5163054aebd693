"""Pull, push and login against a real registry (Debian's docker-registry on 127.0.0.1),
driven by the docker CLI; images are put there by skopeo from OCI layouts made here."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest

import regutil
from conftest import Daemon

pytestmark = pytest.mark.skipif(
    not (os.path.exists(regutil.REGISTRY) and os.path.exists(regutil.SKOPEO)),
    reason="docker-registry and skopeo are needed")


@pytest.fixture(scope="module")
def registry():
    r = regutil.Registry()
    try:
        r.start()
        yield r
    finally:
        r.cleanup()


@pytest.fixture
def layout():
    d = tempfile.mkdtemp(prefix="berth-oci-", dir="/tmp")
    try:
        yield regutil.Layout(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def repo():
    return "t/" + uuid.uuid4().hex[:10]


def layered(layout):
    """Three layers, one per compression: whiteouts, an opaque directory, hard and symbolic
    links."""
    base = regutil.busybox_entries() + [
        ("data", "dir"), ("data/keep.txt", "file", "keep\n"), ("data/gone.txt", "file", "x\n"),
        ("opaque", "dir"), ("opaque/old.txt", "file", "old\n")]
    second = [("data", "dir"), ("data/new.txt", "file", "new\n"),
              ("data/x.txt", "file", "x\n", None, {"user.berth": "yes"}),
              ("data/link", "symlink", "keep.txt"), ("data/hard.txt", "hardlink", "data/new.txt"),
              ("data/.wh.gone.txt", "file", "")]
    third = [("opaque", "dir"), ("opaque/.wh..wh..opq", "file", ""),
             ("opaque/fresh.txt", "file", "fresh\n")]
    return layout.image([base, second, third], compression=["gzip", "zstd", "none"])


def test_pull_multilayer_runs_with_the_right_files(docker, daemon, registry, layout):
    since = str(int(time.time()) - 1)
    name = repo()
    desc = layered(layout)
    layout.tag(desc, "v1")
    registry.push_oci(layout.path, "v1", name + ":v1")
    ref = "%s/%s:v1" % (registry.host, name)

    r = docker("pull", ref)
    assert "v1: Pulling from %s/%s" % (registry.host, name) in r.stdout
    assert "Pull complete" in r.stdout
    assert "Digest: %s" % desc["digest"] in r.stdout
    assert "Status: Downloaded newer image for %s" % ref in r.stdout

    out = docker("run", "--rm", ref, "sh", "-c",
                 "echo $(ls /data) $(ls /opaque); "
                 "readlink /data/link; stat -c %h /data/hard.txt; cat /data/hard.txt").stdout
    assert out.split("\n")[0].split() == ["hard.txt", "keep.txt", "link", "new.txt", "x.txt",
                                          "fresh.txt"]
    # the xattr made it into the layer
    gd = json.loads(docker("image", "inspect", ref).stdout)[0]["GraphDriver"]
    if gd["Name"] == "overlay2":
        dirs = gd["Data"].get("LowerDir", "").split(":") + [gd["Data"]["UpperDir"]]
        paths = [os.path.join(d, "data", "x.txt") for d in dirs if d]
        paths = [p for p in paths if os.path.exists(p)]
        assert paths
        assert os.getxattr(paths[0], "user.berth") == b"yes"
    assert "keep.txt\n2\nnew\n" in out

    info = json.loads(docker("image", "inspect", ref).stdout)[0]
    assert info["RepoDigests"] == ["%s/%s@%s" % (registry.host, name, desc["digest"])]
    assert info["RepoTags"] == [ref]

    again = docker("pull", ref)
    assert "Status: Image is up to date for %s" % ref in again.stdout

    ev = docker("events", "--since", since, "--until", str(int(time.time()) + 1), "--filter",
                "type=image", "--filter", "event=pull", "--format", "{{.Actor.ID}}").stdout
    assert ref in ev.split()


def test_pull_by_digest(docker, registry, layout):
    name = repo()
    desc = layout.image([regutil.busybox_entries() + [("d.txt", "file", "digest\n")]])
    layout.tag(desc, "latest")
    registry.push_oci(layout.path, "latest", name + ":latest")
    ref = "%s/%s@%s" % (registry.host, name, desc["digest"])
    r = docker("pull", ref)
    assert "Digest: %s" % desc["digest"] in r.stdout
    assert docker("run", "--rm", ref, "cat", "/d.txt").stdout == "digest\n"
    info = json.loads(docker("image", "inspect", ref).stdout)[0]
    assert info["RepoTags"] == []
    assert info["RepoDigests"] == [ref]
    r = docker("rmi", ref)
    assert "Untagged: %s" % ref in r.stdout
    assert docker("image", "inspect", ref, check=False).returncode != 0


def test_pull_selects_the_platform_of_an_index(docker, registry, layout):
    name = repo()
    amd = layout.image([regutil.busybox_entries() + [("arch", "file", "amd64\n")]])
    arm = layout.image([regutil.busybox_entries() + [("arch", "file", "arm64\n")]], arch="arm64")
    layout.multi("multi", [({"os": "linux", "architecture": "arm64", "variant": "v8"}, arm),
                           ({"os": "linux", "architecture": "amd64"}, amd)])
    registry.push_oci(layout.path, "multi", name + ":multi", all_platforms=True)
    ref = "%s/%s:multi" % (registry.host, name)

    docker("pull", ref)
    assert docker("run", "--rm", ref, "cat", "/arch").stdout == "amd64\n"
    docker("pull", "--platform", "linux/arm64", ref)
    info = json.loads(docker("image", "inspect", ref).stdout)[0]
    assert info["Architecture"] == "arm64"

    r = docker("pull", "--platform", "linux/s390x", ref, check=False)
    assert r.returncode != 0
    assert "no matching manifest for linux/s390x in the manifest list entries" in r.stderr


def test_run_pulls_a_missing_image(docker, registry, layout):
    name = repo()
    layout.tag(layout.image([regutil.busybox_entries() + [("m.txt", "file", "pulled\n")]]),
               "latest")
    registry.push_oci(layout.path, "latest", name + ":latest")
    ref = "%s/%s" % (registry.host, name)

    never = docker("run", "--rm", "--pull", "never", ref, "true", check=False)
    assert never.returncode != 0
    assert "No such image: %s:latest" % ref in never.stderr

    r = docker("run", "--rm", ref, "cat", "/m.txt")
    assert r.stdout == "pulled\n"
    assert "Unable to find image '%s:latest' locally" % ref in r.stderr
    r = docker("run", "--rm", "--pull", "always", ref, "cat", "/m.txt")
    assert r.stdout == "pulled\n"
    assert "Image is up to date" in r.stderr


def test_push_then_pull_back(docker, registry, layout, image):
    name = repo()
    ref = "%s/%s:pushed" % (registry.host, name)
    docker("tag", image, ref)
    r = docker("push", ref)
    assert "The push refers to repository [%s/%s]" % (registry.host, name) in r.stdout
    assert "Pushed" in r.stdout
    assert "pushed: digest: sha256:" in r.stdout
    iid = docker("image", "inspect", "-f", "{{.Id}}", ref).stdout.strip()
    digests = json.loads(docker("image", "inspect", "-f", "{{json .RepoDigests}}", ref).stdout)
    assert any(d.startswith("%s/%s@sha256:" % (registry.host, name)) for d in digests)

    again = docker("push", ref)
    assert "Layer already exists" in again.stdout

    other = "%s/%s-copy:v1" % (registry.host, name)
    docker("tag", image, other)
    assert "Mounted from %s" % name in docker("push", other).stdout

    docker("rmi", ref, other)
    docker("pull", ref)
    assert docker("image", "inspect", "-f", "{{.Id}}", ref).stdout.strip() == iid
    assert docker("run", "--rm", ref, "echo", "ok").stdout == "ok\n"


def test_push_of_a_missing_image(docker, registry):
    r = docker("push", "%s/nothing/here:v1" % registry.host, check=False)
    assert r.returncode != 0
    assert "An image does not exist locally with the tag: %s/nothing/here" % registry.host \
        in r.stderr


def test_unknown_image(docker, registry, layout):
    name = repo()
    layout.tag(layout.image([regutil.busybox_entries()]), "v1")
    registry.push_oci(layout.path, "v1", name + ":v1")
    r = docker("pull", "%s/%s:nope" % (registry.host, name), check=False)
    assert r.returncode != 0
    assert ("manifest for %s/%s:nope not found: manifest unknown" % (registry.host, name)
            in r.stderr)
    r = docker("pull", "%s/no/such:v1" % registry.host, check=False)
    assert r.returncode != 0
    assert "not found" in r.stderr


def _layers_on_disk(daemon):
    d = os.path.join(daemon.data_root, "overlay")
    return sorted(x for x in os.listdir(d) if x != "l")


def test_corrupt_blob_is_rejected_and_nothing_is_stored(docker, daemon, registry, layout):
    name = repo()
    desc = layout.image([regutil.busybox_entries(), [("x.txt", "file", "x" * 4096)]])
    layout.tag(desc, "v1")
    registry.push_oci(layout.path, "v1", name + ":v1")
    with open(os.path.join(layout.path, "blobs", "sha256", desc["digest"][7:]), "rb") as f:
        man = json.load(f)
    top = man["layers"][1]["digest"]
    path = registry.blob_path(top)
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        data[len(data) // 2] ^= 0xff
        f.seek(0)
        f.write(bytes(data))
    before = _layers_on_disk(daemon)
    content = os.path.join(daemon.data_root, "image", "content", "sha256")
    content_before = sorted(os.listdir(content))
    ref = "%s/%s:v1" % (registry.host, name)
    r = docker("pull", ref, check=False)
    assert r.returncode != 0
    assert "filesystem layer verification failed for digest %s" % top in r.stderr
    assert docker("image", "inspect", ref, check=False).returncode != 0
    assert _layers_on_disk(daemon) == before
    assert sorted(os.listdir(content)) == content_before
    tmp = os.path.join(daemon.data_root, "tmp")
    assert not [x for x in os.listdir(tmp) if x.startswith("image-")]


def test_hostile_layer_path_is_refused(docker, daemon, registry, layout):
    name = repo()
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        ti = tarfile.TarInfo("../../../../escaped-" + name.replace("/", "-"))
        ti.size = 3
        t.addfile(ti, io.BytesIO(b"bad"))
    layout.tag(layout.image([regutil.busybox_entries(), buf.getvalue()]), "v1")
    registry.push_oci(layout.path, "v1", name + ":v1")
    r = docker("pull", "%s/%s:v1" % (registry.host, name), check=False)
    assert r.returncode != 0
    assert not os.path.exists("/escaped-" + name.replace("/", "-"))
    assert not os.path.exists(os.path.join(daemon.data_root, "escaped-" + name.replace("/", "-")))


def test_registry_down_fails_quickly(docker):
    port = regutil.free_port()
    start = time.time()
    r = docker("pull", "127.0.0.1:%d/some/image:v1" % port, check=False, timeout=60)
    assert r.returncode != 0
    assert "127.0.0.1:%d" % port in r.stderr
    assert "onnect" in r.stderr  # "Couldn't connect" / "Connection refused"
    assert time.time() - start < 60


def test_basic_auth_login(docker, layout):
    reg = regutil.Registry(htpasswd=("berth", "s3cret"))
    try:
        reg.start()
        name = repo()
        layout.tag(layout.image([regutil.busybox_entries() + [("a.txt", "file", "auth\n")]]),
                   "v1")
        reg.push_oci(layout.path, "v1", name + ":v1")
        ref = "%s/%s:v1" % (reg.host, name)

        r = docker("pull", ref, check=False)
        assert r.returncode != 0
        assert "no basic auth credentials" in r.stderr

        bad = docker("login", "-u", "berth", "--password-stdin", reg.host, input="wrong\n",
                     check=False)
        assert bad.returncode != 0
        assert "401 Unauthorized" in bad.stderr

        good = docker("login", "-u", "berth", "--password-stdin", reg.host, input="s3cret\n")
        assert "Login Succeeded" in good.stdout
        try:
            docker("pull", ref)
            assert docker("run", "--rm", ref, "cat", "/a.txt").stdout == "auth\n"
            pushed = "%s/%s-mine:v1" % (reg.host, name)
            docker("tag", ref, pushed)
            assert "digest: sha256:" in docker("push", pushed).stdout
        finally:
            docker("logout", reg.host, check=False)
    finally:
        reg.cleanup()


def test_tls_with_ca_from_certs_d(daemon, layout):
    reg = regutil.Registry(tls=True)
    base = tempfile.mkdtemp(prefix="berth-tls-", dir="/tmp")
    d = Daemon(base)
    try:
        reg.start()
        certs = os.path.join(base, "certs.d", reg.host)
        os.makedirs(certs)
        shutil.copy(reg.ca, os.path.join(certs, "ca.crt"))
        name = repo()
        layout.tag(layout.image([regutil.busybox_entries() + [("t.txt", "file", "tls\n")]]),
                   "v1")
        reg.push_oci(layout.path, "v1", name + ":v1")
        ref = "%s/%s:v1" % (reg.host, name)

        # the session daemon does not trust the CA
        r = daemon.docker("pull", ref, check=False)
        assert r.returncode != 0

        d.start("--certs-dir", os.path.join(base, "certs.d"))
        d.docker("pull", ref)
        info = json.loads(d.docker("image", "inspect", ref).stdout)[0]
        assert info["RepoTags"] == [ref]
    finally:
        reg.cleanup()
        d.close()


def test_auth_endpoint_and_distribution(api, registry, layout):
    name = repo()
    desc = layout.image([regutil.busybox_entries()])
    layout.tag(desc, "v1")
    registry.push_oci(layout.path, "v1", name + ":v1")
    r = api("POST", "/v1.51/auth", {"serveraddress": registry.host})
    assert r.status == 200
    assert r.json()["Status"] == "Login Succeeded"
    r = api("GET", "/v1.51/distribution/%s/%s:v1/json" % (registry.host, name))
    assert r.status == 200, r.body
    assert r.json()["Descriptor"]["digest"] == desc["digest"]
    assert r.json()["Platforms"] == [{"architecture": "amd64", "os": "linux"}]


def test_two_pulls_at_once_share_the_layers(docker, daemon, registry, layout):
    name = repo()
    layers = [regutil.busybox_entries()] + [
        [("l%d" % i, "dir"), ("l%d/blob" % i, "file", os.urandom(2 << 20))] for i in range(4)]
    layout.tag(layout.image(layers), "v1")
    registry.push_oci(layout.path, "v1", name + ":v1")
    ref = "%s/%s:v1" % (registry.host, name)
    before = set(_layers_on_disk(daemon))
    env = dict(os.environ, DOCKER_HOST=daemon.host,
               DOCKER_CONFIG=os.path.join(daemon.base, "docker-config"))
    procs = [subprocess.Popen(["/usr/local/bin/docker", "pull", ref], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert len(set(_layers_on_disk(daemon)) - before) == 5
    out = docker("run", "--rm", ref, "sh", "-c", "ls /l0 /l1 /l2 /l3 | grep -c blob").stdout
    assert out == "4\n"


def test_interrupted_pull_leaves_nothing_corrupt(layout):
    reg = regutil.Registry()
    base = tempfile.mkdtemp(prefix="berth-intr-", dir="/tmp")
    d = Daemon(base)
    try:
        reg.start()
        name = repo()
        blob = os.urandom(32 << 20)
        layout.tag(layout.image([regutil.busybox_entries(),
                                 [("big", "dir"), ("big/blob", "file", blob)]],
                                compression="none"), "v1")
        reg.push_oci(layout.path, "v1", name + ":v1")
        ref = "%s/%s:v1" % (reg.host, name)
        d.start()
        overlay = os.path.join(d.data_root, "overlay")
        env = dict(os.environ, DOCKER_HOST=d.host,
                   DOCKER_CONFIG=os.path.join(base, "docker-config"))
        p = subprocess.Popen(["/usr/local/bin/docker", "pull", ref], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline and p.poll() is None:
            if any(x.startswith(".tmp-") for x in os.listdir(overlay)):
                break
            time.sleep(0.005)
        d.kill9()
        p.wait(30)
        d.start()
        assert not [x for x in os.listdir(overlay) if x.startswith(".tmp-")]
        d.docker("pull", ref)
        want = hashlib.sha256(blob).hexdigest()
        out = d.docker("run", "--rm", ref, "sha256sum", "/big/blob").stdout
        assert out.split()[0] == want
    finally:
        reg.cleanup()
        d.close()


def test_token_auth_and_identity_token(docker, layout, image):
    tok = regutil.TokenServer("tokuser", "tokpass")
    reg = regutil.Registry(token=tok)
    reg.user, reg.password = "tokuser", "tokpass"
    try:
        reg.start()
        name = repo()
        layout.tag(layout.image([regutil.busybox_entries() + [("b.txt", "file", "bearer\n")]]),
                   "v1")
        reg.push_oci(layout.path, "v1", name + ":v1")
        ref = "%s/%s:v1" % (reg.host, name)

        # anonymous: a pull-only token
        docker("pull", ref)
        assert docker("run", "--rm", ref, "cat", "/b.txt").stdout == "bearer\n"
        mine = "%s/%s-mine:v1" % (reg.host, name)
        docker("tag", image, mine)
        assert docker("push", mine, check=False).returncode != 0

        bad = docker("login", "-u", "tokuser", "--password-stdin", reg.host, input="nope\n",
                     check=False)
        assert bad.returncode != 0
        good = docker("login", "-u", "tokuser", "--password-stdin", reg.host,
                      input="tokpass\n")
        assert "Login Succeeded" in good.stdout
        try:
            # the CLI keeps the identity token (a refresh token) instead of the password
            r = docker("push", mine)
            assert "digest: sha256:" in r.stdout
            assert tok.refresh_used
        finally:
            docker("logout", reg.host, check=False)
    finally:
        reg.cleanup()
        tok.cleanup()


def test_berth_cli_login_push_pull_run(daemon, layout, image):
    from conftest import BUILD
    berth_bin = os.path.join(BUILD, "berth")
    if not os.path.exists(berth_bin):
        pytest.skip("build/berth is not built")
    reg = regutil.Registry(htpasswd=("cli", "clipass"))
    conf = tempfile.mkdtemp(prefix="berth-cliconf-", dir="/tmp")

    def berth(*args, input=None):
        e = dict(os.environ, BERTH_HOST=daemon.host, DOCKER_CONFIG=conf)
        e.pop("DOCKER_HOST", None)
        return subprocess.run([berth_bin, *args], input=input, capture_output=True, text=True,
                              timeout=120, env=e)
    try:
        reg.start()
        ref = "%s/%s:v1" % (reg.host, repo())
        daemon.docker("tag", image, ref)
        r = berth("push", ref)
        assert r.returncode == 1
        assert "no basic auth credentials" in r.stderr
        r = berth("login", "-u", "cli", "--password-stdin", reg.host, input="bad\n")
        assert r.returncode == 1 and "401 Unauthorized" in r.stderr
        r = berth("login", "-u", "cli", "--password-stdin", reg.host, input="clipass\n")
        assert r.returncode == 0 and "Login Succeeded" in r.stdout, r.stderr
        r = berth("push", ref)
        assert r.returncode == 0, r.stderr
        assert "The push refers to repository [%s]" % ref.rsplit(":", 1)[0] in r.stdout
        daemon.docker("rmi", ref)
        r = berth("run", "--rm", ref, "echo", "from-registry")
        assert r.returncode == 0, r.stderr
        assert r.stdout == "from-registry\n"
        assert "Status: Downloaded newer image for %s" % ref in r.stderr
        assert "Unable to find image '%s' locally" % ref in r.stderr
        assert berth("logout", reg.host).returncode == 0
    finally:
        reg.cleanup()
        shutil.rmtree(conf, ignore_errors=True)


def test_large_layer_push_is_chunked_and_pulls_back(docker, registry, layout):
    name = repo()
    blob = os.urandom(40 << 20)
    layout.tag(layout.image([regutil.busybox_entries(), [("big", "dir"),
                                                         ("big/blob", "file", blob)]],
                            compression="none"), "v1")
    registry.push_oci(layout.path, "v1", name + ":v1")
    docker("pull", "%s/%s:v1" % (registry.host, name))
    # another name for the same registry: nothing to mount from, every blob is uploaded
    other = "localhost:%d/%s-big:v1" % (registry.port, name)
    docker("tag", "%s/%s:v1" % (registry.host, name), other)
    r = docker("push", other)
    assert r.stdout.count("Pushed") == 2, r.stdout
    docker("rmi", other, "%s/%s:v1" % (registry.host, name))
    docker("pull", other)
    out = docker("run", "--rm", other, "sha256sum", "/big/blob").stdout
    assert out.split()[0] == hashlib.sha256(blob).hexdigest()


def test_registry_mirror_from_daemon_json(layout):
    empty = regutil.Registry()
    reg = regutil.Registry()
    base = tempfile.mkdtemp(prefix="berth-mirror-", dir="/tmp")
    d = Daemon(base)
    try:
        empty.start()
        reg.start()
        name = "berth-mirror-" + uuid.uuid4().hex[:8]
        layout.tag(layout.image([regutil.busybox_entries() + [("m.txt", "file", "mirror\n")]]),
                   "v1")
        reg.push_oci(layout.path, "v1", "library/%s:v1" % name)
        cfg = os.path.join(base, "daemon.json")
        with open(cfg, "w") as f:
            # the first mirror lacks the image: the pull moves on to the next one
            json.dump({"registry-mirrors": ["http://%s" % empty.host, "http://%s/" % reg.host],
                       "insecure-registries": [reg.host]}, f)
        d.start("--config-file", cfg)
        r = d.docker("pull", name + ":v1")
        assert "Status: Downloaded newer image for %s:v1" % name in r.stdout
        info = json.loads(d.docker("image", "inspect", name + ":v1").stdout)[0]
        assert info["RepoTags"] == [name + ":v1"]
        assert info["RepoDigests"][0].startswith(name + "@sha256:")
        assert d.docker("run", "--rm", name + ":v1", "cat", "/m.txt").stdout == "mirror\n"
        info = d.docker("info").stdout
        assert "Registry Mirrors:\n  http://%s/\n  http://%s/" % (empty.host, reg.host) in info
        assert "Insecure Registries:" in info and reg.host in info
    finally:
        reg.cleanup()
        empty.cleanup()
        d.close()


def test_pull_all_tags(docker, registry, layout):
    name = repo()
    for t in ("a", "b"):
        layout.tag(layout.image([regutil.busybox_entries() + [("t", "file", t + "\n")]]), t)
        registry.push_oci(layout.path, t, "%s:%s" % (name, t))
    ref = "%s/%s" % (registry.host, name)
    r = docker("pull", "--all-tags", ref)
    assert "a: Pulling from %s" % name in r.stdout or "a: Pulling from" in r.stdout
    assert "Status: Downloaded newer image for %s" % ref in r.stdout
    assert docker("run", "--rm", ref + ":b", "cat", "/t").stdout == "b\n"
    assert docker("run", "--rm", ref + ":a", "cat", "/t").stdout == "a\n"


def test_push_of_a_pulled_image_uploads_no_layer(docker, registry, layout):
    name = repo()
    layout.tag(layout.image([regutil.busybox_entries(), [("p.txt", "file", "p\n")]],
                            compression=["gzip", "zstd"]), "v1")
    registry.push_oci(layout.path, "v1", name + ":v1")
    src = "%s/%s:v1" % (registry.host, name)
    docker("pull", src)
    same = "%s/%s:v2" % (registry.host, name)
    docker("tag", src, same)
    r = docker("push", same)
    assert r.stdout.count("Layer already exists") == 2, r.stdout
    other = "%s/%s-other:v1" % (registry.host, name)
    docker("tag", src, other)
    r = docker("push", other)
    assert r.stdout.count("Mounted from %s" % name) == 2, r.stdout
    assert "Pushed" not in r.stdout
    docker("rmi", src, same, other)
    docker("pull", other)
    assert docker("run", "--rm", other, "cat", "/p.txt").stdout == "p\n"


def test_push_a_committed_container(docker, registry, image):
    ref = "%s/%s:committed" % (registry.host, repo())
    cid = docker("create", image, "sh", "-c", "echo committed > /c.txt").stdout.strip()
    try:
        docker("start", "-a", cid)
        docker("commit", "--change", "CMD [\"cat\", \"/c.txt\"]", cid, ref)
    finally:
        docker("rm", "-f", cid)
    r = docker("push", ref)
    assert "digest: sha256:" in r.stdout
    iid = docker("image", "inspect", "-f", "{{.Id}}", ref).stdout.strip()
    docker("rmi", ref)
    docker("pull", ref)
    assert docker("image", "inspect", "-f", "{{.Id}}", ref).stdout.strip() == iid
    assert docker("run", "--rm", ref).stdout == "committed\n"
