/*
 * SEARCH (RFC 9051 6.4.4; ESEARCH RETURN RFC 4731; SEARCHRES RFC 5182;
 * MODSEQ RFC 7162; WITHIN RFC 5032; OBJECTID RFC 8474), SORT and THREAD
 * (RFC 5256; ESORT RFC 5267; DISPLAY sort RFC 5957).
 *
 * search-key nests through "(" ... ")", OR and NOT. The keys become a flat
 * prefix-order program (see struct ife_imap_search_key); nesting is tracked
 * with an explicit stack of open nodes bounded by max_depth, never by
 * recursion.
 */
#include <string.h>

#include "imap_pvt.h"

struct frame {
	uint32_t node; /* index of the AND / OR / NOT node */
	uint8_t kind;  /* 0 top level, 1 "(", 2 OR, 3 NOT */
	uint8_t need;  /* OR / NOT: keys still expected */
};

static const struct {
	const char *name;
	uint8_t op;
	uint8_t arg; /* 0 none, 1 astring, 2 date, 3 keyword, 4 number64,
			5 nz-number, 6 objectid */
} skeys[] = {
	{"ALL", IFE_IMAP_SK_ALL, 0},
	{"ANSWERED", IFE_IMAP_SK_ANSWERED, 0},
	{"BCC", IFE_IMAP_SK_BCC, 1},
	{"BEFORE", IFE_IMAP_SK_BEFORE, 2},
	{"BODY", IFE_IMAP_SK_BODY, 1},
	{"CC", IFE_IMAP_SK_CC, 1},
	{"DELETED", IFE_IMAP_SK_DELETED, 0},
	{"DRAFT", IFE_IMAP_SK_DRAFT, 0},
	{"FLAGGED", IFE_IMAP_SK_FLAGGED, 0},
	{"FROM", IFE_IMAP_SK_FROM, 1},
	{"KEYWORD", IFE_IMAP_SK_KEYWORD, 3},
	{"LARGER", IFE_IMAP_SK_LARGER, 4},
	{"NEW", IFE_IMAP_SK_NEW, 0},
	{"OLD", IFE_IMAP_SK_OLD, 0},
	{"ON", IFE_IMAP_SK_ON, 2},
	{"RECENT", IFE_IMAP_SK_RECENT, 0},
	{"SEEN", IFE_IMAP_SK_SEEN, 0},
	{"SENTBEFORE", IFE_IMAP_SK_SENTBEFORE, 2},
	{"SENTON", IFE_IMAP_SK_SENTON, 2},
	{"SENTSINCE", IFE_IMAP_SK_SENTSINCE, 2},
	{"SINCE", IFE_IMAP_SK_SINCE, 2},
	{"SMALLER", IFE_IMAP_SK_SMALLER, 4},
	{"SUBJECT", IFE_IMAP_SK_SUBJECT, 1},
	{"TEXT", IFE_IMAP_SK_TEXT, 1},
	{"TO", IFE_IMAP_SK_TO, 1},
	{"UNANSWERED", IFE_IMAP_SK_UNANSWERED, 0},
	{"UNDELETED", IFE_IMAP_SK_UNDELETED, 0},
	{"UNDRAFT", IFE_IMAP_SK_UNDRAFT, 0},
	{"UNFLAGGED", IFE_IMAP_SK_UNFLAGGED, 0},
	{"UNKEYWORD", IFE_IMAP_SK_UNKEYWORD, 3},
	{"UNSEEN", IFE_IMAP_SK_UNSEEN, 0},
	{"OLDER", IFE_IMAP_SK_OLDER, 5},
	{"YOUNGER", IFE_IMAP_SK_YOUNGER, 5},
	{"EMAILID", IFE_IMAP_SK_EMAILID, 6},
	{"THREADID", IFE_IMAP_SK_THREADID, 6},
};

