#!/usr/bin/env bash
# domu-run.sh: run the user's own program or script as root in a guest
# domain (a domU), which dom0 starts with xl on our kernel.
#
#   RUN=path/to/prog ARGS="..."  copy prog and the files beside it to the
#                                guest's /job and run it there
#   CMD="shell command"          or run a command already in the guest
#                                (busybox)
#   DOMU_TYPE=pv|pvh             the guest's type (default pv)
#   DOMU_MEM=MiB                 its memory (default 256)
#   DOMU_MAXMEM=MiB              what it may balloon up to (DOMU_MEM)
#   DOMU_SWAP=MiB                its swap disk, xvdb (default 256; 0: none)
#   DOMU_DISKS="FILE:VDEV:MODE ..."  more disks for it: each FILE an
#                                image on dom0's test disk (a DISK_IMAGE
#                                that holds it), given to the guest as
#                                VDEV (xvdc to xvdz), MODE ro or rw
#   DOMU_ARGS="..."              more of its kernel command line
#   DOM0_RUN=path/to/prog        a program dom0 runs once the guest is
#                                started, e.g. to save or migrate it (see
#                                guest/domu-run)
#   DOM0_FILES="a b"             more files for dom0's /job, beside it
# Knobs of the machine and dom0 as for vm-run: XEN_ARGS, LINUX_ARGS,
# VM_MEM, DOM0_MEM, VM_TIMEOUT, VM_CPU (see vm.sh). Prints the program's
# output and exits with its status; 125 when the guest never reported one.
#
# How: the guest's initramfs (busybox, guest/domu-run-init as /init, the
# user's files in /job) is packed here and goes, with dom0's side of the
# job (guest/domu-run), into dom0's /job; xl, its libraries and our kernel
# come on the toolstack disk of xen-tools.sh. Dom0 starts the guest, reads
# its console from xenconsoled's log and exits with the status that the
# guest's /init reports there. Both kernels boot with kunit.enable=0
# (a later kunit.enable=1 in LINUX_ARGS or DOMU_ARGS wins).
#
# The swap disk lets a program that squeezes the guest swap to a real
# block device, whose sectors read and written the guest counts in
# /sys/block/xvdb/stat. Dom0 makes it a sparse file on its ext4 test disk
# (vm.sh's DISK_SIZE; with DISK_LIMITS the swap is as slow as that disk),
# behind a loop device that its blkback serves (guest/xen-block-hotplug),
# and the guest's /init runs mkswap and swapon on it before the job. The
# guest keeps it when dom0 saves, restores or migrates it (DOM0_RUN).
#
# A PVH guest needs Xen to run HVM guests, and so a virtual CPU with SVM
# (TCG emulates no VMX), which QEMU's qemu64 has already: Xen says "HVM:
# SVM enabled" and would run the guest on shadow paging. For a PVH guest
# QEMU gets "-cpu qemu64,+svm,+npt": with nested paging Xen reports "HAP
# detected", the guest's page-table writes no longer trap to Xen, and a
# run takes about two thirds of the time. A PV guest runs on the usual
# "-cpu qemu64". VM_CPU, when set, is used instead.
. "$(dirname "$0")/lib.sh"

RUN=${RUN:-}
ARGS=${ARGS:-}
CMD=${CMD:-}
DOMU_TYPE=${DOMU_TYPE:-pv}
DOMU_MEM=${DOMU_MEM:-256}
DOMU_MAXMEM=${DOMU_MAXMEM:-$DOMU_MEM}
DOMU_SWAP=${DOMU_SWAP:-256}
DOMU_ARGS=${DOMU_ARGS:-}
DOM0_RUN=${DOM0_RUN:-}

