/**
 * @file fault.h
 * @brief Fault injection between the PMD and the stack (issue 5).
 *
 * Operates on bursts of rte_mbuf, per direction (RX: after rte_eth_rx_burst
 * and before the stack; TX: after the stack and before rte_eth_tx_burst):
 * drop, delay, reorder and duplicate, each with its own probability, drawn
 * from a seedable PRNG (xoshiro256**) so that a run can be repeated
 * exactly. Off by default: with every probability zero, ife_fault_burst()
 * returns its input untouched at the cost of one branch.
 *
 * One ife_fault per worker lcore (no locks; not thread-safe). All memory is
 * allocated by ife_fault_create(); nothing is allocated afterwards except
 * the deep copies that duplication makes (from the packet's own mempool;
 * the whole mbuf chain, offload metadata included, so TSO super-segments
 * are duplicated whole).
 *
 * Errors: 0 or negative errno (-EINVAL, -ENOMEM).
 */
#ifndef IFE_FAULT_H
#define IFE_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Direction of a burst. */
enum ife_fault_dir {
	IFE_FAULT_RX = 0,
	IFE_FAULT_TX = 1,
};

/** Probabilities (0..1) and delays for one direction. */
struct ife_fault_dir_params {
	double drop;	     /**< packet freed */
	double dup;	     /**< packet sent twice (second: a deep copy) */
	double reorder;	     /**< held for reorder_us: later packets overtake */
	double delay;	     /**< held for delay_us */
	uint32_t delay_us;   /**< default 2000 */
	uint32_t reorder_us; /**< default 1000 */
};

/** Fault-layer parameters. All-zero = off. */
struct ife_fault_params {
	uint64_t seed;			    /**< PRNG seed; 0 is valid */
	struct ife_fault_dir_params dir[2]; /**< by enum ife_fault_dir */
	uint32_t max_held; /**< packets held per direction and kind; 1024 */
};

/** Counters per direction. */
struct ife_fault_stats {
	uint64_t in;	     /**< packets offered */
	uint64_t out;	     /**< packets returned (incl. copies, releases) */
	uint64_t dropped;    /**< freed on purpose */
	uint64_t duplicated; /**< extra copies made */
	uint64_t delayed;    /**< held for delay */
	uint64_t reordered;  /**< held for reorder */
	uint64_t held_full;  /**< would be held, queue full: passed through */
	uint64_t dup_failed; /**< no room in the burst or no mbuf for a copy */
};

struct ife_fault;

/**
 * Parse a fault specification, as given by a command-line flag or the
 * configuration: comma-separated key=value pairs.
 * Keys: seed, max_held, and per direction rx.KEY / tx.KEY, or KEY alone
 * for both, where KEY is drop, dup, reorder, delay (probabilities in
 * [0, 1], or percentages with a % suffix), delay_us, reorder_us.
 * Example: "seed=7,drop=5%,rx.reorder=0.05,tx.dup=0.01,delay_us=3000".
 * An empty string or "off" gives all-zero parameters.
 * @param spec the text (NUL-terminated).
 * @param p receives the parameters (zeroed first).
 * @param err receives a message naming the bad item, if not NULL.
 * @return 0 or -EINVAL.
 */
int ife_fault_parse(const char *spec, struct ife_fault_params *p, char *err,
		    size_t errlen);

/**
 * Create a fault layer.
 * @return 0 with *@p f_r set, -EINVAL (probability outside [0, 1],
 *         max_held > 65536), -ENOMEM.
 */
int ife_fault_create(const struct ife_fault_params *p, int socket_id,
		     struct ife_fault **f_r);

/** Free held packets and the object; sets *@p f to NULL. NULL is a no-op. */
void ife_fault_destroy(struct ife_fault **f);

/** Whether any fault is configured for @p dir. */
bool ife_fault_enabled(const struct ife_fault *f, enum ife_fault_dir dir);

/**
 * Apply faults to a burst, in place. @p pkts[0..n) are the packets; the
 * array has room for @p cap entries. On return pkts[0..ret) hold the
 * packets to pass on: survivors in their order, duplicates, then held
 * packets whose time has come. Dropped packets are freed; held ones stay
 * owned by the fault layer. Call with n = 0 on every poll iteration so
 * that held packets are released when no traffic flows.
 * @param now_ns a monotonic clock in nanoseconds.
 * @return the number of packets in pkts (<= cap).
 */
uint16_t ife_fault_burst(struct ife_fault *f, enum ife_fault_dir dir,
			 struct rte_mbuf **pkts, uint16_t n, uint16_t cap,
			 uint64_t now_ns);

/** Packets currently held for @p dir. */
uint32_t ife_fault_held(const struct ife_fault *f, enum ife_fault_dir dir);

/** Counters for @p dir; valid for the object's lifetime. */
const struct ife_fault_stats *ife_fault_stats(const struct ife_fault *f,
					      enum ife_fault_dir dir);

#ifdef __cplusplus
}
#endif

#endif /* IFE_FAULT_H */
