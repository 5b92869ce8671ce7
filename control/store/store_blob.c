/*
 * Message blobs: raw RFC 5322 bytes deduplicated by SHA-256 with a
 * reference count, each with its MIME index (the render cache). Blobs
 * written by one batch are packed together into one LMDB value (a
 * "pack") so that small messages do not each round up to whole overflow
 * pages. Inside a pack the raw bytes come first and the indexes after
 * them, together: a FETCH of ENVELOPE/BODYSTRUCTURE touches a dense
 * region (~500 bytes a message) instead of one line in every 4 KiB body.
 *
 * A pack whose live bytes fall below half of it is compacted at the end
 * of the batch that freed them: its live blobs are copied into the
 * batch's new pack, their blob records updated, and the old pack
 * deleted. Message records still naming the old pack are followed
 * through the blob record by readers (store_fill_msg).
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>

#include "imapfe/err.h"
#include "store_pvt.h"

void
store_sha256(const void *data, size_t len, uint8_t out[32])
{
	unsigned int n = 32;
	EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

/*
 * The dedup key: a 64-bit multiply-mix hash of the raw bytes (the
 * construction of wyhash: each 16 bytes folded in by a 64x64->128-bit
 * multiply whose halves are xored). It need not resist attacks: a hit is
 * confirmed by comparing the bytes and the table has no chains, so a
 * crafted collision can only cost its author a dedup. SHA-256 cost ~4 us
 * per 4 KiB message here, this ~0.3 us.
 */
static inline uint64_t
hmix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t
rd64le(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

uint64_t
store_hash8(const void *data, size_t len)
{
	static const uint64_t k0 = 0xa0761d6478bd642full,
			      k1 = 0xe7037ed1a0b428dbull,
			      k2 = 0x8ebc6af09c88c6e3ull,
			      k3 = 0x589965cc75374cc3ull;
	const uint8_t *p = data;
	size_t n = len;
	uint64_t x = k0 ^ len, y = k3;

	/* two independent lanes of 16 bytes */
	while (n >= 32) {
		x = hmix(rd64le(p) ^ k1, rd64le(p + 8) ^ x);
		y = hmix(rd64le(p + 16) ^ k2, rd64le(p + 24) ^ y);
		p += 32;
		n -= 32;
	}
	x ^= hmix(y, k0);
	while (n >= 8) {
		x = hmix(rd64le(p) ^ k1, x ^ k2);
		p += 8;
		n -= 8;
	}
	uint64_t t = 0;
	memcpy(&t, p, n);
	x = hmix(t ^ k3, x ^ k1 ^ n);
	return hmix(x ^ k0, (uint64_t)len ^ k2);
}

void
store_dedup_free(struct store_dedup *d)
{
	free(d->slot);
	memset(d, 0, sizeof(*d));
}

/* Put (hash, blob) in its bucket: a free way, or the one holding the
 * oldest (lowest) blob id. */
static void
dedup_put(struct store_dedup *d, uint64_t hash, uint64_t blob)
{
	struct pack_dirent *w =
		&d->slot[(size_t)(hash & (d->nbuckets - 1)) * DEDUP_WAYS];
	int victim = 0;
	for (int i = 0; i < DEDUP_WAYS; i++) {
		if (w[i].blob == 0 || w[i].hash == hash) {
			victim = i;
			break;
		}
		if (w[i].blob < w[victim].blob)
			victim = i;
	}
	if (w[victim].blob == 0)
		d->used++;
	w[victim].blob = blob;
	w[victim].hash = hash;
}

/* Size the table for n entries (half full), within the bounds; keeps
 * what it holds. On allocation failure the old table stays. */
static void
dedup_grow(struct store_dedup *d, uint64_t n)
{
	uint64_t want = DEDUP_MIN_SLOTS;
	while (want < 2 * n && want < DEDUP_MAX_SLOTS)
		want *= 2;
	uint32_t nb = (uint32_t)(want / DEDUP_WAYS);
	if (nb <= d->nbuckets)
		return;
	struct store_dedup o = *d;
	d->slot = calloc((size_t)nb * DEDUP_WAYS, sizeof(*d->slot));
	if (d->slot == NULL) {
		*d = o;
		return;
	}
	d->nbuckets = nb;
	d->used = 0;
	for (size_t i = 0; i < (size_t)o.nbuckets * DEDUP_WAYS; i++)
		if (o.slot[i].blob != 0)
			dedup_put(d, o.slot[i].hash, o.slot[i].blob);
	free(o.slot);
}

void
store_dedup_insert(struct store_dedup *d, uint64_t hash, uint64_t blob)
{
	if ((uint64_t)d->nbuckets * DEDUP_WAYS < 2 * (d->used + 1))
		dedup_grow(d, d->used + 1);
	if (d->nbuckets > 0)
		dedup_put(d, hash, blob);
}

int
store_dedup_load(struct ife_store *s, MDB_txn *t)
{
	MDB_stat ms;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_stat(t, s->dbi[DB_BLOB], &ms)) != 0)
		return store_err(rc);
	dedup_grow(&s->dedup, ms.ms_entries);
	if (s->dedup.nbuckets == 0)
		return -ENOMEM;
	if ((rc = mdb_cursor_open(t, s->dbi[DB_PACK], &c)) != 0)
		return store_err(rc);
	/* packs in id order: newer blobs replace older ones */
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct pack_view pv = {0};
		struct pack_hdr h;
		if (k.mv_size != 8 ||
		    store_pack_get(t, s, rd64(k.mv_data), &pv) != 0 ||
		    pv.p == NULL)
			continue; /* ife_store_check reports it */
		memcpy(&h, pv.p, sizeof(h));
		for (uint32_t i = 0; i < h.nblobs; i++) {
			struct pack_dirent de;
			memcpy(&de, pv.p + h.dir_off + (size_t)i * sizeof(de),
			       sizeof(de));
			store_dedup_insert(&s->dedup, de.hash, de.blob);
		}
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

