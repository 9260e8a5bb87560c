#!/usr/bin/env bash
# bench.sh and bench-report.py without a VM: the report's numbers from
# made-up raw files (W3's second pass, W4's overhead and its verdict on the
# 3% bound, a small host's evictions), and bench.sh's knobs as they reach
# the guest and the report, with build, disk and VM stubbed out.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
unset BENCH_PROFILES BENCH_REPS BENCH_W4_REPS BENCH_W4_PASSES BENCH_WORKLOADS \
	BENCH_MEM BENCH_DOM0_MEM
has() { grep -qF -- "$2" "$1" || fail "not in $(basename "$1"): $2"; }
hasnt() { ! grep -qF -- "$2" "$1" || fail "in $(basename "$1"): $2"; }

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
python3 "$here/../bench-report.py" "$d" > "$d/out" 2> "$d/err" || fail "report failed: $(cat "$d/err")"
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
	python3 "$here/../bench-report.py" "$dir" > /dev/null 2>&1 || fail "w4 $1: report failed"
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
python3 "$here/../bench-report.py" "$d" > /dev/null 2>&1 || fail "old raw files: report failed"
has "$d/results.md" "read 4 times"
hasnt "$d/results.md" "Machine"

# A small host: Xen evicts, and the tables show it; a W3 pass 2 short of
# its target is named.
d=$tmp/small
mkdir -p "$d"
printf 'mem=528\ndom0_mem=256\n' > "$d/bench.conf"
line W3 1 30.0 900000 600000 300000 0 2 > "$d/raw-disk-off.txt"
line W3 1 25.0 750000 600000 150000 0 2 150000 40000 81000 65536 > "$d/raw-disk-on.txt"
python3 "$here/../bench-report.py" "$d" > /dev/null 2>&1 || fail "small: report failed"
has "$d/results.md" "Machine 528 MiB, dom0 256 MiB"
has "$d/results.md" "tmem held at most 256 MiB at a run's end; Xen evicted, so that is about all it could."
has "$d/results.md" "| 50.0% | 30.00 (30.00) | 25.00 (25.00) | 0.833 | 40000 | 150000 | 81000 | ok |"
has "$d/results.md" "disk 50.0% fewer sectors with tmem; target at least 90%: NOT met."

# bench.sh, its build, disk and VM stubbed: the knobs reach the guest's
# command and bench.conf, a small host's results get a directory of their
# own, and bad knobs are refused before anything is built.
p=$tmp/pipeline
mkdir -p "$p/guest/bench"
cp "$here/../bench.sh" "$here/../bench-report.py" "$here/../lib.sh" "$here/../versions.sh" "$p/"
printf '#!/bin/sh\necho built >> "%s/built"\n' "$tmp" > "$p/build.sh"
printf '#!/bin/sh\n' > "$p/bench-disk.sh"
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
rm -f "$tmp/built"
for bad in BENCH_W4_PASSES=0 BENCH_W4_REPS=five BENCH_REPS=08 BENCH_MEM=4G "BENCH_WORKLOADS=W1 W5"; do
	if out=$(env "$bad" "$p/bench.sh" 2>&1); then fail "accepted: $bad"; fi
	case $out in *"${bad%%=*}"* | *W5*) ;; *) fail "$bad: not named in: $out" ;; esac
	[ ! -e "$tmp/built" ] || fail "$bad: it built first"
done
echo ok
