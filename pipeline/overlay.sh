#!/usr/bin/env bash
# overlay.sh NAME PRISTINE SERIES_DIR OVERLAY_SRC:TREE_PREFIX...
#
# Keep $TREE_DIR/NAME equal to PRISTINE plus the patches listed in
# SERIES_DIR/series (applied in order, without fuzz) plus this repo's new
# files, copied from OVERLAY_SRC to TREE_PREFIX inside the tree.
#
# The tree is a hard-link copy of the pristine one; only files that the
# patches or the overlay touch are ever replaced (never written in place),
# and only when their content changes, so that an unchanged rerun leaves
# every mtime alone and the out-of-tree builds have nothing to redo.
. "$(dirname "$0")/lib.sh"

[ $# -ge 3 ] || die "usage: overlay.sh NAME PRISTINE SERIES_DIR [SRC:PREFIX...]"
name=$1 pristine=$2 series_dir=$3
shift 3

tree=$TREE_DIR/$name
manifest=$tree/.tmem-manifest
stamp=$tree/.tmem-pristine

[ -f "$pristine/.fetched" ] || die "$name: no pristine tree at $pristine"
if [ ! -f "$stamp" ] || ! cmp -s "$stamp" "$pristine/.fetched"; then
	msg "$name: new tree from $pristine"
	rm -rf "$tree"
	mkdir -p "$TREE_DIR"
	cp -al "$pristine" "$tree.tmp"
	: > "$tree.tmp/.tmem-manifest"
	rm -f "$tree.tmp/.fetched"
	cp "$pristine/.fetched" "$tree.tmp/.tmem-pristine"
	mv "$tree.tmp" "$tree"
fi

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT

# The files a patch names, from its ---/+++ lines (-p1, /dev/null ignored).
patch_files() {
	sed -n -e 's/^\(---\|+++\) [^/]*\/\([^\t]*\).*$/\2/p' "$1" |
		grep -v '^dev/null$' | sort -u
}

series=()
if [ -f "$series_dir/series" ]; then
	while read -r p _; do
		case $p in '' | '#'*) continue ;; esac
		[ -f "$series_dir/$p" ] || die "$name: series names $p, which does not exist"
		series+=("$p")
	done < "$series_dir/series"
fi

touched=$staging/.touched
: > "$touched"
for p in "${series[@]}"; do
	patch_files "$series_dir/$p" >> "$touched"
done

overlay_pairs=("$@")
for pair in "${overlay_pairs[@]}"; do
	src=${pair%%:*} prefix=${pair#*:}
	[ -d "$src" ] || continue
	(cd "$src" && find . -type f ! -name '*.o' ! -name '.*.swp' | sed 's|^\./||') |
		sed "s|^|$prefix|" >> "$touched"
done
sort -u -o "$touched" "$touched"

# Start the staging copy from the pristine versions of the touched files.
while read -r f; do
	if [ -f "$pristine/$f" ]; then
		mkdir -p "$staging/t/$(dirname "$f")"
		cp "$pristine/$f" "$staging/t/$f"
	fi
done < "$touched"
mkdir -p "$staging/t"

for p in "${series[@]}"; do
	if ! patch -p1 -d "$staging/t" --batch --forward --fuzz=0 \
		--no-backup-if-mismatch -s -i "$series_dir/$p" > "$staging/patch.log" 2>&1; then
		cat "$staging/patch.log" >&2
		die "$name: patch $series_dir/$p does not apply"
	fi
done

for pair in "${overlay_pairs[@]}"; do
	src=${pair%%:*} prefix=${pair#*:}
	[ -d "$src" ] || continue
	(cd "$src" && find . -type f ! -name '*.o' ! -name '.*.swp' | sed 's|^\./||') |
		while read -r f; do
			mkdir -p "$staging/t/$prefix$(dirname "$f")"
			cp "$src/$f" "$staging/t/$prefix$f"
		done
done

# Bring the tree in line: touched files take their staged content (or
# vanish, if a patch deleted them); files touched last time but not now go
# back to pristine.
changed=0
update() {
	local f=$1 want=$2
	if [ -z "$want" ]; then
		[ -e "$tree/$f" ] || return 0
		rm -f "$tree/$f"
	else
		cmp -s "$want" "$tree/$f" && return 0
		rm -f "$tree/$f"
		mkdir -p "$tree/$(dirname "$f")"
		if [ "$want" = "$pristine/$f" ]; then
			ln "$want" "$tree/$f"
		else
			cp "$want" "$tree/$f"
		fi
	fi
	changed=$((changed + 1))
}

while read -r f; do
	if [ -f "$staging/t/$f" ]; then
		update "$f" "$staging/t/$f"
	else
		update "$f" ""
	fi
done < "$touched"

while read -r f; do
	grep -qxF "$f" "$touched" && continue
	if [ -f "$pristine/$f" ]; then
		update "$f" "$pristine/$f"
	else
		update "$f" ""
	fi
done < "$manifest"

cp "$touched" "$manifest"
msg "$name: ${#series[@]} patches, $(wc -l < "$touched") files overlaid or patched, $changed updated"
