/**
 * @file net.h
 * @brief Layer 2/3 input for one worker core: Ethernet, ARP, IPv4, ICMP.
 *
 * The net module knows frames as byte arrays, not mbufs, so it is unit-tested
 * without EAL (tests/test_net.c) and the worker loop (dataplane/app) only
 * maps an mbuf to (pointer, length). Each worker owns one struct ife_net;
 * nothing in it is shared, so nothing is locked.
 *
 * ife_net_input() classifies one received frame and returns a verdict:
 * - IFE_NET_TX: the frame was turned, in place, into the reply to send
 *   (ARP reply, ICMP echo reply); *reply_len is its new length.
 * - IFE_NET_L4: a valid IPv4 datagram for us with a transport protocol an
 *   upper layer owns (TCP); rx->l4_off / l4_len / addresses describe it.
 * - IFE_NET_DROP: counted under exactly one IFE_NET_CNT_DROP_* reason.
 * Every received frame is counted in IFE_NET_CNT_RX and in exactly one
 * verdict counter, so rx = tx_reply + l4 + sum(drops) always holds.
 */
#ifndef IFE_NET_H
#define IFE_NET_H

#include <stdbool.h>
#include <stdint.h>

#define IFE_NET_ETH_ALEN 6
/** Ethernet (14) + ARP for IPv4 over Ethernet (28). */
#define IFE_NET_ARP_FRAME_LEN 42

/** Per-core counters; the X-macro keeps names and enum in one place. */
#define IFE_NET_COUNTERS(X)                               \
	X(RX, "rx_frames")                                \
	X(TX_ARP_REPLY, "tx_arp_reply")                   \
	X(TX_ICMP_ECHO_REPLY, "tx_icmp_echo_reply")       \
	X(L4_DELIVERED, "l4_delivered")                   \
	X(ARP_LEARNED, "arp_learned")                     \
	X(DROP_ETH_RUNT, "drop_eth_runt")                 \
	X(DROP_ETH_NOT_FOR_US, "drop_eth_not_for_us")     \
	X(DROP_ETH_BAD_SRC, "drop_eth_bad_src")           \
	X(DROP_ETH_LOOPED, "drop_eth_looped_back")        \
	X(DROP_ETH_VLAN, "drop_eth_vlan")                 \
	X(DROP_ETH_TYPE, "drop_eth_unknown_type")         \
	X(DROP_IPV6, "drop_ipv6_unsupported")             \
	X(DROP_ARP_TRUNC, "drop_arp_truncated")           \
	X(DROP_ARP_FORMAT, "drop_arp_bad_format")         \
	X(DROP_ARP_OP, "drop_arp_bad_op")                 \
	X(DROP_ARP_BAD_SENDER, "drop_arp_bad_sender")     \
	X(DROP_ARP_NOT_FOR_US, "drop_arp_not_for_us")     \
	X(DROP_ARP_REPLY, "drop_arp_reply_consumed")      \
	X(DROP_ARP_CONFLICT, "drop_arp_address_conflict") \
	X(DROP_IP_TRUNC, "drop_ipv4_truncated")           \
	X(DROP_IP_VERSION, "drop_ipv4_bad_version")       \
	X(DROP_IP_HLEN, "drop_ipv4_bad_header_len")       \
	X(DROP_IP_LEN, "drop_ipv4_bad_total_len")         \
	X(DROP_IP_CSUM, "drop_ipv4_bad_checksum")         \
	X(DROP_IP_FRAG, "drop_ipv4_fragment")             \
	X(DROP_IP_BAD_SRC, "drop_ipv4_bad_source")        \
	X(DROP_IP_NOT_FOR_US, "drop_ipv4_not_for_us")     \
	X(DROP_IP_PROTO, "drop_ipv4_unsupported_proto")   \
	X(DROP_ICMP_TRUNC, "drop_icmp_truncated")         \
	X(DROP_ICMP_CSUM, "drop_icmp_bad_checksum")       \
	X(DROP_ICMP_TYPE, "drop_icmp_unhandled_type")

