/*
 * Unit tests for dataplane/net: ARP, IPv4 and ICMP on frames built in
 * memory. No EAL, no root. Every frame is handed to ife_net_input() in a
 * heap buffer of exactly its length, so ASAN flags any over-read.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "imapfe/err.h"
#include "net.h"

static const uint8_t our_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t our_ip[4] = {198, 18, 0, 2};
static const uint8_t peer_ip[4] = {198, 18, 0, 1};

static uint32_t
ip_n(const uint8_t b[4])
{
	uint32_t v;
	memcpy(&v, b, 4);
	return v;
}

static struct ife_net *
new_net(void)
{
	struct ife_net *net = malloc(sizeof(*net));
	struct ife_net_cfg cfg = {.ip4 = ip_n(our_ip),
				  .l4_protos = 1ull << 6,
				  .neigh_max_age = 100};
	memcpy(cfg.mac, our_mac, 6);
	assert_non_null(net);
	assert_int_equal(ife_net_init(net, &cfg), 0);
	return net;
}

static uint16_t
ld16_test(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t
build_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
	return 14;
}

static size_t
build_arp(uint8_t *f, uint16_t op, const uint8_t *sha, const uint8_t *spa,
	  const uint8_t *tpa)
{
	size_t o = build_eth(f, bcast, sha, 0x0806);
	uint8_t *a = f + o;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, spa, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, tpa, 4);
	return o + 28;
}

/* IPv4 + payload; proto, payload given; fixes checksums. */
static size_t
build_ip(uint8_t *f, const uint8_t *src, const uint8_t *dst, uint8_t proto,
	 const uint8_t *payload, size_t plen)
{
	size_t o = build_eth(f, our_mac, peer_mac, 0x0800);
	uint8_t *ip = f + o;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + plen));
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	uint16_t c = ife_net_cksum(ip, 20);
	memcpy(ip + 10, &c, 2);
	memcpy(ip + 20, payload, plen);
	return o + 20 + plen;
}

static size_t
build_echo(uint8_t *f, size_t data_len)
{
	uint8_t icmp[1500];
	icmp[0] = 8;
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	put16(icmp + 4, 0xbeef);
	put16(icmp + 6, 7);
	for (size_t i = 0; i < data_len; i++)
		icmp[8 + i] = (uint8_t)(i * 7 + 3);
	uint16_t c = ife_net_cksum(icmp, (uint32_t)(8 + data_len));
	memcpy(icmp + 2, &c, 2);
	return build_ip(f, peer_ip, our_ip, 1, icmp, 8 + data_len);
}

static void
fix_ip_csum(uint8_t *f)
{
	uint8_t *ip = f + 14;
	ip[10] = ip[11] = 0;
	uint16_t c = ife_net_cksum(ip, (uint32_t)(ip[0] & 15) * 4);
	memcpy(ip + 10, &c, 2);
}

/* Run one frame through a private copy of exactly len bytes. */
static enum ife_net_verdict
run(struct ife_net *net, uint8_t *f, size_t len, uint32_t *rlen,
    struct ife_net_rx *rx)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, f, len);
	*rlen = 0;
	enum ife_net_verdict v = ife_net_input(net, copy, (uint32_t)len,
					       (uint32_t)len, rlen, rx);
	memcpy(f, copy, len);
	free(copy);
	return v;
}

static void
check_balance(const struct ife_net *net)
{
	uint64_t sum = net->cnt[IFE_NET_CNT_TX_ARP_REPLY] +
		       net->cnt[IFE_NET_CNT_TX_ICMP_ECHO_REPLY] +
		       net->cnt[IFE_NET_CNT_TX_ICMP6_ECHO_REPLY] +
		       net->cnt[IFE_NET_CNT_TX_NDP_ADVERT] +
		       net->cnt[IFE_NET_CNT_L4_DELIVERED] +
		       net->cnt[IFE_NET_CNT_ICMP_ERR_DELIVERED];
	for (int c = 0; c < IFE_NET_CNT_MAX; c++)
		if (strncmp(ife_net_counter_name(c), "drop_", 5) == 0)
			sum += net->cnt[c];
	assert_int_equal(sum, net->cnt[IFE_NET_CNT_RX]);
}

static void
expect_drop(struct ife_net *net, uint8_t *f, size_t len,
	    enum ife_net_counter why)
{
	uint32_t rlen;
	uint64_t before = net->cnt[why];
	assert_int_equal(run(net, f, len, &rlen, NULL), IFE_NET_DROP);
	assert_int_equal(net->cnt[why], before + 1);
	check_balance(net);
}

static void
test_net_cksum_rfc1071(void **state)
{
	(void)state;
	/* RFC 1071 section 3 example: sum 0xddf2, checksum ~ = 0x220d. */
	const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	uint16_t c = ife_net_cksum(d, sizeof(d));
	const uint8_t *b = (const uint8_t *)&c;
	assert_int_equal(b[0], 0x22);
	assert_int_equal(b[1], 0x0d);
	/* Odd length pads with zero. */
	const uint8_t o[] = {0xab};
	c = ife_net_cksum(o, 1);
	b = (const uint8_t *)&c;
	assert_int_equal(b[0], 0x54);
	assert_int_equal(b[1], 0xff);
}

static void
test_net_init_rejects_bad_config(void **state)
{
	(void)state;
	struct ife_net net;
	struct ife_net_cfg cfg = {.ip4 = ip_n(our_ip)};
	assert_int_equal(ife_net_init(&net, &cfg), -EINVAL); /* zero MAC */
	memcpy(cfg.mac, bcast, 6);
	assert_int_equal(ife_net_init(&net, &cfg), -EINVAL); /* multicast */
	memcpy(cfg.mac, our_mac, 6);
	cfg.ip4 = 0;
	assert_int_equal(ife_net_init(&net, &cfg), -EINVAL);
}

