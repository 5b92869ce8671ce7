/**
 * @file tcp.h
 * @brief imapfe user-space TCP (RFC 9293) for one DPDK worker lcore.
 *
 * One ife_tcp_stack per worker lcore. It is created at start-up with all of
 * its memory (connection pool, hash table, timer wheel) and never allocates
 * afterwards except mbufs from the mempool the caller gives it. Nothing in
 * it locks or is shared: every call on a stack must come from the lcore that
 * owns it. Time is always passed in by the caller (@c now, nanoseconds on any
 * monotonic clock), so tests drive it with a fake clock.
 *
 * Plugging into the net layer (see docs/tcp.md, "Integration"):
 *  - per received TCP segment: ife_tcp_input() with the mbuf's data at the
 *    TCP header; the stack takes the mbuf.
 *  - once per poll-loop iteration: ife_tcp_timers().
 *  - output: the stack calls params.ip_output for every segment it sends,
 *    with the mbuf's data at the TCP header and at least
 *    RTE_PKTMBUF_HEADROOM bytes of headroom; the net layer prepends IP and
 *    Ethernet, puts the mbuf in its TX burst and flushes the burst at the
 *    end of the loop iteration.
 *
 * Application interface: one event callback per stack (params.event) reports
 * ACCEPTED, CONNECTED, READABLE, WRITABLE, PEER_CLOSED and the final events
 * RESET, TIMEDOUT, CLOSED for each connection. The app reads with
 * ife_tcp_recv() (zero copy: it receives the mbuf chain and frees it),
 * writes with ife_tcp_send() (hands over mbufs) or ife_tcp_write() (copies
 * bytes), and ends with ife_tcp_shutdown(), ife_tcp_close() or
 * ife_tcp_abort().
 *
 * Errors: 0 / non-negative on success, negative errno or an IFE_* code from
 * imapfe/err.h on failure (ife_strerror() gives the text).
 */
#ifndef IFE_TCP_H
#define IFE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "imapfe/err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ife_tcp_stack;
struct ife_tcp_conn;

/**
 * Network-layer facts about one TCP segment. Addresses are in network byte
 * order; an IPv4 address occupies the first 4 bytes and the other 12 are
 * zero.
 */
struct ife_tcp_ip {
	uint8_t family;	 /**< 4 or 6 */
	uint8_t pad;	 /**< zero */
	uint16_t len;	 /**< TCP header + payload bytes per the IP header */
	uint8_t src[16]; /**< source address (peer on input, us on output) */
	uint8_t dst[16]; /**< destination address */
};

/** Congestion control algorithms. */
enum ife_tcp_cc {
	IFE_TCP_CC_NEWRENO = 0, /**< RFC 5681 + RFC 6582 */
	IFE_TCP_CC_CUBIC = 1,	/**< RFC 9438 */
};

/** Connection events (bit values; one callback may carry several). */
enum ife_tcp_event {
	/** A passive open completed (the conn ctx is the listener's ctx). */
	IFE_TCP_EV_ACCEPTED = 1u << 0,
	/** An active open (ife_tcp_connect()) completed. */
	IFE_TCP_EV_CONNECTED = 1u << 1,
	/** In-order data is waiting: call ife_tcp_recv(). */
	IFE_TCP_EV_READABLE = 1u << 2,
	/** Send space became available after ife_tcp_send/write was short. */
	IFE_TCP_EV_WRITABLE = 1u << 3,
	/** The peer sent FIN; no more data will arrive. */
	IFE_TCP_EV_PEER_CLOSED = 1u << 4,
	/** Final: the peer reset the connection. */
	IFE_TCP_EV_RESET = 1u << 5,
	/** Final: retransmissions or keepalives gave up. */
	IFE_TCP_EV_TIMEDOUT = 1u << 6,
	/** Final: both sides closed after ife_tcp_shutdown(). */
	IFE_TCP_EV_CLOSED = 1u << 7,
};

/** Mask of the events after which the handle is no longer valid. */
#define IFE_TCP_EV_FINAL \
	(IFE_TCP_EV_RESET | IFE_TCP_EV_TIMEDOUT | IFE_TCP_EV_CLOSED)

