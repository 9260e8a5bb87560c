#!/usr/bin/env bash
# bench.sh and bench-report.py without a VM: the report's numbers from
# made-up raw files (W3's second pass, W4's overhead and its verdict on the
# 3% bound, a small host's evictions) and made-up CSVs of bench-compile.sh
# and bench-density.sh (W5's and W6's targets), and bench.sh's knobs as
# they reach the guest, W5, W6 and the report, with build, disk, VM, W5
# and W6 stubbed out.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
unset BENCH_PROFILES BENCH_REPS BENCH_W4_REPS BENCH_W4_PASSES BENCH_WORKLOADS \
	BENCH_MEM BENCH_DOM0_MEM BENCH_OUT DOMU_RUN_BUILT MODES
has() { grep -qF -- "$2" "$1" || fail "not in $(basename "$1"): $2"; }
hasnt() { ! grep -qF -- "$2" "$1" || fail "in $(basename "$1"): $2"; }
# report DIR CASE: bench-report.py on DIR's files must make its report;
# if not, what it said is in the failure, under CASE.
report() {
	python3 "$here/../bench-report.py" "$1" > "$1/out" 2> "$1/err" ||
		fail "$2: report failed: $(cat "$1/err")"
}

# line W REP SECS SECTORS PASS1 PASS2 PASS3 PASSES [PUTS HITS EVICTIONS HELD]:
# one run, as the guest prints it (after some output of the workload's).
line() {
	echo "fio: verify ok bench: workload=$1 rep=$2 secs=$3 sectors=$4" \
		"pass1=$5 pass2=$6 pass3=$7 passes=$8 puts=${9:-0} hits=${10:-0}" \
		"evictions=${11:-0} held=${12:-0} verify=ok"
}

# A 4 GiB host: W3's pass 2 reads 300000 sectors off, 3000 on (99%); W1's
# passes 2-3 none on; W4 runs of 40 s, on 1% slower, every pairing within 3%.
d=$tmp/big
mkdir -p "$d"
printf 'mem=4096\ndom0_mem=256\n' > "$d/bench.conf"
{
	for r in 1 2 3; do
		line W1 "$r" 60.0 3000000 1000000 1000000 1000000 3
		line W3 "$r" 30.0 900000 600000 300000 0 2
	done
	for r in 1 2 3 4 5; do
		line W4 "$r" "40.0$r" 131000 0 0 0 80
	done
} > "$d/raw-unthrottled-off.txt"
{
	for r in 1 2 3; do
		line W1 "$r" 40.0 1000000 1000000 0 0 3 300000 250000 0 131072
		line W3 "$r" 20.0 603000 600000 3000 0 2 150000 70000 0 70000
	done
	for r in 1 2 3 4 5; do
		line W4 "$r" "40.4$r" 131000 0 0 0 80
	done
} > "$d/raw-unthrottled-on.txt"
report "$d" big
md=$d/results.md
has "$md" "Machine 4096 MiB, dom0 256 MiB"
has "$md" "fewer, passes 2-3"
has "$md" "| sectors on | fewer | fewer, pass 2 | time off (s)"
has "$md" "W3 pass 2 alone (pass 1 is cold in both modes): unthrottled 99.0% fewer sectors with tmem; target at least 90%: met."
has "$md" "W4 control: 64 MiB (fits in memory) read 80 times"
has "$md" "unthrottled: +1.0% (+0.9% to +1.1%), 0.50 s a pass; the 3% bound: met"
has "$md" "tmem held at most 512 MiB at a run's end and Xen evicted nothing."
python3 - "$d/results.csv" <<'EOF' || fail "results.csv"
import csv, sys
rows = {r["workload"]: r for r in csv.DictReader(open(sys.argv[1]))}
assert set(rows) == {"W1", "W3", "W4"}, rows
assert float(rows["W1"]["later_reduction"]) == 100.0, rows["W1"]
assert abs(float(rows["W3"]["later_reduction"]) - 99.0) < 1e-9, rows["W3"]
assert abs(float(rows["W3"]["reduction"]) - 33.0) < 1e-9, rows["W3"]
assert rows["W4"]["later_reduction"] == "", rows["W4"]
w4 = rows["W4"]
assert w4["reps"] == "5" and w4["passes"] == "80", w4
assert abs(float(w4["overhead_pct"]) - 1.0) < 0.01, w4
assert abs(float(w4["overhead_min_pct"]) - 100 * (40.41 / 40.05 - 1)) < 1e-6, w4
assert abs(float(w4["overhead_max_pct"]) - 100 * (40.45 / 40.01 - 1)) < 1e-6, w4
assert w4["bound_3pct"] == "met", w4
assert rows["W1"]["overhead_pct"] == "" and rows["W1"]["bound_3pct"] == ""
EOF
grep -q '^W4 ' "$d/chart.dat" || fail "chart.dat has no W4"
# Without W5's and W6's CSVs, nothing of them.
hasnt "$md" "W5"
hasnt "$md" "W6"
! grep -q '^W[56] ' "$d/chart.dat" || fail "chart.dat has W5 or W6"

