/*
 * Canonical re-serialisation of a parsed command (ife_imap_command_format):
 * keywords upper-case, single spaces, strings as atom when possible, else
 * quoted, else a {n+} literal; sequence sets, dates and lists as parsed;
 * APPEND messages as {n+} / ~{n+} literals, with their data when the caller
 * kept it (imap_command_format_data). Used by imapfe-parse, the tests
 * (round trip) and logging. Also holds the small output helpers the
 * response writer shares.
 */
#include <stdio.h>
#include <string.h>

#include "imap_pvt.h"

void
imap_out_raw(struct imap_out *o, const void *s, size_t n)
{
	if (o->len < o->cap) {
		size_t k = o->cap - o->len < n ? o->cap - o->len : n;
		memcpy(o->buf + o->len, s, k);
	}
	o->len += n;
}

void
imap_out_str(struct imap_out *o, const char *s)
{
	imap_out_raw(o, s, strlen(s));
}

void
imap_out_u64(struct imap_out *o, uint64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	imap_out_raw(o, b, (size_t)n);
}

static bool
is_atom(const char *s, size_t n, uint8_t cls)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(imap_ctype[(uint8_t)s[i]] & cls))
			return false;
	return true;
}

static bool
is_quotable(const char *s, size_t n)
{
	if (n > 1024)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c == 0 || c == '\r' || c == '\n' || c >= 0x80)
			return false;
	}
	return true;
}

void
imap_out_string(struct imap_out *o, const char *s, size_t n)
{
	if (is_quotable(s, n)) {
		imap_out_raw(o, "\"", 1);
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\')
				imap_out_raw(o, "\\", 1);
			imap_out_raw(o, s + i, 1);
		}
		imap_out_raw(o, "\"", 1);
		return;
	}
	imap_out_raw(o, "{", 1);
	imap_out_u64(o, n);
	imap_out_raw(o, "+}\r\n", 4);
	imap_out_raw(o, s, n);
}

void
imap_out_astring(struct imap_out *o, const char *s, size_t n)
{
	if (is_atom(s, n, IMAP_C_ASTRING))
		imap_out_raw(o, s, n);
	else
		imap_out_string(o, s, n);
}

static void
out_s(struct imap_out *o, const struct ife_imap_str *s)
{
	imap_out_astring(o, s->ptr, s->len);
}

static void
out_mbox(struct imap_out *o, const struct ife_imap_mailbox *m)
{
	if (m->inbox)
		imap_out_str(o, "INBOX");
	else
		imap_out_astring(o, m->raw.ptr, m->raw.len);
}

static void
out_pattern(struct imap_out *o, const struct ife_imap_mailbox *m)
{
	if (m->inbox)
		imap_out_str(o, "INBOX");
	else if (is_atom(m->raw.ptr, m->raw.len, IMAP_C_LIST))
		imap_out_raw(o, m->raw.ptr, m->raw.len);
	else
		imap_out_string(o, m->raw.ptr, m->raw.len);
}

static void
out_seq(struct imap_out *o, uint32_t v)
{
	if (v == IFE_IMAP_SEQ_STAR)
		imap_out_raw(o, "*", 1);
	else
		imap_out_u64(o, v);
}

static void
out_set(struct imap_out *o, const struct ife_imap_seqset *s)
{
	if (s->saved) {
		imap_out_raw(o, "$", 1);
		return;
	}
	for (uint32_t i = 0; i < s->n; i++) {
		if (i)
			imap_out_raw(o, ",", 1);
		out_seq(o, s->r[i].lo);
		if (s->r[i].hi != s->r[i].lo) {
			imap_out_raw(o, ":", 1);
			out_seq(o, s->r[i].hi);
		}
	}
}

static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void
out_date(struct imap_out *o, const struct ife_imap_date *d)
{
	char b[48];
	int n;
	if (d->has_time) {
		int z = d->zone < 0 ? -d->zone : d->zone;
		n = snprintf(b, sizeof(b),
			     "\"%02u-%s-%04u %02u:%02u:%02u %c%02d%02d\"",
			     d->day, mon[(d->mon - 1) % 12], d->year, d->hour,
			     d->min, d->sec, d->zone < 0 ? '-' : '+', z / 60,
			     z % 60);
	} else {
		n = snprintf(b, sizeof(b), "%u-%s-%04u", d->day,
			     mon[(d->mon - 1) % 12], d->year);
	}
	imap_out_raw(o, b, (size_t)n);
}