/**
 * Event callback. Called from ife_tcp_input(), ife_tcp_timers() and
 * ife_tcp_connect() on the owning lcore. It may call any ife_tcp_* function
 * on @p c (recv, send, close...) and on other connections. When @p events
 * holds a bit of IFE_TCP_EV_FINAL, @p c is invalid once the callback
 * returns (unread data is freed by the stack).
 */
typedef void (*ife_tcp_event_fn)(void *app, struct ife_tcp_conn *c,
				 void *conn_ctx, unsigned events);

/**
 * Output callback. Takes ownership of @p m (data at the TCP header, TCP
 * checksum filled in, or the pseudo-header sum plus RTE_MBUF_F_TX_TCP_CKSUM
 * and l4_len set when params.tx_csum_offload). @p ip gives addresses, family
 * and the TCP length. Return 0 if queued, negative if dropped (the callback
 * has freed @p m either way).
 *
 * With params.tx_tso_v4 / tx_tso_v6, @p m may also be a TSO super-segment
 * (docs/tcp.md, "TSO"): an mbuf chain longer than the MTU with
 * RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM and RTE_MBUF_F_TX_IPV4 |
 * RTE_MBUF_F_TX_IP_CKSUM or RTE_MBUF_F_TX_IPV6 in ol_flags, l4_len (TCP
 * header with options, all in the first mbuf) and tso_segsz (payload per
 * wire segment) set, and in the TCP checksum field the pseudo-header sum
 * without the length (DPDK's rule for TSO). The callback must put the IP
 * header in front without a size check against the MTU, its total length
 * from @p ip->len (the port rewrites it per segment), set l2_len and
 * l3_len, and leave the IPv4 header checksum to the port. With
 * tx_tso_v4, every IPv4 segment (TSO or not) carries RTE_MBUF_F_TX_IPV4 |
 * RTE_MBUF_F_TX_IP_CKSUM, so the IP layer can leave the header checksum
 * of all of them 0 (ife_net_cfg.tx_ip4_cksum_offload).
 */
typedef int (*ife_tcp_output_fn)(void *ctx, struct rte_mbuf *m,
				 const struct ife_tcp_ip *ip);

/** Largest TSO super-segment payload: an IPv4 total length of 65535 less
 * the IPv4 header (20) and the largest TCP header (60). */
#define IFE_TCP_TSO_MAX (65535u - 20u - 60u)