# W4's verdicts: medians and spread within 3%, only the medians, neither;
# and runs too short or too few to tell 3% from noise.
w4() {
	local dir=$tmp/w4-$1 secs_off=$2 secs_on=$3 reps=${4:-5} r
	mkdir -p "$dir"
	for r in $(seq "$reps"); do
		line W4 "$r" "$(echo "$secs_off" | cut -d, -f"$r")" 131000 0 0 0 80
	done > "$dir/raw-disk-off.txt"
	for r in $(seq "$reps"); do
		line W4 "$r" "$(echo "$secs_on" | cut -d, -f"$r")" 131000 0 0 0 80
	done > "$dir/raw-disk-on.txt"
	report "$dir" "w4 $1"
	echo "$dir/results.md"
}
md=$(w4 spread 40,40,40,40,44 40,41,40.5,40,42)
has "$md" "disk-like (100 MB/s, 150 IOPS): +1.2% (-9.1% to +5.0%), 0.50 s a pass; the 3% bound: met by the medians"
md=$(w4 slower 40,40,40,40,40 42,42,41.6,42,42)
has "$md" "+5.0% (+4.0% to +5.0%), 0.50 s a pass; the 3% bound: not met"
md=$(w4 short 2.1,2.0,1.9,2.0,2.0 2.0,2.0,2.0,2.0,2.0)
has "$md" "the 3% bound: not measured (runs of 2.0 s, 5 reps)"
md=$(w4 few 40,40,40 40,40,40 3)
has "$md" "the 3% bound: not measured (runs of 40.0 s, 3 reps)"
# Raw files from before passes= and held= still make a report, W4 "4 times".
d=$tmp/old
mkdir -p "$d"
for m in off on; do
	echo "bench: workload=W4 rep=1 secs=2.00 sectors=131320 pass1=0 pass2=0 pass3=0 puts=0 hits=0 evictions=0 verify=ok" \
		> "$d/raw-ssd-$m.txt"
done
report "$d" "old raw files"
has "$d/results.md" "read 4 times"
hasnt "$d/results.md" "Machine"

# A small host: Xen evicts, and the tables show it; a W3 pass 2 short of
# its target is named.
d=$tmp/small
mkdir -p "$d"
printf 'mem=528\ndom0_mem=256\n' > "$d/bench.conf"
line W3 1 30.0 900000 600000 300000 0 2 > "$d/raw-disk-off.txt"
line W3 1 25.0 750000 600000 150000 0 2 150000 40000 81000 65536 > "$d/raw-disk-on.txt"
report "$d" small
has "$d/results.md" "Machine 528 MiB, dom0 256 MiB"
has "$d/results.md" "tmem held at most 256 MiB at a run's end; Xen evicted, so that is about all it could."
has "$d/results.md" "| 50.0% | 30.00 (30.00) | 25.00 (25.00) | 0.833 | 40000 | 150000 | 81000 | ok |"
has "$d/results.md" "disk 50.0% fewer sectors with tmem; target at least 90%: NOT met."

