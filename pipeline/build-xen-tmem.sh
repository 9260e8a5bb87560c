#!/usr/bin/env bash
# Build dom0's xen-tmem command (tools/xen) against the patched Xen tree's
# public headers, into $BUILD_DIR/xen-tmem/; initramfs.sh puts it in dom0.
. "$(dirname "$0")/lib.sh"

public=$TREE_DIR/xen/xen/include/public
out=$BUILD_DIR/xen-tmem/
[ -f "$public/sysctl.h" ] || die "no patched Xen tree (run pipeline/prepare.sh)"
mkdir -p "$out"
make -s -C "$REPO_DIR/tools/xen" XEN_PUBLIC="$public" OUTPUT="$out"
msg "xen-tmem: $(du -h "$out/xen-tmem" | cut -f1) -> $out/xen-tmem"
