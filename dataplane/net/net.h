/**
 * @file net.h
 * @brief Layer 2/3 of one worker core: Ethernet, ARP, IPv4, ICMP, IPv6,
 *        NDP, ICMPv6, and the IP output path the transport layer uses.
 *
 * The net module knows frames as byte arrays, not mbufs, so it is unit-tested
 * without EAL (tests/test_net.c) and the worker loop (dataplane/app) only
 * maps an mbuf to (pointer, length, capacity). Each worker owns one struct
 * ife_net; nothing in it is shared, so nothing is locked.
 *
 * Input: ife_net_input() classifies one received frame and returns a verdict:
 * - IFE_NET_TX: the frame was turned, in place, into the reply to send (ARP
 *   reply, ICMP/ICMPv6 echo reply, neighbour advertisement); *reply_len is
 *   its new length (never more than the capacity given).
 * - IFE_NET_L4: a valid datagram for us of a transport protocol an upper
 *   layer registered in cfg.l4_protos (TCP); rx describes it.
 * - IFE_NET_ICMP_ERR: a valid "fragmentation needed" (ICMP type 3 code 4,
 *   RFC 1191) or "packet too big" (ICMPv6 type 2, RFC 8201) about a datagram
 *   we sent with a registered protocol; rx gives the quoted datagram's
 *   addresses, its transport header and the MTU to use.
 * - IFE_NET_DROP: counted under exactly one IFE_NET_CNT_DROP_* reason.
 * Every received frame is counted in IFE_NET_CNT_RX and in exactly one
 * verdict counter, so rx = replies + l4 + icmp errors + sum(drops) always.
 *
 * Output: ife_net_output() prepends the IP and Ethernet headers in front of
 * a transport segment, resolving the next hop in the neighbour cache (ARP
 * for IPv4, NDP for IPv6); ife_net_solicit() writes the ARP request or
 * neighbour solicitation to send when the next hop is unknown.
 *
 * Addresses are in network byte order everywhere; an IPv4 address occupies
 * the first 4 bytes of a 16-byte address field, the rest zero.
 */
#ifndef IFE_NET_H
#define IFE_NET_H

#include <stdbool.h>
#include <stdint.h>

#define IFE_NET_ETH_ALEN 6
#define IFE_NET_ETH_HLEN 14
/** Ethernet (14) + ARP for IPv4 over Ethernet (28). */
#define IFE_NET_ARP_FRAME_LEN 42
/** Ethernet + IPv6 + neighbour solicitation with source link-layer option. */
#define IFE_NET_NS_FRAME_LEN 86
/** Headroom ife_net_output() needs in front of a transport segment. */
#define IFE_NET_MAX_HDR (IFE_NET_ETH_HLEN + 40)

/** Per-core counters; the X-macro keeps names and enum in one place.
 * Names starting with "drop_" are drop verdicts (one per dropped frame). */
