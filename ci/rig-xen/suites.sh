#!/bin/sh
# Inside the Xen rig's dom0: the Xen backend's suite (tests/xen), then the end-to-end suite
# (tests/e2e) and the image store's runs (tests/e2e/image_test.cc, [boots]) on --hypervisor
# xen. Each suite's result, and the images booted, are left as
# "monocell-conformance:" lines on the console and in $MONOCELL_RIG_OUT/conformance.log for the
# conformance table. Every suite runs; the exit code is the first failure's.
# usage: suites.sh TESTS_DIR IMAGE_DIR TARGET [SUITE...]   (suites: xen e2e images; default all)
tests=$1 images=$2 target=$3
shift 3
[ $# -gt 0 ] || set -- xen e2e images
conformance=$(dirname "$0")/../conformance
out=${MONOCELL_RIG_OUT:-/tmp}/conformance.log
status=0
sh "$conformance/record-images.sh" "$target" "$images" | tee -a "$out"
for suite in "$@"; do
  echo "monocell-rig: suite $suite"
  case $suite in
    xen) sh "$conformance/run-suite.sh" "$target" xen "$tests/xen_tests" ;;
    e2e) MONOCELL_TEST_HYPERVISORS=xen sh "$conformance/run-suite.sh" "$target" e2e "$tests/e2e_tests" ;;
    images) MONOCELL_TEST_HYPERVISORS=xen sh "$conformance/run-suite.sh" "$target" images "$tests/e2e_image_tests" "[boots]" ;;
    *) echo "suites.sh: unknown suite $suite" >&2; false ;;
  esac > "/tmp/suite-$suite.log" 2>&1
  rc=$?
  cat "/tmp/suite-$suite.log"
  grep '^monocell-conformance: ' "/tmp/suite-$suite.log" >> "$out"
  if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then status=$rc; fi
done
exit "$status"
