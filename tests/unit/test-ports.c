// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/socket.h>
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

/* The NOTRACK port of plan, journal and the firewall writers: one grammar,
 * one canonical text, one order. */
static void test_notrack_port(void **state)
{
	static const struct {
		const char *proto, *port;
		int r;
		const char *canon;
	} t[] = {
		{ "tcp", "8080", 0, "8080" },	   { "udp", "8000:8100", 0, "8000-8100" },
		{ "tcp", "8000-8000", 0, "8000" }, { "tcp", "0", -EINVAL, NULL },
		{ "tcp", "0-10", -EINVAL, NULL },  { "tcp", "80-70", -EINVAL, NULL },
		{ "tcp", "99999", -EINVAL, NULL }, { "tcp", " 80", -EINVAL, NULL },
		{ "icmp", "1", -EINVAL, NULL },	   { "tc", "80", -EINVAL, NULL },
		{ NULL, "80", -EINVAL, NULL },	   { "tcp", NULL, -EINVAL, NULL },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct cta_notrack_port p = { .family = -1, .proto = "x", .port = "y" };
		struct cta_port_range r;
		int k = cta_notrack_port_init(&p, AF_INET6, t[i].proto, t[i].port);

		assert_int_equal(k, t[i].r);
		if (k < 0) {
			assert_int_equal(p.family, -1); /* untouched */
			assert_string_equal(p.port, "y");
			continue;
		}
		assert_int_equal(p.family, AF_INET6);
		assert_string_equal(p.proto, t[i].proto);
		assert_string_equal(p.port, t[i].canon);
		assert_int_equal(cta_notrack_port_range(&p, &r), 0);
	}
	/* entries not built by _init (a journal, a caller's array) are checked */
	assert_int_equal(cta_notrack_port_range(&(struct cta_notrack_port){ 0, "tcp", "99999" },
						NULL),
			 -EINVAL);
	assert_int_equal(cta_notrack_port_range(&(struct cta_notrack_port){ 0, "sctp", "1" }, NULL),
			 -EINVAL);
	assert_int_equal(cta_notrack_port_range(
				 &(struct cta_notrack_port){ .proto = "tcp", .port = "0" }, NULL),
			 -EINVAL);
	{
		struct cta_notrack_port a, b, c, d;

		assert_int_equal(cta_notrack_port_init(&a, 0, "tcp", "9000"), 0);
		assert_int_equal(cta_notrack_port_init(&b, 0, "tcp", "10000"), 0);
		assert_int_equal(cta_notrack_port_init(&c, 0, "udp", "1"), 0);
		assert_int_equal(cta_notrack_port_init(&d, AF_INET, "tcp", "9000:9000"), 0);
		assert_true(cta_notrack_port_cmp(&a, &b) < 0); /* numeric, not text */
		assert_true(cta_notrack_port_cmp(&b, &c) < 0); /* proto first */
		assert_int_equal(cta_notrack_port_cmp(&a, &d), 0); /* family not compared */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_overlap_cmp),
		cmocka_unit_test(test_notrack_port),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
