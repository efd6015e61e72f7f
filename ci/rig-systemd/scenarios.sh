#!/bin/bash
# Inside the systemd rig, as rig-scenarios.service: monocell's units under a real systemd (PID 1),
# as root, with guests on the nested KVM (and the ready and stop cases again on the process
# backend). Each scenario prints "monocell-systemd: PASS NAME (S s)" or
# "monocell-systemd: FAIL NAME: WHY" followed by its unit's journal; the last line is
# "monocell-systemd: done passed=N failed=M", and the exit code says whether any failed.
# Environment (/etc/monocell-rig.env): MONOCELL, the CLI; PROCESS_APPS, the process backend's apps.
set -u
cd /tmp || exit 1
passed=0 failed=0 began=0

say() { echo "monocell-systemd: $*"; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
begin() { began=$(now_ms); }
pass() {
  local ms=$(($(now_ms) - began))
  say "PASS $1 ($((ms / 1000)).$((ms % 1000 / 100)) s)"
  passed=$((passed + 1))
}
# fail NAME UNIT WHY: the unit's journal (systemd's lines and the guest's) says what happened.
fail() {
  local name=$1 unit=$2
  shift 2
  say "FAIL $name: $*"
  failed=$((failed + 1))
  if [ -n "$unit" ]; then journalctl -u "$unit" --no-pager -n 30 -o short-monotonic | sed 's/^/monocell-systemd| /'; fi
}
# journal_has UNIT TEXT: a line of the unit's journal (systemd's or the guest's) contains TEXT.
journal_has() { journalctl -u "$1" --no-pager -o cat | grep -qF -- "$2"; }
# said_ready UNIT: test-ready's own line "ready" (not systemd's lines, which name the unit) is there.
said_ready() { journalctl -u "$1" --no-pager -o cat | grep -qx ready; }
# wait_until SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds or time is up.
wait_until() {
  local deadline=$(($(now_ms) + $1 * 1000))
  shift
  until "$@"; do
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
is_state() { [ "$(systemctl is-active "$1")" = "$2" ]; }
# has_ended UNIT: inactive or failed (a unit that ended well may be unloaded: "inactive" too).
has_ended() { case $(systemctl is-active "$1") in inactive | failed) true ;; *) false ;; esac; }
# unit_for [OPTIONS...] NAME: monocell generate systemd --files for the guest NAME, written where
# an administrator installs units, and loaded.
unit_for() {
  local out
  out=$(cd /etc/systemd/system && "$MONOCELL" generate systemd --files "$@" 2>&1) || { echo "$out" | tr "\n" " "; return 1; }
  systemctl daemon-reload
}

# --- the rig itself: a hand-written Type=exec unit runs a KVM guest, its output in the journal
scenario_smoke() {
  begin
  printf '[Service]\nType=exec\nExecStart=%s run --rm --hypervisor kvm hello\n' "$MONOCELL" \
    > /etc/systemd/system/rig-hello.service
  systemctl daemon-reload
  systemctl start rig-hello.service
  if ! wait_until 30 has_ended rig-hello.service; then
    fail smoke rig-hello.service "the hello guest did not end within 30 s"
  elif ! journal_has rig-hello.service "Hello from monocell!"; then
    fail smoke rig-hello.service "the guest's greeting is not in the unit's journal"
  else
    pass smoke
  fi
}

# --- 1: systemctl start returns only after the guest's Ready (test-ready prepares for 2 s)
scenario_ready() {
  local hv=$1 app=$2 name=ready-$1 unit=monocell-ready-$1.service why
  begin
  "$MONOCELL" create --name "$name" --hypervisor "$hv" "$app" 2000 >/dev/null || { fail "$name" "" "monocell create failed"; return; }
  why=$(unit_for --new "$name") || { fail "$name" "" "monocell generate systemd --new: $why"; return; }
  (sleep 1; systemctl is-active "$unit" > "/tmp/$name.at-1s") &
  local t0 t1 state
  t0=$(now_ms)
  systemctl start "$unit"
  t1=$(now_ms)
  state=$(systemctl is-active "$unit")
  wait
  local at_1s
  at_1s=$(cat "/tmp/$name.at-1s")
  if [ $((t1 - t0)) -lt 2000 ]; then
    fail "$name" "$unit" "systemctl start returned after $((t1 - t0)) ms, before the guest's Ready (>= 2000 ms)"
  elif [ "$state" != active ]; then
    fail "$name" "$unit" "the unit is $state right after systemctl start, not active"
  elif [ "$at_1s" != activating ]; then
    fail "$name" "$unit" "the unit was $at_1s 1 s into systemctl start, not activating"
  elif ! said_ready "$unit"; then
    fail "$name" "$unit" "the guest's \"ready\" line is not in the unit's journal"
  else
    pass "$name"
    say "  $name: systemctl start took $((t1 - t0)) ms; activating at 1 s, then active"
  fi
  systemctl stop "$unit"
}

