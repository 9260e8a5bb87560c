#!/usr/bin/env bash
# vm.sh [options] [--] COMMAND...
#
# Boot our Xen with our kernel as dom0 under QEMU (TCG), run COMMAND as root
# in dom0 after boot (a shell command line, run in /job), print what it
# printed and exit with its status. A boot that hangs, crashes or never
# reaches the end of COMMAND fails, with the tail of the console log.
#
# Options (each also settable through the environment variable named):
#   --name NAME        log name: $LOG_DIR/NAME.log        (VM_NAME=vm)
#   --xen-args S       extra Xen command line, e.g. "tmem" (XEN_ARGS)
#   --linux-args S     extra dom0 kernel command line     (LINUX_ARGS)
#   --mem MIB          memory of the machine              (VM_MEM=1024)
#   --dom0-mem MIB     dom0's memory; the rest is Xen's   (DOM0_MEM=512)
#   --cpu MODEL        QEMU's virtual CPU                 (VM_CPU=qemu64);
#                      under TCG qemu64 offers SVM, with which Xen can run
#                      HVM and PVH guests, on shadow paging; "+npt" adds
#                      nested paging (Xen: "HAP detected"). "max" does
#                      not boot a PV dom0
#   --timeout S        hard limit for the whole run       (VM_TIMEOUT=600)
#   --disk-size SIZE   fresh ext4 test disk, e.g. 2G      (DISK_SIZE=2G)
#   --disk IMAGE       use this ext4 image instead; writes go to a
#                      throwaway snapshot, IMAGE stays as it is (DISK_IMAGE)
#   --tools-disk IMG   a second disk, read-only at /opt in dom0 (TOOLS_DISK)
#   --disk-limits L    QEMU I/O limits of the disk, e.g.
#                      "bps-total=104857600,iops-total=150"   (DISK_LIMITS)
#   --job-dir DIR      copy DIR's files to /job in dom0   (JOB_DIR)
#   --live             stream the console while running   (VM_LIVE=1)
#   --full             print the whole console, not only COMMAND's (VM_FULL=1)
# Images: XEN, KERNEL, INITRAMFS (defaults: the pipeline's build outputs).
. "$(dirname "$0")/lib.sh"

VM_NAME=${VM_NAME:-vm}
XEN_ARGS=${XEN_ARGS:-}
LINUX_ARGS=${LINUX_ARGS:-}
VM_MEM=${VM_MEM:-1024}
DOM0_MEM=${DOM0_MEM:-512}
VM_CPU=${VM_CPU:-qemu64}
VM_TIMEOUT=${VM_TIMEOUT:-600}
DISK_SIZE=${DISK_SIZE:-2G}
DISK_IMAGE=${DISK_IMAGE:-}
DISK_LIMITS=${DISK_LIMITS:-}
TOOLS_DISK=${TOOLS_DISK:-}
JOB_DIR=${JOB_DIR:-}
VM_LIVE=${VM_LIVE:-0}
full=${VM_FULL:-0}
XEN=${XEN:-$BUILD_DIR/xen/xen}
KERNEL=${KERNEL:-$BUILD_DIR/linux/arch/x86/boot/bzImage}
INITRAMFS=${INITRAMFS:-$IMG_DIR/initramfs.cpio.gz}

while [ $# -gt 0 ]; do
	case $1 in
	--name) VM_NAME=$2; shift 2 ;;
	--xen-args) XEN_ARGS=$2; shift 2 ;;
	--linux-args) LINUX_ARGS=$2; shift 2 ;;
	--mem) VM_MEM=$2; shift 2 ;;
	--dom0-mem) DOM0_MEM=$2; shift 2 ;;
	--cpu) VM_CPU=$2; shift 2 ;;
	--timeout) VM_TIMEOUT=$2; shift 2 ;;
	--disk-size) DISK_SIZE=$2; shift 2 ;;
	--disk) DISK_IMAGE=$2; shift 2 ;;
	--disk-limits) DISK_LIMITS=$2; shift 2 ;;
	--tools-disk) TOOLS_DISK=$2; shift 2 ;;
	--job-dir) JOB_DIR=$2; shift 2 ;;
	--live) VM_LIVE=1; shift ;;
	--full) full=1; shift ;;
	--) shift; break ;;
	-*) die "vm.sh: unknown option $1" ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || die "vm.sh: no command to run"
for f in "$XEN" "$KERNEL" "$INITRAMFS"; do
	[ -f "$f" ] || die "vm.sh: $f missing (build first)"
done
case "$VM_CPU" in
'' | *[!A-Za-z0-9_.,+=-]*) die "vm.sh: bad --cpu '$VM_CPU'" ;;
esac
# QEMU separates multiboot modules with commas.
case "$LINUX_ARGS" in *,*) die "vm.sh: no commas in the Linux command line" ;; esac

