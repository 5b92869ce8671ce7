/* Worker lcore state and poll loop of imapfe-dataplane (internal). */
#ifndef IFE_DP_WORKER_H
#define IFE_DP_WORKER_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_mempool.h>

#include "net.h"

/* Counters owned by the worker loop itself (net has its own). */
#define IFE_DP_COUNTERS(X)                          \
	X(TX_FRAMES, "tx_frames")                   \
	X(TX_GARP, "tx_garp")                       \
	X(DROP_TX_FULL, "drop_tx_queue_full")       \
	X(DROP_RX_MULTISEG, "drop_rx_multisegment") \
	X(DROP_L4_NO_HANDLER, "drop_l4_no_handler") \
	X(POLLS, "polls")                           \
	X(IDLE_POLLS, "idle_polls")

enum ife_dp_counter {
#define IFE_DP_X_ENUM(id, name) IFE_DP_CNT_##id,
	IFE_DP_COUNTERS(IFE_DP_X_ENUM)
#undef IFE_DP_X_ENUM
		IFE_DP_CNT_MAX
};

const char *ife_dp_counter_name(enum ife_dp_counter c);

/* One per worker lcore; cache-aligned, written only by its own lcore. */
struct ife_dp_worker {
	unsigned lcore;
	uint16_t port;
	uint16_t queue;
	uint16_t burst;
	uint32_t idle_sleep_us;
	int send_garp;
	struct rte_mempool *pool;
	volatile int *stop;
	uint64_t cnt[IFE_DP_CNT_MAX];
	struct ife_net net;
} __rte_cache_aligned;

/* Poll loop: rx burst, classify, tx burst, until *stop. Returns 0. */
int ife_dp_worker_run(void *arg);

#endif
