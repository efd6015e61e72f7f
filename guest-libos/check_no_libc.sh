#!/bin/sh
# Fails if a libOS object needs a symbol from outside the libOS (e.g. memcpy from glibc);
# the linker's own __ehdr_start and _end are fine.
# Usage: check_no_libc.sh STAMP OBJECT...
set -eu
stamp=$1; shift
bad=$(nm -u "$@" | awk 'NF == 2 { print $2 }' | grep -v '^monocell_' | grep -v '^_ZN8monocell' | grep -v '^__ehdr_start$' | grep -v '^_end$' | sort -u || true)
if [ -n "$bad" ]; then
  echo "guest-libos: objects reference symbols outside the libOS:" >&2
  echo "$bad" >&2
  exit 1
fi
touch "$stamp"
