"""The embedded DNS server on user-defined networks, queried by busybox in real containers:
names, aliases, short IDs, PTR, per-network visibility, forwarding (to a fake resolver on
this machine given with --dns), and a daemon restart."""
import json
import socket
import struct
import threading

import pytest

from conftest import wait_for

FAKE_NS = "127.0.0.77"  # a loopback address of the host: berthd forwards from its namespace


@pytest.fixture
def networks(docker):
    made = []
    yield made
    for n in made:
        docker("network", "rm", n, check=False)


@pytest.fixture
def fake_resolver():
    """Answers fake.test A 192.0.2.7 over UDP, NXDOMAIN for anything else."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((FAKE_NS, 53))
    except OSError as e:
        s.close()
        pytest.skip("cannot bind %s:53: %s" % (FAKE_NS, e))
    s.settimeout(0.2)
    stop = threading.Event()
    asked = []

    def serve():
        while not stop.is_set():
            try:
                q, peer = s.recvfrom(512)
            except socket.timeout:
                continue
            if len(q) < 12:
                continue
            end = 12
            while end < len(q) and q[end]:
                end += 1 + q[end]
            question = q[12:end + 5]
            labels, i = [], 12
            while i < end:
                labels.append(q[i + 1:i + 1 + q[i]].decode(errors="replace"))
                i += 1 + q[i]
            name = ".".join(labels).lower()
            qtype = struct.unpack("!H", q[end + 1:end + 3])[0]
            asked.append(name)
            hit = name == "fake.test"
            flags = 0x8180 if hit else 0x8183
            ans = b""
            if hit and qtype == 1:
                ans = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton("192.0.2.7")
            hdr = q[:2] + struct.pack("!HHHHH", flags, 1, 1 if ans else 0, 0, 0)
            s.sendto(hdr + question + ans, peer)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield asked
    stop.set()
    t.join()
    s.close()


def inspect(docker, what):
    return json.loads(docker("inspect", what).stdout)[0]


def lookup(docker, client, name):
    """busybox nslookup in the client container; its output, or None when it failed."""
    r = docker("exec", client, "nslookup", name, check=False)
    return r.stdout if r.returncode == 0 else None


def test_dns_names_aliases_ptr_and_isolation(docker, image, networks, fake_resolver):
    networks += ["dns-a", "dns-b"]
    docker("network", "create", "dns-a")
    docker("network", "create", "dns-b")
    web = docker("run", "-d", "--name", "dnsweb", "--network", "dns-a", "--network-alias",
                 "www", image, "httpd", "-f", "-p", "80", "-h", "/etc").stdout.strip()
    ca = docker("run", "-d", "--network", "dns-a", "--dns", FAKE_NS, image, "sleep",
                "120").stdout.strip()
    cb = docker("run", "-d", "--network", "dns-b", "--dns", FAKE_NS, image, "sleep",
                "120").stdout.strip()
    plain = docker("run", "-d", image, "sleep", "120").stdout.strip()
    try:
        ip = inspect(docker, web)["NetworkSettings"]["Networks"]["dns-a"]["IPAddress"]
        for name in ("dnsweb", "DNSWEB", "www", web[:12], "dnsweb.dns-a"):
            out = lookup(docker, ca, name)
            assert out and ip in out, name
        # reverse: "<name>.<network>"
        out = lookup(docker, ca, ip)
        assert out and "dnsweb.dns-a" in out
        # by name over HTTP
        r = docker("exec", ca, "timeout", "5", "wget", "-q", "-O-", "http://dnsweb/hostname",
                   check=False)
        assert r.stdout.strip() == web[:12]
        # not visible from another network: forwarded, and the fake resolver says NXDOMAIN
        assert lookup(docker, cb, "dnsweb") is None
        assert "dnsweb" in fake_resolver
        # other names go to the upstream, from berthd's namespace
        out = lookup(docker, ca, "fake.test")
        assert out and "192.0.2.7" in out
        # resolv.conf as dockerd writes it
        rc = docker("exec", ca, "cat", "/etc/resolv.conf").stdout
        assert "nameserver 127.0.0.11\n" in rc and "options ndots:0\n" in rc
        assert "# ExtServers: [%s]\n" % FAKE_NS in rc
        # the default bridge has no embedded DNS
        assert "127.0.0.11" not in docker("exec", plain, "cat", "/etc/resolv.conf").stdout
    finally:
        docker("rm", "-f", web, ca, cb, plain)


def test_dns_connect_disconnect(docker, image, networks, fake_resolver):
    networks += ["dns-c", "dns-d"]
    docker("network", "create", "dns-c")
    docker("network", "create", "dns-d")
    web = docker("run", "-d", "--name", "dnsweb2", "--network", "dns-c", image, "sleep",
                 "120").stdout.strip()
    client = docker("run", "-d", "--network", "dns-d", "--dns", FAKE_NS, image, "sleep",
                    "120").stdout.strip()
    more = []
    try:
        def resolves():
            r = docker("exec", client, "nslookup", "dnsweb2", check=False)
            return r.returncode == 0 and "Address" in r.stdout.split("dnsweb2")[-1]
        docker("network", "connect", "--alias", "cli", "dns-c", client)
        assert wait_for(resolves)
        r = docker("exec", web, "nslookup", "cli", "127.0.0.11", check=False)
        assert r.returncode == 0
        docker("network", "disconnect", "dns-c", client)
        assert not resolves()
        # a container of the default bridge: its resolv.conf switches to 127.0.0.11 in place
        plain = docker("run", "-d", "--dns", FAKE_NS, image, "sleep", "120").stdout.strip()
        more.append(plain)
        docker("network", "connect", "dns-c", plain)
        rc = docker("exec", plain, "cat", "/etc/resolv.conf").stdout
        assert "nameserver 127.0.0.11\n" in rc and "# ExtServers: [%s]" % FAKE_NS in rc
        r = docker("exec", plain, "nslookup", "dnsweb2", check=False)
        assert r.returncode == 0 and "Address" in r.stdout.split("dnsweb2")[-1]
        # unless the user edited it
        edited = docker("run", "-d", "--dns", FAKE_NS, image, "sleep", "120").stdout.strip()
        more.append(edited)
        docker("exec", edited, "sh", "-c", "echo '# mine' >> /etc/resolv.conf")
        docker("network", "connect", "dns-c", edited)
        rc = docker("exec", edited, "cat", "/etc/resolv.conf").stdout
        assert "127.0.0.11" not in rc and "# mine" in rc
    finally:
        docker("rm", "-f", web, client, *more)


def test_dns_after_daemon_restart(daemon, docker, image, networks, fake_resolver):
    networks.append("dns-r")
    docker("network", "create", "dns-r")
    web = docker("run", "-d", "--name", "dnsweb3", "--network", "dns-r", image, "sleep",
                 "120").stdout.strip()
    client = docker("run", "-d", "--network", "dns-r", "--dns", FAKE_NS, image, "sleep",
                    "120").stdout.strip()
    try:
        ip = inspect(docker, web)["NetworkSettings"]["Networks"]["dns-r"]["IPAddress"]
        assert ip in docker("exec", client, "nslookup", "dnsweb3").stdout
        daemon.kill9()
        daemon.start()
        assert ip in docker("exec", client, "nslookup", "dnsweb3").stdout
        assert "192.0.2.7" in docker("exec", client, "nslookup", "fake.test").stdout
    finally:
        docker("rm", "-f", web, client)


def test_dns_internal_network_forwards_nothing(docker, image, networks, fake_resolver):
    networks.append("dns-int")
    docker("network", "create", "--internal", "dns-int")
    a = docker("run", "-d", "--name", "dnsint", "--network", "dns-int", "--dns", FAKE_NS,
               image, "sleep", "120").stdout.strip()
    try:
        ip = inspect(docker, a)["NetworkSettings"]["Networks"]["dns-int"]["IPAddress"]
        assert ip in docker("exec", a, "nslookup", "dnsint").stdout
        r = docker("exec", a, "nslookup", "fake.test", check=False)
        assert r.returncode != 0 and "fake.test" not in fake_resolver
        docker("network", "connect", "bridge", a)
        assert "192.0.2.7" in docker("exec", a, "nslookup", "fake.test").stdout
    finally:
        docker("rm", "-f", a)
