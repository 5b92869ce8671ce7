/*
 * Users and mailboxes: name rules, create/delete/rename (hierarchy and
 * INBOX rules of RFC 9051 6.3.4-6.3.6), subscriptions, quotas.
 */
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "imapfe/err.h"
#include "store_pvt.h"

/* Length of the UTF-8 sequence at p (RFC 3629), 0 if invalid. */
static size_t
utf8_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	size_t l;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		l = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		l = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		l = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < l)
		return 0;
	for (size_t i = 1; i < l; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((l == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (l == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return l;
}

int
store_name_canon(const char *name, size_t len, char *out, size_t *olen,
		 const char **why)
{
	const uint8_t *p = (const uint8_t *)name;
	const char *w = NULL;
	unsigned depth = 1;
	size_t level_start = 0;

	if (len == 0)
		w = "empty name";
	else if (len > IFE_STORE_NAME_MAX)
		w = "name longer than 255 bytes";
	for (size_t i = 0; w == NULL && i <= len; i++) {
		if (i == len || p[i] == IFE_STORE_SEP) {
			size_t l = i - level_start;
			if (l == 0)
				w = "empty hierarchy level";
			else if ((l == 1 && p[level_start] == '.') ||
				 (l == 2 && p[level_start] == '.' &&
				  p[level_start + 1] == '.'))
				w = "'.' or '..' hierarchy level";
			else if (i < len && ++depth > IFE_STORE_DEPTH_MAX)
				w = "more than 16 hierarchy levels";
			level_start = i + 1;
			continue;
		}
		if (p[i] < 0x20 || p[i] == 0x7f)
			w = "control character";
		else if (p[i] == '*' || p[i] == '%')
			w = "wildcard character";
		else if (p[i] >= 0x80) {
			size_t l = utf8_len(p + i, len - i);
			if (l == 0)
				w = "not valid UTF-8";
			else
				i += l - 1;
		}
	}
	if (w != NULL) {
		if (why != NULL)
			*why = w;
		return IFE_EBADNAME;
	}
	memcpy(out, name, len);
	/* INBOX is case-insensitive, also as a parent: rewrite the first
	 * level in place (out is a counted name, not a C string) */
	static const char inbox[5] = {'I', 'N', 'B', 'O', 'X'};
	if (len >= 5 && strncasecmp(name, "INBOX", 5) == 0 &&
	    (len == 5 || name[5] == IFE_STORE_SEP))
		memcpy(out, inbox, sizeof(inbox));
	*olen = len;
	return 0;
}

int
ife_store_name_check(const char *name, size_t len, const char **why)
{
	char buf[IFE_STORE_NAME_MAX];
	size_t l;
	return store_name_canon(name, len, buf, &l, why);
}

int
store_put_mbox(MDB_txn *t, struct ife_store *s, uint32_t id,
	       const struct mbox_rec *rec, const char *name)
{
	uint8_t kb[4];
	MDB_val k = {4, kb}, v = {sizeof(*rec) + rec->name_len, NULL};

	be32(kb, id);
	int rc = mdb_put(t, s->dbi[DB_MBOX], &k, &v, MDB_RESERVE);
	if (rc != 0)
		return store_err(rc);
	memcpy(v.mv_data, rec, sizeof(*rec));
	memcpy((char *)v.mv_data + sizeof(*rec), name, rec->name_len);
	return 0;
}

static int
user_put(MDB_txn *t, struct ife_store *s, const MDB_val *name,
	 const struct user_rec *ur)
{
	MDB_val v = {sizeof(*ur), (void *)ur};
	return store_err(mdb_put(t, s->dbi[DB_USERS], (MDB_val *)name, &v, 0));
}

static int
name_lookup(MDB_txn *t, struct ife_store *s, uint32_t user, const char *n,
	    size_t l, uint32_t *id)
{
	uint8_t kb[4 + IFE_STORE_NAME_MAX];
	MDB_val k = {4 + l, kb}, v;

	be32(kb, user);
	memcpy(kb + 4, n, l);
	int rc = mdb_get(t, s->dbi[DB_MBOXNAME], &k, &v);
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size != 4)
		return IFE_ECORRUPT;
	*id = rd32(v.mv_data);
	return 0;
}

static int
name_put(MDB_txn *t, struct ife_store *s, uint32_t user, const char *n,
	 size_t l, uint32_t id)
{
	uint8_t kb[4 + IFE_STORE_NAME_MAX], vb[4];
	MDB_val k = {4 + l, kb}, v = {4, vb};

	be32(kb, user);
	memcpy(kb + 4, n, l);
	be32(vb, id);
	return store_err(
		mdb_put(t, s->dbi[DB_MBOXNAME], &k, &v, MDB_NOOVERWRITE));
}

static int
name_del(MDB_txn *t, struct ife_store *s, uint32_t user, const char *n,
	 size_t l)
{
	uint8_t kb[4 + IFE_STORE_NAME_MAX];
	MDB_val k = {4 + l, kb};

	be32(kb, user);
	memcpy(kb + 4, n, l);
	return store_err(mdb_del(t, s->dbi[DB_MBOXNAME], &k, NULL));
}

static int
mbox_new(struct ife_store_batch *b, uint32_t user, const char *n, size_t l,
	 uint32_t flags, uint32_t *idp)
{
	struct ife_store *s = b->s;
	uint64_t id, uv;
	int ret;

	if ((ret = store_next_id(b->txn, s, "next_mbox", 1, &id)) != 0 ||
	    (ret = store_next_id(b->txn, s, "next_uidvalidity", 1, &uv)) != 0)
		return ret;
	struct mbox_rec r = {
		.user = user,
		.uidvalidity = (uint32_t)uv ? (uint32_t)uv : 1,
		.uidnext = 1,
		.flags = flags,
		.highestmodseq = 1,
		.name_len = (uint16_t)l,
	};
	if ((ret = name_put(b->txn, s, user, n, l, (uint32_t)id)) != 0 ||
	    (ret = store_put_mbox(b->txn, s, (uint32_t)id, &r, n)) != 0)
		return ret;
	*idp = (uint32_t)id;
	return 0;
}

static int
user_exists(struct ife_store_batch *b, uint32_t user, struct user_rec *ur,
	    MDB_val *name)
{
	return store_get_user_by_id(b->txn, b->s, user, ur, name);
}

/* Create the missing parents of n (RFC 9051 6.3.4 SHOULD). */
static int
create_parents(struct ife_store_batch *b, struct bop *o, uint32_t user,
	       const char *n, size_t l)
{
	for (size_t i = 0; i < l; i++) {
		if (n[i] != IFE_STORE_SEP)
			continue;
		uint32_t id;
		int ret = name_lookup(b->txn, b->s, user, n, i, &id);
		if (ret == IFE_ENOTFOUND) {
			if ((ret = mbox_new(b, user, n, i, 0, &id)) != 0)
				return ret;
			struct ife_store_change *c =
				store_chg_add(b, o, IFE_STORE_CHG_MAILBOX);
			if (c == NULL)
				return -ENOMEM;
			c->user = user;
			c->mbox = id;
		} else if (ret != 0) {
			return ret;
		}
	}
	return 0;
}

/* Does any mailbox of user live below n? */
static int
has_children(struct ife_store_batch *b, uint32_t user, const char *n, size_t l)
{
	uint8_t kb[4 + IFE_STORE_NAME_MAX + 1];
	MDB_val k = {4 + l + 1, kb}, v;
	MDB_cursor *c;
	int rc;

	be32(kb, user);
	memcpy(kb + 4, n, l);
	kb[4 + l] = IFE_STORE_SEP;
	if ((rc = mdb_cursor_open(b->txn, b->s->dbi[DB_MBOXNAME], &c)) != 0)
		return store_err(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	int yes = rc == 0 && k.mv_size > 4 + l + 1 &&
		  memcmp(k.mv_data, kb, 4 + l + 1) == 0;
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	return yes;
}

static int
mbox_delete(struct ife_store_batch *b, uint32_t user, uint32_t id,
	    const char *n, size_t l, struct user_rec *ur)
{
	struct mbox_rec mr;
	int ret;
	uint8_t kb[4];
	MDB_val k = {4, kb};

	if ((ret = store_get_mbox(b->txn, b->s, id, &mr, NULL)) != 0)
		return ret;
	if ((ret = store_expunge_all(b, id, &mr, ur)) != 0)
		return ret;
	be32(kb, id);
	if ((ret = store_err(mdb_del(b->txn, b->s->dbi[DB_MBOX], &k, NULL))) !=
	    0)
		return ret;
	return name_del(b->txn, b->s, user, n, l);
}

int
store_op_mailbox(struct ife_store_batch *b, struct bop *o)
{
	struct ife_store *s = b->s;
	const struct ife_store_op *op = &o->op;
	struct ife_store_result *res = &o->res;
	char cn[IFE_STORE_NAME_MAX], nn[IFE_STORE_NAME_MAX];
	size_t cl, nl;
	struct user_rec ur;
	MDB_val uname;
	uint32_t id = 0;
	int ret;

	if ((ret = user_exists(b, op->user, &ur, &uname)) != 0)
		return ret;
	/* copy the key out of the map: writes below may move its page */
	char unb[IFE_STORE_USER_MAX];
	memcpy(unb, uname.mv_data, uname.mv_size);
	uname.mv_data = unb;
	if ((ret = store_name_canon(op->name, op->name_len, cn, &cl, NULL)) !=
	    0)
		return ret;
	switch (op->type) {
	case IFE_STORE_OP_MBOX_CREATE:
		ret = name_lookup(b->txn, s, op->user, cn, cl, &id);
		if (ret == 0)
			return IFE_EEXIST;
		if (ret != IFE_ENOTFOUND)
			return ret;
		if ((ret = create_parents(b, o, op->user, cn, cl)) != 0)
			return ret;
		if ((ret = mbox_new(
			     b, op->user, cn, cl,
			     op->flags & ~(uint32_t)IFE_STORE_MBOX_SUBSCRIBED,
			     &id)) != 0)
			return ret;
		res->id = id;
		break;
	case IFE_STORE_OP_MBOX_DELETE:
		if (cl == 5 && memcmp(cn, "INBOX", 5) == 0)
			return IFE_ESTATE; /* RFC 9051 6.3.5 */
		if ((ret = name_lookup(b->txn, s, op->user, cn, cl, &id)) != 0)
			return ret;
		if ((ret = has_children(b, op->user, cn, cl)) < 0)
			return ret;
		if (ret > 0)
			return IFE_ESTATE; /* delete the children first */
		if ((ret = mbox_delete(b, op->user, id, cn, cl, &ur)) != 0)
			return ret;
		if ((ret = user_put(b->txn, s, &uname, &ur)) != 0)
			return ret;
		res->id = id;
		break;
	case IFE_STORE_OP_MBOX_RENAME: {
		if ((ret = store_name_canon(op->new_name, op->new_name_len, nn,
					    &nl, NULL)) != 0)
			return ret;
		if ((ret = name_lookup(b->txn, s, op->user, cn, cl, &id)) != 0)
			return ret;
		uint32_t other;
		ret = name_lookup(b->txn, s, op->user, nn, nl, &other);
		if (ret == 0)
			return IFE_EEXIST;
		if (ret != IFE_ENOTFOUND)
			return ret;
		if (nl > cl && memcmp(nn, cn, cl) == 0 &&
		    nn[cl] == IFE_STORE_SEP)
			return IFE_EBADNAME; /* into its own child */
		bool inbox = cl == 5 && memcmp(cn, "INBOX", 5) == 0;
		/* collect the children first (renamed with it; INBOX's
		 * children stay, RFC 9051 6.3.6) */
		uint32_t kids[256];
		char kidn[256][IFE_STORE_NAME_MAX];
		size_t kidl[256], nk = 0;
		if (!inbox) {
			uint8_t kb[4 + IFE_STORE_NAME_MAX + 1];
			MDB_val k = {4 + cl + 1, kb}, v;
			MDB_cursor *c;
			be32(kb, op->user);
			memcpy(kb + 4, cn, cl);
			kb[4 + cl] = IFE_STORE_SEP;
			if ((ret = mdb_cursor_open(b->txn, s->dbi[DB_MBOXNAME],
						   &c)) != 0)
				return store_err(ret);
			for (int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
			     rc == 0;
			     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
				if (k.mv_size <= 4 + cl + 1 ||
				    memcmp(k.mv_data, kb, 4 + cl + 1) != 0)
					break;
				if (nk == 256) {
					mdb_cursor_close(c);
					return IFE_ELIMIT;
				}
				size_t kl = k.mv_size - 4;
				if (kl - cl + nl > IFE_STORE_NAME_MAX) {
					mdb_cursor_close(c);
					return IFE_EBADNAME;
				}
				memcpy(kidn[nk], (char *)k.mv_data + 4, kl);
				kidl[nk] = kl;
				kids[nk++] = rd32(v.mv_data);
			}
			mdb_cursor_close(c);
		}
		if ((ret = create_parents(b, o, op->user, nn, nl)) != 0)
			return ret;
		for (size_t i = 0; i <= nk; i++) {
			uint32_t mid = i == 0 ? id : kids[i - 1];
			const char *on = i == 0 ? cn : kidn[i - 1];
			size_t ol = i == 0 ? cl : kidl[i - 1];
			char tn[IFE_STORE_NAME_MAX];
			size_t tl = nl + (ol - cl);
			memcpy(tn, nn, nl);
			memcpy(tn + nl, on + cl, ol - cl);
			const char *why;
			size_t dummy;
			char chk[IFE_STORE_NAME_MAX];
			if (store_name_canon(tn, tl, chk, &dummy, &why) != 0)
				return IFE_EBADNAME;
			struct mbox_rec mr;
			if ((ret = store_get_mbox(b->txn, s, mid, &mr, NULL)) !=
				    0 ||
			    (ret = name_del(b->txn, s, op->user, on, ol)) !=
				    0 ||
			    (ret = name_put(b->txn, s, op->user, tn, tl,
					    mid)) != 0)
				return ret;
			mr.name_len = (uint16_t)tl;
			if ((ret = store_put_mbox(b->txn, s, mid, &mr, tn)) !=
			    0)
				return ret;
		}
		if (inbox) {
			/* the messages moved with the old id; a new, empty
			 * INBOX takes its place */
			uint32_t nid;
			if ((ret = mbox_new(b, op->user, "INBOX", 5,
					    IFE_STORE_MBOX_SUBSCRIBED, &nid)) !=
			    0)
				return ret;
			res->uid = nid;
		}
		res->id = id;
		break;
	}
	case IFE_STORE_OP_SUBSCRIBE: {
		if ((ret = name_lookup(b->txn, s, op->user, cn, cl, &id)) != 0)
			return ret;
		struct mbox_rec mr;
		const char *mn;
		if ((ret = store_get_mbox(b->txn, s, id, &mr, &mn)) != 0)
			return ret;
		char keep[IFE_STORE_NAME_MAX];
		memcpy(keep, mn, mr.name_len);
		if (op->flags)
			mr.flags |= IFE_STORE_MBOX_SUBSCRIBED;
		else
			mr.flags &= ~(uint32_t)IFE_STORE_MBOX_SUBSCRIBED;
		if ((ret = store_put_mbox(b->txn, s, id, &mr, keep)) != 0)
			return ret;
		res->id = id;
		break;
	}
	default:
		return -EINVAL;
	}
	struct ife_store_change *c = store_chg_add(b, o, IFE_STORE_CHG_MAILBOX);
	if (c == NULL)
		return -ENOMEM;
	c->user = op->user;
	c->mbox = res->id;
	c->aux = res->uid;
	return 0;
}

static int
user_name_ok(const char *n, size_t l)
{
	if (l == 0 || l > IFE_STORE_USER_MAX)
		return 0;
	for (size_t i = 0; i < l; i++)
		if ((uint8_t)n[i] < 0x21 || n[i] == 0x7f)
			return 0;
	return 1;
}

int
store_op_user(struct ife_store_batch *b, struct bop *o)
{
	struct ife_store *s = b->s;
	const struct ife_store_op *op = &o->op;
	struct ife_store_result *res = &o->res;
	struct user_rec ur;
	MDB_val name;
	int ret, rc;

	switch (op->type) {
	case IFE_STORE_OP_USER_CREATE: {
		if (!user_name_ok(op->name, op->name_len))
			return IFE_EBADNAME;
		MDB_val k = {op->name_len, (void *)op->name}, v;
		rc = mdb_get(b->txn, s->dbi[DB_USERS], &k, &v);
		if (rc == 0)
			return IFE_EEXIST;
		if (rc != MDB_NOTFOUND)
			return store_err(rc);
		uint64_t id;
		if ((ret = store_next_id(b->txn, s, "next_user", 1, &id)) != 0)
			return ret;
		memset(&ur, 0, sizeof(ur));
		ur.id = (uint32_t)id;
		ur.quota_bytes = op->quota_bytes;
		ur.quota_msgs = op->quota_msgs;
		uint8_t kb[4];
		MDB_val ik = {4, kb};
		be32(kb, ur.id);
		if ((ret = user_put(b->txn, s, &k, &ur)) != 0 ||
		    (ret = store_err(mdb_put(b->txn, s->dbi[DB_USERID], &ik, &k,
					     0))) != 0)
			return ret;
		uint32_t inbox;
		if ((ret = mbox_new(b, ur.id, "INBOX", 5,
				    IFE_STORE_MBOX_SUBSCRIBED, &inbox)) != 0)
			return ret;
		res->id = ur.id;
		res->uid = inbox;
		break;
	}
	case IFE_STORE_OP_USER_DELETE: {
		if ((ret = user_exists(b, op->user, &ur, &name)) != 0)
			return ret;
		/* copy the name: deletes below may move pages */
		char nb[IFE_STORE_USER_MAX];
		size_t nlen = name.mv_size;
		memcpy(nb, name.mv_data, nlen);
		for (;;) {
			uint8_t kb[4];
			MDB_val k = {4, kb}, v;
			MDB_cursor *c;
			be32(kb, op->user);
			if ((rc = mdb_cursor_open(b->txn, s->dbi[DB_MBOXNAME],
						  &c)) != 0)
				return store_err(rc);
			rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
			if (rc != 0 || k.mv_size < 4 ||
			    rd32(k.mv_data) != op->user) {
				mdb_cursor_close(c);
				if (rc != 0 && rc != MDB_NOTFOUND)
					return store_err(rc);
				break;
			}
			char mn[IFE_STORE_NAME_MAX];
			size_t ml = k.mv_size - 4;
			memcpy(mn, (char *)k.mv_data + 4, ml);
			uint32_t id = rd32(v.mv_data);
			mdb_cursor_close(c);
			if ((ret = mbox_delete(b, op->user, id, mn, ml, &ur)) !=
			    0)
				return ret;
		}
		MDB_val nk = {nlen, nb};
		uint8_t kb[4];
		MDB_val ik = {4, kb};
		be32(kb, op->user);
		if ((rc = mdb_del(b->txn, s->dbi[DB_USERS], &nk, NULL)) != 0 ||
		    (rc = mdb_del(b->txn, s->dbi[DB_USERID], &ik, NULL)) != 0)
			return store_err(rc);
		res->id = op->user;
		break;
	}
	case IFE_STORE_OP_SET_QUOTA: {
		if ((ret = user_exists(b, op->user, &ur, &name)) != 0)
			return ret;
		char nb[IFE_STORE_USER_MAX];
		memcpy(nb, name.mv_data, name.mv_size);
		name.mv_data = nb;
		ur.quota_bytes = op->quota_bytes;
		ur.quota_msgs = op->quota_msgs;
		if ((ret = user_put(b->txn, s, &name, &ur)) != 0)
			return ret;
		res->id = op->user;
		break;
	}
	default:
		return -EINVAL;
	}
	struct ife_store_change *c = store_chg_add(b, o, IFE_STORE_CHG_USER);
	if (c == NULL)
		return -ENOMEM;
	c->user = res->id;
	return 0;
}
