/*
 * Mailstore read side: read transactions renewed per poll round, and
 * lookups that return views into the memory map. Nothing here allocates
 * after ife_store_rtxn_begin().
 */
#include <errno.h>
#include <stdlib.h>

#include "imapfe/err.h"
#include "store_pvt.h"

static int
rtxn_cursors(struct ife_store_rtxn *r, bool renew)
{
	struct {
		MDB_cursor **c;
		int db;
	} cs[] = {
		{&r->cur_msg, DB_MSG},	     {&r->cur_uids, DB_UIDS},
		{&r->cur_modseq, DB_MODSEQ}, {&r->cur_exp, DB_EXPUNGED},
		{&r->cur_name, DB_MBOXNAME},
	};
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		int rc = renew ? mdb_cursor_renew(r->txn, *cs[i].c)
			       : mdb_cursor_open(r->txn, r->s->dbi[cs[i].db],
						 cs[i].c);
		if (rc != 0)
			return store_err(rc);
	}
	return 0;
}

int
ife_store_rtxn_begin(struct ife_store *s, struct ife_store_rtxn **out)
{
	struct ife_store_rtxn *r = calloc(1, sizeof(*r));
	int rc, ret;

	if (r == NULL)
		return -ENOMEM;
	r->s = s;
	rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &r->txn);
	if (rc == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(s->env, 0);
		rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &r->txn);
	}
	if (rc != 0) {
		free(r);
		return store_err(rc);
	}
	if ((ret = rtxn_cursors(r, false)) != 0) {
		r->active = true;
		ife_store_rtxn_destroy(&r);
		return ret;
	}
	r->active = true;
	*out = r;
	return 0;
}

void
ife_store_rtxn_reset(struct ife_store_rtxn *r)
{
	if (r->active) {
		mdb_txn_reset(r->txn);
		r->active = false;
		memset(r->pc, 0, sizeof(r->pc)); /* views die with the txn */
	}
}

int
ife_store_rtxn_renew(struct ife_store_rtxn *r)
{
	if (r->active)
		ife_store_rtxn_reset(r);
	int rc = mdb_txn_renew(r->txn);
	if (rc == MDB_MAP_RESIZED) {
		/* the writer grew the map: adopt the new size (no other
		 * transaction of this process may be active; see
		 * docs/mailstore.md) */
		if (mdb_env_set_mapsize(r->s->env, 0) != 0)
			return -EAGAIN;
		rc = mdb_txn_renew(r->txn);
	}
	if (rc != 0)
		return store_err(rc);
	r->active = true;
	return rtxn_cursors(r, true);
}

void
ife_store_rtxn_destroy(struct ife_store_rtxn **rp)
{
	struct ife_store_rtxn *r = rp ? *rp : NULL;
	if (r == NULL)
		return;
	MDB_cursor *cs[] = {r->cur_msg, r->cur_uids, r->cur_modseq, r->cur_exp,
			    r->cur_name};
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
		if (cs[i] != NULL)
			mdb_cursor_close(cs[i]);
	mdb_txn_abort(r->txn);
	free(r);
	*rp = NULL;
}

int
ife_store_user_find(struct ife_store_rtxn *r, const char *name, size_t len,
		    struct ife_store_user *out)
{
	MDB_val k = {len, (void *)name}, v;
	struct user_rec ur;

	if (!r->active)
		return IFE_ESTATE;
	if (len == 0 || len > IFE_STORE_USER_MAX)
		return IFE_ENOTFOUND;
	int rc = mdb_get(r->txn, r->s->dbi[DB_USERS], &k, &v);
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size != sizeof(ur))
		return IFE_ECORRUPT;
	memcpy(&ur, v.mv_data, sizeof(ur));
	out->id = ur.id;
	out->quota_bytes = ur.quota_bytes;
	out->quota_msgs = ur.quota_msgs;
	out->used_bytes = ur.used_bytes;
	out->used_msgs = ur.used_msgs;
	return 0;
}

