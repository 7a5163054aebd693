/* The embedded DNS server: wire parsing and building (hostile packets included), name and
 * address lookup per network, and, as root, the real thing inside a network namespace with a
 * fake upstream resolver on this machine. */
#include "tap.h"
#include "common/cleanup.h"
#include "common/strv.h"
#include "network/dns.h"
#include "network/dnsmsg.h"
#include "network/resolvconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* A query for `name` (dotted) of `type` with id 0x1234 and RD; returns its length. */
static size_t make_query(uint8_t *buf, const char *name, uint16_t type)
{
	static const uint8_t hdr[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	memcpy(buf, hdr, sizeof(hdr));
	size_t at = sizeof(hdr);
	const char *s = name;
	while (*s) {
		const char *dot = strchrnul(s, '.');
		buf[at++] = (uint8_t)(dot - s);
		memcpy(buf + at, s, (size_t)(dot - s));
		at += (size_t)(dot - s);
		s = *dot ? dot + 1 : dot;
	}
	buf[at++] = 0;
	buf[at++] = (uint8_t)(type >> 8), buf[at++] = (uint8_t)type;
	buf[at++] = 0, buf[at++] = 1;
	return at;
}

static int rcode(const uint8_t *r)
{
	return r[3] & 0xf;
}

static int ancount(const uint8_t *r)
{
	return r[6] << 8 | r[7];
}

/* The rdata of the i-th answer of a reply we built (owner names are 2-byte pointers). */
static const uint8_t *answer_rdata(const uint8_t *r, size_t len, int i, size_t *rdlen)
{
	struct dns_query q;
	int hok;
	if (dnsmsg_parse_query(r, len, &q, &hok) == 0) /* a reply: parse refuses it */
		return NULL;
	size_t at = 12;
	while (r[at])
		at += 1u + r[at];
	at += 5;
	for (int k = 0;; k++) {
		size_t l = (size_t)(r[at + 10] << 8 | r[at + 11]);
		if (k == i) {
			*rdlen = l;
			return r + at + 12;
		}
		at += 12 + l;
	}
}

static int test_parse_query(void)
{
	uint8_t buf[512];
	size_t len = make_query(buf, "Web.MyNet", DNS_TYPE_A);
	struct dns_query q;
	int hok;
	CHECK(dnsmsg_parse_query(buf, len, &q, &hok) == 0);
	CHECK(q.id == 0x1234 && q.qtype == DNS_TYPE_A && q.qclass == DNS_CLASS_IN);
	CHECK(!strcmp(q.qname, "web.mynet") && q.text_ok);
	CHECK(q.qname_wire_len == 11 && !memcmp(q.qname_wire, "\3Web\5MyNet", 11));
	/* a label holding a dot is not a host name */
	len = make_query(buf, "ab", DNS_TYPE_A);
	buf[13] = '.';
	CHECK(dnsmsg_parse_query(buf, len, &q, &hok) == 0 && !q.text_ok);
	/* the root */
	len = make_query(buf, "", DNS_TYPE_A);
	CHECK(dnsmsg_parse_query(buf, len, &q, &hok) == 0 && q.qname[0] == 0);
	/* a response is never taken for a query */
	len = make_query(buf, "web", DNS_TYPE_A);
	buf[2] |= 0x80;
	CHECK(dnsmsg_parse_query(buf, len, &q, &hok) < 0);
	/* no question: header readable, so FORMERR */
	len = make_query(buf, "web", DNS_TYPE_A);
	buf[5] = 0;
	CHECK(dnsmsg_parse_query(buf, len, &q, &hok) < 0 && hok);
	uint8_t out[64];
	CHECK(dnsmsg_build_formerr(buf, len, out, sizeof(out)) == 12);
	CHECK(rcode(out) == DNS_RCODE_FORMERR && out[0] == 0x12 && out[1] == 0x34 && (out[2] & 0x80));
	return 0;
}

static int test_truncated(void)
{
	uint8_t buf[512];
	size_t len = make_query(buf, "a-fairly.long.name.example", DNS_TYPE_AAAA);
	for (size_t l = 0; l < len; l++) {
		/* a copy of exactly l bytes on the heap, so ASan sees any over-read */
		uint8_t *p = malloc(l ? l : 1);
		memcpy(p, buf, l);
		struct dns_query q;
		int hok;
		int r = dnsmsg_parse_query(p, l, &q, &hok);
		free(p);
		CHECK(r < 0);
		CHECK(hok == (l >= 12));
	}
	return 0;
}

static int test_compression(void)
{
	struct dns_query q;
	int hok;
	uint8_t buf[64] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	/* a pointer to itself */
	buf[12] = 0xc0, buf[13] = 12;
	memset(buf + 14, 0, 4);
	CHECK(dnsmsg_parse_query(buf, 18, &q, &hok) < 0);
	/* a pointer forwards, to a pointer back to it */
	buf[12] = 0xc0, buf[13] = 14, buf[14] = 0xc0, buf[15] = 12;
	CHECK(dnsmsg_parse_query(buf, 20, &q, &hok) < 0);
	/* a label then a pointer back to that label: a loop too */
	buf[12] = 1, buf[13] = 'a', buf[14] = 0xc0, buf[15] = 12;
	CHECK(dnsmsg_parse_query(buf, 20, &q, &hok) < 0);
	/* a pointer into the header is backwards but reads junk; it must stay in bounds */
	buf[12] = 0xc0, buf[13] = 4;
	memset(buf + 14, 0, 4);
	(void)dnsmsg_parse_query(buf, 18, &q, &hok);
	/* a pointer cut in half */
	buf[12] = 0xc0;
	CHECK(dnsmsg_parse_query(buf, 13, &q, &hok) < 0);
	/* the obsolete label types */
	buf[12] = 0x40, buf[13] = 0;
	CHECK(dnsmsg_parse_query(buf, 18, &q, &hok) < 0);
	buf[12] = 0x80;
	CHECK(dnsmsg_parse_query(buf, 18, &q, &hok) < 0);
	/* a valid backward pointer: the question names a name written before it (in the
	 * header's place no real client puts one, but the rule is the same) */
	uint8_t ok[64] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	ok[12] = 1, ok[13] = 'x', ok[14] = 0xc0, ok[15] = 17; /* forward: refused */
	CHECK(dnsmsg_parse_query(ok, 22, &q, &hok) < 0);
	return 0;
}

static int test_long_names(void)
{
	uint8_t buf[1024] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	struct dns_query q;
	int hok;
	/* 5 labels of 63: 320 bytes of name */
	size_t at = 12;
	for (int i = 0; i < 5; i++) {
		buf[at++] = 63;
		memset(buf + at, 'a', 63);
		at += 63;
	}
	buf[at++] = 0;
	buf[at++] = 0, buf[at++] = 1, buf[at++] = 0, buf[at++] = 1;
	CHECK(dnsmsg_parse_query(buf, at, &q, &hok) < 0);
	/* 3 labels of 63 + one of 61: 253 characters, 255 bytes on the wire: the limit */
	at = 12;
	for (int i = 0; i < 4; i++) {
		int l = i < 3 ? 63 : 61;
		buf[at++] = (uint8_t)l;
		memset(buf + at, 'b', (size_t)l);
		at += (size_t)l;
	}
	buf[at++] = 0;
	buf[at++] = 0, buf[at++] = 1, buf[at++] = 0, buf[at++] = 1;
	CHECK(dnsmsg_parse_query(buf, at, &q, &hok) == 0);
	CHECK(strlen(q.qname) == 253 && q.qname_wire_len == 255);
	/* one more byte: over */
	buf[12 + 3 * 64] = 62;
	memmove(buf + 12 + 3 * 64 + 63, buf + 12 + 3 * 64 + 62, 6);
	buf[12 + 3 * 64 + 62] = 'b';
	CHECK(dnsmsg_parse_query(buf, at + 1, &q, &hok) < 0);
	return 0;
}

static int test_fuzz(void)
{
	eng_error_t err;
	char *ups[] = {"127.0.0.1:1", NULL};
	struct dns_config cfg = {.upstreams = ups};
	struct dns_server *s = dns_server_start(&cfg, &err);
	CHECK(s);
	char *names[] = {"web", "alias", NULL};
	CHECK(dns_endpoint_add(s, "net", "sb", names, "10.0.0.2", NULL, &err) == 0);
	srand(42);
	uint8_t base[512], out[DNS_UDP_MAX];
	size_t blen = make_query(base, "web.net", DNS_TYPE_A);
	for (int i = 0; i < 200000; i++) {
		size_t len = (size_t)rand() % 80;
		uint8_t *p = malloc(len ? len : 1);
		if (i % 2) { /* mutate a valid query */
			memcpy(p, base, len < blen ? len : blen);
			for (size_t k = blen; k < len; k++)
				p[k] = (uint8_t)rand();
			for (int k = 0; k < 3 && len; k++)
				p[(size_t)rand() % len] = (uint8_t)rand();
		} else {
			for (size_t k = 0; k < len; k++)
				p[k] = (uint8_t)rand();
			if (len > 5)
				p[2] &= 0x7f, p[4] = 0, p[5] = 1;
		}
		long r = dns_answer(s, "sb", p, len, out, sizeof(out));
		CHECK(r <= (long)sizeof(out));
		char ptr[74];
		struct dns_query q;
		int hok;
		if (dnsmsg_parse_query(p, len, &q, &hok) == 0) {
			uint8_t a[16];
			(void)dnsmsg_ptr_name_addr(q.qname, a);
			(void)ptr;
		}
		free(p);
	}
	dns_server_stop(s);
	return 0;
}

static int test_build_reply(void)
{
	uint8_t buf[512], out[512];
	size_t len = make_query(buf, "Web", DNS_TYPE_A);
	struct dns_query q;
	int hok;
	CHECK(dnsmsg_parse_query(buf, len, &q, &hok) == 0);
	struct dns_answer a[40];
	for (int i = 0; i < 40; i++) {
		a[i].type = DNS_TYPE_A;
		a[i].addr[0] = 10, a[i].addr[1] = 0, a[i].addr[2] = 0, a[i].addr[3] = (uint8_t)i;
	}
	size_t n = dnsmsg_build_reply(&q, DNS_RCODE_NOERROR, a, 2, out, sizeof(out));
	CHECK(n == len + 2 * 16);
	CHECK(out[0] == 0x12 && out[1] == 0x34);
	CHECK(out[2] == 0x81 && out[3] == 0x80); /* QR RD, RA */
	CHECK(ancount(out) == 2 && rcode(out) == 0);
	CHECK(!memcmp(out + 12, "\3Web", 4)); /* the question as asked, case kept */
	size_t rdlen;
	const uint8_t *rd = answer_rdata(out, n, 1, &rdlen);
	CHECK(rd && rdlen == 4 && rd[3] == 1);
	CHECK(out[len] == 0xc0 && out[len + 1] == 12);                  /* owner pointer */
	CHECK(out[len + 6] == 0 && out[len + 8] == 600 >> 8);           /* TTL 600 */
	/* 40 answers do not fit in 512 bytes: as many as fit, and TC */
	n = dnsmsg_build_reply(&q, DNS_RCODE_NOERROR, a, 40, out, DNS_UDP_MAX);
	CHECK(n <= DNS_UDP_MAX && (out[2] & 0x02) && ancount(out) == (int)((512 - len) / 16));
	/* PTR */
	len = make_query(buf, "2.0.0.10.in-addr.arpa", DNS_TYPE_PTR);
	CHECK(dnsmsg_parse_query(buf, len, &q, &hok) == 0);
	struct dns_answer p = {.type = DNS_TYPE_PTR, .name = "web.mynet"};
	n = dnsmsg_build_reply(&q, DNS_RCODE_NOERROR, &p, 1, out, sizeof(out));
	rd = answer_rdata(out, n, 0, &rdlen);
	CHECK(rd && rdlen == 11 && !memcmp(rd, "\3web\5mynet\0", 11));
	/* no room for the question */
	CHECK(dnsmsg_build_reply(&q, DNS_RCODE_SERVFAIL, NULL, 0, out, 20) == 0);
	n = dnsmsg_build_reply(&q, DNS_RCODE_SERVFAIL, NULL, 0, out, sizeof(out));
	CHECK(n == len && rcode(out) == DNS_RCODE_SERVFAIL && ancount(out) == 0);
	return 0;
}

static int test_ptr_names(void)
{
	uint8_t a[16], b[16];
	char name[74];
	CHECK(dnsmsg_ptr_name_addr("4.3.2.1.in-addr.arpa", a) == AF_INET);
	CHECK(a[0] == 1 && a[1] == 2 && a[2] == 3 && a[3] == 4);
	CHECK(dnsmsg_ptr_name_addr("255.0.16.172.in-addr.arpa", a) == AF_INET && a[0] == 172);
	CHECK(dnsmsg_ptr_name_addr("3.2.1.in-addr.arpa", a) == 0);
	CHECK(dnsmsg_ptr_name_addr("5.4.3.2.1.in-addr.arpa", a) == 0);
	CHECK(dnsmsg_ptr_name_addr("256.3.2.1.in-addr.arpa", a) == 0);
	CHECK(dnsmsg_ptr_name_addr("04.3.2.1.in-addr.arpa", a) == 0);
	CHECK(dnsmsg_ptr_name_addr("x.3.2.1.in-addr.arpa", a) == 0);
	CHECK(dnsmsg_ptr_name_addr("in-addr.arpa", a) == 0);
	CHECK(dnsmsg_ptr_name_addr(".in-addr.arpa", a) == 0);
	CHECK(dnsmsg_ptr_name_addr("web", a) == 0);
	inet_pton(AF_INET, "172.18.0.3", a);
	dnsmsg_addr_ptr_name(AF_INET, a, name);
	CHECK(!strcmp(name, "3.0.18.172.in-addr.arpa"));
	inet_pton(AF_INET6, "fd00:1::2:30", a);
	dnsmsg_addr_ptr_name(AF_INET6, a, name);
	CHECK(!strcmp(name, "0.3.0.0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa"));
	CHECK(dnsmsg_ptr_name_addr(name, b) == AF_INET6 && !memcmp(a, b, 16));
	name[0] = 'g';
	CHECK(dnsmsg_ptr_name_addr(name, b) == 0);
	CHECK(dnsmsg_ptr_name_addr("1.ip6.arpa", b) == 0);
	return 0;
}

/* One query through dns_answer; the reply in out. */
static long ask(struct dns_server *s, const char *sb, const char *name, uint16_t type,
		uint8_t out[DNS_UDP_MAX])
{
	uint8_t q[512];
	size_t len = make_query(q, name, type);
	return dns_answer(s, sb, q, len, out, DNS_UDP_MAX);
}

static int has_a(const uint8_t *r, long n, const char *ip)
{
	uint8_t want[4];
	inet_pton(AF_INET, ip, want);
	for (int i = 0; i < ancount(r); i++) {
		size_t rdlen;
		const uint8_t *rd = answer_rdata(r, (size_t)n, i, &rdlen);
		if (rd && rdlen == 4 && !memcmp(rd, want, 4))
			return 1;
	}
	return 0;
}

static int test_lookup(void)
{
	eng_error_t err;
	char *ups[] = {"127.0.0.1:1", NULL};
	struct dns_config cfg = {.upstreams = ups};
	struct dns_server *s = dns_server_start(&cfg, &err);
	CHECK(s);
	/* a on front and back; web on front (alias "www", shared alias "pool"); db on back with
	 * IPv6; other on "elsewhere" only */
	char *na[] = {"a", "aaaaaaaaaaaa", NULL};
	char *nweb[] = {"web", "WWW", "pool", "0123456789ab", NULL};
	char *nweb2[] = {"web2", "pool", NULL};
	char *ndb[] = {"db", NULL};
	char *nother[] = {"other", NULL};
	CHECK(dns_endpoint_add(s, "front", "A", na, "10.1.0.2", NULL, &err) == 0);
	CHECK(dns_endpoint_add(s, "back", "A", na, "10.2.0.2", NULL, &err) == 0);
	CHECK(dns_endpoint_add(s, "front", "WEB", nweb, "10.1.0.3", NULL, &err) == 0);
	CHECK(dns_endpoint_add(s, "front", "WEB2", nweb2, "10.1.0.4", NULL, &err) == 0);
	CHECK(dns_endpoint_add(s, "back", "DB", ndb, "10.2.0.3", "fd00::3", &err) == 0);
	CHECK(dns_endpoint_add(s, "elsewhere", "OTHER", nother, "10.3.0.2", NULL, &err) == 0);
	CHECK(dns_endpoint_add(s, "front", "X", na, "bogus", NULL, &err) < 0 &&
	      err.kind == ERR_INVALID);

	uint8_t r[DNS_UDP_MAX];
	long n;
	/* name, alias, short id; any case; a trailing dot is the same name */
	CHECK((n = ask(s, "A", "web", DNS_TYPE_A, r)) > 0 && ancount(r) == 1 && has_a(r, n, "10.1.0.3"));
	CHECK((n = ask(s, "A", "WwW", DNS_TYPE_A, r)) > 0 && has_a(r, n, "10.1.0.3"));
	CHECK((n = ask(s, "A", "0123456789AB", DNS_TYPE_A, r)) > 0 && has_a(r, n, "10.1.0.3"));
	CHECK((n = ask(s, "A", "db", DNS_TYPE_A, r)) > 0 && has_a(r, n, "10.2.0.3"));
	/* a shared alias answers every address */
	CHECK((n = ask(s, "A", "pool", DNS_TYPE_A, r)) > 0 && ancount(r) == 2 &&
	      has_a(r, n, "10.1.0.3") && has_a(r, n, "10.1.0.4"));
	/* only networks the asker is on */
	CHECK(ask(s, "A", "other", DNS_TYPE_A, r) == 0);
	CHECK(ask(s, "WEB", "db", DNS_TYPE_A, r) == 0);
	CHECK((n = ask(s, "WEB", "a", DNS_TYPE_A, r)) > 0 && ancount(r) == 1 && has_a(r, n, "10.1.0.2"));
	CHECK((n = ask(s, "DB", "a", DNS_TYPE_A, r)) > 0 && ancount(r) == 1 && has_a(r, n, "10.2.0.2"));
	/* "name.network" picks the network */
	CHECK((n = ask(s, "WEB", "a.front", DNS_TYPE_A, r)) > 0 && has_a(r, n, "10.1.0.2"));
	CHECK(ask(s, "WEB", "a.back", DNS_TYPE_A, r) == 0);
	CHECK((n = ask(s, "A", "a.back", DNS_TYPE_A, r)) > 0 && ancount(r) == 1 && has_a(r, n, "10.2.0.2"));
	/* AAAA: the address when there is one; a known name without one: NOERROR, empty */
	CHECK((n = ask(s, "A", "db", DNS_TYPE_AAAA, r)) > 0 && ancount(r) == 1 && rcode(r) == 0);
	size_t rdlen;
	const uint8_t *rd = answer_rdata(r, (size_t)n, 0, &rdlen);
	CHECK(rd && rdlen == 16 && rd[0] == 0xfd && rd[15] == 3);
	CHECK((n = ask(s, "A", "web", DNS_TYPE_AAAA, r)) > 0 && ancount(r) == 0 && rcode(r) == 0);
	/* everything else is forwarded */
	CHECK(ask(s, "A", "example.com", DNS_TYPE_A, r) == 0);
	CHECK(ask(s, "A", "web", 16 /* TXT */, r) == 0);
	/* MX of a container name: NOERROR, empty (docker); of anything else: forwarded */
	CHECK((n = ask(s, "A", "web", DNS_TYPE_MX, r)) > 0 && rcode(r) == 0 && ancount(r) == 0);
	CHECK(ask(s, "A", "example.com", DNS_TYPE_MX, r) == 0);
	CHECK(ask(s, "A", "web.nonet", DNS_TYPE_A, r) == 0);
	/* PTR: "<name>.<network>" of the asker's networks only */
	CHECK((n = ask(s, "A", "3.0.1.10.in-addr.arpa", DNS_TYPE_PTR, r)) > 0 && ancount(r) == 1);
	rd = answer_rdata(r, (size_t)n, 0, &rdlen);
	CHECK(rd && rdlen == 11 && !memcmp(rd, "\3web\5front", 11));
	CHECK(ask(s, "A", "2.0.3.10.in-addr.arpa", DNS_TYPE_PTR, r) == 0);
	char v6[74];
	uint8_t a6[16];
	inet_pton(AF_INET6, "fd00::3", a6);
	dnsmsg_addr_ptr_name(AF_INET6, a6, v6);
	CHECK((n = ask(s, "A", v6, DNS_TYPE_PTR, r)) > 0 && ancount(r) == 1);
	rd = answer_rdata(r, (size_t)n, 0, &rdlen);
	CHECK(rd && !memcmp(rd, "\2db\4back", 8));
	/* docker's DNSNames */
	json_t *al = json_pack("[s,s,s]", "www", "", "web");
	_cleanup_strv_ char **dn = dns_names("/web", al, "0123456789abcdef", "myhost");
	json_decref(al);
	CHECK(strv_len(dn) == 4 && !strcmp(dn[0], "web") && !strcmp(dn[1], "www") &&
	      !strcmp(dn[2], "0123456789ab") && !strcmp(dn[3], "myhost"));
	/* the hook the network store calls (no netns: records only) */
	json_t *al2 = json_pack("[s]", "cache");
	dns_net_hook(s, 1, NULL, "front", "fedcba9876543210", "/redis", al2, "10.1.0.7");
	json_decref(al2);
	CHECK((n = ask(s, "A", "cache", DNS_TYPE_A, r)) > 0 && has_a(r, n, "10.1.0.7"));
	CHECK((n = ask(s, "A", "fedcba987654", DNS_TYPE_A, r)) > 0 && has_a(r, n, "10.1.0.7"));
	CHECK((n = ask(s, "A", "redis", DNS_TYPE_A, r)) > 0 && has_a(r, n, "10.1.0.7"));
	dns_net_hook(s, 0, NULL, "front", "fedcba9876543210", "/redis", NULL, NULL);
	CHECK(ask(s, "A", "redis", DNS_TYPE_A, r) == 0);
	/* leaving a network; re-adding replaces */
	CHECK(dns_endpoint_remove(s, "back", "A") == 1);
	CHECK(ask(s, "A", "db", DNS_TYPE_A, r) == 0);
	CHECK(dns_endpoint_remove(s, "front", "WEB2") == 0);
	CHECK((n = ask(s, "A", "pool", DNS_TYPE_A, r)) > 0 && ancount(r) == 1);
	CHECK(dns_endpoint_add(s, "front", "WEB", nweb, "10.1.0.9", NULL, &err) == 0);
	CHECK((n = ask(s, "A", "web", DNS_TYPE_A, r)) > 0 && ancount(r) == 1 && has_a(r, n, "10.1.0.9"));
	/* a non-QUERY opcode */
	uint8_t q[512];
	size_t len = make_query(q, "web", DNS_TYPE_A);
	q[2] |= 0x10; /* opcode 2, STATUS */
	CHECK(dns_answer(s, "A", q, len, r, sizeof(r)) > 0 && rcode(r) == DNS_RCODE_NOTIMP);
	/* not a query: dropped */
	CHECK(dns_answer(s, "A", q, 5, r, sizeof(r)) < 0);
	dns_server_stop(s);
	return 0;
}

static int test_resolv_conf(void)
{
	_cleanup_strv_ char **v = dns_resolv_conf_nameservers(
		"# comment\nsearch example.com\nnameserver 127.0.0.53\n"
		"nameserver\tfd00::1\nnameserver bogus\nnameserver 10.0.0.1:53\n"
		"options ndots:2\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n");
	CHECK(v && strv_len(v) == 3);
	CHECK(!strcmp(v[0], "127.0.0.53") && !strcmp(v[1], "fd00::1") && !strcmp(v[2], "10.0.0.2"));
	_cleanup_strv_ char **e = dns_resolv_conf_nameservers("");
	CHECK(e && strv_len(e) == 0);
	_cleanup_strv_ char **z = dns_resolv_conf_nameservers(NULL);
	CHECK(z && strv_len(z) == 0);
	eng_error_t err;
	char *bad[] = {"not-an-ip", NULL};
	struct dns_config cfg = {.upstreams = bad};
	CHECK(dns_server_start(&cfg, &err) == NULL && err.kind == ERR_INVALID);
	return 0;
}

static const char docker_header[] =
	"# Generated by Docker Engine.\n"
	"# This file can be edited; Docker Engine will not make further changes once it\n"
	"# has been modified.\n\n";

/* resolvconf_internal's output minus docker's header must equal `want`. */
static int rc_is(const char *host, char **dns, char **search, char **opts, const char *want,
		 const char *want_up0, int want_ndots_set)
{
	struct resolvconf_opts o = {.dns = dns, .dns_search = search, .dns_options = opts};
	char **up = NULL;
	int ndots_set = -1;
	_cleanup_free_ char *got = resolvconf_internal(host, &o, &up, &ndots_set);
	int ok = got && !strncmp(got, docker_header, strlen(docker_header)) &&
		 !strcmp(got + strlen(docker_header), want) && up && ndots_set == want_ndots_set &&
		 (want_up0 ? up[0] && !strcmp(up[0], want_up0) : !up[0]);
	if (!ok)
		fprintf(stderr, "# got:\n%s# want:\n%s", got ? got : "(null)\n", want);
	strv_free(up);
	return ok;
}

/* Expectations from moby's resolvconf testdata (TestRCTransformForIntNS/\*.golden) with
 * the internal resolver's required option ndots:0. */
static int test_resolvconf(void)
{
	CHECK(rc_is("nameserver 127.0.0.53\n", NULL, NULL, NULL,
		    "nameserver 127.0.0.11\noptions ndots:0\n\n"
		    "# Based on host file: '/etc/resolv.conf' (internal resolver)\n"
		    "# ExtServers: [host(127.0.0.53)]\n# Overrides: []\n"
		    "# Option ndots from: internal\n",
		    "127.0.0.53", 0));
	CHECK(rc_is("nameserver 127.0.0.53\noptions ndots:1", NULL, NULL, NULL,
		    "nameserver 127.0.0.11\noptions ndots:1\n\n"
		    "# Based on host file: '/etc/resolv.conf' (internal resolver)\n"
		    "# ExtServers: [host(127.0.0.53)]\n# Overrides: []\n"
		    "# Option ndots from: host\n",
		    "127.0.0.53", 1));
	char *ndots2[] = {"ndots:2", NULL};
	CHECK(rc_is("nameserver 127.0.0.53", NULL, NULL, ndots2,
		    "nameserver 127.0.0.11\noptions ndots:2\n\n"
		    "# Based on host file: '/etc/resolv.conf' (internal resolver)\n"
		    "# ExtServers: [host(127.0.0.53)]\n# Overrides: [options]\n"
		    "# Option ndots from: override\n",
		    "127.0.0.53", 1));
	CHECK(rc_is("", NULL, NULL, NULL,
		    "nameserver 127.0.0.11\noptions ndots:0\n\n"
		    "# Based on host file: '/etc/resolv.conf' (internal resolver)\n"
		    "# NO EXTERNAL NAMESERVERS DEFINED\n# Overrides: []\n"
		    "# Option ndots from: internal\n",
		    NULL, 0));
	/* --dns, --dns-search (with "."), invalid nameservers, other lines, several search
	 * lines (the last wins), invalid ndots dropped */
	char *dns[] = {"10.1.1.1", "fd00::53", NULL};
	char *search[] = {"a.example", ".", "b.example", NULL};
	CHECK(rc_is("# hi\nsearch x.example\ndomain y.example\nnameserver 10.0.0.1\n"
		    "nameserver bogus\nsortlist 10.0.0.0/8\noptions ndots:x edns0\n",
		    dns, search, NULL,
		    "nameserver 127.0.0.11\nsearch a.example b.example\noptions edns0 ndots:0\n"
		    "sortlist 10.0.0.0/8\n\n"
		    "# Based on host file: '/etc/resolv.conf' (internal resolver)\n"
		    "# ExtServers: [10.1.1.1 fd00::53]\n# Invalid nameservers: [bogus]\n"
		    "# Overrides: [nameservers search]\n# Option ndots from: internal\n",
		    "10.1.1.1", 1));
	char *dot[] = {".", NULL};
	CHECK(rc_is("search x.example\nnameserver 10.0.0.1\n", NULL, dot, NULL,
		    "nameserver 127.0.0.11\noptions ndots:0\n\n"
		    "# Based on host file: '/etc/resolv.conf' (internal resolver)\n"
		    "# ExtServers: [host(10.0.0.1)]\n# Overrides: [search]\n"
		    "# Option ndots from: internal\n",
		    "10.0.0.1", 0));
	/* read back after a restart */
	struct resolvconf_opts o = {0};
	char **up = NULL, **back = NULL;
	int nd = -1, nd2 = -1;
	char *content = resolvconf_internal("nameserver 127.0.0.53\nnameserver fd00::1\noptions ndots:3\n",
					    &o, &up, &nd);
	CHECK(content && resolvconf_read_internal(content, &back, &nd2) == 0);
	CHECK(strv_len(back) == 2 && !strcmp(back[0], "127.0.0.53") && !strcmp(back[1], "fd00::1"));
	CHECK(nd == 1 && nd2 == 1);
	strv_free(back);
	strv_free(up);
	free(content);
	content = resolvconf_internal("nameserver 10.0.0.1\n", &o, &up, &nd);
	CHECK(resolvconf_read_internal(content, &back, &nd2) == 0 && nd2 == 0 &&
	      strv_len(back) == 1 && !strcmp(back[0], "10.0.0.1"));
	strv_free(back);
	strv_free(up);
	CHECK(resolvconf_read_internal("nameserver 10.0.0.1\n", &back, &nd2) < 0);
	content[strlen(docker_header) + 14] = '2'; /* edited by the user */
	CHECK(resolvconf_read_internal(content, &back, &nd2) < 0);
	free(content);
	CHECK(rc_is(NULL, NULL, NULL, NULL,
		    "nameserver 127.0.0.11\noptions ndots:0\n\n"
		    "# Based on host file: '/etc/resolv.conf' (internal resolver)\n"
		    "# NO EXTERNAL NAMESERVERS DEFINED\n# Overrides: []\n"
		    "# Option ndots from: internal\n",
		    NULL, 0));
	return 0;
}

/* --- in a real network namespace (root only) -------------------------------------------- */

/* A fake upstream on 127.0.0.1 of our namespace: answers every query over UDP and TCP with
 * one A record 192.0.2.1 (or SERVFAIL when `fail`), echoing the id. */
struct upstream {
	int udp, tcp;
	int port;
	atomic_int fail;
	atomic_int stop;
	atomic_int queries;
	pthread_t t;
};

static size_t upstream_reply(struct upstream *u, const uint8_t *q, size_t len, uint8_t *out)
{
	struct dns_query pq;
	int hok;
	if (dnsmsg_parse_query(q, len, &pq, &hok) < 0)
		return 0;
	struct dns_answer a = {.type = DNS_TYPE_A, .addr = {192, 0, 2, 1}};
	return dnsmsg_build_reply(&pq, u->fail ? DNS_RCODE_SERVFAIL : 0, &a, u->fail ? 0 : 1, out, 512);
}

static void *upstream_main(void *arg)
{
	struct upstream *u = arg;
	while (!atomic_load(&u->stop)) {
		struct pollfd p[2] = {{.fd = u->udp, .events = POLLIN}, {.fd = u->tcp, .events = POLLIN}};
		if (poll(p, 2, 100) <= 0)
			continue;
		uint8_t q[512], out[512];
		if (p[0].revents) {
			struct sockaddr_storage peer;
			socklen_t pl = sizeof(peer);
			ssize_t n = recvfrom(u->udp, q, sizeof(q), 0, (struct sockaddr *)&peer, &pl);
			size_t m = n > 0 ? upstream_reply(u, q, (size_t)n, out) : 0;
			atomic_fetch_add(&u->queries, 1);
			if (m)
				sendto(u->udp, out, m, 0, (struct sockaddr *)&peer, pl);
		}
		if (p[1].revents) {
			int c = accept(u->tcp, NULL, NULL);
			uint8_t l[2];
			if (c >= 0 && recv(c, l, 2, MSG_WAITALL) == 2) {
				size_t ql = (size_t)(l[0] << 8 | l[1]);
				if (ql <= sizeof(q) && recv(c, q, ql, MSG_WAITALL) == (ssize_t)ql) {
					size_t m = upstream_reply(u, q, ql, out + 2);
					atomic_fetch_add(&u->queries, 1);
					out[0] = (uint8_t)(m >> 8), out[1] = (uint8_t)m;
					if (send(c, out, m + 2, MSG_NOSIGNAL) < 0)
						perror("upstream send");
				}
			}
			if (c >= 0)
				close(c);
		}
	}
	return NULL;
}

static int upstream_start(struct upstream *u)
{
	memset(u, 0, sizeof(*u));
	struct sockaddr_in sa = {.sin_family = AF_INET};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	u->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	u->tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	socklen_t sl = sizeof(sa);
	/* one port for both: bind UDP to any free port, then TCP to the same */
	if (bind(u->udp, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(u->udp, (struct sockaddr *)&sa, &sl) < 0 ||
	    bind(u->tcp, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(u->tcp, 8) < 0)
		return -1;
	u->port = ntohs(sa.sin_port);
	return pthread_create(&u->t, NULL, upstream_main, u) ? -1 : 0;
}

static void upstream_stop(struct upstream *u)
{
	atomic_store(&u->stop, 1);
	pthread_join(u->t, NULL);
	close(u->udp);
	close(u->tcp);
}

/* A client inside the namespace: one query to 127.0.0.11:53 over UDP or TCP. */
struct client_req {
	const char *netns;
	int tcp;
	const uint8_t *q;
	size_t qlen;
	uint8_t r[4096];
	ssize_t rlen;
};

static void *client_main(void *arg)
{
	struct client_req *c = arg;
	c->rlen = -1;
	int ns = open(c->netns, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
		return NULL;
	close(ns);
	int fd = socket(AF_INET, (c->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
	inet_pton(AF_INET, "127.0.0.11", &sa.sin_addr);
	struct timeval tv = {.tv_sec = 5};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out;
	if (c->tcp) {
		uint8_t l[2] = {(uint8_t)(c->qlen >> 8), (uint8_t)c->qlen};
		if (send(fd, l, 2, MSG_NOSIGNAL) != 2 || send(fd, c->q, c->qlen, MSG_NOSIGNAL) < 0 ||
		    recv(fd, l, 2, MSG_WAITALL) != 2)
			goto out;
		size_t rl = (size_t)(l[0] << 8 | l[1]);
		if (rl <= sizeof(c->r) && recv(fd, c->r, rl, MSG_WAITALL) == (ssize_t)rl)
			c->rlen = (ssize_t)rl;
	} else {
		if (send(fd, c->q, c->qlen, 0) < 0)
			goto out;
		c->rlen = recv(fd, c->r, sizeof(c->r), 0);
	}
out:
	close(fd);
	return NULL;
}

static ssize_t query_in(const char *netns, int tcp, const char *name, uint16_t type, uint16_t id,
			uint8_t *r)
{
	uint8_t q[512];
	struct client_req c = {.netns = netns, .tcp = tcp, .q = q};
	c.qlen = make_query(q, name, type);
	q[0] = (uint8_t)(id >> 8), q[1] = (uint8_t)id;
	pthread_t t;
	if (pthread_create(&t, NULL, client_main, &c))
		return -1;
	pthread_join(t, NULL);
	if (c.rlen > 0)
		memcpy(r, c.r, (size_t)c.rlen);
	return c.rlen;
}

static int run(const char *cmd)
{
	int r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

static int netns_checks(const char *nsname, const char *nspath, struct upstream *up)
{
	eng_error_t err;
	char ups[32];
	snprintf(ups, sizeof(ups), "127.0.0.1:%d", up->port);
	char *upv[] = {"127.0.0.1:1" /* nothing listens: the next one is tried */, ups, NULL};
	struct dns_config cfg = {.upstreams = upv, .timeout_ms = 1000};
	struct dns_server *s = dns_server_start(&cfg, &err);
	CHECK(s);
	char *names[] = {"web", "www", NULL};
	char *me[] = {"me", NULL};
	int ok = dns_endpoint_add(s, "net1", "sb1", me, "10.9.0.2", NULL, &err) == 0 &&
		 dns_endpoint_add(s, "net1", "sb2", names, "10.9.0.3", NULL, &err) == 0 &&
		 dns_attach(s, "sb1", nspath, NULL, &err) == 0 &&
		 dns_attach(s, "sb1", nspath, NULL, &err) == 0; /* again: a no-op */
	if (!ok) {
		fprintf(stderr, "# %s\n", err.msg);
		dns_server_stop(s);
		return -1;
	}
	uint8_t r[4096];
	ssize_t n;
	int fails = 0;
#define EXPECT(c)                                                                                  \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "# %s:%d: check failed: %s\n", __FILE__, __LINE__, #c);    \
			fails++;                                                                   \
		}                                                                                  \
	} while (0)
	/* local names over UDP and TCP */
	n = query_in(nspath, 0, "WEB.", DNS_TYPE_A, 0x4242, r);
	EXPECT(n > 0 && r[0] == 0x42 && r[1] == 0x42 && ancount(r) == 1 && has_a(r, n, "10.9.0.3"));
	n = query_in(nspath, 1, "www", DNS_TYPE_A, 0x0101, r);
	EXPECT(n > 0 && r[0] == 1 && r[1] == 1 && ancount(r) == 1 && has_a(r, n, "10.9.0.3"));
	/* forwarded, id kept, over both transports, past an upstream that does not answer */
	int before = atomic_load(&up->queries);
	n = query_in(nspath, 0, "example.test", DNS_TYPE_A, 0xbeef, r);
	EXPECT(n > 0 && r[0] == 0xbe && r[1] == 0xef && rcode(r) == 0 && has_a(r, n, "192.0.2.1"));
	n = query_in(nspath, 1, "example.test", DNS_TYPE_A, 0xcafe, r);
	EXPECT(n > 0 && r[0] == 0xca && r[1] == 0xfe && rcode(r) == 0 && has_a(r, n, "192.0.2.1"));
	EXPECT(atomic_load(&up->queries) == before + 2);
	/* the upstream fails: SERVFAIL, after trying it */
	up->fail = 1;
	n = query_in(nspath, 0, "example.test", DNS_TYPE_A, 0x7777, r);
	EXPECT(n > 0 && r[0] == 0x77 && rcode(r) == DNS_RCODE_SERVFAIL);
	up->fail = 0;
	/* busybox nslookup, as a container would ask */
	if (access("/usr/bin/busybox", X_OK) == 0 || access("/bin/busybox", X_OK) == 0) {
		char cmd[512];
		snprintf(cmd, sizeof(cmd),
			 "ip netns exec %s busybox nslookup web 127.0.0.11 2>&1 | grep -q 10.9.0.3",
			 nsname);
		EXPECT(run(cmd) == 0);
		snprintf(cmd, sizeof(cmd),
			 "ip netns exec %s busybox nslookup 10.9.0.3 127.0.0.11 2>&1 | grep -q web.net1",
			 nsname);
		EXPECT(run(cmd) == 0);
	}
	/* a sandbox with its own upstreams (--dns) that fail: SERVFAIL without trying ours */
	dns_detach(s, "sb1");
	char *dead[] = {"127.0.0.1:1", NULL};
	struct dns_sandbox_opts o = {.upstreams = dead, .ndots_set = 1};
	EXPECT(dns_attach(s, "sb1", nspath, &o, &err) == 0);
	before = atomic_load(&up->queries);
	n = query_in(nspath, 0, "example.test", DNS_TYPE_A, 0x1111, r);
	EXPECT(n > 0 && rcode(r) == DNS_RCODE_SERVFAIL && atomic_load(&up->queries) == before);
	/* ndots set: a single label that is no container: empty NOERROR, not forwarded */
	n = query_in(nspath, 0, "nosuchhost", DNS_TYPE_A, 0x2222, r);
	EXPECT(n > 0 && rcode(r) == 0 && ancount(r) == 0);
	/* only on Internal networks: names resolve, nothing is forwarded */
	dns_detach(s, "sb1");
	struct dns_sandbox_opts io = {.internal = 1};
	EXPECT(dns_attach(s, "sb1", nspath, &io, &err) == 0);
	before = atomic_load(&up->queries);
	n = query_in(nspath, 0, "example.test", DNS_TYPE_A, 0x4444, r);
	EXPECT(n > 0 && r[0] == 0x44 && rcode(r) == DNS_RCODE_SERVFAIL);
	n = query_in(nspath, 1, "example.test", DNS_TYPE_A, 0x4445, r);
	EXPECT(n > 0 && r[0] == 0x44 && rcode(r) == DNS_RCODE_SERVFAIL);
	EXPECT(atomic_load(&up->queries) == before);
	n = query_in(nspath, 0, "web", DNS_TYPE_A, 0x4446, r);
	EXPECT(n > 0 && has_a(r, n, "10.9.0.3"));
	dns_set_internal(s, "sb1", 0); /* connected to a network with a way out */
	n = query_in(nspath, 0, "example.test", DNS_TYPE_A, 0x4447, r);
	EXPECT(n > 0 && rcode(r) == 0 && has_a(r, n, "192.0.2.1"));
	/* detached: nothing listens any more */
	dns_detach(s, "sb1");
	n = query_in(nspath, 1, "web", DNS_TYPE_A, 0x3333, r);
	EXPECT(n < 0);
	/* attaching to a path that is no namespace fails cleanly */
	EXPECT(dns_attach(s, "sb3", "/nonexistent/netns", NULL, &err) < 0 && strstr(err.msg, "open"));
	dns_server_stop(s);
	return fails ? -1 : 0;
}

static int test_netns(void)
{
	if (geteuid() != 0 || run("ip netns help >/dev/null 2>&1") < 0)
		return 77;
	char nsname[64], nspath[128], cmd[256];
	snprintf(nsname, sizeof(nsname), "berth-dnstest-%d-%d", getpid(), rand() % 100000);
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", nsname);
	snprintf(cmd, sizeof(cmd), "ip netns add %s", nsname);
	if (run(cmd) != 0)
		return 77;
	struct upstream up;
	int r = upstream_start(&up) < 0 ? -1 : netns_checks(nsname, nspath, &up);
	if (up.t)
		upstream_stop(&up);
	snprintf(cmd, sizeof(cmd), "ip netns del %s", nsname);
	run(cmd);
	return r;
}

/* Queries from several threads while the records and the sockets churn, then a stop with a
 * forward still waiting on an upstream that never answers: nothing may crash or leak (run
 * under ASan by `make check-asan`); every reply that arrives must be well-formed. */
struct storm {
	const char *nspath;
	atomic_int replies, bad;
};

static void *storm_client(void *arg)
{
	struct storm *st = arg;
	int ns = open(st->nspath, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
		return NULL;
	close(ns);
	for (int i = 0; i < 300; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
		inet_pton(AF_INET, "127.0.0.11", &sa.sin_addr);
		struct timeval tv = {.tv_usec = 300000};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		uint8_t q[512], r[4096];
		size_t ql = make_query(q, i % 3 ? "web" : "fwd.example", DNS_TYPE_A);
		q[0] = (uint8_t)i, q[1] = (uint8_t)(i >> 8);
		ssize_t n = -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && send(fd, q, ql, 0) > 0)
			n = recv(fd, r, sizeof(r), 0);
		if (n > 0) {
			atomic_fetch_add(&st->replies, 1);
			if (n < 12 || r[0] != q[0] || r[1] != q[1] || !(r[2] & 0x80))
				atomic_fetch_add(&st->bad, 1);
		}
		close(fd);
	}
	return NULL;
}

static int storm_checks(const char *nspath, struct upstream *up)
{
	eng_error_t err;
	char ups[32];
	snprintf(ups, sizeof(ups), "127.0.0.1:%d", up->port);
	char *upv[] = {ups, NULL};
	struct dns_config cfg = {.upstreams = upv, .timeout_ms = 300};
	struct dns_server *s = dns_server_start(&cfg, &err);
	CHECK(s);
	char *names[] = {"web", NULL};
	CHECK(dns_attach(s, "sb", nspath, NULL, &err) == 0);
	struct storm st = {.nspath = nspath};
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, storm_client, &st) == 0);
	for (int i = 0; i < 200; i++) {
		dns_endpoint_add(s, "n", "sb", names, "10.5.0.2", NULL, &err);
		dns_endpoint_add(s, "n", "other", names, "10.5.0.3", "fd00::3", &err);
		if (i % 20 == 10) {
			dns_detach(s, "sb");
			dns_attach(s, "sb", nspath, NULL, &err);
		}
		dns_endpoint_remove(s, "n", "other");
		usleep(500);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK(atomic_load(&st.bad) == 0);
	CHECK(atomic_load(&st.replies) > 0);
	dns_server_stop(s);

	/* a stop while a forward waits on a silent upstream */
	int silent = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	CHECK(bind(silent, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CHECK(getsockname(silent, (struct sockaddr *)&sa, &sl) == 0);
	snprintf(ups, sizeof(ups), "127.0.0.1:%d", ntohs(sa.sin_port));
	s = dns_server_start(&cfg, &err);
	CHECK(s && dns_attach(s, "sb", nspath, NULL, &err) == 0);
	uint8_t q[512];
	struct client_req c = {.netns = nspath, .q = q};
	c.qlen = make_query(q, "slow.example", DNS_TYPE_A);
	pthread_t ct;
	CHECK(pthread_create(&ct, NULL, client_main, &c) == 0);
	for (int i = 0; i < 200; i++) { /* until the forward is out */
		uint8_t buf[512];
		if (recv(silent, buf, sizeof(buf), MSG_DONTWAIT | MSG_PEEK) > 0)
			break;
		usleep(5000);
	}
	dns_server_stop(s);
	pthread_join(ct, NULL); /* the client gets SERVFAIL or nothing, after the timeout */
	usleep(400000);        /* the worker finishes against a stopped server */
	close(silent);
	return 0;
}

static int test_netns_storm(void)
{
	if (geteuid() != 0 || run("ip netns help >/dev/null 2>&1") < 0)
		return 77;
	char nsname[64], nspath[128], cmd[256];
	snprintf(nsname, sizeof(nsname), "berth-dnstest-%d-%d", getpid(), rand() % 100000);
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", nsname);
	snprintf(cmd, sizeof(cmd), "ip netns add %s", nsname);
	if (run(cmd) != 0)
		return 77;
	struct upstream up;
	int r = upstream_start(&up) < 0 ? -1 : storm_checks(nspath, &up);
	if (up.t)
		upstream_stop(&up);
	snprintf(cmd, sizeof(cmd), "ip netns del %s", nsname);
	run(cmd);
	return r;
}

TAP_MAIN(T(test_parse_query), T(test_truncated), T(test_compression), T(test_long_names),
	 T(test_fuzz), T(test_build_reply), T(test_ptr_names), T(test_lookup), T(test_resolv_conf),
	 T(test_resolvconf), T(test_netns), T(test_netns_storm))
