#include "session.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "../common/cleanup.h"

static struct termios saved_tio;
static bool tio_saved;

static void restore_terminal(void)
{
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		tio_saved = false;
	}
}

static void raw_terminal(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return;
	tio_saved = true;
	atexit(restore_terminal);
	t = saved_tio;
	cfmakeraw(&t);
	t.c_oflag = saved_tio.c_oflag; /* keep output processing, as moby/term does */
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

/* POST without a body whose answer does not matter (resize, signal proxy). */
static void post_quietly(const char *path)
{
	struct client_resp r;

	if (client_request("POST", path, NULL, NULL, 0, &r) == 0)
		free(client_read_all(&r, NULL));
	client_resp_close(&r);
}

static void resize_tty(const struct session *s)
{
	struct winsize ws;
	_cleanup_free_ char *path = NULL;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
		return;
	if (asprintf(&path, "%s?h=%u&w=%u", s->resize_path, ws.ws_row, ws.ws_col) > 0)
		post_quietly(path);
}

static void forward_signal(const struct session *s, int sig)
{
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "/containers/%s/kill?signal=%d", s->signal_id, sig) > 0)
		post_quietly(path);
}

static int write_fd(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

void demux_feed(struct demux *d, const char *p, size_t n)
{
	if (d->tty) {
		write_fd(STDOUT_FILENO, p, n);
		return;
	}
	while (n) {
		if (d->left == 0) {
			size_t c = 8 - d->hlen < n ? 8 - d->hlen : n;
			memcpy(d->hdr + d->hlen, p, c);
			d->hlen += c;
			p += c;
			n -= c;
			if (d->hlen < 8)
				return;
			d->hlen = 0;
			d->out = d->hdr[0] == 2 ? STDERR_FILENO : STDOUT_FILENO;
			d->left =
			    (size_t)d->hdr[4] << 24 | d->hdr[5] << 16 | d->hdr[6] << 8 | d->hdr[7];
			continue;
		}
		size_t c = d->left < n ? d->left : n;
		write_fd(d->out, p, c);
		p += c;
		n -= c;
		d->left -= c;
	}
}

int session_set_detach_keys(struct session *s, const char *spec)
{
	/* moby/term's table: the index is the byte */
	static const char *const ctrl[] = {
	    "ctrl-@", "ctrl-a", "ctrl-b", "ctrl-c", "ctrl-d", "ctrl-e", "ctrl-f", "ctrl-g",
	    "ctrl-h", "ctrl-i", "ctrl-j", "ctrl-k", "ctrl-l", "ctrl-m", "ctrl-n", "ctrl-o",
	    "ctrl-p", "ctrl-q", "ctrl-r", "ctrl-s", "ctrl-t", "ctrl-u", "ctrl-v", "ctrl-w",
	    "ctrl-x", "ctrl-y", "ctrl-z", "ctrl-[", "ctrl-\\", "ctrl-]", "ctrl-^", "ctrl-_"};
	_cleanup_free_ char *copy = strdup(spec && *spec ? spec : "ctrl-p,ctrl-q");
	char *p = copy, *key;

	s->nkeys = 0;
	while ((key = strsep(&p, ","))) {
		size_t i = 0;
		if (s->nkeys == sizeof(s->keys))
			return -1;
		if (strlen(key) == 1) {
			s->keys[s->nkeys++] = key[0];
			continue;
		}
		while (i < sizeof(ctrl) / sizeof(ctrl[0]) && strcasecmp(key, ctrl[i]))
			i++;
		if (i == sizeof(ctrl) / sizeof(ctrl[0]))
			return -1;
		s->keys[s->nkeys++] = (char)i;
	}
	return 0;
}

/* The docker CLI watches for the detach keys on a TTY session too (term.NewEscapeProxy), so
 * a partial sequence is held back. Writes what is not part of the sequence; returns 1 when
 * the sequence is complete. */
static int filter_detach(struct session *s, const char *buf, size_t n)
{
	char out[sizeof(s->keys) + 32768];
	size_t o = 0;

	if (!s->nkeys)
		session_set_detach_keys(s, NULL);
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == s->keys[s->esc]) {
			if (++s->esc == s->nkeys)
				return 1;
			continue;
		}
		memcpy(out + o, s->keys, s->esc); /* a partial match was ordinary input */
		o += s->esc;
		s->esc = 0;
		out[o++] = buf[i];
		if (o >= 32768) {
			write_fd(s->conn.fd, out, o);
			o = 0;
		}
	}
	if (o)
		write_fd(s->conn.fd, out, o);
	return 0;
}

/* Copies stdin to the connection and its output to ours until the output ends; returns 1
 * when the user detached. */
static int pump(struct session *s)
{
	int detached = 0;
	struct demux d = {.tty = s->tty};
	char buf[32768];
	sigset_t mask;
	int sfd = -1;
	bool in_open = s->in;

	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	if (s->signal_id && !s->tty) {
		static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaddset(&mask, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);

	/* bytes already buffered after the 101 response */
	if (s->conn.off < s->conn.len)
		demux_feed(&d, s->conn.buf + s->conn.off, s->conn.len - s->conn.off);
	s->conn.off = s->conn.len;
	for (;;) {
		struct pollfd p[3] = {{.fd = s->conn.fd, .events = POLLIN},
		                      {.fd = sfd, .events = POLLIN},
		                      {.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN}};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH) {
					if (s->tty)
						resize_tty(s);
				} else
					forward_signal(s, si.ssi_signo);
			}
		}
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				in_open = false;
				shutdown(s->conn.fd, SHUT_WR);
			} else if (s->tty) {
				if ((detached = filter_detach(s, buf, n)))
					break;
			} else if (write_fd(s->conn.fd, buf, n) < 0)
				in_open = false;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(s->conn.fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			demux_feed(&d, buf, n);
		}
	}
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	return detached;
}

int session_run(struct session *s)
{
	int detached;

	if (s->tty && s->in && isatty(STDIN_FILENO))
		raw_terminal();
	if (s->tty && isatty(STDOUT_FILENO))
		resize_tty(s);
	detached = pump(s);
	restore_terminal();
	client_resp_close(&s->conn);
	return detached;
}
