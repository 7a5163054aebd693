#include "loop.h"
#include "jsonlog.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define MAX_CTL 8
/* A client that falls this far behind is dropped: output must not wait for it. */
#define CLIENT_BUF_MAX (1u << 20)
#define DRAIN_MS 1000
#define DETACH_MAX 32

struct client {
	int fd;
	unsigned flags;
	int rd_open; /* still reading from it (stdin or EOF detection) */
	char *buf;   /* output not yet accepted by the client */
	size_t len, cap;
	/* a TTY client with stdin detaches with this sequence; kpos bytes of it are held */
	unsigned char keys[DETACH_MAX];
	size_t nkeys, kpos;
	int detached; /* gets what it has buffered, nothing new, then is dropped */
};

struct ctl {
	int fd;
	int passed_fd;
	size_t len;
	char buf[128];
};

static struct client clients[MAX_CLIENTS];
static int nclients;
static struct ctl ctls[MAX_CTL];
static int nctls;

static struct {
	struct loop_config c;
	int out_open, err_open;
	int stdin_close_pending;
	pid_t init_pid;
	int init_status, init_done;
	size_t inlen, inoff;
	int started;
} S;

/* a whole pipe buffer (64 KiB) per read: fewer wakeups and log writes when output floods */
static char rbuf[65536];
static char inbuf[16384];

void loop_add_client(int fd, unsigned flags, const char *hex_keys)
{
	struct client *cl;
	size_t n = 0;

	if (nclients >= MAX_CLIENTS) {
		util_diag("too many clients, refusing one");
		close(fd);
		return;
	}
	util_set_nonblock(fd);
	cl = &clients[nclients++];
	*cl = (struct client){.fd = fd, .flags = flags, .rd_open = 1};
	for (unsigned v; hex_keys && n < DETACH_MAX && sscanf(hex_keys + 2 * n, "%2x", &v) == 1;)
		cl->keys[n++] = (unsigned char)v;
	if (n == 0) {
		/* docker's default: ctrl-p ctrl-q */
		cl->keys[n++] = 16;
		cl->keys[n++] = 17;
	}
	cl->nkeys = n;
}

static void close_stdin(void)
{
	/* dockerd never ends a TTY's input for StdinOnce: the master carries the output too,
	 * and a later attach (after a detach) types into the same terminal */
	if (!S.started || S.c.in_fd < 0 || S.c.tty)
		return;
	if (S.inlen > S.inoff) {
		S.stdin_close_pending = 1;
		return;
	}
	close(S.c.in_fd);
	S.c.in_fd = -1;
	S.inlen = S.inoff = 0;
	S.stdin_close_pending = 0;
}

static void drop_client(int i)
{
	struct client *cl = &clients[i];

	if ((cl->flags & LOOP_STDIN) && cl->rd_open && S.c.stdin_once)
		close_stdin();
	close(cl->fd);
	free(cl->buf);
	clients[i] = clients[--nclients];
}

/* Returns -1 when the client must be dropped. */
static int client_push(struct client *cl, const char *a, size_t alen, const char *b, size_t blen)
{
	size_t total = alen + blen, off = 0;

	if (cl->len == 0) {
		struct iovec iov[2] = {{(void *)a, alen}, {(void *)b, blen}};
		ssize_t n = writev(cl->fd, iov, 2);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		off = n > 0 ? (size_t)n : 0;
		if (off == total)
			return 0;
	}
	if (cl->len + total - off > CLIENT_BUF_MAX)
		return -1;
	if (cl->len + total - off > cl->cap) {
		size_t cap = cl->cap ? cl->cap : 16384;
		while (cap < cl->len + total - off)
			cap *= 2;
		char *nb = realloc(cl->buf, cap);
		if (!nb)
			return -1;
		cl->buf = nb;
		cl->cap = cap;
	}
	if (off < alen) {
		memcpy(cl->buf + cl->len, a + off, alen - off);
		cl->len += alen - off;
		off = alen;
	}
	memcpy(cl->buf + cl->len, b + (off - alen), total - off);
	cl->len += total - off;
	return 0;
}

static int client_flush(struct client *cl)
{
	ssize_t n = write(cl->fd, cl->buf, cl->len);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	memmove(cl->buf, cl->buf + n, cl->len - (size_t)n);
	cl->len -= (size_t)n;
	if (cl->len == 0 && cl->cap > 65536) {
		free(cl->buf);
		cl->buf = NULL;
		cl->cap = 0;
	}
	return 0;
}

