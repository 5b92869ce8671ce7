/*
 * MIME renderer: IMAP string quoting, ENVELOPE, BODY and BODYSTRUCTURE
 * (RFC 9051 section 7.5.2) exactly as Dovecot 2.3 writes them
 * (imap-quote.c, imap-envelope.c, imap-bodystructure.c), the index blob
 * format, and section lookup (imap-msgpart.c semantics).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imapfe/err.h"
#include "mime_pvt.h"

#define QUOTED_MAX_ESCAPE_CHARS 4

/* ---- quoting (imap-quote.c) ---- */

static void
imapq_literal(struct mbuf *o, const char *s, size_t n)
{
	mbuf_addc(o, '{');
	mbuf_addu(o, n);
	mbuf_adds(o, "}\r\n");
	mbuf_add(o, s, n);
}

/* imap_append_nstring(): quoted unless CR, LF, 8-bit or more than four
 * quoted-specials, then a literal. s is a C string of length n. */
void
imapq_nstring(struct mbuf *o, const char *s, size_t n, bool is_null)
{
	unsigned esc = 0;

	if (is_null) {
		mbuf_adds(o, "NIL");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c == '"' || c == '\\') {
			if (esc++ < QUOTED_MAX_ESCAPE_CHARS)
				continue;
			imapq_literal(o, s, n);
			return;
		}
		if (c == '\r' || c == '\n' || c >= 0x80) {
			imapq_literal(o, s, n);
			return;
		}
	}
	mbuf_addc(o, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			mbuf_addc(o, '\\');
		mbuf_addc(o, s[i]);
	}
	mbuf_addc(o, '"');
}

/* imap_append_nstring_nolf(): CR and LF removed first. */
void
imapq_nstring_nolf(struct mbuf *o, const char *s, size_t n, bool is_null)
{
	if (is_null || (memchr(s, '\r', n) == NULL && !memchr(s, '\n', n))) {
		imapq_nstring(o, s, n, is_null);
		return;
	}
	struct mbuf t = {0};
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\r' && s[i] != '\n') {
			mbuf_addc(&t, s[i]);
		} else if (i + 1 < n && s[i + 1] != ' ' && s[i + 1] != '\t' &&
			   s[i + 1] != '\r' && s[i + 1] != '\n') {
			mbuf_addc(&t, ' ');
		}
	}
	if (t.err)
		o->err = t.err;
	imapq_nstring(o, t.p ? t.p : "", t.len, false);
	mbuf_free(&t);
}

/* imap_append_string_for_humans(): TABs to spaces, runs of spaces
 * collapsed, CR/LF dropped, NUL to 0x80, ends trimmed. */
void
imapq_for_humans(struct mbuf *o, const char *s, size_t n)
{
	const uint8_t *src = (const uint8_t *)s;
	size_t i, remove = 0;
	bool ws_prefix = true, last_lwsp = true, modify = false;

	for (i = 0; i < n; i++) {
		switch (src[i]) {
		case 0:
			last_lwsp = false;
			modify = true;
			break;
		case '\t':
			modify = true;
			/* fall through */
		case ' ':
			if (last_lwsp) {
				modify = true;
				remove++;
			}
			last_lwsp = true;
			break;
		case '\r':
		case '\n':
			remove++;
			modify = true;
			break;
		case '"':
		case '\\':
			modify = true;
			last_lwsp = false;
			break;
		default:
			if (src[i] & 0x80)
				modify = true;
			last_lwsp = false;
			break;
		}
		if (!last_lwsp)
			ws_prefix = false;
	}
	if (last_lwsp && i > 0 && !ws_prefix) {
		modify = true;
		remove++;
	}
	if (!modify) {
		mbuf_addc(o, '"');
		mbuf_add(o, s, n);
		mbuf_addc(o, '"');
		return;
	}
	if (n == remove) {
		mbuf_adds(o, "\"\"");
		return;
	}
	mbuf_addc(o, '{');
	mbuf_addu(o, n - remove);
	mbuf_adds(o, "}\r\n");
	last_lwsp = true;
	ws_prefix = true;
	for (i = 0; i < n; i++) {
		switch (src[i]) {
		case 0:
			mbuf_addc(o, (char)0x80);
			last_lwsp = false;
			break;
		case '\t':
		case ' ':
			if (!last_lwsp)
				mbuf_addc(o, ' ');
			last_lwsp = true;
			break;
		case '\r':
		case '\n':
			break;
		default:
			last_lwsp = false;
			mbuf_addc(o, (char)src[i]);
			break;
		}
		if (!last_lwsp)
			ws_prefix = false;
	}
	if (last_lwsp && i > 0 && !ws_prefix && o->len > 0)
		o->len--;
}