static void
test_net_arp_request_answered(void **state)
{
	(void)state;
	struct ife_net *net = new_net();
	uint8_t f[64];
	size_t len = build_arp(f, 1, peer_mac, peer_ip, our_ip);
	uint32_t rlen;
	assert_int_equal(run(net, f, len, &rlen, NULL), IFE_NET_TX);
	assert_int_equal(rlen, 42);
	assert_memory_equal(f, peer_mac, 6);	/* eth dst */
	assert_memory_equal(f + 6, our_mac, 6); /* eth src */
	assert_int_equal(f[14 + 7], 2);		/* op reply */
	assert_memory_equal(f + 14 + 8, our_mac, 6);
	assert_memory_equal(f + 14 + 14, our_ip, 4);
	assert_memory_equal(f + 14 + 18, peer_mac, 6);
	assert_memory_equal(f + 14 + 24, peer_ip, 4);
	assert_int_equal(net->cnt[IFE_NET_CNT_TX_ARP_REPLY], 1);
	uint8_t mac[6];
	assert_true(ife_net_arp_lookup(net, ip_n(peer_ip), mac));
	assert_memory_equal(mac, peer_mac, 6);
	check_balance(net);
	free(net);
}

static void
test_net_arp_cache_ages(void **state)
{
	(void)state;
	struct ife_net *net = new_net();
	uint8_t f[64], mac[6];
	size_t len = build_arp(f, 2, peer_mac, peer_ip, our_ip);
	uint32_t rlen;
	net->now = 1000;
	assert_int_equal(run(net, f, len, &rlen, NULL), IFE_NET_DROP);
	assert_int_equal(net->cnt[IFE_NET_CNT_DROP_ARP_REPLY], 1);
	assert_true(ife_net_arp_lookup(net, ip_n(peer_ip), mac));
	net->now = 1100;
	assert_true(ife_net_arp_lookup(net, ip_n(peer_ip), mac));
	net->now = 1101; /* max age 100 */
	assert_false(ife_net_arp_lookup(net, ip_n(peer_ip), mac));
	free(net);
}

static void
test_net_arp_malformed_dropped(void **state)
{
	(void)state;
	struct ife_net *net = new_net();
	uint8_t f[64];
	size_t len = build_arp(f, 1, peer_mac, peer_ip, our_ip);
	for (size_t l = 14; l < len; l++)
		expect_drop(net, f, l, IFE_NET_CNT_DROP_ARP_TRUNC);

	static const size_t fmt_off[] = {0, 1, 2, 3, 4, 5};
	for (size_t i = 0; i < 6; i++) {
		build_arp(f, 1, peer_mac, peer_ip, our_ip);
		f[14 + fmt_off[i]] ^= 0x10;
		expect_drop(net, f, len, IFE_NET_CNT_DROP_ARP_FORMAT);
	}
	build_arp(f, 3, peer_mac, peer_ip, our_ip);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ARP_OP);

	const uint8_t mc[6] = {0x01, 0, 0x5e, 0, 0, 1};
	build_arp(f, 1, mc, peer_ip, our_ip);
	memcpy(f + 6, peer_mac, 6); /* valid Ethernet source */
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ARP_BAD_SENDER);

	const uint8_t other[4] = {198, 18, 0, 99};
	build_arp(f, 1, peer_mac, peer_ip, other);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ARP_NOT_FOR_US);

	/* Someone else claims our address. */
	build_arp(f, 1, peer_mac, our_ip, our_ip);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ARP_CONFLICT);
	assert_int_equal(net->cnt[IFE_NET_CNT_TX_ARP_REPLY], 0);
	free(net);
}

static void
test_net_garp_format(void **state)
{
	(void)state;
	struct ife_net *net = new_net();
	uint8_t f[64];
	assert_int_equal(ife_net_garp(net, f), 42);
	assert_memory_equal(f, bcast, 6);
	assert_memory_equal(f + 6, our_mac, 6);
	assert_int_equal(f[12], 0x08);
	assert_int_equal(f[13], 0x06);
	assert_memory_equal(f + 14 + 14, our_ip, 4);
	assert_memory_equal(f + 14 + 24, our_ip, 4);
	/* Our own announcement, looped back, is not a conflict. */
	uint32_t rlen;
	uint64_t before = net->cnt[IFE_NET_CNT_DROP_ARP_CONFLICT];
	assert_int_equal(run(net, f, 42, &rlen, NULL), IFE_NET_DROP);
	assert_int_equal(net->cnt[IFE_NET_CNT_DROP_ARP_CONFLICT], before);
	assert_int_equal(net->cnt[IFE_NET_CNT_DROP_ETH_LOOPED], 1);
	free(net);
}

static void
test_net_icmp_echo_answered(void **state)
{
	(void)state;
	struct ife_net *net = new_net();
	static const size_t sizes[] = {0, 1, 56, 57, 1472};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t f[1600], orig[1600];
		size_t len = build_echo(f, sizes[i]);
		/* Pad short frames to 60 bytes as a NIC would. */
		size_t wire = len < 60 ? 60 : len;
		memset(f + len, 0xee, wire - len);
		memcpy(orig, f, wire);
		uint32_t rlen;
		assert_int_equal(run(net, f, wire, &rlen, NULL), IFE_NET_TX);
		assert_int_equal(rlen, len); /* padding trimmed */
		assert_memory_equal(f, peer_mac, 6);
		assert_memory_equal(f + 6, our_mac, 6);
		assert_memory_equal(f + 14 + 12, our_ip, 4);
		assert_memory_equal(f + 14 + 16, peer_ip, 4);
		assert_int_equal(ife_net_cksum(f + 14, 20), 0);
		assert_int_equal(f[34], 0); /* echo reply */
		assert_int_equal(ife_net_cksum(f + 34, rlen - 34), 0);
		/* id, sequence and data unchanged */
		assert_memory_equal(f + 38, orig + 38, rlen - 38);
	}
	assert_int_equal(net->cnt[IFE_NET_CNT_TX_ICMP_ECHO_REPLY], 5);
	check_balance(net);
	free(net);
}

static void
test_net_icmp_malformed_dropped(void **state)
{
	(void)state;
	struct ife_net *net = new_net();
	uint8_t f[128];
	size_t len = build_echo(f, 16);
	f[40] ^= 1; /* corrupt data: ICMP checksum fails */
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ICMP_CSUM);

	len = build_echo(f, 16);
	f[34] = 13; /* timestamp request: not handled */
	f[36] = f[37] = 0;
	uint16_t c = ife_net_cksum(f + 34, (uint32_t)(len - 34));
	memcpy(f + 36, &c, 2);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ICMP_TYPE);

	/* ICMP shorter than its 8-byte header, with a consistent IP length. */
	uint8_t tiny[4] = {8, 0, 0xf7, 0xff};
	len = build_ip(f, peer_ip, our_ip, 1, tiny, sizeof(tiny));
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ICMP_TRUNC);
	free(net);
}