static void
out_flags(struct imap_out *o, const struct ife_imap_flags *f)
{
	for (uint32_t i = 0; i < f->n; i++) {
		if (i)
			imap_out_raw(o, " ", 1);
		imap_out_raw(o, f->f[i].ptr, f->f[i].len);
	}
}

static void
out_status(struct imap_out *o, uint16_t atts)
{
	bool first = true;
	imap_out_raw(o, "(", 1);
	for (int i = 0; i < 11; i++) {
		if (!(atts & (1u << i)))
			continue;
		if (!first)
			imap_out_raw(o, " ", 1);
		imap_out_str(o, imap_status_names[i]);
		first = false;
	}
	imap_out_raw(o, ")", 1);
}

static const char *const item_names[] = {
	[IFE_IMAP_FETCH_ENVELOPE] = "ENVELOPE",
	[IFE_IMAP_FETCH_FLAGS] = "FLAGS",
	[IFE_IMAP_FETCH_INTERNALDATE] = "INTERNALDATE",
	[IFE_IMAP_FETCH_RFC822] = "RFC822",
	[IFE_IMAP_FETCH_RFC822_HEADER] = "RFC822.HEADER",
	[IFE_IMAP_FETCH_RFC822_SIZE] = "RFC822.SIZE",
	[IFE_IMAP_FETCH_RFC822_TEXT] = "RFC822.TEXT",
	[IFE_IMAP_FETCH_BODY] = "BODY",
	[IFE_IMAP_FETCH_BODYSTRUCTURE] = "BODYSTRUCTURE",
	[IFE_IMAP_FETCH_UID] = "UID",
	[IFE_IMAP_FETCH_BODY_SECTION] = "BODY",
	[IFE_IMAP_FETCH_BINARY] = "BINARY",
	[IFE_IMAP_FETCH_BINARY_SIZE] = "BINARY.SIZE",
	[IFE_IMAP_FETCH_MODSEQ] = "MODSEQ",
	[IFE_IMAP_FETCH_PREVIEW] = "PREVIEW",
	[IFE_IMAP_FETCH_EMAILID] = "EMAILID",
	[IFE_IMAP_FETCH_THREADID] = "THREADID",
	[IFE_IMAP_FETCH_SAVEDATE] = "SAVEDATE",
};

static const char *const sect_names[] = {
	[IFE_IMAP_SECT_NONE] = "",
	[IFE_IMAP_SECT_HEADER] = "HEADER",
	[IFE_IMAP_SECT_HEADER_FIELDS] = "HEADER.FIELDS",
	[IFE_IMAP_SECT_HEADER_FIELDS_NOT] = "HEADER.FIELDS.NOT",
	[IFE_IMAP_SECT_TEXT] = "TEXT",
	[IFE_IMAP_SECT_MIME] = "MIME",
};

static void
out_att(struct imap_out *o, const struct ife_imap_fetch_att *a)
{
	if (a->item > IFE_IMAP_FETCH_SAVEDATE)
		return;
	imap_out_str(o, item_names[a->item]);
	bool sect = a->item == IFE_IMAP_FETCH_BODY_SECTION ||
		    a->item == IFE_IMAP_FETCH_BINARY ||
		    a->item == IFE_IMAP_FETCH_BINARY_SIZE;
	if (a->item == IFE_IMAP_FETCH_PREVIEW && a->lazy)
		imap_out_str(o, " (LAZY)");
	if (!sect)
		return;
	if (a->peek)
		imap_out_str(o, ".PEEK");
	imap_out_raw(o, "[", 1);
	for (unsigned i = 0; i < a->nparts; i++) {
		if (i)
			imap_out_raw(o, ".", 1);
		imap_out_u64(o, a->parts[i]);
	}
	if (a->section) {
		if (a->nparts)
			imap_out_raw(o, ".", 1);
		imap_out_str(o, sect_names[a->section % 6]);
	}
	if (a->nfields) {
		imap_out_str(o, " (");
		for (unsigned i = 0; i < a->nfields; i++) {
			if (i)
				imap_out_raw(o, " ", 1);
			out_s(o, &a->fields[i]);
		}
		imap_out_raw(o, ")", 1);
	}
	imap_out_raw(o, "]", 1);
	if (a->has_partial) {
		imap_out_raw(o, "<", 1);
		imap_out_u64(o, a->partial_off);
		imap_out_raw(o, ".", 1);
		imap_out_u64(o, a->partial_len);
		imap_out_raw(o, ">", 1);
	}
}

