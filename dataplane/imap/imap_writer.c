/*
 * Response writer (include/imapfe/imap_writer.h). Every string goes
 * through one chooser: atom when every byte is an ASTRING-CHAR, quoted when
 * it has no CR/LF/NUL (and is 7-bit, or valid UTF-8 for a UTF-8 client) and
 * is short, else a literal. Errors are sticky.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "imapfe/imap_writer.h"
#include "imap_pvt.h"

#define QUOTED_MAX 1024 /* longer strings go as literals */

void
ife_imap_writer_init(struct ife_imap_writer *w, void *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
}

void
ife_imap_writer_init_iov(struct ife_imap_writer *w, void *buf, size_t cap,
			 struct iovec *iov, unsigned iov_cap, size_t ref_min)
{
	ife_imap_writer_init(w, buf, cap);
	w->iov = iov;
	w->iov_cap = iov_cap;
	w->ref_min = ref_min ? ref_min : 1;
}

void
ife_imap_writer_set_utf8(struct ife_imap_writer *w, bool utf8)
{
	w->utf8 = utf8;
}

static void
put(struct ife_imap_writer *w, const void *s, size_t n)
{
	if (w->err)
		return;
	if (n > w->cap - w->len) {
		w->err = -ENOSPC;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void
push_iov(struct ife_imap_writer *w, const void *p, size_t n)
{
	if (w->err || n == 0)
		return;
	if (w->iov_n == w->iov_cap) {
		w->err = -ENOSPC;
		return;
	}
	w->iov[w->iov_n].iov_base = (void *)p;
	w->iov[w->iov_n].iov_len = n;
	w->iov_n++;
}

int
ife_imap_writer_finish(struct ife_imap_writer *w, size_t *len_r)
{
	if (w->iov != NULL && !w->err) {
		push_iov(w, w->buf + w->seg, w->len - w->seg);
		w->seg = w->len;
	}
	if (w->err)
		return w->err;
	*len_r = w->iov != NULL ? w->iov_n : w->len;
	return 0;
}

void
ife_imap_w_raw(struct ife_imap_writer *w, const char *s, size_t n)
{
	put(w, s, n);
}

void
ife_imap_w_crlf(struct ife_imap_writer *w)
{
	put(w, "\r\n", 2);
}

void
ife_imap_w_number(struct ife_imap_writer *w, uint64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	put(w, b, (size_t)n);
}

static bool
all_class(const char *s, size_t n, uint8_t cls)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(imap_ctype[(uint8_t)s[i]] & cls))
			return false;
	return true;
}

