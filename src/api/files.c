/* A container's files: docker cp (HEAD/GET/PUT archive), export, diff and commit. The
 * engine does the work (engine/ctrfs.c, engine/commit.c); here the request is decoded and
 * archives are streamed as chunked responses. */
#include "files.h"
#include "containers.h"
#include "body.h"
#include "../common/cleanup.h"
#include "../common/digest.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"
#include "../engine/container.h"
#include "../engine/ctrfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *archive_path(struct http_request *req)
{
	const char *path = http_query(req, "path");
	if (!path || !*path) {
		http_reply_error(req, 400, "bad parameter: path cannot be empty");
		return NULL;
	}
	return path;
}

static void set_stat_header(struct http_request *req, const json_t *stat)
{
	_cleanup_free_ char *doc = json_dumps(stat, JSON_COMPACT | JSON_PRESERVE_ORDER);
	_cleanup_free_ char *b64 = base64_encode(doc, strlen(doc));
	http_reply_header(req, "X-Docker-Container-Path-Stat", b64);
}

static int sink_begin(void *ctx, const json_t *stat)
{
	struct http_request *req = ctx;
	if (stat)
		set_stat_header(req, stat);
	return http_stream_begin(req, 200, "application/x-tar");
}

static int sink_write(void *ctx, const void *buf, size_t len)
{
	return http_stream_write(ctx, buf, len);
}

/* An error before the first byte is a reply; after it the stream can only end short. */
static void finish_stream(struct http_request *req, int rc, const eng_error_t *err)
{
	if (rc < 0 && !req->responded)
		http_reply_err(req, err);
	else
		http_stream_end(req);
}

void api_container_archive_head(struct http_request *req, struct engine *eng)
{
	const char *path = archive_path(req);
	struct container *c = path ? path_container(req, eng) : NULL;
	json_auto_t *stat = NULL;
	eng_error_t err;

	if (!c)
		return;
	stat = engine_container_path_stat(eng, c, req->params[0], path, &err);
	container_unref(eng, c);
	if (!stat) {
		/* HEAD has no body: the CLI reads the status alone */
		http_reply_err(req, &err);
		return;
	}
	set_stat_header(req, stat);
	http_reply_empty(req, 200);
}

void api_container_archive_get(struct http_request *req, struct engine *eng)
{
	const char *path = archive_path(req);
	struct container *c = path ? path_container(req, eng) : NULL;
	struct ctr_sink sink = {req, sink_begin, sink_write};
	eng_error_t err;
	int rc;

	if (!c)
		return;
	rc = engine_container_archive_get(eng, c, req->params[0], path, &sink, &err);
	container_unref(eng, c);
	finish_stream(req, rc, &err);
}

void api_container_archive_put(struct http_request *req, struct engine *eng)
{
	const char *path = archive_path(req);
	struct container *c = path ? path_container(req, eng) : NULL;
	/* docker's default allows it; its CLI always sends noOverwriteDirNonDir=true */
	int no_overwrite = http_query_bool(req, "noOverwriteDirNonDir", 0);
	int copy_uidgid = http_query_bool(req, "copyUIDGID", 0);
	struct body_pump p = {0};
	eng_error_t err;
	int fd, rc;

	if (!c)
		return;
	fd = body_fd_start(req, &p);
	if (fd < 0) {
		container_unref(eng, c);
		http_reply_error(req, 500, "starting the upload: %s", strerror(errno));
		return;
	}
	rc = engine_container_archive_put(eng, c, req->params[0], path, fd, copy_uidgid,
					  no_overwrite, &err);
	body_fd_finish(&p, fd);
	container_unref(eng, c);
	if (rc < 0)
		http_reply_err(req, &err);
	else
		http_reply_empty(req, 200);
}

void api_container_export(struct http_request *req, struct engine *eng)
{
	struct container *c = path_container(req, eng);
	struct ctr_sink sink = {req, sink_begin, sink_write};
	eng_error_t err;
	int rc;

	if (!c)
		return;
	rc = engine_container_export(eng, c, &sink, &err);
	container_unref(eng, c);
	finish_stream(req, rc, &err);
}

void api_container_changes(struct http_request *req, struct engine *eng)
{
	struct container *c = path_container(req, eng);
	json_t *changes;
	eng_error_t err;

	if (!c)
		return;
	changes = engine_container_changes(eng, c, &err);
	container_unref(eng, c);
	if (!changes)
		http_reply_err(req, &err);
	else
		http_reply_json(req, 200, changes);
}

void api_commit(struct http_request *req, struct engine *eng)
{
	_cleanup_strv_ char **changes = http_query_all(req, "changes");
	_cleanup_free_ char *ref = NULL;
	const char *name = http_query(req, "container");
	const char *repo = http_query(req, "repo"), *tag = http_query(req, "tag");
	json_auto_t *config = NULL;
	struct container *c;
	eng_error_t err;
	char id[72];

	if (http_body_json(req, &config, &err) < 0) {
		http_reply_err(req, &err);
		return;
	}
	if (json_is_null(config)) /* what the docker CLI sends without a config */
		json_decref(TAKE_PTR(config));
	if (config && !json_is_object(config)) {
		http_reply_error(req, 400, "invalid JSON: the container config must be an object");
		return;
	}
	c = engine_container_get(eng, name ? name : "", &err);
	if (!c) {
		http_reply_err(req, &err);
		return;
	}
	if (repo && *repo) {
		const char *last = strrchr(repo, '/') ? strrchr(repo, '/') : repo;
		int tagged = !(tag && *tag) && (strchr(last, ':') || strchr(last, '@'));
		if (asprintf(&ref, "%s%s%s", repo, tagged ? "" : ":",
			     tagged ? "" : tag && *tag ? tag : "latest") < 0)
			abort();
	}
	struct commit_opts o = {
	    .repo_tag = ref,
	    .author = http_query(req, "author"),
	    .comment = http_query(req, "comment"),
	    .changes = changes,
	    .config = config,
	    /* API 1.13 and later pause unless told not to */
	    .pause = http_query_bool(req, "pause", 1),
	};
	int rc = engine_container_commit(eng, c, &o, id, &err);
	container_unref(eng, c);
	if (rc < 0)
		http_reply_err(req, &err);
	else
		http_reply_json(req, 201, json_pack("{s:s}", "Id", id));
}