static void
q_span(struct ife_mime_builder *b, struct mbuf *o, struct span s)
{
	imapq_nstring(o, mime_span(b, s), s.len, s.off == SPAN_NULL);
}

static void
q_span_nolf(struct ife_mime_builder *b, struct mbuf *o, struct span s)
{
	imapq_nstring_nolf(o, mime_span(b, s), s.len, s.off == SPAN_NULL);
}

/* ---- ENVELOPE (imap-envelope.c) ---- */

static size_t
cstrlen(const char *s, size_t n)
{
	const char *z = memchr(s, '\0', n);
	return z ? (size_t)(z - s) : n;
}

/* Parses every header of one address field (values are copied out of the
 * arena first: the parser appends to the arena) and writes the list.
 * Returns whether the list was non-empty. */
static bool
write_addresses(struct ife_mime_builder *b, struct mbuf *o,
		const struct env_addr_hdr *ah, uint32_t nah, int field)
{
	b->naddrs = 0;
	for (uint32_t i = 0; i < nah && !b->err; i++) {
		if (ah[i].field != field)
			continue;
		struct span v = ah[i].v;
		/* NUL-terminated like Dovecot's strings: the tokenizer may
		 * look at the byte at the end */
		uint8_t *copy = malloc(v.len + 1);
		if (copy == NULL) {
			b->err = -ENOMEM;
			return false;
		}
		memcpy(copy, b->arena.p + v.off, v.len);
		copy[v.len] = '\0';
		mime_parse_addresses(b, copy, v.len);
		free(copy);
	}
	if (b->naddrs == 0)
		return false;
	mbuf_addc(o, '(');
	for (uint32_t i = 0; i < b->naddrs; i++) {
		struct maddr *a = &b->addrs[i];
		mbuf_addc(o, '(');
		if (a->name.off == SPAN_NULL)
			mbuf_adds(o, "NIL");
		else
			imapq_for_humans(o, mime_span(b, a->name), a->name.len);
		mbuf_addc(o, ' ');
		q_span(b, o, a->route);
		mbuf_addc(o, ' ');
		q_span(b, o, a->mailbox);
		mbuf_addc(o, ' ');
		q_span(b, o, a->domain);
		mbuf_addc(o, ')');
	}
	mbuf_addc(o, ')');
	return true;
}

static void
write_addr_field(struct ife_mime_builder *b, struct mbuf *o,
		 const struct env_addr_hdr *ah, uint32_t nah, int field,
		 int fallback)
{
	if (write_addresses(b, o, ah, nah, field))
		return;
	/* NVL(sender, from): an absent or empty list falls back */
	if (fallback >= 0 && write_addresses(b, o, ah, nah, fallback))
		return;
	mbuf_adds(o, "NIL");
}

void
mime_render_envelope(struct ife_mime_builder *b, struct mbuf *o,
		     const struct span *f, const struct env_addr_hdr *ah,
		     uint32_t nah, uint32_t marks[4])
{
	struct span s;
	size_t base = o->len;

	s = f[ENV_DATE];
	if (s.off == SPAN_NULL)
		mbuf_adds(o, "NIL");
	else
		imapq_nstring_nolf(o, mime_span(b, s),
				   cstrlen(mime_span(b, s), s.len), false);
	mbuf_addc(o, ' ');
	s = f[ENV_SUBJECT];
	if (s.off == SPAN_NULL)
		mbuf_adds(o, "NIL");
	else
		imapq_for_humans(o, mime_span(b, s),
				 cstrlen(mime_span(b, s), s.len));
	static const int fb[] = {
		[ENV_FROM] = -1,
		[ENV_SENDER] = ENV_FROM,
		[ENV_REPLY_TO] = ENV_FROM,
		[ENV_TO] = -1,
		[ENV_CC] = -1,
		[ENV_BCC] = -1,
	};
	for (int i = ENV_FROM; i <= ENV_BCC; i++) {
		mbuf_addc(o, ' ');
		if (i <= ENV_TO)
			marks[i - ENV_FROM] = (uint32_t)(o->len - base);
		write_addr_field(b, o, ah, nah, i, fb[i]);
	}
	for (int i = ENV_IN_REPLY_TO; i <= ENV_MESSAGE_ID; i++) {
		mbuf_addc(o, ' ');
		s = f[i];
		if (s.off == SPAN_NULL)
			mbuf_adds(o, "NIL");
		else
			imapq_nstring_nolf(o, mime_span(b, s),
					   cstrlen(mime_span(b, s), s.len),
					   false);
	}
}

