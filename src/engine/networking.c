/* Containers on networks: the namespace each container gets, its endpoints, and the
 * network operations of the API. A container's NetworkSettings (c->net) persist in its
 * document: {"Networks": {name: EndpointSettings}, "Ports": [published ports]}. */
#include "engine-internal.h"
#include "../common/cleanup.h"
#include "../common/jsonutil.h"
#include "../common/log.h"
#include "../network/netlink.h"
#include "../network/network.h"
#include "../network/dns.h"
#include "../network/resolvconf.h"
#include "../common/fsutil.h"
#include "../common/strv.h"
#include "events.h"
#include "networks.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int networking_open(struct engine *eng, eng_error_t *err)
{
	struct net_config nc = {
		.data_root = eng->cfg.data_root,
		.bridge = eng->cfg.bridge,
		.bip = eng->cfg.bip,
		.pools = eng->cfg.address_pools,
		.mtu = eng->cfg.mtu,
	};
	if (net_store_open(&nc, &eng->nets, err) < 0)
		return -1;
	eng->dns = dns_server_start(NULL, err);
	if (!eng->dns)
		return -1;
	net_set_dns_hook(eng->nets, dns_net_hook, eng->dns);
	return 0;
}

/* Networks with the embedded DNS: every one but the predefined ones. */
static int net_has_dns(const char *name)
{
	return strcmp(name, "bridge") && strcmp(name, "host") && strcmp(name, "none");
}

int container_has_dns(struct container *c)
{
	const char *name;
	json_t *ep;
	json_object_foreach(json_object_get(c->net, "Networks"), name, ep)
		if (net_has_dns(name))
			return 1;
	return 0;
}

/* The container's resolv.conf for the embedded DNS (caller frees); its upstreams and ndots
 * setting into the out parameters when not NULL. */
char *container_resolv_conf_dns(struct container *c, char ***ret_upstreams, int *ret_ndots_set)
{
	_cleanup_free_ char *host = read_file("/etc/resolv.conf", NULL, NULL);
	_cleanup_strv_ char **dns = NULL, **search = NULL, **opts = NULL, **up = NULL;
	json_strv(c->host_config, "Dns", &dns, NULL);
	json_strv(c->host_config, "DnsSearch", &search, NULL);
	json_strv(c->host_config, "DnsOptions", &opts, NULL);
	struct resolvconf_opts o = {.dns = dns, .dns_search = search, .dns_options = opts};
	int ndots_set = 0;
	char *rc = resolvconf_internal(host, &o, &up, &ndots_set);
	if (ret_upstreams)
		*ret_upstreams = TAKE_PTR(up);
	if (ret_ndots_set)
		*ret_ndots_set = ndots_set;
	return rc;
}

/* Whether every network of c is Internal: then the embedded DNS forwards nothing. */
static int dns_internal_only(struct engine *eng, struct container *c)
{
	const char *name;
	json_t *ep;
	int any = 0;
	json_object_foreach(json_object_get(c->net, "Networks"), name, ep)
	{
		json_t *doc = net_inspect(eng->nets, name, NULL);
		int internal = json_bool(doc, "Internal", 0);
		json_decref(doc);
		if (!internal)
			return 0;
		any = 1;
	}
	return any;
}

/* Opens the embedded DNS server's sockets in the container's namespace; after a restart the
 * upstreams come from the resolv.conf written at start. */
static int dns_attach_container(struct engine *eng, struct container *c, const char *netns_path,
				int restored, eng_error_t *err)
{
	_cleanup_strv_ char **up = NULL;
	int ndots_set = 0;
	if (restored) {
		_cleanup_free_ char *dir = container_dir(eng, c->id);
		_cleanup_free_ char *path = path_join(dir, "resolv.conf");
		_cleanup_free_ char *content = read_file(path, NULL, NULL);
		if (resolvconf_read_internal(content, &up, &ndots_set) < 0)
			up = NULL;
	} else {
		free(container_resolv_conf_dns(c, &up, &ndots_set));
	}
	struct dns_sandbox_opts o = {.upstreams = up, .ndots_set = ndots_set,
				     .internal = dns_internal_only(eng, c)};
	return dns_attach(eng->dns, c->id, netns_path, &o, err);
}

