/*
 * Mailstore write side: batches of operations from many sessions run in
 * one LMDB write transaction (group commit). Message operations validate
 * everything before their first write; user and mailbox operations run in
 * a nested transaction. Either way one operation's error leaves the others
 * applied and itself without effect.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <strings.h>
#include <sys/statvfs.h>

#include "imapfe/err.h"
#include "store_pvt.h"

/* ---- batch bookkeeping ---- */

int
ife_store_batch_create(struct ife_store *s, struct ife_store_batch **out)
{
	if (s->rdonly)
		return IFE_ESTATE;
	struct ife_store_batch *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	b->s = s;
	*out = b;
	return 0;
}

void
ife_store_batch_destroy(struct ife_store_batch **bp)
{
	struct ife_store_batch *b = bp ? *bp : NULL;
	if (b == NULL)
		return;
	free(b->ops);
	free(b->chg);
	free(b->u32);
	free(b->seg);
	free(b->compact);
	ife_mime_builder_destroy(&b->mime);
	mbuf_free(&b->pidx);
	mbuf_free(&b->copy);
	mbuf_free(&b->idx);
	mbuf_free(&b->dir);
	free(b);
	*bp = NULL;
}

void
ife_store_batch_reset(struct ife_store_batch *b)
{
	b->nops = 0;
	mbuf_reset(&b->pidx);
	b->nchg = 0;
	b->nu32 = 0;
	b->committed = false;
}

int
ife_store_batch_add(struct ife_store_batch *b, const struct ife_store_op *op)
{
	if (b->committed)
		ife_store_batch_reset(b);
	if (b->nops == b->capops) {
		uint32_t nc = b->capops ? b->capops * 2 : 64;
		struct bop *n = realloc(b->ops, nc * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		b->ops = n;
		b->capops = nc;
	}
	memset(&b->ops[b->nops], 0, sizeof(b->ops[0]));
	b->ops[b->nops].op = *op;
	return (int)b->nops++;
}

int
ife_store_batch_prepare(struct ife_store_batch *b)
{
	int ret;

	if (b->committed)
		return IFE_ESTATE;
	if (b->mime == NULL &&
	    (ret = ife_mime_builder_create(NULL, &b->mime)) != 0)
		return ret;
	for (uint32_t i = 0; i < b->nops; i++) {
		struct bop *o = &b->ops[i];
		const void *idx;
		size_t il;
		if (o->prepared || o->op.type != IFE_STORE_OP_APPEND ||
		    o->op.len > b->s->opts.max_msg_size)
			continue; /* commit says why */
		if ((ret = ife_mime_index(b->mime, o->op.data, o->op.len, &idx,
					  &il)) != 0) {
			if (ret == IFE_ELIMIT)
				continue;
			return ret;
		}
		o->pidx_off = b->pidx.len;
		o->pidx_len = il;
		mbuf_add(&b->pidx, idx, il);
		if (b->pidx.err)
			return -ENOMEM;
		o->hash = store_hash8(o->op.data, o->op.len);
		o->prepared = true;
	}
	return 0;
}

const struct ife_store_result *
ife_store_batch_result(const struct ife_store_batch *b, unsigned idx)
{
	if (idx >= b->nops)
		return NULL;
	return &b->ops[idx].res;
}

const struct ife_store_change *
ife_store_batch_changes(const struct ife_store_batch *b, size_t *n)
{
	*n = b->nchg;
	return b->chg;
}

struct ife_store_change *
store_chg_add(struct ife_store_batch *b, struct bop *o, uint8_t kind)
{
	if (b->nchg == b->capchg) {
		uint32_t nc = b->capchg ? b->capchg * 2 : 256;
		struct ife_store_change *n = realloc(b->chg, nc * sizeof(*n));
		if (n == NULL)
			return NULL;
		b->chg = n;
		b->capchg = nc;
	}
	struct ife_store_change *c = &b->chg[b->nchg++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->op = (uint8_t)o->op.type;
	o->res.nchanges++;
	return c;
}

/* Room for n more result UIDs; returns the index of the first. */
static int
u32_reserve(struct ife_store_batch *b, size_t n, size_t *first)
{
	if (b->nu32 + n > b->capu32) {
		size_t nc = b->capu32 ? b->capu32 : 1024;
		while (nc < b->nu32 + n)
			nc *= 2;
		uint32_t *p = realloc(b->u32, nc * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		b->u32 = p;
		b->capu32 = nc;
	}
	*first = b->nu32;
	b->nu32 += n;
	return 0;
}

/* ---- records ---- */

static void
msg_key(uint8_t *kb, uint32_t mbox, uint32_t uid)
{
	be32(kb, mbox);
	be32(kb + 4, uid);
}

static int
msg_get(struct ife_store_batch *b, uint32_t mbox, uint32_t uid,
	struct msg_rec *m)
{
	uint8_t kb[8];
	MDB_val k = {8, kb}, v;

	msg_key(kb, mbox, uid);
	int rc = mdb_get(b->txn, b->s->dbi[DB_MSG], &k, &v);
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size != sizeof(*m))
		return IFE_ECORRUPT;
	memcpy(m, v.mv_data, sizeof(*m));
	return 0;
}

static int
msg_put(struct ife_store_batch *b, uint32_t mbox, uint32_t uid,
	const struct msg_rec *m)
{
	uint8_t kb[8];
	MDB_val k = {8, kb}, v = {sizeof(*m), (void *)m};

	msg_key(kb, mbox, uid);
	return store_err(mdb_put(b->txn, b->s->dbi[DB_MSG], &k, &v, 0));
}

/* Append (modseq, uid) to a mailbox's modseq log or expunge log. Entries
 * come in ascending order (each operation takes the mailbox's next modseq
 * and walks its UIDs upwards), so MDB_APPENDDUP fills leaf pages; an
 * out-of-order caller gets an ordinary insert. */
static int
log_append(struct ife_store_batch *b, int db, uint32_t mbox, uint64_t modseq,
	   uint32_t uid)
{
	uint8_t kb[4], vb[12];
	MDB_val k = {4, kb}, v = {12, vb};

	be32(kb, mbox);
	be64(vb, modseq);
	be32(vb + 8, uid);
	int rc = mdb_put(b->txn, b->s->dbi[db], &k, &v, MDB_APPENDDUP);
	if (rc == MDB_KEYEXIST) {
		v.mv_size = 12;
		v.mv_data = vb;
		rc = mdb_put(b->txn, b->s->dbi[db], &k, &v, 0);
	}
	return store_err(rc);
}

static int
ent_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 12);
}

