#!/usr/bin/env bash
# check.sh: every test of the project, layer by layer, and one closing line
# "check: N passed, N failed, N skipped". Exits non-zero on any failure.
#
#   LAYERS="unit vm"      which layers run (default: both)
#   SUITES="a b"          which VM suites run (default: all, see below)
#
# unit: the pipeline's own tests and the userspace build of the hypervisor
#       code (seconds, no VM).
# vm:   builds everything, then boots each suite below: KUnit's results are
#       read from the boot log, the kselftests are run by dom0's /init;
#       the coherence-stress suite, the randomized coherence stress
#       (guest/stress) for STRESS_SECONDS (default 45) with tmem on; and
#       the xen-domu suite, where dom0 starts and kills a guest domain
#       under tmem (guest/domu-test); xen-domu-kunit, the live ABI
#       KUnit suite in a PV and a PVH guest domain; and tmem-xsm, tmem
#       under an XSM FLASK policy that denies it (tests/tmem-xsm/run);
#       tmem-swap, a squeezed guest domain swapping into tmem, saved and
#       restored (tests/tmem-swap/run; its other modes are make soak's);
#       tmem-admin, every verb of dom0's xen-tmem on a busy guest, and
#       its refusals, a guest's among them (tests/tmem-admin/run);
#       tmem-guests, three guests sharing
#       tmem by their weights, one destroyed and one created while the
#       others read (tests/tmem-guests/run).
#       tmem-domu, a PVH guest's tmem while xl live-migrates it
#       (tests/tmem-domu/migrate-pvh), runs only when SUITES names it: a
#       run takes 5 to 15 minutes under TCG, and its PVH guest has been
#       seen to hang or triple-fault on a loaded host.
. "$(dirname "$0")/lib.sh"

LAYERS=${LAYERS:-unit vm}
# name | Xen command line | Linux command line | memory MiB | dom0 MiB
VM_SUITES="
default              |                             |                                | 1024 | 512
linux-cleancache-off | tmem                        | tmem tmem.cleancache=0 kunit.enable=0 | 1024 | 512
xen-without-tmem     |                             | tmem kunit.enable=0            | 1024 | 512
xen-debug            | tmem dom0_mem=512M,max:768M | tmem kunit.filter_glob=*tmem*  | 1024 | 512
"

passed=0 failed=0 skipped=0
failures=()

