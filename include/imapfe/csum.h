/*
 * The Internet checksum (RFC 1071), fast: 64-bit words added in four
 * independent lanes with a count of their carries (add/adc on x86-64),
 * instead of one 16-bit word per step. On the lab path's 1448-byte
 * segments this is several times faster than DPDK 22.11's
 * __rte_raw_cksum(), a 16-bit loop, which cost about 8% of the worker's
 * core in the 8 MiB echo profile (docs/benchmarks.md, session 13).
 *
 * The partial sums are DPDK's: 32-bit sums of 16-bit words in host byte
 * order, with an odd last byte counted as if followed by a zero byte, that
 * __rte_raw_cksum_reduce() folds to 16 bits. RFC 1071 2 (B): summing wider
 * words and folding the carries back in gives the same ones' complement
 * sum. Like __rte_raw_cksum(), the result is not reduced and is never 0
 * unless @p sum was 0 and the data is all zero bytes.
 *
 * ife_csum_copy() copies and sums in one pass over the data (the TCP
 * segment builder copies the send queue into each segment). Header-only,
 * no state, safe on any thread.
 */
#ifndef IMAPFE_CSUM_H
#define IMAPFE_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Fold a 64-bit ones' complement partial sum to 32 bits (end-around
 * carry): congruent modulo 0xffff, and non-zero when @p s is. */
static inline uint32_t
ife_csum_fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32); /* at most 2^33 - 2 */
	s = (s & 0xffffffffu) + (s >> 32); /* at most 2^32 - 1 */
	return (uint32_t)s;
}

/* Fold a 32-bit partial sum to 16 bits (non-zero when @p s is). */
static inline uint16_t
ife_csum_fold16(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Add the 64-bit word @p w to the sum @p s, counting the carries out of
 * it in @p c (a lane is worth s + c * 2^64, and 2^64 = 1 modulo
 * 2^64 - 1): an add and an add-with-carry. */
#define IFE_CSUM_ADD(s, c, w)     \
	do {                      \
		(s) += (w);       \
		(c) += (s) < (w); \
	} while (0)

/* The four lanes and their carries folded to 32 bits, with the last
 * @p len (< 32) bytes at @p p added. */
static inline uint32_t
ife_csum_lanes(const uint8_t *p, size_t len, uint64_t s0, uint64_t s1,
	       uint64_t s2, uint64_t s3, uint64_t c)
{
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		IFE_CSUM_ADD(s0, c, w);
		p += 8;
		len -= 8;
	}
	if (len > 0) {
		/* In memory order, zero-padded: an odd last byte is the
		 * low byte of its 16-bit word on a little-endian host and
		 * the high byte on a big-endian one, as in DPDK. */
		uint64_t w = 0;
		memcpy(&w, p, len);
		IFE_CSUM_ADD(s0, c, w);
	}
	IFE_CSUM_ADD(s0, c, s1);
	IFE_CSUM_ADD(s0, c, s2);
	IFE_CSUM_ADD(s0, c, s3);
	/* c counts at most one carry per word: far below 2^64. */
	uint64_t t = s0 + c;
	t += t < c;
	return ife_csum_fold64(t);
}

/* The sum of @p len bytes at @p p added to @p sum, copying them to @p q
 * on the way when @p copy. Always inlined into the two callers below,
 * each with a constant @p copy, so the test leaves the loop. */
static inline __attribute__((always_inline)) uint32_t
ife_csum_run(const uint8_t *p, uint8_t *q, size_t len, uint32_t sum,
	     const int copy)
{
	uint64_t s0 = sum, s1 = 0, s2 = 0, s3 = 0, c = 0;
	uint64_t c1 = 0, c2 = 0, c3 = 0;
	while (len >= 32) {
		uint64_t w0, w1, w2, w3;
		memcpy(&w0, p, 8);
		memcpy(&w1, p + 8, 8);
		memcpy(&w2, p + 16, 8);
		memcpy(&w3, p + 24, 8);
		if (copy) {
			memcpy(q, p, 32);
			q += 32;
		}
		IFE_CSUM_ADD(s0, c, w0);
		IFE_CSUM_ADD(s1, c1, w1);
		IFE_CSUM_ADD(s2, c2, w2);
		IFE_CSUM_ADD(s3, c3, w3);
		p += 32;
		len -= 32;
	}
	if (copy)
		memcpy(q, p, len);
	return ife_csum_lanes(p, len, s0, s1, s2, s3, c + c1 + c2 + c3);
}

/* Sum of @p len bytes at @p buf added to the partial sum @p sum. */
static inline uint32_t
ife_csum(const void *buf, size_t len, uint32_t sum)
{
	return ife_csum_run((const uint8_t *)buf, NULL, len, sum, 0);
}

/* Copy @p len bytes from @p src to @p dst (not overlapping) and return
 * their sum added to @p sum, in one pass. */
static inline uint32_t
ife_csum_copy(void *dst, const void *src, size_t len, uint32_t sum)
{
	return ife_csum_run((const uint8_t *)src, (uint8_t *)dst, len, sum, 1);
}

/* A partial sum of bytes that start at an odd offset of the checksummed
 * data, as a sum to add to the rest (RFC 1071 2 (B): swap the bytes). */
static inline uint32_t
ife_csum_odd(uint32_t s)
{
	uint16_t f = ife_csum_fold16(s);
	return (uint32_t)(uint16_t)((f << 8) | (f >> 8));
}

#endif
