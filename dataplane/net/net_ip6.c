/*
 * net: IPv6 (RFC 8200), ICMPv6 (RFC 4443), neighbour discovery (RFC 4861)
 * and packet-too-big for path MTU discovery (RFC 8201). See net.h.
 *
 * Extension headers are not walked: datagrams carrying one are counted
 * (drop_ipv6_extension_header) and dropped; this includes fragments and the
 * hop-by-hop header of MLD reports, which a host that joins no group beyond
 * its solicited-node groups does not need.
 */
#include <string.h>

#include "net_pvt.h"

#define ICMP6_DEST_UNREACH   1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED  3
#define ICMP6_PARAM_PROBLEM  4
#define ICMP6_ECHO_REQUEST   128
#define ICMP6_ECHO_REPLY     129
#define ND_NEIGHBOR_SOLICIT  135
#define ND_NEIGHBOR_ADVERT   136
#define ND_OPT_SOURCE_LLADDR 1
#define ND_OPT_TARGET_LLADDR 2
#define ND_HOP_LIMIT	     255
#define ND_NA_FLAG_SOLICITED 0x40
#define ND_NA_FLAG_OVERRIDE  0x20
#define ND_MIN_LEN	     24 /* type, code, cksum, flags/reserved, target */
#define IP6_MIN_MTU	     1280

static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};

static bool
is_ours(const struct ife_net *net, const uint8_t *a)
{
	return memcmp(a, net->cfg.ip6, 16) == 0 || memcmp(a, net->ll6, 16) == 0;
}

static bool
is_our_solicited_node(const struct ife_net *net, const uint8_t *a)
{
	uint8_t sn[16];
	net_ip6_solicited_node(net->cfg.ip6, sn);
	if (memcmp(a, sn, 16) == 0)
		return true;
	net_ip6_solicited_node(net->ll6, sn);
	return memcmp(a, sn, 16) == 0;
}

static bool
is_ext_header(uint8_t nh)
{
	switch (nh) {
	case 0:	  /* hop-by-hop */
	case 43:  /* routing */
	case 44:  /* fragment */
	case 50:  /* ESP */
	case 51:  /* AH */
	case 60:  /* destination options */
	case 135: /* mobility */
	case 139: /* HIP */
	case 140: /* shim6 */
	case 253:
	case 254: /* experiments */
		return true;
	default:
		return false;
	}
}

static uint16_t
icmp6_cksum(const uint8_t *ip, const uint8_t *icmp, uint32_t len)
{
	return ife_net_l4_cksum(6, ip + 8, ip + 24, IP_PROTO_ICMPV6, icmp, len);
}

/* Walk ND options: every option must have a non-zero length and fit
 * (RFC 4861 7.1.1/7.1.2). Returns false if malformed; *ll gets the first
 * link-layer address option of @p want, or NULL. */
static bool
nd_options(const uint8_t *opt, uint32_t len, uint8_t want, const uint8_t **ll)
{
	*ll = NULL;
	while (len > 0) {
		if (len < 2)
			return false;
		uint32_t olen = (uint32_t)opt[1] * 8;
		if (olen == 0 || olen > len)
			return false;
		if (opt[0] == want && *ll == NULL && olen >= 8)
			*ll = opt + 2;
		opt += olen;
		len -= olen;
	}
	return true;
}

