#pragma once
#include "../http/server.h"
struct engine;
void api_events(struct http_request *req, struct engine *eng); /* GET /events */
