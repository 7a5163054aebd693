#pragma once
/* A container's files: docker cp (archive), export, diff (changes) and commit. */
#include "../http/server.h"

struct engine;

void api_container_archive_head(struct http_request *req, struct engine *eng); /* HEAD /containers/{id}/archive */
void api_container_archive_get(struct http_request *req, struct engine *eng);  /* GET /containers/{id}/archive */
void api_container_archive_put(struct http_request *req, struct engine *eng);  /* PUT /containers/{id}/archive */
void api_container_export(struct http_request *req, struct engine *eng);       /* GET /containers/{id}/export */
void api_container_changes(struct http_request *req, struct engine *eng);      /* GET /containers/{id}/changes */
void api_commit(struct http_request *req, struct engine *eng);                 /* POST /commit */
