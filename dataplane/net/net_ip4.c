/*
 * net: ARP (RFC 826, RFC 5227), IPv4 (RFC 791, RFC 1122) and ICMP
 * (RFC 792, RFC 1191) input. See net.h for the verdict contract.
 */
#include <string.h>

#include "net_pvt.h"

#define ARP_LEN		28
#define ARP_HTYPE_ETHER 1
#define ARP_OP_REQUEST	1
#define ARP_OP_REPLY	2

#define IP_MIN_HLEN	 20
#define IP_FLAG_MF	 0x2000
#define IP_FRAG_OFF_MASK 0x1fff

#define ICMP_HLEN	      8
#define ICMP_ECHO_REPLY	      0
#define ICMP_DEST_UNREACH     3
#define ICMP_CODE_FRAG_NEEDED 4
#define ICMP_ECHO_REQUEST     8
#define ICMP_TIME_EXCEEDED    11
#define ICMP_PARAM_PROBLEM    12
/* RFC 1191 section 5: never go below the minimum every host accepts. */
#define IP4_MIN_PMTU 576

/* Limited broadcast, multicast (224/4), reserved (240/4), 0/8 and loopback
 * are never valid sources of a unicast datagram (RFC 1122 3.2.1.3). */
static bool
ip_is_martian_src(uint32_t ip_n)
{
	const uint8_t *b = (const uint8_t *)&ip_n;
	return b[0] == 0 || b[0] == 127 || b[0] >= 224;
}

enum ife_net_verdict
net_arp_input(struct ife_net *net, uint8_t *f, uint32_t len,
	      uint32_t *reply_len)
{
	if (len < IFE_NET_ETH_HLEN + ARP_LEN)
		return net_drop(net, IFE_NET_CNT_DROP_ARP_TRUNC);

	uint8_t *a = f + IFE_NET_ETH_HLEN;
	if (ld16(a) != ARP_HTYPE_ETHER || ld16(a + 2) != ETH_TYPE_IPV4 ||
	    a[4] != IFE_NET_ETH_ALEN || a[5] != 4)
		return net_drop(net, IFE_NET_CNT_DROP_ARP_FORMAT);

	uint16_t op = ld16(a + 6);
	const uint8_t *sha = a + 8;
	uint32_t spa = ld32n(a + 14);
	uint32_t tpa = ld32n(a + 24);

	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)
		return net_drop(net, IFE_NET_CNT_DROP_ARP_OP);
	if (mac_is_multicast(sha) || mac_is_zero(sha))
		return net_drop(net, IFE_NET_CNT_DROP_ARP_BAD_SENDER);
	if (spa == net->cfg.ip4 &&
	    memcmp(sha, net->cfg.mac, IFE_NET_ETH_ALEN) != 0)
		return net_drop(net, IFE_NET_CNT_DROP_ARP_CONFLICT);

	if (tpa != net->cfg.ip4) {
		/* A gratuitous announcement refreshes an entry we hold but
		 * never creates one (RFC 826 "merge flag"). */
		if (spa != 0 && spa == tpa)
			net_neigh_learn(net, 4, a + 14, sha, false);
		return net_drop(net, IFE_NET_CNT_DROP_ARP_NOT_FOR_US);
	}
	/* ARP probes (RFC 5227) have sender address 0: nothing to learn. */
	if (spa != 0 && !ip_is_martian_src(spa))
		net_neigh_learn(net, 4, a + 14, sha, true);
	if (op == ARP_OP_REPLY)
		return net_drop(net, IFE_NET_CNT_DROP_ARP_REPLY);

	/* Turn the request into our reply, in place. */
	uint8_t req_sha[IFE_NET_ETH_ALEN];
	memcpy(req_sha, sha, IFE_NET_ETH_ALEN);
	st16(a + 6, ARP_OP_REPLY);
	memcpy(a + 18, req_sha, IFE_NET_ETH_ALEN); /* tha */
	memcpy(a + 24, a + 14, 4);		   /* tpa = requester */
	memcpy(a + 8, net->cfg.mac, IFE_NET_ETH_ALEN);
	memcpy(a + 14, &net->cfg.ip4, 4);
	memcpy(f, req_sha, IFE_NET_ETH_ALEN);
	memcpy(f + 6, net->cfg.mac, IFE_NET_ETH_ALEN);
	*reply_len = IFE_NET_ETH_HLEN + ARP_LEN;
	net->cnt[IFE_NET_CNT_TX_ARP_REPLY]++;
	return IFE_NET_TX;
}