/* ---- BODY / BODYSTRUCTURE (imap-bodystructure.c) ---- */

#define EMPTY_BODY \
	"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)"
#define EMPTY_BODYSTRUCTURE                                                    \
	"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 " \
	"NIL NIL NIL NIL)"

static void
params_write(struct ife_mime_builder *b, struct mbuf *o, uint32_t first,
	     uint32_t n, bool default_charset)
{
	bool seen = false;

	if (!default_charset && n == 0) {
		mbuf_adds(o, "NIL");
		return;
	}
	mbuf_addc(o, '(');
	for (uint32_t i = 0; i < n; i++) {
		struct mparam *p = &b->params[first + i];
		if (i > 0)
			mbuf_addc(o, ' ');
		if (default_charset && p->name.len == 7 &&
		    strncasecmp(mime_span(b, p->name), "charset", 7) == 0)
			seen = true;
		q_span(b, o, p->name);
		mbuf_addc(o, ' ');
		q_span(b, o, p->value);
	}
	if (default_charset && !seen) {
		if (n > 0)
			mbuf_addc(o, ' ');
		mbuf_adds(o, "\"charset\" \"us-ascii\"");
	}
	mbuf_addc(o, ')');
}

static void
write_common(struct ife_mime_builder *b, struct mbuf *o, const struct mdata *d)
{
	mbuf_addc(o, ' ');
	if (d->cdisp.off == SPAN_NULL) {
		mbuf_adds(o, "NIL");
	} else {
		mbuf_addc(o, '(');
		q_span(b, o, d->cdisp);
		mbuf_addc(o, ' ');
		params_write(b, o, d->cdp_first, d->cdp_n, false);
		mbuf_addc(o, ')');
	}
	mbuf_addc(o, ' ');
	if (d->lang_n == 0) {
		mbuf_adds(o, "NIL");
	} else {
		mbuf_addc(o, '(');
		for (uint32_t i = 0; i < d->lang_n; i++) {
			if (i > 0)
				mbuf_addc(o, ' ');
			q_span(b, o, b->spans[d->lang_first + i]);
		}
		mbuf_addc(o, ')');
	}
	mbuf_addc(o, ' ');
	q_span_nolf(b, o, d->cloc);
}

static void write_part(struct ife_mime_builder *b, struct mbuf *o, uint32_t idx,
		       bool ext);

/* BODY is BODYSTRUCTURE without the extension data (RFC 9051 7.5.2):
 * while BODYSTRUCTURE is rendered, each part's extension data is noted as
 * a range of b->bs that BODY leaves out, so that the index stores BODY as
 * a list of cuts instead of a second copy. */
static void
cut_add(struct ife_mime_builder *b, size_t at, size_t len)
{
	uint32_t c[2] = {(uint32_t)at, (uint32_t)len};
	mbuf_add(&b->cuts, c, sizeof(c));
}

static void
write_siblings(struct ife_mime_builder *b, struct mbuf *o, uint32_t idx,
	       bool ext)
{
	for (; idx != IFE_MIME_NONE; idx = b->parts[idx].p.next) {
		mbuf_addc(o, '(');
		write_part(b, o, idx, ext);
		mbuf_addc(o, ')');
	}
}

static bool
span_ieq(struct ife_mime_builder *b, struct span s, const char *want)
{
	return s.off != SPAN_NULL && s.len == strlen(want) &&
	       strncasecmp(mime_span(b, s), want, s.len) == 0;
}

