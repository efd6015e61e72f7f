#!/usr/bin/env bash
# Builds the systemd rig's root file system in STAGE (SYSTEMD-RIG.md's recipe): this machine's own
# systemd as /init with only the units a boot to multi-user.target needs, journald, bash and
# busybox, the KVM modules, the rig's units and scenarios, and every PAYLOAD file at its own
# absolute path with the libraries it loads (monocell finds its images where the build put them).
# usage: stage.sh STAGE KERNEL_DIR ENV_FILE PAYLOAD...
#   ENV_FILE becomes /etc/monocell-rig.env, the scenarios' environment.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
stage=$1 kernel=$2 env_file=$3
shift 3

# The merged-/usr layout of Debian, so that every path ldd prints resolves the same way inside.
mkdir -p "$stage"/usr/{bin,sbin,lib,lib64} "$stage"/{etc,proc,sys,dev,run,tmp,root,var/lib,var/log}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$stage/$d"; done

# copy PATH [strip]: PATH at the same place, then every shared library it loads (as the real
# file and, where ldd names it through a link, that link too).
copy() {
  local path=$1 real
  [ -e "$stage$path" ] && return 0
  mkdir -p "$stage$(dirname "$path")"
  # Debug info only weighs (monocell carries 120 MB of it); guest images go in byte for byte.
  if [ "${2:-}" = strip ] && file -b "$path" | grep -q '^ELF.*with debug_info'; then
    strip --strip-debug -o "$stage$path" "$path"
  else
    cp -a "$path" "$stage$path"
  fi
  file -b "$path" | grep -q 'dynamically linked' || return 0
  ldd "$path" | awk '/=> \// {print $3} /^\t\// {print $1}' | while read -r lib; do
    real=$(readlink -f "$lib")
    copy "$real"
    if [ "$real" != "$lib" ] && [ ! -e "$stage$lib" ]; then mkdir -p "$stage$(dirname "$lib")"; ln -s "$real" "$stage$lib"; fi
  done
}

# systemd itself, journald, the tools the scenarios call, and a shell.
for f in /usr/lib/systemd/systemd /usr/lib/systemd/systemd-journald /usr/lib/systemd/systemd-shutdown \
         /usr/lib/systemd/systemd-sulogin-shell /usr/bin/systemctl /usr/bin/journalctl /usr/bin/systemd-analyze \
         /usr/bin/bash; do
  copy "$f"
done
ln -s /usr/lib/systemd/systemd "$stage/init"
ln -s bash "$stage/usr/bin/sh"
# busybox (static) for the small tools; never over a real program copied above.
copy /bin/busybox
for applet in awk cat cp cut date grep head insmod ln ls mkdir mv rm sed seq sleep sort tail tr true false wc; do
  [ -e "$stage/usr/bin/$applet" ] || ln -s busybox "$stage/usr/bin/$applet"
done

# Only the units the doc lists: no getty, fstab, udev or D-Bus, none of the host's .wants.
units=/usr/lib/systemd/system
mkdir -p "$stage$units"/{sysinit.target.wants,sockets.target.wants}
for u in sysinit basic sockets local-fs local-fs-pre slices timers paths swap shutdown final umount \
         poweroff halt reboot emergency; do
  cp "$units/$u.target" "$stage$units/"
done
for u in systemd-poweroff.service systemd-halt.service systemd-reboot.service emergency.service \
         systemd-journald.service systemd-journald.socket systemd-journald-dev-log.socket; do
  cp "$units/$u" "$stage$units/"
done
ln -s ../systemd-journald.service "$stage$units/sysinit.target.wants/"
ln -s ../systemd-journald.socket ../systemd-journald-dev-log.socket "$stage$units/sockets.target.wants/"

# The rig's own: multi-user.target as the default (it wants the scenarios), the KVM modules.
mkdir -p "$stage/etc/systemd/system"
cp "$here"/units/* "$stage/etc/systemd/system/"
ln -s multi-user.target "$stage/etc/systemd/system/default.target"
mkdir -p "$stage/etc/systemd/system/sysinit.target.wants"
ln -s ../rig-kvm.service "$stage/etc/systemd/system/sysinit.target.wants/"
mkdir -p "$stage/rig/modules"
for m in virt/lib/irqbypass arch/x86/kvm/kvm drivers/crypto/ccp/ccp arch/x86/kvm/kvm-amd; do
  cp "$kernel/modules/kernel/$m.ko" "$stage/rig/modules/"
done
cp "$here/scenarios.sh" "$stage/rig/"
cp "$env_file" "$stage/etc/monocell-rig.env"

# What systemd reads at boot, and the loader's cache.
echo 0123456789abcdef0123456789abcdef > "$stage/etc/machine-id"
printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > "$stage/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nsystemd-journal:x:999:\nnogroup:x:65534:\n' > "$stage/etc/group"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' > "$stage/etc/nsswitch.conf"
cp /usr/lib/os-release "$stage/usr/lib/os-release"
ln -s ../usr/lib/os-release "$stage/etc/os-release"
echo monocell-rig > "$stage/etc/hostname"
: > "$stage/etc/fstab"

# The payload, stripped of debug info. monocell's generator, when there is one, is installed
# as the administrator would (/etc/systemd/system-generators), and the rig's .guest files with it.
for f in "$@"; do copy "$(readlink -f "$f")" strip; done
for f in "$@"; do
  [ "$(basename "$f")" = monocell-systemd-generator ] || continue
  mkdir -p "$stage/etc/systemd/system-generators" "$stage/etc/monocell/systemd"
  ln -s "$(readlink -f "$f")" "$stage/etc/systemd/system-generators/"
  cp "$here"/guests/*.guest "$stage/etc/monocell/systemd/"
done

cp -a /etc/ld.so.conf "$stage/etc/"
mkdir -p "$stage/etc/ld.so.conf.d"
cp /etc/ld.so.conf.d/x86_64-linux-gnu.conf /etc/ld.so.conf.d/libc.conf "$stage/etc/ld.so.conf.d/"
ldconfig -r "$stage"
