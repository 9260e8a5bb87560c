#!/usr/bin/env bash
# Fetch and verify the pinned upstream sources and unpack them, pristine,
# under $SRC_DIR. A second run finds them there and uses no network.
. "$(dirname "$0")/lib.sh"

mkdir -p "$DL_DIR" "$SRC_DIR"

fetch_linux() {
	local version tarball sha dir=$SRC_DIR/linux

	version=$(dpkg-query -W -f='${Version}' "$LINUX_PKG" 2>/dev/null) ||
		die "$LINUX_PKG is not installed (run pipeline/deps.sh)"
	case $version in
	"$LINUX_VERSION_PREFIX"*) ;;
	*) die "$LINUX_PKG is version $version, want $LINUX_VERSION_PREFIX*" ;;
	esac
	if [ -f "$dir/.fetched" ] && [ "$(cat "$dir/.fetched")" = "$version" ]; then
		msg "linux: $LINUX_PKG $version (unpacked)"
		return
	fi

	tarball=$(dpkg -L "$LINUX_PKG" | grep '/linux-source-.*\.tar\.xz$' | head -n 1)
	[ -f "$tarball" ] || die "$LINUX_PKG: no source tarball found"
	sha=$(sha256sum "$tarball" | cut -d' ' -f1)
	msg "linux: $LINUX_PKG $version sha256 $sha"
	if [ "$version" = "$LINUX_VERIFIED_VERSION" ]; then
		[ "$sha" = "$LINUX_VERIFIED_SHA256" ] ||
			die "linux: checksum mismatch for $version (want $LINUX_VERIFIED_SHA256)"
	else
		msg "linux: note: $version is newer than the verified $LINUX_VERIFIED_VERSION"
	fi

	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1
	echo "$version" > "$dir.tmp/.fetched"
	mv "$dir.tmp" "$dir"
}

fetch_xen() {
	local tarball=$DL_DIR/$XEN_ORIG_TARBALL dir=$SRC_DIR/xen sha

	if [ -f "$dir/.fetched" ] && [ "$(cat "$dir/.fetched")" = "$XEN_SRC_VERSION" ]; then
		msg "xen: $XEN_SRC_PKG $XEN_SRC_VERSION (unpacked)"
		return
	fi
	if [ ! -f "$tarball" ]; then
		ensure_deb_src "$XEN_SRC_PKG" "$XEN_SRC_VERSION"
		(cd "$DL_DIR" && apt-get source --download-only -q \
			-o APT::Sandbox::User=root \
			"$XEN_SRC_PKG=$XEN_SRC_VERSION") ||
			die "xen: could not download source package $XEN_SRC_VERSION"
	fi
	sha=$(sha256sum "$tarball" | cut -d' ' -f1)
	msg "xen: $XEN_SRC_PKG $XEN_SRC_VERSION sha256 $sha"
	[ "$sha" = "$XEN_ORIG_SHA256" ] ||
		die "xen: checksum mismatch for $tarball (want $XEN_ORIG_SHA256)"

	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1
	echo "$XEN_SRC_VERSION" > "$dir.tmp/.fetched"
	mv "$dir.tmp" "$dir"
}

fetch_linux
fetch_xen
