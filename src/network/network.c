/* The network store and the bridge driver; see network.h. */
#include "network.h"
#include "network-internal.h"
#include "ipam.h"
#include "netlink.h"
#include "../common/cleanup.h"
#include "../common/filters.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/log.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OPT_BRIDGE "com.docker.network.bridge.name"
#define OPT_ICC "com.docker.network.bridge.enable_icc"
#define OPT_MASQ "com.docker.network.bridge.enable_ip_masquerade"
#define OPT_MTU "com.docker.network.driver.mtu"

static void endpoint_clear(struct endpoint *e)
{
	free(e->ctr_name);
	json_decref(e->aliases);
	free(e->ports);
}

static void network_free(struct network *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->neps; i++)
		endpoint_clear(&n->eps[i]);
	free(n->eps);
	free(n->name);
	free(n->driver);
	free(n->bridge);
	json_decref(n->labels);
	json_decref(n->options);
	json_decref(n->ipam_options);
	free(n);
}

static int is_bridge(const struct network *n)
{
	return !strcmp(n->driver, "bridge");
}

/* ---- persistence ---- */

static json_t *network_doc(const struct network *n)
{
	char sub[20], gw[16], range[20];
	ipam_format_cidr(&n->subnet, sub);
	ipam_format_ip(n->gateway, gw);
	ipam_format_cidr(&n->range, range);
	return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:i, "
			 "s:b, s:O, s:O, s:O?, s:I}",
			 "Id", n->id, "Name", n->name, "Driver", n->driver, "Bridge", n->bridge,
			 "Subnet", sub, "Gateway", gw, "IPRange", n->has_range ? range : "",
			 "Internal", n->internal, "Attachable", n->attachable, "ICC", n->icc,
			 "Masquerade", n->masq, "IPv6", n->ipv6, "MTU", n->mtu, "Predefined",
			 n->predefined, "Labels", n->labels, "Options", n->options,
			 "IPAMOptions", n->ipam_options, "Created", (json_int_t)n->created_ns);
}

static struct network *network_from_doc(const json_t *d)
{
	struct network *n = calloc(1, sizeof(*n));
	const char *id = json_str(d, "Id"), *range = json_str(d, "IPRange");
	if (!id || strlen(id) != 64 || !json_str(d, "Name") || !json_str(d, "Driver")) {
		free(n);
		return NULL;
	}
	memcpy(n->id, id, 65);
	n->name = strdup(json_str(d, "Name"));
	n->driver = strdup(json_str(d, "Driver"));
	n->bridge = json_str(d, "Bridge") ? strdup(json_str(d, "Bridge")) : NULL;
	ipam_parse_cidr(json_str(d, "Subnet"), &n->subnet, NULL, NULL);
	ipam_parse_ip(json_str(d, "Gateway"), &n->gateway);
	n->has_range = range && *range && ipam_parse_cidr(range, &n->range, NULL, NULL) == 0;
	n->internal = json_bool(d, "Internal", 0);
	n->attachable = json_bool(d, "Attachable", 0);
	n->icc = json_bool(d, "ICC", 1);
	n->masq = json_bool(d, "Masquerade", 1);
	n->ipv6 = json_bool(d, "IPv6", 0);
	n->mtu = (int)json_int(d, "MTU", 0);
	n->predefined = json_bool(d, "Predefined", 0);
	n->labels = json_incref(json_object_get(d, "Labels"));
	n->options = json_incref(json_object_get(d, "Options"));
	n->ipam_options = json_incref(json_object_get(d, "IPAMOptions"));
	if (!n->labels)
		n->labels = json_object();
	if (!n->options)
		n->options = json_object();
	n->created_ns = json_int(d, "Created", 0);
	return n;
}

static int network_save(struct net_store *s, const struct network *n, eng_error_t *err)
{
	char name[80];
	snprintf(name, sizeof(name), "%s.json", n->id);
	_cleanup_free_ char *path = path_join(s->dir, name);
	json_auto_t *doc = network_doc(n);
	return json_write_atomic(path, doc, err);
}

static void network_unlink(struct net_store *s, const struct network *n)
{
	char name[80];
	snprintf(name, sizeof(name), "%s.json", n->id);
	_cleanup_free_ char *path = path_join(s->dir, name);
	unlink(path);
}

/* ---- lookups (lock held) ---- */

static struct network *find_locked(struct net_store *s, const char *name)
{
	size_t len = name ? strlen(name) : 0, hits = 0;
	struct network *prefix = NULL;
	if (!len)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->nets[i]->name, name) || !strcmp(s->nets[i]->id, name))
			return s->nets[i];
	for (size_t i = 0; i < s->n; i++)
		if (!strncmp(s->nets[i]->id, name, len)) {
			prefix = s->nets[i];
			hits++;
		}
	return hits == 1 ? prefix : NULL;
}

static struct network *find_or_fail(struct net_store *s, const char *name, eng_error_t *err)
{
	struct network *n = find_locked(s, name);
	if (!n)
		eng_error_make(err, ENOENT, ERR_NOT_FOUND, "network %s not found", name ? name : "");
	return n;
}

