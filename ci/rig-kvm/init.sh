#!/bin/sh
# /init of the rig's initramfs: bring up KVM on nested SVM, run the payload, report, power off.
export PATH=/bin:/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# No tmpfs over /tmp or /run: the initramfs root is writable already, and the payload sits at
# its own absolute paths, which may well be under /tmp (a CI clone).
mkdir -p /tmp /run
for m in irqbypass kvm ccp kvm-amd; do
  insmod "/modules/$m.ko" || echo "monocell-rig: insmod $m failed"
done
if [ ! -c /dev/kvm ]; then
  echo "monocell-rig: /dev/kvm did not appear (is SVM offered to the rig?)"
  echo "monocell-rig: exit=125"
  poweroff -f
fi
echo "monocell-rig: /dev/kvm ready on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
cd /payload
export MONOCELL_REQUIRE_KVM=1 HOME=/tmp
sh /payload/run
echo "monocell-rig: exit=$?"
poweroff -f
