#!/usr/bin/env bash
# The package as dpkg meets it, in a root of its own (dpkg --root) so this host's /usr and dpkg
# database are never touched: it installs with its Depends met by this host's packages, its
# files are where the CLI finds them (it runs hello from them), and a purge leaves nothing of it.
# usage: test-install-purge.sh DEB
# The maintainer scripts run outside a chroot (--force-script-chrootless, DPKG_ROOT set), as a
# root built by mmdebstrap would run them; they must leave this host's systemd alone.
set -euo pipefail
deb=$(readlink -f "$1")
tmp=$(mktemp -d /tmp/monocell-deb-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test-install-purge: FAILED: $*" >&2; exit 1; }
root=$tmp/root admin=$tmp/root/var/lib/dpkg
version=$(dpkg-deb -f "$deb" Version)

# An empty root whose dpkg database holds, from this host's, only the packages the .deb
# depends on: dpkg itself then checks that the computed Depends are met here, and nothing of
# the host's is installed into the root or triggered there.
mkdir -p "$admin/info" "$admin/updates" "$root/var/log" "$root/run"
: > "$admin/status"
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *\([^ (|]*\).*/\1/' | sort -u)
for pkg in $depends; do
  dpkg-query -s "$pkg" >> "$admin/status" 2>/dev/null || fail "Depends names $pkg, which this host lacks"
  echo >> "$admin/status"
  : > "$admin/info/$(dpkg-query -W -f='${binary:Package}' "$pkg").list"  # and no files of theirs
done
dpkg_root=(dpkg --root="$root" --force-script-chrootless --log="$tmp/dpkg.log")
[ "$(id -u)" -eq 0 ] || dpkg_root+=(--force-not-root)

"${dpkg_root[@]}" --install "$deb" > "$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "dpkg --install"; }
status=$(dpkg-query --admindir="$admin" -W -f='${Status} ${Version}' monocell)
[ "$status" = "install ok installed $version" ] || fail "after install dpkg says \"$status\""
grep -q 'warning' "$tmp/install.log" && { cat "$tmp/install.log"; fail "dpkg --install warned"; }

# Every file the package lists is there, and the parts each kind of user reaches for.
while IFS= read -r path; do
  [ -e "$root$path" ] || fail "$path is listed by dpkg -L but missing"
done < <(dpkg-query --admindir="$admin" -L monocell)
for path in usr/bin/monocell usr/bin/monocell-xen usr/bin/monocell-kvm-run \
    usr/lib/monocell/images/hello usr/lib/monocell/apps/hello \
    usr/lib/systemd/system-generators/monocell-systemd-generator \
    usr/lib/systemd/user-generators/monocell-systemd-generator \
    usr/lib/cmake/Monocell/MonocellConfig.cmake usr/lib/x86_64-linux-gnu/pkgconfig/monocell-guest.pc \
    usr/include/monocell/app.h usr/share/doc/monocell/copyright usr/share/man/man1/monocell.1.gz; do
  [ -e "$root/$path" ] || fail "/$path is not installed"
done
grep -qx 'ExecStart=/usr/bin/monocell start --attach %i' "$root/usr/lib/systemd/system/monocell@.service" ||
  fail "monocell@.service does not start /usr/bin/monocell"

# The installed CLI runs (stripped, and monocell-xen's libraries found), and finds the sample
# apps beside itself: hello runs from the root's lib/monocell, on KVM too where KVM is usable.
export MONOCELL_STATE_DIR=$tmp/state MONOCELL_IMAGE_STORE=$tmp/store
for cli in monocell monocell-xen; do
  out=$("$root/usr/bin/$cli" --version) || fail "$cli --version"
  [[ $out == "monocell $version "* ]] || fail "$cli --version printed \"$out\""
done
hypervisors=(process)
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then hypervisors+=(kvm); fi
for hv in "${hypervisors[@]}"; do
  case $hv in process) from=apps ;; kvm) from=images ;; esac
  "$root/usr/bin/monocell" --log-level debug run --hypervisor "$hv" hello > "$tmp/run.out" 2> "$tmp/run.err" ||
    { cat "$tmp/run.err"; fail "monocell run --hypervisor $hv hello"; }
  grep -q '^Hello from monocell!' "$tmp/run.out" || fail "hello on $hv printed: $(cat "$tmp/run.out")"
  grep -qF "started on $hv ($root/usr/lib/monocell/$from/hello)" "$tmp/run.err" ||
    { cat "$tmp/run.err"; fail "hello on $hv did not run from the installed $from/"; }
done

# What monocell made as root: an empty store folder goes with the purge, the admin's data stays.
mkdir -p "$root/var/lib/monocell/images/blobs" "$root/var/lib/monocell/guests/web" "$root/run/monocell"
echo record > "$root/var/lib/monocell/guests/web/config.json"

"${dpkg_root[@]}" --purge monocell > "$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log"; fail "dpkg --purge"; }
status=$(dpkg-query --admindir="$admin" -W -f='${Status}' monocell 2>/dev/null || true)
[ -z "$status" ] || [ "$status" = "unknown ok not-installed" ] || fail "after purge dpkg says \"$status\""
[ -z "$(find "$admin/info" -name 'monocell.*')" ] || fail "dpkg's info/ still has: $(ls "$admin/info")"
left=$(cd "$root" && find . -mindepth 1 ! -path './var' ! -path './var/lib' ! -path './var/lib/dpkg' \
  ! -path './var/lib/dpkg/*' ! -path './var/log' ! -path './var/log/*' ! -path ./run | sort)
expected=$(printf '%s\n' ./var/lib/monocell ./var/lib/monocell/guests ./var/lib/monocell/guests/web \
  ./var/lib/monocell/guests/web/config.json)
[ "$left" = "$expected" ] || fail "after purge the root holds: $(echo "$left" | tr '\n' ' ') (expected: $(echo "$expected" | tr '\n' ' '))"
echo "test-install-purge: $(basename "$deb") installed, ran hello on ${hypervisors[*]} and purged cleanly"