/* Recursion is bounded by ife_mime_limits.max_depth. */
static void
write_part(struct ife_mime_builder *b, struct mbuf *o, uint32_t idx, bool ext)
{
	const struct mpart *mp = &b->parts[idx];
	const struct mdata *d = &mp->d;

	if (mp->p.flags & IFE_MIME_PART_MULTIPART) {
		if (mp->p.child != IFE_MIME_NONE) {
			write_siblings(b, o, mp->p.child, ext);
		} else {
			mbuf_adds(o, ext ? EMPTY_BODYSTRUCTURE : EMPTY_BODY);
			/* BODY is the same without " NIL NIL NIL NIL" */
			if (ext)
				cut_add(b, o->len - 17, 16);
		}
		mbuf_addc(o, ' ');
		q_span(b, o, d->csubtype);
		if (!ext)
			return;
		size_t from = o->len;
		mbuf_addc(o, ' ');
		params_write(b, o, d->ctp_first, d->ctp_n, false);
		write_common(b, o, d);
		cut_add(b, from, o->len - from);
		return;
	}

	bool text;
	if (mp->p.flags & IFE_MIME_PART_RFC822) {
		mbuf_adds(o, "\"message\" \"rfc822\"");
		text = false;
	} else if (d->ctype.off == SPAN_NULL) {
		text = true;
		mbuf_adds(o, "\"text\" \"plain\"");
	} else {
		text = span_ieq(b, d->ctype, "text");
		q_span(b, o, d->ctype);
		mbuf_addc(o, ' ');
		q_span(b, o, d->csubtype);
	}
	mbuf_addc(o, ' ');
	params_write(b, o, d->ctp_first, d->ctp_n, text);
	mbuf_addc(o, ' ');
	q_span_nolf(b, o, d->cid);
	mbuf_addc(o, ' ');
	q_span_nolf(b, o, d->cdesc);
	mbuf_addc(o, ' ');
	if (d->cte.off != SPAN_NULL)
		q_span(b, o, d->cte);
	else
		mbuf_adds(o, "\"7bit\"");
	mbuf_addc(o, ' ');
	mbuf_addu(o, mp->p.body_vsize);
	if (text) {
		mbuf_addc(o, ' ');
		mbuf_addu(o, mp->p.body_lines);
	} else if ((mp->p.flags & IFE_MIME_PART_RFC822) &&
		   mp->p.child != IFE_MIME_NONE) {
		const struct mpart *c = &b->parts[mp->p.child];
		mbuf_adds(o, " (");
		if (c->d.envelope.off != SPAN_NULL)
			mbuf_add(o, mime_span(b, c->d.envelope),
				 c->d.envelope.len);
		else
			mbuf_adds(o, "NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL");
		mbuf_adds(o, ") ");
		write_siblings(b, o, mp->p.child, ext);
		mbuf_addc(o, ' ');
		mbuf_addu(o, mp->p.body_lines);
	}
	if (!ext)
		return;
	size_t from = o->len;
	mbuf_addc(o, ' ');
	q_span_nolf(b, o, d->cmd5);
	write_common(b, o, d);
	cut_add(b, from, o->len - from);
}

/* ---- index blob ---- */

#define IDX_MAGIC 0x4d454649u /* "IFEM" */

/*
 * Index blob, version 2 (all integers host order, 4-byte aligned):
 *   idx_hdr | parts[nparts] | env_ins[env_ins][3] u32 | cuts[][2] u32 |
 *   BODYSTRUCTURE | envelope pool | BODY (only when body_cuts is
 *   BODY_EXPLICIT)
 * ENVELOPE is the pool with insertions (pos, src, len): Sender and
 * Reply-To that equal From (the usual case: RFC 5322 makes them
 * optional and IMAP repeats From) are stored as references to it.
 * BODY is BODYSTRUCTURE with the cut (at, len) ranges left out; where
 * that would not give the BODY string rendered (the plain 7-bit
 * constant with other header case), BODY is stored whole.
 */
struct idx_hdr {
	uint32_t magic;
	uint8_t version;
	uint8_t env_ins; /* insertions into the envelope pool (0..2) */
	uint16_t part_size;
	uint32_t flags;
	uint32_t nparts;
	uint32_t env_len;  /* ENVELOPE as sent */
	uint32_t env_pool; /* envelope bytes stored */
	uint32_t bs_len;
	uint32_t body_len; /* BODY as sent */
	uint32_t body_cuts;
};

#define BODY_EXPLICIT UINT32_MAX

/* message_part_data_is_plain_7bit() */
static bool
is_plain_7bit(struct ife_mime_builder *b)
{
	const struct mpart *mp = &b->parts[0];
	const struct mdata *d = &mp->d;

	if ((mp->p.flags & IFE_MIME_PART_TEXT) == 0 ||
	    mp->p.child != IFE_MIME_NONE)
		return false;
	if (d->csubtype.off != SPAN_NULL && !span_ieq(b, d->csubtype, "plain"))
		return false;
	if (d->ctp_n > 0 &&
	    (!span_ieq(b, b->params[d->ctp_first].name, "charset") ||
	     !span_ieq(b, b->params[d->ctp_first].value, "us-ascii")))
		return false;
	if (d->cid.off != SPAN_NULL || d->cdesc.off != SPAN_NULL)
		return false;
	if (d->cte.off != SPAN_NULL && !span_ieq(b, d->cte, "7bit"))
		return false;
	return d->cmd5.off == SPAN_NULL && d->cdisp.off == SPAN_NULL &&
	       d->lang_n == 0 && d->cloc.off == SPAN_NULL;
}

