#pragma once
/* /etc/resolv.conf of a container whose networks have the embedded DNS server, byte for byte
 * as dockerd writes it (libnetwork's resolvconf TransformForIntNS + Generate): the host's
 * file with --dns, --dns-search and --dns-option applied, its nameservers replaced by
 * 127.0.0.11 and kept as the upstreams the embedded server forwards to, "ndots:0" added
 * unless ndots is set, and the trailing comments docker writes. */

struct resolvconf_opts {
	const char *source_path;  /* the host file's path for the comment; NULL "/etc/resolv.conf" */
	char *const *dns;         /* --dns: replace the nameservers (NULL or empty: keep) */
	char *const *dns_search;  /* --dns-search ("." alone means none) */
	char *const *dns_options; /* --dns-option */
};

/* The file's content (caller frees). *ret_upstreams (caller frees with strv_free) gets the
 * nameservers for dns_attach's dns_sandbox_opts.upstreams, *ret_ndots_set whether ndots was
 * set by the host file or the options (dns_sandbox_opts.ndots_set). host_content may be NULL
 * (no host file). NULL only when out of memory. */
char *resolvconf_internal(const char *host_content, const struct resolvconf_opts *o,
			  char ***ret_upstreams, int *ret_ndots_set);

/* Reads back what resolvconf_internal wrote (after a daemon restart, for dns_attach): the
 * upstreams from its "# ExtServers:" comment and whether ndots was set ("# Option ndots
 * from:" host or override). Returns -1 when content is not such a file (a user edited it,
 * or the container has no embedded DNS). */
int resolvconf_read_internal(const char *content, char ***ret_upstreams, int *ret_ndots_set);
