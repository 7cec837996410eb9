// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nf/rate: NEW events counted by key under a filter and a key cap (the
 * recorded dump of test-ctdump stands in for events: both are
 * IPCTNL_MSG_CT_NEW messages), and TIME_WAIT sockets entering between two
 * samples.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "nf/rate.h"
#include "util/fileio.h"
#include "util/macro.h"

static char *fixture;
static size_t fixture_len;

static int load_fixture(void **state)
{
	ssize_t n = cta_read_file(CTA_FIXTURES "/ctdump/dump-mixed.bin", 0, &fixture);

	assert_true(n > 0);
	fixture_len = (size_t)n;
	return 0;
}

static int free_fixture(void **state)
{
	free(fixture);
	return 0;
}

static void feed(struct cta_ctrate *r)
{
	bool intr = false;

	assert_int_equal(cta_nldump_parse(fixture, fixture_len, cta_ctrate_msg, r, &intr), 1);
}

static uint64_t count_of(const struct cta_agg *a, enum cta_ct_by by, const char *want)
{
	struct cta_agg_item *items = NULL;
	ssize_t n = cta_agg_top(a, 0, &items);
	char buf[CTA_CT_KEY_STRLEN];
	uint64_t c = 0;

	assert_true(n >= 0);
	for (ssize_t i = 0; i < n; i++)
		if (streq(cta_ct_key_format(by, items[i].key, buf, sizeof(buf)), want))
			c = items[i].count;
	free(items);
	return c;
}

static void test_ctrate(void **state)
{
	struct cta_ctrate r;
	struct cta_ct_filter f;
	char *err = NULL;

	/* 14 entries: 10.0.0.1 has 7, 10.0.0.2 has 3 */
	cta_ctrate_init(&r, CTA_CT_BY_SRC, NULL, 0);
	feed(&r);
	assert_int_equal(r.events, 14);
	assert_int_equal(r.matched, 14);
	assert_int_equal(r.other, 0);
	assert_int_equal(count_of(&r.agg, CTA_CT_BY_SRC, "10.0.0.1"), 7);
	assert_int_equal(count_of(&r.agg, CTA_CT_BY_SRC, "10.0.0.2"), 3);
	/* a new interval forgets the last one */
	cta_ctrate_reset(&r);
	assert_int_equal(r.events, 0);
	assert_int_equal(r.agg.n, 0);
	feed(&r);
	assert_int_equal(count_of(&r.agg, CTA_CT_BY_SRC, "10.0.0.1"), 7);
	cta_ctrate_done(&r);

	/* the filter applies to events as to dumps */
	assert_int_equal(cta_ct_filter_parse("proto=tcp dport=80", &f, &err), 0);
	cta_ctrate_init(&r, CTA_CT_BY_DPORT, &f, 0);
	feed(&r);
	assert_int_equal(r.events, 14);
	assert_int_equal(r.matched, 7);
	assert_int_equal(r.agg.n, 1);
	cta_ctrate_done(&r);
	cta_ct_filter_done(&f);
}

/* Past the key cap, new keys are counted as other: memory stays bounded. */
static void test_ctrate_cap(void **state)
{
	struct cta_ctrate r;

	cta_ctrate_init(&r, CTA_CT_BY_SRC, NULL, 2);
	feed(&r);
	assert_int_equal(r.agg.n, 2);
	assert_int_equal(r.matched, 14);
	assert_int_equal(r.agg.total + r.other, 14);
	assert_true(r.other > 0);
	cta_ctrate_done(&r);
}

static void test_agg_bounded(void **state)
{
	struct cta_agg a;
	unsigned char k[CTA_AGG_KEY_MAX] = { 0 };

	cta_agg_init(&a, 4);
	for (unsigned i = 0; i < 100; i++) {
		k[0] = (unsigned char)i;
		assert_int_equal(cta_agg_add_bounded(&a, k, 1, 10), i < 10 ? 0 : 1);
	}
	/* a key already there is still counted */
	k[0] = 3;
	assert_int_equal(cta_agg_add_bounded(&a, k, 5, 10), 0);
	assert_int_equal(cta_agg_get(&a, k), 6);
	k[0] = 50;
	assert_int_equal(cta_agg_get(&a, k), 0);
	assert_int_equal(a.n, 10);
	cta_agg_done(&a);
}

static struct cta_sd_sock tw(const char *src, unsigned sport, const char *dst, unsigned dport)
{
	struct cta_sd_sock s = { .family = AF_INET, .state = 6 };

	inet_pton(AF_INET, src, s.src);
	inet_pton(AF_INET, dst, s.dst);
	s.sport = (uint16_t)sport;
	s.dport = (uint16_t)dport;
	return s;
}

static void test_twrate(void **state)
{
	struct cta_twrate t;
	struct cta_sd_sock s;
	struct cta_agg_item *items = NULL;
	char buf[64];
	ssize_t n;

	cta_twrate_init(&t, CTA_SD_BY_PEER, 0);
	/* first sample: the baseline, nothing entered */
	cta_twrate_begin(&t);
	for (unsigned p = 1000; p < 1010; p++) {
		s = tw("127.0.0.2", p, "127.0.0.1", 5001);
		assert_int_equal(cta_twrate_add(&t, &s), 0);
	}
	cta_twrate_end(&t);
	assert_int_equal(t.present, 10);
	assert_int_equal(t.entered, 0);

	/* second: 5 of those left, 3 new to :5001, 2 new to :5002, one duplicate */
	cta_twrate_begin(&t);
	for (unsigned p = 1005; p < 1013; p++) {
		s = tw("127.0.0.2", p, "127.0.0.1", 5001);
		assert_int_equal(cta_twrate_add(&t, &s), 0);
	}
	for (unsigned p = 2000; p < 2002; p++) {
		s = tw("127.0.0.3", p, "127.0.0.1", 5002);
		assert_int_equal(cta_twrate_add(&t, &s), 0);
		assert_int_equal(cta_twrate_add(&t, &s), 0); /* a retried dump */
	}
	cta_twrate_end(&t);
	assert_int_equal(t.present, 10);
	assert_int_equal(t.entered, 5);
	n = cta_agg_top(&t.agg, 0, &items);
	assert_int_equal(n, 2);
	assert_string_equal(cta_sd_key_format(CTA_SD_BY_PEER, items[0].key, buf, sizeof(buf)),
			    "127.0.0.1:5001");
	assert_int_equal(items[0].count, 3);
	assert_int_equal(items[1].count, 2);
	free(items);

	/* third: the same sockets again: nothing entered */
	cta_twrate_begin(&t);
	for (unsigned p = 1005; p < 1013; p++) {
		s = tw("127.0.0.2", p, "127.0.0.1", 5001);
		assert_int_equal(cta_twrate_add(&t, &s), 0);
	}
	cta_twrate_end(&t);
	assert_int_equal(t.entered, 0);
	assert_int_equal(t.agg.n, 0);
	cta_twrate_done(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctrate),
		cmocka_unit_test(test_ctrate_cap),
		cmocka_unit_test(test_agg_bounded),
		cmocka_unit_test(test_twrate),
	};

	return cmocka_run_group_tests(tests, load_fixture, free_fixture);
}
