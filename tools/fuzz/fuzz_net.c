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
		struct ife_net_cfg cfg = {.mac = {0x02, 0, 0, 0, 0, 0x02},
					  .ip4 = 0x020012c6, /* 198.18.0.2 */
					  .l4_protos = 1ull << 6,
					  .arp_max_age = 1000};
		if (ife_net_init(&net, &cfg) != 0)
			abort();
		ready = 1;
	}
	if (size > 65536)
		return 0;
	/* Exact-size writable copy: ASAN catches any access past the end. */
	uint8_t *f = malloc(size ? size : 1);
	if (f == NULL)
		return 0;
	memcpy(f, data, size);
	uint64_t rx_before = net.cnt[IFE_NET_CNT_RX];
	uint32_t rlen = 0;
	struct ife_net_rx rx;
	net.now++;
	enum ife_net_verdict v =
		ife_net_input(&net, f, (uint32_t)size, &rlen, &rx);
	if (net.cnt[IFE_NET_CNT_RX] != rx_before + 1)
		abort();
	if (v == IFE_NET_TX && (rlen > size || rlen < 14))
		abort();
	if (v == IFE_NET_L4 && (size_t)rx.l4_off + rx.l4_len > size)
		abort();
	free(f);
	return 0;
}