static void broadcast(int stream, const char *data, size_t len)
{
	unsigned want = stream == JSONLOG_STDERR ? LOOP_STDERR : LOOP_STDOUT;
	char hdr[8] = {(char)stream,     0,        0, 0, (char)(len >> 24), (char)(len >> 16),
	               (char)(len >> 8), (char)len};

	for (int i = 0; i < nclients;) {
		struct client *cl = &clients[i];
		int rc = 0;
		if (cl->detached) {
			i++;
			continue;
		}
		if (S.c.tty) {
			if (cl->flags & (LOOP_STDOUT | LOOP_STDERR))
				rc = client_push(cl, NULL, 0, data, len);
		} else if (cl->flags & want) {
			rc = client_push(cl, hdr, sizeof(hdr), data, len);
		}
		if (rc < 0)
			drop_client(i);
		else
			i++;
	}
}

/* Returns 0 at EOF. */
static int read_output(int fd, int stream)
{
	ssize_t n = read(fd, rbuf, sizeof(rbuf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n <= 0) {
		/* EIO: the PTY's last slave end is closed */
		jsonlog_flush(stream);
		return 0;
	}
	jsonlog_data(stream, rbuf, (size_t)n);
	broadcast(stream, rbuf, (size_t)n);
	return 1;
}

static void write_stdin(void)
{
	while (S.inoff < S.inlen) {
		ssize_t n = write(S.c.in_fd, inbuf + S.inoff, S.inlen - S.inoff);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			/* the container closed its stdin: nothing more can go there */
			S.inlen = S.inoff = 0;
			S.stdin_close_pending = 0;
			if (!S.c.tty)
				close(S.c.in_fd);
			S.c.in_fd = -1;
			return;
		}
		S.inoff += (size_t)n;
	}
	S.inlen = S.inoff = 0;
	if (S.stdin_close_pending)
		close_stdin();
}

/* moby's escapeProxy: copies the client's stdin into inbuf without the detach sequence.
 * Bytes of a partial match are held back and sent on when the sequence breaks. Returns 1
 * when the whole sequence was read (*outlen: the bytes before it). */
static int filter_detach(struct client *cl, const char *in, size_t n, size_t *outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (cl->kpos > 0 && ch != cl->keys[cl->kpos]) {
			memcpy(inbuf + o, cl->keys, cl->kpos);
			o += cl->kpos;
			cl->kpos = 0;
		}
		if (ch == cl->keys[cl->kpos]) {
			if (++cl->kpos == cl->nkeys) {
				*outlen = o;
				return 1;
			}
			continue;
		}
		inbuf[o++] = (char)ch;
	}
	*outlen = o;
	return 0;
}

/* Returns -1 when the client must be dropped. */
static int read_client(struct client *cl)
{
	int escape = S.c.tty && (cl->flags & LOOP_STDIN);
	/* room for the held bytes of a partial sequence: rbuf is free outside read_output */
	ssize_t n = read(cl->fd, escape ? rbuf : inbuf, sizeof(inbuf) - (escape ? DETACH_MAX : 0));
	int detach = 0;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0)
		return -1;
	if (n == 0) {
		/* a half-close: the client still reads output */
		int had_stdin = (cl->flags & LOOP_STDIN) && S.c.in_fd >= 0;
		cl->rd_open = 0;
		if (had_stdin && S.c.stdin_once)
			close_stdin();
		return 0;
	}
	if (escape) {
		size_t len;
		detach = filter_detach(cl, rbuf, (size_t)n, &len);
		n = (ssize_t)len;
	}
	if ((cl->flags & LOOP_STDIN) && S.c.in_fd >= 0 && n > 0) {
		S.inlen = (size_t)n;
		S.inoff = 0;
		write_stdin();
	}
	if (!detach)
		return 0;
	/* as dockerd: the client's stream ends, the container keeps running and its stdin
	 * stays open (rd_open = 0: dropping it is no end of stdin, even with StdinOnce) */
	cl->rd_open = 0;
	cl->detached = 1;
	return cl->len ? 0 : -1;
}

