#pragma once
/* The attached terminal/stream session shared by run, start, attach and exec: raw terminal
 * for a TTY, stdin copied to the hijacked connection, its output (docker's 8-byte framed
 * stream without a TTY) demultiplexed to stdout/stderr, resize on SIGWINCH, signal proxy,
 * the client side of the detach keys. */
#include <stdbool.h>
#include <stddef.h>

#include "client.h"

struct session {
	char resize_path[160];   /* "/containers/ID/resize" or "/exec/ID/resize" */
	const char *signal_id;   /* container to proxy signals to, NULL for none; borrowed */
	bool tty, in;
	char keys[16]; /* detach sequence */
	size_t nkeys, esc;
	struct client_resp conn; /* the hijacked connection, closed by session_run */
};

/* docker's detach-key syntax ("ctrl-p,ctrl-q", "a,ctrl-@"); NULL means the default.
 * Returns -1 for an unknown key. */
int session_set_detach_keys(struct session *s, const char *spec);

/* Pumps the streams until the output ends, restoring the terminal afterwards; returns 1
 * when the user detached. */
int session_run(struct session *s);

/* Splits docker's framed stream (stream type, 3 zero bytes, big-endian length) written by
 * logs and attach into stdout and stderr; a TTY's raw stream goes to stdout as it is. */
struct demux {
	bool tty;
	unsigned char hdr[8];
	size_t hlen, left;
	int out;
};
void demux_feed(struct demux *d, const char *p, size_t n);