/** Stack creation parameters. Zero fields take the documented default. */
struct ife_tcp_params {
	/* required */
	struct rte_mempool *mp;	     /**< mbufs for output segments */
	ife_tcp_output_fn ip_output; /**< see ife_tcp_output_fn */
	void *output_ctx;	     /**< first argument of ip_output */
	ife_tcp_event_fn event;	     /**< see ife_tcp_event_fn */
	void *app;		     /**< first argument of event */
	/* sizing */
	uint32_t max_conns;   /**< TCBs incl. SYN_RCVD/TIME_WAIT; 65536 */
	uint32_t wheel_slots; /**< timer wheel slots of 1 ms, pow2; 4096 */
	int socket_id;	      /**< NUMA node for the tables; SOCKET_ID_ANY=-1 */
	uint16_t mtu;	      /**< IP MTU for the MSS we announce; 1500 */
	uint8_t cc;	      /**< enum ife_tcp_cc; NEWRENO */
	bool tx_csum_offload; /**< the port computes TCP checksums on TX */
	uint32_t rcv_buf;     /**< receive window bytes per conn; 262144 */
	uint32_t snd_buf;     /**< send queue bytes per conn; 262144 */
	/** The port segments TCP/IPv4 super-segments (TSO) and computes
	 * IPv4 header checksums: new data may go out as one chain of up to
	 * tso_max bytes, and every IPv4 segment carries
	 * RTE_MBUF_F_TX_IP_CKSUM (see ife_tcp_output_fn). */
	bool tx_tso_v4;
	bool tx_tso_v6; /**< the same for TCP/IPv6 (no IP checksum) */
	/** mbufs one TSO packet may span (the port's nb_seg_max); 0 = no
	 * limit. A super-segment is cut short to fit. */
	uint16_t tso_max_segs;
	/** wire segments one super-segment may become; 0 = no limit
	 * (net_tap's software GSO makes at most 64) */
	uint16_t tso_max_pkts;
	/** IP MTU the port checks each wire segment of a super-segment
	 * against, when below mtu: a wire segment then carries at most
	 * tso_mtu - IP header - TCP header bytes. net_tap counts the
	 * Ethernet header in its MTU (it refuses l2 + l3 + l4 + tso_segsz >
	 * MTU), so imapfe-dataplane passes mtu - 14 for it. 0 = mtu;
	 * otherwise 256..mtu. */
	uint16_t tso_mtu;
	/** payload bytes of one super-segment, 1..IFE_TCP_TSO_MAX; 0 =
	 * IFE_TCP_TSO_MAX (the 16-bit IP length with the largest headers) */
	uint32_t tso_max;
	/** in-order + out-of-order mbufs per conn; 0 = enough for rcv_buf
	 * in segments of 1 KiB, at least 512. The window never offers more
	 * than the mbufs left here can hold in full-sized segments. */
	uint16_t rcvq_max_segs;
	uint16_t ooo_max_segs; /**< out-of-order mbufs per conn; 64 */
	/** mbufs all receive queues of the stack may hold together, so
	 * that data waiting for the app never starves the RX ring of the
	 * pool; half the pool's size (beyond, data is dropped, counted in
	 * drop_rx_mem, and windows stop opening at 3/4 of it) */
	uint32_t rx_mbuf_max;
	/** mbufs all send queues of the stack may hold together; 3/8 of the
	 * pool's size. Beyond it ife_tcp_send_space() says 0, writes answer
	 * IFE_AGAIN (counted in tx_mem_wait) and the connections waiting get
	 * WRITABLE once the send queues are back under 3/4 of it: no peer can
	 * make the stack spend the mbufs its RX ring and ACKs need. */
	uint32_t tx_mbuf_max;
	/* timers, milliseconds */
	uint32_t rto_min_ms;   /**< 200 */
	uint32_t rto_max_ms;   /**< 60000 (RFC 6298 2.5) */
	uint32_t rto_init_ms;  /**< 1000 (RFC 6298 2.1) */
	uint32_t delack_ms;    /**< 40 */
	uint32_t time_wait_ms; /**< 2*MSL; 60000 */
	/** TIME_WAIT TCBs kept at most; beyond, a closing connection skips
	 * TIME_WAIT (as Linux tcp_max_tw_buckets); max_conns / 2 */
	uint32_t time_wait_max;
	uint32_t fin_wait2_ms;	     /**< orphan FIN_WAIT_2 limit; 60000 */
	uint32_t keepalive_idle_ms;  /**< 0 = keepalive off */
	uint32_t keepalive_intvl_ms; /**< 75000 */
	uint8_t keepalive_probes;    /**< 9 */
	uint8_t max_retries;	     /**< data retransmissions; 12 */
	uint8_t syn_retries;	     /**< SYN / SYN-ACK retransmissions; 5 */
	uint8_t pad0;
	uint32_t challenge_ack_limit; /**< RFC 5961 ACKs per second; 1000 */
	/** Random bytes for ISNs (RFC 6528), SYN cookies and table hashing. */
	uint8_t secret[32];
};

