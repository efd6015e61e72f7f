#!/usr/bin/env bash
# Installs every Debian package monocell's build, tests and benchmarks need. Idempotent, and
# quick when everything is present: apt is only touched when a package is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev lld            # libFuzzer targets, guest image linking
  protobuf-compiler libprotobuf-dev       # protocol/monocell.proto
  catch2 libspdlog-dev libcli11-dev nlohmann-json3-dev liblz4-dev nettle-dev
  qemu-system-x86 busybox-static cpio file binutils   # the nested-SVM KVM rig (ci/rig-kvm)
  runc                                                # the baseline of make bench's e2e part
  lz4                                                 # the baseline of make bench's image part (lz4 -d)
  libxen-dev                                          # the Xen backend and monocell-xen (hypervisors/xen)
  systemd xz-utils                                    # the systemd rig boots this machine's systemd (ci/rig-systemd)
  lintian help2man                                    # make deb's manual pages, make test-deb's lintian (packaging/deb)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
