/* Registry client: endpoints, TLS material, auth challenges, and the few v2 calls pull,
 * push and login need. Bodies that can be large (blobs) are never held in memory: they go
 * to a sink as they arrive, or are read from an fd as they are sent. */
#include "registry.h"
#include "../common/cleanup.h"
#include "../common/digest.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../common/strv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_MANIFEST (4 << 20)
#define MAX_ERROR_BODY (64 << 10)
#define CHUNKED_ABOVE ((int64_t)32 << 20)

static const char *const manifest_accept =
    "Accept: application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.oci.image.index.v1+json";

static __thread char last_code[64];

const char *registry_error_code(void)
{
	return last_code;
}

struct registry {
	const struct registry_options *opts;
	char *domain, *path, *base, *scope;
	char *ca, *cert, *key; /* certs.d material for the endpoint, NULL when none */
	struct registry_auth auth;
	pthread_mutex_t lock;
	char *authorization; /* "Bearer ..." or "Basic ..." once known */
	char **cands;        /* endpoints in the order to try: mirrors first */
	size_t nmirrors, cur, next;
};

/* ---- X-Registry-Auth ---- */

static char *b64_decode(const char *in, size_t *ret_len)
{
	size_t n = strlen(in), m = (n + 3) / 4 * 4;
	_cleanup_free_ char *norm = calloc(1, m + 1);
	unsigned char *out;
	int len;

	for (size_t i = 0; i < n; i++)
		norm[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
	for (size_t i = n; i < m; i++)
		norm[i] = '=';
	out = malloc(m / 4 * 3 + 1);
	len = EVP_DecodeBlock(out, (unsigned char *)norm, (int)m);
	if (len < 0) {
		free(out);
		return NULL;
	}
	for (size_t i = m; i > 0 && norm[i - 1] == '='; i--)
		len--;
	out[len] = 0;
	*ret_len = (size_t)len;
	return (char *)out;
}

static char *b64_encode(const char *in, size_t n)
{
	char *out = malloc((n + 2) / 3 * 4 + 1);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)in, (int)n);
	return out;
}