/* objectid = 1*255(ALPHA / DIGIT / "_" / "-") (RFC 8474) */
static bool
objectid(struct imap_lex *lx, struct ife_imap_str *s)
{
	const uint8_t *b = lx->p;
	while (lx->p < lx->end && ((*lx->p >= 'A' && *lx->p <= 'Z') ||
				   (*lx->p >= 'a' && *lx->p <= 'z') ||
				   (*lx->p >= '0' && *lx->p <= '9') ||
				   *lx->p == '_' || *lx->p == '-'))
		lx->p++;
	size_t n = (size_t)(lx->p - b);
	if (n == 0 || n > 255)
		return IMAP_BAD(lx, "Invalid object id");
	s->ptr = (const char *)b;
	s->len = (uint32_t)n;
	s->kind = IFE_IMAP_STR_ATOM;
	return true;
}

/* MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer */
static bool
modseq_key(struct imap_lex *lx, struct ife_imap_search_key *k)
{
	char w[16];
	if (!imap_sp(lx))
		return false;
	if (imap_at(lx, '"')) {
		if (!imap_quoted(lx, &k->u.modseq.entry))
			return false;
		if (k->u.modseq.entry.len < 8 ||
		    strncasecmp(k->u.modseq.entry.ptr, "/flags/", 7) != 0)
			return IMAP_BAD(lx, "Invalid MODSEQ entry name");
		if (!imap_sp(lx) || imap_word(lx, w, sizeof(w)) == 0)
			return IMAP_BAD(lx, "Invalid MODSEQ entry type");
		if (strcmp(w, "PRIV") == 0)
			k->entry_type = 1;
		else if (strcmp(w, "SHARED") == 0)
			k->entry_type = 2;
		else if (strcmp(w, "ALL") == 0)
			k->entry_type = 3;
		else
			return IMAP_BAD(lx, "Invalid MODSEQ entry type");
		if (!imap_sp(lx))
			return false;
	}
	return imap_number64(lx, &k->u.modseq.value);
}

/* One leaf key (no nesting) into k. */
static bool
leaf_key(struct imap_lex *lx, struct ife_imap_search_key *k)
{
	int c = imap_peek(lx);
	if ((c >= '0' && c <= '9') || c == '*' || c == '$') {
		k->op = IFE_IMAP_SK_SEQSET;
		return imap_seqset(lx, &k->u.set);
	}
	char w[16];
	if (imap_word(lx, w, sizeof(w)) == 0)
		return IMAP_BAD(lx, imap_at_eol(lx) ? "Missing search key"
						    : "Invalid search key");
	if (!imap_count(lx))
		return false;
	if (strcmp(w, "UID") == 0) {
		k->op = IFE_IMAP_SK_UID;
		return imap_sp(lx) && imap_seqset(lx, &k->u.set);
	}
	if (strcmp(w, "HEADER") == 0) {
		k->op = IFE_IMAP_SK_HEADER;
		return imap_sp(lx) && imap_astring(lx, &k->u.hdr.name) &&
		       imap_sp(lx) && imap_astring(lx, &k->u.hdr.value);
	}
	if (strcmp(w, "MODSEQ") == 0) {
		k->op = IFE_IMAP_SK_MODSEQ;
		return modseq_key(lx, k);
	}
	for (size_t i = 0; i < sizeof(skeys) / sizeof(skeys[0]); i++) {
		if (strcmp(w, skeys[i].name) != 0)
			continue;
		k->op = skeys[i].op;
		if (skeys[i].arg == 0)
			return true;
		if (!imap_sp(lx))
			return false;
		uint32_t v32;
		switch (skeys[i].arg) {
		case 1:
			return imap_astring(lx, &k->u.s);
		case 2:
			return imap_date(lx, &k->u.date);
		case 3: {
			uint32_t sys = 0;
			if (imap_at(lx, '\\'))
				return IMAP_BAD(lx, "Invalid keyword");
			return imap_flag(lx, &k->u.s, &sys, false);
		}
		case 4:
			return imap_number64(lx, &k->u.num);
		case 5:
			if (!imap_nz_number(lx, &v32))
				return false;
			k->u.num = v32;
			return true;
		default:
			return objectid(lx, &k->u.s);
		}
	}
	return IMAP_BAD(lx, "Unknown search key");
}

