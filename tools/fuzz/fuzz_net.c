/*
 * libFuzzer target: one Ethernet frame through ife_net_input(). Checks the
 * verdict accounting invariant and that a reply never grows the frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ife_net net;
	static int ready;
	if (!ready) {
		struct ife_net_cfg cfg = {
			.mac = {0x02, 0, 0, 0, 0, 0x02},
			.ip4 = 0x020012c6, /* 198.18.0.2 */
			.ip6 = {0x20, 0x01, 0x00, 0x02, [15] = 2},
			.l4_protos = 1ull << 6,
			.neigh_max_age = 1000,
			.solicit_interval = 10,
		};
		if (ife_net_init(&net, &cfg) != 0)
			abort();
		ready = 1;
	}
	if (size > 65536)
		return 0;
	/* The first byte picks the spare capacity (0..255) after the frame;
	 * the buffer is exactly len + spare, so ASAN catches any access past
	 * what ife_net_input() was allowed. */
	uint32_t spare = size ? data[0] : 0;
	if (size) {
		data++;
		size--;
	}
	uint8_t *f = malloc(size + spare + 1);
	if (f == NULL)
		return 0;
	memcpy(f, data, size);
	uint64_t rx_before = net.cnt[IFE_NET_CNT_RX];
	uint32_t rlen = 0;
	struct ife_net_rx rx;
	net.now++;
	enum ife_net_verdict v = ife_net_input(
		&net, f, (uint32_t)size, (uint32_t)(size + spare), &rlen, &rx);
	if (net.cnt[IFE_NET_CNT_RX] != rx_before + 1)
		abort();
	if (v == IFE_NET_TX && (rlen > size + spare || rlen < 14))
		abort();
	if ((v == IFE_NET_L4 || v == IFE_NET_ICMP_ERR) &&
	    (size_t)rx.l4_off + rx.l4_len > size)
		abort();
	/* Exercise the output path with whatever the input taught the cache. */
	if (v == IFE_NET_L4 && rx.l4_off >= IFE_NET_MAX_HDR) {
		struct ife_net_tx tx = {.family = rx.family, .proto = rx.proto};
		memcpy(tx.src, rx.dst, 16);
		memcpy(tx.dst, rx.src, 16);
		uint8_t *frame;
		uint32_t flen;
		int rc = ife_net_output(&net, f + rx.l4_off, rx.l4_len,
					rx.l4_off, &tx, &frame, &flen);
		if (rc == 0 && (frame < f || frame + flen > f + size))
			abort();
		if (rc != 0) {
			uint8_t sol[IFE_NET_NS_FRAME_LEN];
			ife_net_solicit(&net, rx.family, rx.src, sol);
		}
	}
	free(f);
	return 0;
}
