#pragma once
/* rtnetlink plumbing: bridges, veth pairs, addresses, routes, link state. A socket is bound
 * to the network namespace it was opened in, so one socket per namespace does all of that
 * namespace's work without switching the calling thread. */
#include <stdint.h>
#include "../common/error.h"

struct nl_sock {
	int fd;
	uint32_t seq;
};

/* A socket in the calling thread's network namespace (nsfd < 0) or in the namespace nsfd. */
int nl_open(struct nl_sock *nl, int nsfd, eng_error_t *err);
void nl_close(struct nl_sock *nl);

/* A new network namespace, returned as an open nsfs fd, plus a socket inside it. */
int nl_netns_new(int *ret_nsfd, struct nl_sock *ret_nl, eng_error_t *err);

/* ifindex of `name` in the namespace of nl; -errno when there is no such link. */
int nl_link_index_in(struct nl_sock *nl, const char *name);
/* ifindex of `name`, 0 when there is no such link. */
int nl_link_index(const char *name);
/* Creates bridge `name` (EEXIST is fine: returns 1), sets mtu (0: default). */
int nl_bridge_create(struct nl_sock *nl, const char *name, int mtu, eng_error_t *err);
int nl_link_delete(struct nl_sock *nl, const char *name, eng_error_t *err);
int nl_link_up(struct nl_sock *nl, int ifindex, eng_error_t *err);
/* Adds ip/prefix (with its broadcast address) to ifindex; EEXIST is fine. */
int nl_addr_add(struct nl_sock *nl, int ifindex, uint32_t ip, int prefix, eng_error_t *err);
/* The IPv4 addresses of ifindex (first one) ; 0 when it has none. */
int nl_addr_get(struct nl_sock *nl, int ifindex, uint32_t *ret_ip, int *ret_prefix,
		eng_error_t *err);
/* A veth pair: `host` attached to bridge `master` and up, `peer` created directly in the
 * namespace nsfd with `mac` (6 bytes) and mtu (0: default). */
int nl_veth_create(struct nl_sock *nl, const char *host, int master, const char *peer, int nsfd,
		   const uint8_t mac[6], int mtu, eng_error_t *err);
/* Default route through gw. */
int nl_route_default(struct nl_sock *nl, uint32_t gw, eng_error_t *err);
