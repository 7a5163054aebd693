#pragma once
/* SHA-256 over OpenSSL's libcrypto. Digests print as "sha256:<64 hex>". */
#include <stddef.h>
#include "error.h"

typedef struct sha256_ctx sha256_ctx;

sha256_ctx *sha256_new(void);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
/* Writes 64 hex chars + NUL into `hex` and frees the context. */
void sha256_final_hex(sha256_ctx *c, char hex[65]);
void sha256_hex(const void *data, size_t len, char hex[65]);
/* Hash of a whole file; -1 with err on I/O failure. */
int sha256_file_hex(const char *path, char hex[65], eng_error_t *err);
/* True when `s` is "sha256:" followed by 64 lowercase hex chars. */
int digest_valid(const char *s);
/* Standard base64 with padding (Go's base64.StdEncoding); caller frees. */
char *base64_encode(const void *data, size_t len);
