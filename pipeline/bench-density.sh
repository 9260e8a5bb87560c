#!/usr/bin/env bash
# bench-density.sh: W6, density -- three overcommitted guest domains
# re-reading their data at once, on one host, tmem off and on, and a
# static split of the same memory.
#
# Why: tmem's case for a host of many guests is that the memory a guest
# does not use goes, through self-ballooning, to a pool that every guest's
# evicted clean pages share, instead of sitting in one guest's fixed
# share. Each run boots Xen and dom0 on the "disk" profile of bench.sh
# (QEMU's I/O limits on dom0's disk, which holds every guest's data disk)
# and starts three PV guests with xl (pipeline/domu-run.sh starts the
# first, guest/bench-density/dom0 the others), each of GUEST_MEM MiB, a
# third of what Xen has free once dom0 is up, and an ext4 data disk of its
# own (xvdc, read-only; dom0's loop device reads it with direct I/O). Once
# all three have booted and idled, dom0 gives them their disks at once
# and each runs its job (guest/bench-density/density):
#   g1  reread  md5sum -c over 4 files, twice its page cache, 3 passes
#               (W1-like)
#   g2  random  random 128 KiB reads, skewed, over a file three times its
#               page cache (randread.c), every byte checked (W2-like)
#   g3  compile W5's job: builds BUILDS times the TARGET objects of lua
#               (the sources of bench-compile-disk.sh on its xvdc) with
#               Debian's gcc 12 from the toolchain disk (xvdd, read-only,
#               direct I/O too), every object the host's bytes (W5-like)
# The modes differ in the guests' command line and maximum only:
#   static  "": no tmem, no self-ballooning, each guest its third
#   off     "tmem tmem.frontswap=0 tmem.cleancache=0", maximum 1.5 times
#           its memory (the three maxima sum to more than the host has):
#           self-ballooning alone
#   on      "tmem", the same maximum: self-ballooning, and evicted clean
#           pages go to tmem
# Xen boots with "tmem" in every mode. Per guest and for all three
# together (run time: until the last guest is done, as dom0 sees it):
# seconds, sectors read from its data disks, memory self-ballooning gave
# back (mean over the run), tmem's puts and hits, verify.
# Writes $BENCH_OUT/density-MODE.txt (each run's output) and, from every
# mode's output there, density.md (a table per mode, printed too) and
# results.csv (workload,profile,mode,guest,secs,sectors,given_back_mib,
# puts,hits,verify; a row per guest and an "all" row per mode).
#   BENCH_OUT              where ($TMEM_OUT/bench/density)
#   MODES                  modes to run ("static off on"); a later run
#                          with the same BENCH_OUT adds to the others'
#   BENCH_DENSITY_SCALE    data set sizes in percent (100), e.g. 25 for a
#                          quick look
#   BENCH_DENSITY_MEM      the host's memory in MiB (640; dom0 has 256)
#   BENCH_DENSITY_GUEST_MEM  each guest's memory in MiB (120: a third of
#                          Xen's free memory on a 640 MiB host)
#   BENCH_DENSITY_BUILDS   g3's builds (2)
#   BENCH_DENSITY_TARGET   what each of them makes ("lapi.o": about half
#                          a minute a build under TCG beside the others)
. "$(dirname "$0")/lib.sh"

out=${BENCH_OUT:-$TMEM_OUT/bench/density}
MODES=${MODES:-static off on}
scale=${BENCH_DENSITY_SCALE:-100}
vm_mem=${BENCH_DENSITY_MEM:-640}
mem=${BENCH_DENSITY_GUEST_MEM:-120}
builds=${BENCH_DENSITY_BUILDS:-2}
target=${BENCH_DENSITY_TARGET:-lapi.o}
case "$scale$vm_mem$mem$builds" in *[!0-9]*) die "bench-density: SCALE, MEM, GUEST_MEM and BUILDS are numbers" ;; esac
case $target in *[!A-Za-z0-9._\ -]* | "") die "bench-density: bad BENCH_DENSITY_TARGET '$target'" ;; esac
for mode in $MODES; do
	case $mode in static | off | on) ;; *) die "bench-density: no mode '$mode'" ;; esac
