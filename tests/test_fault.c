/*
 * Unit tests of the fault-injection layer: off by default, probabilities,
 * determinism by seed, delay, reorder, duplication, per-direction
 * independence, bounded holding and parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "fault.h"

#define US 1000ull

static struct rte_mempool *mp;

static struct rte_mbuf *
pkt(uint32_t id)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, 4), &id, 4);
	return m;
}

static uint32_t
id_of(const struct rte_mbuf *m)
{
	uint32_t id;
	memcpy(&id, rte_pktmbuf_mtod(m, const void *), 4);
	return id;
}

static int
teardown(void **state)
{
	(void)state;
	assert_int_equal(rte_mempool_in_use_count(mp), 0);
	return 0;
}

static void
test_fault_off_by_default(void **state)
{
	(void)state;
	struct ife_fault_params p;
	assert_int_equal(ife_fault_parse("", &p, NULL, 0), 0);
	struct ife_fault *f;
	assert_int_equal(ife_fault_create(&p, SOCKET_ID_ANY, &f), 0);
	assert_false(ife_fault_enabled(f, IFE_FAULT_RX));
	assert_false(ife_fault_enabled(f, IFE_FAULT_TX));
	struct rte_mbuf *b[8];
	for (uint32_t i = 0; i < 8; i++)
		b[i] = pkt(i);
	struct rte_mbuf *copy[8];
	memcpy(copy, b, sizeof(b));
	assert_int_equal(ife_fault_burst(f, IFE_FAULT_RX, b, 8, 8, 0), 8);
	assert_memory_equal(b, copy, sizeof(b));
	assert_int_equal(ife_fault_stats(f, IFE_FAULT_RX)->in, 0);
	for (int i = 0; i < 8; i++)
		rte_pktmbuf_free(b[i]);
	/* NULL is "off" too. */
	assert_int_equal(ife_fault_burst(NULL, IFE_FAULT_TX, b, 3, 8, 0), 3);
	ife_fault_destroy(&f);
	assert_null(f);
}

/* Push @p total packets through in bursts of 32; return survivors. */
static uint32_t
run(struct ife_fault *f, enum ife_fault_dir dir, uint32_t total,
    uint32_t *order, uint64_t *now)
{
	struct rte_mbuf *b[64];
	uint32_t got = 0, next = 0;
	while (next < total || ife_fault_held(f, dir)) {
		uint16_t n = 0;
		while (n < 32 && next < total)
			b[n++] = pkt(next++);
		uint16_t k = ife_fault_burst(f, dir, b, n, 64, *now);
		for (uint16_t i = 0; i < k; i++) {
			if (order)
				order[got] = id_of(b[i]);
			got++;
			rte_pktmbuf_free(b[i]);
		}
		*now += 100 * US;
	}
	return got;
}

static void
test_fault_drop_probability(void **state)
{
	(void)state;
	struct ife_fault_params p;
	char err[128];
	assert_int_equal(
		ife_fault_parse("seed=1,rx.drop=10%", &p, err, sizeof(err)), 0);
	struct ife_fault *f;
	assert_int_equal(ife_fault_create(&p, SOCKET_ID_ANY, &f), 0);
	assert_true(ife_fault_enabled(f, IFE_FAULT_RX));
	assert_false(ife_fault_enabled(f, IFE_FAULT_TX));
	uint64_t now = 0;
	uint32_t got = run(f, IFE_FAULT_RX, 100000, NULL, &now);
	const struct ife_fault_stats *s = ife_fault_stats(f, IFE_FAULT_RX);
	assert_int_equal(s->dropped + got, 100000);
	/* 10% +- 0.6% (about 6 sigma for n = 1e5). */
	assert_true(s->dropped > 9400 && s->dropped < 10600);
	ife_fault_destroy(&f);
}