/** Per-core counters (monotonic). Every drop has its own reason. */
struct ife_tcp_stats {
	/* traffic */
	uint64_t rx_segs, rx_bytes, tx_segs, tx_bytes;
	uint64_t tx_data_segs, tx_acks, tx_rst, tx_syn, tx_synack, tx_fin;
	uint64_t tx_no_mbuf, tx_output_err;
	/* drops on input, one counter per reason */
	uint64_t drop_short;	    /**< shorter than a TCP header / IP len */
	uint64_t drop_bad_doff;	    /**< data offset < 5 or beyond segment */
	uint64_t drop_bad_csum;	    /**< checksum failed (soft or NIC) */
	uint64_t drop_bad_flags;    /**< SYN+FIN, SYN+RST, no flags... */
	uint64_t drop_bad_addr;	    /**< broadcast/multicast/port 0/family */
	uint64_t drop_no_conn;	    /**< no TCB, no listener (RST sent) */
	uint64_t drop_listen_noack; /**< LISTEN got ACK or data (RST sent) */
	uint64_t drop_pool_full;    /**< no free TCB for a new connection */
	uint64_t drop_bad_cookie;   /**< ACK to a SYN cookie failed to verify */
	uint64_t drop_paws;	    /**< RFC 7323 PAWS */
	uint64_t drop_out_of_window; /**< unacceptable sequence number */
	uint64_t drop_ack_invalid;   /**< ACK outside RFC 5961 bounds */
	uint64_t drop_no_ack_flag;   /**< synchronized state, no ACK */
	uint64_t drop_syn_sent_bad;  /**< bad ACK/RST in SYN_SENT */
	uint64_t drop_rcvq_full;     /**< receive segment limit reached */
	uint64_t drop_ooo_full;	     /**< out-of-order limit reached */
	uint64_t drop_rx_mem;	     /**< stack receive budget spent */
	uint64_t drop_after_close;   /**< data after the app closed (RST) */
	uint64_t drop_rst_ignored;   /**< RST outside the window */
	/* connection events */
	uint64_t listen_syns, syn_backlog_full, synack_retrans;
	uint64_t syncookies_sent, syncookies_ok;
	uint64_t conn_accepted, conn_connected, conn_connect_fail;
	uint64_t conn_closed, conn_reset_rx, conn_timeout, conn_aborted;
	uint64_t conn_time_wait, conn_tw_reused, conn_tw_overflow;
	uint64_t conn_keepalive_drop;
	/* TCP events worth graphing */
	uint64_t rto_fired, retrans_segs, fast_retrans, dupacks_rx;
	uint64_t recovery_partial, recovery_full, spurious_rto_undo;
	uint64_t ooo_segs, ooo_dup, dup_data_segs, delayed_acks;
	uint64_t sack_blocks_tx, zero_window_tx, zwp_tx, keepalive_tx;
	uint64_t challenge_acks, challenge_acks_limited, pmtu_updates;
	/* sender-side SACK (RFC 2018, RFC 6675) */
	uint64_t sack_blocks_rx;  /**< SACK blocks on ACKs, all kinds */
	uint64_t sack_blocks_bad; /**< outside SND.UNA..SND.MAX: ignored */
	uint64_t sack_dsack_rx;	  /**< D-SACK blocks (RFC 2883): counted */
	uint64_t sack_recovery;	  /**< fast recoveries run by the scoreboard */
	uint64_t sack_rto_recovery; /**< RTOs that kept the scoreboard */
	uint64_t
		sack_retrans_segs; /**< retransmitted by NextSeg (in retrans) */
	uint64_t sack_reneging;	   /**< SACKed data later not acked */
	/* memory */
	uint64_t tx_mem_wait; /**< writes refused: tx_mbuf_max reached */
	uint64_t tx_mem_wake; /**< WRITABLE raised when it freed again */
	/* TCP segmentation offload (each super-segment also counts as the
	 * wire segments it becomes in tx_segs and tx_data_segs, and its
	 * payload in tx_bytes) */
	uint64_t tx_tso;       /**< super-segments handed to the port */
	uint64_t tx_tso_bytes; /**< their payload bytes */
	/* RX batches (ife_tcp_batch_begin) */
	uint64_t out_deferred; /**< connection outputs held to batch end */
	/** ACKs taken from unacceptable segments (window probes) while our
	 * window was zero (RFC 9293 special allowance) */
	uint64_t zero_wnd_acks;
};

/**
 * Every field of struct ife_tcp_stats, in order, for exporters:
 * \code
 * #define F(name) printf("%s %lu\n", #name, stats->name);
 * IFE_TCP_STATS_FIELDS(F)
 * \endcode
 */