# --- 2: the guest's stdout and stderr lines in the journal, with the guest's name and stream
# test-stdio-burst 0: 1000 lines on each stream, then "out end" and "err end".
scenario_journal() {
  local name=journal-kvm unit=monocell-journal-kvm.service why
  begin
  "$MONOCELL" create --name "$name" --hypervisor kvm test-stdio-burst 0 >/dev/null || { fail "$name" "" "monocell create failed"; return; }
  why=$(unit_for --new "$name") || { fail "$name" "" "monocell generate systemd --new: $why"; return; }
  systemctl start "$unit"
  wait_until 30 has_ended "$unit" || { fail "$name" "$unit" "the guest did not end within 30 s"; return; }
  journalctl -u "$unit" --no-pager -o json > /tmp/journal.json
  local out err stderr_lines
  out=$(grep -F '"MESSAGE":"out end"' /tmp/journal.json)
  err=$(grep -F '"MESSAGE":"err end"' /tmp/journal.json)
  stderr_lines=$(grep -cF '"MONOCELL_STREAM":"stderr"' /tmp/journal.json)
  local field
  for field in '"MONOCELL_GUEST":"journal-kvm"' '"MONOCELL_STREAM":"stdout"' '"PRIORITY":"6"'; do
    grep -qF "$field" <<<"$out" || { fail "$name" "" "the stdout line \"out end\" lacks $field: ${out:-no such entry}"; return; }
  done
  for field in '"MONOCELL_GUEST":"journal-kvm"' '"MONOCELL_STREAM":"stderr"' '"PRIORITY":"4"'; do
    grep -qF "$field" <<<"$err" || { fail "$name" "" "the stderr line \"err end\" lacks $field: ${err:-no such entry}"; return; }
  done
  [ "$stderr_lines" -eq 1001 ] || { fail "$name" "" "$stderr_lines stderr entries in the journal, not 1001"; return; }
  pass "$name"
}

# --- 3: systemctl stop ends the guest gracefully; systemd records the guest's own exit status
# test-signals host-sigterm: its SIGTERM handler says so and the app stops with 42. The unit is
# the plain kind (ExecStart=monocell start -a NAME) for a guest created beforehand.
scenario_stop() {
  local hv=$1 app=$2 name=stop-$1 unit=monocell-stop-$1.service why
  begin
  "$MONOCELL" create --name "$name" --hypervisor "$hv" "$app" host-sigterm >/dev/null || { fail "$name" "" "monocell create failed"; return; }
  why=$(unit_for "$name") || { fail "$name" "" "monocell generate systemd: $why"; return; }
  systemctl start "$unit" || { fail "$name" "$unit" "systemctl start failed"; return; }
  wait_until 10 journal_has "$unit" "signals: serving" || { fail "$name" "$unit" "the guest never said it serves"; return; }
  systemctl stop "$unit"
  if ! journal_has "$unit" "my handler got signal 15"; then
    fail "$name" "$unit" "the guest's SIGTERM handler did not run"
  elif ! journal_has "$unit" "Main process exited, code=exited, status=42/"; then
    fail "$name" "$unit" "systemd did not record the guest's exit status 42"
  else
    pass "$name"
  fi
}