# W5 and W6 as bench-compile.sh and bench-density.sh write them.
# w5 DIR OFF_RUNS ON_RUNS: runs of "secs:sectors_data:sectors_swap:verify",
# space-separated.
w5() {
	local dir=$1 mode runs run rep secs data swap verify
	mkdir -p "$dir/compile"
	echo "workload,profile,mode,rep,secs,sectors_data,sectors_swap,given_back_mib,puts,hits,verify" > "$dir/compile/runs.csv"
	for mode in off on; do
		runs=$2
		[ "$mode" = off ] || runs=$3
		rep=0
		for run in $runs; do
			rep=$((rep + 1))
			IFS=: read -r secs data swap verify <<< "$run"
			if [ "$mode" = off ]; then
				echo "W5,disk,off,$rep,$secs,$data,$swap,40,0,0,$verify"
			else
				echo "W5,disk,on,$rep,$secs,$data,$swap,40,50000,45000,$verify"
			fi
		done >> "$dir/compile/runs.csv"
	done
}
# w6 DIR MODE:G1:G2:G3:ALL...: each mode's seconds per guest and for all;
# sectors read, 1000 a second.
w6() {
	local dir=$1 spec f mode i secs back hits
	shift
	mkdir -p "$dir/density"
	echo "workload,profile,mode,guest,secs,sectors,given_back_mib,puts,hits,verify" > "$dir/density/results.csv"
	for spec in "$@"; do
		IFS=: read -r -a f <<< "$spec"
		mode=${f[0]} back=50 hits=900,400
		[ "$mode" != static ] || back=0
		[ "$mode" = on ] || hits=0,0
		for i in 1 2 3 4; do
			secs=${f[i]}
			echo "W6,disk,$mode,$([ "$i" = 4 ] && echo all || echo "g$i"),$secs,$((secs * 1000)),$back,$hits,ok"
		done >> "$dir/density/results.csv"
	done
}

# W1 on the disk profile with W5 (two runs a mode, medians) and W6: W5's
# target met, W6's against off but not against the static split.
d=$tmp/all
mkdir -p "$d"
printf 'mem=4096\ndom0_mem=256\nprofiles=disk\nworkloads=W1 W5 W6\n' > "$d/bench.conf"
line W1 1 60.0 3000000 1000000 1000000 1000000 3 > "$d/raw-disk-off.txt"
line W1 1 30.0 1000000 1000000 0 0 3 300000 250000 0 131072 > "$d/raw-disk-on.txt"
w5 "$d" "200:400000:20000:ok 210:420000:10000:ok" "150:80000:0:ok 140:90000:0:ok"
w6 "$d" static:60:30:50:70 off:60:40:90:100 on:50:30:40:60
report "$d" all
md=$d/results.md
has "$md" "### W1 re-read"
has "$md" "### W5 compile: a self-ballooning guest building lua twice"
has "$md" "| disk-like (100 MB/s, 150 IOPS) | 425000 (420000-430000) | 85000 (80000-90000) | 80.0% | 15000 | 0 | 205.0 (200.0-210.0) | 145.0 (140.0-150.0) | 0.707 | 40 | 40 | 45000 | 50000 | ok |"
has "$md" "W5 with tmem: 80.0% fewer sectors read and 29.3% shorter; target at least 52% fewer sectors and 8% shorter: met."
has "$md" "### W6 density: three overcommitted guests"
has "$md" "| all (until the last is done) | 70 | 100 | 60 | 0.600 | 0.857 | 70000 | 100000 | 60000 | 40.0% | 14.3% | 50/50 | 400 | 900 | ok |"
has "$md" "| g3 compile | 50 | 90 | 40 | 0.444 | 0.800 |"
has "$md" "W6 aggregate run time with tmem, 60 s; target at least 30% shorter: against self-ballooning alone (off), 100 s: 40.0% shorter, met; against the static split, 70 s: 14.3% shorter, not met."
has "$md" "Runs: 15, verify errors: 0."
has "$md" "Of those: 2 of W1-W4 in dom0, 4 of W5 in a guest, 9 of W6, a guest's each."
has "$md" "Machine 4096 MiB, dom0 256 MiB"
hasnt "$md" "was not run"
grep -q '^W5 80.00 0.707$' "$d/chart.dat" || fail "chart.dat: W5: $(cat "$d/chart.dat")"
grep -q '^W6 40.00 0.600$' "$d/chart.dat" || fail "chart.dat: W6: $(cat "$d/chart.dat")"
python3 - "$d/results.csv" <<'EOF' || fail "all: results.csv"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [(r["workload"], r["guest"]) for r in rows] == [
    ("W1", ""), ("W5", ""), ("W6", "g1"), ("W6", "g2"), ("W6", "g3"),
    ("W6", "all")], rows
