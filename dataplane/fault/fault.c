/*
 * Fault injection on mbuf bursts: see fault.h. Held packets wait in two
 * FIFOs per direction (delay, reorder); each FIFO has one fixed hold time,
 * so release times are monotonic within it and a release is O(1).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "fault.h"

struct held {
	struct rte_mbuf *m;
	uint64_t due;
};

struct fifo {
	struct held *q;
	uint32_t head, tail, mask; /* tail - head = count */
};

struct fault_dir {
	uint64_t thr_drop, thr_dup, thr_reorder, thr_delay; /* of 2^32 */
	uint64_t delay_ns, reorder_ns;
	uint64_t rng[4];
	bool on;
	struct fifo delay, reorder;
	struct ife_fault_stats stats;
};

struct ife_fault {
	struct fault_dir d[2];
	uint32_t max_held;
};

/* ---- PRNG: xoshiro256** (Blackman, Vigna), seeded by splitmix64 ------- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
xoshiro(uint64_t s[4])
{
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* True with probability thr / 2^32. Draws even when thr is 0 or 2^32 so
 * that the sequence of draws does not depend on the configuration. */
static inline bool
chance(struct fault_dir *d, uint64_t thr)
{
	return (xoshiro(d->rng) >> 32) < thr;
}

/* ---- parameters --------------------------------------------------------- */

static int
prob_ok(double p)
{
	return p >= 0.0 && p <= 1.0 && !isnan(p);
}

static uint64_t
prob_thr(double p)
{
	return (uint64_t)llround(p * 4294967296.0);
}

static int
fifo_init(struct fifo *f, uint32_t n, int socket_id)
{
	f->q = rte_zmalloc_socket("ife_fault", n * sizeof(*f->q), 0, socket_id);
	f->head = f->tail = 0;
	f->mask = n - 1;
	return f->q ? 0 : -ENOMEM;
}

static void
fifo_free(struct fifo *f)
{
	if (f->q == NULL)
		return;
	while (f->head != f->tail)
		rte_pktmbuf_free(f->q[f->head++ & f->mask].m);
	rte_free(f->q);
	f->q = NULL;
}

int
ife_fault_create(const struct ife_fault_params *p, int socket_id,
		 struct ife_fault **f_r)
{
	if (p == NULL || f_r == NULL || p->max_held > 65536)
		return -EINVAL;
	for (int i = 0; i < 2; i++) {
		const struct ife_fault_dir_params *dp = &p->dir[i];
		if (!prob_ok(dp->drop) || !prob_ok(dp->dup) ||
		    !prob_ok(dp->reorder) || !prob_ok(dp->delay))
			return -EINVAL;
	}
	struct ife_fault *f = rte_zmalloc_socket(
		"ife_fault", sizeof(*f), RTE_CACHE_LINE_SIZE, socket_id);
	if (f == NULL)
		return -ENOMEM;
	uint32_t held = p->max_held ? p->max_held : 1024, n = 1;
	while (n < held)
		n <<= 1;
	f->max_held = held;
	for (int i = 0; i < 2; i++) {
		const struct ife_fault_dir_params *dp = &p->dir[i];
		struct fault_dir *d = &f->d[i];
		d->thr_drop = prob_thr(dp->drop);
		d->thr_dup = prob_thr(dp->dup);
		d->thr_reorder = prob_thr(dp->reorder);
		d->thr_delay = prob_thr(dp->delay);
		d->delay_ns =
			(uint64_t)(dp->delay_us ? dp->delay_us : 2000) * 1000;
		d->reorder_ns =
			(uint64_t)(dp->reorder_us ? dp->reorder_us : 1000) *
			1000;
		d->on = d->thr_drop || d->thr_dup || d->thr_reorder ||
			d->thr_delay;
		uint64_t x =
			p->seed ^ (0x5851f42d4c957f2dULL * (uint64_t)(i + 1));
		for (int k = 0; k < 4; k++)
			d->rng[k] = splitmix64(&x);
		if (d->on && (fifo_init(&d->delay, n, socket_id) != 0 ||
			      fifo_init(&d->reorder, n, socket_id) != 0)) {
			ife_fault_destroy(&f);
			return -ENOMEM;
		}
	}
	*f_r = f;
	return 0;
}

void
ife_fault_destroy(struct ife_fault **fp)
{
	if (fp == NULL || *fp == NULL)
		return;
	struct ife_fault *f = *fp;
	for (int i = 0; i < 2; i++) {
		fifo_free(&f->d[i].delay);
		fifo_free(&f->d[i].reorder);
	}
	rte_free(f);
	*fp = NULL;
}

bool
ife_fault_enabled(const struct ife_fault *f, enum ife_fault_dir dir)
{
	return f != NULL && f->d[dir & 1].on;
}

uint32_t
ife_fault_held(const struct ife_fault *f, enum ife_fault_dir dir)
{
	const struct fault_dir *d = &f->d[dir & 1];
	return (d->delay.tail - d->delay.head) +
	       (d->reorder.tail - d->reorder.head);
}

const struct ife_fault_stats *
ife_fault_stats(const struct ife_fault *f, enum ife_fault_dir dir)
{
	return &f->d[dir & 1].stats;
}

/* ---- the burst ---------------------------------------------------------- */

static bool
fifo_push(struct ife_fault *f, struct fifo *q, struct rte_mbuf *m, uint64_t due)
{
	if (q->tail - q->head >= f->max_held)
		return false;
	q->q[q->tail & q->mask] = (struct held){m, due};
	q->tail++;
	return true;
}