# --- 4: a guest that stops answering is killed by systemd's watchdog and started again
scenario_watchdog() {
  local name=watchdog-kvm unit=monocell-watchdog-kvm.service why
  begin
  "$MONOCELL" create --name "$name" --hypervisor kvm --restart on-failure test-ready 300 hang >/dev/null ||
    { fail "$name" "" "monocell create failed"; return; }
  why=$(unit_for --new --watchdog 2 "$name") || { fail "$name" "" "monocell generate systemd --new --watchdog 2: $why"; return; }
  systemctl start "$unit" || { fail "$name" "$unit" "systemctl start failed"; return; }
  restarted() { [ "$(systemctl show -P NRestarts "$unit")" -ge 1 ] && is_state "$unit" active; }
  if ! wait_until 20 restarted; then
    fail "$name" "$unit" "not restarted (and active again) within 20 s; NRestarts=$(systemctl show -P NRestarts "$unit")"
  elif ! journal_has "$unit" "Watchdog timeout"; then
    fail "$name" "$unit" "restarted, but not by the watchdog"
  else
    pass "$name"
  fi
  systemctl stop "$unit"
}

# --- 5: .guest files become units: one in place at boot (at-boot.guest, WantedBy=multi-user.target)
# runs; one added later runs after daemon-reload.
scenario_generator_at_boot() {
  begin
  if [ ! -e /run/systemd/generator/at-boot.service ]; then
    fail generator-at-boot "" "the generator wrote no at-boot.service ($(ls /run/systemd/generator 2>&1 | tr '\n' ' '))"
  elif ! wait_until 20 said_ready at-boot.service; then
    fail generator-at-boot at-boot.service "at-boot.service did not start at boot (no \"ready\" within 20 s)"
  elif ! is_state at-boot.service active; then
    fail generator-at-boot at-boot.service "at-boot.service is $(systemctl is-active at-boot.service), not active"
  else
    pass generator-at-boot
  fi
}

scenario_generator_reload() {
  local unit=later.service
  begin
  mkdir -p /etc/monocell/systemd
  printf '%s\n' '[Guest]' Image=test-ready Args=300 Hypervisor=kvm Restart=on-failure Watchdog=2 \
    '[Install]' WantedBy=multi-user.target > /etc/monocell/systemd/later.guest
  systemctl daemon-reload
  if ! systemctl start "$unit"; then
    fail generator-reload "$unit" "systemctl start $unit failed after daemon-reload"
  elif ! is_state "$unit" active || ! said_ready "$unit"; then
    fail generator-reload "$unit" "$unit is $(systemctl is-active "$unit") without the guest's \"ready\""
  elif [ "$(systemctl show -P WatchdogUSec "$unit")" != 2s ] || [ "$(systemctl show -P Restart "$unit")" != on-failure ]; then
    fail generator-reload "$unit" "Watchdog=2 and Restart=on-failure became WatchdogUSec=$(systemctl show -P WatchdogUSec "$unit") Restart=$(systemctl show -P Restart "$unit")"
  else
    pass generator-reload
  fi
  systemctl stop "$unit"
}

# --- 6: systemd-analyze verify accepts every unit monocell wrote (generate's and the generator's)
scenario_verify() {
  begin
  local units=(/etc/systemd/system/monocell-*.service /run/systemd/generator/*.service) out
  out=$(systemd-analyze verify "${units[@]}" 2>&1)
  local rc=$?
  if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
    fail verify "" "systemd-analyze verify (exit $rc) on ${units[*]}:"
    sed 's/^/monocell-systemd| /' <<<"$out"
  else
    pass verify
    say "  verify: ${#units[@]} units: ${units[*]}"
  fi
}

say "start: systemd $(systemctl --version | awk 'NR==1 {print $2}'), /dev/kvm $([ -c /dev/kvm ] && echo present || echo MISSING), up $(cut -d' ' -f1 /proc/uptime) s"
scenario_smoke
scenario_generator_at_boot
scenario_ready kvm test-ready
scenario_ready process "$PROCESS_APPS/test-ready"
scenario_journal
scenario_stop kvm test-signals
scenario_stop process "$PROCESS_APPS/test-signals"
scenario_watchdog
scenario_generator_reload
scenario_verify
say "done passed=$passed failed=$failed, up $(cut -d' ' -f1 /proc/uptime) s"
[ "$failed" -eq 0 ]
