/* Image endpoints: decode the request, call the image store, encode the answer.
 * Uploads (load, import) reach the store as an fd: a thread copies the HTTP body into a
 * socketpair, so chunked bodies of any size stream through without touching memory or
 * disk here. Downloads (save) go the other way round. */
#include "images.h"
#include "body.h"
#include "../engine/events.h"
#include "../common/cleanup.h"
#include "../common/filters.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"
#include "../engine/engine.h"
#include "../image/reference.h"
#include "../image/store.h"

#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- fd -> chunked response ---- */

struct pump {
	int fd;
	pthread_t thread;
	struct image_store *store;
	char **names;
	eng_error_t err;
	int rc;
};

static void *save_thread(void *arg)
{
	struct pump *p = arg;
	p->rc = image_save(p->store, p->names, p->fd, &p->err);
	close(p->fd);
	return NULL;
}

static struct image_store *store_of(struct engine *eng)
{
	return engine_image_store(eng);
}

/* ---- list ---- */

struct list_filter {
	json_t *f;
	int dangling; /* -1: no filter */
	int64_t before_ns, since_ns, until_ns;
};

static int time_of_image(struct engine *eng, const char *name, int64_t *ret, eng_error_t *err)
{
	struct image *img = image_get(store_of(eng), name, err);
	if (!img)
		return -1;
	*ret = img->created_ns;
	image_free(img);
	return 0;
}

static int list_filter_init(struct engine *eng, struct http_request *req, struct list_filter *lf,
                            eng_error_t *err)
{
	static const char *const keys[] = {"dangling", "label", "label!", "reference",
	                                   "before",   "since", "until",  NULL};
	json_t *v;
	size_t i;

	lf->dangling = -1;
	lf->f = filters_parse(http_query(req, "filters"), err);
	if (!lf->f || filters_check_keys(lf->f, keys, err) < 0)
		return -1;
	json_array_foreach(filters_get(lf->f, "dangling"), i, v)
	{
		const char *d = json_string_value(v);
		if (!strcmp(d, "true") || !strcmp(d, "1"))
			lf->dangling = 1;
		else if (!strcmp(d, "false") || !strcmp(d, "0"))
			lf->dangling = 0;
		else
			return eng_error_make(err, EINVAL, ERR_INVALID,
			                      "invalid filter 'dangling=%s'", d);
	}
	json_array_foreach(filters_get(lf->f, "before"), i,
	                   v) if (time_of_image(eng, json_string_value(v), &lf->before_ns, err) <
	                          0) return -1;
	json_array_foreach(filters_get(lf->f, "since"), i,
	                   v) if (time_of_image(eng, json_string_value(v), &lf->since_ns, err) <
	                          0) return -1;
	json_array_foreach(filters_get(lf->f, "until"), i, v)
	{
		if (parse_time_filter(json_string_value(v), now_ns(), &lf->until_ns) < 0)
			return eng_error_make(err, EINVAL, ERR_INVALID,
			                      "failed to parse value as time or duration: \"%s\"",
			                      json_string_value(v));
	}
	return 0;
}

/* docker matches a reference pattern against the familiar name and "name:tag". */
static int ref_matches(json_t *patterns, const char *tag)
{
	_cleanup_free_ char *name = strdup(tag);
	char *colon = strrchr(name, ':');
	json_t *v;
	size_t i;

	if (colon && !strchr(colon, '/'))
		*colon = 0;
	json_array_foreach(patterns, i, v)
	{
		const char *p = json_string_value(v);
		if (!fnmatch(p, name, FNM_PATHNAME) || !fnmatch(p, tag, FNM_PATHNAME))
			return 1;
	}
	return 0;
}

/* Keeps `img` (narrowing its RepoTags for a reference filter), or returns 0. */
static int list_keep(struct list_filter *lf, struct image *img)
{
	json_t *labels = json_object_get(json_object_get(img->config, "config"), "Labels");
	json_t *refs = filters_get(lf->f, "reference");
	int dangling = !img->repo_tags[0];

	if (lf->dangling >= 0 && dangling != lf->dangling)
		return 0;
	if (lf->before_ns && img->created_ns >= lf->before_ns)
		return 0;
	if (lf->since_ns && img->created_ns <= lf->since_ns)
		return 0;
	if (lf->until_ns && img->created_ns > lf->until_ns)
		return 0;
	if (!filters_match_labels(lf->f, "label", labels) ||
	    !filters_match_labels(lf->f, "label!", labels))
		return 0;
	if (json_array_size(refs)) {
		char **kept = calloc(1, sizeof(char *));
		for (char **t = img->repo_tags; *t; t++)
			if (ref_matches(refs, *t))
				kept = strv_push(kept, *t);
		strv_free(img->repo_tags);
		img->repo_tags = kept;
		if (!kept[0])
			return 0;
	}
	return 1;
}

