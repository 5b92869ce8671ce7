/*
 * The Internet checksum (RFC 1071), fast: 64-bit words into 128-bit
 * accumulators (add/adc on x86-64), four independent sums so that the
 * carry chains overlap, instead of one 16-bit word per step. On the lab
 * path's 1448-byte segments this is several times faster than DPDK 22.11's
 * __rte_raw_cksum(), a 16-bit loop, which cost about 8% of the worker's
 * core in the 8 MiB echo profile (docs/benchmarks/tcp.md, session 13).
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

#if defined(__SIZEOF_INT128__)
typedef unsigned __int128 ife_csum_acc;
#define IFE_CSUM_ADD(a, w) ((a) += (w))
static inline uint64_t
ife_csum_acc_fold(ife_csum_acc a)
{
	uint64_t lo = (uint64_t)a, hi = (uint64_t)(a >> 64);
	uint64_t s = lo + hi;
	return s + (s < lo); /* 2^64 = 1 modulo 2^64 - 1 */
}
#else
/* Without 128-bit integers: both 32-bit halves of each word into a
 * 64-bit sum (2^32 words before it could overflow). */
typedef uint64_t ife_csum_acc;
#define IFE_CSUM_ADD(a, w) ((a) += ((w)&0xffffffffu) + ((w) >> 32))
static inline uint64_t
ife_csum_acc_fold(ife_csum_acc a)
{
	return a;
}
#endif

static inline uint32_t
ife_csum_tail(const uint8_t *p, size_t len, ife_csum_acc a)
{
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		IFE_CSUM_ADD(a, w);
		p += 8;
		len -= 8;
	}
	if (len > 0) {
		/* In memory order, zero-padded: an odd last byte is the
		 * low byte of its 16-bit word on a little-endian host and
		 * the high byte on a big-endian one, as in DPDK. */
		uint64_t w = 0;
		memcpy(&w, p, len);
		IFE_CSUM_ADD(a, w);
	}
	return ife_csum_fold64(ife_csum_acc_fold(a));
}

/* Sum of @p len bytes at @p buf added to the partial sum @p sum. */
static inline uint32_t
ife_csum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = (const uint8_t *)buf;
	ife_csum_acc a0 = sum, a1 = 0, a2 = 0, a3 = 0;
	while (len >= 32) {
		uint64_t w[4];
		memcpy(w, p, 32);
		IFE_CSUM_ADD(a0, w[0]);
		IFE_CSUM_ADD(a1, w[1]);
		IFE_CSUM_ADD(a2, w[2]);
		IFE_CSUM_ADD(a3, w[3]);
		p += 32;
		len -= 32;
	}
	uint32_t s = ife_csum_tail(p, len, a0);
	uint64_t t = (uint64_t)ife_csum_fold64(ife_csum_acc_fold(a1)) +
		     ife_csum_fold64(ife_csum_acc_fold(a2)) +
		     ife_csum_fold64(ife_csum_acc_fold(a3)) + s;
	return ife_csum_fold64(t);
}

/* Copy @p len bytes from @p src to @p dst (not overlapping) and return
 * their sum added to @p sum, in one pass. */
static inline uint32_t
ife_csum_copy(void *dst, const void *src, size_t len, uint32_t sum)
{
	const uint8_t *p = (const uint8_t *)src;
	uint8_t *q = (uint8_t *)dst;
	ife_csum_acc a0 = sum, a1 = 0, a2 = 0, a3 = 0;
	while (len >= 32) {
		uint64_t w[4];
		memcpy(w, p, 32);
		memcpy(q, w, 32);
		IFE_CSUM_ADD(a0, w[0]);
		IFE_CSUM_ADD(a1, w[1]);
		IFE_CSUM_ADD(a2, w[2]);
		IFE_CSUM_ADD(a3, w[3]);
		p += 32;
		q += 32;
		len -= 32;
	}
	memcpy(q, p, len);
	uint32_t s = ife_csum_tail(p, len, a0);
	uint64_t t = (uint64_t)ife_csum_fold64(ife_csum_acc_fold(a1)) +
		     ife_csum_fold64(ife_csum_acc_fold(a2)) +
		     ife_csum_fold64(ife_csum_acc_fold(a3)) + s;
	return ife_csum_fold64(t);
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