void
ife_imap_w_tagged(struct ife_imap_writer *w, const char *tag, size_t tag_len,
		  const char *status)
{
	if (!all_class(tag, tag_len, IMAP_C_TAG) ||
	    (strcmp(status, "OK") != 0 && strcmp(status, "NO") != 0 &&
	     strcmp(status, "BAD") != 0)) {
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	put(w, tag, tag_len);
	put(w, " ", 1);
	put(w, status, strlen(status));
	put(w, " ", 1);
}

void
ife_imap_w_untagged(struct ife_imap_writer *w)
{
	put(w, "* ", 2);
}

void
ife_imap_w_text(struct ife_imap_writer *w, const char *text, size_t n)
{
	for (size_t i = 0; i < n && !w->err; i++) {
		uint8_t c = (uint8_t)text[i];
		if (c < 0x20 || c >= 0x7f)
			c = '?';
		else if (i == 0 && c == '[')
			c = '(';
		put(w, &c, 1);
	}
}

void
ife_imap_w_continue(struct ife_imap_writer *w, const char *text, size_t n)
{
	put(w, "+ ", 2);
	ife_imap_w_text(w, text, n);
	put(w, "\r\n", 2);
}

void
ife_imap_w_code(struct ife_imap_writer *w, const char *code, size_t n)
{
	size_t a = 0;
	while (a < n && (imap_ctype[(uint8_t)code[a]] & IMAP_C_ATOM))
		a++;
	bool ok = a > 0 && (a == n || code[a] == ' ');
	for (size_t i = a; ok && i < n; i++) {
		uint8_t c = (uint8_t)code[i];
		ok = c >= 0x20 && c < 0x7f && c != ']';
	}
	if (!ok) {
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	put(w, "[", 1);
	put(w, code, n);
	put(w, "] ", 2);
}

void
ife_imap_w_atom(struct ife_imap_writer *w, const char *s, size_t n)
{
	if (!all_class(s, n, IMAP_C_ATOM)) {
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	put(w, s, n);
}

static bool
quotable(const struct ife_imap_writer *w, const char *s, size_t n)
{
	bool high = false;
	if (n > QUOTED_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c == 0 || c == '\r' || c == '\n')
			return false;
		if (c >= 0x80)
			high = true;
	}
	return !high || (w->utf8 && ife_imap_utf8_valid(s, n));
}

static void
literal_hdr(struct ife_imap_writer *w, const char *pfx, size_t n)
{
	put(w, pfx, strlen(pfx));
	ife_imap_w_number(w, n);
	put(w, "}\r\n", 3);
}

static void
literal_data(struct ife_imap_writer *w, const void *s, size_t n)
{
	if (w->iov != NULL && n >= w->ref_min) {
		push_iov(w, w->buf + w->seg, w->len - w->seg);
		w->seg = w->len;
		push_iov(w, s, n);
		return;
	}
	put(w, s, n);
}

void
ife_imap_w_literal(struct ife_imap_writer *w, const void *s, size_t n)
{
	if (memchr(s, 0, n) != NULL) {
		/* NUL is never allowed in a plain literal */
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	literal_hdr(w, "{", n);
	literal_data(w, s, n);
}

void
ife_imap_w_literal8(struct ife_imap_writer *w, const void *s, size_t n)
{
	literal_hdr(w, "~{", n);
	literal_data(w, s, n);
}

void
ife_imap_w_string(struct ife_imap_writer *w, const char *s, size_t n)
{
	if (!quotable(w, s, n)) {
		ife_imap_w_literal(w, s, n);
		return;
	}
	put(w, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			put(w, s + run, i - run);
			put(w, "\\", 1);
			run = i;
		}
	}
	put(w, s + run, n - run);
	put(w, "\"", 1);
}

void
ife_imap_w_astring(struct ife_imap_writer *w, const char *s, size_t n)
{
	if (all_class(s, n, IMAP_C_ASTRING))
		put(w, s, n);
	else
		ife_imap_w_string(w, s, n);
}

void
ife_imap_w_nstring(struct ife_imap_writer *w, const char *s, size_t n)
{
	if (s == NULL)
		put(w, "NIL", 3);
	else
		ife_imap_w_string(w, s, n);
}

void
ife_imap_w_mailbox(struct ife_imap_writer *w, const char *name, size_t n)
{
	if (n == 5 && strncasecmp(name, "INBOX", 5) == 0) {
		put(w, "INBOX", 5);
		return;
	}
	if (w->utf8) {
		for (size_t i = 0; i < n; i++) {
			uint8_t c = (uint8_t)name[i];
			if (c < 0x20 || c == 0x7f) {
				if (!w->err)
					w->err = -EINVAL;
				return;
			}
		}
		if (!ife_imap_utf8_valid(name, n)) {
			if (!w->err)
				w->err = -EINVAL;
			return;
		}
		ife_imap_w_astring(w, name, n);
		return;
	}
	char tmp[1024];
	long k = ife_imap_mutf7_encode(name, n, tmp, sizeof(tmp));
	if (k < 0) {
		if (!w->err)
			w->err = k == -2 ? -ENOSPC : -EINVAL;
		return;
	}
	ife_imap_w_astring(w, tmp, (size_t)k);
}

void
ife_imap_w_seqset(struct ife_imap_writer *w, const struct ife_imap_seq_range *r,
		  size_t n)
{
	if (n == 0) {
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(w, ",", 1);
		if (r[i].lo == IFE_IMAP_SEQ_STAR)
			put(w, "*", 1);
		else
			ife_imap_w_number(w, r[i].lo);
		if (r[i].hi != r[i].lo) {
			put(w, ":", 1);
			if (r[i].hi == IFE_IMAP_SEQ_STAR)
				put(w, "*", 1);
			else
				ife_imap_w_number(w, r[i].hi);
		}
	}
}

void
ife_imap_w_flags(struct ife_imap_writer *w, const struct ife_imap_str *flags,
		 size_t n)
{
	put(w, "(", 1);
	for (size_t i = 0; i < n; i++) {
		const char *s = flags[i].ptr;
		size_t len = flags[i].len;
		bool ok;
		if (len >= 1 && s[0] == '\\')
			ok = (len == 2 && s[1] == '*') ||
			     all_class(s + 1, len - 1, IMAP_C_ATOM);
		else
			ok = all_class(s, len, IMAP_C_ATOM);
		if (!ok) {
			if (!w->err)
				w->err = -EINVAL;
			return;
		}
		if (i)
			put(w, " ", 1);
		put(w, s, len);
	}
	put(w, ")", 1);
}

void
ife_imap_w_date_time(struct ife_imap_writer *w, const struct ife_imap_date *d)
{
	static const char mon[12][4] = {"Jan", "Feb", "Mar", "Apr",
					"May", "Jun", "Jul", "Aug",
					"Sep", "Oct", "Nov", "Dec"};
	if (d->mon < 1 || d->mon > 12 || d->day < 1 || d->day > 31 ||
	    d->hour > 23 || d->min > 59 || d->sec > 60 || d->year > 9999 ||
	    d->zone > 1439 || d->zone < -1439) {
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	int z = d->zone < 0 ? -d->zone : d->zone;
	char b[40];
	int n = snprintf(b, sizeof(b),
			 "\"%02u-%s-%04u %02u:%02u:%02u %c%02d%02d\"", d->day,
			 mon[d->mon - 1], d->year, d->hour, d->min, d->sec,
			 d->zone < 0 ? '-' : '+', z / 60, z % 60);
	put(w, b, (size_t)n);
}
