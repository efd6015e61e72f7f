#!/usr/bin/env bash
# Fetches Debian's Xen 4.17 hypervisor, toolstack and the libraries they load, and unpacks
# them into DEST/root without installing anything on this machine. Idempotent: a second run
# reuses what is there. DEST/packages lists what was unpacked, one "name version" a line.
# usage: fetch-xen.sh DEST
set -euo pipefail
mkdir -p "$1"
dest=$(cd "$1" && pwd)
packages=(
  xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils
  libxenmisc4.17 libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenstore4
  libxentoolcore1 libxentoollog1 libxenhypfs1 libxendevicemodel1 libyajl2
  busybox-static
)
if [ -f "$dest/packages" ] && [ -d "$dest/root" ]; then exit 0; fi

if ! apt-cache show "${packages[0]}" >/dev/null 2>&1; then
  apt-get update -q >/dev/null
fi
for p in "${packages[@]}"; do
  apt-cache show "$p" >/dev/null 2>&1 ||
    { echo "fetch-xen: apt does not know $p (is bookworm or bookworm-security in sources.list?)" >&2; exit 1; }
done

work=$(mktemp -d "$dest/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && apt-get download -q "${packages[@]}" >"$work/apt.log" 2>&1); then
  cat "$work/apt.log" >&2
  echo "fetch-xen: apt-get download of the Xen packages failed (network? apt sources?)" >&2
  exit 1
fi
mkdir "$work/root"
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$work/root"
  dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb" >> "$work/packages"
done
[ -f "$work/root/boot/xen-4.17-amd64.gz" ] ||
  { echo "fetch-xen: xen-hypervisor-4.17-amd64 did not hold boot/xen-4.17-amd64.gz" >&2; exit 1; }
gzip -dc "$work/root/boot/xen-4.17-amd64.gz" > "$work/xen.elf"
rm -rf "$dest/root"
mv "$work/root" "$dest/root"
mv "$work/xen.elf" "$dest/xen.elf"
mv "$work/packages" "$dest/packages"
