/*
 * Mailbox-level commands: SELECT/EXAMINE (RFC 9051 6.3.2, 7162), CREATE
 * (6.3.4, RFC 6154 USE), LIST (6.3.9, RFC 5258, 5819, 6154), LSUB (RFC 3501
 * 6.3.9), STATUS (6.3.11), APPEND (6.3.12, RFC 3502, 3516, 7888), NOTIFY
 * (RFC 5465), ID (RFC 2971), SETQUOTA (RFC 9208).
 */
#include <string.h>

#include "imap_pvt.h"

const char *const imap_status_names[11] = {
	"MESSAGES",    "UIDNEXT",   "UIDVALIDITY",     "UNSEEN",
	"DELETED",     "SIZE",	    "RECENT",	       "HIGHESTMODSEQ",
	"APPENDLIMIT", "MAILBOXID", "DELETED-STORAGE",
};

int
imap_status_lookup(const char *w)
{
	for (int i = 0; i < 11; i++)
		if (strcmp(w, imap_status_names[i]) == 0)
			return 1 << i;
	return 0;
}

/* "(" status-att *(SP status-att) ")" */
static bool
status_list(struct imap_lex *lx, uint16_t *atts)
{
	char w[24];
	if (!imap_char(lx, '(', "Expected a status list"))
		return false;
	do {
		if (imap_word(lx, w, sizeof(w)) == 0)
			return IMAP_BAD(lx, "Invalid status item");
		int bit = imap_status_lookup(w);
		if (bit == 0)
			return IMAP_BAD(lx, "Unknown status item");
		*atts |= (uint16_t)bit;
		if (!imap_count(lx))
			return false;
	} while (imap_eat(lx, ' '));
	return imap_char(lx, ')', "Invalid status list");
}

/* SELECT/EXAMINE SP mailbox [SP "(" select-param *(SP select-param) ")"] */
bool
imap_cmd_select(struct imap_lex *lx, struct ife_imap_command *c)
{
	struct ife_imap_select *s = &c->u.select;
	char w[16];
	if (!imap_sp(lx) || !imap_mailbox(lx, &s->mbox))
		return false;
	if (imap_at_eol(lx))
		return imap_eol(lx);
	if (!imap_sp(lx) || !imap_char(lx, '(', "Expected select parameters"))
		return false;
	do {
		if (imap_word(lx, w, sizeof(w)) == 0)
			return IMAP_BAD(lx, "Invalid select parameter");
		if (strcmp(w, "CONDSTORE") == 0 && !s->condstore) {
			s->condstore = true;
		} else if (strcmp(w, "QRESYNC") == 0 && !s->qresync) {
			/* QRESYNC SP "(" uidvalidity SP mod-sequence-value
			 * [SP known-uids] [SP seq-match-data] ")" */
			s->qresync = true;
			if (!imap_sp(lx) ||
			    !imap_char(lx, '(', "Invalid QRESYNC parameter") ||
			    !imap_nz_number(lx, &s->uidvalidity) ||
			    !imap_sp(lx) || !imap_number64(lx, &s->modseq))
				return false;
			if (s->modseq == 0)
				return IMAP_BAD(lx,
						"Invalid QRESYNC parameter");
			if (imap_eat(lx, ' ') && !imap_at(lx, '(')) {
				s->has_known_uids = true;
				if (!imap_seqset(lx, &s->known_uids))
					return false;
				if (!imap_eat(lx, ' ') && !imap_at(lx, ')'))
					return IMAP_BAD(
						lx,
						"Invalid QRESYNC parameter");
			}
			if (imap_eat(lx, '(')) {
				s->has_seq_match = true;
				if (!imap_seqset(lx, &s->match_seqs) ||
				    !imap_sp(lx) ||
				    !imap_seqset(lx, &s->match_uids) ||
				    !imap_char(lx, ')',
					       "Invalid QRESYNC parameter"))
					return false;
			}
			if (!imap_char(lx, ')', "Invalid QRESYNC parameter"))
				return false;
		} else {
			return IMAP_BAD(lx, "Unknown select parameter");
		}
	} while (imap_eat(lx, ' '));
	if (!imap_char(lx, ')', "Invalid select parameters"))
		return false;
	return imap_eol(lx);
}

