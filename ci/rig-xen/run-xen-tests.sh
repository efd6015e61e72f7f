#!/usr/bin/env bash
# `make rig-xen`: the Xen backend's suite (tests/xen), the end-to-end suite and the image
# store's runs on --hypervisor xen, in dom0 of the Xen rig (run.sh), with the guest images, the monocell CLIs
# and the tests they need (suites.sh runs them inside). The conformance lines come out in
# CONFORMANCE_DIR/RIG_TARGET.log.
# usage: run-xen-tests.sh BUILD_DIR IMAGE_DIR BIN_DIR [SUITE...]   (xen, e2e, images; default all)
#   RIG_TARGET names the rig in the conformance table (default xen-rig).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1 images=$2 bin=$3
shift 3
tests=$(readlink -f "$build/tests")
for f in "$tests/xen_tests" "$tests/e2e_tests" "$tests/e2e_image_tests" "$bin/monocell" "$bin/monocell-xen"; do
  [ -x "$f" ] || { echo "run-xen-tests: $f is missing (make build first; the Xen parts need libxen-dev)" >&2; exit 2; }
done
conformance=$(cd "$here/../conformance" && pwd)
files=(--file "$tests/xen_tests" --file "$tests/e2e_tests" --file "$tests/e2e_image_tests" --file "$bin/monocell" --file "$bin/monocell-xen"
       --file "$conformance/run-suite.sh" --file "$conformance/record-images.sh")
for image in "$images"/*; do files+=(--file "$image"); done
# The sample apps' process ELFs: an image built in the rig carries one, as users build them.
for app in "$bin"/apps/*; do files+=(--file "$app"); done
# The files test app's process ELF: the image-files test builds an image carrying it.
files+=(--file "$tests/apps/test-files")
images=$(readlink -f "$images")
target=${RIG_TARGET:-xen-rig}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
RIG_OUT=$out "$here/run.sh" --timeout "${RIG_TIMEOUT:-1500}" "${files[@]}" -- \
  "$here/suites.sh" "$tests" "$images" "$target" "$@" || status=$?
if [ -n "${CONFORMANCE_DIR:-}" ]; then
  mkdir -p "$CONFORMANCE_DIR"
  cp "$out/conformance.log" "$CONFORMANCE_DIR/$target.log" 2>/dev/null ||
    echo "monocell-conformance: suite $target rig passed=0 failed=1" > "$CONFORMANCE_DIR/$target.log"
fi
exit "$status"