// clang-format off
#define IFE_TCP_STATS_FIELDS(X) \
	X(rx_segs) X(rx_bytes) X(tx_segs) X(tx_bytes) X(tx_data_segs) \
	X(tx_acks) X(tx_rst) X(tx_syn) X(tx_synack) X(tx_fin) X(tx_no_mbuf) \
	X(tx_output_err) X(drop_short) X(drop_bad_doff) X(drop_bad_csum) \
	X(drop_bad_flags) X(drop_bad_addr) X(drop_no_conn) \
	X(drop_listen_noack) X(drop_pool_full) X(drop_bad_cookie) \
	X(drop_paws) X(drop_out_of_window) X(drop_ack_invalid) \
	X(drop_no_ack_flag) X(drop_syn_sent_bad) X(drop_rcvq_full) \
	X(drop_ooo_full) X(drop_rx_mem) X(drop_after_close) \
	X(drop_rst_ignored) \
	X(listen_syns) X(syn_backlog_full) X(synack_retrans) \
	X(syncookies_sent) X(syncookies_ok) X(conn_accepted) \
	X(conn_connected) X(conn_connect_fail) X(conn_closed) \
	X(conn_reset_rx) X(conn_timeout) X(conn_aborted) X(conn_time_wait) \
	X(conn_tw_reused) X(conn_tw_overflow) X(conn_keepalive_drop) \
	X(rto_fired) X(retrans_segs) X(fast_retrans) X(dupacks_rx) \
	X(recovery_partial) X(recovery_full) X(spurious_rto_undo) \
	X(ooo_segs) X(ooo_dup) X(dup_data_segs) X(delayed_acks) \
	X(sack_blocks_tx) X(zero_window_tx) X(zwp_tx) X(keepalive_tx) \
	X(challenge_acks) X(challenge_acks_limited) X(pmtu_updates) \
	X(sack_blocks_rx) X(sack_blocks_bad) X(sack_dsack_rx) \
	X(sack_recovery) X(sack_rto_recovery) X(sack_retrans_segs) \
	X(sack_reneging) X(tx_mem_wait) X(tx_mem_wake) X(tx_tso) \
	X(tx_tso_bytes) X(out_deferred) X(zero_wnd_acks)
// clang-format on

/** States of RFC 9293 section 3.3.2. */
enum ife_tcp_state {
	IFE_TCP_CLOSED = 0,
	IFE_TCP_LISTEN,
	IFE_TCP_SYN_SENT,
	IFE_TCP_SYN_RCVD,
	IFE_TCP_ESTABLISHED,
	IFE_TCP_FIN_WAIT_1,
	IFE_TCP_FIN_WAIT_2,
	IFE_TCP_CLOSE_WAIT,
	IFE_TCP_CLOSING,
	IFE_TCP_LAST_ACK,
	IFE_TCP_TIME_WAIT,
};

/** Read-only snapshot of one connection, for tests, stats and imapctl. */
struct ife_tcp_info {
	uint8_t state, snd_wscale, rcv_wscale, family;
	bool ts_ok, sack_ok, in_recovery;
	uint16_t mss, lport, rport;
	uint8_t laddr[16], raddr[16]; /**< as ife_tcp_ip (IPv4: first 4) */
	uint32_t snd_una, snd_nxt, snd_max, snd_wnd, rcv_nxt, rcv_wnd;
	uint32_t cwnd, ssthresh, srtt_ms, rttvar_ms, rto_ms;
	uint32_t sndq_bytes, rcvq_bytes, ooo_segs;
	uint8_t backoff, dupacks;
	/* for diagnostics (imapfe-dataplane --conn-dump) */
	uint32_t flags;	      /**< internal flag bits: ife_tcp_flags_str() */
	int32_t rexmt_ms;     /**< retransmit/persist timer due in; -1 off */
	int32_t delack_ms;    /**< delayed-ACK timer due in; -1 off */
	int32_t keep_ms;      /**< keepalive/TIME_WAIT timer due in; -1 off */
	uint32_t idle_ms;     /**< since the last segment received */
	uint32_t max_snd_wnd; /**< largest window the peer offered */
};

/**
 * Names of the set bits of ife_tcp_info.flags, space separated, into
 * @p buf (always terminated). @return strlen of the full text, as
 * snprintf (may exceed @p len - 1 when cut).
 */
int ife_tcp_flags_str(uint32_t flags, char *buf, size_t len);

/**
 * Create a stack. All memory is allocated here (rte_zmalloc_socket).
 * @param p parameters; p->mp, p->ip_output and p->event are required.
 * @param st_r receives the stack.
 * @return 0, -EINVAL (missing or out-of-range parameter, message on stderr
 *         is not printed; see docs: among others tso_max above
 *         IFE_TCP_TSO_MAX, tso_mtu outside 256..mtu), -ENOMEM.
 */
int ife_tcp_stack_create(const struct ife_tcp_params *p,
			 struct ife_tcp_stack **st_r);

