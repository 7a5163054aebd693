#pragma once
#include "../http/server.h"
struct engine;
void api_container_create(struct http_request *req, struct engine *eng);
void api_containers_list(struct http_request *req, struct engine *eng);
void api_container_inspect(struct http_request *req, struct engine *eng);
void api_container_start(struct http_request *req, struct engine *eng);
void api_container_stop(struct http_request *req, struct engine *eng);
void api_container_restart(struct http_request *req, struct engine *eng);
void api_container_kill(struct http_request *req, struct engine *eng);
void api_container_wait(struct http_request *req, struct engine *eng);
void api_container_pause(struct http_request *req, struct engine *eng);
void api_container_update(struct http_request *req, struct engine *eng);
void api_container_unpause(struct http_request *req, struct engine *eng);
void api_container_delete(struct http_request *req, struct engine *eng);
void api_container_rename(struct http_request *req, struct engine *eng);
void api_container_top(struct http_request *req, struct engine *eng);
void api_container_logs(struct http_request *req, struct engine *eng);
void api_container_attach(struct http_request *req, struct engine *eng);
void api_container_resize(struct http_request *req, struct engine *eng);
void api_containers_prune(struct http_request *req, struct engine *eng);

struct container;
/* The container named by the path's {id}, a new reference; or a 404 reply and NULL. */
struct container *path_container(struct http_request *req, struct engine *eng);
