#!/usr/bin/env bash
# Configure (tinyconfig + pipeline/config/linux.config) and build the kernel
# from the patched tree, out of tree, with ccache.
. "$(dirname "$0")/lib.sh"

tree=$TREE_DIR/linux
out=$BUILD_DIR/linux
cfg=$BUILD_DIR/linux-config
fragment=$PIPELINE_DIR/config/linux.config
kmake=(make -C "$tree" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" -s)

[ -d "$tree" ] || die "no patched Linux tree (run pipeline/prepare.sh)"
mkdir -p "$out" "$cfg"

# Generate the configuration in a scratch directory and install it only if
# it differs, so an unchanged rerun does not touch the build's .config.
"${kmake[@]}" O="$cfg" tinyconfig >/dev/null
"$tree/scripts/kconfig/merge_config.sh" -m -O "$cfg" "$cfg/.config" "$fragment" >/dev/null
"${kmake[@]}" O="$cfg" olddefconfig
"$PIPELINE_DIR/kconfig-check.sh" "$fragment" "$cfg/.config"
cmp -s "$cfg/.config" "$out/.config" || cp "$cfg/.config" "$out/.config"

"${kmake[@]}" O="$out" olddefconfig
"${kmake[@]}" O="$out" -j"$JOBS" bzImage modules headers

rm -rf "$out-modroot"
"${kmake[@]}" O="$out" INSTALL_MOD_PATH="$out-modroot" modules_install >/dev/null
msg "linux: $(cat "$out/include/config/kernel.release") -> $out/arch/x86/boot/bzImage"
