#pragma once
/* /networks: create, list, inspect, remove, connect, disconnect, prune. */
#include "../http/server.h"
struct engine;
void api_networks_list(struct http_request *req, struct engine *eng);
void api_network_create(struct http_request *req, struct engine *eng);
void api_network_inspect(struct http_request *req, struct engine *eng);
void api_network_delete(struct http_request *req, struct engine *eng);
void api_network_connect(struct http_request *req, struct engine *eng);
void api_network_disconnect(struct http_request *req, struct engine *eng);
void api_networks_prune(struct http_request *req, struct engine *eng);
