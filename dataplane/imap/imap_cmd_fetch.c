/*
 * Message commands: FETCH (RFC 9051 6.4.5; BINARY RFC 3516; CONDSTORE and
 * QRESYNC RFC 7162; PREVIEW RFC 8970; OBJECTID RFC 8474; SAVEDATE RFC
 * 8514), STORE (6.4.6, UNCHANGEDSINCE), COPY (6.4.7), MOVE (6.4.8).
 */
#include <string.h>

#include "imap_pvt.h"

static const struct {
	const char *name;
	uint8_t item;
} simple_atts[] = {
	{"ENVELOPE", IFE_IMAP_FETCH_ENVELOPE},
	{"FLAGS", IFE_IMAP_FETCH_FLAGS},
	{"INTERNALDATE", IFE_IMAP_FETCH_INTERNALDATE},
	{"RFC822", IFE_IMAP_FETCH_RFC822},
	{"RFC822.HEADER", IFE_IMAP_FETCH_RFC822_HEADER},
	{"RFC822.SIZE", IFE_IMAP_FETCH_RFC822_SIZE},
	{"RFC822.TEXT", IFE_IMAP_FETCH_RFC822_TEXT},
	{"BODYSTRUCTURE", IFE_IMAP_FETCH_BODYSTRUCTURE},
	{"UID", IFE_IMAP_FETCH_UID},
	{"MODSEQ", IFE_IMAP_FETCH_MODSEQ},
	{"EMAILID", IFE_IMAP_FETCH_EMAILID},
	{"THREADID", IFE_IMAP_FETCH_THREADID},
	{"SAVEDATE", IFE_IMAP_FETCH_SAVEDATE},
};

/* section-part = nz-number *("." nz-number); stops before ".TEXT" etc. */
static bool
section_part(struct imap_lex *lx, struct ife_imap_fetch_att *a)
{
	uint32_t parts[IFE_IMAP_MAX_PARTS];
	unsigned n = 0;
	for (;;) {
		if (n == IFE_IMAP_MAX_PARTS)
			return imap_fail(lx, IFE_ELIMIT, "Section too deep");
		if (!imap_nz_number(lx, &parts[n++]))
			return false;
		if (!(lx->p + 1 < lx->end && lx->p[0] == '.' &&
		      lx->p[1] >= '0' && lx->p[1] <= '9'))
			break;
		lx->p++;
	}
	uint32_t *d = imap_alloc(lx, n * sizeof(*d));
	if (d == NULL)
		return false;
	memcpy(d, parts, n * sizeof(*d));
	a->parts = d;
	a->nparts = (uint8_t)n;
	return true;
}

/* header-list = "(" header-fld-name *(SP header-fld-name) ")" */
static bool
header_list(struct imap_lex *lx, struct ife_imap_fetch_att *a)
{
	void *vec = NULL;
	uint32_t n = 0, cap = 0;
	if (!imap_sp(lx) || !imap_char(lx, '(', "Expected a header list"))
		return false;
	do {
		struct ife_imap_str *s =
			imap_vec_push(lx, &vec, &n, &cap, sizeof(*s));
		if (s == NULL || !imap_astring(lx, s))
			return false;
		if (n > UINT16_MAX)
			return imap_fail(lx, IFE_ELIMIT, "Too many arguments");
	} while (imap_eat(lx, ' '));
	a->fields = vec;
	a->nfields = (uint16_t)n;
	return imap_char(lx, ')', "Invalid header list");
}

/* "[" [section-spec] "]" */
static bool
section(struct imap_lex *lx, struct ife_imap_fetch_att *a, bool binary)
{
	char w[24];
	lx->p++; /* '[' */
	if (imap_eat(lx, ']'))
		return true;
	bool part = imap_peek(lx) >= '0' && imap_peek(lx) <= '9';
	if (part && !section_part(lx, a))
		return false;
	if (binary)
		return imap_char(lx, ']', "Invalid section");
	if (part && !imap_eat(lx, '.'))
		return imap_char(lx, ']', "Invalid section");
	if (imap_word(lx, w, sizeof(w)) == 0)
		return IMAP_BAD(lx, "Invalid section");
	if (strcmp(w, "HEADER") == 0) {
		a->section = IFE_IMAP_SECT_HEADER;
	} else if (strcmp(w, "HEADER.FIELDS") == 0) {
		a->section = IFE_IMAP_SECT_HEADER_FIELDS;
		if (!header_list(lx, a))
			return false;
	} else if (strcmp(w, "HEADER.FIELDS.NOT") == 0) {
		a->section = IFE_IMAP_SECT_HEADER_FIELDS_NOT;
		if (!header_list(lx, a))
			return false;
	} else if (strcmp(w, "TEXT") == 0) {
		a->section = IFE_IMAP_SECT_TEXT;
	} else if (strcmp(w, "MIME") == 0 && part) {
		a->section = IFE_IMAP_SECT_MIME;
	} else {
		return IMAP_BAD(lx, "Invalid section");
	}
	return imap_char(lx, ']', "Invalid section");
}