mkdir -p "$LOG_DIR"
log=$LOG_DIR/$VM_NAME.log
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The job: COMMAND in /job/.cmd, with JOB_DIR's files beside it, packed as
# a second cpio archive appended to the initramfs (the kernel unpacks both).
mkdir -p "$work/payload/job"
if [ -n "$JOB_DIR" ]; then
	cp -a "$JOB_DIR/." "$work/payload/job/"
fi
printf '%s\n' "$*" > "$work/payload/job/.cmd"
(cd "$work/payload" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/payload.cpio.gz"
cat "$INITRAMFS" "$work/payload.cpio.gz" > "$work/initramfs.cpio.gz"

# A fresh ext4 test disk for every run, or the given image behind a
# snapshot; QEMU's throttling, when asked for, stands in for a real device.
drive="if=virtio,format=raw,cache=unsafe"
if [ -n "$DISK_IMAGE" ]; then
	[ -f "$DISK_IMAGE" ] || die "vm.sh: no disk image $DISK_IMAGE"
	drive="file=$DISK_IMAGE,snapshot=on,$drive"
else
	truncate -s "$DISK_SIZE" "$work/disk.img"
	# Without metadata_csum, with which ext4 refuses FS_IOC_SETVERSION,
	# one of the ways a file's cleancache key changes (stale_paths_test).
	mkfs.ext4 -q -F -O ^metadata_csum \
		-E lazy_itable_init=0,lazy_journal_init=0 "$work/disk.img"
	drive="file=$work/disk.img,$drive"
fi
if [ -n "$DISK_LIMITS" ]; then
	case "$DISK_LIMITS" in
	*[!a-z0-9=,-]*) die "vm.sh: bad --disk-limits '$DISK_LIMITS'" ;;
	esac
	drive="$drive,$(printf '%s' "$DISK_LIMITS" | sed 's/\([^,]*\)/throttling.\1/g')"
fi
tools_drive=()
if [ -n "$TOOLS_DISK" ]; then
	[ -f "$TOOLS_DISK" ] || die "vm.sh: no tools disk $TOOLS_DISK"
	tools_drive=(-drive "file=$TOOLS_DISK,snapshot=on,if=virtio,format=raw,cache=unsafe")
fi

xen_cmdline="console=com1 com1=115200,8n1 dom0_mem=${DOM0_MEM}M,max:${DOM0_MEM}M noreboot $XEN_ARGS"
linux_cmdline="console=hvc0 $LINUX_ARGS"

: > "$log"
cpu_note=
[ "$VM_CPU" = qemu64 ] || cpu_note=", cpu $VM_CPU"
msg "vm: $VM_NAME: xen [$xen_cmdline] linux [$linux_cmdline], ${VM_MEM}M, timeout ${VM_TIMEOUT}s${DISK_LIMITS:+, disk $DISK_LIMITS}$cpu_note"
start=$(date +%s)
timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 \
	-machine q35 -cpu "$VM_CPU" -smp 2 -m "$VM_MEM" \
	-display none -no-reboot -monitor none -nodefaults \
	-chardev file,id=con,path="$log" -serial chardev:con \
	-kernel "$XEN" -append "$xen_cmdline" \
	-initrd "$KERNEL $linux_cmdline,$work/initramfs.cpio.gz" \
	-drive "$drive" "${tools_drive[@]}" \
	</dev/null >"$work/qemu.out" 2>&1 &
qemu=$!
if [ "$VM_LIVE" = 1 ]; then
	tail -n +1 -f --pid="$qemu" "$log" | tr -d '\r' &
fi
qemu_rc=0
wait "$qemu" || qemu_rc=$?
wait 2>/dev/null || true
elapsed=$(( $(date +%s) - start ))

tr -d '\r' < "$log" > "$work/console"
status=$(sed -n 's/^tmem-vm: run end status=\([0-9]*\)$/\1/p' "$work/console" | tail -n 1)
if [ "$VM_LIVE" != 1 ]; then
	if [ "$full" = 1 ]; then
		cat "$work/console"
	else
		sed -n '/^tmem-vm: run begin$/,/^tmem-vm: run end/{//!p}' "$work/console"
	fi
fi
if [ -z "$status" ]; then
	if [ "$qemu_rc" -eq 124 ]; then
		msg "vm: $VM_NAME: TIMEOUT after ${elapsed}s; console tail ($log):"
	else
		msg "vm: $VM_NAME: the command never finished (qemu exit $qemu_rc, ${elapsed}s); console tail ($log):"
	fi
	tail -n 40 "$work/console" | sed 's/^/  | /' >&2
	sed 's/^/  qemu: /' "$work/qemu.out" >&2
	exit 125
fi
msg "vm: $VM_NAME: exit status $status after ${elapsed}s"
exit "$status"
