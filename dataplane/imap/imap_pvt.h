/*
 * Internals of the IMAP parser shared by its files and its tests.
 *
 * Layout of the module:
 *   imap_frame.c      framing state machine (ife_imap_parser_feed): lines,
 *                     literals, continuation, APPEND streaming, resync
 *   imap_lexer.c      tokens over one complete command text: atoms,
 *                     strings, numbers, sequence sets, dates, flags, names
 *   imap_mutf7.c      modified UTF-7 and UTF-8 validation
 *   imap_parser.c     command dispatch and the small commands
 *   imap_cmd_mailbox.c  SELECT LIST STATUS CREATE APPEND NOTIFY ID quota
 *   imap_cmd_fetch.c  FETCH STORE COPY MOVE EXPUNGE
 *   imap_cmd_search.c SEARCH SORT THREAD (flat program, explicit stack)
 *   imap_format.c     canonical re-serialisation of a command
 *   imap_writer.c     response writer
 */
#ifndef IMAP_PVT_H
#define IMAP_PVT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "imapfe/imap_parser.h"

/* Character classes (RFC 9051 section 9), one table lookup each. */
enum {
	IMAP_C_ATOM = 1 << 0,	 /* ATOM-CHAR */
	IMAP_C_ASTRING = 1 << 1, /* ASTRING-CHAR = ATOM-CHAR / "]" */
	IMAP_C_TAG = 1 << 2,	 /* ASTRING-CHAR except "+" */
	IMAP_C_LIST = 1 << 3,	 /* list-char = ATOM-CHAR / "%" / "*" / "]" */
	IMAP_C_QUOTED = 1 << 4,	 /* TEXT-CHAR except quoted-specials, 7-bit */
	IMAP_C_DIGIT = 1 << 5,
	IMAP_C_WORD = 1 << 6, /* keyword chars: alnum . - $ _ */
};
extern const uint8_t imap_ctype[256];

/* Framing states. */
enum {
	FR_TEXT = 0,	/* scanning a line segment for LF */
	FR_LITERAL,	/* receiving ordinary literal data */
	FR_WAIT_CONT,	/* EV_CONTINUE reported; literal follows */
	FR_APPEND_WAIT, /* EV_APPEND reported; data follows */
	FR_APPEND_LIT,	/* streaming APPEND data as EV_LITERAL */
	FR_DISCARD,	/* skipping the rest of a bad line */
	FR_DISCARD_LIT, /* skipping a non-sync literal of a bad line */
	FR_CLOSED,	/* BYE given: nothing more is parsed */
};

/* Lexer over one contiguous command text (ends with CRLF). */
struct imap_lex {
	const uint8_t *start, *p, *end;
	struct ife_imap_parser *ps;
	uint32_t base; /* arena mark where this parse began */
	uint32_t nargs;
	const char *err; /* fixed client-safe text; NULL while fine */
	int code;	 /* IFE_EPROTO / IFE_ELIMIT */
	uint32_t err_off;
	bool elide;	   /* APPEND message literals carry no data */
	bool prefix;	   /* APPEND prefix parse: stop at a message */
	bool prefix_hit;   /* prefix parse stopped at a message literal */
	bool prefix_other; /* prefix parse stopped inside another literal */
	bool utf8;
};

/* Arena: 8-byte aligned bump allocation after the command text. */
struct ife_imap_parser;
void *imap_alloc(struct imap_lex *lx, size_t size);
/* Grow a vector of n elements (capacity *cap) by one; returns the slot. */
void *imap_vec_push(struct imap_lex *lx, void **vec, uint32_t *n, uint32_t *cap,
		    size_t elem);

/* Errors: record the first one; always return false. */
bool imap_fail(struct imap_lex *lx, int code, const char *text);
#define IMAP_BAD(lx, text) imap_fail((lx), IFE_EPROTO, (text))

/* Tokens. Each returns false after recording an error. */
static inline int
imap_peek(const struct imap_lex *lx)
{
	return lx->p < lx->end ? *lx->p : -1;
}
static inline bool
imap_at(const struct imap_lex *lx, int c)
{
	return lx->p < lx->end && *lx->p == c;
}
static inline bool
imap_eat(struct imap_lex *lx, int c)
{
	if (lx->p < lx->end && *lx->p == c) {
		lx->p++;
		return true;
	}
	return false;
}
bool imap_sp(struct imap_lex *lx);
bool imap_char(struct imap_lex *lx, int c, const char *text);
bool imap_at_eol(const struct imap_lex *lx);
bool imap_eol(struct imap_lex *lx);
bool imap_count(struct imap_lex *lx);
/* Upper-cased keyword (alnum . - $ _) into buf; 0 if none. */
size_t imap_word(struct imap_lex *lx, char *buf, size_t cap);
bool imap_kw(struct imap_lex *lx, const char *kw); /* exact, then delim */
bool imap_atom(struct imap_lex *lx, struct ife_imap_str *s);
bool imap_quoted(struct imap_lex *lx, struct ife_imap_str *s);
bool imap_literal(struct imap_lex *lx, struct ife_imap_str *s, bool allow8);
bool imap_string(struct imap_lex *lx, struct ife_imap_str *s);
bool imap_astring(struct imap_lex *lx, struct ife_imap_str *s);
bool imap_nstring(struct imap_lex *lx, struct ife_imap_str *s);
bool imap_number(struct imap_lex *lx, uint32_t *v);
bool imap_nz_number(struct imap_lex *lx, uint32_t *v);
bool imap_number64(struct imap_lex *lx, uint64_t *v);
bool imap_seqset(struct imap_lex *lx, struct ife_imap_seqset *s);
bool imap_date(struct imap_lex *lx, struct ife_imap_date *d);
bool imap_date_time(struct imap_lex *lx, struct ife_imap_date *d);
bool imap_flag(struct imap_lex *lx, struct ife_imap_str *s, uint32_t *sys,
	       bool allow_star);
