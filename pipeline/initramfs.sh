#!/usr/bin/env bash
# Build dom0's initramfs: a small root filesystem laid out as a normal
# system (/bin, /lib, /usr, /lib/modules). Contents: busybox, /init, the
# kernel's modules, the kselftests and their runner, the administrator's
# xen-tmem (build-xen-tmem.sh). It lives in dom0's
# memory, so it stays small: bigger programs come on a disk of their own
# (the benchmark's fio: bench-disk.sh).
. "$(dirname "$0")/lib.sh"

root=$BUILD_DIR/rootfs
image=$IMG_DIR/initramfs.cpio.gz

rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,tmp,mnt,job,etc,run}
mkdir -p "$IMG_DIR"

busybox_root "$root"

install -m 755 "$PIPELINE_DIR/guest/init" "$root/init"
install -m 755 "$PIPELINE_DIR/guest/run-selftests" "$root/bin/run-selftests"
install -m 755 "$PIPELINE_DIR/guest/domu-test" "$root/bin/domu-test"
install -m 755 "$BUILD_DIR/xen-tmem/xen-tmem" "$root/usr/sbin/xen-tmem"
if [ -d "$BUILD_DIR/linux-modroot/lib/modules" ]; then
	cp -a "$BUILD_DIR/linux-modroot/lib/modules" "$root/lib/"
fi
if [ -d "$BUILD_DIR/selftests" ]; then
	cp -a "$BUILD_DIR/selftests" "$root/selftests"
fi

pack_cpio "$root" "$image.tmp"
mv "$image.tmp" "$image"
msg "initramfs: $(du -h "$image" | cut -f1) -> $image"
