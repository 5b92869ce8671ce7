/*
 * Tokens of the IMAP client grammar (RFC 9051 section 9) over one complete
 * command text. The framer (imap_frame.c) guarantees the text ends with
 * CRLF and that every literal's data is inside it, so no token here ever
 * needs more input: a token that runs into the end is a syntax error (or,
 * in APPEND prefix mode, the place where a literal's data would begin).
 */
#include <string.h>

#include "imap_pvt.h"

/* ---------------------------------------------------------- char classes */

#define IMAP_ATOMC(c)                                                          \
	((c) > 0x20 && (c) < 0x7f && (c) != '(' && (c) != ')' && (c) != '{' && \
	 (c) != '%' && (c) != '*' && (c) != '"' && (c) != '\\' && (c) != ']')
#define IMAP_WORDC(c)                                                \
	(((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z') || \
	 ((c) >= '0' && (c) <= '9') || (c) == '.' || (c) == '-' ||   \
	 (c) == '$' || (c) == '_')
#define IMAP_CT(c)                                                          \
	((IMAP_ATOMC(c) ? IMAP_C_ATOM : 0) |                                \
	 ((IMAP_ATOMC(c) || (c) == ']') ? IMAP_C_ASTRING : 0) |             \
	 (((IMAP_ATOMC(c) || (c) == ']') && (c) != '+') ? IMAP_C_TAG : 0) | \
	 ((IMAP_ATOMC(c) || (c) == ']' || (c) == '%' || (c) == '*')         \
		  ? IMAP_C_LIST                                             \
		  : 0) |                                                    \
	 (((c) >= 1 && (c) < 0x80 && (c) != '\r' && (c) != '\n' &&          \
	   (c) != '"' && (c) != '\\')                                       \
		  ? IMAP_C_QUOTED                                           \
		  : 0) |                                                    \
	 (((c) >= '0' && (c) <= '9') ? IMAP_C_DIGIT : 0) |                  \
	 (IMAP_WORDC(c) ? IMAP_C_WORD : 0))
#define IMAP_R4(b) \
	IMAP_CT(b), IMAP_CT((b) + 1), IMAP_CT((b) + 2), IMAP_CT((b) + 3)
#define IMAP_R16(b) \
	IMAP_R4(b), IMAP_R4((b) + 4), IMAP_R4((b) + 8), IMAP_R4((b) + 12)
#define IMAP_R64(b) \
	IMAP_R16(b), IMAP_R16((b) + 16), IMAP_R16((b) + 32), IMAP_R16((b) + 48)

const uint8_t imap_ctype[256] = {IMAP_R64(0), IMAP_R64(64), IMAP_R64(128),
				 IMAP_R64(192)};

/* ---------------------------------------------------------------- arena */

bool
imap_fail(struct imap_lex *lx, int code, const char *text)
{
	if (lx->err == NULL) {
		lx->err = text;
		lx->code = code;
		lx->err_off = (uint32_t)(lx->p - lx->start);
	}
	return false;
}

void *
imap_alloc(struct imap_lex *lx, size_t size)
{
	struct ife_imap_parser *ps = lx->ps;
	/* 8-byte alignment of the address, whatever the arena's alignment */
	uintptr_t at = (uintptr_t)(ps->arena + lx->base);
	size_t off = lx->base + ((0u - (unsigned)at) & 7u);
	if (size > ps->arena_size || off > ps->arena_size - size) {
		imap_fail(lx, IFE_ELIMIT, "Command too complex");
		return NULL;
	}
	lx->base = (uint32_t)(off + size);
	return ps->arena + off;
}

bool
imap_count(struct imap_lex *lx)
{
	if (++lx->nargs > lx->ps->lim->max_args)
		return imap_fail(lx, IFE_ELIMIT, "Too many arguments");
	return true;
}

void *
imap_vec_push(struct imap_lex *lx, void **vec, uint32_t *n, uint32_t *cap,
	      size_t elem)
{
	if (!imap_count(lx))
		return NULL;
	if (*n == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 4;
		uint8_t *top = lx->ps->arena + lx->base;
		if (*vec != NULL &&
		    (uint8_t *)*vec + (size_t)*cap * elem == top &&
		    (size_t)ncap * elem - (size_t)*cap * elem <=
			    lx->ps->arena_size - lx->base) {
			lx->base += (uint32_t)((ncap - *cap) * elem);
		} else {
			void *nv = imap_alloc(lx, (size_t)ncap * elem);
			if (nv == NULL)
				return NULL;
			if (*n)
				memcpy(nv, *vec, (size_t)*n * elem);
			*vec = nv;
		}
		*cap = ncap;
	}
	void *slot = (uint8_t *)*vec + (size_t)*n * elem;
	memset(slot, 0, elem);
	(*n)++;
	return slot;
}

bool
imap_depth_push(struct imap_lex *lx, uint32_t *depth)
{
	if (++*depth > lx->ps->lim->max_depth)
		return imap_fail(lx, IFE_ELIMIT, "Nesting too deep");
	return true;
}

/* --------------------------------------------------------------- basics */

bool
imap_char(struct imap_lex *lx, int c, const char *text)
{
	if (imap_eat(lx, c))
		return true;
	return IMAP_BAD(lx, text);
}

bool
imap_sp(struct imap_lex *lx)
{
	if (imap_eat(lx, ' '))
		return true;
	if (imap_at_eol(lx))
		return IMAP_BAD(lx, "Missing argument");
	return IMAP_BAD(lx, "Expected a single space");
}

bool
imap_at_eol(const struct imap_lex *lx)
{
	return lx->end - lx->p == 2 && lx->p[0] == '\r' && lx->p[1] == '\n';
}

bool
imap_eol(struct imap_lex *lx)
{
	if (imap_at_eol(lx)) {
		lx->p += 2;
		return true;
	}
	return IMAP_BAD(lx, "Unexpected extra arguments");
}

size_t
imap_word(struct imap_lex *lx, char *buf, size_t cap)
{
	const uint8_t *p = lx->p;
	size_t n = 0;
	while (p < lx->end && (imap_ctype[*p] & IMAP_C_WORD)) {
		if (n + 1 >= cap)
			return 0;
		uint8_t c = *p++;
		buf[n++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
	}
	buf[n] = '\0';
	lx->p = p;
	return n;
}

bool
imap_kw(struct imap_lex *lx, const char *kw)
{
	const uint8_t *p = lx->p;
	for (; *kw; kw++, p++) {
		if (p >= lx->end)
			return false;
		uint8_t c = *p;
		if (c >= 'a' && c <= 'z')
			c -= 32;
		if (c != (uint8_t)*kw)
			return false;
	}
	if (p < lx->end && (imap_ctype[*p] & IMAP_C_WORD))
		return false;
	lx->p = p;
	return true;
}

/* -------------------------------------------------------------- strings */

bool
imap_atom(struct imap_lex *lx, struct ife_imap_str *s)
{
	const uint8_t *b = lx->p;
	while (lx->p < lx->end && (imap_ctype[*lx->p] & IMAP_C_ATOM))
		lx->p++;
	if (lx->p == b)
		return IMAP_BAD(lx, "Invalid atom");
	s->ptr = (const char *)b;
	s->len = (uint32_t)(lx->p - b);
	s->kind = IFE_IMAP_STR_ATOM;
	s->lit8 = s->binary = 0;
	return imap_count(lx);
}

/* Length of one UTF-8 sequence at p (RFC 3629), 0 if invalid. */
static size_t
utf8_seq(const uint8_t *p, const uint8_t *end)
{
	uint8_t c = p[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool
ife_imap_utf8_valid(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + len;
	while (p < end) {
		size_t n = utf8_seq(p, end);
		if (n == 0)
			return false;
		p += n;
	}
	return true;
}

bool
imap_quoted(struct imap_lex *lx, struct ife_imap_str *s)
{
	if (!imap_eat(lx, '"'))
		return IMAP_BAD(lx, "Invalid string");
	const uint8_t *b = lx->p;
	size_t esc = 0;
	for (;;) {
		if (lx->p >= lx->end)
			return IMAP_BAD(lx, "Unterminated quoted string");
		uint8_t c = *lx->p;
		if (imap_ctype[c] & IMAP_C_QUOTED) {
			lx->p++;
		} else if (c == '"') {
			break;
		} else if (c == '\\') {
			if (lx->p + 1 >= lx->end ||
			    (lx->p[1] != '"' && lx->p[1] != '\\'))
				return IMAP_BAD(lx, "Invalid escape in quoted "
						    "string");
			lx->p += 2;
			esc++;
		} else if (c >= 0x80) {
			size_t n = utf8_seq(lx->p, lx->end);
			if (n == 0)
				return IMAP_BAD(lx, "Invalid UTF-8 in quoted "
						    "string");
			lx->p += n;
		} else if (c == '\r' || c == '\n') {
			return IMAP_BAD(lx, "Unterminated quoted string");
		} else {
			return IMAP_BAD(lx, "Invalid character in quoted "
					    "string");
		}
	}
	size_t len = (size_t)(lx->p - b);
	lx->p++; /* closing quote */
	s->kind = IFE_IMAP_STR_QUOTED;
	s->lit8 = s->binary = 0;
	if (esc == 0) {
		s->ptr = (const char *)b;
		s->len = (uint32_t)len;
	} else {
		char *d = imap_alloc(lx, len - esc + 1);
		if (d == NULL)
			return false;
		size_t o = 0;
		for (size_t i = 0; i < len; i++) {
			if (b[i] == '\\')
				i++;
			d[o++] = (char)b[i];
		}
		d[o] = '\0';
		s->ptr = d;
		s->len = (uint32_t)o;
	}
	return imap_count(lx);
}

bool
imap_literal_header(struct imap_lex *lx, uint64_t *n, bool *sync, bool *lit8)
{
	const uint8_t *p = lx->p;
	*lit8 = false;
	if (p < lx->end && *p == '~') {
		*lit8 = true;
		p++;
	}
	if (p >= lx->end || *p != '{')
		return IMAP_BAD(lx, "Invalid literal");
	p++;
	uint64_t v = 0;
	const uint8_t *d = p;
	while (p < lx->end && *p >= '0' && *p <= '9') {
		if (v > (UINT64_C(0x7fffffffffffffff) - 9) / 10)
			return IMAP_BAD(lx, "Literal size out of range");
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (p == d)
		return IMAP_BAD(lx, "Invalid literal");
	*sync = true;
	if (p < lx->end && *p == '+') {
		*sync = false;
		p++;
	}
	if (lx->end - p < 3 || p[0] != '}' || p[1] != '\r' || p[2] != '\n')
		return IMAP_BAD(lx, "Invalid literal");
	lx->p = p + 3;
	*n = v;
	return true;
}

bool
imap_literal(struct imap_lex *lx, struct ife_imap_str *s, bool allow8)
{
	uint64_t n;
	bool sync, lit8;
	if (!imap_literal_header(lx, &n, &sync, &lit8))
		return false;
	if (lit8 && !allow8)
		return IMAP_BAD(lx, "literal8 not allowed here");
	/* prefix mode: the text ends right after the header of the literal
	 * being decided on (its data, even if empty, is still to come) */
	if (lx->prefix && lx->p == lx->end) {
		lx->prefix_other = true;
		return IMAP_BAD(lx, "Invalid literal");
	}
	if ((uint64_t)(lx->end - lx->p) < n)
		return IMAP_BAD(lx, "Invalid literal");
	s->ptr = (const char *)lx->p;
	s->len = (uint32_t)n;
	s->kind = IFE_IMAP_STR_LITERAL;
	s->lit8 = lit8;
	s->binary = memchr(lx->p, 0, n) != NULL;
	if (s->binary && !lit8)
		return IMAP_BAD(lx, "NUL in literal");
	lx->p += n;
	return imap_count(lx);
}

bool
imap_string(struct imap_lex *lx, struct ife_imap_str *s)
{
	int c = imap_peek(lx);
	if (c == '"')
		return imap_quoted(lx, s);
	if (c == '{')
		return imap_literal(lx, s, false);
	return IMAP_BAD(lx, "Expected a string");
}

bool
imap_astring(struct imap_lex *lx, struct ife_imap_str *s)
{
	int c = imap_peek(lx);
	if (c == '"')
		return imap_quoted(lx, s);
	if (c == '{')
		return imap_literal(lx, s, false);
	const uint8_t *b = lx->p;
	while (lx->p < lx->end && (imap_ctype[*lx->p] & IMAP_C_ASTRING))
		lx->p++;
	if (lx->p == b)
		return IMAP_BAD(lx, imap_at_eol(lx) ? "Missing argument"
						    : "Invalid string");
	s->ptr = (const char *)b;
	s->len = (uint32_t)(lx->p - b);
	s->kind = IFE_IMAP_STR_ATOM;
	s->lit8 = s->binary = 0;
	return imap_count(lx);
}

bool
imap_nstring(struct imap_lex *lx, struct ife_imap_str *s)
{
	if (imap_kw(lx, "NIL")) {
		memset(s, 0, sizeof(*s));
		s->kind = IFE_IMAP_STR_NIL;
		return imap_count(lx);
	}
	return imap_string(lx, s);
}

/* -------------------------------------------------------------- numbers */

bool
imap_number64(struct imap_lex *lx, uint64_t *v)
{
	const uint8_t *b = lx->p;
	uint64_t x = 0;
	while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
		if (x > (UINT64_C(0x7fffffffffffffff) - 9) / 10 &&
		    x * 10 + (uint64_t)(*lx->p - '0') >
			    UINT64_C(0x7fffffffffffffff))
			return IMAP_BAD(lx, "Number out of range");
		x = x * 10 + (uint64_t)(*lx->p++ - '0');
	}
	if (lx->p == b)
		return IMAP_BAD(lx, "Expected a number");
	*v = x;
	return true;
}

bool
imap_number(struct imap_lex *lx, uint32_t *v)
{
	const uint8_t *b = lx->p;
	uint64_t x = 0;
	while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
		x = x * 10 + (uint64_t)(*lx->p++ - '0');
		if (x > UINT32_MAX)
			return IMAP_BAD(lx, "Number out of range");
	}
	if (lx->p == b)
		return IMAP_BAD(lx, "Expected a number");
	*v = (uint32_t)x;
	return true;
}

bool
imap_nz_number(struct imap_lex *lx, uint32_t *v)
{
	if (imap_at(lx, '0'))
		return IMAP_BAD(lx, "Expected a non-zero number");
	return imap_number(lx, v);
}

static bool
seq_number(struct imap_lex *lx, uint32_t *v)
{
	if (imap_eat(lx, '*')) {
		*v = IFE_IMAP_SEQ_STAR;
		return true;
	}
	if (!(imap_peek(lx) >= '1' && imap_peek(lx) <= '9'))
		return IMAP_BAD(lx, "Invalid sequence set");
	return imap_number(lx, v);
}

bool
imap_seqset(struct imap_lex *lx, struct ife_imap_seqset *s)
{
	memset(s, 0, sizeof(*s));
	if (imap_eat(lx, '$')) {
		s->saved = true;
		return imap_count(lx);
	}
	void *vec = NULL;
	uint32_t n = 0, cap = 0;
	do {
		struct ife_imap_seq_range *r =
			imap_vec_push(lx, &vec, &n, &cap, sizeof(*r));
		if (r == NULL || !seq_number(lx, &r->lo))
			return false;
		r->hi = r->lo;
		if (imap_eat(lx, ':') && !seq_number(lx, &r->hi))
			return false;
	} while (imap_eat(lx, ','));
	s->r = vec;
	s->n = n;
	return true;
}

/* ---------------------------------------------------------------- dates */

static const char months[12][4] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
				   "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

static bool
digits(struct imap_lex *lx, unsigned n, unsigned *v)
{
	*v = 0;
	for (unsigned i = 0; i < n; i++) {
		int c = imap_peek(lx);
		if (c < '0' || c > '9')
			return false;
		*v = *v * 10 + (unsigned)(c - '0');
		lx->p++;
	}
	return true;
}

static bool
month_year(struct imap_lex *lx, struct ife_imap_date *d)
{
	char m[4];
	if (lx->end - lx->p < 9 || lx->p[0] != '-')
		return false;
	for (int i = 0; i < 3; i++) {
		uint8_t c = lx->p[1 + i];
		m[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
	}
	m[3] = '\0';
	d->mon = 0;
	for (int i = 0; i < 12; i++)
		if (memcmp(m, months[i], 4) == 0)
			d->mon = (uint8_t)(i + 1);
	if (d->mon == 0 || lx->p[4] != '-')
		return false;
	lx->p += 5;
	unsigned y;
	if (!digits(lx, 4, &y))
		return false;
	d->year = (uint16_t)y;
	static const uint8_t mdays[12] = {31, 29, 31, 30, 31, 30,
					  31, 31, 30, 31, 30, 31};
	if (d->day < 1 || d->day > mdays[d->mon - 1])
		return false;
	if (d->mon == 2 && d->day == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return true;
}

bool
imap_date(struct imap_lex *lx, struct ife_imap_date *d)
{
	memset(d, 0, sizeof(*d));
	bool q = imap_eat(lx, '"');
	unsigned day;
	if (!digits(lx, 1, &day))
		return IMAP_BAD(lx, "Invalid date");
	unsigned d2;
	if (imap_peek(lx) >= '0' && imap_peek(lx) <= '9') {
		digits(lx, 1, &d2);
		day = day * 10 + d2;
	}
	d->day = (uint8_t)day;
	if (!month_year(lx, d))
		return IMAP_BAD(lx, "Invalid date");
	if (q && !imap_eat(lx, '"'))
		return IMAP_BAD(lx, "Invalid date");
	return imap_count(lx);
}

bool
imap_date_time(struct imap_lex *lx, struct ife_imap_date *d)
{
	memset(d, 0, sizeof(*d));
	unsigned v, h, m, s, zh, zm;
	if (!imap_eat(lx, '"'))
		return IMAP_BAD(lx, "Invalid date-time");
	if (imap_eat(lx, ' ')) {
		if (!digits(lx, 1, &v))
			return IMAP_BAD(lx, "Invalid date-time");
	} else if (!digits(lx, 2, &v)) {
		return IMAP_BAD(lx, "Invalid date-time");
	}
	d->day = (uint8_t)v;
	if (!month_year(lx, d) || !imap_eat(lx, ' ') || !digits(lx, 2, &h) ||
	    !imap_eat(lx, ':') || !digits(lx, 2, &m) || !imap_eat(lx, ':') ||
	    !digits(lx, 2, &s) || !imap_eat(lx, ' '))
		return IMAP_BAD(lx, "Invalid date-time");
	int sign = imap_peek(lx);
	if (sign != '+' && sign != '-')
		return IMAP_BAD(lx, "Invalid date-time");
	lx->p++;
	if (!digits(lx, 2, &zh) || !digits(lx, 2, &zm) || !imap_eat(lx, '"'))
		return IMAP_BAD(lx, "Invalid date-time");
	if (h > 23 || m > 59 || s > 60 || zh > 23 || zm > 59)
		return IMAP_BAD(lx, "Invalid date-time");
	d->hour = (uint8_t)h;
	d->min = (uint8_t)m;
	d->sec = (uint8_t)s;
	d->zone = (int16_t)((sign == '-' ? -1 : 1) * (int)(zh * 60 + zm));
	d->has_time = 1;
	return imap_count(lx);
}

/* ---------------------------------------------------------------- flags */

static const struct {
	const char *name;
	uint32_t bit;
} sysflags[] = {
	{"ANSWERED", IFE_IMAP_FLAG_ANSWERED},
	{"FLAGGED", IFE_IMAP_FLAG_FLAGGED},
	{"DELETED", IFE_IMAP_FLAG_DELETED},
	{"SEEN", IFE_IMAP_FLAG_SEEN},
	{"DRAFT", IFE_IMAP_FLAG_DRAFT},
	{"RECENT", IFE_IMAP_FLAG_RECENT},
};

bool
imap_flag(struct imap_lex *lx, struct ife_imap_str *s, uint32_t *sys,
	  bool allow_star)
{
	const uint8_t *b = lx->p;
	bool bs = imap_eat(lx, '\\');
	if (bs && allow_star && imap_eat(lx, '*')) {
		s->ptr = (const char *)b;
		s->len = 2;
		s->kind = IFE_IMAP_STR_ATOM;
		return true;
	}
	while (lx->p < lx->end && (imap_ctype[*lx->p] & IMAP_C_ATOM))
		lx->p++;
	size_t n = (size_t)(lx->p - b) - bs;
	if (n == 0)
		return IMAP_BAD(lx, "Invalid flag");
	s->ptr = (const char *)b;
	s->len = (uint32_t)(lx->p - b);
	s->kind = IFE_IMAP_STR_ATOM;
	s->lit8 = s->binary = 0;
	if (bs) {
		uint32_t bit = IFE_IMAP_FLAG_OTHER_EXT;
		for (size_t i = 0; i < sizeof(sysflags) / sizeof(sysflags[0]);
		     i++) {
			if (strlen(sysflags[i].name) == n &&
			    strncasecmp(sysflags[i].name, (const char *)b + 1,
					n) == 0)
				bit = sysflags[i].bit;
		}
		*sys |= bit;
	}
	return true;
}

bool
imap_flag_list(struct imap_lex *lx, struct ife_imap_flags *f)
{
	memset(f, 0, sizeof(*f));
	if (!imap_char(lx, '(', "Expected a flag list"))
		return false;
	/* the vector is built in locals and published whole: on failure f
	 * stays an empty list, never a count without its array */
	void *vec = NULL;
	uint32_t n = 0, cap = 0;
	if (!imap_eat(lx, ')')) {
		do {
			struct ife_imap_str *s =
				imap_vec_push(lx, &vec, &n, &cap, sizeof(*s));
			if (s == NULL || !imap_flag(lx, s, &f->system, false))
				return false;
		} while (imap_eat(lx, ' '));
		if (!imap_char(lx, ')', "Invalid flag list"))
			return false;
	}
	f->f = vec;
	f->n = n;
	return true;
}

bool
imap_keyword_flag(const struct ife_imap_str *s)
{
	return s->len > 0 && s->ptr[0] != '\\';
}

/* ------------------------------------------------------------ mailboxes */

static bool
mailbox_decode(struct imap_lex *lx, struct ife_imap_mailbox *m)
{
	const struct ife_imap_str *r = &m->raw;
	m->inbox = r->len == 5 && strncasecmp(r->ptr, "INBOX", 5) == 0;
	m->name = *r;
	if (m->inbox) {
		m->name.ptr = "INBOX";
		return true;
	}
	bool plain = true;
	for (uint32_t i = 0; i < r->len; i++) {
		uint8_t c = (uint8_t)r->ptr[i];
		if (c < 0x20 || c == 0x7f)
			return IMAP_BAD(lx, "Invalid mailbox name");
		if (c >= 0x80 || c == '&')
			plain = false;
	}
	if (plain)
		return true;
	if (lx->utf8) {
		if (!ife_imap_utf8_valid(r->ptr, r->len))
			return IMAP_BAD(lx, "Invalid mailbox name");
		return true;
	}
	size_t cap = (size_t)r->len * 2 + 4;
	char *out = imap_alloc(lx, cap);
	if (out == NULL)
		return false;
	long n = ife_imap_mutf7_decode(r->ptr, r->len, out, cap);
	if (n < 0)
		return IMAP_BAD(lx, "Invalid mailbox name");
	m->name.ptr = out;
	m->name.len = (uint32_t)n;
	return true;
}

bool
imap_mailbox(struct imap_lex *lx, struct ife_imap_mailbox *m)
{
	memset(m, 0, sizeof(*m));
	if (!imap_astring(lx, &m->raw))
		return false;
	return mailbox_decode(lx, m);
}

bool
imap_list_mailbox(struct imap_lex *lx, struct ife_imap_mailbox *m)
{
	memset(m, 0, sizeof(*m));
	int c = imap_peek(lx);
	if (c == '"' || c == '{') {
		if (!imap_string(lx, &m->raw))
			return false;
	} else {
		const uint8_t *b = lx->p;
		while (lx->p < lx->end && (imap_ctype[*lx->p] & IMAP_C_LIST))
			lx->p++;
		if (lx->p == b)
			return IMAP_BAD(lx, "Invalid mailbox pattern");
		m->raw.ptr = (const char *)b;
		m->raw.len = (uint32_t)(lx->p - b);
		m->raw.kind = IFE_IMAP_STR_ATOM;
		if (!imap_count(lx))
			return false;
	}
	return mailbox_decode(lx, m);
}
