#!/bin/sh
# /init of the Xen rig's dom0: brings up the toolstack, runs the payload, reports, powers off.
export PATH=/usr/lib/xen-4.17/bin:/bin:/usr/bin
# No tmpfs over /tmp or /run: the initramfs root is writable already, and the payload sits at
# its own absolute paths, which may well be under /tmp (a CI clone).
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run/xen /run/xenstored /tmp
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts

fail() {
  echo "monocell-rig: $*"
  echo "monocell-rig: exit=125"
  poweroff -f
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# wait_for TENTHS COMMAND...: retries COMMAND every 0.1 s until it succeeds or TENTHS run out.
wait_for() {
  n=$1
  shift
  until "$@" >/dev/null 2>&1; do
    n=$((n - 1))
    [ "$n" -gt 0 ] || return 1
    usleep 100000
  done
}

echo "monocell-rig: dom0 /init at $(uptime_s)s dom0 uptime"
while read -r m; do insmod "/modules/$m.ko" || fail "insmod $m failed"; done < /modules/xen.order
mount -t xenfs xenfs /proc/xen || fail "mounting xenfs on /proc/xen failed"
for dev in privcmd evtchn gntdev gntalloc; do
  wait_for 50 test -c "/dev/xen/$dev" || fail "/dev/xen/$dev did not appear"
done

XENSTORED_ROOTDIR=/var/lib/xenstored xenstored --pid-file /run/xen/xenstored.pid ||
  fail "xenstored did not start"
wait_for 300 xenstore-read -s / || fail "xenstored did not answer in 30 s"
xen-init-dom0 || fail "xen-init-dom0 failed"
xenconsoled --pid-file=/run/xen/xenconsoled.pid || fail "xenconsoled did not start"
wait_for 100 test -s /run/xen/xenconsoled.pid || fail "xenconsoled wrote no pid file in 10 s"
echo "monocell-rig: toolstack ready at $(uptime_s)s dom0 uptime ($(xl info | sed -n 's/^xen_version *: //p'))"

while read -r m; do insmod "/modules/$m.ko" || fail "insmod $m failed"; done < /modules/9p.order
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 rigout /rig-out ||
  fail "mounting the 9p share for MONOCELL_RIG_OUT failed"

cd /payload
export MONOCELL_REQUIRE_XEN=1 MONOCELL_RIG_OUT=/rig-out HOME=/tmp
sh /payload/run
rc=$?
sync
umount /rig-out 2>/dev/null
# On a line of its own even when the payload's last line had no newline.
echo
echo "monocell-rig: exit=$rc"
poweroff -f