static char *dup_nonempty(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

int registry_auth_decode(const char *header, struct registry_auth *ret, eng_error_t *err)
{
	_cleanup_free_ char *raw = NULL;
	json_auto_t *doc = NULL;
	size_t len;

	memset(ret, 0, sizeof(*ret));
	if (!header || !*header)
		return 0;
	raw = b64_decode(header, &len);
	doc = raw ? json_loadb(raw, len, 0, NULL) : NULL;
	if (!json_is_object(doc))
		return eng_error_make(err, EINVAL, ERR_INVALID,
		                      "invalid X-Registry-Auth header: not base64 JSON");
	ret->username = dup_nonempty(json_str(doc, "username"));
	ret->password = dup_nonempty(json_str(doc, "password"));
	ret->identity_token = dup_nonempty(json_str(doc, "identitytoken"));
	ret->server = dup_nonempty(json_str(doc, "serveraddress"));
	return 0;
}

void registry_auth_free(struct registry_auth *a)
{
	free(a->username);
	free(a->password);
	free(a->identity_token);
	free(a->server);
	memset(a, 0, sizeof(*a));
}

char *registry_server_domain(const char *server)
{
	const char *s = server ? server : "";
	char *out;

	if (!strncmp(s, "https://", 8))
		s += 8;
	else if (!strncmp(s, "http://", 7))
		s += 7;
	out = strndup(s, strcspn(s, "/"));
	if (!*out || !strcmp(out, "index.docker.io") || !strcmp(out, "registry-1.docker.io") ||
	    !strcmp(out, "registry.hub.docker.com")) {
		free(out);
		out = strdup("docker.io");
	}
	return out;
}

/* ---- endpoints ---- */

static int cidr_contains(const char *cidr, const char *host)
{
	_cleanup_free_ char *net = strdup(cidr);
	char *slash = strchr(net, '/');
	struct in_addr a, n;
	long bits;

	if (!slash)
		return 0;
	*slash = 0;
	bits = strtol(slash + 1, NULL, 10);
	if (bits < 0 || bits > 32 || inet_pton(AF_INET, net, &n) != 1 ||
	    inet_pton(AF_INET, host, &a) != 1)
		return 0;
	uint32_t mask = bits ? htonl(~0u << (32 - bits)) : 0;
	return (a.s_addr & mask) == (n.s_addr & mask);
}

int registry_insecure(const struct registry_options *o, const char *domain)
{
	_cleanup_free_ char *host = NULL;

	if (domain[0] == '[')
		host = strndup(domain + 1, strcspn(domain + 1, "]"));
	else
		host = strndup(domain, strcspn(domain, ":"));
	if (!strcmp(host, "localhost") || !strcmp(host, "::1") ||
	    cidr_contains("127.0.0.0/8", host))
		return 1;
	for (char **i = o ? o->insecure : NULL; i && *i; i++)
		if (!strcmp(*i, domain) || !strcmp(*i, host) || cidr_contains(*i, host))
			return 1;
	return 0;
}

static char *certs_file(const struct registry_options *o, const char *hostport, const char *name)
{
	_cleanup_free_ char *dir = NULL;
	char *p;
	struct stat st;

	if (!o || !o->certs_dir)
		return NULL;
	dir = path_join(o->certs_dir, hostport);
	p = path_join(dir, name);
	if (stat(p, &st) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

/* ---- requests ---- */

struct resp {
	CURL *h;
	long status;
	char *www_auth, *ctype, *location, *link;
	char *body;
	size_t len, max;
	registry_sink_fn sink;
	void *ctx;
	int sink_stopped, too_big;
	/* upload */
	int fd;
	int64_t sent, total;
	registry_sent_fn sent_fn;
	void *sent_ctx;
};

static void resp_free(struct resp *r)
{
	free(r->www_auth);
	free(r->ctype);
	free(r->location);
	free(r->link);
	free(r->body);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

static void set_header(char **dst, const char *v, size_t n)
{
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	while (n && *v == ' ')
		v++, n--;
	free(*dst);
	*dst = strndup(v, n);
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *arg)
{
	struct resp *r = arg;
	size_t n = size * nitems;
	const char *colon = memchr(buf, ':', n);

	if (n >= 5 && !strncmp(buf, "HTTP/", 5)) {
		/* a new response (after a redirect or 100-continue) */
		free(r->www_auth);
		free(r->ctype);
		r->www_auth = r->ctype = NULL;
		return n;
	}
	if (!colon)
		return n;
	size_t klen = (size_t)(colon - buf), vlen = n - klen - 1;
	if (klen == 16 && !strncasecmp(buf, "WWW-Authenticate", 16))
		set_header(&r->www_auth, colon + 1, vlen);
	else if (klen == 12 && !strncasecmp(buf, "Content-Type", 12))
		set_header(&r->ctype, colon + 1, vlen);
	else if (klen == 8 && !strncasecmp(buf, "Location", 8))
		set_header(&r->location, colon + 1, vlen);
	else if (klen == 4 && !strncasecmp(buf, "Link", 4))
		set_header(&r->link, colon + 1, vlen);
	return n;
}

static size_t on_body(char *buf, size_t size, size_t nitems, void *arg)
{
	struct resp *r = arg;
	size_t n = size * nitems;
	long status = 0;

	curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
	if (r->sink && status >= 200 && status < 300) {
		if (r->sink(r->ctx, buf, n) < 0) {
			r->sink_stopped = 1;
			return 0;
		}
		return n;
	}
	size_t max = status >= 200 && status < 300 ? r->max : MAX_ERROR_BODY;
	if (r->len + n > max) {
		r->too_big = 1;
		return 0;
	}
	r->body = realloc(r->body, r->len + n + 1);
	memcpy(r->body + r->len, buf, n);
	r->len += n;
	r->body[r->len] = 0;
	return n;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct resp *r = arg;
	size_t want = size * nitems;
	ssize_t n;

	if ((int64_t)want > r->total - r->sent)
		want = (size_t)(r->total - r->sent);
	if (!want)
		return 0;
	do
		n = read(r->fd, buf, want);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return CURL_READFUNC_ABORT;
	r->sent += n;
	if (r->sent_fn)
		r->sent_fn(r->sent_ctx, r->sent, r->total);
	return (size_t)n;
}

static const char *method_word(const char *m)
{
	/* docker's messages spell the method the Go way */
	if (!strcmp(m, "GET"))
		return "Get";
	if (!strcmp(m, "HEAD"))
		return "Head";
	if (!strcmp(m, "PUT"))
		return "Put";
	if (!strcmp(m, "PATCH"))
		return "Patch";
	return "Post";
}

struct req {
	const char *method;
	const char *url;
	struct curl_slist *headers;
	const char *body; /* small in-memory body */
	size_t body_len;
	int upload;     /* stream resp.fd / resp.total */
	long timeout_s; /* whole transfer; 0 for none (blobs) */
};

static CURL *easy_new(struct registry *r, const struct req *q, struct resp *rs, char *errbuf)
{
	CURL *h = curl_easy_init();

	if (!h)
		abort();
	rs->h = h;
	curl_easy_setopt(h, CURLOPT_URL, q->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "docker/28.0 (berth)");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	/* a stalled transfer fails instead of hanging a pull forever */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	if (q->timeout_s)
		curl_easy_setopt(h, CURLOPT_TIMEOUT, q->timeout_s);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, rs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, rs);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, q->headers);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	if (r && r->ca)
		curl_easy_setopt(h, CURLOPT_CAINFO, r->ca);
	if (r && r->cert && r->key) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, r->cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY, r->key);
	}
	if (!strcmp(q->method, "GET")) {
		/* blobs are often served by a redirect to storage; curl drops our
		 * Authorization header when the host changes */
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	} else if (!strcmp(q->method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (q->upload) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, rs);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)rs->total);
	} else {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body ? q->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
	}
	return h;
}