static void ctl_reply(struct ctl *c, const char *msg)
{
	(void)!send(c->fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void ctl_command(struct ctl *c)
{
	unsigned a, b;
	char hex[2 * DETACH_MAX + 1] = "";

	if (sscanf(c->buf, "attach %u %64[0-9a-f]", &a, hex) >= 1) {
		if (c->passed_fd < 0) {
			ctl_reply(c, "error no file descriptor passed\n");
			return;
		}
		loop_add_client(c->passed_fd, a, hex);
		c->passed_fd = -1;
		ctl_reply(c, "ok\n");
	} else if (sscanf(c->buf, "resize %u %u", &a, &b) == 2) {
		struct winsize ws = {.ws_row = (unsigned short)a, .ws_col = (unsigned short)b};
		char msg[160];
		if (!S.c.tty || S.c.out_fd < 0) {
			ctl_reply(c, "error the container has no tty\n");
		} else if (ioctl(S.c.out_fd, TIOCSWINSZ, &ws) < 0) {
			snprintf(msg, sizeof(msg), "error resizing the tty: %s\n", strerror(errno));
			ctl_reply(c, msg);
		} else {
			ctl_reply(c, "ok\n");
		}
	} else {
		ctl_reply(c, "error unknown command\n");
	}
}

static void drop_ctl(int i)
{
	close(ctls[i].fd);
	if (ctls[i].passed_fd >= 0)
		close(ctls[i].passed_fd);
	ctls[i] = ctls[--nctls];
}

/* Returns 1 when the connection is done. */
static int read_ctl(struct ctl *c)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = {c->buf + c->len, sizeof(c->buf) - 1 - c->len};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : 1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fds[4];
		memcpy(fds, CMSG_DATA(cm), nfd * sizeof(int));
		for (size_t k = 0; k < nfd; k++) {
			if (c->passed_fd < 0)
				c->passed_fd = fds[k];
			else
				close(fds[k]);
		}
	}
	if (n == 0)
		return 1;
	c->len += (size_t)n;
	c->buf[c->len] = 0;
	if (!memchr(c->buf, '\n', c->len))
		return c->len >= sizeof(c->buf) - 1;
	ctl_command(c);
	return 1;
}

static void accept_ctl(void)
{
	int fd = accept4(S.c.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (nctls >= MAX_CTL) {
		close(fd);
		return;
	}
	ctls[nctls++] = (struct ctl){.fd = fd, .passed_fd = -1};
}

void loop_reap(void)
{
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p <= 0) {
			if (p < 0 && errno == EINTR)
				continue;
			return;
		}
		if (p == S.init_pid && !S.init_done) {
			S.init_done = 1;
			S.init_status = st;
		}
	}
}

static void drain_signals(void)
{
	struct signalfd_siginfo si[4];

	while (read(S.c.sig_fd, si, sizeof(si)) > 0)
		;
	loop_reap();
}

enum { P_SIG, P_LISTEN, P_OUT, P_ERR, P_IN, P_FIXED };

