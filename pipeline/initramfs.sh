#!/usr/bin/env bash
# Build dom0's initramfs: a small root filesystem laid out as a normal
# system (/bin, /lib, /usr, /lib/modules). Contents: busybox, /init, the
# kernel's modules, the kselftests and their runner. It lives in dom0's
# memory, so it stays small: bigger programs come on a disk of their own
# (the benchmark's fio: bench-disk.sh).
. "$(dirname "$0")/lib.sh"

root=$BUILD_DIR/rootfs
image=$IMG_DIR/initramfs.cpio.gz

rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,tmp,mnt,job,etc,run}
mkdir -p "$IMG_DIR"

# busybox, with a link per applet at the path busybox itself expects.
cp /bin/busybox "$root/bin/busybox"
"$root/bin/busybox" --list-full | while read -r applet; do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

install -m 755 "$PIPELINE_DIR/guest/init" "$root/init"
install -m 755 "$PIPELINE_DIR/guest/run-selftests" "$root/bin/run-selftests"
install -m 755 "$PIPELINE_DIR/guest/domu-test" "$root/bin/domu-test"
if [ -d "$BUILD_DIR/linux-modroot/lib/modules" ]; then
	cp -a "$BUILD_DIR/linux-modroot/lib/modules" "$root/lib/"
fi
if [ -d "$BUILD_DIR/selftests" ]; then
	cp -a "$BUILD_DIR/selftests" "$root/selftests"
fi

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet | gzip -1) > "$image.tmp"
mv "$image.tmp" "$image"
msg "initramfs: $(du -h "$image" | cut -f1) -> $image"
