/* rtnetlink requests built by hand: each is one message and one acknowledgement, which keeps
 * a container's network set-up to a few system calls. */
#include "netlink.h"
#include "../common/cleanup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct req {
	struct nlmsghdr h;
	char buf[2048];
};

static void *tail(struct req *r)
{
	return (char *)r + NLMSG_ALIGN(r->h.nlmsg_len);
}

static struct rtattr *attr_put(struct req *r, int type, const void *data, size_t len)
{
	struct rtattr *a = tail(r);
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

static void attr_u32(struct req *r, int type, uint32_t v)
{
	attr_put(r, type, &v, sizeof(v));
}

static void attr_str(struct req *r, int type, const char *s)
{
	attr_put(r, type, s, strlen(s) + 1);
}

static struct rtattr *nest_begin(struct req *r, int type)
{
	return attr_put(r, type, NULL, 0);
}

static void nest_end(struct req *r, struct rtattr *a)
{
	a->rta_len = (unsigned short)((char *)tail(r) - (char *)a);
}

static void req_init(struct req *r, int type, int flags, size_t hdrlen)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdrlen);
	r->h.nlmsg_type = (uint16_t)type;
	r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
}

/* Sends r and reads its acknowledgement; returns 0 or -errno. */
/* Sends r and reads the kernel's answer: each message of it goes to `each` (when given)
 * until one returns non-zero, which is returned; an error message (0: the ack) or the end of
 * a dump ends it too. */
static int talk_each(struct nl_sock *nl, struct req *r, int (*each)(struct nlmsghdr *h, void *arg),
		     void *arg)
{
	char buf[16384];
	r->h.nlmsg_seq = ++nl->seq;
	if (send(nl->fd, &r->h, r->h.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != nl->seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			int rc = each ? each(h, arg) : 0;
			if (rc)
				return rc;
		}
	}
}

static int talk(struct nl_sock *nl, struct req *r)
{
	return talk_each(nl, r, NULL, NULL);
}

int nl_open(struct nl_sock *nl, int nsfd, eng_error_t *err)
{
	_cleanup_close_ int self = -1;
	int e = 0;

	nl->seq = 0;
	if (nsfd >= 0) {
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0 || setns(nsfd, CLONE_NEWNET) < 0)
			return eng_error_make(err, errno, ERR_INTERNAL,
					      "entering network namespace: %m");
	}
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	e = errno;
	if (nsfd >= 0 && setns(self, CLONE_NEWNET) < 0)
		abort(); /* a thread left in a container's namespace would corrupt later work */
	if (nl->fd < 0)
		return eng_error_make(err, e, ERR_INTERNAL, "netlink socket: %s", strerror(e));
	return 0;
}

