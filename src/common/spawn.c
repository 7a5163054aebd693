#include "spawn.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

static void buf_append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = 0;
}

int spawn_run(char *const argv[], int stdin_fd, char **ret_out, char **ret_err, int *ret_status,
	      eng_error_t *err)
{
	int out[2] = {-1, -1}, errp[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	pid_t pid;
	int rc, status;

	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		rc = errno;
		if (out[0] >= 0) {
			close(out[0]);
			close(out[1]);
		}
		return eng_error_make(err, rc, ERR_INTERNAL, "pipe: %s", strerror(rc));
	}
	posix_spawn_file_actions_init(&fa);
	if (stdin_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	close(errp[1]);
	if (rc != 0) {
		close(out[0]);
		close(errp[0]);
		return eng_error_make(err, rc, ERR_INTERNAL, "running %s: %s", argv[0], strerror(rc));
	}
	struct pollfd pfd[2] = {{out[0], POLLIN, 0}, {errp[0], POLLIN, 0}};
	int open_fds = 2;
	while (open_fds > 0) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			char buf[8192];
			ssize_t n;
			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
				continue;
			}
			if (i == 0)
				buf_append(&obuf, &olen, buf, (size_t)n);
			else
				buf_append(&ebuf, &elen, buf, (size_t)n);
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!obuf)
		obuf = strdup("");
	if (!ebuf)
		ebuf = strdup("");
	if (ret_out)
		*ret_out = obuf;
	else
		free(obuf);
	if (ret_err)
		*ret_err = ebuf;
	else
		free(ebuf);
	if (ret_status)
		*ret_status = status;
	return 0;
}