static void
test_net_ipv4_malformed_dropped(void **state)
{
	(void)state;
	struct ife_net *net = new_net();
	uint8_t f[128];
	size_t len = build_echo(f, 16);

	for (size_t l = 14; l < 34; l++)
		expect_drop(net, f, l, IFE_NET_CNT_DROP_IP_TRUNC);
	/* Cut inside the payload: total length now exceeds the frame. */
	for (size_t l = 34; l < len; l++)
		expect_drop(net, f, l, IFE_NET_CNT_DROP_IP_LEN);

	build_echo(f, 16);
	f[14] = 0x65; /* version 6 in an IPv4 ethertype */
	fix_ip_csum(f);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP_VERSION);

	build_echo(f, 16);
	f[14] = 0x44; /* IHL 16 bytes */
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP_HLEN);

	build_echo(f, 16);
	f[14] = 0x4f; /* IHL 60 bytes > frame */
	expect_drop(net, f, 40, IFE_NET_CNT_DROP_IP_TRUNC);

	build_echo(f, 16);
	put16(f + 16, 19); /* total length < header */
	fix_ip_csum(f);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP_LEN);

	build_echo(f, 16);
	put16(f + 16, (uint16_t)(len - 14 + 1)); /* one byte past the frame */
	fix_ip_csum(f);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP_LEN);

	build_echo(f, 16);
	f[14 + 10] ^= 0xff;
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP_CSUM);

	const uint8_t other[4] = {198, 18, 0, 3};
	len = build_ip(f, peer_ip, other, 1, f + 34, 8);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP_NOT_FOR_US);

	static const uint8_t martians[][4] = {{0, 0, 0, 0},
					      {127, 0, 0, 1},
					      {224, 0, 0, 1},
					      {255, 255, 255, 255},
					      {198, 18, 0, 2}};
	for (size_t i = 0; i < 5; i++) {
		uint8_t pl[8] = {8, 0, 0xf7, 0xff, 0, 0, 0, 0};
		len = build_ip(f, martians[i], our_ip, 1, pl, 8);
		expect_drop(net, f, len, IFE_NET_CNT_DROP_IP_BAD_SRC);
	}

	len = build_echo(f, 16);
	put16(f + 14 + 6, 0x2000); /* MF */
	fix_ip_csum(f);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP_FRAG);
	put16(f + 14 + 6, 0x0010); /* offset 128 */
	fix_ip_csum(f);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP_FRAG);

	uint8_t udp[8] = {0};
	len = build_ip(f, peer_ip, our_ip, 17, udp, 8);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP_PROTO);
	free(net);
}

static void
test_net_ipv4_options_reflected(void **state)
{
	(void)state;
	struct ife_net *net = new_net();
	uint8_t f[128];
	size_t len = build_echo(f, 8);
	/* Insert 4 bytes of options (NOP NOP NOP EOL) after the header. */
	memmove(f + 38, f + 34, len - 34);
	memcpy(f + 34, "\x01\x01\x01\x00", 4);
	f[14] = 0x46;
	put16(f + 16, (uint16_t)(len - 14 + 4));
	fix_ip_csum(f);
	uint32_t rlen;
	assert_int_equal(run(net, f, len + 4, &rlen, NULL), IFE_NET_TX);
	assert_int_equal(rlen, len + 4);
	assert_int_equal(ife_net_cksum(f + 14, 24), 0);
	assert_int_equal(f[38], 0);
	assert_int_equal(ife_net_cksum(f + 38, rlen - 38), 0);
	free(net);
}

static void
test_net_tcp_delivered_up(void **state)
{
	(void)state;
	struct ife_net *net = new_net();
	uint8_t f[128], tcp[20] = {0};
	size_t len = build_ip(f, peer_ip, our_ip, 6, tcp, sizeof(tcp));
	uint32_t rlen;
	struct ife_net_rx rx;
	memset(&rx, 0, sizeof(rx));
	assert_int_equal(run(net, f, len + 6, &rlen, &rx), IFE_NET_L4);
	assert_int_equal(rx.proto, 6);
	assert_int_equal(rx.l4_off, 34);
	assert_int_equal(rx.l4_len, 20); /* padding excluded */
	assert_int_equal(rx.family, 4);
	assert_memory_equal(rx.src, peer_ip, 4);
	assert_memory_equal(rx.dst, our_ip, 4);
	/* Passive learning: the sender's MAC is now known for replies... */
	uint8_t mac[6];
	assert_true(ife_net_arp_lookup(net, ip_n(peer_ip), mac));
	assert_memory_equal(mac, peer_mac, 6);
	/* ...but a segment from another MAC does not replace it. */
	len = build_ip(f, peer_ip, our_ip, 6, tcp, sizeof(tcp));
	f[11] = 0x77;
	assert_int_equal(run(net, f, len, &rlen, &rx), IFE_NET_L4);
	assert_true(ife_net_arp_lookup(net, ip_n(peer_ip), mac));
	assert_memory_equal(mac, peer_mac, 6);
	check_balance(net);
	free(net);
}

static void
test_net_ethernet_filtered(void **state)
{
	(void)state;
	struct ife_net *net = new_net();
	uint8_t f[128];
	for (size_t l = 0; l < 14; l++)
		expect_drop(net, f, l, IFE_NET_CNT_DROP_ETH_RUNT);

	size_t len = build_echo(f, 8);
	const uint8_t other[6] = {0x02, 0, 0, 0, 0, 0x33};
	memcpy(f, other, 6);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ETH_NOT_FOR_US);

	build_echo(f, 8);
	f[6] |= 1; /* multicast source */
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ETH_BAD_SRC);

	build_echo(f, 8);
	put16(f + 12, 0x8100);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ETH_VLAN);
	put16(f + 12, 0x86dd); /* IPv6 not configured on this net */
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP6_DISABLED);
	put16(f + 12, 0x88cc); /* LLDP */
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ETH_TYPE);

	/* A broadcast IPv4 frame to our address is still answered. */
	build_echo(f, 8);
	memcpy(f, bcast, 6);
	uint32_t rlen;
	assert_int_equal(run(net, f, len, &rlen, NULL), IFE_NET_TX);
	check_balance(net);
	free(net);
}

