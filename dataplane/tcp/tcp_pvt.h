/*
 * Internals of the TCP module, shared by its .c files and its tests.
 * Not part of the API: see tcp.h.
 */
#ifndef IFE_TCP_PVT_H
#define IFE_TCP_PVT_H

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#include "imapfe/err.h"
#include "tcp.h"

/* Sequence-number arithmetic (RFC 9293 3.4), wrap-safe. */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
/* The same for millisecond clocks and timestamps. */
#define TS_LT(a, b)  SEQ_LT(a, b)
#define TS_LEQ(a, b) SEQ_LEQ(a, b)

#define IFE_TCP_NIL	   UINT32_MAX /* no connection index */
#define IFE_TCP_MAX_LISTEN 16
#define IFE_TCP_NO_LISTEN  0xff
#define IFE_TCP_MAX_WSCALE 14
#define IFE_TCP_MSS_MIN	   88 /* smallest MSS we accept from a peer */
#define IFE_TCP_DUPTHRESH  3  /* RFC 5681 / RFC 6675 DupThresh */

/* TCP header flags. */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

/* Option kinds (RFC 9293, RFC 7323, RFC 2018). */
#define TCPOPT_EOL	 0
#define TCPOPT_NOP	 1
#define TCPOPT_MSS	 2
#define TCPOPT_WSCALE	 3
#define TCPOPT_SACK_OK	 4
#define TCPOPT_SACK	 5
#define TCPOPT_TIMESTAMP 8

/* Connection flags (ife_tcp_conn.flags). */
enum {
	TF_TS_OK = 1u << 0,	  /* timestamps negotiated */
	TF_SACK_OK = 1u << 1,	  /* peer accepts SACK blocks */
	TF_WS_OK = 1u << 2,	  /* window scaling negotiated */
	TF_ACKNOW = 1u << 3,	  /* send an ACK at the next output */
	TF_DELACK = 1u << 4,	  /* an ACK is owed (delayed) */
	TF_FIN_PENDING = 1u << 5, /* FIN to be sent after queued data */
	TF_FIN_SENT = 1u << 6,	  /* FIN has been sent (in snd_max) */
	TF_APP_CLOSED = 1u << 7,  /* app released the handle: no events */
	TF_RECOVERY = 1u << 8,	  /* fast recovery (NewReno or SACK) */
	TF_PERSIST = 1u << 9,	  /* t_rexmt is the persist timer */
	TF_IN_WHEEL = 1u << 10,	  /* linked in the timer wheel */
	TF_WANT_WRITE = 1u << 11, /* app got a short write */
	TF_PEER_FIN = 1u << 12,	  /* FIN received (rcv_nxt counts it) */
	TF_PASSIVE = 1u << 13,	  /* created by a listener */
	TF_RTT_TIMING = 1u << 14, /* rtt_seq/rtt_start time a segment */
	TF_IN_HASH = 1u << 15,	  /* linked in the connection table */
	TF_ACK_OWED2 = 1u << 16,  /* one segment since the last ACK */
	TF_FREED = 1u << 17,	  /* on the free list */
	TF_SHUT_WR = 1u << 18,	  /* app called shutdown/close */
	TF_EIFEL = 1u << 19,	  /* RTO fired; rtt_start = its time */
	TF_OUT_RETRY = 1u << 20,  /* output failed for want of mbufs */
	TF_SACKED = 1u << 21,	  /* send-queue mbufs carry SACK marks */
	TF_SACK_RXT = 1u << 22,	  /* RFC 6675 pipe/NextSeg drive output */
	TF_RTO_LOSS = 1u << 23,	  /* unSACKed data below recover is lost */
	TF_TX_WAIT = 1u << 24,	  /* in txwait: refused for tx_mbuf_max */
	TF_DEFER = 1u << 25,	  /* output waits for ife_tcp_batch_end */
	TF_DUPACK = 1u << 26,	  /* the owed ACK is a duplicate: no wait */
};

/* Connections one batch defers (ife_tcp_batch_begin); the rest output at
 * once. 256 is a whole RX burst of single-segment connections. */
