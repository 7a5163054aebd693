#include "error.h"

#include <stdio.h>
#include <string.h>

int eng_error_make(eng_error_t *err, int errnum, err_kind_t kind, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->errnum = errnum;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int eng_error_wrap(eng_error_t *err, const char *fmt, ...)
{
	char prefix[512], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	return -1;
}

int eng_error_status(const eng_error_t *err)
{
	switch (err->kind) {
	case ERR_INVALID:
		return 400;
	case ERR_NOT_FOUND:
		return 404;
	case ERR_CONFLICT:
		return 409;
	case ERR_FORBIDDEN:
		return 403;
	case ERR_NOT_MODIFIED:
		return 304;
	case ERR_UNAVAILABLE:
		return 503;
	case ERR_NOT_IMPLEMENTED:
		return 501;
	case ERR_INTERNAL:
	default:
		return 500;
	}
}
