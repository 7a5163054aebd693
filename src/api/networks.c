/* Networks: JSON in and out; the engine does the work. */
#include "networks.h"
#include "../common/cleanup.h"
#include "../common/filters.h"
#include "../common/jsonutil.h"
#include "../engine/container.h"
#include "../engine/networks.h"

#include <string.h>

void api_networks_list(struct http_request *req, struct engine *eng)
{
	json_auto_t *f = NULL;
	json_t *list;
	eng_error_t err;

	http_body_discard(req);
	f = filters_parse(http_query(req, "filters"), &err);
	if (!f || !(list = engine_network_list(eng, f, &err))) {
		http_reply_err(req, &err);
		return;
	}
	http_reply_json(req, 200, list);
}

void api_network_create(struct http_request *req, struct engine *eng)
{
	json_auto_t *body = NULL;
	json_t *doc;
	eng_error_t err;

	if (http_body_json(req, &body, &err) < 0) {
		http_reply_err(req, &err);
		return;
	}
	if (!json_is_object(body)) {
		http_reply_error(req, 400, "json: cannot unmarshal value into Go value of type "
				 "network.CreateRequest");
		return;
	}
	if (!(doc = engine_network_create(eng, body, &err))) {
		http_reply_err(req, &err);
		return;
	}
	http_reply_json(req, 201, doc);
}

void api_network_inspect(struct http_request *req, struct engine *eng)
{
	json_t *doc;
	eng_error_t err;

	http_body_discard(req);
	if (!(doc = engine_network_inspect(eng, req->params[0], &err))) {
		http_reply_err(req, &err);
		return;
	}
	http_reply_json(req, 200, doc);
}

void api_network_delete(struct http_request *req, struct engine *eng)
{
	eng_error_t err;

	http_body_discard(req);
	if (engine_network_remove(eng, req->params[0], &err) < 0) {
		http_reply_err(req, &err);
		return;
	}
	http_reply_empty(req, 204);
}

/* connect and disconnect: {"Container": "...", "EndpointConfig": {...}, "Force": bool} */
static void connect_or_disconnect(struct http_request *req, struct engine *eng, int connect)
{
	json_auto_t *body = NULL;
	eng_error_t err;
	struct container *c;
	int rc;

	if (http_body_json(req, &body, &err) < 0) {
		http_reply_err(req, &err);
		return;
	}
	/* the network is looked up first, as dockerd does */
	json_t *net = engine_network_inspect(eng, req->params[0], &err);
	if (!net) {
		http_reply_err(req, &err);
		return;
	}
	json_decref(net);
	c = engine_container_get(eng, json_str(body, "Container") ?: "", &err);
	if (!c) {
		http_reply_err(req, &err);
		return;
	}
	if (connect)
		rc = engine_network_connect(eng, req->params[0], c,
					    json_object_get(body, "EndpointConfig"), &err);
	else
		rc = engine_network_disconnect(eng, req->params[0], c,
					       json_bool(body, "Force", 0), &err);
	container_unref(eng, c);
	if (rc < 0) {
		http_reply_err(req, &err);
		return;
	}
	http_reply_empty(req, 200);
}

void api_network_connect(struct http_request *req, struct engine *eng)
{
	connect_or_disconnect(req, eng, 1);
}

void api_network_disconnect(struct http_request *req, struct engine *eng)
{
	connect_or_disconnect(req, eng, 0);
}

void api_networks_prune(struct http_request *req, struct engine *eng)
{
	json_auto_t *f = NULL;
	json_t *doc;
	eng_error_t err;

	http_body_discard(req);
	f = filters_parse(http_query(req, "filters"), &err);
	if (!f || !(doc = engine_network_prune(eng, f, &err))) {
		http_reply_err(req, &err);
		return;
	}
	http_reply_json(req, 200, doc);
}
