/* Docker references, after github.com/distribution/reference: the grammar is small enough
 * to check by hand, which keeps the messages exactly docker's. */
#include "reference.h"
#include "../common/cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_TOTAL_MAX 255

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_alnum(char c)
{
	return isascii((unsigned char)c) && isalnum((unsigned char)c);
}

/* [a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)* over s[0..n) */
static int path_component_valid(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return 0;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		/* a separator run: ".", "_", "__" or any number of "-" */
		size_t j = i;
		if (s[i] == '.') {
			j++;
		} else if (s[i] == '_') {
			j++;
			if (j < n && s[j] == '_')
				j++;
		} else if (s[i] == '-') {
			while (j < n && s[j] == '-')
				j++;
		} else {
			return 0;
		}
		if (j >= n || !is_lower_alnum(s[j]))
			return 0;
		i = j;
	}
	return 1;
}

/* host[:port], host = label(.label)*, label = [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])? */
static int domain_valid(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t hn = colon ? (size_t)(colon - s) : n;
	size_t i = 0;

	if (hn == 0)
		return 0;
	while (i < hn) {
		size_t j = i;
		while (j < hn && s[j] != '.')
			j++;
		if (j == i || !is_alnum(s[i]) || !is_alnum(s[j - 1]))
			return 0;
		for (size_t k = i; k < j; k++)
			if (!is_alnum(s[k]) && s[k] != '-')
				return 0;
		if (j < hn && j + 1 == hn)
			return 0; /* trailing dot */
		i = j + 1;
	}
	if (colon) {
		if (colon + 1 == s + n)
			return 0;
		for (const char *p = colon + 1; p < s + n; p++)
			if (!isdigit((unsigned char)*p))
				return 0;
	}
	return 1;
}

int ref_tag_valid(const char *tag)
{
	size_t n = strlen(tag);

	if (n == 0 || n > 128 || !(is_alnum(tag[0]) || tag[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!(is_alnum(tag[i]) || tag[i] == '_' || tag[i] == '.' || tag[i] == '-'))
			return 0;
	return 1;
}

static int digest_ok(const char *d)
{
	const char *colon = strchr(d, ':');
	size_t hl;

	if (!colon || colon == d)
		return 0;
	for (const char *p = d; p < colon; p++)
		if (!is_lower_alnum(*p) && *p != '+' && *p != '.' && *p != '_' && *p != '-')
			return 0;
	hl = strlen(colon + 1);
	if (hl < 32)
		return 0;
	for (const char *p = colon + 1; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			return 0;
	if (!strncmp(d, "sha256:", 7) && hl != 64)
		return 0;
	return 1;
}

static int all_hex64(const char *s)
{
	if (strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
			return 0;
	return 1;
}

void ref_free(struct image_ref *r)
{
	if (!r)
		return;
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

/* Every '/'-separated component of `path` valid (lowercased first when `lower`). */
static int path_valid(const char *path, int lower)
{
	_cleanup_free_ char *p = strdup(path);
	const char *s = p;

	if (lower)
		for (char *c = p; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	for (;;) {
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		if (!path_component_valid(s, n))
			return 0;
		if (!slash)
			return 1;
		s = slash + 1;
	}
}

int ref_parse(const char *s, struct image_ref *ret, eng_error_t *err)
{
	_cleanup_free_ char *buf = NULL, *domain = NULL, *path = NULL, *tag = NULL, *digest = NULL;
	char *name, *at, *slash, *colon;

	if (!s || !*s)
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid reference format");
	if (all_hex64(s))
		return eng_error_make(err, EINVAL, ERR_INVALID,
		                      "invalid repository name (%s), cannot specify 64-byte "
		                      "hexadecimal strings",
		                      s);
	buf = strdup(s);
	name = buf;
	at = strchr(name, '@');
	if (at) {
		*at = 0;
		if (!digest_ok(at + 1))
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid reference format");
		digest = strdup(at + 1);
	}
	slash = strrchr(name, '/');
	colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		*colon = 0;
		if (!ref_tag_valid(colon + 1))
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid reference format");
		tag = strdup(colon + 1);
	}
	if (!*name || strlen(name) > NAME_TOTAL_MAX)
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid reference format");

	/* the first component is a domain when it looks like one (docker's splitDockerDomain) */
	slash = strchr(name, '/');
	if (slash && (memchr(name, '.', (size_t)(slash - name)) ||
	              memchr(name, ':', (size_t)(slash - name)) ||
	              (slash - name == 9 && !strncmp(name, "localhost", 9)) || ({
		              int up = 0;
		              for (const char *p = name; p < slash; p++)
			              up |= isupper((unsigned char)*p);
		              up;
	              }))) {
		if (!domain_valid(name, (size_t)(slash - name)))
			return eng_error_make(err, EINVAL, ERR_INVALID, "invalid reference format");
		domain = strndup(name, (size_t)(slash - name));
		path = strdup(slash + 1);
	} else {
		domain = strdup("docker.io");
		path = strdup(name);
	}
	if (!strcmp(domain, "index.docker.io")) {
		free(domain);
		domain = strdup("docker.io");
	}
	if (!path_valid(path, 0)) {
		if (path_valid(path, 1)) {
			_cleanup_free_ char *remote = NULL;
			if (!strcmp(domain, "docker.io") && !strchr(path, '/') &&
			    asprintf(&remote, "library/%s", path) < 0)
				abort();
			return eng_error_make(err, EINVAL, ERR_INVALID,
			                      "invalid reference format: repository name (%s) "
			                      "must be lowercase",
			                      remote ? remote : path);
		}
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid reference format");
	}
	if (!strcmp(domain, "docker.io") && !strchr(path, '/')) {
		char *p;
		if (asprintf(&p, "library/%s", path) < 0)
			abort();
		free(path);
		path = p;
	}
	ret->domain = TAKE_PTR(domain);
	ret->path = TAKE_PTR(path);
	ret->tag = TAKE_PTR(tag);
	ret->digest = TAKE_PTR(digest);
	return 0;
}

char *ref_familiar_name(const struct image_ref *r)
{
	char *out;

	if (!strcmp(r->domain, "docker.io")) {
		const char *p = r->path;
		if (!strncmp(p, "library/", 8) && !strchr(p + 8, '/'))
			p += 8;
		return strdup(p);
	}
	if (asprintf(&out, "%s/%s", r->domain, r->path) < 0)
		abort();
	return out;
}

char *ref_familiar_string(const struct image_ref *r)
{
	_cleanup_free_ char *name = ref_familiar_name(r);
	char *out;
	int rc;

	if (r->digest && r->tag)
		rc = asprintf(&out, "%s:%s@%s", name, r->tag, r->digest);
	else if (r->digest)
		rc = asprintf(&out, "%s@%s", name, r->digest);
	else
		rc = asprintf(&out, "%s:%s", name, r->tag ? r->tag : "latest");
	if (rc < 0)
		abort();
	return out;
}
