/* Registry endpoints: pull (POST /images/create?fromImage=), push, login (/auth) and
 * GET /distribution/{name}/json. Progress goes out as docker's JSON message stream; an
 * error before the first message is a plain error reply (so the CLI's `run` can tell a
 * missing image from a broken one), after it an errorDetail message in the stream. */
#include "distribution.h"
#include "../common/cleanup.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"
#include "../engine/engine.h"
#include "../engine/events.h"
#include "../image/pull.h"
#include "../image/push.h"
#include "../image/reference.h"
#include "../image/store.h"
#include "../registry/registry.h"

#include <errno.h>
#include <string.h>

static struct registry_options reg_options(struct engine *eng)
{
	const struct engine_config *c = engine_config(eng);
	return (struct registry_options){.insecure = c->insecure_registries,
	                                 .mirrors = c->registry_mirrors,
	                                 .certs_dir = c->certs_dir};
}

struct stream {
	struct http_request *req;
	int begun;
	int gone; /* the client stopped reading: a pull is cancelled */
};

static void stream_msg(void *ctx, json_t *msg)
{
	struct stream *st = ctx;

	if (!st->begun) {
		http_stream_begin(st->req, 200, "application/json");
		st->begun = 1;
	}
	if (http_stream_json(st->req, msg) < 0)
		__atomic_store_n(&st->gone, 1, __ATOMIC_RELAXED);
}

static void stream_status(struct stream *st, const char *fmt, const char *a, const char *b)
{
	_cleanup_free_ char *s = NULL;
	if (asprintf(&s, fmt, a, b) < 0)
		abort();
	stream_msg(st, json_pack("{s:s}", "status", s));
}

static void stream_fail(struct stream *st, const eng_error_t *err)
{
	if (!st->begun) {
		http_reply_err(st->req, err);
		return;
	}
	http_stream_json(st->req, json_pack("{s:{s:s}, s:s}", "errorDetail", "message", err->msg,
	                                    "error", err->msg));
	http_stream_end(st->req);
}

static int read_auth(struct http_request *req, struct registry_auth *a)
{
	eng_error_t err;
	if (registry_auth_decode(http_header(req, "X-Registry-Auth"), a, &err) < 0) {
		http_reply_err(req, &err);
		return -1;
	}
	return 0;
}

static int pull_one(struct http_request *req, struct engine *eng, struct stream *st,
                    const struct registry_options *o, const struct registry_auth *auth,
                    const char *from, const char *tag, const char *platform, int say_status,
                    int *updated)
{
	struct image_pull_result res;
	eng_error_t err;

	if (image_pull(engine_image_store(eng), o, from, tag, platform, auth, stream_msg, st,
	               &st->gone, &res, &err) < 0) {
		stream_fail(st, &err);
		return -1;
	}
	stream_status(st, "Digest: %s%s", res.digest, "");
	*updated |= res.updated;
	engine_event(eng, "image", "pull", res.reference,
	             json_pack("{s:s}", "name", res.reference));
	if (say_status) {
		stream_status(st,
		              res.updated ? "Status: Downloaded newer image for %s%s"
		                          : "Status: Image is up to date for %s%s",
		              res.reference, "");
	}
	free(res.reference);
	return 0;
}

void api_image_pull(struct http_request *req, struct engine *eng)
{
	const char *from = http_query(req, "fromImage"), *tag = http_query(req, "tag");
	const char *platform = http_query(req, "platform");
	struct registry_options o = reg_options(eng);
	struct registry_auth auth;
	struct stream st = {.req = req};
	_cleanup_strv_ char **tags = NULL;
	eng_error_t err;
	int updated = 0;

	if (read_auth(req, &auth) < 0)
		return;
	if (tag && *tag) {
		if (pull_one(req, eng, &st, &o, &auth, from, tag, platform, 1, &updated) == 0)
			http_stream_end(req);
		registry_auth_free(&auth);
		return;
	}
	if (strchr(from, '@') || strchr(strrchr(from, '/') ? strrchr(from, '/') : from, ':')) {
		/* the name carries its own tag or digest */
		if (pull_one(req, eng, &st, &o, &auth, from, NULL, platform, 1, &updated) == 0)
			http_stream_end(req);
		registry_auth_free(&auth);
		return;
	}
	/* no tag at all: docker pull --all-tags */
	if (image_remote_tags(&o, from, &auth, &tags, &err) < 0) {
		registry_auth_free(&auth);
		stream_fail(&st, &err);
		return;
	}
	for (char **t = tags; *t; t++)
		if (pull_one(req, eng, &st, &o, &auth, from, *t, platform, 0, &updated) < 0) {
			registry_auth_free(&auth);
			return;
		}
	registry_auth_free(&auth);
	stream_status(&st,
	              updated ? "Status: Downloaded newer image for %s%s"
	                      : "Status: Image is up to date for %s%s",
	              from, "");
	http_stream_end(req);
}

