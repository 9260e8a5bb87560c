#!/usr/bin/env bash
# kconfig-check.sh: a fragment's options must be in the final .config as
# asked, and every one that is not gets named.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

printf '# comment\nCONFIG_A=y\nCONFIG_N=42\n# CONFIG_B is not set\n' > "$tmp/frag"
check() { "$here/../kconfig-check.sh" "$tmp/frag" "$tmp/config" 2>&1; }

printf 'CONFIG_A=y\nCONFIG_N=42\n# CONFIG_B is not set\nCONFIG_C=y\n' > "$tmp/config"
check >/dev/null || fail "a matching config was refused"

printf 'CONFIG_A=y\nCONFIG_N=42\n' > "$tmp/config"
check >/dev/null || fail "an absent 'is not set' option was refused"

printf '# CONFIG_A is not set\nCONFIG_N=4\nCONFIG_B=y\n' > "$tmp/config"
if out=$(check); then fail "a config missing options was accepted"; fi
for want in "'CONFIG_A=y', got '# CONFIG_A is not set'" \
	"'CONFIG_N=42', got 'CONFIG_N=4'" \
	"'# CONFIG_B is not set', got 'CONFIG_B=y'"; do
	case $out in *"$want"*) ;; *) fail "not reported: $want in: $out" ;; esac
done
echo ok
