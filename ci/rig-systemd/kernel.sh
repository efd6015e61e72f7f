#!/usr/bin/env bash
# The kernel the systemd rig boots: the KVM rig's Debian kernel (fetched once, shared), and its
# uncompressed vmlinux beside it, which QEMU boots through its PVH entry ~3 s sooner than vmlinuz.
# usage: kernel.sh DEST     leaves DEST/vmlinux and DEST/modules
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=$1
"$here/../rig-kvm/fetch-kernel.sh" "$dest" >/dev/null
[ "$dest/vmlinux" -nt "$dest/vmlinuz" ] && exit 0
# Debian's bzImage carries the kernel as one xz stream: start at its magic, stop at its end.
offset=$(LC_ALL=C grep -m1 -obUaP '\xFD7zXZ\x00' "$dest/vmlinuz" | awk -F: 'NR == 1 {print $1}')
[ -n "$offset" ] || { echo "kernel.sh: no xz stream in $dest/vmlinuz" >&2; exit 1; }
# xz stops reading at the stream's end, which ends tail with SIGPIPE: only xz's status counts.
{ tail -c +$((offset + 1)) "$dest/vmlinuz" || true; } | xz -dc --single-stream > "$dest/vmlinux.tmp"
mv "$dest/vmlinux.tmp" "$dest/vmlinux"
