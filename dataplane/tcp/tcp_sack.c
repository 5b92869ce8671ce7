/*
 * Sender-side SACK: the scoreboard (RFC 2018) and the loss recovery that
 * uses it (RFC 6675: IsLost, pipe, NextSeg), including the recovery after
 * a retransmission timeout (RFC 6675 5.1).
 *
 * The scoreboard lives on the send queue itself, so that it costs the TCB
 * nothing but one sequence number (high_rxt) and three flag bits: each
 * queued mbuf carries up to two SACKed byte ranges in its `hash` field
 * (struct tcp_sack_marks, tcp_pvt.h). Nothing else reads that field on the
 * send queue: output copies payload into fresh mbufs, so a send-queue mbuf
 * never reaches a PMD. SACKed data stays queued until it is cumulatively
 * acknowledged (RFC 2018 8): the marks only decide what is retransmitted.
 *
 * Totals (SACKed bytes, discontiguous runs, the loss boundary, pipe) are
 * recomputed by walking the in-flight part of the queue. That happens only
 * while the scoreboard holds marks (TF_SACKED) or drives retransmission
 * (TF_SACK_RXT), i.e. after a loss or reordering: a clean connection never
 * walks.
 */
#include "tcp_pvt.h"

/* ---- marks on one mbuf ------------------------------------------------- */

static void
marks_get(const struct rte_mbuf *m, struct tcp_sack_marks *k)
{
	memcpy(k, &m->hash, sizeof(*k));
}

static void
marks_put(struct rte_mbuf *m, const struct tcp_sack_marks *k)
{
	memcpy(&m->hash, k, sizeof(*k));
}

/*
 * Add [a, b) to the marks @p k; returns the bytes newly covered. When the
 * union needs three disjoint ranges the smallest is forgotten: those bytes
 * count as not SACKed again, so they may be retransmitted needlessly but
 * are never wrongly skipped.
 */
static uint32_t
marks_add(struct tcp_sack_marks *k, uint32_t a, uint32_t b)
{
	uint32_t s[3], e[3], before = 0, after = 0;
	unsigned n = 0;
	for (unsigned i = 0; i < 2 && k->e[i] != 0; i++) {
		s[n] = k->s[i];
		e[n] = k->e[i];
		before += e[n] - s[n];
		n++;
	}
	unsigned j = n;
	while (j > 0 && s[j - 1] > a) {
		s[j] = s[j - 1];
		e[j] = e[j - 1];
		j--;
	}
	s[j] = a;
	e[j] = b;
	n++;
	unsigned w = 0; /* merge overlapping and adjacent ranges */
	for (unsigned i = 1; i < n; i++) {
		if (s[i] <= e[w]) {
			if (e[i] > e[w])
				e[w] = e[i];
		} else {
			w++;
			s[w] = s[i];
			e[w] = e[i];
		}
	}
	n = w + 1;
	if (n == 3) {
		unsigned drop = 0;
		for (unsigned i = 1; i < 3; i++)
			if (e[i] - s[i] < e[drop] - s[drop])
				drop = i;
		for (unsigned i = drop; i < 2; i++) {
			s[i] = s[i + 1];
			e[i] = e[i + 1];
		}
		n = 2;
	}
	memset(k, 0, sizeof(*k));
	for (unsigned i = 0; i < n; i++) {
		k->s[i] = (uint16_t)s[i];
		k->e[i] = (uint16_t)e[i];
		after += e[i] - s[i];
	}
	return after > before ? after - before : 0;
}

void
tcp_sack_shift(struct rte_mbuf *m, uint32_t n)
{
	struct tcp_sack_marks k, o;
	marks_get(m, &k);
	memset(&o, 0, sizeof(o));
	unsigned j = 0;
	for (unsigned i = 0; i < 2 && k.e[i] != 0; i++) {
		if (k.e[i] <= n)
			continue;
		o.s[j] = (uint16_t)(k.s[i] > n ? k.s[i] - n : 0);
		o.e[j] = (uint16_t)(k.e[i] - n);
		j++;
	}
	marks_put(m, &o);
}

/* ---- walking the scoreboard --------------------------------------------- */

/*
 * Iterates over the SACKed runs of the in-flight queue in order, as
 * offsets from SND.UNA, merging ranges that continue across mbufs.
 */
struct sb_iter {
	const struct rte_mbuf *m;
	uint32_t base; /* queue offset of m's first byte */
	uint32_t lim;  /* no marks at or beyond this offset */
	unsigned k;    /* next range of m */
	int have;      /* a range read ahead waits in (ps, pe) */
	uint32_t ps, pe;
};

static void
sb_init(const struct ife_tcp_conn *c, struct sb_iter *it)
{
	it->m = c->sndq_head;
	it->base = 0;
	it->lim = tcp_min32(c->snd_max - c->snd_una, c->sndq_bytes);
	it->k = 0;
	it->have = 0;
	it->ps = it->pe = 0;
}

