/* Volumes: JSON in and out; the engine does the work. */
#include "volumes.h"
#include "../common/cleanup.h"
#include "../common/filters.h"
#include "../common/jsonutil.h"
#include "../engine/volumes.h"

#include <stdio.h>
#include <string.h>

/* The API version the client asked for, as major*100+minor; the newest when unversioned. */
static int api_version(const struct http_request *req)
{
	int major = 1, minor = 51;
	if (req->api_version[0])
		sscanf(req->api_version, "%d.%d", &major, &minor);
	return major * 100 + minor;
}

void api_volumes_list(struct http_request *req, struct engine *eng)
{
	json_auto_t *f = NULL;
	json_t *vols;
	eng_error_t err;

	http_body_discard(req);
	f = filters_parse(http_query(req, "filters"), &err);
	if (!f || !(vols = engine_volume_list(eng, f, &err))) {
		http_reply_err(req, &err);
		return;
	}
	http_reply_json(req, 200, json_pack("{s:o, s:[]}", "Volumes", vols, "Warnings"));
}

void api_volume_create(struct http_request *req, struct engine *eng)
{
	json_auto_t *body = NULL;
	json_t *doc;
	eng_error_t err;

	if (http_body_json(req, &body, &err) < 0) {
		http_reply_err(req, &err);
		return;
	}
	if (body && !json_is_object(body)) {
		http_reply_error(req, 400, "json: cannot unmarshal %s into Go value of type "
				 "volume.CreateOptions", json_is_array(body) ? "array" : "value");
		return;
	}
	json_t *name = json_object_get(body, "Name"), *driver = json_object_get(body, "Driver");
	if ((name && !json_is_string(name) && !json_is_null(name)) ||
	    (driver && !json_is_string(driver) && !json_is_null(driver))) {
		http_reply_error(req, 400, "json: cannot unmarshal value into Go struct field "
				 "CreateOptions.%s of type string",
				 name && !json_is_string(name) ? "Name" : "Driver");
		return;
	}
	doc = engine_volume_create(eng, json_str(body, "Name"), json_str(body, "Driver"),
				   json_object_get(body, "DriverOpts"),
				   json_object_get(body, "Labels"), &err);
	if (!doc) {
		http_reply_err(req, &err);
		return;
	}
	http_reply_json(req, 201, doc);
}

void api_volume_inspect(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	json_t *doc;

	http_body_discard(req);
	doc = engine_volume_inspect(eng, req->params[0], &err);
	if (!doc)
		http_reply_err(req, &err);
	else
		http_reply_json(req, 200, doc);
}

void api_volume_delete(struct http_request *req, struct engine *eng)
{
	eng_error_t err;

	http_body_discard(req);
	if (engine_volume_remove(eng, req->params[0], http_query_bool(req, "force", 0), &err) < 0)
		http_reply_err(req, &err);
	else
		http_reply_empty(req, 204);
}

void api_volumes_prune(struct http_request *req, struct engine *eng)
{
	json_auto_t *f = NULL;
	json_t *report;
	eng_error_t err;

	http_body_discard(req);
	f = filters_parse(http_query(req, "filters"), &err);
	/* before API 1.42 prune removed every unused volume, named or not */
	if (!f || !(report = engine_volume_prune(eng, f, api_version(req) < 142, &err))) {
		http_reply_err(req, &err);
		return;
	}
	http_reply_json(req, 200, report);
}