static void
test_fault_deterministic_by_seed(void **state)
{
	(void)state;
	static uint32_t o1[20000], o2[20000], o3[20000];
	const char *spec = "seed=42,drop=0.05,reorder=0.05,dup=0.05,delay=0.05";
	struct ife_fault_params p;
	assert_int_equal(ife_fault_parse(spec, &p, NULL, 0), 0);
	struct ife_fault *a, *b;
	assert_int_equal(ife_fault_create(&p, SOCKET_ID_ANY, &a), 0);
	assert_int_equal(ife_fault_create(&p, SOCKET_ID_ANY, &b), 0);
	uint64_t t1 = 0, t2 = 0, t3 = 0;
	uint32_t n1 = run(a, IFE_FAULT_TX, 10000, o1, &t1);
	uint32_t n2 = run(b, IFE_FAULT_TX, 10000, o2, &t2);
	assert_int_equal(n1, n2);
	assert_memory_equal(o1, o2, n1 * sizeof(uint32_t));
	ife_fault_destroy(&a);
	ife_fault_destroy(&b);
	p.seed = 43;
	assert_int_equal(ife_fault_create(&p, SOCKET_ID_ANY, &a), 0);
	uint32_t n3 = run(a, IFE_FAULT_TX, 10000, o3, &t3);
	assert_true(n3 != n1 || memcmp(o1, o3, n1 * sizeof(uint32_t)) != 0);
	ife_fault_destroy(&a);
}

static void
test_fault_delay_holds_then_releases(void **state)
{
	(void)state;
	struct ife_fault_params p;
	assert_int_equal(
		ife_fault_parse("tx.delay=1,tx.delay_us=500", &p, NULL, 0), 0);
	struct ife_fault *f;
	assert_int_equal(ife_fault_create(&p, SOCKET_ID_ANY, &f), 0);
	struct rte_mbuf *b[8] = {pkt(1), pkt(2)};
	assert_int_equal(ife_fault_burst(f, IFE_FAULT_TX, b, 2, 8, 1000 * US),
			 0);
	assert_int_equal(ife_fault_held(f, IFE_FAULT_TX), 2);
	assert_int_equal(ife_fault_burst(f, IFE_FAULT_TX, b, 0, 8, 1499 * US),
			 0);
	assert_int_equal(ife_fault_burst(f, IFE_FAULT_TX, b, 0, 8, 1500 * US),
			 2);
	assert_int_equal(id_of(b[0]), 1);
	assert_int_equal(id_of(b[1]), 2);
	rte_pktmbuf_free(b[0]);
	rte_pktmbuf_free(b[1]);
	/* RX is untouched. */
	b[0] = pkt(3);
	assert_int_equal(ife_fault_burst(f, IFE_FAULT_RX, b, 1, 8, 0), 1);
	rte_pktmbuf_free(b[0]);
	ife_fault_destroy(&f);
}

static void
test_fault_reorder_loses_nothing(void **state)
{
	(void)state;
	static uint32_t order[5000];
	struct ife_fault_params p;
	assert_int_equal(ife_fault_parse("seed=3,rx.reorder=0.2", &p, NULL, 0),
			 0);
	struct ife_fault *f;
	assert_int_equal(ife_fault_create(&p, SOCKET_ID_ANY, &f), 0);
	uint64_t now = 0;
	uint32_t got = run(f, IFE_FAULT_RX, 5000, order, &now);
	assert_int_equal(got, 5000);
	static uint8_t seen[5000];
	memset(seen, 0, sizeof(seen));
	unsigned late = 0;
	uint32_t maxid = 0;
	for (uint32_t i = 0; i < got; i++) {
		assert_true(order[i] < 5000);
		assert_false(seen[order[i]]);
		seen[order[i]] = 1;
		if (order[i] < maxid)
			late++; /* overtaken by a later packet */
		else
			maxid = order[i];
	}
	/* Every held packet is overtaken (held 1 ms, bursts every 0.1 ms),
	 * and nothing else is out of order. */
	uint64_t r = ife_fault_stats(f, IFE_FAULT_RX)->reordered;
	assert_int_equal(late, r);
	assert_true(r > 850 && r < 1150); /* 20% of 5000 */
	ife_fault_destroy(&f);
}

