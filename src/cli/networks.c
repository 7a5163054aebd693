#include "networks.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "objects.h"
#include "format.h"
#include "opts.h"
#include "prune.h"
#include "values.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/jsonutil.h"
#include "../common/strv.h"

/* POST /networks/<name><suffix> with `body`; 0, or 1 after printing the daemon's error. */
static int network_post(const char *name, const char *suffix, json_t *body)
{
	_cleanup_free_ char *path = NULL, *en = client_escape(name);
	json_t *j;

	if (asprintf(&path, "/networks/%s%s", en, suffix) < 0)
		return 1;
	j = client_call("POST", path, body);
	json_decref(j);
	return !j;
}

/* IPAM pools from the --subnet, --ip-range and --gateway lists, paired by position as the
 * docker CLI does when there is one of each per subnet. */
static json_t *ipam_config(char **subnets, char **ranges, char **gateways)
{
	json_t *pools = json_array();

	for (size_t i = 0; subnets && subnets[i]; i++) {
		json_t *p = json_pack("{s:s}", "Subnet", subnets[i]);
		if (i < strv_len(ranges))
			json_object_set_new(p, "IPRange", json_string(ranges[i]));
		if (i < strv_len(gateways))
			json_object_set_new(p, "Gateway", json_string(gateways[i]));
		json_array_append_new(pools, p);
	}
	return pools;
}

static const struct cli_cmd_ctx create_ctx = {"network create",
                                              "network create [OPTIONS] NETWORK"};

int cmd_network_create(int argc, char **argv)
{
	const char *driver = "bridge", *ipam_driver = "default";
	bool internal = false, attachable = false, ipv6 = false;
	_cleanup_strv_ char **args = NULL, **subnets = NULL, **gateways = NULL, **ranges = NULL,
	                    **opt = NULL, **labels = NULL, **ipam_opt = NULL;
	const struct cli_opt opts[] = {
	    {"attachable", 0, OPT_BOOL, &attachable, "Enable manual container attachment"},
	    {"driver", 'd', OPT_STRING, &driver, "Driver to manage the Network"},
	    {"gateway", 0, OPT_LIST, &gateways, "IPv4 or IPv6 Gateway for the master subnet"},
	    {"internal", 0, OPT_BOOL, &internal, "Restrict external access to the network"},
	    {"ip-range", 0, OPT_LIST, &ranges, "Allocate container ip from a sub-range"},
	    {"ipam-driver", 0, OPT_STRING, &ipam_driver, "IP Address Management Driver"},
	    {"ipam-opt", 0, OPT_LIST, &ipam_opt, "Set IPAM driver specific options"},
	    {"ipv6", 0, OPT_BOOL, &ipv6, "Enable or disable IPv6 networking"},
	    {"label", 0, OPT_LIST, &labels, "Set metadata on a network"},
	    {"opt", 'o', OPT_LIST, &opt, "Set driver specific options"},
	    {"subnet", 0, OPT_LIST, &subnets, "Subnet in CIDR format that represents a network segment"},
	    {0}};
	_cleanup_json_ json_t *body = NULL, *resp = NULL;
	int r;

	CLI_PARSE(&create_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&create_ctx, args, 1, 1)))
		return r;
	if (strv_len(gateways) > strv_len(subnets)) {
		fprintf(stderr, "no matching subnet for gateway %s\n", gateways[strv_len(subnets)]);
		return 1;
	}
	if (strv_len(ranges) > strv_len(subnets)) {
		fprintf(stderr, "no matching subnet for range %s\n", ranges[strv_len(subnets)]);
		return 1;
	}
	body = json_pack("{s:s, s:s, s:{s:s, s:o, s:o}, s:b, s:b, s:b, s:o, s:o}", "Name", args[0],
	                 "Driver", driver, "IPAM", "Driver", ipam_driver, "Config",
	                 ipam_config(subnets, ranges, gateways), "Options",
	                 cli_kv_object(ipam_opt), "Internal", internal, "Attachable",
	                 attachable, "EnableIPv6", ipv6, "Options", cli_kv_object(opt), "Labels",
	                 cli_kv_object(labels));
	if (!(resp = client_call("POST", "/networks/create", body)))
		return 1;
	if (json_str(resp, "Warning") && *json_str(resp, "Warning"))
		fprintf(stderr, "WARNING: %s\n", json_str(resp, "Warning"));
	printf("%s\n", json_str(resp, "Id") ? json_str(resp, "Id") : "");
	return 0;
}

/* The row docker's network formatter renders. */
static json_t *network_row(json_t *n, bool trunc)
{
	_cleanup_free_ char *labels = fmt_join_keys(json_object_get(n, "Labels"), ",", true);
	const char *id = json_str(n, "Id") ? json_str(n, "Id") : "";
	char sid[13], created[64] = "";
	int64_t ns;

	fmt_short_id(id, sid);
	if (json_str(n, "Created") && parse_time_rfc3339(json_str(n, "Created"), &ns) == 0)
		fmt_time_local(ns / 1000000000LL, created);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "CreatedAt", created,
	                 "Driver", json_str(n, "Driver") ? json_str(n, "Driver") : "", "ID",
	                 trunc ? sid : id, "IPv4",
	                 json_bool(n, "EnableIPv4", 1) ? "true" : "false", "IPv6",
	                 json_bool(n, "EnableIPv6", 0) ? "true" : "false", "Internal",
	                 json_bool(n, "Internal", 0) ? "true" : "false", "Labels", labels, "Name",
	                 json_str(n, "Name") ? json_str(n, "Name") : "", "Scope",
	                 json_str(n, "Scope") ? json_str(n, "Scope") : "");
}