/* Every byte of a valid frame flipped in every bit: never a crash, and the
 * verdict accounting always balances. */
static void
test_net_bit_flips_never_crash(void **state)
{
	(void)state;
	struct ife_net *net = new_net();
	uint8_t base[128], f[128];
	size_t len = build_echo(base, 24);
	for (size_t i = 0; i < len; i++) {
		for (int b = 0; b < 8; b++) {
			memcpy(f, base, len);
			f[i] ^= (uint8_t)(1u << b);
			uint32_t rlen;
			enum ife_net_verdict v = run(net, f, len, &rlen, NULL);
			if (v == IFE_NET_TX)
				assert_true(rlen <= len);
		}
	}
	len = build_arp(base, 1, peer_mac, peer_ip, our_ip);
	for (size_t i = 0; i < len; i++) {
		for (int b = 0; b < 8; b++) {
			memcpy(f, base, len);
			f[i] ^= (uint8_t)(1u << b);
			uint32_t rlen;
			run(net, f, len, &rlen, NULL);
		}
	}
	check_balance(net);
	free(net);
}

static void
test_net_counter_names_unique(void **state)
{
	(void)state;
	for (int i = 0; i < IFE_NET_CNT_MAX; i++) {
		assert_non_null(ife_net_counter_name(i));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(ife_net_counter_name(i),
						ife_net_counter_name(j));
	}
	assert_string_equal(ife_net_counter_name(IFE_NET_CNT_MAX), "unknown");
}

/* ---- IPv6, NDP, PMTU and the output path -------------------------------- */

static const uint8_t our_ip6[16] = {0x20, 0x01, 0x00, 0x02, [15] = 2};
static const uint8_t peer_ip6[16] = {0x20, 0x01, 0x00, 0x02, [15] = 1};
static const uint8_t all_nodes6[16] = {0xff, 0x02, [15] = 1};

static struct ife_net *
new_net_cfg(const uint8_t *mac, const uint8_t *ip4, const uint8_t *ip6)
{
	struct ife_net *net = calloc(1, sizeof(*net));
	struct ife_net_cfg cfg = {.l4_protos = 1ull << 6,
				  .neigh_max_age = 1000,
				  .solicit_interval = 10};
	assert_non_null(net);
	memcpy(cfg.mac, mac, 6);
	memcpy(&cfg.ip4, ip4, 4);
	if (ip6)
		memcpy(cfg.ip6, ip6, 16);
	assert_int_equal(ife_net_init(net, &cfg), 0);
	return net;
}

static struct ife_net *
new_net6(void)
{
	return new_net_cfg(our_mac, our_ip, our_ip6);
}

/* Ethernet + IPv6 header + payload; fixes the ICMPv6 checksum if nh=58. */
static size_t
build_ip6(uint8_t *f, const uint8_t *dmac, const uint8_t *src,
	  const uint8_t *dst, uint8_t nh, uint8_t hlim, const uint8_t *pl,
	  size_t plen)
{
	size_t o = build_eth(f, dmac, peer_mac, 0x86dd);
	uint8_t *ip = f + o;
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)plen);
	ip[6] = nh;
	ip[7] = hlim;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	memcpy(ip + 40, pl, plen);
	if (nh == 58) {
		ip[42] = ip[43] = 0;
		uint16_t c = ife_net_l4_cksum(6, src, dst, 58, ip + 40,
					      (uint32_t)plen);
		memcpy(ip + 42, &c, 2);
	}
	return o + 40 + plen;
}

static enum ife_net_verdict
run_cap(struct ife_net *net, uint8_t *f, size_t len, size_t cap, uint32_t *rlen,
	struct ife_net_rx *rx)
{
	uint8_t *copy = malloc(cap);
	assert_non_null(copy);
	memcpy(copy, f, len);
	*rlen = 0;
	enum ife_net_verdict v = ife_net_input(net, copy, (uint32_t)len,
					       (uint32_t)cap, rlen, rx);
	memcpy(f, copy, cap);
	free(copy);
	return v;
}

static size_t
build_ns(uint8_t *f, const uint8_t *src, const uint8_t *dst,
	 const uint8_t *target, bool sllao, uint8_t hlim)
{
	uint8_t ns[32] = {135, 0};
	memcpy(ns + 8, target, 16);
	size_t n = 24;
	if (sllao) {
		ns[24] = 1;
		ns[25] = 1;
		memcpy(ns + 26, peer_mac, 6);
		n = 32;
	}
	uint8_t dmac[6] = {0x33, 0x33};
	memcpy(dmac + 2, dst + 12, 4);
	return build_ip6(f, dmac, src, dst, 58, hlim, ns, n);
}

static void
sn_of(const uint8_t *a, uint8_t *sn)
{
	static const uint8_t pfx[13] = {0xff, 2, 0, 0, 0, 0,   0,
					0,    0, 0, 0, 1, 0xff};
	memcpy(sn, pfx, 13);
	memcpy(sn + 13, a + 13, 3);
}

static void
test_net_ip6_echo_answered(void **state)
{
	(void)state;
	struct ife_net *net = new_net6();
	uint8_t echo[64] = {128, 0, 0, 0, 0x12, 0x34, 0, 1};
	for (int i = 8; i < 64; i++)
		echo[i] = (uint8_t)i;
	uint8_t f[256];
	size_t len = build_ip6(f, our_mac, peer_ip6, our_ip6, 58, 64, echo, 64);
	uint32_t rlen;
	assert_int_equal(run(net, f, len, &rlen, NULL), IFE_NET_TX);
	assert_int_equal(rlen, len);
	assert_memory_equal(f, peer_mac, 6);
	assert_memory_equal(f + 14 + 8, our_ip6, 16);
	assert_memory_equal(f + 14 + 24, peer_ip6, 16);
	assert_int_equal(f[54], 129);
	assert_int_equal(ife_net_l4_cksum(6, f + 22, f + 38, 58, f + 54, 64),
			 0);
	assert_memory_equal(f + 58, echo + 4, 60);

	/* To our link-local address: answered from it. */
	len = build_ip6(f, our_mac, peer_ip6, net->ll6, 58, 64, echo, 64);
	assert_int_equal(run(net, f, len, &rlen, NULL), IFE_NET_TX);
	assert_memory_equal(f + 14 + 8, net->ll6, 16);
	/* fe80:: + EUI-64 of 02:00:00:00:00:02 = fe80::ff:fe00:2 */
	static const uint8_t want_ll[16] = {
		0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 2};
	assert_memory_equal(net->ll6, want_ll, 16);

	/* To all-nodes: not answered. */
	const uint8_t mc_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	len = build_ip6(f, mc_mac, peer_ip6, all_nodes6, 58, 64, echo, 64);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ICMP6_MCAST_ECHO);
	assert_int_equal(net->cnt[IFE_NET_CNT_TX_ICMP6_ECHO_REPLY], 2);
	check_balance(net);
	free(net);
}

