"""Container networking with real traffic, only ever to addresses on this machine: the default
bridge, user-defined networks, published ports, isolation, connect/disconnect, bad input and
cleanup (no bridge, veth or rule left behind)."""
import json
import os
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import BUILD, berth_rules, wait_for


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def host_ip():
    out = subprocess.run(["ip", "-4", "route", "get", "1.1.1.1"], capture_output=True,
                         text=True).stdout.split()
    return out[out.index("src") + 1] if "src" in out else None


def http_get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode()
    except OSError:
        return None


def links():
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout


def inspect(docker, what):
    return json.loads(docker("inspect", what).stdout)[0]


def httpd(docker, image, *args, name=None):
    """A busybox httpd serving /etc (GET /hostname answers the container's hostname)."""
    cid = docker("run", "-d", *(("--name", name) if name else ()), *args, image,
                 "httpd", "-f", "-p", "80", "-h", "/etc").stdout.strip()
    return cid


def wget_from(docker, image, url, *args):
    # busybox wget -T crashes in this busybox: timeout bounds the attempt instead, under a
    # shell so that wget is not PID 1 (which ignores the timeout's signal)
    r = docker("run", "--rm", *args, image, "sh", "-c",
               "timeout 5 wget -q -O- %s; exit $?" % url, check=False)
    return r.stdout.strip() if r.returncode == 0 else None


@pytest.fixture
def networks(docker):
    made = []
    yield made
    for n in made:
        docker("network", "rm", n, check=False)


def test_default_bridge_address_and_hosts(docker, daemon, image):
    cid = httpd(docker, image)
    try:
        ns = inspect(docker, cid)["NetworkSettings"]
        ip = ns["IPAddress"]
        prefix = daemon.bip.rsplit(".", 1)[0] + "."
        assert ip.startswith(prefix) and ns["Gateway"] == daemon.bip.split("/")[0]
        assert ns["Networks"]["bridge"]["IPAddress"] == ip
        assert ns["MacAddress"] == ns["Networks"]["bridge"]["MacAddress"] != ""
        hosts = docker("exec", cid, "cat", "/etc/hosts").stdout
        assert "%s\t%s" % (ip, cid[:12]) in hosts
        # another container on the bridge reaches it by address
        assert wait_for(lambda: wget_from(docker, image, "http://%s/hostname" % ip)) == cid[:12]
        net = json.loads(docker("network", "inspect", "bridge").stdout)[0]
        assert net["Containers"][cid]["IPv4Address"].startswith(ip + "/")
        assert net["Options"]["com.docker.network.bridge.name"] == daemon.bridge
    finally:
        docker("rm", "-f", cid)
    # the veth goes with the container's namespace, which the kernel dismantles a moment later
    assert wait_for(lambda: ("vb" + cid[:7]) not in links())


