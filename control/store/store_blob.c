/*
 * Message blobs: raw RFC 5322 bytes deduplicated by SHA-256 with a
 * reference count, each followed by its MIME index (the render cache).
 * Blobs written by one batch are packed together into one LMDB value (a
 * "pack") so that small messages do not each round up to whole overflow
 * pages; a pack is deleted when its last blob is.
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

int
store_pack_view(MDB_txn *t, struct ife_store *s, uint64_t pack, MDB_val *v)
{
	uint8_t kb[8];
	MDB_val k = {8, kb};

	be64(kb, pack);
	return store_err(mdb_get(t, s->dbi[DB_PACK], &k, v));
}

static int
blob_get(struct ife_store_batch *b, uint64_t id, struct blob_rec *br)
{
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;

	be64(kb, id);
	int rc = mdb_get(b->txn, b->s->dbi[DB_BLOB], &k, &v);
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

int
store_pack_flush(struct ife_store_batch *b)
{
	struct ife_store *s = b->s;
	int ret = 0;

	if (b->pack_id != 0 && b->pack.len > 0 && b->pack_live > 0) {
		uint8_t kb[8];
		MDB_val k = {8, kb}, v = {b->pack.len, NULL};
		be64(kb, b->pack_id);
		int rc = mdb_put(b->txn, s->dbi[DB_PACK], &k, &v, MDB_RESERVE);
		if (rc != 0)
			return store_err(rc);
		memcpy(v.mv_data, b->pack.p, b->pack.len);
		struct pack_rec pr = {b->pack_live, b->pack.len};
		MDB_val pv = {sizeof(pr), &pr};
		ret = store_err(
			mdb_put(b->txn, s->dbi[DB_PACKMETA], &k, &pv, 0));
	}
	mbuf_reset(&b->pack);
	b->pack_id = 0;
	b->pack_live = 0;
	return ret;
}

int
store_blob_add(struct ife_store_batch *b, const void *data, size_t len,
	       struct msg_rec *m)
{
	struct ife_store *s = b->s;
	struct blob_rec br = {0};
	uint8_t sha[32];
	MDB_val k = {32, sha}, v;
	int rc, ret;

	store_sha256(data, len, sha);
	rc = mdb_get(b->txn, s->dbi[DB_BLOBHASH], &k, &v);
	if (rc == 0) {
		uint64_t id;
		if (v.mv_size != sizeof(id))
			return IFE_ECORRUPT;
		memcpy(&id, v.mv_data, sizeof(id));
		if ((ret = blob_get(b, id, &br)) != 0)
			return ret;
		br.refcount++;
		if ((ret = blob_put(b, id, &br)) != 0)
			return ret;
		m->blob = id;
		m->pack = br.pack;
		m->off = br.off;
		m->size = br.raw_len;
		m->idx_len = br.idx_len;
		return 0;
	}
	if (rc != MDB_NOTFOUND)
		return store_err(rc);

	const void *idx;
	size_t il;
	if ((ret = ife_mime_index(s->mime, data, len, &idx, &il)) != 0)
		return ret;
	size_t need = ALIGN8(len) + ALIGN8(il);
	if (b->pack_id != 0 && b->pack.len > 0 &&
	    b->pack.len + need > PACK_MAX) {
		if ((ret = store_pack_flush(b)) != 0)
			return ret;
	}
	if (b->pack_id == 0 &&
	    (ret = store_batch_counter(b, &b->next_pack, "next_pack",
				       &b->pack_id)) != 0)
		return ret;
	if (mbuf_reserve(&b->pack, need) != 0)
		return -ENOMEM;
	static const uint8_t zero[8];
	size_t off = b->pack.len;
	mbuf_add(&b->pack, data, len);
	mbuf_add(&b->pack, zero, ALIGN8(len) - len);
	mbuf_add(&b->pack, idx, il);
	mbuf_add(&b->pack, zero, ALIGN8(il) - il);
	if (b->pack.err)
		return -ENOMEM;
	b->pack_live += need;

	uint64_t id;
	if ((ret = store_batch_counter(b, &b->next_blob, "next_blob", &id)) !=
	    0)
		return ret;
	memset(&br, 0, sizeof(br));
	memcpy(br.sha, sha, 32);
	br.pack = b->pack_id;
	br.off = (uint32_t)off;
	br.raw_len = (uint32_t)len;
	br.idx_len = (uint32_t)il;
	br.refcount = 1;
	if ((ret = blob_put(b, id, &br)) != 0)
		return ret;
	v.mv_size = sizeof(id);
	v.mv_data = &id;
	if ((rc = mdb_put(b->txn, s->dbi[DB_BLOBHASH], &k, &v, 0)) != 0)
		return store_err(rc);
	m->blob = id;
	m->pack = br.pack;
	m->off = br.off;
	m->size = br.raw_len;
	m->idx_len = br.idx_len;
	return 0;
}

int
store_blob_ref(struct ife_store_batch *b, uint64_t blob)
{
	struct blob_rec br = {0};
	int ret = blob_get(b, blob, &br);
	if (ret != 0)
		return ret;
	br.refcount++;
	return blob_put(b, blob, &br);
}

int
store_blob_unref(struct ife_store_batch *b, uint64_t blob)
{
	struct ife_store *s = b->s;
	struct blob_rec br = {0};
	int ret = blob_get(b, blob, &br);
	int rc;

	if (ret != 0)
		return ret;
	if (br.refcount > 1) {
		br.refcount--;
		return blob_put(b, blob, &br);
	}
	uint8_t kb[8];
	MDB_val k = {8, kb}, hk = {32, br.sha}, v;
	be64(kb, blob);
	if ((rc = mdb_del(b->txn, s->dbi[DB_BLOB], &k, NULL)) != 0 ||
	    (rc = mdb_del(b->txn, s->dbi[DB_BLOBHASH], &hk, NULL)) != 0)
		return store_err(rc);
	uint64_t size = ALIGN8((size_t)br.raw_len) + ALIGN8((size_t)br.idx_len);
	if (br.pack == b->pack_id) {
		/* still in the pack being built by this batch */
		b->pack_live -= size;
		return 0;
	}
	struct pack_rec pr;
	be64(kb, br.pack);
	if ((rc = mdb_get(b->txn, s->dbi[DB_PACKMETA], &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? IFE_ECORRUPT : store_err(rc);
	if (v.mv_size != sizeof(pr))
		return IFE_ECORRUPT;
	memcpy(&pr, v.mv_data, sizeof(pr));
	if (pr.live <= size) {
		if ((rc = mdb_del(b->txn, s->dbi[DB_PACK], &k, NULL)) != 0 ||
		    (rc = mdb_del(b->txn, s->dbi[DB_PACKMETA], &k, NULL)) != 0)
			return store_err(rc);
		return 0;
	}
	pr.live -= size;
	v.mv_size = sizeof(pr);
	v.mv_data = &pr;
	return store_err(mdb_put(b->txn, s->dbi[DB_PACKMETA], &k, &v, 0));
}