case $DOMU_TYPE in
pv) cpu=${VM_CPU:-qemu64} ;;
pvh) cpu=${VM_CPU:-qemu64,+svm,+npt} ;;
*) die "domu-run: DOMU_TYPE is pv or pvh, not '$DOMU_TYPE'" ;;
esac
case $DOMU_MEM in
'' | *[!0-9]*) die "domu-run: DOMU_MEM is a number of MiB, not '$DOMU_MEM'" ;;
esac
[ "$DOMU_MEM" -ge 64 ] || die "domu-run: DOMU_MEM=$DOMU_MEM MiB is too little for the guest"
case $DOMU_MAXMEM in
'' | *[!0-9]*) die "domu-run: DOMU_MAXMEM is a number of MiB, not '$DOMU_MAXMEM'" ;;
esac
[ "$DOMU_MAXMEM" -ge "$DOMU_MEM" ] || die "domu-run: DOMU_MAXMEM=$DOMU_MAXMEM is below DOMU_MEM=$DOMU_MEM"
case $DOMU_SWAP in
'' | *[!0-9]*) die "domu-run: DOMU_SWAP is a number of MiB, not '$DOMU_SWAP'" ;;
esac
for d in ${DOMU_DISKS:-}; do
	case $d in
	*[!A-Za-z0-9._/:-]* | /* | *..* | *:*:*:*) ;;
	?*:xvd[c-z]:r[ow]) continue ;;
	esac
	die "domu-run: DOMU_DISKS entries are FILE:VDEV:MODE (a relative FILE, VDEV xvdc to xvdz, MODE ro or rw), not '$d'"
done
# It becomes a string in xl's configuration.
case $DOMU_ARGS in
*'"'* | *\\* | *$'\n'*) die "domu-run: no quotes, backslashes or newlines in DOMU_ARGS" ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/domu-root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,mnt,job}
if [ -n "$RUN" ]; then
	[ -f "$RUN" ] || die "domu-run: $RUN is not a file"
	dir=$(cd "$(dirname "$RUN")" && pwd)
	# The guest holds its initramfs twice while it unpacks it, and the
	# program needs room to run.
	size=$(du -sm "$dir" | cut -f1)
	[ $((size * 4)) -le "$DOMU_MEM" ] ||
		die "domu-run: $dir holds ${size} MiB, too much for a ${DOMU_MEM} MiB guest; put the program in a smaller directory or raise DOMU_MEM"
	cp -a "$dir/." "$root/job/"
	chmod +x "$root/job/$(basename "$RUN")"
	CMD="./$(basename "$RUN") $ARGS"
fi
[ -n "$CMD" ] || die "domu-run: set RUN=path/to/program (and ARGS=...) or CMD='command'"
[ -z "$DOM0_RUN" ] || [ -f "$DOM0_RUN" ] || die "domu-run: DOM0_RUN=$DOM0_RUN is not a file"

# check.sh has built everything already (DOMU_RUN_BUILT=1).
[ -n "${DOMU_RUN_BUILT:-}" ] || stage "build" "$PIPELINE_DIR/build.sh"
stage "xen tools" "$PIPELINE_DIR/xen-tools.sh"

# The guest's initramfs.
busybox_root "$root"
install -m 755 "$PIPELINE_DIR/guest/domu-run-init" "$root/init"
printf '%s\n' "$CMD" > "$root/job/.cmd"
mkdir -p "$work/job"
pack_cpio "$root" "$work/job/domu.cpio.gz"
# Dom0's side: the job script, the hotplug script of the swap disk, and
# the guest's command line.
install -m 755 "$PIPELINE_DIR/guest/domu-run" "$work/job/domu-run"
install -m 755 "$PIPELINE_DIR/guest/xen-block-hotplug" "$work/job/xen-block-hotplug"
[ -z "$DOM0_RUN" ] || install -m 755 "$DOM0_RUN" "$work/job/dom0-run"
for f in ${DOM0_FILES:-}; do
	[ -f "$f" ] || die "domu-run: DOM0_FILES: $f is not a file"
	install -m 755 "$f" "$work/job/"
done
printf '%s\n' "console=hvc0 kunit.enable=0 $DOMU_ARGS" > "$work/job/domu.args"
[ -z "${DOMU_DISKS:-}" ] || printf '%s\n' $DOMU_DISKS > "$work/job/domu.disks"

swap_note=
[ "$DOMU_SWAP" -eq 0 ] || swap_note=" and ${DOMU_SWAP} MiB of swap"
msg "domu-run: a $DOMU_TYPE guest of ${DOMU_MEM} MiB$swap_note runs: $CMD"
rc=0
VM_NAME=${VM_NAME:-domu-run} "$PIPELINE_DIR/vm.sh" --cpu "$cpu" \
	--linux-args "kunit.enable=0 ${LINUX_ARGS:-}" \
	--tools-disk "$IMG_DIR/xen-tools.img" --job-dir "$work/job" \
	-- ./domu-run "$DOMU_TYPE" "$DOMU_MEM" "$DOMU_MAXMEM" "$DOMU_SWAP" || rc=$?
exit "$rc"
