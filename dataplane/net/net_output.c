/*
 * net: the output path. Prepends IPv4/IPv6 and Ethernet headers to a
 * transport segment, resolves the next hop in the neighbour cache, and
 * writes the ARP request / neighbour solicitation when it is unknown.
 */
#include <errno.h>
#include <string.h>

#include "imapfe/err.h"
#include "net_pvt.h"

static bool
prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;
	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

/* Next hop for @p dst: the destination itself when on-link, else the
 * configured gateway. Writes a 16-byte cache key. */
static void
next_hop(const struct ife_net *net, uint8_t family, const uint8_t *dst,
	 uint8_t key[16])
{
	memset(key, 0, 16);
	if (family == 4) {
		const uint8_t *ours = (const uint8_t *)&net->cfg.ip4;
		if (net->cfg.gw4 != 0 && net->cfg.ip4_prefix != 0 &&
		    !prefix_match(dst, ours, net->cfg.ip4_prefix))
			memcpy(key, &net->cfg.gw4, 4);
		else
			memcpy(key, dst, 4);
		return;
	}
	bool link_local = dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80;
	if (!link_local && !ip6_is_zero(net->cfg.gw6) &&
	    net->cfg.ip6_prefix != 0 &&
	    !prefix_match(dst, net->cfg.ip6, net->cfg.ip6_prefix))
		memcpy(key, net->cfg.gw6, 16);
	else
		memcpy(key, dst, 16);
}

int
ife_net_output(struct ife_net *net, uint8_t *l4, uint32_t l4_len,
	       uint32_t headroom, const struct ife_net_tx *tx, uint8_t **frame,
	       uint32_t *frame_len)
{
	uint32_t ip_hlen;
	if (tx->family == 4)
		ip_hlen = 20;
	else if (tx->family == 6 && !ip6_is_zero(net->cfg.ip6))
		ip_hlen = IP6_HLEN;
	else
		return -EINVAL;
	if (headroom < IFE_NET_ETH_HLEN + ip_hlen)
		return -ENOSPC;
	if (l4_len > 65535 - (tx->family == 4 ? ip_hlen : 0))
		return -EINVAL;

	uint8_t hop[16], mac[IFE_NET_ETH_ALEN];
	next_hop(net, tx->family, tx->dst, hop);
	if (!ife_net_neigh_lookup(net, tx->family, hop, mac)) {
		net->cnt[IFE_NET_CNT_OUT_NO_NEIGHBOR]++;
		return IFE_AGAIN;
	}

	uint8_t *ip = l4 - ip_hlen;
	if (tx->family == 4) {
		ip[0] = 0x45;
		ip[1] = 0;
		st16(ip + 2, (uint16_t)(20 + l4_len));
		st16(ip + 4, net->ip_id++);
		st16(ip + 6, 0x4000); /* DF: we do path MTU discovery */
		ip[8] = IP_DEFAULT_TTL;
		ip[9] = tx->proto;
		ip[10] = ip[11] = 0;
		memcpy(ip + 12, tx->src, 4);
		memcpy(ip + 16, tx->dst, 4);
		/* Offloaded: DPDK wants the field 0 under
		 * RTE_MBUF_F_TX_IP_CKSUM (the port sums the header as is). */
		if (!net->cfg.tx_ip4_cksum_offload) {
			uint16_t c = ife_net_cksum(ip, 20);
			memcpy(ip + 10, &c, 2);
		}
	} else {
		ip[0] = 0x60;
		ip[1] = ip[2] = ip[3] = 0;
		st16(ip + 4, (uint16_t)l4_len);
		ip[6] = tx->proto;
		ip[7] = IP_DEFAULT_TTL;
		memcpy(ip + 8, tx->src, 16);
		memcpy(ip + 24, tx->dst, 16);
	}
	uint8_t *f = ip - IFE_NET_ETH_HLEN;
	memcpy(f, mac, IFE_NET_ETH_ALEN);
	memcpy(f + 6, net->cfg.mac, IFE_NET_ETH_ALEN);
	st16(f + 12, tx->family == 4 ? ETH_TYPE_IPV4 : ETH_TYPE_IPV6);
	*frame = f;
	*frame_len = IFE_NET_ETH_HLEN + ip_hlen + l4_len;
	net->cnt[IFE_NET_CNT_OUT_FRAMES]++;
	return 0;
}

static uint32_t
arp_request(const struct ife_net *net, const uint8_t *target, uint8_t *f)
{
	memset(f, 0xff, IFE_NET_ETH_ALEN);
	memcpy(f + 6, net->cfg.mac, IFE_NET_ETH_ALEN);
	st16(f + 12, ETH_TYPE_ARP);
	uint8_t *a = f + IFE_NET_ETH_HLEN;
	st16(a, 1);
	st16(a + 2, ETH_TYPE_IPV4);
	a[4] = IFE_NET_ETH_ALEN;
	a[5] = 4;
	st16(a + 6, 1);
	memcpy(a + 8, net->cfg.mac, IFE_NET_ETH_ALEN);
	memcpy(a + 14, &net->cfg.ip4, 4);
	memset(a + 18, 0, IFE_NET_ETH_ALEN);
	memcpy(a + 24, target, 4);
	return IFE_NET_ARP_FRAME_LEN;
}

uint32_t
ife_net_garp(const struct ife_net *net, uint8_t *f)
{
	/* RFC 5227 ARP announcement: a request with sender == target. */
	return arp_request(net, (const uint8_t *)&net->cfg.ip4, f);
}

uint32_t
ife_net_solicit(struct ife_net *net, uint8_t family, const uint8_t dst[16],
		uint8_t *f)
{
	if (family != 4 && (family != 6 || ip6_is_zero(net->cfg.ip6)))
		return 0;
	uint8_t hop[16];
	next_hop(net, family, dst, hop);
	if (!net_neigh_mark_incomplete(net, family, hop))
		return 0;
	net->cnt[IFE_NET_CNT_OUT_SOLICIT]++;
	if (family == 4)
		return arp_request(net, hop, f);

	/* Neighbour solicitation (RFC 4861 7.2.2) to the solicited-node
	 * group, from the address of the same scope. */
	uint8_t sn[16];
	net_ip6_solicited_node(hop, sn);
	bool ll = hop[0] == 0xfe && (hop[1] & 0xc0) == 0x80;
	f[0] = f[1] = 0x33;
	memcpy(f + 2, sn + 12, 4);
	memcpy(f + 6, net->cfg.mac, IFE_NET_ETH_ALEN);
	st16(f + 12, ETH_TYPE_IPV6);
	uint8_t *ip = f + IFE_NET_ETH_HLEN, *icmp = ip + IP6_HLEN;
	ip[0] = 0x60;
	ip[1] = ip[2] = ip[3] = 0;
	st16(ip + 4, 32);
	ip[6] = IP_PROTO_ICMPV6;
	ip[7] = 255;
	memcpy(ip + 8, ll ? net->ll6 : net->cfg.ip6, 16);
	memcpy(ip + 24, sn, 16);
	memset(icmp, 0, 32);
	icmp[0] = 135;
	memcpy(icmp + 8, hop, 16);
	icmp[24] = 1; /* source link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, net->cfg.mac, IFE_NET_ETH_ALEN);
	uint16_t c =
		ife_net_l4_cksum(6, ip + 8, ip + 24, IP_PROTO_ICMPV6, icmp, 32);
	memcpy(icmp + 2, &c, 2);
	return IFE_NET_NS_FRAME_LEN;
}
