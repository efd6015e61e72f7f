#!/bin/sh
# Inside the rig: the KVM suite (tests/kvm), then the end-to-end suite (tests/e2e) on KVM alone:
# `monocell run` with its monitor, the stdio and control rings, doorbell and host interrupts,
# all on the nested KVM. Every suite runs; the exit code is the first failure's.
# usage: suites.sh TESTS_DIR [SUITE...]   (suites: kvm e2e; default both)
tests=$1
shift
[ $# -gt 0 ] || set -- kvm e2e
status=0
for suite in "$@"; do
  echo "monocell-rig: suite $suite"
  case $suite in
    kvm) "$tests/kvm_tests" ;;
    e2e) MONOCELL_TEST_HYPERVISORS=kvm "$tests/e2e_tests" ;;
    *) echo "suites.sh: unknown suite $suite" >&2; false ;;
  esac
  rc=$?
  if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then status=$rc; fi
done
exit "$status"