static void
test_net_ndp_solicit_answered(void **state)
{
	(void)state;
	struct ife_net *net = new_net6();
	uint8_t f[256], sn[16];
	sn_of(our_ip6, sn);
	size_t len = build_ns(f, peer_ip6, sn, our_ip6, true, 255);
	uint32_t rlen;
	assert_int_equal(run(net, f, len, &rlen, NULL), IFE_NET_TX);
	assert_int_equal(rlen, 86);
	assert_memory_equal(f, peer_mac, 6);
	assert_int_equal(f[14 + 7], 255);
	assert_memory_equal(f + 14 + 8, our_ip6, 16);
	assert_memory_equal(f + 14 + 24, peer_ip6, 16);
	uint8_t *icmp = f + 54;
	assert_int_equal(icmp[0], 136);
	assert_int_equal(icmp[4], 0x60); /* solicited + override */
	assert_memory_equal(icmp + 8, our_ip6, 16);
	assert_int_equal(icmp[24], 2);
	assert_memory_equal(icmp + 26, our_mac, 6);
	assert_int_equal(ife_net_l4_cksum(6, f + 22, f + 38, 58, icmp, 32), 0);
	uint8_t mac[6];
	assert_true(ife_net_neigh_lookup(net, 6, peer_ip6, mac));
	assert_memory_equal(mac, peer_mac, 6);

	/* Duplicate address detection: answered to all-nodes, unsolicited,
	 * and the reply is longer than the request (needs capacity). */
	static const uint8_t unspec[16];
	len = build_ns(f, unspec, sn, our_ip6, false, 255);
	assert_int_equal(len, 78);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_NO_ROOM);
	assert_int_equal(run_cap(net, f, len, 128, &rlen, NULL), IFE_NET_TX);
	assert_int_equal(rlen, 86);
	const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	assert_memory_equal(f, all_mac, 6);
	assert_memory_equal(f + 14 + 24, all_nodes6, 16);
	assert_int_equal(f[54 + 4], 0x20); /* override only */
	check_balance(net);
	free(net);
}

static void
test_net_ndp_malformed_dropped(void **state)
{
	(void)state;
	struct ife_net *net = new_net6();
	uint8_t f[256], sn[16];
	sn_of(our_ip6, sn);
	size_t len = build_ns(f, peer_ip6, sn, our_ip6, true, 64);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_NDP_INVALID); /* hop limit */

	len = build_ns(f, peer_ip6, sn, all_nodes6, true, 255);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_NDP_INVALID); /* mc target */

	/* An option of length zero would loop forever if accepted. */
	uint8_t ns[32] = {135, 0};
	memcpy(ns + 8, our_ip6, 16);
	ns[24] = 1;
	ns[25] = 0;
	uint8_t dmac[6] = {0x33, 0x33};
	memcpy(dmac + 2, sn + 12, 4);
	len = build_ip6(f, dmac, peer_ip6, sn, 58, 255, ns, 32);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_NDP_INVALID);
	/* An option running past the end. */
	ns[25] = 2;
	len = build_ip6(f, dmac, peer_ip6, sn, 58, 255, ns, 32);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_NDP_INVALID);
	/* Shorter than the fixed part. */
	len = build_ip6(f, dmac, peer_ip6, sn, 58, 255, ns, 20);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_NDP_INVALID);

	static const uint8_t unspec[16];
	len = build_ns(f, unspec, sn, our_ip6, true, 255); /* DAD + SLLAO */
	expect_drop(net, f, len, IFE_NET_CNT_DROP_NDP_INVALID);

	static const uint8_t other[16] = {0x20, 0x01, 0, 2, [15] = 9};
	uint8_t sn9[16];
	sn_of(other, sn9);
	len = build_ns(f, peer_ip6, sn9, other, true, 255);
	/* Solicited-node group of someone else: not for us at layer 3. */
	memcpy(f, (uint8_t[]){0x33, 0x33, 0xff, 0, 0, 2}, 6);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP6_NOT_FOR_US);
	len = build_ns(f, peer_ip6, our_ip6, other, true, 255);
	memcpy(f, our_mac, 6);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_NDP_NOT_FOR_US);
	assert_int_equal(net->cnt[IFE_NET_CNT_TX_NDP_ADVERT], 0);
	check_balance(net);
	free(net);
}

