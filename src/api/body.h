#pragma once
/* Request bodies as file descriptors (image load and import, docker cp uploads). */
#include <pthread.h>
#include "../http/server.h"

struct body_pump {
	struct http_request *req;
	int fd;
	pthread_t thread;
};
/* Starts copying the request body into a socket; returns the reading end, -1 on error. */
int body_fd_start(struct http_request *req, struct body_pump *p);
/* Closes the reading end (a pump still sending drains the rest of the body) and waits. */
void body_fd_finish(struct body_pump *p, int fd);
