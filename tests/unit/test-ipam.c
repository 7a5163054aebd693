/* IPAM: CIDR parsing, overlaps, address and subnet allocation. */
#include "tap.h"
#include "network/ipam.h"

#include <string.h>

static int test_parse(void)
{
	struct ipv4_net n;
	uint32_t ip;
	char s[20];
	eng_error_t err;
	CHECK(ipam_parse_cidr("10.1.2.3/16", &n, &ip, &err) == 0);
	CHECK(n.addr == 0x0A010000u && n.prefix == 16 && ip == 0x0A010203u);
	ipam_format_cidr(&n, s);
	CHECK(!strcmp(s, "10.1.0.0/16"));
	CHECK(ipam_parse_cidr("10.1.2/16", &n, NULL, &err) < 0);
	CHECK(!strcmp(err.msg, "invalid CIDR address: 10.1.2/16"));
	CHECK(ipam_parse_cidr("10.0.0.0/33", &n, NULL, &err) < 0);
	CHECK(ipam_parse_cidr("10.0.0.0", &n, NULL, &err) < 0);
	CHECK(ipam_parse_cidr("10.0.0.0/", &n, NULL, &err) < 0);
	CHECK(ipam_parse_ip("300.1.1.1", &ip) < 0);
	return 0;
}

static int test_overlap(void)
{
	struct ipv4_net a, b, c;
	CHECK(ipam_parse_cidr("172.18.0.0/16", &a, NULL, NULL) == 0);
	CHECK(ipam_parse_cidr("172.18.5.0/24", &b, NULL, NULL) == 0);
	CHECK(ipam_parse_cidr("172.19.0.0/16", &c, NULL, NULL) == 0);
	CHECK(ipam_overlaps(&a, &b) && ipam_overlaps(&b, &a));
	CHECK(!ipam_overlaps(&a, &c));
	CHECK(ipam_contains(&a, 0xAC120101u) && !ipam_contains(&c, 0xAC120101u));
	return 0;
}

static int test_alloc(void)
{
	struct ipv4_net n, r;
	uint32_t used[3], ip;
	eng_error_t err;
	CHECK(ipam_parse_cidr("10.9.0.0/30", &n, NULL, NULL) == 0);
	used[0] = 0x0A090001u; /* gateway */
	CHECK(ipam_alloc(&n, NULL, used, 1, 0, &ip, &err) == 0 && ip == 0x0A090002u);
	used[1] = ip;
	CHECK(ipam_alloc(&n, NULL, used, 2, 0, &ip, &err) < 0 && err.kind == ERR_UNAVAILABLE);
	CHECK(ipam_parse_cidr("10.9.0.0/16", &n, NULL, NULL) == 0);
	CHECK(ipam_parse_cidr("10.9.8.0/24", &r, NULL, NULL) == 0);
	CHECK(ipam_alloc(&n, &r, used, 2, 0, &ip, &err) == 0 && ip == 0x0A090800u);
	/* from the hint on, wrapping around */
	CHECK(ipam_alloc(&n, NULL, used, 2, 0x0A090005u, &ip, &err) == 0 && ip == 0x0A090005u);
	CHECK(ipam_alloc(&n, NULL, used, 2, 0x0A09FFFFu, &ip, &err) == 0 && ip == 0x0A090003u);
	return 0;
}

static int test_pick(void)
{
	struct ipv4_net taken[2], got;
	char s[20];
	eng_error_t err;
	CHECK(ipam_pick_subnet(ipam_default_pools, ipam_ndefault_pools, NULL, 0, &got, &err) == 0);
	ipam_format_cidr(&got, s);
	CHECK(!strcmp(s, "172.17.0.0/16"));
	CHECK(ipam_parse_cidr("172.17.0.0/16", &taken[0], NULL, NULL) == 0);
	CHECK(ipam_parse_cidr("172.18.3.0/24", &taken[1], NULL, NULL) == 0);
	CHECK(ipam_pick_subnet(ipam_default_pools, ipam_ndefault_pools, taken, 2, &got, &err) == 0);
	ipam_format_cidr(&got, s);
	CHECK(!strcmp(s, "172.19.0.0/16"));
	struct ipam_pool small = {{0x0A000000u, 24}, 25};
	CHECK(ipam_pick_subnet(&small, 1, taken, 2, &got, &err) == 0);
	ipam_format_cidr(&got, s);
	CHECK(!strcmp(s, "10.0.0.0/25"));
	return 0;
}

TAP_MAIN({"parse", test_parse}, {"overlap", test_overlap}, {"alloc", test_alloc},
	 {"pick", test_pick})
