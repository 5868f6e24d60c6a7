#!/bin/bash
# build-deb.sh OUTDIR — `make deb`: build the croft .deb the Debian way
# (debian/, dpkg-buildpackage -us -uc -b) from a copy of this tree, so the
# checkout itself gets no debian/build or stamp files.  The packages
# (croft_VERSION-1_ARCH.deb and its -dbgsym) land in OUTDIR; the build log
# is OUTDIR/build.log.  Needs debhelper and dpkg-dev
# (installer/install-deps.sh installs them).
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
REPO=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
VERSION=$(sed -n 's/^#define CROFT_VERSION "\(.*\)"/\1/p' "$REPO/common/proto.h")
DEBVERSION=$(dpkg-parsechangelog -l "$REPO/debian/changelog" -S Version)
case "$DEBVERSION" in
"$VERSION"-*) ;;
*)
	echo "build-deb: debian/changelog is at $DEBVERSION but common/proto.h says $VERSION; add a changelog entry (dch -v $VERSION-1)" >&2
	exit 1 ;;
esac
for tool in dpkg-buildpackage dh; do
	command -v "$tool" >/dev/null || { echo "build-deb: $tool missing (run installer/install-deps.sh)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/croft-deb.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
SRC=$WORK/croft-$VERSION
mkdir -p "$SRC"
tar -C "$REPO" --exclude=./.git --exclude=./build --exclude=./.croft-local \
	--exclude=./debian/build --exclude=./debian/croft --exclude=./debian/.debhelper -cf - . |
	tar -C "$SRC" -xf -
if ! (cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -us -uc -b) >"$OUT/build.log" 2>&1; then
	tail -30 "$OUT/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed; the whole log is $OUT/build.log" >&2
	exit 1
fi
cp "$WORK"/*.deb "$WORK"/*.changes "$WORK"/*.buildinfo "$OUT/"
ls "$OUT"/croft_"$DEBVERSION"_*.deb