static struct endpoint *endpoint_find(struct network *n, const char *ctr_id)
{
	for (size_t i = 0; i < n->neps; i++)
		if (!strcmp(n->eps[i].ctr_id, ctr_id))
			return &n->eps[i];
	return NULL;
}

/* Subnets in use: the host's routes and berth's networks. Caller frees. */
static struct ipv4_net *taken_subnets(struct net_store *s, size_t *ret_n)
{
	struct ipv4_net *t = NULL;
	size_t n = 0;
	_cleanup_fclose_ FILE *f = fopen("/proc/net/route", "re");
	char line[512], ifname[64];
	unsigned dest, gw, flags, refc, use, metric, mask;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %x %x %x %u %u %u %x", ifname, &dest, &gw, &flags, &refc,
			   &use, &metric, &mask) != 8 || !mask)
			continue;
		t = realloc(t, (n + 1) * sizeof(*t));
		t[n].addr = ntohl(dest);
		t[n].prefix = __builtin_popcount(mask);
		n++;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (!is_bridge(s->nets[i]))
			continue;
		t = realloc(t, (n + 1) * sizeof(*t));
		t[n++] = s->nets[i]->subnet;
	}
	*ret_n = n;
	return t;
}

/* ---- the bridge driver ---- */

static void fw_desc(const struct network *n, struct fw_network *f, char sub[20])
{
	ipam_format_cidr(&n->subnet, sub);
	*f = (struct fw_network){.bridge = n->bridge, .subnet = sub, .icc = n->icc,
				 .masquerade = n->masq, .internal = n->internal};
}

/* Rewrites the network's chains with the ports of all its endpoints. */
static int network_fw_apply(struct net_store *s, struct network *n, eng_error_t *err)
{
	struct fw_network f;
	char sub[20];
	size_t np = 0, k = 0;
	for (size_t i = 0; i < n->neps; i++)
		np += n->eps[i].nports;
	_cleanup_free_ struct fw_port *ports = calloc(np + 1, sizeof(*ports));
	for (size_t i = 0; i < n->neps; i++)
		for (size_t j = 0; j < n->eps[i].nports; j++)
			ports[k++] = n->eps[i].ports[j];
	fw_desc(n, &f, sub);
	if (fw_network_apply(&f, ports, np, !n->fw_ready, err) < 0)
		return -1;
	n->fw_ready = 1;
	return 0;
}

static void sysctl_if(const char *ifname, const char *key, const char *val)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", ifname, key);
	write_file_string(path, val, NULL);
}

/* The bridge link with the gateway address, up, and its rules. */
static int bridge_setup(struct net_store *s, struct network *n, eng_error_t *err)
{
	int idx;
	if (nl_bridge_create(&s->nl, n->bridge, n->mtu, err) < 0)
		return -1;
	idx = nl_link_index(n->bridge);
	if (!idx)
		return eng_error_make(err, ENODEV, ERR_INTERNAL, "bridge %s vanished", n->bridge);
	if (nl_addr_add(&s->nl, idx, n->gateway, n->subnet.prefix, err) < 0 ||
	    nl_link_up(&s->nl, idx, err) < 0)
		return -1;
	/* 127.0.0.1 on the host reaches published ports through DNAT in OUTPUT */
	sysctl_if(n->bridge, "route_localnet", "1");
	return network_fw_apply(s, n, err);
}

static void bridge_teardown(struct net_store *s, struct network *n)
{
	eng_error_t err;
	if (fw_network_remove(n->bridge, &err) < 0)
		log_warn("network %s: %s", n->name, err.msg);
	if (nl_link_delete(&s->nl, n->bridge, &err) < 0)
		log_warn("network %s: %s", n->name, err.msg);
}

static int add_locked(struct net_store *s, struct network *n)
{
	s->nets = realloc(s->nets, (s->n + 1) * sizeof(*s->nets));
	s->nets[s->n++] = n;
	return 0;
}

static void remove_locked(struct net_store *s, struct network *n)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->nets[i] == n) {
			memmove(&s->nets[i], &s->nets[i + 1], (s->n - i - 1) * sizeof(*s->nets));
			s->n--;
			return;
		}
}

static struct network *network_new(const char *name, const char *driver)
{
	struct network *n = calloc(1, sizeof(*n));
	random_hex_id(n->id);
	n->name = strdup(name);
	n->driver = strdup(driver);
	n->icc = n->masq = 1;
	n->labels = json_object();
	n->options = json_object();
	n->created_ns = now_ns();
	return n;
}

/* ---- opening ---- */

static int pools_parse(struct net_store *s, eng_error_t *err)
{
	json_t *p;
	size_t i;
	if (!json_array_size(s->cfg.pools)) {
		s->npools = ipam_ndefault_pools;
		s->pools = malloc(ipam_ndefault_pools * sizeof(*s->pools));
		memcpy(s->pools, ipam_default_pools, ipam_ndefault_pools * sizeof(*s->pools));
		return 0;
	}
	s->pools = calloc(json_array_size(s->cfg.pools), sizeof(*s->pools));
	json_array_foreach(s->cfg.pools, i, p)
	{
		if (ipam_parse_cidr(json_str(p, "base"), &s->pools[i].base, NULL, err) < 0)
			return eng_error_wrap(err, "default-address-pools");
		s->pools[i].size = (int)json_int(p, "size", s->pools[i].base.prefix);
		if (s->pools[i].size < s->pools[i].base.prefix || s->pools[i].size > 30)
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "default-address-pools: invalid size %d",
					      s->pools[i].size);
		s->npools++;
	}
	return 0;
}