w1, w5, w6 = rows[0], rows[1], rows[5]
assert w1["target"] == "" and w1["secs_static"] == "", w1
assert w5["profile"] == "disk" and w5["reps"] == "2", w5
assert float(w5["sectors_off"]) == 425000 and float(w5["sectors_on"]) == 85000, w5
assert float(w5["sectors_swap_off"]) == 15000, w5
assert float(w5["sectors_swap_on"]) == 0, w5
assert float(w5["reduction"]) == 80.0, w5
assert float(w5["secs_off"]) == 205 and float(w5["secs_on"]) == 145, w5
assert abs(float(w5["shorter_pct"]) - 100 * (1 - 145 / 205)) < 1e-9, w5
assert float(w5["given_back_on"]) == 40 and float(w5["hits"]) == 45000, w5
assert w5["target"] == "met" and w5["verify"] == "ok", w5
assert w5["secs_static"] == "" and w5["target_static"] == "", w5
assert w6["reps"] == "1", w6
assert float(w6["secs_static"]) == 70 and float(w6["secs_off"]) == 100, w6
assert float(w6["secs_on"]) == 60 and float(w6["ratio"]) == 0.6, w6
assert float(w6["sectors_static"]) == 70000, w6
assert float(w6["reduction"]) == 40, w6
assert abs(float(w6["ratio_static"]) - 60 / 70) < 1e-9, w6
assert w6["target"] == "met" and w6["target_static"] == "not met", w6
assert float(w6["given_back_static"]) == 0, w6
assert float(w6["given_back_on"]) == 50, w6
assert rows[2]["target"] == "" and float(rows[2]["secs_on"]) == 50, rows[2]
EOF

