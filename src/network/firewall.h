#pragma once
/* The packet filter behind one interface: today iptables through iptables-restore (see
 * docs/decisions.md). Each bridge network owns three chains named after its bridge:
 * BERTH-F-<br> (filter, jumped from FORWARD), BERTH-D-<br> (nat DNAT for published ports,
 * jumped from PREROUTING and OUTPUT for local destinations) and BERTH-S-<br> (nat
 * masquerade, jumped from POSTROUTING); plus one line per network in the shared BERTH-ISO
 * chain that isolates berth's bridges from each other. The DNAT chain is rewritten whole, in
 * one iptables-restore call, whenever the network's set of published ports changes. */
#include <stddef.h>
#include "../common/error.h"

struct fw_network {
	const char *bridge;
	const char *subnet; /* "a.b.c.d/n" */
	int icc, masquerade, internal;
};

struct fw_port {
	char proto[4];   /* "tcp" or "udp" */
	char host_ip[16]; /* "" for every address */
	int host_port;
	char ctr_ip[16];
	int ctr_port;
};

/* Creates the shared chain and turns on IP forwarding. */
int fw_init(eng_error_t *err);
/* setup: writes all of the network's chains and the jumps that are missing; otherwise
 * rewrites only its DNAT chain with `ports` (what a container start or stop changes). */
int fw_network_apply(const struct fw_network *n, const struct fw_port *ports, size_t nports,
		     int setup, eng_error_t *err);
/* Removes every rule and chain of the bridge; what is already gone is fine. */
int fw_network_remove(const char *bridge, eng_error_t *err);

/* The iptables-restore input behind the two calls above, from `saved` (iptables-save's
 * output; NULL for apply's DNAT-only rewrite), for the unit tests. Caller frees; removal
 * gives NULL when nothing of the bridge is left. */
char *fw_network_rules(const struct fw_network *n, const struct fw_port *ports, size_t nports,
		       const char *saved);
char *fw_network_removal(const char *bridge, const char *saved);
