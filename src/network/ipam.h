#pragma once
/* IPv4 address management: CIDR parsing, overlap checks, picking a free subnet from the
 * address pools and a free address in a subnet. Pure logic; the network store persists what
 * is allocated (the endpoints of each network). Addresses are in host byte order. */
#include <stddef.h>
#include <stdint.h>
#include "../common/error.h"

struct ipv4_net {
	uint32_t addr; /* the network address (host bits cleared) */
	int prefix;
};

/* "a.b.c.d" into *ret; -1 when not an IPv4 address. */
int ipam_parse_ip(const char *s, uint32_t *ret);
/* "a.b.c.d/n"; host bits are kept in *ret_ip (may be NULL) and cleared in ret->addr.
 * ERR_INVALID "invalid CIDR address: <s>". */
int ipam_parse_cidr(const char *s, struct ipv4_net *ret, uint32_t *ret_ip, eng_error_t *err);
void ipam_format_ip(uint32_t ip, char out[16]);
void ipam_format_cidr(const struct ipv4_net *n, char out[20]);
uint32_t ipam_mask(int prefix);
int ipam_contains(const struct ipv4_net *n, uint32_t ip);
int ipam_overlaps(const struct ipv4_net *a, const struct ipv4_net *b);

/* The first address of `range` (the whole subnet when NULL) from `from` on, wrapping
 * around, that is not the network or broadcast address of `subnet` and not in `used`.
 * Starting after the last one handed out (as dockerd does) keeps a just-freed address, whose
 * old veth the kernel may still be dismantling, out of use a while. ERR_UNAVAILABLE when
 * none is left. */
int ipam_alloc(const struct ipv4_net *subnet, const struct ipv4_net *range, const uint32_t *used,
	       size_t nused, uint32_t from, uint32_t *ret, eng_error_t *err);

/* Address pools as dockerd's default-address-pools: each base split into subnets of `size`. */
struct ipam_pool {
	struct ipv4_net base;
	int size;
};
/* Docker's defaults: 172.17-31.0.0/16 then 192.168.0-240.0/20 split into /20. */
extern const struct ipam_pool ipam_default_pools[];
extern const size_t ipam_ndefault_pools;
/* The first subnet of the pools that overlaps none of `taken`. ERR_UNAVAILABLE when the
 * pools are used up ("all predefined address pools have been fully subnetted"). */
int ipam_pick_subnet(const struct ipam_pool *pools, size_t npools, const struct ipv4_net *taken,
		     size_t ntaken, struct ipv4_net *ret, eng_error_t *err);