# W5 and W6 alone (no raw files, no bench.conf), targets not met: W5
# spares enough sectors but is not 8% shorter, W6 is not 30% shorter than
# off; no static split run.
d=$tmp/w56
mkdir -p "$d"
w5 "$d" "100:100000:0:ok" "95:40000:0:ok"
w6 "$d" off:60:40:90:100 on:50:30:80:80
report "$d" w56
md=$d/results.md
has "$md" "W5 with tmem: 60.0% fewer sectors read and 5.0% shorter; target at least 52% fewer sectors and 8% shorter: not met."
has "$md" "| all (until the last is done) | - | 100 | 80 | 0.800 | - | - | 100000 | 80000 | 20.0% | - | 50/50 |"
has "$md" "against self-ballooning alone (off), 100 s: 20.0% shorter, not met; against the static split: not run."
has "$md" "Runs: 8, verify errors: 0."
hasnt "$md" "Machine"
hasnt "$md" "W1-W4"
hasnt "$md" "tmem held"
python3 - "$d/results.csv" <<'EOF' || fail "w56: results.csv"
import csv, sys
rows = {(r["workload"], r["guest"]): r for r in csv.DictReader(open(sys.argv[1]))}
assert rows[("W5", "")]["target"] == "not met", rows
assert rows[("W6", "all")]["target"] == "not met", rows
assert rows[("W6", "all")]["target_static"] == "", rows
assert rows[("W6", "all")]["secs_static"] == "", rows
EOF
# W5's sectors spared but a file built wrong: not met, and the report fails.
d=$tmp/w5bad
mkdir -p "$d"
w5 "$d" "200:400000:0:ok" "150:80000:0:FAILED"
if python3 "$here/../bench-report.py" "$d" > /dev/null 2>&1; then fail "w5bad: report passed"; fi
has "$d/results.md" "target at least 52% fewer sectors and 8% shorter: not met (verify FAILED)."
has "$d/results.md" "Runs: 2, verify errors: 1."
# W5 and W6 named, but the disk profile was not: the report says so.
d=$tmp/nodisk
mkdir -p "$d"
printf 'mem=4096\ndom0_mem=256\nprofiles=unthrottled ssd\nworkloads=W4 W5 W6\n' > "$d/bench.conf"
for m in off on; do line W4 1 40.0 131000 0 0 0 80 > "$d/raw-ssd-$m.txt"; done
report "$d" nodisk
has "$d/results.md" "W5 was not run: it runs on the disk-like profile only, which BENCH_PROFILES (unthrottled ssd) did not name."
has "$d/results.md" "W6 was not run: it runs on the disk-like profile only"
# Named, on the disk profile, and without results: named as missing.
printf 'mem=4096\ndom0_mem=256\nprofiles=ssd disk\nworkloads=W4 W5\n' > "$d/bench.conf"
report "$d" nodisk
has "$d/results.md" "W5: no results (no tmem off and on runs in compile/runs.csv)."
hasnt "$d/results.md" "W6"
# Nothing at all: no report.
mkdir -p "$tmp/empty/compile"
if python3 "$here/../bench-report.py" "$tmp/empty" > /dev/null 2>&1; then fail "empty: report passed"; fi

# bench.sh, its build, disk and VM stubbed: the knobs reach the guest's
# command and bench.conf, a small host's results get a directory of their
# own, and bad knobs are refused before anything is built.
p=$tmp/pipeline
mkdir -p "$p/guest/bench"
cp "$here/../bench.sh" "$here/../bench-report.py" "$here/../lib.sh" "$here/../versions.sh" "$p/"
printf '#!/bin/sh\necho built >> "%s/built"\n' "$tmp" > "$p/build.sh"
printf '#!/bin/sh\necho disk >> "%s/disk"\n' "$tmp" > "$p/bench-disk.sh"
# W5 and W6: where they write and whether they would build, then a CSV as
# theirs.
cat > "$p/bench-compile.sh" <<EOF
#!/usr/bin/env bash
echo "compile BENCH_OUT=\$BENCH_OUT DOMU_RUN_BUILT=\${DOMU_RUN_BUILT:-}" >> "$tmp/w56-args"
mkdir -p "\$BENCH_OUT"
printf '%s\n' workload,profile,mode,rep,secs,sectors_data,sectors_swap,given_back_mib,puts,hits,verify \\
	W5,disk,off,1,200,400000,0,40,0,0,ok W5,disk,on,1,150,80000,0,40,9,9,ok > "\$BENCH_OUT/runs.csv"