static int by_created_desc(const void *a, const void *b)
{
	const struct image *x = *(struct image *const *)a, *y = *(struct image *const *)b;
	return x->created_ns < y->created_ns ? 1 : x->created_ns > y->created_ns ? -1 : 0;
}

void api_images_list(struct http_request *req, struct engine *eng)
{
	struct list_filter lf = {0};
	struct image **list;
	json_t *out;
	eng_error_t err;
	size_t n = 0;

	if (list_filter_init(eng, req, &lf, &err) < 0) {
		json_decref(lf.f);
		http_reply_err(req, &err);
		return;
	}
	list = image_list(store_of(eng));
	while (list[n])
		n++;
	qsort(list, n, sizeof(*list), by_created_desc);
	out = json_array();
	for (size_t i = 0; i < n; i++)
		if (list_keep(&lf, list[i]))
			json_array_append_new(out, image_summary_json(list[i], -1));
	image_list_free(list);
	json_decref(lf.f);
	http_reply_json(req, 200, out);
}

/* ---- single images ---- */

void api_image_inspect(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	struct image *img = image_get(store_of(eng), req->params[0], &err);

	if (!img) {
		http_reply_err(req, &err);
		return;
	}
	http_reply_json(req, 200, image_inspect_json(img));
	image_free(img);
}

void api_image_history(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	json_t *h = image_history(store_of(eng), req->params[0], &err);

	if (!h) {
		http_reply_err(req, &err);
		return;
	}
	http_reply_json(req, 200, h);
}

/* Image events carry the image's ID and the name the action was about. */
static void image_event(struct engine *eng, const char *action, const char *id,
                        const char *name)
{
	engine_event(eng, "image", action, id, json_pack("{s:s}", "name", name ? name : id));
}

void api_image_tag(struct http_request *req, struct engine *eng)
{
	const char *repo = http_query(req, "repo"), *tag = http_query(req, "tag");
	eng_error_t err;
	struct image *img;

	if (image_tag(store_of(eng), req->params[0], repo, tag, &err) < 0) {
		http_reply_err(req, &err);
		return;
	}
	http_reply_empty(req, 201);
	if ((img = image_get(store_of(eng), req->params[0], &err))) {
		_cleanup_free_ char *name = NULL, *familiar = NULL;
		struct image_ref ref;
		if (asprintf(&name, "%s:%s", repo ? repo : "", tag && *tag ? tag : "latest") < 0)
			abort();
		if (ref_parse(name, &ref, NULL) == 0) {
			familiar = ref_familiar_string(&ref);
			ref_free(&ref);
		}
		image_event(eng, "tag", img->id, familiar ? familiar : name);
		image_free(img);
	}
}

void api_image_delete(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	json_t *report;

	struct image *img = image_get(store_of(eng), req->params[0], &err);
	json_t *entry;
	size_t i;

	if (image_remove(store_of(eng), req->params[0], http_query_bool(req, "force", 0),
	                 http_query_bool(req, "noprune", 0), &report, &err) < 0) {
		image_free(img);
		http_reply_err(req, &err);
		return;
	}
	json_array_foreach(report, i, entry)
	{
		const char *untagged = json_str(entry, "Untagged");
		const char *deleted = json_str(entry, "Deleted");
		if (untagged)
			image_event(eng, "untag", img ? img->id : untagged, untagged);
		if (deleted)
			image_event(eng, "delete", deleted, deleted);
	}
	image_free(img);
	http_reply_json(req, 200, report);
}

void api_images_prune(struct http_request *req, struct engine *eng)
{
	eng_error_t err;
	json_auto_t *f = filters_parse(http_query(req, "filters"), &err);
	json_t *report;

	if (!f || image_prune(store_of(eng), 0, f, &report, &err) < 0) {
		http_reply_err(req, &err);
		return;
	}
	http_reply_json(req, 200, report);
}

/* ---- load, save, import ---- */