void nl_close(struct nl_sock *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

struct netns_job {
	int nsfd, sock, err;
};

/* unshare() moves only the calling thread: a short-lived thread makes the namespace and
 * takes it away with it, the caller's thread never changes namespace. */
static void *netns_thread(void *arg)
{
	struct netns_job *j = arg;
	if (unshare(CLONE_NEWNET) < 0) {
		j->err = errno;
		return NULL;
	}
	j->nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	j->sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (j->nsfd < 0 || j->sock < 0)
		j->err = errno;
	return NULL;
}

int nl_netns_new(int *ret_nsfd, struct nl_sock *ret_nl, eng_error_t *err)
{
	struct netns_job j = {-1, -1, 0};
	pthread_t t;
	if (pthread_create(&t, NULL, netns_thread, &j) != 0)
		return eng_error_make(err, EAGAIN, ERR_INTERNAL, "creating a network namespace");
	pthread_join(t, NULL);
	if (j.err) {
		if (j.nsfd >= 0)
			close(j.nsfd);
		if (j.sock >= 0)
			close(j.sock);
		return eng_error_make(err, j.err, ERR_INTERNAL,
				      "creating a network namespace: %s", strerror(j.err));
	}
	*ret_nsfd = j.nsfd;
	ret_nl->fd = j.sock;
	ret_nl->seq = 0;
	return 0;
}

int nl_link_index(const char *name)
{
	return (int)if_nametoindex(name);
}

static struct ifinfomsg *ifi(struct req *r)
{
	return NLMSG_DATA(&r->h);
}

int nl_bridge_create(struct nl_sock *nl, const char *name, int mtu, eng_error_t *err)
{
	struct req r;
	struct rtattr *li;
	int rc;

	req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	ifi(&r)->ifi_family = AF_UNSPEC;
	attr_str(&r, IFLA_IFNAME, name);
	if (mtu > 0)
		attr_u32(&r, IFLA_MTU, (uint32_t)mtu);
	li = nest_begin(&r, IFLA_LINKINFO);
	attr_str(&r, IFLA_INFO_KIND, "bridge");
	nest_end(&r, li);
	rc = talk(nl, &r);
	if (rc == -EEXIST)
		return 1;
	if (rc < 0)
		return eng_error_make(err, -rc, ERR_INTERNAL, "creating bridge %s: %s", name,
				      strerror(-rc));
	return 0;
}

int nl_link_delete(struct nl_sock *nl, const char *name, eng_error_t *err)
{
	struct req r;
	int rc;
	req_init(&r, RTM_DELLINK, 0, sizeof(struct ifinfomsg));
	attr_str(&r, IFLA_IFNAME, name);
	rc = talk(nl, &r);
	if (rc < 0 && rc != -ENODEV)
		return eng_error_make(err, -rc, ERR_INTERNAL, "deleting link %s: %s", name,
				      strerror(-rc));
	return 0;
}

int nl_link_up(struct nl_sock *nl, int ifindex, eng_error_t *err)
{
	struct req r;
	int rc;
	req_init(&r, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	ifi(&r)->ifi_index = ifindex;
	ifi(&r)->ifi_flags = IFF_UP;
	ifi(&r)->ifi_change = IFF_UP;
	rc = talk(nl, &r);
	if (rc < 0)
		return eng_error_make(err, -rc, ERR_INTERNAL, "setting link %d up: %s", ifindex,
				      strerror(-rc));
	return 0;
}

int nl_addr_add(struct nl_sock *nl, int ifindex, uint32_t ip, int prefix, eng_error_t *err)
{
	struct req r;
	struct ifaddrmsg *ifa = NLMSG_DATA(&r.h);
	uint32_t a = htonl(ip), b = htonl(ip | (prefix < 31 ? ~(0xFFFFFFFFu << (32 - prefix)) : 0));
	int rc;

	req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = (unsigned)ifindex;
	attr_put(&r, IFA_LOCAL, &a, 4);
	attr_put(&r, IFA_ADDRESS, &a, 4);
	if (prefix < 31)
		attr_put(&r, IFA_BROADCAST, &b, 4);
	rc = talk(nl, &r);
	if (rc < 0 && rc != -EEXIST)
		return eng_error_make(err, -rc, ERR_INTERNAL, "adding an address: %s",
				      strerror(-rc));
	return 0;
}

struct addr_query {
	int ifindex;
	uint32_t ip;
	int prefix;
};

static int addr_of_link(struct nlmsghdr *h, void *arg)
{
	struct addr_query *q = arg;
	struct ifaddrmsg *m = NLMSG_DATA(h);
	int len = (int)IFA_PAYLOAD(h);

	if ((int)m->ifa_index != q->ifindex || q->ip)
		return 0;
	for (struct rtattr *a = IFA_RTA(m); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFA_LOCAL) {
			uint32_t v;
			memcpy(&v, RTA_DATA(a), 4);
			q->ip = ntohl(v);
			q->prefix = m->ifa_prefixlen;
		}
	return 0; /* the dump is read to its end */
}

int nl_addr_get(struct nl_sock *nl, int ifindex, uint32_t *ret_ip, int *ret_prefix,
		eng_error_t *err)
{
	struct req r;
	struct ifaddrmsg *ifa = NLMSG_DATA(&r.h);
	struct addr_query q = {.ifindex = ifindex};
	int rc;

	req_init(&r, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	r.h.nlmsg_flags &= (uint16_t)~NLM_F_ACK;
	ifa->ifa_family = AF_INET;
	if ((rc = talk_each(nl, &r, addr_of_link, &q)) < 0)
		return eng_error_make(err, -rc, ERR_INTERNAL, "listing addresses: %s",
				      strerror(-rc));
	*ret_ip = q.ip;
	*ret_prefix = q.prefix;
	return 0;
}

int nl_veth_create(struct nl_sock *nl, const char *host, int master, const char *peer, int nsfd,
		   const uint8_t mac[6], int mtu, eng_error_t *err)
{
	struct req r;
	struct rtattr *li, *data, *pi;
	struct ifinfomsg *pifi;
	int rc;

	req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	ifi(&r)->ifi_flags = IFF_UP;
	ifi(&r)->ifi_change = IFF_UP;
	attr_str(&r, IFLA_IFNAME, host);
	attr_u32(&r, IFLA_MASTER, (uint32_t)master);
	if (mtu > 0)
		attr_u32(&r, IFLA_MTU, (uint32_t)mtu);
	li = nest_begin(&r, IFLA_LINKINFO);
	attr_str(&r, IFLA_INFO_KIND, "veth");
	data = nest_begin(&r, IFLA_INFO_DATA);
	pi = nest_begin(&r, VETH_INFO_PEER);
	pifi = tail(&r);
	memset(pifi, 0, sizeof(*pifi));
	r.h.nlmsg_len = NLMSG_ALIGN(r.h.nlmsg_len) + (uint32_t)NLMSG_ALIGN(sizeof(*pifi));
	attr_str(&r, IFLA_IFNAME, peer);
	attr_u32(&r, IFLA_NET_NS_FD, (uint32_t)nsfd);
	attr_put(&r, IFLA_ADDRESS, mac, 6);
	if (mtu > 0)
		attr_u32(&r, IFLA_MTU, (uint32_t)mtu);
	nest_end(&r, pi);
	nest_end(&r, data);
	nest_end(&r, li);
	rc = talk(nl, &r);
	if (rc < 0)
		return eng_error_make(err, -rc, ERR_INTERNAL, "creating veth pair %s: %s", host,
				      strerror(-rc));
	return 0;
}

int nl_route_default(struct nl_sock *nl, uint32_t gw, eng_error_t *err)
{
	struct req r;
	struct rtmsg *rt = NLMSG_DATA(&r.h);
	uint32_t g = htonl(gw);
	int rc;

	req_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*rt));
	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	attr_put(&r, RTA_GATEWAY, &g, 4);
	rc = talk(nl, &r);
	if (rc < 0 && rc != -EEXIST)
		return eng_error_make(err, -rc, ERR_INTERNAL, "adding the default route: %s",
				      strerror(-rc));
	return 0;
}

static int link_index(struct nlmsghdr *h, void *arg)
{
	(void)arg;
	return h->nlmsg_type == RTM_NEWLINK ? ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index : 0;
}

int nl_link_index_in(struct nl_sock *nl, const char *name)
{
	struct req r;

	req_init(&r, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	r.h.nlmsg_flags &= (uint16_t)~NLM_F_ACK;
	attr_str(&r, IFLA_IFNAME, name);
	return talk_each(nl, &r, link_index, NULL) ?: -ENODEV;
}
