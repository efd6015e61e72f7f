#!/usr/bin/env bash
# `make bench`'s Xen part: monocell-bench-xen in dom0 of the Xen rig (run.sh), with the images
# and the monocell CLIs it drives. Prints the bench's own lines, ending with the `xen:` line.
# usage: run-xen-bench.sh IMAGE_DIR BIN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
images=$1 bin=$2
for f in "$bin/monocell-bench-xen" "$bin/monocell" "$bin/monocell-xen"; do
  [ -x "$f" ] || { echo "run-xen-bench: $f is missing (make build first; the Xen parts need libxen-dev)" >&2; exit 2; }
done
files=(--file "$bin/monocell" --file "$bin/monocell-xen")
for image in "$images"/*; do files+=(--file "$image"); done
log=$(mktemp --suffix=.log)
status=0
RIG_LOG=$log "$here/run.sh" --timeout "${RIG_TIMEOUT:-1200}" "${files[@]}" -- "$bin/monocell-bench-xen" >/dev/null || status=$?
# The bench's own lines, without the rig's boot chatter.
sed -n '/^== xen ==/,/^xen: /p' "$log" | grep -av '^(XEN)' || true
if [ "$status" -ne 0 ]; then
  echo "run-xen-bench: the bench failed in the rig ($status); its console log is $log" >&2
  exit "$status"
fi
rm -f "$log"
