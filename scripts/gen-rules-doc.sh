#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerate docs/rules.md from the rule catalog (policies/*.yaml) and the
# built-in profiles with `ctaudit explain --all --format markdown`.
#   scripts/gen-rules-doc.sh [--check] [CTAUDIT]
# --check: do not write; exit 1 when docs/rules.md is not up to date.
# CTAUDIT defaults to $CTAUDIT, else build/ctaudit in the source tree.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
check=
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
ctaudit=${1:-${CTAUDIT:-$src/build/ctaudit}}
doc=$src/docs/rules.md

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root"
# An empty --root: profiles in the host's /etc/ctaudit/profiles must not
# leak into the document.
CTAUDIT_DATADIR=$src "$ctaudit" explain --all --format markdown --root "$tmp/root" >"$tmp/rules.md"

if [ -n "$check" ]; then
	if ! diff -u "$doc" "$tmp/rules.md" >&2; then
		echo "docs/rules.md is out of date: run scripts/gen-rules-doc.sh" >&2
		exit 1
	fi
	exit 0
fi
cp "$tmp/rules.md" "$doc.tmp"
mv "$doc.tmp" "$doc"
