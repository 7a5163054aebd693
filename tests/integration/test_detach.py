"""Detach keys: a TTY client with stdin leaves the container running when it types the detach
sequence (ctrl-p ctrl-q, or --detach-keys / ?detachKeys= / the exec's DetachKeys). The docker
CLI is driven under a real pseudo-terminal; the daemon's own detection is checked with a raw
API client, which the CLI's own escape proxy would hide."""
import json
import os
import pty
import select
import socket
import subprocess
import threading
import time

from conftest import DOCKER, wait_for


class Term:
    """The docker CLI on the slave side of a fresh PTY; everything it prints is collected."""

    def __init__(self, daemon, *args):
        self.master, slave = pty.openpty()
        env = dict(os.environ, DOCKER_HOST=daemon.host, TERM="xterm",
                   DOCKER_CONFIG=os.path.join(daemon.base, "docker-config"))
        self.proc = subprocess.Popen([DOCKER, *args], stdin=slave, stdout=slave, stderr=slave,
                                     env=env, start_new_session=True, close_fds=True)
        os.close(slave)
        self.out = b""
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                r, _, _ = select.select([self.master], [], [], 0.2)
                if not r:
                    if self.proc.poll() is not None:
                        return
                    continue
                data = os.read(self.master, 4096)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.out += data

    def text(self):
        with self.lock:
            return self.out.decode(errors="replace")

    def send(self, data):
        os.write(self.master, data)

    def expect(self, s, timeout=20):
        assert wait_for(lambda: s in self.text(), timeout), \
            "%r not seen in %r" % (s, self.text())

    def wait(self, timeout=20):
        try:
            return self.proc.wait(timeout)
        finally:
            self.reader.join(5)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(5)
        os.close(self.master)


def running(docker, name):
    return docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip() == "true"


def test_run_it_detaches_with_ctrl_p_ctrl_q(daemon, docker):
    t = Term(daemon, "run", "-it", "--name", "dt1", "busybox", "sh")
    try:
        t.send(b"echo one$((40+2))\r")
        t.expect("one42")
        t.send(b"\x10\x11")
        assert t.wait() == 0
    finally:
        t.close()
    assert running(docker, "dt1")

    # and attach again: the shell still reads its terminal
    t = Term(daemon, "attach", "dt1")
    try:
        wait_for(lambda: False, 0.3)  # the CLI's attach is up before input matters
        t.send(b"echo hi$((1+1))\r")
        t.expect("hi2")
        t.send(b"\x10\x11")
        # docker attach ends with the escape error (exit 1), docker run -it quietly
        t.wait()
        assert "read escape sequence" in t.text()
    finally:
        t.close()
    assert running(docker, "dt1")


def test_custom_detach_keys(daemon, docker):
    t = Term(daemon, "run", "-it", "--detach-keys", "ctrl-x,x", "--name", "dt2", "busybox",
             "sh")
    try:
        t.send(b"echo two$((2+2))\r")
        t.expect("two4")
        # the default sequence is no longer special
        t.send(b"\x10\x11")
        t.send(b"\x18x")
        assert t.wait() == 0
    finally:
        t.close()
    assert running(docker, "dt2")


def test_invalid_detach_keys(daemon, docker, api):
    docker("run", "-dit", "--name", "dt3", "busybox", "sh")
    r = api("POST", "/containers/dt3/attach?stream=1&stdin=1&stdout=1&detachKeys=ctrl-1")
    assert r.status == 400
    assert r.message == "Invalid detach keys (ctrl-1) provided"
    t = Term(daemon, "attach", "--detach-keys", "ctrl-foo", "dt3")
    try:
        assert t.wait() != 0
        # the CLI's words for any refused upgrade, as against dockerd
        assert "unable to upgrade to tcp, received 400" in t.text()
    finally:
        t.close()
    r = api("POST", "/containers/dt3/exec",
            {"Cmd": ["sh"], "AttachStdin": True, "Tty": True, "DetachKeys": "a,,b"})
    assert r.status == 500
    assert r.message == "Invalid escape keys (a,,b) provided"
    assert running(docker, "dt3")


def test_exec_it_detaches(daemon, docker):
    docker("run", "-d", "--name", "dt4", "busybox", "sleep", "300")
    t = Term(daemon, "exec", "-it", "dt4", "sh")
    try:
        t.send(b"echo ex$((3+3))\r")
        t.expect("ex6")
        t.send(b"\x10\x11")
        t.wait()
        assert "read escape sequence" in t.text()
    finally:
        t.close()
    assert running(docker, "dt4")
    # the exec's shell keeps running in the container
    ps = docker("exec", "dt4", "ps", "-o", "comm").stdout.split()
    assert "sh" in ps


def hijack(daemon, path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(daemon.sock)
    s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
               "Content-Length: 0\r\n\r\n" % path).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        assert chunk, head
        head += chunk
    assert head.split(b" ")[1] == b"101", head
    return s


def read_until(s, pred, timeout=20):
    got = b""
    deadline = time.time() + timeout
    while time.time() < deadline and not pred(got):
        s.settimeout(max(0.1, deadline - time.time()))
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            return got, True
        got += chunk
    return got, False


def test_daemon_detects_the_sequence(daemon, docker):
    """What the CLI never sends (its proxy swallows the keys): the shim must see them too, hold
    a partial match back and pass it on when the sequence breaks."""
    docker("run", "-dit", "--name", "dt5", "busybox", "cat")
    s = hijack(daemon, "/containers/dt5/attach?stream=1&stdin=1&stdout=1&stderr=1"
                       "&detachKeys=ctrl-x,y")
    try:
        # ctrl-x then q: no detach, both reach the terminal (echoed as ^Xq)
        s.sendall(b"a\x18")
        s.sendall(b"qb\n")
        got, eof = read_until(s, lambda b: b"^Xqb" in b)
        assert b"a^Xqb" in got and not eof, got
        s.sendall(b"zz\x18y")
        got, eof = read_until(s, lambda b: False)
        assert eof, got
    finally:
        s.close()
    assert running(docker, "dt5")
    # the default sequence on a second attach, StdinOnce irrelevant: cat still reads
    s = hijack(daemon, "/containers/dt5/attach?stream=1&stdin=1&stdout=1")
    try:
        s.sendall(b"again\n")
        got, eof = read_until(s, lambda b: b"again" in b)
        assert b"again" in got
        s.sendall(b"\x10\x11")
        got, eof = read_until(s, lambda b: False)
        assert eof
    finally:
        s.close()
    assert running(docker, "dt5")
    logs = docker("logs", "dt5").stdout
    assert "zz" in logs


def test_no_tty_no_detach(daemon, docker):
    """dockerd watches for the sequence on TTY attaches only."""
    docker("run", "-di", "--name", "dt6", "busybox", "cat")
    s = hijack(daemon, "/containers/dt6/attach?stream=1&stdin=1&stdout=1")
    try:
        s.sendall(b"x\x10\x11y\n")
        got, eof = read_until(s, lambda b: b"y\n" in b)
        assert not eof and b"x\x10\x11y\n" in got, got
    finally:
        s.close()
    assert json.loads(docker("inspect", "dt6").stdout)[0]["State"]["Running"]