static const char *const use_names[] = {"\\ALL",     "\\ARCHIVE",  "\\DRAFTS",
					"\\FLAGGED", "\\JUNK",	   "\\SENT",
					"\\TRASH",   "\\IMPORTANT"};

/* CREATE SP mailbox [SP "(" "USE" SP "(" [use-attr *(SP use-attr)] ")" ")"]
 */
bool
imap_cmd_create(struct imap_lex *lx, struct ife_imap_command *c)
{
	if (!imap_sp(lx) || !imap_mailbox(lx, &c->u.create.mbox))
		return false;
	if (imap_at_eol(lx))
		return imap_eol(lx);
	if (!imap_sp(lx) || !imap_char(lx, '(', "Expected create parameters"))
		return false;
	if (!imap_kw(lx, "USE"))
		return IMAP_BAD(lx, "Unknown create parameter");
	if (!imap_sp(lx) || !imap_char(lx, '(', "Invalid USE list"))
		return false;
	c->u.create.has_use = true;
	void *vec = NULL;
	uint32_t cap = 0;
	if (!imap_eat(lx, ')')) {
		do {
			struct ife_imap_str *f =
				imap_vec_push(lx, &vec, &c->u.create.nattrs,
					      &cap, sizeof(*f));
			uint32_t sys = 0;
			if (f == NULL)
				return false;
			if (!imap_at(lx, '\\') ||
			    !imap_flag(lx, f, &sys, false))
				return IMAP_BAD(lx, "Invalid USE attribute");
			uint16_t bit = IFE_IMAP_USE_OTHER;
			for (unsigned i = 0; i < 8; i++)
				if (strlen(use_names[i]) == f->len &&
				    strncasecmp(use_names[i], f->ptr, f->len) ==
					    0)
					bit = (uint16_t)(1u << i);
			c->u.create.use |= bit;
		} while (imap_eat(lx, ' '));
		c->u.create.attrs = vec;
		if (!imap_char(lx, ')', "Invalid USE list"))
			return false;
	}
	return imap_char(lx, ')', "Invalid create parameters") && imap_eol(lx);
}

/* LIST [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
 */
