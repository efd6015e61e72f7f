#!/usr/bin/env bash
# Turns a staged installation (make install PREFIX=/usr DESTDIR=STAGE) into a Debian package:
# host binaries stripped, the docs Debian asks for, DEBIAN/ with control, md5sums and the
# maintainer scripts, then dpkg-deb. No debian/ source tree and no debhelper: the few things
# dh_* would do for a prebuilt tree are done here, each where it says why.
# usage: build-deb.sh SOURCE_DIR STAGE OUT_DIR
#   prints the path of OUT_DIR/monocell_VERSION_amd64.deb. STAGE is changed in place (stripped,
#   DEBIAN/ added), so it is a throw-away copy: make deb stages afresh each time.
#   MONOCELL_DEB_MAINTAINER replaces the Maintainer (the project has no mail address yet).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(readlink -f "$1") stage=$(readlink -f "$2") out=$(readlink -f "$3")
fail() { echo "build-deb: $*" >&2; exit 1; }
for tool in dpkg-deb dpkg-shlibdeps dpkg-architecture strip readelf help2man gzip; do
  command -v "$tool" >/dev/null || fail "$tool is missing (Debian: dpkg-dev, binutils, help2man; ci/install-deps.sh)"
done
[ -x "$stage/usr/bin/monocell" ] || fail "$stage/usr/bin/monocell is missing: stage with make install PREFIX=/usr DESTDIR=$stage"
[ ! -e "$stage/DEBIAN" ] || fail "$stage/DEBIAN exists: stage afresh (this script changes the stage in place)"