int
store_get_mbox(MDB_txn *t, struct ife_store *s, uint32_t id,
	       struct mbox_rec *rec, const char **name)
{
	uint8_t kb[4];
	MDB_val k = {4, kb}, v;

	be32(kb, id);
	int rc = mdb_get(t, s->dbi[DB_MBOX], &k, &v);
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size < sizeof(*rec))
		return IFE_ECORRUPT;
	memcpy(rec, v.mv_data, sizeof(*rec));
	if (v.mv_size != sizeof(*rec) + rec->name_len)
		return IFE_ECORRUPT;
	if (name != NULL)
		*name = (const char *)v.mv_data + sizeof(*rec);
	return 0;
}

int
store_get_user_by_id(MDB_txn *t, struct ife_store *s, uint32_t id,
		     struct user_rec *rec, MDB_val *name)
{
	uint8_t kb[4];
	MDB_val k = {4, kb}, n, v;

	be32(kb, id);
	int rc = mdb_get(t, s->dbi[DB_USERID], &k, &n);
	if (rc != 0)
		return store_err(rc);
	if ((rc = mdb_get(t, s->dbi[DB_USERS], &n, &v)) != 0)
		return rc == MDB_NOTFOUND ? IFE_ECORRUPT : store_err(rc);
	if (v.mv_size != sizeof(*rec))
		return IFE_ECORRUPT;
	memcpy(rec, v.mv_data, sizeof(*rec));
	if (name != NULL)
		*name = n;
	return 0;
}

static void
mbox_out(uint32_t id, const struct mbox_rec *m, const char *name,
	 struct ife_store_mbox *out)
{
	out->id = id;
	out->user = m->user;
	out->uidvalidity = m->uidvalidity;
	out->uidnext = m->uidnext;
	out->highestmodseq = m->highestmodseq;
	out->messages = m->messages;
	out->unseen = m->unseen;
	out->deleted = m->deleted;
	out->flags = m->flags;
	out->size = m->size;
	out->name = name;
	out->name_len = m->name_len;
}

int
ife_store_mbox_get(struct ife_store_rtxn *r, uint32_t mbox,
		   struct ife_store_mbox *out)
{
	struct mbox_rec m = {0};
	const char *name = NULL;

	if (!r->active)
		return IFE_ESTATE;
	int ret = store_get_mbox(r->txn, r->s, mbox, &m, &name);
	if (ret == 0)
		mbox_out(mbox, &m, name, out);
	return ret;
}

int
ife_store_mbox_find(struct ife_store_rtxn *r, uint32_t user, const char *name,
		    size_t len, struct ife_store_mbox *out)
{
	uint8_t kb[4 + IFE_STORE_NAME_MAX];
	size_t cl;
	MDB_val k, v;

	if (!r->active)
		return IFE_ESTATE;
	int ret = store_name_canon(name, len, (char *)kb + 4, &cl, NULL);
	if (ret != 0)
		return ret;
	be32(kb, user);
	k.mv_size = 4 + cl;
	k.mv_data = kb;
	int rc = mdb_get(r->txn, r->s->dbi[DB_MBOXNAME], &k, &v);
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size != 4)
		return IFE_ECORRUPT;
	return ife_store_mbox_get(r, rd32(v.mv_data), out);
}

int
ife_store_mbox_next(struct ife_store_rtxn *r, uint32_t user, uint64_t *pos,
		    struct ife_store_mbox *out)
{
	uint8_t kb[4];
	MDB_val k = {4, kb}, v;
	int rc;

	if (!r->active)
		return IFE_ESTATE;
	be32(kb, user);
	if (*pos == 0)
		rc = mdb_cursor_get(r->cur_name, &k, &v, MDB_SET_RANGE);
	else
		rc = mdb_cursor_get(r->cur_name, &k, &v, MDB_NEXT);
	if (rc != 0)
		return store_err(rc);
	if (k.mv_size < 4 || rd32(k.mv_data) != user || v.mv_size != 4)
		return IFE_ENOTFOUND;
	(*pos)++;
	return ife_store_mbox_get(r, rd32(v.mv_data), out);
}

