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

#define IS_LWSP(c) ((c) == ' ' || (c) == '\t')

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

int
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
struct span
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

static const struct span span_null = {SPAN_NULL, 0};

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
		mp->p.hdr_off = pp->p.hdr_off + pp->p.hdr_len + pp->p.body_len;
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
		if (s.len <= size &&
		    memcmp(b->arena.p + s.off, d, s.len) == 0 &&
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
	struct env_addr_hdr addr_hdr[MAX_ADDR_HDRS];
	uint32_t naddr_hdr;
	uint32_t prev_nl;
};

static int
env_field(const char *n, size_t l)
{
	static const char *const names[ENV_NFIELDS] = {
		"Date", "Subject", "From", "Sender",	  "Reply-To",
		"To",	"Cc",	   "Bcc",  "In-Reply-To", "Message-ID"};
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
	mime_parse_params(b, &c, &first, &cnt);
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
data_content_type(struct ife_mime_builder *b, struct mdata *d, const uint8_t *v,
		  size_t n)
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
		d->csubtype = mime_arena_add(b, "", 0);
	}
	if (ret < 0)
		return;
	mime_parse_params(b, &c, &d->ctp_first, &d->ctp_n);
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
		mime_parse_params(b, &c, &d->cdp_first, &d->cdp_n);
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
		if (f >= ENV_FROM && f <= ENV_BCC) {
			/* address headers accumulate (Dovecot 2.3) */
			if (hs->naddr_hdr < MAX_ADDR_HDRS) {
				hs->addr_hdr[hs->naddr_hdr].field = (uint8_t)f;
				hs->addr_hdr[hs->naddr_hdr].v =
					mime_arena_add(b, v, n);
				hs->naddr_hdr++;
			}
			hs->env[f] = mime_arena_add(b, "", 0);
		} else if (f >= 0) {
			hs->env[f] = mime_arena_add(b, v, n);
		}
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
				while (name_end > pos &&
				       IS_LWSP(m[name_end - 1]))
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
	if (b->hv.len > 0 && memchr(b->hv.p, '\0', b->hv.len) != NULL) {
		/* Dovecot replaces NULs in header values by U+FFFD */
		struct mbuf t = {0};
		for (size_t i = 0; i < b->hv.len; i++) {
			if (b->hv.p[i] == '\0')
				mbuf_add(&t, "\xef\xbf\xbd", 3);
			else
				mbuf_addc(&t, b->hv.p[i]);
		}
		mbuf_reset(&b->hv);
		mbuf_add(&b->hv, t.p, t.len);
		if (t.err)
			b->err = t.err;
		mbuf_free(&t);
	}
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
	/* NUL after the value, as in Dovecot: the tokenizer may look at the
	 * byte at the end. hdr_process never touches hv: the view is
	 * stable. */
	mbuf_addc(&b->hv, '\0');
	b->hv.len--;
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
	uint32_t marks[4];
	mime_render_envelope(b, &o, hs->env, hs->addr_hdr, hs->naddr_hdr,
			     marks);
	memcpy(b->parts[hs->part].d.env_mark, marks, sizeof(marks));
	if (o.err)
		b->err = o.err;
	b->parts[hs->part].d.envelope =
		mime_arena_add(b, o.p ? o.p : "", o.len);
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
		bool at_eoh =
			m[pos] == '\n' ||
			(m[pos] == '\r' && pos + 1 < len && m[pos + 1] == '\n');
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
			/* Dovecot: a boundary right after the blank line takes
			 * the blank line's newline as its own [CR]LF */
			bool ep;
			int bi = b->nbounds > 0 ? boundary_find(b, pos, &ep)
						: -1;
			if (bi >= 0 && b->bounds[bi].part != part) {
				struct ife_mime_part *pp =
					&b->parts[mp->p.parent].p;
				mp->hdr_lines--;
				mp->p.hdr_len -= n;
				mp->p.hdr_vsize -= 2;
				pp->body_lines++;
				pp->body_len += n;
				pp->body_vsize += 2;
			}
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
