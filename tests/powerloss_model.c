/*
 * Disk model of the power-loss test: see powerloss_model.h and
 * docs/durability.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerloss_model.h"

static const char *const mode_names[POWERLOSS_MODE_COUNT] = {
	"durable-only", "all-pending", "per-sector", "per-write",
	"in-order-torn"};

const char *
powerloss_mode_name(unsigned mode)
{
	return mode < POWERLOSS_MODE_COUNT ? mode_names[mode] : "?";
}

void *
powerloss_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL) {
		fprintf(stderr, "powerloss_model: out of memory\n");
		abort();
	}
	return q;
}

void
powerloss_grow(void **p, size_t *cap, size_t need, size_t sz)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	*p = powerloss_realloc(*p, c * sz);
	memset((char *)*p + *cap * sz, 0, (c - *cap) * sz);
	*cap = c;
}

void
powerloss_model_init(struct powerloss_model *m, enum powerloss_fault f,
		     size_t drop_ev)
{
	memset(m, 0, sizeof(*m));
	m->fault = f;
	m->drop_ev = drop_ev;
	m->acked = -1;
	m->begun = -1;
}

static void
model_sectors(struct powerloss_model *m, size_t nsec)
{
	size_t old = m->capsec;
	if (nsec <= old)
		return;
	size_t c = old ? old : 1024;
	while (c < nsec)
		c *= 2;
	m->dur = powerloss_realloc(m->dur, c * POWERLOSS_SECTOR);
	m->lat = powerloss_realloc(m->lat, c * POWERLOSS_SECTOR);
	m->head = powerloss_realloc(m->head, c * sizeof(*m->head));
	memset(m->dur + old * POWERLOSS_SECTOR, 0,
	       (c - old) * POWERLOSS_SECTOR);
	memset(m->lat + old * POWERLOSS_SECTOR, 0,
	       (c - old) * POWERLOSS_SECTOR);
	for (size_t i = old; i < c; i++)
		m->head[i] = -1;
	m->capsec = c;
}

void
powerloss_model_deinit(struct powerloss_model *m)
{
	free(m->dur);
	free(m->lat);
	free(m->head);
	free(m->ver);
	free(m->blk);
	free(m->pw);
	free(m->dirty);
	memset(m, 0, sizeof(*m));
}

/* Sector s became durable with its latest content. */
static void
model_settle(struct powerloss_model *m, uint32_t s)
{
	memcpy(m->dur + (size_t)s * POWERLOSS_SECTOR,
	       m->lat + (size_t)s * POWERLOSS_SECTOR, POWERLOSS_SECTOR);
	for (int32_t v = m->head[s]; v >= 0; v = m->ver[v].prev)
		m->ver[v].alive = 0;
	m->head[s] = -1;
}

static void
model_write(struct powerloss_model *m, uint64_t off, const uint8_t *p,
	    uint64_t len, bool durable)
{
	uint32_t s0 = (uint32_t)(off / POWERLOSS_SECTOR);
	uint32_t s1 = (uint32_t)((off + len - 1) / POWERLOSS_SECTOR);

	model_sectors(m, (size_t)s1 + 1);
	memcpy(m->lat + off, p, len);
	if (off + len > m->llen)
		m->llen = off + len;
	if (durable) {
		/* O_DSYNC: this range (and the size it implies) is on disk
		 * when the call returns; other pending writes are not */
		for (uint32_t s = s0; s <= s1; s++)
			model_settle(m, s);
		if (off + len > m->dlen)
			m->dlen = off + len;
		return;
	}
	powerloss_grow((void **)&m->pw, &m->cappw, m->npw + 1, sizeof(*m->pw));
	struct powerloss_pw *w = &m->pw[m->npw];
	w->first = (uint32_t)m->nver;
	w->n = s1 - s0 + 1;
	powerloss_grow((void **)&m->ver, &m->capver, m->nver + w->n,
		       sizeof(*m->ver));
	powerloss_grow((void **)&m->blk, &m->capblk,
		       (m->nver + w->n) * POWERLOSS_SECTOR, 1);
	for (uint32_t s = s0; s <= s1; s++) {
		struct powerloss_ver *v = &m->ver[m->nver];
		v->sector = s;
		v->prev = m->head[s];
		v->write = (uint32_t)m->npw;
		v->alive = 1;
		uint64_t e = ((uint64_t)s + 1) * POWERLOSS_SECTOR;
		v->end = e < m->llen ? e : m->llen;
		memcpy(m->blk + m->nver * POWERLOSS_SECTOR,
		       m->lat + (size_t)s * POWERLOSS_SECTOR, POWERLOSS_SECTOR);
		if (m->head[s] < 0) {
			powerloss_grow((void **)&m->dirty, &m->capdirty,
				       m->ndirty + 1, sizeof(*m->dirty));
			m->dirty[m->ndirty++] = s;
		}
		m->head[s] = (int32_t)m->nver++;
	}
	m->npw++;
}