static struct ife_imap_search_key *
new_key(struct imap_lex *lx, void **vec, uint32_t *n, uint32_t *cap)
{
	return imap_vec_push(lx, vec, n, cap,
			     sizeof(struct ife_imap_search_key));
}

/* 1*(SP search-key) up to CRLF; lx->p is at the first SP. */
static bool
search_keys(struct imap_lex *lx, struct ife_imap_search *s)
{
	uint32_t maxd = lx->ps->lim->max_depth;
	struct frame *st = imap_alloc(lx, ((size_t)maxd + 1) * sizeof(*st));
	void *vec = NULL;
	uint32_t n = 0, cap = 0, sp = 0;
	if (st == NULL)
		return false;
	struct ife_imap_search_key *k = new_key(lx, &vec, &n, &cap);
	if (k == NULL)
		return false;
	k->op = IFE_IMAP_SK_AND;
	st[0] = (struct frame){0, 0, 0};
	if (!imap_sp(lx))
		return false;
	for (;;) {
		/* start of one search-key: "(" / OR / NOT open a node */
		uint8_t kind = imap_eat(lx, '(')    ? 1
			       : imap_kw(lx, "OR")  ? 2
			       : imap_kw(lx, "NOT") ? 3
						    : 0;
		if (kind != 0) {
			if (sp + 1 > maxd)
				return imap_fail(lx, IFE_ELIMIT,
						 "Nesting too deep");
			k = new_key(lx, &vec, &n, &cap);
			if (k == NULL)
				return false;
			k->op = kind == 1   ? IFE_IMAP_SK_AND
				: kind == 2 ? IFE_IMAP_SK_OR
					    : IFE_IMAP_SK_NOT;
			st[++sp] = (struct frame){n - 1, kind,
						  (uint8_t)(kind == 2 ? 2 : 1)};
			if (kind != 1 && !imap_sp(lx))
				return false;
			continue;
		}
		k = new_key(lx, &vec, &n, &cap);
		if (k == NULL || !leaf_key(lx, k))
			return false;
		k = (struct ife_imap_search_key *)vec + (n - 1);
		k->end = n;
		/* a key is complete: close the frames it completes */
		for (;;) {
			struct frame *f = &st[sp];
			struct ife_imap_search_key *keys = vec;
			keys[f->node].nchild++;
			if (f->kind >= 2) {
				if (--f->need > 0) {
					if (!imap_sp(lx))
						return false;
					break;
				}
				keys[f->node].end = n;
				sp--;
				continue;
			}
			if (imap_eat(lx, ' '))
				break;
			if (f->kind == 1) {
				if (!imap_char(lx, ')', "Invalid search key"))
					return false;
				keys[f->node].end = n;
				sp--;
				continue;
			}
			/* top level */
			keys[0].end = n;
			s->keys = vec;
			s->nkeys = n;
			return imap_eol(lx);
		}
	}
}

/* [SP "CHARSET" SP astring] */
static bool
charset(struct imap_lex *lx, struct ife_imap_search *s, bool required)
{
	if (required) {
		if (!imap_sp(lx))
			return false;
		return imap_astring(lx, &s->charset);
	}
	const uint8_t *save = lx->p;
	if (imap_eat(lx, ' ') && imap_kw(lx, "CHARSET")) {
		if (!imap_sp(lx) || !imap_astring(lx, &s->charset))
			return false;
		if (s->charset.len == 0)
			return IMAP_BAD(lx, "Invalid charset");
		return true;
	}
	lx->p = save;
	return true;
}