bool
imap_cmd_list(struct imap_lex *lx, struct ife_imap_command *c)
{
	struct ife_imap_list *l = &c->u.list;
	char w[24];
	if (!imap_sp(lx))
		return false;
	if (imap_eat(lx, '(')) {
		l->extended = l->has_select = true;
		bool other = false;
		if (!imap_eat(lx, ')')) {
			do {
				if (imap_word(lx, w, sizeof(w)) == 0)
					return IMAP_BAD(
						lx, "Invalid selection option");
				if (strcmp(w, "SUBSCRIBED") == 0)
					l->sel |= IFE_IMAP_LSEL_SUBSCRIBED,
						other = true;
				else if (strcmp(w, "REMOTE") == 0)
					l->sel |= IFE_IMAP_LSEL_REMOTE;
				else if (strcmp(w, "RECURSIVEMATCH") == 0)
					l->sel |= IFE_IMAP_LSEL_RECURSIVEMATCH;
				else if (strcmp(w, "SPECIAL-USE") == 0)
					l->sel |= IFE_IMAP_LSEL_SPECIAL_USE,
						other = true;
				else
					return IMAP_BAD(
						lx, "Unknown selection option");
				if (!imap_count(lx))
					return false;
			} while (imap_eat(lx, ' '));
			if (!imap_char(lx, ')', "Invalid selection options"))
				return false;
		}
		/* RFC 5258 3.1: RECURSIVEMATCH needs another option */
		if ((l->sel & IFE_IMAP_LSEL_RECURSIVEMATCH) && !other)
			return IMAP_BAD(lx, "RECURSIVEMATCH needs another "
					    "selection option");
		if (!imap_sp(lx))
			return false;
	}
	if (!imap_mailbox(lx, &l->ref) || !imap_sp(lx))
		return false;
	void *vec = NULL;
	uint32_t cap = 0;
	if (imap_eat(lx, '(')) {
		l->extended = l->pattern_list = true;
		do {
			struct ife_imap_mailbox *m = imap_vec_push(
				lx, &vec, &l->npat, &cap, sizeof(*m));
			if (m == NULL || !imap_list_mailbox(lx, m))
				return false;
		} while (imap_eat(lx, ' '));
		if (!imap_char(lx, ')', "Invalid pattern list"))
			return false;
	} else {
		struct ife_imap_mailbox *m =
			imap_vec_push(lx, &vec, &l->npat, &cap, sizeof(*m));
		if (m == NULL || !imap_list_mailbox(lx, m))
			return false;
	}
	l->pat = vec;
	if (imap_at_eol(lx))
		return imap_eol(lx);
	if (!imap_sp(lx))
		return false;
	if (!imap_kw(lx, "RETURN"))
		return IMAP_BAD(lx, "Unexpected extra arguments");
	l->extended = l->has_return = true;
	if (!imap_sp(lx) || !imap_char(lx, '(', "Invalid return options"))
		return false;
	if (!imap_eat(lx, ')')) {
		do {
			if (imap_word(lx, w, sizeof(w)) == 0)
				return IMAP_BAD(lx, "Invalid return option");
			if (strcmp(w, "SUBSCRIBED") == 0) {
				l->ret |= IFE_IMAP_LRET_SUBSCRIBED;
			} else if (strcmp(w, "CHILDREN") == 0) {
				l->ret |= IFE_IMAP_LRET_CHILDREN;
			} else if (strcmp(w, "SPECIAL-USE") == 0) {
				l->ret |= IFE_IMAP_LRET_SPECIAL_USE;
			} else if (strcmp(w, "MYRIGHTS") == 0) {
				l->ret |= IFE_IMAP_LRET_MYRIGHTS;
			} else if (strcmp(w, "STATUS") == 0 &&
				   !(l->ret & IFE_IMAP_LRET_STATUS)) {
				l->ret |= IFE_IMAP_LRET_STATUS;
				if (!imap_sp(lx) ||
				    !status_list(lx, &l->status))
					return false;
			} else {
				return IMAP_BAD(lx, "Unknown return option");
			}
			if (!imap_count(lx))
				return false;
		} while (imap_eat(lx, ' '));
		if (!imap_char(lx, ')', "Invalid return options"))
			return false;
	}
	return imap_eol(lx);
}

/* LSUB SP mailbox SP list-mailbox */
bool
imap_cmd_lsub(struct imap_lex *lx, struct ife_imap_command *c)
{
	struct ife_imap_list *l = &c->u.list;
	struct ife_imap_mailbox *m = imap_alloc(lx, sizeof(*m));
	if (m == NULL)
		return false;
	l->pat = m;
	l->npat = 1;
	return imap_sp(lx) && imap_mailbox(lx, &l->ref) && imap_sp(lx) &&
	       imap_list_mailbox(lx, m) && imap_eol(lx);
}

/* STATUS SP mailbox SP "(" status-att *(SP status-att) ")" */
bool
imap_cmd_status(struct imap_lex *lx, struct ife_imap_command *c)
{
	return imap_sp(lx) && imap_mailbox(lx, &c->u.status.mbox) &&
	       imap_sp(lx) && status_list(lx, &c->u.status.atts) &&
	       imap_eol(lx);
}

/*
 * APPEND SP mailbox 1*(SP [flag-list SP] [date-time SP] (literal /
 * literal8)). Message data is never in the text (the framer streams it), so
 * after a message literal header the text continues with what followed the
 * data. In prefix mode the text ends right after the last literal header:
 * reaching the end there means "this literal is a message".
 */