/* Copy what fits of n bytes to dst[*w..cap); *w counts them all. */
static void
put(char *dst, size_t cap, size_t *w, const char *src, size_t n)
{
	if (*w < cap)
		memcpy(dst + *w, src, n < cap - *w ? n : cap - *w);
	*w += n;
}

/* Apply the cut list to BODYSTRUCTURE: BODY, or its length with cap 0. */
static size_t
body_from_cuts(const char *bs, uint32_t bs_len, const uint8_t *cuts, uint32_t n,
	       char *dst, size_t cap)
{
	size_t w = 0, p = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t c[2];
		memcpy(c, cuts + (size_t)i * 8, sizeof(c));
		if (c[0] < p || c[0] > bs_len || c[1] > bs_len - c[0])
			break; /* damaged list: never read outside */
		put(dst, cap, &w, bs + p, c[0] - p);
		p = (size_t)c[0] + c[1];
	}
	put(dst, cap, &w, bs + p, bs_len - p);
	return w;
}

/* The envelope pool: the rendered envelope without the Sender and
 * Reply-To fields that repeat From; ins receives the insertions. */
static uint32_t
env_pool(const char *e, size_t len, const uint32_t m[4], uint32_t ins[2][3],
	 struct mbuf *pool)
{
	uint32_t f = m[0], sd = m[1], r = m[2], t = m[3], n = 0;
	mbuf_reset(pool);
	if (!(f >= 1 && f < sd && sd < r && r < t && t <= len)) {
		mbuf_add(pool, e, len);
		return 0;
	}
	size_t fl = sd - 1 - f; /* From without the space after it */
	/* a reference costs 12 bytes: only for a longer field */
	bool big = fl + 1 > 12;
	bool sdup = big && r - 1 - sd == fl && memcmp(e + sd, e + f, fl) == 0;
	bool rdup = big && t - 1 - r == fl && memcmp(e + r, e + f, fl) == 0;
	/* " " + From, stored once at f - 1 */
	mbuf_add(pool, e, sd - 1);
	if (sdup) {
		ins[n][0] = sd - 1;
		ins[n][1] = f - 1;
		ins[n++][2] = (uint32_t)fl + 1;
	} else {
		mbuf_add(pool, e + sd - 1, r - sd);
	}
	if (rdup) {
		ins[n][0] = (uint32_t)pool->len;
		ins[n][1] = f - 1;
		ins[n++][2] = (uint32_t)fl + 1;
	} else {
		mbuf_add(pool, e + r - 1, t - r);
	}
	mbuf_add(pool, e + t - 1, len - (t - 1));
	return n;
}

int
mime_build_index(struct ife_mime_builder *b)
{
	struct mbuf *o = &b->out;
	struct idx_hdr h = {
		.magic = IDX_MAGIC,
		.version = IFE_MIME_INDEX_VERSION,
		.part_size = sizeof(struct ife_mime_part),
		.flags = b->flags,
		.nparts = b->nparts,
	};

	/* BODYSTRUCTURE, noting BODY's cuts */
	mbuf_reset(&b->bs);
	mbuf_reset(&b->cuts);
	mbuf_addc(&b->bs, '(');
	write_part(b, &b->bs, 0, true);
	mbuf_addc(&b->bs, ')');
	h.bs_len = (uint32_t)b->bs.len;
	/* BODY as Dovecot renders it, to check the cuts against */
	struct mbuf *bd = &b->body;
	mbuf_reset(bd);
	if (is_plain_7bit(b)) {
		/* Dovecot answers BODY of a plain 7-bit message from a
		 * constant, whatever the case of its header values */
		mbuf_adds(bd, "(\"text\" \"plain\" (\"charset\" "
			      "\"us-ascii\") NIL NIL \"7bit\" ");
		mbuf_addu(bd, b->parts[0].p.body_vsize);
		mbuf_addc(bd, ' ');
		mbuf_addu(bd, b->parts[0].p.body_lines);
		mbuf_addc(bd, ')');
	} else {
		mbuf_addc(bd, '(');
		write_part(b, bd, 0, false);
		mbuf_addc(bd, ')');
	}
	if (b->bs.err || bd->err || b->cuts.err)
		return -ENOMEM;
	h.body_len = (uint32_t)bd->len;
	uint32_t ncuts = (uint32_t)(b->cuts.len / 8);
	const uint8_t *cuts = (const uint8_t *)b->cuts.p;
	bool same = body_from_cuts(b->bs.p, h.bs_len, cuts, ncuts, NULL, 0) ==
		    bd->len;
	if (same) {
		/* compare the decoded BODY byte for byte */
		size_t p = 0, w = 0;
		for (uint32_t i = 0; same && i <= ncuts; i++) {
			uint32_t c[2] = {h.bs_len, 0};
			if (i < ncuts)
				memcpy(c, cuts + (size_t)i * 8, sizeof(c));
			if (c[0] < p || c[0] > h.bs_len ||
			    c[1] > h.bs_len - c[0]) {
				same = false;
				break;
			}
			size_t n = c[0] - p;
			same = memcmp(bd->p + w, b->bs.p + p, n) == 0;
			w += n;
			p = (size_t)c[0] + c[1];
		}
	}
	h.body_cuts = same ? ncuts : BODY_EXPLICIT;

	/* ENVELOPE */
	const struct mpart *p0 = &b->parts[0];
	struct span env = p0->d.envelope;
	uint32_t ins[2][3];
	mbuf_reset(&b->tmp);
	if (env.off != SPAN_NULL) {
		h.env_ins = (uint8_t)env_pool(mime_span(b, env), env.len,
					      p0->d.env_mark, ins, &b->tmp);
		h.env_len = env.len;
	}
	h.env_pool = (uint32_t)b->tmp.len;
	if (b->tmp.err)
		return -ENOMEM;

	mbuf_reset(o);
	mbuf_add(o, &h, sizeof(h));
	for (uint32_t i = 0; i < b->nparts; i++)
		mbuf_add(o, &b->parts[i].p, sizeof(struct ife_mime_part));
	mbuf_add(o, ins, (size_t)h.env_ins * sizeof(ins[0]));
	if (same)
		mbuf_add(o, cuts, (size_t)ncuts * 8);
	mbuf_add(o, b->bs.p, h.bs_len);
	mbuf_add(o, b->tmp.p ? b->tmp.p : "", h.env_pool);
	if (!same)
		mbuf_add(o, bd->p, h.body_len);
	if (o->err)
		return o->err;
	if (b->err)
		return b->err;
	return 0;
}

