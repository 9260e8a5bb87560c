#!/usr/bin/env bash
# devtree.sh linux|xen [export]
#
# Without "export": make $TMEM_OUT/dev/<tree>, a git repository holding the
# pristine upstream tree (tag "pristine"), one commit per patch of the
# series, then one commit with this repo's new files. Edit there and commit.
#
# With "export": turn that repository back into this repo's files: every
# commit after "pristine" that touches upstream files becomes a patch
# (patches/<tree>/NNNN-subject.patch, and a new series), and every file that
# upstream does not have is copied back to its place in the overlay.
. "$(dirname "$0")/lib.sh"

name=${1:-}
case $name in
linux) overlay_src=$REPO_DIR overlay_prefix= overlay_dirs=$LINUX_OVERLAY_DIRS ;;
xen) overlay_src=$REPO_DIR/xen overlay_prefix=xen/ overlay_dirs=. ;;
*) die "usage: devtree.sh linux|xen [export]" ;;
esac
dev=$TMEM_OUT/dev/$name
patches=$REPO_DIR/patches/$name
pristine=$SRC_DIR/$name
git_() { git -C "$dev" -c user.name=tmem-dev -c user.email=tmem-dev@localhost "$@"; }

if [ "${2:-}" = export ]; then
	[ -d "$dev/.git" ] || die "no development tree at $dev"
	# Upstream files changed since pristine become patches.
	mapfile -t upstream < <(git_ diff --name-only --diff-filter=MD pristine HEAD)
	mapfile -t added < <(git_ diff --name-only --diff-filter=A pristine HEAD)
	# A new file outside the overlay's prefix can only travel in a patch.
	for f in "${added[@]}"; do
		case $f in "$overlay_prefix"*) ;; *) upstream+=("$f") ;; esac
	done
	while read -r p _; do
		case $p in '' | '#'*) continue ;; esac
		rm -f "$patches/$p"
	done < "$patches/series"
	{
		echo "# $name patches, applied in this order"
		if [ ${#upstream[@]} -gt 0 ]; then
			git_ format-patch --no-signature --no-numbered -o "$patches" \
				pristine..HEAD -- "${upstream[@]}" | xargs -n1 basename
		fi
	} > "$patches/series.new"
	mv "$patches/series.new" "$patches/series"
	# New files go back to the overlay; those a patch creates are not ours
	# to copy, nor are files outside the overlay's prefix.
	n=0
	for f in "${added[@]}"; do
		case $f in "$overlay_prefix"*) ;; *) continue ;; esac
		grep -qxF "+++ b/$f" "$patches"/*.patch 2>/dev/null && continue
		mkdir -p "$overlay_src/$(dirname "${f#"$overlay_prefix"}")"
		cp "$dev/$f" "$overlay_src/${f#"$overlay_prefix"}"
		n=$((n + 1))
	done
	msg "exported $(grep -vc '^#' "$patches/series") patches to $patches, $n overlay files"
	exit 0
fi

[ -f "$pristine/.fetched" ] || "$PIPELINE_DIR/fetch.sh"
[ ! -e "$dev" ] || die "$dev exists; remove it first to start over"
mkdir -p "$dev"
msg "devtree: copying the pristine tree and committing it (takes a minute)"
cp -a "$pristine/." "$dev/"
rm -f "$dev/.fetched"
git_ init -q
git_ add -A -f .
git_ commit -q -m "pristine $name $(cat "$pristine/.fetched")"
git_ tag pristine
while read -r p _; do
	case $p in '' | '#'*) continue ;; esac
	if ! git_ am -q "$patches/$p" 2>/dev/null; then
		git_ am --abort 2>/dev/null || true
		git_ apply --index "$patches/$p" || die "patch $patches/$p does not apply"
		git_ commit -q -m "${p%.patch}"
	fi
done < "$patches/series"
# shellcheck disable=SC2086
[ ! -d "$overlay_src" ] || (cd "$overlay_src" && { find $overlay_dirs -type f 2>/dev/null || true; } | sed 's|^\./||') |
while read -r f; do
	mkdir -p "$dev/$overlay_prefix$(dirname "$f")"
	cp "$overlay_src/$f" "$dev/$overlay_prefix$f"
done
git_ add -A -f .
git_ commit -q -m "this project's new files" >/dev/null || true
msg "devtree: $dev ready; commit your edits there, then: make export-patches TREE=$name"
