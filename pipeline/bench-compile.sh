#!/usr/bin/env bash
# bench-compile.sh: W5, a compile in a self-ballooning guest domain, tmem
# off and on -- the scenario that tmem was first shown with (a guest
# building software while it balloons itself down to what it uses).
#
# Each run boots Xen and dom0 on the "disk" profile of bench.sh (QEMU's I/O
# limits on dom0's disk, which holds every disk of the guest) and starts a
# PV guest with xl (pipeline/domu-run.sh): host target 128 MiB, maximum
# 256 MiB, 256 MiB of swap, self-ballooning on in both modes, and three
# disks of its own (bench-compile-disk.sh): the sources of the pinned
# lua5.4 source package, read-only; Debian's gcc 12 and its dependencies
# (build-tools-disk.sh), read-only; an empty one for the output. Once it
# has ballooned down while idle, the guest builds lua BUILDS times in a
# chroot into the toolchain's root, "make clean; make" each time
# (guest/bench-compile), so that every build after the first re-reads the
# sources, the headers and the compiler through the page cache; every
# file built must be the bytes of the host's build of the same tree.
#   off   "tmem tmem.frontswap=0 tmem.cleancache=0": self-ballooning only
#   on    "tmem": evicted clean pages and swapped pages go to tmem as well
# The same kernels and command lines otherwise. Per run: the builds' time,
# sectors read on the data disks (sources, toolchain, output) and on the
# swap disk, memory that self-ballooning gave back, tmem's puts and hits.
# Writes $BENCH_OUT/runs.csv (workload,profile,mode,rep,secs,
# sectors_data,sectors_swap,given_back_mib,puts,hits,verify: one line per
# run), compile.md (the table, printed too) and compile-MODE-REP.txt (each
# run's output).
#   BENCH_OUT             where ($TMEM_OUT/bench/compile)
#   BENCH_COMPILE_REPS    runs per mode (1)
#   BENCH_COMPILE_BUILDS  builds per run (2)
#   BENCH_COMPILE_TARGET  what each build makes: by default 4 of lua's 33
#                         objects, "lapi.o lcode.o lauxlib.o lstrlib.o"
#                         (about 3 minutes a build under TCG with tmem
#                         off; a squeezed guest re-reads the compiler for
#                         each file); "linux-noreadline" builds all of
#                         lua, and its lua must run guest/lua-check.lua
#                         as the host's does (about 25 minutes a build)
#   BENCH_COMPILE_MEM     the guest's host target in MiB (128); its maximum
#                         is twice that
. "$(dirname "$0")/lib.sh"

out=${BENCH_OUT:-$TMEM_OUT/bench/compile}
reps=${BENCH_COMPILE_REPS:-1}
builds=${BENCH_COMPILE_BUILDS:-2}
target=${BENCH_COMPILE_TARGET:-lapi.o lcode.o lauxlib.o lstrlib.o}
mem=${BENCH_COMPILE_MEM:-128}
case "$reps$builds$mem" in *[!0-9]*) die "bench-compile: REPS, BUILDS and MEM are numbers" ;; esac
case $target in *[!A-Za-z0-9._\ -]*) die "bench-compile: bad BENCH_COMPILE_TARGET '$target'" ;; esac
profile=disk
limits="bps-total=100000000,iops-total=150"

# check.sh and a developer's loop have built everything already
# (DOMU_RUN_BUILT=1, as for domu-run.sh).
[ -n "${DOMU_RUN_BUILT:-}" ] || stage "build" "$PIPELINE_DIR/build.sh"
stage "tools disk" "$PIPELINE_DIR/build-tools-disk.sh"
stage "bench-compile disk" "$PIPELINE_DIR/bench-compile-disk.sh"
mkdir -p "$out"
job=$(mktemp -d)
trap 'rm -rf "$job"' EXIT
install -m 755 "$PIPELINE_DIR/guest/bench-compile" "$job/bench-compile"
cp "$PIPELINE_DIR/guest/lua-check.lua" "$BUILD_DIR/bench-compile/ref.md5" \
	"$BUILD_DIR/bench-compile/ref.out" "$job/"
