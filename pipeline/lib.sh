# Shared helpers for the pipeline scripts: paths, logging, stage timing.
# shellcheck shell=bash

set -euo pipefail

PIPELINE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$PIPELINE_DIR/.." && pwd)
# Every build output lives here, outside the git tree.
TMEM_OUT=${TMEM_OUT:-${XDG_CACHE_HOME:-$HOME/.cache}/tmem-work}
DL_DIR=$TMEM_OUT/dl
SRC_DIR=$TMEM_OUT/src
TREE_DIR=$TMEM_OUT/tree
BUILD_DIR=$TMEM_OUT/build
IMG_DIR=$TMEM_OUT/images
LOG_DIR=$TMEM_OUT/logs
export TMEM_OUT
export CCACHE_DIR=${CCACHE_DIR:-$TMEM_OUT/ccache}

# shellcheck source=versions.sh
. "$PIPELINE_DIR/versions.sh"

# The repo-root directories that make up the Linux overlay.
LINUX_OVERLAY_DIRS="arch block drivers fs include lib mm Documentation tools"

JOBS=${JOBS:-$(nproc)}

msg() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# stage NAME CMD...: run one pipeline stage, announcing it and its duration.
stage() {
	local name=$1 start rc
	shift
	msg ">>> $name"
	start=$(date +%s)
	rc=0
	"$@" || rc=$?
	if [ "$rc" -ne 0 ]; then
		msg "<<< $name FAILED after $(( $(date +%s) - start ))s"
		return "$rc"
	fi
	msg "<<< $name done in $(( $(date +%s) - start ))s"
}

# busybox_root DIR: busybox in DIR/bin, with a link per applet at the path
# busybox itself expects (the base of an initramfs).
busybox_root() {
	local root=$1 applet
	mkdir -p "$root/bin"
	cp /bin/busybox "$root/bin/busybox"
	"$root/bin/busybox" --list-full | while read -r applet; do
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done
}

# pack_cpio DIR FILE: DIR as a gzipped newc cpio archive, an initramfs,
# its entries in a stable order.
pack_cpio() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet | gzip -1) > "$2"
}

# copy_with_libs PROGRAM DIR: PROGRAM into DIR/bin, and every library it
# links (the dynamic loader too, to run it with) into DIR/lib; libraries
# are looked up as ldd finds them, LD_LIBRARY_PATH included.
copy_with_libs() {
	local prog=$1 dir=$2 lib missing
	missing=$(ldd "$prog" | grep 'not found' || true)
	[ -z "$missing" ] || die "$prog: $missing"
	mkdir -p "$dir/bin" "$dir/lib"
	cp "$prog" "$dir/bin/"
	for lib in $(ldd "$prog" | grep -o '/[^ ]*'); do
		cp -L "$lib" "$dir/lib/"
	done
}

# ensure_deb_src PKG VERSION: make apt-get source able to fetch source
# package PKG at VERSION: once apt does not know it, add deb-src entries
# beside Debian's deb ones (once) and update the package lists.
ensure_deb_src() {
	local versions list=/etc/apt/sources.list.d/debian-src.sources SUDO=
	versions=$(apt-cache showsrc "$1" 2>/dev/null || true)
	if grep -qx "Version: $2" <<<"$versions"; then
		return
	fi
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	if [ ! -f "$list" ]; then
		msg "adding deb-src entries ($list)"
		sed 's/^Types: deb$/Types: deb-src/' \
			/etc/apt/sources.list.d/debian.sources | $SUDO tee "$list" >/dev/null
	fi
	$SUDO apt-get update -q
}