static void
test_net_ip6_malformed_dropped(void **state)
{
	(void)state;
	struct ife_net *net = new_net6();
	uint8_t f[256], tcp[20] = {0};
	size_t len = build_ip6(f, our_mac, peer_ip6, our_ip6, 6, 64, tcp, 20);
	for (size_t l = 14; l < 54; l++)
		expect_drop(net, f, l, IFE_NET_CNT_DROP_IP6_TRUNC);
	for (size_t l = 54; l < len; l++)
		expect_drop(net, f, l, IFE_NET_CNT_DROP_IP6_LEN);

	build_ip6(f, our_mac, peer_ip6, our_ip6, 6, 64, tcp, 20);
	f[14] = 0x40;
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP6_VERSION);
	build_ip6(f, our_mac, peer_ip6, our_ip6, 6, 64, tcp, 20);
	put16(f + 18, 0); /* jumbogram */
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP6_LEN);

	len = build_ip6(f, our_mac, all_nodes6, our_ip6, 6, 64, tcp, 20);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP6_BAD_SRC);
	len = build_ip6(f, our_mac, our_ip6, our_ip6, 6, 64, tcp, 20);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP6_BAD_SRC);
	static const uint8_t unspec[16];
	len = build_ip6(f, our_mac, unspec, our_ip6, 6, 64, tcp, 20);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP6_BAD_SRC);

	static const uint8_t other[16] = {0x20, 0x01, 0, 2, [15] = 9};
	len = build_ip6(f, our_mac, peer_ip6, other, 6, 64, tcp, 20);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP6_NOT_FOR_US);
	len = build_ip6(f, our_mac, peer_ip6, our_ip6, 0, 64, tcp, 20);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP6_EXT);
	len = build_ip6(f, our_mac, peer_ip6, our_ip6, 44, 64, tcp, 20);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP6_EXT);
	len = build_ip6(f, our_mac, peer_ip6, our_ip6, 17, 64, tcp, 20);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP6_PROTO);

	uint8_t echo[16] = {128, 0};
	len = build_ip6(f, our_mac, peer_ip6, our_ip6, 58, 64, echo, 16);
	f[60] ^= 1;
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ICMP6_CSUM);
	len = build_ip6(f, our_mac, peer_ip6, our_ip6, 58, 64, echo, 3);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ICMP6_TRUNC);
	echo[0] = 134; /* router advertisement: not for a host stack here */
	len = build_ip6(f, our_mac, peer_ip6, our_ip6, 58, 64, echo, 16);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ICMP6_TYPE);

	len = build_ip6(f, our_mac, peer_ip6, our_ip6, 6, 64, tcp, 20);
	uint32_t rlen;
	struct ife_net_rx rx;
	assert_int_equal(run(net, f, len, &rlen, &rx), IFE_NET_L4);
	assert_int_equal(rx.family, 6);
	assert_int_equal(rx.l4_off, 54);
	assert_int_equal(rx.l4_len, 20);
	assert_memory_equal(rx.src, peer_ip6, 16);
	check_balance(net);
	free(net);

	/* Without an IPv6 address the whole family is off. */
	net = new_net();
	len = build_ip6(f, our_mac, peer_ip6, our_ip6, 6, 64, tcp, 20);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IP6_DISABLED);
	free(net);
}

static void
test_net_packet_too_big_delivered(void **state)
{
	(void)state;
	struct ife_net *net = new_net6();
	/* Quote of a datagram we sent: our TCP segment to the peer. */
	uint8_t ptb[8 + 40 + 20] = {2, 0, 0, 0, 0, 0, 0x05, 0xdc}; /* 1500 */
	uint8_t *q = ptb + 8;
	q[0] = 0x60;
	put16(q + 4, 1452);
	q[6] = 6;
	q[7] = 64;
	memcpy(q + 8, our_ip6, 16);
	memcpy(q + 24, peer_ip6, 16);
	put16(q + 40, 143);   /* our port */
	put16(q + 42, 40000); /* theirs */
	uint8_t f[256];
	size_t len = build_ip6(f, our_mac, peer_ip6, our_ip6, 58, 64, ptb,
			       sizeof(ptb));
	uint32_t rlen;
	struct ife_net_rx rx;
	assert_int_equal(run(net, f, len, &rlen, &rx), IFE_NET_ICMP_ERR);
	assert_int_equal(rx.family, 6);
	assert_int_equal(rx.proto, 6);
	assert_int_equal(rx.mtu, 1500);
	assert_int_equal(rx.l4_off, 14 + 40 + 8 + 40);
	assert_int_equal(rx.l4_len, 20);
	assert_memory_equal(rx.src, our_ip6, 16);
	assert_memory_equal(rx.dst, peer_ip6, 16);
	assert_int_equal(ld16_test(f + rx.l4_off), 143);

	ptb[6] = 0x01; /* 256 < 1280: clamped */
	ptb[7] = 0x00;
	len = build_ip6(f, our_mac, peer_ip6, our_ip6, 58, 64, ptb,
			sizeof(ptb));
	assert_int_equal(run(net, f, len, &rlen, &rx), IFE_NET_ICMP_ERR);
	assert_int_equal(rx.mtu, 1280);
	assert_int_equal(net->cnt[IFE_NET_CNT_PMTU_CLAMPED], 1);

	memcpy(q + 8, peer_ip6, 16); /* not a datagram of ours */
	len = build_ip6(f, our_mac, peer_ip6, our_ip6, 58, 64, ptb,
			sizeof(ptb));
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ICMP_ERR_INVALID);
	memcpy(q + 8, our_ip6, 16);
	q[6] = 17; /* UDP: no one to tell */
	len = build_ip6(f, our_mac, peer_ip6, our_ip6, 58, 64, ptb,
			sizeof(ptb));
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ICMP_ERR_IGNORED);
	q[6] = 6;
	len = build_ip6(f, our_mac, peer_ip6, our_ip6, 58, 64, ptb, 8 + 40 + 7);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ICMP_ERR_INVALID);
	check_balance(net);
	free(net);
}