done
maxmem=$((mem * 3 / 2))
profile=disk
limits="bps-total=100000000,iops-total=150"
here=$PIPELINE_DIR/guest/bench-density

# The data sets, in MiB at 100%, and the jobs' passes and reads.
g1_mib=$((160 * scale / 100))
g2_mib=$((240 * scale / 100))
passes=3
nreads=$((g2_mib * 8 * 3 / 2))

[ -n "${DOMU_RUN_BUILT:-}" ] || stage "build" "$PIPELINE_DIR/build.sh"
# g3's toolchain, and the lua sources with the host's build of them.
stage "tools disk" "$PIPELINE_DIR/build-tools-disk.sh"
stage "bench-compile disk" "$PIPELINE_DIR/bench-compile-disk.sh"
mkdir -p "$out"
job=$(mktemp -d)
trap 'rm -rf "$job"' EXIT
mkdir -p "$job/guest" "$job/dom0"
gcc -O2 -Wall -Werror -static -o "$job/guest/randread" "$here/randread.c"
gcc -O2 -Wall -Werror -static -o "$job/dom0/loop-dio" "$here/loop-dio.c"
install -m 755 "$here/density" "$job/guest/density"
install -m 755 "$PIPELINE_DIR/guest/bench-compile" "$job/guest/bench-compile"

# dom0's test disk: the three data images and g3's toolchain, made again
# when what goes into them changes.
disk=$BUILD_DIR/bench-density/test-$scale.img
stamp=$( (cat "$0" "$IMG_DIR/gcc-tools.img.stamp" "$BUILD_DIR/bench-compile/ref.md5"
	echo "$builds $target") | sha256sum | cut -c1-16)
if [ ! -f "$disk" ] || [ "$(cat "$disk.stamp" 2>/dev/null)" != "$stamp" ]; then
	msg "bench-density: data disk at ${scale}%"
	rm -f "$disk" "$disk.stamp"
	mkdir -p "${disk%/*}"
	d=$job/data
	mkdir -p "$d/g1" "$d/g2" "$d/g3" "$d/images"
	python3 -c '
import random, sys
d, g1 = sys.argv[1], int(sys.argv[2])
rng = random.Random(6)
for i in range(4):
    with open(f"{d}/g1/file{i}", "wb") as f:
        f.write(rng.randbytes((g1 << 20) // 4))
' "$d" "$g1_mib"
	(cd "$d/g1" && md5sum file* > MD5SUMS)
	"$job/guest/randread" gen "$d/g2/data" "$g2_mib"
	tar -xzf "$DL_DIR/$COMPILE_ORIG_TARBALL" -C "$d/g3"
	cp "$BUILD_DIR/bench-compile/ref.md5" "$d/g3/"
	echo reread > "$d/g1/role"
	echo "$passes" > "$d/g1/args"
	echo random > "$d/g2/role"
	echo "$nreads" > "$d/g2/args"
	echo compile > "$d/g3/role"
	echo "$builds $target" > "$d/g3/args"
	for g in g1 g2 g3; do
		size=$(du -sm "$d/$g" | cut -f1)
		truncate -s "$((size + size / 8 + 16))M" "$d/images/$g.img"
		mkfs.ext4 -q -F -d "$d/$g" "$d/images/$g.img"
		rm -rf "${d:?}/$g"
	done
	cp --sparse=always "$IMG_DIR/gcc-tools.img" "$d/images/"
	truncate -s "$(($(du -sm --apparent-size "$d/images" | cut -f1) + 256))M" "$job/test.img"
	mkfs.ext4 -q -F -O ^metadata_csum -d "$d/images" "$job/test.img"
	rm -rf "$d"
	mv "$job/test.img" "$disk"
	echo "$stamp" > "$disk.stamp"
fi

for mode in $MODES; do
	args=tmem max=$maxmem
	case $mode in
	static) args="" max=$mem ;;
	off) args="tmem tmem.frontswap=0 tmem.cleancache=0" ;;
	esac
	printf '%s\n' "MAXMEM=$max" "TOOLS_GUEST=g3" > "$job/dom0/density.conf"
	txt=$out/density-$mode.txt
	msg ">>> bench-density: $mode"
	DOMU_RUN_BUILT=1 VM_NAME=bench-density-$mode XEN_ARGS=tmem \
		VM_MEM=$vm_mem DOM0_MEM=256 VM_TIMEOUT=${VM_TIMEOUT:-3000} \
		DISK_LIMITS=$limits DISK_IMAGE=$disk \
		DOMU_MEM=$mem DOMU_MAXMEM=$max DOMU_SWAP=0 DOMU_ARGS="$args" \
		DOM0_RUN=$here/dom0 DOM0_FILES="$job/dom0/loop-dio $job/dom0/density.conf" \
		RUN=$job/guest/density \
		"$PIPELINE_DIR/domu-run.sh" > "$txt" 2>&1 ||
		msg "bench-density: the $mode run failed (see $txt)"