struct net_store *engine_net_store(struct engine *eng)
{
	return eng->nets;
}

static int mode_is(const char *mode, const char *what)
{
	return mode && !strcmp(mode, what);
}

/* Whether the mode is one of the container's own networks (not host, none, container:). */
static int mode_has_endpoints(const char *mode)
{
	return mode && strcmp(mode, "host") && strcmp(mode, "none") &&
	       strncmp(mode, "container:", 10);
}

static json_t *empty_endpoint(const char *net_id, json_t *req)
{
	json_t *ipam = json_object_get(req, "IPAMConfig"), *aliases = json_object_get(req, "Aliases");
	const char *mac = json_str(req, "MacAddress");
	return json_pack("{s:O?, s:n, s:O?, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:n, "
			 "s:n}",
			 "IPAMConfig", json_is_object(ipam) ? ipam : NULL, "Links", "Aliases",
			 json_is_array(aliases) && json_array_size(aliases) ? aliases : NULL,
			 "MacAddress", mac ? mac : "", "NetworkID", net_id, "EndpointID", "",
			 "Gateway", "", "IPAddress", "", "IPPrefixLen", 0, "IPv6Gateway", "",
			 "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0, "DriverOpts",
			 "DNSNames");
}

int network_create_settings(struct engine *eng, json_t *hc, json_t *networking, json_t **ret,
			    eng_error_t *err)
{
	const char *mode = json_str(hc, "NetworkMode");
	json_t *eps = json_object_get(networking, "EndpointsConfig"), *nets = json_object();
	_cleanup_free_ char *name = NULL;
	char id[65];

	*ret = NULL;
	if (!strncmp(mode, "container:", 10)) {
		struct container *other = engine_container_get(eng, mode + 10, err);
		if (!other) {
			json_decref(nets);
			return -1;
		}
		container_unref(eng, other);
	} else if (!strcmp(mode, "bridge") && net_lookup(eng->nets, mode, NULL, NULL, NULL) < 0) {
		/* -b none: no default bridge, containers get a namespace of their own */
		json_object_set_new(hc, "NetworkMode", json_string("none"));
	} else if (mode_has_endpoints(mode)) {
		/* as dockerd: an unknown network fails the start, not the create */
		if (net_lookup(eng->nets, mode, &name, id, NULL) < 0) {
			name = strdup(mode);
			id[0] = 0;
		}
		json_t *req = json_object_get(eps, mode);
		if (!req)
			req = json_object_get(eps, name);
		if (!json_is_object(req) && json_object_size(eps) == 1) {
			const char *k;
			json_t *v;
			json_object_foreach(eps, k, v) req = v;
		}
		json_t *ipam = json_object_get(req, "IPAMConfig");
		if (json_str(ipam, "IPv6Address") && *json_str(ipam, "IPv6Address")) {
			json_decref(nets);
			return eng_error_make(err, ENOTSUP, ERR_NOT_IMPLEMENTED,
					      "--ip6: IPv6 networks are not implemented yet in berth");
		}
		if (json_str(ipam, "IPv4Address") && *json_str(ipam, "IPv4Address") &&
		    !strcmp(name, "bridge")) {
			json_decref(nets);
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "user specified IP address is supported on user "
					      "defined networks only");
		}
		if (json_array_size(json_object_get(req, "Aliases")) && !strcmp(name, "bridge")) {
			json_decref(nets);
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "network-scoped alias is supported only for "
					      "containers in user defined networks");
		}
		json_object_set_new(nets, name, empty_endpoint(id, req));
		json_object_set_new(hc, "NetworkMode", json_string(name));
	}
	*ret = json_pack("{s:o}", "Networks", nets);
	return 0;
}

static void ports_to_json(json_t *net, const struct fw_port *p, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:i}", "Proto", p[i].proto,
						     "HostIp", p[i].host_ip, "HostPort",
						     p[i].host_port, "Port", p[i].ctr_port));
	json_object_set_new(net, "Ports", arr);
}

