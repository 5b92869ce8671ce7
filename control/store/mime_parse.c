/*
 * MIME parser: RFC 5322 header parsing, RFC 2045-2049 structure, RFC 2231
 * parameters and RFC 5322 address lists, with Dovecot 2.3 semantics (see
 * mime_pvt.h). Works on the whole message in memory, without recursion:
 * the part tree is an array in pre-order and a boundary stack.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imapfe/err.h"
#include "mime_pvt.h"

/* ---- buffers ---- */

void
mbuf_reset(struct mbuf *b)
{
	b->len = 0;
	b->err = 0;
}

void
mbuf_free(struct mbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int
mbuf_reserve(struct mbuf *b, size_t more)
{
	if (b->err)
		return b->err;
	if (b->len + more + 1 <= b->cap)
		return 0;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + more + 1)
		ncap *= 2;
	char *np = realloc(b->p, ncap);
	if (np == NULL) {
		b->err = -ENOMEM;
		return b->err;
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

void
mbuf_add(struct mbuf *b, const void *p, size_t n)
{
	if (n == 0 || mbuf_reserve(b, n) != 0)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
mbuf_addc(struct mbuf *b, char c)
{
	if (mbuf_reserve(b, 1) != 0)
		return;
	b->p[b->len++] = c;
}

void
mbuf_adds(struct mbuf *b, const char *s)
{
	mbuf_add(b, s, strlen(s));
}

void
mbuf_addu(struct mbuf *b, uint64_t v)
{
	char tmp[24];
	int i = (int)sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	mbuf_add(b, tmp + i, sizeof(tmp) - (size_t)i);
}

#define GROW(b, arr, n, cap)                                                   \
	((n) < (cap) ? 0                                                       \
		     : mime_grow((b), (void **)&(arr), &(cap), sizeof(*(arr))))

static int
mime_grow(struct ife_mime_builder *b, void **arr, uint32_t *cap, size_t elt)
{
	uint32_t ncap = *cap ? *cap * 2 : 16;
	void *np = realloc(*arr, (size_t)ncap * elt);
	if (np == NULL) {
		b->err = -ENOMEM;
		return -1;
	}
	*arr = np;
	*cap = ncap;
	return 0;
}

struct span
mime_arena_add(struct ife_mime_builder *b, const void *p, size_t n)
{
	struct span s = {SPAN_NULL, 0};
	if (mbuf_reserve(&b->arena, n) != 0)
		return s;
	s.off = (uint32_t)b->arena.len;
	s.len = (uint32_t)n;
	mbuf_add(&b->arena, p, n);
	return s;
}

/* Dovecot keeps strings NUL-terminated: a NUL inside a value ends it. */
static struct span
arena_add_cstr(struct ife_mime_builder *b, const void *p, size_t n)
{
	const void *z = memchr(p, '\0', n);
	if (z != NULL)
		n = (size_t)((const char *)z - (const char *)p);
	return mime_arena_add(b, p, n);
}

const char *
mime_span(const struct ife_mime_builder *b, struct span s)
{
	if (s.off == SPAN_NULL)
		return NULL;
	return b->arena.p + s.off;
}

/* ---- rfc822 tokenizer ---- */

/* 1: atext, 2: alnum or 8-bit (atext), 4: atext but MIME tspecial */
static const uint8_t atext[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['/'] = 4, ['='] = 4, ['?'] = 4,
	['^'] = 1, ['_'] = 1, ['`'] = 1, ['{'] = 1, ['|'] = 1, ['}'] = 1,
	['~'] = 1,
	['0'] = 2, ['1'] = 2, ['2'] = 2, ['3'] = 2, ['4'] = 2, ['5'] = 2,
	['6'] = 2, ['7'] = 2, ['8'] = 2, ['9'] = 2,
	['A'] = 2, ['B'] = 2, ['C'] = 2, ['D'] = 2, ['E'] = 2, ['F'] = 2,
	['G'] = 2, ['H'] = 2, ['I'] = 2, ['J'] = 2, ['K'] = 2, ['L'] = 2,
	['M'] = 2, ['N'] = 2, ['O'] = 2, ['P'] = 2, ['Q'] = 2, ['R'] = 2,
	['S'] = 2, ['T'] = 2, ['U'] = 2, ['V'] = 2, ['W'] = 2, ['X'] = 2,
	['Y'] = 2, ['Z'] = 2,
	['a'] = 2, ['b'] = 2, ['c'] = 2, ['d'] = 2, ['e'] = 2, ['f'] = 2,
	['g'] = 2, ['h'] = 2, ['i'] = 2, ['j'] = 2, ['k'] = 2, ['l'] = 2,
	['m'] = 2, ['n'] = 2, ['o'] = 2, ['p'] = 2, ['q'] = 2, ['r'] = 2,
	['s'] = 2, ['t'] = 2, ['u'] = 2, ['v'] = 2, ['w'] = 2, ['x'] = 2,
	['y'] = 2, ['z'] = 2,
	[128] = 2, [129] = 2, [130] = 2, [131] = 2, [132] = 2, [133] = 2,
	[134] = 2, [135] = 2, [136] = 2, [137] = 2, [138] = 2, [139] = 2,
	[140] = 2, [141] = 2, [142] = 2, [143] = 2, [144] = 2, [145] = 2,
	[146] = 2, [147] = 2, [148] = 2, [149] = 2, [150] = 2, [151] = 2,
	[152] = 2, [153] = 2, [154] = 2, [155] = 2, [156] = 2, [157] = 2,
	[158] = 2, [159] = 2, [160] = 2, [161] = 2, [162] = 2, [163] = 2,
	[164] = 2, [165] = 2, [166] = 2, [167] = 2, [168] = 2, [169] = 2,
	[170] = 2, [171] = 2, [172] = 2, [173] = 2, [174] = 2, [175] = 2,
	[176] = 2, [177] = 2, [178] = 2, [179] = 2, [180] = 2, [181] = 2,
	[182] = 2, [183] = 2, [184] = 2, [185] = 2, [186] = 2, [187] = 2,
	[188] = 2, [189] = 2, [190] = 2, [191] = 2, [192] = 2, [193] = 2,
	[194] = 2, [195] = 2, [196] = 2, [197] = 2, [198] = 2, [199] = 2,
	[200] = 2, [201] = 2, [202] = 2, [203] = 2, [204] = 2, [205] = 2,
	[206] = 2, [207] = 2, [208] = 2, [209] = 2, [210] = 2, [211] = 2,
	[212] = 2, [213] = 2, [214] = 2, [215] = 2, [216] = 2, [217] = 2,
	[218] = 2, [219] = 2, [220] = 2, [221] = 2, [222] = 2, [223] = 2,
	[224] = 2, [225] = 2, [226] = 2, [227] = 2, [228] = 2, [229] = 2,
	[230] = 2, [231] = 2, [232] = 2, [233] = 2, [234] = 2, [235] = 2,
	[236] = 2, [237] = 2, [238] = 2, [239] = 2, [240] = 2, [241] = 2,
	[242] = 2, [243] = 2, [244] = 2, [245] = 2, [246] = 2, [247] = 2,
	[248] = 2, [249] = 2, [250] = 2, [251] = 2, [252] = 2, [253] = 2,
	[254] = 2, [255] = 2,
};
#define IS_ATEXT(c) (atext[(uint8_t)(c)] != 0)
#define IS_TOKEN(c) ((atext[(uint8_t)(c)] & 3) != 0)
#define IS_LWSP(c) ((c) == ' ' || (c) == '\t')

static int
rfc822_skip_comment(struct rfc822 *c)
{
	const uint8_t *start;
	int level = 1;

	if (c->last_comment != NULL)
		mbuf_reset(c->last_comment);
	start = ++c->data;
	for (; c->data != c->end; c->data++) {
		switch (*c->data) {
		case '(':
			level++;
			break;
		case ')':
			if (--level == 0) {
				if (c->last_comment != NULL)
					mbuf_add(c->last_comment, start,
						 (size_t)(c->data - start));
				c->data++;
				return c->data != c->end;
			}
			break;
		case '\\':
			if (c->last_comment != NULL)
				mbuf_add(c->last_comment, start,
					 (size_t)(c->data - start));
			start = c->data + 1;
			c->data++;
			if (c->data == c->end)
				return -1;
			break;
		}
	}
	return -1;
}

int
rfc822_skip_lwsp(struct rfc822 *c)
{
	while (c->data != c->end) {
		uint8_t ch = *c->data;
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			c->data++;
			continue;
		}
		if (ch != '(')
			break;
		if (rfc822_skip_comment(c) < 0)
			return -1;
	}
	return c->data != c->end;
}

int
rfc822_parse_atom(struct rfc822 *c, struct mbuf *out)
{
	const uint8_t *start;

	if (c->data == c->end || !IS_ATEXT(*c->data))
		return -1;
	for (start = c->data++; c->data != c->end; c->data++) {
		if (IS_ATEXT(*c->data))
			continue;
		mbuf_add(out, start, (size_t)(c->data - start));
		return rfc822_skip_lwsp(c);
	}
	mbuf_add(out, start, (size_t)(c->data - start));
	return 0;
}

int
rfc822_parse_dot_atom(struct rfc822 *c, struct mbuf *out)
{
	const uint8_t *start;
	int ret;

	if (c->data == c->end || !IS_ATEXT(*c->data))
		return -1;
	for (start = c->data++; c->data != c->end;) {
		if (IS_ATEXT(*c->data)) {
			c->data++;
			continue;
		}
		mbuf_add(out, start, (size_t)(c->data - start));
		if ((ret = rfc822_skip_lwsp(c)) <= 0)
			return ret;
		if (*c->data != '.')
			return 1;
		c->data++;
		mbuf_addc(out, '.');
		if ((ret = rfc822_skip_lwsp(c)) <= 0)
			return ret;
		start = c->data;
	}
	mbuf_add(out, start, (size_t)(c->data - start));
	return 0;
}

int
rfc822_parse_mime_token(struct rfc822 *c, struct mbuf *out)
{
	const uint8_t *start;

	for (start = c->data; c->data != c->end; c->data++) {
		if (IS_TOKEN(*c->data) || *c->data == '.')
			continue;
		mbuf_add(out, start, (size_t)(c->data - start));
		return rfc822_skip_lwsp(c);
	}
	mbuf_add(out, start, (size_t)(c->data - start));
	return 0;
}

int
rfc822_parse_quoted_string(struct rfc822 *c, struct mbuf *out)
{
	const uint8_t *start;
	size_t len;

	c->data++; /* the opening DQUOTE */
	for (start = c->data; c->data != c->end; c->data++) {
		switch (*c->data) {
		case '"':
			mbuf_add(out, start, (size_t)(c->data - start));
			c->data++;
			return rfc822_skip_lwsp(c);
		case '\n':
			/* folding whitespace: drop the [CR]LF */
			len = (size_t)(c->data - start);
			if (len > 0 && start[len - 1] == '\r')
				len--;
			mbuf_add(out, start, len);
			start = c->data + 1;
			break;
		case '\\':
			c->data++;
			if (c->data == c->end)
				return -1;
			mbuf_add(out, start, (size_t)(c->data - start - 1));
			start = c->data;
			break;
		}
	}
	return -1; /* missing DQUOTE */
}

static int
rfc822_parse_atom_or_dot(struct rfc822 *c, struct mbuf *out)
{
	const uint8_t *start;

	for (start = c->data; c->data != c->end; c->data++) {
		if (IS_ATEXT(*c->data) || *c->data == '.')
			continue;
		mbuf_add(out, start, (size_t)(c->data - start));
		return rfc822_skip_lwsp(c);
	}
	mbuf_add(out, start, (size_t)(c->data - start));
	return 0;
}

int
rfc822_parse_phrase(struct rfc822 *c, struct mbuf *out)
{
	int ret;

	/* phrase = 1*word / obs-phrase (RFC 5322 3.2.5, 4.1) */
	if (c->data == c->end)
		return 0;
	if (*c->data == '.')
		return -1;
	for (;;) {
		if (*c->data == '"')
			ret = rfc822_parse_quoted_string(c, out);
		else
			ret = rfc822_parse_atom_or_dot(c, out);
		if (ret <= 0)
			return ret;
		if (!IS_ATEXT(*c->data) && *c->data != '"' && *c->data != '.')
			break;
		mbuf_addc(out, ' ');
	}
	return rfc822_skip_lwsp(c);
}

static int
rfc822_parse_domain_literal(struct rfc822 *c, struct mbuf *out)
{
	const uint8_t *start;

	for (start = c->data; c->data != c->end; c->data++) {
		if (*c->data == '\\') {
			c->data++;
			if (c->data == c->end)
				break;
		} else if (*c->data == ']') {
			c->data++;
			mbuf_add(out, start, (size_t)(c->data - start));
			return rfc822_skip_lwsp(c);
		}
	}
	return -1;
}

int
rfc822_parse_domain(struct rfc822 *c, struct mbuf *out)
{
	c->data++; /* '@' */
	if (rfc822_skip_lwsp(c) <= 0)
		return -1;
	if (*c->data == '[')
		return rfc822_parse_domain_literal(c, out);
	return rfc822_parse_dot_atom(c, out);
}

int
rfc822_parse_content_type(struct rfc822 *c, struct mbuf *out)
{
	size_t start = out->len;

	if (rfc822_skip_lwsp(c) <= 0)
		return -1;
	/* type, at least one byte */
	if (rfc822_parse_mime_token(c, out) <= 0 || out->len == start) {
		out->len = start;
		return -1;
	}
	if (*c->data != '/') {
		out->len = start;
		return -1;
	}
	c->data++;
	if (rfc822_skip_lwsp(c) <= 0) {
		out->len = start;
		return -1;
	}
	mbuf_addc(out, '/');
	size_t sub = out->len;
	int ret = rfc822_parse_mime_token(c, out);
	if (ret < 0 || out->len == sub) {
		out->len = start;
		return -1;
	}
	return ret;
}

/* parameter := attribute "=" value (RFC 2045 5.1); *key/*val are offsets
 * into tmp, which holds "key\0value". */
static int
rfc822_parse_content_param(struct rfc822 *c, struct mbuf *tmp,
			   size_t *klen)
{
	int ret;

	if (c->data == c->end)
		return 0;
	if (*c->data != ';')
		return -1;
	c->data++;
	if (rfc822_skip_lwsp(c) <= 0)
		return -1;
	mbuf_reset(tmp);
	if (rfc822_parse_mime_token(c, tmp) <= 0)
		return -1;
	*klen = tmp->len;
	mbuf_addc(tmp, '\0');
	if (*c->data != '=')
		return -1;
	c->data++;
	if ((ret = rfc822_skip_lwsp(c)) <= 0) {
		/* broken / no value */
	} else if (*c->data == '"') {
		ret = rfc822_parse_quoted_string(c, tmp);
	} else if (*c->data == '=') {
		/* Dovecot workaround for name==?utf-8?b?...?= */
		while (c->data != c->end && *c->data != ';' &&
		       *c->data != ' ' && *c->data != '\t' &&
		       *c->data != '\r' && *c->data != '\n') {
			mbuf_addc(tmp, (char)*c->data);
			c->data++;
		}
	} else {
		ret = rfc822_parse_mime_token(c, tmp);
	}
	return ret < 0 ? -1 : 1;
}

/* ---- RFC 2231 ---- */

struct p2231 {
	struct span key, value;
	uint32_t idx;
	bool extended;
};

static int
p2231_cmp(const void *a, const void *b, void *ctx)
{
	const struct p2231 *x = a, *y = b;
	const struct ife_mime_builder *bld = ctx;
	const char *kx = bld->arena.p + x->key.off;
	const char *ky = bld->arena.p + y->key.off;
	size_t n = x->key.len < y->key.len ? x->key.len : y->key.len;
	int r = memcmp(kx, ky, n);
	if (r == 0 && x->key.len != y->key.len)
		r = x->key.len < y->key.len ? -1 : 1;
	if (r != 0)
		return r;
	return x->idx < y->idx ? -1 : (x->idx > y->idx ? 1 : 0);
}

static int
param_push(struct ife_mime_builder *b, struct span k, struct span v)
{
	if (GROW(b, b->params, b->nparams, b->capparams) != 0)
		return -1;
	b->params[b->nparams].name = k;
	b->params[b->nparams].value = v;
	b->nparams++;
	return 0;
}

#define MAX_2231 64

/* Parses the parameter list after a content type / disposition and appends
 * the merged result to b->params; returns the first index and count. */
static void
parse_params(struct ife_mime_builder *b, struct rfc822 *c, uint32_t *first,
	     uint32_t *count)
{
	struct p2231 ext[MAX_2231];
	uint32_t next_ext = 0;
	size_t klen;
	int ret;

	*first = b->nparams;
	while ((ret = rfc822_parse_content_param(c, &b->tmp, &klen)) != 0) {
		if (ret < 0) {
			if (c->data == c->end)
				break;
			c->data++;
			continue;
		}
		const char *key = b->tmp.p;
		const char *val = b->tmp.p + klen + 1;
		size_t vlen = b->tmp.len - klen - 1;
		/* keys and values are C strings in Dovecot */
		size_t kl = strnlen(key, klen);
		const char *star = memchr(key, '*', kl);
		bool plain = true;
		if (star != NULL) {
			const char *p = star;
			struct p2231 e = {.idx = 0};
			if (p + 1 < key + kl) {
				p++;
				for (; p < key + kl && *p >= '0' && *p <= '9';
				     p++)
					e.idx = e.idx * 10 + (uint32_t)(*p - '0');
			}
			if (p < key + kl && *p == '*') {
				e.extended = true;
				p++;
			}
			if (p == key + kl && next_ext < MAX_2231) {
				e.key = arena_add_cstr(b, key,
						       (size_t)(star - key));
				/* tmp may be clobbered: recompute value */
				e.value = arena_add_cstr(b, b->tmp.p + klen + 1,
							 vlen);
				ext[next_ext++] = e;
				plain = false;
			}
		}
		if (plain) {
			struct span ks = arena_add_cstr(b, key, kl);
			struct span vs = arena_add_cstr(b, val, vlen);
			param_push(b, ks, vs);
		}
	}
	if (next_ext > 0) {
		qsort_r(ext, next_ext, sizeof(ext[0]), p2231_cmp, b);
		for (uint32_t i = 0, nx; i < next_ext; i = nx) {
			bool ok = true, have_ext = false;
			uint32_t j, want = 0;
			const char *ki = b->arena.p + ext[i].key.off;
			for (j = i; j < next_ext; j++) {
				const char *kj = b->arena.p + ext[j].key.off;
				if (ext[j].key.len != ext[i].key.len ||
				    strncasecmp(ki, kj, ext[i].key.len) != 0)
					break;
				if (ext[j].idx != want)
					ok = false;
				if (ext[j].extended)
					have_ext = true;
				want++;
			}
			nx = j;
			if (!ok) {
				for (j = i; j < nx; j++) {
					struct mbuf *t = &b->tmp;
					mbuf_reset(t);
					mbuf_add(t, b->arena.p + ext[j].key.off,
						 ext[j].key.len);
					mbuf_addc(t, '*');
					mbuf_addu(t, ext[j].idx);
					if (ext[j].extended)
						mbuf_addc(t, '*');
					struct span k =
						mime_arena_add(b, t->p, t->len);
					param_push(b, k, ext[j].value);
				}
				continue;
			}
			struct mbuf *t = &b->tmp;
			mbuf_reset(t);
			if (!ext[i].extended && have_ext)
				mbuf_adds(t, "''");
			for (j = i; j < nx; j++) {
				const char *v = b->arena.p + ext[j].value.off;
				if (!ext[j].extended && have_ext) {
					for (uint32_t k = 0; k < ext[j].value.len;
					     k++) {
						if (v[k] == '%')
							mbuf_adds(t, "%25");
						else
							mbuf_addc(t, v[k]);
					}
				} else {
					mbuf_add(t, v, ext[j].value.len);
				}
			}
			struct span vs = mime_arena_add(b, t->p, t->len);
			mbuf_reset(t);
			mbuf_add(t, ki, ext[i].key.len);
			if (have_ext)
				mbuf_addc(t, '*');
			struct span ks = mime_arena_add(b, t->p, t->len);
			param_push(b, ks, vs);
		}
	}
	*count = b->nparams - *first;
}

/* ---- addresses (message-address.c) ---- */

struct aparse {
	struct ife_mime_builder *b;
	struct rfc822 p;
	struct maddr a;
	struct mbuf *str;
	struct mbuf comment;
};

static const struct span span_null = {SPAN_NULL, 0};

static void
addr_add(struct aparse *ap)
{
	struct ife_mime_builder *b = ap->b;
	if (GROW(b, b->addrs, b->naddrs, b->capaddrs) == 0)
		b->addrs[b->naddrs++] = ap->a;
	ap->a.name = ap->a.route = ap->a.mailbox = ap->a.domain = span_null;
}

static struct span
str_span(struct aparse *ap)
{
	return arena_add_cstr(ap->b, ap->str->p ? ap->str->p : "",
			      ap->str->len);
}

static struct span
lit_span(struct aparse *ap, const char *s)
{
	return mime_arena_add(ap->b, s, strlen(s));
}

static int
parse_local_part(struct aparse *ap)
{
	int ret;

	mbuf_reset(ap->str);
	if (*ap->p.data == '"')
		ret = rfc822_parse_quoted_string(&ap->p, ap->str);
	else
		ret = rfc822_parse_dot_atom(&ap->p, ap->str);
	if (ret < 0)
		return -1;
	ap->a.mailbox = str_span(ap);
	return ret;
}

static int
parse_domain(struct aparse *ap)
{
	int ret;

	mbuf_reset(ap->str);
	if ((ret = rfc822_parse_domain(&ap->p, ap->str)) < 0)
		return -1;
	ap->a.domain = str_span(ap);
	return ret;
}

static int
parse_domain_list(struct aparse *ap)
{
	int ret;

	mbuf_reset(ap->str);
	for (;;) {
		if (ap->p.data == ap->p.end)
			return 0;
		if (*ap->p.data != '@')
			break;
		if (ap->str->len > 0)
			mbuf_addc(ap->str, ',');
		mbuf_addc(ap->str, '@');
		if ((ret = rfc822_parse_domain(&ap->p, ap->str)) <= 0)
			return ret;
		while (rfc822_skip_lwsp(&ap->p) > 0 && *ap->p.data == ',')
			ap->p.data++;
	}
	ap->a.route = str_span(ap);
	return 1;
}

static int
parse_angle_addr(struct aparse *ap)
{
	int ret;

	ap->p.data++; /* '<' */
	if ((ret = rfc822_skip_lwsp(&ap->p)) <= 0)
		return ret;
	if (*ap->p.data == '@') {
		if (parse_domain_list(ap) <= 0 || *ap->p.data != ':') {
			ap->a.route = lit_span(ap, "INVALID_ROUTE");
			return -1;
		}
		ap->p.data++;
		if ((ret = rfc822_skip_lwsp(&ap->p)) <= 0)
			return ret;
	}
	if ((ret = parse_local_part(ap)) <= 0)
		return ret;
	if (*ap->p.data == '@') {
		if ((ret = parse_domain(ap)) <= 0)
			return ret;
	}
	if (*ap->p.data != '>')
		return -1;
	ap->p.data++;
	return rfc822_skip_lwsp(&ap->p);
}

static int
parse_name_addr(struct aparse *ap)
{
	mbuf_reset(ap->str);
	if (rfc822_parse_phrase(&ap->p, ap->str) <= 0 || *ap->p.data != '<')
		return -1;
	ap->a.name = str_span(ap);
	if (ap->a.name.len == 0)
		ap->a.name = span_null; /* "<address>" without a name */
	if (parse_angle_addr(ap) < 0)
		ap->a.domain = lit_span(ap, "SYNTAX_ERROR");
	return ap->p.data != ap->p.end;
}

static int
parse_addr_spec(struct aparse *ap)
{
	int ret, ret2;

	mbuf_reset(&ap->comment);
	ret = parse_local_part(ap);
	if (ret != 0 && *ap->p.data == '@') {
		ret2 = parse_domain(ap);
		if (ret2 <= 0)
			ret = ret2;
	}
	if (ap->comment.len > 0)
		ap->a.name = arena_add_cstr(ap->b, ap->comment.p,
					    ap->comment.len);
	return ret;
}

static void
add_fixed_address(struct aparse *ap)
{
	if (ap->a.mailbox.off == SPAN_NULL)
		ap->a.mailbox = lit_span(ap, "MISSING_MAILBOX");
	if (ap->a.domain.off == SPAN_NULL)
		ap->a.domain = lit_span(ap, "MISSING_DOMAIN");
	addr_add(ap);
}

static int
parse_mailbox(struct aparse *ap)
{
	const uint8_t *start = ap->p.data;
	int ret;

	if ((ret = parse_name_addr(ap)) < 0) {
		ap->p.data = start;
		ap->a.name = ap->a.route = ap->a.mailbox = ap->a.domain =
			span_null;
		ret = parse_addr_spec(ap);
	}
	add_fixed_address(ap);
	return ret;
}

static int
parse_group(struct aparse *ap)
{
	int ret;

	mbuf_reset(ap->str);
	if (rfc822_parse_phrase(&ap->p, ap->str) <= 0 || *ap->p.data != ':')
		return -1;
	ap->p.data++;
	ret = rfc822_skip_lwsp(&ap->p);
	ap->a.mailbox = str_span(ap);
	addr_add(ap);
	if (ret > 0 && *ap->p.data != ';') {
		for (;;) {
			if (parse_mailbox(ap) <= 0) {
				ret = -1;
				break;
			}
			if (*ap->p.data != ',')
				break;
			ap->p.data++;
			if (rfc822_skip_lwsp(&ap->p) <= 0) {
				ret = -1;
				break;
			}
		}
	}
	if (ret >= 0) {
		if (*ap->p.data != ';')
			ret = -1;
		else {
			ap->p.data++;
			ret = rfc822_skip_lwsp(&ap->p);
		}
	}
	addr_add(ap);
	return ret == 0 ? 0 : 1;
}

static int
parse_address(struct aparse *ap)
{
	const uint8_t *start = ap->p.data;
	int ret;

	if ((ret = parse_group(ap)) < 0) {
		ap->p.data = start;
		ap->a.name = ap->a.route = ap->a.mailbox = ap->a.domain =
			span_null;
		ret = parse_mailbox(ap);
	}
	return ret;
}

void
mime_parse_addresses(struct ife_mime_builder *b, const uint8_t *v, size_t n)
{
	struct aparse ap = {.b = b, .str = &b->tmp};
	int ret;

	b->naddrs = 0;
	ap.p.data = v;
	ap.p.end = v + n;
	ap.p.last_comment = &ap.comment;
	ap.a.name = ap.a.route = ap.a.mailbox = ap.a.domain = span_null;
	if (rfc822_skip_lwsp(&ap.p) <= 0)
		goto out;
	/* address-list = (address *("," address)) / obs-addr-list */
	for (uint32_t max = 10000; max > 0; max--) {
		if ((ret = parse_address(&ap)) == 0)
			break;
		if (*ap.p.data != ',')
			break;
		ap.p.data++;
		if ((ret = rfc822_skip_lwsp(&ap.p)) <= 0) {
			if (ret < 0)
				add_fixed_address(&ap);
			break;
		}
	}
out:
	mbuf_free(&ap.comment);
}

/* ---- part tree ---- */

static uint32_t
part_new(struct ife_mime_builder *b, uint32_t parent, uint32_t pos)
{
	if (GROW(b, b->parts, b->nparts, b->capparts) != 0)
		return IFE_MIME_NONE;
	uint32_t i = b->nparts++;
	struct mpart *mp = &b->parts[i];
	memset(mp, 0, sizeof(*mp));
	mp->p.hdr_off = pos;
	mp->p.parent = parent;
	mp->p.child = mp->p.next = IFE_MIME_NONE;
	struct span *sp = &mp->d.ctype;
	for (struct span *e = &mp->d.cloc; sp <= e; sp++)
		*sp = span_null;
	mp->d.envelope = span_null;
	if (parent != IFE_MIME_NONE) {
		struct mpart *pp = &b->parts[parent];
		mp->depth = pp->depth + 1;
		mp->p.hdr_off =
			pp->p.hdr_off + pp->p.hdr_len + pp->p.body_len;
		if (pp->p.child == IFE_MIME_NONE) {
			pp->p.child = i;
		} else {
			uint32_t c = pp->p.child;
			while (b->parts[c].p.next != IFE_MIME_NONE)
				c = b->parts[c].p.next;
			b->parts[c].p.next = i;
		}
	}
	return i;
}

/* Body bytes [from, to) added to part: LF count and missing CRs. */
static void
body_add(struct ife_mime_builder *b, uint32_t part, size_t from, size_t to)
{
	struct ife_mime_part *p = &b->parts[part].p;
	const uint8_t *m = b->msg;
	uint32_t lines = 0, missing = 0;
	const uint8_t *cur = m + from, *end = m + to, *nl;

	while (cur < end && (nl = memchr(cur, '\n', (size_t)(end - cur)))) {
		lines++;
		if (nl == m || nl[-1] != '\r')
			missing++;
		cur = nl + 1;
	}
	p->body_lines += lines;
	p->body_len += (uint32_t)(to - from);
	p->body_vsize += (uint32_t)(to - from) + missing;
	if (missing)
		b->flags |= IFE_MIME_F_BARE_LF;
}

/* message_size_add(parent body, child header + body) up to ancestor. */
static uint32_t
part_close_to(struct ife_mime_builder *b, uint32_t part, uint32_t upto)
{
	while (part != upto && b->parts[part].p.parent != IFE_MIME_NONE) {
		struct ife_mime_part *c = &b->parts[part].p;
		struct ife_mime_part *pp = &b->parts[c->parent].p;
		pp->body_len += c->hdr_len + c->body_len;
		pp->body_vsize += c->hdr_vsize + c->body_vsize;
		pp->body_lines += c->body_lines + b->parts[part].hdr_lines;
		part = c->parent;
	}
	return part;
}

/* Line at pos begins with "--" and a known boundary prefix: returns the
 * stack index of the longest match, or -1. */
static int
boundary_find(struct ife_mime_builder *b, size_t pos, bool *epilogue)
{
	const uint8_t *d = b->msg + pos;
	size_t size = b->len - pos;
	int best = -1;

	if (size < 2 || d[0] != '-' || d[1] != '-')
		return -1;
	d += 2;
	size -= 2;
	for (int i = (int)b->nbounds - 1; i >= 0; i--) {
		struct span s = b->bounds[i].b;
		if (s.len <= size && memcmp(b->arena.p + s.off, d, s.len) == 0 &&
		    (best < 0 || b->bounds[best].b.len < s.len))
			best = i;
	}
	if (best >= 0) {
		uint32_t bl = b->bounds[best].b.len;
		*epilogue = size >= bl + 2 && d[bl] == '-' && d[bl + 1] == '-';
	}
	return best;
}

/* ---- headers ---- */

struct hstate {
	uint32_t part;
	bool need_env;
	bool seen_ctype;
	bool multipart; /* boundary pushed at the end of this header */
	struct span last_boundary;
	struct span env[ENV_NFIELDS];
	uint32_t prev_nl;
};

static int
env_field(const char *n, size_t l)
{
	static const char *const names[ENV_NFIELDS] = {
		"Date", "Subject", "From", "Sender", "Reply-To",
		"To",   "Cc",      "Bcc",  "In-Reply-To", "Message-ID"};
	for (int i = 0; i < ENV_NFIELDS; i++)
		if (strlen(names[i]) == l && strncasecmp(n, names[i], l) == 0)
			return i;
	return -1;
}

static bool
name_is(const char *n, size_t l, const char *want)
{
	return strlen(want) == l && strncasecmp(n, want, l) == 0;
}

/* message-parser.c parse_content_type: flags and boundary */
static void
hdr_content_type_flags(struct ife_mime_builder *b, struct hstate *hs,
		       const uint8_t *v, size_t n)
{
	struct mpart *mp = &b->parts[hs->part];
	struct rfc822 c = {v, v + n, NULL};
	struct mbuf ct = {0};
	int ret;

	if (hs->seen_ctype)
		return;
	hs->seen_ctype = true;
	rfc822_skip_lwsp(&c);
	ret = rfc822_parse_content_type(&c, &ct);
	const char *s = ct.p ? ct.p : "";
	size_t l = ct.len;
	if (l == 14 && strncasecmp(s, "message/rfc822", 14) == 0)
		mp->p.flags |= IFE_MIME_PART_RFC822;
	else if (l >= 4 && strncasecmp(s, "text", 4) == 0 &&
		 (l == 4 || s[4] == '/'))
		mp->p.flags |= IFE_MIME_PART_TEXT;
	else if (l >= 10 && strncasecmp(s, "multipart/", 10) == 0) {
		mp->p.flags |= IFE_MIME_PART_MULTIPART;
		if (l == 16 && strncasecmp(s + 10, "digest", 6) == 0)
			mp->p.flags |= IFE_MIME_PART_DIGEST;
	}
	mbuf_free(&ct);
	if (ret < 0)
		return;
	if ((mp->p.flags & IFE_MIME_PART_MULTIPART) == 0 ||
	    hs->last_boundary.off != SPAN_NULL)
		return;
	uint32_t first, cnt, save = b->nparams;
	parse_params(b, &c, &first, &cnt);
	for (uint32_t i = first; i < first + cnt; i++) {
		struct mparam *pm = &b->params[i];
		if (name_is(b->arena.p + pm->name.off, pm->name.len,
			    "boundary")) {
			hs->last_boundary = pm->value;
			break;
		}
	}
	b->nparams = save;
}

/* message-part-data.c parse_content_type */
static void
data_content_type(struct ife_mime_builder *b, struct mdata *d,
		  const uint8_t *v, size_t n)
{
	struct rfc822 c = {v, v + n, NULL};
	struct mbuf *t = &b->tmp;
	int ret;

	rfc822_skip_lwsp(&c);
	mbuf_reset(t);
	ret = rfc822_parse_content_type(&c, t);
	const char *s = t->p ? t->p : "";
	const char *slash = memchr(s, '/', t->len);
	if (slash != NULL) {
		d->csubtype = arena_add_cstr(b, slash + 1,
					     t->len - (size_t)(slash - s) - 1);
		/* t may have moved? no: arena is a different buffer */
		d->ctype = arena_add_cstr(b, t->p, (size_t)(slash - t->p));
	} else {
		d->ctype = arena_add_cstr(b, s, t->len);
	}
	if (ret < 0)
		return;
	parse_params(b, &c, &d->ctp_first, &d->ctp_n);
}

static void
data_content_header(struct ife_mime_builder *b, struct mdata *d,
		    const char *name, size_t nlen, const uint8_t *v, size_t n)
{
	name += 8;
	nlen -= 8;
	if (name_is(name, nlen, "ID")) {
		if (d->cid.off == SPAN_NULL)
			d->cid = arena_add_cstr(b, v, n);
	} else if (name_is(name, nlen, "MD5")) {
		if (d->cmd5.off == SPAN_NULL)
			d->cmd5 = arena_add_cstr(b, v, n);
	} else if (name_is(name, nlen, "Type")) {
		if (d->ctype.off == SPAN_NULL)
			data_content_type(b, d, v, n);
	} else if (name_is(name, nlen, "Transfer-Encoding")) {
		if (d->cte.off != SPAN_NULL)
			return;
		struct rfc822 c = {v, v + n, NULL};
		struct mbuf *t = &b->tmp;
		rfc822_skip_lwsp(&c);
		mbuf_reset(t);
		if (rfc822_parse_mime_token(&c, t) >= 0 &&
		    rfc822_skip_lwsp(&c) == 0 && t->len > 0)
			d->cte = arena_add_cstr(b, t->p, t->len);
	} else if (name_is(name, nlen, "Language")) {
		if (d->lang_n != 0)
			return;
		struct rfc822 c = {v, v + n, NULL};
		struct mbuf *t = &b->tmp;
		rfc822_skip_lwsp(&c);
		d->lang_first = b->nspans;
		for (;;) {
			mbuf_reset(t);
			if (rfc822_parse_atom(&c, t) < 0)
				break;
			if (GROW(b, b->spans, b->nspans, b->capspans) != 0)
				return;
			b->spans[b->nspans++] = arena_add_cstr(b, t->p, t->len);
			d->lang_n++;
			if (c.data == c.end || *c.data != ',')
				break;
			c.data++;
			rfc822_skip_lwsp(&c);
		}
	} else if (name_is(name, nlen, "Location")) {
		if (d->cloc.off == SPAN_NULL)
			d->cloc = arena_add_cstr(b, v, n);
	} else if (name_is(name, nlen, "Description")) {
		if (d->cdesc.off == SPAN_NULL)
			d->cdesc = arena_add_cstr(b, v, n);
	} else if (name_is(name, nlen, "Disposition")) {
		/* Dovecot quirk: a later header wins while the earlier one
		 * had no parameters */
		if (d->cdp_n != 0)
			return;
		struct rfc822 c = {v, v + n, NULL};
		struct mbuf *t = &b->tmp;
		rfc822_skip_lwsp(&c);
		mbuf_reset(t);
		if (rfc822_parse_mime_token(&c, t) < 0)
			return;
		d->cdisp = arena_add_cstr(b, t->p ? t->p : "", t->len);
		parse_params(b, &c, &d->cdp_first, &d->cdp_n);
	}
}

static void
hdr_process(struct ife_mime_builder *b, struct hstate *hs, const char *name,
	    size_t nlen, const uint8_t *v, size_t n)
{
	struct mpart *mp = &b->parts[hs->part];
	const char *z = memchr(name, '\0', nlen);

	if (z != NULL)
		nlen = (size_t)(z - name);
	if (name_is(name, nlen, "Mime-Version")) {
		mp->p.flags |= IFE_MIME_PART_IS_MIME;
	} else if (name_is(name, nlen, "Content-Type")) {
		mp->p.flags |= IFE_MIME_PART_IS_MIME;
		hdr_content_type_flags(b, hs, v, n);
	}
	mp = &b->parts[hs->part];
	if (nlen >= 8 && strncasecmp(name, "Content-", 8) == 0)
		data_content_header(b, &mp->d, name, nlen, v, n);
	if (hs->need_env) {
		int f = env_field(name, nlen);
		if (f >= 0)
			hs->env[f] = mime_arena_add(b, v, n);
	}
}

/* One logical header line at pos (RFC 5322 2.2.3 unfolding, Dovecot's
 * SKIP_INITIAL_LWSP | DROP_CR). Returns the position after it. */
static size_t
hdr_read(struct ife_mime_builder *b, struct hstate *hs, size_t pos)
{
	struct mpart *mp = &b->parts[hs->part];
	const uint8_t *m = b->msg;
	size_t len = b->len;
	const uint8_t *nl = memchr(m + pos, '\n', len - pos);
	size_t le, next;
	bool first = true;
	size_t name_end = 0, name_len = 0;

	mbuf_reset(&b->hv);
	mbuf_reset(&b->tmp);
	for (;;) {
		if (nl != NULL) {
			size_t i = (size_t)(nl - m);
			le = (i > pos && m[i - 1] == '\r') ? i - 1 : i;
			next = i + 1;
			mp->hdr_lines++;
			mp->p.hdr_len += (uint32_t)(next - pos);
			mp->p.hdr_vsize += (uint32_t)(next - pos);
			if (le == i) {
				mp->p.hdr_vsize++;
				b->flags |= IFE_MIME_F_BARE_LF;
			}
			hs->prev_nl = (uint32_t)(next - le);
		} else {
			le = len;
			next = len;
			mp->p.hdr_len += (uint32_t)(len - pos);
			mp->p.hdr_vsize += (uint32_t)(len - pos);
			hs->prev_nl = 0;
		}
		if (first) {
			const uint8_t *colon = memchr(m + pos, ':', le - pos);
			if (colon == NULL) {
				/* no ':': the whole line is the name */
				name_end = le;
				name_len = le - pos;
			} else {
				size_t c = (size_t)(colon - m), vs = c + 1, p;
				name_end = c;
				while (name_end > pos && IS_LWSP(m[name_end - 1]))
					name_end--;
				name_len = name_end - pos;
				for (p = vs; p < le && IS_LWSP(m[p]); p++)
					;
				if (p == le && le > vs && IS_LWSP(m[vs]))
					p = vs + 1;
				mbuf_add(&b->hv, m + p, le - p);
			}
			/* keep the name: it may be overwritten below */
			mbuf_add(&b->tmp, m + pos, name_len);
			first = false;
		} else {
			mbuf_addc(&b->hv, '\n');
			mbuf_add(&b->hv, m + pos, le - pos);
		}
		pos = next;
		if (nl == NULL || pos >= len || !IS_LWSP(m[pos]))
			break;
		nl = memchr(m + pos, '\n', len - pos);
	}
	(void)name_end;
	/* copy out: hdr_process reuses tmp and hv is stable */
	size_t nlen = b->tmp.len;
	char namebuf[256];
	char *name = nlen < sizeof(namebuf) ? namebuf : malloc(nlen + 1);
	if (name == NULL) {
		b->err = -ENOMEM;
		return pos;
	}
	if (nlen)
		memcpy(name, b->tmp.p, nlen);
	name[nlen] = '\0';
	/* hv may be realloc'ed by nothing below (hdr_process never touches
	 * hv), so the view is stable */
	hdr_process(b, hs, name, nlen,
		    (const uint8_t *)(b->hv.p ? b->hv.p : ""), b->hv.len);
	if (name != namebuf)
		free(name);
	return pos;
}

static void
env_render(struct ife_mime_builder *b, struct hstate *hs)
{
	struct mbuf o = {0};
	mime_render_envelope(b, &o, hs->env);
	if (o.err)
		b->err = o.err;
	b->parts[hs->part].d.envelope = mime_arena_add(b, o.p ? o.p : "",
						       o.len);
	mbuf_free(&o);
}

enum pstate { S_HDR, S_BOUND, S_EOF, S_DONE };

static bool
limits_ok(struct ife_mime_builder *b, uint32_t parent)
{
	if (b->nparts >= b->lim.max_parts ||
	    b->parts[parent].depth + 1 >= b->lim.max_depth) {
		b->flags |= IFE_MIME_F_TRUNCATED;
		return false;
	}
	return true;
}

static enum pstate
parse_header_block(struct ife_mime_builder *b, uint32_t *curp, size_t *ppos)
{
	uint32_t part = *curp;
	struct hstate hs = {.part = part};
	size_t pos = *ppos, len = b->len;
	const uint8_t *m = b->msg;

	hs.last_boundary = span_null;
	for (int i = 0; i < ENV_NFIELDS; i++)
		hs.env[i] = span_null;
	uint32_t parent = b->parts[part].p.parent;
	hs.need_env = parent == IFE_MIME_NONE ||
		      (b->parts[parent].p.flags & IFE_MIME_PART_RFC822) != 0;

	while (!b->err) {
		if (pos >= len)
			break; /* header ends at EOF */
		bool at_eoh = m[pos] == '\n' ||
			      (m[pos] == '\r' && pos + 1 < len &&
			       m[pos + 1] == '\n');
		struct mpart *mp = &b->parts[part];
		if (at_eoh && hs.last_boundary.off != SPAN_NULL &&
		    (mp->p.flags & IFE_MIME_PART_IS_MIME) &&
		    limits_ok(b, part)) {
			if (GROW(b, b->bounds, b->nbounds, b->capbounds) != 0)
				break;
			b->bounds[b->nbounds].part = part;
			b->bounds[b->nbounds].b = hs.last_boundary;
			b->nbounds++;
			hs.multipart = true;
			hs.last_boundary = span_null;
		}
		if (b->nbounds > 0) {
			bool ep;
			int bi = boundary_find(b, pos, &ep);
			if (bi >= 0 && b->bounds[bi].part != part) {
				/* a boundary cuts the header short; the
				 * previous line end belongs to it */
				if (hs.prev_nl > 0) {
					struct ife_mime_part *pp =
						&b->parts[mp->p.parent].p;
					mp->hdr_lines--;
					mp->p.hdr_len -= hs.prev_nl;
					mp->p.hdr_vsize -= 2;
					pp->body_lines++;
					pp->body_len += hs.prev_nl;
					pp->body_vsize += 2;
				}
				break;
			}
		}
		if (at_eoh) {
			uint32_t n = m[pos] == '\r' ? 2 : 1;
			mp->hdr_lines++;
			mp->p.hdr_len += n;
			mp->p.hdr_vsize += 2;
			if (n == 1)
				b->flags |= IFE_MIME_F_BARE_LF;
			pos += n;
			break;
		}
		pos = hdr_read(b, &hs, pos);
	}
	if (b->err)
		return S_DONE;

	struct mpart *mp = &b->parts[part];
	if ((mp->p.flags & IFE_MIME_PART_IS_MIME) == 0)
		mp->p.flags = 0;
	if (!hs.seen_ctype || (mp->p.flags & IFE_MIME_PART_IS_MIME) == 0) {
		if (parent != IFE_MIME_NONE &&
		    (b->parts[parent].p.flags & IFE_MIME_PART_DIGEST))
			mp->p.flags |= IFE_MIME_PART_RFC822;
		else
			mp->p.flags |= IFE_MIME_PART_TEXT;
	}
	if ((mp->p.flags & IFE_MIME_PART_IS_MIME) == 0) {
		/* no MIME-Version: forget the Content-* data */
		struct span *sp = &mp->d.ctype;
		for (struct span *e = &mp->d.cloc; sp <= e; sp++)
			*sp = span_null;
		mp->d.ctp_n = mp->d.cdp_n = mp->d.lang_n = 0;
	}
	if (hs.need_env)
		env_render(b, &hs);
	*ppos = pos;
	mp = &b->parts[part];
	if (hs.multipart)
		return S_BOUND;
	if (mp->p.flags & IFE_MIME_PART_RFC822) {
		if (!limits_ok(b, part)) {
			mp->p.flags &= ~(uint32_t)IFE_MIME_PART_RFC822;
			return b->nbounds > 0 ? S_BOUND : S_EOF;
		}
		uint32_t c = part_new(b, part, (uint32_t)pos);
		if (c == IFE_MIME_NONE)
			return S_DONE;
		*curp = c;
		return S_HDR;
	}
	return b->nbounds > 0 ? S_BOUND : S_EOF;
}

int
mime_parse(struct ife_mime_builder *b)
{
	const uint8_t *m = b->msg;
	size_t len = b->len, pos = 0;
	uint32_t cur = part_new(b, IFE_MIME_NONE, 0);
	enum pstate st = S_HDR;

	if (cur == IFE_MIME_NONE)
		return b->err ? b->err : -ENOMEM;
	while (st != S_DONE && !b->err) {
		if (st == S_HDR) {
			st = parse_header_block(b, &cur, &pos);
			continue;
		}
		if (st == S_EOF) {
			body_add(b, cur, pos, len);
			pos = len;
			break;
		}
		/* S_BOUND: body up to the next known boundary line */
		bool ep = false, first = true;
		int bi = boundary_find(b, pos, &ep);
		size_t q = pos, bstart = pos;
		while (bi < 0) {
			const uint8_t *nl = memchr(m + q, '\n', len - q);
			if (nl == NULL)
				break;
			q = (size_t)(nl - m) + 1;
			bi = boundary_find(b, q, &ep);
			if (bi >= 0) {
				bstart = (size_t)(nl - m);
				if (nl > m + pos && nl[-1] == '\r')
					bstart--;
				first = false;
			}
		}
		if (bi < 0) {
			body_add(b, cur, pos, len);
			pos = len;
			break;
		}
		body_add(b, cur, pos, bstart);
		pos = bstart;
		uint32_t bpart = b->bounds[bi].part;
		uint32_t blen = b->bounds[bi].b.len;
		cur = part_close_to(b, cur, bpart);
		b->nbounds = ep ? (uint32_t)bi : (uint32_t)bi + 1;
		size_t ls = first ? 0 : (m[pos] == '\r' ? 2 : 1);
		ls += 2 + blen + (ep ? 2 : 0);
		body_add(b, cur, pos, pos + ls);
		pos += ls;
		const uint8_t *nl = memchr(m + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - m) + 1 : len;
		body_add(b, cur, pos, end);
		pos = end;
		if (b->nbounds == 0 || b->bounds[b->nbounds - 1].part != cur) {
			st = b->nbounds > 0 ? S_BOUND : S_EOF;
			continue;
		}
		if (!limits_ok(b, cur)) {
			st = S_BOUND;
			b->nbounds--; /* stop splitting this multipart */
			continue;
		}
		uint32_t c = part_new(b, cur, (uint32_t)pos);
		if (c == IFE_MIME_NONE)
			break;
		b->parts[c].p.flags |= IFE_MIME_PART_IS_MIME;
		cur = c;
		st = S_HDR;
	}
	if (b->err)
		return b->err;
	part_close_to(b, cur, IFE_MIME_NONE);
	if (memchr(m, '\0', len) != NULL)
		b->flags |= IFE_MIME_F_HAS_NUL;
	return 0;
}
