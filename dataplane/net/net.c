/*
 * net: initialisation, counters, checksums, the neighbour cache and the
 * Ethernet dispatch (see net.h). Per-family input lives in net_ip4.c and
 * net_ip6.c, the output path in net_output.c.
 *
 * Frames are parsed by byte offset with bounded loads, so any alignment and
 * any length is safe; every field access is preceded by a length check.
 */
#include <errno.h>
#include <string.h>

#include "imapfe/csum.h"
#include "net_pvt.h"

static const char *const counter_names[IFE_NET_CNT_MAX] = {
#define IFE_NET_X_NAME(id, name) [IFE_NET_CNT_##id] = name,
	IFE_NET_COUNTERS(IFE_NET_X_NAME)
#undef IFE_NET_X_NAME
};

const char *
ife_net_counter_name(enum ife_net_counter c)
{
	if ((unsigned)c >= IFE_NET_CNT_MAX)
		return "unknown";
	return counter_names[c];
}

uint32_t
net_sum(uint32_t sum, const uint8_t *p, uint32_t len)
{
	/* ife_csum() sums host-order words and this layer network-order
	 * ones: the folded host-order sum, stored and read back as a
	 * big-endian word, is the same sum (RFC 1071 2 (B)). */
	uint16_t h = ife_csum_fold16(ife_csum(p, len, 0));
	uint8_t b[2];
	memcpy(b, &h, 2);
	return ife_csum_fold64((uint64_t)sum + (uint32_t)((b[0] << 8) | b[1]));
}

uint16_t
net_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	uint16_t host = (uint16_t)~sum;
	uint8_t out[2] = {(uint8_t)(host >> 8), (uint8_t)host};
	uint16_t n;
	memcpy(&n, out, 2);
	return n;
}

uint16_t
ife_net_cksum(const void *data, uint32_t len)
{
	return net_fold(net_sum(0, data, len));
}

uint16_t
ife_net_l4_cksum(uint8_t family, const uint8_t src[16], const uint8_t dst[16],
		 uint8_t proto, const void *l4, uint32_t len)
{
	uint32_t s;
	if (family == 4) {
		s = net_sum(0, src, 4);
		s = net_sum(s, dst, 4);
		s += proto;
		s += len & 0xffff;
	} else {
		s = net_sum(0, src, 16);
		s = net_sum(s, dst, 16);
		s += (len >> 16) + (len & 0xffff);
		s += proto;
	}
	return net_fold(net_sum(s, l4, len));
}

void
net_ip6_solicited_node(const uint8_t a[16], uint8_t out[16])
{
	static const uint8_t pfx[13] = {0xff, 0x02, 0, 0, 0, 0,	  0,
					0,    0,    0, 0, 1, 0xff};
	memcpy(out, pfx, 13);
	memcpy(out + 13, a + 13, 3);
}

static void
mcast_mac_of(const uint8_t ip6[16], uint8_t mac[IFE_NET_ETH_ALEN])
{
	/* RFC 2464 section 7: 33:33 + the low 32 bits of the group. */
	mac[0] = mac[1] = 0x33;
	memcpy(mac + 2, ip6 + 12, 4);
}

int
ife_net_init(struct ife_net *net, const struct ife_net_cfg *cfg)
{
	const uint8_t *b = (const uint8_t *)&cfg->ip4;
	if (mac_is_zero(cfg->mac) || mac_is_multicast(cfg->mac) ||
	    cfg->ip4 == 0 || b[0] == 127 || b[0] >= 224 ||
	    ip6_is_multicast(cfg->ip6) || cfg->ip4_prefix > 32 ||
	    cfg->ip6_prefix > 128)
		return -EINVAL;
	memset(net, 0, sizeof(*net));
	net->cfg = *cfg;

	/* Link-local address from the MAC (RFC 4291 appendix A). */
	net->ll6[0] = 0xfe;
	net->ll6[1] = 0x80;
	memcpy(net->ll6 + 8, cfg->mac, 3);
	net->ll6[8] ^= 0x02;
	net->ll6[11] = 0xff;
	net->ll6[12] = 0xfe;
	memcpy(net->ll6 + 13, cfg->mac + 3, 3);

	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	uint8_t sn[16];
	mcast_mac_of(all_nodes, net->mcast[0]);
	net_ip6_solicited_node(net->ll6, sn);
	mcast_mac_of(sn, net->mcast[1]);
	net_ip6_solicited_node(ip6_is_zero(cfg->ip6) ? net->ll6 : cfg->ip6, sn);
	mcast_mac_of(sn, net->mcast[2]);
	return 0;
}

