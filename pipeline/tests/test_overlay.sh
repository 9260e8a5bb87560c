#!/usr/bin/env bash
# overlay.sh: patches and new files land in the tree, an unchanged rerun
# touches nothing, removals go back to pristine, and a patch that does not
# apply stops everything and names itself.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMEM_OUT=$tmp/out
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$tmp/pristine/src" "$tmp/patches" "$tmp/overlay/new"
printf 'one\ntwo\nthree\n' > "$tmp/pristine/src/a.c"
printf 'untouched\n' > "$tmp/pristine/src/b.c"
echo v1 > "$tmp/pristine/.fetched"
cat > "$tmp/patches/0001-two.patch" <<'P'
--- a/src/a.c
+++ b/src/a.c
@@ -1,3 +1,3 @@
 one
-two
+TWO
 three
P
echo 0001-two.patch > "$tmp/patches/series"
echo 'new file' > "$tmp/overlay/new/x.c"

run() { "$here/../overlay.sh" t "$tmp/pristine" "$tmp/patches" "$tmp/overlay:" 2>&1; }
tree=$TMEM_OUT/tree/t

run >/dev/null
grep -qx TWO "$tree/src/a.c" || fail "patch not applied"
[ "$(cat "$tree/new/x.c")" = "new file" ] || fail "overlay file missing"
[ "$tree/src/b.c" -ef "$tmp/pristine/src/b.c" ] || fail "untouched file is not shared"
grep -qx two "$tmp/pristine/src/a.c" || fail "pristine tree modified"

before=$(stat -c '%i %Y' "$tree/src/a.c" "$tree/new/x.c")
sleep 1
out=$(run)
[ "$(stat -c '%i %Y' "$tree/src/a.c" "$tree/new/x.c")" = "$before" ] ||
	fail "unchanged rerun rewrote files"
case $out in *", 0 updated"*) ;; *) fail "rerun reported updates: $out" ;; esac

rm "$tmp/overlay/new/x.c"
: > "$tmp/patches/series"
run >/dev/null
[ ! -e "$tree/new/x.c" ] || fail "removed overlay file still in tree"
[ "$tree/src/a.c" -ef "$tmp/pristine/src/a.c" ] || fail "unpatched file not back to pristine"

sed -i 's/^-two/-deux/' "$tmp/patches/0001-two.patch"
echo 0001-two.patch > "$tmp/patches/series"
if out=$(run); then
	fail "a patch that does not apply was accepted"
fi
case $out in *"patch $tmp/patches/0001-two.patch does not apply"*) ;;
*) fail "error does not name the patch: $out" ;; esac
echo ok
