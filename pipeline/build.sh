#!/usr/bin/env bash
# Everything the VM needs, stage by stage, each timed: packages, pinned
# sources, patched trees, kernel, hypervisor, kselftests, dom0's
# xen-tmem, initramfs.
. "$(dirname "$0")/lib.sh"

# One build at a time: two in the same output tree would overwrite each
# other's objects (a test run started during a build waits for it).
mkdir -p "$TMEM_OUT"
exec 9> "$TMEM_OUT/.build.lock"
if ! flock -n 9; then
	msg "build: waiting for another build of $TMEM_OUT to finish"
	flock 9
fi

total=$(date +%s)
stage "install packages" "$PIPELINE_DIR/deps.sh"
stage "fetch sources" "$PIPELINE_DIR/fetch.sh"
stage "patch trees" "$PIPELINE_DIR/prepare.sh"
stage "build linux" "$PIPELINE_DIR/build-linux.sh"
stage "build xen" "$PIPELINE_DIR/build-xen.sh"
stage "build xen (debug)" "$PIPELINE_DIR/build-xen.sh" debug
stage "build xen (flask)" "$PIPELINE_DIR/build-xen.sh" flask
stage "build kselftests" "$PIPELINE_DIR/build-selftests.sh"
stage "build xen-tmem" "$PIPELINE_DIR/build-xen-tmem.sh"
stage "build initramfs" "$PIPELINE_DIR/initramfs.sh"
msg "build: all done in $(( $(date +%s) - total ))s (outputs in $TMEM_OUT)"
