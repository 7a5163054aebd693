#pragma once
/* GET /system/df, and the prune endpoints `docker system prune` calls that have nothing
 * else to own them yet (build cache). */
#include "../http/server.h"
struct engine;
void api_system_df(struct http_request *req, struct engine *eng);
void api_build_prune(struct http_request *req, struct engine *eng);
