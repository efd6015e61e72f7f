#!/bin/sh
# Records the sha256 of every guest image a target boots, as lines the conformance table reads:
# "monocell-conformance: image TARGET NAME SHA256". POSIX sh and busybox: it runs in the rigs too.
# usage: record-images.sh TARGET IMAGE_DIR
target=$1 dir=$2
for image in "$dir"/*; do
  [ -f "$image" ] || continue
  set -- $(sha256sum "$image")
  echo "monocell-conformance: image $target $(basename "$image") $1"
done
