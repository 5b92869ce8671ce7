/*
 * RFC 5322 tokenizer (Dovecot rfc822-parser.c semantics), RFC 2231
 * parameter lists (rfc2231-parser.c) and address lists
 * (message-address.c) for the MIME indexer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imapfe/err.h"
#include "mime_pvt.h"

static const struct span span_null = {SPAN_NULL, 0};

/* ---- rfc822 tokenizer ---- */

/* 1: atext, 2: alnum or 8-bit (atext), 4: atext but MIME tspecial */
static const uint8_t atext[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['/'] = 4, ['='] = 4, ['?'] = 4,
	['^'] = 1, ['_'] = 1, ['`'] = 1, ['{'] = 1, ['|'] = 1, ['}'] = 1,
	['~'] = 1, ['0'] = 2, ['1'] = 2, ['2'] = 2, ['3'] = 2, ['4'] = 2,
	['5'] = 2, ['6'] = 2, ['7'] = 2, ['8'] = 2, ['9'] = 2, ['A'] = 2,
	['B'] = 2, ['C'] = 2, ['D'] = 2, ['E'] = 2, ['F'] = 2, ['G'] = 2,
	['H'] = 2, ['I'] = 2, ['J'] = 2, ['K'] = 2, ['L'] = 2, ['M'] = 2,
	['N'] = 2, ['O'] = 2, ['P'] = 2, ['Q'] = 2, ['R'] = 2, ['S'] = 2,
	['T'] = 2, ['U'] = 2, ['V'] = 2, ['W'] = 2, ['X'] = 2, ['Y'] = 2,
	['Z'] = 2, ['a'] = 2, ['b'] = 2, ['c'] = 2, ['d'] = 2, ['e'] = 2,
	['f'] = 2, ['g'] = 2, ['h'] = 2, ['i'] = 2, ['j'] = 2, ['k'] = 2,
	['l'] = 2, ['m'] = 2, ['n'] = 2, ['o'] = 2, ['p'] = 2, ['q'] = 2,
	['r'] = 2, ['s'] = 2, ['t'] = 2, ['u'] = 2, ['v'] = 2, ['w'] = 2,
	['x'] = 2, ['y'] = 2, ['z'] = 2, [128] = 2, [129] = 2, [130] = 2,
	[131] = 2, [132] = 2, [133] = 2, [134] = 2, [135] = 2, [136] = 2,
	[137] = 2, [138] = 2, [139] = 2, [140] = 2, [141] = 2, [142] = 2,
	[143] = 2, [144] = 2, [145] = 2, [146] = 2, [147] = 2, [148] = 2,
	[149] = 2, [150] = 2, [151] = 2, [152] = 2, [153] = 2, [154] = 2,
	[155] = 2, [156] = 2, [157] = 2, [158] = 2, [159] = 2, [160] = 2,
	[161] = 2, [162] = 2, [163] = 2, [164] = 2, [165] = 2, [166] = 2,
	[167] = 2, [168] = 2, [169] = 2, [170] = 2, [171] = 2, [172] = 2,
	[173] = 2, [174] = 2, [175] = 2, [176] = 2, [177] = 2, [178] = 2,
	[179] = 2, [180] = 2, [181] = 2, [182] = 2, [183] = 2, [184] = 2,
	[185] = 2, [186] = 2, [187] = 2, [188] = 2, [189] = 2, [190] = 2,
	[191] = 2, [192] = 2, [193] = 2, [194] = 2, [195] = 2, [196] = 2,
	[197] = 2, [198] = 2, [199] = 2, [200] = 2, [201] = 2, [202] = 2,
	[203] = 2, [204] = 2, [205] = 2, [206] = 2, [207] = 2, [208] = 2,
	[209] = 2, [210] = 2, [211] = 2, [212] = 2, [213] = 2, [214] = 2,
	[215] = 2, [216] = 2, [217] = 2, [218] = 2, [219] = 2, [220] = 2,
	[221] = 2, [222] = 2, [223] = 2, [224] = 2, [225] = 2, [226] = 2,
	[227] = 2, [228] = 2, [229] = 2, [230] = 2, [231] = 2, [232] = 2,
	[233] = 2, [234] = 2, [235] = 2, [236] = 2, [237] = 2, [238] = 2,
	[239] = 2, [240] = 2, [241] = 2, [242] = 2, [243] = 2, [244] = 2,
	[245] = 2, [246] = 2, [247] = 2, [248] = 2, [249] = 2, [250] = 2,
	[251] = 2, [252] = 2, [253] = 2, [254] = 2, [255] = 2,
};
#define IS_ATEXT(c) (atext[(uint8_t)(c)] != 0)
#define IS_TOKEN(c) ((atext[(uint8_t)(c)] & 3) != 0)
#define IS_LWSP(c)  ((c) == ' ' || (c) == '\t')

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
	/* type, at least one byte; a lone type is kept ("text") */
	int r0 = rfc822_parse_mime_token(c, out);
	if (out->len == start)
		return -1;
	if (r0 <= 0)
		return -1;
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

/* parameter := attribute "=" value (RFC 2045 5.1); tmp receives
 * "key\0value" and *klen the key length. */
static int
rfc822_parse_content_param(struct rfc822 *c, struct mbuf *tmp, size_t *klen)
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
void
mime_parse_params(struct ife_mime_builder *b, struct rfc822 *c, uint32_t *first,
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
					e.idx = e.idx * 10 +
						(uint32_t)(*p - '0');
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
					for (uint32_t k = 0;
					     k < ext[j].value.len; k++) {
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
			/* the arena may have moved: no pointer into it */
			mbuf_reset(t);
			mbuf_add(t, b->arena.p + ext[i].key.off,
				 ext[i].key.len);
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
	if (*ap->p.data == '>') {
		/* "<>": the null path, no mailbox or domain */
		ap->p.data++;
		return rfc822_skip_lwsp(&ap->p);
	}
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
		ap->a.name =
			arena_add_cstr(ap->b, ap->comment.p, ap->comment.len);
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

	ap.p.data = v;
	ap.p.end = v + n;
	ap.p.last_comment = &ap.comment;
	ap.a.name = ap.a.route = ap.a.mailbox = ap.a.domain = span_null;
	if (rfc822_skip_lwsp(&ap.p) <= 0)
		goto out;
	/* address-list = (address *("," address)) / obs-addr-list */
	for (uint32_t max = 10000; max > 0; max--) {
		if (parse_address(&ap) == 0)
			break;
		if (ap.p.data >= ap.p.end || *ap.p.data != ',')
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
