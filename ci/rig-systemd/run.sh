#!/usr/bin/env bash
# `make rig-systemd`: boots this machine's systemd 252 as PID 1 under QEMU TCG with nested SVM
# (SYSTEMD-RIG.md) and runs monocell's systemd scenarios there (scenarios.sh, a unit of its own).
# Passes when every scenario printed PASS on the serial console; otherwise names those that failed.
# usage: run.sh BUILD_DIR IMAGE_DIR BIN_DIR
#   RIG_TIMEOUT (s, default 240), RIG_WORK (default build/rig-systemd), RIG_KERNEL (default the
#   KVM rig's kernel folder, so the kernel is fetched once for both rigs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(readlink -f "$1") images=$(readlink -f "$2") bin=$(readlink -f "$3")
work=${RIG_WORK:-$root/build/rig-systemd}
kernel=${RIG_KERNEL:-$root/build/rig-kvm/kernel}
timeout_s=${RIG_TIMEOUT:-240}
command -v qemu-system-x86_64 >/dev/null || { echo "rig-systemd: qemu-system-x86_64 missing (ci/install-deps.sh)" >&2; exit 2; }
[ -x "$bin/monocell" ] || { echo "rig-systemd: $bin/monocell is missing (make build first)" >&2; exit 2; }
started=$SECONDS

"$here/kernel.sh" "$kernel"
mkdir -p "$work"
stage=$(mktemp -d "$work/stage.XXXXXX")
qemu=
# QEMU is waited for whatever way this script ends: killed QEMUs left as zombies are reaped
# slowly on these machines (SYSTEMD-RIG.md, Traps).
trap 'if [ -n "$qemu" ]; then kill "$qemu" 2>/dev/null; wait "$qemu" 2>/dev/null; fi; rm -rf "$stage"' EXIT

# The payload: the CLI, its generator when built, the images and process apps the scenarios run.
payload=("$bin/monocell")
[ -x "$bin/monocell-systemd-generator" ] && payload+=("$bin/monocell-systemd-generator")
for app in hello test-ready test-signals test-stdio-burst; do payload+=("$images/$app"); done
for app in test-ready test-signals test-stdio-burst; do payload+=("$build/tests/apps/$app"); done
printf 'MONOCELL=%s\nPROCESS_APPS=%s\n' "$bin/monocell" "$build/tests/apps" > "$work/rig.env"
"$here/stage.sh" "$stage" "$kernel" "$work/rig.env" "${payload[@]}"
initrd=$work/initramfs.cpio
(cd "$stage" && find . | cpio -o -H newc --quiet) > "$initrd"
echo "rig-systemd: systemd $(systemctl --version | awk 'NR==1 {print $2}'), kernel $(cat "$kernel/version")," \
     "initramfs $(( $(stat -c %s "$initrd") >> 20 )) MiB, timeout ${timeout_s}s"

raw=$work/serial.raw log=$work/console.log
timeout --foreground -k 5 "$timeout_s" qemu-system-x86_64 -accel tcg -cpu qemu64,+svm,+npt,+rdrand -smp 1 -m 1024 \
  -nodefaults -display none -serial stdio -no-reboot -kernel "$kernel/vmlinux" -initrd "$initrd" \
  -append "console=ttyS0 panic=-1 quiet audit=0" < /dev/null > "$raw" 2>&1 &
qemu=$!
tail -n +1 -f --pid="$qemu" "$raw" | tr -d '\r' | sed -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' | tee "$log" | sed -e 's/^/rig-systemd| /'
qemu_rc=0
wait "$qemu" || qemu_rc=$?
qemu=

# The verdict, from the scenarios' own lines (a line may share the console with systemd's).
results=$(grep -ao 'monocell-systemd: .*' "$log" || true)
failed=$(sed -n 's/^monocell-systemd: FAIL \([^:]*\):.*/\1/p' <<<"$results" | tr '\n' ' ')
if ! grep -q '^monocell-systemd: done' <<<"$results"; then
  [ "$qemu_rc" -eq 124 ] && echo "rig-systemd: QEMU did not finish in ${timeout_s}s" >&2
  echo "rig-systemd: FAILED: the scenarios did not finish (QEMU exit $qemu_rc${failed:+; failed so far: $failed}; see $log)" >&2
  exit 1
fi
if [ -n "$failed" ]; then
  echo "rig-systemd: FAILED scenarios: $failed(see $log)" >&2
  exit 1
fi
echo "rig-systemd: all $(grep -c '^monocell-systemd: PASS' <<<"$results") scenarios passed in $((SECONDS - started)) s"