/* Fragmentation needed (RFC 1191): validate the quoted datagram (it must
 * be one of ours, of a registered transport) and hand it up. Other ICMP
 * errors are soft errors for TCP (RFC 5461) and are only counted. */
static enum ife_net_verdict
icmp_error(struct ife_net *net, const uint8_t *icmp, uint32_t icmp_len,
	   uint32_t icmp_off, struct ife_net_rx *rx)
{
	if (icmp[0] != ICMP_DEST_UNREACH || icmp[1] != ICMP_CODE_FRAG_NEEDED)
		return net_drop(net, IFE_NET_CNT_DROP_ICMP_ERR_IGNORED);
	const uint8_t *q = icmp + ICMP_HLEN;
	uint32_t qlen = icmp_len - ICMP_HLEN;
	if (qlen < IP_MIN_HLEN || (q[0] >> 4) != 4)
		return net_drop(net, IFE_NET_CNT_DROP_ICMP_ERR_INVALID);
	uint32_t qhlen = (uint32_t)(q[0] & 0x0f) * 4;
	/* RFC 792: the quote holds the header and 8 bytes of data. */
	if (qhlen < IP_MIN_HLEN || qlen < qhlen + 8 ||
	    ld32n(q + 12) != net->cfg.ip4)
		return net_drop(net, IFE_NET_CNT_DROP_ICMP_ERR_INVALID);
	uint8_t proto = q[9];
	if (proto >= 64 || !((net->cfg.l4_protos >> proto) & 1))
		return net_drop(net, IFE_NET_CNT_DROP_ICMP_ERR_IGNORED);

	uint32_t mtu = ld16(icmp + 6);
	if (mtu < IP4_MIN_PMTU) {
		/* Zero (pre-RFC 1191 routers) or implausibly small. */
		mtu = IP4_MIN_PMTU;
		net->cnt[IFE_NET_CNT_PMTU_CLAMPED]++;
	}
	if (rx != NULL) {
		memset(rx, 0, sizeof(*rx));
		rx->family = 4;
		rx->proto = proto;
		rx->l4_off = (uint16_t)(icmp_off + ICMP_HLEN + qhlen);
		rx->l4_len = (uint16_t)(qlen - qhlen);
		rx->mtu = (uint16_t)mtu;
		memcpy(rx->src, q + 12, 4);
		memcpy(rx->dst, q + 16, 4);
	}
	net->cnt[IFE_NET_CNT_ICMP_ERR_DELIVERED]++;
	return IFE_NET_ICMP_ERR;
}

