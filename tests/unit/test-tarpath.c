/* Archive member names: confinement and OCI whiteouts (image/tarpath.h), plus the
 * Dockerfile-style changes docker import applies (image/import.h). */
#include "tap.h"
#include "image/import.h"
#include "image/tarpath.h"
#include "common/jsonutil.h"

#include <stdlib.h>
#include <string.h>

static int clean_is(const char *in, const char *want)
{
	char *out = NULL;
	int rc = tarpath_clean(in, &out);
	int ok = want ? rc == 0 && !strcmp(out, want) : rc < 0;
	if (!ok)
		fprintf(stderr, "# clean(%s) = %d %s\n", in, rc, out ? out : "");
	free(out);
	return ok;
}

static int resolve_is(const char *link, const char *target, const char *want)
{
	char *out = NULL;
	int rc = tarpath_resolve_link(link, target, &out);
	int ok = want ? rc == 0 && !strcmp(out, want) : rc < 0;
	if (!ok)
		fprintf(stderr, "# resolve(%s -> %s) = %d %s\n", link, target, rc, out ? out : "");
	free(out);
	return ok;
}

static int test_clean(void)
{
	CHECK(clean_is("a/b", "a/b"));
	CHECK(clean_is("./a//b/", "a/b"));
	CHECK(clean_is("./", ""));
	CHECK(clean_is("a/./b", "a/b"));
	CHECK(clean_is("../x", NULL));
	CHECK(clean_is("a/../../x", NULL));
	CHECK(clean_is("a/..", NULL));
	CHECK(clean_is("/etc/passwd", NULL));
	CHECK(clean_is("a/..b", "a/..b"));
	return 0;
}

static int test_resolve_link(void)
{
	CHECK(resolve_is("abc/layer.tar", "../def/layer.tar", "def/layer.tar"));
	CHECK(resolve_is("abc/layer.tar", "/def/layer.tar", "def/layer.tar"));
	CHECK(resolve_is("layer.tar", "other.tar", "other.tar"));
	CHECK(resolve_is("abc/layer.tar", "../../etc/passwd", NULL));
	CHECK(resolve_is("layer.tar", "../x", NULL));
	CHECK(resolve_is("a/b", "", NULL));
	return 0;
}

static int wh_is(const char *in, int kind, const char *target)
{
	char *out = NULL;
	int k = tarpath_whiteout(in, &out);
	int ok = k == kind && (target ? out && !strcmp(out, target) : !out);
	if (!ok)
		fprintf(stderr, "# whiteout(%s) = %d %s\n", in, k, out ? out : "");
	free(out);
	return ok;
}

static int test_whiteouts(void)
{
	CHECK(wh_is("etc/passwd", TARPATH_PLAIN, NULL));
	CHECK(wh_is("etc/.wh.passwd", TARPATH_WHITEOUT, "etc/passwd"));
	CHECK(wh_is(".wh.top", TARPATH_WHITEOUT, "top"));
	CHECK(wh_is("var/lib/.wh..wh..opq", TARPATH_OPAQUE, "var/lib"));
	CHECK(wh_is(".wh..wh..opq", TARPATH_OPAQUE, ""));
	CHECK(wh_is("a/.wh..wh.plnk", TARPATH_SKIP, NULL));
	CHECK(wh_is("a/.wh.", -1, NULL));
	CHECK(wh_is("a/.wh...", -1, NULL));
	CHECK(wh_is("a/x.wh.y", TARPATH_PLAIN, NULL));
	return 0;
}

static int test_changes(void)
{
	json_auto_t *cfg = json_object();
	eng_error_t err;
	char *s;

	CHECK(image_apply_change(cfg, "CMD [\"sh\", \"-c\", \"echo hi\"]", &err) == 0);
	CHECK(image_apply_change(cfg, "ENTRYPOINT /bin/run", &err) == 0);
	CHECK(image_apply_change(cfg, "ENV A=1 B=\"two\"", &err) == 0);
	CHECK(image_apply_change(cfg, "ENV C three four", &err) == 0);
	CHECK(image_apply_change(cfg, "ENV A=9", &err) == 0);
	CHECK(image_apply_change(cfg, "EXPOSE 80 53/udp", &err) == 0);
	CHECK(image_apply_change(cfg, "LABEL k=v", &err) == 0);
	CHECK(image_apply_change(cfg, "WORKDIR /srv", &err) == 0);
	CHECK(image_apply_change(cfg, "USER nobody", &err) == 0);
	CHECK(image_apply_change(cfg, "VOLUME [\"/data\"]", &err) == 0);
	s = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
	int ok = !strcmp(s, "{\"Cmd\":[\"sh\",\"-c\",\"echo hi\"],\"Entrypoint\":[\"/bin/sh\","
	                    "\"-c\",\"/bin/run\"],\"Env\":[\"B=two\",\"C=three four\",\"A=9\"],"
	                    "\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{}},\"Labels\":{\"k\":"
	                    "\"v\"},\"User\":\"nobody\",\"Volumes\":{\"/data\":{}},"
	                    "\"WorkingDir\":\"/srv\"}");
	if (!ok)
		fprintf(stderr, "# %s\n", s);
	free(s);
	CHECK(ok);
	CHECK(image_apply_change(cfg, "RUN true", &err) < 0);
	CHECK(!strcmp(err.msg, "run is not a valid change command"));
	return 0;
}

TAP_MAIN(T(test_clean), T(test_resolve_link), T(test_whiteouts), T(test_changes))