static void
test_fault_duplicate_copies(void **state)
{
	(void)state;
	struct ife_fault_params p;
	assert_int_equal(ife_fault_parse("dup=1", &p, NULL, 0), 0);
	struct ife_fault *f;
	assert_int_equal(ife_fault_create(&p, SOCKET_ID_ANY, &f), 0);
	struct rte_mbuf *b[8] = {pkt(7), pkt(8), pkt(9)};
	uint16_t n = ife_fault_burst(f, IFE_FAULT_RX, b, 3, 8, 0);
	assert_int_equal(n, 6);
	uint32_t want[6] = {7, 8, 9, 7, 8, 9};
	for (int i = 0; i < 6; i++) {
		assert_int_equal(id_of(b[i]), want[i]);
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(b[i], b[j]); /* deep copies */
	}
	for (int i = 0; i < 6; i++)
		rte_pktmbuf_free(b[i]);
	/* No room in the array: the copy is skipped and counted. */
	struct rte_mbuf *c[2] = {pkt(1), pkt(2)};
	n = ife_fault_burst(f, IFE_FAULT_RX, c, 2, 2, 0);
	assert_int_equal(n, 2);
	assert_int_equal(ife_fault_stats(f, IFE_FAULT_RX)->dup_failed, 2);
	rte_pktmbuf_free(c[0]);
	rte_pktmbuf_free(c[1]);
	ife_fault_destroy(&f);
}

/* A TSO super-segment on TX is an mbuf chain longer than the MTU with
 * offload metadata: its duplicate is a deep copy of the whole chain (every
 * byte, pkt_len, nb_segs consistent, the headers in the first mbuf) with
 * the same ol_flags, l2/l3/l4_len and tso_segsz, and the original is left
 * as it was. */
static void
test_fault_duplicate_copies_chains(void **state)
{
	(void)state;
	struct ife_fault_params p;
	assert_int_equal(ife_fault_parse("tx.dup=1", &p, NULL, 0), 0);
	struct ife_fault *f;
	assert_int_equal(ife_fault_create(&p, SOCKET_ID_ANY, &f), 0);
	/* As the TCP stack builds it: TCP header (32) and 2016 payload
	 * bytes in the first mbuf, Ethernet and IPv4 in its headroom, then
	 * 2048-byte mbufs: 30000 payload bytes in 15 mbufs. */
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp), *last = m;
	assert_non_null(m);
	uint32_t total = 66 + 2016;
	assert_non_null(rte_pktmbuf_append(m, 32 + 2016));
	uint8_t *d = (uint8_t *)rte_pktmbuf_prepend(m, 14 + 20);
	assert_non_null(d);
	for (uint32_t i = 0; i < total; i++)
		d[i] = (uint8_t)(i * 7 + 1);
	while (total < 66 + 30000) {
		struct rte_mbuf *s = rte_pktmbuf_alloc(mp);
		assert_non_null(s);
		uint32_t k =
			66 + 30000 - total < 2048 ? 66 + 30000 - total : 2048;
		d = (uint8_t *)rte_pktmbuf_append(s, (uint16_t)k);
		for (uint32_t i = 0; i < k; i++)
			d[i] = (uint8_t)((total + i) * 7 + 1);
		total += k;
		last->next = s;
		last = s;
		m->nb_segs++;
		m->pkt_len += k;
	}
	m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM |
		      RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	m->l2_len = 14;
	m->l3_len = 20;
	m->l4_len = 32;
	m->tso_segsz = 1448;
	uint16_t nsegs = m->nb_segs;
	assert_int_equal(nsegs, 15);
	struct rte_mbuf *b[4] = {m};
	assert_int_equal(ife_fault_burst(f, IFE_FAULT_TX, b, 1, 4, 0), 2);
	assert_ptr_equal(b[0], m);
	assert_int_equal(m->nb_segs, nsegs);
	struct rte_mbuf *c = b[1];
	assert_ptr_not_equal(c, m);
	assert_int_equal(c->pkt_len, 66 + 30000);
	assert_int_equal(c->ol_flags, m->ol_flags);
	assert_int_equal(c->l2_len, 14);
	assert_int_equal(c->l3_len, 20);
	assert_int_equal(c->l4_len, 32);
	assert_int_equal(c->tso_segsz, 1448);
	assert_true(c->data_len >= 66);
	uint32_t sum = 0;
	unsigned segs = 0;
	for (const struct rte_mbuf *s = c; s != NULL; s = s->next) {
		for (const struct rte_mbuf *o = m; o != NULL; o = o->next)
			assert_ptr_not_equal(s, o); /* deep */
		sum += s->data_len;
		segs++;
	}
	assert_int_equal(sum, c->pkt_len);
	assert_int_equal(segs, c->nb_segs);
	static uint8_t a[66 + 30000], z[66 + 30000];
	const uint8_t *pa = rte_pktmbuf_read(m, 0, sizeof(a), a);
	const uint8_t *pz = rte_pktmbuf_read(c, 0, sizeof(z), z);
	assert_non_null(pa);
	assert_non_null(pz);
	assert_memory_equal(pa, pz, sizeof(a));
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(c);
	ife_fault_destroy(&f);
}

