#pragma once
/* The Docker Engine API: one route table, handlers per resource. */
#include "../http/server.h"

struct engine;

/* The http_server handler: routes `req` with the engine as ctx. */
void api_handle(struct http_request *req, void *eng);
