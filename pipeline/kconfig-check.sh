#!/usr/bin/env bash
# kconfig-check.sh FRAGMENT DOTCONFIG: fail, naming them, if options that
# FRAGMENT asks for are not in DOTCONFIG as asked.
. "$(dirname "$0")/lib.sh"

fragment=$1 dotconfig=$2
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF "$line" "$dotconfig" && continue ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		grep -q "^$opt=" "$dotconfig" || continue ;;
	*) continue ;;
	esac
	opt=${line#\# }
	opt=${opt%%[= ]*}
	got=$(grep -E "^(# )?$opt[= ]" "$dotconfig" || echo "$opt absent")
	msg "config: $fragment asks for '$line', got '$got'"
	bad=1
done < "$fragment"
[ "$bad" -eq 0 ] || die "config options did not survive olddefconfig (see above)"
