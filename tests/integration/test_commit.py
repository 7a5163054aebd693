"""docker diff (GET /containers/{id}/changes) and docker commit (POST /commit)."""
import json
import os
import tarfile
import time


def test_diff_added_changed_deleted(docker, api):
    docker("run", "--name", "df", "busybox", "sh", "-c",
           "echo new > /added.txt; mkdir -p /newdir/x; echo y > /newdir/x/f; "
           "echo more >> /etc/group; rm /bin/vi; rm -r /home/tester")
    lines = docker("diff", "df").stdout.splitlines()
    assert "A /added.txt" in lines
    assert "A /newdir" in lines and "A /newdir/x" in lines and "A /newdir/x/f" in lines
    assert "C /etc" in lines and "C /etc/group" in lines
    assert "C /bin" in lines and "D /bin/vi" in lines
    assert "C /home" in lines and "D /home/tester" in lines
    assert not [l for l in lines if l.startswith("A /etc/host") or l.startswith("A /dev")]
    r = api("GET", "/containers/df/changes")
    assert r.status == 200
    kinds = {c["Path"]: c["Kind"] for c in r.json()}
    assert kinds["/added.txt"] == 1 and kinds["/etc/group"] == 0 and kinds["/bin/vi"] == 2


def test_diff_opaque_directory(docker):
    # a directory removed and made again hides the image's contents: overlay marks it opaque
    docker("run", "--name", "opq", "busybox", "sh", "-c",
           "rm -rf /home && mkdir /home && echo x > /home/only")
    lines = docker("diff", "opq").stdout.splitlines()
    assert "C /home" in lines and "A /home/only" in lines
    assert "D /home/tester" in lines


def test_diff_unchanged_and_missing(docker, api):
    docker("create", "--name", "fresh", "busybox", "true")
    assert docker("diff", "fresh").stdout == ""
    r = api("GET", "/containers/nosuch/changes")
    assert r.status == 404 and r.message == "No such container: nosuch"


def layer_names(daemon, diff_id):
    path = os.path.join(daemon.data_root, "image", "content", "sha256", diff_id[7:])
    with tarfile.open(path) as t:
        return t.getnames()


def test_commit_round_trip(docker, api, daemon):
    docker("run", "--name", "cm", "-e", "FROM_RUN=1", "busybox", "sh", "-c",
           "echo committed > /c.txt; rm /bin/vi; rm -rf /home; mkdir /home; mkdir /d; echo in > /d/f")
    r = docker("commit", "-a", "Ann Author", "-m", "a message",
               "-c", "CMD [\"cat\", \"/c.txt\"]", "-c", "ENV FOO=bar", "-c", "EXPOSE 8080",
               "-c", "LABEL who=me", "-c", "WORKDIR /d", "cm", "committed:v1")
    iid = r.stdout.strip()
    assert iid.startswith("sha256:")
    info = json.loads(docker("image", "inspect", "committed:v1").stdout)[0]
    assert info["Id"] == iid
    assert info["Author"] == "Ann Author" and info["Comment"] == "a message"
    cfg = info["Config"]
    assert cfg["Cmd"] == ["cat", "/c.txt"]
    assert "FOO=bar" in cfg["Env"] and "FROM_RUN=1" in cfg["Env"]
    assert "8080/tcp" in cfg["ExposedPorts"]
    assert cfg["Labels"]["who"] == "me" and cfg["WorkingDir"] == "/d"
    assert len(info["RootFS"]["Layers"]) == 2
    assert docker("run", "--rm", "committed:v1").stdout == "committed\n"
    assert docker("run", "--rm", "committed:v1", "cat", "f").stdout == "in\n"
    r = docker("run", "--rm", "committed:v1", "ls", "/bin/vi", check=False)
    assert r.returncode != 0
    # an opaque directory: the image's /home/tester is gone, /home is there
    assert docker("run", "--rm", "committed:v1", "ls", "-a", "/home").stdout.split() == [".", ".."]
    hist = docker("history", "--format", "{{.Comment}}", "committed:v1").stdout.splitlines()
    assert hist[0] == "a message"
    # the new layer: whiteouts as .wh. files, no runtime mount points
    names = layer_names(daemon, info["RootFS"]["Layers"][-1])
    assert "c.txt" in names and "bin/.wh.vi" in names and "home/.wh..wh..opq" in names
    assert not [n for n in names if n.startswith("etc/host") or n.startswith("proc")]


def test_commit_running_pauses_and_resumes(docker, api):
    since = "%.9f" % time.time()
    docker("run", "-d", "--name", "live", "busybox", "sh", "-c",
           "echo live > /live.txt; sleep 300")
    docker("exec", "live", "cat", "/live.txt")
    r = api("POST", "/commit?container=live&repo=livecommit&tag=t1&comment=hi")
    assert r.status == 201, r.body
    iid = r.json()["Id"]
    assert docker("inspect", "-f", "{{.State.Status}}", "live").stdout == "running\n"
    assert docker("run", "--rm", iid, "cat", "/live.txt").stdout == "live\n"
    assert docker("images", "-q", "livecommit:t1").stdout.strip() == iid[7:19]
    # the container's own command is kept when no config or change overrides it
    info = json.loads(docker("image", "inspect", "livecommit:t1").stdout)[0]
    assert info["Config"]["Cmd"][0] == "sh"
    until = "%.9f" % (time.time() + 1)
    events = docker("events", "--since", since, "--until", until, "--filter", "event=commit",
                    "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.imageID}}").stdout
    assert "container commit %s" % iid in events


def test_commit_bad_input(docker, api):
    r = api("POST", "/commit?container=nosuch")
    assert r.status == 404 and r.message == "No such container: nosuch"
    docker("create", "--name", "bad", "busybox", "true")
    r = docker("commit", "-c", "FROB x", "bad", check=False)
    assert r.returncode == 1 and "frob is not a valid change command" in r.stderr
    r = api("POST", "/commit?container=bad&repo=Bad:Name")
    assert r.status == 400
