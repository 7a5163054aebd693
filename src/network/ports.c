/* Published ports: docker's PortBindings and ExposedPorts into host ports that are free on
 * the host and in berth, and back into inspect's NetworkSettings.Ports. */
#include "network.h"
#include "network-internal.h"
#include "../common/jsonutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse_port_key(const char *key, int *port, int *port_end, char proto[8])
{
	char p[8] = "tcp";
	int a, b, n = 0;
	if (sscanf(key, "%d-%d%n", &a, &b, &n) == 2 && n)
		;
	else if (sscanf(key, "%d%n", &a, &n) == 1)
		b = a;
	else
		return -1;
	if (key[n] == '/')
		snprintf(p, sizeof(p), "%s", key + n + 1);
	else if (key[n])
		return -1;
	if (strcmp(p, "tcp") && strcmp(p, "udp") && strcmp(p, "sctp"))
		return -1;
	if (a < 1 || b > 65535 || b < a)
		return -1;
	snprintf(proto, 8, "%s", p);
	*port = a;
	*port_end = b;
	return 0;
}

/* Whether the host lets us bind proto/ip:port now (nobody else listens there). */
static int host_port_free(const char *proto, const char *ip, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, (!strcmp(proto, "udp") ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC,
			0);
	int ok;
	if (fd < 0)
		return 1;
	if (*ip)
		inet_pton(AF_INET, ip, &sa.sin_addr);
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

int port_taken_locked(struct net_store *s, const struct fw_port *p, const struct fw_port *mine,
		      size_t nmine)
{
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->nets[i]->neps; j++) {
			const struct endpoint *e = &s->nets[i]->eps[j];
			for (size_t k = 0; k < e->nports; k++)
				if (e->ports[k].host_port == p->host_port &&
				    !strcmp(e->ports[k].proto, p->proto) &&
				    (!*e->ports[k].host_ip || !*p->host_ip ||
				     !strcmp(e->ports[k].host_ip, p->host_ip)))
					return 1;
		}
	for (size_t k = 0; k < nmine; k++)
		if (mine[k].host_port == p->host_port && !strcmp(mine[k].proto, p->proto) &&
		    (!*mine[k].host_ip || !*p->host_ip || !strcmp(mine[k].host_ip, p->host_ip)))
			return 1;
	return 0;
}

static int port_add(struct net_store *s, struct fw_port **v, size_t *n, const char *proto,
		    const char *host_ip, int host_port, int ctr_port, eng_error_t *err)
{
	struct fw_port p = {0};
	snprintf(p.proto, sizeof(p.proto), "%s", proto);
	snprintf(p.host_ip, sizeof(p.host_ip), "%s", host_ip && strcmp(host_ip, "0.0.0.0") ? host_ip : "");
	p.ctr_port = ctr_port;
	if (host_port) {
		p.host_port = host_port;
		if (port_taken_locked(s, &p, *v, *n) || !host_port_free(proto, p.host_ip, host_port))
			return eng_error_make(err, EADDRINUSE, ERR_INTERNAL,
					      "failed to bind host port for %s:%d:%d/%s: address "
					      "already in use",
					      *p.host_ip ? p.host_ip : "0.0.0.0", host_port,
					      ctr_port, proto);
	} else {
		/* docker's ephemeral range; a random start spreads daemons apart */
		int span = 60999 - 32768 + 1, start = (int)(random() % span), i;
		for (i = 0; i < span; i++) {
			p.host_port = 32768 + (start + i) % span;
			if (!port_taken_locked(s, &p, *v, *n) &&
			    host_port_free(proto, p.host_ip, p.host_port))
				break;
		}
		if (i == span)
			return eng_error_make(err, EADDRINUSE, ERR_INTERNAL,
					      "no free host port for %d/%s", ctr_port, proto);
	}
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = p;
	return 0;
}

int net_ports_resolve(struct net_store *s, const json_t *bindings, const json_t *exposed,
		      int publish_all, struct fw_port **ret, size_t *ret_n, eng_error_t *err)
{
	struct fw_port *v = NULL;
	size_t n = 0;
	const char *key;
	json_t *val;
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	json_object_foreach((json_t *)bindings, key, val)
	{
		int a, b;
		char proto[8];
		json_t *bnd;
		size_t i;
		if (parse_port_key(key, &a, &b, proto) < 0) {
			rc = eng_error_make(err, EINVAL, ERR_INVALID, "invalid port specification: "
					    "\"%s\"", key);
			break;
		}
		if (!strcmp(proto, "sctp"))
			continue;
		json_array_foreach(val, i, bnd)
		{
			const char *hp = json_str(bnd, "HostPort"), *hip = json_str(bnd, "HostIp");
			int ha = 0, hb = 0;
			char dummy[8];
			if (hip && *hip && strchr(hip, ':'))
				continue; /* IPv6 host addresses: IPv4 only */
			if (hp && *hp && parse_port_key(hp, &ha, &hb, dummy) < 0) {
				rc = eng_error_make(err, EINVAL, ERR_INVALID,
						    "invalid port specification: \"%s\"", hp);
				break;
			}
			for (int p = a; rc == 0 && p <= b; p++)
				rc = port_add(s, &v, &n, proto, hip, ha ? ha + (p - a) : 0, p, err);
			if (rc < 0)
				break;
		}
		if (rc < 0)
			break;
	}
	if (rc == 0 && publish_all)
		json_object_foreach((json_t *)exposed, key, val)
		{
			int a, b;
			char proto[8];
			if (json_object_get(bindings, key) || parse_port_key(key, &a, &b, proto) < 0 ||
			    !strcmp(proto, "sctp"))
				continue;
			for (int p = a; rc == 0 && p <= b; p++)
				rc = port_add(s, &v, &n, proto, NULL, 0, p, err);
			if (rc < 0)
				break;
		}
	pthread_mutex_unlock(&s->lock);
	if (rc < 0) {
		free(v);
		return -1;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

json_t *net_ports_json(const struct fw_port *ports, size_t n, const json_t *exposed)
{
	json_t *out = json_object(), *val;
	const char *key;
	char k[32], hp[8];
	json_object_foreach((json_t *)exposed, key, val)
	{
		snprintf(k, sizeof(k), "%s%s", key, strchr(key, '/') ? "" : "/tcp");
		json_object_set_new(out, k, json_null());
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "%d/%s", ports[i].ctr_port, ports[i].proto);
		json_t *arr = json_object_get(out, k);
		if (!json_is_array(arr)) {
			arr = json_array();
			json_object_set_new(out, k, arr);
		}
		snprintf(hp, sizeof(hp), "%d", ports[i].host_port);
		json_array_append_new(arr, json_pack("{s:s, s:s}", "HostIp",
						     *ports[i].host_ip ? ports[i].host_ip : "0.0.0.0",
						     "HostPort", hp));
	}
	return out;
}
