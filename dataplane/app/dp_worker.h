/* Worker lcore state and poll loop of imapfe-dataplane (internal). */
#ifndef IFE_DP_WORKER_H
#define IFE_DP_WORKER_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_mempool.h>

#include "dp_service.h"
#include "dp_txpolicy.h"
#include "fault.h"
#include "net.h"
#include "tcp.h"

/* Counters owned by the worker loop itself (net, tcp and the services
 * have their own). */
#define IFE_DP_COUNTERS(X)                              \
	X(TX_FRAMES, "tx_frames")                       \
	X(TX_GARP, "tx_garp")                           \
	X(TX_SOLICIT, "tx_solicit")                     \
	X(DROP_TX_FULL, "drop_tx_queue_full")           \
	X(DROP_TX_PREPARE, "drop_tx_prepare")           \
	X(DROP_RX_MULTISEG, "drop_rx_multisegment")     \
	X(DROP_L4_NO_HANDLER, "drop_l4_no_handler")     \
	X(DROP_OUT_NO_NEIGHBOR, "drop_out_no_neighbor") \
	X(DROP_OUT_ERROR, "drop_out_error")             \
	X(NO_MBUF, "no_mbuf")                           \
	X(POLLS, "polls")                               \
	X(IDLE_POLLS, "idle_polls")

enum ife_dp_counter {
#define IFE_DP_X_ENUM(id, name) IFE_DP_CNT_##id,
	IFE_DP_COUNTERS(IFE_DP_X_ENUM)
#undef IFE_DP_X_ENUM
		IFE_DP_CNT_MAX
};

const char *ife_dp_counter_name(enum ife_dp_counter c);

#define IFE_DP_MAX_BURST 256
/* RX array: a burst plus room for duplicates and released held packets. */
#define IFE_DP_RX_CAP 512
#define IFE_DP_TXQ    512

/* One per worker lcore; cache-aligned, written only by its own lcore. */
struct ife_dp_worker {
	/* set up by main before launch */
	unsigned lcore;
	uint16_t port;
	uint16_t queue;
	uint16_t burst;
	uint32_t idle_sleep_us;
	uint64_t tx_coalesce_ns; /* 0: flush at the end of every poll */
	int tcp_batch;		 /* ife_tcp_batch_begin/_end per RX burst */
	int send_garp;
	int tx_prepare; /* offloads on: rte_eth_tx_prepare() before a burst */
	struct rte_mempool *pool;
	volatile int *stop;
	uint64_t ns_per_tsc_q32;   /* ns = tsc * this >> 32 */
	struct ife_tcp_stack *tcp; /* NULL: TCP is handed to no one */
	struct ife_fault *fault;   /* NULL: no fault injection */
	struct ife_dp_services svc;
	/* connection dump (--conn-dump): a signal bumps *dump_sig; the
	 * worker fills dump_buf and sets dump_done to the value it served;
	 * whoever writes the file sets dump_ack = dump_done, which frees the
	 * buffer for the next dump. dump_buf NULL: no dumps. */
	volatile uint32_t *dump_sig;
	char *dump_buf;
	uint32_t dump_cap, dump_len;
	uint32_t dump_done, dump_ack; /* __atomic */
	const char *dump_path; /* set: the worker writes the file itself */
	/* the loop's own state */
	uint64_t now_ns;
	uint16_t ntx;
	uint64_t tx_last_ns; /* when the last TX burst went */
	struct rte_mbuf *txq[IFE_DP_TXQ];
	uint64_t cnt[IFE_DP_CNT_MAX];
	struct ife_net net;
} __rte_cache_aligned;

/* Poll loop: rx burst, classify, TCP, timers, tx burst, until *stop. */
int ife_dp_worker_run(void *arg);

/* The ife_tcp_output_fn of a worker (ctx = struct ife_dp_worker). */
int ife_dp_worker_ip_output(void *ctx, struct rte_mbuf *m,
			    const struct ife_tcp_ip *ip);

/* Has @p w served dump request @p want (or a later one)? */
static inline bool
ife_dp_dump_served(const struct ife_dp_worker *w, uint32_t want)
{
	return (int32_t)(__atomic_load_n(&w->dump_done, __ATOMIC_ACQUIRE) -
			 want) >= 0;
}

/* Fill w->dump_buf with one line per connection of the worker (see
 * docs/configuration.md, --conn-dump); sets w->dump_len. */
void ife_dp_worker_dump(struct ife_dp_worker *w);

/* Write the dumps of @p nw workers for request @p want to @p path (write,
 * then rename); a worker that has not served it gets a line that says so.
 * 0 or -errno. */
int ife_dp_dump_write(const char *path, const struct ife_dp_worker *w,
		      unsigned nw, uint32_t want);

/* Current time of the worker's clock in ns. */
uint64_t ife_dp_worker_clock(const struct ife_dp_worker *w);

#endif