static enum ife_net_verdict
nd_solicit_input(struct ife_net *net, uint8_t *f, uint32_t cap, uint32_t ilen,
		 uint32_t *reply_len)
{
	uint8_t *ip = f + IFE_NET_ETH_HLEN;
	uint8_t *icmp = ip + IP6_HLEN;
	const uint8_t *ll;

	if (ip[7] != ND_HOP_LIMIT || icmp[1] != 0 || ilen < ND_MIN_LEN ||
	    ip6_is_multicast(icmp + 8) ||
	    !nd_options(icmp + ND_MIN_LEN, ilen - ND_MIN_LEN,
			ND_OPT_SOURCE_LLADDR, &ll))
		return net_drop(net, IFE_NET_CNT_DROP_NDP_INVALID);
	bool dad = ip6_is_zero(ip + 8);
	/* Duplicate address detection: to a solicited-node group, no SLLAO. */
	if (dad && (!is_our_solicited_node(net, ip + 24) || ll != NULL))
		return net_drop(net, IFE_NET_CNT_DROP_NDP_INVALID);
	if (!is_ours(net, icmp + 8))
		return net_drop(net, IFE_NET_CNT_DROP_NDP_NOT_FOR_US);
	if (!dad && ll != NULL)
		net_neigh_learn(net, 6, ip + 8, ll, true);

	const uint32_t need = IFE_NET_ETH_HLEN + IP6_HLEN + ND_MIN_LEN + 8;
	if (cap < need)
		return net_drop(net, IFE_NET_CNT_DROP_NO_ROOM);

	uint8_t target[16], peer[16], peer_mac[IFE_NET_ETH_ALEN];
	memcpy(target, icmp + 8, 16);
	memcpy(peer, dad ? all_nodes : ip + 8, 16);
	if (dad) {
		memcpy(peer_mac, net->mcast[0], IFE_NET_ETH_ALEN);
	} else {
		memcpy(peer_mac, f + 6, IFE_NET_ETH_ALEN);
	}

	/* Neighbour advertisement (RFC 4861 7.2.4), in place. */
	memcpy(f, peer_mac, IFE_NET_ETH_ALEN);
	memcpy(f + 6, net->cfg.mac, IFE_NET_ETH_ALEN);
	ip[0] = 0x60;
	ip[1] = ip[2] = ip[3] = 0;
	st16(ip + 4, ND_MIN_LEN + 8);
	ip[6] = IP_PROTO_ICMPV6;
	ip[7] = ND_HOP_LIMIT;
	memcpy(ip + 8, target, 16);
	memcpy(ip + 24, peer, 16);
	memset(icmp, 0, ND_MIN_LEN + 8);
	icmp[0] = ND_NEIGHBOR_ADVERT;
	icmp[4] = (uint8_t)((dad ? 0 : ND_NA_FLAG_SOLICITED) |
			    ND_NA_FLAG_OVERRIDE);
	memcpy(icmp + 8, target, 16);
	icmp[24] = ND_OPT_TARGET_LLADDR;
	icmp[25] = 1;
	memcpy(icmp + 26, net->cfg.mac, IFE_NET_ETH_ALEN);
	uint16_t c = icmp6_cksum(ip, icmp, ND_MIN_LEN + 8);
	memcpy(icmp + 2, &c, 2);
	*reply_len = need;
	net->cnt[IFE_NET_CNT_TX_NDP_ADVERT]++;
	return IFE_NET_TX;
}

static enum ife_net_verdict
nd_advert_input(struct ife_net *net, uint8_t *f, uint32_t ilen)
{
	uint8_t *ip = f + IFE_NET_ETH_HLEN;
	uint8_t *icmp = ip + IP6_HLEN;
	const uint8_t *ll;

	if (ip[7] != ND_HOP_LIMIT || icmp[1] != 0 || ilen < ND_MIN_LEN ||
	    ip6_is_multicast(icmp + 8) ||
	    (ip6_is_multicast(ip + 24) && (icmp[4] & ND_NA_FLAG_SOLICITED)) ||
	    !nd_options(icmp + ND_MIN_LEN, ilen - ND_MIN_LEN,
			ND_OPT_TARGET_LLADDR, &ll))
		return net_drop(net, IFE_NET_CNT_DROP_NDP_INVALID);
	if (is_ours(net, icmp + 8))
		return net_drop(net, IFE_NET_CNT_DROP_NDP_INVALID);
	/* RFC 4861 7.2.5: update an entry we hold; never create one. */
	if (ll != NULL && !mac_is_multicast(ll))
		net_neigh_learn(net, 6, icmp + 8, ll, false);
	return net_drop(net, IFE_NET_CNT_DROP_NDP_ADVERT);
}

