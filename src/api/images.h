#pragma once
/* Image endpoints. Each handler gets the engine as ctx; path captures in req->params. */
#include "../http/server.h"

struct engine;

void api_images_list(struct http_request *req, struct engine *eng);    /* GET /images/json */
void api_image_inspect(struct http_request *req, struct engine *eng);  /* GET /images/{name}/json */
void api_image_history(struct http_request *req, struct engine *eng);  /* GET /images/{name}/history */
void api_image_tag(struct http_request *req, struct engine *eng);      /* POST /images/{name}/tag */
void api_image_delete(struct http_request *req, struct engine *eng);   /* DELETE /images/{name} */
void api_images_prune(struct http_request *req, struct engine *eng);   /* POST /images/prune */
void api_images_load(struct http_request *req, struct engine *eng);    /* POST /images/load */
void api_images_get(struct http_request *req, struct engine *eng);     /* GET /images/get, /images/{name}/get */
void api_images_create(struct http_request *req, struct engine *eng);  /* POST /images/create */
