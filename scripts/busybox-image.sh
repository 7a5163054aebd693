#!/bin/sh
# Writes a `docker load` archive of a busybox image made from Debian's busybox-static.
# Usage: busybox-image.sh OUT.tar [NAME:TAG]   (default busybox:latest)
set -eu
out=$1
name=${2:-busybox:latest}
bb=/bin/busybox
[ -x "$bb" ] || { echo "busybox-image.sh: $bb missing (apt-get install busybox-static)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/home/tester"
cp "$bb" "$root/bin/busybox"
for app in $("$bb" --list); do
	[ "$app" = busybox ] || ln -s busybox "$root/bin/$app"
done
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\ntester:x:1000:1000:tester:/home/tester:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\ntester:x:1000:\nextra:x:1001:tester\n' >"$root/etc/group"
chown 1000:1000 "$root/home/tester"
# a reproducible layer: fixed order, owner and mtime
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | sed 's|^\./||' >"$work/list")
tar --numeric-owner --mtime=@0 --no-recursion -C "$root" -cf "$work/layer.tar" -T "$work/list"
layer=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
cat >"$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:$layer"]},"history":[{"created":"2024-01-01T00:00:00Z","created_by":"busybox-image.sh: /bin/busybox from Debian's busybox-static"}]}
JSON
config=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mkdir -p "$work/archive/$layer"
mv "$work/layer.tar" "$work/archive/$layer/layer.tar"
mv "$work/config.json" "$work/archive/$config.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]\n' "$config" "$name" "$layer" >"$work/archive/manifest.json"
tar --numeric-owner -C "$work/archive" -cf "$out" .