bool imap_flag_list(struct imap_lex *lx, struct ife_imap_flags *f);
bool imap_mailbox(struct imap_lex *lx, struct ife_imap_mailbox *m);
bool imap_list_mailbox(struct imap_lex *lx, struct ife_imap_mailbox *m);
bool imap_depth_push(struct imap_lex *lx, uint32_t *depth);
/* Literal header "{n}" / "{n+}" / "~{n}" at lx->p (not consumed). */
bool imap_literal_header(struct imap_lex *lx, uint64_t *n, bool *sync,
			 bool *lit8);
bool imap_keyword_flag(const struct ife_imap_str *s);

/* Commands. */
bool imap_parse_command(struct imap_lex *lx, struct ife_imap_command *cmd);
bool imap_parse_name(const uint8_t *p, const uint8_t *end,
		     enum ife_imap_cmd *cmd, bool *uid, uint32_t *taglen,
		     const uint8_t **after);
bool imap_cmd_select(struct imap_lex *lx, struct ife_imap_command *c);
bool imap_cmd_create(struct imap_lex *lx, struct ife_imap_command *c);
bool imap_cmd_list(struct imap_lex *lx, struct ife_imap_command *c);
bool imap_cmd_lsub(struct imap_lex *lx, struct ife_imap_command *c);
bool imap_cmd_status(struct imap_lex *lx, struct ife_imap_command *c);
bool imap_cmd_append(struct imap_lex *lx, struct ife_imap_command *c);
bool imap_cmd_notify(struct imap_lex *lx, struct ife_imap_command *c);
bool imap_cmd_id(struct imap_lex *lx, struct ife_imap_command *c);
bool imap_cmd_setquota(struct imap_lex *lx, struct ife_imap_command *c);
bool imap_cmd_fetch(struct imap_lex *lx, struct ife_imap_command *c);
/* "(" fetch-att *(SP fetch-att) ")" (FETCH, NOTIFY MessageNew) */
bool imap_fetch_att_list(struct imap_lex *lx,
			 const struct ife_imap_fetch_att **atts, uint32_t *n);
bool imap_cmd_store(struct imap_lex *lx, struct ife_imap_command *c);
bool imap_cmd_copy(struct imap_lex *lx, struct ife_imap_command *c);
bool imap_cmd_search(struct imap_lex *lx, struct ife_imap_command *c);
bool imap_cmd_sort(struct imap_lex *lx, struct ife_imap_command *c);
bool imap_cmd_thread(struct imap_lex *lx, struct ife_imap_command *c);
/* SORT key name (enum ife_imap_sort_key), "?" if unknown. */
const char *imap_sort_name(unsigned key);

/* Status attribute names, shared by STATUS, LIST RETURN and the writer. */
extern const char *const imap_status_names[11];
int imap_status_lookup(const char *w);

/* Formatting helpers shared with the writer. */
struct imap_out {
	char *buf;
	size_t cap, len;
};
void imap_out_raw(struct imap_out *o, const void *s, size_t n);
void imap_out_str(struct imap_out *o, const char *s);
void imap_out_u64(struct imap_out *o, uint64_t v);
/* atom if possible, else quoted, else {n+} literal */
void imap_out_astring(struct imap_out *o, const char *s, size_t n);
void imap_out_string(struct imap_out *o, const char *s, size_t n);

/*
 * ife_imap_command_format() with APPEND message data: data[0..data_len)
 * holds every message's bytes, concatenated in order (data_len = the sum of
 * msgs[i].size), and each "{n+}" / "~{n+}" header is followed by CRLF and
 * that message's n bytes, so that the canonical form of an APPEND parses
 * again to itself too. With data NULL, or a data_len that is not that sum,
 * headers only (ife_imap_command_format). The parser streams message data
 * (EV_LITERAL) without keeping it: collecting it is the caller's business
 * (tests/imap_driver.h does, bounded).
 */
size_t imap_command_format_data(const struct ife_imap_command *cmd,
				const char *data, size_t data_len, char *buf,
				size_t cap);

#endif /* IMAP_PVT_H */
