#pragma once
/* NULL-terminated string vectors. */
#include <stddef.h>

void strv_free(char **v);
size_t strv_len(char *const *v);
char **strv_copy(char *const *v);
/* Appends a copy of `s`; returns the (possibly moved) vector. */
char **strv_push(char **v, const char *s);
int strv_contains(char *const *v, const char *s);
