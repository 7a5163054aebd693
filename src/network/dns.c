/* The embedded DNS server: sockets inside containers' namespaces, one epoll thread, local
 * answers from pushed records, forwards to upstream resolvers on short-lived worker threads. */
#include "dns.h"
#include "dnsmsg.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/log.h"
#include "../common/strv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

enum {
	MAX_UPSTREAMS = 3,     /* docker's maxExtDNS */
	MAX_INFLIGHT = 1024,   /* docker's maxConcurrent forwards; REFUSED beyond */
	TCP_IDLE_MS = 10000,   /* a TCP client that stays silent this long is dropped */
	WORKER_STACK = 256 * 1024,
	TAG_WAKE = 0, TAG_UDP = 1, TAG_TCP = 2,
};

struct upstreams {
	struct sockaddr_storage addr[MAX_UPSTREAMS];
	socklen_t len[MAX_UPSTREAMS];
	size_t n;
};

struct endpoint {
	char *network, *sandbox;
	char **names; /* lowercase; names[0] answers PTR */
	int has4, has6;
	uint8_t v4[4], v6[16];
};

struct sandbox {
	char *id;
	int udp, tcp;
	int ndots_set;
	int internal;
	int own_upstreams;
	struct upstreams up;
};

struct dns_server {
	pthread_mutex_t lock;
	atomic_int refs;
	atomic_int inflight;
	atomic_int stopping;
	int epfd, wakefd;
	pthread_t thread;
	int timeout_ms;
	struct upstreams up; /* read-only after start */
	struct endpoint **eps;
	size_t neps;
	struct sandbox **sbs;
	size_t nsbs;
};

