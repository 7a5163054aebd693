#pragma once
/* A client for one repository of a registry speaking the distribution API v2, on libcurl.
 *
 * Endpoints: docker.io is served by registry-1.docker.io (or the first registry mirror that
 * answers). HTTPS always comes first, verified against the system CAs plus
 * <certs_dir>/<host[:port]>/ca.crt, with client.cert/client.key when present; plain HTTP is
 * tried next only for insecure registries (insecure-registries, localhost, 127.0.0.0/8, ::1).
 * Auth follows the WWW-Authenticate challenge of a 401: Bearer (token endpoint with the
 * repository scope, with basic credentials or an identity token as refresh token), or Basic.
 *
 * A struct registry is shared by threads: each request uses its own curl handle. */
#include <stddef.h>
#include <stdint.h>
#include "../common/error.h"

struct registry_options {
	char **insecure;       /* "host:port" or CIDR ("10.0.0.0/8") */
	char **mirrors;        /* "https://mirror.example" (Docker Hub only) */
	const char *certs_dir; /* /etc/berth/certs.d */
};

/* X-Registry-Auth: base64url JSON {username, password, identitytoken, serveraddress}. */
struct registry_auth {
	char *username, *password, *identity_token, *server;
};
/* An absent or empty header gives empty credentials (anonymous). ERR_INVALID when garbled. */
int registry_auth_decode(const char *header, struct registry_auth *ret, eng_error_t *err);
void registry_auth_free(struct registry_auth *a);

struct registry;

/* Reaches the registry of `domain` ("docker.io", "localhost:5000") for repository `path`
 * ("library/busybox"); `push` asks for push as well as pull access. Fails when no endpoint
 * answers (ERR_UNAVAILABLE with the transport error). */
int registry_open(const struct registry_options *o, const char *domain, const char *path,
                  const struct registry_auth *auth, int push, struct registry **ret,
                  eng_error_t *err);
void registry_close(struct registry *r);
/* When the endpoint in use is a registry mirror, moves on to the next endpoint (the next
 * mirror, then the registry itself), as docker does when a mirror lacks an image: 1 when
 * it did, 0 when not on a mirror, -1 when no further endpoint answered. */
int registry_fallback(struct registry *r, eng_error_t *err);
/* "https://registry-1.docker.io" (borrowed). */
const char *registry_base_url(const struct registry *r);

/* The error code of the last failed registry answer ("MANIFEST_UNKNOWN", "UNAUTHORIZED",
 * "DENIED", ...), "" when the failure was not a registry error. Per thread. */
const char *registry_error_code(void);

/* A manifest by tag or digest, with every media type berth understands accepted. `body`
 * (caller frees) is capped at 4 MiB; `digest` is the SHA-256 of the body. */
int registry_get_manifest(struct registry *r, const char *reference, char **ret_body,
                          size_t *ret_len, char **ret_media_type, char ret_digest[72],
                          eng_error_t *err);

/* Receives blob bytes as they arrive; returns -1 to stop the transfer. */
typedef int (*registry_sink_fn)(void *ctx, const void *data, size_t len);
int registry_get_blob(struct registry *r, const char *digest, registry_sink_fn sink, void *ctx,
                      eng_error_t *err);
/* 1 (and the size) when the repository has the blob, 0 when not. */
int registry_blob_exists(struct registry *r, const char *digest, int64_t *ret_size,
                         eng_error_t *err);
/* Cross-repository mount from `from_path` of the same registry: 1 mounted, 0 when the
 * registry would rather have an upload (it then opened one, which is left to expire). */
int registry_blob_mount(struct registry *r, const char *digest, const char *from_path,
                        eng_error_t *err);
/* Uploads `size` bytes read from `fd` as blob `digest`; `sent` is called as bytes go out. */
typedef void (*registry_sent_fn)(void *ctx, int64_t sent, int64_t total);
int registry_blob_upload(struct registry *r, const char *digest, int fd, int64_t size,
                         registry_sent_fn sent, void *ctx, eng_error_t *err);
int registry_put_manifest(struct registry *r, const char *reference, const char *media_type,
                          const char *body, size_t len, eng_error_t *err);
/* The repository's tags (GET /v2/<name>/tags/list, following Link pages); strv. */
int registry_list_tags(struct registry *r, char ***ret, eng_error_t *err);

/* docker login: checks the credentials against the registry at `server` ("" or a Docker
 * Hub address for Docker Hub). *ret_identity_token gets a refresh token when the token
 * server hands one out, else NULL. ERR_FORBIDDEN-like failures are reported as
 * *ret_unauthorized = 1. */
int registry_login(const struct registry_options *o, const struct registry_auth *auth,
                   char **ret_identity_token, int *ret_unauthorized, eng_error_t *err);

/* Whether plain HTTP may be used for `domain` ("host[:port]"): localhost, 127.0.0.0/8,
 * ::1, and the insecure list (names or IPv4 CIDRs). */
int registry_insecure(const struct registry_options *o, const char *domain);
/* The value of `key` in a WWW-Authenticate challenge's key="value" list; caller frees. */
char *registry_challenge_param(const char *challenge, const char *key);

/* "docker.io" -> "registry-1.docker.io"-style host normalisation of a login server
 * address ("https://index.docker.io/v1/" -> "docker.io"); caller frees. */
char *registry_server_domain(const char *server);
