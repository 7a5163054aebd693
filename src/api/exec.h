#pragma once
/* docker exec: POST /containers/{id}/exec, POST /exec/{id}/start, POST /exec/{id}/resize,
 * GET /exec/{id}/json. */
#include "../http/server.h"
struct engine;
void api_exec_create(struct http_request *req, struct engine *eng);
void api_exec_start(struct http_request *req, struct engine *eng);
void api_exec_resize(struct http_request *req, struct engine *eng);
void api_exec_inspect(struct http_request *req, struct engine *eng);
