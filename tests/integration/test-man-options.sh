# SPDX-License-Identifier: GPL-2.0-or-later
# ctaudit(8) documents every command and every option that `--help` lists:
# each command's options are taken from its --help and looked up in
# man/ctaudit.8.scd (the source) and, when scdoc built it, in the man page as
# man(1) renders it.  A new option without documentation fails here.
. "$(dirname "$0")/lib.sh"
cta_require man

scd=$CTA_SRCDIR/man/ctaudit.8.scd
[ -f "$scd" ] || cta_fail "no $scd"
page=${CTA_BINDIR:-$CTA_SRCDIR/build}/man/ctaudit.8
rendered=""
if [ -f "$page" ]; then
	rendered=$(MANWIDTH=200 man -l "$page" 2>/dev/null)
	[ -n "$rendered" ] || cta_fail "man -l '$page' renders nothing"
fi

failed=0 n=0
check() {
	n=$((n + 1))
	if ! grep -qF -- "$1" "$scd"; then
		echo "FAIL: $2 '$1' is not in man/ctaudit.8.scd" >&2
		failed=$((failed + 1))
	elif [ -n "$rendered" ] && ! grep -qF -- "${3:-$1}" <<<"$rendered"; then
		echo "FAIL: $2 '$1' is not in the rendered $page" >&2
		failed=$((failed + 1))
	fi
}

mapfile -t cmds < <("$CTAUDIT" --help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')
[ "${#cmds[@]}" -ge 9 ] || cta_fail "found only ${#cmds[@]} commands in 'ctaudit --help'"
for o in $("$CTAUDIT" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	check "*$o*" "option" "$o"
done
for c in "${cmds[@]}"; do
	check "*$c" "command" "$c"
	help=$("$CTAUDIT" "$c" --help) || cta_fail "'ctaudit $c --help' failed"
	for o in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
		check "*$o*" "option of '$c'" "$o"
	done
	for o in $(grep -o -- '^ *-[a-zA-Z],' <<<"$help" | tr -d ' ,'); do
		check "*$o*" "short option of '$c'" "$o"
	done
done
for s in "EXIT STATUS" "FILES" "ENVIRONMENT" "EXAMPLES" "CAPABILITIES" "CTAUDIT_DATADIR"; do
	check "$s" "section"
done
[ "$failed" = 0 ] || cta_fail "$failed of $n man page checks failed"
cta_pass "$n commands, options and sections of --help are in ctaudit(8)"