static uint16_t
fifo_release(struct fifo *q, struct rte_mbuf **pkts, uint16_t n, uint16_t cap,
	     uint64_t now)
{
	while (n < cap && q->head != q->tail &&
	       q->q[q->head & q->mask].due <= now) {
		pkts[n++] = q->q[q->head & q->mask].m;
		q->head++;
	}
	return n;
}

uint16_t
ife_fault_burst(struct ife_fault *f, enum ife_fault_dir dir,
		struct rte_mbuf **pkts, uint16_t n, uint16_t cap,
		uint64_t now_ns)
{
	if (f == NULL || !f->d[dir & 1].on)
		return n;
	struct fault_dir *d = &f->d[dir & 1];
	uint16_t out = 0, ndup = 0;
	struct rte_mbuf *dups[64];
	d->stats.in += n;
	/* Survivors are compacted to the front in place (out <= i); copies
	 * wait in dups[] and follow them. */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		/* Four draws per packet, always, for reproducibility. */
		bool drop = chance(d, d->thr_drop);
		bool delay = chance(d, d->thr_delay);
		bool reord = chance(d, d->thr_reorder);
		bool dup = chance(d, d->thr_dup);
		if (drop) {
			d->stats.dropped++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (delay) {
			if (fifo_push(f, &d->delay, m, now_ns + d->delay_ns)) {
				d->stats.delayed++;
				continue;
			}
			d->stats.held_full++;
		} else if (reord) {
			if (fifo_push(f, &d->reorder, m,
				      now_ns + d->reorder_ns)) {
				d->stats.reordered++;
				continue;
			}
			d->stats.held_full++;
		}
		pkts[out++] = m;
		if (dup) {
			struct rte_mbuf *c = NULL;
			if (ndup < 64 &&
			    (uint32_t)out + ndup + (n - i - 1u) < cap)
				c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
			if (c != NULL) {
				dups[ndup++] = c;
				d->stats.duplicated++;
			} else {
				d->stats.dup_failed++;
			}
		}
	}
	for (uint16_t k = 0; k < ndup; k++)
		pkts[out++] = dups[k];
	out = fifo_release(&d->reorder, pkts, out, cap, now_ns);
	out = fifo_release(&d->delay, pkts, out, cap, now_ns);
	d->stats.out += out;
	return out;
}

/* ---- parsing ------------------------------------------------------------ */

static int
parse_prob(const char *v, double *out)
{
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	if (end == v || errno != 0)
		return -1;
	if (*end == '%') {
		x /= 100.0;
		end++;
	}
	if (*end != '\0' || !prob_ok(x))
		return -1;
	*out = x;
	return 0;
}

static int
parse_u32(const char *v, uint32_t *out, uint32_t max)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 || x > max || *v == '-')
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static int
set_dir_key(struct ife_fault_dir_params *dp, const char *k, const char *v)
{
	if (strcmp(k, "drop") == 0)
		return parse_prob(v, &dp->drop);
	if (strcmp(k, "dup") == 0)
		return parse_prob(v, &dp->dup);
	if (strcmp(k, "reorder") == 0)
		return parse_prob(v, &dp->reorder);
	if (strcmp(k, "delay") == 0)
		return parse_prob(v, &dp->delay);
	if (strcmp(k, "delay_us") == 0)
		return parse_u32(v, &dp->delay_us, 10000000);
	if (strcmp(k, "reorder_us") == 0)
		return parse_u32(v, &dp->reorder_us, 10000000);
	return -2;
}

int
ife_fault_parse(const char *spec, struct ife_fault_params *p, char *err,
		size_t errlen)
{
	char buf[512];
	memset(p, 0, sizeof(*p));
	if (err && errlen)
		err[0] = '\0';
	if (spec == NULL || spec[0] == '\0' || strcmp(spec, "off") == 0)
		return 0;
	if (strlen(spec) >= sizeof(buf)) {
		if (err)
			snprintf(err, errlen, "fault spec longer than %zu",
				 sizeof(buf) - 1);
		return -EINVAL;
	}
	strcpy(buf, spec);
	char *save = NULL;
	for (char *item = strtok_r(buf, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		if (eq == NULL || eq == item || eq[1] == '\0') {
			if (err)
				snprintf(err, errlen, "'%s': want key=value",
					 item);
			return -EINVAL;
		}
		*eq = '\0';
		const char *k = item, *v = eq + 1;
		int rc;
		if (strcmp(k, "seed") == 0) {
			char *end;
			errno = 0;
			p->seed = strtoull(v, &end, 0);
			rc = (*end || errno || *v == '-') ? -1 : 0;
		} else if (strcmp(k, "max_held") == 0) {
			rc = parse_u32(v, &p->max_held, 65536);
		} else if (strncmp(k, "rx.", 3) == 0) {
			rc = set_dir_key(&p->dir[IFE_FAULT_RX], k + 3, v);
		} else if (strncmp(k, "tx.", 3) == 0) {
			rc = set_dir_key(&p->dir[IFE_FAULT_TX], k + 3, v);
		} else {
			rc = set_dir_key(&p->dir[IFE_FAULT_RX], k, v);
			if (rc == 0)
				rc = set_dir_key(&p->dir[IFE_FAULT_TX], k, v);
		}
		if (rc != 0) {
			if (err)
				snprintf(err, errlen,
					 rc == -2 ? "unknown key '%s'"
						  : "bad value for '%s'",
					 k);
			return -EINVAL;
		}
	}
	return 0;
}