EOF
cat > "$p/bench-density.sh" <<EOF
#!/usr/bin/env bash
echo "density BENCH_OUT=\$BENCH_OUT DOMU_RUN_BUILT=\${DOMU_RUN_BUILT:-}" >> "$tmp/w56-args"
mkdir -p "\$BENCH_OUT"
echo workload,profile,mode,guest,secs,sectors,given_back_mib,puts,hits,verify > "\$BENCH_OUT/results.csv"
for m in static off on; do
	for g in g1 g2 g3 all; do
		secs=100
		[ "\$m" != on ] || secs=60
		echo "W6,disk,\$m,\$g,\$secs,1000,0,0,0,ok"
	done
done >> "\$BENCH_OUT/results.csv"
EOF
cat > "$p/vm.sh" <<EOF
#!/usr/bin/env bash
# The guest command is the last argument; its knobs are echoed back.
printf '%s\n' "\$*" >> "$tmp/vm-args"
cmd=\${*: -1}
eval "\${cmd% ./bench}"
echo "bench: dom0 240 MiB, tmem stub"
for r in \$(seq "\$BENCH_W4_REPS"); do
	echo "bench: workload=W4 rep=\$r secs=40.00 sectors=131000 pass1=0 pass2=0 pass3=0 passes=\$BENCH_W4_PASSES puts=0 hits=0 evictions=0 held=0 verify=ok"
