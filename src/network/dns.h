#pragma once
/* The embedded DNS server of user-defined networks, as docker's: every container on one has
 * `nameserver 127.0.0.11` and berthd answers there. berthd opens a UDP and a TCP socket bound
 * to 127.0.0.11:53 inside each container's network namespace (the sockets stay in that
 * namespace) and one thread serves them all with epoll. Names of containers on the networks
 * the asking container is attached to are answered from the records the engine pushes here
 * (A, AAAA, PTR; "name" and "name.network"); any other query is forwarded, unchanged, to the
 * upstream resolvers from berthd's own namespace, over the transport it came in on.
 *
 * Thread-safety: every function may be called from any thread; lookups run on the server
 * thread and never call back into the engine, so no engine lock is ever taken here. */
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "../common/error.h"

struct dns_server;

struct dns_config {
	/* Upstream resolvers when a sandbox has none of its own: "ip", "ip:port", "[ip6]:port".
	 * NULL: the nameservers of the host's /etc/resolv.conf, read at start. */
	char *const *upstreams;
	int timeout_ms; /* per upstream attempt; 0: docker's 4 s */
};

struct dns_server *dns_server_start(const struct dns_config *cfg, eng_error_t *err);
/* Stops the server thread and closes every socket. NULL is fine. Forwards in flight finish
 * on their own (they hold a reference). */
void dns_server_stop(struct dns_server *s);

struct dns_sandbox_opts {
	/* The container's own upstreams (--dns) in dns_config's syntax; NULL: the server's. */
	char *const *upstreams;
	/* ndots was set by the host's resolv.conf or --dns-option: a single-label name that is
	 * not a container gets an empty NOERROR reply instead of being forwarded (docker). */
	int ndots_set;
	/* Every network of the sandbox is Internal: it has no way out, so nothing is forwarded
	 * (SERVFAIL), as docker's resolver without proxyDNS. Names still resolve. */
	int internal;
};

/* Opens the sockets inside the network namespace at netns_path (also brings its lo up) and
 * serves them. Attaching an id that is attached already is a no-op returning 0. `opts` may
 * be NULL. */
int dns_attach(struct dns_server *s, const char *sandbox_id, const char *netns_path,
	       const struct dns_sandbox_opts *opts, eng_error_t *err);
/* Updates `internal` when the sandbox's networks change (connect, disconnect). */
void dns_set_internal(struct dns_server *s, const char *sandbox_id, int internal);
/* Closes the sandbox's sockets; fine when not attached. */
void dns_detach(struct dns_server *s, const char *sandbox_id);

/* Records that sandbox_id is on `network` under `names` (container name, aliases, short id,
 * hostname: docker's DNSNames, the first one used for PTR answers "name.network") with the
 * given addresses (either may be NULL). Replaces an earlier record of the same pair.
 * Containers see each other's names only on the networks they share. */
int dns_endpoint_add(struct dns_server *s, const char *network, const char *sandbox_id,
		     char *const *names, const char *ipv4, const char *ipv6, eng_error_t *err);
/* Forgets the pair; returns how many networks the sandbox is still recorded on. */
size_t dns_endpoint_remove(struct dns_server *s, const char *network, const char *sandbox_id);

/* The answer to one query from sandbox_id as the server would send it (reply in out, cap
 * bytes, the transport's limit: DNS_UDP_MAX or 65535). Returns its length; 0 when the query
 * must be forwarded; -1 when it must be dropped (not a query at all). */
long dns_answer(struct dns_server *s, const char *sandbox_id, const uint8_t *query, size_t len,
		uint8_t *out, size_t cap);

/* The nameserver lines of a resolv.conf's content (at most 3, docker's maxExtDNS), as a
 * NULL-terminated vector the caller frees with strv_free. Loopback servers are kept: the
 * forward leaves from berthd's namespace, where they work (docker's "host(...)" servers). */
char **dns_resolv_conf_nameservers(const char *content);

/* The names docker gives a container on a network (its DNSNames): the name without its
 * leading '/', the aliases, the short id, the hostname (NULL to skip); duplicates once.
 * NULL-terminated, caller frees with strv_free. */
char **dns_names(const char *ctr_name, const json_t *aliases, const char *ctr_id,
		 const char *hostname);

/* Fits net_set_dns_hook (ctx: the struct dns_server): a container joining a user-defined
 * network is recorded there and, given its netns_path, attached; leaving forgets it and
 * detaches it when it is on no such network any more. Errors can only be logged here; a
 * caller that can fail the operation should call dns_endpoint_add and dns_attach itself. */
void dns_net_hook(void *ctx, int joined, const char *netns_path, const char *network,
		  const char *ctr_id, const char *ctr_name, const json_t *aliases,
		  const char *ipv4);
