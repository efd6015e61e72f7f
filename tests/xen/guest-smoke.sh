#!/usr/bin/env bash
# Boots monocell guest images on a real Xen (the rig, ci/rig-xen/run.sh) as PVH domUs and checks
# the libOS's Xen platform from dom0 (guest-smoke-dom0.sh): console output, exit codes and
# faults through xenstore and the shutdown reason, the clock, and the ring rendezvous against a
# stand-in for the monitor (fake_monitor.cc). Exits non-zero on any failed check.
# usage: guest-smoke.sh [IMAGE_DIR]      (default build/images; RIG_TIMEOUT, default 900)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
images=$(readlink -f "${1:-$root/build/images}")
work=$root/build/rig-xen
mkdir -p "$work"
tmp=$(mktemp -d "$work/guest-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

g++ -std=c++20 -O2 -Wall -Wextra -Werror -I"$root" -o "$tmp/fake-monitor" "$here/fake_monitor.cc" \
  -lxengnttab -lxenevtchn -lxenstore
files=(--file "$tmp/fake-monitor")
for image in test-hello test-null-deref test-clock test-unknown-syscall test-bad-mmio test-entry-fault \
  test-interrupt-spin hello; do files+=(--file "$images/$image"); done

status=0
RIG_OUT=$tmp/out RIG_LOG=${RIG_LOG:-$work/guest-smoke.console.log} \
  "$root/ci/rig-xen/run.sh" --timeout "${RIG_TIMEOUT:-900}" "${files[@]}" \
  -- "$here/guest-smoke-dom0.sh" "$images" "$tmp/fake-monitor" || status=$?
cat "$tmp/out/guest-smoke.txt" 2>/dev/null || echo "guest-smoke.sh: no results (console log: ${RIG_LOG:-$work/guest-smoke.console.log})" >&2
if [ -n "${GUEST_SMOKE_KEEP:-}" ]; then mkdir -p "$GUEST_SMOKE_KEEP" && cp -r "$tmp/out/." "$GUEST_SMOKE_KEEP/"; fi
exit "$status"
