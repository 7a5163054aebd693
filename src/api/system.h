#pragma once
#include "../http/server.h"
struct engine;
void api_ping(struct http_request *req, struct engine *eng);
void api_version(struct http_request *req, struct engine *eng);
void api_info(struct http_request *req, struct engine *eng);