static void
test_fault_hold_is_bounded(void **state)
{
	(void)state;
	struct ife_fault_params p;
	assert_int_equal(ife_fault_parse("delay=1,max_held=4,delay_us=1000000",
					 &p, NULL, 0),
			 0);
	struct ife_fault *f;
	assert_int_equal(ife_fault_create(&p, SOCKET_ID_ANY, &f), 0);
	struct rte_mbuf *b[16];
	for (uint32_t i = 0; i < 10; i++)
		b[i] = pkt(i);
	uint16_t n = ife_fault_burst(f, IFE_FAULT_RX, b, 10, 16, 0);
	assert_int_equal(n, 6);
	assert_int_equal(ife_fault_held(f, IFE_FAULT_RX), 4);
	assert_int_equal(ife_fault_stats(f, IFE_FAULT_RX)->held_full, 6);
	for (int i = 0; i < n; i++)
		rte_pktmbuf_free(b[i]);
	/* Destroy frees what is held (teardown checks the pool). */
	ife_fault_destroy(&f);
}

static void
test_fault_parse_errors(void **state)
{
	(void)state;
	struct ife_fault_params p;
	char err[128];
	assert_int_equal(ife_fault_parse("drop=2", &p, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "bad value for 'drop'");
	assert_int_equal(ife_fault_parse("rx.lose=0.1", &p, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "unknown key 'rx.lose'");
	assert_int_equal(ife_fault_parse("drop", &p, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(ife_fault_parse("drop=-1%", &p, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(ife_fault_parse("drop=0.1x", &p, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(
		ife_fault_parse("max_held=99999999", &p, err, sizeof(err)),
		-EINVAL);
	assert_int_equal(ife_fault_parse("seed=-3", &p, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(ife_fault_parse("delay_us=nan", &p, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(ife_fault_parse("drop=nan", &p, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(ife_fault_parse("off", &p, err, sizeof(err)), 0);
	assert_int_equal(
		ife_fault_parse("seed=0x10,drop=5%,rx.reorder=0.05,tx.dup=0.01",
				&p, err, sizeof(err)),
		0);
	assert_int_equal(p.seed, 16);
	assert_true(p.dir[IFE_FAULT_RX].drop == 0.05);
	assert_true(p.dir[IFE_FAULT_TX].drop == 0.05);
	assert_true(p.dir[IFE_FAULT_RX].reorder == 0.05);
	assert_true(p.dir[IFE_FAULT_TX].reorder == 0.0);
	assert_true(p.dir[IFE_FAULT_TX].dup == 0.01);
	struct ife_fault *f;
	p.dir[0].drop = 1.5;
	assert_int_equal(ife_fault_create(&p, SOCKET_ID_ANY, &f), -EINVAL);
}

int
main(void)
{
	char *argv[] = {"test_fault",
			"--no-huge",
			"--no-pci",
			"--no-shconf",
			"--no-telemetry",
			"-l",
			"0",
			"--log-level",
			"1",
			"-m",
			"128",
			NULL};
	if (rte_eal_init(11, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	mp = rte_pktmbuf_pool_create("test_fault", 8191, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (mp == NULL) {
		fprintf(stderr, "mempool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
#define T(name) cmocka_unit_test_teardown(name, teardown)
	const struct CMUnitTest tests[] = {
		T(test_fault_off_by_default),
		T(test_fault_drop_probability),
		T(test_fault_deterministic_by_seed),
		T(test_fault_delay_holds_then_releases),
		T(test_fault_reorder_loses_nothing),
		T(test_fault_duplicate_copies),
		T(test_fault_duplicate_copies_chains),
		T(test_fault_hold_is_bounded),
		T(test_fault_parse_errors),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return rc;
}
