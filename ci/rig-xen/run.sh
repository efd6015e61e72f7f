#!/usr/bin/env bash
# The Xen rig: QEMU software emulation (TCG, SVM + NPT) boots Debian's Xen 4.17 with Debian's
# kernel as dom0 and the Xen toolstack in its initramfs, then runs COMMAND in dom0 once
# xenstored, xen-init-dom0 and xenconsoled are up. Exits with COMMAND's exit code.
#
# usage: run.sh [--timeout S] [--file PATH]... -- COMMAND [ARGS...]
#   Every --file and COMMAND itself are copied in at the same absolute path, with the shared
#   libraries they need (Xen's from the downloaded packages, the rest from this machine).
#   COMMAND runs as root in dom0 with MONOCELL_REQUIRE_XEN=1, PATH starting with
#   /usr/lib/xen-4.17/bin, and MONOCELL_RIG_OUT: a directory shared with the host over 9p.
#   RIG_OUT=DIR     copy what COMMAND left in $MONOCELL_RIG_OUT into DIR (created if missing)
#   RIG_LOG=FILE    the console log (default build/rig-xen/console.log)
#   RIG_WORK=DIR    the download cache and staging area (default build/rig-xen)
#   RIG_CPU         the emulated CPU (default qemu64,+svm,+npt,+rdrand)
#   RIG_MEM         QEMU's memory in MiB (default 1024); RIG_DOM0_MEM dom0's (default 512M)
#   RIG_XEN_ARGS    more options for Xen's command line (xen-command-line.pandoc), e.g. loglvl=all
# Exit codes besides COMMAND's: 2 usage or a missing host tool, 124 timeout, 125 the rig
# itself failed (no toolstack, or no exit code reported; see the console log).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${RIG_WORK:-$root/build/rig-xen}
timeout_s=600
files=()
while [ $# -gt 0 ]; do
  case $1 in
    --timeout) timeout_s=$2; shift 2 ;;
    --file) [ -e "$2" ] || { echo "run.sh: --file $2 does not exist" >&2; exit 2; }
            files+=("$(readlink -f "$2")"); shift 2 ;;
    --) shift; break ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: run.sh [--timeout S] [--file PATH]... -- COMMAND [ARGS...]" >&2; exit 2; }
binary=$(readlink -f "$(type -P "$1" || echo "$1")")
[ -f "$binary" ] || { echo "run.sh: COMMAND $1 not found" >&2; exit 2; }
for tool in qemu-system-x86_64 cpio objcopy strip file xz flock apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool missing (ci/install-deps.sh)" >&2; exit 2; }
done
mkdir -p "$work"
work=$(cd "$work" && pwd)
case $work in
  *[,\ ]*) echo "run.sh: the rig's directory $work holds a comma or a space, which QEMU's multiboot" \
             "module list cannot carry; set RIG_WORK to another directory" >&2; exit 2 ;;
esac
log=${RIG_LOG:-$work/console.log}
mkdir -p "$(dirname "$log")"

# The caches (Xen packages, kernel, its uncompressed vmlinux), one fetcher at a time.
exec 9>"$work/.cache.lock"
flock 9
"$here/fetch-xen.sh" "$work/xen"
xenroot=$work/xen/root
version=$("$root/ci/rig-kvm/fetch-kernel.sh" "$work/kernel")
kernel=$work/kernel
if [ ! -f "$kernel/vmlinux" ]; then
  # Xen loads an ELF dom0 kernel as is; the bzImage would be decompressed under TCG every boot.
  offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$kernel/vmlinuz" | head -1 | cut -d: -f1)
  [ -n "$offset" ] || { echo "run.sh: no xz stream in $kernel/vmlinuz (kernel compression changed?)" >&2; exit 125; }
  tail -c +$((offset + 1)) "$kernel/vmlinuz" | xz -dc --single-stream > "$kernel/vmlinux.part" 2>/dev/null || true
  file -b "$kernel/vmlinux.part" | grep -q '^ELF 64-bit' ||
    { echo "run.sh: extracting an ELF vmlinux from $kernel/vmlinuz failed" >&2; exit 125; }
  mv "$kernel/vmlinux.part" "$kernel/vmlinux"
