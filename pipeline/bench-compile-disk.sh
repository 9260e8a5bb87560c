#!/usr/bin/env bash
# bench-compile-disk.sh: what the compiling guest of bench-compile.sh reads
# and writes, rebuilt when its inputs change:
#   $IMG_DIR/bench-compile.img  ext4, dom0's test disk in those runs (vm.sh's
#                               DISK_IMAGE, behind a snapshot), holding the
#                               guest's disks, which dom0 gives it
#                               (domu-run.sh's DOMU_DISKS):
#     src.img        ext4: the pinned source package's upstream tree
#                    (versions.sh: COMPILE_SRC_*), as released
#     gcc-tools.img  the toolchain (build-tools-disk.sh)
#     build.img      an empty ext4 of 128 MiB for the build's output
#   $BUILD_DIR/bench-compile/ref.md5  every file that the host's build of
#                               the same tree with the same gcc made, and
#                               ref/ those files
#   $BUILD_DIR/bench-compile/ref.out  what its lua printed running
#                               guest/lua-check.lua
# The source package is fetched as fetch.sh fetches Xen's: apt-get source
# --download-only of the pinned version (deb-src entries added if apt has
# none), its upstream tarball checked against the pinned sha256. The host's
# own gcc, binutils and libc6-dev must be the versions on the guest's disk
# (versions.sh: GUEST_TOOLCHAIN): gcc's output depends on nothing else
# here (no -g, deterministic archives), so the guest's must be the same
# bytes, and a page that came back wrong from anywhere shows.
. "$(dirname "$0")/lib.sh"

image=$IMG_DIR/bench-compile.img
tools=$IMG_DIR/gcc-tools.img
out=$BUILD_DIR/bench-compile
tarball=$DL_DIR/$COMPILE_ORIG_TARBALL

[ -f "$tools" ] && [ -f "$tools.stamp" ] || die "bench-compile disk: no $tools (build-tools-disk.sh)"
for want in $GUEST_TOOLCHAIN; do
	case ${want%%=*} in gcc | gcc-12 | cpp-12 | binutils | libc6-dev) ;; *) continue ;; esac
	have=$(dpkg-query -W -f='${Version}' "${want%%=*}" 2>/dev/null || true)
	[ "$have" = "${want#*=}" ] ||
		die "bench-compile disk: the host has ${want%%=*} ${have:-(none)}, the guest's is ${want#*=}: the reference build needs the same"
done

stamp=$( (cat "$0" "$PIPELINE_DIR/versions.sh" "$tools.stamp" \
	"$PIPELINE_DIR/guest/lua-check.lua") | sha256sum | cut -c1-16)
if [ -f "$image" ] && [ -d "$out/ref" ] &&
	[ "$(cat "$image.stamp" 2>/dev/null)" = "$stamp" ]; then
	msg "bench-compile disk: up to date ($image)"
	exit 0
fi

if [ ! -f "$tarball" ]; then
	ensure_deb_src "$COMPILE_SRC_PKG" "$COMPILE_SRC_VERSION"
	mkdir -p "$DL_DIR"
	(cd "$DL_DIR" && apt-get source --download-only -q \
		-o APT::Sandbox::User=root \
		"$COMPILE_SRC_PKG=$COMPILE_SRC_VERSION") ||
		die "bench-compile disk: could not download source package $COMPILE_SRC_PKG $COMPILE_SRC_VERSION"
fi
sha=$(sha256sum "$tarball" | cut -d' ' -f1)
[ "$sha" = "$COMPILE_ORIG_SHA256" ] ||
	die "bench-compile disk: checksum mismatch for $tarball (want $COMPILE_ORIG_SHA256)"
msg "bench-compile disk: $COMPILE_SRC_PKG $COMPILE_SRC_VERSION sha256 $sha"

work=$out.tmp
rm -rf "$work" "$image" "$image.stamp"
mkdir -p "$work/src" "$work/disk" "$work/obj"
tar -xzf "$tarball" -C "$work/src"
src=$(cd "$work/src" && ls -d lua-*/src | head -n 1)
[ -n "$src" ] || die "bench-compile disk: no lua-*/src in $tarball"

# The reference: the guest's build, on the host (a link per source file,
# the build beside them).
ln -s "$work/src/$src"/* "$work/obj/"
make -s -C "$work/obj" linux-noreadline > "$work/ref.log" 2>&1 ||
	{ cat "$work/ref.log" >&2; die "bench-compile disk: the host's build failed"; }
(cd "$work/obj" && find . -maxdepth 1 -type f | sed 's|^\./||' | LC_ALL=C sort |
	xargs md5sum) > "$work/ref.md5"
"$work/obj/lua" "$PIPELINE_DIR/guest/lua-check.lua" > "$work/ref.out"

truncate -s 16M "$work/disk/src.img"
mkfs.ext4 -q -F -d "$work/src" "$work/disk/src.img"
truncate -s 128M "$work/disk/build.img"
mkfs.ext4 -q -F "$work/disk/build.img"
cp --sparse=always "$tools" "$work/disk/gcc-tools.img"
# Room for the images and the guest's swap file (domu-run makes it there).
size=$(du -sm --apparent-size "$work/disk" | cut -f1)
truncate -s $((size + 256 + 128))M "$image"
mkfs.ext4 -q -F -O ^metadata_csum -d "$work/disk" "$image"
rm -rf "$out"
mkdir -p "$out/ref"
cp "$work/ref.md5" "$work/ref.out" "$out/"
(cd "$work/obj" && find . -maxdepth 1 -type f -exec cp {} "$out/ref/" \;)
rm -rf "$work"
echo "$stamp" > "$image.stamp"
msg "bench-compile disk: $image ($(wc -l < "$out/ref.md5") reference files)"