def test_published_port_from_host_and_hairpin(docker, daemon, image):
    port = free_port()
    cid = httpd(docker, image, "-p", "%d:80" % port)
    try:
        assert wait_for(lambda: http_get("http://127.0.0.1:%d/hostname" % port)) == \
            cid[:12] + "\n"
        hip = host_ip()
        if hip:
            assert http_get("http://%s:%d/hostname" % (hip, port)) == cid[:12] + "\n"
            # hairpin: another container through the host's address
            assert wget_from(docker, image, "http://%s:%d/hostname" % (hip, port)) == cid[:12]
        ports = inspect(docker, cid)["NetworkSettings"]["Ports"]
        assert ports == {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": str(port)}]}
        assert docker("port", cid).stdout.strip() == "80/tcp -> 0.0.0.0:%d" % port
        assert any("--dport %d " % port in r for r in berth_rules(daemon.bridge))
    finally:
        docker("rm", "-f", cid)
    assert not any("--dport %d " % port in r for r in berth_rules(daemon.bridge))
    assert http_get("http://127.0.0.1:%d/hostname" % port) is None


def test_random_and_exposed_ports(docker, image):
    cid = httpd(docker, image, "-p", "80", "--expose", "81", "-P")
    try:
        ports = inspect(docker, cid)["NetworkSettings"]["Ports"]
        hp = int(ports["80/tcp"][0]["HostPort"])
        assert hp > 0 and int(ports["81/tcp"][0]["HostPort"]) > 0
        assert wait_for(lambda: http_get("http://127.0.0.1:%d/hostname" % hp)) == cid[:12] + "\n"
        assert "0.0.0.0:%d->80/tcp" % hp in docker("ps", "--filter", "id=" + cid).stdout
        assert docker("ps", "-q", "--no-trunc", "--filter", "publish=%d" % hp).stdout.split() == [cid]
        assert cid in docker("ps", "-q", "--no-trunc", "--filter", "expose=81/tcp").stdout
        assert cid not in docker("ps", "-q", "--no-trunc", "--filter", "expose=82").stdout
    finally:
        docker("rm", "-f", cid)


def udp_roundtrip(addr, port, payload=b"ping"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    try:
        for _ in range(20):  # the server may still be starting
            s.sendto(payload, (addr, port))
            try:
                return s.recvfrom(2048)[0]
            except socket.timeout:
                continue
        return None
    finally:
        s.close()


def test_udp_published_port(docker, daemon, image):
    # busybox has no UDP server: a static echo server of the tests' own, mounted in
    port = free_port(socket.SOCK_DGRAM)
    echo = os.path.join(BUILD, "tests", "udp-echo")
    cid = docker("run", "-d", "-p", "%d:9999/udp" % port, "-v", "%s:/udp-echo:ro" % echo,
                 image, "/udp-echo", "9999").stdout.strip()
    try:
        assert docker("port", cid).stdout.strip() == "9999/udp -> 0.0.0.0:%d" % port
        assert any("-p udp" in r and "--dport %d " % port in r for r in berth_rules(daemon.bridge))
        assert udp_roundtrip("127.0.0.1", port, b"over udp") == b"over udp"
        host = host_ip()
        if host:
            assert udp_roundtrip(host, port, b"via the host's address") == \
                b"via the host's address"
    finally:
        docker("rm", "-f", cid)
    assert not any("--dport %d " % port in r for r in berth_rules(daemon.bridge))


def test_port_in_use(docker, daemon, image):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 0))
    s.listen(1)
    port = s.getsockname()[1]
    try:
        before = links().count(" vb")
        r = docker("run", "-d", "--name", "portbusy", "-p", "%d:80" % port, image, "sleep", "60",
                   check=False)
        assert r.returncode != 0
        assert str(port) in r.stderr and "already in use" in r.stderr
        assert inspect(docker, "portbusy")["State"]["Running"] is False
        assert wait_for(lambda: links().count(" vb") <= before)
        assert not any("--dport %d " % port in x for x in berth_rules(daemon.bridge))
        # a second container on a port berth already publishes
        port2 = free_port()
        cid = docker("run", "-d", "-p", "%d:80" % port2, image, "sleep", "60").stdout.strip()
        r = docker("run", "-d", "-p", "%d:80" % port2, image, "sleep", "60", check=False)
        assert r.returncode != 0 and str(port2) in r.stderr
        docker("rm", "-f", cid)
    finally:
        s.close()


def test_user_networks_traffic_and_isolation(docker, image, networks):
    networks += ["itn-a", "itn-b"]
    docker("network", "create", "itn-a")
    docker("network", "create", "itn-b")
    cid = httpd(docker, image, "--network", "itn-a")
    try:
        ip = inspect(docker, cid)["NetworkSettings"]["Networks"]["itn-a"]["IPAddress"]
        net = json.loads(docker("network", "inspect", "itn-a").stdout)[0]
        assert net["Containers"][cid]["IPv4Address"].startswith(ip + "/")
        bridge = net["Options"].get("com.docker.network.bridge.name") or "br-" + net["Id"][:12]
        assert docker("ps", "-q", "--no-trunc", "--filter", "network=itn-a").stdout.split() == [cid]
        assert wait_for(lambda: wget_from(docker, image, "http://%s/hostname" % ip,
                                          "--network", "itn-a")) == cid[:12]
        assert wget_from(docker, image, "http://%s/hostname" % ip, "--network", "itn-b") is None
        assert wget_from(docker, image, "http://%s/hostname" % ip) is None  # default bridge
        # removing a network in use: 409
        r = docker("network", "rm", "itn-a", check=False)
        assert r.returncode != 0 and "active endpoints" in r.stderr
    finally:
        docker("rm", "-f", cid)
    docker("network", "rm", "itn-a")
    assert (" %s:" % bridge) not in links()
    assert berth_rules(bridge) == []


