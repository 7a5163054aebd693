#include "strv.h"

#include <stdlib.h>
#include <string.h>

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

char **strv_copy(char *const *v)
{
	size_t n = strv_len(v);
	char **out;

	if (!v)
		return NULL;
	out = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		out[i] = strdup(v[i]);
	return out;
}

char **strv_push(char **v, const char *s)
{
	size_t n = strv_len(v);
	char **out = realloc(v, (n + 2) * sizeof(char *));
	out[n] = strdup(s);
	out[n + 1] = NULL;
	return out;
}

int strv_contains(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return 1;
	return 0;
}