static void
test_net_frag_needed_delivered(void **state)
{
	(void)state;
	struct ife_net *net = new_net();
	uint8_t icmp[8 + 20 + 8] = {3, 4, 0, 0, 0, 0, 0x05, 0x78}; /* 1400 */
	uint8_t *q = icmp + 8;
	q[0] = 0x45;
	put16(q + 2, 1500);
	q[8] = 64;
	q[9] = 6;
	memcpy(q + 12, our_ip, 4);
	memcpy(q + 16, peer_ip, 4);
	put16(q + 20, 993);
	icmp[2] = icmp[3] = 0;
	uint16_t c = ife_net_cksum(icmp, sizeof(icmp));
	memcpy(icmp + 2, &c, 2);
	uint8_t f[128];
	size_t len = build_ip(f, peer_ip, our_ip, 1, icmp, sizeof(icmp));
	uint32_t rlen;
	struct ife_net_rx rx;
	assert_int_equal(run(net, f, len, &rlen, &rx), IFE_NET_ICMP_ERR);
	assert_int_equal(rx.family, 4);
	assert_int_equal(rx.mtu, 1400);
	assert_int_equal(rx.l4_off, 14 + 20 + 8 + 20);
	assert_int_equal(rx.l4_len, 8);
	assert_memory_equal(rx.dst, peer_ip, 4);
	assert_int_equal(ld16_test(f + rx.l4_off), 993);

	/* Next-hop MTU 0 (pre-RFC 1191 router): clamped to 576. */
	icmp[6] = icmp[7] = 0;
	icmp[2] = icmp[3] = 0;
	c = ife_net_cksum(icmp, sizeof(icmp));
	memcpy(icmp + 2, &c, 2);
	len = build_ip(f, peer_ip, our_ip, 1, icmp, sizeof(icmp));
	assert_int_equal(run(net, f, len, &rlen, &rx), IFE_NET_ICMP_ERR);
	assert_int_equal(rx.mtu, 576);

	/* Port unreachable, time exceeded: soft errors, only counted. */
	icmp[1] = 3;
	icmp[2] = icmp[3] = 0;
	c = ife_net_cksum(icmp, sizeof(icmp));
	memcpy(icmp + 2, &c, 2);
	len = build_ip(f, peer_ip, our_ip, 1, icmp, sizeof(icmp));
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ICMP_ERR_IGNORED);

	/* Quote that is not ours, and a quote too short. */
	icmp[1] = 4;
	memcpy(q + 12, peer_ip, 4);
	icmp[2] = icmp[3] = 0;
	c = ife_net_cksum(icmp, sizeof(icmp));
	memcpy(icmp + 2, &c, 2);
	len = build_ip(f, peer_ip, our_ip, 1, icmp, sizeof(icmp));
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ICMP_ERR_INVALID);
	memcpy(q + 12, our_ip, 4);
	icmp[2] = icmp[3] = 0;
	c = ife_net_cksum(icmp, sizeof(icmp) - 1);
	memcpy(icmp + 2, &c, 2);
	len = build_ip(f, peer_ip, our_ip, 1, icmp, sizeof(icmp) - 1);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_ICMP_ERR_INVALID);
	check_balance(net);
	free(net);
}

/* Two stacks on one wire: A must resolve B before it can send to it. */
static void
resolve_and_send(uint8_t family)
{
	struct ife_net *a = new_net_cfg(our_mac, our_ip, our_ip6);
	struct ife_net *b = new_net_cfg(peer_mac, peer_ip, peer_ip6);
	struct ife_net_tx tx = {.family = family, .proto = 6};
	memcpy(tx.src, family == 4 ? our_ip : our_ip6, family == 4 ? 4 : 16);
	memcpy(tx.dst, family == 4 ? peer_ip : peer_ip6, family == 4 ? 4 : 16);

	uint8_t buf[256], *frame;
	uint32_t flen, rlen;
	uint8_t *l4 = buf + IFE_NET_MAX_HDR;
	memset(l4, 0, 20);
	put16(l4, 143);
	put16(l4 + 2, 40000);
	l4[12] = 0x50;
	uint16_t c = ife_net_l4_cksum(family, tx.src, tx.dst, 6, l4, 20);
	memcpy(l4 + 16, &c, 2);

	assert_int_equal(
		ife_net_output(a, l4, 20, IFE_NET_MAX_HDR, &tx, &frame, &flen),
		IFE_AGAIN);
	assert_int_equal(a->cnt[IFE_NET_CNT_OUT_NO_NEIGHBOR], 1);

	uint8_t sol[IFE_NET_NS_FRAME_LEN + 64];
	uint32_t slen = ife_net_solicit(a, family, tx.dst, sol);
	assert_int_equal(slen, family == 4 ? 42 : 86);
	/* Rate limited: no second solicitation within the interval. */
	uint8_t sol2[IFE_NET_NS_FRAME_LEN];
	assert_int_equal(ife_net_solicit(a, family, tx.dst, sol2), 0);

	/* B answers; A learns. */
	assert_int_equal(run_cap(b, sol, slen, sizeof(sol), &rlen, NULL),
			 IFE_NET_TX);
	uint8_t mac[6];
	assert_true(ife_net_neigh_lookup(b, family, tx.src, mac));
	assert_memory_equal(mac, our_mac, 6);
	enum ife_net_verdict v =
		run_cap(a, sol, rlen, sizeof(sol), &rlen, NULL);
	assert_int_equal(v, IFE_NET_DROP); /* reply/advert consumed */
	assert_true(ife_net_neigh_lookup(a, family, tx.dst, mac));
	assert_memory_equal(mac, peer_mac, 6);

	/* Now A sends, and B accepts the datagram as TCP for it. */
	assert_int_equal(
		ife_net_output(a, l4, 20, IFE_NET_MAX_HDR, &tx, &frame, &flen),
		0);
	assert_int_equal(flen, (family == 4 ? 34 : 54) + 20);
	assert_memory_equal(frame, peer_mac, 6);
	if (family == 4) {
		assert_int_equal(ife_net_cksum(frame + 14, 20), 0);
		assert_int_equal(frame[14 + 6] & 0x40, 0x40); /* DF */
	}
	struct ife_net_rx rx;
	assert_int_equal(run(b, frame, flen, &rlen, &rx), IFE_NET_L4);
	assert_int_equal(rx.family, family);
	assert_int_equal(ife_net_l4_cksum(family, rx.src, rx.dst, 6,
					  frame + rx.l4_off, rx.l4_len),
			 0);
	check_balance(a);
	check_balance(b);
	free(a);
	free(b);
}

static void
test_net_output_resolves_ipv4(void **state)
{
	(void)state;
	resolve_and_send(4);
}

static void
test_net_output_resolves_ipv6(void **state)
{
	(void)state;
	resolve_and_send(6);
}

