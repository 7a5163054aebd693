#pragma once
/* Errors as values: a function that can fail takes `eng_error_t *err` last,
 * returns -1 (or NULL) and fills `err`; on success it leaves `err` alone.
 * `kind` decides the HTTP status in api/; `msg` is what the user reads. */
#include <stdarg.h>

typedef enum {
	ERR_INVALID = 1,     /* 400 */
	ERR_NOT_FOUND,       /* 404 */
	ERR_CONFLICT,        /* 409 */
	ERR_FORBIDDEN,       /* 403 */
	ERR_NOT_MODIFIED,    /* 304 */
	ERR_UNAVAILABLE,     /* 503 */
	ERR_INTERNAL,        /* 500 */
	ERR_NOT_IMPLEMENTED, /* 501 */
} err_kind_t;

typedef struct {
	int errnum;
	err_kind_t kind;
	char msg[2048];
} eng_error_t;

/* Fills `err` (may be NULL); always returns -1. */
int eng_error_make(eng_error_t *err, int errnum, err_kind_t kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prefixes the message with "<context>: "; returns -1. */
int eng_error_wrap(eng_error_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* HTTP status for an error kind. */
int eng_error_status(const eng_error_t *err);
