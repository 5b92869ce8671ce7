/*
 * Connection table: the TCB pool (an array with a free list, allocated at
 * stack creation) and the 4-tuple hash table (chained through 32-bit
 * indexes, keyed with SipHash so that a peer cannot aim collisions).
 */
#include <string.h>

#include "tcp_pvt.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                   \
	do {                       \
		v0 += v1;          \
		v1 = ROTL(v1, 13); \
		v1 ^= v0;          \
		v0 = ROTL(v0, 32); \
		v2 += v3;          \
		v3 = ROTL(v3, 16); \
		v3 ^= v2;          \
		v0 += v3;          \
		v3 = ROTL(v3, 21); \
		v3 ^= v0;          \
		v2 += v1;          \
		v1 = ROTL(v1, 17); \
		v1 ^= v2;          \
		v2 = ROTL(v2, 32); \
	} while (0)

/* SipHash-2-4 (Aumasson, Bernstein), reference algorithm. */
uint64_t
tcp_siphash(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t v0 = 0x736f6d6570736575ULL ^ key[0];
	uint64_t v1 = 0x646f72616e646f6dULL ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ULL ^ key[0];
	uint64_t v3 = 0x7465646279746573ULL ^ key[1];
	uint64_t b = ((uint64_t)len) << 56;
	size_t i, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t mi;
		memcpy(&mi, in + i, 8);
		v3 ^= mi;
		SIPROUND;
		SIPROUND;
		v0 ^= mi;
	}
	for (size_t j = 0; j < left; j++)
		b |= ((uint64_t)in[i + j]) << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

struct ife_tcp_conn *
tcp_conn_alloc(struct ife_tcp_stack *st)
{
	uint32_t i = st->free_head;
	if (i == IFE_TCP_NIL)
		return NULL;
	struct ife_tcp_conn *c = &st->conns[i];
	st->free_head = c->tnext;
	memset(c, 0, sizeof(*c));
	c->hnext = c->tnext = c->tprev = IFE_TCP_NIL;
	c->listen_idx = IFE_TCP_NO_LISTEN;
	st->used++;
	return c;
}

void
tcp_conn_free(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	/* Callers unlink first; freeing twice would corrupt the list. */
	assert(!(c->flags & (TF_IN_HASH | TF_IN_WHEEL | TF_FREED)));
	c->flags = TF_FREED;
	c->state = IFE_TCP_CLOSED;
	c->tnext = st->free_head;
	st->free_head = conn_idx(st, c);
	st->used--;
}

static uint32_t
tcp_tuple_hash(const struct ife_tcp_stack *st, uint8_t family,
	       const uint8_t *laddr, uint16_t lport, const uint8_t *raddr,
	       uint16_t rport)
{
	/* Hash only the bytes the family uses: IPv4 costs one SipHash block. */
	uint8_t buf[40];
	size_t alen = family == 6 ? 16 : 4;
	memcpy(buf, raddr, alen);
	memcpy(buf + alen, laddr, alen);
	memcpy(buf + 2 * alen, &rport, 2);
	memcpy(buf + 2 * alen + 2, &lport, 2);
	return (uint32_t)tcp_siphash(st->key, buf, 2 * alen + 4);
}

struct ife_tcp_conn *
tcp_lookup(struct ife_tcp_stack *st, uint8_t family, const uint8_t *laddr,
	   uint16_t lport, const uint8_t *raddr, uint16_t rport)
{
	uint32_t h = tcp_tuple_hash(st, family, laddr, lport, raddr, rport);
	size_t alen = family == 6 ? 16 : 4;
	for (uint32_t i = st->buckets[h & st->bucket_mask]; i != IFE_TCP_NIL;
	     i = st->conns[i].hnext) {
		struct ife_tcp_conn *c = &st->conns[i];
		if (c->lport == lport && c->rport == rport &&
		    c->family == family && memcmp(c->raddr, raddr, alen) == 0 &&
		    memcmp(c->laddr, laddr, alen) == 0)
			return c;
	}
	return NULL;
}

void
tcp_hash_insert(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	uint32_t h = tcp_tuple_hash(st, c->family, c->laddr, c->lport, c->raddr,
				    c->rport) &
		     st->bucket_mask;
	c->hnext = st->buckets[h];
	st->buckets[h] = conn_idx(st, c);
	c->flags |= TF_IN_HASH;
}

void
tcp_hash_remove(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	if (!(c->flags & TF_IN_HASH))
		return;
	uint32_t h = tcp_tuple_hash(st, c->family, c->laddr, c->lport, c->raddr,
				    c->rport) &
		     st->bucket_mask;
	uint32_t *pp = &st->buckets[h];
	uint32_t me = conn_idx(st, c);
	while (*pp != IFE_TCP_NIL) {
		if (*pp == me) {
			*pp = c->hnext;
			break;
		}
		pp = &st->conns[*pp].hnext;
	}
	c->hnext = IFE_TCP_NIL;
	c->flags &= ~(uint32_t)TF_IN_HASH;
}
