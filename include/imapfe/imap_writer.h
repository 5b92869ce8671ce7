/**
 * @file imap_writer.h
 * @brief IMAP response writer: builds server responses into caller memory.
 *
 * The writer appends to one caller buffer, or to a caller buffer plus an
 * iovec array so that big literal data (message bodies from the store's
 * memory map) is referenced, not copied. It chooses atom, quoted string or
 * literal from the content, so that no byte sequence given to it can make
 * the response syntactically invalid: strings are escaped or sent as
 * literals, free text is sanitised, and atoms that are not atoms are
 * refused.
 *
 * Errors are sticky (like a failed LMDB transaction): after the first
 * failure every call is a no-op and ife_imap_writer_finish() reports it.
 *  - -ENOSPC: the buffer or the iovec array is full (nothing was written
 *    past the capacity; the output is truncated and must not be sent).
 *  - -EINVAL: an argument can never be valid (e.g. an "atom" holding a
 *    space, a status other than OK/NO/BAD/PREAUTH/BYE).
 *
 * Lifetimes: data passed to ife_imap_w_literal() by reference (iovec mode,
 * length >= ref_min) must stay valid until the iovecs have been sent.
 * Everything else is copied into the buffer.
 *
 * Typical use:
 *   ife_imap_writer_init(&w, buf, sizeof(buf));
 *   ife_imap_w_untagged(&w);
 *   ife_imap_w_raw(&w, "LIST () \"/\" ", 12);
 *   ife_imap_w_mailbox(&w, name, len);
 *   ife_imap_w_crlf(&w);
 *   ife_imap_w_tagged(&w, tag, taglen, "OK");
 *   ife_imap_w_text(&w, "LIST completed", 14);
 *   ife_imap_w_crlf(&w);
 *   if (ife_imap_writer_finish(&w, &len) == 0) send(buf, len);
 */
#ifndef IMAPFE_IMAP_WRITER_H
#define IMAPFE_IMAP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "imapfe/imap_parser.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Writer state (caller storage; fields private). */
struct ife_imap_writer {
	uint8_t *buf;
	size_t cap, len;
	size_t seg; /* start of the current buffer segment (iovec) */
	struct iovec *iov;
	unsigned iov_cap, iov_n;
	size_t ref_min;
	int err;
	bool utf8; /* client accepts UTF-8 (UTF8=ACCEPT / IMAP4rev2) */
};

/** Write into buf[0..cap). */
void ife_imap_writer_init(struct ife_imap_writer *w, void *buf, size_t cap);

/**
 * Write into buf, and describe the output as iovecs: literal data of at
 * least ref_min bytes is referenced in place instead of copied.
 */
void ife_imap_writer_init_iov(struct ife_imap_writer *w, void *buf, size_t cap,
			      struct iovec *iov, unsigned iov_cap,
			      size_t ref_min);

/** Strings may use UTF-8 in quoted form; mailbox names are sent as UTF-8. */
void ife_imap_writer_set_utf8(struct ife_imap_writer *w, bool utf8);

/**
 * Finish: report the sticky error, or the output size.
 * @param len_r  buffer mode: bytes written; iovec mode: number of iovecs
 * @return 0, -ENOSPC or -EINVAL.
 */
int ife_imap_writer_finish(struct ife_imap_writer *w, size_t *len_r);

/** "<tag> <status> " with status OK, NO or BAD. */
void ife_imap_w_tagged(struct ife_imap_writer *w, const char *tag,
		       size_t tag_len, const char *status);
/** "* " (then e.g. ife_imap_w_raw(w, "OK ", 3)). */
void ife_imap_w_untagged(struct ife_imap_writer *w);
/** "+ <text>\r\n" (text sanitised; empty text allowed). */
void ife_imap_w_continue(struct ife_imap_writer *w, const char *text, size_t n);
/** "[<code>] ": code is an atom, optionally followed by SP and text
 *  without "]" (e.g. "UIDNEXT 5"); -EINVAL otherwise. */
void ife_imap_w_code(struct ife_imap_writer *w, const char *code, size_t n);
/** Human text: CR, LF, NUL, other controls and 8-bit bytes become '?'; a
 *  leading '[' becomes '(' so that it cannot be read as a response code. */
void ife_imap_w_text(struct ife_imap_writer *w, const char *text, size_t n);
void ife_imap_w_crlf(struct ife_imap_writer *w);
/** Trusted protocol text (punctuation, keywords); not checked. */
void ife_imap_w_raw(struct ife_imap_writer *w, const char *s, size_t n);
/** An atom; -EINVAL if s is empty or holds a non-ATOM-CHAR. */
void ife_imap_w_atom(struct ife_imap_writer *w, const char *s, size_t n);
/** astring: atom if possible, else quoted, else literal. */
void ife_imap_w_astring(struct ife_imap_writer *w, const char *s, size_t n);
/** string: quoted if possible, else literal (never an atom). */
void ife_imap_w_string(struct ife_imap_writer *w, const char *s, size_t n);
/** nstring: NIL when s is NULL, else a string. */
void ife_imap_w_nstring(struct ife_imap_writer *w, const char *s, size_t n);
/** "{n}\r\n" + data; referenced when in iovec mode and n >= ref_min. */
void ife_imap_w_literal(struct ife_imap_writer *w, const void *s, size_t n);
/** "~{n}\r\n" + data (BINARY, RFC 3516): data may hold NUL. */
void ife_imap_w_literal8(struct ife_imap_writer *w, const void *s, size_t n);
/** A mailbox name given in UTF-8: modified UTF-7 unless utf8 is set;
 *  "INBOX" for any-case inbox; -EINVAL for invalid UTF-8 or controls. */
void ife_imap_w_mailbox(struct ife_imap_writer *w, const char *name, size_t n);
void ife_imap_w_number(struct ife_imap_writer *w, uint64_t v);
/** A sequence set (IFE_IMAP_SEQ_STAR = "*"); -EINVAL if empty. */
void ife_imap_w_seqset(struct ife_imap_writer *w,
		       const struct ife_imap_seq_range *r, size_t n);
/** "(" flag *(SP flag) ")": each flag "\atom", "\*" or an atom. */
void ife_imap_w_flags(struct ife_imap_writer *w,
		      const struct ife_imap_str *flags, size_t n);
/** date-time: "dd-Mon-yyyy hh:mm:ss +zzzz" (quoted). */
void ife_imap_w_date_time(struct ife_imap_writer *w,
			  const struct ife_imap_date *d);

#ifdef __cplusplus
}
#endif

#endif /* IMAPFE_IMAP_WRITER_H */