int
store_pack_get(MDB_txn *t, struct ife_store *s, uint64_t pack,
	       struct pack_view *pv)
{
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;
	struct pack_hdr h;

	be64(kb, pack);
	int rc = mdb_get(t, s->dbi[DB_PACK], &k, &v);
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size < sizeof(h))
		return IFE_ECORRUPT;
	memcpy(&h, v.mv_data, sizeof(h));
	if (h.magic != PACK_MAGIC || h.idx_base < sizeof(h) ||
	    h.idx_base > h.dir_off || h.dir_off > v.mv_size ||
	    (v.mv_size - h.dir_off) != (size_t)h.nblobs * 16)
		return IFE_ECORRUPT;
	pv->id = pack;
	pv->p = v.mv_data;
	pv->len = v.mv_size;
	pv->idx_base = h.idx_base;
	return 0;
}

int
store_blob_get(MDB_txn *t, struct ife_store *s, uint64_t id,
	       struct blob_rec *br)
{
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;

	be64(kb, id);
	int rc = mdb_get(t, s->dbi[DB_BLOB], &k, &v);
	if (rc != 0)
		return rc == MDB_NOTFOUND ? IFE_ECORRUPT : store_err(rc);
	if (v.mv_size != sizeof(*br))
		return IFE_ECORRUPT;
	memcpy(br, v.mv_data, sizeof(*br));
	return 0;
}

static int
blob_put(struct ife_store_batch *b, uint64_t id, const struct blob_rec *br)
{
	uint8_t kb[8];
	MDB_val k = {8, kb}, v = {sizeof(*br), (void *)br};

	be64(kb, id);
	return store_err(mdb_put(b->txn, b->s->dbi[DB_BLOB], &k, &v, 0));
}

static void
loc_to_msg(const struct blob_rec *br, struct msg_rec *m)
{
	m->pack = br->pack;
	m->off = br->off;
	m->ioff = br->ioff;
	m->size = br->raw_len;
	m->idx_len = br->idx_len;
}

/* The raw bytes of a blob, in the map or in the pack being built. */
static int
blob_bytes(struct ife_store_batch *b, const struct blob_rec *br,
	   const uint8_t **out)
{
	if (br->pack == b->pack_id) {
		/* binary search of the segments by raw offset */
		uint32_t lo = 0, hi = b->nseg;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (b->seg[mid].off < br->off)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == b->nseg || b->seg[lo].off != br->off ||
		    b->seg[lo].len != br->raw_len)
			return IFE_ECORRUPT;
		const struct pack_seg *sg = &b->seg[lo];
		*out = sg->p ? sg->p : (const uint8_t *)b->copy.p + sg->coff;
		return 0;
	}
	struct pack_view pv = {0};
	int ret = store_pack_get(b->txn, b->s, br->pack, &pv);
	if (ret != 0)
		return ret == IFE_ENOTFOUND ? IFE_ECORRUPT : ret;
	if (sizeof(struct pack_hdr) + (uint64_t)br->off + br->raw_len >
	    pv.idx_base)
		return IFE_ECORRUPT;
	*out = pv.p + sizeof(struct pack_hdr) + br->off;
	return 0;
}