int
ife_mime_index_open(const void *idx, size_t idx_len,
		    struct ife_mime_index_info *info)
{
	struct idx_hdr h;

	if (idx == NULL || idx_len < sizeof(h) || ((uintptr_t)idx & 3) != 0)
		return IFE_ECORRUPT;
	memcpy(&h, idx, sizeof(h));
	if (h.magic != IDX_MAGIC || h.version != IFE_MIME_INDEX_VERSION ||
	    h.part_size != sizeof(struct ife_mime_part) || h.nparts == 0 ||
	    h.env_ins > 2)
		return IFE_ECORRUPT;
	bool explicit = h.body_cuts == BODY_EXPLICIT;
	uint64_t need = sizeof(h) + (uint64_t)h.nparts * h.part_size +
			(uint64_t)h.env_ins * 12 +
			(explicit ? h.body_len : (uint64_t)h.body_cuts * 8) +
			(uint64_t)h.bs_len + h.env_pool;
	if (need != idx_len)
		return IFE_ECORRUPT;
	const char *p = (const char *)idx + sizeof(h);
	info->flags = h.flags;
	info->nparts = h.nparts;
	info->parts = (const struct ife_mime_part *)(const void *)p;
	p += (size_t)h.nparts * h.part_size;
	info->env_ins = (const uint8_t *)p;
	info->env_nins = h.env_ins;
	p += (size_t)h.env_ins * 12;
	info->body_cuts = (const uint8_t *)p;
	info->body_ncuts = explicit ? 0 : h.body_cuts;
	p += explicit ? 0 : (size_t)h.body_cuts * 8;
	info->bodystructure = p;
	info->bodystructure_len = h.bs_len;
	p += h.bs_len;
	info->env_pool = p;
	info->env_pool_len = h.env_pool;
	p += h.env_pool;
	info->body_explicit = explicit ? p : NULL;
	info->envelope_len = h.env_len;
	info->body_len = h.body_len;
	return 0;
}

size_t
ife_mime_envelope(const struct ife_mime_index_info *info, char *dst, size_t cap)
{
	size_t w = 0, p = 0, pl = info->env_pool_len;
	for (uint32_t i = 0; i < info->env_nins; i++) {
		uint32_t in[3];
		memcpy(in, info->env_ins + (size_t)i * 12, sizeof(in));
		if (in[0] < p || in[0] > pl || in[1] > pl || in[2] > pl - in[1])
			break; /* damaged: never read outside the pool */
		put(dst, cap, &w, info->env_pool + p, in[0] - p);
		put(dst, cap, &w, info->env_pool + in[1], in[2]);
		p = in[0];
	}
	put(dst, cap, &w, info->env_pool + p, pl - p);
	return w;
}