static const struct cli_cmd_ctx ls_ctx = {"network ls", "network ls [OPTIONS]"};

int cmd_network_ls(int argc, char **argv)
{
	bool quiet = false, no_trunc = false;
	const char *format = NULL;
	_cleanup_strv_ char **args = NULL, **filters = NULL;
	const struct cli_opt opts[] = {
	    {"filter", 'f', OPT_LIST, &filters, "Provide filter values (e.g. \"driver=bridge\")"},
	    {"format", 0, OPT_STRING, &format, "Format output using a custom template"},
	    {"no-trunc", 0, OPT_BOOL, &no_trunc, "Do not truncate the output"},
	    {"quiet", 'q', OPT_BOOL, &quiet, "Only display network IDs"},
	    {0}};
	static const struct list_spec spec = {"networks", NULL, network_row, "{{.ID}}",
	                                      "table {{.ID}}\\t{{.Name}}\\t{{.Driver}}\\t{{.Scope}}"};
	_cleanup_json_ json_t *headers = NULL;
	int r;

	CLI_PARSE(&ls_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&ls_ctx, args, 0, 0)))
		return r;
	headers = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "NETWORK ID",
	                    "Name", "NAME", "Driver", "DRIVER", "Scope", "SCOPE", "IPv4", "IPV4",
	                    "IPv6", "IPV6", "Internal", "INTERNAL", "Labels", "LABELS", "CreatedAt",
	                    "CREATED");
	return list_objects(&spec, filters, format, quiet, !no_trunc, headers);
}

static const struct cli_cmd_ctx inspect_ctx = {
    "network inspect", "network inspect [OPTIONS] NETWORK [NETWORK...]"};

int cmd_network_inspect(int argc, char **argv)
{
	const char *format = NULL;
	bool verbose = false;
	_cleanup_strv_ char **args = NULL;
	const struct cli_opt opts[] = {
	    {"format", 'f', OPT_STRING, &format, "Format output using a custom template"},
	    {"verbose", 'v', OPT_BOOL, &verbose, "Verbose output for diagnostics"},
	    {0}};
	int r;

	CLI_PARSE(&inspect_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&inspect_ctx, args, 1, -1)))
		return r;
	return inspect_objects("networks", args, format, false);
}

static const struct cli_cmd_ctx rm_ctx = {"network rm", "network rm NETWORK [NETWORK...]"};

int cmd_network_rm(int argc, char **argv)
{
	bool force = false;
	_cleanup_strv_ char **args = NULL;
	const struct cli_opt opts[] = {
	    {"force", 'f', OPT_BOOL, &force, "Do not error if the network does not exist"}, {0}};
	int r;

	CLI_PARSE(&rm_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&rm_ctx, args, 1, -1)))
		return r;
	if ((r = remove_objects("networks", args, "", force)))
		fprintf(stderr, "exit status %d\n", r); /* docker's bare StatusError */
	return r;
}

static const struct cli_cmd_ctx connect_ctx = {"network connect",
                                               "network connect [OPTIONS] NETWORK CONTAINER"};

int cmd_network_connect(int argc, char **argv)
{
	const char *ip = NULL, *ip6 = NULL;
	_cleanup_strv_ char **args = NULL, **aliases = NULL, **links = NULL,
	                    **driver_opts = NULL;
	const struct cli_opt opts[] = {
	    {"alias", 0, OPT_LIST, &aliases, "Add network-scoped alias for the container"},
	    {"driver-opt", 0, OPT_LIST, &driver_opts, "driver options for the network"},
	    {"ip", 0, OPT_STRING, &ip, "IPv4 address (e.g., \"172.30.100.104\")"},
	    {"ip6", 0, OPT_STRING, &ip6, "IPv6 address (e.g., \"2001:db8::33\")"},
	    {"link", 0, OPT_LIST, &links, "Add link to another container"},
	    {0}};
	_cleanup_json_ json_t *body = NULL;
	int r;

	CLI_PARSE(&connect_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&connect_ctx, args, 2, 2)))
		return r;
	body = json_pack("{s:s, s:{s:{s:s, s:s}, s:o, s:o, s:o}}", "Container", args[1],
	                 "EndpointConfig", "IPAMConfig", "IPv4Address", ip ? ip : "",
	                 "IPv6Address", ip6 ? ip6 : "", "Aliases", json_strv_new(aliases), "Links",
	                 json_strv_new(links), "DriverOpts", cli_kv_object(driver_opts));
	return network_post(args[0], "/connect", body);
}

static const struct cli_cmd_ctx disconnect_ctx = {
    "network disconnect", "network disconnect [OPTIONS] NETWORK CONTAINER"};

int cmd_network_disconnect(int argc, char **argv)
{
	bool force = false;
	_cleanup_strv_ char **args = NULL;
	const struct cli_opt opts[] = {
	    {"force", 'f', OPT_BOOL, &force, "Force the container to disconnect from a network"},
	    {0}};
	_cleanup_json_ json_t *body = NULL;
	int r;

	CLI_PARSE(&disconnect_ctx, argc, argv, opts, false, &args);
	if ((r = cli_check_args(&disconnect_ctx, args, 2, 2)))
		return r;
	body = json_pack("{s:s, s:b}", "Container", args[1], "Force", force);
	return network_post(args[0], "/disconnect", body);
}

static const struct cli_cmd_ctx prune_ctx = {"network prune", "network prune [OPTIONS]"};

int cmd_network_prune(int argc, char **argv)
{
	static const struct prune_spec spec = {
	    .kind = "networks",
	    .warning = "WARNING! This will remove all custom networks not used by at least one "
	               "container."}; /* docker prints no total here */
	return prune_command(&prune_ctx, argc, argv, &spec);
}
