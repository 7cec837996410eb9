// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include "util/ports.h"

static void test_parse_table(void **state)
{
	static const struct {
		const char *in;
		unsigned flags;
		int r;
		uint16_t lo, hi;
		const char *out;
	} t[] = {
		{ "8080", 0, 0, 8080, 8080, "8080" },
		{ "0", 0, 0, 0, 0, "0" },
		{ "0", CTA_PORT_NO_ZERO, -EINVAL, 0, 0, NULL },
		{ "65535", 0, 0, 65535, 65535, "65535" },
		{ "65536", 0, -EINVAL, 0, 0, NULL },
		{ "000080", 0, -EINVAL, 0, 0, NULL }, /* more than 5 digits */
		{ "00080", 0, 0, 80, 80, "80" },
		{ "8000-8100", 0, 0, 8000, 8100, "8000-8100" },
		{ "8000:8100", 0, 0, 8000, 8100, "8000-8100" },
		{ "8000-8100", CTA_PORT_NO_RANGE, -EINVAL, 0, 0, NULL },
		{ "8100-8000", 0, -EINVAL, 0, 0, NULL },
		{ "8000-8000", 0, 0, 8000, 8000, "8000" },
		{ "1-65535", 0, 0, 1, 65535, "1-65535" },
		{ "", 0, -EINVAL, 0, 0, NULL },
		{ "-", 0, -EINVAL, 0, 0, NULL },
		{ "80-", 0, -EINVAL, 0, 0, NULL },
		{ "-80", 0, -EINVAL, 0, 0, NULL },
		{ " 80", 0, -EINVAL, 0, 0, NULL },
		{ "80 ", 0, -EINVAL, 0, 0, NULL },
		{ "+80", 0, -EINVAL, 0, 0, NULL },
		{ "0x50", 0, -EINVAL, 0, 0, NULL },
		{ "80,81", 0, -EINVAL, 0, 0, NULL },
		{ "80-90-100", 0, -EINVAL, 0, 0, NULL },
		{ "99999999999999999999", 0, -EINVAL, 0, 0, NULL },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct cta_port_range r = { 7, 7 };
		char buf[CTA_PORT_RANGE_STRLEN];

		assert_int_equal(cta_port_range_parse(t[i].in, t[i].flags, &r), t[i].r);
		if (t[i].r < 0) {
			/* untouched on failure */
			assert_int_equal(r.lo, 7);
			assert_int_equal(r.hi, 7);
			continue;
		}
		assert_int_equal(r.lo, t[i].lo);
		assert_int_equal(r.hi, t[i].hi);
		assert_string_equal(cta_port_range_format(&r, buf), t[i].out);
	}
	assert_int_equal(cta_port_range_parse(NULL, 0, &(struct cta_port_range){ 0 }), -EINVAL);
}

static void test_overlap_cmp(void **state)
{
	struct cta_port_range a = { 10, 20 }, b = { 20, 30 }, c = { 21, 30 };

	assert_true(cta_port_range_overlaps(&a, &b));
	assert_false(cta_port_range_overlaps(&a, &c));
	assert_true(cta_port_range_contains(&a, 10));
	assert_false(cta_port_range_contains(&a, 21));
	assert_true(cta_port_range_cmp(&a, &b) < 0);
	assert_true(cta_port_range_cmp(&c, &b) > 0);
	assert_int_equal(cta_port_range_cmp(&a, &a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_overlap_cmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