/* One HTTP exchange, no auth logic. -1 only for transport failures. */
static int perform(struct registry *r, const struct req *q, struct resp *rs, eng_error_t *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *h = easy_new(r, q, rs, errbuf);
	CURLcode c = curl_easy_perform(h);
	long oserr = 0;

	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rs->status);
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
	curl_easy_cleanup(h);
	rs->h = NULL;
	if (c == CURLE_OK)
		return 0;
	if (c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST) {
		/* worded as dockerd's Go net errors, which scripts grep for */
		const char *hp = strstr(q->url, "://") ? strstr(q->url, "://") + 3 : q->url;
		_cleanup_free_ char *host = strndup(hp, strcspn(hp, "/"));
		_cleanup_free_ char *hostport = NULL;
		if (asprintf(&hostport, "%s%s", host,
		             strchr(host, ':')              ? ""
		             : !strncmp(q->url, "https", 5) ? ":443"
		                                            : ":80") < 0)
			abort();
		last_code[0] = 0;
		if (c == CURLE_COULDNT_RESOLVE_HOST) {
			host[strcspn(host, ":")] = 0;
			return eng_error_make(err, EHOSTUNREACH, ERR_UNAVAILABLE,
			                      "%s \"%s\": dial tcp: lookup %s: no such host",
			                      method_word(q->method), q->url, host);
		}
		char reason[128];
		snprintf(reason, sizeof(reason), "%s", strerror(oserr ? (int)oserr : ECONNREFUSED));
		reason[0] = (char)tolower((unsigned char)reason[0]);
		return eng_error_make(err, oserr ? (int)oserr : ECONNREFUSED, ERR_UNAVAILABLE,
		                      "%s \"%s\": dial tcp %s: connect: %s", method_word(q->method),
		                      q->url, hostport, reason);
	}
	if (rs->sink_stopped)
		return eng_error_make(err, EIO, ERR_INTERNAL, "%s \"%s\": transfer stopped",
		                      method_word(q->method), q->url);
	if (rs->too_big)
		return eng_error_make(err, EFBIG, ERR_INVALID, "%s \"%s\": response too large",
		                      method_word(q->method), q->url);
	last_code[0] = 0;
	return eng_error_make(err, EIO, ERR_UNAVAILABLE, "%s \"%s\": %s", method_word(q->method),
	                      q->url, *errbuf ? errbuf : curl_easy_strerror(c));
}

/* docker's rendering of a registry error body: "<code in words>: <message>". */
static int registry_error(const struct req *q, struct resp *rs, eng_error_t *err)
{
	json_auto_t *doc = rs->body ? json_loads(rs->body, 0, NULL) : NULL;
	json_t *e = json_array_get(json_object_get(doc, "errors"), 0);
	const char *code = json_str(e, "code");
	err_kind_t kind = rs->status == 404                        ? ERR_NOT_FOUND
	                  : rs->status == 401 || rs->status == 403 ? ERR_FORBIDDEN
	                                                           : ERR_INTERNAL;

	last_code[0] = 0;
	if (code) {
		char words[64];
		size_t i;
		snprintf(last_code, sizeof(last_code), "%s", code);
		for (i = 0; code[i] && i + 1 < sizeof(words); i++)
			words[i] = code[i] == '_' ? ' ' : (char)tolower((unsigned char)code[i]);
		words[i] = 0;
		const char *msg = json_str(e, "message");
		return eng_error_make(err, EPROTO, kind, "%s: %s", words,
		                      msg && *msg ? msg : words);
	}
	if (rs->status == 401) {
		snprintf(last_code, sizeof(last_code), "UNAUTHORIZED");
		return eng_error_make(err, EACCES, kind, "unauthorized: authentication required");
	}
	return eng_error_make(err, EPROTO, kind, "received unexpected HTTP status: %ld %s",
	                      rs->status, rs->status == 404 ? "Not Found" : "");
}

/* ---- auth ---- */