/* partial = "<" number64 "." nz-number64 ">" */
static bool
partial(struct imap_lex *lx, struct ife_imap_fetch_att *a)
{
	if (!imap_eat(lx, '<'))
		return true;
	a->has_partial = 1;
	if (!imap_number64(lx, &a->partial_off) ||
	    !imap_char(lx, '.', "Invalid partial") ||
	    !imap_number64(lx, &a->partial_len))
		return false;
	if (a->partial_len == 0)
		return IMAP_BAD(lx, "Invalid partial");
	return imap_char(lx, '>', "Invalid partial");
}

static bool
fetch_att(struct imap_lex *lx, struct ife_imap_fetch_att *a)
{
	char w[24];
	memset(a, 0, sizeof(*a));
	if (imap_word(lx, w, sizeof(w)) == 0)
		return IMAP_BAD(lx, "Invalid fetch item");
	if (!imap_count(lx))
		return false;
	for (size_t i = 0; i < sizeof(simple_atts) / sizeof(simple_atts[0]);
	     i++) {
		if (strcmp(w, simple_atts[i].name) == 0) {
			a->item = simple_atts[i].item;
			return true;
		}
	}
	if (strcmp(w, "BODY") == 0 || strcmp(w, "BODY.PEEK") == 0) {
		a->peek = strcmp(w, "BODY.PEEK") == 0;
		if (!imap_at(lx, '[')) {
			if (a->peek)
				return IMAP_BAD(lx, "Invalid fetch item");
			a->item = IFE_IMAP_FETCH_BODY;
			return true;
		}
		a->item = IFE_IMAP_FETCH_BODY_SECTION;
		return section(lx, a, false) && partial(lx, a);
	}
	if (strcmp(w, "BINARY") == 0 || strcmp(w, "BINARY.PEEK") == 0 ||
	    strcmp(w, "BINARY.SIZE") == 0) {
		if (!imap_at(lx, '['))
			return IMAP_BAD(lx, "Invalid fetch item");
		if (strcmp(w, "BINARY.SIZE") == 0) {
			a->item = IFE_IMAP_FETCH_BINARY_SIZE;
			return section(lx, a, true);
		}
		a->item = IFE_IMAP_FETCH_BINARY;
		a->peek = strcmp(w, "BINARY.PEEK") == 0;
		return section(lx, a, true) && partial(lx, a);
	}
	if (strcmp(w, "PREVIEW") == 0) {
		a->item = IFE_IMAP_FETCH_PREVIEW;
		/* PREVIEW [SP "(" "LAZY" ")"] (RFC 8970) */
		if (lx->p + 1 < lx->end && lx->p[0] == ' ' && lx->p[1] == '(') {
			lx->p += 2;
			if (!imap_kw(lx, "LAZY"))
				return IMAP_BAD(lx, "Invalid preview modifier");
			a->lazy = 1;
			return imap_char(lx, ')', "Invalid preview modifier");
		}
		return true;
	}
	return IMAP_BAD(lx, "Unknown fetch item");
}

bool
imap_fetch_att_list(struct imap_lex *lx, const struct ife_imap_fetch_att **atts,
		    uint32_t *n)
{
	void *vec = NULL;
	uint32_t cap = 0;
	*n = 0;
	if (!imap_char(lx, '(', "Expected a fetch item list"))
		return false;
	do {
		struct ife_imap_fetch_att *a =
			imap_vec_push(lx, &vec, n, &cap, sizeof(*a));
		if (a == NULL || !fetch_att(lx, a))
			return false;
	} while (imap_eat(lx, ' '));
	*atts = vec;
	return imap_char(lx, ')', "Invalid fetch item list");
}

static bool
expand_macro(struct imap_lex *lx, struct ife_imap_fetch *f)
{
	static const uint8_t items[] = {
		IFE_IMAP_FETCH_FLAGS, IFE_IMAP_FETCH_INTERNALDATE,
		IFE_IMAP_FETCH_RFC822_SIZE, IFE_IMAP_FETCH_ENVELOPE,
		IFE_IMAP_FETCH_BODY};
	uint32_t n = f->macro == IFE_IMAP_MACRO_FAST  ? 3
		     : f->macro == IFE_IMAP_MACRO_ALL ? 4
						      : 5;
	struct ife_imap_fetch_att *a = imap_alloc(lx, n * sizeof(*a));
	if (a == NULL)
		return false;
	memset(a, 0, n * sizeof(*a));
	for (uint32_t i = 0; i < n; i++)
		a[i].item = items[i];
	f->atts = a;
	f->natts = n;
	return true;
}