#define IFE_NET_COUNTERS(X)                                   \
	X(RX, "rx_frames")                                    \
	X(TX_ARP_REPLY, "tx_arp_reply")                       \
	X(TX_ICMP_ECHO_REPLY, "tx_icmp_echo_reply")           \
	X(TX_ICMP6_ECHO_REPLY, "tx_icmp6_echo_reply")         \
	X(TX_NDP_ADVERT, "tx_ndp_advert")                     \
	X(L4_DELIVERED, "l4_delivered")                       \
	X(ICMP_ERR_DELIVERED, "icmp_error_delivered")         \
	X(NEIGH_LEARNED, "neighbor_learned")                  \
	X(OUT_FRAMES, "out_frames")                           \
	X(OUT_NO_NEIGHBOR, "out_no_neighbor")                 \
	X(OUT_SOLICIT, "out_solicit")                         \
	X(PMTU_CLAMPED, "pmtu_clamped")                       \
	X(DROP_ETH_RUNT, "drop_eth_runt")                     \
	X(DROP_ETH_NOT_FOR_US, "drop_eth_not_for_us")         \
	X(DROP_ETH_BAD_SRC, "drop_eth_bad_src")               \
	X(DROP_ETH_LOOPED, "drop_eth_looped_back")            \
	X(DROP_ETH_VLAN, "drop_eth_vlan")                     \
	X(DROP_ETH_TYPE, "drop_eth_unknown_type")             \
	X(DROP_NO_ROOM, "drop_no_room_for_reply")             \
	X(DROP_ARP_TRUNC, "drop_arp_truncated")               \
	X(DROP_ARP_FORMAT, "drop_arp_bad_format")             \
	X(DROP_ARP_OP, "drop_arp_bad_op")                     \
	X(DROP_ARP_BAD_SENDER, "drop_arp_bad_sender")         \
	X(DROP_ARP_NOT_FOR_US, "drop_arp_not_for_us")         \
	X(DROP_ARP_REPLY, "drop_arp_reply_consumed")          \
	X(DROP_ARP_CONFLICT, "drop_arp_address_conflict")     \
	X(DROP_IP_TRUNC, "drop_ipv4_truncated")               \
	X(DROP_IP_VERSION, "drop_ipv4_bad_version")           \
	X(DROP_IP_HLEN, "drop_ipv4_bad_header_len")           \
	X(DROP_IP_LEN, "drop_ipv4_bad_total_len")             \
	X(DROP_IP_CSUM, "drop_ipv4_bad_checksum")             \
	X(DROP_IP_FRAG, "drop_ipv4_fragment")                 \
	X(DROP_IP_BAD_SRC, "drop_ipv4_bad_source")            \
	X(DROP_IP_NOT_FOR_US, "drop_ipv4_not_for_us")         \
	X(DROP_IP_PROTO, "drop_ipv4_unsupported_proto")       \
	X(DROP_ICMP_TRUNC, "drop_icmp_truncated")             \
	X(DROP_ICMP_CSUM, "drop_icmp_bad_checksum")           \
	X(DROP_ICMP_TYPE, "drop_icmp_unhandled_type")         \
	X(DROP_ICMP_ERR_INVALID, "drop_icmp_error_invalid")   \
	X(DROP_ICMP_ERR_IGNORED, "drop_icmp_error_ignored")   \
	X(DROP_IP6_DISABLED, "drop_ipv6_disabled")            \
	X(DROP_IP6_TRUNC, "drop_ipv6_truncated")              \
	X(DROP_IP6_VERSION, "drop_ipv6_bad_version")          \
	X(DROP_IP6_LEN, "drop_ipv6_bad_payload_len")          \
	X(DROP_IP6_BAD_SRC, "drop_ipv6_bad_source")           \
	X(DROP_IP6_NOT_FOR_US, "drop_ipv6_not_for_us")        \
	X(DROP_IP6_EXT, "drop_ipv6_extension_header")         \
	X(DROP_IP6_PROTO, "drop_ipv6_unsupported_proto")      \
	X(DROP_ICMP6_TRUNC, "drop_icmp6_truncated")           \
	X(DROP_ICMP6_CSUM, "drop_icmp6_bad_checksum")         \
	X(DROP_ICMP6_TYPE, "drop_icmp6_unhandled_type")       \
	X(DROP_ICMP6_MCAST_ECHO, "drop_icmp6_multicast_echo") \
	X(DROP_NDP_INVALID, "drop_ndp_invalid")               \
	X(DROP_NDP_NOT_FOR_US, "drop_ndp_not_for_us")         \
	X(DROP_NDP_ADVERT, "drop_ndp_advert_consumed")

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
	IFE_NET_ICMP_ERR = 3,
};

/** Entries of the per-core neighbour cache (power of two). */
#define IFE_NET_NEIGH_SLOTS 256

