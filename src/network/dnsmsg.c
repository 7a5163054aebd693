/* DNS wire format: the question of a query and the reply the embedded resolver sends. */
#include "dnsmsg.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

enum { FLAG_QR = 0x8000, FLAG_RD = 0x0100, FLAG_RA = 0x0080, FLAG_TC = 0x0200 };

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Reads the name at *pos into q (wire form and text form) and moves *pos past it. Pointers
 * must go strictly backwards, which also bounds the number of jumps. */
static int read_name(const uint8_t *msg, size_t len, size_t *pos, struct dns_query *q)
{
	size_t p = *pos, end = 0, wlen = 0, tlen = 0;
	int jumped = 0;
	q->text_ok = 1;
	for (;;) {
		if (p >= len)
			return -1;
		uint8_t l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= len)
				return -1;
			size_t target = (size_t)(l & 0x3f) << 8 | msg[p + 1];
			if (target >= p)
				return -1;
			if (!jumped)
				end = p + 2;
			jumped = 1;
			p = target;
			continue;
		}
		if (l & 0xc0) /* the extended label types (01, 10) are obsolete */
			return -1;
		if (wlen + 1 + l > DNS_NAME_MAX || p + 1 + l > len)
			return -1;
		q->qname_wire[wlen++] = l;
		if (l == 0) {
			p++;
			break;
		}
		memcpy(q->qname_wire + wlen, msg + p + 1, l);
		wlen += l;
		if (tlen)
			q->qname[tlen++] = '.';
		for (size_t i = 0; i < l; i++) {
			uint8_t c = msg[p + 1 + i];
			if (c == '.' || c <= ' ' || c >= 0x7f)
				q->text_ok = 0;
			q->qname[tlen++] = (char)tolower(c);
		}
		p += 1 + l;
	}
	q->qname[tlen] = 0;
	q->qname_wire_len = wlen;
	*pos = jumped ? end : p;
	return 0;
}

int dnsmsg_parse_query(const uint8_t *msg, size_t len, struct dns_query *q, int *ret_header_ok)
{
	*ret_header_ok = 0;
	if (len < DNS_HEADER_LEN)
		return -1;
	memset(q, 0, sizeof(*q));
	q->id = get16(msg);
	q->flags = get16(msg + 2);
	if (q->flags & FLAG_QR) /* a response: never answer it, that would start a loop */
		return -1;
	*ret_header_ok = 1;
	if (get16(msg + 4) == 0)
		return -1;
	size_t pos = DNS_HEADER_LEN;
	if (read_name(msg, len, &pos, q) < 0 || pos + 4 > len)
		return -1;
	q->qtype = get16(msg + pos);
	q->qclass = get16(msg + pos + 2);
	return 0;
}

int dnsmsg_reply_rcode(const uint8_t *msg, size_t len)
{
	if (len < DNS_HEADER_LEN)
		return -1;
	return msg[3] & 0x0f;
}

/* Appends a dotted name in wire form; returns the new length or 0 when it does not fit. */
static size_t put_name(uint8_t *out, size_t at, size_t cap, const char *name)
{
	const char *s = name;
	size_t start = at;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		if (l == 0 || l > 63 || at + 1 + l > cap || at - start + 1 + l >= DNS_NAME_MAX)
			return 0;
		out[at++] = (uint8_t)l;
		memcpy(out + at, s, l);
		at += l;
		s += l;
		if (*s == '.')
			s++;
	}
	if (at + 1 > cap)
		return 0;
	out[at++] = 0;
	return at;
}

