#!/usr/bin/env bash
# build-tools-disk.sh: a C toolchain for a guest domain, on an ext4 disk of
# its own, rebuilt when its inputs change:
#   $IMG_DIR/gcc-tools.img       ext4: the root of a small Debian 12 system,
#                                gcc, binutils, libc6-dev, make, dash and
#                                coreutils, with empty /proc, /dev, /tmp,
#                                /src and /build to mount things on
#   $IMG_DIR/gcc-tools.manifest  every package on it, name=version
# The guest of bench-compile.sh mounts it read-only and compiles in a
# chroot into it: gcc runs cc1, as and ld by their paths in the root, so
# the dynamic loader trick of xen-tools.sh (one program through
# ld-linux --library-path) does not carry over to it.
#
# Which packages: the toolchain named in versions.sh (GUEST_TOOLCHAIN,
# each at its pinned version) and their dependency closure (Depends and
# Pre-Depends, no Recommends), each at the version that the host's apt
# offers, which the manifest records; Debian's binary packages, fetched
# with apt-get download, only unpacked here, never installed on the host.
# A package that apt moves to a new version changes the manifest, and so
# rebuilds the image; the .debs are kept, one fetch per version.
. "$(dirname "$0")/lib.sh"

image=$IMG_DIR/gcc-tools.img
manifest=$IMG_DIR/gcc-tools.manifest
debs=$SRC_DIR/gcc-tools-debs

# The pinned toolchain must be what apt offers: the closure is resolved
# against apt's candidates.
candidate() {
	apt-cache policy "$1" 2>/dev/null | sed -n 's/^  Candidate: //p'
}
for want in $GUEST_TOOLCHAIN; do
	v=$(candidate "${want%%=*}")
	if [ "$v" != "${want#*=}" ]; then
		apt-get update -q > /dev/null
		v=$(candidate "${want%%=*}")
	fi
	[ "$v" = "${want#*=}" ] ||
		die "tools disk: apt offers ${want%%=*} ${v:-(none)}, versions.sh pins ${want#*=}"
done
names=$(for want in $GUEST_TOOLCHAIN; do echo "${want%%=*}"; done)
closure=$(apt-cache depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances $names |
	grep '^[a-z0-9]' | LC_ALL=C sort -u)
# One apt-cache call for them all: "name=candidate" lines.
wanted=$(apt-cache policy $closure 2>/dev/null | awk '
	/^[^ ].*:$/ { name = substr($0, 1, length($0) - 1) }
	/^  Candidate: / && $2 != "(none)" { print name "=" $2 }')
[ "$(echo "$wanted" | wc -l)" -eq "$(echo "$closure" | wc -l)" ] ||
	die "tools disk: apt offers no $(comm -23 <(echo "$closure") <(echo "$wanted" | sed 's/=.*//') | tr '\n' ' ')"

stamp=$( (cat "$0" "$PIPELINE_DIR/versions.sh"; echo "$wanted") |
	sha256sum | cut -c1-16)
if [ -f "$image" ] && [ "$(cat "$image.stamp" 2>/dev/null)" = "$stamp" ]; then
	msg "tools disk: up to date ($image, $(echo "$wanted" | wc -l) packages)"
	exit 0
fi

# The .deb of name=version (apt writes an epoch's colon as %3a).
deb_of() {
	local name=${1%%=*} version=${1#*=}
	ls "$debs/${name}_${version//:/%3a}"_*.deb 2> /dev/null | head -n 1
}
missing() {
	local want
	for want in $wanted; do
		[ -n "$(deb_of "$want")" ] || echo "$want"
	done
}
mkdir -p "$debs"
if [ -n "$(missing)" ]; then
	# Put with the others only once apt-get has them all.
	rm -rf "$debs/.new"
	mkdir -p "$debs/.new"
	(cd "$debs/.new" && apt-get download -q $(missing)) 2>&1 |
		{ grep -v '^W: Download is performed unsandboxed' || true; } >&2 ||
		die "tools disk: apt-get download of $(missing | tr '\n' ' ')failed"
	mv "$debs/.new"/*.deb "$debs/" && rmdir "$debs/.new"
	[ -z "$(missing)" ] || die "tools disk: $(missing | tr '\n' ' ')still missing"
fi

work=$BUILD_DIR/gcc-tools
rm -rf "$work" "$image" "$image.stamp"
root=$work/root
mkdir -p "$root"
for want in $wanted; do
	dpkg-deb -x "$(deb_of "$want")" "$root"
done
# What the packages' maintainer scripts would have done: /bin/sh, gcc
# and cc as the gcc package's alternatives, the dynamic loader's cache.
[ -e "$root/bin/sh" ] || ln -s dash "$root/bin/sh"
[ -e "$root/usr/bin/cc" ] || ln -s gcc "$root/usr/bin/cc"
printf 'include /etc/ld.so.conf.d/*.conf\n' > "$root/etc/ld.so.conf"
ldconfig -r "$root"
mkdir -p "$root"/{proc,dev,tmp,src,build}
chmod 1777 "$root/tmp"
for prog in usr/bin/gcc usr/lib/gcc/x86_64-linux-gnu/12/cc1 usr/bin/as \
	usr/bin/ld usr/bin/make bin/sh bin/rm usr/bin/ar; do
	[ -e "$root/$prog" ] || die "tools disk: no /$prog in the packages"
done
echo "$wanted" > "$root/gcc-tools.manifest"

size=$(du -sm "$root" | cut -f1)
truncate -s $((size * 5 / 4 + 64))M "$image"
mkfs.ext4 -q -F -d "$root" "$image"
rm -rf "$work"
echo "$wanted" > "$manifest"
echo "$stamp" > "$image.stamp"
msg "tools disk: $image ($(echo "$wanted" | wc -l) packages, ${size} MiB)"
