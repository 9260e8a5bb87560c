#!/usr/bin/env bash
# Install the Debian packages the pipeline needs. Idempotent: when every
# package is present it touches neither apt nor the network.
. "$(dirname "$0")/lib.sh"

PACKAGES=(
	# kernel and hypervisor builds
	build-essential bc bison flex libelf-dev libssl-dev dwarves cpio kmod
	xz-utils python3 ccache rsync patch git
	# sources (Linux; Xen's source package is fetched by fetch.sh)
	"$LINUX_PKG" dpkg-dev
	# VM images and runs
	qemu-system-x86 busybox-static fio e2fsprogs
	# userspace tests of the hypervisor code: libFuzzer, sanitizers
	clang libclang-rt-14-dev
	# the benchmark's chart
	gnuplot-nox
	# the FLASK policy without tmem_op (tests/tmem-xsm)
	checkpolicy
)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	msg "all ${#PACKAGES[@]} packages present"
	exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
msg "installing: ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
