/* Request bodies as file descriptors: a thread copies the HTTP body into a socketpair, so
 * chunked uploads of any size stream to a reader (the image store, berth-untar) without
 * touching memory or disk here. */
#include "body.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

static void *body_pump(void *arg)
{
	struct body_pump *p = arg;
	char buf[64 * 1024];
	ssize_t n;

	while ((n = http_body_read(p->req, buf, sizeof(buf))) > 0) {
		const char *q = buf;
		while (n > 0) {
			ssize_t w = send(p->fd, q, (size_t)n, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				/* the reader gave up: drop the rest so the connection stays usable
				 */
				http_body_discard(p->req);
				goto out;
			}
			q += w;
			n -= w;
		}
	}
out:
	close(p->fd);
	return NULL;
}

/* Starts copying the request body into a socket; returns the reading end, -1 on error. */
int body_fd_start(struct http_request *req, struct body_pump *p)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	p->req = req;
	p->fd = sv[1];
	if (pthread_create(&p->thread, NULL, body_pump, p) != 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	return sv[0];
}

void body_fd_finish(struct body_pump *p, int fd)
{
	close(fd); /* a pump still sending gets EPIPE and drains the body */
	pthread_join(p->thread, NULL);
}
