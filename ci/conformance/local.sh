#!/usr/bin/env bash
# The conformance suites on this machine's own targets: the end-to-end suite and the image
# store's runs on the process backend, and those and the KVM suite on this machine's /dev/kvm. Each
# target's output, with its "monocell-conformance:" lines, goes to OUT_DIR/TARGET.log.
# Without a usable /dev/kvm the kvm target is reported unavailable (a failure under
# MONOCELL_REQUIRE_KVM=1).
# usage: local.sh BUILD_DIR IMAGE_DIR OUT_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1 images=$2 out=$3
mkdir -p "$out"
status=0

{
  rc=0
  MONOCELL_TEST_HYPERVISORS=process sh "$here/run-suite.sh" process e2e "$build/tests/e2e_tests" || rc=1
  MONOCELL_TEST_HYPERVISORS=process sh "$here/run-suite.sh" process images "$build/tests/e2e_image_tests" "[boots]" || rc=1
  exit "$rc"
} | tee "$out/process.log" || status=1

if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  {
    sh "$here/record-images.sh" kvm "$images"
    rc=0
    sh "$here/run-suite.sh" kvm kvm "$build/tests/kvm_tests" || rc=1
    MONOCELL_TEST_HYPERVISORS=kvm sh "$here/run-suite.sh" kvm e2e "$build/tests/e2e_tests" || rc=1
    MONOCELL_TEST_HYPERVISORS=kvm sh "$here/run-suite.sh" kvm images "$build/tests/e2e_image_tests" "[boots]" || rc=1
    exit "$rc"
  } | tee "$out/kvm.log" || status=1
elif [ "${MONOCELL_REQUIRE_KVM:-}" = 1 ]; then
  echo "conformance: /dev/kvm is not usable here and MONOCELL_REQUIRE_KVM=1" >&2
  status=1
else
  echo "monocell-conformance: unavailable kvm /dev/kvm is not usable on this machine" | tee "$out/kvm.log"
fi
exit "$status"