size_t dnsmsg_build_reply(const struct dns_query *q, int rcode, const struct dns_answer *ans,
			  size_t nans, uint8_t *out, size_t cap)
{
	size_t qlen = DNS_HEADER_LEN + q->qname_wire_len + 4;
	if (cap < qlen)
		return 0;
	uint16_t flags = FLAG_QR | (q->flags & 0x7800) /* opcode */ | (q->flags & FLAG_RD) |
			 FLAG_RA | (uint16_t)(rcode & 0x0f);
	put16(out, q->id);
	put16(out + 4, 1);
	memset(out + 6, 0, 6);
	memcpy(out + DNS_HEADER_LEN, q->qname_wire, q->qname_wire_len);
	size_t at = DNS_HEADER_LEN + q->qname_wire_len;
	put16(out + at, q->qtype);
	put16(out + at + 2, q->qclass);
	at += 4;
	uint16_t n = 0;
	for (size_t i = 0; i < nans; i++) {
		/* owner: a pointer to the question's name at offset 12 */
		uint8_t rr[10 + DNS_NAME_MAX + 2];
		size_t rdlen;
		if (ans[i].type == DNS_TYPE_A)
			rdlen = 4;
		else if (ans[i].type == DNS_TYPE_AAAA)
			rdlen = 16;
		else
			rdlen = 0;
		put16(rr, 0xc000 | DNS_HEADER_LEN);
		put16(rr + 2, ans[i].type);
		put16(rr + 4, DNS_CLASS_IN);
		rr[6] = 0, rr[7] = 0;
		put16(rr + 8, DNS_TTL);
		if (rdlen) {
			memcpy(rr + 12, ans[i].addr, rdlen);
		} else {
			size_t e = put_name(rr, 12, sizeof(rr), ans[i].name);
			if (!e)
				continue;
			rdlen = e - 12;
		}
		put16(rr + 10, (uint16_t)rdlen);
		if (at + 12 + rdlen > cap) {
			flags |= FLAG_TC;
			break;
		}
		memcpy(out + at, rr, 12 + rdlen);
		at += 12 + rdlen;
		n++;
	}
	put16(out + 2, flags);
	put16(out + 6, n);
	return at;
}

size_t dnsmsg_build_formerr(const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
	if (len < DNS_HEADER_LEN || cap < DNS_HEADER_LEN)
		return 0;
	uint16_t flags = get16(msg + 2);
	memcpy(out, msg, 2);
	put16(out + 2, FLAG_QR | (flags & 0x7800) | (flags & FLAG_RD) | FLAG_RA |
			       DNS_RCODE_FORMERR);
	memset(out + 4, 0, 8);
	return DNS_HEADER_LEN;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int dnsmsg_ptr_name_addr(const char *name, uint8_t ret_addr[16])
{
	static const char v4[] = ".in-addr.arpa", v6[] = ".ip6.arpa";
	size_t len = strlen(name);
	if (len > sizeof(v4) - 1 && !strcmp(name + len - (sizeof(v4) - 1), v4)) {
		/* four decimal labels, least significant first */
		const char *s = name;
		for (int i = 3; i >= 0; i--) {
			unsigned v = 0;
			int digits = 0;
			while (*s >= '0' && *s <= '9' && digits < 4)
				v = v * 10 + (unsigned)(*s++ - '0'), digits++;
			if (!digits || digits > 3 || v > 255 || (digits > 1 && s[-digits] == '0'))
				return 0;
			if (*s != '.')
				return 0;
			s++;
			ret_addr[i] = (uint8_t)v;
		}
		return s == name + len - (sizeof(v4) - 2) ? AF_INET : 0;
	}
	if (len == 64 + sizeof(v6) - 2 && !strcmp(name + 64, v6 + 1)) {
		memset(ret_addr, 0, 16);
		for (int i = 0; i < 32; i++) {
			int h = hexval(name[2 * i]);
			if (h < 0 || name[2 * i + 1] != '.')
				return 0;
			int byte = 15 - i / 2;
			ret_addr[byte] |= (uint8_t)(i % 2 ? h << 4 : h);
		}
		return AF_INET6;
	}
	return 0;
}

void dnsmsg_addr_ptr_name(int family, const void *addr, char out[74])
{
	const uint8_t *a = addr;
	if (family == AF_INET) {
		snprintf(out, 74, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
		return;
	}
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	for (int i = 15; i >= 0; i--) {
		*p++ = hex[a[i] & 0xf], *p++ = '.';
		*p++ = hex[a[i] >> 4], *p++ = '.';
	}
	strcpy(p, "ip6.arpa");
}
