#!/usr/bin/env bash
# The hardware-style KVM rig: QEMU software emulation (TCG) with nested SVM boots the Debian
# kernel, loads kvm_amd, and runs COMMAND on that nested /dev/kvm, where guest ring 0 is real
# and `syscall` enters it (unlike this machine's KVM). Exits with COMMAND's exit code.
#
# usage: run.sh [--timeout S] [--file PATH]... -- COMMAND [ARGS...]
#   Every --file and COMMAND itself are copied in at the same absolute path, with the shared
#   libraries they need. COMMAND runs with MONOCELL_REQUIRE_KVM=1.
#   RIG_CPU: the emulated CPU (default qemu64,+svm,+npt,+rdrand: no XSAVE, no FSGSBASE).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${RIG_WORK:-$root/build/rig-kvm}
timeout_s=300
files=()
while [ $# -gt 0 ]; do
  case $1 in
    --timeout) timeout_s=$2; shift 2 ;;
    --file) files+=("$(readlink -f "$2")"); shift 2 ;;
    --) shift; break ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: run.sh [--timeout S] [--file PATH]... -- COMMAND [ARGS...]" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "run.sh: qemu-system-x86_64 missing (ci/install-deps.sh)" >&2; exit 2; }

version=$("$here/fetch-kernel.sh" "$work/kernel")
stage=$(mktemp -d "$work/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,proc,sys,dev,tmp,run,modules,payload}
cp /bin/busybox "$stage/bin/busybox"
for applet in sh mount insmod poweroff grep cut cat ls echo sleep uname tee sed tail rm basename sha256sum; do ln -s busybox "$stage/bin/$applet"; done
for m in virt/lib/irqbypass arch/x86/kvm/kvm drivers/crypto/ccp/ccp arch/x86/kvm/kvm-amd; do
  cp "$work/kernel/modules/kernel/$m.ko" "$stage/modules/$(basename "$m").ko"
done
cp "$here/init.sh" "$stage/init"
chmod +x "$stage/init"

# The payload: files at their own absolute paths (tests find images where the build put
# them), binaries stripped of debug info to keep the initramfs small, and their libraries.
copy_in() {
  local path=$1
  mkdir -p "$stage$(dirname "$path")"
  # Only what carries debug info is stripped: guest images have none and go in byte for byte
  # (the conformance table checks every target boots the same file).
  if file -b "$path" | grep -q '^ELF.*with debug_info'; then
    strip --strip-debug -o "$stage$path" "$path"
  else
    cp "$path" "$stage$path"
  fi
}
# copy_with_libraries PATH: PATH and every shared library it loads (real file and the link name).
copy_with_libraries() {
  copy_in "$1"
  file -b "$1" | grep -q 'dynamically linked' || return 0
  ldd "$1" | awk '/=> \// {print $3} /^\t\// {print $1}' | while read -r path; do
    local real
    real=$(readlink -f "$path")
    [ -e "$stage$real" ] || copy_in "$real"
    if [ "$real" != "$path" ] && [ ! -e "$stage$path" ]; then
      mkdir -p "$stage$(dirname "$path")"
      ln -s "$real" "$stage$path"
    fi
  done
}
binary=$(readlink -f "$(command -v "$1" || echo "$1")")
for f in "$binary" "${files[@]}"; do copy_with_libraries "$f"; done
shift
{
  printf 'exec %q' "$binary"
  for arg in "$@"; do printf ' %q' "$arg"; done
  printf '\n'
} > "$stage/payload/run"

initrd="$work/initramfs.cpio"
(cd "$stage" && find . | cpio -o -H newc --quiet) > "$initrd"

log="$work/console.log"
echo "rig-kvm: cpu ${RIG_CPU:-qemu64,+svm,+npt,+rdrand}, kernel $version, initramfs $(( $(stat -c %s "$initrd") / 1024 )) KiB, timeout ${timeout_s}s"
set +e
timeout "$timeout_s" qemu-system-x86_64 -accel tcg -cpu "${RIG_CPU:-qemu64,+svm,+npt,+rdrand}" -smp 1 -m 1024 \
  -nographic -no-reboot -net none -kernel "$work/kernel/vmlinuz" -initrd "$initrd" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1" < /dev/null 2>&1 | tr -d '\r' | sed -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' | tee "$log" |
  grep -v -E '^(SeaBIOS|iPXE|Booting from|Press Ctrl-B|$)' | sed -e 's/^/rig-kvm| /'
qemu_rc=${PIPESTATUS[0]}
set -e
if [ "$qemu_rc" -eq 124 ]; then echo "rig-kvm: QEMU did not finish in ${timeout_s}s" >&2; exit 124; fi
rc=$(sed -n 's/^monocell-rig: exit=\([0-9]*\).*/\1/p' "$log" | tail -1)
[ -n "$rc" ] || { echo "rig-kvm: the rig did not report an exit code (see $log)" >&2; exit 125; }
exit "$rc"
