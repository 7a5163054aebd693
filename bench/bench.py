#!/usr/bin/python3
"""berth against dockerd and podman on this machine, in one run.

Measures, for each engine that is installed:
  - median latency of `run --rm --network none busybox true` (N runs)
  - total time of `run -d` + `rm -f` for 20 containers
  - idle RSS of the daemon (dockerd counts containerd too; podman has no daemon)
  - RSS of the per-container monitor (berth-shim, containerd-shim-runc-v2, conmon)
  - median latency of `exec CTR true`
and prints ratios against berth. Every daemon is started here, on its own temporary roots,
and stopped by its PID at the end. Not a test: nothing here asserts a timing.

--exec-pairs measures only `exec CTR true`, alternating berthd and dockerd, for a fair
comparison on a machine with other load."""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCKER = "/usr/local/bin/docker"
IMAGE = "busybox:latest"


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pids_matching(substr):
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if substr in cmd:
            out.append((int(p), cmd))
    return out


def wait_socket(path, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            r = subprocess.run([DOCKER, "-H", "unix://" + path, "version"], capture_output=True)
            if r.returncode == 0:
                return True
        time.sleep(0.1)
    return False


class Engine:
    name = "?"
    daemon_pid = None

    def cli(self):
        raise NotImplementedError

    def run(self, *args, check=True):
        r = subprocess.run(self.cli() + list(args), capture_output=True, text=True)
        if check and r.returncode != 0:
            raise RuntimeError("%s %s: %s" % (self.name, " ".join(args), r.stderr))
        return r

    def daemon_rss(self):
        return rss_kib(self.daemon_pid) if self.daemon_pid else 0

    def shim_rss(self, cid):
        return 0


class Berth(Engine):
    name = "berth"

    def __init__(self, base):
        self.base = os.path.join(base, "berth")
        os.makedirs(self.base)
        self.sock = os.path.join(self.base, "sock")
        self.exec_root = os.path.join(self.base, "exec")
        self.proc = subprocess.Popen(
            [os.path.join(ROOT, "build", "berthd"), "-H", "unix://" + self.sock,
             "--data-root", os.path.join(self.base, "data"), "--exec-root", self.exec_root,
             "--pidfile", os.path.join(self.base, "pid"), "--log-level", "warn"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.base, "log"), "w"))
        self.daemon_pid = self.proc.pid
        if not wait_socket(self.sock):
            raise RuntimeError("berthd did not start")

    def cli(self):
        return [DOCKER, "-H", "unix://" + self.sock]

    def shim_rss(self, cid):
        for pid, cmd in pids_matching("berth-shim"):
            if cid in cmd:
                return rss_kib(pid)
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


class Dockerd(Engine):
    name = "dockerd"

    def __init__(self, base):
        self.base = os.path.join(base, "docker")
        os.makedirs(self.base)
        self.sock = os.path.join(self.base, "sock")
        # networking off: the measured runs use --network none on every engine
        self.proc = subprocess.Popen(
            ["dockerd", "-H", "unix://" + self.sock, "--data-root",
             os.path.join(self.base, "data"), "--exec-root", os.path.join(self.base, "exec"),
             "--pidfile", os.path.join(self.base, "pid"), "--bridge", "none",
             "--iptables=false", "--ip-masq=false", "--log-level", "warn"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.base, "log"), "w"))
        self.daemon_pid = self.proc.pid
        if not wait_socket(self.sock):
            raise RuntimeError("dockerd did not start (see %s/log)" % self.base)

    def cli(self):
        return [DOCKER, "-H", "unix://" + self.sock]

    def daemon_rss(self):
        total = rss_kib(self.daemon_pid)
        for pid, cmd in pids_matching("containerd --config " + self.base):
            total += rss_kib(pid)
        if total == rss_kib(self.daemon_pid):
            for pid, cmd in pids_matching(os.path.join(self.base, "exec")):
                if cmd.startswith("containerd ") or "/containerd " in cmd:
                    total += rss_kib(pid)
        return total

    def shim_rss(self, cid):
        for pid, cmd in pids_matching("containerd-shim"):
            if cid in cmd or self.base in cmd:
                return rss_kib(pid)
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Podman(Engine):
    name = "podman"

    def __init__(self, base):
        self.base = os.path.join(base, "podman")
        os.makedirs(self.base)

    def cli(self):
        return ["podman", "--root", os.path.join(self.base, "root"), "--runroot",
                os.path.join(self.base, "run"), "--cgroup-manager", "cgroupfs",
                "--events-backend", "file", "--runtime", "runc"]

    def run(self, *args, check=True):
        # podman asks for RLIMIT_NOFILE 1048576, above what this host allows
        if args and args[0] == "run":
            args = ("run", "--ulimit", "nofile=1024:1024") + args[1:]
        return super().run(*args, check=check)

    def shim_rss(self, cid):
        for pid, cmd in pids_matching("conmon"):
            if cid in cmd:
                return rss_kib(pid)
        return 0

    def stop(self):
        self.run("rm", "-af", check=False)
        subprocess.run(["umount", "-R", os.path.join(self.base, "root")],
                       capture_output=True)


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench(engine, archive, n):
    engine.run("load", "-i", archive)
    engine.run("run", "--rm", "--network", "none", IMAGE, "true")  # warm caches
    lat = [timed(lambda: engine.run("run", "--rm", "--network", "none", IMAGE, "true"))
           for _ in range(n)]

    def twenty():
        ids = [engine.run("run", "-d", "--network", "none", IMAGE, "sleep", "60").stdout.strip()
               for _ in range(20)]
        engine.run("rm", "-f", *ids)
    batch = timed(twenty)
    time.sleep(1)
    idle = engine.daemon_rss()
    cid = engine.run("run", "-d", "--network", "none", IMAGE, "sleep", "60").stdout.strip()
    time.sleep(0.5)
    shim = engine.shim_rss(cid)
    execs = [timed(lambda: engine.run("exec", cid, "true")) for _ in range(n)]
    engine.run("rm", "-f", cid)
    return {"run": statistics.median(lat), "batch": batch, "idle": idle, "shim": shim,
            "exec": statistics.median(execs)}


