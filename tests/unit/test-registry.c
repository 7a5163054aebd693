/* Registry client helpers: X-Registry-Auth, insecure registries, challenges, server names. */
#include "tap.h"
#include "registry/registry.h"

#include <stdlib.h>
#include <string.h>

static int test_auth_decode(void)
{
	struct registry_auth a;
	eng_error_t err;

	/* {"username":"u","password":"p?>","serveraddress":"localhost:5000"}, base64url */
	const char *h = "eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InA_PiIsInNlcnZlcmFkZHJlc3MiOiJsb2Nh"
	                "bGhvc3Q6NTAwMCJ9";
	CHECK(registry_auth_decode(h, &a, &err) == 0);
	CHECK(a.username && !strcmp(a.username, "u"));
	CHECK(a.password && !strcmp(a.password, "p?>"));
	CHECK(a.server && !strcmp(a.server, "localhost:5000"));
	CHECK(!a.identity_token);
	registry_auth_free(&a);
	CHECK(registry_auth_decode("e30=", &a, &err) == 0); /* {} */
	CHECK(!a.username && !a.password);
	CHECK(registry_auth_decode("", &a, &err) == 0);
	CHECK(registry_auth_decode(NULL, &a, &err) == 0);
	CHECK(registry_auth_decode("!!!not base64", &a, &err) < 0);
	CHECK(err.kind == ERR_INVALID);
	return 0;
}

static int test_insecure(void)
{
	char *list[] = {"10.1.0.0/16", "reg.example:5000", "plain.example", NULL};
	struct registry_options o = {.insecure = list};

	CHECK(registry_insecure(NULL, "localhost:5000"));
	CHECK(registry_insecure(NULL, "127.0.0.1:5000"));
	CHECK(registry_insecure(NULL, "127.1.2.3"));
	CHECK(registry_insecure(NULL, "[::1]:5000"));
	CHECK(!registry_insecure(NULL, "128.0.0.1:5000"));
	CHECK(!registry_insecure(NULL, "docker.io"));
	CHECK(registry_insecure(&o, "10.1.200.3:5000"));
	CHECK(!registry_insecure(&o, "10.2.0.1:5000"));
	CHECK(registry_insecure(&o, "reg.example:5000"));
	CHECK(!registry_insecure(&o, "reg.example:5001"));
	CHECK(registry_insecure(&o, "plain.example:443"));
	return 0;
}

static int test_challenge(void)
{
	const char *c =
	    "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
	    "scope=\"repository:library/busybox:pull\"";
	char *v = registry_challenge_param(c, "realm");
	CHECK(v && !strcmp(v, "https://auth.docker.io/token"));
	free(v);
	v = registry_challenge_param(c, "scope");
	CHECK(v && !strcmp(v, "repository:library/busybox:pull"));
	free(v);
	v = registry_challenge_param(c, "error");
	CHECK(!v);
	v = registry_challenge_param("Basic realm=\"x y\"", "realm");
	CHECK(v && !strcmp(v, "x y"));
	free(v);
	v = registry_challenge_param("Bearer realm=bare,service=svc", "service");
	CHECK(v && !strcmp(v, "svc"));
	free(v);
	return 0;
}

static int test_server_domain(void)
{
	const char *cases[][2] = {
	    {"https://index.docker.io/v1/", "docker.io"}, {"", "docker.io"},
	    {"registry-1.docker.io", "docker.io"},        {"localhost:5000", "localhost:5000"},
	    {"http://127.0.0.1:5000/", "127.0.0.1:5000"}, {"quay.io", "quay.io"}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = registry_server_domain(cases[i][0]);
		int ok = !strcmp(d, cases[i][1]);
		if (!ok)
			fprintf(stderr, "# %s -> %s\n", cases[i][0], d);
		free(d);
		CHECK(ok);
	}
	return 0;
}

TAP_MAIN(T(test_auth_decode), T(test_insecure), T(test_challenge), T(test_server_domain))
