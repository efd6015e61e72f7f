#!/usr/bin/env bash
# The conformance table: every target × suite with its passed/failed test cases, from the
# "monocell-conformance:" lines each target's run left in DIR/*.log (run-suite.sh,
# record-images.sh). It fails when a target or a suite is missing, a suite failed, or the same
# image name has different contents on two targets (every hypervisor must boot the same file).
# usage: table.sh DIR TARGET...     (each TARGET expects the suites listed in suites_of below)
set -euo pipefail
dir=$1
shift
targets=("$@")
lines=$(cat "$dir"/*.log 2>/dev/null | grep -a '^monocell-conformance: ' | tr -d '\r' || true)

# Which suites each target runs; a suite missing from this list is not meaningful there, and
# the legend below says why, by name.
suites_of() {
  case $1 in
    process) echo "e2e images" ;;
    kvm|kvm-rig*) echo "e2e images kvm" ;;
    xen-rig*) echo "e2e images xen" ;;
  esac
}
all_suites=(e2e images kvm xen)

status=0
printf '\n== conformance: the same suite and the same images on every target (test cases passed/failed) ==\n'
printf '%-22s' "target"
for s in "${all_suites[@]}"; do printf '%-16s' "$s"; done
printf '\n'
for t in "${targets[@]}"; do
  printf '%-22s' "$t"
  unavailable=$(grep -a "^monocell-conformance: unavailable $t " <<<"$lines" | tail -n 1 || true)
  if [ -n "$unavailable" ]; then
    printf 'unavailable here: %s\n' "${unavailable#monocell-conformance: unavailable $t }"
    continue
  fi
  wanted=" $(suites_of "$t") "
  for s in "${all_suites[@]}"; do
    if [[ $wanted != *" $s "* ]]; then
      printf '%-16s' "not meaningful"
      continue
    fi
    result=$(grep -a "^monocell-conformance: suite $t $s " <<<"$lines" | tail -n 1 || true)
    if [ -z "$result" ]; then
      printf '%-16s' "MISSING"
      status=1
      continue
    fi
    passed=$(sed -n 's/.* passed=\([0-9]*\).*/\1/p' <<<"$result")
    failed=$(sed -n 's/.* failed=\([0-9]*\).*/\1/p' <<<"$result")
    if [ "${failed:-1}" -ne 0 ]; then
      printf '%-16s' "$passed/$failed FAIL"
      status=1
    else
      printf '%-16s' "$passed/0 pass"
    fi
  done
  printf '\n'
done
cat <<'LEGEND'
"images" is `monocell run` of images from the store (tests/e2e/image_test.cc, [boots]).
not meaningful: "kvm" is the KVM VMM's own suite (tests/kvm: /dev/kvm ioctls, boot paths),
  "xen" the Xen backend's own suite (tests/xen: libxl, grants, event channels, the reaper);
  each runs where its hypervisor is. The process backend boots no image and runs neither.
LEGEND
grep -a '^monocell-conformance: not-meaningful ' <<<"$lines" | sed 's/^monocell-conformance: not-meaningful /not meaningful: /' || true

# The same image file on every target that boots images.
declare -A first_hash first_target
mismatch=0
while read -r _ kind target name hash; do
  [ "$kind" = image ] || continue
  if [ -z "${first_hash[$name]:-}" ]; then
    first_hash[$name]=$hash
    first_target[$name]=$target
  elif [ "${first_hash[$name]}" != "$hash" ]; then
    echo "image $name differs: $hash on $target, ${first_hash[$name]} on ${first_target[$name]}"
    mismatch=1
  fi
done <<<"$lines"
booted=$(grep -a '^monocell-conformance: image ' <<<"$lines" | awk '{print $3}' | sort -u | tr '\n' ' ' || true)
if [ -n "${first_hash[hello]:-}" ]; then
  echo "images: the same files on ${booted:-no target} (hello sha256 ${first_hash[hello]})"
fi
[ "$mismatch" -eq 0 ] || status=1
[ -n "$booted" ] || { echo "no target recorded the images it booted"; status=1; }
exit "$status"