static enum ife_net_verdict
icmp_input(struct ife_net *net, uint8_t *f, uint32_t hlen, uint32_t tot_len,
	   uint32_t *reply_len, struct ife_net_rx *rx)
{
	uint8_t *ip = f + IFE_NET_ETH_HLEN;
	uint8_t *icmp = ip + hlen;
	uint32_t icmp_len = tot_len - hlen;

	if (icmp_len < ICMP_HLEN)
		return net_drop(net, IFE_NET_CNT_DROP_ICMP_TRUNC);
	if (ife_net_cksum(icmp, icmp_len) != 0)
		return net_drop(net, IFE_NET_CNT_DROP_ICMP_CSUM);
	if (icmp[0] == ICMP_DEST_UNREACH || icmp[0] == ICMP_TIME_EXCEEDED ||
	    icmp[0] == ICMP_PARAM_PROBLEM)
		return icmp_error(net, icmp, icmp_len, IFE_NET_ETH_HLEN + hlen,
				  rx);
	if (icmp[0] != ICMP_ECHO_REQUEST || icmp[1] != 0)
		return net_drop(net, IFE_NET_CNT_DROP_ICMP_TYPE);

	/* Echo reply (RFC 792, RFC 1122 3.2.2.6): same id, sequence and data,
	 * addresses swapped. IP options are reflected as they came. */
	icmp[0] = ICMP_ECHO_REPLY;
	icmp[2] = icmp[3] = 0;
	uint16_t c = ife_net_cksum(icmp, icmp_len);
	memcpy(icmp + 2, &c, 2);

	uint8_t tmp[4];
	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	ip[8] = IP_DEFAULT_TTL;
	st16(ip + 6, 0); /* clear DF/MF/offset: a fresh datagram */
	ip[10] = ip[11] = 0;
	c = ife_net_cksum(ip, hlen);
	memcpy(ip + 10, &c, 2);

	uint8_t mac[IFE_NET_ETH_ALEN];
	memcpy(mac, f + 6, IFE_NET_ETH_ALEN);
	memcpy(f, mac, IFE_NET_ETH_ALEN);
	memcpy(f + 6, net->cfg.mac, IFE_NET_ETH_ALEN);
	/* Trailing Ethernet padding is not part of the reply. */
	*reply_len = IFE_NET_ETH_HLEN + tot_len;
	net->cnt[IFE_NET_CNT_TX_ICMP_ECHO_REPLY]++;
	return IFE_NET_TX;
}

enum ife_net_verdict
net_ip4_input(struct ife_net *net, uint8_t *f, uint32_t len,
	      uint32_t *reply_len, struct ife_net_rx *rx)
{
	const uint32_t off = IFE_NET_ETH_HLEN;

	if (len < off + IP_MIN_HLEN)
		return net_drop(net, IFE_NET_CNT_DROP_IP_TRUNC);
	uint8_t *ip = f + off;
	if ((ip[0] >> 4) != 4)
		return net_drop(net, IFE_NET_CNT_DROP_IP_VERSION);
	uint32_t hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	if (hlen < IP_MIN_HLEN)
		return net_drop(net, IFE_NET_CNT_DROP_IP_HLEN);
	if (len < off + hlen)
		return net_drop(net, IFE_NET_CNT_DROP_IP_TRUNC);
	uint32_t tot_len = ld16(ip + 2);
	if (tot_len < hlen || off + tot_len > len)
		return net_drop(net, IFE_NET_CNT_DROP_IP_LEN);
	if (ife_net_cksum(ip, hlen) != 0)
		return net_drop(net, IFE_NET_CNT_DROP_IP_CSUM);

	uint32_t src = ld32n(ip + 12), dst = ld32n(ip + 16);
	if (dst != net->cfg.ip4)
		return net_drop(net, IFE_NET_CNT_DROP_IP_NOT_FOR_US);
	if (ip_is_martian_src(src) || src == net->cfg.ip4)
		return net_drop(net, IFE_NET_CNT_DROP_IP_BAD_SRC);
	/* Reassembly is not done: fragments are counted and dropped. */
	uint16_t frag = ld16(ip + 6);
	if ((frag & IP_FLAG_MF) || (frag & IP_FRAG_OFF_MASK))
		return net_drop(net, IFE_NET_CNT_DROP_IP_FRAG);

	uint8_t proto = ip[9];
	if (proto == IP_PROTO_ICMP)
		return icmp_input(net, f, hlen, tot_len, reply_len, rx);
	if (proto < 64 && (net->cfg.l4_protos >> proto) & 1) {
		if (rx != NULL) {
			memset(rx, 0, sizeof(*rx));
			rx->family = 4;
			rx->proto = proto;
			rx->l4_off = (uint16_t)(off + hlen);
			rx->l4_len = (uint16_t)(tot_len - hlen);
			memcpy(rx->src, ip + 12, 4);
			memcpy(rx->dst, ip + 16, 4);
		}
		net_neigh_passive(net, 4, ip + 12, f + 6);
		net->cnt[IFE_NET_CNT_L4_DELIVERED]++;
		return IFE_NET_L4;
	}
	return net_drop(net, IFE_NET_CNT_DROP_IP_PROTO);
}
