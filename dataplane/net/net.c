/*
 * Ethernet / ARP / IPv4 / ICMP input for one worker (see net.h).
 *
 * Frames are parsed by byte offset with memcpy loads, so any alignment and
 * any length is safe; every field access is preceded by a length check.
 */
#include <errno.h>
#include <string.h>

#include "net.h"

/* Ethernet (IEEE 802.3) */
#define ETH_HLEN      14
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP  0x0806
#define ETH_TYPE_VLAN 0x8100
#define ETH_TYPE_QINQ 0x88a8
#define ETH_TYPE_IPV6 0x86dd

/* ARP for IPv4 over Ethernet (RFC 826) */
#define ARP_LEN		28
#define ARP_HTYPE_ETHER 1
#define ARP_OP_REQUEST	1
#define ARP_OP_REPLY	2

/* IPv4 (RFC 791) */
#define IP_MIN_HLEN	 20
#define IP_DEFAULT_TTL	 64
#define IP_PROTO_ICMP	 1
#define IP_FLAG_MF	 0x2000
#define IP_FRAG_OFF_MASK 0x1fff

/* ICMP (RFC 792) */
#define ICMP_HLEN	  8
#define ICMP_ECHO_REPLY	  0
#define ICMP_ECHO_REQUEST 8

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

