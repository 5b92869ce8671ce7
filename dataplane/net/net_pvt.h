/* Internals shared by the net module's files (net.c, net_ip4.c, net_ip6.c,
 * net_output.c) and its tests. */
#ifndef IFE_NET_PVT_H
#define IFE_NET_PVT_H

#include <string.h>

#include "net.h"

#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP  0x0806
#define ETH_TYPE_VLAN 0x8100
#define ETH_TYPE_QINQ 0x88a8
#define ETH_TYPE_IPV6 0x86dd

#define IP_PROTO_ICMP	1
#define IP_PROTO_ICMPV6 58
#define IP_DEFAULT_TTL	64
#define IP6_HLEN	40

#define NEIGH_REACHABLE	 1
#define NEIGH_INCOMPLETE 2

static inline uint16_t
ld16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
ld32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
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

static inline bool
ip6_is_zero(const uint8_t *a)
{
	static const uint8_t zero[16];
	return memcmp(a, zero, 16) == 0;
}

static inline bool
ip6_is_multicast(const uint8_t *a)
{
	return a[0] == 0xff;
}

static inline enum ife_net_verdict
net_drop(struct ife_net *net, enum ife_net_counter why)
{
	net->cnt[why]++;
	return IFE_NET_DROP;
}

/* 32-bit one's-complement accumulator over an even number of bytes (or
 * the final odd chunk); fold with net_fold(). */
uint32_t net_sum(uint32_t sum, const uint8_t *p, uint32_t len);
uint16_t net_fold(uint32_t sum);

/* Neighbour cache (net.c). */
void net_neigh_learn(struct ife_net *net, uint8_t family, const uint8_t *addr,
		     const uint8_t *mac, bool create);
/* A transport datagram from an on-link peer we hold no entry for: take
 * its Ethernet source, so the first reply needs no solicitation. Never
 * replaces a resolved entry (that only ARP/NDP does). */
void net_neigh_passive(struct ife_net *net, uint8_t family,
		       const uint8_t *src_ip, const uint8_t *src_mac);
/* Mark @p key (a 16-byte cache key) as being solicited; false if it was
 * solicited too recently or is already known. */
bool net_neigh_mark_incomplete(struct ife_net *net, uint8_t family,
			       const uint8_t *key);

/* Per-family input (net_ip4.c, net_ip6.c). */
enum ife_net_verdict net_arp_input(struct ife_net *net, uint8_t *f,
				   uint32_t len, uint32_t *reply_len);
enum ife_net_verdict net_ip4_input(struct ife_net *net, uint8_t *f,
				   uint32_t len, uint32_t *reply_len,
				   struct ife_net_rx *rx);
enum ife_net_verdict net_ip6_input(struct ife_net *net, uint8_t *f,
				   uint32_t len, uint32_t cap,
				   uint32_t *reply_len, struct ife_net_rx *rx);

/* Solicited-node multicast address ff02::1:ffXX:XXXX of @p a. */
void net_ip6_solicited_node(const uint8_t a[16], uint8_t out[16]);

#endif