char *registry_challenge_param(const char *ch, const char *key)
{
	size_t kl = strlen(key);
	const char *p = strchr(ch, ' ');

	while (p && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *eq = strchr(p, '=');
		if (!eq)
			return NULL;
		int match = (size_t)(eq - p) == kl && !strncasecmp(p, key, kl);
		const char *v = eq + 1, *end;
		if (*v == '"') {
			v++;
			end = strchr(v, '"');
			if (!end)
				return NULL;
		} else {
			end = v + strcspn(v, ",");
		}
		if (match)
			return strndup(v, (size_t)(end - v));
		p = *end == '"' ? end + 1 : end;
	}
	return NULL;
}

static char *url_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *out = strdup(e);
	curl_free(e);
	return out;
}

static char *basic_header(const struct registry_auth *a)
{
	_cleanup_free_ char *pair = NULL, *b64 = NULL;
	char *out;

	if (asprintf(&pair, "%s:%s", a->username, a->password ? a->password : "") < 0)
		abort();
	b64 = b64_encode(pair, strlen(pair));
	if (asprintf(&out, "Authorization: Basic %s", b64) < 0)
		abort();
	return out;
}

/* Answers a Bearer challenge: a token from the realm for `scope`. */
static int fetch_token(struct registry *r, const char *challenge, const char *scope,
                       char **ret_header, char **ret_refresh, eng_error_t *err)
{
	_cleanup_free_ char *realm = registry_challenge_param(challenge, "realm");
	_cleanup_free_ char *service = registry_challenge_param(challenge, "service");
	_cleanup_free_ char *url = NULL, *esvc = NULL, *escope = NULL, *form = NULL;
	_cleanup_free_ char *basic = NULL;
	struct curl_slist *hdrs = NULL;
	struct resp rs = {.fd = -1, .max = 1 << 20};
	struct req q = {.method = "GET", .timeout_s = 60};
	json_auto_t *doc = NULL;
	const char *tok;
	int rc = -1;

	if (!realm)
		return eng_error_make(err, EPROTO, ERR_INTERNAL,
		                      "bearer challenge without a realm from %s", r->base);
	esvc = url_escape(service ? service : "");
	escope = url_escape(scope ? scope : "");
	if (r->auth.identity_token) {
		/* an identity token is an OAuth2 refresh token */
		_cleanup_free_ char *etok = url_escape(r->auth.identity_token);
		if (asprintf(&form,
		             "grant_type=refresh_token&client_id=docker&service=%s&scope=%s"
		             "&refresh_token=%s",
		             esvc, escope, etok) < 0)
			abort();
		q.method = "POST";
		q.body = form;
		q.body_len = strlen(form);
		url = strdup(realm);
		hdrs = curl_slist_append(hdrs, "Content-Type: application/x-www-form-urlencoded");
	} else {
		if (asprintf(&url, "%s%sservice=%s%s%s%s", realm, strchr(realm, '?') ? "&" : "?",
		             esvc, scope ? "&scope=" : "", scope ? escope : "",
		             ret_refresh && r->auth.username
		                 ? "&offline_token=true&client_id=docker"
		                 : "") < 0)
			abort();
		if (r->auth.username) {
			basic = basic_header(&r->auth);
			hdrs = curl_slist_append(hdrs, basic);
		}
	}
	q.url = url;
	q.headers = hdrs;
	if (perform(NULL, &q, &rs, err) < 0)
		goto out;
	if (rs.status != 200) {
		registry_error(&q, &rs, err);
		if (rs.status == 401 && !json_loads(rs.body ? rs.body : "", 0, NULL))
			eng_error_make(err, EACCES, ERR_FORBIDDEN,
			               "unauthorized: incorrect username or password");
		goto out;
	}
	doc = json_loads(rs.body ? rs.body : "", 0, NULL);
	tok = json_str(doc, "token") ?: json_str(doc, "access_token");
	if (!tok) {
		eng_error_make(err, EPROTO, ERR_INTERNAL, "token server %s sent no token", realm);
		goto out;
	}
	if (asprintf(ret_header, "Authorization: Bearer %s", tok) < 0)
		abort();
	if (ret_refresh)
		*ret_refresh = dup_nonempty(json_str(doc, "refresh_token"));
	rc = 0;
out:
	curl_slist_free_all(hdrs);
	resp_free(&rs);
	return rc;
}

