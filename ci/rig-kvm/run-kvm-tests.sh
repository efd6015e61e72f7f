#!/usr/bin/env bash
# `make rig-kvm`: the KVM test suite (tests/kvm) on the rig's hardware-style nested KVM, with
# the guest images and the runner it needs.
# usage: run-kvm-tests.sh BUILD_DIR IMAGE_DIR BIN_DIR [CATCH2 ARGS...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1 images=$2 bin=$3
shift 3
tests="$build/tests/kvm_tests"
[ -x "$tests" ] || { echo "run-kvm-tests: $tests is missing (make build first)" >&2; exit 2; }
files=(--file "$bin/monocell-kvm-run")
for image in "$images"/*; do files+=(--file "$image"); done
exec "$here/run.sh" --timeout "${RIG_TIMEOUT:-900}" "${files[@]}" -- "$tests" "$@"
