#!/usr/bin/env bash
# demo.sh: build everything, boot our Xen with tmem on and our kernel as
# dom0, showing the console live, and run pipeline/guest/demo in dom0.
. "$(dirname "$0")/lib.sh"

stage "build" "$PIPELINE_DIR/build.sh"
msg ">>> boot: Xen with 'tmem', Linux dom0 with 'tmem' (console follows)"
JOB_DIR=$PIPELINE_DIR/guest/demo VM_NAME=demo \
	"$PIPELINE_DIR/vm.sh" --live --xen-args "tmem ${XEN_ARGS:-}" \
	--linux-args "tmem kunit.enable=0 ${LINUX_ARGS:-}" -- ./demo
