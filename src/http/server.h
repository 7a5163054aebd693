#pragma once
/* HTTP/1.1 server for the Engine API: one thread per connection, keep-alive, chunked
 * request and response bodies, and hijacking for attach. See docs/decisions.md for why
 * threads rather than an event loop. Knows nothing about containers. */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "../common/error.h"

#define HTTP_MAX_PARAMS 4

struct http_request;
typedef void (*http_handler_fn)(struct http_request *req, void *ctx);

struct http_request {
	int fd;
	char method[16];
	char *path;            /* decoded, version prefix removed: "/containers/x/json" */
	char *query;           /* raw query string without '?', may be "" */
	char api_version[16];  /* "1.51", or "" when the path had no version */
	char *params[HTTP_MAX_PARAMS]; /* {name} captures filled by the router, borrowed */
	/* internal */
	struct http_conn *conn;
	char **hdr_names, **hdr_values;
	size_t nhdr;
	char **owned;          /* decoded query values handed out as borrowed */
	int64_t body_left;     /* bytes left of a Content-Length body, -1 when chunked */
	int body_chunked, body_done, chunk_eof;
	int64_t chunk_left;
	int responded, streaming, hijacked, keep_alive;
	char *reply_headers;   /* "Name: value\r\n" lines added to the reply (http_reply_header) */
};

/* Request accessors. Values are borrowed while the request lives. */
const char *http_header(const struct http_request *req, const char *name);
/* Decoded query value, NULL when absent. */
const char *http_query(const struct http_request *req, const char *key);
/* Every decoded value of a repeated key; caller frees with strv_free. */
char **http_query_all(const struct http_request *req, const char *key);
/* docker's boolean query values: "1", "true", "True", ... ; `def` when absent or "". */
int http_query_bool(const struct http_request *req, const char *key, int def);
long long http_query_int(const struct http_request *req, const char *key, long long def);

/* Reads body bytes (Content-Length or chunked). Returns bytes read, 0 at end, -1 on error. */
ssize_t http_body_read(struct http_request *req, void *buf, size_t len);
/* Reads the whole body as JSON. Empty body: *ret = NULL and 0. Malformed JSON: -1, ERR_INVALID. */
int http_body_json(struct http_request *req, json_t **ret, eng_error_t *err);
/* Reads and drops the rest of the body (before replying on a keep-alive connection). */
void http_body_discard(struct http_request *req);

/* Adds a header line to the reply this request will get (before the reply is sent). */
void http_reply_header(struct http_request *req, const char *name, const char *value);

/* Replies. Exactly one reply per request. */
void http_reply(struct http_request *req, int status, const char *content_type, const void *body,
		size_t len);
void http_reply_json(struct http_request *req, int status, json_t *body /* stolen */);
void http_reply_error(struct http_request *req, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void http_reply_err(struct http_request *req, const eng_error_t *err);
void http_reply_empty(struct http_request *req, int status);

/* Chunked streaming response: begin, write chunks, end. write returns -1 once the client is gone. */
int http_stream_begin(struct http_request *req, int status, const char *content_type);
int http_stream_write(struct http_request *req, const void *data, size_t len);
/* A JSON object followed by "\n" as one chunk (progress and event streams). */
int http_stream_json(struct http_request *req, json_t *obj /* stolen */);
void http_stream_end(struct http_request *req);

/* Hijack for attach: writes "101 UPGRADED" (Upgrade: tcp) or "200 OK", with the given
 * content type, and returns the raw connection fd, which the caller now owns. Bytes the
 * client sent after the headers and that were already buffered are returned in
 * *ret_pending and *ret_npending (caller frees). -1 on error. */
int http_hijack(struct http_request *req, const char *content_type, char **ret_pending,
		size_t *ret_npending);

/* Writes all of buf to fd (EINTR, short writes, MSG_NOSIGNAL on sockets). */
int write_all(int fd, const void *buf, size_t len);

/* Server. `handler` is called on the connection's thread for each request. */
struct http_server;
struct http_server *http_server_new(http_handler_fn handler, void *ctx);
/* Listens on a unix socket path (removed first if stale), mode 0660. */
int http_server_listen_unix(struct http_server *s, const char *path, eng_error_t *err);
/* Serves until http_server_stop(); returns after the listeners are closed. */
void http_server_run(struct http_server *s);
void http_server_stop(struct http_server *s);
void http_server_free(struct http_server *s);

/* Status reason phrase ("Not Found"). */
const char *http_reason(int status);
