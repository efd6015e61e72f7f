#!/bin/sh
# Inside the rig: the KVM suite (tests/kvm), the end-to-end suite (tests/e2e) and the image
# store's runs (tests/e2e/image_test.cc, [boots]) on KVM alone:
# `monocell run` with its monitor, the stdio and control rings, doorbell and host interrupts,
# all on the nested KVM. Every suite runs; the exit code is the first failure's.
# usage: suites.sh TESTS_DIR IMAGE_DIR TARGET [SUITE...]   (suites: kvm e2e images; default all)
# Each suite's result, and the images it booted, are left as "monocell-conformance:" lines on
# the console for the conformance table (TARGET names this rig there).
tests=$1 images=$2 target=$3
shift 3
[ $# -gt 0 ] || set -- kvm e2e images
conformance=$(dirname "$0")/../conformance
status=0
sh "$conformance/record-images.sh" "$target" "$images"
for suite in "$@"; do
  echo "monocell-rig: suite $suite"
  case $suite in
    kvm) sh "$conformance/run-suite.sh" "$target" kvm "$tests/kvm_tests" ;;
    e2e) MONOCELL_TEST_HYPERVISORS=kvm sh "$conformance/run-suite.sh" "$target" e2e "$tests/e2e_tests" ;;
    images) MONOCELL_TEST_HYPERVISORS=kvm sh "$conformance/run-suite.sh" "$target" images "$tests/e2e_image_tests" "[boots]" ;;
    *) echo "suites.sh: unknown suite $suite" >&2; false ;;
  esac
  rc=$?
  if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then status=$rc; fi
done
exit "$status"
