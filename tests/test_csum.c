/*
 * Unit tests for include/imapfe/csum.h, the Internet checksum of the TCP
 * fast path: against a plain RFC 1071 loop over 16-bit words (the way
 * DPDK's __rte_raw_cksum() sums), over every length from 0 to 2100 bytes
 * at every alignment, random seeds, all-0xff data (the carries), the
 * fused copy, and sums of pieces that start at odd offsets. Every buffer
 * is a heap allocation of exactly its length, so ASAN flags any over-read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "imapfe/csum.h"

/* The reference: 16-bit words in host order, an odd last byte in memory
 * order zero-padded, carries folded at the end. */
static uint16_t
ref_sum(const uint8_t *p, size_t len, uint32_t seed)
{
	uint64_t s = seed;
	while (len >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		s += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint16_t w = 0;
		memcpy(&w, p, 1);
		s += w;
	}
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* A heap copy of @p len bytes of @p src at exactly its length. */
static uint8_t *
dup_exact(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	assert_non_null(p);
	memcpy(p, src, len);
	return p;
}

static void
test_csum_rfc1071_example(void **state)
{
	(void)state;
	/* RFC 1071 3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 in
	 * network order, so to f2dd as host-order words on little-endian. */
	const uint8_t b[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	uint16_t s = ife_csum_fold16(ife_csum(b, sizeof(b), 0));
	uint16_t be;
	uint8_t out[2];
	memcpy(out, &s, 2);
	be = (uint16_t)((out[0] << 8) | out[1]);
	uint16_t one = 1;
	uint8_t first;
	memcpy(&first, &one, 1);
	if (first == 1) /* little-endian: s holds the bytes swapped */
		assert_int_equal(s, 0xf2dd);
	else
		assert_int_equal(be, 0xf2dd);
	/* The checksum field of a segment holding that sum verifies: the
	 * sum over data + ~sum is 0xffff. */
	uint16_t ck = (uint16_t)~s;
	uint8_t with[10];
	memcpy(with, b, 8);
	memcpy(with + 8, &ck, 2);
	assert_int_equal(ife_csum_fold16(ife_csum(with, 10, 0)), 0xffff);
	with[3] ^= 0x10; /* one bit off: no longer verifies */
	assert_int_not_equal(ife_csum_fold16(ife_csum(with, 10, 0)), 0xffff);
}

static void
test_csum_matches_reference(void **state)
{
	(void)state;
	enum { MAX = 2100 };
	uint8_t src[MAX + 8];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)rnd();
	for (size_t len = 0; len <= MAX; len++) {
		for (size_t off = 0; off < 8; off += (len > 200 ? 3 : 1)) {
			uint32_t seed = (len % 3 == 0) ? 0 : rnd();
			uint8_t *p = dup_exact(src + off, len);
			uint16_t want = ref_sum(p, len, seed);
			uint16_t got = ife_csum_fold16(ife_csum(p, len, seed));
			if (want != got)
				fail_msg("len %zu off %zu seed %#x: %#x, want "
					 "%#x",
					 len, off, seed, got, want);
			free(p);
		}
	}
}

static void
test_csum_all_ones_and_zero(void **state)
{
	(void)state;
	/* 0xff bytes make every add carry: the folds must bring each carry
	 * back in. A 64 KiB buffer of 0xff sums to 0xffff. */
	size_t len = 65536;
	uint8_t *p = malloc(len);
	assert_non_null(p);
	memset(p, 0xff, len);
	for (size_t n = 0; n <= 1024; n++)
		assert_int_equal(ife_csum_fold16(ife_csum(p, n, 0xffffffffu)),
				 ref_sum(p, n, 0xffffffffu));
	assert_int_equal(ife_csum_fold16(ife_csum(p, len, 0)), 0xffff);
	assert_int_equal(ife_csum_fold16(ife_csum(p, len, 0)),
			 ref_sum(p, len, 0));
	/* One accumulator at 2^65 - 1 (two all-ones words and a 1 in the
	 * same lane): folding its carries back in carries once more. */
	uint8_t *e = calloc(1, 96);
	assert_non_null(e);
	memset(e, 0xff, 8);
	memset(e + 32, 0xff, 8);
	e[64] = 1;
	assert_int_equal(ife_csum_fold16(ife_csum(e, 96, 0)),
			 ref_sum(e, 96, 0));
	free(e);
	/* Zero data and a zero seed sum to 0; a non-zero seed stays. */
	memset(p, 0, len);
	assert_int_equal(ife_csum(p, 1500, 0), 0);
	assert_int_equal(ife_csum_fold16(ife_csum(p, 1500, 0x1234)), 0x1234);
	free(p);
}

static void
test_csum_copy(void **state)
{
	(void)state;
	enum { MAX = 1600 };
	uint8_t src[MAX];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)rnd();
	for (size_t len = 0; len <= MAX; len += (len < 100 ? 1 : 7)) {
		uint8_t *s = dup_exact(src, len);
		uint8_t *d = malloc(len ? len : 1);
		assert_non_null(d);
		memset(d, 0xa5, len);
		uint32_t seed = rnd();
		uint16_t got = ife_csum_fold16(ife_csum_copy(d, s, len, seed));
		assert_int_equal(got, ref_sum(s, len, seed));
		assert_memory_equal(d, s, len);
		free(s);
		free(d);
	}
}

static void
test_csum_pieces_at_odd_offsets(void **state)
{
	(void)state;
	/* A segment's payload copied from several send-queue mbufs: each
	 * piece summed on its own, swapped when it starts at an odd offset,
	 * adds up to the sum of the whole. */
	enum { LEN = 1448 };
	uint8_t buf[LEN];
	for (int round = 0; round < 2000; round++) {
		for (size_t i = 0; i < LEN; i++)
			buf[i] = (uint8_t)rnd();
		size_t len = 1 + rnd() % LEN;
		uint32_t seed = rnd();
		uint64_t total = seed;
		size_t pos = 0;
		while (pos < len) {
			size_t n = 1 + rnd() % 301;
			if (n > len - pos)
				n = len - pos;
			uint32_t s = ife_csum(buf + pos, n, 0);
			total += (pos & 1) ? ife_csum_odd(s) : s;
			pos += n;
		}
		assert_int_equal(ife_csum_fold16(ife_csum_fold64(total)),
				 ref_sum(buf, len, seed));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_rfc1071_example),
		cmocka_unit_test(test_csum_matches_reference),
		cmocka_unit_test(test_csum_all_ones_and_zero),
		cmocka_unit_test(test_csum_copy),
		cmocka_unit_test(test_csum_pieces_at_odd_offsets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