static enum ife_net_verdict
packet_too_big(struct ife_net *net, const uint8_t *icmp, uint32_t ilen,
	       struct ife_net_rx *rx)
{
	const uint8_t *q = icmp + 8;
	if (icmp[1] != 0 || ilen < 8 + IP6_HLEN + 8 || (q[0] >> 4) != 6 ||
	    !is_ours(net, q + 8))
		return net_drop(net, IFE_NET_CNT_DROP_ICMP_ERR_INVALID);
	uint8_t proto = q[6];
	if (proto >= 64 || !((net->cfg.l4_protos >> proto) & 1))
		return net_drop(net, IFE_NET_CNT_DROP_ICMP_ERR_IGNORED);
	uint32_t mtu = ld32(icmp + 4);
	if (mtu < IP6_MIN_MTU) {
		/* RFC 8201 section 4: never below the IPv6 minimum. */
		mtu = IP6_MIN_MTU;
		net->cnt[IFE_NET_CNT_PMTU_CLAMPED]++;
	} else if (mtu > 65535) {
		mtu = 65535;
	}
	if (rx != NULL) {
		memset(rx, 0, sizeof(*rx));
		rx->family = 6;
		rx->proto = proto;
		rx->l4_off = IFE_NET_ETH_HLEN + IP6_HLEN + 8 + IP6_HLEN;
		rx->l4_len = (uint16_t)(ilen - 8 - IP6_HLEN);
		rx->mtu = (uint16_t)mtu;
		memcpy(rx->src, q + 8, 16);
		memcpy(rx->dst, q + 24, 16);
	}
	net->cnt[IFE_NET_CNT_ICMP_ERR_DELIVERED]++;
	return IFE_NET_ICMP_ERR;
}

static enum ife_net_verdict
icmp6_input(struct ife_net *net, uint8_t *f, uint32_t cap, uint32_t ilen,
	    bool unicast, uint32_t *reply_len, struct ife_net_rx *rx)
{
	uint8_t *ip = f + IFE_NET_ETH_HLEN;
	uint8_t *icmp = ip + IP6_HLEN;

	if (ilen < 4)
		return net_drop(net, IFE_NET_CNT_DROP_ICMP6_TRUNC);
	if (icmp6_cksum(ip, icmp, ilen) != 0)
		return net_drop(net, IFE_NET_CNT_DROP_ICMP6_CSUM);
	if (ip6_is_zero(ip + 8) && icmp[0] != ND_NEIGHBOR_SOLICIT)
		return net_drop(net, IFE_NET_CNT_DROP_IP6_BAD_SRC);

	switch (icmp[0]) {
	case ICMP6_ECHO_REQUEST:
		break;
	case ND_NEIGHBOR_SOLICIT:
		return nd_solicit_input(net, f, cap, ilen, reply_len);
	case ND_NEIGHBOR_ADVERT:
		return nd_advert_input(net, f, ilen);
	case ICMP6_PACKET_TOO_BIG:
		return packet_too_big(net, icmp, ilen, rx);
	case ICMP6_DEST_UNREACH:
	case ICMP6_TIME_EXCEEDED:
	case ICMP6_PARAM_PROBLEM:
		return net_drop(net, IFE_NET_CNT_DROP_ICMP_ERR_IGNORED);
	default:
		return net_drop(net, IFE_NET_CNT_DROP_ICMP6_TYPE);
	}

	if (ilen < 8 || icmp[1] != 0)
		return net_drop(net, IFE_NET_CNT_DROP_ICMP6_TRUNC);
	/* RFC 4443 4.1 lets a node answer multicast echo; we do not, so a
	 * ping of ff02::1 cannot make every worker reply at once. */
	if (!unicast)
		return net_drop(net, IFE_NET_CNT_DROP_ICMP6_MCAST_ECHO);

	uint8_t tmp[16];
	memcpy(tmp, ip + 8, 16);
	memcpy(ip + 8, ip + 24, 16);
	memcpy(ip + 24, tmp, 16);
	ip[7] = IP_DEFAULT_TTL;
	icmp[0] = ICMP6_ECHO_REPLY;
	icmp[2] = icmp[3] = 0;
	uint16_t c = icmp6_cksum(ip, icmp, ilen);
	memcpy(icmp + 2, &c, 2);
	uint8_t mac[IFE_NET_ETH_ALEN];
	memcpy(mac, f + 6, IFE_NET_ETH_ALEN);
	memcpy(f, mac, IFE_NET_ETH_ALEN);
	memcpy(f + 6, net->cfg.mac, IFE_NET_ETH_ALEN);
	*reply_len = IFE_NET_ETH_HLEN + IP6_HLEN + ilen;
	net->cnt[IFE_NET_CNT_TX_ICMP6_ECHO_REPLY]++;
	return IFE_NET_TX;
}

