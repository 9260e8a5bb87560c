#!/usr/bin/env bash
# xen-tools.sh: what dom0 needs to start, save, restore, migrate and kill
# a guest domain, on a disk of its own (/opt in dom0), rebuilt when its
# inputs change:
#   $IMG_DIR/xen-tools.img  ext4:
#     bin/   xl, xenstored, xenconsoled, xen-init-dom0 and libxl-save-helper
#            (which xl runs to save and restore), xenstore-read and
#            xenstore-write (for the hotplug script of domu-run's swap
#            disk, guest/xen-block-hotplug) from Debian's binary packages
#            of the hypervisor's exact version (a toolstack must match the
#            hypervisor's interfaces), run through the dynamic loader in
#            lib/ with every library they link
#     domu/  the guest: our kernel, and an initramfs whose /init reads
#            files from two ext4 images with tmem on (guest/domu-init)
# The packages are only unpacked here, never installed on the host.
. "$(dirname "$0")/lib.sh"

image=$IMG_DIR/xen-tools.img
kernel=$BUILD_DIR/linux/arch/x86/boot/bzImage
debs=$SRC_DIR/xen-tools-$XEN_SRC_VERSION
# Built from Xen's own source package, so they share its version.
packages="xen-utils-4.17 libxenmisc4.17 libxencall1 libxenevtchn1
	libxenforeignmemory1 libxengnttab1 libxenstore4 libxentoollog1
	libxendevicemodel1 libxenhypfs1 libxentoolcore1 xenstore-utils"
# What apt-get fetches: those of that version, and xl's JSON library.
wanted="$(for p in $packages; do echo "$p=$XEN_SRC_VERSION"; done) libyajl2"
programs="xl xenstored xenconsoled xen-init-dom0 libxl-save-helper"
# xenstore-utils's programs are one, under many names (hard links), that
# does what the name it was run by says: each name gets a copy of its own.
xenstore_programs="xenstore-read xenstore-write"

[ -f "$kernel" ] || die "xen-tools: $kernel missing (build the kernel first)"
stamp=$( (cat "$0" "$PIPELINE_DIR/guest/domu-init" "$PIPELINE_DIR/versions.sh" \
	"$kernel" /bin/busybox) | sha256sum | cut -c1-16)
if [ -f "$image" ] && [ "$(cat "$image.stamp" 2>/dev/null)" = "$stamp" ]; then
	msg "xen tools: up to date ($image)"
	exit 0
fi

# The packages, fetched once per version: only those not there yet, so
# that a package added to the list is all that a machine which has the
# others fetches.
missing() {
	local want
	for want in $wanted; do
		ls "$debs/${want%%=*}"_*.deb > /dev/null 2>&1 || echo "$want"
	done
}
mkdir -p "$debs"
if [ -n "$(missing)" ]; then
	# Fetched beside the others, and put with them only once apt-get has
	# them all: one that failed leaves no part of a package.
	download() {
		rm -rf "$debs/.new"
		mkdir -p "$debs/.new"
		(cd "$debs/.new" && apt-get download -q $(missing)) 2>&1 |
			{ grep -v '^W: Download is performed unsandboxed' || true; } >&2 ||
			return 1
		mv "$debs/.new"/*.deb "$debs/" && rmdir "$debs/.new"
	}
	# Package lists too old or missing: refresh them once.
	download || { apt-get update -q > /dev/null && download; } ||
		die "xen tools: apt-get download of $(missing | tr '\n' ' ')failed"
	[ -z "$(missing)" ] || die "xen tools: $(missing | tr '\n' ' ')still missing"
fi

work=$BUILD_DIR/xen-tools
rm -rf "$work" "$image" "$image.stamp"
mkdir -p "$work/unpacked" "$work/disk/domu"
for deb in "$debs"/*.deb; do
	dpkg-deb -x "$deb" "$work/unpacked"
done
libpath=$work/unpacked/usr/lib/x86_64-linux-gnu:$work/unpacked/usr/lib/xen-4.17/lib
for prog in $programs; do
	bin=$work/unpacked/usr/lib/xen-4.17/bin/$prog
	[ -x "$bin" ] || die "xen tools: $prog not in the packages"
	LD_LIBRARY_PATH=$libpath copy_with_libs "$bin" "$work/disk"
done
for prog in $xenstore_programs; do
	bin=$work/unpacked/usr/bin/$prog
	[ -x "$bin" ] || die "xen tools: $prog not in the packages"
	LD_LIBRARY_PATH=$libpath copy_with_libs "$bin" "$work/disk"
done
# glibc loads it at run time, for pthread_cancel(), which xl uses.
cp -L "$(gcc -print-file-name=libgcc_s.so.1)" "$work/disk/lib/"

# The guest's initramfs: busybox, its /init, and two ext4 images of files
# with random contents and their md5 sums. Both hold the same names and
# sizes, so that their files have the same inode numbers and generations,
# which are their tmem keys: pages of one filesystem read through the
# other's pool would come back with the wrong contents.
root=$work/domu-root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,mnt,mnt2,tmp}
busybox_root "$root"
install -m 755 "$PIPELINE_DIR/guest/domu-init" "$root/init"
for fs in fs fs2; do
	mkdir -p "$work/$fs"
	python3 -c '
import random, sys
rng = random.Random(sys.argv[2])
for i in range(6):
    with open(f"{sys.argv[1]}/file{i}", "wb") as f:
        f.write(rng.randbytes(2 << 20))
' "$work/$fs" "$fs"
	(cd "$work/$fs" && md5sum file* > MD5SUMS)
	truncate -s 20M "$root/$fs.img"
	mkfs.ext4 -q -F -d "$work/$fs" "$root/$fs.img"
	for f in MD5SUMS file0 file1 file2 file3 file4 file5; do
		debugfs -R "stat /$f" "$root/$fs.img" 2> /dev/null |
			grep -o 'Inode: [0-9]*\|Generation: [0-9]*'
	done > "$work/$fs.keys"
done
[ -s "$work/fs.keys" ] && cmp -s "$work/fs.keys" "$work/fs2.keys" ||
	die "xen tools: the guest's two images differ in inode numbers or generations"
pack_cpio "$root" "$work/disk/domu/initramfs.cpio.gz"
cp "$kernel" "$work/disk/domu/bzImage"

truncate -s 256M "$image"
mkfs.ext4 -q -F -d "$work/disk" "$image"
rm -rf "$work"
echo "$stamp" > "$image.stamp"
msg "xen tools: $image"
