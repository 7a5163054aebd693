#!/bin/sh
# The main job: install dependencies, build, start berthd on /run/berth.sock, load a busybox
# image made from Debian's busybox-static (no network needed) and run a container in it with
# berth's own CLI. berthd keeps running afterwards; stop it with: kill $(cat /run/berthd.pid)
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
make -j"$(nproc)"
sock=/run/berth.sock
berth="build/berth -H unix://$sock"
if ! { [ -f /run/berthd.pid ] && kill -0 "$(cat /run/berthd.pid)" 2>/dev/null; }; then
	build/berthd -H unix://$sock >>/var/log/berthd.log 2>&1 &
	for i in $(seq 100); do $berth version >/dev/null 2>&1 && break; sleep 0.1; done
fi
if ! $berth image inspect busybox:latest >/dev/null 2>&1; then
	sh scripts/busybox-image.sh /tmp/berth-busybox.tar
	$berth load -i /tmp/berth-busybox.tar
	rm -f /tmp/berth-busybox.tar
fi
$berth run --rm busybox echo "hello from a berth container"
echo "berthd is running (pid $(cat /run/berthd.pid)). Use it with:"
echo "  build/berth -H unix://$sock ps        or   DOCKER_HOST=unix://$sock docker ps"