struct ife_net_neigh {
	uint8_t addr[16]; /**< IPv4 in the first 4 bytes */
	uint8_t family;	  /**< 0 = empty, 4, 6 */
	uint8_t state;	  /**< private: reachable or incomplete */
	uint8_t mac[IFE_NET_ETH_ALEN];
	uint64_t updated; /**< caller's clock when learned or solicited */
};

/** Configuration fixed at start-up. */
struct ife_net_cfg {
	uint8_t mac[IFE_NET_ETH_ALEN];
	uint32_t ip4;	    /**< our IPv4 address (required) */
	uint8_t ip4_prefix; /**< on-link prefix length; 0 = everything on-link
			     */
	uint32_t gw4;	    /**< IPv4 gateway for off-link destinations, or 0 */
	uint8_t ip6[16];    /**< our global IPv6 address; all zero = no IPv6 */
	uint8_t ip6_prefix; /**< on-link prefix length; 0 = everything on-link
			     */
	uint8_t gw6[16];    /**< IPv6 gateway (link-local or global), or zero */
	/** Transport protocols handed up as IFE_NET_L4 (bit per IP protocol
	 * number < 64; 6 = TCP). Others are dropped as unsupported. */
	uint64_t l4_protos;
	/** Neighbour entries older than this (in the caller's clock units)
	 * are treated as absent. 0 = never expire. */
	uint64_t neigh_max_age;
	/** At most one solicitation per destination per this interval. */
	uint64_t solicit_interval;
	/** The port computes IPv4 header checksums: ife_net_output() leaves
	 * them 0, and every IPv4 datagram it builds must reach the port
	 * with RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM (the TCP stack's
	 * tx_tso_v4 sets them on all its segments) and l2_len / l3_len.
	 * TSO needs it: the port rewrites every segment's header. */
	bool tx_ip4_cksum_offload;
};

/** One worker's net state. Caller-owned storage; init with ife_net_init. */
struct ife_net {
	struct ife_net_cfg cfg;
	uint64_t now; /**< the caller's clock; set before each burst */
	uint64_t cnt[IFE_NET_CNT_MAX];
	/* derived at init */
	uint8_t ll6[16]; /**< fe80::/64 + modified EUI-64 of our MAC */
	uint8_t mcast[3][IFE_NET_ETH_ALEN]; /**< multicast MACs we accept */
	uint16_t ip_id; /**< IPv4 identification of the next datagram */
	struct ife_net_neigh neigh[IFE_NET_NEIGH_SLOTS];
};

/** What an IFE_NET_L4 or IFE_NET_ICMP_ERR verdict describes. */
struct ife_net_rx {
	uint8_t family;	 /**< 4 or 6 */
	uint8_t proto;	 /**< transport protocol (of the quoted datagram for
			      IFE_NET_ICMP_ERR) */
	uint16_t l4_off; /**< offset of the transport header in the frame */
	uint16_t l4_len; /**< L4: bytes per the IP length; ICMP_ERR: quoted
			      transport bytes present (at least 8) */
	uint16_t mtu;	 /**< ICMP_ERR: path MTU to use (clamped to 576 for
			      IPv4, 1280 for IPv6) */
	uint8_t src[16]; /**< L4: the peer; ICMP_ERR: us (quoted source) */
	uint8_t dst[16]; /**< L4: us; ICMP_ERR: the peer (quoted dest) */
};

/** A transport segment to send (addresses as in struct ife_net_rx). */
struct ife_net_tx {
	uint8_t family; /**< 4 or 6 */
	uint8_t proto;
	uint8_t src[16];
	uint8_t dst[16];
};

/**
 * Initialise @p net for @p cfg.
 * @return 0, or -EINVAL if cfg has a zero or multicast MAC, a zero or
 *         non-unicast IPv4 address, a multicast IPv6 address, or a prefix
 *         length out of range.
 */
int ife_net_init(struct ife_net *net, const struct ife_net_cfg *cfg);

