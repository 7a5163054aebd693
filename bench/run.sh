#!/bin/sh
# Benchmarks berth against dockerd and podman (when installed) on this machine, in one run.
# apt-get install docker.io podman   gives both. Needs a built tree (make).
set -eu
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/bench.py "$@"