static void
out_atts(struct imap_out *o, const struct ife_imap_fetch_att *a, uint32_t n)
{
	imap_out_raw(o, "(", 1);
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			imap_out_raw(o, " ", 1);
		out_att(o, &a[i]);
	}
	imap_out_raw(o, ")", 1);
}

static const char *const skey_names[IFE_IMAP_SK_COUNT_] = {
	[IFE_IMAP_SK_ALL] = "ALL",
	[IFE_IMAP_SK_ANSWERED] = "ANSWERED",
	[IFE_IMAP_SK_BCC] = "BCC",
	[IFE_IMAP_SK_BEFORE] = "BEFORE",
	[IFE_IMAP_SK_BODY] = "BODY",
	[IFE_IMAP_SK_CC] = "CC",
	[IFE_IMAP_SK_DELETED] = "DELETED",
	[IFE_IMAP_SK_DRAFT] = "DRAFT",
	[IFE_IMAP_SK_FLAGGED] = "FLAGGED",
	[IFE_IMAP_SK_FROM] = "FROM",
	[IFE_IMAP_SK_HEADER] = "HEADER",
	[IFE_IMAP_SK_KEYWORD] = "KEYWORD",
	[IFE_IMAP_SK_LARGER] = "LARGER",
	[IFE_IMAP_SK_NEW] = "NEW",
	[IFE_IMAP_SK_OLD] = "OLD",
	[IFE_IMAP_SK_ON] = "ON",
	[IFE_IMAP_SK_RECENT] = "RECENT",
	[IFE_IMAP_SK_SEEN] = "SEEN",
	[IFE_IMAP_SK_SENTBEFORE] = "SENTBEFORE",
	[IFE_IMAP_SK_SENTON] = "SENTON",
	[IFE_IMAP_SK_SENTSINCE] = "SENTSINCE",
	[IFE_IMAP_SK_SINCE] = "SINCE",
	[IFE_IMAP_SK_SMALLER] = "SMALLER",
	[IFE_IMAP_SK_SUBJECT] = "SUBJECT",
	[IFE_IMAP_SK_TEXT] = "TEXT",
	[IFE_IMAP_SK_TO] = "TO",
	[IFE_IMAP_SK_UID] = "UID",
	[IFE_IMAP_SK_UNANSWERED] = "UNANSWERED",
	[IFE_IMAP_SK_UNDELETED] = "UNDELETED",
	[IFE_IMAP_SK_UNDRAFT] = "UNDRAFT",
	[IFE_IMAP_SK_UNFLAGGED] = "UNFLAGGED",
	[IFE_IMAP_SK_UNKEYWORD] = "UNKEYWORD",
	[IFE_IMAP_SK_UNSEEN] = "UNSEEN",
	[IFE_IMAP_SK_MODSEQ] = "MODSEQ",
	[IFE_IMAP_SK_OLDER] = "OLDER",
	[IFE_IMAP_SK_YOUNGER] = "YOUNGER",
	[IFE_IMAP_SK_EMAILID] = "EMAILID",
	[IFE_IMAP_SK_THREADID] = "THREADID",
};

