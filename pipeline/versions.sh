# Pinned upstream sources. Sourced by the pipeline scripts.
#
# Linux comes from Debian's linux-source-6.12 binary package. Debian moves
# that package forward with every stable update, so the version is checked
# by prefix; the exact version and checksum fetched are recorded and printed,
# and a mismatch against the last verified pair below is reported.
LINUX_PKG=linux-source-6.12
LINUX_VERSION_PREFIX=6.12.
LINUX_VERIFIED_VERSION=6.12.117-1~deb12u1
LINUX_VERIFIED_SHA256=585a4a074597aefa2b1a68ada83a3184ba351c127544dea80618bbcceaa3961f

# Xen comes from the xen source package, pinned exactly; the hypervisor is
# built from the upstream (orig) tarball, Debian's own patches are not used.
XEN_SRC_PKG=xen
XEN_SRC_VERSION=4.17.5+72-g01140da4e8-1
XEN_ORIG_TARBALL=xen_4.17.5+72-g01140da4e8.orig.tar.xz
XEN_ORIG_SHA256=53922f4d0a02c577f2ea9d63f65989cd88715779eebeed879ca1d314103ee06e

# bench-compile.sh's guest compiles the lua5.4 source package (upstream's
# tarball, built with its own Makefile), pinned exactly, with Debian's gcc
# of these versions (build-tools-disk.sh: they and their dependencies,
# unpacked on a disk of the guest's own).
COMPILE_SRC_PKG=lua5.4
COMPILE_SRC_VERSION=5.4.4-3+deb12u1
COMPILE_ORIG_TARBALL=lua5.4_5.4.4.orig.tar.gz
COMPILE_ORIG_SHA256=164c7849653b80ae67bec4b7473b884bf5cc8d2dca05653475ec2ed27b9ebf61
GUEST_TOOLCHAIN="gcc=4:12.2.0-3 gcc-12=12.2.0-14+deb12u1 cpp-12=12.2.0-14+deb12u1
	binutils=2.40-2 libc6-dev=2.36-9+deb12u14 make=4.3-4.1 dash=0.5.12-2
	coreutils=9.1-1"