fi
# copy_in SRC DST: one file. Only what carries debug info is stripped (of it alone), to keep the
# initramfs small; guest images have none and go in byte for byte.
copy_in() {
  mkdir -p "$rootfs$(dirname "$2")"
  rm -f "$rootfs$2"
  if file -b "$1" | grep -q '^ELF.*with debug_info'; then
    strip --strip-debug -o "$rootfs$2" "$1"
  else
    cp "$1" "$rootfs$2"
  fi
}
# in_rig PATH: where PATH lives in dom0 (the Xen packages' files at their packaged paths).
in_rig() {
  case $1 in "$xenroot"/*) echo "${1#"$xenroot"}" ;; *) echo "$1" ;; esac
}
# have PATH: PATH is in dom0 already, from the toolstack's initramfs or the payload's.
have() {
  [ -e "$rootfs$1" ] || [ -L "$rootfs$1" ] || [ -e "$base_root$1" ] || [ -L "$base_root$1" ]
}
# copy_library PATH: a library, as its real file and under the name it was found by.
copy_library() {
  local real dst_real dst_link
  real=$(readlink -f "$1")
  dst_real=$(in_rig "$real")
  dst_link=$(in_rig "$1")
  have "$dst_real" || copy_in "$real" "$dst_real"
  if [ "$dst_link" != "$dst_real" ] && ! have "$dst_link"; then
    mkdir -p "$rootfs$(dirname "$dst_link")"
    ln -s "$dst_real" "$rootfs$dst_link"
  fi
}
# copy_with_libraries SRC [DST]: SRC at DST (default: its own path) and every shared library it
# loads; Xen's libraries resolve to the downloaded packages, never to this machine's.
copy_with_libraries() {
  local src=$1 dst=${2:-$1} listing
  copy_in "$src" "$dst"
  file -b "$src" | grep -q 'dynamically linked' || return 0
  listing=$(LD_LIBRARY_PATH=$xenroot/usr/lib/x86_64-linux-gnu ldd "$src") ||
    { echo "run.sh: ldd $src failed" >&2; exit 125; }
  if grep -q 'not found' <<<"$listing"; then
    echo "run.sh: $src needs libraries found neither here nor in the Xen packages:" >&2
    grep 'not found' <<<"$listing" >&2
    exit 125
  fi
  awk '/=> \// {print $3} /^\t\// {print $1}' <<<"$listing" | while read -r lib; do copy_library "$lib"; done
}
# skeleton: the directories and links both archives share (lib is a link in both).
skeleton() {
  mkdir -p "$rootfs"/{bin,usr/bin,usr/lib,usr/lib64}
  ln -s usr/lib "$rootfs/lib"
  ln -s usr/lib64 "$rootfs/lib64"
}

# The toolstack's initramfs: busybox, the Xen tools and their libraries, the kernel modules and
# /init. The same for every run, so it is built once per version of this rig and its inputs.
key=$(cat "$here/run.sh" "$here/init.sh" "$work/xen/packages" <(echo "$version") | sha256sum | cut -c1-16)
base=$work/base-$key
base_root=$base/root
if [ ! -f "$base/initramfs.cpio" ]; then
  rm -rf "$work"/base-*
  rootfs=$base/root.part
  mkdir -p "$rootfs"
  skeleton
  mkdir -p "$rootfs"/{proc,sys,dev,tmp,run,modules,payload,etc/xen,rig-out}
  mkdir -p "$rootfs"/var/{lib/xen,lib/xenstored,log/xen,lock}
  ln -s /run "$rootfs/var/run"

  cp "$xenroot/bin/busybox" "$rootfs/bin/busybox"
  for applet in $("$rootfs/bin/busybox" --list); do
    [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
  done
  ln -s /bin/busybox "$rootfs/usr/bin/env"

  for b in xl xenstored xenconsoled xenconsole xen-init-dom0 libxl-save-helper xenstore-control readnotes lsevtchn; do
    copy_with_libraries "$xenroot/usr/lib/xen-4.17/bin/$b" "/usr/lib/xen-4.17/bin/$b"
  done
  copy_with_libraries "$xenroot/usr/bin/xenstore" /usr/bin/xenstore
  for applet in read write ls list exists rm chmod watch; do ln -s xenstore "$rootfs/usr/bin/xenstore-$applet"; done
  # glibc dlopens libgcc_s for pthread_cancel; xl aborts at exit without it.
  for lib in /lib/x86_64-linux-gnu/libgcc_s.so.1 /usr/lib/x86_64-linux-gnu/libgcc_s.so.1; do
    if [ -e "$lib" ]; then copy_library "$lib"; break; fi
  done
  have /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 ||
    { echo "run.sh: libgcc_s.so.1 not found on this machine (package libgcc-s1)" >&2; exit 125; }
  cat > "$rootfs/etc/xen/xl.conf" <<'CONF'
autoballoon="off"
lockfile="/run/xen/xl-lock"
CONF
  printf 'root:x:0:0:root:/tmp:/bin/sh\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\ntty:x:5:\n' > "$rootfs/etc/group"

  # Kernel modules, each after the ones it depends on (their .modinfo sections name them).
  declare -A module_path=() module_done=()
  while read -r path; do
    name=${path##*/}
    name=${name%.ko}
    module_path[${name//-/_}]=$path
  done < <(find "$kernel/modules/kernel" -name '*.ko')
  add_module() {
    local name=${2//-/_} dep
    [ -z "${module_done[$name]:-}" ] || return 0
    [ -n "${module_path[$name]:-}" ] || { echo "run.sh: kernel module $2 not in $kernel/modules" >&2; exit 125; }
    for dep in $(objcopy -O binary --only-section=.modinfo "${module_path[$name]}" /dev/stdout |
                 tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '); do
      add_module "$1" "$dep"
    done
    module_done[$name]=1
    cp "${module_path[$name]}" "$rootfs/modules/$name.ko"
    echo "$name" >> "$rootfs/modules/$1"
  }
  for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc; do add_module xen.order "$m"; done
  for m in virtio_pci 9pnet_virtio 9p; do add_module 9p.order "$m"; done

  cp "$here/init.sh" "$rootfs/init"
  chmod +x "$rootfs/init"
  (cd "$rootfs" && find . | cpio -o -H newc --quiet) > "$base/initramfs.cpio.part"
  mv "$rootfs" "$base_root"
  mv "$base/initramfs.cpio.part" "$base/initramfs.cpio"
fi
flock -u 9

# The payload's own archive, appended to the toolstack's: files at their own absolute paths,
# with the libraries the toolstack's archive does not hold already.
stage=$(mktemp -d "$work/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
rootfs=$stage/root
outdir=$stage/out
mkdir -p "$rootfs/payload" "$outdir"
skeleton
for f in "$binary" "${files[@]}"; do copy_with_libraries "$f"; done
shift
{
  printf 'exec %q' "$binary"
  for arg in "$@"; do printf ' %q' "$arg"; done
  printf '\n'
} > "$rootfs/payload/run"

initrd=$stage/initramfs.cpio
cp "$base/initramfs.cpio" "$initrd"
(cd "$rootfs" && find . | cpio -o -H newc --quiet) >> "$initrd"

cpu=${RIG_CPU:-qemu64,+svm,+npt,+rdrand}
dom0_mem=${RIG_DOM0_MEM:-512M}
echo "rig-xen: cpu $cpu, Xen $(sed -n 's/^xen-hypervisor-4.17-amd64 //p' "$work/xen/packages"), dom0 kernel $version," \
     "initramfs $(( $(stat -c %s "$initrd") / 1024 )) KiB, timeout ${timeout_s}s, log $log"
start_ms=$(( ${EPOCHREALTIME/./} / 1000 ))
set +e
timeout "$timeout_s" qemu-system-x86_64 -accel tcg -cpu "$cpu" -smp 1 -m "${RIG_MEM:-1024}" \
  -nographic -no-reboot -net none \
  -virtfs "local,path=$outdir,mount_tag=rigout,security_model=none,id=rigout" \
  -kernel "$work/xen/xen.elf" \
  -append "dom0_mem=$dom0_mem,max:$dom0_mem console=com1 com1=115200,8n1 guest_loglvl=all ${RIG_XEN_ARGS:-}" \
  -initrd "$kernel/vmlinux console=hvc0 quiet loglevel=3 panic=-1,$initrd" < /dev/null 2>&1 |
  sed -u -e 's/\r//g; s/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' | tee "$log" |
  while IFS= read -r line; do
    case $line in
      ''|SeaBIOS*|iPXE*|Booting\ from*|Press\ Ctrl-B*) ;;
      monocell-rig:*) ms=$(( ${EPOCHREALTIME/./} / 1000 - start_ms ))
                      printf 'rig-xen| [%d.%03ds] %s\n' $((ms / 1000)) $((ms % 1000)) "$line" ;;
      *) printf 'rig-xen| %s\n' "$line" ;;
    esac
  done
qemu_rc=${PIPESTATUS[0]}
set -e
elapsed_ms=$(( ${EPOCHREALTIME/./} / 1000 - start_ms ))
echo "rig-xen: QEMU ran $((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000)))s"
if [ -n "${RIG_OUT:-}" ]; then
  mkdir -p "$RIG_OUT"
  cp -a "$outdir/." "$RIG_OUT/"
fi
if [ "$qemu_rc" -eq 124 ]; then echo "rig-xen: QEMU did not finish in ${timeout_s}s (see $log)" >&2; exit 124; fi
rc=$(sed -n 's/^monocell-rig: exit=\([0-9]*\).*/\1/p' "$log" | tail -1)
[ -n "$rc" ] || { echo "rig-xen: the rig did not report an exit code (see $log)" >&2; exit 125; }
exit "$rc"