static unsigned
neigh_slot(uint8_t family, const uint8_t *addr)
{
	/* Multiplicative hashing of the address words: cheap, spreads a
	 * subnet well, and no attacker controls which slot wins for long
	 * because entries are only created for neighbours that talk to us. */
	uint32_t w[4];
	memcpy(w, addr, 16);
	uint32_t h = (w[0] ^ w[1] ^ w[2] ^ w[3] ^ family) * 2654435769u;
	return (h >> 24) & (IFE_NET_NEIGH_SLOTS - 1);
}

#define NEIGH_PROBE 8

static struct ife_net_neigh *
neigh_find(const struct ife_net *net, uint8_t family, const uint8_t *addr,
	   struct ife_net_neigh **victim)
{
	unsigned base = neigh_slot(family, addr);
	struct ife_net_neigh *oldest = NULL;

	for (unsigned i = 0; i < NEIGH_PROBE; i++) {
		struct ife_net_neigh *e =
			(struct ife_net_neigh *)&net
				->neigh[(base + i) & (IFE_NET_NEIGH_SLOTS - 1)];
		if (e->family == family && memcmp(e->addr, addr, 16) == 0)
			return e;
		if (e->family == 0) {
			if (oldest == NULL || oldest->family != 0)
				oldest = e;
			continue;
		}
		if (oldest == NULL ||
		    (oldest->family != 0 && e->updated < oldest->updated))
			oldest = e;
	}
	if (victim)
		*victim = oldest;
	return NULL;
}

void
net_neigh_learn(struct ife_net *net, uint8_t family, const uint8_t *addr,
		const uint8_t *mac, bool create)
{
	uint8_t key[16] = {0};
	memcpy(key, addr, family == 4 ? 4 : 16);
	struct ife_net_neigh *victim = NULL;
	struct ife_net_neigh *e = neigh_find(net, family, key, &victim);
	if (e == NULL) {
		if (!create)
			return;
		e = victim; /* a free slot or the oldest in the window */
	}
	if (e->family != family || e->state != NEIGH_REACHABLE ||
	    memcmp(e->mac, mac, IFE_NET_ETH_ALEN) != 0)
		net->cnt[IFE_NET_CNT_NEIGH_LEARNED]++;
	memcpy(e->addr, key, 16);
	e->family = family;
	e->state = NEIGH_REACHABLE;
	memcpy(e->mac, mac, IFE_NET_ETH_ALEN);
	e->updated = net->now;
}