/* [SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"] */
static bool
return_opts(struct imap_lex *lx, struct ife_imap_search *s)
{
	const uint8_t *save = lx->p;
	char w[16];
	if (!(imap_eat(lx, ' ') && imap_kw(lx, "RETURN"))) {
		lx->p = save;
		return true;
	}
	s->has_return = true;
	if (!imap_sp(lx) || !imap_char(lx, '(', "Invalid RETURN options"))
		return false;
	if (imap_eat(lx, ')'))
		return true;
	do {
		if (imap_word(lx, w, sizeof(w)) == 0)
			return IMAP_BAD(lx, "Invalid RETURN option");
		uint8_t bit = strcmp(w, "MIN") == 0	? IFE_IMAP_SRET_MIN
			      : strcmp(w, "MAX") == 0	? IFE_IMAP_SRET_MAX
			      : strcmp(w, "ALL") == 0	? IFE_IMAP_SRET_ALL
			      : strcmp(w, "COUNT") == 0 ? IFE_IMAP_SRET_COUNT
			      : strcmp(w, "SAVE") == 0	? IFE_IMAP_SRET_SAVE
							: 0;
		if (bit == 0)
			return IMAP_BAD(lx, "Unknown RETURN option");
		s->ret |= bit;
	} while (imap_eat(lx, ' '));
	return imap_char(lx, ')', "Invalid RETURN options");
}

/* SEARCH [SP "RETURN" ...] [SP "CHARSET" SP charset] 1*(SP search-key) */
bool
imap_cmd_search(struct imap_lex *lx, struct ife_imap_command *c)
{
	struct ife_imap_search *s = &c->u.search;
	return return_opts(lx, s) && charset(lx, s, false) &&
	       search_keys(lx, s);
}

static const char *const sort_names[] = {
	"ARRIVAL", "CC", "DATE",	"FROM",	     "SIZE",
	"SUBJECT", "TO", "DISPLAYFROM", "DISPLAYTO",
};

/* SORT [SP "RETURN" ...] SP "(" sort-criterion *(SP sort-criterion) ")"
 *      SP charset 1*(SP search-key) */
bool
imap_cmd_sort(struct imap_lex *lx, struct ife_imap_command *c)
{
	struct ife_imap_search *s = &c->u.search;
	char w[16];
	if (!return_opts(lx, s) || !imap_sp(lx) ||
	    !imap_char(lx, '(', "Expected sort criteria"))
		return false;
	void *vec = NULL;
	uint32_t cap = 0;
	do {
		uint8_t *crit = imap_vec_push(lx, &vec, &s->nsort, &cap, 1);
		if (crit == NULL)
			return false;
		if (imap_kw(lx, "REVERSE")) {
			*crit = IFE_IMAP_SORT_REVERSE;
			if (!imap_sp(lx))
				return false;
		}
		if (imap_word(lx, w, sizeof(w)) == 0)
			return IMAP_BAD(lx, "Invalid sort key");
		uint8_t key = 0;
		for (unsigned i = 0; i < 9; i++)
			if (strcmp(w, sort_names[i]) == 0)
				key = (uint8_t)(i + 1);
		if (key == 0)
			return IMAP_BAD(lx, "Unknown sort key");
		*crit |= key;
	} while (imap_eat(lx, ' '));
	s->sort = vec;
	return imap_char(lx, ')', "Invalid sort criteria") &&
	       charset(lx, s, true) && search_keys(lx, s);
}

/* THREAD SP thread-alg SP charset 1*(SP search-key) */
bool
imap_cmd_thread(struct imap_lex *lx, struct ife_imap_command *c)
{
	struct ife_imap_search *s = &c->u.search;
	return imap_sp(lx) && imap_atom(lx, &s->thread_alg) &&
	       charset(lx, s, true) && search_keys(lx, s);
}

const char *
imap_sort_name(unsigned key)
{
	return key >= 1 && key <= 9 ? sort_names[key - 1] : "?";
}