static json_t *default_bridge_options(const struct network *n)
{
	char mtu[16];
	snprintf(mtu, sizeof(mtu), "%d", n->mtu ? n->mtu : 1500);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "com.docker.network.bridge.default_bridge",
			 "true", OPT_ICC, "true", OPT_MASQ, "true",
			 "com.docker.network.bridge.host_binding_ipv4", "0.0.0.0", OPT_BRIDGE,
			 n->bridge, OPT_MTU, mtu);
}

/* The default bridge: -b names it, --bip gives its address; otherwise the address it has,
 * the one it had, or the first free pool subnet. */
static int default_bridge(struct net_store *s, eng_error_t *err)
{
	const char *brname = s->cfg.bridge && *s->cfg.bridge ? s->cfg.bridge : "berth0";
	struct network *n = find_locked(s, "bridge"), *fresh = NULL;
	uint32_t ip = 0;
	int prefix = 0, idx;

	if (!strcmp(brname, "none")) {
		if (n) {
			remove_locked(s, n);
			network_unlink(s, n);
			network_free(n);
		}
		return 0;
	}
	if (!n)
		n = fresh = network_new("bridge", "bridge");
	n->predefined = 1;
	free(n->bridge);
	n->bridge = strdup(brname);
	n->mtu = s->cfg.mtu;
	if (s->cfg.bip && *s->cfg.bip) {
		if (ipam_parse_cidr(s->cfg.bip, &n->subnet, &ip, err) < 0)
			goto fail;
		n->gateway = ip;
	} else if ((idx = nl_link_index(brname)) &&
		   nl_addr_get(&s->nl, idx, &ip, &prefix, err) == 0 && ip) {
		n->subnet.addr = ip & ipam_mask(prefix);
		n->subnet.prefix = prefix;
		n->gateway = ip;
	} else if (fresh || !n->gateway) {
		size_t nt;
		if (fresh == NULL)
			remove_locked(s, n); /* its own old subnet is not taken by itself */
		_cleanup_free_ struct ipv4_net *taken = taken_subnets(s, &nt);
		if (fresh == NULL)
			add_locked(s, n);
		if (ipam_pick_subnet(s->pools, s->npools, taken, nt, &n->subnet, err) < 0)
			goto fail;
		n->gateway = n->subnet.addr + 1;
	}
	json_decref(n->options);
	n->options = default_bridge_options(n);
	if (fresh)
		add_locked(s, n);
	if (network_save(s, n, err) < 0)
		return -1;
	return bridge_setup(s, n, err);
fail:
	network_free(fresh);
	return -1;
}

int net_store_open(const struct net_config *cfg, struct net_store **ret, eng_error_t *err)
{
	struct net_store *s = calloc(1, sizeof(*s));
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	s->cfg = *cfg;
	s->nl.fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	s->dir = path_join(cfg->data_root, "network");
	if (mkdir_p(s->dir, 0700, err) < 0 || pools_parse(s, err) < 0 ||
	    nl_open(&s->nl, -1, err) < 0 || fw_init(err) < 0)
		goto fail;
	d = opendir(s->dir);
	while (d && (de = readdir(d))) {
		if (!strstr(de->d_name, ".json"))
			continue;
		_cleanup_free_ char *path = path_join(s->dir, de->d_name);
		json_auto_t *doc = json_read_file(path, NULL);
		struct network *n = doc ? network_from_doc(doc) : NULL;
		if (n)
			add_locked(s, n);
		else
			log_warn("network document %s unreadable, ignoring", de->d_name);
	}
	static const char *const fixed[][2] = {{"host", "host"}, {"none", "null"}};
	for (size_t i = 0; i < 2; i++) {
		if (find_locked(s, fixed[i][0]))
			continue;
		struct network *n = network_new(fixed[i][0], fixed[i][1]);
		n->predefined = 1;
		add_locked(s, n);
		if (network_save(s, n, err) < 0)
			goto fail;
	}
	if (default_bridge(s, err) < 0)
		goto fail;
	for (size_t i = 0; i < s->n; i++) {
		struct network *n = s->nets[i];
		if (is_bridge(n) && !n->predefined && bridge_setup(s, n, err) < 0)
			goto fail;
	}
	*ret = s;
	return 0;
fail:
	net_store_free(s);
	return -1;
}