/* A pack through the read transaction's cache (pack ids are never
 * reused, and a cached view lives as long as the snapshot). */
static int
pack_cached(struct ife_store *s, MDB_txn *t, struct pack_view *cache,
	    uint64_t pack, struct pack_view *pv)
{
	struct pack_view *c = cache ? &cache[pack % PACK_CACHE] : NULL;
	if (c != NULL && c->id == pack && pack != 0) {
		*pv = *c;
		return 0;
	}
	int ret = store_pack_get(t, s, pack, pv);
	if (ret == 0 && c != NULL)
		*c = *pv;
	return ret;
}

int
store_fill_msg(struct ife_store *s, MDB_txn *t, struct pack_view *cache,
	       uint32_t uid, const struct msg_rec *m, struct ife_store_msg *out)
{
	struct pack_view pv = {0};
	struct msg_rec loc = *m;
	int ret = pack_cached(s, t, cache, m->pack, &pv);

	if (ret == IFE_ENOTFOUND) {
		/* the pack was compacted: the blob record knows where the
		 * bytes went */
		struct blob_rec br = {0};
		if ((ret = store_blob_get(t, s, m->blob, &br)) != 0)
			return ret;
		loc.pack = br.pack;
		loc.off = br.off;
		loc.ioff = br.ioff;
		loc.idx_len = br.idx_len;
		if (br.raw_len != m->size)
			return IFE_ECORRUPT;
		ret = pack_cached(s, t, cache, loc.pack, &pv);
	}
	if (ret != 0)
		return ret == IFE_ENOTFOUND ? IFE_ECORRUPT : ret;
	size_t ro = sizeof(struct pack_hdr) + (size_t)loc.off;
	size_t io = (size_t)pv.idx_base + loc.ioff;
	if (ro + loc.size > pv.idx_base || io + loc.idx_len > pv.len)
		return IFE_ECORRUPT;
	out->uid = uid;
	out->flags = m->flags;
	out->keywords = m->keywords;
	out->modseq = m->modseq;
	out->internal_date = m->internal_date;
	out->save_date = m->save_date;
	out->size = m->size;
	out->data = pv.p + ro;
	return ife_mime_index_open(pv.p + io, loc.idx_len, &out->index);
}

int
ife_store_msg_get(struct ife_store_rtxn *r, uint32_t mbox, uint32_t uid,
		  struct ife_store_msg *out)
{
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;
	struct msg_rec m;

	if (!r->active)
		return IFE_ESTATE;
	be32(kb, mbox);
	be32(kb + 4, uid);
	/* the rtxn's cursor: no cursor set-up per lookup as in mdb_get */
	int rc = mdb_cursor_get(r->cur_msg, &k, &v, MDB_SET);
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size != sizeof(m))
		return IFE_ECORRUPT;
	memcpy(&m, v.mv_data, sizeof(m));
	return store_fill_msg(r->s, r->txn, r->pc, uid, &m, out);
}

int
ife_store_msg_next(struct ife_store_rtxn *r, uint32_t mbox, uint32_t *uid,
		   struct ife_store_msg *out)
{
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;
	struct msg_rec m;

	if (!r->active)
		return IFE_ESTATE;
	be32(kb, mbox);
	be32(kb + 4, *uid);
	int rc = mdb_cursor_get(r->cur_msg, &k, &v, MDB_SET_RANGE);
	if (rc != 0)
		return store_err(rc);
	if (k.mv_size != 8 || rd32(k.mv_data) != mbox)
		return IFE_ENOTFOUND;
	if (v.mv_size != sizeof(m))
		return IFE_ECORRUPT;
	memcpy(&m, v.mv_data, sizeof(m));
	uint32_t u = rd32((const uint8_t *)k.mv_data + 4);
	*uid = u + 1;
	if (u == UINT32_MAX)
		*uid = UINT32_MAX; /* the last possible UID */
	return store_fill_msg(r->s, r->txn, r->pc, u, &m, out);
}