done

# The report, from every mode's output in $out.
# value FILE GUEST KEY: what dom0 printed as "# GUEST KEY VALUE".
value() {
	sed -n "s/^# $2 $3 //p" "$1" | tail -n 1
}
num() {
	local v
	v=$(value "$@")
	echo "${v:-0}"
}
csv=$out/results.csv
echo "workload,profile,mode,guest,secs,sectors,given_back_mib,puts,hits,verify" > "$csv"
: > "$out/density.md"
for mode in static off on; do
	txt=$out/density-$mode.txt
	[ -f "$txt" ] || continue
	sum_sectors=0 sum_back=0 sum_puts=0 sum_hits=0 all_verify=ok
	{
		echo "| W6 density, $mode: $mem MiB each (max $( [ "$mode" = static ] && echo "$mem" || echo "$maxmem")), ${scale}% data, disk profile | secs | sectors read | given back MiB (mean) | tmem puts | tmem hits | verify |"
		echo "|---|---|---|---|---|---|---|"
	} >> "$out/density.md"
	n=0
	for g in domu g2 g3; do
		n=$((n + 1))
		name=g$n
		verify=$(value "$txt" "$g" verify)
		[ "$verify" = ok ] || verify=FAILED
		[ "$verify" = ok ] || all_verify=FAILED
		secs=$(num "$txt" "$g" run_seconds)
		sectors=$(num "$txt" "$g" data_read)
		back=$(num "$txt" "$g" given_back_mean_mb)
		puts=$(num "$txt" "$g" tmem_puts)
		hits=$(num "$txt" "$g" tmem_hits)
		sum_sectors=$((sum_sectors + sectors))
		sum_back=$((sum_back + back))
		sum_puts=$((sum_puts + puts))
		sum_hits=$((sum_hits + hits))
		echo "W6,$profile,$mode,$name,$secs,$sectors,$back,$puts,$hits,$verify" >> "$csv"
		echo "| $name $(value "$txt" "$g" role) | $secs | $sectors | $back | $puts | $hits | $verify |" >> "$out/density.md"
	done
	all=$(value "$txt" all run_seconds)
	[ -n "$all" ] || all_verify=FAILED
	echo "W6,$profile,$mode,all,${all:-0},$sum_sectors,$sum_back,$sum_puts,$sum_hits,$all_verify" >> "$csv"
	echo "| all (until the last is done) | ${all:-0} | $sum_sectors | $sum_back | $sum_puts | $sum_hits | $all_verify |" >> "$out/density.md"
	echo >> "$out/density.md"
done
# The target: the aggregate run time with tmem at least 30% shorter than
# without (self-ballooning alone).
off=$(awk -F, '$3 == "off" && $4 == "all" { print $5 }' "$csv")
on=$(awk -F, '$3 == "on" && $4 == "all" { print $5 }' "$csv")
static=$(awk -F, '$3 == "static" && $4 == "all" { print $5 }' "$csv")
if [ -n "$off" ] && [ -n "$on" ] && [ "$off" -gt 0 ]; then
	awk -v off="$off" -v on="$on" -v st="${static:-0}" 'BEGIN {
		r = 1 - on / off
		printf "aggregate run time with tmem: %d s against %d s without (%.1f%% shorter; target 30%%: %s)", on, off, r * 100, (r >= 0.3 ? "met" : "not met")
		if (st > 0) printf "; against the static split, %d s: %.1f%% shorter", st, (1 - on / st) * 100
		printf "\n"
	}' >> "$out/density.md"
fi
cat "$out/density.md"
echo
cat "$csv"
! grep -q ',FAILED$' "$csv"