/* fdatasync/fsync: every write before it is durable, and the size. */
static void
model_sync(struct powerloss_model *m)
{
	for (size_t i = 0; i < m->ndirty; i++)
		if (m->head[m->dirty[i]] >= 0)
			model_settle(m, m->dirty[i]);
	m->ndirty = 0;
	m->nver = 0;
	m->npw = 0;
	m->dlen = m->llen;
}

int
powerloss_model_event(struct powerloss_model *m, const struct powerloss_ev *e,
		      size_t i, const uint8_t *arena)
{
	switch (e->kind) {
	case POWERLOSS_EV_WRITE: {
		bool durable = e->dsync != 0;
		if (m->fault == POWERLOSS_FAULT_DROP_DSYNC && i == m->drop_ev)
			durable = false;
		model_write(m, e->off, arena + e->data, e->len, durable);
		return 0;
	}
	case POWERLOSS_EV_SYNC:
		if (m->fault != POWERLOSS_FAULT_NO_FDATASYNC)
			model_sync(m);
		return 0;
	case POWERLOSS_EV_MARK:
		if (e->mark == POWERLOSS_MARK_BEGIN)
			m->begun = (int32_t)e->off;
		else if (e->mark == POWERLOSS_MARK_ACK)
			m->acked = (int32_t)e->off;
		return 0;
	default:
		/* ftruncate: LMDB does not truncate data.mdb without
		 * MDB_WRITEMAP; model it when a store starts to */
		return -1;
	}
}

static void
image_take(const struct powerloss_model *m, uint8_t *img, uint32_t v,
	   uint64_t *len)
{
	const struct powerloss_ver *pv = &m->ver[v];
	memcpy(img + (size_t)pv->sector * POWERLOSS_SECTOR,
	       m->blk + v * POWERLOSS_SECTOR, POWERLOSS_SECTOR);
	if (pv->end > *len)
		*len = pv->end;
}

/* Count of a write's versions applied, to tell torn writes. */
static void
image_write(const struct powerloss_model *m, uint8_t *img, uint32_t w,
	    uint64_t *len, uint64_t *rng, bool torn,
	    struct powerloss_image_info *inf)
{
	const struct powerloss_pw *pw = &m->pw[w];
	uint32_t alive = 0, took = 0;
	for (uint32_t k = 0; k < pw->n; k++) {
		uint32_t v = pw->first + k;
		if (!m->ver[v].alive)
			continue;
		alive++;
		if (torn && powerloss_rng_below(rng, 2))
			continue;
		image_take(m, img, v, len);
		took++;
	}
	if (took > 0 && took < alive)
		inf->torn++;
}

int
powerloss_model_inflight(struct powerloss_model *m,
			 const struct powerloss_ev *e, const uint8_t *arena)
{
	switch (e->kind) {
	case POWERLOSS_EV_WRITE:
		model_write(m, e->off, arena + e->data, e->len, false);
		return 0;
	case POWERLOSS_EV_SYNC:
	case POWERLOSS_EV_MARK:
		return 0;
	default:
		return -1;
	}
}

