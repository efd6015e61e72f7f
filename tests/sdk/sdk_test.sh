#!/usr/bin/env bash
# The SDK as a new user meets it: install it into a fresh prefix, build an app that lives
# outside this tree against it (CMake's find_package, and pkg-config), turn it into an image,
# list it, run it by name on kvm and process, save it and load it into another store.
# usage: sdk_test.sh SOURCE_DIR GUEST_BUILD_DIR RELEASE_BUILD_DIR
# Without a usable /dev/kvm the kvm run is skipped with a message, and fails under
# MONOCELL_REQUIRE_KVM=1.
set -euo pipefail
source_dir=$(readlink -f "$1") guest_build=$2 release_build=$3
tmp=$(mktemp -d /tmp/monocell-sdk-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "sdk_test: FAILED: $*" >&2; exit 1; }

prefix=$tmp/prefix
cmake --install "$guest_build" --prefix "$prefix" > "$tmp/install.log"
cmake --install "$release_build" --prefix "$prefix" >> "$tmp/install.log"
if grep -rl "$source_dir" "$prefix/lib/cmake" "$prefix/lib/pkgconfig" "$prefix/include"; then
  fail "the installed SDK names the source tree ($source_dir)"
fi

# The app, in a folder of its own.
app=$tmp/greeter
mkdir -p "$app"
cat > "$app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(greeter CXX)
find_package(Monocell REQUIRED)
monocell_add_image(greeter greeter.cc)
CMAKE
cat > "$app/greeter.cc" <<'CXX'
#include <monocell/app.h>

#include <fstream>
#include <iostream>
#include <string>

namespace {
int greeter_main(int argc, char** argv) {
  std::ifstream conf("/etc/greeter.conf");
  std::string tone = "plain";
  std::getline(conf, tone);
  std::cout << "greetings from " << (argc > 1 ? argv[1] : "nowhere") << " (" << tone << ")" << std::endl;
  return argc > 2 ? 0 : 3;
}
const monocell::app::Registration registration{{.name = "greeter", .main = greeter_main}};
}  // namespace
CXX
cmake -S "$app" -B "$app/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON > "$tmp/configure.log" ||
  { cat "$tmp/configure.log"; fail "configuring the app against the SDK"; }
cmake --build "$app/build" > "$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "building the app against the SDK"; }
if grep -l "$source_dir" "$app/build/build.ninja" "$app/build/compile_commands.json"; then
  fail "the app's build reaches into the source tree ($source_dir)"
fi
# pkg-config builds the same app.
PKG_CONFIG_PATH=$prefix/lib/pkgconfig g++ -o "$app/greeter-pc" "$app/greeter.cc" \
  $(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs monocell-guest) || fail "building with pkg-config"

monocell=$prefix/bin/monocell
export MONOCELL_IMAGE_STORE=$tmp/store MONOCELL_STATE_DIR=$tmp/state
mkdir -p "$app/files/etc" && echo "tone = warm" > "$app/files/etc/greeter.conf"
"$monocell" image build -t greeter:1.0 --process-elf "$app/build/greeter-process" --files-from "$app/files" --arg sdk \
  "$app/build/greeter" ||
  fail "monocell image build"
"$monocell" image ls | grep -E '^greeter +1\.0 ' > /dev/null || { "$monocell" image ls; fail "image ls does not list greeter 1.0"; }

hypervisors=(process)
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  hypervisors+=(kvm)
elif [ "${MONOCELL_REQUIRE_KVM:-}" = 1 ]; then
  fail "/dev/kvm is not usable here and MONOCELL_REQUIRE_KVM=1"
else
  echo "sdk_test: /dev/kvm is not usable here: the app was not run on kvm" >&2
fi
run_checked() {  # HYPERVISOR APP EXPECTED_OUTPUT
  set +e
  out=$("$monocell" run --hypervisor "$1" "$2" 2>"$tmp/run.err")
  rc=$?
  set -e
  [ "$rc" -eq 3 ] || { cat "$tmp/run.err"; fail "$2 on $1 exited $rc, not 3"; }
  [ "$out" = "$3" ] || fail "$2 on $1 printed \"$out\", not \"$3\""
}
for hv in "${hypervisors[@]}"; do run_checked "$hv" greeter:1.0 "greetings from sdk (tone = warm)"; done
"$monocell" run --hypervisor process greeter:1.0 there now > /dev/null || fail "arguments on the command line"
# The pkg-config build is a guest image too: Xen's PVH note, and it boots where KVM is.
readelf -n "$app/greeter-pc" > "$tmp/notes.txt"
grep -q "Xen" "$tmp/notes.txt" || fail "the pkg-config build has no Xen PVH note"
if [[ " ${hypervisors[*]} " == *" kvm "* ]]; then run_checked kvm "$app/greeter-pc" "greetings from nowhere (plain)"; fi

# Moved between stores as a file.
"$monocell" image save -o "$tmp/greeter.monocell" greeter:1.0 || fail "image save"
export MONOCELL_IMAGE_STORE=$tmp/store2
"$monocell" image load -i "$tmp/greeter.monocell" || fail "image load"
for hv in "${hypervisors[@]}"; do run_checked "$hv" greeter:1.0 "greetings from sdk (tone = warm)"; done
echo "sdk_test: the app built outside the tree against the installed SDK ran on ${hypervisors[*]}"
