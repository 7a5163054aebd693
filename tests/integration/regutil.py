"""A local registry for the registry tests (Debian's docker-registry on 127.0.0.1, on a free
port, with its storage in a temporary directory) and OCI layouts built here, pushed with
skopeo, a registry client no one here wrote."""
import base64
import gzip
import hashlib
import http.server
import threading
import urllib.parse
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time

REGISTRY = "/usr/bin/docker-registry"
SKOPEO = "/usr/bin/skopeo"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    """One docker-registry process; stop() kills it by PID and removes its files."""

    def __init__(self, tls=False, htpasswd=None, token=None):
        self.dir = tempfile.mkdtemp(prefix="berth-reg-", dir="/tmp")
        self.storage = os.path.join(self.dir, "storage")
        self.port = free_port()
        self.host = "127.0.0.1:%d" % self.port
        self.tls = tls
        self.proc = None
        self.ca = None
        self.user = self.password = None
        lines = ["version: 0.1", "log:", "  level: error", "  accesslog:", "    disabled: true",
                 "storage:", "  filesystem:", "    rootdirectory: " + self.storage,
                 "  delete:", "    enabled: true", "http:", "  addr: " + self.host,
                 "  secret: berth-tests"]
        if tls:
            self.ca, cert, key = self._make_certs()
            lines += ["  tls:", "    certificate: " + cert, "    key: " + key]
        if htpasswd:
            self.user, self.password = htpasswd
            pw = os.path.join(self.dir, "htpasswd")
            subprocess.run(["htpasswd", "-Bbc", pw, self.user, self.password], check=True,
                           capture_output=True)
            lines += ["auth:", "  htpasswd:", "    realm: berth-test", "    path: " + pw]
        if token:
            lines += ["auth:", "  token:", "    realm: " + token.realm,
                      "    service: " + token.service, "    issuer: " + token.issuer,
                      "    rootcertbundle: " + token.cert]
        self.config = os.path.join(self.dir, "config.yml")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")

    def _make_certs(self):
        ca_key = os.path.join(self.dir, "ca.key")
        ca = os.path.join(self.dir, "ca.crt")
        key = os.path.join(self.dir, "server.key")
        csr = os.path.join(self.dir, "server.csr")
        cert = os.path.join(self.dir, "server.crt")
        ext = os.path.join(self.dir, "ext.cnf")
        with open(ext, "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        run = lambda *a: subprocess.run(a, check=True, capture_output=True)
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=berth test CA", "-keyout", ca_key, "-out", ca)
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", key, "-out", csr)
        run("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
            "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", cert)
        return ca, cert, key

    def start(self):
        log = open(os.path.join(self.dir, "registry.log"), "ab")
        self.proc = subprocess.Popen([REGISTRY, "serve", self.config], stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("docker-registry exited: " + self.log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("docker-registry did not start")

    def log(self):
        try:
            with open(os.path.join(self.dir, "registry.log"), errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def push_oci(self, layout, tag, repo, all_platforms=False):
        """skopeo copy oci:LAYOUT:TAG docker://HOST/REPO:TAG (keeps the layout's blobs)."""
        args = [SKOPEO, "copy", "-q", "--dest-tls-verify=false", "--preserve-digests"]
        if self.user:
            args += ["--dest-creds", "%s:%s" % (self.user, self.password)]
        if all_platforms:
            args += ["--all"]
        r = subprocess.run(args + ["oci:%s:%s" % (layout, tag),
                                   "docker://%s/%s" % (self.host, repo)],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError("skopeo failed: %s" % r.stderr)

    def blob_path(self, digest):
        hexd = digest.split(":", 1)[1]
        return os.path.join(self.storage, "docker", "registry", "v2", "blobs", "sha256",
                            hexd[:2], hexd, "data")


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenServer:
    """A token server for the registry's token auth: signs JWTs (RS256, with the certificate
    in x5c) with openssl. Anonymous clients get pull access; `user`/`password` (basic auth,
    or the refresh token handed out for offline_token=true) get pull and push."""

    service = "berth-test-registry"
    issuer = "berth-test-issuer"

    def __init__(self, user, password):
        self.dir = tempfile.mkdtemp(prefix="berth-token-", dir="/tmp")
        self.user, self.password = user, password
        self.refresh = "refresh-" + hashlib.sha256(os.urandom(16)).hexdigest()[:16]
        self.key = os.path.join(self.dir, "token.key")
        self.cert = os.path.join(self.dir, "token.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                        "2", "-subj", "/CN=berth token", "-keyout", self.key, "-out",
                        self.cert], check=True, capture_output=True)
        der = subprocess.run(["openssl", "x509", "-in", self.cert, "-outform", "DER"],
                             check=True, capture_output=True).stdout
        self.x5c = base64.b64encode(der).decode()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _answer(self, params, who):
                if who is False:
                    self.send_response(401)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"details":"incorrect username or password"}')
                    return
                tok = outer.sign(params.get("scope", []), who)
                doc = {"token": tok, "access_token": tok, "expires_in": 300}
                if who and params.get("offline_token") == ["true"]:
                    doc["refresh_token"] = outer.refresh
                body = json.dumps(doc).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                params = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                who = None
                h = self.headers.get("Authorization", "")
                if h.startswith("Basic "):
                    u, _, pw = base64.b64decode(h[6:]).decode().partition(":")
                    who = u if (u, pw) == (outer.user, outer.password) else False
                self._answer(params, who)

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                params = urllib.parse.parse_qs(self.rfile.read(n).decode())
                ok = params.get("refresh_token") == [outer.refresh]
                outer.refresh_used = outer.refresh_used or ok
                self._answer(params, outer.user if ok else False)

        self.refresh_used = False
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.realm = "http://127.0.0.1:%d/token" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def sign(self, scopes, who):
        access = []
        for sc in scopes:
            for one in sc.split(" "):
                parts = one.split(":")
                if len(parts) < 3 or parts[0] != "repository":
                    continue
                want = parts[-1].split(",")
                allowed = ["pull", "push"] if who else ["pull"]
                access.append({"type": "repository", "name": ":".join(parts[1:-1]),
                               "actions": [a for a in want if a in allowed]})
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": self.issuer, "sub": who or "", "aud": self.service,
                  "exp": now + 300, "nbf": now - 10, "iat": now,
                  "jti": hashlib.sha256(os.urandom(8)).hexdigest(), "access": access}
        signing_input = (_b64url(json.dumps(header).encode()) + "." +
                         _b64url(json.dumps(claims).encode()))
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key],
                             input=signing_input.encode(), capture_output=True,
                             check=True).stdout
        return signing_input + "." + _b64url(sig)

    def cleanup(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- OCI layouts ----

def _tar(entries):
    """entries: list of (name, kind, data/target, mode). Deterministic tar bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            name, kind = e[0], e[1]
            ti = tarfile.TarInfo(name)
            ti.mtime = 0
            ti.mode = e[3] if len(e) > 3 and e[3] is not None else (
                0o755 if kind == "dir" else 0o644)
            if len(e) > 4:  # xattrs
                ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in e[4].items()}
            if kind == "file":
                data = e[2].encode() if isinstance(e[2], str) else e[2]
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
                continue
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
            elif kind == "symlink":
                ti.type = tarfile.SYMTYPE
                ti.linkname = e[2]
            elif kind == "hardlink":
                ti.type = tarfile.LNKTYPE
                ti.linkname = e[2]
            t.addfile(ti)
    return buf.getvalue()


def _compress(data, how):
    if how == "gzip":
        return gzip.compress(data, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip"
    if how == "zstd":
        r = subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True, check=True)
        return r.stdout, "application/vnd.oci.image.layer.v1.tar+zstd"
    return data, "application/vnd.oci.image.layer.v1.tar"


class Layout:
    """An OCI image layout directory whose index.json names images by ref.name."""

    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(path, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        self.index = {"schemaVersion": 2, "manifests": []}

    def blob(self, data, media_type):
        d = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.path, "blobs", "sha256", d), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": "sha256:" + d, "size": len(data)}

    def image(self, layers, arch="amd64", cmd=None, compression="gzip"):
        """layers: list of entry lists (see _tar), or raw tar bytes. Returns the manifest
        descriptor."""
        descs, diff_ids = [], []
        for i, entries in enumerate(layers):
            raw = entries if isinstance(entries, bytes) else _tar(entries)
            how = compression[i] if isinstance(compression, list) else compression
            data, mt = _compress(raw, how)
            diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
            descs.append(self.blob(data, mt))
        config = {"architecture": arch, "os": "linux", "created": "2024-01-01T00:00:00Z",
                  "config": {"Cmd": cmd or ["sh"],
                             "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                                     "/usr/bin:/sbin:/bin"]},
                  "rootfs": {"type": "layers", "diff_ids": diff_ids}}
        cdesc = self.blob(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json")
        man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
               "config": cdesc, "layers": descs}
        return self.blob(json.dumps(man).encode(), "application/vnd.oci.image.manifest.v1+json")

    def tag(self, desc, name, platform=None):
        d = dict(desc)
        d["annotations"] = {"org.opencontainers.image.ref.name": name}
        if platform:
            d["platform"] = platform
        self.index["manifests"].append(d)
        with open(os.path.join(self.path, "index.json"), "w") as f:
            json.dump(self.index, f)

    def multi(self, name, images):
        """images: list of (platform dict, manifest descriptor): an index tagged `name`."""
        manifests = []
        for plat, desc in images:
            d = dict(desc)
            d["platform"] = plat
            manifests.append(d)
        idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
               "manifests": manifests}
        desc = self.blob(json.dumps(idx).encode(), "application/vnd.oci.image.index.v1+json")
        self.tag(desc, name)
        return desc


def busybox_entries():
    """A busybox root filesystem layer from Debian's busybox-static."""
    with open("/bin/busybox", "rb") as f:
        bb = f.read()
    return [("bin", "dir"), ("bin/busybox", "file", bb, 0o755), ("bin/sh", "symlink", "busybox"),
            ("bin/ls", "symlink", "busybox"), ("bin/cat", "symlink", "busybox"),
            ("bin/readlink", "symlink", "busybox"), ("bin/stat", "symlink", "busybox"),
            ("bin/test", "symlink", "busybox"), ("bin/echo", "symlink", "busybox"),
            ("bin/grep", "symlink", "busybox"), ("bin/sha256sum", "symlink", "busybox"),
            ("tmp", "dir", None, 0o1777), ("etc", "dir"),
            ("etc/passwd", "file", "root:x:0:0:root:/root:/bin/sh\n")]
