#pragma once
#include "../http/server.h"
struct engine;
/* GET /containers/{id}/stats: a sample a second while streaming, or one document. */
void api_container_stats(struct http_request *req, struct engine *eng);
