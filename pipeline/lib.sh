# Shared helpers for the pipeline scripts: paths, logging, stage timing.
# shellcheck shell=bash

set -euo pipefail

PIPELINE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$PIPELINE_DIR/.." && pwd)
# Every build output lives here, outside the git tree.
TMEM_OUT=${TMEM_OUT:-${XDG_CACHE_HOME:-$HOME/.cache}/tmem-work}
DL_DIR=$TMEM_OUT/dl
SRC_DIR=$TMEM_OUT/src
TREE_DIR=$TMEM_OUT/tree
BUILD_DIR=$TMEM_OUT/build
IMG_DIR=$TMEM_OUT/images
LOG_DIR=$TMEM_OUT/logs
export TMEM_OUT
export CCACHE_DIR=${CCACHE_DIR:-$TMEM_OUT/ccache}

# shellcheck source=versions.sh
. "$PIPELINE_DIR/versions.sh"

# The repo-root directories that make up the Linux overlay.
LINUX_OVERLAY_DIRS="arch block drivers fs include lib mm Documentation tools"

JOBS=${JOBS:-$(nproc)}

msg() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# stage NAME CMD...: run one pipeline stage, announcing it and its duration.
stage() {
	local name=$1 start rc
	shift
	msg ">>> $name"
	start=$(date +%s)
	rc=0
	"$@" || rc=$?
	if [ "$rc" -ne 0 ]; then
		msg "<<< $name FAILED after $(( $(date +%s) - start ))s"
		return "$rc"
	fi
	msg "<<< $name done in $(( $(date +%s) - start ))s"
}
