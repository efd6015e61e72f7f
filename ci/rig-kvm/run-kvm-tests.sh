#!/usr/bin/env bash
# `make rig-kvm`: the KVM test suite (tests/kvm), the end-to-end suite (tests/e2e, on KVM) and
# the image store's runs (tests/e2e/image_test.cc)
# on the rig's hardware-style nested KVM, with the guest images, the runner and the monocell CLI
# they need (suites.sh runs them inside).
#
# A failed run is run once more, loudly: under TCG the nested KVM has shown, once in about ten
# runs, a vCPU clock seconds away from the one KVM_GET_CLOCK reports, which timing tests see. A
# real failure fails twice; a second failure's exit code is the result. Both logs are kept.
# usage: run-kvm-tests.sh BUILD_DIR IMAGE_DIR BIN_DIR [SUITE...]   (kvm, e2e, images; default all)
#   RIG_TARGET names the rig in the conformance table; CONFORMANCE_DIR receives its results.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1 images=$2 bin=$3
shift 3
tests=$(readlink -f "$build/tests")
for t in kvm_tests e2e_tests e2e_image_tests; do
  [ -x "$tests/$t" ] || { echo "run-kvm-tests: $tests/$t is missing (make build first)" >&2; exit 2; }
done
conformance=$(cd "$here/../conformance" && pwd)
files=(--file "$tests/kvm_tests" --file "$tests/e2e_tests" --file "$tests/e2e_image_tests" --file "$bin/monocell-kvm-run" --file "$bin/monocell"
       --file "$conformance/run-suite.sh" --file "$conformance/record-images.sh")
for image in "$images"/*; do files+=(--file "$image"); done
# The sample apps' process ELFs: an image built in the rig carries one, as users build them.
for app in "$bin"/apps/*; do files+=(--file "$app"); done
# The files test app's process ELF: the image-files test builds an image carrying it.
files+=(--file "$tests/apps/test-files")
images=$(readlink -f "$images")
work=${RIG_WORK:-$(cd "$here/../.." && pwd)/build/rig-kvm}
# This rig's name in the conformance table, and where its results go (CONFORMANCE_DIR).
target=${RIG_TARGET:-kvm-rig}
status=0
"$here/run.sh" --timeout "${RIG_TIMEOUT:-900}" "${files[@]}" -- "$here/suites.sh" "$tests" "$images" "$target" "$@" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then
  cp "$work/console.log" "$work/console.first-attempt.log" 2>/dev/null || true
  echo "run-kvm-tests: RIG RETRY: the first attempt failed with $status (log: $work/console.first-attempt.log);" \
       "running it once more" >&2
  status=0
  "$here/run.sh" --timeout "${RIG_TIMEOUT:-900}" "${files[@]}" -- "$here/suites.sh" "$tests" "$images" "$target" "$@" || status=$?
fi
if [ -n "${CONFORMANCE_DIR:-}" ]; then
  mkdir -p "$CONFORMANCE_DIR"
  grep -a '^monocell-conformance: ' "$work/console.log" > "$CONFORMANCE_DIR/$target.log" || true
fi
exit "$status"
