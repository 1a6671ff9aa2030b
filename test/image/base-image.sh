#!/usr/bin/env bash
# Builds a Node 24 base image for the image test without a registry (this machine has none):
# debootstrap --variant=minbase bookworm, plus the project's own Node 24 binary and npm copied in,
# then `podman import`. Prints the image name. The image is tagged with the Node version and this
# script's hash and kept between runs: a second run on the same machine costs one `podman image exists`.
# The debootstrap tree is cached in /var/cache/mcpx-image-test (it is the slow part: about 2 minutes).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
root=$(cd "$(dirname "$0")/../.." && pwd)
node_bin="$root/node_modules/node/bin/node"
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
version=$("$node_bin" --version)
hash=$(cat "$0" "${NODE_EXTRA_CA_CERTS:-/dev/null}" 2>/dev/null | sha256sum | cut -c1-8)
image="localhost/mcpx-test-node:${version#v}-$hash"
if podman image exists "$image"; then echo "$image"; exit 0; fi

cache=/var/cache/mcpx-image-test
rootfs_tar="$cache/bookworm-minbase.tar"
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ ! -s "$rootfs_tar" ]; then
  mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  debootstrap --variant=minbase bookworm "$work/rootfs" "${mirror:-http://deb.debian.org/debian}" >&2
  # Keep the tree small: no apt lists or package cache in the image.
  rm -rf "$work/rootfs/var/lib/apt/lists"/* "$work/rootfs/var/cache/apt"/*
  tar -C "$work/rootfs" -cf "$rootfs_tar.tmp" .
  mv "$rootfs_tar.tmp" "$rootfs_tar"
  rm -rf "$work/rootfs"
fi
mkdir -p "$work/add/usr/local/bin" "$work/add/usr/local/lib/node_modules"
cp "$node_bin" "$work/add/usr/local/bin/node"
cp -r "$npm_dir" "$work/add/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/add/usr/local/bin/npm"
# The machine's extra CA (a proxy's, as in this sandbox) goes in too, or npm ci in a build stage
# cannot reach the registry: an image built elsewhere would have its own network's.
changes=(--change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' --change 'CMD ["node"]')
extra=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  mkdir -p "$work/add/usr/local/share"
  cp "$NODE_EXTRA_CA_CERTS" "$work/add/usr/local/share/mcpx-test-ca.crt"
  extra=(./usr/local/share/mcpx-test-ca.crt)
  changes+=(--change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/mcpx-test-ca.crt')
fi
cp "$rootfs_tar" "$work/image.tar"
# Only new paths: the rootfs has usr/local/bin and usr/local/lib, and a layer may not list a path twice.
tar -C "$work/add" -rf "$work/image.tar" ./usr/local/bin/node ./usr/local/bin/npm ./usr/local/lib/node_modules "${extra[@]}"
podman import "${changes[@]}" "$work/image.tar" "$image" >&2
# Older bases (another Node, another version of this script) are only disk now.
podman images --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/mcpx-test-node:' | grep -vxF "$image" |
  xargs -r podman rmi >&2 || true
echo "$image"
