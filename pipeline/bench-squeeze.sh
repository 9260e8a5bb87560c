#!/usr/bin/env bash
# bench-squeeze.sh: a guest domain under a memory squeeze, tmem off and on.
#
# Each run boots Xen and dom0 on the "disk" profile of bench.sh (QEMU's
# I/O limits on dom0's disk, which holds the guest's swap device) and
# starts a PV guest with xl (pipeline/domu-run.sh): host target 128 MiB,
# maximum 256 MiB, 256 MiB of swap, self-ballooning on in both modes. The
# guest's job is tests/tmem-swap/squeeze: it self-balloons down while
# idle, then fills 256 MiB and reads it back twice (swapcheck).
#   off   "tmem tmem.frontswap=0 tmem.cleancache=0": self-ballooning only
#   on    "tmem": swapped pages and clean file pages go to tmem as well
# Writes $BENCH_OUT/squeeze.md (a table) and squeeze-{off,on}.txt (the
# runs' output), and prints the table.
#   BENCH_OUT  where ($TMEM_OUT/bench/squeeze)
. "$(dirname "$0")/lib.sh"

out=${BENCH_OUT:-$TMEM_OUT/bench/squeeze}
mkdir -p "$out"
stage "build" "$PIPELINE_DIR/build.sh"
job=$(mktemp -d)
trap 'rm -rf "$job"' EXIT
gcc -O2 -Wall -Werror -static -o "$job/swapcheck" "$REPO_DIR/tests/tmem-swap/swapcheck.c"
install -m 755 "$REPO_DIR/tests/tmem-swap/squeeze" "$job/squeeze"

for mode in off on; do
	args=tmem
	[ "$mode" = on ] || args="tmem tmem.frontswap=0 tmem.cleancache=0"
	squeeze=tmem
	[ "$mode" = on ] || squeeze=off
	msg ">>> bench-squeeze: tmem $mode"
	DOMU_RUN_BUILT=1 VM_NAME=bench-squeeze-$mode XEN_ARGS=tmem \
		DISK_LIMITS="bps-total=100000000,iops-total=150" \
		DOMU_MEM=128 DOMU_MAXMEM=256 DOMU_SWAP=256 DOMU_ARGS="$args" \
		RUN=$job/squeeze ARGS="$squeeze 256 2" \
		"$PIPELINE_DIR/domu-run.sh" > "$out/squeeze-$mode.txt" 2>&1 ||
		msg "bench-squeeze: the tmem-$mode run reported failures (see $out/squeeze-$mode.txt)"
done

value() {
	sed -n "s/^# $2 //p" "$out/squeeze-$1.txt" | tail -n 1
}
{
	echo "| squeezed guest (128 MiB target, 256 MiB max, 256 MiB swapped twice) | tmem off | tmem on |"
	echo "|---|---|---|"
	for row in run_seconds swap_sectors_read swap_sectors_written \
		selfballoon_lowest_target_mb selfballoon_given_back_mb \
		selfballoon_steps_down selfballoon_steps_up selfballoon_pressure_steps \
		tmem_swap_puts tmem_swap_failed_puts tmem_swap_hits \
		tmem_puts tmem_hits frontswap_stored_pages; do
		echo "| $row | $(value off $row) | $(value on $row) |"
	done
} > "$out/squeeze.md"
cat "$out/squeeze.md"
