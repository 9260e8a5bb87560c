#!/usr/bin/env bash
# Build this repo's kselftests (tools/testing/selftests/*) against the
# patched tree and the built kernel's UAPI headers, statically linked so
# that they run in the minimal dom0, and install each into
# $BUILD_DIR/selftests/<dir>/ with its kselftest-list.txt.
. "$(dirname "$0")/lib.sh"

tree=$TREE_DIR/linux
headers=$BUILD_DIR/linux/usr/include
out=$BUILD_DIR/selftests

[ -d "$headers" ] || die "no kernel UAPI headers at $headers (build Linux first)"
rm -rf "$out"
mkdir -p "$out"
for dir in "$REPO_DIR"/tools/testing/selftests/*/; do
	[ -f "$dir/Makefile" ] || continue
	name=$(basename "$dir")
	mkdir -p "$BUILD_DIR/selftests-obj/$name"
	smake=(make -s -C "$tree/tools/testing/selftests/$name"
		OUTPUT="$BUILD_DIR/selftests-obj/$name"
		KHDR_INCLUDES="-isystem $headers" LDFLAGS=-static)
	"${smake[@]}" -j"$JOBS" install INSTALL_PATH="$out/$name" >/dev/null
	"${smake[@]}" emit_tests COLLECTION="$name" > "$out/$name/kselftest-list.txt"
	msg "selftests: $name: $(wc -l < "$out/$name/kselftest-list.txt") programs"
done
