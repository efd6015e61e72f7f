#!/bin/sh
# Inside the Xen rig's dom0: `xl info`, then one tiny PVH guest created with xl, its console
# pty from xenconsoled checked, its line on the Xen console and its shutdown reason awaited.
# usage: smoke-dom0.sh GUEST_ELF      (writes smoke.txt into $MONOCELL_RIG_OUT)
guest=$1
fail() { echo "monocell-rig-smoke: FAIL: $*"; echo "FAIL: $*" > "$MONOCELL_RIG_OUT/smoke.txt"; exit 1; }
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
now_ms() { awk '{printf "%d", $1 * 1000}' /proc/uptime; }

[ "$MONOCELL_REQUIRE_XEN" = 1 ] || fail "MONOCELL_REQUIRE_XEN is not 1"
info=$(xl info) || fail "xl info failed"
echo "$info" | grep -E '^(xen_version|xen_caps|total_memory|free_memory|virt_caps) '
echo "$info" | grep -q '^xen_version *: 4\.17' || fail "xl info shows no Xen 4.17"
echo "$info" | grep -q 'hvm' || fail "xl info shows no HVM capability (PVH needs it)"

cat > /tmp/smoke.cfg <<CFG
name = "rig-smoke"
type = "pvh"
kernel = "$guest"
memory = 16
vcpus = 1
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "destroy"
CFG
t0=$(now_ms)
xl create -p -F /tmp/smoke.cfg > /tmp/xl-create.log 2>&1 &
xl_pid=$!
wait_for 600 xl domid rig-smoke || { cat /tmp/xl-create.log; fail "xl create made no domain in 60 s"; }
domid=$(xl domid rig-smoke)
t1=$(now_ms)
wait_for 100 xenstore-read "/local/domain/$domid/console/tty" ||
  fail "xenconsoled published no console/tty for domain $domid"
tty=$(xenstore-read "/local/domain/$domid/console/tty")
[ -c "$tty" ] || fail "the console tty $tty of domain $domid is not a character device"
echo "monocell-rig-smoke: domain $domid created paused in $((t1 - t0)) ms, console pty $tty"
xl unpause rig-smoke || fail "xl unpause failed"
wait "$xl_pid"
xl_rc=$?
t2=$(now_ms)
cat /tmp/xl-create.log
[ "$xl_rc" -eq 0 ] || fail "xl create -F exited $xl_rc"
grep -q 'shut down, reason code 1 ' /tmp/xl-create.log || fail "the guest's shutdown reason (1, reboot) did not arrive"
xl dmesg | grep -q "(d$domid) monocell-rig-smoke: hello from a PVH guest" ||
  fail "the guest's line on port 0xe9 is not in xl dmesg"
xl domid rig-smoke >/dev/null 2>&1 && fail "the guest still exists after xl create -F returned"
echo "monocell-rig-smoke: guest ran and was destroyed in $((t2 - t1)) ms after unpause"
{
  echo "monocell-rig-smoke: PASS"
  echo "domid=$domid tty=$tty create_ms=$((t1 - t0)) run_ms=$((t2 - t1))"
} | tee "$MONOCELL_RIG_OUT/smoke.txt"
