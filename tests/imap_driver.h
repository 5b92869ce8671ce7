/*
 * A minimal "session" around the IMAP parser that turns a client stream
 * into a transcript, one line per event. Shared (header-only) by the unit
 * tests and tools/imapfe-parse.c so that both show the parser the same way.
 *
 *   OK <tag> <COMMAND> <canonical>    a command (canonical = full line)
 *   BAD <tag|*> <reason>              tagged/untagged BAD, parser resynced
 *   BYE * <reason>                    stream cannot be resynchronised
 *   + Ready for literal data          a continuation the server would send
 *   APPEND <n> <size>                 an APPEND message begins
 *   DATA "<escaped bytes>"            that message's data, reassembled
 *   AUTH <line> / AUTH *              SASL response line / cancel
 *   DONE                              IDLE ended
 *   REJECT                            the driver refused that literal
 *   INCOMPLETE                        input ended inside a command
 *   NO <tag> <reason>                 APPEND data over data_cap: the
 *                                     command is parsed but not printed
 *
 * The canonical form is IMAP, so it may span lines: a literal header
 * "{n+}" or "~{n+}" that ends a line is followed by CRLF and exactly n
 * bytes of data, then the rest of the command. Every APPEND message is
 * such a literal, carrying its data (collected from EV_LITERAL, at most
 * data_cap bytes per command), so the canonical form of every command,
 * APPEND included, parses again to itself (checked when `roundtrip`).
 * A reader takes "OK <tag> <COMMAND> ", then the command up to a LF that
 * does not end a literal header, reading n bytes after each such header.
 *
 * Session emulation: after AUTHENTICATE the next line is a SASL response,
 * after IDLE the next line must be DONE; after LOGIN or AUTHENTICATE the
 * post-auth limits apply (when `post` is given).
 */
#ifndef IMAP_DRIVER_H
#define IMAP_DRIVER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_pvt.h"
#include "imapfe/imap_parser.h"

struct imap_drv_out {
	char *buf;
	size_t len, cap;
};

