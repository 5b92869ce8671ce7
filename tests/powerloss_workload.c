/*
 * Workload and logical state of the power-loss test: see
 * powerloss_workload.h and docs/durability.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imapfe/err.h"
#include "powerloss_model.h"
#include "powerloss_workload.h"
#include "store_pvt.h"

const char *const powerloss_users[2] = {"alice", "bob"};

/* A growable byte buffer: the serialised state before hashing. */
struct sbuf {
	uint8_t *p;
	size_t n, cap;
};

static void
sb_put(struct sbuf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	powerloss_grow((void **)&b->p, &b->cap, b->n + n, 1);
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
sb_u64(struct sbuf *b, uint64_t v)
{
	sb_put(b, &v, sizeof(v));
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

/* Deterministic message for a seed: mostly 0.4-6 KiB, some 8-40 KiB
 * (LMDB overflow pages), every fourth one multipart. */
size_t
powerloss_gen_msg(uint32_t seed, char *buf)
{
	uint64_t st = powerloss_rng_seed(seed, 0x6d7367);
	size_t len = powerloss_rng_below(&st, 100) < 85
			     ? 400 + powerloss_rng_below(&st, 5600)
			     : 8192 + powerloss_rng_below(&st, 32768);
	int h;
	if (seed % 4 == 0)
		h = snprintf(buf, 400,
			     "From: Sender %u <s%u@example.com>\r\n"
			     "To: alice@example.org\r\nSubject: seed %u\r\n"
			     "Message-ID: <%u@powerloss.example>\r\n"
			     "MIME-Version: 1.0\r\nContent-Type: multipart/"
			     "mixed; boundary=\"b%u\"\r\n\r\n--b%u\r\n"
			     "Content-Type: text/plain\r\n\r\n",
			     seed, seed, seed, seed, seed, seed);
	else
		h = snprintf(buf, 400,
			     "From: Sender %u <s%u@example.com>\r\n"
			     "To: bob@example.org\r\nSubject: seed %u\r\n"
			     "Message-ID: <%u@powerloss.example>\r\n\r\n",
			     seed, seed, seed, seed);
	for (size_t i = (size_t)h; i < len; i++)
		buf[i] = (i % 78 == 77)
				 ? '\n'
				 : (char)('a' + powerloss_rng_below(&st, 26));
	if (seed % 4 == 0) {
		int t = snprintf(buf + len, 64, "\r\n--b%u--\r\n", seed);
		len += (size_t)t;
	}
	return len;
}

/* ------------------------------------------------------------------ */
/* Logical state of a store                                            */
/* ------------------------------------------------------------------ */

void
powerloss_state_free(struct powerloss_state *st)
{
	free(st->mb);
	free(st->msg);
	memset(st, 0, sizeof(*st));
}

/* Everything a client could observe, in a canonical order, hashed. */
int
powerloss_state_capture(struct ife_store *s, struct powerloss_state *st)
{
	struct ife_store_rtxn *r = NULL;
	struct sbuf sb = {0};
	int ret = ife_store_rtxn_begin(s, &r);

	memset(st, 0, sizeof(*st));
	if (ret != 0)
		return ret;
	for (uint32_t u = 0; u < 2 && ret == 0; u++) {
		struct ife_store_user us;
		ret = ife_store_user_find(r, powerloss_users[u],
					  strlen(powerloss_users[u]), &us);
		if (ret == IFE_ENOTFOUND) {
			sb_u64(&sb, 0);
			ret = 0;
			continue;
		}
		if (ret != 0)
			break;
		st->user[u] = us.id;
		sb_u64(&sb, us.id);
		sb_u64(&sb, us.quota_bytes);
		sb_u64(&sb, us.quota_msgs);
		sb_u64(&sb, us.used_bytes);
		sb_u64(&sb, us.used_msgs);
		/* mailboxes first: mbox_next has its own cursor */
		size_t mb0 = st->nmb;
		uint64_t pos = 0;
		struct ife_store_mbox mb;
		while ((ret = ife_store_mbox_next(r, us.id, &pos, &mb)) == 0) {
			powerloss_grow((void **)&st->mb, &st->capmb,
				       st->nmb + 1, sizeof(*st->mb));
			struct powerloss_mbox *m = &st->mb[st->nmb++];
			m->user = u;
			m->id = mb.id;
			size_t nl = mb.name_len < IFE_STORE_NAME_MAX
					    ? mb.name_len
					    : IFE_STORE_NAME_MAX;
			memcpy(m->name, mb.name, nl);
			m->name[nl] = 0;
			sb_put(&sb, mb.name, mb.name_len);
			sb_u64(&sb, mb.id);
			sb_u64(&sb, mb.user);
			sb_u64(&sb, mb.uidvalidity);
			sb_u64(&sb, mb.uidnext);
			sb_u64(&sb, mb.highestmodseq);
			sb_u64(&sb, mb.messages);
			sb_u64(&sb, mb.unseen);
			sb_u64(&sb, mb.deleted);
			sb_u64(&sb, mb.flags);
			sb_u64(&sb, mb.size);
		}
		if (ret != IFE_ENOTFOUND)
			break;
		ret = 0;
		for (size_t i = mb0; i < st->nmb && ret == 0; i++) {
			struct powerloss_mbox *m = &st->mb[i];
			uint32_t uid = 1;
			struct ife_store_msg msg;
			m->first = (uint32_t)st->nmsg;
			while ((ret = ife_store_msg_next(r, m->id, &uid,
							 &msg)) == 0) {
				powerloss_grow((void **)&st->msg, &st->capmsg,
					       st->nmsg + 1, sizeof(*st->msg));
				struct powerloss_msg *p = &st->msg[st->nmsg++];
				p->mbox = m->id;
				p->uid = msg.uid;
				p->flags = msg.flags;
				p->size = msg.size;
				store_sha256(msg.data, msg.size, p->sha);
				sb_u64(&sb, msg.uid);
				sb_u64(&sb, msg.flags);
				sb_u64(&sb, msg.keywords);
				sb_u64(&sb, msg.modseq);
				sb_u64(&sb, (uint64_t)msg.internal_date);
				sb_u64(&sb, (uint64_t)msg.save_date);
				sb_u64(&sb, msg.size);
				sb_put(&sb, p->sha, 32);
				/* the pre-rendered index, as far as the
				 * public header shows it */
				sb_u64(&sb, msg.index.nparts);
				sb_put(&sb, msg.index.bodystructure,
				       msg.index.bodystructure_len);
				m->nmsg++;
			}
			if (ret != IFE_ENOTFOUND)
				break;
			ret = 0;
			for (unsigned k = 0; k < IFE_STORE_KEYWORDS_MAX; k++) {
				const char *kw;
				size_t kl;
				if (ife_store_keyword_name(r, m->id, k, &kw,
							   &kl) == 0) {
					sb_u64(&sb, k);
					sb_put(&sb, kw, kl);
				}
			}
			size_t nu = 0;
			uint32_t uids[1];
			if ((ret = ife_store_uids(r, m->id, uids, 1, &nu)) != 0)
				break;
			sb_u64(&sb, nu);
			/* the modseq index and the expunge log (QRESYNC) */
			for (int ex = 0; ex < 2 && ret == 0; ex++) {
				struct ife_store_modseq_ent e[64];
				uint64_t since = 0;
				uint32_t after = UINT32_MAX;
				int n;
				while ((n = ife_store_changes_since(
						r, m->id, since, after, ex, e,
						64)) > 0) {
					for (int k = 0; k < n; k++) {
						/* fields: the struct has
						 * padding */
						sb_u64(&sb, e[k].uid);
						sb_u64(&sb, e[k].modseq);
					}
					since = e[n - 1].modseq;
					after = e[n - 1].uid;
				}
				if (n < 0)
					ret = n;
			}
		}
	}
	ife_store_rtxn_destroy(&r);
	store_sha256(sb.p, sb.n, st->digest);
	free(sb.p);
	return ret;
}

const struct powerloss_mbox *
powerloss_state_mbox(const struct powerloss_state *st, uint32_t id)
{
	for (size_t i = 0; i < st->nmb; i++)
		if (st->mb[i].id == id)
			return &st->mb[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Workload                                                            */
/* ------------------------------------------------------------------ */

static const char *const kw_pool[] = {"$Forwarded", "work", "todo", "$Junk"};

/* A random mailbox of user u in the current state, or NULL. */
static const struct powerloss_mbox *
wl_mbox(struct powerloss_workload *w, const struct powerloss_state *st,
	uint32_t u, bool with_msgs, bool not_inbox)
{
	const struct powerloss_mbox *c[256];
	unsigned n = 0;
	for (size_t i = 0; i < st->nmb && n < 256; i++) {
		const struct powerloss_mbox *m = &st->mb[i];
		if (m->user != u || (with_msgs && m->nmsg == 0) ||
		    (not_inbox && strcmp(m->name, "INBOX") == 0))
			continue;
		c[n++] = m;
	}
	return n ? c[powerloss_rng_below(&w->rng, n)] : NULL;
}

/* A random ascending subset (at least one) of a mailbox's UIDs. */
static uint32_t
wl_uids(struct powerloss_workload *w, const struct powerloss_state *st,
	const struct powerloss_mbox *m, uint32_t *out)
{
	uint32_t n = 0, p = 1 + powerloss_rng_below(&w->rng, 3);
	for (uint32_t i = 0; i < m->nmsg && n < POWERLOSS_MAX_UIDS; i++)
		if (powerloss_rng_below(&w->rng, 4) < p)
			out[n++] = st->msg[m->first + i].uid;
	if (n == 0)
		out[n++] = st->msg[m->first +
				   powerloss_rng_below(&w->rng, m->nmsg)]
				   .uid;
	return n;
}

static void
wl_keywords(struct powerloss_workload *w, struct powerloss_batch *b, unsigned i)
{
	unsigned k = powerloss_rng_below(&w->rng, 4) == 0
			     ? 1 + powerloss_rng_below(&w->rng, 2)
			     : 0;
	for (unsigned j = 0; j < k; j++)
		b->kw[i][j] = kw_pool[powerloss_rng_below(&w->rng, 4)];
	b->op[i].keywords = k ? b->kw[i] : NULL;
	b->op[i].nkeywords = k;
}

static void
wl_set_name(struct powerloss_batch *b, unsigned i, int which, const char *name)
{
	snprintf(b->name[i][which], sizeof(b->name[i][which]), "%s", name);
	if (which == 0) {
		b->op[i].name = b->name[i][0];
		b->op[i].name_len = strlen(b->name[i][0]);
	} else {
		b->op[i].new_name = b->name[i][1];
		b->op[i].new_name_len = strlen(b->name[i][1]);
	}
}

/* Fill one batch of 1..POWERLOSS_MAX_OPS operations against state st. */
void
powerloss_wl_batch(struct powerloss_workload *w,
		   const struct powerloss_state *st, struct powerloss_batch *b)
{
	unsigned want = 1 + powerloss_rng_below(&w->rng, POWERLOSS_MAX_OPS);
	b->n = 0;
	for (unsigned tries = 0; b->n < want && tries < 4 * POWERLOSS_MAX_OPS;
	     tries++) {
		unsigned i = b->n;
		struct ife_store_op *op = &b->op[i];
		uint32_t u = powerloss_rng_below(&w->rng, 2);
		uint32_t r = powerloss_rng_below(&w->rng, 100);
		const struct powerloss_mbox *m, *d;
		char nm[64];

		memset(op, 0, sizeof(*op));
		op->user = st->user[u];
		if (op->user == 0)
			continue;
		if (r < 38) {
			if ((m = wl_mbox(w, st, u, false, false)) == NULL)
				continue;
			/* one in five repeats an earlier message: dedup and
			 * blob reference counts */
			uint32_t seed =
				w->next_seed > 1 && powerloss_rng_below(&w->rng,
									5) == 0
					? 1 + powerloss_rng_below(
						      &w->rng, w->next_seed - 1)
					: w->next_seed++;
			b->seed[i] = seed;
			b->len[i] = powerloss_gen_msg(seed, b->msg[i]);
			op->type = IFE_STORE_OP_APPEND;
			op->mbox = m->id;
			op->data = b->msg[i];
			op->len = b->len[i];
			op->flags = powerloss_rng_below(&w->rng, 3) == 0
					    ? powerloss_rng_below(&w->rng, 32)
					    : 0;
			op->internal_date = 1700000000 + seed;
			wl_keywords(w, b, i);
		} else if (r < 56) {
			if ((m = wl_mbox(w, st, u, true, false)) == NULL)
				continue;
			op->type = IFE_STORE_OP_STORE;
			op->mbox = m->id;
			op->nuids = wl_uids(w, st, m, b->uids[i]);
			op->uids = b->uids[i];
			op->store_mode = powerloss_rng_below(&w->rng, 3);
			op->flags = powerloss_rng_below(&w->rng, 32) |
				    (powerloss_rng_below(&w->rng, 3) == 0
					     ? IFE_STORE_DELETED
					     : 0);
			wl_keywords(w, b, i);
		} else if (r < 67) {
			if ((m = wl_mbox(w, st, u, true, false)) == NULL ||
			    (d = wl_mbox(w, st, u, false, false)) == NULL ||
			    d == m)
				continue;
			op->type =
				r < 63 ? IFE_STORE_OP_COPY : IFE_STORE_OP_MOVE;
			op->mbox = m->id;
			op->dst_mbox = d->id;
			op->nuids = wl_uids(w, st, m, b->uids[i]);
			op->uids = b->uids[i];
		} else if (r < 75) {
			if ((m = wl_mbox(w, st, u, true, false)) == NULL)
				continue;
			op->type = IFE_STORE_OP_EXPUNGE;
			op->mbox = m->id;
			if (powerloss_rng_below(&w->rng, 2)) {
				op->nuids = wl_uids(w, st, m, b->uids[i]);
				op->uids = b->uids[i];
			}
		} else if (r < 83) {
			unsigned k = w->names++;
			switch (powerloss_rng_below(&w->rng, 4)) {
			case 0:
				snprintf(nm, sizeof(nm), "Folder%u", k);
				break;
			case 1:
				snprintf(nm, sizeof(nm), "Archive/%u", k);
				break;
			case 2:
				snprintf(nm, sizeof(nm), "Lists/l%u/sub", k);
				break;
			default:
				snprintf(nm, sizeof(nm), "Projects/p%u", k);
			}
			op->type = IFE_STORE_OP_MBOX_CREATE;
			wl_set_name(b, i, 0, nm);
		} else if (r < 89) {
			/* one rename in ten is of INBOX (moves its messages) */
			bool inbox = powerloss_rng_below(&w->rng, 10) == 0;
			if (!inbox &&
			    (m = wl_mbox(w, st, u, false, true)) == NULL)
				continue;
			op->type = IFE_STORE_OP_MBOX_RENAME;
			wl_set_name(b, i, 0, inbox ? "INBOX" : m->name);
			snprintf(nm, sizeof(nm),
				 powerloss_rng_below(&w->rng, 2)
					 ? "Renamed%u"
					 : "Archive/r%u",
				 w->names++);
			wl_set_name(b, i, 1, nm);
		} else if (r < 95) {
			if ((m = wl_mbox(w, st, u, false, true)) == NULL)
				continue;
			op->type = IFE_STORE_OP_MBOX_DELETE;
			wl_set_name(b, i, 0, m->name);
		} else {
			if ((m = wl_mbox(w, st, u, false, false)) == NULL)
				continue;
			op->type = IFE_STORE_OP_SUBSCRIBE;
			op->flags = powerloss_rng_below(&w->rng, 2);
			wl_set_name(b, i, 0, m->name);
		}
		b->n++;
	}
}