static struct fw_port *ports_from_json(const json_t *net, size_t *ret_n)
{
	json_t *arr = json_object_get(net, "Ports"), *v;
	struct fw_port *p = calloc(json_array_size(arr) + 1, sizeof(*p));
	size_t i;
	json_array_foreach(arr, i, v)
	{
		snprintf(p[i].proto, sizeof(p[i].proto), "%s", json_str(v, "Proto") ?: "tcp");
		snprintf(p[i].host_ip, sizeof(p[i].host_ip), "%s", json_str(v, "HostIp") ?: "");
		p[i].host_port = (int)json_int(v, "HostPort", 0);
		p[i].ctr_port = (int)json_int(v, "Port", 0);
	}
	*ret_n = json_array_size(arr);
	return p;
}

static void endpoint_reset(json_t *ep)
{
	static const char *const keys[] = {"EndpointID", "Gateway", "IPAddress", "MacAddress"};
	for (size_t i = 0; i < 4; i++)
		json_object_set_new(ep, keys[i], json_string(""));
	json_object_set_new(ep, "IPPrefixLen", json_integer(0));
}

void container_net_stop_locked(struct engine *eng, struct container *c)
{
	json_t *nets = json_object_get(c->net, "Networks"), *ep;
	const char *name;
	eng_error_t err;

	json_object_foreach(nets, name, ep)
	{
		if (!*(json_str(ep, "EndpointID") ?: ""))
			continue;
		if (net_detach(eng->nets, name, c->id, 0, &err) < 0)
			log_warn("container %.12s: leaving %s: %s", c->id, name, err.msg);
		engine_event(eng, "network", "disconnect", json_str(ep, "NetworkID") ?: "",
			     json_pack("{s:s, s:s, s:s}", "container", c->id, "name", name,
				       "type", "bridge"));
		endpoint_reset(ep);
	}
	json_object_del(c->net, "Ports");
}

/* Attaches the namespace to one network and records the result in c->net. */
static int join_network(struct engine *eng, struct container *c, const char *name, json_t *ep,
			int nsfd, struct nl_sock *nsnl, int index, const char *netns_path,
			const struct fw_port *ports, size_t nports, eng_error_t *err)
{
	char ifname[16];
	json_t *ipam = json_object_get(ep, "IPAMConfig");
	int first = index == 0;
	/* the first free ethN: a disconnect may have left a gap below a later one */
	do
		snprintf(ifname, sizeof(ifname), "eth%d", index++);
	while (nl_link_index_in(nsnl, ifname) > 0);
	struct net_attach a = {
		.ctr_id = c->id,
		.ctr_name = c->name,
		.ip = json_str(ipam, "IPv4Address"),
		.mac = json_str(ep, "MacAddress") && *json_str(ep, "MacAddress")
			       ? json_str(ep, "MacAddress")
			       : json_str(c->config, "MacAddress"),
		.aliases = json_object_get(ep, "Aliases"),
		.ports = ports,
		.nports = nports,
		.nsfd = nsfd,
		.nsnl = nsnl,
		.ifname = ifname,
		.default_route = first,
		.netns_path = netns_path,
	};
	json_t *got = net_attach(eng->nets, name, &a, err);
	if (!got)
		return err->kind == ERR_NOT_FOUND
			       ? eng_error_wrap(err, "failed to set up container networking")
			       : -1;
	pthread_mutex_lock(&eng->lock);
	json_object_del(got, "IPAMConfig");
	json_object_del(got, "Aliases");
	json_object_update(ep, got);
	engine_event(eng, "network", "connect", json_str(got, "NetworkID"),
		     json_pack("{s:s, s:s, s:s}", "container", c->id, "name", name, "type",
			       "bridge"));
	pthread_mutex_unlock(&eng->lock);
	json_decref(got);
	return 0;
}

