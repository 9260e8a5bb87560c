#!/usr/bin/env bash
# Configure (defconfig + pipeline/config/xen.config) and build the hypervisor
# from the patched tree, out of tree, with ccache.
. "$(dirname "$0")/lib.sh"

tree=$TREE_DIR/xen
out=$BUILD_DIR/xen
cfg=$BUILD_DIR/xen-config
fragment=$PIPELINE_DIR/config/xen.config
xmake=(make -C "$tree/xen" CC="ccache gcc" HOSTCC="ccache gcc" -s)

[ -d "$tree" ] || die "no patched Xen tree (run pipeline/prepare.sh)"
mkdir -p "$out" "$cfg"

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
msg "xen: $("${xmake[@]}" --no-print-directory xenversion) -> $out/xen"