#define IFE_TCP_DEFER_MAX 256

/*
 * The TCB. Must stay <= 256 bytes (issue 5); fields grouped by use.
 * Times are milliseconds of the stack clock (uint32, wrap-safe); a timer
 * deadline of 0 means off.
 */
struct ife_tcp_conn {
	/* links: indexes into st->conns */
	uint32_t hnext;	  /* hash chain */
	uint32_t tnext;	  /* timer wheel slot list / free list */
	uint32_t tprev;	  /* timer wheel slot list */
	uint32_t t_wheel; /* tick the wheel entry is filed at */
	/* identity */
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport; /* host order */
	uint8_t state, family;
	uint8_t snd_wscale, rcv_wscale;
	uint32_t flags;
	uint16_t mss; /* payload bytes per segment we send (no options) */
	uint8_t dupacks, backoff;
	uint8_t retries; /* SYN retransmissions, or keepalive probes */
	uint8_t listen_idx;
	uint8_t ooo_segs;
	uint8_t pad;
	/* send sequence space */
	uint32_t iss, snd_una, snd_nxt, snd_max;
	uint32_t snd_wnd, snd_wl1, snd_wl2, max_snd_wnd, recover;
	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge advertised */
	uint32_t ts_recent, ts_recent_age;
	/* congestion control and RTT (RFC 6298; srtt in 1/8 ms, rttvar 1/4) */
	uint32_t cwnd, ssthresh;
	uint32_t srtt, rttvar, rto, rtt_seq, rtt_start;
	uint32_t cc_w_max, cc_epoch, cc_k, cc_w_est; /* CUBIC */
	/* timers */
	uint32_t t_rexmt, t_delack, t_keep, last_rx;
	uint32_t sack_last; /* seq of the last out-of-order segment */
	uint32_t sndq_bytes;
	/* queues */
	struct rte_mbuf *sndq_head, *sndq_tail; /* from snd_una, by ->next */
	struct rte_mbuf *rcvq_head, *rcvq_tail; /* one chain, head has sums */
	struct rte_mbuf *ooo_head; /* packets by seq; seq in hash.usr */
	/* send cursor: snd_cur starts at byte snd_cur_off of the queue, so
	 * output does not walk the queue from its head each segment */
	struct rte_mbuf *snd_cur;
	uint32_t snd_cur_off;
	/* SACK loss recovery (tcp_sack.c): HighRxt of RFC 6675, the end of
	 * what this recovery has retransmitted; the scoreboard itself is on
	 * the send queue's mbufs (struct tcp_sack_marks) */
	uint32_t high_rxt;
	void *ctx;
};

static_assert(sizeof(struct ife_tcp_conn) <= 256,
	      "TCP state per idle connection must stay <= 256 bytes");

/*
 * SACK marks of one send-queue mbuf (tcp_sack.c): up to two SACKed byte
 * ranges [s, e), offsets from the mbuf's data, sorted, disjoint and not
 * adjacent; e == 0 ends the list. Kept in m->hash, which nothing else uses
 * on the send queue (output copies; no send-queue mbuf reaches a PMD), and
 * cleared when an mbuf joins the queue.
 */
struct tcp_sack_marks {
	uint16_t s[2], e[2];
};

static_assert(sizeof(struct tcp_sack_marks) <=
		      sizeof(((struct rte_mbuf *)0)->hash),
	      "SACK marks must fit in the mbuf's hash field");

static inline void
tcp_sack_marks_clear(struct rte_mbuf *m)
{
	memset(&m->hash, 0, sizeof(struct tcp_sack_marks));
}

struct ife_tcp_listener {
	uint16_t port; /* 0 = free slot */
	uint32_t backlog, syn_count;
	void *ctx;
};