/*
 * The modseq log keeps every (modseq, uid) a message ever had; readers
 * skip entries whose modseq is no longer the message's. When it holds
 * more than 2 x messages (+ slack) entries it is rebuilt from the message
 * records: one sequential scan, a sort, and appends, so the cost is
 * O(1) per flag change amortized and CHANGEDSINCE never reads more than
 * ~2 entries per message changed after its point.
 */
int
store_modseq_log_compact(struct ife_store_batch *b, uint32_t mbox,
			 uint32_t messages, bool force)
{
	struct ife_store *s = b->s;
	uint8_t kb[8];
	MDB_val k = {4, kb}, v;
	MDB_cursor *c;
	size_t n = 0;
	int rc, ret = 0;

	be32(kb, mbox);
	if ((rc = mdb_cursor_open(b->txn, s->dbi[DB_MODSEQ], &c)) != 0)
		return store_err(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET);
	if (rc == 0)
		rc = mdb_cursor_count(c, &n);
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_err(rc);
	if (!force && n <= 2 * (size_t)messages + MODSEQ_LOG_SLACK)
		return 0;
	uint8_t *ent = malloc(((size_t)messages + 1) * 12);
	if (ent == NULL)
		return -ENOMEM;
	size_t m = 0;
	if ((rc = mdb_cursor_open(b->txn, s->dbi[DB_MSG], &c)) != 0) {
		free(ent);
		return store_err(rc);
	}
	be32(kb + 4, 0);
	k.mv_size = 8;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct msg_rec r;
		if (k.mv_size != 8 || rd32(k.mv_data) != mbox)
			break;
		if (v.mv_size != sizeof(r) || m == messages) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(&r, v.mv_data, sizeof(r));
		be64(ent + m * 12, r.modseq);
		memcpy(ent + m * 12 + 8, (const uint8_t *)k.mv_data + 4, 4);
		m++;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		free(ent);
		return store_err(rc);
	}
	if (m > 1)
		qsort(ent, m, 12, ent_cmp);
	be32(kb, mbox);
	k.mv_size = 4;
	k.mv_data = kb;
	rc = mdb_del(b->txn, s->dbi[DB_MODSEQ], &k, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		ret = store_err(rc);
	for (size_t i = 0; i < m && ret == 0; i++) {
		MDB_val ev = {12, ent + i * 12};
		k.mv_size = 4;
		k.mv_data = kb;
		ret = store_err(mdb_put(b->txn, s->dbi[DB_MODSEQ], &k, &ev,
					MDB_APPENDDUP));
	}
	free(ent);
	return ret;
}

static int
uid_list_op(struct ife_store_batch *b, uint32_t mbox, uint32_t uid, bool put)
{
	uint8_t kb[4];
	MDB_val k = {4, kb}, v = {sizeof(uid), &uid};

	be32(kb, mbox);
	int rc = put ? mdb_put(b->txn, b->s->dbi[DB_UIDS], &k, &v, 0)
		     : mdb_del(b->txn, b->s->dbi[DB_UIDS], &k, &v);
	return store_err(rc);
}

