"""json-file logs in bulk: escaping byte for byte as docker writes it, many lines through the
batched writer and reader, streams kept apart, rotation under a flood."""
import glob
import json
import os
import subprocess

from conftest import DOCKER


def log_files(daemon, cid):
    return sorted(glob.glob(os.path.join(daemon.data_root, "containers", cid, "*-json.log*")))


def test_log_escaping_as_docker(docker, daemon):
    # plain runs longer than eight bytes around every kind of byte the writer escapes
    text = (r'plain run of ascii 0123456789 a<b>c&d"e\\f\tg\001h\342\200\250i\377j '
            r'\303\251t\303\251 and more plain text at the end\n')
    cid = docker("run", "-d", "busybox", "printf", text).stdout.strip()
    docker("wait", cid)
    with open(log_files(daemon, cid)[0], "rb") as f:
        entry = f.read()
    log = json.loads(entry)["log"]
    # Go's encoder: HTML characters and control bytes as \u00XX, U+2028 escaped, invalid
    # UTF-8 as U+FFFD, other UTF-8 as is
    assert entry.startswith(
        b'{"log":"plain run of ascii 0123456789 a\\u003cb\\u003ec\\u0026d\\"e\\\\f\\tg'
        b'\\u0001h\\u2028i\\ufffdj \xc3\xa9t\xc3\xa9 and more plain text at the end\\n",'
        b'"stream":"stdout","time":"')
    assert log.endswith("end\n")
    r = subprocess.run([DOCKER, "-H", daemon.host, "logs", cid], capture_output=True)
    assert r.stdout == log.encode()


def test_logs_many_lines_and_streams(docker, daemon):
    cid = docker("run", "-d", "busybox", "sh", "-c",
                 "seq 1 30000; echo to-stderr >&2; seq 30001 60000").stdout.strip()
    docker("wait", cid)
    r = subprocess.run([DOCKER, "-H", daemon.host, "logs", cid], capture_output=True, text=True)
    assert r.stdout == "".join("%d\n" % i for i in range(1, 60001))
    assert r.stderr == "to-stderr\n"
    r = subprocess.run([DOCKER, "-H", daemon.host, "logs", "--tail", "2", cid],
                       capture_output=True, text=True)
    assert r.stdout == "59999\n60000\n"
    r = subprocess.run([DOCKER, "-H", daemon.host, "logs", "-t", cid], capture_output=True,
                       text=True)
    lines = r.stdout.splitlines()
    assert len(lines) == 60000 and lines[-1].endswith("Z 60000")


def test_log_rotation_under_flood(docker, daemon):
    cid = docker("run", "-d", "--log-opt", "max-size=100k", "--log-opt", "max-file=3",
                 "busybox", "sh", "-c", "seq 1 200000").stdout.strip()
    docker("wait", cid)
    files = log_files(daemon, cid)
    assert len(files) == 3
    # a file ends at the first entry that reaches max-size
    assert all(os.path.getsize(f) <= 100 * 1024 + 100 for f in files)
    r = subprocess.run([DOCKER, "-H", daemon.host, "logs", cid], capture_output=True, text=True)
    out = r.stdout.splitlines()
    assert out[-1] == "200000"
    # what is left is a contiguous tail
    first = int(out[0])
    assert out == [str(i) for i in range(first, 200001)]