struct ife_tcp_stack {
	struct ife_tcp_params p;
	struct ife_tcp_stats stats;
	/* clock */
	uint64_t now_ns;
	uint32_t now_ms;
	/* connection pool and table (tcp_table.c) */
	struct ife_tcp_conn *conns;
	uint32_t nconns, free_head, used;
	uint32_t *buckets;
	uint32_t bucket_mask;
	/* timer wheel (tcp_timer.c) */
	uint32_t *wheel;
	uint32_t wheel_mask;
	uint32_t wheel_tick; /* last tick processed */
	uint32_t walk_next;  /* see tcp_timer.c */
	/* listeners and SYN handling (tcp_conn.c) */
	struct ife_tcp_listener lis[IFE_TCP_MAX_LISTEN];
	uint32_t cookie_sent_ms; /* last time a cookie was sent; 0 never */
	uint32_t tw_count;	 /* connections in TIME_WAIT */
	uint32_t rx_held; /* mbufs in all receive and out-of-order queues */
	uint32_t tx_held; /* mbufs in all send queues */
	/* connections refused for tx_mbuf_max, woken by ife_tcp_timers */
	uint32_t *txwait;
	uint32_t txwait_n;
	uint16_t next_eport;
	uint8_t rcv_wscale;
	uint8_t has_cookie;
	/* RFC 5961 challenge ACK budget */
	uint32_t chack_sec, chack_count;
	/* payload bytes an output mbuf can carry after options */
	uint16_t max_seg_payload;
	uint16_t mss_v4, mss_v6;
	/* bytes an mbuf of p.mp holds after its headroom (TSO chains) */
	uint16_t seg_room;
	/* keys: [0..1] table hash, [2..3] ISN, [4..5] cookies */
	uint64_t key[6];
	/* event delivery: at most one connection has pending events */
	struct ife_tcp_conn *ev_conn;
	unsigned ev_bits;
	struct ife_tcp_conn *busy; /* being processed: not freed under us */
	uint8_t batch;		   /* ife_tcp_batch_begin .. _end */
	uint32_t ndefer;
	uint32_t defer[IFE_TCP_DEFER_MAX]; /* conn indexes, TF_DEFER set */
};

/* Parsed options of one segment. */
struct tcp_opts {
	uint16_t mss;
	uint8_t wscale; /* 0xff absent */
	uint8_t sack_ok;
	uint8_t has_ts;
	uint8_t nsack;
	uint32_t tsval, tsecr;
	uint32_t sack[4][2];
};

/* A received segment being processed (tcp_input.c). */
struct tcp_seg {
	uint32_t seq, ack, wnd; /* wnd raw (unscaled) */
	uint32_t len;		/* payload bytes */
	uint8_t flags;
	struct tcp_opts o;
	struct rte_mbuf *m; /* payload (data at it), or NULL */
};

static inline uint32_t
conn_idx(const struct ife_tcp_stack *st, const struct ife_tcp_conn *c)
{
	return (uint32_t)(c - st->conns);
}

static inline uint32_t
tcp_min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static inline uint32_t
tcp_max32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* Deadline helper: never 0 (0 means off). */
static inline uint32_t
tcp_deadline(const struct ife_tcp_stack *st, uint32_t ms)
{
	uint32_t d = st->now_ms + ms;
	return d ? d : 1;
}

static inline uint32_t
tcp_rcvq_bytes(const struct ife_tcp_conn *c)
{
	return c->rcvq_head ? c->rcvq_head->pkt_len : 0;
}

/* SipHash-2-4 (tcp_table.c), keyed per stack. */
uint64_t tcp_siphash(const uint64_t key[2], const void *data, size_t len);