cp -r "$BUILD_DIR/bench-compile/ref" "$job/ref"

value() {
	sed -n "s/^# $2 //p" "$1" | tail -n 1
}
# The same, 0 when the run did not say.
num() {
	local v
	v=$(value "$1" "$2")
	echo "${v:-0}"
}

csv=$out/runs.csv
echo "workload,profile,mode,rep,secs,sectors_data,sectors_swap,given_back_mib,puts,hits,verify" > "$csv"
for rep in $(seq 1 "$reps"); do
	for mode in off on; do
		args=tmem
		[ "$mode" = on ] || args="tmem tmem.frontswap=0 tmem.cleancache=0"
		txt=$out/compile-$mode-$rep.txt
		msg ">>> bench-compile: tmem $mode, run $rep"
		DOMU_RUN_BUILT=1 VM_NAME=bench-compile-$mode XEN_ARGS=tmem \
			DISK_LIMITS=$limits DISK_IMAGE=$IMG_DIR/bench-compile.img \
			VM_TIMEOUT=${VM_TIMEOUT:-3600} \
			DOMU_MEM=$mem DOMU_MAXMEM=$((mem * 2)) DOMU_SWAP=256 DOMU_ARGS="$args" \
			DOMU_DISKS="src.img:xvdc:ro gcc-tools.img:xvdd:ro build.img:xvde:rw" \
			RUN=$job/bench-compile ARGS="$builds '$target'" \
			"$PIPELINE_DIR/domu-run.sh" > "$txt" 2>&1 ||
			msg "bench-compile: the tmem-$mode run failed (see $txt)"
		# Which hypervisor and kernel it ran: the same in both modes.
		echo "# xen_sha256 $(sha256sum < "$BUILD_DIR/xen/xen" | cut -c1-16)" >> "$txt"
		echo "# kernel_sha256 $(sha256sum < "$BUILD_DIR/linux/arch/x86/boot/bzImage" | cut -c1-16)" >> "$txt"
		data=0
		for d in xvdc xvdd xvde; do
			data=$((data + $(num "$txt" "${d}_read")))
		done
		verify=$(value "$txt" verify)
		[ "$verify" = ok ] || verify=FAILED
		puts=$(( $(num "$txt" tmem_puts) + $(num "$txt" tmem_swap_puts) ))
		hits=$(( $(num "$txt" tmem_hits) + $(num "$txt" tmem_swap_hits) ))
		echo "W5,$profile,$mode,$rep,$(num "$txt" run_seconds),$data,$(num "$txt" xvdb_read),$(num "$txt" given_back_mean_mb),$puts,$hits,$verify" >> "$csv"
	done
done

# The table: the last run of each mode.
{
	echo "| W5 compile: lua ($target) $builds times, $mem MiB target, $((mem * 2)) max, disk profile | tmem off | tmem on |"
	echo "|---|---|---|"
	for row in run_seconds $(for n in $(seq 1 "$builds"); do echo "build_${n}_seconds"; done) \
		xvdc_read xvdd_read xvde_read xvde_written xvdb_read xvdb_written \
		given_back_mean_mb given_back_least_mb selfballoon_lowest_target_mb \
		selfballoon_steps_down selfballoon_steps_up selfballoon_pressure_steps \
		tmem_puts tmem_hits tmem_swap_puts tmem_swap_hits oom_kills verify \
		xen_sha256 kernel_sha256; do
		echo "| $row | $(value "$out/compile-off-$reps.txt" "$row") | $(value "$out/compile-on-$reps.txt" "$row") |"
	done
} > "$out/compile.md"
cat "$out/compile.md"
echo
cat "$csv"
! grep -q ',FAILED$' "$csv"
