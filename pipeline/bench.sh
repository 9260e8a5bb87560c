#!/usr/bin/env bash
# bench.sh: what tmem buys, measured. Boots Xen with tmem on and then with
# Xen's `tmem` option absent (all else identical: the same kernel and
# command line, a 256 MiB dom0, the rest of the machine left to Xen), on
# each disk profile, runs pipeline/guest/bench/bench in dom0 and reports.
#
# Knobs (environment):
#   BENCH_PROFILES   disk profiles to run (default: "unthrottled ssd disk")
#                      unthrottled: QEMU serves the image at host speed
#                      ssd:  200 MB/s, 5000 IOPS (QEMU I/O limits)
#                      disk: 100 MB/s,  150 IOPS
#   BENCH_REPS       repetitions of each workload per boot (default 3)
#   BENCH_WORKLOADS  subset of "W1 W2 W3 W4"
#   BENCH_MEM        the machine's memory in MiB (default 4096)
#   BENCH_DOM0_MEM   dom0's memory in MiB (default 256)
# Results: $TMEM_OUT/bench/<date>/{results.md,results.csv,chart.png,raw-*}.
. "$(dirname "$0")/lib.sh"

BENCH_PROFILES=${BENCH_PROFILES:-unthrottled ssd disk}
BENCH_REPS=${BENCH_REPS:-3}
BENCH_WORKLOADS=${BENCH_WORKLOADS:-W1 W2 W3 W4}
BENCH_MEM=${BENCH_MEM:-4096}
BENCH_DOM0_MEM=${BENCH_DOM0_MEM:-256}

limits_of() {
	case $1 in
	unthrottled) echo "" ;;
	ssd) echo "bps-total=200000000,iops-total=5000" ;;
	disk) echo "bps-total=100000000,iops-total=150" ;;
	*) die "bench: unknown disk profile $1" ;;
	esac
}
for p in $BENCH_PROFILES; do limits_of "$p" >/dev/null; done

stage "build" "$PIPELINE_DIR/build.sh"
stage "bench disk" "$PIPELINE_DIR/bench-disk.sh"

out=$TMEM_OUT/bench/$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
msg "bench: profiles [$BENCH_PROFILES], $BENCH_REPS reps of [$BENCH_WORKLOADS], dom0 ${BENCH_DOM0_MEM} MiB of ${BENCH_MEM} MiB; results in $out"
for profile in $BENCH_PROFILES; do
	for mode in on off; do
		xen_args=""
		[ "$mode" = on ] && xen_args="tmem"
		msg ">>> bench: $profile disk, tmem $mode"
		JOB_DIR="$PIPELINE_DIR/guest/bench" VM_NAME="bench-$profile-$mode" \
			DISK_LIMITS="$(limits_of "$profile")" \
			"$PIPELINE_DIR/vm.sh" --mem "$BENCH_MEM" --dom0-mem "$BENCH_DOM0_MEM" \
			--disk "$IMG_DIR/bench-disk.img" --tools-disk "$IMG_DIR/bench-tools.img" \
			--timeout 7200 \
			--xen-args "$xen_args" --linux-args "tmem kunit.enable=0" -- \
			"BENCH_REPS=$BENCH_REPS BENCH_WORKLOADS='$BENCH_WORKLOADS' ./bench" \
			> "$out/raw-$profile-$mode.txt" ||
			die "bench: the $profile tmem-$mode run failed (see $out/raw-$profile-$mode.txt)"
		grep '^bench:' "$out/raw-$profile-$mode.txt" >&2 || true
	done
done
python3 "$PIPELINE_DIR/bench-report.py" "$out"
