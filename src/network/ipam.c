/* IPv4 address management; see ipam.h. */
#include "ipam.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct ipam_pool ipam_default_pools[] = {
	{{0xAC110000u, 16}, 16}, /* 172.17.0.0/16 */
	{{0xAC120000u, 15}, 16}, /* 172.18-19 */
	{{0xAC140000u, 14}, 16}, /* 172.20-23 */
	{{0xAC180000u, 13}, 16}, /* 172.24-31 */
	{{0xC0A80000u, 16}, 20}, /* 192.168.0.0/16 in /20s */
};
const size_t ipam_ndefault_pools = sizeof(ipam_default_pools) / sizeof(ipam_default_pools[0]);

uint32_t ipam_mask(int prefix)
{
	return prefix <= 0 ? 0 : 0xFFFFFFFFu << (32 - prefix);
}

int ipam_parse_ip(const char *s, uint32_t *ret)
{
	struct in_addr a;
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ret = ntohl(a.s_addr);
	return 0;
}

int ipam_parse_cidr(const char *s, struct ipv4_net *ret, uint32_t *ret_ip, eng_error_t *err)
{
	char buf[64], *slash, *end;
	uint32_t ip;
	long prefix;

	if (!s || strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		goto bad;
	*slash = 0;
	errno = 0;
	prefix = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || errno || prefix < 0 || prefix > 32 || ipam_parse_ip(buf, &ip) < 0)
		goto bad;
	ret->prefix = (int)prefix;
	ret->addr = ip & ipam_mask((int)prefix);
	if (ret_ip)
		*ret_ip = ip;
	return 0;
bad:
	return eng_error_make(err, EINVAL, ERR_INVALID, "invalid CIDR address: %s", s ? s : "");
}

void ipam_format_ip(uint32_t ip, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

void ipam_format_cidr(const struct ipv4_net *n, char out[20])
{
	char ip[16];
	ipam_format_ip(n->addr, ip);
	snprintf(out, 20, "%s/%d", ip, n->prefix);
}

int ipam_contains(const struct ipv4_net *n, uint32_t ip)
{
	return (ip & ipam_mask(n->prefix)) == n->addr;
}

int ipam_overlaps(const struct ipv4_net *a, const struct ipv4_net *b)
{
	int p = a->prefix < b->prefix ? a->prefix : b->prefix;
	return (a->addr & ipam_mask(p)) == (b->addr & ipam_mask(p));
}

static int is_used(uint32_t ip, const uint32_t *used, size_t nused)
{
	for (size_t i = 0; i < nused; i++)
		if (used[i] == ip)
			return 1;
	return 0;
}

int ipam_alloc(const struct ipv4_net *subnet, const struct ipv4_net *range, const uint32_t *used,
	       size_t nused, uint32_t from, uint32_t *ret, eng_error_t *err)
{
	const struct ipv4_net *r = range ? range : subnet;
	uint64_t first = r->addr, last = (uint64_t)r->addr + (~ipam_mask(r->prefix));
	uint64_t size = last - first + 1, start = from >= first && from <= last ? from - first : 0;
	uint32_t bcast = subnet->addr | ~ipam_mask(subnet->prefix);

	for (uint64_t k = 0; k < size; k++) {
		uint64_t ip = first + (start + k) % size;
		if (subnet->prefix < 31 && (ip == subnet->addr || ip == bcast))
			continue;
		if (!ipam_contains(subnet, (uint32_t)ip) || is_used((uint32_t)ip, used, nused))
			continue;
		*ret = (uint32_t)ip;
		return 0;
	}
	char s[20];
	ipam_format_cidr(r, s);
	return eng_error_make(err, ENOSPC, ERR_UNAVAILABLE, "no available IPv4 addresses on this "
			      "network's address pools: %s", s);
}

int ipam_pick_subnet(const struct ipam_pool *pools, size_t npools, const struct ipv4_net *taken,
		     size_t ntaken, struct ipv4_net *ret, eng_error_t *err)
{
	for (size_t p = 0; p < npools; p++) {
		const struct ipam_pool *pool = &pools[p];
		int size = pool->size < pool->base.prefix ? pool->base.prefix : pool->size;
		uint64_t step = 1ull << (32 - size);
		uint64_t end = (uint64_t)pool->base.addr + (1ull << (32 - pool->base.prefix));
		for (uint64_t a = pool->base.addr; a < end; a += step) {
			struct ipv4_net cand = {(uint32_t)a, size};
			size_t i;
			for (i = 0; i < ntaken && !ipam_overlaps(&cand, &taken[i]); i++)
				;
			if (i == ntaken) {
				*ret = cand;
				return 0;
			}
		}
	}
	return eng_error_make(err, ENOSPC, ERR_UNAVAILABLE,
			      "all predefined address pools have been fully subnetted");
}