/**
 * Destroy a stack: frees every queued mbuf and all memory, without sending
 * anything or raising events. Sets *@p st to NULL. NULL is a no-op.
 */
void ife_tcp_stack_destroy(struct ife_tcp_stack **st);

/** Counters of @p st; valid for the stack's lifetime. */
const struct ife_tcp_stats *ife_tcp_stats(const struct ife_tcp_stack *st);

/** Connections in use (every state that holds a TCB). */
uint32_t ife_tcp_conn_count(const struct ife_tcp_stack *st);

/** Mbufs the stack holds now: in receive and out-of-order queues (@p rx,
 * against ife_tcp_params.rx_mbuf_max) and in send queues (@p tx, against
 * tx_mbuf_max). Safe to read from another thread (a gauge, may be stale). */
void ife_tcp_mbufs_held(const struct ife_tcp_stack *st, uint32_t *rx,
			uint32_t *tx);

/**
 * Listen on a local port (any local address, both families).
 * @param backlog maximum SYN_RCVD connections; beyond it SYN cookies answer.
 * @param ctx initial conn_ctx of connections accepted on this port.
 * @return 0, -EINVAL (port 0 or backlog 0), IFE_EEXIST, -ENOSPC (16 ports).
 */
int ife_tcp_listen(struct ife_tcp_stack *st, uint16_t port, uint32_t backlog,
		   void *ctx);

/** Stop listening; existing connections continue. @return 0 or
 * IFE_ENOTFOUND. */
int ife_tcp_unlisten(struct ife_tcp_stack *st, uint16_t port);

/**
 * Process one received segment. Takes ownership of @p m (freed or queued).
 * @p m's data starts at the TCP header; its pkt_len may exceed ip->len
 * (Ethernet padding is trimmed). The checksum is verified in software unless
 * m->ol_flags says the NIC did. Events are raised through params.event and
 * replies through params.ip_output before this returns. Never fails: drops
 * are counted in ife_tcp_stats.
 */
void ife_tcp_input(struct ife_tcp_stack *st, struct rte_mbuf *m,
		   const struct ife_tcp_ip *ip, uint64_t now);

/**
 * Start an RX batch: until ife_tcp_batch_end(), what ife_tcp_input() and
 * the application's writes in its event callbacks would send on a
 * connection waits, and goes at the batch end in one pass. So every
 * segment sent for a burst of received segments carries the last ACK, and
 * one ACK covers the burst. Duplicate ACKs (a segment out of order, or
 * old) still go at once; RSTs, SYN-ACKs, challenge ACKs are never held.
 * At most IFE_TCP_DEFER_MAX (256) connections wait; more output at once.
 */
void ife_tcp_batch_begin(struct ife_tcp_stack *st);

/**
 * End the batch ife_tcp_batch_begin() started: send what each connection
 * held, and its owed ACK, then rearm its timers. A no-op outside a batch.
 */
void ife_tcp_batch_end(struct ife_tcp_stack *st, uint64_t now);

/**
 * Run due timers (retransmission, delayed ACK, persist, keepalive,
 * TIME_WAIT) and free closed connections. Call once per poll iteration;
 * cost is O(1) when nothing is due.
 */
void ife_tcp_timers(struct ife_tcp_stack *st, uint64_t now);

/**
 * Path MTU for a connection was lowered (ICMP fragmentation needed,
 * RFC 1191, or ICMPv6 packet too big, RFC 8201). @p ip and ports identify
 * the connection as in the ICMP payload: src/sport = us. Lowers the MSS and
 * retransmits. @return 0, IFE_ENOTFOUND, -EINVAL (mtu too small).
 */
int ife_tcp_pmtu_update(struct ife_tcp_stack *st, const struct ife_tcp_ip *ip,
			uint16_t sport, uint16_t dport, uint16_t mtu,
			uint64_t now);

/**
 * Active open. @p ip->src / @p lport are ours (lport 0 picks one), dst /
 * rport the peer. Sends the SYN; IFE_TCP_EV_CONNECTED or a final event
 * follows. The caller must pick a local port that the peer's replies hash
 * to this lcore (RSS).
 * @return 0 with *@p c_r set, -EINVAL, IFE_EEXIST (4-tuple in use),
 *         -ENOSPC (pool full or no free local port), -ENOBUFS (no mbuf).
 */