int container_net_start(struct engine *eng, struct container *c, int *ret_nsfd,
			char **ret_path, eng_error_t *err)
{
	const char *mode = json_str(c->host_config, "NetworkMode");
	json_t *nets = json_object_get(c->net, "Networks"), *ep;
	_cleanup_free_ struct fw_port *ports = NULL;
	struct nl_sock nsnl = {.fd = -1};
	const char *name;
	size_t nports = 0;
	int nsfd = -1, index = 0;

	*ret_nsfd = -1;
	*ret_path = NULL;
	if (mode_is(mode, "host")) {
		/* berthd's own namespace is the host's; /proc/1 may not be readable */
		if (asprintf(ret_path, "/proc/%d/ns/net", getpid()) < 0)
			abort();
		return 0;
	}
	if (mode_is(mode, "none"))
		return 0;
	if (mode && !strncmp(mode, "container:", 10)) {
		struct container *other = engine_container_get(eng, mode + 10, err);
		pid_t pid;
		if (!other)
			return -1;
		pthread_mutex_lock(&eng->lock);
		pid = other->status == CTR_RUNNING || other->status == CTR_PAUSED ? other->pid : 0;
		pthread_mutex_unlock(&eng->lock);
		if (pid <= 0) {
			eng_error_make(err, EINVAL, ERR_CONFLICT,
				       "cannot join network namespace of a non running container: "
				       "%s",
				       other->id);
			container_unref(eng, other);
			return -1;
		}
		container_unref(eng, other);
		if (asprintf(ret_path, "/proc/%d/ns/net", pid) < 0)
			abort();
		return 0;
	}
	if (!json_object_size(nets))
		return 0;
	if (net_ports_resolve(eng->nets, json_object_get(c->host_config, "PortBindings"),
			      json_object_get(c->config, "ExposedPorts"),
			      json_bool(c->host_config, "PublishAllPorts", 0), &ports, &nports,
			      err) < 0) {
		return eng_error_wrap(err, "driver failed programming external connectivity on "
				      "endpoint %s (%.64s)", c->name, c->id);
	}
	if (nl_netns_new(&nsfd, &nsnl, err) < 0)
		return -1;
	if (asprintf(ret_path, "/proc/%d/fd/%d", getpid(), nsfd) < 0)
		abort();
	if (container_has_dns(c) && dns_attach_container(eng, c, *ret_path, 0, err) < 0)
		goto fail;
	json_object_foreach(nets, name, ep)
	{
		if (join_network(eng, c, name, ep, nsfd, &nsnl, index, *ret_path,
				 index == 0 ? ports : NULL, index == 0 ? nports : 0, err) < 0) {
			if (err->errnum == EADDRINUSE && nports)
				eng_error_wrap(err, "driver failed programming external "
						    "connectivity on endpoint %s (%.64s)",
					       c->name, c->id);
			goto fail;
		}
		index++;
	}
	nl_close(&nsnl);
	pthread_mutex_lock(&eng->lock);
	ports_to_json(c->net, ports, nports);
	pthread_mutex_unlock(&eng->lock);
	*ret_nsfd = nsfd;
	return 0;
fail:
	nl_close(&nsnl);
	pthread_mutex_lock(&eng->lock);
	container_net_stop_locked(eng, c);
	pthread_mutex_unlock(&eng->lock);
	/* its sockets would keep the namespace alive */
	dns_detach(eng->dns, c->id);
	close(nsfd);
	free(*ret_path);
	*ret_path = NULL;
	return -1;
}

void containers_net_restore(struct engine *eng)
{
	pthread_mutex_lock(&eng->lock);
	for (size_t i = 0; i < eng->nctrs; i++) {
		struct container *c = eng->ctrs[i];
		json_t *nets = json_object_get(c->net, "Networks"), *ep;
		const char *name;
		size_t nports = 0, index = 0;
		if (c->status != CTR_RUNNING && c->status != CTR_PAUSED)
			continue;
		_cleanup_free_ struct fw_port *ports = ports_from_json(c->net, &nports);
		json_object_foreach(nets, name, ep)
		{
			if (*(json_str(ep, "IPAddress") ?: ""))
				net_restore_endpoint(eng->nets, name, c->id, c->name, ep,
						     index == 0 ? ports : NULL,
						     index == 0 ? nports : 0);
			if (*(json_str(ep, "IPAddress") ?: "") && net_has_dns(name)) {
				_cleanup_strv_ char **names = dns_names(
					c->name, json_object_get(ep, "Aliases"), c->id, NULL);
				eng_error_t err;
				if (dns_endpoint_add(eng->dns, name, c->id, names,
						     json_str(ep, "IPAddress"), NULL, &err) < 0)
					log_warn("container %.12s: embedded DNS: %s, ignoring", c->id,
						 err.msg);
			}
			index++;
		}
		if (container_has_dns(c)) {
			char path[64];
			eng_error_t err;
			snprintf(path, sizeof(path), "/proc/%d/ns/net", c->pid);
			if (dns_attach_container(eng, c, path, 1, &err) < 0)
				log_warn("container %.12s: embedded DNS: %s, ignoring", c->id, err.msg);
		}
	}
	pthread_mutex_unlock(&eng->lock);
	net_restore_done(eng->nets);
}