void net_store_free(struct net_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		network_free(s->nets[i]);
	free(s->nets);
	free(s->pools);
	free(s->dir);
	nl_close(&s->nl);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void net_set_dns_hook(struct net_store *s, net_dns_hook fn, void *ctx)
{
	pthread_mutex_lock(&s->lock);
	s->dns = fn;
	s->dns_ctx = ctx;
	pthread_mutex_unlock(&s->lock);
}

/* ---- API documents ---- */

static json_t *network_json(const struct network *n, int detail)
{
	char created[40], sub[20], gw[16], range[20];
	json_t *cfg = json_array(), *ctrs = json_object();

	format_time_ns(n->created_ns, created);
	if (is_bridge(n)) {
		ipam_format_cidr(&n->subnet, sub);
		ipam_format_ip(n->gateway, gw);
		json_t *c = json_pack("{s:s, s:s}", "Subnet", sub, "Gateway", gw);
		if (n->has_range) {
			ipam_format_cidr(&n->range, range);
			json_object_set_new(c, "IPRange", json_string(range));
		}
		json_array_append_new(cfg, c);
	}
	for (size_t i = 0; detail && i < n->neps; i++) {
		const struct endpoint *e = &n->eps[i];
		char ip[16], cidr[24], mac[18];
		ipam_format_ip(e->ip, ip);
		snprintf(cidr, sizeof(cidr), "%s/%d", ip, n->subnet.prefix);
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", e->mac[0], e->mac[1],
			 e->mac[2], e->mac[3], e->mac[4], e->mac[5]);
		json_object_set_new(ctrs, e->ctr_id,
				    json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name", e->ctr_name,
					      "EndpointID", e->id, "MacAddress", mac, "IPv4Address",
					      is_bridge(n) ? cidr : "", "IPv6Address", ""));
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:{s:s, s:O?, s:o}, s:b, s:b, "
			 "s:b, s:{s:s}, s:b, s:o, s:O, s:O}",
			 "Name", n->name, "Id", n->id, "Created", created, "Scope", "local",
			 "Driver", n->driver, "EnableIPv4", 1, "EnableIPv6", n->ipv6, "IPAM",
			 "Driver", "default", "Options", n->ipam_options, "Config", cfg,
			 "Internal", n->internal, "Attachable", n->attachable, "Ingress", 0,
			 "ConfigFrom", "Network", "", "ConfigOnly", 0, "Containers", ctrs,
			 "Options", n->options, "Labels", n->labels);
}

json_t *net_inspect(struct net_store *s, const char *name, eng_error_t *err)
{
	json_t *doc = NULL;
	pthread_mutex_lock(&s->lock);
	struct network *n = find_or_fail(s, name, err);
	if (n)
		doc = network_json(n, 1);
	pthread_mutex_unlock(&s->lock);
	return doc;
}

static int match_any(json_t *vals, const char *s, int prefix)
{
	json_t *v;
	size_t i;
	if (!vals)
		return 1;
	json_array_foreach(vals, i, v)
	{
		const char *w = json_string_value(v);
		if (w && (prefix ? !strncmp(s, w, strlen(w)) : strstr(s, w) != NULL))
			return 1;
	}
	return 0;
}

static int network_matches(const struct network *n, json_t *f)
{
	json_t *types = filters_get(f, "type"), *drv = filters_get(f, "driver"), *v;
	size_t i;
	if (!match_any(filters_get(f, "name"), n->name, 0) ||
	    !match_any(filters_get(f, "id"), n->id, 1) || !filters_match_labels(f, "label", n->labels) ||
	    !filters_match_labels(f, "label!", n->labels))
		return 0;
	if (drv) {
		int ok = 0;
		json_array_foreach(drv, i, v) ok |= json_string_value(v) &&
						    !strcmp(json_string_value(v), n->driver);
		if (!ok)
			return 0;
	}
	json_array_foreach(filters_get(f, "dangling"), i, v)
	{
		const char *d = json_string_value(v);
		int want = d && (!strcmp(d, "true") || !strcmp(d, "1"));
		if (want != (!n->predefined && n->neps == 0))
			return 0;
	}
	if (types) {
		int ok = 0;
		json_array_foreach(types, i, v)
		{
			const char *t = json_string_value(v);
			ok |= t && ((!strcmp(t, "builtin") && n->predefined) ||
				    (!strcmp(t, "custom") && !n->predefined));
		}
		if (!ok)
			return 0;
	}
	return 1;
}

static int filters_valid(json_t *f, eng_error_t *err)
{
	static const char *const keys[] = {"name", "id", "label", "label!", "driver", "type",
					   "scope", "dangling", "until", NULL};
	json_t *types = filters_get(f, "type"), *v;
	size_t i;
	if (filters_check_keys(f, keys, err) < 0)
		return -1;
	json_array_foreach(types, i, v)
	{
		const char *t = json_string_value(v);
		if (!t || (strcmp(t, "custom") && strcmp(t, "builtin")))
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "invalid filter: 'type'='%s'", t ? t : "");
	}
	return 0;
}

json_t *net_list(struct net_store *s, json_t *f, eng_error_t *err)
{
	json_t *out;
	if (filters_valid(f, err) < 0)
		return NULL;
	out = json_array();
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n; i++)
		if (network_matches(s->nets[i], f))
			json_array_append_new(out, network_json(s->nets[i], 0));
	pthread_mutex_unlock(&s->lock);
	return out;
}