void api_images_load(struct http_request *req, struct engine *eng)
{
	struct body_pump p = {0};
	json_t *loaded = NULL, *line;
	eng_error_t err;
	size_t i;
	int fd = body_fd_start(req, &p), rc;

	if (fd < 0) {
		http_reply_error(req, 500, "starting the upload: %s", strerror(errno));
		return;
	}
	rc = image_load(store_of(eng), fd, NULL, NULL, &loaded, &err);
	body_fd_finish(&p, fd);
	if (rc < 0) {
		http_reply_err(req, &err);
		return;
	}
	/* quiet or not, the CLI reads the same JSON message stream; without progress bars
	 * there is nothing more to show than these lines */
	http_stream_begin(req, 200, "application/json");
	json_array_foreach(loaded, i, line)
	{
		const char *l = json_string_value(line);
		const char *name = strstr(l, ": ") ? strstr(l, ": ") + 2 : l;
		struct image *img = image_get(store_of(eng), name, &err);
		if (img) {
			image_event(eng, "load", img->id, name);
			image_free(img);
		}
		_cleanup_free_ char *s = NULL;
		if (asprintf(&s, "%s\n", json_string_value(line)) < 0)
			abort();
		http_stream_json(req, json_pack("{s:s}", "stream", s));
	}
	http_stream_end(req);
	json_decref(loaded);
}

void api_images_get(struct http_request *req, struct engine *eng)
{
	_cleanup_strv_ char **names = NULL, **ids = NULL;
	struct pump p = {0};
	eng_error_t err;
	int sv[2];
	char buf[64 * 1024];
	ssize_t n;

	if (req->params[0]) {
		names = calloc(2, sizeof(char *));
		names[0] = strdup(req->params[0]);
	} else {
		names = http_query_all(req, "names");
	}
	if (!names || !names[0]) {
		http_reply_error(req, 400, "no images specified");
		return;
	}
	/* every name must exist before the 200 goes out */
	for (char **nm = names; *nm; nm++) {
		struct image *img = image_get(store_of(eng), *nm, &err);
		if (!img) {
			http_reply_err(req, &err);
			return;
		}
		ids = strv_push(ids, img->id);
		image_free(img);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		http_reply_error(req, 500, "socketpair: %s", strerror(errno));
		return;
	}
	p.store = store_of(eng);
	p.names = names;
	p.fd = sv[1];
	if (pthread_create(&p.thread, NULL, save_thread, &p) != 0) {
		close(sv[0]);
		close(sv[1]);
		http_reply_error(req, 500, "starting the export");
		return;
	}
	http_stream_begin(req, 200, "application/x-tar");
	while ((n = read(sv[0], buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || http_stream_write(req, buf, (size_t)n) < 0)
			break;
	}
	close(sv[0]); /* a writer still going gets EPIPE and stops */
	pthread_join(p.thread, NULL);
	for (char **id = ids; p.rc == 0 && *id; id++)
		image_event(eng, "save", *id, *id); /* dockerd names the ID here too */
	/* an error after the first byte can only cut the stream short: the CLI then
	 * reports a truncated archive */
	http_stream_end(req);
}

static void import(struct http_request *req, struct engine *eng)
{
	_cleanup_strv_ char **changes = http_query_all(req, "changes");
	_cleanup_free_ char *repo_tag = NULL;
	const char *repo = http_query(req, "repo"), *tag = http_query(req, "tag");
	const char *message = http_query(req, "message");
	struct body_pump p = {0};
	eng_error_t err;
	char id[72];
	int fd, rc;

	if (repo && *repo &&
	    asprintf(&repo_tag, "%s%s%s", repo, tag && *tag ? ":" : "", tag && *tag ? tag : "") < 0)
		abort();
	fd = body_fd_start(req, &p);
	if (fd < 0) {
		http_reply_error(req, 500, "starting the upload: %s", strerror(errno));
		return;
	}
	rc = image_import(store_of(eng), fd, repo_tag, changes,
	                  message && *message ? message : "Imported from -", id, &err);
	body_fd_finish(&p, fd);
	if (rc < 0) {
		http_reply_err(req, &err);
		return;
	}
	http_stream_begin(req, 200, "application/json");
	http_stream_json(req, json_pack("{s:s}", "status", id));
	http_stream_end(req);
	image_event(eng, "import", id, repo_tag);
}

void api_images_create(struct http_request *req, struct engine *eng)
{
	const char *src = http_query(req, "fromSrc");

	if (src && !strcmp(src, "-")) {
		import(req, eng);
		return;
	}
	http_body_discard(req);
	if (src && *src) {
		http_reply_error(req, 501, "importing from a URL is not implemented yet");
		return;
	}
	if (!http_query(req, "fromImage") || !*http_query(req, "fromImage")) {
		http_reply_error(req, 400, "fromImage or fromSrc must be set");
		return;
	}
	http_reply_error(req, 501, "pulling from registries is not implemented yet");
}