static void
out_leaf(struct imap_out *o, const struct ife_imap_search_key *k)
{
	static const char *const et[] = {"", "priv", "shared", "all"};
	if (k->op == IFE_IMAP_SK_SEQSET) {
		out_set(o, &k->u.set);
		return;
	}
	imap_out_str(o, skey_names[k->op]);
	switch (k->op) {
	case IFE_IMAP_SK_BCC:
	case IFE_IMAP_SK_BODY:
	case IFE_IMAP_SK_CC:
	case IFE_IMAP_SK_FROM:
	case IFE_IMAP_SK_SUBJECT:
	case IFE_IMAP_SK_TEXT:
	case IFE_IMAP_SK_TO:
		imap_out_raw(o, " ", 1);
		out_s(o, &k->u.s);
		break;
	case IFE_IMAP_SK_KEYWORD:
	case IFE_IMAP_SK_UNKEYWORD:
	case IFE_IMAP_SK_EMAILID:
	case IFE_IMAP_SK_THREADID:
		imap_out_raw(o, " ", 1);
		imap_out_raw(o, k->u.s.ptr, k->u.s.len);
		break;
	case IFE_IMAP_SK_BEFORE:
	case IFE_IMAP_SK_ON:
	case IFE_IMAP_SK_SINCE:
	case IFE_IMAP_SK_SENTBEFORE:
	case IFE_IMAP_SK_SENTON:
	case IFE_IMAP_SK_SENTSINCE:
		imap_out_raw(o, " ", 1);
		out_date(o, &k->u.date);
		break;
	case IFE_IMAP_SK_HEADER:
		imap_out_raw(o, " ", 1);
		out_s(o, &k->u.hdr.name);
		imap_out_raw(o, " ", 1);
		out_s(o, &k->u.hdr.value);
		break;
	case IFE_IMAP_SK_LARGER:
	case IFE_IMAP_SK_SMALLER:
	case IFE_IMAP_SK_OLDER:
	case IFE_IMAP_SK_YOUNGER:
		imap_out_raw(o, " ", 1);
		imap_out_u64(o, k->u.num);
		break;
	case IFE_IMAP_SK_UID:
		imap_out_raw(o, " ", 1);
		out_set(o, &k->u.set);
		break;
	case IFE_IMAP_SK_MODSEQ:
		if (k->entry_type) {
			imap_out_raw(o, " ", 1);
			imap_out_string(o, k->u.modseq.entry.ptr,
					k->u.modseq.entry.len);
			imap_out_raw(o, " ", 1);
			imap_out_str(o, et[k->entry_type & 3]);
		}
		imap_out_raw(o, " ", 1);
		imap_out_u64(o, k->u.modseq.value);
		break;
	default:
		break;
	}
}

/* The flat program back to text, with an explicit stack (no recursion). */
static void
out_search(struct imap_out *o, const struct ife_imap_search *s)
{
	struct {
		uint32_t end, count;
		uint8_t op;
	} st[512];
	unsigned sp = 0;
	if (s->nkeys == 0)
		return;
	st[0].end = s->keys[0].end;
	st[0].count = 0;
	st[0].op = 0;
	for (uint32_t i = 1; i < s->nkeys; i++) {
		while (sp > 0 && st[sp].end <= i) {
			if (st[sp].op == IFE_IMAP_SK_AND)
				imap_out_raw(o, ")", 1);
			sp--;
		}
		if (st[sp].op == IFE_IMAP_SK_OR ||
		    st[sp].op == IFE_IMAP_SK_NOT || st[sp].count > 0)
			imap_out_raw(o, " ", 1);
		st[sp].count++;
		const struct ife_imap_search_key *k = &s->keys[i];
		if (k->op == IFE_IMAP_SK_AND || k->op == IFE_IMAP_SK_OR ||
		    k->op == IFE_IMAP_SK_NOT) {
			imap_out_str(o, k->op == IFE_IMAP_SK_AND  ? "("
					: k->op == IFE_IMAP_SK_OR ? "OR"
								  : "NOT");
			if (sp + 1 < sizeof(st) / sizeof(st[0])) {
				sp++;
				st[sp].end = k->end;
				st[sp].count = 0;
				st[sp].op = k->op;
			}
			continue;
		}
		out_leaf(o, k);
	}
	while (sp > 0) {
		if (st[sp].op == IFE_IMAP_SK_AND)
			imap_out_raw(o, ")", 1);
		sp--;
	}
}

