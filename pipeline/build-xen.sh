#!/usr/bin/env bash
# build-xen.sh [debug|flask]
#
# Configure (defconfig + pipeline/config/xen.config) and build the hypervisor
# from the patched tree, out of tree, with ccache. "debug" builds the same
# with CONFIG_DEBUG=y (ASSERTs on) into $BUILD_DIR/xen-debug, for the VM
# suite that runs tmem on a debug hypervisor; "flask" with XSM FLASK and
# its built-in default policy too (Debian's and Xen's defconfig have no
# XSM) into $BUILD_DIR/xen-flask, for tests/tmem-xsm.
. "$(dirname "$0")/lib.sh"

variant=${1:-}
tree=$TREE_DIR/xen
out=$BUILD_DIR/xen${variant:+-$variant}
cfg=$BUILD_DIR/xen${variant:+-$variant}-config
fragment=$PIPELINE_DIR/config/xen.config
xmake=(make -C "$tree/xen" CC="ccache gcc" HOSTCC="ccache gcc" -s)

[ -d "$tree" ] || die "no patched Xen tree (run pipeline/prepare.sh)"
# Up to date when the hypervisor was built by this script from this
# fragment (their bytes, in $out/.inputs) and nothing in the tree is newer
# than it: Xen's make takes 10 to 20 s to find that out, per variant.
# overlay.sh copies only files whose bytes changed, so an unchanged tree
# keeps its times; anything else runs the build below, which decides.
inputs=$(cat "$0" "$fragment" "$PIPELINE_DIR/kconfig-check.sh" | sha256sum)
if [ -f "$out/xen" ] && [ "$(cat "$out/.inputs" 2>/dev/null)" = "$inputs" ] &&
	[ -z "$(find "$tree/xen" -newer "$out/xen" -print -quit)" ]; then
	msg "xen${variant:+ ($variant)}: up to date ($out/xen)"
	exit 0
fi
rm -f "$out/.inputs"
mkdir -p "$out" "$cfg"
case $variant in
'') ;;
debug)
	# The project's fragment, and ASSERTs on.
	{ cat "$fragment"; echo "CONFIG_DEBUG=y"; } > "$cfg/fragment"
	fragment=$cfg/fragment
	;;
flask)
	{
		cat "$fragment"
		printf '%s\n' CONFIG_DEBUG=y CONFIG_XSM=y CONFIG_XSM_FLASK=y \
			CONFIG_XSM_FLASK_POLICY=y
	} > "$cfg/fragment"
	fragment=$cfg/fragment
	;;
*) die "build-xen.sh: unknown variant '$variant'" ;;
esac

"${xmake[@]}" O="$cfg" defconfig >/dev/null
# Replace, not append to, what defconfig said about the fragment's symbols.
syms=$(sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/\1/p; s/^# \(CONFIG_[A-Za-z0-9_]*\) is not set/\1/p' "$fragment")
for s in $syms; do
	sed -i -e "/^$s=/d" -e "/^# $s is not set/d" "$cfg/.config"
done
grep -v '^#' "$fragment" | sed '/^$/d' >> "$cfg/.config"
"${xmake[@]}" O="$cfg" olddefconfig >/dev/null
"$PIPELINE_DIR/kconfig-check.sh" "$fragment" "$cfg/.config"
cmp -s "$cfg/.config" "$out/.config" || cp "$cfg/.config" "$out/.config"

"${xmake[@]}" O="$out" olddefconfig >/dev/null
"${xmake[@]}" O="$out" -j"$JOBS"
echo "$inputs" > "$out/.inputs"
msg "xen${variant:+ ($variant)}: $("${xmake[@]}" --no-print-directory xenversion) -> $out/xen"
