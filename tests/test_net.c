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
				  .arp_max_age = 100};
	memcpy(cfg.mac, our_mac, 6);
	assert_non_null(net);
	assert_int_equal(ife_net_init(net, &cfg), 0);
	return net;
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
	enum ife_net_verdict v =
		ife_net_input(net, copy, (uint32_t)len, rlen, rx);
	memcpy(f, copy, len);
	free(copy);
	return v;
}

static void
check_balance(const struct ife_net *net)
{
	uint64_t sum = net->cnt[IFE_NET_CNT_TX_ARP_REPLY] +
		       net->cnt[IFE_NET_CNT_TX_ICMP_ECHO_REPLY] +
		       net->cnt[IFE_NET_CNT_L4_DELIVERED];
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
	assert_int_equal(rx.src_ip, ip_n(peer_ip));
	assert_int_equal(rx.dst_ip, ip_n(our_ip));
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
	put16(f + 12, 0x86dd);
	expect_drop(net, f, len, IFE_NET_CNT_DROP_IPV6);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