static void
out_search_cmd(struct imap_out *o, const struct ife_imap_command *c)
{
	static const char *const rn[] = {"MIN", "MAX", "ALL", "COUNT", "SAVE"};
	const struct ife_imap_search *s = &c->u.search;
	if (s->has_return) {
		imap_out_str(o, " RETURN (");
		bool first = true;
		for (int i = 0; i < 5; i++) {
			if (!(s->ret & (1u << i)))
				continue;
			if (!first)
				imap_out_raw(o, " ", 1);
			imap_out_str(o, rn[i]);
			first = false;
		}
		imap_out_raw(o, ")", 1);
	}
	if (c->cmd == IFE_IMAP_CMD_SORT) {
		imap_out_str(o, " (");
		for (uint32_t i = 0; i < s->nsort; i++) {
			if (i)
				imap_out_raw(o, " ", 1);
			if (s->sort[i] & IFE_IMAP_SORT_REVERSE)
				imap_out_str(o, "REVERSE ");
			imap_out_str(o, imap_sort_name(s->sort[i] & 0x7f));
		}
		imap_out_raw(o, ")", 1);
	}
	if (c->cmd == IFE_IMAP_CMD_THREAD) {
		imap_out_raw(o, " ", 1);
		imap_out_raw(o, s->thread_alg.ptr, s->thread_alg.len);
	}
	if (c->cmd != IFE_IMAP_CMD_SEARCH) {
		imap_out_raw(o, " ", 1);
		out_s(o, &s->charset);
	} else if (s->charset.len) {
		imap_out_str(o, " CHARSET ");
		out_s(o, &s->charset);
	}
	imap_out_raw(o, " ", 1);
	out_search(o, s);
}

static void
out_select(struct imap_out *o, const struct ife_imap_select *s)
{
	out_mbox(o, &s->mbox);
	if (!s->condstore && !s->qresync)
		return;
	imap_out_str(o, " (");
	if (s->condstore)
		imap_out_str(o, s->qresync ? "CONDSTORE " : "CONDSTORE");
	if (s->qresync) {
		imap_out_str(o, "QRESYNC (");
		imap_out_u64(o, s->uidvalidity);
		imap_out_raw(o, " ", 1);
		imap_out_u64(o, s->modseq);
		if (s->has_known_uids) {
			imap_out_raw(o, " ", 1);
			out_set(o, &s->known_uids);
		}
		if (s->has_seq_match) {
			imap_out_str(o, " (");
			out_set(o, &s->match_seqs);
			imap_out_raw(o, " ", 1);
			out_set(o, &s->match_uids);
			imap_out_raw(o, ")", 1);
		}
		imap_out_raw(o, ")", 1);
	}
	imap_out_raw(o, ")", 1);
}

static void
out_list(struct imap_out *o, const struct ife_imap_command *c)
{
	static const char *const sel[] = {"SUBSCRIBED", "REMOTE",
					  "RECURSIVEMATCH", "SPECIAL-USE"};
	static const char *const ret[] = {"SUBSCRIBED", "CHILDREN",
					  "SPECIAL-USE", "STATUS", "MYRIGHTS"};
	const struct ife_imap_list *l = &c->u.list;
	if (l->has_select) {
		imap_out_raw(o, "(", 1);
		bool first = true;
		for (int i = 0; i < 4; i++) {
			if (!(l->sel & (1u << i)))
				continue;
			if (!first)
				imap_out_raw(o, " ", 1);
			imap_out_str(o, sel[i]);
			first = false;
		}
		imap_out_str(o, ") ");
	}
	out_mbox(o, &l->ref);
	imap_out_raw(o, " ", 1);
	if (l->pattern_list)
		imap_out_raw(o, "(", 1);
	for (uint32_t i = 0; i < l->npat; i++) {
		if (i)
			imap_out_raw(o, " ", 1);
		out_pattern(o, &l->pat[i]);
	}
	if (l->pattern_list)
		imap_out_raw(o, ")", 1);
	if (!l->has_return)
		return;
	imap_out_str(o, " RETURN (");
	bool first = true;
	for (int i = 0; i < 5; i++) {
		if (!(l->ret & (1u << i)))
			continue;
		if (!first)
			imap_out_raw(o, " ", 1);
		imap_out_str(o, ret[i]);
		if (i == 3) {
			imap_out_raw(o, " ", 1);
			out_status(o, l->status);
		}
		first = false;
	}
	imap_out_raw(o, ")", 1);
}