static inline void
imap_drv_put(struct imap_drv_out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t nc = o->cap ? o->cap * 2 : 4096;
		while (nc < o->len + n + 1)
			nc *= 2;
		char *nb = realloc(o->buf, nc);
		if (nb == NULL)
			abort();
		o->buf = nb;
		o->cap = nc;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static inline void
imap_drv_puts(struct imap_drv_out *o, const char *s)
{
	imap_drv_put(o, s, strlen(s));
}

static inline void
imap_drv_escaped(struct imap_drv_out *o, const char *s, size_t n, size_t max)
{
	char b[8];
	for (size_t i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r')
			imap_drv_puts(o, "\\r");
		else if (c == '\n')
			imap_drv_puts(o, "\\n");
		else if (c == '\\' || c == '"')
			snprintf(b, sizeof(b), "\\%c", c), imap_drv_puts(o, b);
		else if (c < 0x20 || c >= 0x7f)
			snprintf(b, sizeof(b), "\\x%02x", c),
				imap_drv_puts(o, b);
		else
			imap_drv_put(o, (const char *)&c, 1);
	}
	if (n > max) {
		snprintf(b, sizeof(b), "...");
		imap_drv_puts(o, b);
	}
}

struct imap_drv {
	struct ife_imap_parser p;
	const struct ife_imap_limits *post;
	struct imap_drv_out out;
	/* every message of the current APPEND, concatenated, for its
	 * canonical form; the current message starts at msg0 */
	struct imap_drv_out data;
	size_t msg0;
	size_t data_max; /* DATA lines show at most this much of a message */
	size_t data_cap; /* keep at most this much per APPEND (SIZE_MAX) */
	bool data_over;	 /* this APPEND went over data_cap: not printed */
	char *fmt;
	size_t fmt_cap;
	bool closed;
	bool roundtrip; /* re-parse every canonical form and compare */
	unsigned rt_failures;
	unsigned errors; /* EV_ERROR events */
	/* refuse the i-th literal (EV_CONTINUE / EV_APPEND) when bit i % 32 is
	 * set, as a session does for NO [TRYCREATE] or over quota */
	uint32_t reject_bits;
	unsigned nlit;
	void *rt_arena;
	size_t rt_size;
};

static inline int
imap_drv_init(struct imap_drv *d, const struct ife_imap_limits *first,
	      const struct ife_imap_limits *post, void *arena, size_t size)
{
	memset(d, 0, sizeof(*d));
	d->post = post;
	d->data_max = 4096;
	d->data_cap = SIZE_MAX;
	d->fmt_cap = 1 << 16;
	d->fmt = malloc(d->fmt_cap);
	if (d->fmt == NULL)
		abort();
	return ife_imap_parser_init(&d->p, first, arena, size);
}

static inline void
imap_drv_free(struct imap_drv *d)
{
	free(d->out.buf);
	free(d->data.buf);
	free(d->fmt);
	memset(d, 0, sizeof(*d));
}

/* Canonical form -> parser -> canonical form must be a fixed point (APPEND:
 * with the message data collected again from EV_LITERAL). */
static inline void
imap_drv_roundtrip(struct imap_drv *d, const char *canon, size_t n)
{
	struct ife_imap_parser p2;
	struct ife_imap_event ev;
	char *line = malloc(n + 2);
	char *again = malloc(n + 64);
	if (line == NULL || again == NULL || d->rt_arena == NULL)
		abort();
	memcpy(line, canon, n);
	memcpy(line + n, "\r\n", 2);
	/* generous limits: the canonical form may be longer than the input
	 * (escapes, literals), and the original limits may be tiny */
	struct ife_imap_limits l2 = ife_imap_limits_postauth;
	l2.utf8 = d->p.lim->utf8;
	if (ife_imap_parser_init(&p2, &l2, d->rt_arena, d->rt_size) != 0)
		abort();
	size_t pos = 0;
	struct imap_drv_out msgs = {0};
	enum ife_imap_ev k;
	do {
		k = ife_imap_parser_feed(&p2, line + pos, n + 2 - pos, &ev);
		pos += ev.consumed;
		if (k == IFE_IMAP_EV_LITERAL)
			imap_drv_put(&msgs, ev.data.ptr, ev.data.len);
	} while (k == IFE_IMAP_EV_CONTINUE || k == IFE_IMAP_EV_APPEND ||
		 k == IFE_IMAP_EV_LITERAL);
	size_t m = k == IFE_IMAP_EV_COMMAND
			   ? imap_command_format_data(ev.cmd,
						      msgs.buf ? msgs.buf : "",
						      msgs.len, again, n + 64)
			   : 0;
	free(msgs.buf);
	if (k != IFE_IMAP_EV_COMMAND || m != n ||
	    memcmp(again, canon, n) != 0 || pos != n + 2) {
		imap_drv_puts(&d->out, "ROUNDTRIP-MISMATCH\n");
		d->rt_failures++;
	}
	free(line);
	free(again);
}

static inline void
imap_drv_command(struct imap_drv *d, const struct ife_imap_command *c)
{
	/* APPEND: the messages' data, never NULL ({0+} has data too) */
	const char *msgs = d->data.buf ? d->data.buf : "";
	size_t mlen = c->cmd == IFE_IMAP_CMD_APPEND ? d->data.len : 0;
	d->data.len = 0;
	if (c->cmd == IFE_IMAP_CMD_APPEND && d->data_over)
		return; /* reported by the NO line */
	size_t n = imap_command_format_data(c, msgs, mlen, d->fmt, d->fmt_cap);
	if (n >= d->fmt_cap) {
		free(d->fmt);
		d->fmt_cap = n + 1;
		d->fmt = malloc(d->fmt_cap);
		if (d->fmt == NULL)
			abort();
		n = imap_command_format_data(c, msgs, mlen, d->fmt, d->fmt_cap);
	}
	if (d->roundtrip)
		imap_drv_roundtrip(d, d->fmt, n);
	imap_drv_puts(&d->out, "OK ");
	imap_drv_put(&d->out, c->tag.ptr, c->tag.len);
	imap_drv_puts(&d->out, " ");
	imap_drv_puts(&d->out, ife_imap_cmd_name(c->cmd));
	imap_drv_puts(&d->out, " ");
	imap_drv_put(&d->out, d->fmt, n);
	imap_drv_puts(&d->out, "\n");
	if (c->cmd == IFE_IMAP_CMD_AUTHENTICATE && !c->u.auth.has_ir)
		ife_imap_parser_expect(&d->p, IFE_IMAP_MODE_AUTH_LINE);
	if (c->cmd == IFE_IMAP_CMD_IDLE)
		ife_imap_parser_expect(&d->p, IFE_IMAP_MODE_IDLE);
	if ((c->cmd == IFE_IMAP_CMD_LOGIN ||
	     c->cmd == IFE_IMAP_CMD_AUTHENTICATE) &&
	    d->post != NULL)
		ife_imap_parser_set_limits(&d->p, d->post);
}

/* EV_APPEND accepted: collect this message for the canonical form, up to
 * data_cap bytes for the whole command. */
static inline void
imap_drv_append(struct imap_drv *d, const struct ife_imap_command *c)
{
	const struct ife_imap_append *a = &c->u.append;
	if (a->index == 0) {
		d->data.len = 0;
		d->data_over = false;
	}
	d->msg0 = d->data.len;
	if (d->data_over)
		return;
	if (a->cur.size > d->data_cap - d->data.len) {
		char b[96];
		d->data_over = true;
		d->errors++;
		imap_drv_puts(&d->out, "NO ");
		imap_drv_put(&d->out, c->tag.ptr, c->tag.len);
		snprintf(b, sizeof(b), " APPEND data over the %zu-byte limit\n",
			 d->data_cap);
		imap_drv_puts(&d->out, b);
		return;
	}
	if (a->cur.size == 0)
		imap_drv_puts(&d->out, "DATA \"\"\n");
}

/* Feed data[0..len) in chunks of `step` bytes (0: all at once). */
static inline void
imap_drv_run(struct imap_drv *d, const char *data, size_t len, size_t step)
{
	size_t pos = 0;
	char num[64];
	while (!d->closed) {
		size_t end = step == 0 || len - pos < step ? len : pos + step;
		struct ife_imap_event ev;
		enum ife_imap_ev k =
			ife_imap_parser_feed(&d->p, data + pos, end - pos, &ev);
		pos += ev.consumed;
		switch (k) {
		case IFE_IMAP_EV_NEED_MORE:
			if (end == len)
				goto done;
			break;
		case IFE_IMAP_EV_COMMAND:
			imap_drv_command(d, ev.cmd);
			break;
		case IFE_IMAP_EV_CONTINUE:
			if ((d->reject_bits >> (d->nlit++ % 32)) & 1) {
				ife_imap_parser_reject(&d->p);
				imap_drv_puts(&d->out, "REJECT\n");
				break;
			}
			imap_drv_puts(&d->out, "+ Ready for literal data\n");
			break;
		case IFE_IMAP_EV_APPEND:
			snprintf(num, sizeof(num), "APPEND %u %llu\n",
				 ev.cmd->u.append.index,
				 (unsigned long long)ev.cmd->u.append.cur.size);
			imap_drv_puts(&d->out, num);
			if ((d->reject_bits >> (d->nlit++ % 32)) & 1) {
				ife_imap_parser_reject(&d->p);
				imap_drv_puts(&d->out, "REJECT\n");
				break;
			}
			if (ev.append_sync)
				imap_drv_puts(&d->out,
					      "+ Ready for literal data\n");
			imap_drv_append(d, ev.cmd);
			break;
		case IFE_IMAP_EV_LITERAL:
			if (d->data_over)
				break;
			imap_drv_put(&d->data, ev.data.ptr, ev.data.len);
			if (ev.remaining == 0) {
				imap_drv_puts(&d->out, "DATA \"");
				imap_drv_escaped(&d->out, d->data.buf + d->msg0,
						 d->data.len - d->msg0,
						 d->data_max);
				imap_drv_puts(&d->out, "\"\n");
			}
			break;
		case IFE_IMAP_EV_AUTH_LINE:
			imap_drv_puts(&d->out, "AUTH ");
			if (ev.auth_cancel)
				imap_drv_puts(&d->out, "*");
			else
				imap_drv_put(&d->out, ev.data.ptr, ev.data.len);
			imap_drv_puts(&d->out, "\n");
			break;
		case IFE_IMAP_EV_IDLE_DONE:
			imap_drv_puts(&d->out, "DONE\n");
			break;
		case IFE_IMAP_EV_ERROR:
			d->errors++;
			imap_drv_puts(&d->out, ev.action == IFE_IMAP_ACT_BYE
						       ? "BYE "
						       : "BAD ");
			if (ev.tag.len && ev.action != IFE_IMAP_ACT_BYE)
				imap_drv_put(&d->out, ev.tag.ptr, ev.tag.len);
			else
				imap_drv_puts(&d->out, "*");
			imap_drv_puts(&d->out, " ");
			imap_drv_puts(&d->out, ev.text);
			imap_drv_puts(&d->out, "\n");
			if (ev.action == IFE_IMAP_ACT_BYE)
				d->closed = true;
			break;
		}
	}
done:
	if (!d->closed && ife_imap_parser_busy(&d->p))
		imap_drv_puts(&d->out, "INCOMPLETE\n");
}

#endif /* IMAP_DRIVER_H */
