# SPDX-License-Identifier: GPL-2.0-or-later
# docs/rules.md is generated from the catalog (scripts/gen-rules-doc.sh): it
# must match what `ctaudit explain --all --format markdown` prints now, and
# document every rule.
. "$(dirname "$0")/lib.sh"

sh "$CTA_SRCDIR/scripts/gen-rules-doc.sh" --check "$CTAUDIT" ||
	cta_fail "docs/rules.md is stale: run scripts/gen-rules-doc.sh"
n_rules=$(grep -hc '^  - id: ' "$CTA_SRCDIR"/policies/*.yaml | awk '{ s += $1 } END { print s }')
n_doc=$(grep -c '^## <a id=' "$CTA_SRCDIR/docs/rules.md")
cta_assert_eq "rules documented" "$n_doc" "$n_rules"
cta_pass "docs/rules.md documents all $n_rules rules"
