// SPDX-License-Identifier: GPL-2.0-or-later
/* render/top-rate: one interval of `top --rate` as text and as a JSON line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "render/top-rate.h"
#include "util/json.h"
#include "util/macro.h"

static const struct cta_top_item items[] = { { "10.2.0.7", 2100 }, { "10.2.0.9", 200 } };

static struct cta_top_rate conntrack_interval(void)
{
	return (struct cta_top_rate){
		.table = "conntrack",
		.unit = "new flows/s",
		.by = "src",
		.interval = 3,
		.seconds = 1.0,
		.count = 2300,
		.keys = 2,
		.items = items,
		.n_items = 2,
		.have_events = true,
		.events = 2300,
		.have_table = true,
		.table_entries = 250120,
		.table_max = 262144,
		.growth_per_s = 2290.0,
	};
}

static void test_text(void **state)
{
	struct cta_top_rate r = conntrack_interval();
	_cleanup_free_ char *s = cta_render_top_rate_text(&r, false, false), *s2 = NULL, *s3 = NULL;

	assert_string_equal(s, "conntrack: 2300.0 new flows/s by src over 1.00 s\n"
			       "rank   per_s  percent  key\n"
			       "   1  2100.0    91.3%  10.2.0.7\n"
			       "   2   200.0     8.7%  10.2.0.9\n"
			       "2300 in 1.00 s, 2 keys\n"
			       "table: 250120 of 262144 entries, net growth +2290.0/s, full in "
			       "about 5s at this rate\n"
			       "events lost: 0\n"
			       "\n");
	/* losses are reported, and the interval marked approximate */
	r.lost = 1234;
	r.approximate = true;
	r.filter = "proto=tcp";
	r.growth_per_s = -5;
	s2 = cta_render_top_rate_text(&r, true, true);
	assert_true(strncmp(s2, "\033[H\033[2J\033[1mconntrack:", 20) == 0);
	assert_non_null(strstr(s2, " matching 'proto=tcp'\033[0m\n"));
	assert_non_null(strstr(s2, "net growth -5.0/s\n"));
	assert_non_null(strstr(s2, "events lost: 1234 (approximate: counts above are low)\n"));
	/* in place: no blank line between intervals */
	assert_true(s2[strlen(s2) - 2] != '\n');

	r = (struct cta_top_rate){ .table = "timewait",
				   .unit = "sockets entering TIME_WAIT/s",
				   .by = "peer",
				   .seconds = 2.0,
				   .count = 10,
				   .keys = 1,
				   .other = 4,
				   .items = items,
				   .n_items = 1,
				   .have_present = true,
				   .present = 35 };
	s3 = cta_render_top_rate_text(&r, false, false);
	assert_non_null(
		strstr(s3, "timewait: 5.0 sockets entering TIME_WAIT/s by peer over 2.00 s\n"));
	assert_non_null(strstr(s3, "10 in 2.00 s, 1 key (+4 past the key limit, counted as other); "
				   "35 sockets in TIME_WAIT\n"));
	assert_null(strstr(s3, "events lost"));
	free(s3);
	r.present = 1;
	s3 = cta_render_top_rate_text(&r, false, false);
	assert_non_null(strstr(s3, "; 1 socket in TIME_WAIT\n"));
}

static void test_json(void **state)
{
	struct cta_top_rate r = conntrack_interval();
	_cleanup_json_ json_t *j = NULL;
	json_t *t;

	assert_int_equal(cta_render_top_rate_json(&r, &j), 0);
	assert_string_equal(json_string_value(json_object_get(j, "table")), "conntrack");
	assert_int_equal(json_integer_value(json_object_get(j, "interval")), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "count")), 2300);
	assert_int_equal(json_integer_value(json_object_get(j, "events_lost")), 0);
	assert_false(json_is_true(json_object_get(j, "approximate")));
	t = json_object_get(j, "conntrack");
	assert_true(json_real_value(json_object_get(t, "full_in_s")) == 5.0);
	t = json_array_get(json_object_get(j, "top"), 0);
	assert_string_equal(json_string_value(json_object_get(t, "key")), "10.2.0.7");
	assert_true(json_real_value(json_object_get(t, "per_s")) == 2100.0);
	assert_true(json_real_value(json_object_get(t, "percent")) == 91.3);
	json_decref(j);

	/* not filling: no time to full; unknown loss is null */
	r.growth_per_s = 0;
	r.lost = -1;
	assert_int_equal(cta_render_top_rate_json(&r, &j), 0);
	assert_true(json_is_null(json_object_get(json_object_get(j, "conntrack"), "full_in_s")));
	assert_true(json_is_null(json_object_get(j, "events_lost")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