/* NetworkSettings for inspect; eng->lock held. */
json_t *container_net_inspect_locked(struct container *c)
{
	json_t *ns = json_object(), *nets = json_object_get(c->net, "Networks");
	json_t *bridge = json_object_get(nets, "bridge");
	size_t nports = 0;
	int running = c->status == CTR_RUNNING || c->status == CTR_PAUSED;
	static const char *const empty_strs[] = {"Bridge", "SandboxID", "LinkLocalIPv6Address",
						 "GlobalIPv6Address", "IPv6Gateway"};
	static const char *const from_bridge[] = {"EndpointID", "IPAddress", "MacAddress",
						  "Gateway"};

	for (size_t i = 0; i < sizeof(empty_strs) / sizeof(*empty_strs); i++)
		json_object_set_new(ns, empty_strs[i], json_string(""));
	char key[64] = "";
	/* no bind-mounted namespace file (see decisions.md): the init's is the namespace's path */
	if (running && c->pid > 0 && mode_has_endpoints(json_str(c->host_config, "NetworkMode")))
		snprintf(key, sizeof(key), "/proc/%d/ns/net", c->pid);
	json_object_set_new(ns, "SandboxKey", json_string(key));
	json_object_set_new(ns, "HairpinMode", json_false());
	json_object_set_new(ns, "LinkLocalIPv6PrefixLen", json_integer(0));
	json_object_set_new(ns, "GlobalIPv6PrefixLen", json_integer(0));
	json_object_set_new(ns, "SecondaryIPAddresses", json_null());
	json_object_set_new(ns, "SecondaryIPv6Addresses", json_null());
	for (size_t i = 0; i < 4; i++)
		json_object_set_new(ns, from_bridge[i],
				    json_string(json_str(bridge, from_bridge[i]) ?: ""));
	json_object_set_new(ns, "IPPrefixLen", json_integer(json_int(bridge, "IPPrefixLen", 0)));
	_cleanup_free_ struct fw_port *ports = ports_from_json(c->net, &nports);
	json_object_set_new(ns, "Ports",
			    running ? net_ports_json(ports, nports,
						     json_object_get(c->config, "ExposedPorts"))
				    : json_object());
	json_t *copy = json_is_object(nets) ? json_deep_copy(nets) : json_object();
	const char *mode = json_str(c->host_config, "NetworkMode");
	if (!json_object_size(copy) && mode && (!strcmp(mode, "host") || !strcmp(mode, "none")))
		json_object_set_new(copy, mode, empty_endpoint("", NULL));
	json_object_set_new(ns, "Networks", copy);
	return ns;
}

/* ---- the API's network operations ---- */

json_t *engine_network_create(struct engine *eng, json_t *body, eng_error_t *err)
{
	json_t *ret = net_create(eng->nets, body, err);
	if (ret)
		engine_event(eng, "network", "create", json_str(ret, "Id"),
			     json_pack("{s:s, s:s}", "name", json_str(body, "Name"), "type",
				       json_str(body, "Driver") && *json_str(body, "Driver")
					       ? json_str(body, "Driver")
					       : "bridge"));
	return ret;
}

int engine_network_remove(struct engine *eng, const char *name, eng_error_t *err)
{
	_cleanup_free_ char *id = NULL, *nname = NULL;
	if (net_remove(eng->nets, name, &id, &nname, err) < 0)
		return -1;
	engine_event(eng, "network", "destroy", id,
		     json_pack("{s:s, s:s}", "name", nname, "type", "bridge"));
	return 0;
}

json_t *engine_network_inspect(struct engine *eng, const char *name, eng_error_t *err)
{
	return net_inspect(eng->nets, name, err);
}

json_t *engine_network_list(struct engine *eng, json_t *filters, eng_error_t *err)
{
	return net_list(eng->nets, filters, err);
}