def exec_pairs(base, archive, n):
    """`exec CTR true` on berthd and dockerd alternately, so both see the same load from
    whatever else runs on the machine; medians and quartiles."""
    engines = []
    try:
        for kind in (Berth, Dockerd):
            eng = kind(base)
            engines.append(eng)
            eng.run("load", "-i", archive)
            eng.cid = eng.run("run", "-d", "--network", "none", IMAGE, "sleep",
                              "600").stdout.strip()
            eng.run("exec", eng.cid, "true")  # warm caches
            eng.times = []
        for _ in range(n):
            for eng in engines:
                eng.times.append(timed(lambda: eng.run("exec", eng.cid, "true")))
        print("\n%-10s %12s %10s %10s" % ("engine", "exec median", "q1 (ms)", "q3 (ms)"))
        for eng in engines:
            q = statistics.quantiles(eng.times, n=4)
            print("%-10s %12.1f %10.1f %10.1f" % (eng.name, statistics.median(eng.times) * 1000,
                                                  q[0] * 1000, q[2] * 1000))
        b, d = (statistics.median(e.times) for e in engines)
        print("berth's exec takes %.2f of dockerd's (%.1fx faster)" % (b / d, d / b))
    finally:
        for eng in engines:
            if getattr(eng, "cid", None):
                eng.run("rm", "-f", eng.cid, check=False)
            eng.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20, help="runs for the latency median")
    ap.add_argument("--engines", default="berth,dockerd,podman")
    ap.add_argument("--exec-pairs", action="store_true",
                    help="only `exec CTR true`, berthd and dockerd interleaved")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: run as root")
    base = tempfile.mkdtemp(prefix="berth-bench-", dir="/tmp")
    archive = os.path.join(base, "busybox.tar")
    subprocess.run(["sh", os.path.join(ROOT, "scripts", "busybox-image.sh"), archive], check=True)
    if args.exec_pairs:
        try:
            exec_pairs(base, archive, args.n)
        finally:
            subprocess.run(["umount", "-R", base], capture_output=True)
            shutil.rmtree(base, ignore_errors=True)
        return
    kinds = {"berth": Berth, "dockerd": Dockerd, "podman": Podman}
    results = {}
    for name in args.engines.split(","):
        if name == "dockerd" and not shutil.which("dockerd"):
            print("# dockerd not installed (apt-get install docker.io): skipped")
            continue
        if name == "podman" and not shutil.which("podman"):
            print("# podman not installed (apt-get install podman): skipped")
            continue
        eng = None
        try:
            eng = kinds[name](base)
            results[name] = bench(eng, archive, args.n)
        except Exception as e:  # a broken engine must not hide the others' figures
            print("# %s: %s" % (name, e))
        finally:
            if eng:
                eng.stop()
    subprocess.run(["umount", "-R", base], capture_output=True)
    for dirpath, dirnames, _ in os.walk(base, topdown=False):
        if os.path.ismount(dirpath):
            subprocess.run(["umount", "-l", dirpath], capture_output=True)
    shutil.rmtree(base, ignore_errors=True)

    print("\n%-10s %14s %16s %11s %14s %12s" % ("engine", "run --rm (ms)", "20x run-d+rm (s)",
                                                "exec (ms)", "idle RSS (MiB)", "shim (KiB)"))
    for name, r in results.items():
        print("%-10s %14.1f %16.2f %11.1f %14.1f %12d" % (
            name, r["run"] * 1000, r["batch"], r["exec"] * 1000, r["idle"] / 1024, r["shim"]))
    b = results.get("berth")
    if b:
        for name, r in results.items():
            if name == "berth":
                continue
            print("berth vs %-8s run --rm %.2fx faster, 20x run-d+rm %.2fx faster, exec %.2fx "
                  "faster, daemon RSS %.1fx smaller, shim RSS %.1fx smaller" % (
                      name, r["run"] / b["run"], r["batch"] / b["batch"], r["exec"] / b["exec"],
                      (r["idle"] or 0) / max(b["idle"], 1), (r["shim"] or 0) / max(b["shim"], 1)))


if __name__ == "__main__":
    main()