/**
 * Classify one frame; may rewrite it in place into a reply.
 *
 * @param frame     the frame, writable for @p cap bytes.
 * @param len       bytes received (Ethernet header onwards, no FCS).
 * @param cap       writable bytes at @p frame (>= len): a reply may be
 *                  longer than the request (a neighbour advertisement).
 * @param reply_len out: length of the reply when IFE_NET_TX is returned.
 * @param rx        out: filled for IFE_NET_L4 and IFE_NET_ICMP_ERR.
 * @return an enum ife_net_verdict. Never reads past frame[len - 1] and
 *         never writes past frame[cap - 1].
 */
enum ife_net_verdict ife_net_input(struct ife_net *net, uint8_t *frame,
				   uint32_t len, uint32_t cap,
				   uint32_t *reply_len, struct ife_net_rx *rx);

/**
 * Prepend IP and Ethernet headers to a transport segment.
 *
 * There is no MTU check: the transport sizes its segments, and a TCP
 * segmentation offload (TSO) super-segment is longer than the MTU on
 * purpose (the port cuts it, rewriting the IPv4 total length, which is
 * written here from @p l4_len, and the header checksum per segment). The
 * segment need not be contiguous past the headers: only @p l4's headroom
 * is written.
 *
 * @param l4       the segment (transport header and payload, checksummed
 *                 by the caller); @p headroom writable bytes precede it.
 * @param l4_len   its length (all of an mbuf chain: pkt_len).
 * @param frame    out: start of the frame (l4 - header size).
 * @param frame_len out: its length.
 * @return 0; IFE_AGAIN if the next hop's MAC is not known (call
 *         ife_net_solicit() and drop the segment: transports retransmit);
 *         -ENOSPC if @p headroom < the headers; -EINVAL for a bad family,
 *         or IPv6 when it is not configured, or a segment too long for IP.
 */
int ife_net_output(struct ife_net *net, uint8_t *l4, uint32_t l4_len,
		   uint32_t headroom, const struct ife_net_tx *tx,
		   uint8_t **frame, uint32_t *frame_len);

/**
 * Write into @p frame (IFE_NET_NS_FRAME_LEN bytes) the ARP request or
 * neighbour solicitation for the next hop towards @p family/@p dst, unless
 * one was sent less than cfg.solicit_interval ago.
 * @return the frame length, or 0 when nothing is to be sent.
 */
uint32_t ife_net_solicit(struct ife_net *net, uint8_t family,
			 const uint8_t dst[16], uint8_t *frame);

/**
 * Write a gratuitous ARP request announcing our address into @p frame
 * (at least IFE_NET_ARP_FRAME_LEN bytes). @return its length.
 */
uint32_t ife_net_garp(const struct ife_net *net, uint8_t *frame);

/**
 * Look up @p family / @p addr in the neighbour cache.
 * @return true and the MAC in @p mac if known and younger than
 *         cfg.neigh_max_age.
 */
bool ife_net_neigh_lookup(const struct ife_net *net, uint8_t family,
			  const uint8_t addr[16],
			  uint8_t mac[IFE_NET_ETH_ALEN]);

/** IPv4 shorthand for ife_net_neigh_lookup(). */
bool ife_net_arp_lookup(const struct ife_net *net, uint32_t ip,
			uint8_t mac[IFE_NET_ETH_ALEN]);

/** RFC 1071 Internet checksum of @p len bytes (result in network order). */
uint16_t ife_net_cksum(const void *data, uint32_t len);

/**
 * Checksum of a transport segment with its IPv4/IPv6 pseudo-header
 * (RFC 793 / RFC 8200 8.1), in network order. Over a segment whose checksum
 * field holds the right value the result is 0.
 */
uint16_t ife_net_l4_cksum(uint8_t family, const uint8_t src[16],
			  const uint8_t dst[16], uint8_t proto, const void *l4,
			  uint32_t len);

#endif /* IFE_NET_H */