/*
 * APPEND (RFC 9051 6.3.12, MULTIAPPEND 3502, literal8 3516). Message
 * literals are written non-synchronising ("{n+}", "~{n+}": the canonical
 * form never needs a continuation); with `data` (every message's bytes,
 * concatenated in order) each header is followed by CRLF and its data, so
 * that the text parses again; without it, headers only.
 */
static void
out_append(struct imap_out *o, const struct ife_imap_append *a,
	   const char *data)
{
	out_mbox(o, &a->mbox);
	uint64_t off = 0;
	for (uint32_t i = 0; i < a->nmsgs; i++) {
		const struct ife_imap_append_msg *m = &a->msgs[i];
		if (m->has_flags) {
			imap_out_str(o, " (");
			out_flags(o, &m->flags);
			imap_out_raw(o, ")", 1);
		}
		if (m->has_date) {
			imap_out_raw(o, " ", 1);
			out_date(o, &m->date);
		}
		imap_out_str(o, m->lit8 ? " ~{" : " {");
		imap_out_u64(o, m->size);
		imap_out_str(o, "+}");
		if (data != NULL) {
			imap_out_raw(o, "\r\n", 2);
			imap_out_raw(o, data + off, (size_t)m->size);
			off += m->size;
		}
	}
}

static void
out_notify(struct imap_out *o, const struct ife_imap_notify *n)
{
	static const char *const filt[] = {
		"",	    "SELECTED",	  "SELECTED-DELAYED", "INBOXES",
		"PERSONAL", "SUBSCRIBED", "SUBTREE",	      "MAILBOXES"};
	static const char *const evn[] = {"MessageNew",
					  "MessageExpunge",
					  "FlagChange",
					  "AnnotationChange",
					  "MailboxName",
					  "SubscriptionChange",
					  "MailboxMetadataChange",
					  "ServerMetadataChange"};
	if (n->none) {
		imap_out_str(o, "NONE");
		return;
	}
	imap_out_str(o, n->status ? "SET STATUS" : "SET");
	for (uint32_t i = 0; i < n->ngroups; i++) {
		const struct ife_imap_notify_group *g = &n->groups[i];
		imap_out_str(o, " (");
		imap_out_str(o, filt[g->filter & 7]);
		if (g->filter == IFE_IMAP_NF_SUBTREE ||
		    g->filter == IFE_IMAP_NF_MAILBOXES) {
			imap_out_str(o, g->mbox_list ? " (" : " ");
			for (uint32_t k = 0; k < g->nmboxes; k++) {
				if (k)
					imap_out_raw(o, " ", 1);
				out_mbox(o, &g->mboxes[k]);
			}
			if (g->mbox_list)
				imap_out_raw(o, ")", 1);
		}
		if (g->none) {
			imap_out_str(o, " NONE)");
			continue;
		}
		imap_out_str(o, " (");
		bool first = true;
		for (int b = 0; b < 8; b++) {
			if (!(g->events & (1u << b)))
				continue;
			if (!first)
				imap_out_raw(o, " ", 1);
			imap_out_str(o, evn[b]);
			if (b == 0 && g->nnew_atts) {
				imap_out_raw(o, " ", 1);
				out_atts(o, g->new_atts, g->nnew_atts);
			}
			first = false;
		}
		imap_out_str(o, "))");
	}
}

size_t
ife_imap_command_format(const struct ife_imap_command *c, char *buf, size_t cap)
{
	return imap_command_format_data(c, NULL, 0, buf, cap);
}

