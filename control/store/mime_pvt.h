/*
 * MIME indexer internals, shared by mime_parse.c, mime_render.c and the
 * unit tests. Not part of the public interface (include/imapfe/mime.h).
 *
 * The parser follows Dovecot 2.3's lib-mail (message-parser.c,
 * message-header-parser.c, message-part-data.c, rfc822-parser.c,
 * rfc2231-parser.c, message-address.c) rule by rule so that the rendered
 * strings match byte for byte; where a rule is a Dovecot quirk rather than
 * RFC text, the comment says so.
 */
#ifndef IFE_MIME_PVT_H
#define IFE_MIME_PVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imapfe/mime.h"

/* A growable byte buffer; err is sticky (set on allocation failure). */
struct mbuf {
	char *p;
	size_t len, cap;
	int err;
};

void mbuf_reset(struct mbuf *b);
void mbuf_free(struct mbuf *b);
int mbuf_reserve(struct mbuf *b, size_t more);
void mbuf_add(struct mbuf *b, const void *p, size_t n);
void mbuf_addc(struct mbuf *b, char c);
void mbuf_adds(struct mbuf *b, const char *s);
void mbuf_addu(struct mbuf *b, uint64_t v);

/* A span in the builder's string arena; off == SPAN_NULL means NULL. */
#define SPAN_NULL UINT32_MAX
struct span {
	uint32_t off, len;
};

struct mparam {
	struct span name, value;
};

/* Per-part content data (Dovecot's message_part_data). */
struct mdata {
	struct span ctype, csubtype, cte, cid, cdesc, cdisp, cmd5, cloc;
	uint32_t ctp_first, ctp_n;   /* content-type params in b->params */
	uint32_t cdp_first, cdp_n;   /* disposition params */
	uint32_t lang_first, lang_n; /* languages in b->spans */
	struct span envelope;	     /* rendered, for rfc822 children */
	/* offsets in the rendered envelope where the From, Sender,
	 * Reply-To and To fields start (index v2 stores Sender and
	 * Reply-To equal to From as references) */
	uint32_t env_mark[4];
};

struct mpart {
	struct ife_mime_part p;
	struct mdata d;
	uint32_t depth;
	uint32_t hdr_lines;
};

/* Boundary stack entry. */
struct mbound {
	uint32_t part;
	struct span b; /* in arena */
};

/* An address from message-address.c; spans in the address scratch. */
struct maddr {
	struct span name, route, mailbox, domain;
};

struct ife_mime_builder {
	struct ife_mime_limits lim;
	/* per-message state, reset by ife_mime_index() */
	const uint8_t *msg;
	size_t len;
	struct mpart *parts;
	uint32_t nparts, capparts;
	struct mbound *bounds;
	uint32_t nbounds, capbounds;
	struct mparam *params;
	uint32_t nparams, capparams;
	struct span *spans;
	uint32_t nspans, capspans;
	struct mbuf arena; /* strings referenced by spans */
	struct mbuf hv;	   /* current header's full value */
	struct mbuf tmp;   /* scratch for token parsing */
	struct mbuf out;   /* the index blob being built */
	struct mbuf bs;	   /* BODYSTRUCTURE being rendered */
	struct mbuf body;  /* BODY rendered to check the cut list */
	struct mbuf cuts;  /* BODYSTRUCTURE ranges that BODY leaves out */
	struct maddr *addrs;
	uint32_t naddrs, capaddrs;
	uint32_t flags; /* IFE_MIME_F_* */
	int err;
};

/* mime_parse.c */
int mime_parse(struct ife_mime_builder *b);
int mime_grow(struct ife_mime_builder *b, void **arr, uint32_t *cap,
	      size_t elt);
#define GROW(b, arr, n, cap) \
	((n) < (cap)         \
		 ? 0         \
		 : mime_grow((b), (void **)&(arr), &(cap), sizeof(*(arr))))
struct span arena_add_cstr(struct ife_mime_builder *b, const void *p, size_t n);
const char *mime_span(const struct ife_mime_builder *b, struct span s);
struct span mime_arena_add(struct ife_mime_builder *b, const void *p, size_t n);

/* rfc822 tokenizer (mime_rfc822.c), Dovecot rfc822-parser.c semantics */
struct rfc822 {
	const uint8_t *data, *end;
	struct mbuf *last_comment; /* may be NULL */
};
int rfc822_skip_lwsp(struct rfc822 *c);
int rfc822_parse_quoted_string(struct rfc822 *c, struct mbuf *out);
int rfc822_parse_dot_atom(struct rfc822 *c, struct mbuf *out);
int rfc822_parse_phrase(struct rfc822 *c, struct mbuf *out);
int rfc822_parse_domain(struct rfc822 *c, struct mbuf *out);
int rfc822_parse_atom(struct rfc822 *c, struct mbuf *out);
int rfc822_parse_mime_token(struct rfc822 *c, struct mbuf *out);
int rfc822_parse_content_type(struct rfc822 *c, struct mbuf *out);

/* mime_rfc822.c: parameter lists after a content type or disposition,
 * appended to b->params (RFC 2045 5.1, RFC 2231 continuations merged). */
void mime_parse_params(struct ife_mime_builder *b, struct rfc822 *c,
		       uint32_t *first, uint32_t *count);
/* Address list parsing, appended to b->addrs (message_address_parse). */
void mime_parse_addresses(struct ife_mime_builder *b, const uint8_t *v,
			  size_t n);

/* mime_render.c */
void imapq_nstring(struct mbuf *o, const char *s, size_t n, bool is_null);
void imapq_nstring_nolf(struct mbuf *o, const char *s, size_t n, bool is_null);
void imapq_for_humans(struct mbuf *o, const char *s, size_t n);
/* An address header's value; several of one field accumulate. */
#define MAX_ADDR_HDRS 64
struct env_addr_hdr {
	uint8_t field;
	struct span v;
};
void mime_render_envelope(struct ife_mime_builder *b, struct mbuf *o,
			  const struct span *f, const struct env_addr_hdr *ah,
			  uint32_t nah, uint32_t marks[4]);
int mime_build_index(struct ife_mime_builder *b);

/* Envelope field order (RFC 9051 ENVELOPE). */
enum env_field {
	ENV_DATE,
	ENV_SUBJECT,
	ENV_FROM,
	ENV_SENDER,
	ENV_REPLY_TO,
	ENV_TO,
	ENV_CC,
	ENV_BCC,
	ENV_IN_REPLY_TO,
	ENV_MESSAGE_ID,
	ENV_NFIELDS
};

#endif /* IFE_MIME_PVT_H */
