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

static size_t
pack_dir_len(const struct pack_view *pv)
{
	struct pack_hdr h;
	memcpy(&h, pv->p, sizeof(h));
	return (size_t)h.nblobs * sizeof(struct pack_dirent);
}

/* Pack accounting. pl: pairs (pack id, live bytes), (-, blob count) of
 * the blob records, sorted by pack id. */
static void
check_packs(struct chk *c, MDB_txn *t, struct ife_store *s,
	    const struct ref *pl, size_t npl)
{
	MDB_cursor *cp;
	MDB_val k, v;
	size_t pi = 0;
	int rc;

	if (mdb_cursor_open(t, s->dbi[DB_PACKMETA], &cp) != 0) {
		bad(c, "pack metadata unreadable");
		return;
	}
	for (rc = mdb_cursor_get(cp, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cp, &k, &v, MDB_NEXT)) {
		struct pack_rec pr = {0};
		if (k.mv_size != 8 || v.mv_size != sizeof(pr)) {
			bad(c, "pack metadata record of bad size");
			continue;
		}
		memcpy(&pr, v.mv_data, sizeof(pr));
		uint64_t id = rd64(k.mv_data);
		while (pi < npl && pl[2 * pi].id < id) {
			bad(c, "pack %" PRIu64 ": blobs but no metadata",
			    pl[2 * pi].id);
			pi++;
		}
		uint64_t live = 0, nb = 0;
		if (pi < npl && pl[2 * pi].id == id) {
			live = pl[2 * pi].n;
			nb = pl[2 * pi + 1].n;
			pi++;
		}
		if (live != pr.live)
			bad(c,
			    "pack %" PRIu64 ": live %" PRIu64
			    " but blobs hold %" PRIu64,
			    id, pr.live, live);
		if (live == 0)
			bad(c, "pack %" PRIu64 ": no live blob", id);
		if (pr.live > pr.written || pr.written > pr.total)
			bad(c,
			    "pack %" PRIu64 ": live %" PRIu64
			    ", written %" PRIu64 ", total %" PRIu64
			    " out of order",
			    id, pr.live, pr.written, pr.total);
		struct pack_view pv = {0};
		if (store_pack_get(t, s, id, &pv) != 0) {
			bad(c, "pack %" PRIu64 ": missing or bad header", id);
			continue;
		}
		if (pv.len != pr.total)
			bad(c,
			    "pack %" PRIu64 ": total %" PRIu64
			    " but the pack has %zu bytes",
			    id, pr.total, pv.len);
		/* every live blob of the pack is in its directory, with
		 * the hash of its bytes (the dedup key; also catches bytes
		 * damaged since they were written) */
		struct pack_hdr h;
		memcpy(&h, pv.p, sizeof(h));
		uint64_t found = 0;
		for (uint32_t i = 0; i < h.nblobs; i++) {
			struct pack_dirent de;
			struct blob_rec br = {0};
			memcpy(&de, pv.p + h.dir_off + (size_t)i * sizeof(de),
			       sizeof(de));
			if (store_blob_get(t, s, de.blob, &br) != 0 ||
			    br.pack != id)
				continue;
			found++;
			if (sizeof(h) + (uint64_t)br.off + br.raw_len <=
				    pv.idx_base &&
			    store_hash8(pv.p + sizeof(h) + br.off,
					br.raw_len) != de.hash)
				bad(c,
				    "blob %" PRIu64 ": bytes do not match "
				    "their hash",
				    de.blob);
		}
		if (found != nb)
			bad(c,
			    "pack %" PRIu64 ": directory lists %" PRIu64
			    " of its %" PRIu64 " blobs",
			    id, found, nb);
	}
	mdb_cursor_close(cp);
	for (; pi < npl; pi++)
		bad(c, "pack %" PRIu64 ": blobs but no metadata",
		    pl[2 * pi].id);
	/* packs without metadata */
	if (mdb_cursor_open(t, s->dbi[DB_PACK], &cp) == 0) {
		for (rc = mdb_cursor_get(cp, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(cp, &k, &v, MDB_NEXT))
			if (!key_exists(t, s->dbi[DB_PACKMETA], k.mv_data,
					k.mv_size))
				bad(c, "pack %" PRIu64 ": no metadata",
				    k.mv_size == 8 ? rd64(k.mv_data) : 0);
		mdb_cursor_close(cp);
	}
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
	MDB_cursor *cm = NULL, *cmsg = NULL, *cu = NULL, *clog = NULL;
	MDB_val k, v;
	int rc;
	long ret;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t)) != 0)
		return store_err(rc);
	if ((rc = mdb_cursor_open(t, s->dbi[DB_MBOX], &cm)) != 0 ||
	    (rc = mdb_cursor_open(t, s->dbi[DB_MSG], &cmsg)) != 0 ||
	    (rc = mdb_cursor_open(t, s->dbi[DB_UIDS], &cu)) != 0 ||
	    (rc = mdb_cursor_open(t, s->dbi[DB_MODSEQ], &clog)) != 0) {
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
			uint8_t sk[4], sv[12];
			be32(sk, id);
			be64(sv, r.modseq);
			be32(sv + 8, uid);
			MDB_val lk = {4, sk}, lv = {12, sv};
			if (mdb_cursor_get(clog, &lk, &lv, MDB_GET_BOTH) != 0)
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
			if (store_fill_msg(s, t, NULL, uid, &r, &m) != 0)
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
		/* the modseq log: stale entries are allowed, up to the
		 * compaction threshold; none above HIGHESTMODSEQ */
		MDB_val lk = {4, mk}, lv;
		size_t nl = 0;
		for (rc = mdb_cursor_get(clog, &lk, &lv, MDB_SET); rc == 0;
		     rc = mdb_cursor_get(clog, &lk, &lv, MDB_NEXT_DUP)) {
			nl++;
			if (lv.mv_size != 12 ||
			    rd64(lv.mv_data) > mr.highestmodseq)
				bad(&c,
				    "mailbox %" PRIu32 ": modseq log entry "
				    "above highestmodseq",
				    id);
		}
		if (nl > 2 * (size_t)msgs + MODSEQ_LOG_SLACK)
			bad(&c,
			    "mailbox %" PRIu32 ": modseq log has %zu entries "
			    "for %" PRIu32 " messages (not compacted)",
			    id, nl, msgs);
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
		struct blob_rec br = {0};
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
		struct pack_view pv = {0};
		if (store_pack_get(t, s, br.pack, &pv) != 0 ||
		    sizeof(struct pack_hdr) + (uint64_t)br.off + br.raw_len >
			    pv.idx_base ||
		    (uint64_t)pv.idx_base + br.ioff + br.idx_len >
			    pv.len - pack_dir_len(&pv)) {
			bad(&c,
			    "blob %" PRIu64 ": pack %" PRIu64 " missing or "
			    "short",
			    id, br.pack);
		} else {
			struct ife_mime_index_info info;
			if (ife_mime_index_open(pv.p + pv.idx_base + br.ioff,
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
		packs[npacks++].n = BLOB_SPACE(br.raw_len, br.idx_len);
	}
	mdb_cursor_close(cb);
	for (; j < nrefs; j++)
		bad(&c, "blob %" PRIu64 " referenced but missing", refs[j].id);
	/* pack accounting: live bytes against the blobs in each pack,
	 * total against the value, directory against the blob records */
	if (npacks > 1)
		qsort(packs, npacks, sizeof(*packs), ref_cmp);
	struct ref *pl = NULL; /* per pack: live bytes, then blob count */
	size_t npl = 0;
	if (npacks > 0 && (pl = calloc(npacks, sizeof(*pl) * 2)) == NULL) {
		free(packs);
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < npacks; i++) {
		if (npl > 0 && pl[2 * (npl - 1)].id == packs[i].id) {
			pl[2 * (npl - 1)].n += packs[i].n;
			pl[2 * (npl - 1) + 1].n++;
		} else {
			pl[2 * npl].id = packs[i].id;
			pl[2 * npl].n = packs[i].n;
			pl[2 * npl + 1].n = 1;
			npl++;
		}
	}
	free(packs);
	check_packs(&c, t, s, pl, npl);
	free(pl);
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
	if (clog)
		mdb_cursor_close(clog);
	mdb_txn_abort(t);
	free(refs);
	free(ua);
	return ret;
}
