/*
 * Consistency verifier (imapfe-store check, and the durability test):
 * recomputes every counter, reference count and index from the message
 * and blob records and compares.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "imapfe/err.h"
#include "store_pvt.h"

struct chk {
	void (*report)(void *, const char *);
	void *ctx;
	long problems;
};

static void bad(struct chk *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
bad(struct chk *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	c->problems++;
	if (c->report == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->report(c->ctx, line);
}

struct ref {
	uint64_t id;
	uint64_t n;
};

static int
ref_cmp(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

struct uacc {
	uint32_t id;
	uint64_t bytes, msgs;
};

static int
uacc_cmp(const void *a, const void *b)
{
	const struct uacc *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static bool
key_exists(MDB_txn *t, MDB_dbi d, const void *k, size_t kl)
{
	MDB_val key = {kl, (void *)k}, v;
	return mdb_get(t, d, &key, &v) == 0;
}

long
ife_store_check(struct ife_store *s, void (*report)(void *, const char *),
		void *ctx)
{
	struct chk c = {report, ctx, 0};
	struct ref *refs = NULL;
	size_t nrefs = 0, caprefs = 0;
	struct uacc *ua = NULL;
	size_t nua = 0, capua = 0;
	MDB_txn *t;
	MDB_cursor *cm = NULL, *cmsg = NULL, *cu = NULL;
	MDB_val k, v;
	int rc;
	long ret;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t)) != 0)
		return store_err(rc);
	if ((rc = mdb_cursor_open(t, s->dbi[DB_MBOX], &cm)) != 0 ||
	    (rc = mdb_cursor_open(t, s->dbi[DB_MSG], &cmsg)) != 0 ||
	    (rc = mdb_cursor_open(t, s->dbi[DB_UIDS], &cu)) != 0) {
		ret = store_err(rc);
		goto out;
	}
	/* mailboxes and their messages */
	for (rc = mdb_cursor_get(cm, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cm, &k, &v, MDB_NEXT)) {
		struct mbox_rec mr;
		if (k.mv_size != 4 || v.mv_size < sizeof(mr)) {
			bad(&c, "mailbox record of bad size");
			continue;
		}
		uint32_t id = rd32(k.mv_data);
		memcpy(&mr, v.mv_data, sizeof(mr));
		const char *name = (const char *)v.mv_data + sizeof(mr);
		if (v.mv_size != sizeof(mr) + mr.name_len) {
			bad(&c, "mailbox %" PRIu32 ": bad name length", id);
			continue;
		}
		uint8_t nk[4 + IFE_STORE_NAME_MAX];
		MDB_val nkey = {4 + mr.name_len, nk}, nv;
		be32(nk, mr.user);
		memcpy(nk + 4, name, mr.name_len);
		if (mdb_get(t, s->dbi[DB_MBOXNAME], &nkey, &nv) != 0 ||
		    nv.mv_size != 4 || rd32(nv.mv_data) != id)
			bad(&c,
			    "mailbox %" PRIu32 " '%.*s': name index missing",
			    id, (int)mr.name_len, name);
		uint8_t uk[4];
		be32(uk, mr.user);
		if (!key_exists(t, s->dbi[DB_USERID], uk, 4))
			bad(&c,
			    "mailbox %" PRIu32 ": owner %" PRIu32 " missing",
			    id, mr.user);
		uint32_t msgs = 0, unseen = 0, del = 0;
		uint64_t size = 0;
		uint8_t mk[8];
		MDB_val key = {8, mk}, val;
		be32(mk, id);
		be32(mk + 4, 0);
		for (rc = mdb_cursor_get(cmsg, &key, &val, MDB_SET_RANGE);
		     rc == 0; rc = mdb_cursor_get(cmsg, &key, &val, MDB_NEXT)) {
			if (key.mv_size != 8 || rd32(key.mv_data) != id)
				break;
			uint32_t uid = rd32((const uint8_t *)key.mv_data + 4);
			struct msg_rec r;
			if (val.mv_size != sizeof(r)) {
				bad(&c,
				    "message %" PRIu32 ":%" PRIu32
				    ": bad record size",
				    id, uid);
				continue;
			}
			memcpy(&r, val.mv_data, sizeof(r));
			msgs++;
			unseen += !(r.flags & IFE_STORE_SEEN);
			del += !!(r.flags & IFE_STORE_DELETED);
			size += r.size;
			if (uid >= mr.uidnext)
				bad(&c,
				    "message %" PRIu32 ":%" PRIu32
				    ": uid >= uidnext %" PRIu32,
				    id, uid, mr.uidnext);
			if (r.modseq > mr.highestmodseq)
				bad(&c,
				    "message %" PRIu32 ":%" PRIu32
				    ": modseq above highestmodseq",
				    id, uid);
			uint8_t sk[16];
			be32(sk, id);
			be64(sk + 4, r.modseq);
			be32(sk + 12, uid);
			if (!key_exists(t, s->dbi[DB_MODSEQ], sk, 16))
				bad(&c,
				    "message %" PRIu32 ":%" PRIu32
				    ": modseq index entry missing",
				    id, uid);
			MDB_val uk2 = {4, mk}, uv = {4, &uid};
			if (mdb_cursor_get(cu, &uk2, &uv, MDB_GET_BOTH) != 0)
				bad(&c,
				    "message %" PRIu32 ":%" PRIu32
				    ": missing from the UID list",
				    id, uid);
			struct ife_store_msg m;
			if (store_fill_msg(s, t, uid, &r, &m) != 0)
				bad(&c,
				    "message %" PRIu32 ":%" PRIu32
				    ": blob or index unreadable",
				    id, uid);
			if (nrefs == caprefs) {
				caprefs = caprefs ? caprefs * 2 : 1024;
				struct ref *n =
					realloc(refs, caprefs * sizeof(*n));
				if (n == NULL) {
					ret = -ENOMEM;
					goto out;
				}
				refs = n;
			}
			refs[nrefs].id = r.blob;
			refs[nrefs++].n = 1;
			if (nua == capua) {
				capua = capua ? capua * 2 : 64;
				struct uacc *n =
					realloc(ua, capua * sizeof(*n));
				if (n == NULL) {
					ret = -ENOMEM;
					goto out;
				}
				ua = n;
			}
			ua[nua].id = mr.user;
			ua[nua].bytes = r.size;
			ua[nua++].msgs = 1;
		}
		if (msgs != mr.messages || unseen != mr.unseen ||
		    del != mr.deleted || size != mr.size)
			bad(&c,
			    "mailbox %" PRIu32 " '%.*s': counters %" PRIu32
			    "/%" PRIu32 "/%" PRIu32 "/%" PRIu64
			    " but messages say %" PRIu32 "/%" PRIu32 "/%" PRIu32
			    "/%" PRIu64,
			    id, (int)mr.name_len, name, mr.messages, mr.unseen,
			    mr.deleted, mr.size, msgs, unseen, del, size);
		MDB_val uk3 = {4, mk}, uv3;
		size_t cnt = 0;
		if (mdb_cursor_get(cu, &uk3, &uv3, MDB_SET) == 0)
			mdb_cursor_count(cu, &cnt);
		if (cnt != msgs)
			bad(&c,
			    "mailbox %" PRIu32 ": UID list has %zu, "
			    "messages %" PRIu32,
			    id, cnt, msgs);
		/* modseq index entries without a message */
		uint8_t sk[16] = {0};
		be32(sk, id);
		MDB_cursor *cs;
		if (mdb_cursor_open(t, s->dbi[DB_MODSEQ], &cs) == 0) {
			MDB_val sk2 = {4, sk}, sv;
			size_t ns = 0;
			for (rc = mdb_cursor_get(cs, &sk2, &sv, MDB_SET_RANGE);
			     rc == 0 && sk2.mv_size == 16 &&
			     rd32(sk2.mv_data) == id;
			     rc = mdb_cursor_get(cs, &sk2, &sv, MDB_NEXT))
				ns++;
			mdb_cursor_close(cs);
			if (ns != msgs)
				bad(&c,
				    "mailbox %" PRIu32 ": modseq index has "
				    "%zu entries for %" PRIu32 " messages",
				    id, ns, msgs);
		}
	}
	/* blob reference counts */
	if (nrefs > 1) /* qsort(NULL, 0) is undefined */
		qsort(refs, nrefs, sizeof(*refs), ref_cmp);
	size_t j = 0, w = 0;
	for (size_t i = 0; i < nrefs; i++) {
		if (w > 0 && refs[w - 1].id == refs[i].id)
			refs[w - 1].n++;
		else
			refs[w++] = refs[i];
	}
	nrefs = w;
	MDB_cursor *cb;
	if ((rc = mdb_cursor_open(t, s->dbi[DB_BLOB], &cb)) != 0) {
		ret = store_err(rc);
		goto out;
	}
	struct ref *packs = NULL;
	size_t npacks = 0;
	for (rc = mdb_cursor_get(cb, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cb, &k, &v, MDB_NEXT)) {
		struct blob_rec br;
		if (k.mv_size != 8 || v.mv_size != sizeof(br)) {
			bad(&c, "blob record of bad size");
			continue;
		}
		uint64_t id = rd64(k.mv_data);
		memcpy(&br, v.mv_data, sizeof(br));
		while (j < nrefs && refs[j].id < id) {
			bad(&c, "blob %" PRIu64 " referenced but missing",
			    refs[j].id);
			j++;
		}
		uint64_t n = 0;
		if (j < nrefs && refs[j].id == id)
			n = refs[j++].n;
		if (n != br.refcount)
			bad(&c,
			    "blob %" PRIu64 ": refcount %" PRIu32
			    " but %" PRIu64 " references",
			    id, br.refcount, n);
		MDB_val hk = {32, br.sha}, hv;
		uint64_t hid = 0;
		if (mdb_get(t, s->dbi[DB_BLOBHASH], &hk, &hv) != 0 ||
		    hv.mv_size != 8 || (memcpy(&hid, hv.mv_data, 8), hid != id))
			bad(&c, "blob %" PRIu64 ": hash index wrong", id);
		MDB_val pv;
		if (store_pack_view(t, s, br.pack, &pv) != 0 ||
		    (size_t)br.off + ALIGN8((size_t)br.raw_len) + br.idx_len >
			    pv.mv_size) {
			bad(&c,
			    "blob %" PRIu64 ": pack %" PRIu64 " missing or "
			    "short",
			    id, br.pack);
		} else {
			uint8_t sha[32];
			const uint8_t *p = (const uint8_t *)pv.mv_data + br.off;
			store_sha256(p, br.raw_len, sha);
			if (memcmp(sha, br.sha, 32) != 0)
				bad(&c, "blob %" PRIu64 ": SHA-256 mismatch",
				    id);
			struct ife_mime_index_info info;
			if (ife_mime_index_open(p + ALIGN8((size_t)br.raw_len),
						br.idx_len, &info) != 0)
				bad(&c, "blob %" PRIu64 ": index corrupt", id);
		}
		if (npacks % 256 == 0) {
			struct ref *np =
				realloc(packs, (npacks + 256) * sizeof(*np));
			if (np == NULL) {
				free(packs);
				mdb_cursor_close(cb);
				ret = -ENOMEM;
				goto out;
			}
			packs = np;
		}
		packs[npacks].id = br.pack;
		packs[npacks++].n =
			ALIGN8((size_t)br.raw_len) + ALIGN8((size_t)br.idx_len);
	}
	mdb_cursor_close(cb);
	for (; j < nrefs; j++)
		bad(&c, "blob %" PRIu64 " referenced but missing", refs[j].id);
	/* pack live bytes */
	if (npacks > 1)
		qsort(packs, npacks, sizeof(*packs), ref_cmp);
	w = 0;
	for (size_t i = 0; i < npacks; i++) {
		if (w > 0 && packs[w - 1].id == packs[i].id)
			packs[w - 1].n += packs[i].n;
		else
			packs[w++] = packs[i];
	}
	npacks = w;
	size_t pi = 0;
	MDB_cursor *cp;
	if (mdb_cursor_open(t, s->dbi[DB_PACKMETA], &cp) == 0) {
		for (rc = mdb_cursor_get(cp, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(cp, &k, &v, MDB_NEXT)) {
			struct pack_rec pr;
			if (k.mv_size != 8 || v.mv_size != sizeof(pr))
				continue;
			memcpy(&pr, v.mv_data, sizeof(pr));
			uint64_t id = rd64(k.mv_data);
			while (pi < npacks && packs[pi].id < id)
				pi++;
			uint64_t live = pi < npacks && packs[pi].id == id
						? packs[pi].n
						: 0;
			if (live != pr.live)
				bad(&c,
				    "pack %" PRIu64 ": live %" PRIu64
				    " but blobs hold %" PRIu64,
				    id, pr.live, live);
		}
		mdb_cursor_close(cp);
	}
	free(packs);
	/* user usage */
	if (nua > 1)
		qsort(ua, nua, sizeof(*ua), uacc_cmp);
	w = 0;
	for (size_t i = 0; i < nua; i++) {
		if (w > 0 && ua[w - 1].id == ua[i].id) {
			ua[w - 1].bytes += ua[i].bytes;
			ua[w - 1].msgs += ua[i].msgs;
		} else {
			ua[w++] = ua[i];
		}
	}
	nua = w;
	MDB_cursor *cusr;
	if (mdb_cursor_open(t, s->dbi[DB_USERS], &cusr) == 0) {
		for (rc = mdb_cursor_get(cusr, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(cusr, &k, &v, MDB_NEXT)) {
			struct user_rec ur;
			if (v.mv_size != sizeof(ur)) {
				bad(&c, "user record of bad size");
				continue;
			}
			memcpy(&ur, v.mv_data, sizeof(ur));
			uint64_t b = 0, m = 0;
			for (size_t i = 0; i < nua; i++)
				if (ua[i].id == ur.id) {
					b = ua[i].bytes;
					m = ua[i].msgs;
				}
			if (b != ur.used_bytes || m != ur.used_msgs)
				bad(&c,
				    "user %" PRIu32 ": usage %" PRIu64
				    "/%" PRIu64 " but messages hold %" PRIu64
				    "/%" PRIu64,
				    ur.id, ur.used_bytes, ur.used_msgs, b, m);
		}
		mdb_cursor_close(cusr);
	}
	ret = c.problems;
out:
	if (cm)
		mdb_cursor_close(cm);
	if (cmsg)
		mdb_cursor_close(cmsg);
	if (cu)
		mdb_cursor_close(cu);
	mdb_txn_abort(t);
	free(refs);
	free(ua);
	return ret;
}
