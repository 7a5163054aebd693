/* The iptables-restore input the firewall writes: chains, isolation, ports, removal. */
#include "tap.h"
#include "network/firewall.h"

#include <stdlib.h>
#include <string.h>

static const struct fw_network net = {.bridge = "br0", .subnet = "10.1.0.0/24", .icc = 1,
				      .masquerade = 1};

static int test_setup(void)
{
	char *r = fw_network_rules(&net, NULL, 0, "*filter\nCOMMIT\n*nat\nCOMMIT\n");
	CHECK(r);
	CHECK(strstr(r, "*filter\n:BERTH-F-br0 - [0:0]\n"));
	CHECK(strstr(r, "-A BERTH-F-br0 -i br0 -o br0 -j ACCEPT\n"));
	CHECK(strstr(r, "-A BERTH-F-br0 -i br0 ! -o br0 -j BERTH-ISO\n"));
	CHECK(strstr(r, "-A BERTH-F-br0 -o br0 -j DROP\n"));
	CHECK(strstr(r, "-I FORWARD -i br0 -j BERTH-F-br0\n"));
	CHECK(strstr(r, "-A BERTH-ISO -o br0 -m conntrack ! --ctstate DNAT -j DROP\n"));
	CHECK(strstr(r, "-A BERTH-S-br0 -s 10.1.0.0/24 ! -o br0 -j MASQUERADE\n"));
	CHECK(strstr(r, "-A PREROUTING -m addrtype --dst-type LOCAL -j BERTH-D-br0\n"));
	CHECK(strstr(r, "-A POSTROUTING -j BERTH-S-br0\n"));
	free(r);
	return 0;
}

static int test_jumps_once(void)
{
	const char *saved = "*filter\n:BERTH-F-br0 - [0:0]\n-A FORWARD -o br0 -j BERTH-F-br0\n"
			    "-A BERTH-ISO -o br0 -m conntrack ! --ctstate DNAT -j DROP\nCOMMIT\n"
			    "*nat\n-A PREROUTING -m addrtype --dst-type LOCAL -j BERTH-D-br0\n"
			    "-A POSTROUTING -j BERTH-S-br0\n"
			    "-A POSTROUTING -j BERTH-S-br00\nCOMMIT\n";
	char *r = fw_network_rules(&net, NULL, 0, saved);
	CHECK(!strstr(r, "-I FORWARD"));
	CHECK(!strstr(r, "-A BERTH-ISO"));
	CHECK(!strstr(r, "-A PREROUTING"));
	CHECK(!strstr(r, "-A POSTROUTING"));
	free(r);
	/* another bridge's jump whose name starts the same is not ours */
	struct fw_network other = net;
	other.bridge = "br";
	r = fw_network_rules(&other, NULL, 0, saved);
	CHECK(strstr(r, "-I FORWARD -i br -j BERTH-F-br\n"));
	CHECK(strstr(r, "-A BERTH-ISO -o br -m conntrack"));
	free(r);
	return 0;
}

static int test_internal_no_icc(void)
{
	struct fw_network n = net;
	n.internal = 1;
	n.icc = 0;
	char *r = fw_network_rules(&n, NULL, 0, "");
	CHECK(strstr(r, "-A BERTH-F-br0 -i br0 ! -o br0 -j DROP\n"));
	CHECK(strstr(r, "-A BERTH-F-br0 -i br0 -o br0 -j DROP\n"));
	CHECK(!strstr(r, "-j BERTH-ISO\n-A BERTH-F-br0 -i br0 ! -o br0 -j ACCEPT"));
	CHECK(!strstr(r, "! -o br0 -j MASQUERADE"));
	free(r);
	return 0;
}

static int test_ports_only(void)
{
	struct fw_port p[2] = {{"tcp", "", 8080, "10.1.0.2", 80},
			       {"udp", "127.0.0.1", 5353, "10.1.0.2", 53}};
	char *r = fw_network_rules(&net, p, 2, NULL);
	CHECK(!strcmp(r, "*nat\n:BERTH-D-br0 - [0:0]\n"
			 "-A BERTH-D-br0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination "
			 "10.1.0.2:80\n"
			 "-A BERTH-D-br0 -d 127.0.0.1/32 -p udp -m udp --dport 5353 -j DNAT "
			 "--to-destination 10.1.0.2:53\nCOMMIT\n"));
	free(r);
	return 0;
}

static int test_removal(void)
{
	const char *saved = "*filter\n:BERTH-F-br0 - [0:0]\n:BERTH-F-br1 - [0:0]\n"
			    "-A FORWARD -i br0 -j BERTH-F-br0\n-A FORWARD -i br1 -j BERTH-F-br1\n"
			    "-A BERTH-ISO -o br0 -m conntrack ! --ctstate DNAT -j DROP\nCOMMIT\n"
			    "*nat\n:BERTH-D-br0 - [0:0]\n-A OUTPUT -m addrtype --dst-type LOCAL "
			    "-j BERTH-D-br0\nCOMMIT\n";
	char *r = fw_network_removal("br0", saved);
	CHECK(r);
	CHECK(strstr(r, "-D FORWARD -i br0 -j BERTH-F-br0\n"));
	CHECK(!strstr(r, "br1"));
	CHECK(strstr(r, "-D BERTH-ISO -o br0 -m conntrack ! --ctstate DNAT -j DROP\n"));
	CHECK(strstr(r, "-F BERTH-F-br0\n-X BERTH-F-br0\n"));
	CHECK(strstr(r, "-D OUTPUT -m addrtype --dst-type LOCAL -j BERTH-D-br0\n"));
	CHECK(strstr(r, "-X BERTH-D-br0\n") && !strstr(r, "-X BERTH-S-br0"));
	free(r);
	CHECK(fw_network_removal("br9", saved) == NULL);
	return 0;
}

TAP_MAIN({"setup", test_setup}, {"jumps once", test_jumps_once},
	 {"internal, no icc", test_internal_no_icc}, {"ports only", test_ports_only},
	 {"removal", test_removal})