enum ife_net_counter {
#define IFE_NET_X_ENUM(id, name) IFE_NET_CNT_##id,
	IFE_NET_COUNTERS(IFE_NET_X_ENUM)
#undef IFE_NET_X_ENUM
		IFE_NET_CNT_MAX
};

/** Name of a counter ("rx_frames", "drop_ipv4_bad_checksum", ...). */
const char *ife_net_counter_name(enum ife_net_counter c);

enum ife_net_verdict {
	IFE_NET_DROP = 0,
	IFE_NET_TX = 1,
	IFE_NET_L4 = 2,
};

/** Entries of the per-core ARP cache (power of two). */
#define IFE_NET_ARP_SLOTS 256

struct ife_net_arp_entry {
	uint32_t ip; /**< network byte order; 0 = empty */
	uint8_t mac[IFE_NET_ETH_ALEN];
	uint64_t updated; /**< caller's clock when learned */
};

/** Configuration fixed at start-up. Addresses in network byte order. */
struct ife_net_cfg {
	uint8_t mac[IFE_NET_ETH_ALEN];
	uint32_t ip4;
	/** Transport protocols handed up as IFE_NET_L4 (bit per IP protocol
	 * number < 64; 6 = TCP). Others are dropped as unsupported. */
	uint64_t l4_protos;
	/** ARP entries older than this (in the caller's clock units) are
	 * treated as absent by ife_net_arp_lookup(). */
	uint64_t arp_max_age;
};

/** One worker's net state. Caller-owned storage; init with ife_net_init. */
struct ife_net {
	struct ife_net_cfg cfg;
	uint64_t now; /**< set by the caller before each burst */
	uint64_t cnt[IFE_NET_CNT_MAX];
	struct ife_net_arp_entry arp[IFE_NET_ARP_SLOTS];
};

/** What an IFE_NET_L4 verdict describes (addresses in network order). */
struct ife_net_rx {
	uint32_t src_ip;
	uint32_t dst_ip;
	uint8_t proto;
	uint16_t l4_off; /**< offset of the transport header in the frame */
	uint16_t l4_len; /**< transport bytes per the IP total length */
};

/**
 * Initialise @p net for @p cfg. Never fails on valid storage.
 * @return 0, or -EINVAL if cfg has a zero or multicast MAC or a zero IP.
 */
int ife_net_init(struct ife_net *net, const struct ife_net_cfg *cfg);

/**
 * Classify one frame of @p len bytes; may rewrite it in place into a reply.
 *
 * @param frame    the frame, writable; at least @p len bytes.
 * @param len      bytes received (Ethernet header onwards, no FCS).
 * @param reply_len out: length of the reply when IFE_NET_TX is returned.
 * @param rx       out: filled when IFE_NET_L4 is returned; may be NULL.
 * @return an enum ife_net_verdict. Never reads past frame[len - 1].
 */
enum ife_net_verdict ife_net_input(struct ife_net *net, uint8_t *frame,
				   uint32_t len, uint32_t *reply_len,
				   struct ife_net_rx *rx);

/**
 * Write a gratuitous ARP request announcing our address into @p frame
 * (at least IFE_NET_ARP_FRAME_LEN bytes). @return its length.
 */
uint32_t ife_net_garp(const struct ife_net *net, uint8_t *frame);

/**
 * Look up @p ip (network order) in the ARP cache.
 * @return true and the MAC in @p mac if present and younger than arp_max_age.
 */
bool ife_net_arp_lookup(const struct ife_net *net, uint32_t ip,
			uint8_t mac[IFE_NET_ETH_ALEN]);

/** RFC 1071 Internet checksum of @p len bytes (result in network order). */
uint16_t ife_net_cksum(const void *data, uint32_t len);

#endif /* IFE_NET_H */