static inline uint16_t
ld16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline void
st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IPv4 addresses stay in network order: copy the bytes as they are. */
static inline uint32_t
ld32n(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline bool
mac_is_multicast(const uint8_t *mac)
{
	return (mac[0] & 1) != 0;
}

static inline bool
mac_is_zero(const uint8_t *mac)
{
	static const uint8_t zero[IFE_NET_ETH_ALEN];
	return memcmp(mac, zero, IFE_NET_ETH_ALEN) == 0;
}

/* Limited broadcast, multicast (224/4), reserved (240/4), 0/8 and loopback
 * are never valid sources of a unicast datagram (RFC 1122 3.2.1.3). */
static bool
ip_is_martian_src(uint32_t ip_n)
{
	const uint8_t *b = (const uint8_t *)&ip_n;
	return b[0] == 0 || b[0] == 127 || b[0] >= 224;
}

uint16_t
ife_net_cksum(const void *data, uint32_t len)
{
	const uint8_t *p = data;
	uint64_t sum = 0;

	while (len >= 2) {
		sum += (uint32_t)((p[0] << 8) | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	uint16_t host = (uint16_t)~sum;
	uint8_t out[2] = {(uint8_t)(host >> 8), (uint8_t)host};
	uint16_t net;
	memcpy(&net, out, 2);
	return net;
}

int
ife_net_init(struct ife_net *net, const struct ife_net_cfg *cfg)
{
	if (mac_is_zero(cfg->mac) || mac_is_multicast(cfg->mac) ||
	    cfg->ip4 == 0)
		return -EINVAL;
	memset(net, 0, sizeof(*net));
	net->cfg = *cfg;
	return 0;
}

static inline enum ife_net_verdict
drop(struct ife_net *net, enum ife_net_counter why)
{
	net->cnt[why]++;
	return IFE_NET_DROP;
}

static unsigned
arp_slot(uint32_t ip_n)
{
	/* Fibonacci hashing of the address: cheap and spreads a /24 well. */
	return (unsigned)((ip_n * 2654435769u) >> 24) & (IFE_NET_ARP_SLOTS - 1);
}

/* Learn or refresh ip -> mac. Linear probing over a short window; when the
 * window is full the oldest entry in it is replaced (a cache, not a table). */
static void
arp_learn(struct ife_net *net, uint32_t ip_n, const uint8_t *mac)
{
	unsigned base = arp_slot(ip_n);
	struct ife_net_arp_entry *victim = NULL;

	for (unsigned i = 0; i < 8; i++) {
		struct ife_net_arp_entry *e =
			&net->arp[(base + i) & (IFE_NET_ARP_SLOTS - 1)];
		if (e->ip == ip_n || e->ip == 0) {
			victim = e;
			break;
		}
		if (victim == NULL || e->updated < victim->updated)
			victim = e;
	}
	if (victim->ip != ip_n ||
	    memcmp(victim->mac, mac, IFE_NET_ETH_ALEN) != 0)
		net->cnt[IFE_NET_CNT_ARP_LEARNED]++;
	victim->ip = ip_n;
	memcpy(victim->mac, mac, IFE_NET_ETH_ALEN);
	victim->updated = net->now;
}

bool
ife_net_arp_lookup(const struct ife_net *net, uint32_t ip,
		   uint8_t mac[IFE_NET_ETH_ALEN])
{
	unsigned base = arp_slot(ip);

	for (unsigned i = 0; i < 8; i++) {
		const struct ife_net_arp_entry *e =
			&net->arp[(base + i) & (IFE_NET_ARP_SLOTS - 1)];
		if (e->ip == 0)
			return false;
		if (e->ip != ip)
			continue;
		if (net->cfg.arp_max_age != 0 &&
		    net->now - e->updated > net->cfg.arp_max_age)
			return false;
		memcpy(mac, e->mac, IFE_NET_ETH_ALEN);
		return true;
	}
	return false;
}

/* RFC 826 with the RFC 5227 view of gratuitous ARP: learn senders that
 * talk to us, answer requests for our address, consume replies. */
static enum ife_net_verdict
arp_input(struct ife_net *net, uint8_t *f, uint32_t len, uint32_t *reply_len)
{
	if (len < ETH_HLEN + ARP_LEN)
		return drop(net, IFE_NET_CNT_DROP_ARP_TRUNC);

	uint8_t *a = f + ETH_HLEN;
	if (ld16(a) != ARP_HTYPE_ETHER || ld16(a + 2) != ETH_TYPE_IPV4 ||
	    a[4] != IFE_NET_ETH_ALEN || a[5] != 4)
		return drop(net, IFE_NET_CNT_DROP_ARP_FORMAT);

	uint16_t op = ld16(a + 6);
	const uint8_t *sha = a + 8;
	uint32_t spa = ld32n(a + 14);
	uint32_t tpa = ld32n(a + 24);

	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)
		return drop(net, IFE_NET_CNT_DROP_ARP_OP);
	if (mac_is_multicast(sha) || mac_is_zero(sha))
		return drop(net, IFE_NET_CNT_DROP_ARP_BAD_SENDER);
	if (spa == net->cfg.ip4 &&
	    memcmp(sha, net->cfg.mac, IFE_NET_ETH_ALEN) != 0)
		return drop(net, IFE_NET_CNT_DROP_ARP_CONFLICT);

	/* ARP probes (RFC 5227) have sender address 0: nothing to learn. */
	if (tpa != net->cfg.ip4) {
		/* A gratuitous announcement refreshes an entry we hold but
		 * never creates one (RFC 826 "merge flag"). */
		uint8_t mac[IFE_NET_ETH_ALEN];
		if (spa != 0 && spa == tpa && ife_net_arp_lookup(net, spa, mac))
			arp_learn(net, spa, sha);
		return drop(net, IFE_NET_CNT_DROP_ARP_NOT_FOR_US);
	}
	if (spa != 0 && !ip_is_martian_src(spa))
		arp_learn(net, spa, sha);
	if (op == ARP_OP_REPLY)
		return drop(net, IFE_NET_CNT_DROP_ARP_REPLY);

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
	*reply_len = ETH_HLEN + ARP_LEN;
	net->cnt[IFE_NET_CNT_TX_ARP_REPLY]++;
	return IFE_NET_TX;
}

static enum ife_net_verdict
icmp_input(struct ife_net *net, uint8_t *f, uint32_t ip_off, uint32_t hlen,
	   uint32_t tot_len, uint32_t *reply_len)
{
	uint8_t *ip = f + ip_off;
	uint8_t *icmp = ip + hlen;
	uint32_t icmp_len = tot_len - hlen;

	if (icmp_len < ICMP_HLEN)
		return drop(net, IFE_NET_CNT_DROP_ICMP_TRUNC);
	if (ife_net_cksum(icmp, icmp_len) != 0)
		return drop(net, IFE_NET_CNT_DROP_ICMP_CSUM);
	if (icmp[0] != ICMP_ECHO_REQUEST || icmp[1] != 0)
		return drop(net, IFE_NET_CNT_DROP_ICMP_TYPE);

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
	*reply_len = ip_off + tot_len;
	net->cnt[IFE_NET_CNT_TX_ICMP_ECHO_REPLY]++;
	return IFE_NET_TX;
}

static enum ife_net_verdict
ipv4_input(struct ife_net *net, uint8_t *f, uint32_t len, uint32_t *reply_len,
	   struct ife_net_rx *rx)
{
	const uint32_t off = ETH_HLEN;

	if (len < off + IP_MIN_HLEN)
		return drop(net, IFE_NET_CNT_DROP_IP_TRUNC);
	uint8_t *ip = f + off;
	if ((ip[0] >> 4) != 4)
		return drop(net, IFE_NET_CNT_DROP_IP_VERSION);
	uint32_t hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	if (hlen < IP_MIN_HLEN)
		return drop(net, IFE_NET_CNT_DROP_IP_HLEN);
	if (len < off + hlen)
		return drop(net, IFE_NET_CNT_DROP_IP_TRUNC);
	uint32_t tot_len = ld16(ip + 2);
	if (tot_len < hlen || off + tot_len > len)
		return drop(net, IFE_NET_CNT_DROP_IP_LEN);
	if (ife_net_cksum(ip, hlen) != 0)
		return drop(net, IFE_NET_CNT_DROP_IP_CSUM);

	uint32_t src = ld32n(ip + 12), dst = ld32n(ip + 16);
	if (dst != net->cfg.ip4)
		return drop(net, IFE_NET_CNT_DROP_IP_NOT_FOR_US);
	if (ip_is_martian_src(src) || src == net->cfg.ip4)
		return drop(net, IFE_NET_CNT_DROP_IP_BAD_SRC);
	/* Reassembly is not done: fragments are counted and dropped. */
	uint16_t frag = ld16(ip + 6);
	if ((frag & IP_FLAG_MF) || (frag & IP_FRAG_OFF_MASK))
		return drop(net, IFE_NET_CNT_DROP_IP_FRAG);

	uint8_t proto = ip[9];
	if (proto == IP_PROTO_ICMP)
		return icmp_input(net, f, off, hlen, tot_len, reply_len);
	if (proto < 64 && (net->cfg.l4_protos >> proto) & 1) {
		if (rx != NULL) {
			rx->src_ip = src;
			rx->dst_ip = dst;
			rx->proto = proto;
			rx->l4_off = (uint16_t)(off + hlen);
			rx->l4_len = (uint16_t)(tot_len - hlen);
		}
		net->cnt[IFE_NET_CNT_L4_DELIVERED]++;
		return IFE_NET_L4;
	}
	return drop(net, IFE_NET_CNT_DROP_IP_PROTO);
}

enum ife_net_verdict
ife_net_input(struct ife_net *net, uint8_t *frame, uint32_t len,
	      uint32_t *reply_len, struct ife_net_rx *rx)
{
	net->cnt[IFE_NET_CNT_RX]++;
	if (len < ETH_HLEN)
		return drop(net, IFE_NET_CNT_DROP_ETH_RUNT);

	const uint8_t *dst = frame, *src = frame + 6;
	if (mac_is_multicast(src) || mac_is_zero(src))
		return drop(net, IFE_NET_CNT_DROP_ETH_BAD_SRC);
	/* Our own frames come back on some links (tap, promiscuous ports). */
	if (memcmp(src, net->cfg.mac, IFE_NET_ETH_ALEN) == 0)
		return drop(net, IFE_NET_CNT_DROP_ETH_LOOPED);
	static const uint8_t bcast[IFE_NET_ETH_ALEN] = {0xff, 0xff, 0xff,
							0xff, 0xff, 0xff};
	if (memcmp(dst, net->cfg.mac, IFE_NET_ETH_ALEN) != 0 &&
	    memcmp(dst, bcast, IFE_NET_ETH_ALEN) != 0)
		return drop(net, IFE_NET_CNT_DROP_ETH_NOT_FOR_US);

	switch (ld16(frame + 12)) {
	case ETH_TYPE_ARP:
		return arp_input(net, frame, len, reply_len);
	case ETH_TYPE_IPV4:
		/* IPv4 is unicast-only here: a broadcast frame carrying an IP
		 * datagram for our address is still answered (hosts must). */
		return ipv4_input(net, frame, len, reply_len, rx);
	case ETH_TYPE_IPV6:
		return drop(net, IFE_NET_CNT_DROP_IPV6);
	case ETH_TYPE_VLAN:
	case ETH_TYPE_QINQ:
		return drop(net, IFE_NET_CNT_DROP_ETH_VLAN);
	default:
		return drop(net, IFE_NET_CNT_DROP_ETH_TYPE);
	}
}

uint32_t
ife_net_garp(const struct ife_net *net, uint8_t *f)
{
	/* RFC 5227 ARP announcement: a request with sender == target. */
	memset(f, 0xff, IFE_NET_ETH_ALEN);
	memcpy(f + 6, net->cfg.mac, IFE_NET_ETH_ALEN);
	st16(f + 12, ETH_TYPE_ARP);
	uint8_t *a = f + ETH_HLEN;
	st16(a, ARP_HTYPE_ETHER);
	st16(a + 2, ETH_TYPE_IPV4);
	a[4] = IFE_NET_ETH_ALEN;
	a[5] = 4;
	st16(a + 6, ARP_OP_REQUEST);
	memcpy(a + 8, net->cfg.mac, IFE_NET_ETH_ALEN);
	memcpy(a + 14, &net->cfg.ip4, 4);
	memset(a + 18, 0, IFE_NET_ETH_ALEN);
	memcpy(a + 24, &net->cfg.ip4, 4);
	return IFE_NET_ARP_FRAME_LEN;
}