int ife_tcp_connect(struct ife_tcp_stack *st, const struct ife_tcp_ip *ip,
		    uint16_t lport, uint16_t rport, void *ctx, uint64_t now,
		    struct ife_tcp_conn **c_r);

/** Set the conn_ctx passed to the event callback. */
void ife_tcp_conn_set_ctx(struct ife_tcp_conn *c, void *ctx);

/** The conn_ctx. */
void *ife_tcp_conn_ctx(const struct ife_tcp_conn *c);

/**
 * Walk the connections in use (every state, TIME_WAIT included): start
 * with *@p cursor = 0; each call returns the next one, NULL at the end.
 * Do not call from an event callback that may free connections.
 */
struct ife_tcp_conn *ife_tcp_conn_next(struct ife_tcp_stack *st,
				       uint32_t *cursor);

/** Fill @p info with the connection's current state. */
void ife_tcp_conn_info(const struct ife_tcp_stack *st,
		       const struct ife_tcp_conn *c, struct ife_tcp_info *info);

/**
 * Take all in-order received data, zero copy. On success *@p m_r is one
 * mbuf chain (pkt_len = bytes, nb_segs valid) that the caller now owns and
 * must free with rte_pktmbuf_free(); the receive window reopens.
 * @return bytes (> 0), 0 when nothing is queued and the peer has not closed,
 *         IFE_AGAIN is never returned; -EPIPE when nothing is queued and
 *         the peer has closed (end of stream).
 */
int ife_tcp_recv(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		 struct rte_mbuf **m_r, uint64_t now);

/**
 * As ife_tcp_recv(), but take whole mbufs of the receive queue only while
 * they add up to at most @p max bytes (always at least one mbuf when data
 * is queued): what is left stays in the queue, counted in the window. An
 * application that forwards what it reads (echo, a proxy) asks for
 * ife_tcp_send_space() bytes, so data never waits in its own hands.
 */
int ife_tcp_recv_max(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		     struct rte_mbuf **m_r, uint32_t max, uint64_t now);

/** Bytes ife_tcp_send/ife_tcp_write would accept now. A chain of at most
 * this many bytes is accepted whole by ife_tcp_send, whatever its number
 * of mbufs (the stack's mbuf budget may be overshot by that one chain;
 * send_space is 0 until the send queues drain below it again). */
uint32_t ife_tcp_send_space(const struct ife_tcp_stack *st,
			    const struct ife_tcp_conn *c);

/**
 * Queue an mbuf chain for sending (zero copy into the send queue). Takes
 * ownership of @p m only on success. The chain is accepted whole or not at
 * all.
 * @return bytes queued (pkt_len), IFE_AGAIN when it does not fit (a
 *         WRITABLE event follows), -EPIPE after shutdown/close, -ENOTCONN
 *         before the connection is established, -EINVAL for an empty m.
 */
int ife_tcp_send(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		 struct rte_mbuf *m, uint64_t now);

/**
 * Copy bytes into the send queue (mbufs from params.mp).
 * @return bytes copied (may be fewer than @p len), IFE_AGAIN when none fit
 *         (a WRITABLE event follows), -EPIPE, -ENOTCONN, -ENOBUFS.
 */
int ife_tcp_write(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		  const void *buf, size_t len, uint64_t now);

/**
 * Half-close: send FIN after the queued data. The handle stays valid and
 * events continue until a final event (CLOSED when the peer has also
 * closed). @return 0, -ENOTCONN (not yet established), -EPIPE (twice).
 */
int ife_tcp_shutdown(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		     uint64_t now);

/**
 * Close: send FIN after queued data and release the handle. No further
 * events are raised for @p c and the caller must not use it again; the
 * stack finishes the close (FIN_WAIT, LAST_ACK, TIME_WAIT) on its own.
 * Unread received data is freed; if there was any, or data arrives later,
 * the connection is reset (RFC 9293 3.10.4 / RFC 2525).
 */
void ife_tcp_close(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		   uint64_t now);

/** Abort: send RST, free everything. The handle is invalid afterwards. */
void ife_tcp_abort(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		   uint64_t now);

/** Name of a state, for logs. */
const char *ife_tcp_state_name(unsigned state);

#ifdef __cplusplus
}
#endif

#endif /* IFE_TCP_H */
