#pragma once
/* Registry endpoints: pull, push, login, distribution inspect. */
#include "../http/server.h"

struct engine;

void api_image_pull(struct http_request *req,
                    struct engine *eng); /* POST /images/create?fromImage= */
void api_image_push(struct http_request *req, struct engine *eng); /* POST /images/{name}/push */
void api_auth(struct http_request *req, struct engine *eng);       /* POST /auth */
void api_distribution_inspect(struct http_request *req,
                              struct engine *eng); /* GET /distribution/{name}/json */
