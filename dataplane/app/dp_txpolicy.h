/*
 * When a worker sends its queued frames (tx-coalesce-us). EAL-free, so
 * that the unit tests can drive it with plain numbers.
 */
#ifndef IFE_DP_TXPOLICY_H
#define IFE_DP_TXPOLICY_H

#include <stdbool.h>
#include <stdint.h>

/* tx-coalesce-us holds no more frames than this. */
#define IFE_DP_TX_COALESCE_MAX 64

/*
 * At the end of a poll, with @p ntx frames queued, the last burst sent at
 * @p last_ns and the clock at @p now_ns: send now? With coalesce_ns = 0,
 * whenever something is queued. Otherwise this is interrupt moderation as
 * the peer sees it: under load a burst at most every coalesce_ns, each one
 * bigger, so that a kernel peer takes one wake-up per burst (veth,
 * af_packet) and handles more segments per softirq; when the last burst
 * is older than that (light load) frames go at once and wait for nothing.
 * IFE_DP_TX_COALESCE_MAX frames never wait.
 */
static inline bool
ife_dp_tx_due(uint32_t ntx, uint64_t now_ns, uint64_t last_ns,
	      uint64_t coalesce_ns)
{
	if (ntx == 0)
		return false;
	return coalesce_ns == 0 || ntx >= IFE_DP_TX_COALESCE_MAX ||
	       now_ns - last_ns >= coalesce_ns;
}

#endif
