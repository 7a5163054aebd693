"""Shared fixtures: a real berthd on a temporary socket, data-root and exec-root, driven by the
real docker CLI. Everything a test run creates is removed at the end, also when tests fail."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import random
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BERTH_BUILD", os.path.join(ROOT, "build"))
DOCKER = os.environ.get("DOCKER_CLI", "/usr/local/bin/docker")
IMAGE = "busybox:latest"


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def message(self):
        try:
            return self.json().get("message", "")
        except ValueError:
            return ""


class Daemon:
    """A berthd of our own. Never touches a daemon it did not start."""

    def __init__(self, base):
        self.base = base
        self.sock = os.path.join(base, "berth.sock")
        self.data_root = os.path.join(base, "data")
        self.exec_root = os.path.join(base, "exec")
        self.pidfile = os.path.join(base, "berthd.pid")
        self.log = os.path.join(base, "berthd.log")
        self.proc = None
        # each daemon its own default bridge and subnet: test daemons run side by side
        self.bridge = "bt%08x" % random.getrandbits(32)
        self.bip = free_bip()

    @property
    def host(self):
        return "unix://" + self.sock

    def start(self, *extra):
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [os.path.join(BUILD, "berthd"), "-H", self.host, "--data-root", self.data_root,
             "--exec-root", self.exec_root, "--pidfile", self.pidfile, "--log-level", "debug",
             *(() if "-b" in extra or "--bridge" in extra else ("-b", self.bridge, "--bip", self.bip)),
             *extra],
            stdout=logf, stderr=logf, stdin=subprocess.DEVNULL)
        logf.close()
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("berthd exited with %d:\n%s" % (self.proc.returncode,
                                                                   self.read_log()[-2000:]))
            try:
                if self.api("GET", "/_ping").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("berthd did not answer /_ping")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def close(self):
        """Removes all this daemon made: its containers, itself, its mounts and roots."""
        try:
            if self.proc and self.proc.poll() is None:
                r = self.docker("ps", "-aq", check=False)
                if r.stdout.split():
                    self.docker("rm", "-f", *r.stdout.split(), check=False)
        except Exception:
            pass
        self.stop()
        cleanup_runtime(self)
        shutil.rmtree(self.base, ignore_errors=True)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def read_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def api(self, method, path, body=None, headers=None, timeout=60):
        conn = UnixHTTPConnection(self.sock, timeout=timeout)
        hdrs = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return Response(r.status, dict(r.getheaders()), data)

    def docker(self, *args, input=None, check=True, timeout=60, env=None):
        e = dict(os.environ)
        e["DOCKER_HOST"] = self.host
        e["DOCKER_CONFIG"] = os.path.join(self.base, "docker-config")
        e.pop("DOCKER_CONTEXT", None)
        if env:
            e.update(env)
        r = subprocess.run([DOCKER, *args], input=input, capture_output=True, text=True,
                           timeout=timeout, env=e)
        if check and r.returncode != 0:
            raise AssertionError("docker %s failed (%d):\nstdout: %s\nstderr: %s" %
                                 (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r


def host_routes():
    """The IPv4 networks the host routes, as (address, prefix) integers."""
    out = []
    with open("/proc/net/route") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            dest, mask = int(fields[1], 16), int(fields[7], 16)
            if mask:
                out.append((socket.ntohl(dest), bin(mask).count("1")))
    return out


def free_bip():
    """A /24 in 10.200.0.0/13 that nothing on the host routes."""
    routes = host_routes()
    for _ in range(1000):
        net = (10 << 24) | ((200 + random.randrange(8)) << 16) | (random.randrange(256) << 8)
        if all((net >> (32 - min(p, 24))) != (a >> (32 - min(p, 24))) for a, p in routes):
            return "%d.%d.%d.1/24" % (net >> 24, (net >> 16) & 255, (net >> 8) & 255)
    raise RuntimeError("no free subnet for a test bridge")


def berth_rules(bridge):
    """iptables rules and chains berth made for `bridge` (empty when none are left)."""
    r = subprocess.run(["iptables-save"], capture_output=True, text=True)
    found = []
    for line in r.stdout.splitlines():
        words = line.split()
        if any(w.endswith("-" + bridge) and w.startswith("BERTH-") for w in words) or \
                (line.startswith("-A BERTH-ISO") and bridge in words):
            found.append(line)
    return found


def remove_bridge(bridge):
    """Deletes a bridge and berth's rules for it; what is already gone is fine."""
    r = subprocess.run(["iptables-save"], capture_output=True, text=True)
    tables = {}
    table = None
    for line in r.stdout.splitlines():
        if line.startswith("*"):
            table = line[1:]
        words = line.split()
        if line.startswith("-A ") and ("BERTH-F-" + bridge in words or "BERTH-D-" + bridge in words
                                       or "BERTH-S-" + bridge in words
                                       or (words[1] == "BERTH-ISO" and bridge in words)):
            tables.setdefault(table, []).append("-D " + line[3:])
    for table, chains in (("filter", ["BERTH-F-"]), ("nat", ["BERTH-D-", "BERTH-S-"])):
        for c in chains:
            if (":%s%s " % (c, bridge)) in r.stdout:
                tables.setdefault(table, []).extend(["-F %s%s" % (c, bridge), "-X %s%s" % (c, bridge)])
    rules = "".join("*%s\n%s\nCOMMIT\n" % (t, "\n".join(l)) for t, l in tables.items())
    if rules:
        subprocess.run(["iptables-restore", "-w", "--noflush"], input=rules, text=True,
                       capture_output=True)
    subprocess.run(["ip", "link", "del", bridge], capture_output=True)


