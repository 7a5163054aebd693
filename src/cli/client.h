#pragma once
/* A small HTTP/1.1 client over the daemon's unix socket: one connection per request
 * (Connection: close), Content-Length and chunked bodies, streaming reads and hijack. */
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

#define CLIENT_API_VERSION "1.51"

/* Where the daemon listens: -H, else DOCKER_HOST, else BERTH_HOST, else the default.
 * `host` is borrowed for the life of the process. */
void client_set_host(const char *host);
const char *client_host(void);

struct client_resp {
	int fd;
	int status;
	int chunked;
	long long left;  /* body bytes left (Content-Length), -1 when unknown */
	long long chunk; /* bytes left in the current chunk */
	int eof;
	char *ctype;     /* Content-Type, caller frees via client_resp_close */
	char *path_stat; /* X-Docker-Container-Path-Stat (base64 JSON), freed likewise */
	char buf[65536]; /* bytes read past the headers */
	size_t off, len;
};

/* Sends a request with an optional in-memory body (ctype NULL means none) and reads the
 * status line and headers. `path` is unversioned ("/containers/json?all=1").
 * Returns 0 and fills `r`, or -1 with a message on stderr already printed. */
int client_request(const char *method, const char *path, const char *ctype, const void *body,
                   size_t len, struct client_resp *r);
/* Same, streaming the body from `in_fd` with chunked encoding. */
int client_request_fd(const char *method, const char *path, const char *ctype, int in_fd,
                      struct client_resp *r);
/* Sends an attach-style request asking for Upgrade: tcp; on 101 (or 200) the raw stream
 * follows in r (read with client_read, write to r->fd). */
int client_hijack(const char *method, const char *path, const char *ctype, const void *body,
                  size_t len, struct client_resp *r);

/* Body bytes (chunked decoded): >0 read, 0 at end, -1 on error. */
ssize_t client_read(struct client_resp *r, void *buf, size_t n);
/* Whole remaining body, NUL-terminated; caller frees. */
char *client_read_all(struct client_resp *r, size_t *ret_len);
void client_resp_close(struct client_resp *r);

/* The daemon's {"message": ...} from an error response body (caller frees). */
char *client_error_message(struct client_resp *r);

/* JSON round trip: request with an optional JSON body, returns the decoded response (new
 * reference; json null for an empty body) when status < 400; otherwise NULL, *ret_status set
 * and *ret_msg the daemon's message (caller frees). Transport errors: status 0. */
json_t *client_json(const char *method, const char *path, json_t *body, int *ret_status,
                    char **ret_msg);

/* An X-Registry-Auth value sent with every following request (NULL: none). */
void client_set_registry_auth(const char *value);

/* client_json for commands: the daemon's error is printed as the docker CLI does
 * ("Error response from daemon: ..."). Returns a new reference or NULL. */
json_t *client_call(const char *method, const char *path, json_t *body);

/* Calls `fn` for each newline-delimited JSON value of a streamed body (events, stats,
 * progress) until the body ends or `fn` returns non-zero; returns that value, 0 at the end. */
int client_each_json(struct client_resp *r, int (*fn)(json_t *v, void *arg), void *arg);

/* client_request without a body for a streamed answer: 0 with the body to read from `r`, or
 * -1 after printing the error (the daemon's as docker does) with `r` closed. */
int client_open(const char *method, const char *path, struct client_resp *r);

/* Writes an archive from the daemon (save, export) to `output`, opened once the daemon has
 * answered so an error leaves no file, or to stdout when NULL (refused on a terminal, as
 * docker does). `what` starts the message when `output` cannot be opened. Returns 0, or 1
 * after printing the error. */
int client_download(const char *path, const char *output, const char *what);

/* Percent-encodes for a query value; caller frees. */
char *client_escape(const char *s);
