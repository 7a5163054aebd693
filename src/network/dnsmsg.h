#pragma once
/* DNS wire format, only what the embedded resolver needs: read the question of a query
 * (RFC 1035 4.1) and build a reply with A, AAAA or PTR answers. Every read is bounded by the
 * message length; names are limited to 255 bytes and compression pointers must point
 * strictly backwards, so a hostile packet can neither over-read nor loop. */
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

enum {
	DNS_HEADER_LEN = 12,
	DNS_NAME_MAX = 255,   /* wire length, RFC 1035 2.3.4 */
	DNS_UDP_MAX = 512,    /* a reply over UDP without EDNS */
	DNS_TYPE_A = 1,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_MX = 15,
	DNS_TYPE_AAAA = 28,
	DNS_CLASS_IN = 1,
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
	DNS_TTL = 600, /* docker's respTTL */
};

struct dns_query {
	uint16_t id;
	uint16_t flags;    /* the query's header flags */
	uint16_t qtype, qclass;
	uint8_t qname_wire[DNS_NAME_MAX]; /* uncompressed, as sent (case kept) */
	size_t qname_wire_len;
	/* Dotted, lowercase, no trailing dot; "" for the root. `text_ok` is 0 when a label
	 * holds a byte that cannot be part of a host name ('.', NUL, space...): such a name
	 * never matches a local record but may still be forwarded. */
	char qname[DNS_NAME_MAX + 1];
	int text_ok;
};

/* Reads header and first question. Returns 0; -1 when the packet is not a usable query
 * (shorter than a header, a response, no question, a malformed name). When at least the
 * header was readable, *ret_header_ok is 1 so the caller can answer FORMERR. */
int dnsmsg_parse_query(const uint8_t *msg, size_t len, struct dns_query *q, int *ret_header_ok);
/* The rcode of a reply (the low four bits of its flags); -1 when shorter than a header. */
int dnsmsg_reply_rcode(const uint8_t *msg, size_t len);

/* One answer: an address (A/AAAA: 4 or 16 bytes) or a dotted name (PTR). */
struct dns_answer {
	uint16_t type;
	uint8_t addr[16];
	const char *name;
};
/* Builds the reply to q in out (cap bytes) with the question echoed and the answers that fit
 * (TC set when some did not). Returns its length, or 0 when cap cannot even hold the
 * question. RA is set and RD copied, as docker's resolver does. */
size_t dnsmsg_build_reply(const struct dns_query *q, int rcode, const struct dns_answer *ans,
			  size_t nans, uint8_t *out, size_t cap);
/* A header-only FORMERR for a packet whose question could not be read. */
size_t dnsmsg_build_formerr(const uint8_t *msg, size_t len, uint8_t *out, size_t cap);

/* "4.3.2.1.in-addr.arpa" -> AF_INET 1.2.3.4; 32 nibbles + ".ip6.arpa" -> AF_INET6.
 * Returns the family, or 0 when name is not a complete reverse name. */
int dnsmsg_ptr_name_addr(const char *name, uint8_t ret_addr[16]);
/* The reverse name of an address (for tests and logs); out needs 74 bytes. */
void dnsmsg_addr_ptr_name(int family, const void *addr, char out[74]);