/* FETCH SP sequence-set SP (macro / fetch-att / "(" ... ")")
 *       [SP "(" fetch-modifier *(SP fetch-modifier) ")"] */
bool
imap_cmd_fetch(struct imap_lex *lx, struct ife_imap_command *c)
{
	struct ife_imap_fetch *f = &c->u.fetch;
	if (!imap_sp(lx) || !imap_seqset(lx, &f->set) || !imap_sp(lx))
		return false;
	if (imap_at(lx, '(')) {
		f->paren = 1;
		if (!imap_fetch_att_list(lx, &f->atts, &f->natts))
			return false;
	} else if (imap_kw(lx, "ALL")) {
		f->macro = IFE_IMAP_MACRO_ALL;
	} else if (imap_kw(lx, "FAST")) {
		f->macro = IFE_IMAP_MACRO_FAST;
	} else if (imap_kw(lx, "FULL")) {
		f->macro = IFE_IMAP_MACRO_FULL;
	} else {
		struct ife_imap_fetch_att *a = imap_alloc(lx, sizeof(*a));
		if (a == NULL || !fetch_att(lx, a))
			return false;
		f->atts = a;
		f->natts = 1;
	}
	if (f->macro && !expand_macro(lx, f))
		return false;
	if (imap_at_eol(lx))
		return imap_eol(lx);
	if (!imap_sp(lx) || !imap_char(lx, '(', "Expected fetch modifiers"))
		return false;
	char w[16];
	do {
		if (imap_word(lx, w, sizeof(w)) == 0)
			return IMAP_BAD(lx, "Invalid fetch modifier");
		if (strcmp(w, "CHANGEDSINCE") == 0 && !f->has_changedsince) {
			f->has_changedsince = true;
			if (!imap_sp(lx) ||
			    !imap_number64(lx, &f->changedsince))
				return false;
			if (f->changedsince == 0)
				return IMAP_BAD(lx, "Invalid CHANGEDSINCE");
		} else if (strcmp(w, "VANISHED") == 0 && !f->vanished) {
			f->vanished = true;
		} else {
			return IMAP_BAD(lx, "Unknown fetch modifier");
		}
	} while (imap_eat(lx, ' '));
	if (!imap_char(lx, ')', "Invalid fetch modifiers"))
		return false;
	/* RFC 7162 3.2.6: VANISHED only in UID FETCH with CHANGEDSINCE */
	if (f->vanished && (!c->uid || !f->has_changedsince))
		return IMAP_BAD(lx,
				"VANISHED needs UID FETCH and CHANGEDSINCE");
	return imap_eol(lx);
}

/* STORE SP sequence-set [SP "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"]
 *       SP ["+" / "-"] "FLAGS" [".SILENT"] SP (flag-list / flag *(SP flag))
 */
bool
imap_cmd_store(struct imap_lex *lx, struct ife_imap_command *c)
{
	struct ife_imap_store *s = &c->u.store;
	char w[16];
	if (!imap_sp(lx) || !imap_seqset(lx, &s->set) || !imap_sp(lx))
		return false;
	if (imap_eat(lx, '(')) {
		if (!imap_kw(lx, "UNCHANGEDSINCE"))
			return IMAP_BAD(lx, "Unknown store modifier");
		s->has_unchangedsince = true;
		if (!imap_sp(lx) || !imap_number64(lx, &s->unchangedsince) ||
		    !imap_char(lx, ')', "Invalid store modifier") ||
		    !imap_sp(lx))
			return false;
	}
	if (imap_eat(lx, '+'))
		s->op = 1;
	else if (imap_eat(lx, '-'))
		s->op = -1;
	if (imap_word(lx, w, sizeof(w)) == 0)
		return IMAP_BAD(lx, "Invalid store item");
	if (strcmp(w, "FLAGS.SILENT") == 0)
		s->silent = true;
	else if (strcmp(w, "FLAGS") != 0)
		return IMAP_BAD(lx, "Invalid store item");
	if (!imap_sp(lx))
		return false;
	if (imap_at(lx, '(')) {
		s->paren = true;
		if (!imap_flag_list(lx, &s->flags))
			return false;
		return imap_eol(lx);
	}
	void *vec = NULL;
	uint32_t cap = 0;
	do {
		struct ife_imap_str *f =
			imap_vec_push(lx, &vec, &s->flags.n, &cap, sizeof(*f));
		if (f == NULL || !imap_flag(lx, f, &s->flags.system, false))
			return false;
	} while (imap_eat(lx, ' '));
	s->flags.f = vec;
	return imap_eol(lx);
}

/* COPY / MOVE SP sequence-set SP mailbox */
bool
imap_cmd_copy(struct imap_lex *lx, struct ife_imap_command *c)
{
	return imap_sp(lx) && imap_seqset(lx, &c->u.copy.set) && imap_sp(lx) &&
	       imap_mailbox(lx, &c->u.copy.mbox) && imap_eol(lx);
}