json_t *engine_network_prune(struct engine *eng, json_t *filters, eng_error_t *err)
{
	json_t *names = NULL, *ids = NULL, *v;
	size_t i;
	if (net_prune(eng->nets, filters, &names, &ids, err) < 0)
		return NULL;
	json_array_foreach(ids, i, v)
		engine_event(eng, "network", "destroy", json_string_value(v),
			     json_pack("{s:s, s:s}", "name",
				       json_string_value(json_array_get(names, i)), "type",
				       "bridge"));
	json_decref(ids);
	return json_pack("{s:o}", "NetworksDeleted", names);
}

static int is_running(const struct container *c)
{
	return c->status == CTR_RUNNING || c->status == CTR_PAUSED;
}

int engine_network_connect(struct engine *eng, const char *network, struct container *c,
			   json_t *endpoint, eng_error_t *err)
{
	_cleanup_free_ char *name = NULL;
	char id[65];
	int rc = -1, running, index, had_dns;
	json_t *nets, *ep;
	const char *mode;

	if (net_lookup(eng->nets, network, &name, id, err) < 0)
		return -1;
	pthread_mutex_lock(&c->op_lock);
	pthread_mutex_lock(&eng->lock);
	mode = json_str(c->host_config, "NetworkMode");
	nets = json_object_get(c->net, "Networks");
	running = is_running(c);
	index = (int)json_object_size(nets);
	if (!mode_has_endpoints(mode) || !mode_has_endpoints(name)) {
		eng_error_make(err, EINVAL, ERR_FORBIDDEN,
			       "container cannot be disconnected from host network or connected "
			       "to host network");
		if (!mode_has_endpoints(name) && mode_has_endpoints(mode))
			eng_error_make(err, EINVAL, ERR_FORBIDDEN,
				       "container cannot be connected to network %s", name);
		goto unlock;
	}
	if (json_object_get(nets, name)) {
		eng_error_make(err, EEXIST, ERR_FORBIDDEN,
			       "endpoint with name %s already exists in network %s", c->name, name);
		goto unlock;
	}
	had_dns = container_has_dns(c);
	ep = empty_endpoint(id, endpoint);
	if (!nets) {
		nets = json_object();
		if (!c->net)
			c->net = json_object();
		json_object_set_new(c->net, "Networks", nets);
	}
	json_object_set_new(nets, name, ep);
	pthread_mutex_unlock(&eng->lock);
	rc = 0;
	if (running) {
		/* the namespace of the running container, through its init */
		char path[64];
		struct nl_sock nsnl = {.fd = -1};
		snprintf(path, sizeof(path), "/proc/%d/ns/net", c->pid);
		if (net_has_dns(name) && !had_dns)
			container_resolv_conf_to_dns(eng, c);
		int nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0 || nl_open(&nsnl, nsfd, err) < 0 ||
		    (net_has_dns(name) && !had_dns &&
		     dns_attach_container(eng, c, path, 0, err) < 0) ||
		    join_network(eng, c, name, ep, nsfd, &nsnl, index, path, NULL, 0, err) < 0) {
			if (nsfd < 0)
				eng_error_make(err, errno, ERR_INTERNAL, "%s: %m", path);
			rc = -1;
		}
		nl_close(&nsnl);
		if (nsfd >= 0)
			close(nsfd);
	}
	pthread_mutex_lock(&eng->lock);
	if (rc < 0)
		json_object_del(nets, name);
	container_save(eng, c);
	if (rc == 0 && running)
		dns_set_internal(eng->dns, c->id, dns_internal_only(eng, c));
unlock:
	pthread_mutex_unlock(&eng->lock);
	pthread_mutex_unlock(&c->op_lock);
	/* the connect event comes with the join (join_network), when the container runs */
	return rc;
}