enum ife_net_verdict
net_ip6_input(struct ife_net *net, uint8_t *f, uint32_t len, uint32_t cap,
	      uint32_t *reply_len, struct ife_net_rx *rx)
{
	const uint32_t off = IFE_NET_ETH_HLEN;

	if (ip6_is_zero(net->cfg.ip6))
		return net_drop(net, IFE_NET_CNT_DROP_IP6_DISABLED);
	if (len < off + IP6_HLEN)
		return net_drop(net, IFE_NET_CNT_DROP_IP6_TRUNC);
	uint8_t *ip = f + off;
	if ((ip[0] >> 4) != 6)
		return net_drop(net, IFE_NET_CNT_DROP_IP6_VERSION);
	uint32_t plen = ld16(ip + 4);
	/* Payload length 0 means a jumbogram (RFC 2675): not supported. */
	if (plen == 0 || off + IP6_HLEN + plen > len)
		return net_drop(net, IFE_NET_CNT_DROP_IP6_LEN);

	const uint8_t *src = ip + 8, *dst = ip + 24;
	static const uint8_t loopback[16] = {[15] = 1};
	if (ip6_is_multicast(src) || memcmp(src, loopback, 16) == 0 ||
	    is_ours(net, src))
		return net_drop(net, IFE_NET_CNT_DROP_IP6_BAD_SRC);
	bool unicast = is_ours(net, dst);
	if (!unicast && memcmp(dst, all_nodes, 16) != 0 &&
	    !is_our_solicited_node(net, dst))
		return net_drop(net, IFE_NET_CNT_DROP_IP6_NOT_FOR_US);

	uint8_t nh = ip[6];
	if (nh == IP_PROTO_ICMPV6)
		return icmp6_input(net, f, cap, plen, unicast, reply_len, rx);
	if (ip6_is_zero(src))
		return net_drop(net, IFE_NET_CNT_DROP_IP6_BAD_SRC);
	if (is_ext_header(nh))
		return net_drop(net, IFE_NET_CNT_DROP_IP6_EXT);
	if (unicast && nh < 64 && (net->cfg.l4_protos >> nh) & 1) {
		if (rx != NULL) {
			memset(rx, 0, sizeof(*rx));
			rx->family = 6;
			rx->proto = nh;
			rx->l4_off = (uint16_t)(off + IP6_HLEN);
			rx->l4_len = (uint16_t)plen;
			memcpy(rx->src, src, 16);
			memcpy(rx->dst, dst, 16);
		}
		net_neigh_passive(net, 6, src, f + 6);
		net->cnt[IFE_NET_CNT_L4_DELIVERED]++;
		return IFE_NET_L4;
	}
	return net_drop(net, IFE_NET_CNT_DROP_IP6_PROTO);
}
