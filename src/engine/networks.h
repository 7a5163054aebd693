#pragma once
/* The network operations the API calls: they wrap the network store (network/) with the
 * engine's containers and emit network events. */
#include <jansson.h>
#include "../common/error.h"

struct engine;
struct container;

json_t *engine_network_create(struct engine *eng, json_t *body, eng_error_t *err);
int engine_network_remove(struct engine *eng, const char *name, eng_error_t *err);
json_t *engine_network_inspect(struct engine *eng, const char *name, eng_error_t *err);
json_t *engine_network_list(struct engine *eng, json_t *filters, eng_error_t *err);
json_t *engine_network_prune(struct engine *eng, json_t *filters, eng_error_t *err);
/* docker network connect / disconnect; `endpoint` is EndpointConfig (may be NULL). */
int engine_network_connect(struct engine *eng, const char *network, struct container *c,
			   json_t *endpoint, eng_error_t *err);
int engine_network_disconnect(struct engine *eng, const char *network, struct container *c,
			      int force, eng_error_t *err);
/* The network store, for the DNS server's hook (network/network.h net_set_dns_hook). */
struct net_store *engine_net_store(struct engine *eng);
