#!/bin/sh
# Runs one conformance suite (a Catch2 binary) on one target and leaves its result as a line the
# table reads: "monocell-conformance: suite TARGET SUITE passed=P failed=F". POSIX sh and
# busybox only: it also runs inside the rigs. Exits with the suite's own exit code.
# usage: run-suite.sh TARGET SUITE COMMAND [ARGS...]
target=$1 suite=$2
shift 2
log=${TMPDIR:-/tmp}/monocell-suite.$$.log
# The suite's status, not tee's: a pipeline's status is its last command's in POSIX sh.
{ "$@"; echo $? > "$log.status"; } 2>&1 | tee "$log"
status=$(cat "$log.status" 2>/dev/null)
[ -n "$status" ] || status=1
summary=$(grep -E '^(All tests passed|test cases:)' "$log" | tail -n 1)
rm -f "$log" "$log.status"
passed=0 failed=0
case $summary in
  "All tests passed"*)
    passed=$(echo "$summary" | sed -n 's/.* in \([0-9]*\) test case.*/\1/p') ;;
  "test cases:"*)
    total=$(echo "$summary" | sed -n 's/^test cases: *\([0-9]*\).*/\1/p')
    passed=$(echo "$summary" | sed -n 's/.*| *\([0-9]*\) passed.*/\1/p')
    failed=$(echo "$summary" | sed -n 's/.*| *\([0-9]*\) failed.*/\1/p')
    [ -n "$passed" ] || passed=$(( ${total:-0} - ${failed:-0} )) ;;
  *)
    # No summary: the suite crashed or was killed before it could print one.
    failed=1 ;;
esac
echo "monocell-conformance: suite $target $suite passed=${passed:-0} failed=${failed:-0}"
exit "$status"
