#pragma once
/* /volumes endpoints and GET /system/df with the prune endpoints it reports on. */
#include "../http/server.h"
struct engine;
void api_volumes_list(struct http_request *req, struct engine *eng);
void api_volume_create(struct http_request *req, struct engine *eng);
void api_volume_inspect(struct http_request *req, struct engine *eng);
void api_volume_delete(struct http_request *req, struct engine *eng);
void api_volumes_prune(struct http_request *req, struct engine *eng);