# The package's version is the project's, as CMake knows it. It has no Debian revision: the
# packaging lives in the project's own tree, which makes this a native package.
version=$(sed -n 's/^project(monocell VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")
[ -n "$version" ] || fail "no project(monocell VERSION x.y.z) in $source_dir/CMakeLists.txt"
# Dates, years and the commit come from git, so two builds of one commit give the same package.
commit=$(git -C "$source_dir" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$source_dir" log -1 --format=%ct 2>/dev/null || date +%s)}
first_year=$(git -C "$source_dir" log --max-parents=0 --format=%ad --date=format:%Y 2>/dev/null | sort | sed -n 1p)
last_year=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y)
years=${first_year:-$last_year}
[ "$years" = "$last_year" ] || years=$years-$last_year
# .invalid (RFC 2606): an address that is plainly not one, until the project has a real one.
maintainer=${MONOCELL_DEB_MAINTAINER:-"monocell developers <monocell@monocell.invalid>"}

# Every ELF in the package that runs on the host. The guest images are ELF files too, but
# executables for a VM: they stay byte for byte as built (see the strip below).
host_elves=() dynamic_elves=()
while IFS= read -r -d '' f; do
  [ "$(od -An -c -N4 "$f" | tr -d ' ')" = '177ELF' ] || continue
  case "$f" in "$stage"/usr/lib/monocell/images/*) continue ;; esac
  host_elves+=("$f")
  [[ $(readelf -lW "$f") != *'Requesting program interpreter'* ]] || dynamic_elves+=("$f")
done < <(find "$stage" -type f -print0 | sort -z)
[ ${#dynamic_elves[@]} -gt 0 ] || fail "no dynamically linked binary found in $stage (expected monocell-xen, the apps, the generator)"

# Debug info stays out of the package (RelWithDebInfo: monocell is 139 MB built, 4 MB stripped):
# host executables lose their symbol tables, debug sections and compiler idents, as dh_strip
# does; their notes (the build id) stay. The SDK's static archives lose only debug sections and
# idents: their symbols are what an app links against, and the libOS's ELF notes must reach
# every image built with it. The guest images are not touched: the build strips them already,
# and monocell reads their notes (.note.monocell, .note.Xen) and program headers, which a second
# strip could only harm.
for f in "${host_elves[@]}"; do
  strip --strip-unneeded --remove-section=.comment "$f"
done
find "$stage/usr/lib/monocell" -name '*.a' \
  -exec strip --strip-debug --remove-section=.comment --enable-deterministic-archives {} +

# The pkg-config files describe amd64 archives: in the multiarch folder, so a cross build's
# pkg-config does not find them (they are written with absolute paths, so they move as they are).
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
if [ -d "$stage/usr/lib/pkgconfig" ]; then
  install -d -m 0755 "$stage/usr/lib/$multiarch"
  mv "$stage/usr/lib/pkgconfig" "$stage/usr/lib/$multiarch/pkgconfig"
fi

# Manual pages, from each command's own --help so they cannot drift from it. monocell-kvm-run
# prints its help on stderr and has no --version.
man1=$stage/usr/share/man/man1
install -d -m 0755 "$man1"
man_page() {  # NAME WHAT [help2man options...]
  local name=$1 what=$2; shift 2
  PATH=$stage/usr/bin:$PATH help2man -N -n "$what" "$@" "$name" | gzip -9n > "$man1/$name.1.gz" ||
    fail "help2man $name"
}
man_page monocell "runs each container in its own micro-VM"
[ ! -x "$stage/usr/bin/monocell-xen" ] ||  # built only where libxen-dev is
  man_page monocell-xen "the monocell command line for Xen's dom0 (monocell hands Xen commands to it)"
man_page monocell-kvm-run "boots one monocell guest image on /dev/kvm" --no-discard-stderr --version-string="$version"

# /usr/share/doc/monocell: the copyright, the changelog (changelog.gz: a native package's) and
# the README. /usr/share/lintian/overrides: the tags that are true but intended, with reasons.
doc=$stage/usr/share/doc/monocell
install -d -m 0755 "$doc" "$stage/usr/share/lintian/overrides"
sed "s|@YEARS@|$years|" "$here/copyright.in" > "$doc/copyright"
install -m 0644 "$here/lintian-overrides" "$stage/usr/share/lintian/overrides/monocell"
gzip -9n < "$source_dir/README.md" > "$doc/README.md.gz"
{
  echo "monocell ($version) unstable; urgency=medium"
  echo
  echo "  * Built from monocell's git commit $commit by make deb."
  echo
  echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$doc/changelog.gz"

# Ownership comes from dpkg-deb --root-owner-group; modes are made what Debian expects whatever
# the umask of the staging was (directories and executables 0755, everything else 0644), and
# no file is newer than the commit.
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -perm /111 -exec chmod 0755 {} +
find "$stage" -type f ! -perm /111 -exec chmod 0644 {} +
find "$stage" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# Depends: the shared libraries of the dynamic binaries, as dpkg-shlibdeps finds them.
# dpkg-shlibdeps insists on running in a source tree (it reads debian/control), so it gets a
# stand-in one with only the lines it reads; -O prints the result instead of writing substvars.
work=$(mktemp -d "${TMPDIR:-/tmp}/monocell-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debian"
printf 'Source: monocell\n\nPackage: monocell\nArchitecture: amd64\n' > "$work/debian/control"
shlibs=$(cd "$work" && dpkg-shlibdeps -O "${dynamic_elves[@]}" 2>"$work/shlibdeps.log") ||
  { cat "$work/shlibdeps.log" >&2; fail "dpkg-shlibdeps failed"; }
depends=${shlibs#shlibs:Depends=}
{ [ -n "$depends" ] && [ "$depends" != "$shlibs" ]; } || fail "dpkg-shlibdeps gave no Depends ($shlibs)"

# Suggests: what the parts that are optional at run time need. Xen (the hypervisor and its
# toolstack: xenstored, xenconsoled) for --hypervisor xen; a C++ compiler, CMake and
# protobuf-lite's static archive to build apps with the SDK. The SDK's generated monocell.pb.h
# accepts only the protobuf release it was generated with, hence the bound from this protoc.
protobuf=$(protoc --version 2>/dev/null | sed -n 's/^libprotoc \([0-9]*\.[0-9]*\).*/\1/p')
suggests="xen-system-amd64, g++, cmake, libprotobuf-dev${protobuf:+ (>= $protobuf)}"

installed_size=$(du -s -k --apparent-size "$stage" | cut -f1)
install -d -m 0755 "$stage/DEBIAN"
sed -e "s|@VERSION@|$version|" -e "s|@MAINTAINER@|$maintainer|" -e "s|@DEPENDS@|$depends|" \
    -e "s|@SUGGESTS@|$suggests|" -e "s|@INSTALLED_SIZE@|$installed_size|" \
    "$here/control.in" > "$stage/DEBIAN/control"
install -m 0755 "$here/postinst" "$here/postrm" "$stage/DEBIAN/"
(cd "$stage" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"

mkdir -p "$out"
deb=$out/monocell_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