static int
sb_range(struct sb_iter *it, uint32_t *s, uint32_t *e)
{
	while (it->m != NULL && it->base < it->lim) {
		struct tcp_sack_marks k;
		marks_get(it->m, &k);
		if (it->k < 2 && k.e[it->k] != 0) {
			*s = it->base + k.s[it->k];
			*e = it->base + k.e[it->k];
			it->k++;
			return 1;
		}
		it->base += it->m->data_len;
		it->m = it->m->next;
		it->k = 0;
	}
	return 0;
}

static int
sb_run(struct sb_iter *it, uint32_t *s, uint32_t *e)
{
	uint32_t a, b, x, y;
	if (it->have) {
		a = it->ps;
		b = it->pe;
		it->have = 0;
	} else if (!sb_range(it, &a, &b)) {
		return 0;
	}
	while (sb_range(it, &x, &y)) {
		if (x != b) {
			it->have = 1;
			it->ps = x;
			it->pe = y;
			break;
		}
		b = y;
	}
	*s = a;
	*e = b;
	return 1;
}

struct sb_tot {
	uint32_t bytes; /* SACKed bytes above SND.UNA */
	uint32_t runs;	/* discontiguous SACKed runs */
};

static void
sb_totals(struct ife_tcp_conn *c, struct sb_tot *t)
{
	struct sb_iter it;
	uint32_t s, e;
	t->bytes = t->runs = 0;
	if (!(c->flags & TF_SACKED))
		return;
	sb_init(c, &it);
	while (sb_run(&it, &s, &e)) {
		t->bytes += e - s;
		t->runs++;
	}
	if (t->runs == 0)
		c->flags &= ~(uint32_t)TF_SACKED; /* all of it was acked */
}

/* RFC 6675 4, IsLost() for a hole with @p runs runs and @p bytes SACKed
 * bytes above it. */
static int
sb_lost(const struct ife_tcp_conn *c, uint32_t runs, uint32_t bytes)
{
	return runs >= IFE_TCP_DUPTHRESH ||
	       bytes > (IFE_TCP_DUPTHRESH - 1) * (uint32_t)c->mss;
}

static uint32_t
overlap_below(uint32_t s, uint32_t e, uint32_t x)
{
	if (x <= s)
		return 0;
	return (x < e ? x : e) - s;
}

/* ---- scoreboard updates ------------------------------------------------- */

static void
tcp_sack_clear(struct ife_tcp_conn *c)
{
	uint32_t lim = c->snd_max - c->snd_una, base = 0;
	for (struct rte_mbuf *m = c->sndq_head; m != NULL && base < lim;
	     m = m->next) {
		tcp_sack_marks_clear(m);
		base += m->data_len;
	}
	c->flags &= ~(uint32_t)TF_SACKED;
}

int
tcp_sack_check_reneging(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	struct tcp_sack_marks k;
	if (c->sndq_head == NULL || c->snd_una == c->snd_max)
		return 0;
	marks_get(c->sndq_head, &k);
	if (k.e[0] == 0 || k.s[0] != 0)
		return 0;
	/*
	 * The cumulative ACK stops at (or inside) data the receiver had
	 * SACKed: it has discarded it (RFC 2018 8). The data is still
	 * queued; forget every mark so that all of it can be resent.
	 */
	st->stats.sack_reneging++;
	tcp_sack_clear(c);
	return 1;
}

uint32_t
tcp_sack_update(struct ife_tcp_stack *st, struct ife_tcp_conn *c,
		const struct tcp_seg *s)
{
	uint32_t blk[4][2];
	unsigned nb = 0;
	uint32_t lim = tcp_min32(c->snd_max - c->snd_una, c->sndq_bytes);
	const struct tcp_opts *o = &s->o;

	st->stats.sack_blocks_rx += o->nsack;
	for (unsigned i = 0; i < o->nsack; i++) {
		uint32_t a = o->sack[i][0], b = o->sack[i][1];
		/* RFC 2883: a first block below the cumulative ACK or inside
		 * the second block reports a duplicate. */
		if (i == 0 && SEQ_LT(a, b) &&
		    (SEQ_LEQ(b, s->ack) ||
		     (o->nsack > 1 && SEQ_GEQ(a, o->sack[1][0]) &&
		      SEQ_LEQ(b, o->sack[1][1])))) {
			st->stats.sack_dsack_rx++;
			continue;
		}
		/* RFC 2018 3: only SND.UNA < left < right <= SND.MAX. */
		if (!SEQ_LT(c->snd_una, a) || !SEQ_LT(a, b) ||
		    SEQ_GT(b, c->snd_max)) {
			st->stats.sack_blocks_bad++;
			continue;
		}
		uint32_t oa = a - c->snd_una;
		uint32_t ob = tcp_min32(b - c->snd_una, lim);
		if (oa >= ob)
			continue; /* only our FIN: nothing queued to mark */
		unsigned j = nb++;
		while (j > 0 && blk[j - 1][0] > oa) {
			blk[j][0] = blk[j - 1][0];
			blk[j][1] = blk[j - 1][1];
			j--;
		}
		blk[j][0] = oa;
		blk[j][1] = ob;
	}
	if (nb == 0)
		return 0;
	/* One walk for all blocks, sorted by left edge. */
	uint32_t newly = 0, base = 0;
	unsigned first = 0;
	for (struct rte_mbuf *m = c->sndq_head; m != NULL && first < nb;
	     m = m->next) {
		uint32_t end = base + m->data_len;
		struct tcp_sack_marks k;
		int dirty = 0;
		marks_get(m, &k);
		for (unsigned j = first; j < nb && blk[j][0] < end; j++) {
			uint32_t a = tcp_max32(blk[j][0], base);
			uint32_t b = tcp_min32(blk[j][1], end);
			if (a < b) {
				newly += marks_add(&k, a - base, b - base);
				dirty = 1;
			}
		}
		if (dirty)
			marks_put(m, &k);
		while (first < nb && blk[first][1] <= end)
			first++;
		base = end;
	}
	if (newly > 0)
		c->flags |= TF_SACKED;
	return newly;
}