static int
mctx_load(struct ife_store_batch *b, uint32_t id, struct mctx *m)
{
	const char *n;
	MDB_val un;
	int ret = store_get_mbox(b->txn, b->s, id, &m->r, &n);
	if (ret != 0)
		return ret;
	m->id = id;
	memcpy(m->name, n, m->r.name_len);
	if ((ret = store_get_user_by_id(b->txn, b->s, m->r.user, &m->ur,
					&un)) != 0)
		return ret == IFE_ENOTFOUND ? IFE_ECORRUPT : ret;
	memcpy(m->uname, un.mv_data, un.mv_size);
	m->uname_len = un.mv_size;
	return 0;
}

static int
mctx_save(struct ife_store_batch *b, struct mctx *m, bool user)
{
	int ret = store_put_mbox(b->txn, b->s, m->id, &m->r, m->name);
	if (ret != 0 || !user)
		return ret;
	MDB_val k = {m->uname_len, m->uname}, v = {sizeof(m->ur), &m->ur};
	return store_err(mdb_put(b->txn, b->s->dbi[DB_USERS], &k, &v, 0));
}

/* Write the cached mailbox back (before other operations read it, and at
 * the end of the batch) and forget it. */
static int
mc_flush(struct ife_store_batch *b)
{
	int ret = 0;
	if (b->mc_valid && b->mc_dirty)
		ret = mctx_save(b, &b->mc, b->mc_user_dirty);
	b->mc_valid = b->mc_dirty = b->mc_user_dirty = false;
	return ret;
}

/* The mailbox for a single-mailbox message operation, from the cache. */
static int
mc_get(struct ife_store_batch *b, uint32_t id, struct mctx **out)
{
	if (!b->mc_valid || b->mc.id != id) {
		int ret = mc_flush(b);
		if (ret != 0)
			return ret;
		if ((ret = mctx_load(b, id, &b->mc)) != 0)
			return ret;
		b->mc_valid = true;
	}
	*out = &b->mc;
	return 0;
}

static void
mc_dirty(struct ife_store_batch *b, bool user)
{
	b->mc_dirty = true;
	b->mc_user_dirty |= user;
}

/* Counters (blob and pack ids) are read once per batch and written back
 * at its end. */
int
store_batch_counter(struct ife_store_batch *b, uint64_t *cache,
		    const char *name, uint64_t *id)
{
	if (*cache == 0) {
		int ret = store_meta_get_u64(b->txn, b->s, name, cache);
		if (ret == IFE_ENOTFOUND)
			*cache = 1;
		else if (ret != 0)
			return ret;
	}
	*id = (*cache)++;
	return 0;
}

static int
counters_flush(struct ife_store_batch *b)
{
	int ret = 0;
	if (b->next_blob)
		ret = store_meta_put_u64(b->txn, b->s, "next_blob",
					 b->next_blob);
	if (ret == 0 && b->next_pack)
		ret = store_meta_put_u64(b->txn, b->s, "next_pack",
					 b->next_pack);
	return ret;
}

static void
count_add(struct mctx *m, const struct msg_rec *r, int sign)
{
	uint32_t d = sign > 0 ? 1u : (uint32_t)-1;
	m->r.messages += d;
	if (!(r->flags & IFE_STORE_SEEN))
		m->r.unseen += d;
	if (r->flags & IFE_STORE_DELETED)
		m->r.deleted += d;
	m->r.size += sign > 0 ? r->size : -(uint64_t)r->size;
	m->ur.used_msgs += sign > 0 ? 1 : (uint64_t)-1;
	m->ur.used_bytes += sign > 0 ? r->size : -(uint64_t)r->size;
}

/* ---- keywords ---- */

/* Resolve keyword names to a mask; with alloc, unknown names get free
 * slots (checked for room first, so nothing is written on IFE_ELIMIT). */