static bool
on_link(const struct ife_net *net, uint8_t family, const uint8_t *a)
{
	const uint8_t *ours =
		family == 4 ? (const uint8_t *)&net->cfg.ip4 : net->cfg.ip6;
	unsigned bits = family == 4 ? net->cfg.ip4_prefix : net->cfg.ip6_prefix;
	if (family == 6 && a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return true;
	if (bits == 0)
		return true;
	unsigned bytes = bits / 8, rest = bits % 8;
	if (memcmp(a, ours, bytes) != 0)
		return false;
	return rest == 0 ||
	       ((a[bytes] ^ ours[bytes]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

void
net_neigh_passive(struct ife_net *net, uint8_t family, const uint8_t *src_ip,
		  const uint8_t *src_mac)
{
	uint8_t key[16] = {0}, mac[IFE_NET_ETH_ALEN];
	memcpy(key, src_ip, family == 4 ? 4 : 16);
	if (!on_link(net, family, key) ||
	    ife_net_neigh_lookup(net, family, key, mac))
		return;
	net_neigh_learn(net, family, key, src_mac, true);
}

bool
net_neigh_mark_incomplete(struct ife_net *net, uint8_t family,
			  const uint8_t *key)
{
	struct ife_net_neigh *victim = NULL;
	struct ife_net_neigh *e = neigh_find(net, family, key, &victim);
	if (e != NULL) {
		if (e->state == NEIGH_INCOMPLETE &&
		    net->now - e->updated < net->cfg.solicit_interval)
			return false;
		if (e->state == NEIGH_REACHABLE &&
		    (net->cfg.neigh_max_age == 0 ||
		     net->now - e->updated <= net->cfg.neigh_max_age))
			return false;
	} else {
		e = victim;
		memcpy(e->addr, key, 16);
		e->family = family;
	}
	e->state = NEIGH_INCOMPLETE;
	memset(e->mac, 0, IFE_NET_ETH_ALEN);
	e->updated = net->now;
	return true;
}

bool
ife_net_neigh_lookup(const struct ife_net *net, uint8_t family,
		     const uint8_t addr[16], uint8_t mac[IFE_NET_ETH_ALEN])
{
	uint8_t key[16] = {0};
	memcpy(key, addr, family == 4 ? 4 : 16);
	const struct ife_net_neigh *e = neigh_find(net, family, key, NULL);
	if (e == NULL || e->state != NEIGH_REACHABLE)
		return false;
	if (net->cfg.neigh_max_age != 0 &&
	    net->now - e->updated > net->cfg.neigh_max_age)
		return false;
	memcpy(mac, e->mac, IFE_NET_ETH_ALEN);
	return true;
}

bool
ife_net_arp_lookup(const struct ife_net *net, uint32_t ip,
		   uint8_t mac[IFE_NET_ETH_ALEN])
{
	uint8_t a[16] = {0};
	memcpy(a, &ip, 4);
	return ife_net_neigh_lookup(net, 4, a, mac);
}

static bool
dst_mac_accepted(const struct ife_net *net, const uint8_t *dst)
{
	static const uint8_t bcast[IFE_NET_ETH_ALEN] = {0xff, 0xff, 0xff,
							0xff, 0xff, 0xff};
	if (memcmp(dst, net->cfg.mac, IFE_NET_ETH_ALEN) == 0 ||
	    memcmp(dst, bcast, IFE_NET_ETH_ALEN) == 0)
		return true;
	if (dst[0] != 0x33 || dst[1] != 0x33)
		return false;
	for (int i = 0; i < 3; i++)
		if (memcmp(dst, net->mcast[i], IFE_NET_ETH_ALEN) == 0)
			return true;
	return false;
}

enum ife_net_verdict
ife_net_input(struct ife_net *net, uint8_t *frame, uint32_t len, uint32_t cap,
	      uint32_t *reply_len, struct ife_net_rx *rx)
{
	net->cnt[IFE_NET_CNT_RX]++;
	if (len < IFE_NET_ETH_HLEN)
		return net_drop(net, IFE_NET_CNT_DROP_ETH_RUNT);
	if (cap < len)
		cap = len;

	const uint8_t *src = frame + 6;
	if (mac_is_multicast(src) || mac_is_zero(src))
		return net_drop(net, IFE_NET_CNT_DROP_ETH_BAD_SRC);
	/* Our own frames come back on some links (tap, promiscuous ports). */
	if (memcmp(src, net->cfg.mac, IFE_NET_ETH_ALEN) == 0)
		return net_drop(net, IFE_NET_CNT_DROP_ETH_LOOPED);
	if (!dst_mac_accepted(net, frame))
		return net_drop(net, IFE_NET_CNT_DROP_ETH_NOT_FOR_US);

	switch (ld16(frame + 12)) {
	case ETH_TYPE_ARP:
		return net_arp_input(net, frame, len, reply_len);
	case ETH_TYPE_IPV4:
		return net_ip4_input(net, frame, len, reply_len, rx);
	case ETH_TYPE_IPV6:
		return net_ip6_input(net, frame, len, cap, reply_len, rx);
	case ETH_TYPE_VLAN:
	case ETH_TYPE_QINQ:
		return net_drop(net, IFE_NET_CNT_DROP_ETH_VLAN);
	default:
		return net_drop(net, IFE_NET_CNT_DROP_ETH_TYPE);
	}
}