static void
test_net_output_errors_and_gateway(void **state)
{
	(void)state;
	struct ife_net *net = new_net();
	uint8_t buf[128], *frame;
	uint32_t flen;
	struct ife_net_tx tx = {.family = 4, .proto = 6};
	memcpy(tx.src, our_ip, 4);
	memcpy(tx.dst, peer_ip, 4);
	assert_int_equal(
		ife_net_output(net, buf + 20, 20, 20, &tx, &frame, &flen),
		-ENOSPC);
	tx.family = 6; /* not configured */
	assert_int_equal(
		ife_net_output(net, buf + 60, 20, 60, &tx, &frame, &flen),
		-EINVAL);
	tx.family = 9;
	assert_int_equal(
		ife_net_output(net, buf + 60, 20, 60, &tx, &frame, &flen),
		-EINVAL);
	free(net);

	/* Off-link destinations go to the gateway's MAC. */
	struct ife_net *g = calloc(1, sizeof(*g));
	struct ife_net_cfg cfg = {.ip4_prefix = 24};
	memcpy(cfg.mac, our_mac, 6);
	memcpy(&cfg.ip4, our_ip, 4);
	const uint8_t gw[4] = {198, 18, 0, 254};
	memcpy(&cfg.gw4, gw, 4);
	assert_int_equal(ife_net_init(g, &cfg), 0);
	uint8_t f[64];
	const uint8_t gw_mac[6] = {0x02, 0, 0, 0, 0, 0xfe};
	size_t len = build_arp(f, 2, gw_mac, gw, our_ip);
	uint32_t rlen;
	run(g, f, len, &rlen, NULL);
	tx.family = 4;
	const uint8_t far[4] = {203, 0, 113, 7};
	memcpy(tx.dst, far, 4);
	assert_int_equal(
		ife_net_output(g, buf + 60, 20, 60, &tx, &frame, &flen), 0);
	assert_memory_equal(frame, gw_mac, 6);
	free(g);
}

/* A TCP segmentation offload super-segment: longer than any MTU, and
 * contiguous only for its headers (the rest is further mbufs). The IP
 * length comes from l4_len (the port rewrites it per segment) and, with
 * tx_ip4_cksum_offload, the IPv4 header checksum is left 0 for the port
 * (DPDK's rule under RTE_MBUF_F_TX_IP_CKSUM). */
static void
test_net_output_tso_super_segment(void **state)
{
	(void)state;
	struct ife_net *net = calloc(1, sizeof(*net));
	assert_non_null(net);
	struct ife_net_cfg cfg = {.l4_protos = 1ull << 6,
				  .neigh_max_age = 1000,
				  .solicit_interval = 10,
				  .tx_ip4_cksum_offload = true};
	memcpy(cfg.mac, our_mac, 6);
	memcpy(&cfg.ip4, our_ip, 4);
	memcpy(cfg.ip6, our_ip6, 16);
	assert_int_equal(ife_net_init(net, &cfg), 0);
	/* Learn the peer: an ARP reply, and a TCP datagram over IPv6. */
	uint8_t f[256];
	uint32_t rlen;
	size_t len = build_arp(f, 2, peer_mac, peer_ip, our_ip);
	run(net, f, len, &rlen, NULL);
	uint8_t tcp[20] = {0};
	tcp[12] = 0x50;
	len = build_ip6(f, our_mac, peer_ip6, our_ip6, 6, 64, tcp, 20);
	struct ife_net_rx rx;
	assert_int_equal(run(net, f, len, &rlen, &rx), IFE_NET_L4);

	/* Only the headroom and the TCP header exist: ASAN flags any
	 * access past them. */
	uint8_t *buf = malloc(IFE_NET_MAX_HDR + 20), *frame;
	assert_non_null(buf);
	uint8_t *l4 = buf + IFE_NET_MAX_HDR;
	memset(l4, 0xab, 20);
	uint32_t flen;
	struct ife_net_tx tx = {.family = 4, .proto = 6};
	memcpy(tx.src, our_ip, 4);
	memcpy(tx.dst, peer_ip, 4);
	assert_int_equal(ife_net_output(net, l4, 60000, IFE_NET_MAX_HDR, &tx,
					&frame, &flen),
			 0);
	assert_int_equal(flen, 14 + 20 + 60000);
	assert_memory_equal(frame, peer_mac, 6);
	const uint8_t *ip = frame + 14;
	assert_int_equal(ld16_test(ip + 2), 20 + 60000);
	assert_int_equal(ip[10], 0);
	assert_int_equal(ip[11], 0);
	assert_int_equal(ip[6] & 0x40, 0x40); /* DF */
	/* Up to the 16-bit total length, not beyond. */
	assert_int_equal(ife_net_output(net, l4, 65515, IFE_NET_MAX_HDR, &tx,
					&frame, &flen),
			 0);
	assert_int_equal(ld16_test(frame + 14 + 2), 65535);
	assert_int_equal(ife_net_output(net, l4, 65516, IFE_NET_MAX_HDR, &tx,
					&frame, &flen),
			 -EINVAL);
	/* IPv6: the payload length, no header checksum to leave. */
	tx.family = 6;
	memcpy(tx.src, our_ip6, 16);
	memcpy(tx.dst, peer_ip6, 16);
	assert_int_equal(ife_net_output(net, l4, 60000, IFE_NET_MAX_HDR, &tx,
					&frame, &flen),
			 0);
	assert_int_equal(flen, 14 + 40 + 60000);
	assert_int_equal(ld16_test(frame + 14 + 4), 60000);
	assert_int_equal(net->cnt[IFE_NET_CNT_OUT_FRAMES], 3);
	free(buf);
	free(net);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_cksum_rfc1071),
		cmocka_unit_test(test_net_init_rejects_bad_config),
		cmocka_unit_test(test_net_arp_request_answered),
		cmocka_unit_test(test_net_arp_cache_ages),
		cmocka_unit_test(test_net_arp_malformed_dropped),
		cmocka_unit_test(test_net_garp_format),
		cmocka_unit_test(test_net_icmp_echo_answered),
		cmocka_unit_test(test_net_icmp_malformed_dropped),
		cmocka_unit_test(test_net_ipv4_malformed_dropped),
		cmocka_unit_test(test_net_ipv4_options_reflected),
		cmocka_unit_test(test_net_tcp_delivered_up),
		cmocka_unit_test(test_net_ethernet_filtered),
		cmocka_unit_test(test_net_bit_flips_never_crash),
		cmocka_unit_test(test_net_counter_names_unique),
		cmocka_unit_test(test_net_ip6_echo_answered),
		cmocka_unit_test(test_net_ndp_solicit_answered),
		cmocka_unit_test(test_net_ndp_malformed_dropped),
		cmocka_unit_test(test_net_ip6_malformed_dropped),
		cmocka_unit_test(test_net_packet_too_big_delivered),
		cmocka_unit_test(test_net_frag_needed_delivered),
		cmocka_unit_test(test_net_output_resolves_ipv4),
		cmocka_unit_test(test_net_output_resolves_ipv6),
		cmocka_unit_test(test_net_output_errors_and_gateway),
		cmocka_unit_test(test_net_output_tso_super_segment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