void
store_pack_reset(struct ife_store_batch *b)
{
	b->nseg = 0;
	b->raw_len = 0;
	mbuf_reset(&b->copy);
	mbuf_reset(&b->idx);
	mbuf_reset(&b->dir);
	b->pack_id = 0;
	b->pack_live = 0;
}

int
store_pack_flush(struct ife_store_batch *b)
{
	struct ife_store *s = b->s;
	int ret = 0;

	if (b->pack_id != 0 && b->nseg > 0 && b->pack_live > 0) {
		struct pack_hdr h = {.magic = PACK_MAGIC};
		h.nblobs = (uint32_t)(b->dir.len / sizeof(struct pack_dirent));
		h.idx_base = (uint32_t)ALIGN8(sizeof(h) + b->raw_len);
		h.dir_off = (uint32_t)(h.idx_base + b->idx.len);
		size_t total = h.dir_off + b->dir.len;
		uint8_t kb[8];
		MDB_val k = {8, kb}, v = {total, NULL};
		be64(kb, b->pack_id);
		int rc = mdb_put(b->txn, s->dbi[DB_PACK], &k, &v, MDB_RESERVE);
		if (rc != 0)
			return store_err(rc);
		/* one copy of each message, from the caller's buffer */
		uint8_t *p = v.mv_data;
		memcpy(p, &h, sizeof(h));
		for (uint32_t i = 0; i < b->nseg; i++) {
			const struct pack_seg *sg = &b->seg[i];
			const uint8_t *src =
				sg->p ? sg->p
				      : (const uint8_t *)b->copy.p + sg->coff;
			memcpy(p + sizeof(h) + sg->off, src, sg->len);
		}
		memset(p + sizeof(h) + b->raw_len, 0,
		       h.idx_base - sizeof(h) - b->raw_len);
		memcpy(p + h.idx_base, b->idx.p, b->idx.len);
		memcpy(p + h.dir_off, b->dir.p, b->dir.len);
		/* raw bytes and indexes padded to 4: BLOB_SPACE of each */
		uint64_t written = b->raw_len + b->idx.len;
		struct pack_rec pr = {b->pack_live, total, written};
		MDB_val pv = {sizeof(pr), &pr};
		ret = store_err(
			mdb_put(b->txn, s->dbi[DB_PACKMETA], &k, &pv, 0));
	}
	store_pack_reset(b);
	return ret;
}

