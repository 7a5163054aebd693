#!/bin/sh
# Installs what berth needs to build, run and test on Debian 12 (as root).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential pkg-config libjansson-dev libarchive-dev libssl-dev zlib1g-dev \
	libzstd-dev libcurl4-openssl-dev libseccomp-dev docker-registry skopeo apache2-utils openssl \
	libcap-dev runc busybox-static iproute2 iptables procps psmisc python3 python3-pytest \
	python3-docker docker-compose tini zstd util-linux ca-certificates >/dev/null
