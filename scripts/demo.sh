#!/bin/sh
# The main job: install dependencies, build, start berthd on /run/berth.sock, load a busybox
# image made from Debian's busybox-static (no network needed) and run a container in it.
# berthd keeps running afterwards; stop it with: kill $(cat /run/berthd.pid)
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
make -j"$(nproc)"
sock=/run/berth.sock
export DOCKER_HOST=unix://$sock
if ! { [ -f /run/berthd.pid ] && kill -0 "$(cat /run/berthd.pid)" 2>/dev/null; }; then
	build/berthd -H unix://$sock >/var/log/berthd.log 2>&1 &
	for i in $(seq 50); do [ -S $sock ] && break; sleep 0.1; done
fi
docker=docker
command -v docker >/dev/null || docker=/usr/local/bin/docker
if ! $docker image inspect busybox:latest >/dev/null 2>&1; then
	sh scripts/busybox-image.sh /tmp/berth-busybox.tar
	$docker load -i /tmp/berth-busybox.tar
	rm -f /tmp/berth-busybox.tar
fi
$docker run --rm busybox echo "hello from a berth container"
echo "berthd is running (pid $(cat /run/berthd.pid)); export DOCKER_HOST=$DOCKER_HOST to use it"
