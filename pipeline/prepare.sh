#!/usr/bin/env bash
# Patched source trees: pristine upstream + patches/*/series + this repo's
# new files. Linux's overlay is every product directory at the repo root;
# Xen's is xen/, which lands at xen/ inside the Xen tree.
. "$(dirname "$0")/lib.sh"

pairs=()
for d in $LINUX_OVERLAY_DIRS; do
	pairs+=("$REPO_DIR/$d:$d/")
done
"$PIPELINE_DIR/overlay.sh" linux "$SRC_DIR/linux" "$REPO_DIR/patches/linux" "${pairs[@]}"
"$PIPELINE_DIR/overlay.sh" xen "$SRC_DIR/xen" "$REPO_DIR/patches/xen" "$REPO_DIR/xen:xen/"
