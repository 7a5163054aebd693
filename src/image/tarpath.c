#include "tarpath.h"

#include <stdlib.h>
#include <string.h>

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

/* Appends component s[0..n) to the normalised path being built in out (len *olen),
 * popping on ".." when `allow_up`; -1 when ".." would leave the root or is refused. */
static int push_component(char *out, size_t *olen, const char *s, size_t n, int allow_up)
{
	if (n == 0 || (n == 1 && s[0] == '.'))
		return 0;
	if (n == 2 && s[0] == '.' && s[1] == '.') {
		char *slash;
		if (!allow_up || *olen == 0)
			return -1;
		out[*olen] = 0;
		slash = strrchr(out, '/');
		*olen = slash ? (size_t)(slash - out) : 0;
		out[*olen] = 0;
		return 0;
	}
	if (*olen)
		out[(*olen)++] = '/';
	memcpy(out + *olen, s, n);
	*olen += n;
	out[*olen] = 0;
	return 0;
}

static int normalise(const char *prefix, const char *name, int allow_up, char **ret)
{
	size_t cap = (prefix ? strlen(prefix) : 0) + strlen(name) + 2, olen = 0;
	char *out = malloc(cap);
	const char *parts[2] = {prefix, name};

	if (!out)
		abort();
	out[0] = 0;
	for (int k = 0; k < 2; k++) {
		const char *s = parts[k];
		while (s && *s) {
			const char *slash = strchr(s, '/');
			size_t n = slash ? (size_t)(slash - s) : strlen(s);
			if (push_component(out, &olen, s, n, allow_up) < 0) {
				free(out);
				return -1;
			}
			s = slash ? slash + 1 : s + n;
		}
	}
	*ret = out;
	return 0;
}

int tarpath_clean(const char *name, char **ret)
{
	if (!name || name[0] == '/')
		return -1;
	return normalise(NULL, name, 0, ret);
}

int tarpath_resolve_link(const char *link, const char *target, char **ret)
{
	char *dir = NULL, *slash;
	int rc;

	if (!target || !*target)
		return -1;
	if (target[0] == '/')
		return normalise(NULL, target, 1, ret);
	if (normalise(NULL, link, 0, &dir) < 0)
		return -1;
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		dir[0] = 0;
	rc = normalise(dir, target, 1, ret);
	free(dir);
	return rc;
}

int tarpath_whiteout(const char *clean, char **ret_target)
{
	const char *base = strrchr(clean, '/');
	size_t dirlen = base ? (size_t)(base - clean) : 0;
	char *out;

	base = base ? base + 1 : clean;
	if (strncmp(base, WH_PREFIX, strlen(WH_PREFIX)))
		return TARPATH_PLAIN;
	if (!strcmp(base, WH_OPAQUE)) {
		out = strndup(clean, dirlen);
		*ret_target = out;
		return TARPATH_OPAQUE;
	}
	base += strlen(WH_PREFIX);
	if (!strncmp(base, WH_PREFIX, strlen(WH_PREFIX)))
		return TARPATH_SKIP;
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return -1;
	out = malloc(dirlen + strlen(base) + 2);
	if (!out)
		abort();
	if (dirlen) {
		memcpy(out, clean, dirlen);
		out[dirlen] = '/';
		strcpy(out + dirlen + 1, base);
	} else {
		strcpy(out, base);
	}
	*ret_target = out;
	return TARPATH_WHITEOUT;
}