size_t
ife_mime_body(const struct ife_mime_index_info *info, char *dst, size_t cap)
{
	size_t w = 0;
	if (info->body_explicit != NULL) {
		put(dst, cap, &w, info->body_explicit, info->body_len);
		return w;
	}
	return body_from_cuts(info->bodystructure, info->bodystructure_len,
			      info->body_cuts, info->body_ncuts, dst, cap);
}

/* ---- sections (imap-msgpart.c) ---- */

static bool
sec_word(const char *s, size_t n, const char *w)
{
	return n == strlen(w) && strncasecmp(s, w, n) == 0;
}

int
ife_mime_section(const struct ife_mime_index_info *info, const char *sec,
		 size_t sec_len, struct ife_mime_slice *out)
{
	const struct ife_mime_part *parts = info->parts;
	uint32_t part = 0;
	size_t i = 0;
	bool numbered = false, found = true;

	memset(out, 0, sizeof(*out));
	/* section-part = nz-number *("." nz-number) */
	while (i < sec_len && sec[i] >= '1' && sec[i] <= '9') {
		uint64_t num = 0;
		while (i < sec_len && sec[i] >= '0' && sec[i] <= '9') {
			num = num * 10 + (uint64_t)(sec[i] - '0');
			if (num > UINT32_MAX)
				return IFE_EPROTO;
			i++;
		}
		numbered = true;
		bool more = i < sec_len && sec[i] == '.';
		if (more) {
			i++;
			if (i == sec_len)
				return IFE_EPROTO;
		}
		bool digit_next = more && sec[i] >= '0' && sec[i] <= '9';
		if (!found)
			continue;
		if (parts[part].flags & IFE_MIME_PART_MULTIPART) {
			uint32_t c = parts[part].child;
			for (; num > 1 && c != IFE_MIME_NONE; num--)
				c = parts[c].next;
			if (c == IFE_MIME_NONE)
				found = false;
			else
				part = c;
		} else if (num != 1) {
			found = false;
		} else if (digit_next &&
			   (parts[part].flags & IFE_MIME_PART_RFC822) == 0) {
			found = false;
		}
		if (found && digit_next &&
		    (parts[part].flags & IFE_MIME_PART_RFC822) &&
		    parts[part].child != IFE_MIME_NONE)
			part = parts[part].child;
	}
	const char *rest = sec + i;
	size_t rl = sec_len - i;
	uint32_t kind;
	if (rl == 0)
		kind = numbered ? IFE_MIME_SEC_BODY : IFE_MIME_SEC_ALL;
	else if (sec_word(rest, rl, "HEADER"))
		kind = IFE_MIME_SEC_HEADER;
	else if (sec_word(rest, rl, "HEADER.FIELDS"))
		kind = IFE_MIME_SEC_HEADER_FIELDS;
	else if (sec_word(rest, rl, "HEADER.FIELDS.NOT"))
		kind = IFE_MIME_SEC_HEADER_FIELDS_NOT;
	else if (sec_word(rest, rl, "TEXT"))
		kind = IFE_MIME_SEC_TEXT;
	else if (numbered && sec_word(rest, rl, "MIME"))
		kind = IFE_MIME_SEC_MIME;
	else
		return IFE_EPROTO;
	out->kind = kind;
	if (!found) {
		out->missing = 1;
		return 0;
	}
	const struct ife_mime_part *p = &parts[part];
	if (numbered && kind != IFE_MIME_SEC_BODY &&
	    kind != IFE_MIME_SEC_MIME) {
		/* n.HEADER / n.TEXT name the encapsulated message */
		if ((p->flags & IFE_MIME_PART_RFC822) == 0 ||
		    p->child == IFE_MIME_NONE) {
			out->missing = 1;
			return 0;
		}
		p = &parts[p->child];
	}
	switch (kind) {
	case IFE_MIME_SEC_ALL:
		out->off = 0;
		out->len = p->hdr_len + p->body_len;
		out->vsize = p->hdr_vsize + p->body_vsize;
		break;
	case IFE_MIME_SEC_BODY:
	case IFE_MIME_SEC_TEXT:
		out->off = p->hdr_off + p->hdr_len;
		out->len = p->body_len;
		out->vsize = p->body_vsize;
		break;
	default: /* HEADER, HEADER.FIELDS[.NOT], MIME */
		out->off = p->hdr_off;
		out->len = p->hdr_len;
		out->vsize = p->hdr_vsize;
		break;
	}
	return 0;
}

