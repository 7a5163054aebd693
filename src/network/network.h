#pragma once
/* Networks: the bridge driver (bridges, IPAM, veths, published ports, firewall) and the
 * predefined host and none networks. Network documents persist under
 * <data-root>/network/<id>.json; endpoints (a container on a network) live in memory and are
 * rebuilt from the containers' own documents when berthd starts. The store's lock is taken
 * after the engine lock, never before. */
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "../common/error.h"
#include "firewall.h"

struct net_store;
struct nl_sock;

struct net_config {
	const char *data_root;
	const char *bridge; /* -b: the default bridge's interface; NULL "berth0"; "none": no bridge */
	const char *bip;    /* --bip: the default bridge's address "a.b.c.d/n" */
	json_t *pools;      /* default-address-pools [{"base": "...", "size": n}], NULL docker's */
	int mtu;            /* --mtu, 0: the kernel's default */
};

int net_store_open(const struct net_config *cfg, struct net_store **ret, eng_error_t *err);
void net_store_free(struct net_store *s);

/* API documents (new references). */
json_t *net_create(struct net_store *s, json_t *body, eng_error_t *err);
/* The removed network's id and name into ret_id/ret_name (caller frees). 409 when in use. */
int net_remove(struct net_store *s, const char *name, char **ret_id, char **ret_name,
	       eng_error_t *err);
json_t *net_inspect(struct net_store *s, const char *name, eng_error_t *err);
json_t *net_list(struct net_store *s, json_t *filters, eng_error_t *err);
/* Removes unused user-defined networks; their names in *ret_deleted, ids in *ret_ids. */
int net_prune(struct net_store *s, json_t *filters, json_t **ret_deleted, json_t **ret_ids,
	      eng_error_t *err);
/* Canonical name and id of a network given by name, id or id prefix; ERR_NOT_FOUND
 * "network <name> not found". */
int net_lookup(struct net_store *s, const char *name, char **ret_name, char ret_id[65],
	       eng_error_t *err);
/* The gateway address of a bridge network into out; -1 when there is none. --add-host's
 * host-gateway is the default bridge's. */
int net_gateway(struct net_store *s, const char *name, char out[16]);
/* The driver of a network ("bridge", "host", "null"); NULL when unknown. Caller frees. */
char *net_driver(struct net_store *s, const char *name);

/* Published ports of a container: HostConfig.PortBindings, or every ExposedPorts entry with
 * -P; random host ports where none is given, checked free on the host and in berth. */
int net_ports_resolve(struct net_store *s, const json_t *bindings, const json_t *exposed,
		      int publish_all, struct fw_port **ret, size_t *ret_n, eng_error_t *err);
/* NetworkSettings.Ports for inspect (exposed ports with their bindings). */
json_t *net_ports_json(const struct fw_port *ports, size_t n, const json_t *exposed);

struct net_attach {
	const char *ctr_id, *ctr_name;
	const char *ip;       /* a static address or NULL */
	const char *mac;      /* a fixed MAC or NULL */
	json_t *aliases;      /* array of strings or NULL */
	const struct fw_port *ports; /* published on this network; ctr_ip filled here */
	size_t nports;
	int nsfd;             /* the container's network namespace */
	struct nl_sock *nsnl; /* a netlink socket inside it */
	const char *ifname;   /* "eth0", "eth1", ... */
	int default_route;    /* the first network gives the default route */
	const char *netns_path;
};
/* Connects a container's namespace to the network and returns its EndpointSettings. */
json_t *net_attach(struct net_store *s, const char *network, const struct net_attach *a,
		   eng_error_t *err);
/* Forgets the endpoint: its address and its firewall rules, and with delete_link its
 * host-side veth (which takes the peer with it). Without, the veth goes when the kernel
 * dismantles the dead container's namespace, asynchronously: deleting a veth waits 30-50 ms
 * for RCU, which an exiting container need not pay. Fine when already gone. */
int net_detach(struct net_store *s, const char *network, const char *ctr_id, int delete_link,
	       eng_error_t *err);
/* After a daemon restart: a running container's endpoint from its EndpointSettings. */
int net_restore_endpoint(struct net_store *s, const char *network, const char *ctr_id,
			 const char *ctr_name, const json_t *settings, const struct fw_port *ports,
			 size_t nports);
/* Rewrites every network's rules once restore is done (rules of dead containers go). */
void net_restore_done(struct net_store *s);

/* The embedded DNS server hooks in here: called (under the store's lock) when a container
 * joins (joined=1) or leaves (0) a user-defined network. */
typedef void (*net_dns_hook)(void *ctx, int joined, const char *netns_path,
			     const char *network, const char *ctr_id, const char *ctr_name,
			     const json_t *aliases, const char *ipv4);
void net_set_dns_hook(struct net_store *s, net_dns_hook fn, void *ctx);