int
ife_store_uids(struct ife_store_rtxn *r, uint32_t mbox, uint32_t *out,
	       size_t cap, size_t *n)
{
	uint8_t kb[4];
	MDB_val k = {4, kb}, v;
	size_t got = 0, count;
	int rc;

	if (!r->active)
		return IFE_ESTATE;
	be32(kb, mbox);
	*n = 0;
	rc = mdb_cursor_get(r->cur_uids, &k, &v, MDB_SET);
	if (rc == MDB_NOTFOUND) {
		struct mbox_rec m;
		return store_get_mbox(r->txn, r->s, mbox, &m, NULL);
	}
	if (rc != 0)
		return store_err(rc);
	if ((rc = mdb_cursor_count(r->cur_uids, &count)) != 0)
		return store_err(rc);
	*n = count;
	/* whole pages of the sorted duplicate list at a time */
	rc = mdb_cursor_get(r->cur_uids, &k, &v, MDB_GET_MULTIPLE);
	while (rc == 0 && got < cap) {
		size_t m = v.mv_size / sizeof(uint32_t);
		if (m > cap - got)
			m = cap - got;
		memcpy(out + got, v.mv_data, m * sizeof(uint32_t));
		got += m;
		rc = mdb_cursor_get(r->cur_uids, &k, &v, MDB_NEXT_MULTIPLE);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	return 0;
}

/* Is (modseq, uid) of the modseq log the message's current modseq? */
static int
log_entry_live(struct ife_store_rtxn *r, uint32_t mbox, uint32_t uid,
	       uint64_t modseq)
{
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;
	struct msg_rec m;

	be32(kb, mbox);
	be32(kb + 4, uid);
	int rc = mdb_get(r->txn, r->s->dbi[DB_MSG], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size != sizeof(m))
		return IFE_ECORRUPT;
	memcpy(&m, v.mv_data, sizeof(m));
	return m.modseq == modseq;
}

int
ife_store_changes_since(struct ife_store_rtxn *r, uint32_t mbox, uint64_t since,
			uint32_t after_uid, int expunged,
			struct ife_store_modseq_ent *out, size_t cap)
{
	uint8_t kb[4], vb[12];
	MDB_val k = {4, kb}, v = {12, vb};
	MDB_cursor *c = expunged ? r->cur_exp : r->cur_modseq;
	size_t n = 0;
	int rc;

	if (!r->active)
		return IFE_ESTATE;
	be32(kb, mbox);
	be64(vb, since);
	be32(vb + 8, after_uid);
	/* both logs are sorted by (modseq, uid): start past the point */
	rc = mdb_cursor_get(c, &k, &v, MDB_GET_BOTH_RANGE);
	if (rc == 0 && v.mv_size == 12 && memcmp(v.mv_data, vb, 12) == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP); /* exclusive */
	while (rc == 0 && n < cap) {
		const uint8_t *p = v.mv_data;
		if (v.mv_size != 12)
			return IFE_ECORRUPT;
		uint64_t ms = rd64(p);
		uint32_t uid = rd32(p + 8);
		/* the modseq log keeps old entries: skip those that are no
		 * longer the message's modseq (or whose message is gone) */
		int live = expunged ? 1 : log_entry_live(r, mbox, uid, ms);
		if (live < 0)
			return live;
		if (live) {
			out[n].modseq = ms;
			out[n].uid = uid;
			n++;
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	return (int)n;
}

int
ife_store_keyword_name(struct ife_store_rtxn *r, uint32_t mbox, unsigned idx,
		       const char **name, size_t *len)
{
	uint8_t kb[5];
	MDB_val k = {5, kb}, v;

	if (!r->active)
		return IFE_ESTATE;
	be32(kb, mbox);
	kb[4] = (uint8_t)idx;
	int rc = mdb_get(r->txn, r->s->dbi[DB_KEYWORDS], &k, &v);
	if (rc != 0)
		return store_err(rc);
	*name = v.mv_data;
	*len = v.mv_size;
	return 0;
}
