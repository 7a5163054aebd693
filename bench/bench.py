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
  - pull of a multi-layer image of 330 MB from a local registry (Debian's docker-registry),
    cold each time (image and layers removed), and the daemon's peak RSS during the pull
and prints ratios against berth. With --net, instead, on each engine's default bridge:
  - median latency of `run --rm -p PORT:80 busybox true`
  - wrk throughput (requests/s) from the host through a published port to busybox httpd
--exec-pairs measures only `exec CTR true`, alternating berthd and dockerd, for a fair
comparison on a machine with other load.
Every daemon is started here, on its own temporary roots,
and stopped by its PID at the end. Not a test: nothing here asserts a timing."""
import argparse
import os
import re
import shutil
import signal
import socket
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
    # a default bridge of its own, removed with its rules at the end
    BRIDGE, BRIDGE_ADDR = "bberth0", "10.211.1.1/24"

    def __init__(self, base):
        self.base = os.path.join(base, "berth")
        os.makedirs(self.base)
        self.sock = os.path.join(self.base, "sock")
        self.exec_root = os.path.join(self.base, "exec")
        self.proc = subprocess.Popen(
            [os.path.join(ROOT, "build", "berthd"), "-H", "unix://" + self.sock,
             "--data-root", os.path.join(self.base, "data"), "--exec-root", self.exec_root,
             "--pidfile", os.path.join(self.base, "pid"), "--log-level", "warn",
             "-b", self.BRIDGE, "--bip", self.BRIDGE_ADDR],
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
        remove_berth_bridge(self.BRIDGE)


def remove_berth_bridge(bridge):
    """The default bridge berthd keeps (as dockerd keeps docker0), and its rules."""
    remove_rules_of(bridge, ["BERTH-F-" + bridge, "BERTH-D-" + bridge, "BERTH-S-" + bridge])
    subprocess.run(["ip", "link", "del", bridge], capture_output=True)


def remove_rules_of(bridge, chains, extra=None):
    """Every rule naming the bridge (or `extra`, a subnet), and the chains given."""
    saved = subprocess.run(["iptables-save"], capture_output=True, text=True).stdout
    tables, table = {}, None
    for line in saved.splitlines():
        words = line.split()
        if line.startswith("*"):
            table = line[1:]
        elif line.startswith("-A ") and (any(c in words for c in chains) or bridge in words or
                                         (extra and extra in words)):
            tables.setdefault(table, []).append("-D " + line[3:])
        elif line.startswith(":") and words[0][1:] in chains:
            tables.setdefault(table, []).extend(["-F " + words[0][1:], "-X " + words[0][1:]])
    rules = "".join("*%s\n%s\nCOMMIT\n" % (t, "\n".join(
        sorted(l, key=lambda x: x.startswith("-F") or x.startswith("-X")))) for t, l in tables.items())
    subprocess.run(["iptables-restore", "-w", "--noflush"], input=rules, text=True,
                   capture_output=True)


class Dockerd(Engine):
    name = "dockerd"
    # with --net: a bridge of its own (dockerd's -b), so a system dockerd's docker0 is untouched
    BRIDGE, BRIDGE_ADDR = "bbench0", "10.211.0.1/24"

    def __init__(self, base, net=False):
        self.base = os.path.join(base, "docker")
        os.makedirs(self.base)
        self.sock = os.path.join(self.base, "sock")
        self.net = net
        if net:
            subprocess.run(["ip", "link", "add", self.BRIDGE, "type", "bridge"], check=True)
            subprocess.run(["ip", "addr", "add", self.BRIDGE_ADDR, "dev", self.BRIDGE], check=True)
            subprocess.run(["ip", "link", "set", self.BRIDGE, "up"], check=True)
            netopts = ["--bridge", self.BRIDGE]
        else:
            # networking off: the measured runs use --network none on every engine
            netopts = ["--bridge", "none", "--iptables=false", "--ip-masq=false"]
        self.proc = subprocess.Popen(
            ["dockerd", "-H", "unix://" + self.sock, "--data-root",
             os.path.join(self.base, "data"), "--exec-root", os.path.join(self.base, "exec"),
             "--pidfile", os.path.join(self.base, "pid"), *netopts, "--log-level", "warn"],
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
        if self.net:
            remove_rules_of(self.BRIDGE, [], extra=self.BRIDGE_ADDR.rsplit(".", 1)[0] + ".0/24")
            subprocess.run(["ip", "link", "del", self.BRIDGE], capture_output=True)


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


PULL_LAYERS = 6
PULL_LAYER_MB = 55


def pull_registry(base):
    """A local registry holding a 330 MB image: six gzip layers of incompressible data."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    import regutil
    reg = regutil.Registry().start()
    layout = regutil.Layout(os.path.join(base, "pull-oci"))
    layers = [[("data%d" % i, "dir"),
               ("data%d/blob" % i, "file", os.urandom(PULL_LAYER_MB << 20))]
              for i in range(PULL_LAYERS)]
    layout.tag(layout.image(layers), "big")
    reg.push_oci(layout.path, "big", "bench/big:big")
    shutil.rmtree(layout.path)
    return reg, "%s/bench/big:big" % reg.host


def peak_rss_reset(pid):
    """Resets VmHWM (the peak RSS) of `pid` so that the next read covers what follows."""
    with open("/proc/%d/clear_refs" % pid, "w") as f:
        f.write("5")


def vm_hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def bench_pull(engine, ref, n):
    times, peaks = [], []
    for _ in range(n):
        engine.run("rmi", "-f", ref, check=False)
        peak_rss_reset(engine.daemon_pid)
        times.append(timed(lambda: engine.run("pull", "-q", ref)))
        peaks.append(vm_hwm_kib(engine.daemon_pid))
    engine.run("rmi", "-f", ref, check=False)
    return {"pull": statistics.median(times), "pull_peak": max(peaks)}


def free_port():
    s = socket.socket()
    s.bind(("", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def bench_net(engine, archive, n):
    engine.run("load", "-i", archive)
    engine.run("run", "--rm", "-p", "%d:80" % free_port(), IMAGE, "true")  # warm caches
    lat = [timed(lambda: engine.run("run", "--rm", "-p", "%d:80" % free_port(), IMAGE, "true"))
           for _ in range(n)]
    port = free_port()
    cid = engine.run("run", "-d", "-p", "%d:80" % port, IMAGE, "httpd", "-f", "-p", "80",
                     "-h", "/etc").stdout.strip()
    url = "http://127.0.0.1:%d/passwd" % port
    deadline = time.time() + 10
    while time.time() < deadline and \
            subprocess.run(["wget", "-q", "-O", "/dev/null", url], capture_output=True).returncode:
        time.sleep(0.1)
    out = subprocess.run(["wrk", "-t2", "-c32", "-d5s", url], capture_output=True,
                         text=True).stdout
    m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    engine.run("rm", "-f", cid)
    return {"run": statistics.median(lat), "rps": float(m.group(1)) if m else 0.0}


def main_net(args, base, archive):
    results = {}
    for name in args.engines.split(","):
        if name == "podman" or (name == "dockerd" and not shutil.which("dockerd")):
            continue
        eng = None
        try:
            eng = Berth(base) if name == "berth" else Dockerd(base, net=True)
            results[name] = bench_net(eng, archive, args.n)
        except Exception as e:
            print("# %s: %s" % (name, e))
        finally:
            if eng:
                eng.stop()
    print("\n%-10s %22s %16s" % ("engine", "run --rm -p (ms)", "wrk (req/s)"))
    for name, r in results.items():
        print("%-10s %22.1f %16.0f" % (name, r["run"] * 1000, r["rps"]))
    b, d = results.get("berth"), results.get("dockerd")
    if b and d:
        print("berth vs dockerd: run --rm -p at %.2f of dockerd's latency, throughput %.2fx" % (
            b["run"] / d["run"], b["rps"] / max(d["rps"], 1)))


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
    ap.add_argument("--only-logs", action="store_true", help="just the log throughput")
    ap.add_argument("--only-pull", action="store_true", help="just the registry pull")
    ap.add_argument("--pulls", type=int, default=3, help="cold pulls for the pull median")
    ap.add_argument("--net", action="store_true", help="networking figures instead")
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
    reg = ref = None
    if not args.only_logs and not args.net:
        reg, ref = pull_registry(base)
    for name in args.engines.split(",") if not args.net else []:
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
            elif args.only_pull:
                results[name] = bench_pull(eng, ref, args.pulls) if eng.daemon_pid else {}
            else:
                results[name] = bench(eng, archive, args.n)
                if eng.daemon_pid:
                    results[name].update(bench_pull(eng, ref, args.pulls))
        except Exception as e:  # a broken engine must not hide the others' figures
            print("# %s: %s" % (name, e))
        finally:
            if eng:
                eng.stop()
    if reg:
        reg.cleanup()
    if args.net:
        main_net(args, base, archive)
    subprocess.run(["umount", "-R", base], capture_output=True)
    for dirpath, dirnames, _ in os.walk(base, topdown=False):
        if os.path.ismount(dirpath):
            subprocess.run(["umount", "-l", dirpath], capture_output=True)
    shutil.rmtree(base, ignore_errors=True)

    if args.net:
        return
    full = {name: r for name, r in results.items() if "run" in r}
    if full:
        print("\n%-10s %14s %16s %11s %14s %12s" % (
            "engine", "run --rm (ms)", "20x run-d+rm (s)", "exec (ms)", "idle RSS (MiB)",
            "shim (KiB)"))
    for name, r in full.items():
        print("%-10s %14.1f %16.2f %11.1f %14.1f %12d" % (
            name, r["run"] * 1000, r["batch"], r["exec"] * 1000, r["idle"] / 1024, r["shim"]))
    logs = {name: r for name, r in results.items() if "log_write" in r}
    if logs:
        print("\n%-10s %16s %16s %16s %16s" % ("engine", "200 MB out (s)", "logs read (s)",
                                              "shim RSS (KiB)", "shim HWM (KiB)"))
    for name, r in logs.items():
        print("%-10s %16.2f %16.2f %16d %16d" % (name, r["log_write"], r["log_read"],
                                               r["log_shim_rss"], r["log_shim_hwm"]))
    pulls = {name: r for name, r in results.items() if "pull" in r}
    if pulls:
        print("\n%-10s %16s %22s" % ("engine", "cold pull (s)", "peak RSS in pull (MiB)"))
    for name, r in pulls.items():
        print("%-10s %16.2f %22.1f" % (name, r["pull"], r["pull_peak"] / 1024))
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
            if name in logs and "berth" in logs:
                print("berth vs %-8s 200 MB through the log %.2fx faster, logs read %.2fx "
                      "faster, total %.2fx faster" % (
                          name, r["log_write"] / b["log_write"], r["log_read"] / b["log_read"],
                          (r["log_write"] + r["log_read"]) / (b["log_write"] + b["log_read"])))
            if name in pulls and "berth" in pulls:
                print("berth vs %-8s cold pull %.2fx faster, peak daemon RSS %.1fx smaller" % (
                    name, r["pull"] / b["pull"], r["pull_peak"] / max(b["pull_peak"], 1)))


if __name__ == "__main__":
    main()
