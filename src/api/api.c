#include "api.h"
#include "containers.h"
#include "distribution.h"
#include "events.h"
#include "exec.h"
#include "files.h"
#include "images.h"
#include "stats.h"
#include "networks.h"
#include "system.h"
#include "system_df.h"
#include "volumes.h"
#include "../common/log.h"

#include <string.h>

typedef void (*api_fn)(struct http_request *req, struct engine *eng);

struct route {
	const char *method;
	const char *pattern; /* "{x}" captures one path segment */
	api_fn fn;           /* NULL: known endpoint, not implemented yet (501) */
	const char *issue;   /* what brings it, for the 501 message */
};

static const struct route routes[] = {
	{"GET", "/_ping", api_ping},
	{"HEAD", "/_ping", api_ping},
	{"GET", "/version", api_version},
	{"GET", "/info", api_info},

	{"POST", "/containers/create", api_container_create},
	{"GET", "/containers/json", api_containers_list},
	{"POST", "/containers/prune", api_containers_prune},
	{"GET", "/containers/{id}/json", api_container_inspect},
	{"POST", "/containers/{id}/start", api_container_start},
	{"POST", "/containers/{id}/stop", api_container_stop},
	{"POST", "/containers/{id}/restart", api_container_restart},
	{"POST", "/containers/{id}/kill", api_container_kill},
	{"POST", "/containers/{id}/wait", api_container_wait},
	{"DELETE", "/containers/{id}", api_container_delete},
	{"POST", "/containers/{id}/rename", api_container_rename},
	{"GET", "/containers/{id}/top", api_container_top},
	{"GET", "/containers/{id}/logs", api_container_logs},
	{"POST", "/containers/{id}/attach", api_container_attach},
	{"GET", "/containers/{id}/attach/ws", NULL, "attach over websocket"},
	{"POST", "/containers/{id}/resize", api_container_resize},
	{"POST", "/containers/{id}/exec", api_exec_create},
	{"POST", "/exec/{id}/start", api_exec_start},
	{"POST", "/exec/{id}/resize", api_exec_resize},
	{"GET", "/exec/{id}/json", api_exec_inspect},
	{"GET", "/containers/{id}/changes", api_container_changes},
	{"GET", "/containers/{id}/export", api_container_export},
	{"GET", "/containers/{id}/stats", api_container_stats},
	{"POST", "/containers/{id}/pause", api_container_pause},
	{"POST", "/containers/{id}/unpause", api_container_unpause},
	{"POST", "/containers/{id}/update", api_container_update},
	{"HEAD", "/containers/{id}/archive", api_container_archive_head},
	{"GET", "/containers/{id}/archive", api_container_archive_get},
	{"PUT", "/containers/{id}/archive", api_container_archive_put},
	{"POST", "/commit", api_commit},

	{"GET", "/images/json", api_images_list},
	{"POST", "/images/create", api_images_create},
	{"POST", "/images/load", api_images_load},
	{"GET", "/images/get", api_images_get},
	{"POST", "/images/prune", api_images_prune},
	{"GET", "/images/search", NULL, "registry search"},
	{"GET", "/images/{name*}/json", api_image_inspect},
	{"GET", "/images/{name*}/history", api_image_history},
	{"GET", "/images/{name*}/get", api_images_get},
	{"POST", "/images/{name*}/tag", api_image_tag},
	{"POST", "/images/{name*}/push", api_image_push},
	{"DELETE", "/images/{name*}", api_image_delete},
	{"POST", "/build", NULL, "image build"},
	{"POST", "/build/prune", api_build_prune},
	{"POST", "/auth", api_auth},
	{"GET", "/distribution/{name*}/json", api_distribution_inspect},

	{"GET", "/networks", api_networks_list},
	{"GET", "/networks/{id}", api_network_inspect},
	{"POST", "/networks/create", api_network_create},
	{"POST", "/networks/prune", api_networks_prune},
	{"DELETE", "/networks/{id}", api_network_delete},
	{"POST", "/networks/{id}/connect", api_network_connect},
	{"POST", "/networks/{id}/disconnect", api_network_disconnect},

	{"GET", "/volumes", api_volumes_list},
	{"POST", "/volumes/create", api_volume_create},
	{"POST", "/volumes/prune", api_volumes_prune},
	{"GET", "/volumes/{name}", api_volume_inspect},
	{"DELETE", "/volumes/{name}", api_volume_delete},

	{"GET", "/events", api_events},
	{"GET", "/system/df", api_system_df},
	{"GET", "/swarm", NULL, "swarm mode"},
	{"GET", "/plugins", NULL, "plugins"},
	{"POST", "/session", NULL, "BuildKit sessions"},
};

/* Matches `path` against `pattern`, filling req->params with captures: "{x}" is one path
 * segment, "{x*}" may contain '/' (image names such as "localhost:5000/a/b") and takes
 * everything up to the pattern's fixed suffix. */
static int match(struct http_request *req, const char *pattern, const char *path)
{
	int np = 0;

	while (*pattern) {
		if (*pattern == '{') {
			const char *close = strchr(pattern, '}');
			const char *suffix = close + 1, *end;
			size_t plen = strlen(path), slen = strlen(suffix);
			if (close[-1] == '*') {
				if (plen <= slen || strcmp(path + plen - slen, suffix))
					return 0;
				end = path + plen - slen;
			} else {
				end = path + strcspn(path, "/");
			}
			if (end == path || np == HTTP_MAX_PARAMS)
				return 0;
			req->params[np++] = strndup(path, (size_t)(end - path));
			path = end;
			pattern = suffix;
			continue;
		}
		if (*pattern++ != *path++)
			return 0;
	}
	return !*path;
}

static void free_params(struct http_request *req)
{
	for (int i = 0; i < HTTP_MAX_PARAMS; i++) {
		free(req->params[i]);
		req->params[i] = NULL;
	}
}

void api_handle(struct http_request *req, void *eng)
{
	const char *path = req->path;
	int path_known = 0;
	size_t len = strlen(path);

	/* docker clients send a trailing slash now and then */
	if (len > 1 && path[len - 1] == '/')
		req->path[len - 1] = 0;
	if (req->api_version[0]) {
		int major = 0, minor = 0;
		sscanf(req->api_version, "%d.%d", &major, &minor);
		if (major != 1 || minor < 24) {
			http_reply_error(req, 400,
					 "client version %s is too old. Minimum supported API "
					 "version is 1.24, please upgrade your client to a newer "
					 "version",
					 req->api_version);
			return;
		}
		if (minor > 51) {
			http_reply_error(req, 400,
					 "client version %s is too new. Maximum supported API "
					 "version is 1.51",
					 req->api_version);
			return;
		}
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(*routes); i++) {
		const struct route *r = &routes[i];
		if (!match(req, r->pattern, req->path)) {
			free_params(req);
			continue;
		}
		path_known = 1;
		if (strcmp(r->method, req->method)) {
			free_params(req);
			continue;
		}
		log_debug("%s %s", req->method, req->path);
		if (r->fn)
			r->fn(req, eng);
		else
			http_reply_error(req, 501, "%s is not implemented in berth yet (%s %s)",
					 r->issue, r->method, r->pattern);
		free_params(req);
		return;
	}
	if (path_known)
		http_reply_error(req, 405, "method %s not allowed for %s", req->method, req->path);
	else
		http_reply_error(req, 404, "page not found");
}