/* tcp_table.c */
struct ife_tcp_conn *tcp_conn_alloc(struct ife_tcp_stack *st);
void tcp_conn_free(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
struct ife_tcp_conn *tcp_lookup(struct ife_tcp_stack *st, uint8_t family,
				const uint8_t *laddr, uint16_t lport,
				const uint8_t *raddr, uint16_t rport);
void tcp_hash_insert(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
void tcp_hash_remove(struct ife_tcp_stack *st, struct ife_tcp_conn *c);

/* tcp_timer.c */
int tcp_wheel_init(struct ife_tcp_stack *st);
void tcp_timer_update(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
void tcp_timer_remove(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
void tcp_rexmt_start(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
uint32_t tcp_rto_cur(const struct ife_tcp_stack *st,
		     const struct ife_tcp_conn *c);
void tcp_rtt_sample(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		    uint32_t rtt_ms);

/* tcp_cc.c */
void tcp_cc_init(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
void tcp_cc_ack(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		uint32_t acked);
uint32_t tcp_cc_ssthresh(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
void tcp_cc_timeout(struct ife_tcp_stack *st, struct ife_tcp_conn *c);

/* tcp_sack.c */
uint32_t tcp_sack_update(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
			 const struct tcp_seg *s);
int tcp_sack_check_reneging(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
int tcp_sack_una_lost(struct ife_tcp_conn *c);
void tcp_sack_shift(struct rte_mbuf *m, uint32_t n);
uint32_t tcp_sack_output(struct ife_tcp_stack *st, struct ife_tcp_conn *c);

/* tcp_output.c */
int tcp_output(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
int tcp_send_seg(struct ife_tcp_stack *st, struct ife_tcp_conn *c, uint32_t seq,
		 uint32_t len, uint8_t flags);
void tcp_send_ack(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
/* Send what the windows allow, then a pure ACK if one is still owed, and
 * rearm the timers: the end of every processing of @p c. */
void tcp_output_ack(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
bool tcp_defer(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
void tcp_send_challenge_ack(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
void tcp_send_reset(struct ife_tcp_stack *st, const struct ife_tcp_ip *ip,
		    uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		    uint8_t flags);
int tcp_send_synack_cookie(struct ife_tcp_stack *st,
			   const struct ife_tcp_ip *ip, uint16_t sport,
			   uint16_t dport, uint32_t iss, uint32_t irs,
			   const struct tcp_opts *o, uint16_t mss);
uint32_t tcp_rcv_window(const struct ife_tcp_stack *st,
			const struct ife_tcp_conn *c);
uint32_t tcp_pseudo_sum(uint8_t family, const uint8_t *src, const uint8_t *dst,
			uint32_t len);
uint16_t tcp_effective_mss(const struct ife_tcp_stack *st, uint8_t family,
			   uint16_t peer_mss, int ts);

/* tcp_conn.c */
uint32_t tcp_isn(struct ife_tcp_stack *st, const struct ife_tcp_conn *c);
uint32_t tcp_cookie_make(struct ife_tcp_stack *st, const struct ife_tcp_ip *ip,
			 uint16_t sport, uint16_t dport, uint32_t irs,
			 uint16_t mss, uint32_t count);
int tcp_cookie_check(struct ife_tcp_stack *st, const struct ife_tcp_ip *ip,
		     uint16_t sport, uint16_t dport, uint32_t irs,
		     uint32_t cookie, uint16_t *mss_r);
struct ife_tcp_conn *tcp_listen_input(struct ife_tcp_stack *st,
				      const struct ife_tcp_ip *ip,
				      uint16_t sport, uint16_t dport,
				      struct tcp_seg *s, int lidx);
void tcp_conn_syn_opts(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		       const struct tcp_opts *o, uint16_t peer_mss);
int tcp_find_listener(const struct ife_tcp_stack *st, uint16_t port);
void tcp_event(struct ife_tcp_stack *st, struct ife_tcp_conn *c, unsigned bits);
void tcp_events_flush(struct ife_tcp_stack *st);
void tcp_conn_drop(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		   unsigned final_event);
void tcp_conn_release(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
void tcp_finish(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
void tcp_set_state(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		   uint8_t state);
void tcp_enter_time_wait(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
void tcp_conn_established(struct ife_tcp_stack *st, struct ife_tcp_conn *c);

/* tcp_input.c */
void tcp_conn_timers(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
int tcp_parse_opts(const uint8_t *p, unsigned len, struct tcp_opts *o);
void tcp_set_clock(struct ife_tcp_stack *st, uint64_t now);
void tcp_free_queues(struct ife_tcp_stack *st, struct ife_tcp_conn *c);
struct rte_mbuf *tcp_mbuf_trim_front(struct rte_mbuf *m, uint32_t n);
struct rte_mbuf *tcp_mbuf_trim_tail(struct rte_mbuf *m, uint32_t n);

#endif /* IFE_TCP_PVT_H */