int engine_network_disconnect(struct engine *eng, const char *network, struct container *c,
			      int force, eng_error_t *err)
{
	_cleanup_free_ char *name = NULL;
	char id[65];
	int rc = -1;
	json_t *nets;

	if (net_lookup(eng->nets, network, &name, id, err) < 0)
		return -1;
	pthread_mutex_lock(&c->op_lock);
	pthread_mutex_lock(&eng->lock);
	nets = json_object_get(c->net, "Networks");
	if (!json_object_get(nets, name)) {
		eng_error_make(err, ENOENT, ERR_FORBIDDEN,
			       "container %s is not connected to network %s", c->id, name);
	} else {
		if (net_detach(eng->nets, name, c->id, 1, err) == 0 || force)
			rc = 0;
		if (rc == 0) {
			json_object_del(nets, name);
			dns_set_internal(eng->dns, c->id, dns_internal_only(eng, c));
			/* NetworkMode stays: dockerd keeps it, and clients such as compose
			 * disconnect and connect again to set aliases */
			container_save(eng, c);
		}
	}
	pthread_mutex_unlock(&eng->lock);
	pthread_mutex_unlock(&c->op_lock);
	if (rc == 0)
		engine_event(eng, "network", "disconnect", id,
			     json_pack("{s:s, s:s, s:s}", "container", c->id, "name", name,
				       "type", "bridge"));
	return rc;
}

/* The Ports of a container summary (docker ps); eng->lock held. */
json_t *container_net_summary_ports_locked(struct container *c)
{
	json_t *out = json_array(), *v;
	const char *key;
	size_t n = 0;
	int running = c->status == CTR_RUNNING || c->status == CTR_PAUSED;
	_cleanup_free_ struct fw_port *ports = ports_from_json(c->net, &n);

	for (size_t i = 0; running && i < n; i++)
		json_array_append_new(out, json_pack("{s:s, s:i, s:i, s:s}", "IP",
						     *ports[i].host_ip ? ports[i].host_ip : "0.0.0.0",
						     "PrivatePort", ports[i].ctr_port, "PublicPort",
						     ports[i].host_port, "Type", ports[i].proto));
	json_object_foreach(json_object_get(c->config, "ExposedPorts"), key, v)
	{
		int port = atoi(key), published = 0;
		const char *slash = strchr(key, '/');
		for (size_t i = 0; running && i < n; i++)
			published |= ports[i].ctr_port == port &&
				     !strcmp(ports[i].proto, slash ? slash + 1 : "tcp");
		if (!published)
			json_array_append_new(out, json_pack("{s:i, s:s}", "PrivatePort", port,
							     "Type", slash ? slash + 1 : "tcp"));
	}
	return out;
}

/* /etc/hosts lines for the legacy --link entries ("name" or "name:alias") of a container on
 * the default bridge: "IP\talias name"; the linked container must be running there. */
int container_links_hosts(struct engine *eng, struct container *c, char **ret, eng_error_t *err)
{
	json_t *links = json_object_get(c->host_config, "Links"), *v;
	size_t i, len = 0;
	char *out = calloc(1, 1);

	json_array_foreach(links, i, v)
	{
		const char *spec = json_string_value(v);
		char name[256], alias[256];
		const char *colon = spec ? strchr(spec, ':') : NULL;
		if (!spec)
			continue;
		/* "/other:/me/alias" as inspect shows them, or the CLI's "other:alias" */
		snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec),
			 spec[0] == '/' ? spec + 1 : spec);
		if (spec[0] == '/' && colon)
			name[colon - spec - 1] = 0;
		snprintf(alias, sizeof(alias), "%s", colon ? (strrchr(colon, '/') ? strrchr(colon, '/') + 1 : colon + 1) : name);
		struct container *o = engine_container_get(eng, name, err);
		if (!o) {
			free(out);
			return -1;
		}
		pthread_mutex_lock(&eng->lock);
		const char *ip = json_str(json_object_get(json_object_get(o->net, "Networks"), "bridge"),
					  "IPAddress");
		int ok = (o->status == CTR_RUNNING || o->status == CTR_PAUSED) && ip && *ip;
		char line[600];
		int n = ok ? snprintf(line, sizeof(line), "%s\t%s %s\n", ip, alias, o->name) : 0;
		pthread_mutex_unlock(&eng->lock);
		container_unref(eng, o);
		if (!ok) {
			free(out);
			return eng_error_make(err, EINVAL, ERR_INVALID,
					      "Cannot link to a non running container: /%s AS /%s/%s",
					      name, c->name, alias);
		}
		out = realloc(out, len + (size_t)n + 1);
		memcpy(out + len, line, (size_t)n + 1);
		len += (size_t)n;
	}
	*ret = out;
	return 0;
}