static void server_unref(struct dns_server *s)
{
	if (atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	for (size_t i = 0; i < s->neps; i++) {
		free(s->eps[i]->network);
		free(s->eps[i]->sandbox);
		strv_free(s->eps[i]->names);
		free(s->eps[i]);
	}
	free(s->eps);
	for (size_t i = 0; i < s->nsbs; i++) {
		close(s->sbs[i]->udp);
		close(s->sbs[i]->tcp);
		free(s->sbs[i]->id);
		free(s->sbs[i]);
	}
	free(s->sbs);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* "1.2.3.4", "1.2.3.4:53", "::1", "[::1]:53" */
static int parse_upstream(const char *str, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	unsigned port = 53;
	const char *colon = strrchr(str, ':');
	memset(ss, 0, sizeof(*ss));
	if (str[0] == '[') {
		const char *end = strchr(str, ']');
		if (!end || (size_t)(end - str - 1) >= sizeof(host))
			return -1;
		memcpy(host, str + 1, (size_t)(end - str - 1));
		host[end - str - 1] = 0;
		if (end[1] == ':')
			port = (unsigned)atoi(end + 2);
		else if (end[1])
			return -1;
	} else if (colon && strchr(str, ':') == colon) {
		if ((size_t)(colon - str) >= sizeof(host))
			return -1;
		memcpy(host, str, (size_t)(colon - str));
		host[colon - str] = 0;
		port = (unsigned)atoi(colon + 1);
	} else {
		if (strlen(str) >= sizeof(host))
			return -1;
		strcpy(host, str);
	}
	if (port == 0 || port > 65535)
		return -1;
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return 0;
	}
	char *pct = strchr(host, '%'); /* a zone is useless from our namespace */
	if (pct)
		*pct = 0;
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

static int upstreams_parse(char *const *list, struct upstreams *up, eng_error_t *err)
{
	up->n = 0;
	for (size_t i = 0; list && list[i] && up->n < MAX_UPSTREAMS; i++) {
		if (parse_upstream(list[i], &up->addr[up->n], &up->len[up->n]) < 0)
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "invalid DNS server address `%s`", list[i]);
		up->n++;
	}
	return 0;
}

char **dns_resolv_conf_nameservers(const char *content)
{
	char **v = calloc(1, sizeof(char *));
	size_t n = 0;
	const char *line = content;
	while (v && line && *line && n < MAX_UPSTREAMS) {
		const char *eol = strchrnul(line, '\n');
		char buf[256] = "", addr[INET6_ADDRSTRLEN + 8];
		size_t l = (size_t)(eol - line) < sizeof(buf) - 1 ? (size_t)(eol - line) : sizeof(buf) - 1;
		memcpy(buf, line, l);
		buf[l] = 0;
		struct sockaddr_storage ss;
		socklen_t sl;
		if (sscanf(buf, " nameserver %45s", addr) == 1 && parse_upstream(addr, &ss, &sl) == 0 &&
		    !strchr(addr, ']') && (ss.ss_family == AF_INET6 || !strchr(addr, ':'))) {
			v = strv_push(v, addr);
			n++;
		}
		line = *eol ? eol + 1 : eol;
	}
	return v;
}

/* --- records --------------------------------------------------------------------------- */

static struct sandbox *find_sandbox(struct dns_server *s, const char *id)
{
	for (size_t i = 0; i < s->nsbs; i++)
		if (!strcmp(s->sbs[i]->id, id))
			return s->sbs[i];
	return NULL;
}

static int endpoint_has_name(const struct endpoint *e, const char *name)
{
	for (char **n = e->names; n && *n; n++)
		if (!strcmp(*n, name))
			return 1;
	return 0;
}

/* Addresses of `name` on `network` into ans (up to max). Returns 1 when the name exists
 * there (possibly with no address of that type, docker then answers NOERROR empty). */
static int resolve_on(struct dns_server *s, const char *network, const char *name, int qtype,
		      struct dns_answer *ans, size_t max, size_t *n)
{
	int found = 0;
	for (size_t i = 0; i < s->neps; i++) {
		struct endpoint *e = s->eps[i];
		if (strcmp(e->network, network) || !endpoint_has_name(e, name))
			continue;
		found = 1;
		const uint8_t *a = qtype == DNS_TYPE_A ? (e->has4 ? e->v4 : NULL)
						       : (e->has6 ? e->v6 : NULL);
		size_t alen = qtype == DNS_TYPE_A ? 4 : 16;
		if (!a || *n >= max)
			continue;
		int dup = 0;
		for (size_t j = 0; j < *n; j++)
			dup |= !memcmp(ans[j].addr, a, alen);
		if (dup)
			continue;
		ans[*n].type = (uint16_t)qtype;
		memcpy(ans[*n].addr, a, alen);
		(*n)++;
	}
	return found;
}

/* docker's Sandbox.ResolveName: "a.b.c" is tried as "a.b.c" on every network of the
 * sandbox, then "a.b" on network "c", then "a" on network "b.c". */
static int resolve_name(struct dns_server *s, const char *sandbox, const char *name, int qtype,
			struct dns_answer *ans, size_t max, size_t *n)
{
	char req[DNS_NAME_MAX + 1];
	snprintf(req, sizeof(req), "%s", name);
	const char *netname = NULL;
	for (;;) {
		for (size_t i = 0; i < s->neps; i++) {
			struct endpoint *mine = s->eps[i];
			if (strcmp(mine->sandbox, sandbox))
				continue;
			if (netname && strcasecmp(netname, mine->network))
				continue;
			if (resolve_on(s, mine->network, req, qtype, ans, max, n))
				return 1;
		}
		char *dot = strrchr(req, '.');
		if (!dot)
			return 0;
		*dot = 0;
		netname = name + (dot - req) + 1;
	}
}

/* The name of the container with this address on one of the sandbox's networks:
 * "<name>.<network>", as docker's Network.ResolveIP. */
static const char *resolve_addr(struct dns_server *s, const char *sandbox, int family,
				const uint8_t *addr, char *out, size_t cap)
{
	for (size_t i = 0; i < s->neps; i++) {
		struct endpoint *mine = s->eps[i];
		if (strcmp(mine->sandbox, sandbox))
			continue;
		for (size_t j = 0; j < s->neps; j++) {
			struct endpoint *e = s->eps[j];
			if (strcmp(e->network, mine->network) || !e->names || !e->names[0])
				continue;
			if ((family == AF_INET && e->has4 && !memcmp(e->v4, addr, 4)) ||
			    (family == AF_INET6 && e->has6 && !memcmp(e->v6, addr, 16))) {
				snprintf(out, cap, "%s.%s", e->names[0], e->network);
				return out;
			}
		}
	}
	return NULL;
}

int dns_endpoint_add(struct dns_server *s, const char *network, const char *sandbox_id,
		     char *const *names, const char *ipv4, const char *ipv6, eng_error_t *err)
{
	_cleanup_free_ struct endpoint *e = calloc(1, sizeof(*e));
	if (!e)
		return eng_error_make(err, ENOMEM, ERR_INTERNAL, "out of memory");
	if (ipv4 && *ipv4 && inet_pton(AF_INET, ipv4, e->v4) != 1)
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid IPv4 address `%s`", ipv4);
	if (ipv6 && *ipv6 && inet_pton(AF_INET6, ipv6, e->v6) != 1)
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid IPv6 address `%s`", ipv6);
	e->has4 = ipv4 && *ipv4;
	e->has6 = ipv6 && *ipv6;
	e->network = strdup(network);
	e->sandbox = strdup(sandbox_id);
	e->names = calloc(1, sizeof(char *));
	for (size_t i = 0; names && names[i] && e->names; i++) {
		char low[DNS_NAME_MAX + 1];
		snprintf(low, sizeof(low), "%s", names[i]);
		for (char *p = low; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		size_t l = strlen(low);
		if (l && low[l - 1] == '.')
			low[l - 1] = 0;
		if (*low && !strv_contains(e->names, low))
			e->names = strv_push(e->names, low);
	}
	if (!e->network || !e->sandbox || !e->names) {
		free(e->network);
		free(e->sandbox);
		strv_free(e->names);
		return eng_error_make(err, ENOMEM, ERR_INTERNAL, "out of memory");
	}
	dns_endpoint_remove(s, network, sandbox_id);
	pthread_mutex_lock(&s->lock);
	struct endpoint **eps = realloc(s->eps, (s->neps + 1) * sizeof(*eps));
	if (!eps) {
		pthread_mutex_unlock(&s->lock);
		free(e->network);
		free(e->sandbox);
		strv_free(e->names);
		return eng_error_make(err, ENOMEM, ERR_INTERNAL, "out of memory");
	}
	s->eps = eps;
	s->eps[s->neps++] = TAKE_PTR(e);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

size_t dns_endpoint_remove(struct dns_server *s, const char *network, const char *sandbox_id)
{
	size_t left = 0;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->neps;) {
		struct endpoint *e = s->eps[i];
		if (strcmp(e->sandbox, sandbox_id)) {
			i++;
			continue;
		}
		if (strcmp(e->network, network)) {
			left++;
			i++;
			continue;
		}
		free(e->network);
		free(e->sandbox);
		strv_free(e->names);
		free(e);
		/* keep the order: a sandbox's networks are searched in the order it joined them */
		memmove(&s->eps[i], &s->eps[i + 1], (s->neps - i - 1) * sizeof(*s->eps));
		s->neps--;
	}
	pthread_mutex_unlock(&s->lock);
	return left;
}

/* Under s->lock. */
static long answer_locked(struct dns_server *s, const char *sandbox_id, const uint8_t *query,
			  size_t len, uint8_t *out, size_t cap)
{
	struct dns_query q;
	int header_ok;
	if (dnsmsg_parse_query(query, len, &q, &header_ok) < 0) {
		if (!header_ok)
			return -1;
		size_t n = dnsmsg_build_formerr(query, len, out, cap);
		return n ? (long)n : -1;
	}
	if (q.flags & 0x7800) /* opcode other than QUERY */
		return (long)dnsmsg_build_reply(&q, DNS_RCODE_NOTIMP, NULL, 0, out, cap);
	if (q.qclass != DNS_CLASS_IN || !q.text_ok || !q.qname[0])
		return 0;

	struct dns_answer ans[64];
	size_t n = 0;
	if (q.qtype == DNS_TYPE_A || q.qtype == DNS_TYPE_AAAA) {
		if (resolve_name(s, sandbox_id, q.qname, q.qtype, ans, 64, &n)) {
			/* docker shuffles the addresses of a name shared by several containers */
			for (size_t i = n; i > 1; i--) {
				size_t j = (size_t)rand() % i;
				struct dns_answer t = ans[i - 1];
				ans[i - 1] = ans[j], ans[j] = t;
			}
			return (long)dnsmsg_build_reply(&q, DNS_RCODE_NOERROR, ans, n, out, cap);
		}
		struct sandbox *sb = find_sandbox(s, sandbox_id);
		if (sb && sb->ndots_set && !strchr(q.qname, '.'))
			return (long)dnsmsg_build_reply(&q, DNS_RCODE_NOERROR, NULL, 0, out, cap);
		return 0;
	}
	if (q.qtype == DNS_TYPE_MX) {
		/* docker's handleMXQuery: a container name has no mail exchanger, so an empty
		 * NOERROR rather than a forward that would leak the name */
		if (resolve_name(s, sandbox_id, q.qname, DNS_TYPE_A, ans, 64, &n) ||
		    resolve_name(s, sandbox_id, q.qname, DNS_TYPE_AAAA, ans, 64, &n))
			return (long)dnsmsg_build_reply(&q, DNS_RCODE_NOERROR, NULL, 0, out, cap);
		return 0;
	}
	if (q.qtype == DNS_TYPE_PTR) {
		uint8_t addr[16];
		char name[2 * DNS_NAME_MAX + 2];
		int family = dnsmsg_ptr_name_addr(q.qname, addr);
		if (family && resolve_addr(s, sandbox_id, family, addr, name, sizeof(name))) {
			ans[0].type = DNS_TYPE_PTR;
			ans[0].name = name;
			return (long)dnsmsg_build_reply(&q, DNS_RCODE_NOERROR, ans, 1, out, cap);
		}
	}
	return 0;
}

long dns_answer(struct dns_server *s, const char *sandbox_id, const uint8_t *query, size_t len,
		uint8_t *out, size_t cap)
{
	pthread_mutex_lock(&s->lock);
	long r = answer_locked(s, sandbox_id, query, len, out, cap);
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* --- forwarding ------------------------------------------------------------------------ */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to be ready for `events` until the deadline; 0 ready, -1 timeout/error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return -1;
		struct pollfd p = {.fd = fd, .events = events};
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			return (p.revents & (POLLERR | POLLNVAL)) && !(p.revents & events) ? -1 : 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static int read_full(int fd, void *buf, size_t len, int64_t deadline)
{
	size_t got = 0;
	while (got < len) {
		if (wait_fd(fd, POLLIN, deadline) < 0)
			return -1;
		ssize_t r = recv(fd, (char *)buf + got, len - got, MSG_DONTWAIT);
		if (r == 0)
			return -1;
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len, int64_t deadline)
{
	size_t done = 0;
	while (done < len) {
		if (wait_fd(fd, POLLOUT, deadline) < 0)
			return -1;
		ssize_t r = send(fd, (const char *)buf + done, len - done, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

/* One exchange with one upstream; the reply's length, or -1. */
static ssize_t exchange(const struct sockaddr *to, socklen_t tolen, int tcp, const uint8_t *q,
			size_t qlen, uint8_t *out, size_t cap, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	_cleanup_close_ int fd = socket(to->sa_family,
					(tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, to, tolen) < 0 && errno != EINPROGRESS)
		return -1;
	if (tcp) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (wait_fd(fd, POLLOUT, deadline) < 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr)
			return -1;
		uint8_t l[2] = {(uint8_t)(qlen >> 8), (uint8_t)qlen};
		if (write_full(fd, l, 2, deadline) < 0 || write_full(fd, q, qlen, deadline) < 0)
			return -1;
		if (read_full(fd, l, 2, deadline) < 0)
			return -1;
		size_t rlen = (size_t)(l[0] << 8 | l[1]);
		if (rlen < DNS_HEADER_LEN || rlen > cap || read_full(fd, out, rlen, deadline) < 0)
			return -1;
		return memcmp(out, q, 2) ? -1 : (ssize_t)rlen;
	}
	if (send(fd, q, qlen, MSG_NOSIGNAL) < 0)
		return -1;
	for (;;) { /* a connected socket only hears from the upstream; skip stale ids */
		if (wait_fd(fd, POLLIN, deadline) < 0)
			return -1;
		ssize_t r = recv(fd, out, cap, MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0) /* ECONNREFUSED: nothing listens there */
			return -1;
		if (r >= DNS_HEADER_LEN && !memcmp(out, q, 2))
			return r;
	}
}

/* docker's forwardExtDNS: each upstream in turn, the next on no reply, SERVFAIL or
 * REFUSED; SERVFAIL when none answers. Returns the reply's length (0: drop). */
static size_t forward(const struct upstreams *up, int timeout_ms, int tcp, const uint8_t *q,
		      size_t qlen, uint8_t *out, size_t cap)
{
	for (size_t i = 0; i < up->n; i++) {
		ssize_t r = exchange((const struct sockaddr *)&up->addr[i], up->len[i], tcp, q, qlen,
				     out, cap, timeout_ms);
		if (r < 0)
			continue;
		int rcode = dnsmsg_reply_rcode(out, (size_t)r);
		if (rcode == DNS_RCODE_SERVFAIL || rcode == DNS_RCODE_REFUSED)
			continue;
		return (size_t)r;
	}
	struct dns_query pq;
	int header_ok;
	if (dnsmsg_parse_query(q, qlen, &pq, &header_ok) < 0)
		return header_ok ? dnsmsg_build_formerr(q, qlen, out, cap) : 0;
	return dnsmsg_build_reply(&pq, DNS_RCODE_SERVFAIL, NULL, 0, out, cap);
}

struct job {
	struct dns_server *s; /* holds a reference */
	int fd;               /* TCP: the connection; UDP: -1 (replies go through the sandbox) */
	int tcp;
	char *sandbox;
	struct upstreams up;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	size_t qlen;
	uint8_t q[DNS_UDP_MAX * 8];
};

static void job_free(struct job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	free(j->sandbox);
	atomic_fetch_sub(&j->s->inflight, 1);
	server_unref(j->s);
	free(j);
}

static void *udp_worker(void *arg)
{
	struct job *j = arg;
	uint8_t out[65535];
	size_t n = forward(&j->up, j->s->timeout_ms, 0, j->q, j->qlen, out, sizeof(out));
	if (n) {
		/* through the sandbox's socket as it is now, looked up under the lock: a detach
		 * meanwhile drops the reply, and a re-attach (which must be able to bind the
		 * address again, so no worker may hold the old socket) carries it */
		pthread_mutex_lock(&j->s->lock);
		struct sandbox *sb = find_sandbox(j->s, j->sandbox);
		if (sb)
			sendto(sb->udp, out, n, MSG_DONTWAIT | MSG_NOSIGNAL,
			       (struct sockaddr *)&j->peer, j->peerlen);
		pthread_mutex_unlock(&j->s->lock);
	}
	job_free(j);
	return NULL;
}

/* A TCP client: length-prefixed queries until it closes or stays idle. */
static void *tcp_worker(void *arg)
{
	struct job *j = arg;
	uint8_t *q = malloc(65535), *out = malloc(65535);
	while (q && out && !atomic_load(&j->s->stopping)) {
		uint8_t l[2];
		if (read_full(j->fd, l, 2, now_ms() + TCP_IDLE_MS) < 0)
			break;
		size_t qlen = (size_t)(l[0] << 8 | l[1]);
		if (read_full(j->fd, q, qlen, now_ms() + j->s->timeout_ms) < 0)
			break;
		long n = dns_answer(j->s, j->sandbox, q, qlen, out, 65535);
		if (n < 0)
			break;
		if (n == 0)
			n = (long)forward(&j->up, j->s->timeout_ms, 1, q, qlen, out, 65535);
		if (n == 0)
			break;
		uint8_t rl[2] = {(uint8_t)(n >> 8), (uint8_t)n};
		int64_t deadline = now_ms() + j->s->timeout_ms;
		if (write_full(j->fd, rl, 2, deadline) < 0 || write_full(j->fd, out, (size_t)n, deadline) < 0)
			break;
	}
	free(q);
	free(out);
	job_free(j);
	return NULL;
}

/* Under s->lock: a job carrying what a worker needs, so it never looks at the sandbox. */
static struct job *job_new(struct dns_server *s, struct sandbox *sb, int fd, int tcp)
{
	if (atomic_fetch_add(&s->inflight, 1) >= MAX_INFLIGHT) {
		atomic_fetch_sub(&s->inflight, 1);
		return NULL;
	}
	struct job *j = calloc(1, sizeof(*j));
	if (!j) {
		atomic_fetch_sub(&s->inflight, 1);
		return NULL;
	}
	atomic_fetch_add(&s->refs, 1);
	j->s = s;
	j->fd = fd;
	j->tcp = tcp;
	j->sandbox = strdup(sb->id);
	j->up = sb->own_upstreams ? sb->up : s->up;
	if (sb->internal) /* no upstream to try: SERVFAIL */
		j->up.n = 0;
	return j;
}

static int job_spawn(struct job *j)
{
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	int r = pthread_create(&t, &attr, j->tcp ? tcp_worker : udp_worker, j);
	pthread_attr_destroy(&attr);
	if (r) {
		job_free(j);
		return -1;
	}
	return 0;
}

/* --- server thread --------------------------------------------------------------------- */

static struct sandbox *sandbox_by_fd(struct dns_server *s, int fd)
{
	for (size_t i = 0; i < s->nsbs; i++)
		if (s->sbs[i]->udp == fd || s->sbs[i]->tcp == fd)
			return s->sbs[i];
	return NULL;
}

static void serve_udp(struct dns_server *s, int fd)
{
	for (int burst = 0; burst < 64; burst++) {
		uint8_t q[DNS_UDP_MAX * 8], out[DNS_UDP_MAX];
		struct sockaddr_storage peer;
		socklen_t peerlen = sizeof(peer);
		pthread_mutex_lock(&s->lock);
		struct sandbox *sb = sandbox_by_fd(s, fd);
		ssize_t len = sb ? recvfrom(fd, q, sizeof(q), MSG_DONTWAIT | MSG_TRUNC,
					    (struct sockaddr *)&peer, &peerlen)
				 : -1;
		if (len < 0 || (size_t)len > sizeof(q)) {
			pthread_mutex_unlock(&s->lock);
			if (len >= 0)
				continue; /* larger than any sane query: dropped */
			return;
		}
		long n = answer_locked(s, sb->id, q, (size_t)len, out, sizeof(out));
		if (n > 0) {
			sendto(fd, out, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&peer,
			       peerlen);
		} else if (n == 0) {
			struct job *j = job_new(s, sb, -1, 0);
			if (j) {
				memcpy(j->q, q, (size_t)len);
				j->qlen = (size_t)len;
				j->peer = peer;
				j->peerlen = peerlen;
			} else {
				struct dns_query pq;
				int hok;
				if (dnsmsg_parse_query(q, (size_t)len, &pq, &hok) == 0) {
					size_t m = dnsmsg_build_reply(&pq, DNS_RCODE_REFUSED, NULL, 0, out,
								      sizeof(out));
					sendto(fd, out, m, MSG_DONTWAIT | MSG_NOSIGNAL,
					       (struct sockaddr *)&peer, peerlen);
				}
			}
			pthread_mutex_unlock(&s->lock);
			if (j)
				job_spawn(j);
			continue;
		}
		pthread_mutex_unlock(&s->lock);
	}
}

static void serve_tcp(struct dns_server *s, int fd)
{
	pthread_mutex_lock(&s->lock);
	struct sandbox *sb = sandbox_by_fd(s, fd);
	int c = sb ? accept4(fd, NULL, NULL, SOCK_CLOEXEC) : -1;
	struct job *j = c >= 0 ? job_new(s, sb, c, 1) : NULL;
	if (c >= 0 && !j)
		close(c);
	pthread_mutex_unlock(&s->lock);
	if (j)
		job_spawn(j);
}

static void *server_main(void *arg)
{
	struct dns_server *s = arg;
	while (!atomic_load(&s->stopping)) {
		struct epoll_event ev[32];
		int n = epoll_wait(s->epfd, ev, 32, -1);
		for (int i = 0; i < n; i++) {
			int fd = (int)(ev[i].data.u64 & 0xffffffff);
			int tag = (int)(ev[i].data.u64 >> 32);
			if (tag == TAG_UDP)
				serve_udp(s, fd);
			else if (tag == TAG_TCP)
				serve_tcp(s, fd);
		}
	}
	return NULL;
}

struct dns_server *dns_server_start(const struct dns_config *cfg, eng_error_t *err)
{
	struct dns_server *s = calloc(1, sizeof(*s));
	if (!s) {
		eng_error_make(err, ENOMEM, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)TAG_WAKE << 32};
	int r;
	pthread_mutex_init(&s->lock, NULL);
	atomic_init(&s->refs, 1);
	s->epfd = s->wakefd = -1;
	s->timeout_ms = cfg && cfg->timeout_ms > 0 ? cfg->timeout_ms : 4000;
	if (cfg && cfg->upstreams) {
		if (upstreams_parse(cfg->upstreams, &s->up, err) < 0)
			goto fail;
	} else {
		_cleanup_free_ char *rc = read_file("/etc/resolv.conf", NULL, NULL);
		_cleanup_strv_ char **ns = dns_resolv_conf_nameservers(rc);
		upstreams_parse(ns, &s->up, NULL); /* lines that do not parse were skipped already */
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->epfd < 0 || s->wakefd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->wakefd, &ev) < 0) {
		eng_error_make(err, errno, ERR_INTERNAL, "dns server: epoll: %s", strerror(errno));
		goto fail;
	}
	r = pthread_create(&s->thread, NULL, server_main, s);
	if (r) {
		eng_error_make(err, r, ERR_INTERNAL, "dns server: thread: %s", strerror(r));
		goto fail;
	}
	return s;
fail:
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->wakefd >= 0)
		close(s->wakefd);
	server_unref(s);
	return NULL;
}

void dns_server_stop(struct dns_server *s)
{
	if (!s)
		return;
	atomic_store(&s->stopping, 1);
	uint64_t one = 1;
	if (write(s->wakefd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow with one write; nothing else can fail here */
	}
	pthread_join(s->thread, NULL);
	close(s->epfd);
	close(s->wakefd);
	/* the sandboxes' sockets close with the last reference; a TCP worker still reading
	 * from a client notices `stopping` at its next message or idle timeout */
	server_unref(s);
}

/* --- sockets inside a namespace -------------------------------------------------------- */

struct open_req {
	const char *netns_path;
	int udp, tcp;
	int errnum;
	const char *what;
};

/* On a thread of its own: it enters the container's namespace, opens the sockets there and
 * ends; the sockets keep the namespace they were made in, and the thread never has to find
 * its way back to ours. */
static void *open_in_netns(void *arg)
{
	struct open_req *r = arg;
	_cleanup_close_ int ns = open(r->netns_path, O_RDONLY | O_CLOEXEC);
	if (ns < 0) {
		r->errnum = errno, r->what = "open";
		return NULL;
	}
	if (setns(ns, CLONE_NEWNET) < 0) {
		r->errnum = errno, r->what = "setns";
		return NULL;
	}
	/* 127.0.0.11 is only local once lo is up */
	_cleanup_close_ int ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};
	strcpy(ifr.ifr_name, "lo");
	if (ctl >= 0 && ioctl(ctl, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(ctl, SIOCSIFFLAGS, &ifr);
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
	inet_pton(AF_INET, "127.0.0.11", &sa.sin_addr);
	int one = 1;
	_cleanup_close_ int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	_cleanup_close_ int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (udp < 0 || tcp < 0) {
		r->errnum = errno, r->what = "socket";
		return NULL;
	}
	setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(udp, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    bind(tcp, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(tcp, 64) < 0) {
		r->errnum = errno, r->what = "bind 127.0.0.11:53";
		return NULL;
	}
	r->udp = TAKE_FD(udp);
	r->tcp = TAKE_FD(tcp);
	return NULL;
}

int dns_attach(struct dns_server *s, const char *sandbox_id, const char *netns_path,
	       const struct dns_sandbox_opts *opts, eng_error_t *err)
{
	pthread_mutex_lock(&s->lock);
	int attached = find_sandbox(s, sandbox_id) != NULL;
	pthread_mutex_unlock(&s->lock);
	if (attached)
		return 0;

	_cleanup_free_ struct sandbox *sb = calloc(1, sizeof(*sb));
	if (!sb)
		return eng_error_make(err, ENOMEM, ERR_INTERNAL, "out of memory");
	sb->udp = sb->tcp = -1;
	sb->ndots_set = opts && opts->ndots_set;
	sb->internal = opts && opts->internal;
	if (opts && opts->upstreams && opts->upstreams[0]) {
		if (upstreams_parse(opts->upstreams, &sb->up, err) < 0)
			return -1;
		sb->own_upstreams = 1;
	}
	struct open_req req = {.netns_path = netns_path, .udp = -1, .tcp = -1};
	pthread_t t;
	int r = pthread_create(&t, NULL, open_in_netns, &req);
	if (r)
		return eng_error_make(err, r, ERR_INTERNAL, "dns server: thread: %s", strerror(r));
	pthread_join(t, NULL);
	if (req.udp < 0)
		return eng_error_make(err, req.errnum, ERR_INTERNAL, "dns server in `%s`: %s: %s",
				      netns_path, req.what, strerror(req.errnum));
	sb->udp = req.udp;
	sb->tcp = req.tcp;
	sb->id = strdup(sandbox_id);

	pthread_mutex_lock(&s->lock);
	struct sandbox **sbs = sb->id && !find_sandbox(s, sandbox_id)
				       ? realloc(s->sbs, (s->nsbs + 1) * sizeof(*sbs))
				       : NULL;
	struct epoll_event eu = {.events = EPOLLIN, .data.u64 = (uint64_t)TAG_UDP << 32 | (uint32_t)sb->udp};
	struct epoll_event et = {.events = EPOLLIN, .data.u64 = (uint64_t)TAG_TCP << 32 | (uint32_t)sb->tcp};
	if (sbs)
		s->sbs = sbs;
	if (!sbs || epoll_ctl(s->epfd, EPOLL_CTL_ADD, sb->udp, &eu) < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, sb->tcp, &et) < 0) {
		int e = errno;
		int raced = sb->id && find_sandbox(s, sandbox_id);
		pthread_mutex_unlock(&s->lock);
		close(sb->udp);
		close(sb->tcp);
		free(sb->id);
		if (raced) /* attached by another thread meanwhile */
			return 0;
		return eng_error_make(err, e, ERR_INTERNAL, "dns server: epoll: %s", strerror(e));
	}
	s->sbs[s->nsbs++] = TAKE_PTR(sb);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void dns_set_internal(struct dns_server *s, const char *sandbox_id, int internal)
{
	pthread_mutex_lock(&s->lock);
	struct sandbox *sb = find_sandbox(s, sandbox_id);
	if (sb)
		sb->internal = internal;
	pthread_mutex_unlock(&s->lock);
}

void dns_detach(struct dns_server *s, const char *sandbox_id)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->nsbs; i++) {
		struct sandbox *sb = s->sbs[i];
		if (strcmp(sb->id, sandbox_id))
			continue;
		/* closing the fds takes them out of the epoll set; an event already taken finds
		 * nothing when the server thread looks the fd up under the lock */
		close(sb->udp);
		close(sb->tcp);
		free(sb->id);
		free(sb);
		s->sbs[i] = s->sbs[--s->nsbs];
		break;
	}
	pthread_mutex_unlock(&s->lock);
}

/* --- glue ------------------------------------------------------------------------------ */

char **dns_names(const char *ctr_name, const json_t *aliases, const char *ctr_id,
		 const char *hostname)
{
	char **v = calloc(1, sizeof(char *));
	char shortid[13] = "";
	if (ctr_name && *ctr_name == '/')
		ctr_name++;
	if (ctr_name && *ctr_name)
		v = strv_push(v, ctr_name);
	size_t i;
	json_t *a;
	json_array_foreach(aliases, i, a)
	{
		if (v && json_string_value(a) && *json_string_value(a) &&
		    !strv_contains(v, json_string_value(a)))
			v = strv_push(v, json_string_value(a));
	}
	if (ctr_id)
		snprintf(shortid, sizeof(shortid), "%s", ctr_id);
	if (v && *shortid && !strv_contains(v, shortid))
		v = strv_push(v, shortid);
	if (v && hostname && *hostname && !strv_contains(v, hostname))
		v = strv_push(v, hostname);
	return v;
}

void dns_net_hook(void *ctx, int joined, const char *netns_path, const char *network,
		  const char *ctr_id, const char *ctr_name, const json_t *aliases,
		  const char *ipv4)
{
	struct dns_server *s = ctx;
	eng_error_t err;
	if (!joined) {
		if (dns_endpoint_remove(s, network, ctr_id) == 0)
			dns_detach(s, ctr_id);
		return;
	}
	_cleanup_strv_ char **names = dns_names(ctr_name, aliases, ctr_id, NULL);
	if (dns_endpoint_add(s, network, ctr_id, names, ipv4, NULL, &err) < 0 ||
	    (netns_path && dns_attach(s, ctr_id, netns_path, NULL, &err) < 0))
		log_warn("container %.12s: embedded DNS on network %s: %s, ignoring", ctr_id,
			 network, err.msg);
}
