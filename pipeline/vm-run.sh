#!/usr/bin/env bash
# vm-run.sh: run the user's own program or script in the booted dom0.
#
#   RUN=path/to/prog ARGS="..."  copy prog and the files beside it to /job
#                                and run it as root after boot
#   CMD="shell command"          or run a command already in the image
# Knobs: XEN_ARGS, LINUX_ARGS, VM_MEM, DOM0_MEM, VM_TIMEOUT, DISK_SIZE (see
# vm.sh). Prints the program's output and exits with its status.
. "$(dirname "$0")/lib.sh"

RUN=${RUN:-}
ARGS=${ARGS:-}
CMD=${CMD:-}

if [ -n "$RUN" ]; then
	[ -f "$RUN" ] || die "vm-run: $RUN is not a file"
	dir=$(cd "$(dirname "$RUN")" && pwd)
	size=$(du -sm "$dir" | cut -f1)
	[ "$size" -le 256 ] || die "vm-run: $dir holds ${size} MiB; put the program in a smaller directory"
	chmod +x "$RUN" 2>/dev/null || true
	export JOB_DIR=$dir
	CMD="./$(basename "$RUN") $ARGS"
fi
[ -n "$CMD" ] || die "vm-run: set RUN=path/to/program (and ARGS=...) or CMD='command'"
stage "build" "$PIPELINE_DIR/build.sh"
VM_NAME=${VM_NAME:-vm-run} exec "$PIPELINE_DIR/vm.sh" -- "$CMD"
