#!/usr/bin/python3
"""berth against dockerd and podman on this machine, in one run.

Measures, for each engine that is installed:
  - median latency of `run --rm --network none busybox true` (N runs)
  - total time of `run -d` + `rm -f` for 20 containers
  - idle RSS of the daemon (dockerd counts containerd too; podman has no daemon)
  - RSS of the per-container monitor (berth-shim, containerd-shim-runc-v2, conmon)
  - median latency of `exec CTR true`
  - log throughput: a container writes 200 MB to stdout in 100-byte lines; the time until it
    has exited (every line through the log driver) and the time `logs CTR > /dev/null` takes
    to return all of it, with the monitor's RSS and high-water mark sampled while it streams
and prints ratios against berth. Every daemon is started here, on its own temporary roots,
and stopped by its PID at the end. Not a test: nothing here asserts a timing."""
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


def rss_kib(pid, field="VmRSS"):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
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

    def shim_pid(self, cid):
        return None

    def shim_rss(self, cid):
        pid = self.shim_pid(cid)
        return rss_kib(pid) if pid else 0


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

    def shim_pid(self, cid):
        for pid, cmd in pids_matching("berth-shim"):
            if cid in cmd:
                return pid
        return None

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

    def shim_pid(self, cid):
        for pid, cmd in pids_matching("containerd-shim"):
            if cid in cmd or self.base in cmd:
                return pid
        return None

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

    def shim_pid(self, cid):
        for pid, cmd in pids_matching("conmon"):
            if cid in cmd:
                return pid
        return None

    def stop(self):
        self.run("rm", "-af", check=False)
        subprocess.run(["umount", "-R", os.path.join(self.base, "root")],
                       capture_output=True)


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


LOG_BYTES = 200 * 1000 * 1000
LOG_LINE = "x" * 99  # with its newline, 100 bytes a line


def log_throughput(engine):
    """Seconds for 200 MB of stdout to go through the log driver (start to exit) and for
    `logs` to return it all, and the monitor's peak RSS while it streamed."""
    t0 = time.perf_counter()
    cid = engine.run("run", "-d", "--network", "none", IMAGE, "sh", "-c",
                     "yes %s | head -c %d" % (LOG_LINE, LOG_BYTES)).stdout.strip()
    # `wait` blocks in the daemon; polling with the CLI would steal CPU from the run
    waiter = subprocess.Popen(engine.cli() + ["wait", cid], stdout=subprocess.DEVNULL)
    pid = engine.shim_pid(cid)
    rss = hwm = 0
    while waiter.poll() is None:
        if pid:
            rss = max(rss, rss_kib(pid))
            hwm = max(hwm, rss_kib(pid, "VmHWM"))
        time.sleep(0.05)
    write = time.perf_counter() - t0
    with open(os.devnull, "w") as null:
        t = time.perf_counter()
        subprocess.run(engine.cli() + ["logs", cid], stdout=null, check=True)
        read = time.perf_counter() - t
    # untimed: every byte came back
    p = subprocess.Popen(engine.cli() + ["logs", cid], stdout=subprocess.PIPE)
    got = 0
    while True:
        b = p.stdout.read(1 << 20)
        if not b:
            break
        got += len(b)
    p.wait()
    engine.run("rm", "-f", cid)
    if got != LOG_BYTES:
        raise RuntimeError("%s logs returned %d bytes of %d" % (engine.name, got, LOG_BYTES))
    return {"log_write": write, "log_read": read, "log_shim_rss": rss, "log_shim_hwm": hwm}


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
    r = {"run": statistics.median(lat), "batch": batch, "idle": idle, "shim": shim,
         "exec": statistics.median(execs)}
    r.update(log_throughput(engine))
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20, help="runs for the latency median")
    ap.add_argument("--engines", default="berth,dockerd,podman")
    ap.add_argument("--only-logs", action="store_true", help="just the log throughput")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: run as root")
    base = tempfile.mkdtemp(prefix="berth-bench-", dir="/tmp")
    archive = os.path.join(base, "busybox.tar")
    subprocess.run(["sh", os.path.join(ROOT, "scripts", "busybox-image.sh"), archive], check=True)
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
            if args.only_logs:
                eng.run("load", "-i", archive)
                results[name] = log_throughput(eng)
            else:
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

    full = {name: r for name, r in results.items() if "run" in r}
    if full:
        print("\n%-10s %14s %16s %11s %14s %12s" % (
            "engine", "run --rm (ms)", "20x run-d+rm (s)", "exec (ms)", "idle RSS (MiB)",
            "shim (KiB)"))
    for name, r in full.items():
        print("%-10s %14.1f %16.2f %11.1f %14.1f %12d" % (
            name, r["run"] * 1000, r["batch"], r["exec"] * 1000, r["idle"] / 1024, r["shim"]))
    print("\n%-10s %16s %16s %16s %16s" % ("engine", "200 MB out (s)", "logs read (s)",
                                          "shim RSS (KiB)", "shim HWM (KiB)"))
    for name, r in results.items():
        print("%-10s %16.2f %16.2f %16d %16d" % (name, r["log_write"], r["log_read"],
                                               r["log_shim_rss"], r["log_shim_hwm"]))
    b = results.get("berth")
    if b:
        for name, r in results.items():
            if name == "berth":
                continue
            if name in full and "berth" in full:
                print("berth vs %-8s run --rm %.2fx faster, 20x run-d+rm %.2fx faster, exec %.2fx "
                      "faster, daemon RSS %.1fx smaller, shim RSS %.1fx smaller" % (
                          name, r["run"] / b["run"], r["batch"] / b["batch"],
                          r["exec"] / b["exec"], (r["idle"] or 0) / max(b["idle"], 1),
                          (r["shim"] or 0) / max(b["shim"], 1)))
            print("berth vs %-8s 200 MB through the log %.2fx faster, logs read %.2fx faster, "
                  "total %.2fx faster" % (
                      name, r["log_write"] / b["log_write"], r["log_read"] / b["log_read"],
                      (r["log_write"] + r["log_read"]) / (b["log_write"] + b["log_read"])))


if __name__ == "__main__":
    main()
