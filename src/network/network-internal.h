#pragma once
/* The network store's records, shared by network.c (networks, endpoints) and ports.c
 * (published ports); nothing outside network/ includes this. */
#include <pthread.h>
#include <stdint.h>
#include <jansson.h>
#include "firewall.h"
#include "ipam.h"
#include "netlink.h"
#include "network.h"

struct endpoint {
	char ctr_id[65];
	char *ctr_name;
	char host_if[16];
	char id[65];
	uint32_t ip;
	uint8_t mac[6];
	json_t *aliases;
	struct fw_port *ports;
	size_t nports;
};

struct network {
	char id[65];
	char *name, *driver, *bridge;
	struct ipv4_net subnet, range;
	uint32_t gateway;
	int has_range, internal, attachable, icc, masq, mtu, ipv6, predefined;
	json_t *labels, *options, *ipam_options;
	int64_t created_ns;
	struct endpoint *eps;
	size_t neps;
	int fw_ready;
	uint32_t last_ip; /* the last address handed out: the next search starts after it */
};

struct net_store {
	char *dir;
	struct net_config cfg;
	struct ipam_pool *pools;
	size_t npools;
	pthread_mutex_t lock;
	struct network **nets;
	size_t n;
	struct nl_sock nl; /* the host's namespace */
	net_dns_hook dns;
	void *dns_ctx;
};

/* ports.c: whether p's host port is published by an endpoint of the store or in mine[];
 * store lock held. */
int port_taken_locked(struct net_store *s, const struct fw_port *p, const struct fw_port *mine,
		      size_t nmine);
