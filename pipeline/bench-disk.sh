#!/usr/bin/env bash
# bench-disk.sh: the benchmark's disk images, built once and rebuilt when
# this script or the generator changes; the VM gets them behind snapshots,
# so they never change.
#   $IMG_DIR/bench-disk.img   ext4: the file sets of bench-data.py and
#                             fio's own verifiable file for W2
#   $IMG_DIR/bench-tools.img  ext4: fio, GNU grep and md5sum with every
#                             library they link, run through the dynamic
#                             loader it carries (/opt in dom0): kept out
#                             of dom0's memory and off the measured disk,
#                             and many times faster than busybox's under
#                             TCG, so that the runs measure I/O
. "$(dirname "$0")/lib.sh"

image=$IMG_DIR/bench-disk.img
tools=$IMG_DIR/bench-tools.img
stamp=$(cat "$PIPELINE_DIR/bench-disk.sh" "$PIPELINE_DIR/bench-data.py" | sha256sum | cut -c1-16)
if [ -f "$image" ] && [ -f "$tools" ] &&
	[ "$(cat "$image.stamp" 2>/dev/null)" = "$stamp" ]; then
	msg "bench disk: up to date ($image)"
	exit 0
fi

data=$BUILD_DIR/bench-data
rm -rf "$data" "$image" "$image.stamp" "$tools"
mkdir -p "$data" "$IMG_DIR"
msg "bench disk: generating the file sets"
python3 "$PIPELINE_DIR/bench-data.py" "$data"
# W2: 512 MiB that fio can verify block by block (crc32c in a header that
# also names the block's offset, so a page returned for the wrong place
# fails as surely as a corrupted one).
fio --name=w2 --filename="$data/w2/fio.dat" --rw=write --bs=128k --size=512M \
	--verify=crc32c --do_verify=0 --verify_state_save=0 --randseed=5 --output=/dev/null
truncate -s 2G "$image"
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 -d "$data" "$image"
rm -rf "$data"

for prog in fio grep md5sum; do
	copy_with_libs "$(command -v "$prog")" "$data"
done
truncate -s 256M "$tools"
mkfs.ext4 -q -F -d "$data" "$tools"
rm -rf "$data"
echo "$stamp" > "$image.stamp"
msg "bench disk: $image ($(du -h "$image" | cut -f1) used)"