/* Room in the pack being built for a blob (flushes a full pack). */
static int
pack_room(struct ife_store_batch *b, size_t raw, size_t il)
{
	int ret;
	size_t have = b->raw_len + b->idx.len + b->dir.len;
	if (b->pack_id != 0 && b->nseg > 0 && have + raw + il + 16 > PACK_MAX) {
		if ((ret = store_pack_flush(b)) != 0)
			return ret;
	}
	if (b->pack_id == 0 &&
	    (ret = store_batch_counter(b, &b->next_pack, "next_pack",
				       &b->pack_id)) != 0)
		return ret;
	if (b->nseg == b->capseg) {
		uint32_t nc = b->capseg ? b->capseg * 2 : 1024;
		struct pack_seg *n = realloc(b->seg, nc * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		b->seg = n;
		b->capseg = nc;
	}
	if (mbuf_reserve(&b->idx, il + 3) != 0 ||
	    mbuf_reserve(&b->dir, sizeof(struct pack_dirent)) != 0)
		return -ENOMEM;
	return 0;
}

/* Append a blob to the pack being built: raw bytes at data (a view that
 * lives until commit) or, with data NULL, already at copy + coff. */
static void
pack_append(struct ife_store_batch *b, uint64_t id, uint64_t hash,
	    const uint8_t *data, size_t coff, size_t raw, const void *idx,
	    size_t il, struct blob_rec *br)
{
	struct pack_dirent de = {id, hash};
	static const uint8_t zero[4];
	struct pack_seg *sg = &b->seg[b->nseg++];
	sg->p = data;
	sg->coff = coff;
	sg->off = (uint32_t)b->raw_len;
	sg->len = (uint32_t)raw;
	br->pack = b->pack_id;
	br->off = sg->off;
	br->raw_len = (uint32_t)raw;
	br->ioff = (uint32_t)b->idx.len;
	br->idx_len = (uint32_t)il;
	b->raw_len += raw;
	mbuf_add(&b->idx, idx, il);
	mbuf_add(&b->idx, zero, (4 - (il & 3)) & 3);
	mbuf_add(&b->dir, &de, sizeof(de));
	b->pack_live += BLOB_SPACE(raw, il);
}

int
store_blob_add(struct ife_store_batch *b, const struct bop *o,
	       struct msg_rec *m)
{
	struct ife_store *s = b->s;
	struct store_dedup *d = &s->dedup;
	struct blob_rec br = {0};
	const void *data = o->op.data;
	size_t len = o->op.len;
	uint64_t hash = o->prepared ? o->hash : store_hash8(data, len);
	int ret;

	/* dedup: a candidate of the table is confirmed by its bytes */
	if (d->nbuckets > 0) {
		struct pack_dirent *w =
			&d->slot[(size_t)(hash & (d->nbuckets - 1)) *
				 DEDUP_WAYS];
		for (int i = 0; i < DEDUP_WAYS; i++) {
			const uint8_t *have = NULL;
			uint64_t id = w[i].blob;
			if (id == 0 || w[i].hash != hash)
				continue;
			ret = store_blob_get(b->txn, s, id, &br);
			if (ret == IFE_ECORRUPT)
				continue; /* gone: a stale entry */
			if (ret != 0 || (ret = blob_bytes(b, &br, &have)) != 0)
				return ret;
			if (have == NULL || br.raw_len != len ||
			    memcmp(have, data, len) != 0)
				continue;
			br.refcount++;
			if ((ret = blob_put(b, id, &br)) != 0)
				return ret;
			m->blob = id;
			loc_to_msg(&br, m);
			return 0;
		}
	}

	const void *idx;
	size_t il;
	if (o->prepared) {
		idx = b->pidx.p + o->pidx_off;
		il = o->pidx_len;
	} else if ((ret = ife_mime_index(s->mime, data, len, &idx, &il)) != 0) {
		return ret;
	}
	if (len > UINT32_MAX - 4096 || il > UINT32_MAX - 4096)
		return IFE_ELIMIT;
	if ((ret = pack_room(b, len, il)) != 0)
		return ret;
	uint64_t id;
	if ((ret = store_batch_counter(b, &b->next_blob, "next_blob", &id)) !=
	    0)
		return ret;
	memset(&br, 0, sizeof(br));
	pack_append(b, id, hash, data, 0, len, idx, il, &br);
	if (b->idx.err || b->dir.err)
		return -ENOMEM;
	br.refcount = 1;
	if ((ret = blob_put(b, id, &br)) != 0)
		return ret;
	/* an aborted batch leaves this entry naming a blob id that will
	 * be given to other bytes: the byte comparison above skips it */
	store_dedup_insert(d, hash, id);
	m->blob = id;
	loc_to_msg(&br, m);
	return 0;
}

int
store_blob_ref(struct ife_store_batch *b, uint64_t blob, struct msg_rec *m)
{
	struct blob_rec br = {0};
	int ret = store_blob_get(b->txn, b->s, blob, &br);
	if (ret != 0)
		return ret;
	br.refcount++;
	if (m != NULL)
		loc_to_msg(&br, m); /* refresh a location compaction moved */
	return blob_put(b, blob, &br);
}

static int
packmeta_get(struct ife_store_batch *b, uint64_t pack, struct pack_rec *pr)
{
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;
	be64(kb, pack);
	int rc = mdb_get(b->txn, b->s->dbi[DB_PACKMETA], &k, &v);
	if (rc != 0)
		return rc == MDB_NOTFOUND ? IFE_ENOTFOUND : store_err(rc);
	if (v.mv_size != sizeof(*pr))
		return IFE_ECORRUPT;
	memcpy(pr, v.mv_data, sizeof(*pr));
	return 0;
}

static int
pack_delete(struct ife_store_batch *b, uint64_t pack)
{
	uint8_t kb[8];
	MDB_val k = {8, kb};
	int rc;
	be64(kb, pack);
	if ((rc = mdb_del(b->txn, b->s->dbi[DB_PACK], &k, NULL)) != 0 ||
	    (rc = mdb_del(b->txn, b->s->dbi[DB_PACKMETA], &k, NULL)) != 0)
		return store_err(rc);
	return 0;
}

static bool
below_threshold(const struct pack_rec *pr)
{
	return pr->live * PACK_COMPACT_DEN < pr->written * PACK_COMPACT_NUM;
}

int
store_blob_unref(struct ife_store_batch *b, uint64_t blob)
{
	struct ife_store *s = b->s;
	struct blob_rec br = {0};
	int ret = store_blob_get(b->txn, s, blob, &br);
	int rc;

	if (ret != 0)
		return ret;
	if (br.refcount > 1) {
		br.refcount--;
		return blob_put(b, blob, &br);
	}
	/* the last reference (its dedup entry goes stale: harmless) */
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;
	be64(kb, blob);
	if ((rc = mdb_del(b->txn, s->dbi[DB_BLOB], &k, NULL)) != 0)
		return store_err(rc);
	uint64_t size = BLOB_SPACE(br.raw_len, br.idx_len);
	if (br.pack == b->pack_id) {
		/* still in the pack being built by this batch */
		b->pack_live -= size;
		return 0;
	}
	struct pack_rec pr = {0};
	if ((ret = packmeta_get(b, br.pack, &pr)) != 0)
		return ret == IFE_ENOTFOUND ? IFE_ECORRUPT : ret;
	if (pr.live <= size)
		return pack_delete(b, br.pack);
	pr.live -= size;
	be64(kb, br.pack);
	v.mv_size = sizeof(pr);
	v.mv_data = &pr;
	if ((rc = mdb_put(b->txn, s->dbi[DB_PACKMETA], &k, &v, 0)) != 0)
		return store_err(rc);
	if (below_threshold(&pr) &&
	    (b->ncompact == 0 || b->compact[b->ncompact - 1] != br.pack)) {
		/* note it; compacted when the batch ends (the note is only a
		 * hint: the state is read again then, and a pack noted twice
		 * is gone the second time) */
		if (b->ncompact == b->capcompact) {
			uint32_t nc = b->capcompact ? b->capcompact * 2 : 16;
			uint64_t *n = realloc(b->compact, nc * sizeof(*n));
			if (n == NULL)
				return -ENOMEM;
			b->compact = n;
			b->capcompact = nc;
		}
		b->compact[b->ncompact++] = br.pack;
	}
	return 0;
}

/* Move every live blob of a pack into the pack being built and delete
 * it. Blob records get the new location; message records that still
 * name the old pack are resolved through them. */
int
store_pack_compact(struct ife_store_batch *b, uint64_t pack)
{
	struct ife_store *s = b->s;
	struct pack_view pv = {0};
	int ret = store_pack_get(b->txn, s, pack, &pv);

	if (ret != 0)
		return ret;
	if (pv.p == NULL)
		return IFE_ECORRUPT;
	struct pack_hdr h;
	memcpy(&h, pv.p, sizeof(h));
	for (uint32_t i = 0; i < h.nblobs; i++) {
		struct pack_dirent de;
		struct blob_rec br = {0};
		memcpy(&de, pv.p + h.dir_off + (size_t)i * sizeof(de),
		       sizeof(de));
		uint64_t id = de.blob;
		ret = store_blob_get(b->txn, s, id, &br);
		if (ret == IFE_ECORRUPT)
			continue; /* no such blob: dead */
		if (ret != 0)
			return ret;
		if (br.pack != pack)
			continue;
		if (sizeof(h) + (uint64_t)br.off + br.raw_len > pv.idx_base ||
		    (uint64_t)pv.idx_base + br.ioff + br.idx_len > h.dir_off)
			return IFE_ECORRUPT;
		if ((ret = pack_room(b, br.raw_len, br.idx_len)) != 0)
			return ret;
		/* copy: the old pack is deleted below */
		size_t coff = b->copy.len;
		mbuf_add(&b->copy, pv.p + sizeof(h) + br.off, br.raw_len);
		if (b->copy.err)
			return -ENOMEM;
		struct blob_rec nb = br;
		pack_append(b, id, de.hash, NULL, coff, br.raw_len,
			    pv.p + pv.idx_base + br.ioff, br.idx_len, &nb);
		if (b->idx.err || b->dir.err)
			return -ENOMEM;
		if ((ret = blob_put(b, id, &nb)) != 0)
			return ret;
	}
	return pack_delete(b, pack);
}

/* At the end of a batch: compact the packs noted by store_blob_unref
 * that are still below the threshold. */
int
store_pack_compact_all(struct ife_store_batch *b)
{
	for (uint32_t i = 0; i < b->ncompact; i++) {
		struct pack_rec pr = {0};
		uint64_t pack = b->compact[i];
		int ret = packmeta_get(b, pack, &pr);
		if (ret == IFE_ENOTFOUND)
			continue; /* died meanwhile, or noted twice */
		if (ret != 0)
			return ret;
		if (!below_threshold(&pr) || pack == b->pack_id)
			continue;
		if ((ret = store_pack_compact(b, pack)) != 0)
			return ret;
	}
	b->ncompact = 0;
	return 0;
}