size_t
ife_mime_imap_copy(const uint8_t *src, size_t len, uint8_t *dst, size_t dst_cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (src[i] == '\n' && (i == 0 || src[i - 1] != '\r')) {
			if (o + 2 > dst_cap)
				break;
			dst[o++] = '\r';
			dst[o++] = '\n';
			continue;
		}
		if (o + 1 > dst_cap)
			break;
		dst[o++] = src[i] ? src[i] : 0x80;
	}
	return o;
}

/* HEADER.FIELDS[.NOT] as Dovecot 2.3 answers them. HEADER.FIELDS comes
 * from its header cache: each matching line (continuations included) ends
 * in CRLF, and a blank line always follows. HEADER.FIELDS.NOT filters the
 * raw header: line ends are kept (LF becomes CRLF, a last line without one
 * stays without) and the blank line is sent only if the header had one. A
 * line without ':' never matches a name; only a line after a field's line
 * can continue it. */
size_t
ife_mime_header_filter(const uint8_t *h, size_t len, const char *const *names,
		       const size_t *name_len, unsigned n, int negate,
		       uint8_t *dst, size_t cap)
{
	size_t pos = 0, o = 0;
	bool had_eoh = false, keep = false;

#define PUT_CRLF()                         \
	do {                               \
		if (o + 2 <= cap) {        \
			dst[o] = '\r';     \
			dst[o + 1] = '\n'; \
		}                          \
		o += 2;                    \
	} while (0)

	while (pos < len) {
		const uint8_t *nl = memchr(h + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - h) + 1 : len;
		size_t le = nl ? (size_t)(nl - h) : len; /* line without LF */
		if (le > pos && nl && h[le - 1] == '\r')
			le--;
		if (le == pos && nl != NULL) {
			had_eoh = true; /* the blank line ends the header */
			break;
		}
		if (pos == 0 || (h[pos] != ' ' && h[pos] != '\t')) {
			/* a new field: does its name match? */
			const uint8_t *colon = memchr(h + pos, ':', le - pos);
			bool match = false;
			if (colon != NULL) {
				size_t ne = (size_t)(colon - h);
				while (ne > pos &&
				       (h[ne - 1] == ' ' || h[ne - 1] == '\t'))
					ne--;
				for (unsigned i = 0; i < n && !match; i++)
					match = name_len[i] == ne - pos &&
						strncasecmp((const char *)h +
								    pos,
							    names[i],
							    ne - pos) == 0;
			}
			keep = negate ? !match : match;
		}
		if (keep) {
			o += ife_mime_imap_copy(h + pos, le - pos,
						dst + (o < cap ? o : cap),
						o < cap ? cap - o : 0);
			if (!negate || nl != NULL)
				PUT_CRLF();
		}
		pos = end;
	}
	if (!negate || had_eoh)
		PUT_CRLF();
#undef PUT_CRLF
	return o < cap ? o : cap;
}

/* ---- builder ---- */

int
ife_mime_builder_create(const struct ife_mime_limits *lim,
			struct ife_mime_builder **out)
{
	struct ife_mime_builder *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	b->lim.max_parts = lim && lim->max_parts ? lim->max_parts : 10000;
	b->lim.max_depth = lim && lim->max_depth ? lim->max_depth : 100;
	*out = b;
	return 0;
}

void
ife_mime_builder_destroy(struct ife_mime_builder **bp)
{
	struct ife_mime_builder *b = bp ? *bp : NULL;
	if (b == NULL)
		return;
	free(b->parts);
	free(b->bounds);
	free(b->params);
	free(b->spans);
	free(b->addrs);
	mbuf_free(&b->arena);
	mbuf_free(&b->hv);
	mbuf_free(&b->tmp);
	mbuf_free(&b->out);
	mbuf_free(&b->bs);
	mbuf_free(&b->body);
	mbuf_free(&b->cuts);
	free(b);
	*bp = NULL;
}

int
ife_mime_index(struct ife_mime_builder *b, const void *msg, size_t len,
	       const void **idx_out, size_t *idx_len)
{
	if (len >= UINT32_MAX)
		return IFE_ELIMIT;
	b->msg = msg ? msg : (const void *)"";
	b->len = len;
	b->nparts = b->nbounds = b->nparams = b->nspans = b->naddrs = 0;
	b->flags = 0;
	b->err = 0;
	mbuf_reset(&b->arena);
	mbuf_reset(&b->hv);
	mbuf_reset(&b->tmp);
	int ret = mime_parse(b);
	if (ret == 0)
		ret = mime_build_index(b);
	if (ret == 0 && (b->arena.err || b->hv.err || b->tmp.err))
		ret = -ENOMEM;
	if (ret != 0)
		return ret;
	*idx_out = b->out.p;
	*idx_len = b->out.len;
	return 0;
}