void api_image_push(struct http_request *req, struct engine *eng)
{
	struct registry_options o = reg_options(eng);
	struct registry_auth auth;
	struct stream st = {.req = req};
	const char *tag = http_query(req, "tag");
	_cleanup_free_ char *name = NULL;
	eng_error_t err;

	http_body_discard(req);
	if (read_auth(req, &auth) < 0)
		return;
	if (tag && *tag) {
		if (asprintf(&name, "%s:%s", req->params[0], tag) < 0)
			abort();
	} else {
		name = strdup(req->params[0]);
	}
	if (image_push(engine_image_store(eng), &o, name, &auth, stream_msg, &st, &err) < 0) {
		registry_auth_free(&auth);
		stream_fail(&st, &err);
		return;
	}
	registry_auth_free(&auth);
	http_stream_end(req);
	engine_event(eng, "image", "push", name, json_pack("{s:s}", "name", name));
}

void api_auth(struct http_request *req, struct engine *eng)
{
	struct registry_options o = reg_options(eng);
	struct registry_auth auth = {0};
	json_auto_t *body = NULL;
	_cleanup_free_ char *token = NULL;
	eng_error_t err;
	int unauthorized = 0;

	if (http_body_json(req, &body, &err) < 0) {
		http_reply_err(req, &err);
		return;
	}
	auth.username = (char *)json_str(body, "username");
	auth.password = (char *)json_str(body, "password");
	auth.identity_token = (char *)json_str(body, "identitytoken");
	if (auth.identity_token && !*auth.identity_token)
		auth.identity_token = NULL;
	auth.server = (char *)json_str(body, "serveraddress");
	if (registry_login(&o, &auth, &token, &unauthorized, &err) < 0) {
		if (unauthorized)
			http_reply_error(req, 401, "%s", err.msg);
		else
			http_reply_err(req, &err);
		return;
	}
	http_reply_json(req, 200,
	                json_pack("{s:s, s:s}", "Status", "Login Succeeded", "IdentityToken",
	                          token ? token : ""));
}

struct membuf {
	char *data;
	size_t len;
};

static int membuf_sink(void *ctx, const void *data, size_t len)
{
	struct membuf *b = ctx;
	if (b->len + len > (1 << 20))
		return -1;
	b->data = realloc(b->data, b->len + len + 1);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = 0;
	return 0;
}

/* A single manifest names its platform only in its config. */
static json_t *config_platform(struct registry *r, json_t *manifest)
{
	const char *digest = json_str(json_object_get(manifest, "config"), "digest");
	struct membuf b = {0};
	json_auto_t *cfg = NULL;
	eng_error_t err;
	json_t *p;

	if (!digest || registry_get_blob(r, digest, membuf_sink, &b, &err) < 0) {
		free(b.data);
		return NULL;
	}
	cfg = json_loads(b.data ? b.data : "", 0, NULL);
	free(b.data);
	if (!json_str(cfg, "architecture") || !json_str(cfg, "os"))
		return NULL;
	p = json_pack("{s:s, s:s}", "architecture", json_str(cfg, "architecture"), "os",
	              json_str(cfg, "os"));
	if (json_str(cfg, "variant"))
		json_object_set_new(p, "variant", json_string(json_str(cfg, "variant")));
	return p;
}

void api_distribution_inspect(struct http_request *req, struct engine *eng)
{
	struct registry_options o = reg_options(eng);
	struct registry_auth auth;
	struct image_ref ref = {0};
	struct registry *r = NULL;
	_cleanup_free_ char *body = NULL, *mt = NULL;
	json_auto_t *doc = NULL;
	json_t *platforms;
	char digest[72];
	size_t len, i;
	eng_error_t err;

	if (read_auth(req, &auth) < 0)
		return;
	if (ref_parse(req->params[0], &ref, &err) < 0 ||
	    registry_open(&o, ref.domain, ref.path, &auth, 0, &r, &err) < 0 ||
	    registry_get_manifest(r,
	                          ref.digest ? ref.digest
	                          : ref.tag  ? ref.tag
	                                     : "latest",
	                          &body, &len, &mt, digest, &err) < 0) {
		const char *code = registry_error_code();
		registry_auth_free(&auth);
		registry_close(r);
		ref_free(&ref);
		if (!strcmp(code, "UNAUTHORIZED") || !strcmp(code, "DENIED") ||
		    !strcmp(code, "MANIFEST_UNKNOWN") || !strcmp(code, "NAME_UNKNOWN")) {
			http_reply_error(req, 401, "%s", err.msg);
			return;
		}
		http_reply_err(req, &err);
		return;
	}
	doc = json_loadb(body, len, 0, NULL);
	platforms = json_array();
	json_t *m;
	json_array_foreach(json_object_get(doc, "manifests"), i, m)
	{
		json_t *p = json_object_get(m, "platform");
		if (p)
			json_array_append(platforms, p);
	}
	if (!json_object_get(doc, "manifests")) {
		json_t *p = config_platform(r, doc);
		if (p)
			json_array_append_new(platforms, p);
	}
	registry_auth_free(&auth);
	registry_close(r);
	ref_free(&ref);
	http_reply_json(req, 200,
	                json_pack("{s:{s:s, s:s, s:I}, s:o}", "Descriptor", "mediaType", mt,
	                          "digest", digest, "size", (json_int_t)len, "Platforms",
	                          platforms));
}