/* The bytes a power cut could leave, by mode; *out is malloc'ed. */
void
powerloss_model_image(const struct powerloss_model *m, enum powerloss_mode mode,
		      uint64_t seed, uint8_t **out,
		      struct powerloss_image_info *inf)
{
	uint64_t rng = powerloss_rng_seed(seed, 0x696d67);
	size_t cap = (size_t)(m->llen > m->dlen ? m->llen : m->dlen);
	cap = (cap + POWERLOSS_SECTOR - 1) / POWERLOSS_SECTOR *
	      POWERLOSS_SECTOR;
	uint8_t *img = powerloss_realloc(NULL, cap);
	uint64_t len = m->dlen;

	memset(inf, 0, sizeof(*inf));
	if (cap > 0)
		memcpy(img, m->dur, cap);
	for (size_t i = 0; i < m->ndirty; i++)
		inf->pending_sectors += m->head[m->dirty[i]] >= 0;

	switch (mode) {
	case POWERLOSS_MODE_DURABLE_ONLY:
	case POWERLOSS_MODE_COUNT:
		break;
	case POWERLOSS_MODE_ALL:
		for (size_t i = 0; i < m->ndirty; i++)
			if (m->head[m->dirty[i]] >= 0)
				image_take(m, img,
					   (uint32_t)m->head[m->dirty[i]],
					   &len);
		break;
	case POWERLOSS_MODE_SECTOR:
		/* the disk wrote back each sector at some moment: any one
		 * of its versions, or none */
		for (size_t i = 0; i < m->ndirty; i++) {
			uint32_t n = 0, s = m->dirty[i];
			for (int32_t v = m->head[s]; v >= 0; v = m->ver[v].prev)
				n++;
			uint32_t k = powerloss_rng_below(&rng, n + 1);
			int32_t v = m->head[s];
			if (k == n)
				continue;
			while (k-- > 0)
				v = m->ver[v].prev;
			image_take(m, img, (uint32_t)v, &len);
		}
		for (size_t w = 0; w < m->npw; w++) {
			/* count writes now only partly on disk */
			const struct powerloss_pw *pw = &m->pw[w];
			uint32_t alive = 0, same = 0;
			for (uint32_t k = 0; k < pw->n; k++) {
				uint32_t v = pw->first + k;
				if (!m->ver[v].alive)
					continue;
				alive++;
				same += memcmp(img + (size_t)m->ver[v].sector *
							       POWERLOSS_SECTOR,
					       m->blk + v * POWERLOSS_SECTOR,
					       POWERLOSS_SECTOR) == 0;
			}
			if (same > 0 && same < alive)
				inf->torn++;
		}
		break;
	case POWERLOSS_MODE_WRITES:
		for (uint32_t w = 0; w < m->npw; w++)
			if (powerloss_rng_below(&rng, 2))
				image_write(m, img, w, &len, &rng, false, inf);
		break;
	case POWERLOSS_MODE_ORDERED: {
		uint32_t upto = powerloss_rng_below(&rng, (uint32_t)m->npw + 1);
		for (uint32_t w = 0; w < upto; w++)
			image_write(m, img, w, &len, &rng, false, inf);
		if (upto < m->npw)
			image_write(m, img, upto, &len, &rng, true, inf);
		break;
	}
	}
	/* the size may have reached the disk without the data: zeros */
	if (powerloss_rng_below(&rng, 4) == 0 && m->llen > len)
		len = m->llen;
	for (size_t i = 0; i < m->ndirty; i++) {
		uint32_t s = m->dirty[i];
		if (m->head[s] >= 0 &&
		    memcmp(img + (size_t)s * POWERLOSS_SECTOR,
			   m->dur + (size_t)s * POWERLOSS_SECTOR,
			   POWERLOSS_SECTOR) != 0)
			inf->taken++;
	}
	inf->len = len;
	*out = img;
}