def daemon_bridges(d):
    """The bridges of a daemon's networks, from its documents."""
    out = {d.bridge}
    netdir = os.path.join(d.data_root, "network")
    for name in os.listdir(netdir) if os.path.isdir(netdir) else []:
        try:
            with open(os.path.join(netdir, name)) as f:
                br = json.load(f).get("Bridge")
        except (OSError, ValueError):
            continue
        if br:
            out.add(br)
    return out


def cleanup_network(d):
    for br in daemon_bridges(d):
        remove_bridge(br)
    # the isolation chain every berthd shares: the kernel refuses while another uses it
    subprocess.run(["iptables", "-X", "BERTH-ISO"], capture_output=True)


def make_busybox_archive(path, name=IMAGE):
    subprocess.run(["sh", os.path.join(ROOT, "scripts", "busybox-image.sh"), path, name],
                   check=True)


def cleanup_runtime(d):
    """Kills what is left of this run's containers and unmounts everything under it."""
    runc_root = os.path.join(d.exec_root, "runc")
    if os.path.isdir(runc_root):
        r = subprocess.run(["runc", "--root", runc_root, "list", "-q"], capture_output=True,
                           text=True)
        for cid in r.stdout.split():
            subprocess.run(["runc", "--root", runc_root, "delete", "--force", cid],
                           capture_output=True)
    # shims of this run: their command line names our exec-root
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"berth-shim") and d.exec_root.encode() in b" ".join(cmd):
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
    with open("/proc/self/mountinfo") as f:
        mounts = [line.split()[4] for line in f]
    for m in sorted((m for m in mounts if m.startswith(d.base)), key=len, reverse=True):
        subprocess.run(["umount", "-l", m], capture_output=True)
    # only this run's containers' cgroups: another daemon's may be just created, still empty
    ctrs = os.path.join(d.data_root, "containers")
    ours = set(os.listdir(ctrs)) if os.path.isdir(ctrs) else set()
    for dirpath, dirnames, _ in os.walk("/sys/fs/cgroup"):
        if os.path.basename(dirpath) == "berth":
            for sub in dirnames:
                if sub in ours:
                    try:
                        os.rmdir(os.path.join(dirpath, sub))
                    except OSError:
                        pass
    cleanup_network(d)


@pytest.fixture(scope="session")
def berthd():
    if os.geteuid() != 0:
        pytest.skip("integration tests need root")
    if not shutil.which("runc"):
        pytest.skip("runc is not installed")
    if not os.path.exists(DOCKER):
        pytest.skip("the docker CLI is not at %s" % DOCKER)
    base = tempfile.mkdtemp(prefix="berth-it-", dir="/tmp")
    d = Daemon(base)
    try:
        d.start()
        archive = os.path.join(base, "busybox.tar")
        make_busybox_archive(archive)
        d.docker("load", "-i", archive)
        d.busybox_archive = archive
        yield d
    finally:
        d.close()


@pytest.fixture
def daemon(berthd):
    """The session's daemon, with containers and extra images removed after each test."""
    yield berthd
    if berthd.proc.poll() is not None:
        berthd.start()
    r = berthd.docker("ps", "-aq", check=False)
    if r.stdout.split():
        berthd.docker("rm", "-f", *r.stdout.split(), check=False)
    r = berthd.docker("images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}", check=False)
    for line in r.stdout.splitlines():
        iid, ref = line.split(" ", 1)
        if ref != IMAGE:
            berthd.docker("rmi", "-f", ref if not ref.startswith("<none>") else iid, check=False)
    if berthd.docker("image", "inspect", IMAGE, check=False).returncode != 0:
        berthd.docker("load", "-i", berthd.busybox_archive)


@pytest.fixture
def docker(daemon):
    return daemon.docker


@pytest.fixture
def api(daemon):
    return daemon.api


@pytest.fixture
def image(daemon):
    return IMAGE


def wait_for(pred, timeout=10, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    return pred()