done
EOF
chmod +x "$p"/*.sh
export TMEM_OUT=$tmp/out
BENCH_MEM=528 BENCH_PROFILES=disk BENCH_WORKLOADS=W4 BENCH_W4_REPS=6 BENCH_W4_PASSES=90 \
	"$p/bench.sh" > "$tmp/bench.out" 2>&1 || fail "bench.sh: $(cat "$tmp/bench.out")"
out=$(echo "$TMEM_OUT"/bench/*-mem528)
[ -d "$out" ] || fail "no <date>-mem528 directory: $(ls "$TMEM_OUT/bench")"
has "$out/bench.conf" "mem=528"
has "$out/bench.conf" "w4_passes=90"
has "$tmp/vm-args" "--mem 528 --dom0-mem 256"
has "$tmp/vm-args" "BENCH_REPS=3 BENCH_W4_REPS=6 BENCH_W4_PASSES=90 BENCH_WORKLOADS='W4' ./bench"
has "$tmp/vm-args" "--xen-args tmem --linux-args"
has "$out/results.md" "read 90 times"
has "$out/results.md" "+0.0% (+0.0% to +0.0%), 0.44 s a pass; the 3% bound: met"
has "$tmp/bench.out" "Machine 528 MiB, dom0 256 MiB"
[ ! -e "$tmp/w56-args" ] || fail "W5 or W6 ran with BENCH_WORKLOADS=W4: $(cat "$tmp/w56-args")"
# On a small host the default is W1-W4: W5 and W6 bring machines of
# their own.
rm -f "$tmp/vm-args"
TMEM_OUT=$tmp/out-small BENCH_MEM=528 BENCH_PROFILES=disk BENCH_W4_REPS=1 \
	"$p/bench.sh" > "$tmp/bench.out" 2>&1 || fail "bench.sh, small: $(cat "$tmp/bench.out")"
has "$tmp/vm-args" "BENCH_WORKLOADS='W1 W2 W3 W4' ./bench"
[ ! -e "$tmp/w56-args" ] || fail "W5 or W6 ran on a small host: $(cat "$tmp/w56-args")"
has "$(echo "$tmp"/out-small/bench/*-mem528)/bench.conf" "workloads=W1 W2 W3 W4"

# The default on the disk profile: W1-W4 in dom0's boots, then W5 and W6
# into the same directory, built once.
rm -f "$tmp/vm-args" "$tmp/built" "$tmp/disk"
TMEM_OUT=$tmp/out-all BENCH_PROFILES=disk BENCH_W4_REPS=1 \
	"$p/bench.sh" > "$tmp/bench.out" 2>&1 || fail "bench.sh, all: $(cat "$tmp/bench.out")"
out=$(echo "$tmp"/out-all/bench/*)
has "$tmp/vm-args" "BENCH_WORKLOADS='W1 W2 W3 W4' ./bench"
has "$tmp/disk" "disk"
has "$tmp/w56-args" "compile BENCH_OUT=$out/compile DOMU_RUN_BUILT=1"
has "$tmp/w56-args" "density BENCH_OUT=$out/density DOMU_RUN_BUILT=1"
[ "$(wc -l < "$tmp/built")" = 1 ] || fail "built $(wc -l < "$tmp/built") times"
has "$out/bench.conf" "workloads=W1 W2 W3 W4 W5 W6"
has "$out/results.md" "### W4 control"
has "$out/results.md" "W5 with tmem: 80.0% fewer sectors read and 25.0% shorter; target at least 52% fewer sectors and 8% shorter: met."
has "$out/results.md" "against self-ballooning alone (off), 100 s: 40.0% shorter, met; against the static split, 100 s: 40.0% shorter, met."
has "$tmp/bench.out" "### W6 density"
# W6 alone: no boot of dom0's bench, no bench disk.
rm -f "$tmp/vm-args" "$tmp/w56-args" "$tmp/disk"
TMEM_OUT=$tmp/out-w6 BENCH_PROFILES=disk BENCH_WORKLOADS=W6 \
	"$p/bench.sh" > "$tmp/bench.out" 2>&1 || fail "bench.sh, W6: $(cat "$tmp/bench.out")"
[ ! -e "$tmp/vm-args" ] || fail "W6 alone booted dom0's bench"
[ ! -e "$tmp/disk" ] || fail "W6 alone made dom0's bench disk"
has "$tmp/w56-args" "density BENCH_OUT="
hasnt "$tmp/w56-args" "compile"
has "$(echo "$tmp"/out-w6/bench/*)/results.md" "### W6 density"
# W5 and W6 named without the disk profile: skipped, and the report says so.
rm -f "$tmp/w56-args"
TMEM_OUT=$tmp/out-nodisk BENCH_PROFILES=ssd BENCH_WORKLOADS="W4 W5 W6" BENCH_W4_REPS=1 \
	"$p/bench.sh" > "$tmp/bench.out" 2>&1 || fail "bench.sh, ssd: $(cat "$tmp/bench.out")"
[ ! -e "$tmp/w56-args" ] || fail "W5 or W6 ran without the disk profile"
has "$tmp/bench.out" "bench: W5 and W6 run on the disk profile only, which BENCH_PROFILES does not name: skipped"
has "$(echo "$tmp"/out-nodisk/bench/*)/results.md" "W5 was not run: it runs on the disk-like profile only, which BENCH_PROFILES (ssd) did not name."
# A failed W5 still gets its report, and fails bench.sh.
sed -i 's/^printf /false \&\& printf /' "$p/bench-compile.sh"
echo 'exit 1' >> "$p/bench-compile.sh"
if TMEM_OUT=$tmp/out-fail BENCH_PROFILES=disk BENCH_WORKLOADS="W5 W6" \
	"$p/bench.sh" > "$tmp/bench.out" 2>&1; then fail "bench.sh passed with W5 failed"; fi
out=$(echo "$tmp"/out-fail/bench/*)
has "$tmp/bench.out" "error: bench: failed: W5 (see $out/compile)"
has "$out/results.md" "W5: no results"
has "$out/results.md" "### W6 density"

rm -f "$tmp/built"
for bad in BENCH_W4_PASSES=0 BENCH_W4_REPS=five BENCH_REPS=08 BENCH_MEM=4G "BENCH_WORKLOADS=W1 W7"; do
	if out=$(env "$bad" "$p/bench.sh" 2>&1); then fail "accepted: $bad"; fi
	case $out in *"${bad%%=*}"* | *W7*) ;; *) fail "$bad: not named in: $out" ;; esac
	[ ! -e "$tmp/built" ] || fail "$bad: it built first"
done
echo ok