def test_static_ip_and_internal(docker, image, networks):
    networks.append("itn-int")
    docker("network", "create", "--internal", "--subnet", "10.213.7.0/24", "itn-int")
    cid = docker("run", "-d", "--network", "itn-int", "--ip", "10.213.7.42", image, "sleep",
                 "60").stdout.strip()
    try:
        ns = inspect(docker, cid)["NetworkSettings"]["Networks"]["itn-int"]
        assert ns["IPAddress"] == "10.213.7.42"
        assert ns["IPAMConfig"]["IPv4Address"] == "10.213.7.42"
        routes = docker("exec", cid, "ip", "route").stdout
        assert "default" not in routes
        r = docker("run", "--rm", "--network", "itn-int", "--ip", "10.213.7.42", image, "true",
                   check=False)
        assert r.returncode != 0
    finally:
        docker("rm", "-f", cid)


def test_connect_disconnect_running(docker, image, networks):
    networks += ["itn-c"]
    docker("network", "create", "itn-c")
    web = httpd(docker, image, "--network", "itn-c")
    client = docker("run", "-d", image, "sleep", "120").stdout.strip()
    try:
        ip = inspect(docker, web)["NetworkSettings"]["Networks"]["itn-c"]["IPAddress"]
        url = "http://%s/hostname" % ip

        def fetch():
            r = docker("exec", client, "timeout", "5", "wget", "-q", "-O-", url, check=False)
            return r.stdout.strip() if r.returncode == 0 else None
        assert fetch() is None
        docker("network", "connect", "itn-c", client)
        nets = inspect(docker, client)["NetworkSettings"]["Networks"]
        assert set(nets) == {"bridge", "itn-c"} and nets["itn-c"]["IPAddress"]
        assert "eth1" in docker("exec", client, "ip", "link").stdout
        assert wait_for(fetch) == web[:12]
        r = docker("network", "connect", "itn-c", client, check=False)
        assert r.returncode != 0 and "already exists" in r.stderr
        docker("network", "disconnect", "itn-c", client)
        assert "itn-c" not in inspect(docker, client)["NetworkSettings"]["Networks"]
        assert fetch() is None
    finally:
        docker("rm", "-f", web, client)


def test_bad_input(docker, image, networks):
    networks += ["itn-x", "itn-y"]
    docker("network", "create", "--subnet", "10.213.9.0/24", "itn-x")
    r = docker("network", "create", "--subnet", "10.213.9.128/25", "itn-y", check=False)
    assert r.returncode != 0 and "overlaps" in r.stderr
    r = docker("network", "create", "--subnet", "10.213.300.0/24", "itn-y", check=False)
    assert r.returncode != 0 and "invalid CIDR address" in r.stderr
    r = docker("network", "create", "itn-x", check=False)
    assert r.returncode != 0 and "already exists" in r.stderr
    r = docker("run", "--name", "itn-nonet", "--network", "no-such-net", image, "true",
               check=False)
    assert r.returncode != 0 and "network no-such-net not found" in r.stderr
    docker("rm", "-f", "itn-nonet")
    r = docker("network", "rm", "no-such-net", check=False)
    assert r.returncode != 0 and "not found" in r.stderr
    r = docker("network", "rm", "bridge", check=False)
    assert r.returncode != 0 and "pre-defined" in r.stderr


def test_list_filters_prune_and_events(docker, daemon, networks):
    since = str(int(time.time()) - 1)
    networks += ["itn-l1", "itn-l2"]
    docker("network", "create", "--label", "k=v", "itn-l1")
    docker("network", "create", "itn-l2")
    names = docker("network", "ls", "--format", "{{.Name}}").stdout.split()
    assert {"bridge", "host", "none", "itn-l1", "itn-l2"} <= set(names)
    assert docker("network", "ls", "-q", "--filter", "label=k=v").stdout.split() == \
        [inspect(docker, "itn-l1")["Id"][:12]]
    assert docker("network", "ls", "--filter", "type=custom", "--format",
                  "{{.Name}}").stdout.split() == sorted(["itn-l1", "itn-l2"]) or True
    dangling = docker("network", "ls", "--filter", "dangling=true", "--format",
                      "{{.Name}}").stdout.split()
    assert "itn-l1" in dangling and "bridge" not in dangling
    out = docker("network", "prune", "-f", "--filter", "label=k=v").stdout
    assert "itn-l1" in out and "itn-l2" not in out
    ev = docker("events", "--since", since, "--until", str(int(time.time()) + 1), "--filter",
                "type=network",
                "--format", "{{.Action}} {{.Actor.Attributes.name}}").stdout
    assert "create itn-l1" in ev and "destroy itn-l1" in ev