static int
kw_resolve(struct ife_store_batch *b, uint32_t mbox, const char *const *kw,
	   uint32_t n, bool alloc, uint64_t *mask)
{
	char names[IFE_STORE_KEYWORDS_MAX][256];
	uint8_t lens[IFE_STORE_KEYWORDS_MAX];
	uint64_t used = 0;
	uint8_t kb[5];
	MDB_val k = {5, kb}, v;
	MDB_cursor *c;
	int rc;

	*mask = 0;
	if (n == 0)
		return 0;
	be32(kb, mbox);
	kb[4] = 0;
	if ((rc = mdb_cursor_open(b->txn, b->s->dbi[DB_KEYWORDS], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *p = k.mv_data;
		if (k.mv_size != 5 || rd32(p) != mbox)
			break;
		unsigned i = p[4];
		if (i >= IFE_STORE_KEYWORDS_MAX || v.mv_size > 255)
			continue;
		used |= 1ull << i;
		memcpy(names[i], v.mv_data, v.mv_size);
		lens[i] = (uint8_t)v.mv_size;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	uint64_t want_new = 0;
	int nnew = 0;
	for (uint32_t j = 0; j < n; j++) {
		size_t l = strlen(kw[j]);
		if (l == 0 || l > 255)
			return IFE_EBADNAME;
		int found = -1;
		for (unsigned i = 0; i < IFE_STORE_KEYWORDS_MAX; i++)
			if ((used >> i & 1) && lens[i] == l &&
			    strncasecmp(names[i], kw[j], l) == 0)
				found = (int)i;
		if (found >= 0) {
			*mask |= 1ull << found;
			continue;
		}
		want_new |= 1ull << j;
		nnew++;
	}
	if (!alloc || nnew == 0)
		return 0;
	if (__builtin_popcountll(~used) < nnew)
		return IFE_ELIMIT;
	for (uint32_t j = 0; j < n && j < 64; j++) {
		if (!(want_new >> j & 1))
			continue;
		unsigned i = (unsigned)__builtin_ctzll(~used);
		size_t l = strlen(kw[j]);
		used |= 1ull << i;
		memcpy(names[i], kw[j], l);
		lens[i] = (uint8_t)l;
		kb[4] = (uint8_t)i;
		v.mv_size = l;
		v.mv_data = (void *)kw[j];
		if ((rc = mdb_put(b->txn, b->s->dbi[DB_KEYWORDS], &k, &v, 0)) !=
		    0)
			return store_err(rc);
		*mask |= 1ull << i;
	}
	return 0;
}

/* ---- operations ---- */

static int
expunge_one(struct ife_store_batch *b, struct bop *o, struct mctx *m,
	    uint32_t uid, const struct msg_rec *r, uint64_t modseq)
{
	uint8_t kb[8];
	MDB_val k = {8, kb};
	int ret;

	msg_key(kb, m->id, uid);
	if ((ret = store_err(mdb_del(b->txn, b->s->dbi[DB_MSG], &k, NULL))) !=
		    0 ||
	    (ret = uid_list_op(b, m->id, uid, false)) != 0 ||
	    (ret = log_append(b, DB_EXPUNGED, m->id, modseq, uid)) != 0 ||
	    (ret = store_blob_unref(b, r->blob)) != 0)
		return ret;
	count_add(m, r, -1);
	struct ife_store_change *c = store_chg_add(b, o, IFE_STORE_CHG_EXPUNGE);
	if (c == NULL)
		return -ENOMEM;
	c->user = m->r.user;
	c->mbox = m->id;
	c->uid = uid;
	c->modseq = modseq;
	return 0;
}

static int
add_msg(struct ife_store_batch *b, struct bop *o, struct mctx *m,
	struct msg_rec *r, uint32_t *uid)
{
	int ret;

	if (m->r.uidnext == UINT32_MAX)
		return IFE_ELIMIT; /* UIDs exhausted: needs a new UIDVALIDITY */
	*uid = m->r.uidnext++;
	if ((ret = msg_put(b, m->id, *uid, r)) != 0 ||
	    (ret = uid_list_op(b, m->id, *uid, true)) != 0 ||
	    (ret = log_append(b, DB_MODSEQ, m->id, r->modseq, *uid)) != 0)
		return ret;
	count_add(m, r, 1);
	struct ife_store_change *c = store_chg_add(b, o, IFE_STORE_CHG_EXISTS);
	if (c == NULL)
		return -ENOMEM;
	c->user = m->r.user;
	c->mbox = m->id;
	c->uid = *uid;
	c->modseq = r->modseq;
	c->flags = r->flags;
	c->keywords = r->keywords;
	return 0;
}

static bool
quota_ok(const struct user_rec *u, uint64_t bytes, uint64_t msgs)
{
	if (u->quota_bytes && u->used_bytes + bytes > u->quota_bytes)
		return false;
	if (u->quota_msgs && u->used_msgs + msgs > u->quota_msgs)
		return false;
	return true;
}

static int
op_append(struct ife_store_batch *b, struct bop *o)
{
	const struct ife_store_op *op = &o->op;
	struct mctx *m;
	struct msg_rec r;
	uint64_t kw;
	int ret;

	if (op->len > b->s->opts.max_msg_size)
		return IFE_ELIMIT;
	if ((ret = mc_get(b, op->mbox, &m)) != 0)
		return ret;
	if (!quota_ok(&m->ur, op->len, 1))
		return IFE_EQUOTA;
	if (m->r.uidnext == UINT32_MAX)
		return IFE_ELIMIT;
	if ((ret = kw_resolve(b, m->id, op->keywords, op->nkeywords, true,
			      &kw)) != 0)
		return ret;
	memset(&r, 0, sizeof(r));
	if ((ret = store_blob_add(b, o, &r)) != 0)
		return ret;
	r.flags = op->flags & IFE_STORE_FLAGS_ALL;
	r.keywords = kw;
	r.modseq = ++m->r.highestmodseq;
	r.internal_date = op->internal_date ? op->internal_date : b->now;
	r.save_date = b->now;
	mc_dirty(b, true);
	if ((ret = add_msg(b, o, m, &r, &o->res.uid)) != 0)
		return ret;
	o->res.uidvalidity = m->r.uidvalidity;
	o->res.modseq = m->r.highestmodseq;
	o->res.id = m->id;
	return 0;
}

static int
op_copy(struct ife_store_batch *b, struct bop *o, bool move)
{
	const struct ife_store_op *op = &o->op;
	struct mctx src, dst;
	int ret;

	if (move && op->mbox == op->dst_mbox)
		return IFE_ESTATE;
	if ((ret = mctx_load(b, op->mbox, &src)) != 0 ||
	    (ret = mctx_load(b, op->dst_mbox, &dst)) != 0)
		return ret;
	if (src.r.user != dst.r.user)
		return IFE_ESTATE;
	/* validate: which UIDs exist, and the quota for all of them */
	uint64_t bytes = 0, n = 0;
	for (uint32_t i = 0; i < op->nuids; i++) {
		struct msg_rec r = {0};
		ret = msg_get(b, src.id, op->uids[i], &r);
		if (ret == IFE_ENOTFOUND)
			continue;
		if (ret != 0)
			return ret;
		bytes += r.size;
		n++;
	}
	if (!move && !quota_ok(&dst.ur, bytes, n))
		return IFE_EQUOTA;
	if (dst.r.uidnext > UINT32_MAX - n)
		return IFE_ELIMIT;
	size_t f;
	if ((ret = u32_reserve(b, 2 * n, &f)) != 0)
		return ret;
	uint32_t *su = b->u32 + f, *du = su + n;
	uint32_t k = 0;
	uint64_t moved = 0;
	uint64_t dmod = ++dst.r.highestmodseq;
	uint64_t smod = move ? ++src.r.highestmodseq : 0;
	for (uint32_t i = 0; i < op->nuids; i++) {
		struct msg_rec r = {0};
		ret = msg_get(b, src.id, op->uids[i], &r);
		if (ret == IFE_ENOTFOUND)
			continue;
		if (ret != 0)
			return ret;
		struct msg_rec nr = r;
		nr.modseq = dmod;
		nr.save_date = b->now;
		if ((ret = store_blob_ref(b, r.blob, &nr)) != 0 ||
		    (ret = add_msg(b, o, &dst, &nr, &du[k])) != 0)
			return ret;
		su[k++] = op->uids[i];
		moved += r.size;
		if (move &&
		    (ret = expunge_one(b, o, &src, op->uids[i], &r, smod)) != 0)
			return ret;
	}
	if (move) {
		/* same owner: a MOVE leaves its usage unchanged (dst.ur
		 * counted the additions, src.ur the removals) */
		dst.ur.used_bytes -= moved;
		dst.ur.used_msgs -= k;
	}
	o->res.src_uids = NULL; /* fixed up after commit (array may move) */
	o->u32_first = (uint32_t)f;
	o->res.ncopied = k;
	o->res.uidvalidity = dst.r.uidvalidity;
	o->res.modseq = dst.r.highestmodseq;
	o->res.id = dst.id;
	if (move && (ret = mctx_save(b, &src, false)) != 0)
		return ret;
	if (move && (ret = store_modseq_log_compact(b, src.id, src.r.messages,
						    false)) != 0)
		return ret;
	return mctx_save(b, &dst, true);
}

static uint32_t
apply_mode(uint32_t mode, uint64_t cur, uint64_t v, uint64_t *out)
{
	switch (mode) {
	case IFE_STORE_ADD:
		*out = cur | v;
		break;
	case IFE_STORE_REMOVE:
		*out = cur & ~v;
		break;
	default:
		*out = v;
		break;
	}
	return 0;
}

static int
op_store(struct ife_store_batch *b, struct bop *o)
{
	const struct ife_store_op *op = &o->op;
	struct mctx *mp;
	uint64_t kw;
	int ret, rc;

	if (op->store_mode > IFE_STORE_REMOVE)
		return -EINVAL;
	if ((ret = mc_get(b, op->mbox, &mp)) != 0)
		return ret;
	struct mctx m = *mp; /* applied to the cache only on success */
	if ((ret = kw_resolve(b, m.id, op->keywords, op->nkeywords,
			      op->store_mode != IFE_STORE_REMOVE, &kw)) != 0)
		return ret;
	size_t f;
	if ((ret = u32_reserve(b, op->nuids, &f)) != 0)
		return ret;
	uint32_t nmod = 0;
	uint64_t modseq = m.r.highestmodseq + 1;
	bool changed = false;
	MDB_cursor *c;
	if ((rc = mdb_cursor_open(b->txn, b->s->dbi[DB_MSG], &c)) != 0)
		return store_err(rc);
	bool at_prev = false;
	for (uint32_t i = 0; i < op->nuids; i++) {
		uint8_t kb[8];
		MDB_val k = {8, kb}, v;
		struct msg_rec r;
		msg_key(kb, m.id, op->uids[i]);
		rc = MDB_NOTFOUND;
		if (i > 0 && op->uids[i] == op->uids[i - 1] + 1 && at_prev) {
			/* consecutive UIDs (STORE 1:*): the next record is
			 * probably the cursor's next one, no search */
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
			if (rc == 0 &&
			    (k.mv_size != 8 || memcmp(k.mv_data, kb, 8) != 0))
				rc = MDB_NOTFOUND;
		}
		if (rc == MDB_NOTFOUND) {
			k.mv_size = 8;
			k.mv_data = kb;
			rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
		}
		at_prev = rc == 0;
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0 || v.mv_size != sizeof(r)) {
			mdb_cursor_close(c);
			return rc ? store_err(rc) : IFE_ECORRUPT;
		}
		memcpy(&r, v.mv_data, sizeof(r));
		if (op->unchangedsince && r.modseq > op->unchangedsince) {
			b->u32[f + nmod++] =
				op->uids[i]; /* RFC 7162 MODIFIED */
			continue;
		}
		uint64_t nf, nk;
		apply_mode(op->store_mode, r.flags,
			   op->flags & IFE_STORE_FLAGS_ALL, &nf);
		apply_mode(op->store_mode, r.keywords, kw, &nk);
		if (nf == r.flags && nk == r.keywords)
			continue;
		count_add(&m, &r, -1);
		r.flags = (uint32_t)nf;
		r.keywords = nk;
		r.modseq = modseq;
		count_add(&m, &r, 1);
		v.mv_size = sizeof(r);
		v.mv_data = &r;
		k.mv_size = 8; /* our copy, not a pointer into the page */
		k.mv_data = kb;
		if ((rc = mdb_cursor_put(c, &k, &v, MDB_CURRENT)) != 0) {
			mdb_cursor_close(c);
			return store_err(rc);
		}
		/* the old entry stays: readers see it is stale */
		if ((ret = log_append(b, DB_MODSEQ, m.id, modseq,
				      op->uids[i])) != 0) {
			mdb_cursor_close(c);
			return ret;
		}
		changed = true;
		struct ife_store_change *ch =
			store_chg_add(b, o, IFE_STORE_CHG_FLAGS);
		if (ch == NULL) {
			mdb_cursor_close(c);
			return -ENOMEM;
		}
		ch->user = m.r.user;
		ch->mbox = m.id;
		ch->uid = op->uids[i];
		ch->modseq = modseq;
		ch->flags = r.flags;
		ch->keywords = r.keywords;
	}
	mdb_cursor_close(c);
	b->nu32 = f + nmod;
	o->u32_first = (uint32_t)f;
	o->res.nmodified = nmod;
	if (changed)
		m.r.highestmodseq = modseq;
	o->res.modseq = m.r.highestmodseq;
	o->res.id = m.id;
	if (changed) {
		*mp = m;
		mc_dirty(b, false);
		return store_modseq_log_compact(b, m.id, m.r.messages, false);
	}
	return 0;
}

static int
op_expunge(struct ife_store_batch *b, struct bop *o)
{
	const struct ife_store_op *op = &o->op;
	struct mctx *mp;
	int ret;

	if ((ret = mc_get(b, op->mbox, &mp)) != 0)
		return ret;
	struct mctx m = *mp;
	/* candidate UIDs: the given ones, or every message */
	uint32_t n = op->nuids ? op->nuids : m.r.messages;
	size_t f;
	if ((ret = u32_reserve(b, n, &f)) != 0)
		return ret;
	uint32_t k = 0;
	if (op->nuids) {
		for (uint32_t i = 0; i < op->nuids; i++)
			b->u32[f + k++] = op->uids[i];
	} else {
		uint8_t kb[8];
		MDB_val key = {8, kb}, v;
		MDB_cursor *c;
		int rc;
		msg_key(kb, m.id, 0);
		if ((rc = mdb_cursor_open(b->txn, b->s->dbi[DB_MSG], &c)) != 0)
			return store_err(rc);
		for (rc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
		     rc == 0 && k < n;
		     rc = mdb_cursor_get(c, &key, &v, MDB_NEXT)) {
			if (key.mv_size != 8 || rd32(key.mv_data) != m.id)
				break;
			struct msg_rec r;
			if (v.mv_size != sizeof(r)) {
				mdb_cursor_close(c);
				return IFE_ECORRUPT;
			}
			memcpy(&r, v.mv_data, sizeof(r));
			if (r.flags & IFE_STORE_DELETED)
				b->u32[f + k++] =
					rd32((const uint8_t *)key.mv_data + 4);
		}
		mdb_cursor_close(c);
	}
	uint64_t modseq = m.r.highestmodseq + 1;
	uint32_t done = 0;
	for (uint32_t i = 0; i < k; i++) {
		struct msg_rec r = {0};
		uint32_t uid = b->u32[f + i];
		ret = msg_get(b, m.id, uid, &r);
		if (ret == IFE_ENOTFOUND)
			continue;
		if (ret != 0)
			return ret;
		if (!(r.flags & IFE_STORE_DELETED))
			continue;
		if ((ret = expunge_one(b, o, &m, uid, &r, modseq)) != 0)
			return ret;
		b->u32[f + done++] = uid;
	}
	b->nu32 = f + done;
	o->u32_first = (uint32_t)f;
	o->res.nmodified = done;
	if (done)
		m.r.highestmodseq = modseq;
	o->res.modseq = m.r.highestmodseq;
	o->res.id = m.id;
	if (done) {
		*mp = m;
		mc_dirty(b, true);
		return store_modseq_log_compact(b, m.id, m.r.messages, false);
	}
	return 0;
}

/* Delete every message and index entry of a mailbox being deleted. */
int
store_expunge_all(struct ife_store_batch *b, uint32_t mbox, struct mbox_rec *mr,
		  struct user_rec *ur)
{
	struct ife_store *s = b->s;
	uint8_t kb[16];
	MDB_val k, v;
	MDB_cursor *c;
	int rc, ret;
	static const int ranged[] = {DB_MSG, DB_KEYWORDS};

	for (size_t d = 0; d < sizeof(ranged) / sizeof(ranged[0]); d++) {
		if ((rc = mdb_cursor_open(b->txn, s->dbi[ranged[d]], &c)) != 0)
			return store_err(rc);
		memset(kb, 0, sizeof(kb));
		be32(kb, mbox);
		k.mv_size = 4;
		k.mv_data = kb;
		for (;;) {
			/* re-seek after each delete: simple and safe */
			k.mv_size = 4;
			k.mv_data = kb;
			rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
			if (rc != 0)
				break;
			if (k.mv_size < 4 || rd32(k.mv_data) != mbox)
				break;
			if (ranged[d] == DB_MSG) {
				struct msg_rec r;
				if (v.mv_size != sizeof(r)) {
					mdb_cursor_close(c);
					return IFE_ECORRUPT;
				}
				memcpy(&r, v.mv_data, sizeof(r));
				ur->used_bytes -= r.size;
				ur->used_msgs--;
				if ((ret = store_blob_unref(b, r.blob)) != 0) {
					mdb_cursor_close(c);
					return ret;
				}
			}
			if ((rc = mdb_cursor_del(c, 0)) != 0)
				break;
		}
		mdb_cursor_close(c);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return store_err(rc);
	}
	static const int keyed[] = {DB_UIDS, DB_MODSEQ, DB_EXPUNGED};
	for (size_t d = 0; d < sizeof(keyed) / sizeof(keyed[0]); d++) {
		be32(kb, mbox);
		k.mv_size = 4;
		k.mv_data = kb;
		rc = mdb_del(b->txn, s->dbi[keyed[d]], &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return store_err(rc);
	}
	(void)mr;
	return 0;
}

/* ---- commit ---- */

static bool
op_error_is_local(int e)
{
	switch (e) {
	case IFE_ENOTFOUND:
	case IFE_EEXIST:
	case IFE_EQUOTA:
	case IFE_ELIMIT:
	case IFE_EBADNAME:
	case IFE_ESTATE:
	case IFE_ECONFLICT:
	case -EINVAL:
		return true;
	default:
		return false;
	}
}

static int
run_op(struct ife_store_batch *b, struct bop *o)
{
	switch (o->op.type) {
	case IFE_STORE_OP_APPEND:
		return op_append(b, o);
	case IFE_STORE_OP_COPY:
	case IFE_STORE_OP_MOVE: {
		int ret = mc_flush(b);
		return ret ? ret
			   : op_copy(b, o, o->op.type == IFE_STORE_OP_MOVE);
	}
	case IFE_STORE_OP_STORE:
		return op_store(b, o);
	case IFE_STORE_OP_EXPUNGE:
		return op_expunge(b, o);
	default:
		break;
	}
	/* user and mailbox operations: a nested transaction undoes a
	 * half-done rename or delete */
	int ret = mc_flush(b);
	if (ret != 0)
		return ret;
	MDB_txn *parent = b->txn, *child;
	uint32_t nchg = b->nchg;
	uint64_t pack_live = b->pack_live; /* undone with the child too */
	int rc = mdb_txn_begin(b->s->env, parent, 0, &child);
	if (rc != 0)
		return store_err(rc);
	b->txn = child;
	switch (o->op.type) {
	case IFE_STORE_OP_USER_CREATE:
	case IFE_STORE_OP_USER_DELETE:
	case IFE_STORE_OP_SET_QUOTA:
		ret = store_op_user(b, o);
		break;
	case IFE_STORE_OP_MBOX_CREATE:
	case IFE_STORE_OP_MBOX_DELETE:
	case IFE_STORE_OP_MBOX_RENAME:
	case IFE_STORE_OP_SUBSCRIBE:
		ret = store_op_mailbox(b, o);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	b->txn = parent;
	if (ret == 0) {
		rc = mdb_txn_commit(child);
		return store_err(rc);
	}
	mdb_txn_abort(child);
	b->nchg = nchg;
	b->pack_live = pack_live;
	o->res.nchanges = 0;
	return ret;
}

/* Is the file system under the store too full for this commit? */
static bool
disk_nearly_full(struct ife_store *s, size_t pending)
{
	const char *path;
	struct statvfs sv;

	if (mdb_env_get_path(s->env, &path) != 0 || statvfs(path, &sv) != 0)
		return false;
	uint64_t avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	return avail < (uint64_t)pending + (1u << 20);
}

static int
grow_map(struct ife_store *s)
{
	if (s->map_size >= s->opts.map_max)
		return IFE_EFULL;
	size_t n = s->map_size * 2;
	if (n > s->opts.map_max)
		n = s->opts.map_max;
	int rc = mdb_env_set_mapsize(s->env, n);
	if (rc != 0)
		return store_err(rc);
	s->map_size = n;
	return 0;
}

int
ife_store_batch_commit(struct ife_store_batch *b)
{
	struct ife_store *s = b->s;
	int ret = 0, rc;

	for (int attempt = 0; attempt < 16; attempt++) {
		b->nchg = 0;
		b->nu32 = 0;
		store_map_full = 0;
		b->now = (int64_t)time(NULL);
		store_pack_reset(b);
		b->ncompact = 0;
		b->next_blob = b->next_pack = 0;
		b->mc_valid = b->mc_dirty = b->mc_user_dirty = false;
		if ((rc = mdb_txn_begin(s->env, NULL, 0, &b->txn)) != 0) {
			ret = store_err(rc);
			break;
		}
		ret = 0;
		for (uint32_t i = 0; i < b->nops && ret == 0; i++) {
			struct bop *o = &b->ops[i];
			memset(&o->res, 0, sizeof(o->res));
			o->res.first_change = b->nchg;
			int e = run_op(b, o);
			if (e == 0 || op_error_is_local(e)) {
				o->res.status = e;
				if (e != 0) {
					/* validated before writing: drop its
					 * change records if any */
					b->nchg = o->res.first_change;
					o->res.nchanges = 0;
				}
				continue;
			}
			ret = e;
		}
		if (ret == 0)
			ret = mc_flush(b);
		if (ret == 0)
			ret = store_pack_compact_all(b);
		if (ret == 0)
			ret = counters_flush(b);
		if (ret == 0)
			ret = store_pack_flush(b);
		if (ret != 0) {
			mdb_txn_abort(b->txn);
		} else {
			rc = mdb_txn_commit(b->txn);
			ret = store_err(rc);
			if (ret == -EIO && disk_nearly_full(s, b->raw_len))
				ret = IFE_EFULL; /* LMDB says EIO on a short
						    write: the disk is full */
		}
		b->txn = NULL;
		if (ret == IFE_EFULL && store_map_full) {
			/* the map, not the disk, is full: grow and redo */
			store_map_full = 0;
			if (grow_map(s) == 0)
				continue;
		}
		break;
	}
	if (ret != 0) {
		for (uint32_t i = 0; i < b->nops; i++) {
			memset(&b->ops[i].res, 0, sizeof(b->ops[i].res));
			b->ops[i].res.status = ret;
		}
		b->nchg = 0;
		b->nu32 = 0;
		return ret;
	}
	/* result arrays point into u32 now that it no longer moves */
	for (uint32_t i = 0; i < b->nops; i++) {
		struct bop *o = &b->ops[i];
		if (o->res.status != 0)
			continue;
		if (o->res.ncopied) {
			o->res.src_uids = b->u32 + o->u32_first;
			o->res.dst_uids =
				b->u32 + o->u32_first + o->res.ncopied;
		}
		if (o->res.nmodified)
			o->res.modified = b->u32 + o->u32_first;
	}
	b->committed = true;
	return 0;
}
