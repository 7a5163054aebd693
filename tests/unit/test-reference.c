/* Docker reference parsing and normalisation. */
#include "tap.h"
#include "image/reference.h"

#include <stdlib.h>
#include <string.h>

static int parses_to(const char *in, const char *domain, const char *path, const char *tag,
                     const char *digest, const char *familiar)
{
	struct image_ref r = {0};
	eng_error_t err;
	char *fam;
	int ok;

	if (ref_parse(in, &r, &err) < 0) {
		fprintf(stderr, "# %s: %s\n", in, err.msg);
		return 0;
	}
	fam = ref_familiar_string(&r);
	ok = !strcmp(r.domain, domain) && !strcmp(r.path, path) &&
	     (tag ? r.tag && !strcmp(r.tag, tag) : !r.tag) &&
	     (digest ? r.digest && !strcmp(r.digest, digest) : !r.digest) && !strcmp(fam, familiar);
	if (!ok)
		fprintf(stderr, "# %s -> %s %s %s %s %s\n", in, r.domain, r.path, r.tag ?: "-",
		        r.digest ?: "-", fam);
	free(fam);
	ref_free(&r);
	return ok;
}

static int fails_with(const char *in, const char *msg)
{
	struct image_ref r = {0};
	eng_error_t err;

	if (ref_parse(in, &r, &err) == 0) {
		ref_free(&r);
		fprintf(stderr, "# %s parsed\n", in);
		return 0;
	}
	if (strcmp(err.msg, msg)) {
		fprintf(stderr, "# %s: got \"%s\"\n", in, err.msg);
		return 0;
	}
	return err.kind == ERR_INVALID;
}

static int test_official(void)
{
	CHECK(parses_to("busybox", "docker.io", "library/busybox", NULL, NULL, "busybox:latest"));
	CHECK(parses_to("busybox:1.36", "docker.io", "library/busybox", "1.36", NULL,
	                "busybox:1.36"));
	CHECK(parses_to("docker.io/library/busybox", "docker.io", "library/busybox", NULL, NULL,
	                "busybox:latest"));
	CHECK(parses_to("index.docker.io/busybox", "docker.io", "library/busybox", NULL, NULL,
	                "busybox:latest"));
	return 0;
}

static int test_user_and_registry(void)
{
	CHECK(parses_to("user/app:v1", "docker.io", "user/app", "v1", NULL, "user/app:v1"));
	CHECK(parses_to("localhost:5000/a/b:v1", "localhost:5000", "a/b", "v1", NULL,
	                "localhost:5000/a/b:v1"));
	CHECK(parses_to("localhost/x", "localhost", "x", NULL, NULL, "localhost/x:latest"));
	CHECK(parses_to("my.registry.io/team/app", "my.registry.io", "team/app", NULL, NULL,
	                "my.registry.io/team/app:latest"));
	CHECK(parses_to("a__b/c-d.e/f---g", "docker.io", "a__b/c-d.e/f---g", NULL, NULL,
	                "a__b/c-d.e/f---g:latest"));
	return 0;
}

static int test_digest(void)
{
	const char *d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char in[200], fam[200];

	snprintf(in, sizeof(in), "busybox@%s", d);
	snprintf(fam, sizeof(fam), "busybox@%s", d);
	CHECK(parses_to(in, "docker.io", "library/busybox", NULL, d, fam));
	snprintf(in, sizeof(in), "busybox:1@%s", d);
	snprintf(fam, sizeof(fam), "busybox:1@%s", d);
	CHECK(parses_to(in, "docker.io", "library/busybox", "1", d, fam));
	CHECK(fails_with("busybox@sha256:abc", "invalid reference format"));
	return 0;
}

static int test_invalid(void)
{
	CHECK(fails_with("", "invalid reference format"));
	CHECK(fails_with("Busybox",
	                 "invalid reference format: repository name (library/Busybox) must be "
	                 "lowercase"));
	CHECK(fails_with("busybox:", "invalid reference format"));
	CHECK(fails_with("bad name", "invalid reference format"));
	CHECK(fails_with("-x", "invalid reference format"));
	CHECK(fails_with("a//b", "invalid reference format"));
	CHECK(fails_with("a/b/", "invalid reference format"));
	CHECK(fails_with("busybox:-tag", "invalid reference format"));
	CHECK(fails_with("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	                 "invalid repository name "
	                 "(0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef), "
	                 "cannot specify 64-byte hexadecimal strings"));
	return 0;
}

static int test_tag_valid(void)
{
	char long_tag[200];

	CHECK(ref_tag_valid("latest"));
	CHECK(ref_tag_valid("_x.1-2"));
	CHECK(!ref_tag_valid(".x"));
	CHECK(!ref_tag_valid("-x"));
	CHECK(!ref_tag_valid(""));
	CHECK(!ref_tag_valid("a/b"));
	memset(long_tag, 'a', 128);
	long_tag[128] = 0;
	CHECK(ref_tag_valid(long_tag));
	long_tag[128] = 'a';
	long_tag[129] = 0;
	CHECK(!ref_tag_valid(long_tag));
	return 0;
}

static int test_familiar_name(void)
{
	struct image_ref r = {0};
	char *n;

	CHECK(ref_parse("docker.io/library/a/b", &r, NULL) == 0);
	n = ref_familiar_name(&r);
	CHECK(!strcmp(n, "library/a/b"));
	free(n);
	ref_free(&r);
	return 0;
}

TAP_MAIN(T(test_official), T(test_user_and_registry), T(test_digest), T(test_invalid),
         T(test_tag_valid), T(test_familiar_name))
