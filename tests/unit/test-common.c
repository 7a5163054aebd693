/* Pure helpers: time and size parsing, filters, signals, container names. */
#include "tap.h"
#include "common/filters.h"
#include "common/fsutil.h"
#include "common/jsonutil.h"
#include "engine/container.h"

#include <signal.h>
#include <string.h>

static int test_format_time(void)
{
	char out[40];
	format_time_ns(0, out);
	CHECK(!strcmp(out, "0001-01-01T00:00:00Z"));
	format_time_ns(1700000000LL * 1000000000LL + 120000000LL, out);
	CHECK(!strcmp(out, "2023-11-14T22:13:20.12Z"));
	format_time_ns(1700000000LL * 1000000000LL, out);
	CHECK(!strcmp(out, "2023-11-14T22:13:20Z"));
	return 0;
}

static int test_parse_rfc3339(void)
{
	int64_t ns;
	CHECK(parse_time_rfc3339("2023-11-14T22:13:20.12Z", &ns) == 0);
	CHECK(ns == 1700000000LL * 1000000000LL + 120000000LL);
	CHECK(parse_time_rfc3339("2023-11-15T00:13:20+02:00", &ns) == 0);
	CHECK(ns == 1700000000LL * 1000000000LL);
	CHECK(parse_time_rfc3339("yesterday", &ns) < 0);
	return 0;
}

static int test_durations(void)
{
	int64_t ns;
	CHECK(parse_duration("1h30m", &ns) == 0 && ns == 5400LL * 1000000000LL);
	CHECK(parse_duration("500ms", &ns) == 0 && ns == 500000000LL);
	CHECK(parse_duration("10", &ns) < 0);
	CHECK(parse_time_filter("10m", 1000LL * 1000000000LL, &ns) == 0 &&
	      ns == 400LL * 1000000000LL);
	CHECK(parse_time_filter("1700000000", 0, &ns) == 0 && ns == 1700000000LL * 1000000000LL);
	CHECK(parse_time_filter("1700000000.5", 0, &ns) == 0 &&
	      ns == 1700000000LL * 1000000000LL + 500000000LL);
	/* the nanoseconds survive: a double would round them */
	CHECK(parse_time_filter("1763868000.123456789", 0, &ns) == 0 &&
	      ns == 1763868000123456789LL);
	CHECK(parse_time_filter("1700000000.", 0, &ns) < 0);
	CHECK(parse_time_filter("nonsense", 0, &ns) < 0);
	char d[40];
	format_duration(30000000000LL, d);
	CHECK(!strcmp(d, "30s"));
	format_duration(90500000000LL, d);
	CHECK(!strcmp(d, "1m30.5s"));
	format_duration(3600000000000LL, d);
	CHECK(!strcmp(d, "1h0m0s"));
	format_duration(500000000LL, d);
	CHECK(!strcmp(d, "500ms"));
	format_duration(1500000LL, d);
	CHECK(!strcmp(d, "1.5ms"));
	format_duration(0, d);
	CHECK(!strcmp(d, "0s"));
	return 0;
}

static int test_sizes(void)
{
	int64_t b;
	CHECK(parse_size("10m", &b) == 0 && b == 10LL << 20);
	CHECK(parse_size("1k", &b) == 0 && b == 1024);
	CHECK(parse_size("2GiB", &b) == 0 && b == 2LL << 30);
	CHECK(parse_size("512", &b) == 0 && b == 512);
	CHECK(parse_size("12x", &b) < 0);
	CHECK(parse_size("-1", &b) < 0);
	return 0;
}

static int test_filters(void)
{
	eng_error_t err;
	json_t *f = filters_parse("{\"label\":[\"a=1\",\"b\"],\"status\":{\"running\":true}}", &err);
	static const char *const keys[] = {"label", "status", NULL};
	static const char *const few[] = {"label", NULL};
	json_t *labels = json_pack("{s:s, s:s}", "a", "1", "b", "x");
	json_t *other = json_pack("{s:s}", "a", "2");

	CHECK(f);
	CHECK(filters_check_keys(f, keys, &err) == 0);
	CHECK(filters_check_keys(f, few, &err) < 0 && !strcmp(err.msg, "invalid filter 'status'"));
	CHECK(!strcmp(json_string_value(json_array_get(filters_get(f, "status"), 0)), "running"));
	CHECK(filters_match_labels(f, "label", labels));
	CHECK(!filters_match_labels(f, "label", other));
	CHECK(!filters_parse("{not json", &err) && err.kind == ERR_INVALID);
	json_decref(f);
	json_decref(labels);
	json_decref(other);
	return 0;
}

static int test_signals(void)
{
	CHECK(signal_parse("SIGKILL") == SIGKILL);
	CHECK(signal_parse("term") == SIGTERM);
	CHECK(signal_parse("9") == 9);
	CHECK(signal_parse("SIGRTMIN+3") == SIGRTMIN + 3);
	CHECK(signal_parse("NOPE") < 0);
	CHECK(signal_parse("99") < 0);
	return 0;
}

static int test_container_names(void)
{
	CHECK(container_name_valid("web"));
	CHECK(container_name_valid("/web_1.a-b"));
	CHECK(!container_name_valid("a"));
	CHECK(!container_name_valid("-web"));
	CHECK(!container_name_valid("we b"));
	CHECK(!container_name_valid("we/b"));
	return 0;
}

TAP_MAIN(T(test_format_time), T(test_parse_rfc3339), T(test_durations), T(test_sizes),
	 T(test_filters), T(test_signals), T(test_container_names))