int loop_run(const struct loop_config *cfg)
{
	struct pollfd pfd[P_FIXED + MAX_CTL + MAX_CLIENTS];
	int64_t deadline = -1;

	S.c = *cfg;
	S.started = 1;
	S.init_pid = cfg->init_pid;
	S.out_open = cfg->out_fd >= 0;
	S.err_open = cfg->err_fd >= 0;
	util_set_nonblock(S.c.sig_fd);
	if (S.c.out_fd >= 0)
		util_set_nonblock(S.c.out_fd);
	if (S.c.err_fd >= 0)
		util_set_nonblock(S.c.err_fd);
	if (S.c.in_fd >= 0)
		util_set_nonblock(S.c.in_fd);
	loop_reap();

	for (;;) {
		if (S.init_done) {
			if (deadline < 0)
				deadline = util_mono_ms() + DRAIN_MS;
			if ((!S.out_open && !S.err_open) || util_mono_ms() >= deadline)
				break;
		}
		pfd[P_SIG] = (struct pollfd){S.c.sig_fd, POLLIN, 0};
		pfd[P_LISTEN] = (struct pollfd){S.c.listen_fd, POLLIN, 0};
		pfd[P_OUT] = (struct pollfd){S.out_open ? S.c.out_fd : -1, POLLIN, 0};
		pfd[P_ERR] = (struct pollfd){S.err_open ? S.c.err_fd : -1, POLLIN, 0};
		/* the PTY master is polled for output already; stdin waits for POLLOUT only when
		 * something is pending */
		pfd[P_IN] = (struct pollfd){S.inlen > S.inoff ? S.c.in_fd : -1, POLLOUT, 0};
		for (int i = 0; i < nctls; i++)
			pfd[P_FIXED + i] = (struct pollfd){ctls[i].fd, POLLIN, 0};
		int base = P_FIXED + nctls, nc = nclients;
		for (int i = 0; i < nc; i++) {
			struct client *cl = &clients[i];
			short ev = 0;
			/* stdin is read only when the previous chunk went out: backpressure */
			if (cl->rd_open && !((cl->flags & LOOP_STDIN) && S.inlen > S.inoff))
				ev |= POLLIN;
			if (cl->len)
				ev |= POLLOUT;
			pfd[base + i] = (struct pollfd){cl->fd, ev, 0};
		}
		int timeout = deadline < 0 ? -1 : (int)(deadline - util_mono_ms());
		if (timeout < -1)
			timeout = 0;
		if (poll(pfd, (nfds_t)(base + nc), timeout) < 0) {
			if (errno == EINTR)
				continue;
			util_diag("poll: %m");
			break;
		}
		if (pfd[P_SIG].revents)
			drain_signals();
		if (pfd[P_OUT].revents && !read_output(S.c.out_fd, JSONLOG_STDOUT)) {
			S.out_open = 0;
			if (!S.c.tty)
				close(S.c.out_fd);
		}
		if (pfd[P_ERR].revents && !read_output(S.c.err_fd, JSONLOG_STDERR)) {
			S.err_open = 0;
			close(S.c.err_fd);
		}
		if (pfd[P_IN].revents && S.c.in_fd >= 0)
			write_stdin();
		/* clients: walk backwards so dropping (swap with last) keeps indices valid;
		 * clients added during this round are beyond nc and not in pfd */
		for (int i = nc - 1; i >= 0; i--) {
			short re = pfd[base + i].revents;
			int drop = 0;
			if (!re)
				continue;
			if (re & POLLOUT)
				drop = client_flush(&clients[i]) < 0 ||
				       (clients[i].detached && !clients[i].len);
			if (!drop && (re & POLLIN))
				drop = read_client(&clients[i]) < 0;
			if (!drop && (re & (POLLERR | POLLNVAL)))
				drop = 1;
			if (!drop && (re & POLLHUP) && !(re & POLLIN))
				drop = 1;
			if (drop)
				drop_client(i);
		}
		for (int i = nctls - 1; i >= 0; i--)
			if (pfd[P_FIXED + i].revents && read_ctl(&ctls[i]))
				drop_ctl(i);
		if (pfd[P_LISTEN].revents)
			accept_ctl();
	}
	if (S.out_open) {
		jsonlog_flush(JSONLOG_STDOUT);
		if (!S.c.tty)
			close(S.c.out_fd);
	}
	if (S.err_open) {
		jsonlog_flush(JSONLOG_STDERR);
		close(S.c.err_fd);
	}
	S.out_open = S.err_open = 0;
	while (nctls > 0)
		drop_ctl(nctls - 1);
	return S.init_status;
}

/* Closing a unix socket whose receive queue still holds bytes (a terminal's last
 * keystrokes) resets the connection, and the client may lose output it has not read yet.
 * So: half-close, read and drop what the client still sends until it closes too, then
 * close — bounded by `deadline`. */
static void linger_close_clients(int64_t deadline)
{
	for (int i = 0; i < nclients; i++)
		shutdown(clients[i].fd, SHUT_WR);
	while (nclients > 0) {
		struct pollfd pfd[MAX_CLIENTS];
		int64_t left = deadline - util_mono_ms();
		for (int i = 0; i < nclients; i++)
			pfd[i] = (struct pollfd){clients[i].fd, POLLIN, 0};
		if (left <= 0 || poll(pfd, (nfds_t)nclients, (int)left) <= 0)
			break;
		for (int i = nclients - 1; i >= 0; i--) {
			char junk[4096];
			if (!pfd[i].revents)
				continue;
			if (read(clients[i].fd, junk, sizeof(junk)) <= 0)
				drop_client(i);
		}
	}
	while (nclients > 0)
		drop_client(nclients - 1);
}

void loop_close_clients(void)
{
	int64_t deadline = util_mono_ms() + 2000;

	for (;;) {
		struct pollfd pfd[MAX_CLIENTS];
		int n = 0;
		for (int i = 0; i < nclients; i++) {
			pfd[i] = (struct pollfd){clients[i].len ? clients[i].fd : -1, POLLOUT, 0};
			n += clients[i].len > 0;
		}
		int64_t left = deadline - util_mono_ms();
		if (n == 0 || left <= 0 || poll(pfd, (nfds_t)nclients, (int)left) <= 0)
			break;
		for (int i = nclients - 1; i >= 0; i--)
			if ((pfd[i].revents & POLLOUT) && client_flush(&clients[i]) < 0)
				drop_client(i);
			else if (pfd[i].revents & (POLLERR | POLLHUP))
				drop_client(i);
	}
	/* short: the shim's exit (and so the container's) waits for it */
	linger_close_clients(util_mono_ms() + 250);
	if (!S.started)
		return;
	if (S.c.tty && S.c.out_fd >= 0)
		close(S.c.out_fd);
	else if (S.c.in_fd >= 0)
		close(S.c.in_fd);
}