bool
imap_cmd_append(struct imap_lex *lx, struct ife_imap_command *c)
{
	struct ife_imap_append *a = &c->u.append;
	void *vec = NULL;
	uint32_t cap = 0;
	if (!imap_sp(lx) || !imap_mailbox(lx, &a->mbox))
		return false;
	do {
		if (!imap_sp(lx))
			return false;
		struct ife_imap_append_msg *m =
			imap_vec_push(lx, &vec, &a->nmsgs, &cap, sizeof(*m));
		if (m == NULL)
			return false;
		if (imap_at(lx, '(')) {
			m->has_flags = true;
			if (!imap_flag_list(lx, &m->flags) || !imap_sp(lx))
				return false;
		}
		if (imap_at(lx, '"')) {
			m->has_date = true;
			if (!imap_date_time(lx, &m->date) || !imap_sp(lx))
				return false;
		}
		bool sync, lit8;
		if (!imap_at(lx, '{') && !imap_at(lx, '~'))
			return IMAP_BAD(lx, "Expected a message literal");
		if (!imap_literal_header(lx, &m->size, &sync, &lit8))
			return false;
		m->sync = sync;
		m->lit8 = lit8;
		a->cur = *m;
		a->index = a->nmsgs - 1;
		a->msgs = vec;
		if (lx->prefix && lx->p == lx->end) {
			lx->prefix_hit = true;
			return false;
		}
		if (!lx->elide) {
			/* data inline (not produced by our framer; kept for
			 * completeness of the grammar) */
			if ((uint64_t)(lx->end - lx->p) < m->size)
				return IMAP_BAD(lx, "Invalid literal");
			lx->p += m->size;
		}
	} while (!imap_at_eol(lx));
	a->msgs = vec;
	return imap_eol(lx);
}

/* ----------------------------------------------------------------- NOTIFY */

static const char *const nevent_names[] = {
	"MESSAGENEW",
	"MESSAGEEXPUNGE",
	"FLAGCHANGE",
	"ANNOTATIONCHANGE",
	"MAILBOXNAME",
	"SUBSCRIPTIONCHANGE",
	"MAILBOXMETADATACHANGE",
	"SERVERMETADATACHANGE",
};

static bool
notify_mailboxes(struct imap_lex *lx, struct ife_imap_notify_group *g)
{
	void *vec = NULL;
	uint32_t cap = 0;
	if (!imap_sp(lx))
		return false;
	if (imap_eat(lx, '(')) {
		g->mbox_list = true;
		do {
			struct ife_imap_mailbox *m = imap_vec_push(
				lx, &vec, &g->nmboxes, &cap, sizeof(*m));
			if (m == NULL || !imap_mailbox(lx, m))
				return false;
		} while (imap_eat(lx, ' '));
		if (!imap_char(lx, ')', "Invalid mailbox list"))
			return false;
	} else {
		struct ife_imap_mailbox *m =
			imap_vec_push(lx, &vec, &g->nmboxes, &cap, sizeof(*m));
		if (m == NULL || !imap_mailbox(lx, m))
			return false;
	}
	g->mboxes = vec;
	return true;
}