int net_lookup(struct net_store *s, const char *name, char **ret_name, char ret_id[65],
	       eng_error_t *err)
{
	int rc = -1;
	pthread_mutex_lock(&s->lock);
	struct network *n = find_or_fail(s, name, err);
	if (n) {
		if (ret_name)
			*ret_name = strdup(n->name);
		if (ret_id)
			memcpy(ret_id, n->id, 65);
		rc = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int net_gateway(struct net_store *s, const char *name, char out[16])
{
	int rc = -1;
	pthread_mutex_lock(&s->lock);
	struct network *n = find_locked(s, name);
	if (n && is_bridge(n)) {
		ipam_format_ip(n->gateway, out);
		rc = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

char *net_driver(struct net_store *s, const char *name)
{
	char *d = NULL;
	pthread_mutex_lock(&s->lock);
	struct network *n = find_locked(s, name);
	if (n)
		d = strdup(n->driver);
	pthread_mutex_unlock(&s->lock);
	return d;
}

/* ---- create and remove ---- */

static int opt_bool(const json_t *opts, const char *key, int def)
{
	const char *v = json_str(opts, key);
	if (!v)
		return def;
	return !strcmp(v, "true") || !strcmp(v, "1");
}

static int parse_ipam(struct net_store *s, struct network *n, const json_t *body,
		      eng_error_t *err)
{
	json_t *ipam = json_object_get(body, "IPAM"), *cfgs = json_object_get(ipam, "Config"), *c;
	size_t i, nt;
	int have_subnet = 0;
	const char *drv = json_str(ipam, "Driver");

	if (drv && *drv && strcmp(drv, "default"))
		return eng_error_make(err, EINVAL, ERR_INVALID,
				      "IPAM driver %s not found", drv);
	json_array_foreach(cfgs, i, c)
	{
		const char *sub = json_str(c, "Subnet"), *gw = json_str(c, "Gateway"),
			   *range = json_str(c, "IPRange");
		if (sub && strchr(sub, ':'))
			continue; /* IPv6 pools are not handled: IPv4 only */
		if (have_subnet)
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "bridge driver doesn't support multiple subnets");
		if (sub && *sub) {
			if (ipam_parse_cidr(sub, &n->subnet, NULL, err) < 0)
				return eng_error_wrap(err, "invalid subnet %s", sub);
			have_subnet = 1;
		}
		if (gw && *gw) {
			if (!have_subnet)
				return eng_error_make(err, EINVAL, ERR_INVALID,
						      "a gateway needs a subnet");
			if (ipam_parse_ip(gw, &n->gateway) < 0 ||
			    !ipam_contains(&n->subnet, n->gateway))
				return eng_error_make(err, EINVAL, ERR_INVALID,
						      "no matching subnet for gateway %s", gw);
		}
		if (range && *range) {
			if (!have_subnet || ipam_parse_cidr(range, &n->range, NULL, err) < 0)
				return eng_error_make(err, EINVAL, ERR_INVALID,
						      "invalid ip-range %s", range);
			if (!ipam_contains(&n->subnet, n->range.addr) ||
			    n->range.prefix < n->subnet.prefix)
				return eng_error_make(err, EINVAL, ERR_INVALID,
						      "no matching subnet for range %s", range);
			n->has_range = 1;
		}
	}
	_cleanup_free_ struct ipv4_net *taken = taken_subnets(s, &nt);
	if (have_subnet) {
		for (size_t k = 0; k < s->n; k++)
			if (is_bridge(s->nets[k]) && ipam_overlaps(&s->nets[k]->subnet, &n->subnet))
				return eng_error_make(err, EEXIST, ERR_INVALID,
						      "invalid pool request: Pool overlaps with "
						      "other one on this address space");
	} else if (ipam_pick_subnet(s->pools, s->npools, taken, nt, &n->subnet, err) < 0) {
		return -1;
	}
	if (!n->gateway)
		n->gateway = n->subnet.addr + 1;
	if (json_is_object(json_object_get(ipam, "Options")) &&
	    json_object_size(json_object_get(ipam, "Options")))
		n->ipam_options = json_deep_copy(json_object_get(ipam, "Options"));
	return 0;
}

json_t *net_create(struct net_store *s, json_t *body, eng_error_t *err)
{
	const char *name = json_str(body, "Name"), *driver = json_str(body, "Driver");
	json_t *opts = json_object_get(body, "Options"), *labels = json_object_get(body, "Labels");
	struct network *n = NULL;
	json_t *ret = NULL;

	if (!name || !*name) {
		eng_error_make(err, EINVAL, ERR_INVALID, "network name cannot be empty");
		return NULL;
	}
	if (!driver || !*driver)
		driver = "bridge";
	if (!strcmp(name, "bridge") || !strcmp(name, "host") || !strcmp(name, "none") ||
	    !strcmp(name, "default")) {
		eng_error_make(err, EPERM, ERR_FORBIDDEN,
			       "%s is a pre-defined network and cannot be created", name);
		return NULL;
	}
	if (json_bool(body, "EnableIPv6", 0)) {
		eng_error_make(err, ENOTSUP, ERR_NOT_IMPLEMENTED,
			       "IPv6 networks are not implemented yet in berth");
		return NULL;
	}
	if (strcmp(driver, "bridge")) {
		if (!strcmp(driver, "host") || !strcmp(driver, "null"))
			eng_error_make(err, EPERM, ERR_FORBIDDEN,
				       "only one instance of \"%s\" network is allowed", driver);
		else
			eng_error_make(err, ENOENT, ERR_NOT_FOUND,
				       "plugin \"%s\" not found", driver);
		return NULL;
	}
	pthread_mutex_lock(&s->lock);
	struct network *other = find_locked(s, name);
	if (other && !strcmp(other->name, name)) {
		eng_error_make(err, EEXIST, ERR_CONFLICT, "network with name %s already exists",
			       name);
		goto out;
	}
	n = network_new(name, driver);
	n->internal = json_bool(body, "Internal", 0);
	n->attachable = json_bool(body, "Attachable", 0);
	n->ipv6 = json_bool(body, "EnableIPv6", 0);
	if (json_is_object(labels))
		json_object_update(n->labels, labels);
	if (json_is_object(opts))
		json_object_update(n->options, opts);
	n->icc = opt_bool(opts, OPT_ICC, 1);
	n->masq = opt_bool(opts, OPT_MASQ, 1);
	if (json_str(opts, OPT_MTU))
		n->mtu = atoi(json_str(opts, OPT_MTU));
	if (json_str(opts, OPT_BRIDGE) && *json_str(opts, OPT_BRIDGE)) {
		n->bridge = strdup(json_str(opts, OPT_BRIDGE));
		if (strlen(n->bridge) > 15) {
			eng_error_make(err, EINVAL, ERR_INVALID,
				       "bridge name %s is longer than 15 characters", n->bridge);
			goto out;
		}
		for (size_t i = 0; i < s->n; i++)
			if (s->nets[i]->bridge && !strcmp(s->nets[i]->bridge, n->bridge)) {
				eng_error_make(err, EEXIST, ERR_CONFLICT,
					       "bridge name %s is already in use by network %s",
					       n->bridge, s->nets[i]->name);
				goto out;
			}
	} else {
		if (asprintf(&n->bridge, "br-%.12s", n->id) < 0)
			abort();
	}
	if (parse_ipam(s, n, body, err) < 0)
		goto out;
	add_locked(s, n);
	if (network_save(s, n, err) < 0 || bridge_setup(s, n, err) < 0) {
		remove_locked(s, n);
		network_unlink(s, n);
		bridge_teardown(s, n);
		goto out;
	}
	ret = json_pack("{s:s, s:s}", "Id", n->id, "Warning", "");
	n = NULL;
out:
	pthread_mutex_unlock(&s->lock);
	network_free(n);
	return ret;
}

static int remove_locked_checked(struct net_store *s, struct network *n, eng_error_t *err)
{
	if (n->predefined)
		return eng_error_make(err, EPERM, ERR_FORBIDDEN,
				      "%s is a pre-defined network and cannot be removed",
				      n->name);
	if (n->neps)
		return eng_error_make(err, EBUSY, ERR_CONFLICT,
				      "error while removing network: network %s has active "
				      "endpoints (name:\"%s\" id:\"%.12s\")",
				      n->name, n->eps[0].ctr_name, n->eps[0].ctr_id);
	remove_locked(s, n);
	/* rules and bridge first: a crash in between leaves the document, and the next start
	 * sets the network up again instead of leaving an orphan bridge */
	bridge_teardown(s, n);
	network_unlink(s, n);
	return 0;
}

int net_remove(struct net_store *s, const char *name, char **ret_id, char **ret_name,
	       eng_error_t *err)
{
	int rc = -1;
	pthread_mutex_lock(&s->lock);
	struct network *n = find_or_fail(s, name, err);
	if (n && (rc = remove_locked_checked(s, n, err)) == 0) {
		*ret_id = strdup(n->id);
		*ret_name = strdup(n->name);
		network_free(n);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int net_prune(struct net_store *s, json_t *f, json_t **ret_deleted, json_t **ret_ids,
	      eng_error_t *err)
{
	static const char *const keys[] = {"label", "label!", "until", NULL};
	int64_t until = 0;
	json_t *u = filters_get(f, "until");
	if (filters_check_keys(f, keys, err) < 0)
		return -1;
	if (json_array_size(u) &&
	    parse_time_filter(json_string_value(json_array_get(u, 0)), now_ns(), &until) < 0)
		return eng_error_make(err, EINVAL, ERR_INVALID, "invalid filter 'until'");
	*ret_deleted = json_array();
	*ret_ids = json_array();
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n;) {
		struct network *n = s->nets[i];
		eng_error_t e;
		if (n->predefined || n->neps || !filters_match_labels(f, "label", n->labels) ||
		    !filters_match_labels(f, "label!", n->labels) ||
		    (until && n->created_ns >= until) || remove_locked_checked(s, n, &e) < 0) {
			i++;
			continue;
		}
		json_array_append_new(*ret_deleted, json_string(n->name));
		json_array_append_new(*ret_ids, json_string(n->id));
		network_free(n);
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* ---- endpoints ---- */

static void mac_from_ip(uint32_t ip, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	mac[2] = (uint8_t)(ip >> 24);
	mac[3] = (uint8_t)(ip >> 16);
	mac[4] = (uint8_t)(ip >> 8);
	mac[5] = (uint8_t)ip;
}

static int mac_parse(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static json_t *endpoint_settings(const struct network *n, const struct endpoint *e,
				 const char *static_ip)
{
	char ip[16], gw[16], mac[18];
	ipam_format_ip(e->ip, ip);
	ipam_format_ip(n->gateway, gw);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", e->mac[0], e->mac[1],
		 e->mac[2], e->mac[3], e->mac[4], e->mac[5]);
	return json_pack("{s:o, s:n, s:O?, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:n, "
			 "s:n}",
			 "IPAMConfig",
			 static_ip ? json_pack("{s:s}", "IPv4Address", static_ip) : json_null(),
			 "Links", "Aliases", e->aliases, "MacAddress", mac, "NetworkID", n->id,
			 "EndpointID", e->id, "Gateway", n->internal && 0 ? "" : gw, "IPAddress", ip,
			 "IPPrefixLen", n->subnet.prefix, "IPv6Gateway", "", "GlobalIPv6Address",
			 "", "GlobalIPv6PrefixLen", 0, "DriverOpts", "DNSNames");
}

static void dns_notify(struct net_store *s, const struct network *n, const struct endpoint *e,
		       int joined, const char *netns_path)
{
	char ip[16];
	if (!s->dns || n->predefined)
		return;
	ipam_format_ip(e->ip, ip);
	s->dns(s->dns_ctx, joined, netns_path, n->name, e->ctr_id, e->ctr_name, e->aliases, ip);
}

json_t *net_attach(struct net_store *s, const char *network, const struct net_attach *a,
		   eng_error_t *err)
{
	struct endpoint e = {0};
	json_t *ret = NULL;
	int lo, master, idx, used;
	struct network *n;

	pthread_mutex_lock(&s->lock);
	n = find_or_fail(s, network, err);
	if (!n)
		goto out;
	if (!is_bridge(n)) {
		eng_error_make(err, EINVAL, ERR_INVALID,
			       "container cannot be connected to network %s", n->name);
		goto out;
	}
	if (endpoint_find(n, a->ctr_id)) {
		eng_error_make(err, EEXIST, ERR_FORBIDDEN,
			       "endpoint with name %s already exists in network %s", a->ctr_name,
			       n->name);
		goto out;
	}
	/* ports are checked when resolved, outside this lock: a concurrent start may have
	 * published one of them since */
	for (size_t i = 0; i < a->nports; i++)
		if (port_taken_locked(s, &a->ports[i], NULL, 0)) {
			eng_error_make(err, EADDRINUSE, ERR_INTERNAL,
				       "Bind for %s:%d failed: port is already allocated",
				       *a->ports[i].host_ip ? a->ports[i].host_ip : "0.0.0.0",
				       a->ports[i].host_port);
			goto out;
		}
	memcpy(e.ctr_id, a->ctr_id, 65);
	if (a->ip && *a->ip) {
		if (n->predefined) {
			eng_error_make(err, EINVAL, ERR_INVALID,
				       "user specified IP address is supported on user defined "
				       "networks only");
			goto out;
		}
		if (ipam_parse_ip(a->ip, &e.ip) < 0 || !ipam_contains(&n->subnet, e.ip)) {
			eng_error_make(err, EINVAL, ERR_INVALID,
				       "no configured subnet contains IP address %s", a->ip);
			goto out;
		}
		used = e.ip == n->gateway;
		for (size_t i = 0; i < n->neps; i++)
			used |= n->eps[i].ip == e.ip;
		if (used) {
			eng_error_make(err, EADDRINUSE, ERR_FORBIDDEN,
				       "Address already in use");
			goto out;
		}
	} else {
		uint32_t *taken = calloc(n->neps + 1, sizeof(*taken));
		taken[0] = n->gateway;
		for (size_t i = 0; i < n->neps; i++)
			taken[i + 1] = n->eps[i].ip;
		used = ipam_alloc(&n->subnet, n->has_range ? &n->range : NULL, taken, n->neps + 1,
				  n->last_ip + 1, &e.ip, err);
		free(taken);
		if (used < 0)
			goto out;
	}
	if (a->mac && *a->mac) {
		if (mac_parse(a->mac, e.mac) < 0) {
			eng_error_make(err, EINVAL, ERR_INVALID, "invalid MAC address: %s", a->mac);
			goto out;
		}
	} else {
		mac_from_ip(e.ip, e.mac);
	}
	n->last_ip = e.ip;
	random_hex_id(e.id);
	/* unique per container and network: a stale one from a crash is replaced below */
	snprintf(e.host_if, sizeof(e.host_if), "vb%.7s%.6s", a->ctr_id, n->id);
	nl_link_delete(&s->nl, e.host_if, NULL);
	master = nl_link_index(n->bridge);
	if (!master) {
		eng_error_make(err, ENODEV, ERR_INTERNAL, "bridge %s of network %s is missing",
			       n->bridge, n->name);
		goto out;
	}
	if (nl_veth_create(&s->nl, e.host_if, master, a->ifname, a->nsfd, e.mac, n->mtu, err) < 0)
		goto out;
	lo = nl_link_index("lo"); /* same index in every namespace */
	{
		/* the peer's index is only known inside the namespace: ask there */
		struct nl_sock *ns = a->nsnl;
		eng_error_t e2;
		if (nl_link_up(ns, lo, &e2) < 0)
			log_debug("lo up: %s", e2.msg);
		idx = nl_link_index_in(ns, a->ifname);
		if (idx <= 0 || nl_addr_add(ns, idx, e.ip, n->subnet.prefix, err) < 0 ||
		    nl_link_up(ns, idx, err) < 0 ||
		    (a->default_route && !n->internal && nl_route_default(ns, n->gateway, err) < 0)) {
			if (idx <= 0)
				eng_error_make(err, ENODEV, ERR_INTERNAL, "no %s in the container",
					       a->ifname);
			nl_link_delete(&s->nl, e.host_if, NULL);
			goto out;
		}
	}
	e.ctr_name = strdup(a->ctr_name);
	e.aliases = a->aliases ? json_incref(a->aliases) : NULL;
	if (a->nports) {
		char ip[16];
		ipam_format_ip(e.ip, ip);
		e.ports = calloc(a->nports, sizeof(*e.ports));
		memcpy(e.ports, a->ports, a->nports * sizeof(*e.ports));
		for (size_t i = 0; i < a->nports; i++)
			snprintf(e.ports[i].ctr_ip, sizeof(e.ports[i].ctr_ip), "%s", ip);
		e.nports = a->nports;
	}
	n->eps = realloc(n->eps, (n->neps + 1) * sizeof(*n->eps));
	n->eps[n->neps++] = e;
	if (e.nports && network_fw_apply(s, n, err) < 0) {
		n->neps--;
		nl_link_delete(&s->nl, e.host_if, NULL);
		endpoint_clear(&e);
		memset(&e, 0, sizeof(e));
		goto out;
	}
	ret = endpoint_settings(n, &n->eps[n->neps - 1], a->ip && *a->ip ? a->ip : NULL);
	dns_notify(s, n, &n->eps[n->neps - 1], 1, a->netns_path);
	memset(&e, 0, sizeof(e));
out:
	endpoint_clear(&e);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int net_detach(struct net_store *s, const char *network, const char *ctr_id, int delete_link,
	       eng_error_t *err)
{
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	struct network *n = find_locked(s, network);
	struct endpoint *e = n ? endpoint_find(n, ctr_id) : NULL;
	if (e) {
		struct endpoint gone = *e;
		dns_notify(s, n, e, 0, NULL);
		*e = n->eps[--n->neps];
		if (delete_link)
			nl_link_delete(&s->nl, gone.host_if, NULL);
		if (gone.nports)
			rc = network_fw_apply(s, n, err);
		endpoint_clear(&gone);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int net_restore_endpoint(struct net_store *s, const char *network, const char *ctr_id,
			 const char *ctr_name, const json_t *settings, const struct fw_port *ports,
			 size_t nports)
{
	struct endpoint e = {0};
	int rc = -1;
	pthread_mutex_lock(&s->lock);
	struct network *n = find_locked(s, network);
	if (!n || !is_bridge(n) || endpoint_find(n, ctr_id) ||
	    ipam_parse_ip(json_str(settings, "IPAddress"), &e.ip) < 0)
		goto out;
	memcpy(e.ctr_id, ctr_id, 65);
	snprintf(e.id, sizeof(e.id), "%s", json_str(settings, "EndpointID") ?: "");
	if (!json_str(settings, "MacAddress") || mac_parse(json_str(settings, "MacAddress"), e.mac) < 0)
		mac_from_ip(e.ip, e.mac);
	snprintf(e.host_if, sizeof(e.host_if), "vb%.7s%.6s", ctr_id, n->id);
	e.ctr_name = strdup(ctr_name);
	if (json_is_array(json_object_get(settings, "Aliases")))
		e.aliases = json_incref(json_object_get(settings, "Aliases"));
	if (nports) {
		e.ports = calloc(nports, sizeof(*e.ports));
		memcpy(e.ports, ports, nports * sizeof(*ports));
		e.nports = nports;
		for (size_t i = 0; i < nports; i++)
			ipam_format_ip(e.ip, e.ports[i].ctr_ip);
	}
	n->eps = realloc(n->eps, (n->neps + 1) * sizeof(*n->eps));
	n->eps[n->neps++] = e;
	rc = 0;
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void net_restore_done(struct net_store *s)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n; i++) {
		struct network *n = s->nets[i];
		eng_error_t err;
		if (is_bridge(n) && network_fw_apply(s, n, &err) < 0)
			log_warn("network %s: %s", n->name, err.msg);
	}
	pthread_mutex_unlock(&s->lock);
}