# tally LABEL OUTPUT_FILE: add the layer's closing "N passed, N failed"
# line to the totals; a layer that printed none counts as one failure.
tally() {
	local label=$1 line p f s
	line=$(grep -E '^([A-Za-z0-9_.-]+: )?[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		failures+=("$label: no result line")
		return
	fi
	p=$(sed -E 's/^([A-Za-z0-9_.-]+: )?([0-9]+) passed.*/\2/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
	[ "$f" -eq 0 ] || failures+=("$label: $f failed")
}

# layer LABEL CMD...: run a layer whose output ends in a result line.
layer() {
	local label=$1 out=$LOG_DIR/check-$1.out
	shift
	msg ">>> test: $label"
	local start rc=0
	start=$(date +%s)
	"$@" > >(tee "$out") 2>&1 || rc=$?
	wait
	tally "$label" "$out"
	# Not grep -q: bash's printf writes a line at a time, and under pipefail
	# its SIGPIPE once grep -q quit would count as one more failure.
	if [ "$rc" -ne 0 ] && ! printf '%s\n' "${failures[@]}" | grep "^$label:" >/dev/null; then
		failed=$((failed + 1))
		failures+=("$label: exit status $rc")
	fi
	msg "<<< test: $label done in $(( $(date +%s) - start ))s"
}

vm_suite() {
	local name=$1 xen_args=$2 linux_args=$3 mem=$4 dom0_mem=$5 rc=0
	local log=$LOG_DIR/check-$name.log xen=$BUILD_DIR/xen/xen
	# xen-debug boots the CONFIG_DEBUG=y hypervisor, so that its ASSERTs
	# run under tmem (build-xen.sh debug).
	[ "$name" != xen-debug ] || xen=$BUILD_DIR/xen-debug/xen
	XEN=$xen "$PIPELINE_DIR/vm.sh" --name "check-$name" --xen-args "$xen_args" \
		--linux-args "$linux_args" --mem "$mem" --dom0-mem "$dom0_mem" \
		-- run-selftests /selftests/* > /dev/null || rc=$?
	python3 "$PIPELINE_DIR/ktap.py" --label "$name" "$log" || true
	[ "$rc" -eq 0 ] || echo "FAIL $name: the VM run failed (status $rc), log: $log"
	return "$rc"
}

# coherence-stress: tools/testing/selftests/tmem/coherence_stress for
# STRESS_SECONDS with Xen and Linux using tmem: random ops on files larger
# than dom0's memory, every read checked, racing readers and O_DIRECT
# writers. Any stale or wrong read fails it; its seed, ops count and any
# mismatch report are shown.
stress_suite() {
	local name=coherence-stress secs=${STRESS_SECONDS:-45} rc=0
	local log=$LOG_DIR/check-$name.log
	"$PIPELINE_DIR/vm.sh" --name "check-$name" --xen-args tmem \
		--linux-args "tmem kunit.enable=0" --timeout $((secs + 400)) \
		--job-dir "$PIPELINE_DIR/guest/stress" -- ./stress -t "$secs" \
		> /dev/null || rc=$?
	tr -d '\r' < "$log" | sed -n 's/^    # //p' | awk '
		/^(MISMATCH|STALE|ERROR)/ { report = 1 }
		report || /^(seed|ops:|tmem:)/ { print "  " $0 }
		/^replay:/ { report = 0 }' | head -n 80
	python3 "$PIPELINE_DIR/ktap.py" --label "$name" "$log" || true
	[ "$rc" -eq 0 ] || echo "FAIL $name: the VM run failed (status $rc), log: $log"
	return "$rc"
}

# xen-domu: a guest domain started and killed under tmem (guest/domu-test),
# with the toolstack disk of xen-tools.sh at /opt in dom0.
domu_suite() {
	"$PIPELINE_DIR/xen-tools.sh" || return 1
	"$PIPELINE_DIR/vm.sh" --name check-xen-domu --xen-args tmem \
		--linux-args "tmem kunit.enable=0" --mem 768 --dom0-mem 256 \
		--tools-disk "$IMG_DIR/xen-tools.img" --timeout 900 -- domu-test
}

# once_more_if_triple_fault LOG NAME CMD...: CMD; if it failed and Xen
# wrote in LOG that a guest triple-faulted, CMD once more, saying so, with
# the crashed LOG kept as LOG.crashed. Under TCG a PVH guest has been seen
# to triple-fault, tmem or not, even early in its boot; a crash of tmem's
# making would come again.
once_more_if_triple_fault() {
	local log=$1 name=$2 rc=0
	shift 2
	"$@" || rc=$?
	[ "$rc" -ne 0 ] && grep -a -q 'Triple fault' "$log" || return "$rc"
	echo "# $name: the PVH guest crashed (Xen: triple fault): once more"
	cp "$log" "$log.crashed"
	"$@"
}

# xen-domu-kunit: the live ABI suite (drivers/xen/tmem_abi_kunit.c) run
# by a guest domain's kernel, a PV one and a PVH one, both unprivileged:
# malformed ops, frames not their own (for PVH: frames its p2m maps to
# no RAM of its own), the charge of persistent pages against their
# allowance, long ops preempted. Each guest prints its kernel log.
domu_kunit_run() {
	DOMU_RUN_BUILT=1 DOMU_TYPE=$1 XEN_ARGS=tmem DOMU_MEM=256 DOMU_MAXMEM=384 \
		DOMU_ARGS="kunit.enable=1 kunit.filter_glob=xen_tmem_abi*" \
		CMD=dmesg VM_NAME=check-xen-domu-kunit-$1 \
		"$PIPELINE_DIR/domu-run.sh" > "$2" 2>&1
}

domu_kunit_suite() {
	local t rc out line p=0 f=0 s=0
	for t in pv pvh; do
		rc=0
		out=$LOG_DIR/check-xen-domu-kunit-$t.out
		once_more_if_triple_fault "$out" "domu-$t" domu_kunit_run "$t" "$out" || rc=$?
		line=$(python3 "$PIPELINE_DIR/ktap.py" --label "domu-$t" "$out" |
			tee /dev/stderr | tail -n 1)
		if [ "$rc" -ne 0 ]; then
			echo "FAIL domu-$t: the guest's run failed (status $rc), log: $out"
			f=$((f + 1))
		fi
		[[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]] ||
			{ f=$((f + 1)); continue; }
		p=$((p + BASH_REMATCH[1])) f=$((f + BASH_REMATCH[2])) s=$((s + ${BASH_REMATCH[4]:-0}))
	done
	echo "xen-domu-kunit: $p passed, $f failed, $s skipped"
}

# tmem-domu: tests/tmem-domu/migrate-pvh, its PVH guest's console in
# check-tmem-domu.log.
tmem_domu_suite() {
	once_more_if_triple_fault "$LOG_DIR/check-tmem-domu.log" tmem-domu \
		env DOMU_RUN_BUILT=1 VM_NAME=check-tmem-domu \
		"$REPO_DIR/tests/tmem-domu/migrate-pvh"
}

# wanted NAME: is suite NAME to run (SUITES unset, or naming it)?
wanted() {
	[ -z "${SUITES:-}" ] || tr ' ' '\n' <<<"$SUITES" | grep -qxF -- "$1"
}

mkdir -p "$LOG_DIR"
start=$(date +%s)
for l in $LAYERS; do
	case $l in
	unit)
		layer pipeline-unit "$PIPELINE_DIR/tests/run"
		stage "install packages" "$PIPELINE_DIR/deps.sh"
		layer tmem-store make -s -C "$REPO_DIR/tests/tmem-store" check \
			OUT="$BUILD_DIR/tmem-store"
		;;
	vm)
		if ! stage "build" "$PIPELINE_DIR/build.sh"; then
			failed=$((failed + 1))
			failures+=("build failed: no VM test ran")
			continue
		fi
		while IFS='|' read -r name xen_args linux_args mem dom0_mem; do
			name=$(echo $name)
			[ -n "$name" ] || continue
			wanted "$name" || continue
			layer "$name" vm_suite "$name" "$(echo $xen_args)" \
				"$(echo $linux_args)" $mem $dom0_mem
		done <<<"$VM_SUITES"
		if wanted coherence-stress; then
			layer coherence-stress stress_suite
		fi
		if wanted xen-domu; then
			layer xen-domu domu_suite
		fi
		if wanted xen-domu-kunit; then
			layer xen-domu-kunit domu_kunit_suite
		fi
		# Not in the default set: too slow and not yet steady under TCG.
		if [ -n "${SUITES:-}" ] && wanted tmem-domu; then
			layer tmem-domu tmem_domu_suite
		fi
		if wanted tmem-xsm; then
			layer tmem-xsm "$REPO_DIR/tests/tmem-xsm/run"
		fi
		if wanted tmem-admin; then
			layer tmem-admin env DOMU_RUN_BUILT=1 "$REPO_DIR/tests/tmem-admin/run"
		fi
		if wanted tmem-guests; then
			layer tmem-guests env DOMU_RUN_BUILT=1 "$REPO_DIR/tests/tmem-guests/run"
		fi
		if wanted tmem-swap; then
			layer tmem-swap env DOMU_RUN_BUILT=1 "$REPO_DIR/tests/tmem-swap/run"
		fi
		;;
	*) die "check: unknown layer $l" ;;
	esac
done

echo
echo "==== summary ($(( $(date +%s) - start ))s) ===="
for f in "${failures[@]}"; do
	echo "FAILED $f"
done
echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
