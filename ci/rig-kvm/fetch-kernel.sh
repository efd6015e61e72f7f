#!/usr/bin/env bash
# Fetches the Debian kernel the rig boots (linux-image-amd64's current dependency) and unpacks
# it into DEST, without installing it on this machine. Idempotent: a second run reuses it.
# usage: fetch-kernel.sh DEST     prints the kernel version
set -euo pipefail
dest=$1
mkdir -p "$dest"
if [ -f "$dest/version" ] && [ -f "$dest/vmlinuz" ]; then cat "$dest/version"; exit 0; fi

package=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$package" ]; then
  apt-get update -q >/dev/null
  package=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
fi
[ -n "$package" ] || { echo "fetch-kernel: cannot resolve linux-image-amd64 to a kernel package" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && apt-get download -q "$package" >"$work/apt.log" 2>&1); then
  cat "$work/apt.log" >&2
  echo "fetch-kernel: apt-get download $package failed" >&2
  exit 1
fi
dpkg-deb -x "$work"/*.deb "$work/x"
version=${package#linux-image-}
cp "$work/x/boot/vmlinuz-$version" "$dest/vmlinuz"
rm -rf "$dest/modules"
mkdir -p "$dest/modules"
cp -a "$work/x/lib/modules/$version/." "$dest/modules/"
echo "$version" > "$dest/version"
echo "$version"