/* Turns a 401's challenge into an Authorization header for the next attempt. */
static int answer_challenge(struct registry *r, const char *challenge, eng_error_t *err)
{
	char *hdr = NULL;

	if (!challenge)
		return eng_error_make(err, EACCES, ERR_FORBIDDEN,
		                      "unauthorized: authentication required");
	if (!strncasecmp(challenge, "Bearer", 6)) {
		_cleanup_free_ char *scope = registry_challenge_param(challenge, "scope");
		if (fetch_token(r, challenge, r->scope ? r->scope : scope, &hdr, NULL, err) < 0)
			return -1;
	} else if (!strncasecmp(challenge, "Basic", 5)) {
		if (!r->auth.username) {
			/* docker passes this one through untranslated */
			last_code[0] = 0;
			return eng_error_make(err, EACCES, ERR_FORBIDDEN,
			                      "no basic auth credentials");
		}
		hdr = basic_header(&r->auth);
	} else {
		return eng_error_make(err, EPROTO, ERR_INTERNAL,
		                      "unsupported authentication challenge from %s", r->base);
	}
	pthread_mutex_lock(&r->lock);
	free(r->authorization);
	r->authorization = hdr;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

/* A request with the current credentials; on a 401 the challenge is answered and the
 * request tried once more (not for streamed uploads: their body is gone). Returns the
 * HTTP status, -1 on transport errors. */
static long request(struct registry *r, struct req q, const char *extra_header, struct resp *rs,
                    eng_error_t *err)
{
	for (int attempt = 0;; attempt++) {
		struct curl_slist *hdrs = NULL;
		int64_t sent0 = rs->sent;
		int rc;
		pthread_mutex_lock(&r->lock);
		if (r->authorization)
			hdrs = curl_slist_append(hdrs, r->authorization);
		pthread_mutex_unlock(&r->lock);
		if (extra_header)
			hdrs = curl_slist_append(hdrs, extra_header);
		if (q.upload)
			hdrs = curl_slist_append(hdrs, "Content-Type: application/octet-stream");
		hdrs = curl_slist_append(hdrs, "Expect:");
		q.headers = hdrs;
		rc = perform(r, &q, rs, err);
		curl_slist_free_all(hdrs);
		if (rc < 0)
			return -1;
		if (rs->status != 401 || attempt > 0 || (q.upload && rs->sent != sent0))
			return rs->status;
		_cleanup_free_ char *ch = rs->www_auth ? strdup(rs->www_auth) : NULL;
		free(rs->body);
		rs->body = NULL;
		rs->len = 0;
		if (answer_challenge(r, ch, err) < 0)
			return -1;
	}
}

static char *url_for(struct registry *r, const char *kind, const char *ref)
{
	char *u;
	if (asprintf(&u, "%s/v2/%s/%s/%s", r->base, r->path, kind, ref) < 0)
		abort();
	return u;
}

/* ---- open ---- */

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int ping(struct registry *r, const char *base, struct resp *rs, eng_error_t *err)
{
	_cleanup_free_ char *url = NULL;
	struct req q = {.method = "GET", .timeout_s = 30};

	if (asprintf(&url, "%s/v2/", base) < 0)
		abort();
	q.url = url;
	return perform(r, &q, rs, err);
}

static char **endpoint_candidates(const struct registry_options *o, const char *domain,
                                  size_t *ret_nmirrors)
{
	char **cands = calloc(1, sizeof(char *));

	*ret_nmirrors = 0;
	if (!strcmp(domain, "docker.io")) {
		for (char **m = o ? o->mirrors : NULL; m && *m; m++) {
			size_t n = strlen(*m);
			_cleanup_free_ char *c = strndup(*m, n && (*m)[n - 1] == '/' ? n - 1 : n);
			cands = strv_push(cands, c);
			(*ret_nmirrors)++;
		}
		cands = strv_push(cands, "https://registry-1.docker.io");
	} else {
		_cleanup_free_ char *https = NULL, *http = NULL;
		if (asprintf(&https, "https://%s", domain) < 0 ||
		    asprintf(&http, "http://%s", domain) < 0)
			abort();
		cands = strv_push(cands, https);
		if (registry_insecure(o, domain))
			cands = strv_push(cands, http);
	}
	return cands;
}

/* The first candidate endpoint from r->next on that answers /v2/; with `authenticate`, its
 * challenge is answered right away so that bad credentials fail before anything starts. */
static int choose_endpoint(struct registry *r, int authenticate, eng_error_t *err)
{
	eng_error_t first;
	int have_first = 0;

	for (; r->cands[r->next]; r->next++) {
		const char *c = r->cands[r->next];
		int last = !r->cands[r->next + 1];
		struct resp rs = {.fd = -1, .max = 1 << 20};
		const char *hostport = strstr(c, "://") + 3;
		eng_error_t e;
		free(r->ca);
		free(r->cert);
		free(r->key);
		r->ca = certs_file(r->opts, hostport, "ca.crt");
		r->cert = certs_file(r->opts, hostport, "client.cert");
		r->key = certs_file(r->opts, hostport, "client.key");
		if (ping(r, c, &rs, &e) < 0 || (rs.status != 200 && rs.status != 401 && !last)) {
			if (!have_first) {
				if (rs.status && rs.status != 200 && rs.status != 401)
					eng_error_make(&e, EPROTO, ERR_UNAVAILABLE,
					               "Get \"%s/v2/\": unexpected status %ld", c,
					               rs.status);
				first = e;
				have_first = 1;
			}
			log_debug("registry endpoint %s: %s", c, e.msg);
			resp_free(&rs);
			continue;
		}
		free(r->base);
		r->base = strdup(c);
		r->cur = r->next++;
		if (authenticate && rs.status == 401 && rs.www_auth &&
		    (r->auth.username || r->auth.identity_token ||
		     !strncasecmp(rs.www_auth, "Bearer", 6))) {
			/* authenticate now, so a bad login fails before anything starts */
			_cleanup_free_ char *ch = strdup(rs.www_auth);
			resp_free(&rs);
			return answer_challenge(r, ch, err);
		}
		resp_free(&rs);
		return 0;
	}
	if (err && have_first)
		*err = first;
	else if (err)
		eng_error_make(err, EHOSTUNREACH, ERR_UNAVAILABLE, "no registry endpoint answered");
	return -1;
}

int registry_fallback(struct registry *r, eng_error_t *err)
{
	if (r->cur >= r->nmirrors)
		return 0;
	pthread_mutex_lock(&r->lock);
	free(r->authorization);
	r->authorization = NULL;
	pthread_mutex_unlock(&r->lock);
	return choose_endpoint(r, 1, err) < 0 ? -1 : 1;
}

int registry_open(const struct registry_options *o, const char *domain, const char *path,
                  const struct registry_auth *auth, int push, struct registry **ret,
                  eng_error_t *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct registry *r = calloc(1, sizeof(*r));

	pthread_once(&once, curl_init);
	last_code[0] = 0;
	r->opts = o;
	r->domain = strdup(domain);
	r->path = path ? strdup(path) : NULL;
	if (path && asprintf(&r->scope, "repository:%s:%s", path, push ? "pull,push" : "pull") < 0)
		abort();
	pthread_mutex_init(&r->lock, NULL);
	if (auth) {
		r->auth.username = auth->username ? strdup(auth->username) : NULL;
		r->auth.password = auth->password ? strdup(auth->password) : NULL;
		r->auth.identity_token = auth->identity_token ? strdup(auth->identity_token) : NULL;
	}
	r->cands = endpoint_candidates(o, domain, &r->nmirrors);
	if (choose_endpoint(r, 1, err) < 0) {
		registry_close(r);
		return -1;
	}
	*ret = r;
	return 0;
}

void registry_close(struct registry *r)
{
	if (!r)
		return;
	free(r->domain);
	free(r->path);
	free(r->base);
	free(r->scope);
	free(r->ca);
	free(r->cert);
	free(r->key);
	free(r->authorization);
	strv_free(r->cands);
	registry_auth_free(&r->auth);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

const char *registry_base_url(const struct registry *r)
{
	return r->base;
}

/* ---- v2 calls ---- */

int registry_get_manifest(struct registry *r, const char *reference, char **ret_body,
                          size_t *ret_len, char **ret_media_type, char ret_digest[72],
                          eng_error_t *err)
{
	_cleanup_free_ char *url = url_for(r, "manifests", reference);
	struct resp rs = {.fd = -1, .max = MAX_MANIFEST};
	struct req q = {.method = "GET", .url = url, .timeout_s = 120};
	char hex[65];
	long st = request(r, q, manifest_accept, &rs, err);

	if (st < 0 || st != 200) {
		if (st >= 0)
			registry_error(&q, &rs, err);
		resp_free(&rs);
		return -1;
	}
	sha256_hex(rs.body ? rs.body : "", rs.len, hex);
	snprintf(ret_digest, 72, "sha256:%s", hex);
	*ret_len = rs.len;
	*ret_body = rs.body ? rs.body : strdup("");
	rs.body = NULL;
	*ret_media_type = rs.ctype ? strndup(rs.ctype, strcspn(rs.ctype, ";")) : strdup("");
	resp_free(&rs);
	return 0;
}

int registry_get_blob(struct registry *r, const char *digest, registry_sink_fn sink, void *ctx,
                      eng_error_t *err)
{
	_cleanup_free_ char *url = url_for(r, "blobs", digest);
	struct resp rs = {.fd = -1, .max = MAX_ERROR_BODY, .sink = sink, .ctx = ctx};
	struct req q = {.method = "GET", .url = url};
	long st = request(r, q, NULL, &rs, err);
	int rc = 0;

	if (st < 0)
		rc = -1;
	else if (st != 200)
		rc = registry_error(&q, &rs, err);
	resp_free(&rs);
	return rc;
}

int registry_blob_exists(struct registry *r, const char *digest, int64_t *ret_size,
                         eng_error_t *err)
{
	_cleanup_free_ char *url = url_for(r, "blobs", digest);
	struct resp rs = {.fd = -1, .max = MAX_ERROR_BODY};
	struct req q = {.method = "HEAD", .url = url, .timeout_s = 60};
	long st = request(r, q, NULL, &rs, err);

	resp_free(&rs);
	if (st < 0)
		return -1;
	if (st == 200) {
		if (ret_size)
			*ret_size = -1;
		return 1;
	}
	if (st == 404)
		return 0;
	return registry_error(&q, &rs, err);
}

static char *absolute_location(struct registry *r, const char *loc)
{
	char *u;
	if (strstr(loc, "://"))
		return strdup(loc);
	if (asprintf(&u, "%s%s", r->base, loc) < 0)
		abort();
	return u;
}

/* POST .../blobs/uploads/ (with `query`): status, and the upload URL on 202. */
static long upload_start(struct registry *r, const char *query, char **ret_location,
                         eng_error_t *err)
{
	_cleanup_free_ char *url = NULL;
	struct resp rs = {.fd = -1, .max = MAX_ERROR_BODY};
	struct req q = {.method = "POST", .timeout_s = 60};
	long st;

	if (asprintf(&url, "%s/v2/%s/blobs/uploads/%s", r->base, r->path, query) < 0)
		abort();
	q.url = url;
	st = request(r, q, NULL, &rs, err);
	if (st == 202 && rs.location)
		*ret_location = absolute_location(r, rs.location);
	else if (st >= 0 && st != 201)
		st = registry_error(&q, &rs, err);
	resp_free(&rs);
	return st;
}

int registry_blob_mount(struct registry *r, const char *digest, const char *from_path,
                        eng_error_t *err)
{
	_cleanup_free_ char *query = NULL, *loc = NULL, *efrom = url_escape(from_path);
	long st;

	if (asprintf(&query, "?mount=%s&from=%s", digest, efrom) < 0)
		abort();
	st = upload_start(r, query, &loc, err);
	if (st < 0)
		return -1;
	return st == 201;
}

static char *with_query(const char *url, const char *kv)
{
	char *u;
	if (asprintf(&u, "%s%s%s", url, strchr(url, '?') ? "&" : "?", kv) < 0)
		abort();
	return u;
}

int registry_blob_upload(struct registry *r, const char *digest, int fd, int64_t size,
                         registry_sent_fn sent, void *ctx, eng_error_t *err)
{
	_cleanup_free_ char *loc = NULL, *dq = NULL, *put_url = NULL;
	struct resp rs = {
	    .fd = fd, .total = size, .sent_fn = sent, .sent_ctx = ctx, .max = MAX_ERROR_BODY};
	struct req q = {.upload = 1};
	long st = upload_start(r, "", &loc, err);

	if (st < 0)
		return -1;
	if (st != 202 || !loc)
		return eng_error_make(err, EPROTO, ERR_INTERNAL,
		                      "registry did not open an upload for %s", digest);
	if (asprintf(&dq, "digest=%s", digest) < 0)
		abort();
	if (size > CHUNKED_ABOVE) {
		/* one streamed PATCH, then a PUT that closes the upload */
		q.method = "PATCH";
		q.url = loc;
		st = request(r, q, NULL, &rs, err);
		if (st < 0 || st != 202) {
			if (st >= 0)
				registry_error(&q, &rs, err);
			resp_free(&rs);
			return -1;
		}
		put_url = with_query(rs.location ? rs.location : loc, dq);
		if (!strstr(put_url, "://")) {
			char *abs = absolute_location(r, put_url);
			free(put_url);
			put_url = abs;
		}
		resp_free(&rs);
		q.upload = 0;
		q.method = "PUT";
		q.url = put_url;
		q.timeout_s = 300;
	} else {
		put_url = with_query(loc, dq);
		q.method = "PUT";
		q.url = put_url;
	}
	st = request(r, q, NULL, &rs, err);
	if (st >= 0 && st != 201 && st != 204)
		registry_error(&q, &rs, err);
	resp_free(&rs);
	return st == 201 || st == 204 ? 0 : -1;
}

int registry_put_manifest(struct registry *r, const char *reference, const char *media_type,
                          const char *body, size_t len, eng_error_t *err)
{
	_cleanup_free_ char *url = url_for(r, "manifests", reference), *ct = NULL;
	struct resp rs = {.fd = -1, .max = MAX_ERROR_BODY};
	struct req q = {
	    .method = "PUT", .url = url, .body = body, .body_len = len, .timeout_s = 120};
	long st;

	if (asprintf(&ct, "Content-Type: %s", media_type) < 0)
		abort();
	st = request(r, q, ct, &rs, err);
	if (st >= 0 && st != 201 && st != 200)
		registry_error(&q, &rs, err);
	resp_free(&rs);
	return st == 201 || st == 200 ? 0 : -1;
}

int registry_list_tags(struct registry *r, char ***ret, eng_error_t *err)
{
	_cleanup_free_ char *url = NULL;
	char **tags = calloc(1, sizeof(char *));

	if (asprintf(&url, "%s/v2/%s/tags/list", r->base, r->path) < 0)
		abort();
	for (int page = 0; url && page < 100; page++) {
		struct resp rs = {.fd = -1, .max = MAX_MANIFEST};
		struct req q = {.method = "GET", .url = url, .timeout_s = 60};
		long st = request(r, q, NULL, &rs, err);
		json_auto_t *doc = NULL;
		json_t *t;
		size_t i;
		if (st != 200) {
			if (st >= 0)
				registry_error(&q, &rs, err);
			resp_free(&rs);
			strv_free(tags);
			return -1;
		}
		doc = json_loads(rs.body ? rs.body : "", 0, NULL);
		json_array_foreach(json_object_get(doc, "tags"), i, t) if (json_is_string(t)) tags =
		    strv_push(tags, json_string_value(t));
		free(url);
		url = NULL;
		/* Link: </v2/name/tags/list?last=x&n=y>; rel="next" */
		if (rs.link && strchr(rs.link, '<') && strchr(rs.link, '>')) {
			const char *a = strchr(rs.link, '<') + 1;
			_cleanup_free_ char *rel = strndup(a, (size_t)(strchr(a, '>') - a));
			url = absolute_location(r, rel);
		}
		resp_free(&rs);
	}
	*ret = tags;
	return 0;
}

int registry_login(const struct registry_options *o, const struct registry_auth *auth,
                   char **ret_identity_token, int *ret_unauthorized, eng_error_t *err)
{
	_cleanup_free_ char *domain = registry_server_domain(auth->server);
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct registry *r = calloc(1, sizeof(*r));
	struct resp rs = {.fd = -1, .max = 1 << 20};
	int rc = -1;

	pthread_once(&once, curl_init);
	*ret_identity_token = NULL;
	*ret_unauthorized = 0;
	last_code[0] = 0;
	r->opts = o;
	r->domain = strdup(domain);
	pthread_mutex_init(&r->lock, NULL);
	r->auth.username = auth->username ? strdup(auth->username) : NULL;
	r->auth.password = auth->password ? strdup(auth->password) : NULL;
	r->auth.identity_token = auth->identity_token ? strdup(auth->identity_token) : NULL;
	r->cands = endpoint_candidates(o, domain, &r->nmirrors);
	if (choose_endpoint(r, 0, err) < 0 || ping(r, r->base, &rs, err) < 0)
		goto out;
	if (rs.status == 200) {
		rc = 0;
		goto out;
	}
	if (rs.status != 401 || !rs.www_auth) {
		eng_error_make(err, EPROTO, ERR_INTERNAL, "login to %s: unexpected status %ld",
		               r->base, rs.status);
		goto out;
	}
	if (!strncasecmp(rs.www_auth, "Bearer", 6)) {
		_cleanup_free_ char *hdr = NULL;
		if (fetch_token(r, rs.www_auth, NULL, &hdr, ret_identity_token, err) < 0) {
			*ret_unauthorized =
			    !strcmp(last_code, "UNAUTHORIZED") || err->kind == ERR_FORBIDDEN;
			goto out;
		}
		rc = 0;
		goto out;
	}
	{
		/* Basic: the credentials are right when /v2/ answers 200 with them */
		struct resp rs2 = {.fd = -1, .max = 1 << 20};
		_cleanup_free_ char *url = NULL;
		struct req q = {.method = "GET", .timeout_s = 30};
		if (!r->auth.username) {
			*ret_unauthorized = 1;
			eng_error_make(err, EACCES, ERR_FORBIDDEN, "no basic auth credentials");
			goto out;
		}
		r->authorization = basic_header(&r->auth);
		if (asprintf(&url, "%s/v2/", r->base) < 0)
			abort();
		q.url = url;
		long st = request(r, q, NULL, &rs2, err);
		if (st == 200)
			rc = 0;
		else if (st == 401) {
			*ret_unauthorized = 1;
			eng_error_make(
			    err, EACCES, ERR_FORBIDDEN,
			    "login attempt to %s/v2/ failed with status: 401 Unauthorized",
			    r->base);
		} else if (st > 0) {
			registry_error(&q, &rs2, err);
		}
		resp_free(&rs2);
	}
out:
	resp_free(&rs);
	registry_close(r);
	return rc;
}
