#!/usr/bin/env bash
# domu-run.sh: bad knobs are refused, naming the knob, before anything is
# built or booted (no VM here: the runs themselves are `make domu-run`).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMEM_OUT=$tmp/out
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$tmp/job"
printf '#!/bin/sh\nexit 3\n' > "$tmp/job/prog"

# refused WANT VAR=VALUE...: domu-run.sh fails, says WANT, builds nothing.
refused() {
	local want=$1 out
	shift
	if out=$(env -u RUN -u CMD -u DOMU_TYPE -u DOMU_MEM -u DOMU_SWAP -u DOMU_ARGS -u DOM0_RUN -u DOMU_DISKS \
		"$@" "$here/../domu-run.sh" 2>&1); then
		fail "accepted: $*"
	fi
	case $out in *"$want"*) ;; *) fail "$*: '$want' not in: $out" ;; esac
	case $out in *">>> build"*) fail "$*: it built: $out" ;; esac
}

refused "DOMU_TYPE is pv or pvh" RUN="$tmp/job/prog" DOMU_TYPE=hvm
refused "DOMU_MEM is a number" RUN="$tmp/job/prog" DOMU_MEM=1G
refused "too little" RUN="$tmp/job/prog" DOMU_MEM=16
refused "DOMU_SWAP is a number" RUN="$tmp/job/prog" DOMU_SWAP=1G
refused "no quotes" RUN="$tmp/job/prog" DOMU_ARGS='a"b'
refused "DOMU_DISKS entries are" RUN="$tmp/job/prog" DOMU_DISKS="src.img:xvdb:ro"
refused "DOMU_DISKS entries are" RUN="$tmp/job/prog" DOMU_DISKS="/abs.img:xvdc:ro"
refused "DOMU_DISKS entries are" RUN="$tmp/job/prog" DOMU_DISKS="src.img:xvdc:w"
refused "is not a file" RUN="$tmp/job/missing"
refused "set RUN=" DOMU_TYPE=pvh
refused "DOM0_RUN=$tmp/job/missing is not a file" RUN="$tmp/job/prog" DOM0_RUN="$tmp/job/missing"
# The files beside the program go into the guest's memory.
head -c $((20 << 20)) /dev/zero > "$tmp/job/data"
refused "too much for a 64 MiB guest" RUN="$tmp/job/prog" DOMU_MEM=64
[ ! -e "$TMEM_OUT" ] || fail "it wrote to \$TMEM_OUT"
echo ok