int
tcp_sack_una_lost(struct ife_tcp_conn *c)
{
	struct sb_tot t;
	sb_totals(c, &t);
	return t.runs > 0 && sb_lost(c, t.runs, t.bytes);
}

/* ---- RFC 6675 transmission ---------------------------------------------- */

uint32_t
tcp_sack_output(struct ife_tcp_stack *st, struct ife_tcp_conn *c)
{
	const uint32_t flight = c->snd_max - c->snd_una; /* incl. a FIN */
	struct sb_tot t;
	struct sb_iter it;
	uint32_t s, e;

	sb_totals(c, &t);
	/* Offsets from SND.UNA: rx, what this recovery has retransmitted
	 * (HighRxt); rl, what an RTO declared lost (RFC 6675 5.1). */
	uint32_t rx = SEQ_GT(c->high_rxt, c->snd_una)
			      ? tcp_min32(c->high_rxt - c->snd_una, flight)
			      : 0;
	uint32_t rl = 0;
	if ((c->flags & TF_RTO_LOSS) && SEQ_GT(c->recover, c->snd_una))
		rl = tcp_min32(c->recover - c->snd_una, flight);

	/*
	 * IsLost() holds for a hole when enough is SACKed above it, so the
	 * lost holes are a prefix of the holes: every unSACKed byte below
	 * a boundary L is lost. One walk finds L and the SACKed bytes below
	 * L, rx and rl, from which pipe follows (RFC 6675 4, SetPipe()):
	 * each unSACKed byte counts once if not lost, once more if it was
	 * retransmitted.
	 */
	uint32_t below = 0, runs = 0, prev = 0, lsack = 0, sl = 0;
	uint32_t srx = 0, srl = 0;
	int lost_open = 1;
	sb_init(c, &it);
	while (sb_run(&it, &s, &e)) {
		if (lost_open && s > prev) {
			if (sb_lost(c, t.runs - runs, t.bytes - below)) {
				lsack = s;
				sl = below;
			} else {
				lost_open = 0;
			}
		}
		srx += overlap_below(s, e, rx);
		srl += overlap_below(s, e, rl);
		below += e - s;
		runs++;
		prev = e;
		if (!lost_open && s >= rx && s >= rl)
			break;
	}
	uint32_t lim = lsack, slim = sl;
	if (rl > lim) {
		lim = rl;
		slim = srl;
	}
	uint32_t pipe = (flight - t.bytes) - (lim - slim) + (rx - srx);

	/* NextSeg() rule 1: the first lost, unSACKed byte above HighRxt,
	 * while cwnd - pipe >= 1 SMSS (RFC 6675 5, step C). */
	uint32_t pos = rx;
	int more;
	sb_init(c, &it);
	more = sb_run(&it, &s, &e);
	while (pos < lim && pipe + c->mss <= c->cwnd) {
		while (more && e <= pos)
			more = sb_run(&it, &s, &e);
		if (more && s <= pos) {
			pos = e;
			continue;
		}
		uint32_t hole_end = more ? tcp_min32(s, lim) : lim;
		if (pos >= hole_end)
			break;
		uint32_t len = tcp_min32(hole_end - pos, c->mss);
		uint8_t flags = TH_ACK;
		if (pos + len > c->sndq_bytes) {
			/* The hole reaches our FIN (flight counts it). */
			len = c->sndq_bytes > pos ? c->sndq_bytes - pos : 0;
			flags |= TH_FIN;
		}
		int rc = tcp_send_seg(st, c, c->snd_una + pos, len, flags);
		if (rc <= 0)
			break; /* no mbuf: tcp_send_seg set a retry */
		st->stats.retrans_segs++;
		st->stats.sack_retrans_segs++;
		pos += (uint32_t)rc;
		pipe += (uint32_t)rc;
		c->high_rxt = c->snd_una + pos;
	}
	/* NextSeg() rule 2: new data only once nothing lost waits, within
	 * what cwnd leaves over pipe. Returned as a window from SND.UNA for
	 * tcp_output()'s loop (SND.NXT = SND.MAX here). */
	uint32_t off = c->snd_nxt - c->snd_una;
	if (pos < lim || pipe >= c->cwnd)
		return off;
	return off + (c->cwnd - pipe);
}