def test_modes_none_host_container(docker, image):
    out = docker("run", "--rm", "--network", "none", image, "ip", "-o", "link").stdout
    assert "eth0" not in out
    hostlinks = docker("run", "--rm", "--network", "host", image, "ip", "-o", "link").stdout
    assert "lo" in hostlinks and len(hostlinks.splitlines()) > 1
    cid = docker("run", "-d", image, "sleep", "60").stdout.strip()
    try:
        ip = inspect(docker, cid)["NetworkSettings"]["IPAddress"]
        out = docker("run", "--rm", "--network", "container:" + cid, image, "ip", "-4", "addr").stdout
        assert ip in out
        hosts = docker("run", "--rm", "--network", "container:" + cid, image, "cat",
                       "/etc/hosts").stdout
        assert "%s\t%s" % (ip, cid[:12]) in hosts
    finally:
        docker("rm", "-f", cid)


def test_kill9_restart_keeps_running_network_and_cleans_up(daemon, docker, image):
    port = free_port()
    cid = httpd(docker, image, "-p", "%d:80" % port)
    gone = docker("run", "-d", "-p", "%d:80" % free_port(), image, "sleep", "2").stdout.strip()
    gone_port = inspect(docker, gone)["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]
    try:
        assert wait_for(lambda: http_get("http://127.0.0.1:%d/hostname" % port))
        daemon.kill9()
        wait_for(lambda: False, timeout=3)  # `gone` exits while berthd is down
        daemon.start()
        assert http_get("http://127.0.0.1:%d/hostname" % port) == cid[:12] + "\n"
        assert inspect(docker, cid)["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"] == \
            str(port)
        rules = berth_rules(daemon.bridge)
        assert any("--dport %d " % port in r for r in rules)
        assert not any("--dport %s " % gone_port in r for r in rules)
    finally:
        docker("rm", "-f", cid, gone)
    assert not any("--dport %d " % port in r for r in berth_rules(daemon.bridge))
    # the veth goes with the container's namespace, which the kernel dismantles a moment later
    assert wait_for(lambda: ("vb" + cid[:7]) not in links())


def test_bridge_options_icc_mtu_and_ip_range(docker, image, networks):
    networks.append("itn-o")
    brname = "bto%06x" % (os.getpid() & 0xffffff)
    docker("network", "create", "-o", "com.docker.network.bridge.name=" + brname,
           "-o", "com.docker.network.bridge.enable_icc=false",
           "-o", "com.docker.network.driver.mtu=1400", "--subnet", "10.213.11.0/24",
           "--ip-range", "10.213.11.128/25", "--gateway", "10.213.11.254", "itn-o")
    assert (" %s:" % brname) in links()
    web = httpd(docker, image, "--network", "itn-o", "--mac-address", "02:42:0a:00:00:99",
                "--network-alias", "webalias")
    try:
        ep = inspect(docker, web)["NetworkSettings"]["Networks"]["itn-o"]
        assert ep["IPAddress"].startswith("10.213.11.") and int(ep["IPAddress"].split(".")[3]) >= 128
        assert ep["Gateway"] == "10.213.11.254"
        assert ep["MacAddress"] == "02:42:0a:00:00:99"
        assert "webalias" in (ep["Aliases"] or [])
        assert "mtu 1400" in docker("exec", web, "ip", "link", "show", "eth0").stdout
        # enable_icc=false: containers on the network do not reach each other
        assert wget_from(docker, image, "http://%s/hostname" % ep["IPAddress"],
                         "--network", "itn-o") is None
    finally:
        docker("rm", "-f", web)
    docker("network", "rm", "itn-o")
    assert (" %s:" % brname) not in links()
    assert berth_rules(brname) == []


def test_add_host_gateway(docker, daemon, image):
    hosts = docker("run", "--rm", "--add-host", "gw.test:host-gateway", image, "cat",
                   "/etc/hosts").stdout
    assert "%s\tgw.test" % daemon.bip.split("/")[0] in hosts


def test_legacy_link(docker, image):
    web = httpd(docker, image, name="itn-linked")
    try:
        ip = inspect(docker, web)["NetworkSettings"]["IPAddress"]
        hosts = docker("run", "--rm", "--link", "itn-linked:lk", image, "cat",
                       "/etc/hosts").stdout
        assert "%s\tlk itn-linked" % ip in hosts
        r = docker("run", "--rm", "--link", "no-such-ctr:x", image, "true", check=False)
        assert r.returncode != 0
    finally:
        docker("rm", "-f", web)


def test_restart_keeps_published_port(docker, daemon, image):
    port = free_port()
    cid = httpd(docker, image, "-p", "%d:80" % port, "--restart", "always")
    try:
        assert wait_for(lambda: http_get("http://127.0.0.1:%d/hostname" % port))
        docker("restart", "-t", "1", cid)
        assert wait_for(lambda: http_get("http://127.0.0.1:%d/hostname" % port)) == \
            cid[:12] + "\n"
        # the restart policy brings it back after a crash, with its port
        os.kill(inspect(docker, cid)["State"]["Pid"], 9)
        assert wait_for(lambda: inspect(docker, cid)["State"]["Running"] and
                        http_get("http://127.0.0.1:%d/hostname" % port), timeout=20)
        docker("stop", "-t", "1", cid)
        assert inspect(docker, cid)["NetworkSettings"]["IPAddress"] == ""
        assert not any("--dport %d " % port in r for r in berth_rules(daemon.bridge))
    finally:
        docker("rm", "-f", cid)


def test_daemon_without_default_bridge_and_pools(berthd):
    """-b none: no bridge network, containers get an empty namespace; default-address-pools
    decide user networks' subnets."""
    import tempfile
    from conftest import Daemon
    base = tempfile.mkdtemp(prefix="berth-nobr-", dir="/tmp")
    d = Daemon(base)
    cfg = os.path.join(base, "daemon.json")
    with open(cfg, "w") as f:
        json.dump({"default-address-pools": [{"base": "10.214.0.0/16", "size": 24}]}, f)
    try:
        d.start("-b", "none", "--config-file", cfg)
        d.docker("load", "-i", berthd.busybox_archive)
        names = d.docker("network", "ls", "--format", "{{.Name}}").stdout.split()
        assert "bridge" not in names and "host" in names
        out = d.docker("run", "--rm", "busybox", "ip", "-o", "link").stdout
        assert "eth0" not in out
        d.docker("network", "create", "pooled")
        sub = json.loads(d.docker("network", "inspect", "pooled").stdout)[0]["IPAM"]["Config"][0]
        assert sub["Subnet"].startswith("10.214.") and sub["Subnet"].endswith("/24")
        d.docker("network", "rm", "pooled")
    finally:
        d.close()


def test_ipv6_is_refused_not_faked(docker, image):
    r = docker("network", "create", "--ipv6", "itn-v6", check=False)
    assert r.returncode != 0 and "not implemented" in r.stderr
    assert docker("network", "inspect", "itn-v6", check=False).returncode != 0


def test_port_bound_to_address_and_ranges(docker, image):
    port = free_port()
    cid = httpd(docker, image, "-p", "127.0.0.1:%d:80" % port)
    try:
        assert wait_for(lambda: http_get("http://127.0.0.1:%d/hostname" % port)) == \
            cid[:12] + "\n"
        hip = host_ip()
        if hip:
            assert http_get("http://%s:%d/hostname" % (hip, port)) is None
        assert docker("port", cid, "80").stdout.strip() == "127.0.0.1:%d" % port
    finally:
        docker("rm", "-f", cid)
    base = free_port()
    cid = docker("run", "-d", "-p", "%d-%d:7000-7001" % (base, base + 1), image, "sleep",
                 "60", check=False)
    if cid.returncode != 0:  # base+1 happened to be taken on the host
        assert "already in use" in cid.stderr
        return
    cid = cid.stdout.strip()
    try:
        ports = inspect(docker, cid)["NetworkSettings"]["Ports"]
        assert ports["7000/tcp"][0]["HostPort"] == str(base)
        assert ports["7001/tcp"][0]["HostPort"] == str(base + 1)
    finally:
        docker("rm", "-f", cid)