size_t
imap_command_format_data(const struct ife_imap_command *c, const char *data,
			 size_t data_len, char *buf, size_t cap)
{
	struct imap_out o = {buf, cap ? cap - 1 : 0, 0};
	imap_out_raw(&o, c->tag.ptr, c->tag.len);
	imap_out_str(&o, c->uid ? " UID " : " ");
	imap_out_str(&o, ife_imap_cmd_name(c->cmd));
	switch (c->cmd) {
	case IFE_IMAP_CMD_AUTHENTICATE:
		imap_out_raw(&o, " ", 1);
		imap_out_raw(&o, c->u.auth.mech.ptr, c->u.auth.mech.len);
		if (c->u.auth.has_ir) {
			imap_out_raw(&o, " ", 1);
			if (c->u.auth.ir.len == 0)
				imap_out_raw(&o, "=", 1);
			else
				imap_out_raw(&o, c->u.auth.ir.ptr,
					     c->u.auth.ir.len);
		}
		break;
	case IFE_IMAP_CMD_LOGIN:
		imap_out_raw(&o, " ", 1);
		out_s(&o, &c->u.login.user);
		imap_out_raw(&o, " ", 1);
		out_s(&o, &c->u.login.pass);
		break;
	case IFE_IMAP_CMD_ENABLE:
		for (uint32_t i = 0; i < c->u.enable.n; i++) {
			imap_out_raw(&o, " ", 1);
			imap_out_raw(&o, c->u.enable.caps[i].ptr,
				     c->u.enable.caps[i].len);
		}
		break;
	case IFE_IMAP_CMD_SELECT:
	case IFE_IMAP_CMD_EXAMINE:
		imap_out_raw(&o, " ", 1);
		out_select(&o, &c->u.select);
		break;
	case IFE_IMAP_CMD_CREATE:
		imap_out_raw(&o, " ", 1);
		out_mbox(&o, &c->u.create.mbox);
		if (c->u.create.has_use) {
			imap_out_str(&o, " (USE (");
			for (uint32_t i = 0; i < c->u.create.nattrs; i++) {
				if (i)
					imap_out_raw(&o, " ", 1);
				imap_out_raw(&o, c->u.create.attrs[i].ptr,
					     c->u.create.attrs[i].len);
			}
			imap_out_str(&o, "))");
		}
		break;
	case IFE_IMAP_CMD_DELETE:
	case IFE_IMAP_CMD_SUBSCRIBE:
	case IFE_IMAP_CMD_UNSUBSCRIBE:
	case IFE_IMAP_CMD_GETQUOTAROOT:
		imap_out_raw(&o, " ", 1);
		out_mbox(&o, &c->u.mbox);
		break;
	case IFE_IMAP_CMD_RENAME:
		imap_out_raw(&o, " ", 1);
		out_mbox(&o, &c->u.rename.from);
		imap_out_raw(&o, " ", 1);
		out_mbox(&o, &c->u.rename.to);
		break;
	case IFE_IMAP_CMD_LIST:
	case IFE_IMAP_CMD_LSUB:
		imap_out_raw(&o, " ", 1);
		out_list(&o, c);
		break;
	case IFE_IMAP_CMD_STATUS:
		imap_out_raw(&o, " ", 1);
		out_mbox(&o, &c->u.status.mbox);
		imap_out_raw(&o, " ", 1);
		out_status(&o, c->u.status.atts);
		break;
	case IFE_IMAP_CMD_APPEND: {
		/* the data must be exactly the messages' bytes, else headers
		 * only (never a literal shorter than its header says) */
		uint64_t left = data_len;
		for (uint32_t i = 0; data != NULL && i < c->u.append.nmsgs;
		     i++) {
			if (c->u.append.msgs[i].size > left)
				data = NULL;
			else
				left -= c->u.append.msgs[i].size;
		}
		imap_out_raw(&o, " ", 1);
		out_append(&o, &c->u.append, left == 0 ? data : NULL);
		break;
	}
	case IFE_IMAP_CMD_SEARCH:
	case IFE_IMAP_CMD_SORT:
	case IFE_IMAP_CMD_THREAD:
		out_search_cmd(&o, c);
		break;
	case IFE_IMAP_CMD_FETCH: {
		const struct ife_imap_fetch *f = &c->u.fetch;
		static const char *const mac[] = {"", "ALL", "FAST", "FULL"};
		imap_out_raw(&o, " ", 1);
		out_set(&o, &f->set);
		imap_out_raw(&o, " ", 1);
		if (f->macro)
			imap_out_str(&o, mac[f->macro & 3]);
		else if (f->paren)
			out_atts(&o, f->atts, f->natts);
		else
			out_att(&o, &f->atts[0]);
		if (f->has_changedsince || f->vanished) {
			imap_out_str(&o, " (");
			if (f->has_changedsince) {
				imap_out_str(&o, "CHANGEDSINCE ");
				imap_out_u64(&o, f->changedsince);
			}
			if (f->vanished)
				imap_out_str(&o, f->has_changedsince
							 ? " VANISHED"
							 : "VANISHED");
			imap_out_raw(&o, ")", 1);
		}
		break;
	}
	case IFE_IMAP_CMD_STORE: {
		const struct ife_imap_store *s = &c->u.store;
		imap_out_raw(&o, " ", 1);
		out_set(&o, &s->set);
		if (s->has_unchangedsince) {
			imap_out_str(&o, " (UNCHANGEDSINCE ");
			imap_out_u64(&o, s->unchangedsince);
			imap_out_raw(&o, ")", 1);
		}
		imap_out_str(&o, s->op > 0   ? " +FLAGS"
				 : s->op < 0 ? " -FLAGS"
					     : " FLAGS");
		imap_out_str(&o, s->silent ? ".SILENT " : " ");
		if (s->paren)
			imap_out_raw(&o, "(", 1);
		out_flags(&o, &s->flags);
		if (s->paren)
			imap_out_raw(&o, ")", 1);
		break;
	}
	case IFE_IMAP_CMD_COPY:
	case IFE_IMAP_CMD_MOVE:
		imap_out_raw(&o, " ", 1);
		out_set(&o, &c->u.copy.set);
		imap_out_raw(&o, " ", 1);
		out_mbox(&o, &c->u.copy.mbox);
		break;
	case IFE_IMAP_CMD_EXPUNGE:
		if (c->uid) {
			imap_out_raw(&o, " ", 1);
			out_set(&o, &c->u.copy.set);
		}
		break;
	case IFE_IMAP_CMD_ID:
		if (c->u.id.nil) {
			imap_out_str(&o, " NIL");
			break;
		}
		imap_out_str(&o, " (");
		for (uint32_t i = 0; i < c->u.id.n; i++) {
			const struct ife_imap_kv *kv = &c->u.id.kv[i];
			if (i)
				imap_out_raw(&o, " ", 1);
			imap_out_string(&o, kv->key.ptr, kv->key.len);
			imap_out_raw(&o, " ", 1);
			if (kv->value.kind == IFE_IMAP_STR_NIL)
				imap_out_str(&o, "NIL");
			else
				imap_out_string(&o, kv->value.ptr,
						kv->value.len);
		}
		imap_out_raw(&o, ")", 1);
		break;
	case IFE_IMAP_CMD_GETQUOTA:
		imap_out_raw(&o, " ", 1);
		out_s(&o, &c->u.quota.root);
		break;
	case IFE_IMAP_CMD_SETQUOTA:
		imap_out_raw(&o, " ", 1);
		out_s(&o, &c->u.quota.root);
		imap_out_str(&o, " (");
		for (uint32_t i = 0; i < c->u.quota.n; i++) {
			if (i)
				imap_out_raw(&o, " ", 1);
			imap_out_raw(&o, c->u.quota.res[i].name.ptr,
				     c->u.quota.res[i].name.len);
			imap_out_raw(&o, " ", 1);
			imap_out_u64(&o, c->u.quota.res[i].limit);
		}
		imap_out_raw(&o, ")", 1);
		break;
	case IFE_IMAP_CMD_COMPRESS:
		imap_out_raw(&o, " ", 1);
		imap_out_raw(&o, c->u.compress.alg.ptr, c->u.compress.alg.len);
		break;
	case IFE_IMAP_CMD_NOTIFY:
		imap_out_raw(&o, " ", 1);
		out_notify(&o, &c->u.notify);
		break;
	default:
		break;
	}
	if (cap)
		buf[o.len < o.cap ? o.len : o.cap] = '\0';
	return o.len;
}
