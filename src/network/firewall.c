/* iptables through iptables-restore --noflush: one process per change, whatever its size. */
#include "firewall.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"
#include "../common/log.h"
#include "../common/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define ISO_CHAIN "BERTH-ISO"

struct buf {
	char *s;
	size_t len, cap;
};

static void addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
	}
}

static const char *tool(const char *name)
{
	static char path[64];
	snprintf(path, sizeof(path), access("/usr/sbin/iptables-restore", X_OK) ? "/sbin/%s" :
				     "/usr/sbin/%s", name);
	return path;
}

/* Feeds `rules` to iptables-restore --noflush; 0 or -1 with the tool's message. */
static int restore(const char *rules, eng_error_t *err)
{
	_cleanup_close_ int fd = memfd_create("berth-rules", MFD_CLOEXEC);
	_cleanup_free_ char *errout = NULL;
	char path[64];
	int status = 0;

	snprintf(path, sizeof(path), "%s", tool("iptables-restore"));
	char *argv[] = {path, "-w", "--noflush", NULL};
	size_t len = strlen(rules);
	if (fd < 0 || write(fd, rules, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "writing firewall rules: %m");
	for (int attempt = 0; attempt < 3; attempt++) {
		free(errout);
		errout = NULL;
		lseek(fd, 0, SEEK_SET);
		if (spawn_run(argv, fd, NULL, &errout, &status, err) < 0)
			return -1;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			return 0;
		/* another daemon's transaction may have raced ours: nft reports and retrying
		 * applies against the new ruleset */
	}
	log_debug("iptables-restore failed on:\n%s", rules);
	return eng_error_make(err, EIO, ERR_INTERNAL, "iptables-restore: %s",
			      errout && *errout ? errout : "failed");
}

static char *save(eng_error_t *err)
{
	char path[64], *out = NULL;
	int status;
	snprintf(path, sizeof(path), "%s", tool("iptables-save"));
	char *argv[] = {path, NULL};
	if (spawn_run(argv, -1, &out, NULL, &status, err) < 0)
		return NULL;
	return out;
}

int fw_init(eng_error_t *err)
{
	(void)err;
	if (write_file_string("/proc/sys/net/ipv4/ip_forward", "1", NULL) < 0)
		log_warn("cannot turn on IP forwarding");
	return 0;
}

/* Lines of `saved` in `table` that hold `needle`, rewritten from -A to -D into out. */
static int saved_lines(const char *saved, const char *table, const char *needle, int delete,
		       struct buf *out)
{
	int in_table = 0, n = 0;
	const char *p = saved;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (*p == '*')
			in_table = len - 1 == strlen(table) && !strncmp(p + 1, table, len - 1);
		else if (in_table && !strncmp(p, "-A ", 3) && memmem(p, len, needle, strlen(needle))) {
			/* the needle must end a word: BERTH-F-br0 is not BERTH-F-br */
			const char *m = memmem(p, len, needle, strlen(needle));
			const char *end = m + strlen(needle);
			if (end == p + len || *end == ' ') {
				if (delete)
					addf(out, "-D %.*s\n", (int)(len - 3), p + 3);
				n++;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

static void port_rules(struct buf *b, const char *br, const struct fw_port *ports, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct fw_port *p = &ports[i];
		addf(b, "-A BERTH-D-%s%s%s%s -p %s -m %s --dport %d -j DNAT --to-destination %s:%d\n",
		     br, *p->host_ip ? " -d " : "", p->host_ip, *p->host_ip ? "/32" : "", p->proto,
		     p->proto, p->host_port, p->ctr_ip, p->ctr_port);
	}
}

char *fw_network_rules(const struct fw_network *n, const struct fw_port *ports, size_t nports,
		       const char *saved)
{
	const char *br = n->bridge;
	struct buf b = {0};
	char needle[64];

	if (!saved) {
		/* only the DNAT chain depends on the containers: the rest stays as it is */
		addf(&b, "*nat\n:BERTH-D-%s - [0:0]\n", br);
		port_rules(&b, br, ports, nports);
		addf(&b, "COMMIT\n");
		return b.s;
	}
	addf(&b, "*filter\n:BERTH-F-%s - [0:0]\n", br);
	/* the isolation chain all daemons share: made by the first network that needs it, and
	 * declared only when absent, since declaring it again would flush the others' lines */
	if (!strstr(saved, ":" ISO_CHAIN " "))
		addf(&b, ":" ISO_CHAIN " - [0:0]\n");
	if (n->internal)
		addf(&b, "-A BERTH-F-%s -i %s ! -o %s -j DROP\n-A BERTH-F-%s -o %s ! -i %s -j DROP\n",
		     br, br, br, br, br, br);
	addf(&b, "-A BERTH-F-%s -o %s -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n", br,
	     br);
	addf(&b, "-A BERTH-F-%s -o %s -m conntrack --ctstate DNAT -j ACCEPT\n", br, br);
	addf(&b, "-A BERTH-F-%s -i %s -o %s -j %s\n", br, br, br, n->icc ? "ACCEPT" : "DROP");
	if (!n->internal)
		addf(&b,
		     "-A BERTH-F-%s -i %s ! -o %s -j " ISO_CHAIN "\n"
		     "-A BERTH-F-%s -i %s ! -o %s -j ACCEPT\n",
		     br, br, br, br, br, br);
	addf(&b, "-A BERTH-F-%s -o %s -j DROP\n", br, br);
	{
		snprintf(needle, sizeof(needle), "-j BERTH-F-%s", br);
		if (!saved_lines(saved, "filter", needle, 0, NULL))
			addf(&b, "-I FORWARD -i %s -j BERTH-F-%s\n-I FORWARD -o %s -j BERTH-F-%s\n",
			     br, br, br, br);
		snprintf(needle, sizeof(needle), "-A " ISO_CHAIN " -o %s ", br);
		if (!strstr(saved, needle))
			addf(&b, "-A " ISO_CHAIN " -o %s -m conntrack ! --ctstate DNAT -j DROP\n", br);
	}
	addf(&b, "COMMIT\n*nat\n:BERTH-D-%s - [0:0]\n:BERTH-S-%s - [0:0]\n", br, br);
	port_rules(&b, br, ports, nports);
	addf(&b, "-A BERTH-S-%s -o %s -m addrtype --src-type LOCAL -j MASQUERADE\n", br, br);
	addf(&b, "-A BERTH-S-%s -s %s -o %s -m conntrack --ctstate DNAT -j MASQUERADE\n", br,
	     n->subnet, br);
	if (n->masquerade && !n->internal)
		addf(&b, "-A BERTH-S-%s -s %s ! -o %s -j MASQUERADE\n", br, n->subnet, br);
	{
		snprintf(needle, sizeof(needle), "-j BERTH-D-%s", br);
		if (!saved_lines(saved, "nat", needle, 0, NULL))
			addf(&b,
			     "-A PREROUTING -m addrtype --dst-type LOCAL -j BERTH-D-%s\n"
			     "-A OUTPUT -m addrtype --dst-type LOCAL -j BERTH-D-%s\n",
			     br, br);
		snprintf(needle, sizeof(needle), "-j BERTH-S-%s", br);
		if (!saved_lines(saved, "nat", needle, 0, NULL))
			addf(&b, "-A POSTROUTING -j BERTH-S-%s\n", br);
	}
	addf(&b, "COMMIT\n");
	return b.s;
}

int fw_network_apply(const struct fw_network *n, const struct fw_port *ports, size_t nports,
		     int setup, eng_error_t *err)
{
	_cleanup_free_ char *saved = NULL, *rules = NULL;
	if (setup && !(saved = save(err)))
		return -1;
	rules = fw_network_rules(n, ports, nports, saved);
	return restore(rules, err);
}

char *fw_network_removal(const char *bridge, const char *saved)
{
	struct buf b = {0};
	char needle[64], chain[64];
	int any = 0;

	addf(&b, "*filter\n");
	snprintf(needle, sizeof(needle), "-j BERTH-F-%s", bridge);
	saved_lines(saved, "filter", needle, 1, &b);
	snprintf(needle, sizeof(needle), "-o %s -m conntrack ! --ctstate DNAT -j DROP", bridge);
	saved_lines(saved, "filter", needle, 1, &b);
	snprintf(chain, sizeof(chain), ":BERTH-F-%s ", bridge);
	if (strstr(saved, chain)) {
		addf(&b, "-F BERTH-F-%s\n-X BERTH-F-%s\n", bridge, bridge);
		any = 1;
	}
	addf(&b, "COMMIT\n*nat\n");
	for (const char *kind = "DS"; *kind; kind++) {
		snprintf(needle, sizeof(needle), "-j BERTH-%c-%s", *kind, bridge);
		saved_lines(saved, "nat", needle, 1, &b);
		snprintf(chain, sizeof(chain), ":BERTH-%c-%s ", *kind, bridge);
		if (strstr(saved, chain)) {
			addf(&b, "-F BERTH-%c-%s\n-X BERTH-%c-%s\n", *kind, bridge, *kind, bridge);
			any = 1;
		}
	}
	addf(&b, "COMMIT\n");
	if (!any && !strstr(b.s, "\n-D ")) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

int fw_network_remove(const char *bridge, eng_error_t *err)
{
	_cleanup_free_ char *saved = save(err), *rules = NULL;
	if (!saved)
		return -1;
	rules = fw_network_removal(bridge, saved);
	return rules ? restore(rules, err) : 0;
}