/* NOTIFY SP ("NONE" / "SET" [SP "STATUS"] 1*(SP event-group)) */
bool
imap_cmd_notify(struct imap_lex *lx, struct ife_imap_command *c)
{
	struct ife_imap_notify *n = &c->u.notify;
	char w[32];
	if (!imap_sp(lx))
		return false;
	if (imap_kw(lx, "NONE")) {
		n->none = true;
		return imap_eol(lx);
	}
	if (!imap_kw(lx, "SET"))
		return IMAP_BAD(lx, "Expected SET or NONE");
	if (!imap_sp(lx))
		return false;
	if (imap_kw(lx, "STATUS")) {
		n->status = true;
		if (!imap_sp(lx))
			return false;
	}
	void *vec = NULL;
	uint32_t cap = 0;
	do {
		struct ife_imap_notify_group *g =
			imap_vec_push(lx, &vec, &n->ngroups, &cap, sizeof(*g));
		if (g == NULL || !imap_char(lx, '(', "Expected an event group"))
			return false;
		if (imap_word(lx, w, sizeof(w)) == 0)
			return IMAP_BAD(lx, "Invalid mailbox filter");
		if (strcmp(w, "SELECTED") == 0) {
			g->filter = IFE_IMAP_NF_SELECTED;
		} else if (strcmp(w, "SELECTED-DELAYED") == 0) {
			g->filter = IFE_IMAP_NF_SELECTED_DELAYED;
		} else if (strcmp(w, "INBOXES") == 0) {
			g->filter = IFE_IMAP_NF_INBOXES;
		} else if (strcmp(w, "PERSONAL") == 0) {
			g->filter = IFE_IMAP_NF_PERSONAL;
		} else if (strcmp(w, "SUBSCRIBED") == 0) {
			g->filter = IFE_IMAP_NF_SUBSCRIBED;
		} else if (strcmp(w, "SUBTREE") == 0) {
			g->filter = IFE_IMAP_NF_SUBTREE;
			if (!notify_mailboxes(lx, g))
				return false;
		} else if (strcmp(w, "MAILBOXES") == 0) {
			g->filter = IFE_IMAP_NF_MAILBOXES;
			if (!notify_mailboxes(lx, g))
				return false;
		} else {
			return IMAP_BAD(lx, "Invalid mailbox filter");
		}
		if (!imap_sp(lx))
			return false;
		if (imap_kw(lx, "NONE")) {
			g->none = true;
		} else {
			if (!imap_char(lx, '(', "Expected an event list"))
				return false;
			do {
				if (imap_word(lx, w, sizeof(w)) == 0)
					return IMAP_BAD(lx, "Invalid event");
				uint16_t bit = 0;
				for (unsigned i = 0; i < 8; i++)
					if (strcmp(w, nevent_names[i]) == 0)
						bit = (uint16_t)(1u << i);
				if (bit == 0)
					return IMAP_BAD(lx, "Unknown event");
				if (g->events & bit)
					return IMAP_BAD(lx, "Duplicate event");
				g->events |= bit;
				if (!imap_count(lx))
					return false;
				if (bit == IFE_IMAP_NE_MESSAGENEW &&
				    lx->p + 1 < lx->end && lx->p[0] == ' ' &&
				    lx->p[1] == '(') {
					lx->p++;
					if (!imap_fetch_att_list(lx,
								 &g->new_atts,
								 &g->nnew_atts))
						return false;
				}
			} while (imap_eat(lx, ' '));
			if (!imap_char(lx, ')', "Invalid event list"))
				return false;
		}
		if (!imap_char(lx, ')', "Invalid event group"))
			return false;
	} while (imap_eat(lx, ' '));
	n->groups = vec;
	return imap_eol(lx);
}

/* ID SP ("(" string SP nstring *(SP string SP nstring) ")" / "NIL") */
bool
imap_cmd_id(struct imap_lex *lx, struct ife_imap_command *c)
{
	if (!imap_sp(lx))
		return false;
	if (imap_kw(lx, "NIL")) {
		c->u.id.nil = true;
		return imap_eol(lx);
	}
	if (!imap_char(lx, '(', "Expected an ID list or NIL"))
		return false;
	void *vec = NULL;
	uint32_t cap = 0;
	do {
		struct ife_imap_kv *kv =
			imap_vec_push(lx, &vec, &c->u.id.n, &cap, sizeof(*kv));
		if (kv == NULL || !imap_string(lx, &kv->key) || !imap_sp(lx) ||
		    !imap_nstring(lx, &kv->value))
			return false;
	} while (imap_eat(lx, ' '));
	c->u.id.kv = vec;
	return imap_char(lx, ')', "Invalid ID list") && imap_eol(lx);
}

/* SETQUOTA SP quota-root SP "(" [resource-name SP number64 *(...)] ")" */
bool
imap_cmd_setquota(struct imap_lex *lx, struct ife_imap_command *c)
{
	if (!imap_sp(lx) || !imap_astring(lx, &c->u.quota.root) ||
	    !imap_sp(lx) || !imap_char(lx, '(', "Expected a resource list"))
		return false;
	void *vec = NULL;
	uint32_t cap = 0;
	if (!imap_eat(lx, ')')) {
		do {
			struct ife_imap_setquota_res *r = imap_vec_push(
				lx, &vec, &c->u.quota.n, &cap, sizeof(*r));
			if (r == NULL || !imap_atom(lx, &r->name) ||
			    !imap_sp(lx) || !imap_number64(lx, &r->limit))
				return false;
		} while (imap_eat(lx, ' '));
		if (!imap_char(lx, ')', "Invalid resource list"))
			return false;
	}
	c->u.quota.res = vec;
	return imap_eol(lx);
}
